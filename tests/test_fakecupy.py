"""common.fakecupy, the CPU stand-in for CuPy: it refuses what CuPy refuses, counts what
synchronises with the host, and otherwise computes exactly what NumPy computes."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from common import fakecupy as xp
from common.backend import array_module, to_numpy


@pytest.fixture
def x():
    xp.stats.reset()
    return xp.asarray(np.arange(12.0).reshape(3, 4))


@pytest.mark.parametrize("convert", [np.asarray, np.array, lambda a: np.float64(a), lambda a: np.zeros(12) + a,
                                     lambda a: a - np.ones((3, 4)), lambda a: np.ones(4) * a, lambda a: xp.exp(np.ones(3)),
                                     lambda a: xp.concatenate([a, np.ones((1, 4))]), lambda a: np.save("/dev/null", a),
                                     lambda a: a @ np.ones((4, 2))])
def test_host_and_device_never_mix_implicitly(x, convert):
    with pytest.raises(TypeError):
        convert(x)


def test_implicit_conversion_message_is_cupys(x):
    with pytest.raises(TypeError, match=r"Implicit conversion to a NumPy array is not allowed. Please use `.get\(\)`"):
        np.asarray(x)


def test_results_stay_on_the_device_and_equal_numpy(x):
    host = np.arange(12.0).reshape(3, 4)
    cases = {"exp": (xp.exp(x), np.exp(host)), "matmul": (x @ x.T, host @ host.T), "sum": (x.sum(axis=0), host.sum(0)),
             "ufunc": (np.tanh(x), np.tanh(host)), "function": (np.concatenate([x, x]), np.concatenate([host, host])),
             "method": (x.reshape(4, 3).astype(np.float32), host.reshape(4, 3).astype(np.float32)),
             "index": (x[np.array([2, 0])], host[[2, 0]]), "mask": (x[x > 4], host[host > 4]),
             "scalar": (2.5 * x - np.float32(1), 2.5 * host - np.float32(1))}
    for name, (got, want) in cases.items():
        assert isinstance(got, xp.ndarray), name
        assert got.dtype == want.dtype and np.array_equal(got.get(), want), name
    assert xp.stats.syncs == len(cases)  # one .get() each, nothing else


def test_reductions_are_arrays_and_numbers_are_counted_syncs(x):
    total = x.sum()
    assert isinstance(total, xp.ndarray) and total.ndim == 0 and xp.stats.syncs == 0
    assert float(total) == 66.0 and int(x.max()) == 11 and bool(x.any()) and x[0, 1].item() == 1.0
    assert xp.stats.syncs == 4 and "test_fakecupy.py" in xp.stats.where[0]
    assert x.tolist()[2][3] == 11.0 and to_numpy(x).shape == (3, 4) and xp.stats.syncs == 6


def test_in_place_ops_write_through_views(x):
    view = x[1]
    same = x
    same += 1
    assert same is x and view.get().tolist() == [5.0, 6.0, 7.0, 8.0]
    x[0] = np.zeros(4)          # host data may be assigned in, as CuPy copies it over
    x[2, :] = xp.asarray(np.full(4, -1.0))
    assert x.get()[0].tolist() == [0.0] * 4 and x.get()[2].tolist() == [-1.0] * 4
    other = copy.deepcopy(x)
    other += 1
    assert x.get()[0, 0] == 0.0


def test_array_module_and_random(x):
    assert array_module(x) is xp and array_module(np.ones(2)) is np and xp.get_array_module(x) is xp
    a, b = xp.random.default_rng(3).normal(size=4), np.random.default_rng(3).normal(size=4)
    assert isinstance(a, xp.ndarray) and np.array_equal(a.get(), b)
    assert xp.float32 is np.float32 and xp.pi == np.pi and xp.newaxis is None
    with pytest.raises(AttributeError):
        xp.fromfile


def test_the_reference_engine_runs_on_it(monkeypatch):
    """A phase-02 Tensor computes forward and backward on device arrays, with no host round trip."""
    monkeypatch.setenv("SCRATCHGPT_IMPL", "solutions")
    from common import load

    Tensor = load(2, "tensor").Tensor
    rng = np.random.default_rng(0)
    a_host, b_host = rng.normal(size=(3, 4)), rng.normal(size=(4, 2))
    grads = []
    for make in (np.asarray, xp.asarray):
        a, b = Tensor(make(a_host), requires_grad=True), Tensor(make(b_host), requires_grad=True)
        ((a @ b).gelu() * 3).sum().backward()
        grads.append(to_numpy(a.grad))
    xp.stats.reset()
    a = Tensor(xp.asarray(a_host), requires_grad=True)
    (a.exp() / 2).mean().backward()
    assert isinstance(a.grad, xp.ndarray) and xp.stats.syncs == 0
    assert np.array_equal(grads[0], grads[1])


def test_ufunc_at_and_unary_ops_on_0d_arrays():
    from common import fakecupy as xp

    a = xp.zeros(4)
    xp.add.at(a, np.array([0, 0, 3]), xp.asarray([1.0, 2.0, 5.0]))   # host index arrays are allowed, as in CuPy
    assert a.get().tolist() == [3.0, 0.0, 0.0, 5.0]
    with pytest.raises(TypeError):
        xp.add.at(np.zeros(4), [0], 1.0)                          # in place on host data: refused
    with pytest.raises(TypeError, match="only supports"):
        xp.add.at(xp.zeros(4, dtype=np.int64), [0], 1)            # CuPy's scatter-add has no int64
    with pytest.raises(TypeError):
        xp.add(a, np.ones(4))                                     # a host operand: refused, as before
    s = -(a.sum())                                                # unary minus of a 0-d array stays on the device
    assert isinstance(s, xp.ndarray) and s.shape == () and float(s) == -8.0
    assert float(xp.add.reduce(a)) == 8.0
