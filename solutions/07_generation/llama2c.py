"""Load llama2.c's ``stories260K`` into your phase-05 GPT (given: no code to write here).

The checkpoint's layout is described in ``datasets/README.md``: seven int32 of sizes, then
float32 arrays. llama2.c stores each matrix as PyTorch's ``nn.Linear`` does, ``(out, in)``;
phase 02's ``Linear`` holds ``(in, out)``, so each is transposed here.
"""

from __future__ import annotations

import os

import numpy as np

from common import load
from common.data import stories260k_files

from .llama_tokenizer import LlamaTokenizer


def load_llama2c(path: str | os.PathLike | None = None, dtype=np.float32):
    """``(model, config)``: a phase-05 GPT (eval mode) holding a llama2.c version-0 checkpoint."""
    path = path or stories260k_files()[0]
    with open(path, "rb") as f:
        header = np.frombuffer(f.read(28), dtype="<i4")
        flat = np.frombuffer(f.read(), dtype="<f4")
    if header.size != 7:
        raise ValueError(f"{path}: too short for a llama2.c checkpoint header (7 int32)")
    dim, hidden, L, H, K, V, S = (int(v) for v in header)
    if min(dim, hidden, L, H, K, S) <= 0 or dim % H or H % K:
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
    take(S, D // 2), take(S, D // 2)  # llama2.c's RoPE tables: the model computes its own
    weights = {"wte.weight": tok, "ln_f.weight": final_norm}
    for i in range(L):
        p = f"blocks.{i}."
        weights.update({p + "ln1.weight": att_norm[i], p + "attn.wq.weight": wq[i].T, p + "attn.wk.weight": wk[i].T,
                        p + "attn.wv.weight": wv[i].T, p + "attn.wo.weight": wo[i].T, p + "ln2.weight": ffn_norm[i],
                        p + "mlp.w1.weight": w1[i].T, p + "mlp.w2.weight": w2[i].T, p + "mlp.w3.weight": w3[i].T})
    if V < 0:
        weights["lm_head.weight"] = take(abs(V), dim).T
    if at != flat.size:
        raise ValueError(f"{path}: {flat.size - at} floats left over: not a version-0 llama2.c checkpoint")
    model_mod = load(5, "model")
    config = model_mod.GPTConfig(vocab_size=abs(V), block_size=S, n_layer=L, n_head=H, n_kv_head=K, n_embd=dim,
                                 mlp_hidden=hidden, bias=False, norm="rmsnorm", norm_eps=1e-5, mlp="swiglu",
                                 position="rope", rope_base=10000.0, tie_weights=V > 0, dropout=0.0)
    model = model_mod.GPT(config, rng=np.random.default_rng(0))
    model.load_state_dict({k: np.ascontiguousarray(v) for k, v in weights.items()})
    return model.eval(), config


def load_stories260k(dtype=np.float32):
    """``(model, tokenizer)``: the bundled stories260K and its ``tok512`` tokenizer."""
    model_path, tok_path = stories260k_files()
    model, _ = load_llama2c(model_path, dtype)
    return model, LlamaTokenizer.from_file(tok_path)
