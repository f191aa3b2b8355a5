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
    # YOUR CODE HERE
    raise NotImplementedError("count_bigrams: not written yet; see its docstring and the handout")


def bigram_probs(counts: np.ndarray, smoothing: float = 1.0) -> np.ndarray:
    """``P`` ``(V, V)`` float64: row ``a`` is the distribution of the token after ``a``,
    ``P[a, b] = (counts[a, b] + k) / sum_c (counts[a, c] + k)`` with ``k = smoothing``
    ("add-k" smoothing; ``k = 1`` is Laplace's rule).

    Every row sums to 1. A row with no counts and ``k = 0`` is uniform, ``1 / V``.
    ValueError for ``k < 0``.
    """
    # YOUR CODE HERE
    raise NotImplementedError("bigram_probs: not written yet; see its docstring and the handout")


def bigram_nll(probs: np.ndarray, tokens: np.ndarray) -> float:
    """The average negative log-likelihood of ``tokens`` under ``probs``, in nats per predicted
    token: ``-mean(log P[t[i], t[i + 1]])`` over the ``n - 1`` pairs.

    A pair of probability 0 gives ``inf`` (which smoothing avoids). ValueError for fewer
    than two tokens.
    """
    # YOUR CODE HERE
    raise NotImplementedError("bigram_nll: not written yet; see its docstring and the handout")


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
        # YOUR CODE HERE
        raise NotImplementedError("Bigram.__init__: not written yet; see its docstring and the handout")

    def forward(self, idx) -> Tensor:
        """``idx`` ``(B, 1)`` int (contexts of ``make_examples(tokens, 1)``) -> logits ``(B, V)``, a Tensor."""
        # Indexing the weight Tensor with idx[:, 0] picks one row per example; phase 02's
        # indexing already knows its backward.
        # YOUR CODE HERE
        raise NotImplementedError("Bigram.forward: not written yet; see its docstring and the handout")
