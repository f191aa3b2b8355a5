"""Byte-level byte-pair encoding: learn merges from text, then encode and decode with them.

Training starts from the 256 single bytes and repeatedly merges the most frequent pair of
adjacent tokens into one new token, counting pairs inside pre-tokens only. The result is
a vocabulary ``{id: bytes}`` and the ordered list of merges::

    ids 0..255                  the single bytes (id = byte value)
    ids 256..256+M-1            one per merge, in the order learned: vocab[id] = a + b
    ids 256+M..                 the special tokens (their UTF-8 bytes), never merged

Encoding a pre-token replays the merges: of all adjacent pairs that are a merge, merge the
one learned first (lowest rank), and repeat until no pair is a merge.
"""

from __future__ import annotations

import heapq
import os
from collections.abc import Iterable, Iterator

import regex

from .pretokenize import GPT2_PATTERN, count_pretokens, split_on_special
from .vocab_files import load_vocab

Pair = tuple[int, int]
# The last place where a non-whitespace character is followed by whitespace ((?r): search backwards).
LAST_WORD_END = regex.compile(r"(?r)\S(?=\s)")


def merge_word(word: list[int], pair: Pair, new_id: int) -> list[int]:
    """``word`` with every occurrence of ``pair``, scanned left to right, replaced by ``new_id``.

    ``merge_word([1, 1, 1, 2], (1, 1), 9) == [9, 1, 2]``: occurrences do not overlap.
    """
    # YOUR CODE HERE
    raise NotImplementedError("merge_word: not written yet; see its docstring and the handout")


def order_key(token: bytes) -> tuple[int, ...]:
    """A key that sorts byte strings in *reverse* lexicographic order (for a min-heap).

    Each byte x becomes 255 - x, and 256 ends the key, so a prefix sorts after its extensions.
    """
    return tuple(255 - x for x in token) + (256,)


def train_bpe(
    text: str, vocab_size: int, special_tokens: Iterable[str] = (), num_workers: int = 1
) -> tuple[dict[int, bytes], list[tuple[bytes, bytes]]]:
    """Learn a byte-level BPE of ``vocab_size`` tokens (bytes + merges + specials) from ``text``.

    Returns ``(vocab, merges)``: ``vocab`` maps id -> bytes as in the module docstring,
    ``merges`` lists the merged pairs ``(a, b)`` as bytes, in the order learned. Each step
    merges the adjacent pair with the highest count over all pre-tokens (each pre-token
    weighted by how often it occurs); a tie goes to the greatest pair, comparing ``(a, b)``
    as a tuple of bytes. Stops at ``vocab_size`` or when no pair is left. ValueError when
    ``vocab_size < 256 + len(special_tokens)``.
    """
    # Keep pair -> count and pair -> {pre-tokens holding it}; after a merge, update only those
    # pre-tokens. Find the best pair with a heap of (-count, order key) entries, skipping stale ones.
    # YOUR CODE HERE
    raise NotImplementedError("train_bpe: not written yet; see its docstring and the handout")


class Tokenizer:
    """Encode text to ids and back with a BPE vocabulary and its merges.

    ``vocab`` maps id -> bytes (ids need not follow byte order: GPT-2's do not), ``merges``
    lists the pairs in rank order (rank 0 was learned first). Special tokens given but absent
    from ``vocab`` get new ids after the largest one.
    """

    CACHE_SIZE = 100_000  # pre-token encodings kept; the cache is emptied when it is full

    def __init__(self, vocab: dict[int, bytes], merges: list[tuple[bytes, bytes]], special_tokens: Iterable[str] | None = None):
        # self.vocab: id -> bytes, with new ids for specials it lacks (vocab_size and decode read it).
        # Then bytes -> id, (id, id) -> (rank of the merge, merged id), special -> id, a pre-token cache.
        # YOUR CODE HERE
        raise NotImplementedError("Tokenizer.__init__: not written yet; see its docstring and the handout")

    @classmethod
    def from_files(cls, vocab_path: str | os.PathLike, merges_path: str | os.PathLike,
                   special_tokens: Iterable[str] | None = ("<|endoftext|>",)) -> Tokenizer:
        """A Tokenizer from a ``vocab.json`` and a ``merges.txt`` in GPT-2's format (vocab_files.py)."""
        vocab, merges = load_vocab(vocab_path, merges_path)
        return cls(vocab, merges, special_tokens)

    @property
    def vocab_size(self) -> int:
        """The number of ids: one more than the largest."""
        return max(self.vocab) + 1

    def encode_pretoken(self, pretoken: bytes) -> list[int]:
        """The ids of one pre-token: start from its bytes, merge the lowest-rank pair until none is left."""
        # Of all adjacent pairs that are merges, merge the one of lowest rank (every occurrence), repeat.
        # YOUR CODE HERE
        raise NotImplementedError("Tokenizer.encode_pretoken: not written yet; see its docstring and the handout")

    def encode(self, text: str) -> list[int]:
        """The ids of ``text``: special tokens first (one id each), then pre-tokens, then merges."""
        # Cache each pre-token's ids (a dict str -> list[int]): text repeats its words a lot.
        # YOUR CODE HERE
        raise NotImplementedError("Tokenizer.encode: not written yet; see its docstring and the handout")

    def safe_cut(self, text: str) -> int:
        """A cut ``k`` with ``encode(text[:k] + rest) == encode(text[:k]) + encode(rest)`` for any
        ``rest`` (0 when there is none): no special token and no pre-token may straddle it.
        """
        # Stay clear of a special token that may have begun; then cut where a non-space meets a
        # space: no pre-token spans that, and the one before it looked no further.
        # YOUR CODE HERE
        raise NotImplementedError("Tokenizer.safe_cut: not written yet; see its docstring and the handout")

    def encode_iterable(self, iterable: Iterable[str], chunk_chars: int = 1 << 15) -> Iterator[int]:
        """Yield the ids of ``"".join(iterable)``, exactly, holding only a bounded piece of it.

        Feed it an open file (line by line) or any iterable of str. Text is encoded once about
        ``chunk_chars`` characters have gathered, up to a cut that no token can straddle.
        """
        # Gather pieces; when enough text is there, encode up to safe_cut(buffer), keep the rest.
        # YOUR CODE HERE
        raise NotImplementedError("Tokenizer.encode_iterable: not written yet; see its docstring and the handout")

    def decode_bytes(self, ids: Iterable[int]) -> bytes:
        """The bytes of ``ids`` joined; an id not in the vocabulary raises KeyError naming it."""
        # YOUR CODE HERE
        raise NotImplementedError("Tokenizer.decode_bytes: not written yet; see its docstring and the handout")

    def decode(self, ids: Iterable[int]) -> str:
        """The text of ``ids``; bytes that are not valid UTF-8 become U+FFFD, never an error."""
        # YOUR CODE HERE
        raise NotImplementedError("Tokenizer.decode: not written yet; see its docstring and the handout")
