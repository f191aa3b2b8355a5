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
    # YOUR CODE HERE
    raise NotImplementedError("batches: not written yet; see its docstring and the handout")
