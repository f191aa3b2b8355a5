"""A Tensor that records how it was computed, and reverse-mode automatic differentiation.

Every operation on Tensors returns a new Tensor that remembers its inputs (``_parents``) and
a local backward rule (``_backward``). The rule receives ``g``, the gradient of the final
scalar with respect to the result (an array of the result's shape), and returns one array per
parent, the gradient with respect to that parent (or ``None`` for a parent that needs none)::

    c = a * b            # c._parents == (a, b)
    c._backward(g)       # -> (g * b.data, g * a.data)

``loss.backward()`` orders the graph so that every node comes after everything computed from
it, then runs each node's rule once, with the sum of all gradients that flowed into it.

Array code takes its array module from the data (``xp = self.xp``): NumPy now, CuPy in
phase 08, with no change here. Results keep the input dtype: float32 in, float32 out.
"""

from __future__ import annotations

import math
from typing import Callable, Sequence

import numpy as np

from common.backend import array_module, to_numpy

_GRAD_ENABLED = True


def is_grad_enabled() -> bool:
    """Whether operations record the graph now (False inside ``with no_grad():``)."""
    return _GRAD_ENABLED


class no_grad:
    """Context manager: operations inside record no graph and give ``requires_grad=False`` results.

    Nestable: on exit the previous state comes back, whatever it was. Use it for evaluation,
    and for optimizer updates of parameters. Also works as a decorator.
    """

    def __enter__(self) -> no_grad:
        global _GRAD_ENABLED
        # Remember the current state on self, then switch recording off.
        ### BEGIN SOLUTION
        self._prev = _GRAD_ENABLED
        _GRAD_ENABLED = False
        ### END SOLUTION
        return self

    def __exit__(self, *exc) -> None:
        global _GRAD_ENABLED
        ### BEGIN SOLUTION
        _GRAD_ENABLED = self._prev
        ### END SOLUTION

    def __call__(self, fn: Callable) -> Callable:
        def wrapper(*args, **kwargs):
            with no_grad():
                return fn(*args, **kwargs)

        wrapper.__name__, wrapper.__doc__ = getattr(fn, "__name__", "wrapper"), fn.__doc__
        return wrapper


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


class Tensor:
    """An array with a gradient: ``data`` (NumPy or CuPy), ``grad`` (same shape, or None).

    ``Tensor(data, requires_grad=False, dtype=None)``: ``data`` is an ndarray (kept, not
    copied), a Python number or a nested list. Python floats become float32, Python ints
    int64, unless ``dtype`` says otherwise. Only floating tensors can require grad.
    """

    __array_ufunc__ = None  # `ndarray + Tensor` calls Tensor.__radd__ instead of looping in NumPy
    __array_priority__ = 1000

    def __init__(self, data, requires_grad: bool = False, dtype=None):
        if isinstance(data, Tensor):
            data = data.data
        if isinstance(data, np.generic):
            data = np.asarray(data, dtype=dtype)
        elif isinstance(data, (int, float, bool, list, tuple)):
            data = np.asarray(data, dtype=dtype)
            if dtype is None and data.dtype == np.float64:
                data = data.astype(np.float32)
        else:
            xp = array_module(data)
            if dtype is not None:
                data = xp.asarray(data, dtype=dtype)
            elif not isinstance(data, xp.ndarray):
                data = xp.asarray(data)
        if requires_grad and not np.issubdtype(data.dtype, np.floating):
            raise TypeError(f"only floating-point tensors can require grad, got dtype {data.dtype}")
        self.data = data
        self.grad = None
        self.requires_grad = bool(requires_grad)
        self._parents: tuple[Tensor, ...] = ()
        self._backward: Callable | None = None
        self._op = ""

    # ---- building the graph (given) -----------------------------------------------------

    @staticmethod
    def _make(data, parents: tuple[Tensor, ...], backward: Callable, op: str) -> Tensor:
        """The result of an operation: a Tensor holding ``data`` that remembers how it was made.

        ``backward(g)`` must return one gradient per parent, in order (``None`` allowed for a
        parent with ``requires_grad=False``). The graph is recorded only when grad mode is on
        and some parent requires grad; otherwise the result is a plain constant.
        """
        if isinstance(data, np.generic):  # NumPy reductions return scalars; keep 0-d arrays
            data = np.asarray(data)
        out = Tensor.__new__(Tensor)
        out.data, out.grad, out._op = data, None, op
        if _GRAD_ENABLED and any(p.requires_grad for p in parents):
            out.requires_grad, out._parents, out._backward = True, parents, backward
        else:
            out.requires_grad, out._parents, out._backward = False, (), None
        return out

    def _wrap(self, other) -> Tensor:
        """``other`` as a Tensor: a Tensor as is; a number or array as a constant of self's dtype."""
        if isinstance(other, Tensor):
            return other
        if isinstance(other, (int, float, np.generic)):
            floating = np.issubdtype(self.data.dtype, np.floating)
            return Tensor(self.xp.asarray(other, dtype=self.data.dtype if floating else None))
        if isinstance(other, (list, tuple)) or hasattr(other, "__array__") or hasattr(other, "__cuda_array_interface__"):
            arr = self.xp.asarray(other)
            if np.issubdtype(self.data.dtype, np.floating) and arr.dtype != self.data.dtype:
                arr = arr.astype(self.data.dtype)
            return Tensor(arr)
        raise TypeError(f"cannot combine a Tensor with {type(other).__name__}")

    # ---- plain properties (given) -------------------------------------------------------

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def xp(self):
        """The array module of the data: ``numpy`` or ``cupy``."""
        return array_module(self.data)

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        body = np.array2string(to_numpy(self.data), separator=", ", precision=4, threshold=20, prefix="Tensor(")
        extra = ", requires_grad=True" if self.requires_grad else ""
        op = f", op={self._op!r}" if self._op else ""
        return f"Tensor({body}, dtype={self.dtype}{extra}{op})"

    def item(self) -> float:
        """The value of a one-element tensor as a Python number."""
        return self.data.item()

    def numpy(self) -> np.ndarray:
        """A NumPy copy of the data (changing it leaves the tensor alone)."""
        out = to_numpy(self.data)
        return out.copy() if out is self.data else out

    def detach(self) -> Tensor:
        """A new Tensor on the same data, with no graph and ``requires_grad=False``."""
        return Tensor(self.data)

    def zero_grad(self) -> None:
        self.grad = None

    # ---- backward -------------------------------------------------------------------------

    def backward(self, grad=None) -> None:
        """Fill ``.grad`` of every leaf that requires grad with d(self)/d(leaf), adding to what is there.

        ``grad`` is the gradient flowing into self (default: 1 for a one-element tensor; any
        other shape needs it given, else ValueError; a ``grad`` whose shape is not self's is a
        ValueError naming both shapes). Nodes are visited in reverse topological
        order, found without recursion; each node's ``_backward`` runs once, with the sum of all
        gradients that reached it. Intermediate gradients live in a local dict.
        """
        # Check, then seed: RuntimeError if self does not require grad; ones for one element.
        # Order the nodes with an explicit stack (parents before children), then walk that order
        # backwards; a leaf (no parents) adds its gradient into .grad, other nodes run _backward.
        ### BEGIN SOLUTION
        if not self.requires_grad:
            raise RuntimeError(
                "backward() on a tensor that does not require grad: no input of the computation had "
                "requires_grad=True, or it was computed inside no_grad()"
            )
        xp = self.xp
        seeded = grad is not None
        if grad is None:
            if self.data.size != 1:
                raise ValueError(
                    f"backward() without a gradient needs a one-element tensor, this one has shape {self.shape}; "
                    "pass grad=an array of that shape"
                )
            grad = xp.ones_like(self.data)
        else:
            grad = xp.asarray(grad.data if isinstance(grad, Tensor) else grad, dtype=self.dtype)
            if grad.shape != self.shape:
                raise ValueError(f"backward(grad): grad has shape {grad.shape}, the tensor has shape {self.shape}")
        order, seen, stack = [], set(), [(self, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
                continue
            if id(node) in seen:
                continue
            seen.add(id(node))
            stack.append((node, True))
            for p in node._parents:
                if p.requires_grad and id(p) not in seen:
                    stack.append((p, False))

        grads = {id(self): grad}
        handed_out = {id(grad)} if seeded else set()
        for node in reversed(order):
            g = grads.pop(id(node), None)
            if g is None:
                continue
            if not node._parents:  # a leaf: add into .grad (the first time, keep g if no one else holds it)
                if isinstance(g, np.generic):
                    g = np.asarray(g)
                if g.dtype != node.data.dtype:
                    g = g.astype(node.data.dtype)
                elif not (g.flags.c_contiguous and g.flags.owndata and id(g) not in handed_out):
                    g = g.copy()
                if node.grad is None:
                    node.grad = g
                    handed_out.add(id(g))
                else:
                    node.grad += g
                continue
            for p, pg in zip(node._parents, node._backward(g)):
                if pg is None or not p.requires_grad:
                    continue
                key = id(p)
                if key in grads:
                    grads[key] = grads[key] + pg
                else:
                    grads[key] = pg
        ### END SOLUTION

    # ---- arithmetic -----------------------------------------------------------------------

    def __add__(self, other) -> Tensor:
        """``self + other`` with broadcasting; each operand's gradient is ``g`` summed back to its shape."""
        a, b = self, self._wrap(other)
        # The pattern of every op: a closure backward(g) returning one gradient per parent, then
        # Tensor._make(forward data, (a, b), backward, "+"). Skip parents that do not require grad.
        ### BEGIN SOLUTION
        def backward(g):
            return (_unbroadcast(g, a.shape) if a.requires_grad else None,
                    _unbroadcast(g, b.shape) if b.requires_grad else None)

        return Tensor._make(a.data + b.data, (a, b), backward, "+")
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

        return Tensor._make(a.data - b.data, (a, b), backward, "-")
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

        return Tensor._make(a.data * b.data, (a, b), backward, "*")
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

        return Tensor._make(a.data / b.data, (a, b), backward, "/")
        ### END SOLUTION

    def __rtruediv__(self, other) -> Tensor:
        return self._wrap(other) / self

    def __neg__(self) -> Tensor:
        """``-self``."""
        a = self
        ### BEGIN SOLUTION
        return Tensor._make(-a.data, (a,), lambda g: (-g,), "neg")
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

        return Tensor._make(a.data**p, (a,), backward, f"**{p}")
        ### END SOLUTION

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
        return Tensor._make(out, (a, b), backward, "@")
        ### END SOLUTION

    def __rmatmul__(self, other) -> Tensor:
        return self._wrap(other) @ self

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

        return Tensor._make(a.data.sum(axis=axis, keepdims=keepdims), (a,), backward, "sum")
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

        return Tensor._make(a.data.mean(axis=axis, keepdims=keepdims), (a,), backward, "mean")
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
        return Tensor._make(out, (a,), backward, "max")
        ### END SOLUTION

    # ---- shapes -----------------------------------------------------------------------------

    def reshape(self, *shape) -> Tensor:
        """The same elements in a new shape: ``t.reshape(2, -1)`` or ``t.reshape((2, -1))``."""
        a = self
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        ### BEGIN SOLUTION
        return Tensor._make(a.data.reshape(shape), (a,), lambda g: (g.reshape(a.shape),), "reshape")
        ### END SOLUTION

    def transpose(self, axis1: int = -2, axis2: int = -1) -> Tensor:
        """Swap two axes (by default the last two: a batch of matrices transposed)."""
        a = self
        # xp.swapaxes, forward and backward (swapping twice is the identity).
        ### BEGIN SOLUTION
        xp = a.xp
        return Tensor._make(xp.swapaxes(a.data, axis1, axis2), (a,),
                            lambda g: (xp.swapaxes(g, axis1, axis2),), "transpose")
        ### END SOLUTION

    def permute(self, *axes) -> Tensor:
        """Reorder all axes: result axis i is input axis ``axes[i]`` (ints or one tuple)."""
        a = self
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        # The gradient undoes the permutation: input axis axes[i] comes from result axis i.
        ### BEGIN SOLUTION
        xp = a.xp
        axes = tuple(ax % a.ndim for ax in axes)
        inverse = [0] * len(axes)
        for i, ax in enumerate(axes):
            inverse[ax] = i
        return Tensor._make(xp.transpose(a.data, axes), (a,), lambda g: (xp.transpose(g, inverse),), "permute")
        ### END SOLUTION

    @property
    def T(self) -> Tensor:
        """All axes reversed, like NumPy's ``.T``."""
        return self.permute(*reversed(range(self.ndim)))

    def __getitem__(self, index) -> Tensor:
        """NumPy indexing: ints, slices, None, ``...``, and integer arrays or Tensors (repeats allowed).

        The gradient of ``t[index]`` is zero except at the selected places, where ``g`` is
        *added* (``xp.add.at``): an element picked twice, as in ``weight[[3, 3]]``, gets both.
        """
        a = self
        xp = a.xp
        index = _index_data(index, xp)
        # Backward: full = xp.zeros_like(a.data), then xp.add.at(full, index, g).
        ### BEGIN SOLUTION
        fancy = any(hasattr(i, "dtype") and i.dtype != bool for i in (index if isinstance(index, tuple) else (index,)))

        def backward(g):
            full = xp.zeros_like(a.data)
            if fancy:
                xp.add.at(full, index, g)
            else:  # slices and single ints select each element at most once
                full[index] = g
            return (full,)

        return Tensor._make(a.data[index], (a,), backward, "getitem")
        ### END SOLUTION

    def gather(self, index, axis: int = -1) -> Tensor:
        """``torch.gather``: pick one element along ``axis`` for each entry of ``index``.

        ``index`` is an integer array (or Tensor) with self's ndim; the result has its shape, and
        for ``axis=1`` of a 2-D tensor ``out[i, j] = self[i, index[i, j]]``. Gradient: scatter-add.
        """
        a = self
        xp = a.xp
        index = _index_data(index, xp)
        # Build a full fancy index: `index` along axis, an arange (shaped to broadcast) elsewhere.
        ### BEGIN SOLUTION
        axis = axis % a.ndim
        full_index = tuple(
            index if d == axis else xp.arange(n).reshape([n if e == d else 1 for e in range(index.ndim)])
            for d, n in enumerate(index.shape)
        )

        def backward(g):
            full = xp.zeros_like(a.data)
            xp.add.at(full, full_index, g)
            return (full,)

        return Tensor._make(a.data[full_index], (a,), backward, "gather")
        ### END SOLUTION

    # ---- element-wise functions -------------------------------------------------------------

    def exp(self) -> Tensor:
        """``e^x`` element-wise; its derivative is itself (keep the output for backward)."""
        a = self
        ### BEGIN SOLUTION
        out = a.xp.exp(a.data)
        return Tensor._make(out, (a,), lambda g: (g * out,), "exp")
        ### END SOLUTION

    def log(self) -> Tensor:
        """Natural logarithm."""
        a = self
        ### BEGIN SOLUTION
        return Tensor._make(a.xp.log(a.data), (a,), lambda g: (g / a.data,), "log")
        ### END SOLUTION

    def sqrt(self) -> Tensor:
        """Square root element-wise (inputs > 0)."""
        a = self
        ### BEGIN SOLUTION
        out = a.xp.sqrt(a.data)
        return Tensor._make(out, (a,), lambda g: (g / (2 * out),), "sqrt")
        ### END SOLUTION

    def tanh(self) -> Tensor:
        """Hyperbolic tangent element-wise; derivative ``1 - tanh(x)^2``."""
        a = self
        ### BEGIN SOLUTION
        out = a.xp.tanh(a.data)
        return Tensor._make(out, (a,), lambda g: (g * (1 - out * out),), "tanh")
        ### END SOLUTION

    def relu(self) -> Tensor:
        """``max(x, 0)``; the gradient passes where ``x > 0`` (0 at x == 0, as in PyTorch)."""
        a = self
        ### BEGIN SOLUTION
        xp = a.xp
        return Tensor._make(xp.maximum(a.data, 0), (a,), lambda g: (xp.where(a.data > 0, g, 0),), "relu")
        ### END SOLUTION

    def sigmoid(self) -> Tensor:
        """``1 / (1 + exp(-x))``, without overflow for large ``|x|``."""
        a = self
        # exp(-|x|) never overflows: use 1/(1+e) for x >= 0 and e/(1+e) for x < 0.
        ### BEGIN SOLUTION
        xp = a.xp
        e = xp.exp(-xp.abs(a.data))
        out = xp.where(a.data >= 0, 1 / (1 + e), e / (1 + e))
        return Tensor._make(out, (a,), lambda g: (g * out * (1 - out),), "sigmoid")
        ### END SOLUTION

    def gelu(self) -> Tensor:
        """GELU, tanh approximation (GPT-2's): ``0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))``."""
        a = self
        ### BEGIN SOLUTION
        # The same formulas as below, computed in place: each step reuses one buffer instead of
        # allocating a temporary (GELU runs on the widest activations of a GPT).
        xp = a.xp
        x = a.data
        c, k = math.sqrt(2.0 / math.pi), 0.044715
        t = x * x                                  # t = tanh(c (x + k x³)) = tanh(c x (1 + k x²))
        t *= k
        t += 1
        t *= x
        t *= c
        xp.tanh(t, out=t)
        out = t + 1                                # out = 0.5 x (1 + t)
        out *= x
        out *= 0.5

        def backward(g):
            # d out / dx = 0.5 (1 + t) + 0.5 x (1 - t²) · c (1 + 3 k x²)
            d = x * x
            d *= 3 * k
            d += 1
            d *= 0.5 * c
            d *= x                                 # 0.5 x · dt, with dt = c (1 + 3 k x²)
            s = t * t
            xp.subtract(1, s, out=s)
            d *= s                                 # 0.5 x (1 - t²) dt
            xp.multiply(t, 0.5, out=s)
            s += 0.5
            d += s                                 # + 0.5 (1 + t)
            d *= g
            return (d,)

        return Tensor._make(out, (a,), backward, "gelu")
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
        return Tensor._make(s, (a,), lambda g: (s * (g - (g * s).sum(axis=axis, keepdims=True)),), "softmax")
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
        return Tensor._make(out, (a,), lambda g: (g - xp.exp(out) * g.sum(axis=axis, keepdims=True),), "log_softmax")
        ### END SOLUTION


def _index_data(index, xp):
    """An index with Tensors (or arrays from another module) replaced by arrays of ``xp``."""
    if isinstance(index, tuple):
        return tuple(_index_data(i, xp) for i in index)
    if isinstance(index, Tensor):
        index = index.data
    if isinstance(index, list) or hasattr(index, "__array__") and not isinstance(index, xp.ndarray):
        index = xp.asarray(index)
    return index


def _constant(x, like: Tensor | None) -> Tensor:
    if isinstance(x, Tensor):
        return x
    return like._wrap(x) if like is not None else Tensor(x)


def concat(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    """Join tensors along an existing ``axis`` (like ``np.concatenate``); each gets its slice of ``g``."""
    like = next((t for t in tensors if isinstance(t, Tensor)), None)
    ts = tuple(_constant(t, like) for t in tensors)
    ### BEGIN SOLUTION
    xp = ts[0].xp
    ax = axis % ts[0].ndim
    bounds = np.cumsum([0] + [t.shape[ax] for t in ts])

    def backward(g):
        lead = (slice(None),) * ax
        return tuple(g[lead + (slice(int(lo), int(hi)),)] for lo, hi in zip(bounds[:-1], bounds[1:]))

    return Tensor._make(xp.concatenate([t.data for t in ts], axis=ax), ts, backward, "concat")
    ### END SOLUTION


def stack(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    """Stack equal-shaped tensors along a new ``axis`` (like ``np.stack``); each gets its slice of ``g``."""
    like = next((t for t in tensors if isinstance(t, Tensor)), None)
    ts = tuple(_constant(t, like) for t in tensors)
    ### BEGIN SOLUTION
    xp = ts[0].xp
    ax = axis % (ts[0].ndim + 1)

    def backward(g):
        lead = (slice(None),) * ax
        return tuple(g[lead + (i,)] for i in range(len(ts)))

    return Tensor._make(xp.stack([t.data for t in ts], axis=ax), ts, backward, "stack")
    ### END SOLUTION
