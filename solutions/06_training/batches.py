"""Batches for a language model, cut from a token file that is never read whole.

A token file (phase 03) is a flat run of ``uint16`` ids. ``np.memmap`` maps it into memory:
slicing reads only the pages a slice touches, so a 1 GB corpus costs no RAM until used.
A training example is a window of ``block_size + 1`` consecutive tokens; the model reads the
first ``block_size`` and is scored on predicting each one's successor::

    tokens   ... 17  4 92  8 31 ...
    x            17  4 92  8          the inputs,  tokens[s : s + block_size]
    y             4 92  8 31          the targets, tokens[s + 1 : s + 1 + block_size]
"""

from __future__ import annotations

import os
from typing import Iterator

import numpy as np

SCAN_IDS = 1 << 22  # ids checked at a time when a file is opened: 8 MB of it in memory, never more


def open_tokens(path: str | os.PathLike, vocab_size: int, block_size: int) -> np.memmap:
    """Map the uint16 token file ``path`` read-only (``np.memmap(path, dtype="<u2", mode="r")``).

    Raises ValueError, naming the file, when its byte count is odd (not uint16 ids), when it
    holds fewer than ``block_size + 1`` tokens (not one whole example), or when an id is
    ``>= vocab_size`` (a file made with another tokenizer); FileNotFoundError when it is missing.
    """
    # Check the ids a chunk of SCAN_IDS at a time (tokens[i:i + SCAN_IDS].max()): never the whole file at once.
    ### BEGIN SOLUTION
    size = os.path.getsize(path)
    if size % 2:
        raise ValueError(f"{path}: {size} bytes is an odd size; a uint16 token file holds 2 bytes per token")
    n = size // 2
    if n < block_size + 1:
        raise ValueError(f"{path} holds {n} tokens: one example needs block_size + 1 = {block_size + 1}")
    tokens = np.memmap(path, dtype="<u2", mode="r")
    for i in range(0, n, SCAN_IDS):
        top = int(tokens[i:i + SCAN_IDS].max())
        if top >= vocab_size:
            where = i + int(np.argmax(tokens[i:i + SCAN_IDS] >= vocab_size))
            raise ValueError(f"{path}: token {where} is id {int(tokens[where])}, outside a vocabulary of "
                             f"{vocab_size} ids (0..{vocab_size - 1}); was the file made with another tokenizer?")
    return tokens
    ### END SOLUTION


def get_batch(tokens: np.ndarray, batch_size: int, block_size: int,
              rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``batch_size`` random windows of ``tokens``: inputs ``x`` and targets ``y``, both int64
    ``(batch_size, block_size)``, with ``y[b, t] == x[b, t + 1]`` along each window.

    The starts are ``rng.integers(0, len(tokens) - block_size, size=batch_size)``: every window
    that fits, the last one included, equally likely. One call to ``rng``, exactly that one,
    so that a saved ``rng`` state replays the same batches.
    """
    # Gather the windows with one fancy index: tokens[starts[:, None] + np.arange(block_size + 1)].
    ### BEGIN SOLUTION
    n = len(tokens)
    if n < block_size + 1:
        raise ValueError(f"get_batch: {n} tokens cannot hold a window of block_size + 1 = {block_size + 1}")
    starts = rng.integers(0, n - block_size, size=batch_size)
    windows = np.asarray(tokens[starts[:, None] + np.arange(block_size + 1)], dtype=np.int64)
    return windows[:, :-1], windows[:, 1:]
    ### END SOLUTION


def eval_batches(tokens: np.ndarray, batch_size: int, block_size: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Every non-overlapping window of ``tokens`` once, in order: the same batches every time.

    Window ``i`` starts at ``i * block_size``, for ``i`` in ``range((len(tokens) - 1) // block_size)``
    (the tokens left over at the end are not used). Yields ``(x, y)`` int64 pairs of
    ``batch_size`` windows, the last batch shorter when the windows run out.
    """
    ### BEGIN SOLUTION
    n_windows = (len(tokens) - 1) // block_size
    offsets = np.arange(block_size + 1)
    for first in range(0, n_windows, batch_size):
        starts = np.arange(first, min(first + batch_size, n_windows)) * block_size
        windows = np.asarray(tokens[starts[:, None] + offsets], dtype=np.int64)
        yield windows[:, :-1], windows[:, 1:]
    ### END SOLUTION
