"""Your phase-05 GPT again, in PyTorch: the same parts under the same names, ``torch.nn`` doing the work.

Everything you wrote by hand in phases 02 and 05 has a PyTorch counterpart::

    phase 02/05                      PyTorch
    Tensor + backward                torch.Tensor + autograd
    Linear (weight (in, out))        nn.Linear (weight (out, in): y = x @ Wᵀ + b)
    Embedding, Dropout, LayerNorm    nn.Embedding, nn.Dropout, nn.LayerNorm
    RMSNorm                          nn.RMSNorm
    attention's softmax(q kᵀ/√d) v   F.scaled_dot_product_attention(q, k, v, is_causal=True)

So a state dict moves between the two models by name, each Linear weight transposed. The
module keeps phase 05's names (``wte``, ``blocks.0.attn.wq``, ``mlp.fc``, ...) and its choices
(``norm``, ``mlp``, ``position``, ``n_kv_head``, ``bias``, ``tie_weights``).
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from common import load

GPTConfig = load(5, "model").GPTConfig
sinusoidal_positions = load(5, "positions").sinusoidal_positions


def rope(x: torch.Tensor, base: float) -> torch.Tensor:
    """Phase 05's rotary embedding on ``x`` ``(B, heads, T, D)``: features ``(2i, 2i+1)`` of the
    token at position ``p`` turned by the angle ``p · base^(-2i/D)``. Given."""
    T, D = x.shape[-2], x.shape[-1]
    theta = base ** (-torch.arange(0, D, 2, dtype=torch.float64) / D)
    angles = torch.outer(torch.arange(T, dtype=torch.float64), theta)              # (T, D/2)
    cos, sin = angles.cos().to(x.dtype), angles.sin().to(x.dtype)
    x1, x2 = x[..., 0::2], x[..., 1::2]
    return torch.stack((x1 * cos - x2 * sin, x1 * sin + x2 * cos), dim=-1).flatten(-2)


def make_norm(c: GPTConfig) -> nn.Module:
    """``nn.RMSNorm`` or ``nn.LayerNorm`` (with a bias when ``c.bias``), eps ``c.norm_eps``. Given."""
    if c.norm == "rmsnorm":
        return nn.RMSNorm(c.n_embd, eps=c.norm_eps)
    return nn.LayerNorm(c.n_embd, eps=c.norm_eps, bias=c.bias)


class Attention(nn.Module):
    """Causal (grouped-query) self-attention: ``wq``, ``wk``, ``wv``, ``wo`` as in phase 05."""

    def __init__(self, c: GPTConfig):
        super().__init__()
        self.config = c
        D = c.head_dim
        # Four nn.Linear: wq (C → n_head·D), wk and wv (C → n_kv_head·D), wo (n_head·D → C).
        # YOUR CODE HERE
        raise NotImplementedError("Attention.__init__: not written yet; see its docstring and the handout")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, T, C)`` → ``(B, T, C)``; RoPE on q and k when ``position == "rope"``, each key/value
        head shared by ``n_head // n_kv_head`` query heads."""
        # YOUR CODE HERE
        raise NotImplementedError("Attention.forward: not written yet; see its docstring and the handout")


class MLP(nn.Module):
    """``fc`` → GELU (tanh form) → ``proj``, or SwiGLU's ``w2(silu(w1 x) * w3 x)``."""

    def __init__(self, c: GPTConfig):
        super().__init__()
        self.config = c
        # YOUR CODE HERE
        raise NotImplementedError("MLP.__init__: not written yet; see its docstring and the handout")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # YOUR CODE HERE
        raise NotImplementedError("MLP.forward: not written yet; see its docstring and the handout")


class Block(nn.Module):
    """The pre-LN block: ``x + attn(ln1(x))``, then ``x + mlp(ln2(x))``; dropout after each branch."""

    def __init__(self, c: GPTConfig):
        super().__init__()
        self.ln1, self.attn = make_norm(c), Attention(c)
        self.ln2, self.mlp = make_norm(c), MLP(c)
        self.drop = nn.Dropout(c.dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.drop(self.attn(self.ln1(x)))
        return x + self.drop(self.mlp(self.ln2(x)))


class TorchGPT(nn.Module):
    """``TorchGPT(config)``: ids ``(B, T)`` (a LongTensor) → logits ``(B, T, vocab_size)``.

    Parts as phase 05's GPT, under its names: ``wte``, ``wpe`` (learned positions), the buffer
    ``pe`` (sinusoidal), ``drop``, ``blocks`` (an ``nn.ModuleList``), ``ln_f``, ``lm_head`` (untied
    only). Weights stay as PyTorch initialises them: :func:`load_scratch_state` fills them.
    """

    def __init__(self, config: GPTConfig):
        super().__init__()
        self.config = c = config
        self.wte = nn.Embedding(c.vocab_size, c.n_embd)
        if c.position == "learned":
            self.wpe = nn.Embedding(c.block_size, c.n_embd)
        elif c.position == "sinusoidal":
            self.register_buffer("pe", torch.from_numpy(np.asarray(sinusoidal_positions(c.block_size, c.n_embd),
                                                                   dtype=np.float32)))
        self.drop = nn.Dropout(c.dropout)
        self.blocks = nn.ModuleList(Block(c) for _ in range(c.n_layer))
        self.ln_f = make_norm(c)
        if not c.tie_weights:
            self.lm_head = nn.Linear(c.n_embd, c.vocab_size, bias=False)

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        """Embeddings (plus positions), dropout, the blocks, ``ln_f``, the head (``x @ wteᵀ`` when
        tied). ValueError naming ``block_size`` for a longer ``T``."""
        # YOUR CODE HERE
        raise NotImplementedError("TorchGPT.forward: not written yet; see its docstring and the handout")


LINEARS = ("wq", "wk", "wv", "wo", "fc", "proj", "w1", "w2", "w3", "lm_head")


def is_linear_weight(name: str) -> bool:
    """True for the weight of a Linear (stored transposed across the two frameworks), False for
    the token and position tables, norms and biases. Given."""
    parts = name.split(".")
    return parts[-1] == "weight" and len(parts) >= 2 and parts[-2] in LINEARS


def load_scratch_state(model: TorchGPT, state: dict[str, np.ndarray]) -> TorchGPT:
    """Copy phase 05's ``state_dict()`` into ``model`` in place (and return it): every name
    matched, each Linear weight transposed from ``(in, out)`` to ``(out, in)``, values converted
    to the model's dtype. ValueError naming the first missing, unexpected or wrongly shaped
    entry; nothing is changed then."""
    # YOUR CODE HERE
    raise NotImplementedError("load_scratch_state: not written yet; see its docstring and the handout")


def scratch_state(model: TorchGPT) -> dict[str, np.ndarray]:
    """The other way: ``model``'s parameters as phase 05's ``state_dict()`` (float32 NumPy,
    Linear weights transposed back to ``(in, out)``): copies, which stay as they are while the
    model trains on (``.numpy()`` of a float32 parameter shares its memory)."""
    # YOUR CODE HERE
    raise NotImplementedError("scratch_state: not written yet; see its docstring and the handout")


def from_scratch(gpt, dtype=torch.float32) -> TorchGPT:
    """A :class:`TorchGPT` holding the weights of your phase-05 ``gpt``, in ``dtype``, in the same
    train/eval mode. Given."""
    twin = TorchGPT(gpt.config).to(dtype)
    load_scratch_state(twin, gpt.state_dict())
    return twin.train(gpt.training)


def init_like_scratch(model: TorchGPT, seed: int = 0) -> TorchGPT:
    """GPT-2's initialisation (phase 05's): N(0, 0.02²) weights and tables, residual projections
    scaled by 1/√(2·n_layer), biases 0, norms 1. Given."""
    g = torch.Generator().manual_seed(seed)
    std = 0.02 / math.sqrt(2 * model.config.n_layer)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.ndim == 2:
                s = std if name.endswith(("attn.wo.weight", "mlp.proj.weight", "mlp.w2.weight")) else 0.02
                p.copy_(torch.randn(p.shape, generator=g, dtype=torch.float64) * s)
            elif name.endswith(".bias"):
                p.zero_()
    return model
