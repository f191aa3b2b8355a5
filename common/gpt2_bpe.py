"""GPT-2's BPE files read independently of any learner code: the oracle of graders, tests and benchmarks.

GPT-2's ``vocab.json`` spells each token's bytes in a printable alphabet: a printable Latin-1
byte stands for itself, the 68 others for ``U+0100`` onwards, in byte order. Reading the
files back with that alphabet gives ``id -> bytes``; those bytes with their ids as ranks,
GPT-2's pre-tokenization pattern and ``<|endoftext|>`` make tiktoken's ``gpt2`` encoding,
built here offline (tiktoken's own download needs a network).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

# GPT-2's pre-tokenization pattern as tiktoken writes it (the contractions grouped).
PATTERN = r"""'(?:[sdmt]|ll|ve|re)| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
EOT = "<|endoftext|>"
EOT_ID = 50256


@functools.cache
def char_to_byte() -> dict[str, int]:
    """GPT-2's alphabet, read backwards: printable Latin-1 stands for itself, the rest from U+0100 on."""
    keep = [b for b in range(256) if 0x21 <= b <= 0x7E or 0xA1 <= b <= 0xAC or 0xAE <= b <= 0xFF]
    table = {chr(b): b for b in keep}
    others = sorted(set(range(256)) - set(keep))
    table.update({chr(0x100 + k): b for k, b in enumerate(others)})
    return table


def spelled(token: str) -> bytes:
    """The bytes of a vocab.json token string (a ``<|...|>`` special stands for its own text)."""
    if token.startswith("<|") and token.endswith("|>"):
        return token.encode("utf-8")
    table = char_to_byte()
    return bytes(table[ch] for ch in token)


def spell(token: bytes) -> str:
    """The vocab.json string of a token's bytes."""
    if token.startswith(b"<|") and token.endswith(b"|>"):
        return token.decode("utf-8")
    back = {b: ch for ch, b in char_to_byte().items()}
    return "".join(back[b] for b in token)


def default_paths() -> tuple[Path, Path]:
    """The bundled ``datasets/gpt2/vocab.json`` and ``merges.txt``."""
    from common.data import gpt2_files

    return gpt2_files()


@functools.cache
def read_files(vocab_path: Path | None = None, merges_path: Path | None = None
               ) -> tuple[dict[int, bytes], list[tuple[bytes, bytes]]]:
    """GPT-2's vocabulary (id -> bytes) and merges (in rank order), read from the files."""
    if vocab_path is None or merges_path is None:
        vocab_path, merges_path = default_paths()
    table = json.loads(Path(vocab_path).read_text(encoding="utf-8"))
    vocab = {i: spelled(s) for s, i in table.items()}
    lines = [line for line in Path(merges_path).read_text(encoding="utf-8").split("\n")
             if line and not line.startswith("#version")]
    merges = [tuple(spelled(part) for part in line.split(" ")) for line in lines]
    return vocab, merges


@functools.cache
def tiktoken_encoding(vocab_path: Path | None = None):
    """tiktoken's GPT-2 ``Encoding`` built from ``vocab.json`` (default: the bundled one), offline."""
    import tiktoken

    if vocab_path is None:
        vocab_path = default_paths()[0]
    table = json.loads(Path(vocab_path).read_text(encoding="utf-8"))
    ranks = {spelled(s): i for s, i in table.items() if s != EOT}
    return tiktoken.Encoding(name="gpt2-offline", pat_str=PATTERN, mergeable_ranks=ranks,
                             special_tokens={EOT: table[EOT]})
