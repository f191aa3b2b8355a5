"""The graders' PyTorch GPT: every layer of phase 05, written from the formulas, functionally.

Each function takes a dict ``P`` of float64 leaf tensors under the learner's parameter names
(phase-02 layout: a Linear weight is ``(in, out)``) and a config with phase 05's fields. Nothing
here calls the learner's code: the phase-05 and phase-07 graders compute expected values with it.
Also the readers of llama2.c's two files (``stories260K.bin``, ``tok512.bin``).
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from common.llama2c import read_checkpoint, read_tokenizer


def t_linear(P: dict, prefix: str, x: torch.Tensor) -> torch.Tensor:
    out = x @ P[prefix + ".weight"]
    bias = P.get(prefix + ".bias")
    return out if bias is None else out + bias


def t_norm(P: dict, prefix: str, x: torch.Tensor, cfg) -> torch.Tensor:
    w = P[prefix + ".weight"]
    if cfg.norm == "rmsnorm":
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + cfg.norm_eps) * w
    return F.layer_norm(x, (x.shape[-1],), w, P.get(prefix + ".bias"), eps=cfg.norm_eps)


def t_rope(x: torch.Tensor, base: float, positions=None) -> torch.Tensor:
    """Rotary embedding on ``x`` ``(B, H, T, D)``: pairs (2i, 2i+1) as complex numbers times e^{i p θ_i},
    ``p`` from ``positions`` ``(T,)`` (default ``0 .. T-1``)."""
    T, D = x.shape[-2], x.shape[-1]
    theta = 1.0 / base ** (torch.arange(0, D, 2, dtype=torch.float64) / D)
    pos = torch.arange(T, dtype=torch.float64) if positions is None else torch.as_tensor(positions, dtype=torch.float64)
    angles = torch.outer(pos, theta)
    z = torch.view_as_complex(x.reshape(*x.shape[:-1], D // 2, 2).contiguous())
    return torch.view_as_real(z * torch.polar(torch.ones_like(angles), angles)).reshape(x.shape)


def t_rope_half(x: torch.Tensor, base: float, positions=None) -> torch.Tensor:
    """The *other* rotary pairing, GPT-NeoX's ``rotate_half``: feature ``i`` with ``i + D/2``. Not
    this course's (nor Llama's): the graders compute it to name a learner's pairing mistake."""
    T, D = x.shape[-2], x.shape[-1]
    theta = 1.0 / base ** (torch.arange(0, D, 2, dtype=torch.float64) / D)
    pos = torch.arange(T, dtype=torch.float64) if positions is None else torch.as_tensor(positions, dtype=torch.float64)
    angles = torch.outer(pos, theta)
    cos, sin = torch.cat([angles.cos()] * 2, -1), torch.cat([angles.sin()] * 2, -1)
    x1, x2 = x[..., :D // 2], x[..., D // 2:]
    return x * cos + torch.cat([-x2, x1], -1) * sin


def t_attention(P: dict, prefix: str, x: torch.Tensor, cfg, is_pad=None, positions=None, *, rope=None,
                scale=None, explicit: bool = False) -> torch.Tensor:
    """Causal (grouped-query) self-attention with ``F.scaled_dot_product_attention``; ``rope`` replaces
    ``t_rope`` and ``scale`` the factor 1/sqrt(head_dim) (to compute a wrong variant). ``explicit``
    writes out ``softmax(q kᵀ) v`` as two matrix products instead, which FlopCounterMode counts
    (it does not count the fused CPU kernel)."""
    B, T, C = x.shape
    H, K = cfg.n_head, cfg.n_kv_head
    D = C // H
    q = t_linear(P, prefix + ".wq", x).view(B, T, H, D).transpose(1, 2)
    k = t_linear(P, prefix + ".wk", x).view(B, T, K, D).transpose(1, 2)
    v = t_linear(P, prefix + ".wv", x).view(B, T, K, D).transpose(1, 2)
    if cfg.position == "rope":
        rope = rope or t_rope
        q, k = rope(q, cfg.rope_base, positions), rope(k, cfg.rope_base, positions)
    k, v = k.repeat_interleave(H // K, dim=1), v.repeat_interleave(H // K, dim=1)
    allowed = torch.ones(T, T, dtype=torch.bool).tril()
    if is_pad is not None:
        allowed = allowed & ~torch.as_tensor(np.asarray(is_pad))[:, None, None, :]
    if explicit:
        s = (q @ k.transpose(-1, -2)) * (scale or 1 / math.sqrt(D))
        y = torch.softmax(s.masked_fill(~allowed, float("-inf")), -1) @ v
    else:
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=allowed, scale=scale)
    return t_linear(P, prefix + ".wo", y.transpose(1, 2).reshape(B, T, C))


def t_mlp(P: dict, prefix: str, x: torch.Tensor, cfg) -> torch.Tensor:
    if cfg.mlp == "swiglu":
        return t_linear(P, prefix + ".w2", F.silu(t_linear(P, prefix + ".w1", x)) * t_linear(P, prefix + ".w3", x))
    return t_linear(P, prefix + ".proj", F.gelu(t_linear(P, prefix + ".fc", x), approximate="tanh"))


def t_block(P: dict, prefix: str, x: torch.Tensor, cfg, is_pad=None, positions=None, *, rope=None,
            scale=None, explicit: bool = False) -> torch.Tensor:
    """The pre-LN block; ``prefix`` is ``""`` for a Block graded alone or ``"blocks.i."``."""
    x = x + t_attention(P, prefix + "attn", t_norm(P, prefix + "ln1", x, cfg), cfg, is_pad, positions, rope=rope,
                        scale=scale, explicit=explicit)
    return x + t_mlp(P, prefix + "mlp", t_norm(P, prefix + "ln2", x, cfg), cfg)


def t_sinusoids(T: int, C: int) -> torch.Tensor:
    pos = torch.arange(T, dtype=torch.float64)[:, None]
    freq = torch.exp(-math.log(10000.0) * torch.arange(0, C, 2, dtype=torch.float64) / C)
    pe = torch.zeros(T, C, dtype=torch.float64)
    pe[:, 0::2], pe[:, 1::2] = torch.sin(pos * freq), torch.cos(pos * freq)
    return pe


def t_gpt(P: dict, idx, cfg, is_pad=None, positions=None, *, rope=None, scale=None,
          explicit: bool = False) -> torch.Tensor:
    """The whole GPT: logits ``(B, T, V)`` from ids ``(B, T)``; the tokens sit at ``positions``
    ``(T,)`` (default ``0 .. T-1``: another vector shows what a model with wrong positions computes);
    ``rope`` replaces ``t_rope`` (to compute a wrong variant)."""
    idx = torch.as_tensor(np.asarray(idx))
    T = idx.shape[1]
    pos = torch.arange(T) if positions is None else torch.as_tensor(np.asarray(positions))
    x = P["wte.weight"][idx]
    if cfg.position == "learned":
        x = x + P["wpe.weight"][pos]
    elif cfg.position == "sinusoidal":
        table = t_sinusoids(int(pos.max()) + 1, cfg.n_embd).to(torch.float32).to(torch.float64)  # the model keeps float32
        x = x + table[pos]
    for i in range(cfg.n_layer):
        x = t_block(P, f"blocks.{i}.", x, cfg, is_pad, None if positions is None else pos, rope=rope, scale=scale,
                    explicit=explicit)
    x = t_norm(P, "ln_f", x, cfg)
    return x @ P["wte.weight"].T if cfg.tie_weights else x @ P["lm_head.weight"]


# ---------------------------------------------------------------- stories260K


def read_llama2c(path=None) -> tuple[dict, dict[str, np.ndarray]]:
    """llama2.c's checkpoint as ``(config fields, {learner name: float64 array})``: see
    :func:`common.llama2c.read_checkpoint`."""
    return read_checkpoint(path, np.float64)


def read_tok512(path=None) -> list[bytes]:
    """The token strings of llama2.c's tokenizer export, as bytes, by id."""
    return read_tokenizer(path)[0]
