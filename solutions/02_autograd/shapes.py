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
        ### BEGIN SOLUTION
        return a._make(a.data.reshape(shape), (a,), lambda g: (g.reshape(a.shape),), "reshape")
        ### END SOLUTION

    def transpose(self, axis1: int = -2, axis2: int = -1) -> Tensor:
        """Swap two axes (by default the last two: a batch of matrices transposed)."""
        a = self
        # xp.swapaxes, forward and backward (swapping twice is the identity).
        ### BEGIN SOLUTION
        xp = a.xp
        return a._make(xp.swapaxes(a.data, axis1, axis2), (a,),
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
        return a._make(xp.transpose(a.data, axes), (a,), lambda g: (xp.transpose(g, inverse),), "permute")
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
            full = xp.zeros(a.shape, dtype=a.dtype)
            if not fancy:  # slices and single ints select each element at most once
                full[index] = g
            elif xp is np and not isinstance(index, tuple) and a.ndim > 1:
                # Whole rows picked by one integer array (an embedding lookup): the same sums, in
                # the same order, through NumPy's faster 1-D add.at on flat positions.
                # Positions in intp: ids often come as uint16 (token files), where id * width wraps.
                width = a.size // a.shape[0]
                rows = index.reshape(-1, 1).astype(np.intp) % a.shape[0]
                flat = (rows * width + np.arange(width)).reshape(-1)
                np.add.at(full.reshape(-1), flat, g.reshape(-1))
            else:
                xp.add.at(full, index, g)
            return (full,)

        return a._make(a.data[index], (a,), backward, "getitem")
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

        return a._make(a.data[full_index], (a,), backward, "gather")
        ### END SOLUTION


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
    ### BEGIN SOLUTION
    xp = ts[0].xp
    ax = axis % ts[0].ndim
    bounds = np.cumsum([0] + [t.shape[ax] for t in ts])

    def backward(g):
        lead = (slice(None),) * ax
        return tuple(g[lead + (slice(int(lo), int(hi)),)] for lo, hi in zip(bounds[:-1], bounds[1:]))

    return ts[0]._make(xp.concatenate([t.data for t in ts], axis=ax), ts, backward, "concat")
    ### END SOLUTION


def stack(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    """Stack equal-shaped tensors along a new ``axis`` (like ``np.stack``); each gets its slice of ``g``."""
    ts = _tensors(tensors)
    ### BEGIN SOLUTION
    xp = ts[0].xp
    ax = axis % (ts[0].ndim + 1)

    def backward(g):
        lead = (slice(None),) * ax
        return tuple(g[lead + (i,)] for i in range(len(ts)))

    return ts[0]._make(xp.stack([t.data for t in ts], axis=ax), ts, backward, "stack")
    ### END SOLUTION
