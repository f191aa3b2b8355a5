"""Two baseline tokenizers: one id per character, and one id per word or punctuation mark.

Both show the trade-off BPE resolves. Characters cover any text of their alphabet but make
long sequences; words make short sequences but need a huge vocabulary, and every word not
in it collapses into one ``<unk>`` id, lost for good.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

# A word is a run of word characters; a punctuation mark is one character that is neither
# a word character nor whitespace. Whitespace is dropped.
WORD_PATTERN = re.compile(r"\w+|[^\w\s]")
PUNCTUATION = re.compile(r"[^\w\s]")
UNK = "<unk>"


class CharTokenizer:
    """One id per character: the vocabulary is the sorted distinct characters, id = position."""

    def __init__(self, chars: Iterable[str]):
        # self.chars (the sorted distinct characters) and self.index (character -> id).
        # YOUR CODE HERE
        raise NotImplementedError("CharTokenizer.__init__: not written yet; see its docstring and the handout")

    @classmethod
    def from_text(cls, text: str) -> CharTokenizer:
        """The tokenizer whose vocabulary is every character that occurs in ``text``."""
        return cls(text)

    @property
    def vocab_size(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> list[int]:
        """One id per character; a character not in the vocabulary raises ValueError naming it
        and its code point, e.g. ``'é' (U+00E9)``.
        """
        # YOUR CODE HERE
        raise NotImplementedError("CharTokenizer.encode: not written yet; see its docstring and the handout")

    def decode(self, ids: Iterable[int]) -> str:
        """The characters of ``ids``, joined."""
        # YOUR CODE HERE
        raise NotImplementedError("CharTokenizer.decode: not written yet; see its docstring and the handout")


class WordTokenizer:
    """One id per word or punctuation mark (WORD_PATTERN); id 0 is ``<unk>`` for everything else.

    ``vocab`` lists the tokens by id, ``vocab[0] == "<unk>"``.
    """

    def __init__(self, vocab: list[str]):
        if not vocab or vocab[0] != UNK:
            raise ValueError(f"vocab[0] must be {UNK!r}")
        self.vocab = list(vocab)
        self.index = {word: i for i, word in enumerate(self.vocab)}

    @classmethod
    def from_text(cls, text: str, max_vocab: int | None = None) -> WordTokenizer:
        """The vocabulary of ``text``: ``<unk>``, then its tokens by falling count, ties in
        alphabetical order, cut to ``max_vocab`` entries (``<unk>`` included) when given.
        """
        # YOUR CODE HERE
        raise NotImplementedError("WordTokenizer.from_text: not written yet; see its docstring and the handout")

    @property
    def vocab_size(self) -> int:
        return len(self.vocab)

    def encode(self, text: str) -> list[int]:
        """The id of every word and punctuation mark of ``text``; 0 (``<unk>``) for unknown ones."""
        # YOUR CODE HERE
        raise NotImplementedError("WordTokenizer.encode: not written yet; see its docstring and the handout")

    def decode(self, ids: Iterable[int]) -> str:
        """The tokens joined by single spaces, with no space before a punctuation mark.

        Lossy: ``decode(encode("Hi ,  you!\\n"))`` is ``"Hi, you!"``, and unknown words are ``<unk>``.
        """
        # YOUR CODE HERE
        raise NotImplementedError("WordTokenizer.decode: not written yet; see its docstring and the handout")
