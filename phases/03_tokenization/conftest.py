"""What phase 03's graders share: the oracles, written here independently of the code under test.

Tests reach these helpers through the ``oracle`` fixture, which is this module:

    def test_something(oracle):
        expected = oracle.gpt2_ids("Hello world")        # tiktoken's ids with GPT-2's files

- GPT-2's files are decoded with a byte alphabet of the graders' own (``common.gpt2_bpe``), and
  tiktoken's Encoding is built from them offline (no download).
- ``slow_train`` is BPE training at its most obvious: count every pair again before each
  merge. Slow, but easy to trust; the learner's fast trainer must agree merge for merge.
- ``show_ids_difference`` turns two lists of ids into a message a learner can act on.
"""

from __future__ import annotations

import functools
import sys
from collections import Counter
from pathlib import Path

import pytest
import regex
import tiktoken

from common import repo_root
# Re-exported for the tests, which reach them as oracle.spell, oracle.char_to_byte, ...
from common.gpt2_bpe import EOT, EOT_ID, PATTERN, char_to_byte, read_files, spell, spelled, tiktoken_encoding  # noqa: F401

_PRETOKEN = regex.compile(PATTERN)


@pytest.fixture(scope="session")
def oracle():
    """This module: the graders' own helpers and oracles."""
    return sys.modules[__name__]


def datasets() -> Path:
    return repo_root() / "datasets"


def gpt2_paths() -> tuple[Path, Path]:
    folder = datasets() / "gpt2"
    vocab, merges = folder / "vocab.json", folder / "merges.txt"
    if not vocab.is_file() or not merges.is_file():
        pytest.fail(f"GPT-2's files are missing: expected {vocab} and {merges} (see datasets/README.md)")
    return vocab, merges


def tinystories(split: str = "valid", chars: int | None = None) -> str:
    path = datasets() / "tinystories" / f"{split}-sample.txt"
    if not path.is_file():
        pytest.fail(f"the TinyStories sample is missing: expected {path} (see datasets/README.md)")
    text = path.read_text(encoding="utf-8")
    return text if chars is None else text[:chars]


@functools.cache
def gpt2() -> tuple[dict[int, bytes], list[tuple[bytes, bytes]]]:
    """GPT-2's vocabulary (id -> bytes) and merges, read by the oracle (common.gpt2_bpe)."""
    return read_files(*gpt2_paths())


@functools.cache
def gpt2_encoding() -> tiktoken.Encoding:
    return tiktoken_encoding(gpt2_paths()[0])


def gpt2_ids(text: str, special: bool = True) -> list[int]:
    """tiktoken's GPT-2 ids of ``text``; ``<|endoftext|>`` is special unless ``special=False``."""
    enc = gpt2_encoding()
    return enc.encode(text, allowed_special={EOT}) if special else enc.encode_ordinary(text)


def learner_gpt2_tokenizer(bpe, special_tokens=(EOT,)):
    """The learner's Tokenizer built on GPT-2's vocabulary and merges as read by this module."""
    vocab, merges = gpt2()
    return bpe.Tokenizer(dict(vocab), list(merges), special_tokens)


# ---------------------------------------------------------------- pre-tokens and slow BPE


def pretokens(text: str, specials=()) -> list[str]:
    """GPT-2's pre-tokens of ``text``, special tokens cut out first (and dropped)."""
    out = []
    if specials:
        alternation = "|".join(regex.escape(s) for s in sorted(specials, key=len, reverse=True))
        pieces = regex.split(alternation, text)
    else:
        pieces = [text]
    for piece in pieces:
        out.extend(_PRETOKEN.findall(piece))
    return out


def pair_counts(words: dict[tuple[bytes, ...], int]) -> Counter:
    counts: Counter = Counter()
    for word, n in words.items():
        for pair in zip(word, word[1:]):
            counts[pair] += n
    return counts


def slow_train(text: str, vocab_size: int, specials=()) -> tuple[dict[int, bytes], list[tuple[bytes, bytes]], list[int]]:
    """BPE training by full recount: ``(vocab, merges, the count of each merge)``."""
    words: Counter = Counter()
    for p in pretokens(text, specials):
        words[tuple(bytes([b]) for b in p.encode("utf-8"))] += 1
    vocab = {i: bytes([i]) for i in range(256)}
    merges, counts = [], []
    while len(vocab) + len(specials) < vocab_size:
        pairs = pair_counts(words)
        if not pairs:
            break
        best = max(pairs, key=lambda p: (pairs[p], p))  # highest count, then the greatest pair
        merges.append(best)
        counts.append(pairs[best])
        vocab[len(vocab)] = best[0] + best[1]
        words = Counter({merged_word(w, best): n for w, n in words.items()})
    for s in specials:
        vocab[len(vocab)] = s.encode("utf-8")
    return vocab, merges, counts


def merged_word(word: tuple[bytes, ...], pair: tuple[bytes, bytes]) -> tuple[bytes, ...]:
    out, i = [], 0
    while i < len(word):
        if i + 1 < len(word) and (word[i], word[i + 1]) == pair:
            out.append(word[i] + word[i + 1])
            i += 2
        else:
            out.append(word[i])
            i += 1
    return tuple(out)


def slow_encode(vocab: dict[int, bytes], merges, text: str, specials=()) -> list[int]:
    """Encode by replaying merges in rank order over every pre-token (obvious, slow)."""
    ids = {token: i for i, token in sorted(vocab.items(), reverse=True)}
    rank = {pair: r for r, pair in reversed(list(enumerate(merges)))}
    out = []
    alternation = "|".join(regex.escape(s) for s in sorted(specials, key=len, reverse=True))
    pieces = regex.split(f"({alternation})", text) if specials else [text]
    for piece in pieces:
        if piece in specials:
            out.append(ids[piece.encode("utf-8")])
            continue
        for p in _PRETOKEN.findall(piece):
            word = tuple(bytes([b]) for b in p.encode("utf-8"))
            while len(word) > 1:
                pairs = [pr for pr in zip(word, word[1:]) if pr in rank]
                if not pairs:
                    break
                word = merged_word(word, min(pairs, key=rank.__getitem__))
            out.extend(ids[t] for t in word)
    return out


# ---------------------------------------------------------------- messages


def show(text: str, limit: int = 70) -> str:
    """A short repr of ``text`` for a message."""
    r = repr(text)
    return r if len(r) <= limit else r[: limit - 5] + "...'" + f" ({len(text)} characters)"


def show_ids_difference(got: list[int], expected: list[int], vocab: dict[int, bytes], what: str) -> str | None:
    """None when equal, else a message: the first differing position and the tokens around it, as bytes."""
    got = [int(i) for i in got]
    if got == expected:
        return None
    k = next((i for i, (a, b) in enumerate(zip(got, expected)) if a != b), min(len(got), len(expected)))
    lo = max(0, k - 3)

    def around(ids):
        return ", ".join(f"{i}={vocab.get(i, b'?')!r}" if isinstance(vocab, dict) else str(i) for i in ids[lo:k + 4])

    before = b"".join(vocab.get(i, b"?") for i in expected[:k])
    return (f"{what}: {len(expected)} ids expected, got {len(got)}; the first difference is at id #{k} "
            f"(after the bytes {before[-30:]!r}).\n"
            f"  expected ids {lo}..: {around(expected)}\n"
            f"  got      ids {lo}..: {around(got)}")
