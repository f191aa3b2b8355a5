"""Grader for stream.py: Utf8Stream against Python's own UTF-8 decoder. The text printed so far,
after every push and at the end, must be what decoding all bytes received gives; every complete
character must come out as soon as its last byte arrives; invalid bytes become U+FFFD in the
same places.
"""

from __future__ import annotations

import numpy as np

from common.checks import assert_equal, calling, require
from grader import task

# Thai starts every character with the byte E0, the lowest first byte of a 3-byte character.
TEXTS = ["héllo wörld", "naïve café ☕ 😀!", "日本語のテキスト", "ภาษาไทย", "a\u00a0b\u200bc", "plain ASCII only"]
BROKEN = [b"ab\xffcd", b"\xe2\x82", b"x\xc3", b"\xf0\x9f\x98", b"\x80\x80abc", b"\xe2\x28\xa1", b"\xc3\xa9\xa9",
          b"\xf8\x88\x80\x80\x80z", b"\xed\xa0\x80!"]


def stream_module(kit):
    return kit.p7("stream")


def feed(S, chunks, what):
    """Push ``chunks`` one by one; returns the outputs of every push and of the final flush."""
    with calling(what):
        s = S.Utf8Stream()
        outs = [s.push(c) for c in chunks]
        outs.append(s.flush())
    for o in outs:
        require(isinstance(o, str), f"{what}: push and flush must return str, got {type(o).__name__}")
    return outs


@task(points=2, timeout=30)
def test_utf8_stream(kit):
    """Utf8Stream prints exactly the decoded bytes, never half a character, and each character as soon as it is complete."""
    S = stream_module(kit)
    for text in TEXTS:
        data = text.encode("utf-8")
        for size in (1, 2, 3, 5):
            chunks = [data[i:i + size] for i in range(0, len(data), size)]
            what = f"Utf8Stream fed {text!r} in chunks of {size} bytes"
            outs = feed(S, chunks, what)
            assert_equal("".join(outs), text, what=f"{what}: everything printed", hint=split_hint(text, "".join(outs)))
            got = ""
            received = b""
            for c, o in zip(chunks, outs):
                got += o
                received += c
                complete = received.decode("utf-8", errors="ignore") if _ends_clean(received) else None
                if complete is not None:
                    assert_equal(got, complete, what=f"{what}: the text printed once {len(received)} bytes are in",
                                 hint="print every complete character as soon as its last byte arrives; hold back "
                                      "only an unfinished one at the end")
    for data in BROKEN:
        for size in (1, 2, len(data)):
            chunks = [data[i:i + size] for i in range(0, len(data), size)]
            what = f"Utf8Stream fed {data!r} in chunks of {size} bytes"
            outs = feed(S, chunks, what)
            assert_equal("".join(outs), data.decode("utf-8", errors="replace"), what=f"{what}: everything printed",
                         hint="bytes that can never become a character print as U+FFFD exactly where "
                              "bytes.decode('utf-8', errors='replace') puts it: split only before the first byte of an "
                              "unfinished character, and flush() decodes what is left the same way")
    g = np.random.default_rng(75)
    pool = "".join(TEXTS).encode("utf-8") + bytes(range(0x80, 0x100))
    for trial in range(200):
        data = bytes(g.choice(np.frombuffer(pool, dtype=np.uint8), g.integers(1, 24)))
        cuts = sorted(set(g.integers(0, len(data) + 1, g.integers(0, 6)).tolist()) | {0, len(data)})
        chunks = [data[a:b] for a, b in zip(cuts[:-1], cuts[1:])]
        what = f"Utf8Stream fed {chunks!r}"
        assert_equal("".join(feed(S, chunks, what)), data.decode("utf-8", errors="replace"),
                     what=f"{what}: everything printed")


LEAD = {2: "110xxxxx", 3: "1110xxxx", 4: "11110xxx"}


def split_hint(text: str, printed: str) -> str:
    """Name the first character of ``text`` that ``printed`` got wrong, with its length and first byte."""
    rule = ("a character split between two pushes must come out whole, never as U+FFFD: keep its first bytes until "
            "the rest arrives (its first byte says how many bytes it has)")
    i = next((j for j, (a, b) in enumerate(zip(text, printed)) if a != b), min(len(text), len(printed)))
    if i >= len(text) or len(text[i].encode("utf-8")) == 1:
        return rule
    data = text[i].encode("utf-8")
    came = "U+FFFD" if printed[i:i + 1] == "\ufffd" else repr(printed[i:i + 1])
    return (f"the {len(data)}-byte character {text[i]!r} ({data.hex(' ').upper()}, first byte {LEAD[len(data)]}) "
            f"came out as {came} when its bytes came in separate pushes: {rule}")


def _ends_clean(data: bytes) -> bool:
    """Whether ``data`` is valid UTF-8 that ends at a character boundary."""
    try:
        data.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False
