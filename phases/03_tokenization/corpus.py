"""Tokenize a corpus once, into a flat file of ``uint16`` ids that training reads directly.

A token file is nothing but the ids, two bytes each, little-endian, back to back: no
header. 16 bits hold ids 0..65535, enough for GPT-2's 50,257 tokens, and half the size of
int32. Training (phase 06) maps the file into memory (``np.memmap``) and slices batches
out of it without ever reading the whole corpus.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import stat
from pathlib import Path

import numpy as np

MAX_IDS = 1 << 16  # a uint16 holds ids 0..65535
READ_CHARS = 1 << 16  # characters read from the source file at a time
WRITE_IDS = 1 << 16  # ids gathered before they are written out


def encode_file(tokenizer, src: str | os.PathLike, dst: str | os.PathLike, *, progress: bool = False) -> int:
    """Encode the UTF-8 text file ``src`` with ``tokenizer`` into the uint16 token file ``dst``.

    The text streams through ``tokenizer.encode_iterable`` and the ids are written in chunks,
    so memory does not grow with the file. ``dst`` appears only when complete (a temporary
    file in its folder, then os.replace); on any error no partial ``dst`` is left. ValueError
    when ``tokenizer.vocab_size`` exceeds 65,536. Returns the number of tokens written.
    ``progress=True`` shows a tqdm bar over the bytes read.
    """
    # Read with newline="" so that "\r\n" reaches the tokenizer as it is in the file.
    # YOUR CODE HERE
    raise NotImplementedError("encode_file: not written yet; see its docstring and the handout")


def load_tokens(path: str | os.PathLike) -> np.ndarray:
    """The ids of the token file at ``path``: a read-only ``np.memmap`` of little-endian uint16.

    A file of odd size cannot be uint16 ids, and a device, a pipe or a folder is no token file:
    ValueError naming it. An empty file gives an empty array (a memmap cannot map 0 bytes).
    """
    # YOUR CODE HERE
    raise NotImplementedError("load_tokens: not written yet; see its docstring and the handout")
