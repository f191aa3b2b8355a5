"""Grader for precision.py: cast against PyTorch's ``.to(dtype)`` forward and backward; the
LossScaler against ``torch._amp_update_scale_`` (the kernel behind ``torch.amp.GradScaler``) over
sequences of clean and overflowing steps; MasterWeights: float32 copies that share nothing,
float16 parameters that stay the same objects, gradients converted *before* they are unscaled
(float16 gradients that underflow if divided first), and the master cast back after a step.
"""

from __future__ import annotations

import numpy as np
import torch

from common import load
from common.checks import assert_close, assert_equal, calling, expect_raises, require
from grader import task


def precision(kit):
    return kit.p8("precision")


@task(points=2, timeout=20)
def test_cast(kit):
    """cast converts forward and converts the gradient back to the input's dtype."""
    P = precision(kit)
    tensor = load(2, "tensor")
    g = np.random.default_rng(0)
    for src, dst in ((np.float32, np.float16), (np.float16, np.float32), (np.float32, np.float64)):
        x0 = (g.standard_normal((3, 5)) * 300).astype(src)       # values that float16 rounds
        w = g.standard_normal((3, 5))
        x = tensor.Tensor(x0.copy(), requires_grad=True)
        with calling(f"cast(x {src.__name__}, {dst.__name__})"):
            y = P.cast(x, dst)
        require(isinstance(y, tensor.Tensor) and y.dtype == dst,
                f"cast(x, {dst.__name__}) must return a {dst.__name__} Tensor, got {type(y).__name__} "
                f"{getattr(y, 'dtype', '')}")
        tx = torch.tensor(x0, requires_grad=True)
        ty = tx.to(getattr(torch, np.dtype(dst).name))
        assert_equal(y.numpy(), ty.detach().numpy(), what=f"cast(x {src.__name__}, {dst.__name__}) forward")
        with calling(f"backward through cast({src.__name__} -> {dst.__name__})"):
            (y * tensor.Tensor(w.astype(dst))).sum().backward()
        (ty * torch.tensor(w.astype(dst))).sum().backward()
        require(x.grad is not None and x.grad.dtype == src,
                f"cast({src.__name__} -> {dst.__name__}): x.grad must be {src.__name__} like x, got "
                f"{None if x.grad is None else x.grad.dtype}", hint="backward: g.astype(the input's dtype)")
        assert_close(x.grad, tx.grad.numpy(), what=f"x.grad through cast({src.__name__} -> {dst.__name__})",
                     rtol=1e-3 if np.float16 in (src, dst) else 1e-6)
    # inside a graph: the node below the cast must receive its gradient in its own dtype (a leaf
    # would hide the mistake: backward converts what reaches a leaf)
    for src, dst in ((np.float16, np.float32), (np.float32, np.float16)):
        seen = []
        leaf = tensor.Tensor(np.linspace(-2, 2, 6).astype(src), requires_grad=True)
        mid = tensor.Tensor._make(leaf.data * 2, (leaf,), lambda g: (seen.append(g.dtype) or g * 2,), "spy")
        with calling(f"backward through cast({src.__name__} node -> {dst.__name__})"):
            P.cast(mid, dst).sum().backward()
        require(seen == [np.dtype(src)],
                f"cast({src.__name__} -> {dst.__name__}) inside a graph: the node before the cast received a "
                f"{seen[0] if seen else 'no'} gradient, expected {src.__name__}",
                hint="backward returns g.astype(the input's dtype): without it a float16 model runs its whole "
                     "backward pass in float32")
    x = tensor.Tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    with calling("cast(x float32, float32)"):
        same = P.cast(x, np.float32)
    require(same is x, "cast(x, x.dtype) must return x itself: no node, no copy")


def torch_scales(found, init, growth, backoff, interval):
    """(scale, clean_steps) after each step, by PyTorch's own update kernel."""
    scale, tracker, out = torch.tensor([float(init)]), torch.tensor([0], dtype=torch.int32), []
    for inf in found:
        torch._amp_update_scale_(scale, tracker, torch.tensor([1.0 if inf else 0.0]), growth, backoff, interval)
        out.append((scale.item(), tracker.item()))
    return out


@task(points=3, timeout=20)
def test_loss_scaler(kit):
    """The scale halves on overflow and doubles after growth_interval clean steps, as GradScaler's does."""
    P = precision(kit)
    with calling("LossScaler()"):
        s = P.LossScaler()
    require(s.scale == 2.0**16 and s.clean_steps == 0,
            f"LossScaler() must start at scale 65536.0 with clean_steps 0, got {s.scale}, {s.clean_steps}")
    with calling("LossScaler(init_scale=1024)"):
        s = P.LossScaler(init_scale=1024)
    require(type(s.scale) is float and s.scale == 1024.0,
            f"LossScaler(init_scale=1024).scale should be the Python float 1024.0, got {type(s.scale).__name__} "
            f"{s.scale!r}", hint="self.scale = float(init_scale): an int or a NumPy scalar given by the caller (or "
                                 "read from a config) is stored as a Python float, as the checkpoint's state_dict expects")
    g = np.random.default_rng(4)
    cases = [
        ([False] * 7, 1.0, 2.0, 0.5, 1, "growth_interval=1: every clean step grows the scale"),
        ([False, False, True, False, False, False, True, True, False], 8.0, 2.0, 0.5, 2,
         "an overflow halves the scale and starts the count of clean steps again"),
        ([False, False, False, True, False, False, False, False], 1024.0, 2.0, 0.5, 3,
         "after growing, count clean steps from 0 again"),
        ([True, True, True, False, False], 2.0**16, 4.0, 0.25, 2, "growth_factor and backoff_factor as given"),
        (list(g.random(200) < 0.1), 2.0**16, 2.0, 0.5, 7, "200 steps with random overflows"),
    ]
    for found, init, growth, backoff, interval, why in cases:
        with calling(f"LossScaler({init}, {growth}, {backoff}, {interval})"):
            s = P.LossScaler(init, growth_factor=growth, backoff_factor=backoff, growth_interval=interval)
        want = torch_scales(found, init, growth, backoff, interval)
        for i, (inf, (scale, tracker)) in enumerate(zip(found, want)):
            with calling(f"LossScaler.update(found_inf={inf})"):
                s.update(inf)
            require(s.scale == scale and s.clean_steps == tracker,
                    f"LossScaler(init_scale={init}, growth_factor={growth}, backoff_factor={backoff}, "
                    f"growth_interval={interval}), after the updates {[bool(f) for f in found[:i + 1]][-8:]} "
                    f"(the last 8): expected scale {scale} and clean_steps {tracker}, got {s.scale} and "
                    f"{s.clean_steps}", hint=why)
    for kwargs, name in (({"init_scale": 0.0}, "init_scale"), ({"growth_factor": 1.0}, "growth_factor"),
                         ({"backoff_factor": 1.0}, "backoff_factor"), ({"backoff_factor": 0.0}, "backoff_factor"),
                         ({"growth_interval": 0}, "growth_interval"), ({"growth_interval": 0.5}, "growth_interval")):
        with expect_raises(ValueError, f"LossScaler({', '.join(f'{k}={v}' for k, v in kwargs.items())})") as caught:
            P.LossScaler(**kwargs)
        require(name in str(caught[0]), f"the ValueError for {kwargs} should name {name}; it says {caught[0]}")


@task(points=3, timeout=30)
def test_master_weights(kit):
    """float32 masters that share nothing; float16 parameters, the same objects; grads converted, then unscaled."""
    P = precision(kit)
    nn = load(2, "nn")
    g = np.random.default_rng(1)
    values = [g.standard_normal((4, 3)).astype(np.float32) * 3, g.standard_normal(5).astype(np.float32)]
    given = [v.copy() for v in values]
    params = [nn.Parameter(v) for v in given]                    # Parameter keeps the array: no copy
    params[0].grad = np.ones((4, 3), dtype=np.float32)
    ids = [id(p) for p in params]
    with calling("MasterWeights(params)"):
        mw = P.MasterWeights(params)
    require(len(mw.master) == 2 and list(map(id, mw.params)) == ids,
            "MasterWeights: self.params must be the parameters given (the same objects, in order), self.master one "
            "master each")
    for i, (p, m, v) in enumerate(zip(params, mw.master, values)):
        require(isinstance(m, nn.Parameter) and m.dtype == np.float32,
                f"master {i} must be a float32 Parameter, got {type(m).__name__} {getattr(m, 'dtype', '')}")
        assert_equal(m.data, v, what=f"master {i}'s values (the float32 values before the cast)")
        require(p.dtype == np.float16, f"parameter {i} must now hold float16 data, got {p.dtype}",
                hint="p.data = p.data.astype(dtype): the same Parameter object, new data")
        assert_equal(p.data, v.astype(np.float16), what=f"parameter {i} after MasterWeights (its float16 cast)")
        require(not np.shares_memory(m.data, given[i]) and not np.shares_memory(m.data, p.data),
                f"master {i} shares memory with the parameter's array: a copy is needed, else the master changes "
                "with the model", hint="astype(np.float32, copy=True): astype to the same dtype may give back the "
                "array itself")
    require(params[0].grad is None, "MasterWeights must clear the parameters' grads (they were float32)")

    # grads_to_master: float16 gradients scaled by 2**16; dividing them in float16 underflows
    scale = 2.0**16
    true = np.array([[3e-8, 1e-7, 2.5e-7], [6e-6, -4e-8, 1e-5], [0.01, -0.3, 2.0], [5e-9, 7e-8, -9e-8]])
    g16 = (true * scale).astype(np.float16)
    params[0].grad = g16.copy()
    params[1].grad = None
    with calling("grads_to_master(1 / 65536)"):
        mw.grads_to_master(1 / scale)
    m0 = mw.master[0].grad
    require(m0 is not None and m0.dtype == np.float32,
            f"master 0's grad must be float32, got {None if m0 is None else m0.dtype}")
    want = g16.astype(np.float32) * np.float32(1 / scale)
    bad16 = (g16 * np.float16(1 / scale)).astype(np.float32)
    if not np.allclose(m0, want, rtol=1e-6, atol=0) and np.allclose(m0, bad16, rtol=1e-3, atol=0):
        raise AssertionError("grads_to_master divided by the scale in float16: gradients near 1e-7 fell below "
                             "float16's smallest numbers and were lost. Convert to float32 first, then multiply "
                             "by inv_scale")
    assert_close(m0, want, what="master 0's grad (the float16 grad in float32, times inv_scale)", rtol=1e-6, atol=0)
    require(mw.master[1].grad is None, "a parameter without a grad must leave its master's grad None, not zeros")
    require(params[0].grad is None and params[1].grad is None,
            "grads_to_master must clear the parameters' grads: the next step's backward would add to them")

    # master_to_model
    for m in mw.master:
        m.data = m.data + np.float32(1e-4)      # an update float16 cannot hold at 1.0 but float32 can
    with calling("master_to_model()"):
        mw.master_to_model()
    for i, (p, m) in enumerate(zip(params, mw.master)):
        require(p.dtype == np.float16, f"after master_to_model parameter {i} is {p.dtype}: keep the model float16",
                hint="m.data.astype(p.data.dtype)")
        assert_equal(p.data, m.data.astype(np.float16), what=f"parameter {i} after master_to_model")
        require(not np.shares_memory(p.data, m.data), f"parameter {i} shares memory with its master")
    # a float32 "model" (dtype=np.float32): the cast changes nothing, the copy still matters
    same = [nn.Parameter(v.copy()) for v in values]
    with calling("MasterWeights(params, dtype=np.float32)"):
        mw32 = P.MasterWeights(same, dtype=np.float32)
    for i, (p, m) in enumerate(zip(same, mw32.master)):
        require(not np.shares_memory(m.data, p.data),
                f"MasterWeights(params, dtype=np.float32): master {i} is the parameter's own array; the master must "
                "be a copy", hint="astype(np.float32, copy=True)")
    # on the stand-in the arrays stay on the device
    with kit.fake_gpu():
        dp = [nn.Parameter(kit.xp.asarray(v)) for v in values]
        with kit.on_device("MasterWeights on device parameters"):
            mw = P.MasterWeights(dp)
            dp[0].grad = kit.xp.asarray(g16)
            mw.grads_to_master(1 / scale)
            mw.master_to_model()
        require(all(isinstance(a, kit.xp.ndarray) for a in [*(p.data for p in dp), *(m.data for m in mw.master),
                                                            mw.master[0].grad]),
                "MasterWeights moved device arrays to the host: use astype on the arrays as they are")
