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
    ### BEGIN SOLUTION
    if tokenizer.vocab_size > MAX_IDS:
        raise ValueError(f"a vocabulary of {tokenizer.vocab_size} ids does not fit in uint16 (at most {MAX_IDS})")
    src, dst = Path(src), Path(dst)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=src.stat().st_size, unit="B", unit_scale=True, desc=f"tokenizing {src.name}")

    def chunks(f):
        for text in iter(lambda: f.read(READ_CHARS), ""):
            if bar is not None:
                bar.update(len(text.encode("utf-8")))
            yield text

    tmp = dst.with_name(f".{dst.name}.{os.getpid()}.tmp")
    count = 0
    try:
        with open(src, encoding="utf-8", newline="") as f, open(tmp, "wb") as out:
            ids = tokenizer.encode_iterable(chunks(f))
            while (block := np.fromiter(itertools.islice(ids, WRITE_IDS), dtype="<u2")).size:
                out.write(block.tobytes())
                count += block.size
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, dst)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        raise
    finally:
        if bar is not None:
            bar.close()
    return count
    ### END SOLUTION


def load_tokens(path: str | os.PathLike) -> np.ndarray:
    """The ids of the token file at ``path``: a read-only ``np.memmap`` of little-endian uint16.

    A file of odd size cannot be uint16 ids, and a device, a pipe or a folder is no token file:
    ValueError naming it. An empty file gives an empty array (a memmap cannot map 0 bytes).
    """
    ### BEGIN SOLUTION
    info = os.stat(path)
    if not stat.S_ISREG(info.st_mode):
        raise ValueError(f"{path}: not a regular file (a device, a pipe or a folder); a token file holds uint16 ids")
    size = info.st_size
    if size % 2:
        raise ValueError(f"{path}: {size} bytes is an odd size; a uint16 token file holds 2 bytes per token")
    if size == 0:
        return np.zeros(0, dtype="<u2")
    return np.memmap(path, dtype="<u2", mode="r")
    ### END SOLUTION
