"""llama2.c's tokenizer: the 512-token vocabulary of ``stories260K`` (``tok512.bin``).

It is a SentencePiece BPE exported as a list of pieces with *scores*: where phase 03's BPE
applies merges in the order they were learned (their rank), this one repeatedly merges the
adjacent pair whose merged piece has the **highest score**, and a merge is allowed only when
the merged piece is in the vocabulary. The vocabulary::

    0 <unk>    1 BOS (a story starts)    2 EOS    3..258 the bytes 0x00..0xFF ("<0x41>")
    259.. the pieces, a word-initial space kept as an ordinary space (" t", " the")

**Encoding** ``text``, as llama2.c's ``encode`` does it:

1. BOS (id 1) when ``bos``; then, when ``text`` is not empty, the piece ``" "``: SentencePiece
   reads every text as if it began with a space, so "Once" becomes " Once", a word like any other;
2. each character of ``text`` becomes its piece when it has one, else its UTF-8 bytes become
   byte tokens (byte ``b`` is id ``b + 3``);
3. while some adjacent pair ``(a, b)`` has ``piece[a] + piece[b]`` in the vocabulary, merge the
   pair whose merged piece has the highest score (the leftmost such pair on a tie);
4. EOS (id 2) when ``eos``.

**Decoding** is the pieces' bytes end to end, with two rules: a byte token stands for its byte,
and a piece right after BOS loses its leading space (the space added in step 1). The ids 0, 1
and 2 stand for no bytes.
"""

from __future__ import annotations

import os
import re

from common.llama2c import read_tokenizer

UNK, BOS, EOS = 0, 1, 2
BYTE_OFFSET = 3  # byte b is token b + 3
_BYTE_PIECE = re.compile(rb"<0x([0-9A-F]{2})>")


class LlamaTokenizer:
    """``pieces``: the token strings as bytes, by id; ``scores``: their merge scores (floats)."""

    def __init__(self, pieces: list[bytes], scores: list[float]):
        if len(pieces) != len(scores) or len(pieces) < 259:
            raise ValueError(f"a llama2.c vocabulary needs the 3 special and 256 byte tokens and one score per "
                             f"piece, got {len(pieces)} pieces and {len(scores)} scores")
        self.pieces, self.scores = list(pieces), [float(s) for s in scores]
        # piece -> id; the lowest id wins if a piece appears twice.
        self.piece_id = {}
        for i, p in enumerate(self.pieces):
            self.piece_id.setdefault(p, i)

    @classmethod
    def from_file(cls, path: str | os.PathLike) -> LlamaTokenizer:
        """Read llama2.c's export (``common.llama2c.read_tokenizer`` gives pieces and scores)."""
        return cls(*read_tokenizer(path))

    @property
    def vocab_size(self) -> int:
        return len(self.pieces)

    def encode(self, text: str, bos: bool = True, eos: bool = False) -> list[int]:
        """The ids of ``text``, following steps 1 to 4 of the module docstring."""
        ### BEGIN SOLUTION
        ids = [BOS] if bos else []
        if text:
            ids.append(self.piece_id[b" "])
        for ch in text:
            b = ch.encode("utf-8")
            if b in self.piece_id:
                ids.append(self.piece_id[b])
            else:
                ids.extend(byte + BYTE_OFFSET for byte in b)
        while True:
            best, at = None, -1
            for i in range(len(ids) - 1):
                merged = self.piece_id.get(self.pieces[ids[i]] + self.pieces[ids[i + 1]])
                if merged is not None and (best is None or self.scores[merged] > self.scores[best]):
                    best, at = merged, i
            if best is None:
                break
            ids[at:at + 2] = [best]
        if eos:
            ids.append(EOS)
        return ids
        ### END SOLUTION

    def token_bytes(self, prev: int | None, token: int) -> bytes:
        """The bytes ``token`` stands for when it follows ``prev`` (None at the start)."""
        ### BEGIN SOLUTION
        if token in (UNK, BOS, EOS):
            return b""
        piece = self.pieces[token]
        m = _BYTE_PIECE.fullmatch(piece)
        if m:
            return bytes([int(m.group(1), 16)])
        if prev == BOS and piece.startswith(b" "):
            return piece[1:]
        return piece
        ### END SOLUTION

    def decode_bytes(self, ids) -> bytes:
        """The bytes of ``ids``: :meth:`token_bytes` of each, given the one before it."""
        ids = [int(i) for i in ids]
        return b"".join(self.token_bytes(prev, tok) for prev, tok in zip([None] + ids, ids))

    def decode(self, ids) -> str:
        """The text of ``ids`` (invalid UTF-8 becomes ``�``)."""
        return self.decode_bytes(ids).decode("utf-8", errors="replace")
