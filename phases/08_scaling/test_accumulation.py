"""Grader for accumulation.py: split_batch at every k that divides B (1 and B included) and the
ones that do not; accumulate_gradients in float64 on the learner's GPT against PyTorch's gradient
of the whole batch (k = 1, 2, 4, 8), with a loss scale, onto gradients already there, and on the
stand-in without reading anything back from the device.
"""

from __future__ import annotations

import numpy as np

from common.checks import assert_close, calling, expect_raises, require
from grader import task


def accumulation(kit):
    return kit.p8("accumulation")


@task(points=1, timeout=20)
def test_split_batch(kit):
    """k micro-batches of B/k consecutive rows, in order; k must divide B."""
    A = accumulation(kit)
    x = np.arange(6 * 3).reshape(6, 3)
    y = x + 100
    for k in (1, 2, 3, 6):
        with calling(f"split_batch(x (6, 3), y, {k})"):
            parts = A.split_batch(x, y, k)
        require(len(parts) == k, f"split_batch(B=6, k={k}) must give {k} micro-batches, got {len(parts)}")
        for i, (xi, yi) in enumerate(parts):
            rows = slice(i * 6 // k, (i + 1) * 6 // k)
            require(np.array_equal(np.asarray(xi), x[rows]) and np.array_equal(np.asarray(yi), y[rows]),
                    f"split_batch(B=6, k={k}): micro-batch {i} should be rows {rows.start}..{rows.stop - 1} of x and "
                    f"of y, in order", hint="consecutive rows: x[i * m:(i + 1) * m] with m = B // k")
    for k in (4, 0, 7):
        with expect_raises(ValueError, f"split_batch(B=6, k={k})") as caught:
            A.split_batch(x, y, k)
        require("6" in str(caught[0]) and str(k) in str(caught[0]),
                f"the ValueError of split_batch(B=6, k={k}) should name B and k; it says {caught[0]}")


def torch_grads(kit, model, cfg, x, y):
    P = kit.torch_params(model)
    loss = kit.t_gpt_loss(P, cfg, x, y)
    loss.backward()
    return loss.item(), {n: t.grad.numpy() for n, t in P.items()}


@task(points=4, timeout=60, needs=("split_batch",))
def test_accumulate_gradients(kit):
    """k micro-batches give the gradient of the whole batch (float64), scaled by loss_scale, added to .grad."""
    A = accumulation(kit)
    cfg = kit.gpt_config(norm="rmsnorm", position="rope", tie_weights=False)
    x, y = kit.batch(cfg.vocab_size, 8, cfg.block_size, seed=2)
    model = kit.gpt(cfg, seed=1, dtype=np.float64)
    want_loss, want = torch_grads(kit, model, cfg, x, y)
    for k in (1, 2, 4, 8):
        model.zero_grad()
        with calling(f"accumulate_gradients(GPT, split_batch(x (8, {cfg.block_size}), y, {k}))"):
            loss = A.accumulate_gradients(model, A.split_batch(x, y, k))
        require(type(loss) not in (float, int) and getattr(loss, "shape", None) == (),
                f"accumulate_gradients must return the mean loss as a 0-d array (on the device: no float()), got "
                f"{type(loss).__name__} {getattr(loss, 'shape', '')}")
        got = float(np.asarray(loss))
        if abs(got - want_loss * k) < 1e-9 * k and k > 1:
            raise AssertionError(f"k={k}: the returned loss is the *sum* of the micro-batch losses: return their mean")
        assert_close(got, want_loss, what=f"k={k}: the returned loss (the mean over the whole batch)", rtol=1e-10,
                     atol=1e-12)
        for name, p in model.named_parameters():
            require(p.grad is not None, f"k={k}: {name} has no gradient after accumulate_gradients")
            g = np.asarray(p.grad)
            ratio = np.sum(g * want[name]) / max(np.sum(want[name] ** 2), 1e-300)
            hint = None
            if k > 1 and abs(ratio - k) < 1e-6:
                hint = "the gradients are k times too large: each micro-batch's backward must start from 1 / k"
            elif k > 1 and abs(ratio - 1 / k) < 1e-6:
                hint = ("the gradients are k times too small: they were averaged twice (loss / k *and* a seed of "
                        "1 / k, or a division after the loop)")
            elif k > 1 and abs(ratio - 1 / k) > 1e-6 and abs(ratio - 1) > 1e-6:
                hint = "only part of the batch counts: clear the gradients before the loop, never inside it"
            assert_close(g, want[name], what=f"k={k}: {name}.grad (the gradient of the whole batch's mean loss)",
                         rtol=1e-8, atol=1e-12, hint=hint)
    model32 = kit.gpt(cfg, seed=1, dtype=np.float32)
    what = f"accumulate_gradients(float32 GPT, split_batch(x (8, {cfg.block_size}), y, 4))"
    with calling(what):
        loss = A.accumulate_gradients(model32, A.split_batch(x, y, 4))
    require(np.asarray(loss).dtype == np.float32,
            f"{what}: the mean loss should be a float32 array, got {np.asarray(loss).dtype}",
            hint="the losses are float32: divide their sum by np.float32(k) (or a Python int); a float64 number, "
                 "np.float64(k), promotes the mean to float64")
    # a loss scale, onto gradients already there
    model.zero_grad()
    for p in model.parameters():
        p.grad = np.full(p.shape, 0.25)
    with calling("accumulate_gradients(GPT, 4 micro-batches, loss_scale=1024.0) onto grads of 0.25"):
        loss = A.accumulate_gradients(model, A.split_batch(x, y, 4), loss_scale=1024.0)
    assert_close(float(np.asarray(loss)), want_loss, what="the returned loss with loss_scale=1024 (unscaled)",
                 rtol=1e-10, atol=1e-12, hint="scale the backward's seed, not the loss you return")
    for name, p in model.named_parameters():
        assert_close(p.grad, 0.25 + 1024.0 * want[name], what=f"{name}.grad: 0.25 already there + 1024 x the gradient",
                     rtol=1e-8, atol=1e-9, hint="backward adds into .grad; accumulate_gradients must not clear it, "
                     "and each seed is loss_scale / k")


@task(points=2, timeout=60, needs=("accumulate_gradients",))
def test_accumulate_on_the_device(kit):
    """On the stand-in: device gradients, a 0-d device loss, and no synchronisation at all."""
    A = accumulation(kit)
    D = kit.p8("device")
    cfg = kit.gpt_config(mlp="swiglu", norm="rmsnorm", position="rope", bias=False)
    x, y = kit.batch(cfg.vocab_size, 4, cfg.block_size, seed=3)
    with kit.fake_gpu():
        model = kit.gpt(cfg, seed=2)
        with kit.on_device("to_device(GPT, 'cuda')"):
            D.to_device(model, "cuda")
            xd, yd = D.to_device(x, "cuda"), D.to_device(y, "cuda")
        mark = kit.xp.stats.syncs
        with kit.on_device("accumulate_gradients on the stand-in"):
            loss = A.accumulate_gradients(model, A.split_batch(xd, yd, 2), loss_scale=8.0)
        where = kit.syncs_since(mark)
        require(isinstance(loss, kit.xp.ndarray) and loss.shape == (),
                f"on the device accumulate_gradients must return a 0-d device array, got {type(loss).__name__}")
        require(not where, f"accumulate_gradients read {len(where)} value(s) back from the device; each one makes "
                           f"the GPU wait:\n{kit.sync_lines(where)}",
                hint="keep the loss as an array (loss.data, added up), and leave the ids unchecked on the device "
                     "(phase 02's Embedding and cross_entropy check host ids only)")
        grads = [p.grad for p in model.parameters()]
        require(all(isinstance(g, kit.xp.ndarray) for g in grads), "some gradient came back on the host")
    P = kit.torch_params(kit.gpt(cfg, seed=2))
    want = kit.t_gpt_loss(P, cfg, x, y)
    assert_close(kit.host(loss), want.item(), what="the loss on the stand-in", rtol=1e-5, atol=1e-6)
    want.backward()
    for (name, _), g in zip(kit.gpt(cfg, seed=2).named_parameters(), grads):
        assert_close(kit.host(g), 8.0 * P[name].grad.numpy(), what=f"{name}.grad on the stand-in (loss_scale 8)",
                     rtol=2e-3, atol=1e-6)
