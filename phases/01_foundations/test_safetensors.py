"""Grader for io.py: round trips, files shared with Hugging Face's safetensors library both
ways, corrupt files rejected with SafetensorsError, and saves that are atomic.

Corrupt files are written byte by byte here (length prefix, JSON header, data), so each
one breaks exactly one rule of the layout.
"""

from __future__ import annotations

import json
import pathlib
import struct

import numpy as np
import pytest
from safetensors import safe_open
from safetensors.numpy import load_file, save_file

from common import load, under_test
from common.checks import assert_equal, calling, expect_raises, require
from grader import task

ALL_DTYPES = {
    "F64": np.float64, "F32": np.float32, "F16": np.float16,
    "I64": np.int64, "I32": np.int32, "I16": np.int16, "I8": np.int8,
    "U64": np.uint64, "U32": np.uint32, "U16": np.uint16, "U8": np.uint8, "BOOL": np.bool_,
}


def io_module():
    return load(1, "io")


def typed(dtype, shape, seed: int = 0) -> np.ndarray:
    """A small array of ``dtype`` whose values use its whole range (negative, large, fractional)."""
    rng = np.random.default_rng(seed)
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return rng.random(shape) < 0.5
    if dtype.kind == "f":
        return (rng.normal(size=shape) * 100).astype(dtype)
    info = np.iinfo(dtype)
    return rng.integers(info.min, info.max, size=shape, dtype=dtype, endpoint=True)


def describe(tensors: dict) -> str:
    return "{" + ", ".join(f"{k!r}: {np.asarray(v).dtype.str}{np.shape(v)}" for k, v in tensors.items()) + "}"


def check_tensors(got, expected: dict, what: str, hint: str | None = None) -> None:
    """Same names, and per name the same (little-endian) dtype, shape and values."""
    require(isinstance(got, dict), f"{what} should return a dict name -> array, got {type(got).__name__}")
    assert_equal(sorted(got), sorted(expected), what=f"the names {what} returned", hint=hint)
    for name, want in expected.items():
        want = np.asarray(want)
        arr = got[name]
        require(isinstance(arr, np.ndarray), f"{what}[{name!r}] should be a NumPy array, got {type(arr).__name__}", hint)
        assert_equal(arr.dtype, want.dtype.newbyteorder("<"), what=f"{what}[{name!r}].dtype", hint=hint)
        assert_equal(arr.shape, want.shape, what=f"{what}[{name!r}].shape",
                     hint=hint or "store the shape as a list (an empty list for a 0-d array) and reshape with it")
        assert_equal(arr, want, what=f"{what}[{name!r}] values", hint=hint or "store the bytes in C order, little-endian")


ROUND_TRIPS = {
    "all_dtypes": lambda: {name: typed(dt, (3, 4), seed=i) for i, (name, dt) in enumerate(ALL_DTYPES.items())},
    "zero_d_and_empty": lambda: {
        "scalar": np.array(3.25, dtype=np.float32),
        "flag": np.array(True),
        "empty": np.zeros((0, 3), dtype=np.float64),
        "empty3d": np.zeros((2, 0, 4), dtype=np.int8),
        "vector": np.arange(5, dtype=np.int64),
    },
    "non_contiguous": lambda: {
        "transposed": typed(np.float32, (4, 6)).T,
        "strided": typed(np.int16, (10,))[::3],
        "fortran": np.asfortranarray(typed(np.float64, (3, 5))),
    },
    "big_endian": lambda: {
        "f4": typed(np.float32, (2, 3)).astype(">f4"),
        "i8": typed(np.int64, (5,)).astype(">i8"),
        "u2": typed(np.uint16, (2, 2)).astype(">u2").T,
    },
    "empty_dict": lambda: {},
}


@pytest.mark.parametrize("case", list(ROUND_TRIPS))
@task(points=3, timeout=20, needs=("io_readable_by_safetensors", "io_reads_safetensors"))
def test_io_round_trip(case, tmp_path):
    """load(save(tensors)) gives back every dtype, 0-d, empty, transposed and big-endian arrays."""
    st = io_module()
    tensors = ROUND_TRIPS[case]()
    before = {k: v.copy() for k, v in tensors.items()}
    path = tmp_path / "weights.safetensors"
    what = f"save({describe(tensors)}, path)"
    with calling(what):
        st.save(tensors, path)
    for name, arr in tensors.items():
        assert_equal(arr, before[name], what=f"{what}: the caller's array {name!r} afterwards",
                     hint="convert a copy (np.asarray(a, dtype=..., order='C')); never byteswap the caller's array in place")
    with calling(f"load(path) after {what}"):
        got = st.load(path)
    check_tensors(got, tensors, f"load(path) after {what}")
    for name, arr in got.items():
        require(arr.flags.writeable, f"load(path)[{name!r}] is read-only; loaded arrays must be writable",
                hint="np.frombuffer over bytes is read-only: read into a bytearray (or .copy() each array)")
    metadata = {"step": "1200", "note": "tokens: 1.2M ✓"}
    with calling(f"save(tensors, path, metadata={metadata})"):
        st.save(tensors, path, metadata=metadata)
    with calling("load_metadata(path)"):
        assert_equal(st.load_metadata(path), metadata, what=f"load_metadata(path) after save(..., metadata={metadata})",
                     hint='store metadata in the header under "__metadata__"')
    with calling("load(path) of a file with metadata"):
        got = st.load(path)
    check_tensors(got, tensors, "load(path) of a file with metadata", hint='"__metadata__" is not a tensor: skip it in load')


@task(points=2, timeout=20)
def test_io_readable_by_safetensors(tmp_path):
    """Files written by save() open with the safetensors library, metadata included."""
    st = io_module()
    tensors = {name.lower(): typed(dt, (2, 3), seed=i) for i, (name, dt) in enumerate(ALL_DTYPES.items())}
    tensors["scalar"] = np.array(-1.5, dtype=np.float64)
    tensors["empty"] = np.zeros((0, 2), dtype=np.float32)
    tensors["transposed"] = typed(np.int32, (3, 5)).T
    metadata = {"format": "np", "step": "7"}
    path = tmp_path / "ours.safetensors"
    with calling(f"save({describe(tensors)}, path, metadata={metadata})"):
        st.save(tensors, path, metadata=metadata)

    raw = path.read_bytes()
    require(len(raw) >= 8, f"save wrote a file of {len(raw)} bytes; it must start with an 8-byte header length")
    (n,) = struct.unpack("<Q", raw[:8])
    require(8 + n <= len(raw), f"the file's first 8 bytes say the header has {n} bytes, but the file has only {len(raw)}",
            hint="write struct.pack('<Q', len(header_bytes)): unsigned 64-bit little-endian")
    require(n % 8 == 0, f"the header has {n} bytes; pad it with spaces to a multiple of 8 so the data starts aligned",
            hint="header += b' ' * (-len(header) % 8)")
    try:
        header = json.loads(raw[8 : 8 + n].decode("utf-8"))
    except ValueError as exc:
        raise AssertionError(f"the {n}-byte header written by save is not UTF-8 JSON: {exc}") from None
    require(isinstance(header, dict) and set(header) == set(tensors) | {"__metadata__"},
            f"the header's keys should be the tensor names plus '__metadata__', got {sorted(header) if isinstance(header, dict) else header!r:.200}")

    try:
        theirs = load_file(str(path))
        with safe_open(str(path), framework="np") as f:
            their_metadata = f.metadata()
    except Exception as exc:  # noqa: BLE001 - the library's complaint is the message
        raise AssertionError(
            f"safetensors.numpy.load_file could not read the file save() wrote: {type(exc).__name__}: {exc}"
        ) from None
    check_tensors(theirs, tensors, "safetensors.numpy.load_file(path)")
    assert_equal(their_metadata, metadata, what="safe_open(path).metadata() of the file save() wrote",
                 hint='metadata goes in the header as "__metadata__": {str: str}')


@task(points=2, timeout=20)
def test_io_reads_safetensors(tmp_path):
    """load() and load_metadata() read files written by the safetensors library, and unpadded headers."""
    st = io_module()
    tensors = {name.lower(): typed(dt, (3, 2), seed=i) for i, (name, dt) in enumerate(ALL_DTYPES.items())}
    tensors["scalar"] = np.array(7, dtype=np.int32)
    tensors["empty"] = np.zeros((4, 0), dtype=np.float16)
    metadata = {"format": "np", "model": "gpt"}
    path = tmp_path / "theirs.safetensors"
    save_file(tensors, str(path), metadata=metadata)
    with calling("load(a file written by safetensors.numpy.save_file)"):
        got = st.load(path)
    check_tensors(got, tensors, "load(a file written by safetensors.numpy.save_file)",
                  hint="the library orders the data differently from the header: use each entry's data_offsets")
    with calling("load_metadata(a file written by safetensors.numpy.save_file)"):
        assert_equal(st.load_metadata(path), metadata, what="load_metadata(a file written by safetensors.numpy.save_file)")

    plain = tmp_path / "plain.safetensors"
    save_file({"w": np.ones(2, dtype=np.float32)}, str(plain))
    with calling("load_metadata(a file without __metadata__)"):
        assert_equal(st.load_metadata(plain), {}, what="load_metadata(a file without __metadata__)",
                     hint='return {} when the header has no "__metadata__"')

    # A valid file in a form the library never writes: header not padded, entries out of order.
    a, b = np.arange(3, dtype="<i2"), np.array([[1.5, -2.0]], dtype="<f8")
    header = json.dumps({
        "b": {"dtype": "F64", "shape": [1, 2], "data_offsets": [6, 22]},
        "a": {"dtype": "I16", "shape": [3], "data_offsets": [0, 6]},
    }).encode()
    if len(header) % 8 == 0:
        header += b" "  # make sure it is not a multiple of 8
    odd = tmp_path / "odd.safetensors"
    odd.write_bytes(struct.pack("<Q", len(header)) + header + a.tobytes() + b.tobytes())
    what = f"load(a file whose {len(header)}-byte header is not padded, entries listed out of offset order)"
    with calling(what, hint="padding is the writer's habit, not a rule for readers: accept any header length"):
        got = st.load(odd)
    check_tensors(got, {"a": a, "b": b}, what)


F32_PAIR = np.array([1.0, 2.0], dtype="<f4").tobytes()  # 8 bytes


def entry(dtype="F32", shape=(2,), offsets=(0, 8)) -> dict:
    return {"dtype": dtype, "shape": list(shape) if isinstance(shape, tuple) else shape, "data_offsets": list(offsets)}


def framed(header, data: bytes = b"") -> bytes:
    raw = header if isinstance(header, bytes) else json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw + data


JSON_HINT = "wrap the decoding and json.loads in try/except and raise SafetensorsError(...) from the error"
FIELDS_HINT = "check each entry is a dict with dtype (str), shape (list of ints) and data_offsets (two ints) before using it"
BOOL_HINT = ("JSON true and false load as Python bools, and bool is a subclass of int (isinstance(True, int) is True): "
             "reject them explicitly, e.g. isinstance(v, int) and not isinstance(v, bool)")
TILE_HINT = ("sort the entries by begin; the first must start at 0, each must start where the previous ended, "
             "and the last must end at the end of the data buffer")

DUP_HINT = ("json.loads keeps the last of two equal keys without a word: pass object_pairs_hook=... and refuse a "
            "key given twice")

CORRUPT = [
    ("empty_file", "an empty file", b"", "read 8 bytes and check you got 8 before struct.unpack"),
    ("truncated_prefix", "only 3 bytes", b"\x08\x00\x00", "read 8 bytes and check you got 8 before struct.unpack"),
    ("header_past_end", "a header length of 100 in a 16-byte file", struct.pack("<Q", 100) + b'{"a": 1}',
     "check N <= file size - 8 before reading the header"),
    ("header_length_huge", "a header length of 2**63", struct.pack("<Q", 2**63 + 5) + b"{}",
     "check N <= file size - 8 before reading (or allocating) N bytes"),
    ("header_not_utf8", "a header that is not UTF-8", framed(b'{"\xff\xfe": 1}'), JSON_HINT),
    ("header_not_json", "a header cut in the middle of the JSON", framed(b'{"w": {"dtype": "F32", "sha', F32_PAIR), JSON_HINT),
    ("header_not_object", "a JSON list as header", framed(b"[1, 2, 3]"), "the header must be a JSON object (a dict)"),
    ("entry_not_object", 'an entry that is a list, "w": [0, 8]', framed({"w": [0, 8]}, F32_PAIR), FIELDS_HINT),
    ("missing_dtype", "an entry without dtype", framed({"w": {"shape": [2], "data_offsets": [0, 8]}}, F32_PAIR), FIELDS_HINT),
    ("missing_shape", "an entry without shape", framed({"w": {"dtype": "F32", "data_offsets": [0, 8]}}, F32_PAIR), FIELDS_HINT),
    ("missing_offsets", "an entry without data_offsets", framed({"w": {"dtype": "F32", "shape": [2]}}, F32_PAIR), FIELDS_HINT),
    ("dtype_not_str", 'dtype ["F32"] (a list)', framed({"w": entry(dtype=["F32"])}, F32_PAIR), FIELDS_HINT),
    ("unknown_dtype", 'dtype "float32" (a NumPy name, not a safetensors one)', framed({"w": entry(dtype="float32")}, F32_PAIR),
     "accept only the names in DTYPES"),
    ("shape_not_list", 'shape "2" (a string)', framed({"w": entry(shape="2")}, F32_PAIR), FIELDS_HINT),
    ("shape_float", "shape [2.0]", framed({"w": entry(shape=[2.0])}, F32_PAIR), FIELDS_HINT),
    ("negative_dims", "shape [-1, -2] (whose product, 2, fits the 8 bytes)", framed({"w": entry(shape=[-1, -2])}, F32_PAIR),
     "every dimension must be >= 0"),
    ("offsets_one_int", "data_offsets [0]", framed({"w": entry(offsets=[0])}, F32_PAIR), FIELDS_HINT),
    ("offsets_float", "data_offsets [0.0, 8.0]", framed({"w": entry(offsets=[0.0, 8.0])}, F32_PAIR), FIELDS_HINT),
    ("begin_after_end", "data_offsets [8, 0]", framed({"w": entry(offsets=[8, 0])}, F32_PAIR), "check begin <= end"),
    ("negative_begin", "data_offsets [-8, 0]", framed({"w": entry(offsets=[-8, 0])}, F32_PAIR), "check 0 <= begin"),
    ("end_past_buffer", "data_offsets [0, 16] in an 8-byte data buffer",
     framed({"w": entry(shape=[4], offsets=[0, 16])}, F32_PAIR), "check end <= the data buffer's length"),
    ("overlap", "two tensors sharing bytes 4..8",
     framed({"a": entry(offsets=[0, 8]), "b": entry(offsets=[4, 12])}, F32_PAIR + F32_PAIR[:4]), TILE_HINT),
    ("same_bytes_twice", "two tensors on the same 8 bytes",
     framed({"a": entry(offsets=[0, 8]), "b": entry(offsets=[0, 8])}, F32_PAIR), TILE_HINT),
    ("gap", "4 unused bytes between two tensors",
     framed({"a": entry(shape=[1], offsets=[0, 4]), "b": entry(shape=[1], offsets=[8, 12])}, F32_PAIR + F32_PAIR[:4]), TILE_HINT),
    ("leading_gap", "4 unused bytes before the first tensor",
     framed({"w": entry(offsets=[4, 12])}, F32_PAIR + F32_PAIR[:4]), TILE_HINT),
    ("trailing_bytes", "4 bytes after the last tensor", framed({"w": entry()}, F32_PAIR + b"\x00" * 4), TILE_HINT),
    ("size_mismatch", "shape [3] of F32 (12 bytes) in data_offsets [0, 8]", framed({"w": entry(shape=[3])}, F32_PAIR),
     "check end - begin == prod(shape) * itemsize"),
    ("size_mismatch_dtype", "shape [2] of F64 (16 bytes) in data_offsets [0, 8]", framed({"w": entry(dtype="F64")}, F32_PAIR),
     "the item size comes from the dtype: DTYPES[dtype].itemsize"),
    ("shape_bool", "shape [true, 2] (JSON true is a bool, not an int)", framed({"w": entry(shape=[True, 2])}, F32_PAIR), BOOL_HINT),
    ("offsets_bool", "data_offsets [false, 8] (JSON false is a bool, not an int)",
     framed({"w": entry(offsets=[False, 8])}, F32_PAIR), BOOL_HINT),
    ("duplicate_name", 'the tensor name "w" twice in the header (json.loads keeps the last)',
     framed(b'{"w": {"dtype": "F64", "shape": [1], "data_offsets": [0, 8]}, '
            b'"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}', F32_PAIR), DUP_HINT),
    ("duplicate_field", 'an entry giving "dtype" twice, "F64" then "F32"',
     framed(b'{"w": {"dtype": "F64", "dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}', F32_PAIR), DUP_HINT),
    ("deeply_nested", "a header nested 100,000 levels deep",
     framed(b'{"w": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"),
     "json.loads raises RecursionError on JSON nested this deep: catch it too and raise SafetensorsError"),
    ("huge_dimension", "shape [0, 2**70] (no bytes, but no array can have 2**70 rows)",
     framed({"w": entry(shape=[0, 2**70], offsets=[0, 0])}),
     "every dimension, and the bytes of the non-zero ones together, must stay below 2**63 (NumPy's limit)"),
    ("huge_with_zero_dim", "shape [0, 2**62, 4] of F32 (no bytes, but 2**62 * 4 elements of 4 bytes in the other dimensions)",
     framed({"w": entry(shape=[0, 2**62, 4], offsets=[0, 0])}),
     "multiply only the non-zero dimensions (and the itemsize) when checking the 2**63 limit: a 0 makes math.prod(shape) "
     "0 and hides the overflow, yet NumPy and the safetensors library refuse the shape"),
    ("metadata_not_str", '"__metadata__": {"step": 100} (a number)',
     framed({"__metadata__": {"step": 100}, "w": entry()}, F32_PAIR), "every metadata value must be a str"),
]


@pytest.mark.parametrize("raw,description,hint", [pytest.param(raw, d, h, id=i) for i, d, raw, h in CORRUPT])
@task(points=3, timeout=20, needs=("io_reads_safetensors",))
def test_io_rejects_corrupt(raw, description, hint, tmp_path):
    """load() rejects each kind of corrupt file with SafetensorsError and a message."""
    st = io_module()
    path = tmp_path / "corrupt.safetensors"
    path.write_bytes(raw)
    what = f"load(a file with {description})"
    with expect_raises(st.SafetensorsError, what=what, hint=hint) as caught:
        st.load(path)
    require(str(caught[0]).strip() != "", f"{what} raised SafetensorsError with an empty message; say what is wrong with the file")


BAD_INPUTS = [
    ("complex", {"w": np.zeros(2, dtype=np.complex64)}, None, "complex64 is not in DTYPES"),
    ("object", {"w": np.array([1, "a"], dtype=object)}, None, "object arrays hold pointers, not numbers"),
    ("unicode", {"w": np.array(["ab", "c"])}, None, "strings are not in DTYPES"),
    ("datetime", {"w": np.array(["2024-01-01"], dtype="datetime64[D]")}, None, "datetime64 is 8 bytes, but not in DTYPES"),
    ("name_not_str", {1: np.zeros(2, dtype=np.float32)}, None, "tensor names must be str"),
    ("reserved_name", {"__metadata__": np.zeros(2, dtype=np.float32)}, None,
     "'__metadata__' is reserved for the metadata entry of the header, it cannot name a tensor"),
    ("metadata_value", {"w": np.zeros(2, dtype=np.float32)}, {"step": 3}, "metadata values must be str"),
    ("metadata_key", {"w": np.zeros(2, dtype=np.float32)}, {3: "x"}, "metadata keys must be str"),
]


@pytest.mark.parametrize("tensors,metadata,why", [pytest.param(t, m, w, id=i) for i, t, m, w in BAD_INPUTS])
@task(points=1, timeout=20)
def test_io_save_rejects_bad_input(tensors, metadata, why, tmp_path):
    """save() rejects what the format cannot hold with SafetensorsError, leaving the old file alone."""
    st = io_module()
    path = tmp_path / "weights.safetensors"
    path.write_bytes(b"old file")
    what = f"save({describe(tensors)}, path, metadata={metadata!r})"
    with expect_raises(st.SafetensorsError, what=what, hint=f"{why}: check every input before writing anything"):
        st.save(tensors, path, metadata=metadata)
    require(path.exists(), f"{what} deleted the file that was at path", hint="on failure remove the temporary file, never the target")
    assert_equal(path.read_bytes(), b"old file", what=f"the file at path after the failed {what}",
                 hint="check the inputs before writing, and never write into the target itself")
    assert_equal(sorted(p.name for p in tmp_path.iterdir()), [path.name], what=f"the folder's files after the failed {what}",
                 hint="remove the temporary file when save fails")


def old_file(path: pathlib.Path) -> bytes:
    save_file({"old": np.arange(4, dtype=np.float32)}, str(path))
    return path.read_bytes()


@task(points=2, timeout=20, needs=("io_readable_by_safetensors",))
def test_io_atomic_save(tmp_path, monkeypatch):
    """save() writes a temp file, fsyncs it and renames it: a crash leaves the old file whole."""
    st = io_module()
    path = tmp_path / "model.safetensors"
    old = old_file(path)
    new = {"w": typed(np.float32, (64, 64)), "b": typed(np.float32, (64,))}

    events: list[str] = []
    # The libraries as the code under test sees them (another process's, when grading is isolated).
    code_os, code_pathlib, code_shutil = under_test("os"), under_test("pathlib"), under_test("shutil")
    real_fsync, real_replace, real_rename = code_os.fsync, code_os.replace, code_os.rename

    def spy(name, real):
        def wrapper(*args, **kwargs):
            events.append(name)
            return real(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(code_os, "fsync", spy("fsync", real_fsync))
    if hasattr(code_os, "fdatasync"):
        monkeypatch.setattr(code_os, "fdatasync", spy("fsync", code_os.fdatasync))
    monkeypatch.setattr(code_os, "replace", spy("rename", real_replace))
    monkeypatch.setattr(code_os, "rename", spy("rename", real_rename))
    for name in ("replace", "rename"):  # Python 3.10's pathlib does not go through os.replace
        monkeypatch.setattr(code_pathlib.Path, name, spy("rename", getattr(code_pathlib.Path, name)))
    with calling("save(tensors, path) over an existing file"):
        st.save(new, path)
    monkeypatch.undo()
    what = "safetensors.numpy.load_file(path) after save(new tensors, path) over an old file"
    with calling(what):
        theirs = load_file(str(path))
    check_tensors(theirs, new, what)
    assert_equal(sorted(p.name for p in tmp_path.iterdir()), [path.name], what="the folder's files after a successful save",
                 hint="the temporary file must be renamed onto the target, leaving nothing else behind")

    # Now the final rename fails, as if the machine died at that moment.
    path.write_bytes(old)

    def crash(*args, **kwargs):
        raise OSError("simulated crash")

    for target, name in [(code_os, "replace"), (code_os, "rename"), (code_pathlib.Path, "replace"),
                         (code_pathlib.Path, "rename"), (code_shutil, "move")]:
        monkeypatch.setattr(target, name, crash)
    raised = None
    try:
        st.save(new, path)
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001 - any error is fine here, the files are what count
        raised = exc
    monkeypatch.undo()
    require(path.exists(), "save deleted the file at path when its final os.replace failed (a simulated crash)",
            hint="on failure remove the temporary file, never the target")
    require(path.read_bytes() == old,
            "save wrote straight to the target: with os.replace and os.rename made to fail (a simulated crash), "
            "the old file at path was overwritten anyway",
            hint="write everything to a temporary file in the same folder (e.g. path + '.tmp'), fsync it, then os.replace(tmp, path)")
    require(raised is not None, "save returned normally although its final os.replace raised OSError('simulated crash')",
            hint="let the error propagate (re-raise it after cleaning up)")
    leftovers = sorted(p.name for p in tmp_path.iterdir() if p.name != path.name)
    require(not leftovers, f"save left {leftovers} behind after the simulated crash",
            hint="wrap the write in try/except BaseException: os.remove(tmp), then raise")

    synced_first = "fsync" in events and "rename" in events and events.index("fsync") < max(
        i for i, e in enumerate(events) if e == "rename")
    calls = ", then ".join({"fsync": "os.fsync", "rename": "os.replace"}[e] for e in events) or "neither os.fsync nor os.replace"
    require(synced_first,
            f"save called {calls}: it should flush and os.fsync the temporary file, then os.replace it onto the target",
            hint="f.flush(); os.fsync(f.fileno()) inside the `with open(tmp, 'wb')` block, then os.replace(tmp, path) after it")
