"""Save and load named arrays in the safetensors layout: a header, then raw bytes. No pickle.

A file is three parts, back to back::

    [ N: 8 bytes, little-endian unsigned ][ header: N bytes of UTF-8 JSON ][ data buffer ]

The header is one JSON object. Each tensor name maps to
``{"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}``, where ``begin`` and
``end`` count bytes from the start of the data buffer; an optional ``"__metadata__"`` entry
maps str to str. Writers pad the header with spaces so that N is a multiple of 8. The
tensors' bytes (C order, little-endian) tile the data buffer exactly: no gap, no overlap,
nothing after the last one. Files written here open with Hugging Face's ``safetensors``
library, and the other way round.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import struct
from pathlib import Path
from typing import BinaryIO

import numpy as np


class SafetensorsError(ValueError):
    """A file, or an input to ``save``, that the safetensors layout cannot hold."""


# The dtype names of the format, and the little-endian NumPy dtype each one stands for.
DTYPES: dict[str, np.dtype] = {
    "F64": np.dtype("<f8"),
    "F32": np.dtype("<f4"),
    "F16": np.dtype("<f2"),
    "I64": np.dtype("<i8"),
    "I32": np.dtype("<i4"),
    "I16": np.dtype("<i2"),
    "I8": np.dtype("i1"),
    "U64": np.dtype("<u8"),
    "U32": np.dtype("<u4"),
    "U16": np.dtype("<u2"),
    "U8": np.dtype("u1"),
    "BOOL": np.dtype("?"),
}
# The other way round: NAMES[a.dtype.newbyteorder("<")] is "F32" for a float32 array a, of either byte order.
NAMES: dict[np.dtype, str] = {dtype: name for name, dtype in DTYPES.items()}
METADATA = "__metadata__"


def save(tensors: dict[str, np.ndarray], path: str | os.PathLike, metadata: dict[str, str] | None = None) -> None:
    """Write ``tensors`` (name -> array) and optional str -> str ``metadata`` to ``path``.

    Arrays go in C order, little-endian, one after another. Bad input (a non-str name, the
    reserved name ``__metadata__``, a dtype missing from DTYPES, non-str metadata) raises
    SafetensorsError before anything is written.
    Atomic: the file at ``path`` is the old one or the whole new one, never half of either.
    """
    # Atomic: write a temporary file in the same folder, flush + os.fsync, then os.replace.
    ### BEGIN SOLUTION
    header: dict = {}
    if metadata is not None:
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
            raise SafetensorsError(f"metadata must map str to str, got {metadata!r:.100}")
        header[METADATA] = dict(metadata)
    arrays, offset = [], 0
    for name, array in tensors.items():
        if not isinstance(name, str) or name == METADATA:
            raise SafetensorsError(f"tensor names must be str other than {METADATA!r}, got {name!r}")
        array = np.asarray(array)
        dtype = array.dtype.newbyteorder("<")
        if dtype not in NAMES:
            raise SafetensorsError(f"tensor {name!r} has dtype {array.dtype}, which safetensors cannot store")
        array = np.asarray(array, dtype=dtype, order="C")  # not ascontiguousarray: it turns 0-d into 1-d
        header[name] = {"dtype": NAMES[dtype], "shape": list(array.shape), "data_offsets": [offset, offset + array.nbytes]}
        arrays.append(array)
        offset += array.nbytes
    raw = json.dumps(header, separators=(",", ":")).encode("utf-8")
    raw += b" " * (-len(raw) % 8)

    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(struct.pack("<Q", len(raw)))
            f.write(raw)
            for array in arrays:
                f.write(array.tobytes())
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        raise
    ### END SOLUTION


def parse_header(raw: bytes, data_len: int) -> dict:
    """Decode and check a header: ``raw`` is its N bytes, ``data_len`` the data buffer's size.

    Returns the JSON object (name -> entry, and "__metadata__" if present) once no key appears
    twice in any object, every entry has a known dtype, a shape of ints 0 <= d < 2**63 whose
    non-zero product times the itemsize is below 2**63, 0 <= begin <= end <= data_len and
    end - begin == prod(shape) * itemsize, and the entries tile the buffer exactly. Else:
    SafetensorsError (also for JSON nested too deeply for Python to read).
    """
    # json.loads keeps the last of two equal keys without a word: object_pairs_hook sees them all.
    ### BEGIN SOLUTION
    def unique(pairs):
        obj = {}
        for key, value in pairs:
            if key in obj:
                raise SafetensorsError(f"the header gives the key {key!r} twice in one object")
            obj[key] = value
        return obj

    try:
        header = json.loads(raw.decode("utf-8"), object_pairs_hook=unique)
    except UnicodeDecodeError as e:
        raise SafetensorsError(f"the header is not valid UTF-8: {e}") from None
    except json.JSONDecodeError as e:
        raise SafetensorsError(f"the header is not valid JSON: {e}") from None
    except RecursionError:
        raise SafetensorsError("the header's JSON is nested too deeply to be a safetensors header") from None
    if not isinstance(header, dict):
        raise SafetensorsError(f"the header must be a JSON object, got {type(header).__name__}")

    def ints(x) -> bool:
        return isinstance(x, list) and all(isinstance(v, int) and not isinstance(v, bool) for v in x)

    spans = []
    for name, entry in header.items():
        if name == METADATA:
            if not isinstance(entry, dict) or not all(isinstance(v, str) for v in entry.values()):
                raise SafetensorsError(f"{METADATA} must map str to str, got {entry!r:.100}")
            continue
        if not isinstance(entry, dict) or not {"dtype", "shape", "data_offsets"} <= entry.keys():
            raise SafetensorsError(f"tensor {name!r}: the entry must be an object with dtype, shape and data_offsets")
        dtype, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
        if not isinstance(dtype, str) or dtype not in DTYPES:
            raise SafetensorsError(f"tensor {name!r}: unknown dtype {dtype!r}")
        if not ints(shape) or any(d < 0 for d in shape):
            raise SafetensorsError(f"tensor {name!r}: shape must be a list of non-negative ints, got {shape!r}")
        if any(d >= 2**63 for d in shape) or math.prod(d for d in shape if d) * DTYPES[dtype].itemsize >= 2**63:
            raise SafetensorsError(f"tensor {name!r}: shape {shape} is too large for any array (a dimension or the "
                                   f"byte count reaches 2**63)")
        if not ints(offsets) or len(offsets) != 2:
            raise SafetensorsError(f"tensor {name!r}: data_offsets must be two ints [begin, end], got {offsets!r}")
        begin, end = offsets
        if not 0 <= begin <= end <= data_len:
            raise SafetensorsError(f"tensor {name!r}: data_offsets {offsets} are not within the {data_len}-byte data buffer")
        if end - begin != math.prod(shape) * DTYPES[dtype].itemsize:
            raise SafetensorsError(f"tensor {name!r}: {end - begin} bytes do not hold shape {shape} of {dtype}")
        spans.append((begin, end, name))

    position = 0  # the tensors, sorted by offset, must follow each other with no gap or overlap
    for begin, end, name in sorted(spans):
        if begin != position:
            raise SafetensorsError(f"tensor {name!r} starts at byte {begin}, expected {position}: tensors overlap or leave a gap")
        position = end
    if position != data_len:
        raise SafetensorsError(f"the tensors end at byte {position} but the data buffer has {data_len} bytes")
    return header
    ### END SOLUTION


def read_header(f: BinaryIO, file_size: int) -> dict:
    """Read the length prefix and the header of a file open in binary mode at byte 0.

    ``file_size`` is the whole file's length in bytes. A file shorter than 8 bytes, or a
    header length running past the end, raises SafetensorsError; the header itself is checked
    by parse_header. Returns parse_header's dict and leaves ``f`` at the first data byte.
    """
    ### BEGIN SOLUTION
    prefix = f.read(8)
    if len(prefix) < 8:
        raise SafetensorsError(f"the file is truncated: {len(prefix)} bytes, but the length prefix alone takes 8")
    (n,) = struct.unpack("<Q", prefix)
    if n > file_size - 8:
        raise SafetensorsError(f"the header length {n} runs past the end of the {file_size}-byte file")
    return parse_header(f.read(n), file_size - 8 - n)
    ### END SOLUTION


def load(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Read every tensor of the file at ``path``: name -> writable array of the saved dtype and shape.

    The file is checked first (read_header); a bad file raises SafetensorsError.
    """
    # np.frombuffer over a bytearray gives writable arrays without another copy.
    ### BEGIN SOLUTION
    with open(path, "rb") as f:
        header = read_header(f, os.fstat(f.fileno()).st_size)
        buffer = memoryview(bytearray(f.read()))
    tensors = {}
    for name, entry in header.items():
        if name != METADATA:
            begin, end = entry["data_offsets"]
            tensors[name] = np.frombuffer(buffer[begin:end], dtype=DTYPES[entry["dtype"]]).reshape(entry["shape"])
    return tensors
    ### END SOLUTION


def load_metadata(path: str | os.PathLike) -> dict[str, str]:
    """The str -> str ``"__metadata__"`` entry of the file at ``path``; {} when it has none.

    The header is checked as in load: a bad file raises SafetensorsError.
    """
    ### BEGIN SOLUTION
    with open(path, "rb") as f:
        return dict(read_header(f, os.fstat(f.fileno()).st_size).get(METADATA, {}))
    ### END SOLUTION
