"""Readers of llama2.c's two files: a version-0 checkpoint (``stories260K.bin``) and its tokenizer
export (``tok512.bin``). NumPy only; the layouts are described in ``datasets/README.md``.

Phase 07 loads the model into the learner's GPT with them; the graders of phases 05 and 07 read
the same files through them for their PyTorch twin.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

import numpy as np

from common.data import stories260k_files


def read_checkpoint(path: str | os.PathLike | None = None, dtype=np.float64) -> tuple[dict, dict[str, np.ndarray]]:
    """``(config fields, {phase-05 parameter name: array})`` of a llama2.c version-0 checkpoint.

    Seven int32 (dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len; a negative
    vocab_size means an unshared classifier), then float32 arrays: token table, attention RMSNorm
    weights, wq, wk, wv, wo, FFN RMSNorm weights, w1, w2, w3, final RMSNorm weight, two RoPE tables
    (skipped: the model computes its own), and the classifier when unshared. Each matrix is stored
    as PyTorch keeps it, ``(out, in)``, and is transposed here to phase 02's ``(in, out)``.
    ValueError, naming the file, for anything else.
    """
    path = Path(path or stories260k_files()[0])
    with open(path, "rb") as f:
        header = np.frombuffer(f.read(28), dtype="<i4")
        flat = np.frombuffer(f.read(), dtype="<f4") if header.size == 7 else None
    if header.size != 7:
        raise ValueError(f"{path}: too short for a llama2.c checkpoint header (7 int32)")
    dim, hidden, L, H, K, V, S = (int(v) for v in header)
    if min(dim, hidden, L, H, K, S) <= 0 or V == 0 or dim % H or H % K or (dim // H) % 2:
        raise ValueError(f"{path}: not a llama2.c checkpoint (header {header.tolist()})")
    D = dim // H
    at = 0

    def take(*shape):
        nonlocal at
        n = int(np.prod(shape))
        if at + n > flat.size:
            raise ValueError(f"{path}: the file ends before its weights do (a truncated download?)")
        out = flat[at:at + n].reshape(shape).astype(dtype)
        at += n
        return out

    tok, att_norm = take(abs(V), dim), take(L, dim)
    wq, wk, wv, wo = take(L, H * D, dim), take(L, K * D, dim), take(L, K * D, dim), take(L, dim, H * D)
    ffn_norm, w1, w2, w3 = take(L, dim), take(L, hidden, dim), take(L, dim, hidden), take(L, hidden, dim)
    final_norm = take(dim)
    take(S, D // 2), take(S, D // 2)
    weights = {"wte.weight": tok}
    for i in range(L):
        p = f"blocks.{i}."
        weights.update({p + "ln1.weight": att_norm[i], p + "attn.wq.weight": wq[i].T, p + "attn.wk.weight": wk[i].T,
                        p + "attn.wv.weight": wv[i].T, p + "attn.wo.weight": wo[i].T, p + "ln2.weight": ffn_norm[i],
                        p + "mlp.w1.weight": w1[i].T, p + "mlp.w2.weight": w2[i].T, p + "mlp.w3.weight": w3[i].T})
    weights["ln_f.weight"] = final_norm
    if V < 0:
        weights["lm_head.weight"] = take(abs(V), dim).T
    if at != flat.size:
        raise ValueError(f"{path}: {flat.size - at} floats left over: not a version-0 llama2.c checkpoint")
    fields = dict(vocab_size=abs(V), block_size=S, n_layer=L, n_head=H, n_kv_head=K, n_embd=dim, mlp_hidden=hidden,
                  bias=False, norm="rmsnorm", norm_eps=1e-5, mlp="swiglu", position="rope", rope_base=10000.0,
                  tie_weights=V > 0, dropout=0.0)
    return fields, weights


def read_tokenizer(path: str | os.PathLike | None = None) -> tuple[list[bytes], list[float]]:
    """``(pieces, scores)`` of a llama2.c tokenizer export: an int32 (the longest piece's length),
    then per token a float32 score, an int32 length and that many bytes; all little-endian.
    ValueError, naming the file, when it is cut short."""
    path = Path(path or stories260k_files()[1])
    data = path.read_bytes()
    pieces, scores, at = [], [], 4
    while at < len(data):
        if at + 8 > len(data):
            raise ValueError(f"{path}: truncated after {len(pieces)} tokens")
        score, n = struct.unpack_from("<fi", data, at)
        if n < 0 or at + 8 + n > len(data):
            raise ValueError(f"{path}: token {len(pieces)} claims {n} bytes past the end of the file")
        pieces.append(data[at + 8:at + 8 + n])
        scores.append(float(score))
        at += 8 + n
    return pieces, scores


# llama2.c (Andrej Karpathy, MIT), test_all.py: `run stories260K.bin -z tok512.bin -t 0.0 -n 200`.
STORIES260K_GREEDY = (
    "Once upon a time, there was a little girl named Lily. She loved to play outside in the park. One day, "
    "she saw a big, red ball. She wanted to play with it, but it was too high.\nLily's mom said, \"Lily, "
    "let's go to the park.\" Lily was sad and didn't know what to do. She said, \"I want to play with your "
    "ball, but I can't find it.\"\nLily was sad and didn't know what to do. She said, \"I'm sorry, Lily. I "
    "didn't know what to do.\"\nLily didn't want to help her mom, so she")


def decode_pieces(tokens, pieces: list[bytes]) -> bytes:
    """llama2.c's decoding of ``tokens`` with the token strings ``pieces``: ids 0-2 (unk, BOS, EOS)
    print nothing, ids 3-258 are the bytes 0-255, and a piece right after BOS loses its leading space."""
    out, prev = [], None
    for t in tokens:
        if t >= 3:
            p = bytes([t - 3]) if t < 259 else pieces[t]
            if prev == 1 and t >= 259 and p.startswith(b" "):
                p = p[1:]
            out.append(p)
        prev = t
    return b"".join(out)
