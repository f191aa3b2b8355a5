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
    ### BEGIN SOLUTION
    a, b = pair
    out, i, n = [], 0, len(word)
    while i < n:
        if i < n - 1 and word[i] == a and word[i + 1] == b:
            out.append(new_id)
            i += 2
        else:
            out.append(word[i])
            i += 1
    return out
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    special_tokens = list(dict.fromkeys(special_tokens))
    if vocab_size < 256 + len(special_tokens):
        raise ValueError(f"vocab_size={vocab_size} is too small: it must hold the 256 bytes and {len(special_tokens)} special tokens")
    n_merges = vocab_size - 256 - len(special_tokens)
    vocab: dict[int, bytes] = {i: bytes([i]) for i in range(256)}
    merges: list[tuple[bytes, bytes]] = []

    counted = count_pretokens(text, special_tokens, num_workers) if n_merges else {}
    words = [list(w) for w in counted]
    freqs = list(counted.values())
    pair_counts: dict[Pair, int] = {}
    where: dict[Pair, set[int]] = {}
    for j, (word, freq) in enumerate(zip(words, freqs)):
        for pair in zip(word, word[1:]):
            pair_counts[pair] = pair_counts.get(pair, 0) + freq
            where.setdefault(pair, set()).add(j)

    keys = [order_key(vocab[i]) for i in range(256)]
    heap = [(-n, keys[a], keys[b], a, b) for (a, b), n in pair_counts.items()]
    heapq.heapify(heap)

    while len(merges) < n_merges and heap:
        neg, _, _, a, b = heapq.heappop(heap)
        n = pair_counts.get((a, b), 0)
        if n != -neg:  # stale: counts of old pairs only fall, so push the current count back
            if n > 0:
                heapq.heappush(heap, (-n, keys[a], keys[b], a, b))
            continue
        new_id = len(vocab)
        vocab[new_id] = vocab[a] + vocab[b]
        keys.append(order_key(vocab[new_id]))
        merges.append((vocab[a], vocab[b]))

        born: set[Pair] = set()
        for j in where.pop((a, b)):
            word = words[j]
            merged = merge_word(word, (a, b), new_id)
            if len(merged) == len(word):
                continue
            freq = freqs[j]
            for pair in zip(word, word[1:]):
                pair_counts[pair] -= freq
            for pair in zip(merged, merged[1:]):
                pair_counts[pair] = pair_counts.get(pair, 0) + freq
                if new_id in pair:
                    born.add(pair)
                    where.setdefault(pair, set()).add(j)
            words[j] = merged
        del pair_counts[(a, b)]
        for pair in born:  # only pairs with the new token can have grown
            if pair_counts[pair] > 0:
                heapq.heappush(heap, (-pair_counts[pair], keys[pair[0]], keys[pair[1]], *pair))

    for s in special_tokens:
        vocab[len(vocab)] = s.encode("utf-8")
    return vocab, merges
    ### END SOLUTION


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
        ### BEGIN SOLUTION
        self.vocab = dict(vocab)
        self.merges = list(merges)
        self.special_tokens = list(dict.fromkeys(special_tokens or ()))
        self.token_id = {token: i for i, token in sorted(self.vocab.items(), reverse=True)}  # lowest id wins a duplicate
        for s in self.special_tokens:
            if s.encode("utf-8") not in self.token_id:
                new_id = max(self.vocab, default=-1) + 1
                self.vocab[new_id] = s.encode("utf-8")
                self.token_id[s.encode("utf-8")] = new_id
        self.special_id = {s: self.token_id[s.encode("utf-8")] for s in self.special_tokens}
        self.byte_id = []
        for x in range(256):
            if bytes([x]) not in self.token_id:
                raise ValueError(f"the vocabulary has no token for the single byte {x} (0x{x:02x})")
            self.byte_id.append(self.token_id[bytes([x])])
        self.merge_rank: dict[Pair, tuple[int, int]] = {}
        for rank, (a, b) in enumerate(self.merges):
            for part in (a, b, a + b):
                if part not in self.token_id:
                    raise ValueError(f"merge {rank} ({a!r}, {b!r}): {part!r} is not in the vocabulary")
            self.merge_rank.setdefault((self.token_id[a], self.token_id[b]), (rank, self.token_id[a + b]))
        self.pattern = regex.compile(GPT2_PATTERN)
        longest_first = sorted(self.special_tokens, key=len, reverse=True)
        self.special_pattern = regex.compile("|".join(map(regex.escape, longest_first))) if longest_first else None
        self.cache: dict[str, list[int]] = {}
        ### END SOLUTION

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
        ### BEGIN SOLUTION
        byte_id, merge_rank = self.byte_id, self.merge_rank
        ids = [byte_id[x] for x in pretoken]
        while len(ids) > 1:
            best = None  # (pair, (rank, merged id)) of the lowest rank so far
            for pair in zip(ids, ids[1:]):
                found = merge_rank.get(pair)
                if found is not None and (best is None or found[0] < best[1][0]):
                    best = (pair, found)
            if best is None:
                break
            ids = merge_word(ids, best[0], best[1][1])
        return ids
        ### END SOLUTION

    def encode(self, text: str) -> list[int]:
        """The ids of ``text``: special tokens first (one id each), then pre-tokens, then merges."""
        # Cache each pre-token's ids (a dict str -> list[int]): text repeats its words a lot.
        ### BEGIN SOLUTION
        ids: list[int] = []
        cache, findall, special_id = self.cache, self.pattern.findall, self.special_id
        for piece in split_on_special(text, self.special_tokens):
            if piece in special_id:
                ids.append(special_id[piece])
                continue
            for pretoken in findall(piece):
                hit = cache.get(pretoken)
                if hit is None:
                    if len(cache) >= self.CACHE_SIZE:
                        cache.clear()
                    hit = cache[pretoken] = self.encode_pretoken(pretoken.encode("utf-8"))
                ids.extend(hit)
        return ids
        ### END SOLUTION

    def safe_cut(self, text: str) -> int:
        """A cut ``k`` with ``encode(text[:k] + rest) == encode(text[:k]) + encode(rest)`` for any
        ``rest`` (0 when there is none): no special token and no pre-token may straddle it.
        """
        # Stay clear of a special token that may have begun; then cut where a non-space meets a
        # space: no pre-token spans that, and the one before it looked no further.
        ### BEGIN SOLUTION
        limit, start = len(text), 0  # the cut goes in [start, limit]
        if self.special_pattern is not None:
            limit -= max(map(len, self.special_tokens)) - 1
            for special in self.special_pattern.finditer(text):
                if special.end() > limit:
                    limit = min(limit, special.start())
                    break
                start = special.end()
        if limit <= start:
            return max(0, min(start, limit))
        boundary = LAST_WORD_END.search(text, start, limit)
        return boundary.end() if boundary else start
        ### END SOLUTION

    def encode_iterable(self, iterable: Iterable[str], chunk_chars: int = 1 << 15) -> Iterator[int]:
        """Yield the ids of ``"".join(iterable)``, exactly, holding only a bounded piece of it.

        Feed it an open file (line by line) or any iterable of str. Text is encoded once about
        ``chunk_chars`` characters have gathered, up to a cut that no token can straddle.
        """
        # Gather pieces; when enough text is there, encode up to safe_cut(buffer), keep the rest.
        ### BEGIN SOLUTION
        parts: list[str] = []
        size = 0
        for chunk in iterable:
            parts.append(chunk)
            size += len(chunk)
            if size < chunk_chars:
                continue
            buffer = "".join(parts)
            cut = self.safe_cut(buffer)
            if cut > 0:
                yield from self.encode(buffer[:cut])
            parts, size = [buffer[cut:]], len(buffer) - cut
        yield from self.encode("".join(parts))
        ### END SOLUTION

    def decode_bytes(self, ids: Iterable[int]) -> bytes:
        """The bytes of ``ids`` joined; an id not in the vocabulary raises KeyError naming it."""
        ### BEGIN SOLUTION
        vocab = self.vocab
        try:
            return b"".join([vocab[i] for i in ids])
        except KeyError as exc:
            raise KeyError(f"id {exc.args[0]!r} is not in the vocabulary (ids run from 0 to {max(vocab)})") from None
        ### END SOLUTION

    def decode(self, ids: Iterable[int]) -> str:
        """The text of ``ids``; bytes that are not valid UTF-8 become U+FFFD, never an error."""
        ### BEGIN SOLUTION
        return self.decode_bytes(ids).decode("utf-8", errors="replace")
        ### END SOLUTION
