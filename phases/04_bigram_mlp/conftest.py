"""What phase 04's graders share: the grader's own corpus, oracles and training loop.

Tests reach these helpers through the ``oracle`` fixture, which is this module::

    def test_something(oracle):
        c = oracle.corpus()                      # the grader's character corpus
        nll = oracle.counting_nll(c, k=1.0)      # the counted bigram's validation NLL

- The corpus is TinyStories' bundled sample (the first 1,000,000 characters of train, the
  first 200,000 of valid), story separators turned into newlines, mapped to ids by the
  grader's own sorted table of characters: no phase-03 tokenizer takes part.
- The counting bigram, the examples and the validation loss are computed here with NumPy,
  so that a task never grades the learner's code with the learner's code.
- ``train_steps`` is the grader's training loop: the learner's model, phase 02's Adam and
  cross_entropy, batches drawn here; it isolates a model from the learner's ``train()``.
"""

from __future__ import annotations

import functools
import sys
from dataclasses import dataclass

import numpy as np
import pytest

from common import load
from common.backend import to_numpy
from common.checks import calling, require
from common.data import tinystories

TRAIN_CHARS, VALID_CHARS = 1_000_000, 200_000
SEPARATOR = "<|endoftext|>\n"


@pytest.fixture(scope="session")
def oracle():
    """This module: the graders' own helpers and oracles."""
    return sys.modules[__name__]


# ---------------------------------------------------------------- the corpus


@dataclass
class Corpus:
    chars: list[str]
    train: np.ndarray  # int64 ids
    valid: np.ndarray

    @property
    def vocab_size(self) -> int:
        return len(self.chars)

    def decode(self, ids) -> str:
        return "".join(self.chars[int(i)] for i in ids)


def read_text(split: str, chars: int) -> str:
    with open(tinystories(split, which="sample", quiet=True), encoding="utf-8") as f:
        return f.read(chars).replace(SEPARATOR, "\n")


def encode(text: str, table: np.ndarray) -> np.ndarray:
    points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    return table[points].astype(np.int64)


@functools.cache
def corpus() -> Corpus:
    """The grader's character corpus (cached for the session)."""
    train_text, valid_text = read_text("train", TRAIN_CHARS), read_text("valid", VALID_CHARS)
    chars = sorted(set(train_text) | set(valid_text))
    table = np.full(max(map(ord, chars)) + 1, -1, dtype=np.int64)
    table[[ord(c) for c in chars]] = np.arange(len(chars))
    return Corpus(chars, encode(train_text, table), encode(valid_text, table))


def windows(tokens: np.ndarray, block_size: int) -> tuple[np.ndarray, np.ndarray]:
    """The grader's own (context, target) pairs: X[i] = tokens[i:i+bs], Y[i] = tokens[i+bs]."""
    X = np.lib.stride_tricks.sliding_window_view(tokens, block_size)[:-1]
    return np.ascontiguousarray(X, dtype=np.int64), tokens[block_size:].astype(np.int64)


@functools.cache
def examples(block_size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(X_train, Y_train, X_valid, Y_valid)`` of the grader's corpus for ``block_size``."""
    c = corpus()
    return (*windows(c.train, block_size), *windows(c.valid, block_size))


# ---------------------------------------------------------------- the counting bigram


def pair_counts(tokens: np.ndarray, V: int) -> np.ndarray:
    tokens = np.asarray(tokens, dtype=np.int64)
    return np.bincount(tokens[:-1] * V + tokens[1:], minlength=V * V).reshape(V, V)


def add_k(counts: np.ndarray, k: float) -> np.ndarray:
    smoothed = counts.astype(np.float64) + k
    return smoothed / smoothed.sum(axis=1, keepdims=True)


@functools.cache
def counting_nll(k: float = 1.0) -> float:
    """The validation NLL (nats per pair) of the add-k counted bigram of the grader's corpus."""
    c = corpus()
    P = add_k(pair_counts(c.train, c.vocab_size), k)
    return float(-np.log(P[c.valid[:-1], c.valid[1:]]).mean())


# ---------------------------------------------------------------- losses, training


def log_softmax(z: np.ndarray) -> np.ndarray:
    z = np.asarray(z, dtype=np.float64)
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def ce(logits: np.ndarray, targets: np.ndarray) -> float:
    """Mean cross-entropy (float64 NumPy) of ``logits`` (N, V) against ``targets`` (N,)."""
    lp = log_softmax(logits)
    return float(-lp[np.arange(len(targets)), targets].mean())


def logits_of(model, x, what: str) -> np.ndarray:
    """``model(x)`` as a float64 array; the result may be a Tensor or an array."""
    with calling(what):
        out = model(x)
    data = out.data if isinstance(out, load(2, "tensor").Tensor) else out
    return np.asarray(to_numpy(data), dtype=np.float64)


def mean_nll(model, X: np.ndarray, Y: np.ndarray, V: int, what: str, batch_size: int = 16384) -> float:
    """The grader's evaluation: mean CE over all rows, in batches weighted by their rows, under no_grad."""
    total = 0.0
    with load(2, "tensor").no_grad():
        for i in range(0, len(X), batch_size):
            xb, yb = X[i:i + batch_size], Y[i:i + batch_size]
            logits = logits_of(model, xb, f"{what}: model(X_valid[{i}:{i + len(xb)}]) under no_grad")
            require(logits.shape == (len(xb), V),
                    f"{what}: model(x) with x of shape {xb.shape} returned shape {logits.shape}; expected {(len(xb), V)}")
            total += ce(logits, yb) * len(yb)
    return total / len(X)


def train_steps(model, X: np.ndarray, Y: np.ndarray, *, steps: int, batch_size: int, lr: float, seed: int,
                what: str) -> list[float]:
    """The grader's loop: phase-02 Adam(lr), batches X[ix], ix = rng.integers(0, len(X), batch_size)."""
    F, Adam = load(2, "functional"), load(2, "optim").Adam
    with calling(f"{what}: Adam(model.parameters(), lr={lr})"):
        opt = Adam(model.parameters(), lr=lr)
    rng = np.random.default_rng(seed)
    losses = []
    for step in range(steps):
        ix = rng.integers(0, len(X), size=batch_size)
        with calling(f"{what}, step {step + 1}: cross_entropy(model(x), y) with x of shape {(batch_size,) + X.shape[1:]}"):
            loss = F.cross_entropy(model(X[ix]), Y[ix])
        with calling(f"{what}, step {step + 1}: opt.zero_grad(); loss.backward(); opt.step()",
                     hint="the logits must be computed from the model's Parameters with Tensor operations "
                          "(no .data, no NumPy in between), so that backward() reaches them"):
            opt.zero_grad()
            loss.backward()
            opt.step()
        losses.append(float(loss.item()))
    return losses


def curve(losses: list[float], points: int = 6) -> str:
    """A few losses of a training run, for a message."""
    step = max(1, len(losses) // points)
    return ", ".join(f"{losses[i]:.3f}" for i in range(0, len(losses), step))
