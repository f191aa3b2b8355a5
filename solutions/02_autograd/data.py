"""Mini-batches: cut a dataset into batches, in a fresh random order on every pass."""

from __future__ import annotations

from typing import Iterator

import numpy as np

from common.backend import array_module


def batches(*arrays, batch_size: int, rng: np.random.Generator | None = None, shuffle: bool = True,
            drop_last: bool = False) -> Iterator[tuple]:
    """Yield tuples ``(a[idx], b[idx], ...)`` of ``batch_size`` rows of every array, one pass.

    All arrays share their first dimension ``n`` (else ValueError naming the lengths). With
    ``shuffle`` the order is ``rng.permutation(n)``, drawn once per call (ValueError when rng
    is None); without, it is ``0, 1, ..., n-1``. Every row appears exactly once; the last,
    shorter batch is kept unless ``drop_last``. Always a tuple, even for one array.
    Bad arguments raise when ``batches`` is called, not at the first batch.
    """
    # Check the arguments, draw the order, then return a generator expression over batch starts.
    ### BEGIN SOLUTION
    if not arrays:
        raise ValueError("batches needs at least one array")
    if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    lengths = [len(a) for a in arrays]
    if len(set(lengths)) != 1:
        raise ValueError(f"the arrays must have the same first dimension, got lengths {lengths}")
    n = lengths[0]
    if shuffle:
        if rng is None:
            raise ValueError("shuffle=True needs rng, a np.random.Generator, to draw the order")
        order = rng.permutation(n)
    else:
        order = np.arange(n)
    stop = n - n % batch_size if drop_last else n
    return (tuple(a[array_module(a).asarray(order[i : i + batch_size])] for a in arrays)
            for i in range(0, stop, batch_size))
    ### END SOLUTION
