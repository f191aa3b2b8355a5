"""Grader for clipping.py: the global gradient norm and clip_grad_norm against
``torch.nn.utils.clip_grad_norm_`` (float64), above, at and below the threshold, with parameters
that have no gradient, float32 gradients and one gradient array shared by two parameters;
grads_are_finite on NaN and infinities.

When the gradients come back wrong, the grader computes the classic wrong variants (each
parameter clipped on its own, the norm after clipping returned, a shared array scaled twice
in place, ...) and names the one your result matches.
"""

from __future__ import annotations

import numpy as np
import torch

from common import load
from common.checks import assert_close, assert_equal, calling, expect_raises, require
from grader import task

EPS = 1e-6  # the coefficient is max_norm / (norm + EPS), as in torch.nn.utils.clip_grad_norm_


def clipping():
    return load(6, "clipping")


def params_with(grads: list) -> list:
    """Phase-02 Parameters whose ``.grad`` are exactly the objects given (None for no gradient)."""
    Parameter = load(2, "nn").Parameter
    out = []
    for g in grads:
        p = Parameter(np.zeros((2,) if g is None else g.shape, dtype=np.float64 if g is None else g.dtype))
        p.grad = g
        out.append(p)
    return out


def torch_clip(grads: list, max_norm: float) -> tuple[float, list]:
    """PyTorch's total norm and clipped gradients (float64), None where there is no gradient."""
    ts = []
    for g in grads:
        t = torch.zeros((2,) if g is None else g.shape, dtype=torch.float64, requires_grad=True)
        t.grad = None if g is None else torch.tensor(g, dtype=torch.float64)
        ts.append(t)
    total = torch.nn.utils.clip_grad_norm_(ts, max_norm)
    return float(total), [None if t.grad is None else t.grad.numpy() for t in ts]


def describe(grads: list) -> str:
    return "[" + ", ".join("None" if g is None else f"{g.dtype} {g.shape}" for g in grads) + "]"


def clip(C, grads: list, max_norm: float, what: str):
    """Run the learner's clip_grad_norm on fresh Parameters; returns (returned value, params)."""
    params = params_with(grads)
    with calling(what, hint="skip the parameters whose .grad is None; p.grad = p.grad * coef"):
        got = C.clip_grad_norm(params, max_norm)
    require(isinstance(got, (float, int, np.floating)) and not isinstance(got, bool),
            f"{what} should return the norm as a float, got {type(got).__name__}: {got!r:.80}",
            hint="return float(norm), the global norm measured before clipping")
    return float(got), params


def grads_hint(got: list, grads: list, max_norm: float, norm: float) -> str:
    """Name the wrong variant that the clipped gradients match."""
    def per_param(g):
        n = float(np.sqrt(np.sum(g.astype(np.float64) ** 2)))
        return g * (max_norm / (n + EPS)) if n > max_norm else g

    coef = max_norm / (norm + EPS)
    variants = [
        ("your gradients match clipping per parameter: each gradient scaled by its own norm. Clip by the "
         "global norm, sqrt of the sum of all squares of all gradients, and scale every gradient by the same "
         "max_norm / (norm + 1e-6)", [per_param(g) for g in grads]),
        ("your gradients were scaled by norm / max_norm, the coefficient upside down: multiply by "
         "max_norm / (norm + 1e-6)", [g * (norm / max_norm) for g in grads]),
        ("your gradients were scaled by max_norm / norm, without the 1e-6: the coefficient is max_norm / (norm + 1e-6), as in "
         "torch.nn.utils.clip_grad_norm_", [g * (max_norm / norm) for g in grads]),
        ("your gradients were divided by the norm only: multiply by max_norm / (norm + 1e-6)",
         [g / norm for g in grads]),
        ("your gradients were scaled twice (coef ** 2): compute the coefficient once and scale each gradient once",
         [g * coef * coef for g in grads]),
        ("your gradients were left unchanged although the norm exceeds max_norm: scale them all by "
         "max_norm / (norm + 1e-6)", list(grads)),
    ]
    for text, alt in variants:
        if all(a.shape == b.shape and np.allclose(a, b, rtol=1e-10, atol=0) for a, b in zip(got, alt)):
            return text
    return "every gradient becomes grad * max_norm / (norm + 1e-6), with norm the global norm of all of them"


def returned_hint(got: float, norm: float, max_norm: float) -> str:
    if np.isclose(got, max_norm, rtol=1e-5) or np.isclose(got, norm * max_norm / (norm + EPS), rtol=1e-10):
        return ("you returned the norm after clipping (about max_norm): return the norm *before* clipping, the "
                "one you measured; the training log plots it to show how often clipping bites")
    if np.isclose(got, norm ** 2, rtol=1e-10):
        return "you returned the squared norm: take the square root of the sum of squares"
    return "return the global norm measured before clipping, sqrt(sum over parameters of sum(grad ** 2))"


def check_untouched(params, grads, copies, what, hint) -> None:
    for i, (p, g, c) in enumerate(zip(params, grads, copies)):
        if g is None:
            require(p.grad is None, f"{what}: parameter {i} had no gradient and now has one", hint=hint)
            continue
        got = np.asarray(p.grad)
        require(got.dtype == c.dtype and got.shape == c.shape and got.tobytes() == c.tobytes(),
                f"{what}: gradient {i} changed, from {c.ravel()[:4]} to {got.ravel()[:4]} ({got.dtype}); it must "
                f"stay exactly as it was, bit for bit", hint=hint)


@task(points=3, timeout=30)
def test_clip_grad_norm():
    """clip_grad_norm matches torch.nn.utils.clip_grad_norm_: one global norm, returned before clipping."""
    C = clipping()
    g = np.random.default_rng(6)

    for bad in (0.0, -1.0):
        with expect_raises(ValueError, f"clip_grad_norm(params, max_norm={bad})",
                           hint="max_norm must be > 0: check it first, before touching any gradient"):
            C.clip_grad_norm(params_with([np.ones(3)]), bad)

    # global_grad_norm: None counts as zero, float32 squares accumulated in float64
    grads = [g.standard_normal((3, 4)) * 2, None, g.standard_normal(5), g.standard_normal((2, 2, 2))]
    norm, clipped = torch_clip(grads, 1.0)
    with calling(f"global_grad_norm(params) with grads {describe(grads)}"):
        got = C.global_grad_norm(params_with(grads))
    assert_close(got, norm, what=f"global_grad_norm(params) with grads {describe(grads)}", rtol=1e-12,
                 hint="sqrt(sum over parameters of sum(grad ** 2)), skipping the parameters whose .grad is None")
    big = [np.array([3e20, 4e20], dtype=np.float32)]
    with calling("global_grad_norm(params) with one float32 grad [3e20, 4e20]"):
        got = C.global_grad_norm(params_with(big))
    assert_close(got, 5e20, what="global_grad_norm(params) with one float32 grad [3e20, 4e20]", rtol=1e-6,
                 hint="square in float64 (g.astype('float64') ** 2): float32 squares overflow to inf above ~1.8e19")

    # above the threshold, with a parameter that has no gradient: PyTorch's answer
    copies = [None if a is None else a.copy() for a in grads]
    what = f"clip_grad_norm(params, max_norm=1.0) with grads {describe(grads)} (global norm {norm:.4f})"
    got, params = clip(C, grads, 1.0, what)
    assert_close(got, norm, what=f"{what}: the value returned", rtol=1e-12, hint=returned_hint(got, norm, 1.0))
    require(params[1].grad is None, f"{what}: the parameter without a gradient got one: {params[1].grad!r:.80}",
            hint="skip the parameters whose .grad is None")
    out = [np.asarray(p.grad) for i, p in enumerate(params) if i != 1]
    want = [c for c in clipped if c is not None]
    assert_close(np.concatenate([o.ravel() for o in out]), np.concatenate([w.ravel() for w in want]),
                 what=f"{what}: the gradients after, vs torch.nn.utils.clip_grad_norm_", rtol=1e-12, atol=0,
                 hint=grads_hint(out, [c for c in copies if c is not None], 1.0, norm))
    for i, (a, c) in enumerate(zip(grads, copies)):
        if a is not None:
            require(np.array_equal(a, c), f"{what}: the array that was gradient {i} before the call was changed",
                    hint="you scaled the gradient in place (p.grad *= coef): write p.grad = p.grad * coef, a new "
                         "array; the old one may be shared with another parameter or kept by the caller")

    # global, not per parameter: each below max_norm, together above
    two = [np.array([3.0, 0.0]), np.array([0.0, 4.0])]
    what = "clip_grad_norm(params, max_norm=4.5) with grads [3, 0] and [0, 4] (norms 3 and 4, global norm 5)"
    got, params = clip(C, [a.copy() for a in two], 4.5, what)
    out = [np.asarray(p.grad) for p in params]
    assert_close(np.concatenate(out), np.concatenate(two) * (4.5 / (5.0 + EPS)), what=f"{what}: the gradients after",
                 rtol=1e-12, atol=0, hint=grads_hint(out, two, 4.5, 5.0))

    # below and at the threshold: untouched, bit for bit
    small = [g.standard_normal(6) * 0.1, g.standard_normal((2, 3)).astype(np.float32) * np.float32(0.1)]
    small_norm = torch_clip(small, 1.0)[0]
    for grads_, max_norm, label, hint in (
            (small, 1.0, f"global norm {small_norm:.4f} below max_norm",
             "the norm is below max_norm: leave the gradients exactly as they are"),
            ([np.array([3.0, 4.0])], 5.0, "grad [3, 4], global norm exactly 5 equal to max_norm",
             "a norm equal to max_norm does not exceed it: clip only when norm > max_norm")):
        what = f"clip_grad_norm(params, max_norm={max_norm}) with {label}"
        copies = [a.copy() for a in grads_]
        got, params = clip(C, grads_, max_norm, what)
        norm_here = torch_clip(copies, max_norm)[0]
        assert_close(got, norm_here, what=f"{what}: the value returned", rtol=1e-6,
                     hint="return the global norm, also when nothing is clipped")
        check_untouched(params, grads_, copies, what, hint)

    # float32 stays float32
    f32 = [(g.standard_normal((4, 3)) * 3).astype(np.float32), (g.standard_normal(7) * 3).astype(np.float32)]
    norm32 = float(np.sqrt(sum(np.sum(a.astype(np.float64) ** 2) for a in f32)))
    what = f"clip_grad_norm(params, max_norm=1.0) with float32 grads (4, 3) and (7,) (global norm {norm32:.4f})"
    got, params = clip(C, [a.copy() for a in f32], 1.0, what)
    for i, (p, a) in enumerate(zip(params, f32)):
        assert_equal(str(np.asarray(p.grad).dtype), "float32", what=f"{what}: gradient {i}'s dtype after",
                     hint="keep each gradient's dtype: multiply by a Python float or p.grad.dtype.type(coef); a "
                          "float64 scalar or .astype('float64') turns float32 gradients into float64")
        assert_close(p.grad, a.astype(np.float64) * (1.0 / (norm32 + EPS)), what=f"{what}: gradient {i} after",
                     rtol=1e-6, atol=1e-7)

    # one array shared by two parameters: each ends scaled once
    shared = g.standard_normal(4) * 3
    orig = shared.copy()
    norm_s = float(np.sqrt(2 * np.sum(orig ** 2)))
    coef = 1.0 / (norm_s + EPS)
    what = (f"clip_grad_norm(params, max_norm=1.0) with two parameters whose .grad is the *same* array object "
            f"(global norm {norm_s:.4f})")
    _, params = clip(C, [shared, shared], 1.0, what)
    for i, p in enumerate(params):
        got_g = np.asarray(p.grad)
        if np.allclose(got_g, orig * coef * coef, rtol=1e-10):
            raise AssertionError(f"{what}: parameter {i}'s gradient was scaled twice, {orig[:3]} became "
                                 f"{got_g[:3]}, coef² times.\nHint: you scaled in place (p.grad *= coef): both "
                                 f"parameters hold one shared array, so it was scaled once per parameter. Write "
                                 f"p.grad = p.grad * coef, a new array")
        assert_close(got_g, orig * coef, what=f"{what}: parameter {i}'s gradient after", rtol=1e-12)
    require(np.array_equal(shared, orig), f"{what}: the shared array itself was changed",
            hint="never scale in place what backward handed you: p.grad = p.grad * coef")

    # a non-finite norm: returned as it is, nothing scaled
    for bad in (np.inf, np.nan):
        grads_ = [np.array([1.0, bad]), np.array([2.0, 3.0])]
        what = f"clip_grad_norm(params, max_norm=1.0) with grads [1, {bad}] and [2, 3]"
        copies = [a.copy() for a in grads_]
        got, params = clip(C, grads_, 1.0, what)
        require(np.isnan(got) if np.isnan(bad) else got == np.inf, f"{what} should return {bad}, got {got}",
                hint="the norm of gradients holding inf or nan is not finite: return it as it is")
        for i, (p, c) in enumerate(zip(params, copies)):
            require(np.array_equal(np.asarray(p.grad), c, equal_nan=True),
                    f"{what}: gradient {i} changed to {np.asarray(p.grad)}",
                    hint="when the norm is not finite, scale nothing (max_norm / inf = 0 would zero every gradient "
                         "and turn inf into nan); the trainer skips that step")


@task(points=1, timeout=30)
def test_grads_are_finite():
    """grads_are_finite is False for any NaN or ±inf in any gradient, True otherwise; None grads ignored."""
    C = clipping()
    ok = np.array([[0.5, -2.0], [1e30, 0.0]])
    cases = [
        ([ok, np.ones(3)], True, "all finite"),
        ([ok, None, np.ones(3, dtype=np.float32)], True, "all finite, one None"),
        ([None, None], True, "only None"),
        ([], True, "no parameters"),
        ([ok, np.array([1.0, np.nan, 2.0])], False, "a nan in the second"),
        ([np.array([np.inf, 1.0]), ok], False, "+inf in the first"),
        ([None, ok, np.array([[1.0], [-np.inf]])], False, "-inf in the third"),
        ([np.array([1.0, np.inf], dtype=np.float32)], False, "float32 +inf"),
        ([ok, np.full(3, np.nan)], False, "all nan in the second"),
    ]
    for grads, expected, label in cases:
        what = f"grads_are_finite(params) with grads {describe(grads)}: {label}"
        with calling(what, hint="skip the parameters whose .grad is None"):
            got = C.grads_are_finite(params_with(grads))
        require(isinstance(got, (bool, np.bool_)),
                f"{what} should return a bool, got {type(got).__name__}: {got!r:.80}",
                hint="bool(np.isfinite(g).all()) for each gradient")
        hint = "np.isfinite(g).all() is False for nan, +inf and -inf alike; every gradient must pass"
        if not expected and "inf" in label:
            hint = "np.isnan misses infinities: use np.isfinite, False for nan, +inf and -inf"
        elif not expected:
            hint = "one nan anywhere is enough: np.isfinite(g).all(), not .any()"
        assert_equal(bool(got), expected, what=what, hint=hint)
