"""Reductions of a Tensor: operations that combine many elements into one.

``sum``, ``mean`` and ``max`` over axes; ``softmax`` and ``log_softmax``, which normalise
along an axis; and the matrix product, a sum of products over the shared axis. In backward,
a reduced axis comes back: the gradient of one output is shared out over the elements that
made it (``_expand`` puts the axis back so that ``g`` broadcasts against the input).

``Reductions`` is mixed into ``Tensor`` (tensor.py): ``self`` here is a Tensor.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from .elementwise import _unbroadcast

if TYPE_CHECKING:
    from .tensor import Tensor


def _axes(axis, ndim: int) -> tuple[int, ...]:
    """``axis`` (None, an int, a negative int or a tuple) as a sorted tuple of axes in ``0..ndim-1``."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, int):
        axis = (axis,)
    return tuple(sorted(a % ndim if ndim else a for a in axis))


def _expand(g, axis, keepdims: bool, ndim: int):
    """Put back the axes a reduction over ``axis`` removed, so that ``g`` broadcasts against its input."""
    if keepdims:
        return g
    shape = list(g.shape)
    for a in _axes(axis, ndim):
        shape.insert(a, 1)
    return g.reshape(shape)


class Reductions:
    """``sum mean max softmax log_softmax`` and ``@`` for ``Tensor``."""

    # ---- reductions ----------------------------------------------------------------------

    def sum(self, axis=None, keepdims: bool = False) -> Tensor:
        """Sum over ``axis`` (None: all; an int, negative int or tuple). The gradient copies ``g`` back."""
        a = self
        # Every input element gets the gradient of the sum it went into: put back the reduced
        # axes (_expand), then broadcast to the input's shape.
        ### BEGIN SOLUTION
        xp = a.xp

        def backward(g):
            return (xp.broadcast_to(_expand(g, axis, keepdims, a.ndim), a.shape),)

        return a._make(a.data.sum(axis=axis, keepdims=keepdims), (a,), backward, "sum")
        ### END SOLUTION

    def mean(self, axis=None, keepdims: bool = False) -> Tensor:
        """Mean over ``axis``: a sum divided by the number of elements reduced."""
        a = self
        # Like sum, with g divided by n = the product of the reduced sizes (_axes lists them).
        ### BEGIN SOLUTION
        xp = a.xp
        n = math.prod(a.shape[i] for i in _axes(axis, a.ndim))

        def backward(g):
            return (xp.broadcast_to(_expand(g, axis, keepdims, a.ndim) / n, a.shape),)

        return a._make(a.data.mean(axis=axis, keepdims=keepdims), (a,), backward, "mean")
        ### END SOLUTION

    def max(self, axis=None, keepdims: bool = False) -> Tensor:
        """Maximum over ``axis``. The gradient goes to the maximal elements, shared equally among ties."""
        a = self
        # mask = (x == max kept with keepdims=True); each maximum gets g / (number of maxima in its slice).
        ### BEGIN SOLUTION
        m = a.data.max(axis=axis, keepdims=True)

        def backward(g):
            mask = a.data == m
            share = _expand(g, axis, keepdims, a.ndim) / mask.sum(axis=axis, keepdims=True)
            return (mask * share,)

        out = m if keepdims else m.reshape([n for i, n in enumerate(a.shape) if i not in _axes(axis, a.ndim)])
        return a._make(out, (a,), backward, "max")
        ### END SOLUTION

    def softmax(self, axis: int = -1) -> Tensor:
        """``exp(x) / sum(exp(x))`` along ``axis``, computed as ``exp(x - max)`` so it never overflows.

        Backward with ``s`` the output: ``dx = s * (g - sum(g * s, axis))``.
        """
        a = self
        ### BEGIN SOLUTION
        xp = a.xp
        e = xp.exp(a.data - a.data.max(axis=axis, keepdims=True))
        s = e / e.sum(axis=axis, keepdims=True)
        return a._make(s, (a,), lambda g: (s * (g - (g * s).sum(axis=axis, keepdims=True)),), "softmax")
        ### END SOLUTION

    def log_softmax(self, axis: int = -1) -> Tensor:
        """``x - logsumexp(x)`` along ``axis``, with the max shifted out first.

        Backward with ``y`` the output: ``dx = g - exp(y) * sum(g, axis)``.
        """
        a = self
        ### BEGIN SOLUTION
        xp = a.xp
        z = a.data - a.data.max(axis=axis, keepdims=True)
        out = z - xp.log(xp.exp(z).sum(axis=axis, keepdims=True))
        return a._make(out, (a,), lambda g: (g - xp.exp(out) * g.sum(axis=axis, keepdims=True),), "log_softmax")
        ### END SOLUTION

    # ---- the matrix product ------------------------------------------------------------------

    def __matmul__(self, other) -> Tensor:
        """Matrix product with ``np.matmul`` rules.

        ``(n, k) @ (k, m) -> (n, m)``; 1-D operands act as a row ``(1, k)`` on the left or a
        column ``(k, 1)`` on the right, and that axis is dropped from the result; N-D operands
        are stacks of matrices whose leading (batch) axes broadcast, e.g.
        ``(B, T, k) @ (k, m) -> (B, T, m)``. Gradients: ``dA = g @ B^T``, ``dB = A^T @ g``,
        summed back over broadcast batch axes.
        """
        a, b = self, self._wrap(other)
        # Treat 1-D operands as 2-D (and g likewise), use the 2-D rules, then sum away batch axes
        # (_unbroadcast) and reshape back to each operand's shape.
        ### BEGIN SOLUTION
        xp = a.xp

        def backward(g):
            A = a.data if a.ndim > 1 else a.data[None, :]
            B = b.data if b.ndim > 1 else b.data[:, None]
            if b.ndim == 1:
                g = g[..., None]
            if a.ndim == 1:
                g = g[..., None, :]
            ga = gb = None
            if a.requires_grad and B.ndim == 2 and A.ndim > 2:
                ga = (g.reshape(-1, g.shape[-1]) @ B.T).reshape(a.shape)
            elif a.requires_grad:
                ga = _unbroadcast(g @ xp.swapaxes(B, -1, -2), A.shape).reshape(a.shape)
            if b.requires_grad:
                if B.ndim == 2 and A.ndim > 2:  # (..., k) @ (k, m): one big product, no batch of copies
                    gb = A.reshape(-1, A.shape[-1]).T @ g.reshape(-1, g.shape[-1])
                else:
                    gb = _unbroadcast(xp.swapaxes(A, -1, -2) @ g, B.shape)
                gb = gb.reshape(b.shape)
            return ga, gb

        if a.ndim > 2 and b.ndim == 2:  # (..., k) @ (k, m) as one 2-D product: BLAS's fastest case
            out = (a.data.reshape(-1, a.shape[-1]) @ b.data).reshape(*a.shape[:-1], b.shape[1])
        else:
            out = a.data @ b.data
        return a._make(out, (a, b), backward, "@")
        ### END SOLUTION

    def __rmatmul__(self, other) -> Tensor:
        return self._wrap(other) @ self
