"""Check an operation on the learner's Tensors against PyTorch, forward and backward.

:func:`check_op` runs the same function on our ``Tensor`` and on ``torch.Tensor`` (float64
inputs, same values), back-propagates the same random upstream gradient through both, and
compares the output and every operand's gradient; :func:`check_numeric` compares the
gradients with central differences instead. Failure messages name the operation, the input
shapes and the operand whose gradient is wrong::

    check_op(lambda a, b: a @ b, lambda a, b: a @ b, [(4, 3), (3, 2)], name="Tensor @ Tensor")

Inputs are shapes (drawn from N(0, 1) with ``seed``) or ready-made arrays (to control the
values or the memory layout, e.g. a transposed view). ``Tensor`` defaults to phase 02's.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from common.backend import to_numpy
from common.checks import assert_close, calling, numeric_grad, require


def _tensor_class(Tensor):
    if Tensor is not None:
        return Tensor
    from common import load

    return load(2, "tensor").Tensor


def make_inputs(inputs: Sequence, seed: int = 0) -> list[np.ndarray]:
    """Arrays for ``inputs``: a shape (tuple of ints) becomes float64 N(0, 1) noise, an array stays."""
    rng = np.random.default_rng(seed)
    out = []
    for item in inputs:
        if isinstance(item, tuple) and all(isinstance(n, (int, np.integer)) for n in item):
            out.append(np.asarray(rng.standard_normal(item)))
        else:
            out.append(np.asarray(item) if not isinstance(item, np.ndarray) else item)
    return out


def shapes_text(arrays: Sequence[np.ndarray]) -> str:
    """``"shapes (4, 3), (3,)"`` (or ``"shape (4, 3)"`` for one input)."""
    shapes = ", ".join(str(tuple(a.shape)) for a in arrays)
    return f"shape{'s' if len(arrays) != 1 else ''} {shapes}"


def _values(out, Tensor, what: str) -> np.ndarray:
    require(isinstance(out, Tensor), f"{what} should return a Tensor, got {type(out).__name__}: {out!r:.120}")
    return to_numpy(out.data)


def _operand_names(names, n: int) -> list[str]:
    if names is not None:
        return list(names)
    if n == 1:
        return ["the input"]
    return [f"operand {i} ({'left' if i == 0 else 'right'})" if n == 2 else f"input {i}" for i in range(n)]


def _shape_hint(got_shape, operand_shape, out_shape) -> str | None:
    if tuple(got_shape) == tuple(out_shape) and tuple(got_shape) != tuple(operand_shape):
        return ("the gradient has the output's (broadcast) shape; sum it back to the operand's shape "
                "(_unbroadcast: sum the leading extra axes, then the axes where the operand has size 1)")
    if sorted(got_shape) == sorted(operand_shape):
        return "the gradient has the operand's axes in the wrong order: is a transpose missing or extra?"
    return None


def check_grad(got, expected: np.ndarray, operand: np.ndarray, out_shape, *, what: str,
               rtol: float, atol: float, hint: str | None = None) -> None:
    """Compare one operand's ``.grad`` (``got``, an array or None) with the expected gradient."""
    require(got is not None, f"{what}: .grad is None after backward()",
            hint=hint or "backward() must reach every input that requires grad and add the gradient into its .grad")
    got = to_numpy(got)
    if tuple(got.shape) != tuple(expected.shape):
        raise AssertionError(
            f"{what}: expected a gradient of shape {tuple(expected.shape)} (the operand's shape), got shape {tuple(got.shape)}."
            + (f"\nHint: {h}" if (h := "; ".join(filter(None, (_shape_hint(got.shape, operand.shape, out_shape), hint))))
               else "")
        )
    assert_close(got, expected, what=what, rtol=rtol, atol=atol, hint=hint)


def check_op(ours: Callable, theirs: Callable, inputs: Sequence, *, name: str, Tensor=None, seed: int = 0,
             requires_grad: Sequence[bool] | None = None, names: Sequence[str] | None = None,
             rtol: float = 1e-6, atol: float = 1e-8, hint: str | None = None,
             grad_hint: str | Sequence[str | None] | None = None, check_dtype: bool = True):
    """Run ``ours`` on Tensors and ``theirs`` on torch tensors; compare output and gradients.

    ``inputs``: shapes or arrays (float64), one per operand. ``requires_grad``: per operand
    (default all True). After the forward pass both outputs receive the same random upstream
    gradient ``g`` (``out.backward(g)``), and each operand's ``.grad`` is compared with
    torch's. ``hint`` is shown with a wrong output, ``grad_hint`` (one string, or one per
    operand) with a wrong gradient. Returns ``(our output Tensor, list of our .grad arrays)``.
    """
    import torch

    Tensor = _tensor_class(Tensor)
    arrays = make_inputs(inputs, seed)
    flags = list(requires_grad) if requires_grad is not None else [True] * len(arrays)
    labels = _operand_names(names, len(arrays))
    hints = list(grad_hint) if isinstance(grad_hint, (list, tuple)) else [grad_hint] * len(arrays)
    what = f"{name} on {shapes_text(arrays)}"

    t_in = [torch.tensor(np.array(a), dtype=torch.float64, requires_grad=f) for a, f in zip(arrays, flags)]
    t_out = theirs(*t_in)
    expected = t_out.detach().numpy()
    originals = [a.copy() for a in arrays]

    ts = [Tensor(a, requires_grad=f) for a, f in zip(arrays, flags)]
    with calling(what, hint=hint):
        out = ours(*ts)
    got = _values(out, Tensor, what)
    if check_dtype:
        require(got.dtype == np.float64, f"{what}: float64 inputs should give a float64 result, got {got.dtype}",
                hint="keep the inputs' dtype: no astype(np.float32), no np.float32 constants")
    assert_close(got, expected, what=what, rtol=rtol, atol=atol, hint=hint)
    for a, orig, label in zip(arrays, originals, labels):
        require(np.array_equal(a, orig), f"{what} modified its input ({label}) in place",
                hint="compute new arrays (a + b, np.exp(a)); never write into an input's .data")

    g = np.random.default_rng(seed + 1000).standard_normal(expected.shape)
    t_out.backward(torch.tensor(g))
    joined = "; ".join(dict.fromkeys(h for h in hints if h)) or None
    with calling(f"{what}: out.backward(g) with g of shape {g.shape}", hint=joined):
        out.backward(g)
    grads = []
    for t, tt, a, f, label, h in zip(ts, t_in, arrays, flags, labels, hints):
        if not f:
            grads.append(None)
            continue
        check_grad(t.grad, tt.grad.numpy(), a, expected.shape, what=f"{what}: gradient of {label} (shape {a.shape})",
                   rtol=rtol, atol=atol, hint=h)
        grads.append(t.grad)
    return out, grads


def check_numeric(ours: Callable, inputs: Sequence, *, name: str, Tensor=None, seed: int = 0,
                  names: Sequence[str] | None = None, eps: float = 1e-6, rtol: float = 1e-5, atol: float = 1e-7,
                  hint: str | None = None) -> None:
    """Compare every operand's gradient from ``backward()`` with central differences.

    The scalar differentiated is ``sum(w * ours(*inputs))`` for a fixed random ``w``, so every
    output element counts with its own weight. Keep inputs small: each element costs two calls.
    """
    Tensor = _tensor_class(Tensor)
    arrays = [np.array(a, dtype=np.float64) for a in make_inputs(inputs, seed)]
    labels = _operand_names(names, len(arrays))
    what = f"{name} on {shapes_text(arrays)}"

    ts = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    with calling(what, hint=hint):
        out = ours(*ts)
    values = _values(out, Tensor, what)
    w = np.random.default_rng(seed + 2000).standard_normal(values.shape)
    with calling(f"{what}: out.backward(w) with w of shape {w.shape}"):
        out.backward(w)

    for i, (t, label) in enumerate(zip(ts, labels)):
        def f(x, i=i):
            args = [Tensor(x if j == i else a) for j, a in enumerate(arrays)]
            return float(np.sum(to_numpy(ours(*args).data) * w))

        with calling(f"{what} (evaluated for central differences)"):
            num = numeric_grad(f, arrays[i].copy(), eps=eps)
        check_grad(t.grad, num, arrays[i], values.shape,
                   what=f"{what}: gradient of {label} (shape {arrays[i].shape}) vs central differences "
                        f"(f(x+eps) - f(x-eps)) / 2eps, eps={eps:g}",
                   rtol=rtol, atol=atol, hint=hint)
