"""llama2.c's checkpoints, read by you: a header, then float32 arrays back to back.

Two versions of the ``.bin`` file exist (``export.py`` in llama2.c writes both). Every number is
little-endian; ``D = dim / n_heads``, ``KV = n_kv_heads · D``::

    version 0 (stories260K.bin)              version 1
    7 × int32: dim, hidden_dim, n_layers,    uint32 magic 0x616b3432 ("ak42"), int32 version 1,
      n_heads, n_kv_heads, vocab_size,       the same 7 × int32, uint8 shared_classifier,
      seq_len  (vocab_size < 0: the head     zeros up to byte 256
      is NOT shared with the token table)
    token table (V, dim)                     attention RMSNorm weights (L, dim)
    attention RMSNorm weights (L, dim)       FFN RMSNorm weights (L, dim)
    wq (L, dim, dim)   wk (L, KV, dim)       final RMSNorm weight (dim,)
    wv (L, KV, dim)    wo (L, dim, dim)      token table (V, dim)
    FFN RMSNorm weights (L, dim)             wq, wk, wv, wo (as in version 0)
    w1 (L, hidden, dim)  w2 (L, dim, hidden) w1, w2, w3 (as in version 0)
    w3 (L, hidden, dim)                      the head (V, dim), when not shared
    final RMSNorm weight (dim,)
    RoPE tables: cos, sin (seq_len, D/2)  (skipped)
    the head (V, dim), when not shared

Every matrix is stored as PyTorch keeps a Linear weight, ``(out, in)``: yours is ``(in, out)``.
The model is a Llama: RMSNorm (eps 1e-5), SwiGLU, rotary positions (base 10000), no biases.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

import numpy as np

from common import load

_model = load(5, "model")
GPTConfig, GPT = _model.GPTConfig, _model.GPT

MAGIC = 0x616B3432
HEADER_V1 = 256


def read_header(raw: bytes, where: str) -> tuple[dict, bool, int, int]:
    """``(fields, shared, version, offset)`` from the first bytes of a checkpoint: ``fields`` the
    seven ints by name (``vocab_size`` positive), ``shared`` whether the head is the token table,
    ``offset`` where the arrays begin (28 or 256). ValueError naming ``where`` for a file too
    short for its header, a version other than 0 and 1 (version 2 holds int8 weights), or sizes
    that are not positive or do not divide (``dim`` by ``n_heads``, ``n_heads`` by ``n_kv_heads``,
    an odd head size)."""
    # YOUR CODE HERE
    raise NotImplementedError("read_header: not written yet; see its docstring and the handout")


def layout(fields: dict, shared: bool, version: int) -> list[tuple[str, tuple[int, ...]]]:
    """The arrays of the file in order: ``(name, shape)``, names as in the table above
    (``"tok_embeddings"``, ``"rms_att"``, ``"wq"``, ..., ``"rms_final"``, ``"freq_cos"``,
    ``"freq_sin"``, ``"wcls"``), shapes as stored. Given."""
    dim, hidden, L = fields["dim"], fields["hidden_dim"], fields["n_layers"]
    V, S = fields["vocab_size"], fields["seq_len"]
    D = dim // fields["n_heads"]
    KV = fields["n_kv_heads"] * D
    norms = [("rms_att", (L, dim)), ("rms_ffn", (L, dim)), ("rms_final", (dim,))]
    mats = [("wq", (L, dim, dim)), ("wk", (L, KV, dim)), ("wv", (L, KV, dim)), ("wo", (L, dim, dim)),
            ("w1", (L, hidden, dim)), ("w2", (L, dim, hidden)), ("w3", (L, hidden, dim))]
    head = [] if shared else [("wcls", (V, dim))]
    if version == 1:
        return norms + [("tok_embeddings", (V, dim))] + mats + head
    return ([("tok_embeddings", (V, dim)), norms[0]] + mats[:4] + [norms[1]] + mats[4:] + [norms[2]]
            + [("freq_cos", (S, D // 2)), ("freq_sin", (S, D // 2))] + head)


def read_llama2c(path: str | os.PathLike) -> tuple[GPTConfig, dict[str, np.ndarray]]:
    """``(config, state)``: a phase-05 Llama config (``rmsnorm``, ``swiglu``, ``rope``, no biases,
    ``mlp_hidden = hidden_dim``, ``block_size = seq_len``, tied when shared) and its
    ``state_dict()``, float32, every matrix transposed to ``(in, out)``. ValueError naming the
    file when its size is not exactly header + arrays (truncated, or bytes left over)."""
    # YOUR CODE HERE
    raise NotImplementedError("read_llama2c: not written yet; see its docstring and the handout")


def load_llama2c(path: str | os.PathLike) -> GPT:
    """Your GPT (eval mode) holding the checkpoint at ``path``. Given."""
    config, state = read_llama2c(path)
    model = GPT(config, rng=np.random.default_rng(0))
    model.load_state_dict(state)
    return model.eval()
