"""Grader for step.py: grad_norm against PyTorch's vector norm (float16 gradients whose squares
overflow float16, parameters without gradients, inf and nan); train_step with a spy optimizer
that records the gradients it is handed, against PyTorch's gradient of the whole batch: in
float32 arithmetic and in mixed precision (master weights, loss scale), clipping, an overflow
that must skip the step and leave no gradient behind; and one read of the device per step.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from common import load
from common.checks import assert_close, calling, expect_raises, require
from grader import task


def step_module(kit):
    return kit.p8("step")


@task(points=2, timeout=20)
def test_grad_norm(kit):
    """The global norm in float32, on the gradients' device, without reading it back."""
    S = step_module(kit)
    nn = load(2, "nn")
    g = np.random.default_rng(0)
    cases = [
        ("float32 gradients", [g.standard_normal((3, 4)).astype(np.float32), g.standard_normal(5).astype(np.float32)]),
        ("float16 gradients of 300 (their squares overflow float16)", [np.full((4, 4), 300.0, dtype=np.float16),
                                                                      np.full(3, -250.0, dtype=np.float16)]),
        ("a parameter without a gradient", [None, g.standard_normal(6).astype(np.float32)]),
        ("an infinite gradient", [np.array([1.0, np.inf], dtype=np.float32)]),
        ("a NaN gradient", [np.array([1.0, np.nan], dtype=np.float16)]),
    ]
    for what, grads in cases:
        params = [nn.Parameter(np.zeros(1 if gr is None else gr.shape, dtype=np.float32)) for gr in grads]
        for p, gr in zip(params, grads):
            p.grad = gr
        with calling(f"grad_norm with {what}"):
            got = S.grad_norm(params)
        want = torch.linalg.vector_norm(torch.cat([torch.tensor(gr.astype(np.float32)).reshape(-1)
                                                   for gr in grads if gr is not None])).item()
        require(type(got) is not float and getattr(got, "shape", None) == (),
                f"grad_norm with {what}: return a 0-d array (float() would read it back from the GPU), got "
                f"{type(got).__name__}", hint="a Python float means a value was read back with float() or .item(): "
                "keep every sum an array and add the arrays")
        value = float(np.asarray(got))
        if math.isnan(want):
            require(math.isnan(value), f"grad_norm with {what}: expected nan, got {value}")
        elif math.isinf(want):
            require(math.isinf(value), f"grad_norm with {what}: expected inf, got {value}")
        else:
            require(math.isfinite(value), f"grad_norm with {what}: got {value}, expected {want:.6g}",
                    hint="square in float32: g.astype(np.float32) first (float16 overflows above 65504)")
            assert_close(value, want, what=f"grad_norm with {what}", rtol=1e-5)
    empty = [nn.Parameter(np.zeros(2, dtype=np.float32))]
    with expect_raises(ValueError, "grad_norm of parameters none of which has a gradient"):
        S.grad_norm(empty)
    with kit.fake_gpu():
        params = [nn.Parameter(kit.xp.zeros((3, 3), dtype=np.float32)) for _ in range(3)]
        for i, p in enumerate(params):
            p.grad = kit.xp.full((3, 3), float(i + 1), dtype=np.float16)
        mark = kit.xp.stats.syncs
        with kit.on_device("grad_norm on device gradients"):
            got = S.grad_norm(params)
        where = kit.syncs_since(mark)
        require(isinstance(got, kit.xp.ndarray), f"grad_norm of device gradients must stay on the device, got "
                f"{type(got).__name__}")
        require(not where, f"grad_norm read the device {len(where)} time(s):\n{kit.sync_lines(where)}",
                hint="add the 0-d sums as arrays; a Python float() per parameter makes the GPU wait each time")
        assert_close(kit.host(got), math.sqrt(9 * (1 + 4 + 9)), what="grad_norm on the stand-in", rtol=1e-6)


def run_step(kit, S, model, opt, micro, what, **kw):
    with calling(what):
        with np.errstate(over="ignore", invalid="ignore"):
            return S.train_step(model, opt, micro, **kw)


def check_result(out, what):
    require(isinstance(out, dict) and {"loss", "grad_norm", "skipped"} <= set(out),
            f"{what} must return a dict with loss, grad_norm and skipped, got {out!r}")
    require(type(out["loss"]) is not float and getattr(out["loss"], "shape", None) == (),
            f"{what}: 'loss' must stay a 0-d array (read it only when logging), got {type(out['loss']).__name__}")
    require(isinstance(out["grad_norm"], float), f"{what}: 'grad_norm' must be a Python float, got "
                                                 f"{type(out['grad_norm']).__name__}")


@task(points=3, timeout=60, needs=("grad_norm",))
def test_train_step_fp32(kit):
    """Cleared gradients, accumulation, the norm before clipping, clipping, the lr, and a skipped step."""
    S, A = step_module(kit), kit.p8("accumulation")
    x, y = kit.batch(11, 8, 5, seed=4)
    ref = kit.tiny_lm(seed=2)
    P = kit.torch_params(ref)
    loss_t = kit.torch_loss(P, x, y)
    loss_t.backward()
    want = [P[n].grad.numpy() for n, _ in ref.named_parameters()]
    norm = math.sqrt(sum(float(np.sum(g * g)) for g in want))
    norm32 = float(np.float32(norm))
    for clip, k in ((1e9, 2), (0.05, 4), (norm32 * (1 + 1e-6), 1), ("equal", 1)):
        if clip == "equal":                               # grad_clip equal to the very norm train_step computes
            probe = kit.tiny_lm(seed=2)
            clip = run_step(kit, S, probe, kit.SpyOptimizer(probe.parameters(), lr=0.0), A.split_batch(x, y, 1),
                            "train_step (to read its norm)", lr=0.3, grad_clip=1e9)["grad_norm"]
        model = kit.tiny_lm(seed=2)
        model.eval()
        for p in model.parameters():
            p.grad = np.ones_like(p.data)                 # left over from an earlier step
        spy = kit.SpyOptimizer(model.parameters(), lr=0.0)
        what = f"train_step(tiny model, {k} micro-batch(es), lr=0.3, grad_clip={clip:.4g})"
        out = run_step(kit, S, model, spy, A.split_batch(x, y, k), what, lr=0.3, grad_clip=clip)
        check_result(out, what)
        require(model.training, f"{what} must put the model in training mode")
        require(spy.param_groups[0]["lr"] == 0.3, f"{what} must set every group's lr to 0.3")
        require(len(spy.stepped) == 1, f"{what} must call optimizer.step() once, it did {len(spy.stepped)} times")
        assert_close(float(np.asarray(out["loss"])), loss_t.item(), what=f"{what}: loss", rtol=1e-9)
        if clip < norm and abs(out["grad_norm"] - clip) < 1e-6 * clip:
            norm_hint = "grad_norm is the norm *before* clipping: compute it first, report that one"
        else:
            norm_hint = "leftover gradients must be cleared first: optimizer.zero_grad() and model.zero_grad()"
        assert_close(out["grad_norm"], norm, what=f"{what}: grad_norm (before clipping)", rtol=1e-6, hint=norm_hint)
        got_norm = out["grad_norm"]                       # float32: the clip factor follows from it
        coef = clip / (got_norm + 1e-6) if got_norm > clip else 1.0
        for (name, _), got, w in zip(model.named_parameters(), spy.stepped[0], want):
            hint = None
            if coef != 1.0 and np.allclose(got, w, rtol=1e-6):
                hint = f"the norm {norm:.4g} exceeds grad_clip {clip:.4g}: multiply every grad by grad_clip / (norm + 1e-6)"
            elif clip >= got_norm and not np.allclose(got, w, rtol=1e-8):
                hint = "clip only when norm > grad_clip: a norm equal to grad_clip, or below it, is left alone"
            elif coef != 1.0 and np.allclose(got, w * clip / got_norm, rtol=1e-9, atol=0):
                hint = "the factor is grad_clip / (norm + 1e-6): the 1e-6 keeps it finite for a zero norm"
            assert_close(got, w * coef, what=f"{what}: the {name} gradient the optimizer was handed", rtol=1e-8,
                         atol=1e-12, hint=hint)
    # a loss scale without master weights: the gradients are divided back in place
    model = kit.tiny_lm(seed=2)
    spy = kit.SpyOptimizer(model.parameters(), lr=0.0)
    scaler = kit.p8("precision").LossScaler(init_scale=1024.0)
    what = "train_step(float64 tiny model, scaler at 1024, no master, grad_clip=1e9)"
    out = run_step(kit, S, model, spy, A.split_batch(x, y, 2), what, lr=0.3, grad_clip=1e9, scaler=scaler)
    check_result(out, what)
    assert_close(out["grad_norm"], norm, what=f"{what}: grad_norm", rtol=1e-6,
                 hint="without master weights, divide every gradient by the scale before the norm")
    for (name, _), got, w in zip(model.named_parameters(), spy.stepped[0], want):
        assert_close(got, w, what=f"{what}: the {name} gradient the optimizer was handed", rtol=1e-8, atol=1e-12,
                     hint="the scale multiplied the gradients: divide them by it (no master: in place of grads_to_master)")
    require(scaler.clean_steps == 1, f"{what}: scaler.update(found_inf=False) must be called once per step "
                                     f"(clean_steps is {scaler.clean_steps})")
    # a non-finite loss: the step is skipped and no gradient is left behind
    model = kit.tiny_lm(seed=2)
    model.wte.weight.data[int(x[0, 0])] = np.nan
    spy = kit.SpyOptimizer(model.parameters(), lr=0.0)
    before = [p.data.copy() for p in model.parameters()]
    what = "train_step with a NaN in the embedding"
    out = run_step(kit, S, model, spy, A.split_batch(x, y, 2), what, lr=0.3, grad_clip=1.0)
    check_result(out, what)
    require(out["skipped"] is True and not spy.stepped,
            f"{what}: the norm is nan, so the step must be skipped (skipped=True, no optimizer.step())")
    require(all(p.grad is None for p in model.parameters()),
            f"{what}: a skipped step must clear the gradients (optimizer.zero_grad() and model.zero_grad()): "
            "left in place, they would be added to the next step's")
    require(all(np.array_equal(p.data, b, equal_nan=True) for p, b in zip(model.parameters(), before)),
            f"{what}: a skipped step must not change any parameter")


@task(points=4, timeout=90, needs=("train_step_fp32", "master_weights", "loss_scaler"))
def test_train_step_mixed_precision(kit):
    """Master weights and a loss scale: unscaled gradients to the optimizer, the scale updated, overflow skipped."""
    S, A, Pm = step_module(kit), kit.p8("accumulation"), kit.p8("precision")
    x, y = kit.batch(11, 8, 5, seed=5)
    model = kit.tiny_lm(seed=3, dtype=np.float32)
    mw = Pm.MasterWeights(model.parameters())
    scaler = Pm.LossScaler(init_scale=2.0**10, growth_interval=3)
    spy = kit.SpyOptimizer(mw.master, lr=0.01)
    P = kit.torch_params(model)                            # the float16 weights, in float64
    for p in model.parameters():
        p.grad = np.ones_like(p.data)                      # left over: the model's own grads need clearing too
    loss_t = kit.torch_loss(P, x, y)
    loss_t.backward()
    want = [P[n].grad.numpy() for n, _ in model.named_parameters()]
    norm = math.sqrt(sum(float(np.sum(g * g)) for g in want))
    what = "train_step(float16 model, master, scaler at 1024, 2 micro-batches, grad_clip=1e9)"
    out = run_step(kit, S, model, spy, A.split_batch(x, y, 2), what, lr=0.01, grad_clip=1e9, scaler=scaler, master=mw)
    check_result(out, what)
    require(out["skipped"] is False and len(spy.stepped) == 1, f"{what}: a clean step must call optimizer.step() once")
    ratio = out["grad_norm"] / norm
    ratio_hint = None
    if abs(ratio - 1024) < 30:
        ratio_hint = "the norm of the *unscaled* gradients: with master, grads_to_master(1 / scale) first"
    elif abs(ratio * 1024 - 1) < 0.03:
        ratio_hint = ("the gradients are 1 / scale too small: backward must start from the scale "
                      "(accumulate_gradients(..., loss_scale=scaler.scale)) before they are divided by it")
    elif ratio > 1.02:
        ratio_hint = "leftover gradients on the float16 model must be cleared first: model.zero_grad() as well"
    require(abs(ratio - 1) < 0.02, f"{what}: grad_norm is {out['grad_norm']:.6g}, expected about {norm:.6g} "
            f"(ratio {ratio:.4g})", hint=ratio_hint)
    for (name, _), got, w in zip(model.named_parameters(), spy.stepped[0], want):
        r = np.sum(got * w) / np.sum(w * w)
        hint = None
        if abs(r - 1024) < 30:
            hint = ("the loss scale was applied but not removed: divide by the scale (grads_to_master(1 / scale)) "
                    "before the optimizer sees the gradients")
        elif abs(np.median(got - w) * 1024 - 1) < 0.1:
            hint = ("every gradient is 1/1024 too large: the leftover gradient of 1 on the float16 model was added "
                    "in; clear the model's own grads first, model.zero_grad() as well")
        assert_close(got, w, what=f"{what}: the {name} gradient the optimizer was handed", rtol=3e-2,
                     atol=3e-3 * float(np.abs(w).max()), hint=hint)
    require(scaler.scale == 2.0**10 and scaler.clean_steps == 1,
            f"{what}: after one clean step the scaler should be at 1024 with clean_steps 1, got {scaler.scale} and "
            f"{scaler.clean_steps}", hint="scaler.update(found_inf=False) once per step")
    for (name, p), m in zip(model.named_parameters(), mw.master):
        require(p.dtype == np.float16 and np.array_equal(p.data, m.data.astype(np.float16)),
                f"{what}: after the step {name} must be its master cast to float16 (master_to_model())")
    # overflow: a scale of 2**40 turns every float16 gradient into inf
    scaler.scale = 2.0**40
    before_master = [m.data.copy() for m in mw.master]
    before_model = [p.data.copy() for p in model.parameters()]
    what = "train_step with the loss scale at 2**40 (every float16 gradient overflows)"
    out = run_step(kit, S, model, spy, A.split_batch(x, y, 2), what, lr=0.01, grad_clip=1.0, scaler=scaler, master=mw)
    check_result(out, what)
    require(out["skipped"] is True and len(spy.stepped) == 1,
            f"{what}: the step must be skipped (skipped=True, no optimizer.step())")
    require(scaler.scale == 2.0**39 and scaler.clean_steps == 0,
            f"{what}: the scale must halve to 2**39 with clean_steps 0, got {scaler.scale} and {scaler.clean_steps}",
            hint="scaler.update(found_inf=True) when the norm is not finite")
    require(all(np.array_equal(m.data, b) for m, b in zip(mw.master, before_master))
            and all(np.array_equal(p.data, b) for p, b in zip(model.parameters(), before_model)),
            f"{what}: a skipped step must change neither the masters nor the model")
    left = [n for (n, p), m in zip(model.named_parameters(), mw.master) if p.grad is not None or m.grad is not None]
    require(not left, f"{what}: gradients left after a skipped step on {left}: clear them (optimizer and model), or "
                      "the overflow is added to the next step")
    # a clean step that clips: the gradients the optimizer is handed, the masters', have the global norm grad_clip
    scaler.scale = 2.0**10
    clip = norm / 8
    what = f"train_step(float16 model, master, scaler at 1024, 2 micro-batches, grad_clip={clip:.4g}, about norm / 8)"
    out = run_step(kit, S, model, spy, A.split_batch(x, y, 2), what, lr=0.01, grad_clip=clip, scaler=scaler, master=mw)
    check_result(out, what)
    require(out["skipped"] is False and len(spy.stepped) == 2, f"{what}: a clean step must call optimizer.step() once")
    handed = math.sqrt(sum(float(np.sum(np.asarray(g, dtype=np.float64) ** 2)) for g in spy.stepped[-1]))
    require(out["grad_norm"] > clip and abs(handed / clip - 1) < 1e-3,
            f"{what}: the gradients the optimizer was handed have the global norm {handed:.6g}; clipped, it is "
            f"grad_clip = {clip:.6g} (grad_norm before clipping: {out['grad_norm']:.6g})",
            hint="with master, the optimizer steps the masters: clip the gradients grads_to_master gave them (the "
                 "optimizer's params), not the float16 model's, which are None by then")


@task(points=2, timeout=90, needs=("train_step_fp32", "accumulate_on_the_device"))
def test_one_read_per_step(kit):
    """On the stand-in a step reads exactly one number from the device: the gradient norm."""
    S, A, D, Pm = step_module(kit), kit.p8("accumulation"), kit.p8("device"), kit.p8("precision")
    adamw = load(6, "adamw")
    cfg = kit.gpt_config()
    x, y = kit.batch(cfg.vocab_size, 4, cfg.block_size, seed=6)
    for mixed in (False, True):
        with kit.fake_gpu():
            model = kit.gpt(cfg, seed=4)
            with kit.on_device("to_device(GPT, 'cuda')"):
                D.to_device(model, "cuda")
            groups = adamw.param_groups(model, 0.1)
            master = scaler = None
            if mixed:
                master, scaler = Pm.MasterWeights(model.parameters()), Pm.LossScaler(init_scale=256.0)
                groups = master.param_groups(groups)
            opt = adamw.AdamW(groups, lr=1e-3)
            micro = A.split_batch(D.to_device(x, "cuda"), D.to_device(y, "cuda"), 2)
            what = "train_step on the stand-in" + (" in mixed precision" if mixed else "")
            mark = kit.xp.stats.syncs
            losses = []
            for _ in range(3):
                with kit.on_device(what), np.errstate(over="ignore", invalid="ignore"):
                    out = S.train_step(model, opt, micro, lr=1e-3, grad_clip=1.0, scaler=scaler, master=master)
                losses.append(out["loss"])
            where = kit.syncs_since(mark)
            require(len(where) == 3, f"{what}: 3 steps read the device {len(where)} times, expected 3 (the norm, once "
                                     f"per step):\n{kit.sync_lines(where)}",
                    hint="one float(grad_norm(...)) per step; the loss stays an array, the ids are not checked on the "
                         "device, and every other decision follows from that one number")
            require(all(isinstance(v, kit.xp.ndarray) for v in losses), f"{what}: the loss came back on the host")
