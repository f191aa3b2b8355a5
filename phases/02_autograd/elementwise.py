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
    # YOUR CODE HERE
    raise NotImplementedError("_unbroadcast: not written yet; see its docstring and the handout")


class Elementwise:
    """``+ - * / ** -x`` and ``exp log sqrt tanh relu sigmoid gelu`` for ``Tensor``."""

    # ---- arithmetic -----------------------------------------------------------------------

    def __add__(self, other) -> Tensor:
        """``self + other`` with broadcasting; each operand's gradient is ``g`` summed back to its shape."""
        a, b = self, self._wrap(other)
        # The pattern of every op: a closure backward(g) returning one gradient per parent, then
        # a._make(forward data, (a, b), backward, "+"). Skip parents that do not require grad.
        # YOUR CODE HERE
        raise NotImplementedError("Elementwise.__add__: not written yet; see its docstring and the handout")

    def __radd__(self, other) -> Tensor:
        return self._wrap(other) + self

    def __sub__(self, other) -> Tensor:
        """``self - other`` with broadcasting."""
        a, b = self, self._wrap(other)
        # YOUR CODE HERE
        raise NotImplementedError("Elementwise.__sub__: not written yet; see its docstring and the handout")

    def __rsub__(self, other) -> Tensor:
        return self._wrap(other) - self

    def __mul__(self, other) -> Tensor:
        """``self * other`` element-wise, with broadcasting."""
        a, b = self, self._wrap(other)
        # YOUR CODE HERE
        raise NotImplementedError("Elementwise.__mul__: not written yet; see its docstring and the handout")

    def __rmul__(self, other) -> Tensor:
        return self._wrap(other) * self

    def __truediv__(self, other) -> Tensor:
        """``self / other`` element-wise, with broadcasting."""
        a, b = self, self._wrap(other)
        # YOUR CODE HERE
        raise NotImplementedError("Elementwise.__truediv__: not written yet; see its docstring and the handout")

    def __rtruediv__(self, other) -> Tensor:
        return self._wrap(other) / self

    def __neg__(self) -> Tensor:
        """``-self``."""
        a = self
        # YOUR CODE HERE
        raise NotImplementedError("Elementwise.__neg__: not written yet; see its docstring and the handout")

    def __pow__(self, exponent) -> Tensor:
        """``self ** exponent`` for a Python number ``exponent`` (TypeError for anything else)."""
        a = self
        # d(x^p)/dx = p x^(p-1). A Tensor exponent is not supported: say so with a TypeError.
        # YOUR CODE HERE
        raise NotImplementedError("Elementwise.__pow__: not written yet; see its docstring and the handout")

    # ---- element-wise functions -------------------------------------------------------------

    def exp(self) -> Tensor:
        """``e^x`` element-wise; its derivative is itself (keep the output for backward)."""
        a = self
        # YOUR CODE HERE
        raise NotImplementedError("Elementwise.exp: not written yet; see its docstring and the handout")

    def log(self) -> Tensor:
        """Natural logarithm."""
        a = self
        # YOUR CODE HERE
        raise NotImplementedError("Elementwise.log: not written yet; see its docstring and the handout")

    def sqrt(self) -> Tensor:
        """Square root element-wise (inputs > 0)."""
        a = self
        # YOUR CODE HERE
        raise NotImplementedError("Elementwise.sqrt: not written yet; see its docstring and the handout")

    def tanh(self) -> Tensor:
        """Hyperbolic tangent element-wise; derivative ``1 - tanh(x)^2``."""
        a = self
        # YOUR CODE HERE
        raise NotImplementedError("Elementwise.tanh: not written yet; see its docstring and the handout")

    def relu(self) -> Tensor:
        """``max(x, 0)``; the gradient passes where ``x > 0`` (0 at x == 0, as in PyTorch)."""
        a = self
        # YOUR CODE HERE
        raise NotImplementedError("Elementwise.relu: not written yet; see its docstring and the handout")

    def sigmoid(self) -> Tensor:
        """``1 / (1 + exp(-x))``, without overflow for large ``|x|``."""
        a = self
        # exp(-|x|) never overflows: use 1/(1+e) for x >= 0 and e/(1+e) for x < 0.
        # YOUR CODE HERE
        raise NotImplementedError("Elementwise.sigmoid: not written yet; see its docstring and the handout")

    def gelu(self) -> Tensor:
        """GELU, tanh approximation (GPT-2's): ``0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))``."""
        a = self
        # YOUR CODE HERE
        raise NotImplementedError("Elementwise.gelu: not written yet; see its docstring and the handout")
