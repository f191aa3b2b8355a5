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
    # YOUR CODE HERE
    raise NotImplementedError("open_tokens: not written yet; see its docstring and the handout")


def get_batch(tokens: np.ndarray, batch_size: int, block_size: int,
              rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``batch_size`` random windows of ``tokens``: inputs ``x`` and targets ``y``, both int64
    ``(batch_size, block_size)``, with ``y[b, t] == x[b, t + 1]`` along each window.

    The starts are ``rng.integers(0, len(tokens) - block_size, size=batch_size)``: every window
    that fits, the last one included, equally likely. One call to ``rng``, exactly that one,
    so that a saved ``rng`` state replays the same batches.
    """
    # Gather the windows with one fancy index: tokens[starts[:, None] + np.arange(block_size + 1)].
    # YOUR CODE HERE
    raise NotImplementedError("get_batch: not written yet; see its docstring and the handout")


def eval_batches(tokens: np.ndarray, batch_size: int, block_size: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Every non-overlapping window of ``tokens`` once, in order: the same batches every time.

    Window ``i`` starts at ``i * block_size``, for ``i`` in ``range((len(tokens) - 1) // block_size)``
    (the tokens left over at the end are not used). Yields ``(x, y)`` int64 pairs of
    ``batch_size`` windows, the last batch shorter when the windows run out.
    """
    # YOUR CODE HERE
    raise NotImplementedError("eval_batches: not written yet; see its docstring and the handout")
