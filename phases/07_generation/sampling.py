"""Draw the next token from processed logits, reproducibly.

One uniform number ``u`` in ``[0, 1)`` per sequence picks a token by the *inverse CDF*: lay the
probabilities end to end on ``[0, total)``, and take the token whose interval holds
``u * total``. With cumulative sums ``c_0 <= c_1 <= ... <= c_{V-1} = total``, that is the first
``i`` with ``c_i > u * total``; a token of probability 0 has an empty interval and is never
drawn. The same generator state therefore gives the same tokens, on any machine, and so the
same story.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .processors import process_logits, softmax


def uniforms(rng, n: int) -> np.ndarray:
    """``n`` uniform draws in ``[0, 1)``, float64: ``rng.random(n)`` from one Generator, or
    ``rng[i].random()`` from each of a list of ``n`` Generators (one per sequence, so that a
    sequence's draws do not depend on the others in its batch)."""
    if isinstance(rng, np.random.Generator):
        return rng.random(n)
    if isinstance(rng, Sequence) and len(rng) == n and all(isinstance(g, np.random.Generator) for g in rng):
        return np.array([g.random() for g in rng])
    raise TypeError(f"rng must be a numpy Generator or a list of {n} Generators, got {type(rng).__name__}"
                    + (f" of length {len(rng)}" if isinstance(rng, Sequence) else ""))


def draw(probs, u) -> np.ndarray:
    """The inverse-CDF draw: for each row ``b`` of ``probs`` ``(B, V)`` (non-negative, not
    necessarily normalised) and ``u[b]`` in ``[0, 1)``, the first ``i`` with
    ``cumsum(probs[b])[i] > u[b] * cumsum(probs[b])[-1]``. Returns int64 ids ``(B,)``.
    """
    probs = np.asarray(probs, dtype=np.float64)
    u = np.asarray(u, dtype=np.float64)
    if probs.ndim != 2 or u.shape != probs.shape[:1]:
        raise ValueError(f"draw takes probs (B, V) and u (B,), got {probs.shape} and {u.shape}")
    if (probs < 0).any() or not (probs.sum(axis=1) > 0).all():
        raise ValueError("draw needs non-negative probabilities with a positive total in every row")
    # The count of cumulative sums <= u * total is the first index above it. (With u < 1 the product
    # stays below the total, so some sum is above it; a token of probability 0 repeats the sum
    # before it and is never the first above.)
    # YOUR CODE HERE
    raise NotImplementedError("draw: not written yet; see its docstring and the handout")


def sample_next(logits, rng=None, *, temperature: float = 1.0, top_k: int | None = None, top_p: float = 1.0,
                min_p: float = 0.0) -> np.ndarray:
    """The next token of each row of ``logits`` ``(B, V)``: int64 ``(B,)``.

    The logits go through :func:`~processors.process_logits`; with ``temperature == 0`` the
    answer is each row's argmax (the lowest id among equals) and ``rng`` is not touched.
    Otherwise one uniform per row (:func:`uniforms`) is drawn, and :func:`draw` picks the token
    from the softmax of the processed logits.
    """
    # YOUR CODE HERE
    raise NotImplementedError("sample_next: not written yet; see its docstring and the handout")
