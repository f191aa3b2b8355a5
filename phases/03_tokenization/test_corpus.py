"""Grader for corpus.py: token files of little-endian uint16 ids, written in bounded memory and atomically,
and read back as a memory map.

encode_file is given stand-in tokenizers here (tiktoken's GPT-2, a character code, one that fails
midway), so these tasks do not depend on your bpe.py.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from common import load, under_test
from common.stand_ins import code_ids
from common.checks import assert_equal, calling, expect_raises, require
from grader import task


def corpus():
    return load(3, "corpus")


def stand_ins():
    """The stand-in tokenizers and the memory measurement, where the code under test runs (``common/stand_ins.py``)."""
    return under_test("common.stand_ins")


def tiktoken_tokenizer(oracle):
    return stand_ins().TiktokenTokenizer(oracle.gpt2_paths()[0])


def read_ids(path) -> np.ndarray:
    raw = path.read_bytes()
    require(len(raw) % 2 == 0, f"{path.name} has {len(raw)} bytes, an odd number: uint16 ids take 2 bytes each")
    return np.frombuffer(raw, dtype="<u2")


@task(points=2, timeout=90, needs=("bpe_encode_iterable",))
def test_corpus_encode_file(oracle, tmp_path):
    """encode_file writes each id as 2 little-endian bytes, returns the count, keeps \\r\\n, and streams in bounded memory."""
    C = corpus()
    src, dst = tmp_path / "stories.txt", tmp_path / "stories.bin"
    text = oracle.tinystories("valid", 100_000) + "Windows line ends\r\nand é 日本 🤖<|endoftext|>\r\n"
    src.write_bytes(text.encode("utf-8"))
    what = "encode_file(GPT-2 via tiktoken, 100 KB of TinyStories, dst)"
    with calling(what):
        n = C.encode_file(tiktoken_tokenizer(oracle), src, dst)
    expected = np.asarray(oracle.gpt2_ids(text), dtype="<u2")
    require(dst.is_file(), f"{what} did not create dst")
    got = read_ids(dst)
    if not np.array_equal(got, expected):
        k = int(np.argmax(got[: len(expected)] != expected[: len(got)])) if min(len(got), len(expected)) else 0
        raise AssertionError(
            f"{what}: the file holds {len(got)} ids, expected {len(expected)}; first difference at id #{k}: "
            f"expected {expected[k:k + 4].tolist() if k < len(expected) else []}, got {got[k:k + 4].tolist() if k < len(got) else []}"
            "\nHint: each id is 2 bytes, little-endian: np.asarray(ids, dtype='<u2').tobytes(); open the source with newline='' so that '\\r\\n' "
            "reaches the tokenizer unchanged")
    assert_equal(n, len(expected), what=f"the value returned by {what}", hint="return the number of ids written")

    with calling(f"{what} with progress=True"):
        C.encode_file(tiktoken_tokenizer(oracle), src, dst, progress=True)
    require(np.array_equal(read_ids(dst), expected), f"{what} with progress=True wrote other ids than without it")

    # 3 MB through a tokenizer whose ids use all 16 bits; memory must not grow with the file.
    line = "The quick brown fox jumps over the lazy dog; ünïcödé ✓ 日本 🤖.\r\n"
    big = line * (3_000_000 // len(line))
    src.write_text(big, encoding="utf-8", newline="")
    what = f"encode_file(a tokenizer with ids up to 65,535, a {len(big.encode()) / 1e6:.1f} MB file, dst)"
    S = stand_ins()
    with calling(what):
        n, peak = S.traced(C.encode_file, S.CodeTokenizer(), src, dst)
    expected = code_ids(big)
    got = read_ids(dst)
    if not np.array_equal(got, expected):
        k = int(np.argmax(got[: len(expected)] != expected[: len(got)])) if min(len(got), len(expected)) else 0
        raise AssertionError(f"{what}: the file holds {len(got)} ids, expected {len(expected)}; first difference at id "
                             f"#{k}: expected {expected[k:k + 4].tolist()}, got {got[k:k + 4].tolist()}"
                             "\nHint: ids above 255 take both bytes, low byte first (dtype '<u2')")
    assert_equal(n, len(expected), what=f"the value returned by {what}")
    require(peak < 8_000_000, f"{what} used {peak / 1e6:.1f} MB of memory at its peak for {len(expected) / 1e6:.1f} M ids: "
            f"it should not grow with the file (the limit here is 8 MB; the text alone, read whole, takes {4 * len(big) / 1e6:.0f} MB)",
            hint="read the source in pieces (f.read(65536) in a loop), pass them to encode_iterable, and write the ids "
                 "in blocks of, say, 2**16 as they come instead of gathering them all (a Python list of ids takes 8 bytes per id)")


@task(points=1, timeout=30, needs=("corpus_encode_file",))
def test_corpus_encode_file_atomic(tmp_path):
    """encode_file refuses vocabularies over 65,536 ids, and leaves no partial file when the tokenizer fails."""
    C = corpus()
    src, dst = tmp_path / "text.txt", tmp_path / "tokens.bin"
    src.write_text("hello world\n" * 50_000, encoding="utf-8")
    what = "encode_file(a tokenizer with vocab_size 65,537, src, dst)"
    with expect_raises(ValueError, what, hint="check tokenizer.vocab_size > 65536 before writing anything: ids would not fit in uint16"):
        C.encode_file(stand_ins().HugeTokenizer(), src, dst)
    require(not dst.exists(), f"{what} created dst, though it raised ValueError")

    dst.write_bytes(b"\x01\x00\x02\x00")  # an old token file
    what = "encode_file(a tokenizer that raises RuntimeError after 300,000 ids, src, dst) over an existing dst"
    raised = None
    try:
        C.encode_file(stand_ins().FailingTokenizer(300_000), src, dst)
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001 - any error is fine; the files are what count
        raised = exc
    require(raised is not None, f"{what} returned normally", hint="let the tokenizer's error propagate")
    require(dst.exists(), f"{what} deleted the old dst",
            hint="write to a temporary file in dst's folder (never to dst itself) and os.replace it onto dst only when "
                 "everything was written; on failure remove only the temporary file")
    require(dst.read_bytes() == b"\x01\x00\x02\x00", f"{what} overwrote dst: after the failure it holds {dst.stat().st_size} bytes",
            hint="write to a temporary file in dst's folder and os.replace it onto dst only when everything was written")
    left = sorted(p.name for p in tmp_path.iterdir() if p not in (src, dst))
    require(not left, f"{what} left {left} behind", hint="remove the temporary file when anything fails (try/except BaseException)")


@task(points=1, timeout=20)
def test_corpus_load_tokens(tmp_path):
    """load_tokens maps a token file as uint16 (np.memmap) and refuses a file of odd size, a device, a pipe and a folder, naming it."""
    C = corpus()
    ids = np.array([0, 1, 255, 256, 50256, 65535], dtype="<u2")
    path = tmp_path / "ids.bin"
    path.write_bytes(ids.tobytes())
    with calling("load_tokens(a file of 6 ids)"):
        got = C.load_tokens(path)
    require(isinstance(got, np.memmap), f"load_tokens should return an np.memmap (the file is mapped, not read), got {type(got).__name__}",
            hint="np.memmap(path, dtype='<u2', mode='r')")
    assert_equal(got.dtype, np.dtype("<u2"), what="load_tokens(...).dtype", hint="the ids are little-endian uint16")
    assert_equal(np.asarray(got).tolist(), ids.tolist(), what="load_tokens(a file of [0, 1, 255, 256, 50256, 65535])")
    require(not got.flags.writeable, "load_tokens(...) returned a writable map: `ids[0] = 7` would change the token file "
            "on disk", hint="map it read-only: np.memmap(path, dtype='<u2', mode='r')")

    odd = tmp_path / "odd.bin"
    odd.write_bytes(ids.tobytes() + b"\x07")
    with expect_raises(ValueError, "load_tokens(a file of 13 bytes)", hint="check the size is even before mapping") as caught:
        C.load_tokens(odd)
    require("odd.bin" in str(caught[0]), f"the ValueError says {str(caught[0])!r}; it should name the file, odd.bin",
            hint="check os.path.getsize(path) % 2 yourself before mapping, and raise ValueError(f\"{path}: ...\")")

    fifo = tmp_path / "pipe.bin"
    os.mkfifo(fifo)
    for other, label in ((Path("/dev/zero"), "/dev/zero, a device"), (fifo, "a named pipe"), (tmp_path, "a folder")):
        if not other.exists():
            continue
        with expect_raises(ValueError, f"load_tokens({label})",
                           hint="only a regular file holds token ids: check stat.S_ISREG(os.stat(path).st_mode) "
                                "first (a pipe has no size, and reading it waits for a writer)") as caught:
            C.load_tokens(other)
        require(other.name in str(caught[0]), f"the ValueError says {str(caught[0])!r}; it should name {other}")

    empty = tmp_path / "empty.bin"
    empty.write_bytes(b"")
    with calling("load_tokens(an empty file)", hint="np.memmap cannot map 0 bytes: return np.zeros(0, dtype='<u2')"):
        got = C.load_tokens(empty)
    assert_equal(len(got), 0, what="len(load_tokens(an empty file))")
