"""Print a story as it is generated, without ever printing half a character.

A token is a run of *bytes*, and a byte-level BPE token can end in the middle of a UTF-8
character: ``é`` is the two bytes ``C3 A9``, and ``C3`` may come in one token, ``A9`` in the
next. Decoding each token on its own would print ``�`` twice. A stream therefore holds back
an *incomplete* character at the end of what it has received, until its last byte arrives.

UTF-8 in one table: the first byte of a character says how many bytes it has::

    0xxxxxxx  1 (ASCII)      110xxxxx  2      1110xxxx  3      11110xxx  4
    10xxxxxx  a continuation byte, never the first

What the stream prints, all together, is exactly ``data.decode("utf-8", errors="replace")``
of all the bytes received: invalid bytes still become ``�``, in the same places.
"""

from __future__ import annotations


def sequence_length(first: int) -> int:
    """The length in bytes of the UTF-8 character that starts with byte ``first`` (0..255):
    1, 2, 3 or 4; 0 for a continuation byte or a byte no character starts with (``F8``..``FF``)."""
    # YOUR CODE HERE
    raise NotImplementedError("sequence_length: not written yet; see its docstring and the handout")


def complete_prefix(data: bytes) -> int:
    """How many bytes of ``data`` can be decoded now: all of it, unless it ends with the start of
    a character whose last byte has not arrived yet. Then the length up to that character."""
    # Walk back over at most 3 continuation bytes to the byte that starts the last character.
    # YOUR CODE HERE
    raise NotImplementedError("complete_prefix: not written yet; see its docstring and the handout")


class Utf8Stream:
    """``push(data)`` takes the next bytes and returns the text that is complete; ``flush()``
    returns what is left (an unfinished character becomes ``�``) and empties the stream."""

    def __init__(self):
        self.pending = b""

    def push(self, data: bytes) -> str:
        # YOUR CODE HERE
        raise NotImplementedError("Utf8Stream.push: not written yet; see its docstring and the handout")

    def flush(self) -> str:
        # YOUR CODE HERE
        raise NotImplementedError("Utf8Stream.flush: not written yet; see its docstring and the handout")
