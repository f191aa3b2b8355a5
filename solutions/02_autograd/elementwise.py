"""Element-wise operations of a Tensor: arithmetic with broadcasting, and functions of one value.

Each output element depends on one element of each input, so each backward rule is the local
derivative times ``g``, element by element. Broadcasting is the one subtlety: an operand that
NumPy stretched to the result's shape was used many times, and its gradient is summed back to
its own shape (``_unbroadcast``).

``Elementwise`` is mixed into ``Tensor`` (tensor.py): ``self`` here is a Tensor.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .tensor import Tensor


def _unbroadcast(grad, shape: tuple[int, ...]):
    """Sum ``grad`` back to ``shape``, undoing NumPy broadcasting.

    If ``x`` of shape ``shape`` was broadcast to ``grad.shape`` in the forward pass, each of
    its elements was used many times, so its gradient is the sum over the copies:
    ``(4, 3)`` -> ``(3,)`` sums axis 0; ``(4, 3)`` -> ``(4, 1)`` sums axis 1 keeping it;
    ``(2, 4, 3)`` -> ``(1, 3)`` sums axis 0, then axis 1 (keeping it); anything -> ``()`` sums all.
    """
    # First sum away the leading axes that broadcasting added, then the axes where shape has a 1.
    ### BEGIN SOLUTION
    if grad.shape == tuple(shape):
        return grad
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad
    ### END SOLUTION


class Elementwise:
    """``+ - * / ** -x`` and ``exp log sqrt tanh relu sigmoid gelu`` for ``Tensor``."""

    # ---- arithmetic -----------------------------------------------------------------------

    def __add__(self, other) -> Tensor:
        """``self + other`` with broadcasting; each operand's gradient is ``g`` summed back to its shape."""
        a, b = self, self._wrap(other)
        # The pattern of every op: a closure backward(g) returning one gradient per parent, then
        # a._make(forward data, (a, b), backward, "+"). Skip parents that do not require grad.
        ### BEGIN SOLUTION
        def backward(g):
            return (_unbroadcast(g, a.shape) if a.requires_grad else None,
                    _unbroadcast(g, b.shape) if b.requires_grad else None)

        return a._make(a.data + b.data, (a, b), backward, "+")
        ### END SOLUTION

    def __radd__(self, other) -> Tensor:
        return self._wrap(other) + self

    def __sub__(self, other) -> Tensor:
        """``self - other`` with broadcasting."""
        a, b = self, self._wrap(other)
        ### BEGIN SOLUTION
        def backward(g):
            return (_unbroadcast(g, a.shape) if a.requires_grad else None,
                    _unbroadcast(-g, b.shape) if b.requires_grad else None)

        return a._make(a.data - b.data, (a, b), backward, "-")
        ### END SOLUTION

    def __rsub__(self, other) -> Tensor:
        return self._wrap(other) - self

    def __mul__(self, other) -> Tensor:
        """``self * other`` element-wise, with broadcasting."""
        a, b = self, self._wrap(other)
        ### BEGIN SOLUTION
        def backward(g):
            return (_unbroadcast(g * b.data, a.shape) if a.requires_grad else None,
                    _unbroadcast(g * a.data, b.shape) if b.requires_grad else None)

        return a._make(a.data * b.data, (a, b), backward, "*")
        ### END SOLUTION

    def __rmul__(self, other) -> Tensor:
        return self._wrap(other) * self

    def __truediv__(self, other) -> Tensor:
        """``self / other`` element-wise, with broadcasting."""
        a, b = self, self._wrap(other)
        ### BEGIN SOLUTION
        def backward(g):
            ga = g / b.data
            return (_unbroadcast(ga, a.shape) if a.requires_grad else None,
                    _unbroadcast(-ga * a.data / b.data, b.shape) if b.requires_grad else None)

        return a._make(a.data / b.data, (a, b), backward, "/")
        ### END SOLUTION

    def __rtruediv__(self, other) -> Tensor:
        return self._wrap(other) / self

    def __neg__(self) -> Tensor:
        """``-self``."""
        a = self
        ### BEGIN SOLUTION
        return a._make(-a.data, (a,), lambda g: (-g,), "neg")
        ### END SOLUTION

    def __pow__(self, exponent) -> Tensor:
        """``self ** exponent`` for a Python number ``exponent`` (TypeError for anything else)."""
        a = self
        # d(x^p)/dx = p x^(p-1). A Tensor exponent is not supported: say so with a TypeError.
        ### BEGIN SOLUTION
        if isinstance(exponent, bool) or not isinstance(exponent, (int, float)):
            raise TypeError(f"Tensor ** exponent needs a Python int or float exponent, got {type(exponent).__name__}")
        p, xp = exponent, a.xp

        def backward(g):
            if p == 0:
                return (xp.zeros_like(a.data),)
            return (g * (p * a.data ** (p - 1)),)

        return a._make(a.data**p, (a,), backward, f"**{p}")
        ### END SOLUTION

    # ---- element-wise functions -------------------------------------------------------------

    def exp(self) -> Tensor:
        """``e^x`` element-wise; its derivative is itself (keep the output for backward)."""
        a = self
        ### BEGIN SOLUTION
        out = a.xp.exp(a.data)
        return a._make(out, (a,), lambda g: (g * out,), "exp")
        ### END SOLUTION

    def log(self) -> Tensor:
        """Natural logarithm."""
        a = self
        ### BEGIN SOLUTION
        return a._make(a.xp.log(a.data), (a,), lambda g: (g / a.data,), "log")
        ### END SOLUTION

    def sqrt(self) -> Tensor:
        """Square root element-wise (inputs > 0)."""
        a = self
        ### BEGIN SOLUTION
        out = a.xp.sqrt(a.data)
        return a._make(out, (a,), lambda g: (g / (2 * out),), "sqrt")
        ### END SOLUTION

    def tanh(self) -> Tensor:
        """Hyperbolic tangent element-wise; derivative ``1 - tanh(x)^2``."""
        a = self
        ### BEGIN SOLUTION
        out = a.xp.tanh(a.data)
        return a._make(out, (a,), lambda g: (g * (1 - out * out),), "tanh")
        ### END SOLUTION

    def relu(self) -> Tensor:
        """``max(x, 0)``; the gradient passes where ``x > 0`` (0 at x == 0, as in PyTorch)."""
        a = self
        ### BEGIN SOLUTION
        xp = a.xp
        return a._make(xp.maximum(a.data, 0), (a,), lambda g: (g * (a.data > 0),), "relu")  # a mask: where() is slower
        ### END SOLUTION

    def sigmoid(self) -> Tensor:
        """``1 / (1 + exp(-x))``, without overflow for large ``|x|``."""
        a = self
        # exp(-|x|) never overflows: use 1/(1+e) for x >= 0 and e/(1+e) for x < 0.
        ### BEGIN SOLUTION
        xp = a.xp
        e = xp.exp(-xp.abs(a.data))
        top = xp.exp(xp.minimum(a.data, 0))           # e where x < 0, 1 where x >= 0: where() is slower
        out = top / (1 + e)
        return a._make(out, (a,), lambda g: (g * out * (1 - out),), "sigmoid")
        ### END SOLUTION

    def gelu(self) -> Tensor:
        """GELU, tanh approximation (GPT-2's): ``0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))``."""
        a = self
        ### BEGIN SOLUTION
        # The same formula computed in place: each step reuses one buffer instead of allocating
        # a temporary (GELU runs on the widest activations of a GPT).
        xp = a.xp
        x = a.data
        c, k = math.sqrt(2.0 / math.pi), 0.044715
        h = x * x                                  # h = 0.5 (1 + tanh(x (c + c k x²)))
        h *= c * k
        h += c
        h *= x
        xp.tanh(h, out=h)
        h *= 0.5
        h += 0.5
        out = x * h

        def backward(g):
            # d out / dx = h + x · 0.5 (1 - t²) · c (1 + 3 k x²), with t = 2h - 1, so that
            # 0.5 (1 - t²) = 2 h (1 - h): d = h + x · h (1 - h) · 2c (1 + 3 k x²)
            d = x * x
            d *= 6 * c * k
            d += 2 * c
            d *= x
            hh = h * h
            xp.subtract(h, hh, out=hh)
            d *= hh
            d += h
            d *= g
            return (d,)

        return a._make(out, (a,), backward, "gelu")
        ### END SOLUTION
