"""Grader for fused.py: the fused cross-entropy against PyTorch's (float64, mean over the kept
rows, ``ignore_index``), with chunks that do not divide the vocabulary, a chunk of 1, logits of
1e4, one column and no row kept; LayerNorm and RMSNorm forward and their closed-form backward
against PyTorch's autograd, with constant rows, one feature and no bias.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from common.checks import assert_close, calling, require
from grader import task


def fused(kit):
    return kit.p9("fused")


@task(points=3, timeout=60)
def test_fused_cross_entropy(kit):
    """Loss and gradient in one pass per row, chunk by chunk, equal to PyTorch's."""
    Fu = fused(kit)
    g = np.random.default_rng(8)
    cases = [(6, 50, 16, "a chunk that does not divide V"), (4, 37, 1, "a chunk of one column"),
             (5, 10, 1024, "one chunk holding the whole row"), (3, 1, 4, "a vocabulary of one"),
             (8, 300, 64, "many chunks")]
    for N, V, chunk, why in cases:
        z = g.standard_normal((N, V)) * 3
        t = g.integers(0, V, N)
        t[::3] = -100 if N > 2 else t[::3]
        what = f"fused_cross_entropy(logits ({N}, {V}), chunk={chunk}) [{why}]"
        zin, tin = z.copy(), t.copy()
        with calling(what):
            loss, grad = Fu.fused_cross_entropy(zin, tin, chunk=chunk)
        kit.untouched(what, logits=(zin, z), targets=(tin, t))
        tz = torch.tensor(z, requires_grad=True)
        want = F.cross_entropy(tz, torch.tensor(t), ignore_index=-100)
        want.backward()
        hint = None
        if np.isfinite(float(loss)) and abs(float(loss) - want.item()) > 1e-9:
            kept = int((t != -100).sum())
            if abs(float(loss) - want.item() * kept / N) < 1e-9:
                hint = "rows whose target is ignore_index count for nothing: average over the other rows only"
            else:
                hint = "when a chunk raises the running maximum, rescale l by exp(m_old - m_new) before adding"
        assert_close(float(loss), want.item(), what=f"{what}: loss", rtol=1e-10, atol=1e-12, hint=hint)
        require(np.shape(grad) == (N, V), f"{what}: the gradient must have shape ({N}, {V}), got {np.shape(grad)}")
        assert_close(grad, tz.grad.numpy(), what=f"{what}: dlogits", rtol=1e-9, atol=1e-12,
                     hint="(exp(z - lse) - onehot) / n, with n the rows kept; 0 on ignored rows")
    # ignore_index is an argument: here 2, a real class id (as a padding id is), with no -100 anywhere
    z, t = g.standard_normal((6, 9)) * 2, np.array([2, 0, 5, 2, 8, 1])
    what = "fused_cross_entropy(logits (6, 9), targets [2, 0, 5, 2, 8, 1], chunk=4, ignore_index=2)"
    with calling(what):
        loss, grad = Fu.fused_cross_entropy(z.copy(), t.copy(), chunk=4, ignore_index=2)
    tz = torch.tensor(z, requires_grad=True)
    want = F.cross_entropy(tz, torch.tensor(t), ignore_index=2)
    want.backward()
    hint = ("ignore_index is an argument: leave out the rows whose target equals it (here 2, a real class id), "
            "not only -100 or negative targets")
    assert_close(float(loss), want.item(), what=f"{what}: loss", rtol=1e-10, atol=1e-12, hint=hint)
    assert_close(grad, tz.grad.numpy(), what=f"{what}: dlogits", rtol=1e-9, atol=1e-12, hint=hint)
    z = np.array([[1e4, 0.0, -1e4], [0.0, 1e4, 1e4]])
    with calling("fused_cross_entropy with logits of 1e4"):
        loss, grad = Fu.fused_cross_entropy(z, np.array([1, 2]), chunk=2)
    tz = torch.tensor(z, requires_grad=True)
    want = F.cross_entropy(tz, torch.tensor([1, 2]))
    want.backward()
    assert_close(float(loss), want.item(), what="fused_cross_entropy with logits of 1e4 (shift by the running maximum)",
                 rtol=1e-10, atol=1e-9)
    assert_close(grad, tz.grad.numpy(), what="its gradient", rtol=1e-9, atol=1e-12)
    with calling("fused_cross_entropy with every target ignored"):
        loss, grad = Fu.fused_cross_entropy(g.standard_normal((3, 5)), np.full(3, -100), chunk=2)
    require(float(loss) == 0.0 and np.all(np.asarray(grad) == 0),
            f"with every row ignored the loss is 0.0 and the gradient 0 (as phase 02's cross_entropy), got loss "
            f"{loss!r}", hint="no division by n = 0")


def norm_case(g, N, C, constant=False):
    x = g.standard_normal((N, C)) * 2 + 0.5
    if constant:
        x[0] = 3.0
    return x, g.standard_normal(C) + 1, g.standard_normal(C), g.standard_normal((N, C))


@task(points=3, timeout=60)
def test_layernorm_fused(kit):
    """LayerNorm: y and the row statistics forward; dx, dw, db in closed form, as PyTorch's autograd."""
    Fu = fused(kit)
    g = np.random.default_rng(9)
    for N, C, constant, bias in ((4, 16, False, True), (3, 7, True, True), (5, 1, False, True), (2, 9, False, False)):
        x, w, b, dy = norm_case(g, N, C, constant)
        what = f"layernorm on ({N}, {C})" + (" with a constant row" if constant else "") + ("" if bias else " without bias")
        kept = x.copy(), w.copy(), b.copy(), dy.copy()
        with calling(f"layernorm_forward: {what}"):
            y, mean, rstd = Fu.layernorm_forward(x, w, b if bias else None, 1e-5)
        kit.untouched(f"layernorm_forward: {what}", x=(x, kept[0]), w=(w, kept[1]), b=(b, kept[2]))
        tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
        ty = F.layer_norm(tx, (C,), tw, tb if bias else None, eps=1e-5)
        ty.backward(torch.tensor(dy))
        assert_close(y, ty.detach().numpy(), what=f"layernorm_forward: {what}: y", rtol=1e-9, atol=1e-10,
                     hint="the variance is biased (divide by C) and eps goes inside the square root")
        assert_close(mean, x.mean(1), what=f"{what}: mean", rtol=1e-12, atol=1e-12)
        assert_close(rstd, 1 / np.sqrt(x.var(1) + 1e-5), what=f"{what}: rstd = 1 / sqrt(var + eps)", rtol=1e-9)
        with calling(f"layernorm_backward: {what}"):
            out = Fu.layernorm_backward(dy, x, w, mean.copy(), rstd.copy())
        kit.untouched(f"layernorm_backward: {what}", dy=(dy, kept[3]), x=(x, kept[0]), w=(w, kept[1]))
        require(isinstance(out, tuple) and len(out) == 3, "layernorm_backward returns (dx, dw, db)")
        dx, dw, db = out
        hint = None
        if not np.allclose(dx, tx.grad.numpy(), rtol=1e-8, atol=1e-10):
            xhat = (x - mean[:, None]) * rstd[:, None]
            gg = dy * w
            if np.allclose(dx, rstd[:, None] * (gg - gg.mean(1, keepdims=True)), rtol=1e-8, atol=1e-10):
                hint = "the variance depends on x too: subtract x̂ · mean(ĝ · x̂) as well"
            elif np.allclose(dx, rstd[:, None] * (gg - xhat * (gg * xhat).mean(1, keepdims=True)), rtol=1e-8):
                hint = "the mean depends on x too: subtract mean(ĝ) as well"
        assert_close(dx, tx.grad.numpy(), what=f"layernorm_backward: {what}: dx", rtol=1e-8, atol=1e-10, hint=hint)
        assert_close(dw, tw.grad.numpy(), what=f"layernorm_backward: {what}: dw (summed over rows)", rtol=1e-8,
                     atol=1e-10, hint="dw = Σ_rows dy · x̂, with x̂ the *normalised* x")
        if bias:
            assert_close(db, tb.grad.numpy(), what=f"layernorm_backward: {what}: db", rtol=1e-9, atol=1e-10)


@task(points=2, timeout=60)
def test_rmsnorm_fused(kit):
    """RMSNorm: y and rstd forward; dx and dw in closed form, as PyTorch's autograd."""
    Fu = fused(kit)
    g = np.random.default_rng(10)
    for N, C, constant in ((4, 16, False), (3, 7, True), (5, 1, False)):
        x, w, _, dy = norm_case(g, N, C, constant)
        what = f"rmsnorm on ({N}, {C})" + (" with a constant row" if constant else "")
        kept = x.copy(), w.copy(), dy.copy()
        with calling(f"rmsnorm_forward: {what}"):
            y, rstd = Fu.rmsnorm_forward(x, w, 1e-5)
        kit.untouched(f"rmsnorm_forward: {what}", x=(x, kept[0]), w=(w, kept[1]))
        tx, tw = (torch.tensor(a, requires_grad=True) for a in (x, w))
        ty = tx * torch.rsqrt(tx.pow(2).mean(-1, keepdim=True) + 1e-5) * tw
        ty.backward(torch.tensor(dy))
        assert_close(y, ty.detach().numpy(), what=f"rmsnorm_forward: {what}: y", rtol=1e-9, atol=1e-10,
                     hint="no mean is subtracted: rstd = 1 / sqrt(mean(x²) + eps)")
        assert_close(rstd, 1 / np.sqrt((x * x).mean(1) + 1e-5), what=f"{what}: rstd", rtol=1e-9)
        with calling(f"rmsnorm_backward: {what}"):
            dx, dw = Fu.rmsnorm_backward(dy, x, w, rstd.copy())
        kit.untouched(f"rmsnorm_backward: {what}", dy=(dy, kept[2]), x=(x, kept[0]), w=(w, kept[1]))
        hint = None
        gg = dy * w
        if np.allclose(dx, rstd[:, None] * gg, rtol=1e-8, atol=1e-10):
            hint = "rstd depends on x too: subtract x̂ · mean(ĝ · x̂)"
        assert_close(dx, tx.grad.numpy(), what=f"rmsnorm_backward: {what}: dx", rtol=1e-8, atol=1e-10, hint=hint)
        assert_close(dw, tw.grad.numpy(), what=f"rmsnorm_backward: {what}: dw", rtol=1e-8, atol=1e-10,
                     hint="dw = Σ_rows dy · x̂")
