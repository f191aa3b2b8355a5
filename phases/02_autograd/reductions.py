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
        # YOUR CODE HERE
        raise NotImplementedError("Reductions.sum: not written yet; see its docstring and the handout")

    def mean(self, axis=None, keepdims: bool = False) -> Tensor:
        """Mean over ``axis``: a sum divided by the number of elements reduced."""
        a = self
        # Like sum, with g divided by n = the product of the reduced sizes (_axes lists them).
        # YOUR CODE HERE
        raise NotImplementedError("Reductions.mean: not written yet; see its docstring and the handout")

    def max(self, axis=None, keepdims: bool = False) -> Tensor:
        """Maximum over ``axis``. The gradient goes to the maximal elements, shared equally among ties."""
        a = self
        # mask = (x == max kept with keepdims=True); each maximum gets g / (number of maxima in its slice).
        # YOUR CODE HERE
        raise NotImplementedError("Reductions.max: not written yet; see its docstring and the handout")

    def softmax(self, axis: int = -1) -> Tensor:
        """``exp(x) / sum(exp(x))`` along ``axis``, computed as ``exp(x - max)`` so it never overflows.

        Backward with ``s`` the output: ``dx = s * (g - sum(g * s, axis))``.
        """
        a = self
        # YOUR CODE HERE
        raise NotImplementedError("Reductions.softmax: not written yet; see its docstring and the handout")

    def log_softmax(self, axis: int = -1) -> Tensor:
        """``x - logsumexp(x)`` along ``axis``, with the max shifted out first.

        Backward with ``y`` the output: ``dx = g - exp(y) * sum(g, axis)``.
        """
        a = self
        # YOUR CODE HERE
        raise NotImplementedError("Reductions.log_softmax: not written yet; see its docstring and the handout")

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
        # YOUR CODE HERE
        raise NotImplementedError("Reductions.__matmul__: not written yet; see its docstring and the handout")

    def __rmatmul__(self, other) -> Tensor:
        return self._wrap(other) @ self
