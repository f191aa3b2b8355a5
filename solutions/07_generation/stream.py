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
    ### BEGIN SOLUTION
    if first < 0x80:
        return 1
    if first < 0xC0:
        return 0
    if first < 0xE0:
        return 2
    if first < 0xF0:
        return 3
    return 4 if first < 0xF8 else 0
    ### END SOLUTION


def complete_prefix(data: bytes) -> int:
    """How many bytes of ``data`` can be decoded now: all of it, unless it ends with the start of
    a character whose last byte has not arrived yet. Then the length up to that character."""
    # Walk back over at most 3 continuation bytes to the byte that starts the last character.
    ### BEGIN SOLUTION
    i = len(data) - 1
    while i >= 0 and len(data) - i <= 4 and 0x80 <= data[i] < 0xC0:
        i -= 1
    if i < 0 or len(data) - i > 4:
        return len(data)
    need = sequence_length(data[i])
    return i if need > len(data) - i else len(data)
    ### END SOLUTION


class Utf8Stream:
    """``push(data)`` takes the next bytes and returns the text that is complete; ``flush()``
    returns what is left (an unfinished character becomes ``�``) and empties the stream."""

    def __init__(self):
        self.pending = b""

    def push(self, data: bytes) -> str:
        ### BEGIN SOLUTION
        data = self.pending + bytes(data)
        cut = complete_prefix(data)
        self.pending = data[cut:]
        return data[:cut].decode("utf-8", errors="replace")
        ### END SOLUTION

    def flush(self) -> str:
        ### BEGIN SOLUTION
        text, self.pending = self.pending.decode("utf-8", errors="replace"), b""
        return text
        ### END SOLUTION
