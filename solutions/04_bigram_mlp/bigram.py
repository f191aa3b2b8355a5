"""The bigram language model, twice: counted, and learned by gradient descent.

A bigram model predicts token ``b`` from the one token ``a`` before it, with a table of
``V x V`` probabilities ``P[a, b]``. Counting gives the table that maximises the
likelihood of the training text; the learned ``Bigram`` is the same table, reached by
gradient descent on the cross-entropy, and ends where counting starts.
"""

from __future__ import annotations

import numpy as np

from common import load

_nn = load(2, "nn")
Module, Parameter = _nn.Module, _nn.Parameter
Tensor = load(2, "tensor").Tensor


def count_bigrams(tokens: np.ndarray, vocab_size: int) -> np.ndarray:
    """``counts`` ``(V, V)`` int64: ``counts[a, b]`` is how often ``b`` directly follows ``a``.

    A stream of ``n`` tokens holds ``n - 1`` pairs. An id outside ``[0, vocab_size)`` raises
    ValueError naming it.
    """
    # One pass, no Python loop: np.add.at(counts, (a, b), 1) adds 1 once per pair, also for
    # repeated pairs (counts[a, b] += 1 with index arrays would add it only once).
    ### BEGIN SOLUTION
    tokens = np.asarray(tokens)
    if tokens.size and (tokens.min() < 0 or tokens.max() >= vocab_size):
        bad = int(tokens.min()) if tokens.min() < 0 else int(tokens.max())
        raise ValueError(f"token id {bad} is out of range for vocab_size={vocab_size}")
    counts = np.zeros((vocab_size, vocab_size), dtype=np.int64)
    np.add.at(counts, (tokens[:-1], tokens[1:]), 1)
    return counts
    ### END SOLUTION


def bigram_probs(counts: np.ndarray, smoothing: float = 1.0) -> np.ndarray:
    """``P`` ``(V, V)`` float64: row ``a`` is the distribution of the token after ``a``,
    ``P[a, b] = (counts[a, b] + k) / sum_c (counts[a, c] + k)`` with ``k = smoothing``
    ("add-k" smoothing; ``k = 1`` is Laplace's rule).

    Every row sums to 1. A row with no counts and ``k = 0`` is uniform, ``1 / V``.
    ValueError for ``k < 0``.
    """
    ### BEGIN SOLUTION
    if smoothing < 0:
        raise ValueError(f"smoothing must be >= 0, got {smoothing}")
    smoothed = np.asarray(counts, dtype=np.float64) + smoothing
    totals = smoothed.sum(axis=1, keepdims=True)
    uniform = np.full_like(smoothed, 1.0 / smoothed.shape[1])
    return np.divide(smoothed, totals, out=uniform, where=totals > 0)
    ### END SOLUTION


def bigram_nll(probs: np.ndarray, tokens: np.ndarray) -> float:
    """The average negative log-likelihood of ``tokens`` under ``probs``, in nats per predicted
    token: ``-mean(log P[t[i], t[i + 1]])`` over the ``n - 1`` pairs.

    A pair of probability 0 gives ``inf`` (which smoothing avoids). ValueError for fewer
    than two tokens.
    """
    ### BEGIN SOLUTION
    tokens = np.asarray(tokens)
    if len(tokens) < 2:
        raise ValueError(f"need at least two tokens to score a pair, got {len(tokens)}")
    with np.errstate(divide="ignore"):
        return float(-np.log(probs[tokens[:-1], tokens[1:]]).mean())
    ### END SOLUTION


class CountedBigram:
    """A counted table used like a model: ``model(idx)`` ``(B, 1)`` -> logits ``(B, V)``.

    The logits are ``log P[idx[:, -1]]``, so that a softmax gives back the table's rows;
    ``generate`` in ``sampling.py`` then samples from it as from any other model.
    """

    block_size = 1

    def __init__(self, probs: np.ndarray):
        with np.errstate(divide="ignore"):
            self.logits = np.log(np.asarray(probs, dtype=np.float64))

    def __call__(self, idx) -> np.ndarray:
        return self.logits[np.asarray(idx)[:, -1]]


class Bigram(Module):
    """The bigram model as a Module: one parameter ``weight`` ``(V, V)`` of logits, row ``a``
    for the token after ``a``. It starts at zero: every next token equally likely.
    """

    block_size = 1

    def __init__(self, vocab_size: int):
        self.vocab_size = vocab_size
        ### BEGIN SOLUTION
        self.weight = Parameter(np.zeros((vocab_size, vocab_size), dtype=np.float32))
        ### END SOLUTION

    def forward(self, idx) -> Tensor:
        """``idx`` ``(B, 1)`` int (contexts of ``make_examples(tokens, 1)``) -> logits ``(B, V)``, a Tensor."""
        # Indexing the weight Tensor with idx[:, 0] picks one row per example; phase 02's
        # indexing already knows its backward.
        ### BEGIN SOLUTION
        idx = np.asarray(idx)
        if idx.ndim != 2:
            raise ValueError(f"Bigram expects contexts of shape (B, 1), got {idx.shape}")
        return self.weight[idx[:, -1]]
        ### END SOLUTION
