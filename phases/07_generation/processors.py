"""Logits processors: reshape the next-token distribution before a token is drawn.

Each takes logits ``(B, V)`` (one row per sequence) and returns new float64 logits of the same
shape, ``-inf`` where a token may no longer be drawn. :func:`process_logits` composes them in
this order, each on the distribution the previous one left::

    temperature  ->  top-k  ->  top-p  ->  min-p

- **temperature** ``T``: ``logits / T``. ``T < 1`` sharpens, ``T > 1`` flattens; ``T = 0`` is
  the limit, greedy decoding: only the most likely token (the lowest id among equals).
- **top-k**: keep the ``k`` highest logits of each row.
- **top-p** (nucleus): keep the smallest set of most likely tokens whose probability adds up
  to at least ``p``: the token that crosses ``p`` stays.
- **min-p**: keep the tokens at least ``min_p`` times as likely as the most likely one.

**Ties** at a boundary are never broken: top-k keeps every token equal to the ``k``-th highest
logit, top-p every token as likely as the last one it needs. Equal logits stay equally likely.
Only greedy decoding picks one, the lowest id, so that it is reproducible.
"""

from __future__ import annotations

import numpy as np


def check_logits(logits, what: str = "logits") -> np.ndarray:
    """``logits`` as a float64 array ``(B, V)``; ValueError, naming the problem, when it is not
    2-D, holds NaN or ``+inf``, or has a row with no finite entry (no token left to draw)."""
    x = np.asarray(logits, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] == 0:
        raise ValueError(f"{what} must have shape (B, V) with V >= 1, got shape {x.shape}")
    if np.isnan(x).any() or (x == np.inf).any():
        raise ValueError(f"{what} hold NaN or +inf")
    dead = ~np.isfinite(x).any(axis=1)
    if dead.any():
        raise ValueError(f"{what}: rows {np.flatnonzero(dead).tolist()} are all -inf: no token can be drawn")
    return x


def softmax(logits) -> np.ndarray:
    """The probabilities ``(B, V)``, float64, of each row of ``logits``; ``-inf`` gives exactly 0."""
    x = check_logits(logits)
    # Subtract each row's maximum first: exp never overflows, and exp(-inf) = 0.
    # YOUR CODE HERE
    raise NotImplementedError("softmax: not written yet; see its docstring and the handout")


def apply_temperature(logits, temperature: float) -> np.ndarray:
    """``logits / temperature`` for ``temperature > 0``; for ``temperature == 0``, greedy: 0 at
    each row's most likely token (the lowest id among equals) and ``-inf`` everywhere else.

    ValueError for a negative temperature. ``-inf`` stays ``-inf``.
    """
    x = check_logits(logits)
    if not temperature >= 0:
        raise ValueError(f"temperature must be >= 0 (0 is greedy), got {temperature}")
    # Temperature divides the logits, before any softmax.
    # YOUR CODE HERE
    raise NotImplementedError("apply_temperature: not written yet; see its docstring and the handout")


def top_k_filter(logits, k: int | None) -> np.ndarray:
    """Keep, in each row, the logits ``>=`` its ``k``-th highest; ``-inf`` elsewhere.

    Every token tied with the ``k``-th highest stays, so a row may keep more than ``k``.
    ``k = None`` or ``k >= V`` keeps everything. ValueError unless ``k`` is None or an int ``>= 1``.
    """
    x = check_logits(logits)
    if k is not None and (isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1):
        raise ValueError(f"top_k must be None or an int >= 1, got {k!r}")
    if k is None or k >= x.shape[1]:
        return x.copy()
    # np.partition finds the k-th highest of each row without a full sort.
    # YOUR CODE HERE
    raise NotImplementedError("top_k_filter: not written yet; see its docstring and the handout")


def top_p_filter(logits, p: float) -> np.ndarray:
    """Nucleus filtering: keep the tokens whose more likely rivals hold less than ``p`` in all.

    Sort a row by probability, most likely first: the tokens are kept up to and including
    the one at which the running total reaches ``p``, and every token as likely as that one.
    The most likely token is always kept; ``p = 1`` keeps every token. ValueError unless
    ``0 < p <= 1``.
    """
    x = check_logits(logits)
    if not 0.0 < p <= 1.0:
        raise ValueError(f"top_p must be in (0, 1], got {p}")
    if p == 1.0:
        return x.copy()
    # Sort the probabilities in descending order, add up the ones *before* each position,
    # count the positions whose earlier total is < p: the last of them sets the threshold.
    # YOUR CODE HERE
    raise NotImplementedError("top_p_filter: not written yet; see its docstring and the handout")


def min_p_filter(logits, min_p: float) -> np.ndarray:
    """Keep the tokens whose probability is at least ``min_p`` times the row's highest.

    ``min_p = 0`` keeps everything, ``min_p = 1`` only the most likely token(s). ValueError
    unless ``0 <= min_p <= 1``.
    """
    x = check_logits(logits)
    if not 0.0 <= min_p <= 1.0:
        raise ValueError(f"min_p must be in [0, 1], got {min_p}")
    # YOUR CODE HERE
    raise NotImplementedError("min_p_filter: not written yet; see its docstring and the handout")


def process_logits(logits, *, temperature: float = 1.0, top_k: int | None = None, top_p: float = 1.0,
                   min_p: float = 0.0) -> np.ndarray:
    """Temperature, then top-k, then top-p, then min-p: the logits ``(B, V)`` a token is drawn from.

    The defaults change nothing. Each processor sees the distribution the one before left.
    """
    # YOUR CODE HERE
    raise NotImplementedError("process_logits: not written yet; see its docstring and the handout")
