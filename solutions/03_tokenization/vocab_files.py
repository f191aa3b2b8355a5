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
    ### BEGIN SOLUTION
    printable = [*range(33, 127), *range(161, 173), *range(174, 256)]
    table, moved = {}, 0
    for b in range(256):
        if b in printable:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + moved)
            moved += 1
    return table
    ### END SOLUTION


@functools.cache
def alphabet() -> tuple[dict[int, str], dict[str, int]]:
    """``bytes_to_unicode()`` and its inverse (character -> byte), computed once."""
    table = bytes_to_unicode()
    return table, {ch: b for b, ch in table.items()}


def token_to_str(token: bytes) -> str:
    """The vocab.json spelling of ``token``: a special token's own text, else one character per byte."""
    ### BEGIN SOLUTION
    try:
        if SPECIAL.fullmatch(token.decode("utf-8")):
            return token.decode("utf-8")
    except UnicodeDecodeError:
        pass
    table, _ = alphabet()
    return "".join(table[b] for b in token)
    ### END SOLUTION


def str_to_token(text: str) -> bytes | None:
    """The bytes that the vocab.json spelling ``text`` stands for; None if a character is outside the alphabet.

    A special token (``<|...|>``, see SPECIAL) stands for its UTF-8 bytes.
    """
    ### BEGIN SOLUTION
    if SPECIAL.fullmatch(text):
        return text.encode("utf-8")
    _, inverse = alphabet()
    try:
        return bytes(inverse[ch] for ch in text)
    except KeyError:
        return None
    ### END SOLUTION


def save_vocab(vocab: dict[int, bytes], merges: list[tuple[bytes, bytes]],
               vocab_path: str | os.PathLike, merges_path: str | os.PathLike) -> None:
    """Write ``vocab`` (id -> bytes) as vocab.json and ``merges`` as merges.txt, each atomically.

    vocab.json lists the tokens by id; merges.txt starts with ``#version: 0.2``.
    """
    # token_to_str gives each token's spelling; json.dumps(..., ensure_ascii=False) keeps it readable.
    ### BEGIN SOLUTION
    table = {token_to_str(token): i for i, token in sorted(vocab.items())}
    lines = ["#version: 0.2"] + [f"{token_to_str(a)} {token_to_str(b)}" for a, b in merges]
    write_atomic(Path(vocab_path), json.dumps(table, ensure_ascii=False, indent=0) + "\n")
    write_atomic(Path(merges_path), "\n".join(lines) + "\n")
    ### END SOLUTION


def load_vocab(vocab_path: str | os.PathLike, merges_path: str | os.PathLike) -> tuple[dict[int, bytes], list[tuple[bytes, bytes]]]:
    """Read vocab.json and merges.txt: ``(vocab, merges)`` with ``vocab`` id -> bytes, ``merges`` in rank order.

    The ``#version`` line and a final newline are optional. Anything else wrong raises
    VocabError naming the file and the key or line: a file that is not UTF-8 text, bad JSON, not
    an object, an id that is not an int >= 0, two tokens with one id, ids that are not exactly
    ``0 .. N-1`` (the first missing id named), an empty token, a character outside the byte
    alphabet, a merges line that is not two tokens, a merge whose parts or result are not in the
    vocabulary, a token longer than one byte that is neither special nor made by a merge.
    """
    ### BEGIN SOLUTION
    vocab_path, merges_path = Path(vocab_path), Path(merges_path)
    for path in (vocab_path, merges_path):
        if not path.is_file():
            raise VocabError(f"{path}: no such file")
    try:
        table = json.loads(vocab_path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise VocabError(f"{vocab_path}: not UTF-8 text ({exc})") from None
    except json.JSONDecodeError as exc:
        raise VocabError(f"{vocab_path}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    if not isinstance(table, dict):
        raise VocabError(f"{vocab_path}: expected a JSON object {{token: id}}, got a {type(table).__name__}")

    vocab: dict[int, bytes] = {}
    spelling: dict[int, str] = {}
    for text, i in table.items():
        if not isinstance(i, int) or isinstance(i, bool) or i < 0:
            raise VocabError(f"{vocab_path}: token {text!r} has id {i!r}; ids must be integers >= 0")
        if i in vocab:
            raise VocabError(f"{vocab_path}: tokens {spelling[i]!r} and {text!r} both have id {i}")
        if text == "":
            raise VocabError(f"{vocab_path}: the empty string has id {i}; a token is at least one byte")
        token = str_to_token(text)
        if token is None:
            bad = next(ch for ch in text if ch not in alphabet()[1])
            raise VocabError(f"{vocab_path}: token {text!r} holds {bad!r} (U+{ord(bad):04X}), which is not in the byte alphabet")
        vocab[i], spelling[i] = token, text

    if len(vocab) and max(vocab) != len(vocab) - 1:
        missing = next(k for k in range(len(vocab)) if k not in vocab)
        raise VocabError(f"{vocab_path}: {len(vocab)} tokens, but no token has id {missing}; ids must be 0 .. "
                         f"{len(vocab) - 1} without gaps")
    known = set(vocab.values())
    merges: list[tuple[bytes, bytes]] = []
    try:
        lines = merges_path.read_text(encoding="utf-8").split("\n")
    except UnicodeDecodeError as exc:
        raise VocabError(f"{merges_path}: not UTF-8 text ({exc})") from None
    for n, line in enumerate(lines, 1):
        line = line.rstrip("\r")
        if not line or (n == 1 and line.startswith("#version")):
            continue
        parts = line.split(" ")
        if len(parts) != 2 or not all(parts):
            raise VocabError(f"{merges_path}, line {n}: expected two tokens separated by one space, got {line!r}")
        a, b = (str_to_token(p) for p in parts)
        if a is None or b is None:
            raise VocabError(f"{merges_path}, line {n}: {line!r} holds a character outside the byte alphabet")
        for what, token in (("first part", a), ("second part", b), ("result", a + b)):
            if token not in known:
                raise VocabError(f"{merges_path}, line {n}: the merge {line!r} has its {what} {token!r} missing from {vocab_path.name}")
        merges.append((a, b))
    # A BPE vocabulary is its bytes, its special tokens and one token per merge: a longer token that
    # no merge makes means the two files come from different runs (a save cut short leaves such a pair).
    made = {a + b for a, b in merges}
    for i, token in sorted(vocab.items()):
        if len(token) > 1 and token not in made and not SPECIAL.fullmatch(spelling[i]):
            raise VocabError(f"{vocab_path}: token {spelling[i]!r} (id {i}) is made by no merge of {merges_path.name}: "
                             f"the two files do not belong together")
    return vocab, merges
    ### END SOLUTION
