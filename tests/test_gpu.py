"""On a real GPU only (``make gpu-check``): CuPy refuses what the CPU stand-in refuses, and the
reference's phase-08 step computes on CuPy what it computes on NumPy. Skipped without a GPU."""

from __future__ import annotations

import numpy as np
import pytest

from common import backend, fakecupy

pytestmark = pytest.mark.skipif(backend.gpu_faked() or not backend.gpu_available(),
                                reason="no GPU: these tests run in `make gpu-check` on a machine with one")


@pytest.fixture
def cp():
    import cupy

    return cupy


@pytest.fixture
def p8(monkeypatch):
    monkeypatch.setenv("SCRATCHGPT_IMPL", "solutions")
    monkeypatch.delenv("SCRATCHGPT_PHASE", raising=False)
    from common import load

    return load


def test_cupy_refuses_what_the_stand_in_refuses(cp):
    for xp in (cp, fakecupy):
        x = xp.asarray(np.arange(6.0))
        with pytest.raises(TypeError):
            np.asarray(x)                              # implicit conversion
        with pytest.raises(TypeError):
            x + np.ones(6)                             # a host operand
        s = x.sum()
        assert isinstance(s, xp.ndarray) and s.shape == ()   # reductions stay on the device
        y = xp.zeros(4)
        xp.add.at(y, np.array([0, 0, 3]), xp.asarray([1.0, 2.0, 5.0]))   # host index arrays are taken
        assert float(y[0]) == 3.0 and float(-(y.sum())) == -8.0
        assert x[np.array([1, 2])].shape == (2,)


def test_device_name_is_in_the_peak_table(p8):
    name = backend.device_name()
    assert p8(8, "counting").peak_flops(name, "fp16") is not None, f"{name!r} is not in PEAK_TFLOPS"
    assert backend.set_tf32(False) is True


def small_gpt(p8, seed=0):
    M = p8(5, "model")
    cfg = M.GPTConfig(vocab_size=97, block_size=32, n_layer=2, n_head=4, n_embd=64, norm="rmsnorm", mlp="swiglu",
                      position="rope", bias=False, tie_weights=False)
    return M.GPT(cfg, rng=np.random.default_rng(seed))


def test_fp32_step_on_cupy_matches_numpy(p8):
    D, S, W = p8(8, "device"), p8(8, "step"), p8(6, "adamw")
    backend.set_tf32(False)
    g = np.random.default_rng(1)
    x, y = g.integers(0, 97, (8, 32)), g.integers(0, 97, (8, 32))
    results = {}
    for dev in ("cpu", "cuda"):
        model = D.to_device(small_gpt(p8), dev)
        opt = W.AdamW(W.param_groups(model, 0.1), lr=1e-3)
        losses = [float(S.train_step(model, opt, [(D.to_device(x, dev), D.to_device(y, dev))], lr=1e-3,
                                     grad_clip=1.0)["loss"]) for _ in range(3)]
        results[dev] = losses, {n: backend.to_numpy(p.data) for n, p in model.named_parameters()}
    np.testing.assert_allclose(results["cuda"][0], results["cpu"][0], rtol=1e-4)
    for name, value in results["cpu"][1].items():
        np.testing.assert_allclose(results["cuda"][1][name], value, rtol=1e-3, atol=1e-5, err_msg=name)
    assert backend.pool_bytes() > 0


def test_fp16_step_on_cupy_learns(p8):
    D, S, W, P = p8(8, "device"), p8(8, "step"), p8(6, "adamw"), p8(8, "precision")
    g = np.random.default_rng(2)
    x, y = g.integers(0, 97, (8, 32)), g.integers(0, 97, (8, 32))
    model = D.to_device(small_gpt(p8), "cuda")
    master, scaler = P.MasterWeights(model.parameters()), P.LossScaler()
    opt = W.AdamW(master.param_groups(W.param_groups(model, 0.0)), lr=3e-3)
    batch = [(D.to_device(x, "cuda"), D.to_device(y, "cuda"))]
    outs = [S.train_step(model, opt, batch, lr=3e-3, grad_clip=1.0, scaler=scaler, master=master) for _ in range(40)]
    losses = [float(o["loss"]) for o in outs if not o["skipped"]]
    assert len(losses) >= 30 and losses[-1] < 0.5 * losses[0], losses
    assert all(p.data.dtype == np.float16 for p in model.parameters()) and 1 <= scaler.scale <= 2.0**16
