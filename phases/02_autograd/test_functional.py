"""Grader for functional.py: mse_loss, cross_entropy (fused, stable, ignore_index) and dropout."""

from __future__ import annotations

import re

import numpy as np
import torch
import torch.nn.functional as TF

from common import load
from common.checks import assert_close, assert_equal, calling, expect_raises, require
from common.torchcheck import check_numeric, check_op
from grader import task


def F():
    return load(2, "functional")


def Tensor():
    return load(2, "tensor").Tensor


def targets(shape, C, seed):
    return np.random.default_rng(seed).integers(0, C, size=shape)


@task(points=1, timeout=20, needs=("backward_order",))
def test_mse_loss():
    """mse_loss is the mean of squared differences; target may be a Tensor or an array."""
    hint = "mean over all elements of (pred - target)^2"
    for k, shape in enumerate([(4, 3), (7,), (2, 3, 2)]):
        check_op(lambda p, t: F().mse_loss(p, t), lambda p, t: TF.mse_loss(p, t), [shape, shape], name="mse_loss(pred, target)",
                 seed=k, names=["pred", "target"], hint=hint)
    tgt = np.random.default_rng(1).standard_normal((5, 2))
    check_op(lambda p: F().mse_loss(p, tgt), lambda p: TF.mse_loss(p, torch.tensor(tgt)), [(5, 2)],
             name="mse_loss(pred, target given as an ndarray)", names=["pred"], hint=hint)


CE_HINT = "loss = mean over positions of logsumexp(logits) - logits[target]"
CE_GRAD_HINT = "d loss / d logits = (softmax(logits) - onehot(target)) / n_kept, times the upstream g"


def torch_ce(t, **kw):
    """torch's cross_entropy on logits of shape (..., C) and targets (...)."""
    tt = torch.tensor(t)
    return lambda z: TF.cross_entropy(z.reshape(-1, z.shape[-1]), tt.reshape(-1), **kw)


@task(points=3, timeout=30, needs=("backward_order",))
def test_cross_entropy():
    """cross_entropy on (N, C) and (B, T, C) logits equals PyTorch's, as one fused node."""
    for k, (shape, C) in enumerate([((8,), 5), ((1,), 3), ((2, 6), 7), ((3, 2, 4), 2)]):
        t = targets(shape, C, seed=k)
        check_op(lambda z, t=t: F().cross_entropy(z, t), torch_ce(t), [shape + (C,)],
                 name=f"cross_entropy(logits {shape + (C,)}, targets {shape})", seed=k, names=["logits"],
                 hint=CE_HINT, grad_hint=CE_GRAD_HINT)
    t = targets((4,), 6, seed=9)
    check_op(lambda z: F().cross_entropy(z, Tensor()(t)), torch_ce(t), [(4, 6)],
             name="cross_entropy(logits (4, 6), targets as an int Tensor)", names=["logits"], hint=CE_HINT)
    t = targets((3,), 4, seed=3)
    check_numeric(lambda z: F().cross_entropy(z, t), [(3, 4)], name="cross_entropy(logits (3, 4), targets (3,))",
                  Tensor=Tensor())

    z = Tensor()(np.random.default_rng(0).standard_normal((4, 5)), requires_grad=True)
    with calling("cross_entropy(logits (4, 5), targets (4,))"):
        loss = F().cross_entropy(z, targets((4,), 5, seed=0))
    require(tuple(loss._parents) == (z,) or (len(loss._parents) == 1 and loss._parents[0] is z),
            f"cross_entropy should return one fused node whose only parent is the logits tensor itself; got a node "
            f"(op {getattr(loss, '_op', '?')!r}) whose parents are "
            f"{[('the logits' if q is z else 'op ' + repr(getattr(q, '_op', '?'))) for q in loss._parents]}",
            hint="compute the loss with array code and build the result with Tensor._make(loss, (logits,), backward, ...), "
                 "its backward being (softmax - onehot) / n_kept")
    z32 = Tensor()(np.random.default_rng(0).standard_normal((4, 5)).astype(np.float32), requires_grad=True)
    with calling("cross_entropy(float32 logits (4, 5), targets (4,))"):
        loss32 = F().cross_entropy(z32, targets((4,), 5, seed=0))
    require(loss32.dtype == np.float32 and loss32.shape == (),
            f"cross_entropy of float32 logits should be a float32 scalar (shape ()), got dtype {loss32.dtype}, shape {loss32.shape}",
            hint="build the result with the logits' dtype: xp.asarray(loss, dtype=logits.dtype)")


@task(points=2, timeout=20, needs=("backward_order",))
def test_cross_entropy_extreme():
    """cross_entropy stays finite and exact at logits of +-1e4 (log-sum-exp shifted by the max)."""
    logits = np.array([[1e4, -1e4, 0.0, 1e4 - 3.0], [-1e4, -1e4 + 5.0, -1e4, -1e4 + 1.0], [5e3, -5e3, 0.0, 1.0]])
    hint = ("exp(1e4) is inf and exp(-1e4) is 0: subtract each row's max before exp, "
            "loss = log(sum(exp(z - m))) + m - z[target]")
    for t in ([0, 1, 2], [1, 0, 3], [3, 2, 1]):
        t = np.array(t)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            check_op(lambda z, t=t: F().cross_entropy(z, t), torch_ce(t), [logits],
                     name=f"cross_entropy(logits of +-1e4 (3, 4), targets {t.tolist()})", names=["logits"],
                     hint=hint, grad_hint=CE_GRAD_HINT + "; compute softmax with the max shifted out too")
    z32 = Tensor()(logits.astype(np.float32), requires_grad=True)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"), \
            calling("cross_entropy(float32 logits of +-1e4, targets [1, 0, 3]) and backward()"):
        loss = F().cross_entropy(z32, np.array([1, 0, 3]))
        loss.backward()
    expected = TF.cross_entropy(torch.tensor(logits), torch.tensor([1, 0, 3])).item()
    assert_close(float(loss.item()), expected, rtol=1e-5, atol=1e-3, what="cross_entropy(float32 logits of +-1e4) value", hint=hint)
    require(bool(np.all(np.isfinite(np.asarray(z32.grad)))), "cross_entropy(float32 logits of +-1e4): the gradient has inf or nan",
            hint=hint)


@task(points=2, timeout=20, needs=("backward_order",))
def test_cross_entropy_ignore_index():
    """Positions whose target is ignore_index count for nothing; the mean is over the kept ones."""
    mean_hint = "average over the n_kept positions whose target != ignore_index, not over all positions"
    t = np.array([2, -100, 0, 4, -100, 1])
    check_op(lambda z: F().cross_entropy(z, t), torch_ce(t), [(6, 5)], name="cross_entropy(logits (6, 5), targets with two -100)",
             names=["logits"], hint=mean_hint, grad_hint="ignored rows get zero gradient; kept rows (softmax - onehot) / n_kept")
    t = np.array([[1, 0, 3], [0, 0, 2]])
    check_op(lambda z: F().cross_entropy(z, t, ignore_index=0), torch_ce(t, ignore_index=0), [(2, 3, 4)],
             name="cross_entropy(logits (2, 3, 4), targets (2, 3), ignore_index=0)", names=["logits"], hint=mean_hint,
             grad_hint="ignored rows get zero gradient; kept rows (softmax - onehot) / n_kept")

    z = Tensor()(np.random.default_rng(2).standard_normal((3, 4)), requires_grad=True)
    what = "cross_entropy(logits (3, 4), targets all -100)"
    with calling(what, hint="with nothing kept the loss is 0.0: do not divide by n_kept = 0"):
        loss = F().cross_entropy(z, np.array([-100, -100, -100]))
        loss.backward()
    assert_close(loss.item(), 0.0, what=f"{what}: the loss", hint="with nothing kept the loss is defined as 0.0 (not nan)")
    assert_close(np.asarray(z.grad), np.zeros((3, 4)), what=f"{what}: the gradient of the logits",
                 hint="no position counts, so no logit gets gradient")

    for bad in ([0, 5, 1], [0, -3, 1]):
        z = Tensor()(np.zeros((3, 5)), requires_grad=True)
        what = f"cross_entropy(logits (3, 5), targets {bad})"
        with expect_raises(IndexError, what, hint="check 0 <= target < C for the kept positions: "
                           "NumPy indexing wraps a negative id such as -3 around to C - 3 without an error") as caught:
            F().cross_entropy(z, np.array(bad))
        message = str(caught[0])
        badid = [b for b in bad if b not in (0, 1)][0]
        require(re.search(rf"(?<![\d-]){badid}(?!\d)", message) is not None and re.search(r"(?<!\d)5(?!\d)", message) is not None,
                f"{what} raised IndexError({message!r}); the message should name the bad id {badid} and the number of classes 5")


@task(points=2, timeout=30, needs=("backward_order",))
def test_dropout():
    """dropout keeps each element with probability 1-p, scales by 1/(1-p), masks the gradient; identity in eval."""
    T = Tensor()
    shape, p = (200, 500), 0.3
    x = T(np.ones(shape), requires_grad=True)
    what = f"dropout(x of shape {shape} (all ones), p={p}, training=True, rng=default_rng(0))"
    with calling(what):
        out = F().dropout(x, p, True, np.random.default_rng(0))
    y = np.asarray(out.data)
    assert_equal(y.shape, shape, what=f"{what}.shape")
    kept = y != 0
    frac = kept.mean()
    require(abs(frac - (1 - p)) < 0.01, f"{what}: kept {frac:.4f} of the elements, expected about {1 - p}",
            hint="keep an element with probability 1 - p: zero it when its draw is < p")
    assert_close(y[kept], np.full(int(kept.sum()), 1 / (1 - p)), what=f"{what}: the kept values",
                 hint="scale the kept elements by 1 / (1 - p) so that the expected value does not change")
    u = np.random.default_rng(0).random(shape)
    require(np.array_equal(kept, u >= p) or np.array_equal(kept, u < 1 - p),
            f"{what}: the mask is not the one drawn by rng.random(x.shape)",
            hint="draw exactly one rng.random(x.shape) per call and keep where the draw is >= p")
    g = np.random.default_rng(1).standard_normal(shape)
    with calling(f"{what}: out.backward(g)"):
        out.backward(g)
    assert_close(np.asarray(x.grad), g * kept / (1 - p), what=f"{what}: x.grad",
                 hint="the gradient goes through the same mask and the same 1 / (1 - p) scale")

    rng = np.random.default_rng(5)
    a = np.asarray(F().dropout(T(np.ones((50, 40))), 0.5, True, rng).data)
    b = np.asarray(F().dropout(T(np.ones((50, 40))), 0.5, True, rng).data)
    c = np.asarray(F().dropout(T(np.ones((50, 40))), 0.5, True, np.random.default_rng(5)).data)
    require(not np.array_equal(a, b), "two dropout calls with the same rng drew the same mask; each call draws a new one")
    require(np.array_equal(a, c), "dropout with two generators of the same seed should draw the same mask")

    x0 = np.random.default_rng(3).standard_normal((4, 6))
    for p_, training, label in ((0.5, False, "training=False"), (0.0, True, "p=0")):
        x = T(x0.copy(), requires_grad=True)
        what = f"dropout(x, p={p_}, training={training})"
        with calling(what):
            out = F().dropout(x, p_, training, np.random.default_rng(0))
            out.backward(np.ones((4, 6)))
        assert_close(np.asarray(out.data), x0, what=what, hint=f"with {label} dropout is the identity")
        assert_close(np.asarray(x.grad), np.ones((4, 6)), what=f"{what}: x.grad", hint=f"with {label} the gradient passes unchanged")
    x = T(x0.copy(), requires_grad=True)
    with calling("dropout(x, p=1.0, training=True)", hint="p = 1 is a valid probability (everything dropped): "
                 "accept 0 <= p <= 1, both ends included"):
        out = F().dropout(x, 1.0, True, np.random.default_rng(0))
        out.backward(np.ones((4, 6)))
    assert_close(np.asarray(out.data), np.zeros((4, 6)), what="dropout(x, p=1.0, training=True)",
                 hint="p = 1 drops everything: return zeros (do not divide by 1 - p = 0)")
    assert_close(np.asarray(x.grad), np.zeros((4, 6)), what="dropout(x, p=1.0, training=True): x.grad")
    x32 = T(np.ones((3, 4), np.float32))
    with calling("dropout(float32 x, p=0.5, training=True)"):
        out = F().dropout(x32, 0.5, True, np.random.default_rng(0))
    require(out.dtype == np.float32, f"dropout of a float32 tensor gave {out.dtype}", hint="make the mask in x's dtype")
    for bad in (-0.1, 1.5):
        with expect_raises(ValueError, f"dropout(x, p={bad}, training=True)", hint="p is a probability: raise ValueError outside [0, 1]"):
            F().dropout(T(np.ones(3)), bad, True, np.random.default_rng(0))
