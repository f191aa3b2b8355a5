"""From text to training examples: a character corpus, a split, (context, target) pairs, batches.

A language model learns from a stream of token ids ``t[0], t[1], ...``. Each position gives
one example: the ``block_size`` tokens before it are the context ``x``, the token itself is
the target ``y``::

    tokens   5 1 4 1 9 2          block_size = 2
    X        [5 1] [1 4] [4 1] [1 9]
    Y          4     1     9     2

The bigram model is the case ``block_size = 1``. Phases 05 and 06 reuse these helpers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from common import load
from common.data import tinystories

# TinyStories separates its stories with a line "<|endoftext|>". A character model sees
# that boundary as a blank line instead: one character, not thirteen.
STORY_SEPARATOR = "<|endoftext|>\n"


@dataclass
class CharCorpus:
    """TinyStories as character ids: ``train`` and ``valid`` are int64 arrays ``(n,)``."""

    tokenizer: object  # your phase-03 CharTokenizer
    train: np.ndarray
    valid: np.ndarray

    @property
    def vocab_size(self) -> int:
        return self.tokenizer.vocab_size


def read_stories(split: str, max_chars: int | None = None, *, which: str = "auto") -> str:
    """The first ``max_chars`` characters of TinyStories' ``split`` (all when None), with each
    story separator replaced by a newline, so that stories are separated by a blank line.

    ``which`` is passed to ``common.data.tinystories``: "sample" always reads the bundled
    sample (the grader does), "auto" the full set once ``make data`` has fetched it.
    """
    with open(tinystories(split, which=which), encoding="utf-8") as f:
        text = f.read(max_chars) if max_chars is not None else f.read()
    return text.replace(STORY_SEPARATOR, "\n")


def char_corpus(max_train_chars: int | None = 2_000_000, max_valid_chars: int | None = None, *,
                which: str = "auto") -> CharCorpus:
    """TinyStories at character level, encoded by your phase-03 ``CharTokenizer``.

    The vocabulary is every character of both texts, so that no validation character is
    unknown. Reading the 7.5 MB train sample whole is fine; ``max_train_chars`` keeps the
    full 1.9 GB set, once fetched, from filling memory.
    """
    train_text = read_stories("train", max_train_chars, which=which)
    valid_text = read_stories("valid", max_valid_chars, which=which)
    tokenizer = load(3, "simple").CharTokenizer(train_text + valid_text)
    return CharCorpus(tokenizer, np.asarray(tokenizer.encode(train_text), dtype=np.int64),
                      np.asarray(tokenizer.encode(valid_text), dtype=np.int64))


def split_tokens(tokens: np.ndarray, val_fraction: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """Cut ``tokens`` ``(n,)`` in two contiguous parts: ``(tokens[:n - k], tokens[n - k:])``
    with ``k = round(n * val_fraction)``.

    Contiguous, not shuffled: neighbouring windows overlap, so a shuffled split would put
    nearly the same text on both sides. ValueError unless ``0 < val_fraction < 1`` and both
    parts hold at least one token.
    """
    ### BEGIN SOLUTION
    if not 0 < val_fraction < 1:
        raise ValueError(f"val_fraction must be strictly between 0 and 1, got {val_fraction!r}")
    n = len(tokens)
    k = round(n * val_fraction)
    if k < 1 or k > n - 1:
        raise ValueError(f"{n} tokens with val_fraction={val_fraction} leave an empty part "
                         f"({n - k} to train, {k} to validate)")
    return tokens[: n - k], tokens[n - k:]
    ### END SOLUTION


def make_examples(tokens: np.ndarray, block_size: int) -> tuple[np.ndarray, np.ndarray]:
    """Every (context, target) pair of a token stream: ``X`` ``(n - block_size, block_size)``
    and ``Y`` ``(n - block_size,)``, both int64, with ``X[i] = tokens[i : i + block_size]`` and
    ``Y[i] = tokens[i + block_size]``.

    ``X`` may be a read-only view of ``tokens`` (no copy of the windows is needed): index it,
    never write into it. ValueError when ``block_size < 1`` or the stream has no more than
    ``block_size`` tokens.
    """
    # A loop over i is fine for a few thousand tokens and slow for millions;
    # np.lib.stride_tricks.sliding_window_view gives every window as a view, without copying.
    ### BEGIN SOLUTION
    tokens = np.asarray(tokens)
    if tokens.ndim != 1:
        raise ValueError(f"tokens must be a 1-D array of ids, got shape {tokens.shape}")
    if block_size < 1:
        raise ValueError(f"block_size must be at least 1, got {block_size}")
    if len(tokens) <= block_size:
        raise ValueError(f"{len(tokens)} tokens make no example of block_size {block_size}: "
                         f"need at least {block_size + 1}")
    windows = np.lib.stride_tricks.sliding_window_view(tokens, block_size)[:-1]
    return windows.astype(np.int64, copy=False), tokens[block_size:].astype(np.int64)
    ### END SOLUTION


def random_batch(X: np.ndarray, Y: np.ndarray, batch_size: int,
                 rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``batch_size`` examples drawn with replacement: ``(X[ix], Y[ix])`` for
    ``ix = rng.integers(0, len(X), size=batch_size)``, drawn in exactly that call.
    """
    ### BEGIN SOLUTION
    if len(X) != len(Y):
        raise ValueError(f"X and Y must have the same length, got {len(X)} and {len(Y)}")
    ix = rng.integers(0, len(X), size=batch_size)
    return X[ix], Y[ix]
    ### END SOLUTION
