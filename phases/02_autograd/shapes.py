"""Shape and indexing operations of a Tensor: the same numbers, moved, picked or joined.

None of these computes anything new, so each backward rule moves ``g`` back to where the
elements came from: ``reshape`` and ``transpose`` undo themselves, an index scatters ``g``
into zeros (adding where an element was picked twice), ``concat`` and ``stack`` hand each
input its slice.

``Shapes`` is mixed into ``Tensor`` (tensor.py): ``self`` here is a Tensor.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

import numpy as np

if TYPE_CHECKING:
    from .tensor import Tensor


class Shapes:
    """``reshape transpose permute .T [index] gather`` for ``Tensor``."""

    # ---- shapes -----------------------------------------------------------------------------

    def reshape(self, *shape) -> Tensor:
        """The same elements in a new shape: ``t.reshape(2, -1)`` or ``t.reshape((2, -1))``."""
        a = self
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        # YOUR CODE HERE
        raise NotImplementedError("Shapes.reshape: not written yet; see its docstring and the handout")

    def transpose(self, axis1: int = -2, axis2: int = -1) -> Tensor:
        """Swap two axes (by default the last two: a batch of matrices transposed)."""
        a = self
        # xp.swapaxes, forward and backward (swapping twice is the identity).
        # YOUR CODE HERE
        raise NotImplementedError("Shapes.transpose: not written yet; see its docstring and the handout")

    def permute(self, *axes) -> Tensor:
        """Reorder all axes: result axis i is input axis ``axes[i]`` (ints or one tuple)."""
        a = self
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        # The gradient undoes the permutation: input axis axes[i] comes from result axis i.
        # YOUR CODE HERE
        raise NotImplementedError("Shapes.permute: not written yet; see its docstring and the handout")

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
        # YOUR CODE HERE
        raise NotImplementedError("Shapes.__getitem__: not written yet; see its docstring and the handout")

    def gather(self, index, axis: int = -1) -> Tensor:
        """``torch.gather``: pick one element along ``axis`` for each entry of ``index``.

        ``index`` is an integer array (or Tensor) with self's ndim; the result has its shape, and
        for ``axis=1`` of a 2-D tensor ``out[i, j] = self[i, index[i, j]]``. Gradient: scatter-add.
        """
        a = self
        xp = a.xp
        index = _index_data(index, xp)
        # Build a full fancy index: `index` along axis, an arange (shaped to broadcast) elsewhere.
        # YOUR CODE HERE
        raise NotImplementedError("Shapes.gather: not written yet; see its docstring and the handout")


def _tensor_class():
    from .tensor import Tensor  # tensor.py imports this module: look the class up when first needed

    return Tensor


def _index_data(index, xp):
    """An index with Tensors (or arrays from another module) replaced by arrays of ``xp``."""
    if isinstance(index, tuple):
        return tuple(_index_data(i, xp) for i in index)
    if isinstance(index, _tensor_class()):
        index = index.data
    if isinstance(index, list) or hasattr(index, "__array__") and not isinstance(index, xp.ndarray):
        index = xp.asarray(index)
    return index


def _tensors(items) -> tuple[Tensor, ...]:
    """``items`` as Tensors: numbers and arrays become constants of the first Tensor's dtype."""
    Tensor = _tensor_class()
    like = next((t for t in items if isinstance(t, Tensor)), None)
    return tuple(t if isinstance(t, Tensor) else like._wrap(t) if like is not None else Tensor(t) for t in items)


def concat(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    """Join tensors along an existing ``axis`` (like ``np.concatenate``); each gets its slice of ``g``."""
    ts = _tensors(tensors)
    # YOUR CODE HERE
    raise NotImplementedError("concat: not written yet; see its docstring and the handout")


def stack(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    """Stack equal-shaped tensors along a new ``axis`` (like ``np.stack``); each gets its slice of ``g``."""
    ts = _tensors(tensors)
    # YOUR CODE HERE
    raise NotImplementedError("stack: not written yet; see its docstring and the handout")
