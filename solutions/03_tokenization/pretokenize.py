"""Pre-tokenization: cut text into word-like pieces before any merging, GPT-2's way.

BPE never merges across a pre-token boundary, so " dog" and "dog!" can share the token
" dog" but no token ever holds "g!". GPT-2 cuts text with one regular expression: common
English contractions, a run of letters, a run of digits, a run of other symbols (each of
these may take one leading space), and whitespace. Special tokens such as ``<|endoftext|>``
are cut out first and are never pre-tokenized at all.

It needs the ``regex`` module (``\\p{L}`` is "any letter" in any script), not ``re``.
"""

from __future__ import annotations

import multiprocessing
from collections import Counter
from collections.abc import Iterable

import regex

# GPT-2's pattern, alternative by alternative (the first one that matches wins):
#   's 't 're 've 'm 'll 'd      English contractions, lowercase only, apostrophe U+0027
#    ?\p{L}+                     a run of letters, with at most one space before it
#    ?\p{N}+                     a run of digits (any script), same
#    ?[^\s\p{L}\p{N}]+           a run of anything else (punctuation, emoji), same
#   \s+(?!\S)                    whitespace, leaving the last space for the word after it
#   \s+                          whitespace at the end of the text
GPT2_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
ENDOFTEXT = "<|endoftext|>"

_GPT2 = regex.compile(GPT2_PATTERN)


def split_on_special(text: str, special_tokens: Iterable[str]) -> list[str]:
    """Cut ``text`` around every occurrence of a special token; each one is a piece of its own.

    ``split_on_special("a<|endoftext|>b", ["<|endoftext|>"]) == ["a", "<|endoftext|>", "b"]``.
    Where two specials could match at one place, the longer wins. Empty pieces are dropped;
    with no special tokens the result is ``[text]`` (``[]`` for an empty text).
    """
    # One alternation of the escaped specials, longest first; regex.split keeps captured groups.
    ### BEGIN SOLUTION
    specials = sorted(set(special_tokens), key=len, reverse=True)
    if not specials:
        return [text] if text else []
    pattern = "(" + "|".join(regex.escape(s) for s in specials) + ")"
    return [piece for piece in regex.split(pattern, text) if piece]
    ### END SOLUTION


def pretokenize(text: str) -> list[str]:
    """GPT-2's pre-tokens of ``text`` (no special-token handling): every match of GPT2_PATTERN."""
    ### BEGIN SOLUTION
    return _GPT2.findall(text)
    ### END SOLUTION


def count_pieces(pieces: list[str]) -> Counter:
    """Counts of the pre-token strings of every piece of text in ``pieces`` (no specials in them)."""
    ### BEGIN SOLUTION
    counts: Counter = Counter()
    for piece in pieces:
        counts.update(_GPT2.findall(piece))
    return counts
    ### END SOLUTION


def count_pretokens(text: str, special_tokens: Iterable[str] = (), num_workers: int = 1) -> dict[bytes, int]:
    """How often each pre-token occurs in ``text``, keyed by its UTF-8 bytes.

    Special tokens split the text and are not counted; nothing is counted across them.
    With ``num_workers > 1`` the pieces between special tokens are dealt out, in order, into
    that many groups of similar length, counted in as many processes started with "fork",
    and the counts added up: the result equals the serial one.
    """
    # Count str pre-tokens (cheap), encode each distinct one to bytes once at the end.
    ### BEGIN SOLUTION
    specials = set(special_tokens)
    pieces = [p for p in split_on_special(text, specials) if p not in specials]
    groups: list[list[str]] = [pieces]
    if num_workers > 1 and len(pieces) > 1 and "fork" in multiprocessing.get_all_start_methods():
        target, size, groups = len(text) / num_workers + 1, 0, [[]]
        for piece in pieces:
            if size >= target * len(groups):
                groups.append([])
            groups[-1].append(piece)
            size += len(piece)
    if len(groups) > 1:
        with multiprocessing.get_context("fork").Pool(len(groups)) as pool:
            parts = pool.map(count_pieces, groups)
        counts = parts[0]
        for part in parts[1:]:
            counts.update(part)
    else:
        counts = count_pieces(pieces)
    return {word.encode("utf-8"): n for word, n in counts.items()}
    ### END SOLUTION
