"""A Tensor that records how it was computed, and reverse-mode automatic differentiation.

Every operation on Tensors returns a new Tensor that remembers its inputs (``_parents``) and
a local backward rule (``_backward``). The rule receives ``g``, the gradient of the final
scalar with respect to the result (an array of the result's shape), and returns one array per
parent, the gradient with respect to that parent (or ``None`` for a parent that needs none)::

    c = a * b            # c._parents == (a, b)
    c._backward(g)       # -> (g * b.data, g * a.data)

``loss.backward()`` orders the graph so that every node comes after everything computed from
it, then runs each node's rule once, with the sum of all gradients that flowed into it.

This file holds the graph: the ``Tensor`` itself, ``no_grad`` and ``backward``. The
operations live beside it, one kind per file, and are mixed into ``Tensor``:
``elementwise.py`` (arithmetic and functions of one value), ``reductions.py`` (sums, maxima,
softmax, the matrix product) and ``shapes.py`` (reshaping, indexing, joining).

Array code takes its array module from the data (``xp = self.xp``): NumPy now, CuPy in
phase 08, with no change here. Results keep the input dtype: float32 in, float32 out.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from common.backend import array_module, to_numpy

from .elementwise import Elementwise, _unbroadcast
from .reductions import Reductions
from .shapes import Shapes, concat, stack

__all__ = ["Tensor", "no_grad", "is_grad_enabled", "concat", "stack", "_unbroadcast"]

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
        # YOUR CODE HERE
        raise NotImplementedError("no_grad.__enter__: not written yet; see its docstring and the handout")
        return self

    def __exit__(self, *exc) -> None:
        global _GRAD_ENABLED
        # YOUR CODE HERE
        raise NotImplementedError("no_grad.__exit__: not written yet; see its docstring and the handout")

    def __call__(self, fn: Callable) -> Callable:
        def wrapper(*args, **kwargs):
            with no_grad():
                return fn(*args, **kwargs)

        wrapper.__name__, wrapper.__doc__ = getattr(fn, "__name__", "wrapper"), fn.__doc__
        return wrapper


class Tensor(Elementwise, Reductions, Shapes):
    """An array with a gradient: ``data`` (NumPy or CuPy), ``grad`` (same shape, or None).

    ``Tensor(data, requires_grad=False, dtype=None)``: ``data`` is an ndarray (kept, not
    copied), a Python number or a nested list. Python floats become float32, Python ints
    int64, unless ``dtype`` says otherwise. Only floating tensors can require grad.
    Its operations come from the three classes it mixes in (see the module docstring).
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
        # YOUR CODE HERE
        raise NotImplementedError("Tensor.backward: not written yet; see its docstring and the handout")
