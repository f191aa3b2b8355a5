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
    # YOUR CODE HERE
    raise NotImplementedError("save: not written yet; see its docstring and the handout")


def parse_header(raw: bytes, data_len: int) -> dict:
    """Decode and check a header: ``raw`` is its N bytes, ``data_len`` the data buffer's size.

    Returns the JSON object (name -> entry, and "__metadata__" if present) once no key appears
    twice in any object, every entry has a known dtype, a shape of ints 0 <= d < 2**63 whose
    non-zero product times the itemsize is below 2**63, 0 <= begin <= end <= data_len and
    end - begin == prod(shape) * itemsize, and the entries tile the buffer exactly. Else:
    SafetensorsError (also for JSON nested too deeply for Python to read).
    """
    # json.loads keeps the last of two equal keys without a word: object_pairs_hook sees them all.
    # YOUR CODE HERE
    raise NotImplementedError("parse_header: not written yet; see its docstring and the handout")


def read_header(f: BinaryIO, file_size: int) -> dict:
    """Read the length prefix and the header of a file open in binary mode at byte 0.

    ``file_size`` is the whole file's length in bytes. A file shorter than 8 bytes, or a
    header length running past the end, raises SafetensorsError; the header itself is checked
    by parse_header. Returns parse_header's dict and leaves ``f`` at the first data byte.
    """
    # YOUR CODE HERE
    raise NotImplementedError("read_header: not written yet; see its docstring and the handout")


def load(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Read every tensor of the file at ``path``: name -> writable array of the saved dtype and shape.

    The file is checked first (read_header); a bad file raises SafetensorsError.
    """
    # np.frombuffer over a bytearray gives writable arrays without another copy.
    # YOUR CODE HERE
    raise NotImplementedError("load: not written yet; see its docstring and the handout")


def load_metadata(path: str | os.PathLike) -> dict[str, str]:
    """The str -> str ``"__metadata__"`` entry of the file at ``path``; {} when it has none.

    The header is checked as in load: a bad file raises SafetensorsError.
    """
    # YOUR CODE HERE
    raise NotImplementedError("load_metadata: not written yet; see its docstring and the handout")
