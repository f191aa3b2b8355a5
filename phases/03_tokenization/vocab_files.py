"""GPT-2's vocabulary files: ``vocab.json`` and ``merges.txt``.

Tokens are bytes, but JSON and text files hold characters, and many bytes (controls, the
space, bytes 128..255 that are only pieces of UTF-8 characters) print badly or not at all.
GPT-2 therefore writes each byte as one printable character (bytes_to_unicode): printable
Latin-1 bytes stand for themselves ("a" is "a"), the 68 others are moved to U+0100 and up
(the space, byte 32, becomes "Ġ"; the newline "Ċ"). A token is the string of its bytes'
characters: b" the" is "Ġthe".

- ``vocab.json``: one JSON object, token string -> id. Special tokens (``<|endoftext|>``)
  are written as their own text.
- ``merges.txt``: an optional first line ``#version: 0.2``, then one merge per line, the two
  token strings separated by one space, in rank order (the first line was learned first).
"""

from __future__ import annotations

import functools
import json
import os
import re
from pathlib import Path

from common.files import write_atomic

# A special token as written in vocab.json: "<|" ... "|>" with no whitespace inside.
SPECIAL = re.compile(r"<\|[^\s|]+\|>")


class VocabError(ValueError):
    """A vocab.json or merges.txt that cannot be read; the message names file and line or key."""


def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's printable character for each of the 256 bytes.

    Bytes in ``!``..``~`` (33..126), ``¡``..``¬`` (161..172) and ``®``..``ÿ`` (174..255) map to
    the character with the same code point. The other 68 bytes, in increasing order, map to
    ``chr(256)``, ``chr(257)``, ...: byte 0 is ``Ā``, byte 32 (space) is ``Ġ``.
    """
    # YOUR CODE HERE
    raise NotImplementedError("bytes_to_unicode: not written yet; see its docstring and the handout")


@functools.cache
def alphabet() -> tuple[dict[int, str], dict[str, int]]:
    """``bytes_to_unicode()`` and its inverse (character -> byte), computed once."""
    table = bytes_to_unicode()
    return table, {ch: b for b, ch in table.items()}


def token_to_str(token: bytes) -> str:
    """The vocab.json spelling of ``token``: a special token's own text, else one character per byte."""
    # YOUR CODE HERE
    raise NotImplementedError("token_to_str: not written yet; see its docstring and the handout")


def str_to_token(text: str) -> bytes | None:
    """The bytes that the vocab.json spelling ``text`` stands for; None if a character is outside the alphabet.

    A special token (``<|...|>``, see SPECIAL) stands for its UTF-8 bytes.
    """
    # YOUR CODE HERE
    raise NotImplementedError("str_to_token: not written yet; see its docstring and the handout")


def save_vocab(vocab: dict[int, bytes], merges: list[tuple[bytes, bytes]],
               vocab_path: str | os.PathLike, merges_path: str | os.PathLike) -> None:
    """Write ``vocab`` (id -> bytes) as vocab.json and ``merges`` as merges.txt, each atomically.

    vocab.json lists the tokens by id; merges.txt starts with ``#version: 0.2``.
    """
    # token_to_str gives each token's spelling; json.dumps(..., ensure_ascii=False) keeps it readable.
    # YOUR CODE HERE
    raise NotImplementedError("save_vocab: not written yet; see its docstring and the handout")


def load_vocab(vocab_path: str | os.PathLike, merges_path: str | os.PathLike) -> tuple[dict[int, bytes], list[tuple[bytes, bytes]]]:
    """Read vocab.json and merges.txt: ``(vocab, merges)`` with ``vocab`` id -> bytes, ``merges`` in rank order.

    The ``#version`` line and a final newline are optional. Anything else wrong raises
    VocabError naming the file and the key or line: a file that is not UTF-8 text, bad JSON, not
    an object, an id that is not an int >= 0, two tokens with one id, ids that are not exactly
    ``0 .. N-1`` (the first missing id named), an empty token, a character outside the byte
    alphabet, a merges line that is not two tokens, a merge whose parts or result are not in the
    vocabulary, a token longer than one byte that is neither special nor made by a merge.
    """
    # YOUR CODE HERE
    raise NotImplementedError("load_vocab: not written yet; see its docstring and the handout")
