"""Tokenizers and measurements the graders hand to the code under test, defined where it runs.

``encode_file`` is graded with stand-in tokenizers (tiktoken's GPT-2, a character code, one that
fails midway), and streaming is graded by the memory it takes. Both must happen in the process
that runs the code: in isolated grading (``grader/remote.py``) a tokenizer of the checking process
would be called back once per id, and ``tracemalloc`` there would measure the wrong process. The
graders reach this module through ``under_test("common.stand_ins")``. Phase 09's graders measure
a training step's peak memory here for the same reason (``traced_step``).
"""

from __future__ import annotations

import functools
import itertools
import tracemalloc

import numpy as np

from common.gpt2_bpe import EOT, tiktoken_encoding


@functools.cache
def _encoding(vocab_path: str):
    return tiktoken_encoding(vocab_path)


class TiktokenTokenizer:
    """GPT-2 through tiktoken (built from ``vocab_path``, offline), with the interface encode_file uses."""

    vocab_size = 50257

    def __init__(self, vocab_path):
        self.vocab_path = str(vocab_path)

    def encode_iterable(self, chunks):
        yield from _encoding(self.vocab_path).encode("".join(chunks), allowed_special={EOT})


def code_ids(text: str) -> np.ndarray:
    """The ids CodeTokenizer gives ``text``: (code point * 31 + 7) mod 65,536, as little-endian uint16."""
    codes = np.frombuffer(text.encode("utf-32-le"), dtype="<u4").astype(np.int64)
    return ((codes * 31 + 7) % 65536).astype("<u2")


class CodeTokenizer:
    """One id per character, (code point * 31 + 7) mod 65,536: ids over the whole uint16 range, streamed."""

    vocab_size = 65536

    def __init__(self):
        self.ids: dict[str, int] = {}  # each character's id computed once: yielding it allocates nothing

    def encode_iterable(self, chunks):
        ids = self.ids
        for chunk in chunks:
            for ch in chunk:
                i = ids.get(ch)
                if i is None:
                    i = ids[ch] = (ord(ch) * 31 + 7) % 65536
                yield i


class FailingTokenizer:
    """Yields ``n`` ids, then raises, as a tokenizer meeting a bad byte would."""

    vocab_size = 1000

    def __init__(self, n: int):
        self.n = n

    def encode_iterable(self, chunks):
        for k, _ in enumerate(chunks):
            yield from range(0, 1000, 7)
            if k * 143 > self.n:
                raise RuntimeError("simulated failure in the tokenizer")
        raise RuntimeError("simulated failure in the tokenizer")


class HugeTokenizer:
    vocab_size = 65537

    def encode_iterable(self, chunks):
        yield from ()


def drain(iterable) -> list:
    """``list(iterable)``, taken where the iterable lives (one request, not one per item)."""
    return list(iterable)


def repeat(fn, n: int, *args) -> list:
    """``[fn(*args) for _ in range(n)]``, made where ``fn`` lives (one request, not ``n``)."""
    return [fn(*args) for _ in range(n)]


def traced(fn, *args, **kwargs):
    """``(fn(*args, **kwargs), peak bytes traced by tracemalloc while it ran)``."""
    tracemalloc.start()
    try:
        result = fn(*args, **kwargs)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak


def stream_file(tokenizer, path, capacity: int) -> tuple[np.ndarray, int, int]:
    """Stream the text file ``path`` (read line by line, line ends kept) through
    ``tokenizer.encode_iterable``: ``(the first capacity ids, how many came, peak bytes traced)``.
    The ids are taken in batches of 4,096 into an array made before tracing starts."""
    got = np.full(capacity, -1, dtype=np.int64)
    n = 0
    tracemalloc.start()
    try:
        with open(path, encoding="utf-8", newline="") as f:
            ids = tokenizer.encode_iterable(f)
            while batch := list(itertools.islice(ids, 4096)):  # in batches: tracing makes each step costly
                got[n: n + len(batch)] = batch[: max(0, capacity - n)]
                n += len(batch)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return got, n, peak


def traced_step(forward, args: tuple, cross_entropy, targets):
    """One forward and backward, :func:`traced`: ``logits = forward(*args)``, the mean
    ``cross_entropy`` of ``(B*T, V)`` logits against ``targets`` ``(B, T)``, then ``backward()``.
    Returns ``(logits, loss, peak bytes traced)``."""
    def step():
        logits = forward(*args)
        B, T, V = logits.shape
        loss = cross_entropy(logits.reshape(B * T, V), targets.reshape(B * T))
        loss.backward()
        return logits, loss

    (logits, loss), peak = traced(step)
    return logits, loss, peak
