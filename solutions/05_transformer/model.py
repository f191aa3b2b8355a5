"""GPT: token and position embeddings, a stack of blocks, a final norm, logits over the vocabulary.

::

    idx (B, T) --wte--> (B, T, C) [+ positions] --drop--> n_layer x Block --ln_f--> (B, T, C)
        --head--> logits (B, T, V)            C = n_embd, V = vocab_size, T <= block_size

The logits at position ``t`` are the model's guess for token ``t + 1``, made from tokens
``0..t`` only. With weight tying the head is the token table itself: ``logits = x @ wteᵀ``,
one ``(V, C)`` matrix that both reads tokens in and scores them out (Press and Wolf, 2017).

One config describes GPT-2 and Llama alike: ``norm``, ``mlp`` and ``position`` choose the
parts, ``n_kv_head`` the grouped-query attention.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from common import load

from .layers import Block, make_norm
from .positions import sinusoidal_positions

_tensor = load(2, "tensor")
_nn = load(2, "nn")
Tensor = _tensor.Tensor

NORMS = ("layernorm", "rmsnorm")
MLPS = ("gelu", "swiglu")
POSITIONS = ("learned", "sinusoidal", "rope", "none")


@dataclass
class GPTConfig:
    """Every size and choice of a GPT. The defaults are a GPT-2-style model (nanoGPT's).

    - ``vocab_size``, ``block_size`` (the longest context), ``n_layer``, ``n_head``, ``n_embd``
    - ``n_kv_head``: key/value heads for grouped-query attention; None means ``n_head``
    - ``dropout``: the probability of every dropout layer; ``bias``: biases in every Linear
      and LayerNorm
    - ``norm``: ``"layernorm"`` or ``"rmsnorm"``, with ``norm_eps``
    - ``mlp``: ``"gelu"`` (FeedForward) or ``"swiglu"``; ``mlp_hidden``: its width, None for
      ``4 * n_embd`` (gelu) or ``8/3 * n_embd`` rounded up to a multiple of 4 (swiglu)
    - ``position``: ``"learned"`` (a table ``wpe``), ``"sinusoidal"``, ``"rope"`` (rotary, with
      ``rope_base``) or ``"none"``
    - ``tie_weights``: the head shares the token table (else a separate ``lm_head``)
    """

    vocab_size: int = 50257
    block_size: int = 1024
    n_layer: int = 12
    n_head: int = 12
    n_embd: int = 768
    n_kv_head: int | None = None
    dropout: float = 0.0
    bias: bool = True
    norm: str = "layernorm"
    norm_eps: float = 1e-5
    mlp: str = "gelu"
    mlp_hidden: int | None = None
    position: str = "learned"
    rope_base: float = 10000.0
    tie_weights: bool = True

    def __post_init__(self):
        if self.n_kv_head is None:
            self.n_kv_head = self.n_head
        for name, value, allowed in (("norm", self.norm, NORMS), ("mlp", self.mlp, MLPS),
                                     ("position", self.position, POSITIONS)):
            if value not in allowed:
                raise ValueError(f"GPTConfig: {name}={value!r} is not one of {allowed}")
        for name in ("vocab_size", "block_size", "n_layer", "n_head", "n_embd", "n_kv_head"):
            if not (isinstance(getattr(self, name), int) and getattr(self, name) > 0):
                raise ValueError(f"GPTConfig: {name} must be a positive int, got {getattr(self, name)!r}")
        if self.n_embd % self.n_head:
            raise ValueError(f"GPTConfig: n_embd={self.n_embd} is not divisible by n_head={self.n_head}")
        if self.n_head % self.n_kv_head:
            raise ValueError(f"GPTConfig: n_head={self.n_head} is not a multiple of n_kv_head={self.n_kv_head}")
        if self.position == "rope" and self.head_dim % 2:
            raise ValueError(f"GPTConfig: RoPE needs an even head_dim, got {self.head_dim}")
        if self.position == "sinusoidal" and self.n_embd % 2:
            raise ValueError(f"GPTConfig: sinusoidal positions need an even n_embd, got {self.n_embd}")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"GPTConfig: dropout must be in [0, 1), got {self.dropout}")

    @property
    def head_dim(self) -> int:
        return self.n_embd // self.n_head

    @property
    def hidden(self) -> int:
        """The width of the feed-forward network."""
        if self.mlp_hidden is not None:
            return self.mlp_hidden
        if self.mlp == "swiglu":
            return 4 * math.ceil(int(8 * self.n_embd / 3) / 4)
        return 4 * self.n_embd


def count_parameters(config: GPTConfig) -> int:
    """The number of trainable numbers in ``GPT(config)``, from the config alone (a tied
    table counts once). ``GPT.num_parameters()`` must agree with it.
    """
    # Add up, with C = n_embd, H = n_head * head_dim, K = n_kv_head * head_dim, F = hidden:
    # the tables, per block two norms + attention (wq C×H, wk, wv C×K, wo H×C) + the MLP,
    # the final norm, and the head when it is not tied. Biases and LayerNorm's beta when bias.
    ### BEGIN SOLUTION
    c = config
    C, V, F, L = c.n_embd, c.vocab_size, c.hidden, c.n_layer
    H, K = c.n_head * c.head_dim, c.n_kv_head * c.head_dim
    b = 1 if c.bias else 0
    norm = C if c.norm == "rmsnorm" else C + b * C
    attn = C * H + 2 * C * K + H * C + b * (H + 2 * K + C)
    if c.mlp == "swiglu":
        mlp = 3 * C * F + b * (2 * F + C)
    else:
        mlp = 2 * C * F + b * (F + C)
    total = V * C + L * (2 * norm + attn + mlp) + norm
    if c.position == "learned":
        total += c.block_size * C
    if not c.tie_weights:
        total += C * V
    return total
    ### END SOLUTION


class GPT(_nn.Module):
    """``GPT(config, rng=rng)``: ``model(idx)`` maps token ids ``(B, T)`` to logits ``(B, T, V)``.

    Its parts, in this order:

    - ``wte``     ``Embedding(vocab_size, n_embd)``, the token table
    - ``wpe``     ``Embedding(block_size, n_embd)``, only when ``position == "learned"``
    - ``pe``      the fixed ``sinusoidal_positions(block_size, n_embd)`` array (not a
      Parameter), only when ``position == "sinusoidal"``
    - ``drop``    ``Dropout(dropout)`` on the sum of the embeddings
    - ``blocks``  a list of ``n_layer`` :class:`~layers.Block`
    - ``ln_f``    the final norm
    - ``lm_head`` ``Linear(n_embd, vocab_size, bias=False)``, only when not ``tie_weights``

    Initialisation (GPT-2's), drawn with ``rng`` after every layer exists: every Linear
    weight and both tables from N(0, 0.02²); the two projections that end a residual branch
    (``attn.wo`` and the MLP's ``proj`` or ``w2``) from N(0, (0.02 / √(2·n_layer))²) so
    the stream's variance does not grow with depth; biases 0, norm weights 1.
    """

    def __init__(self, config: GPTConfig, *, rng: np.random.Generator):
        self.config = c = config
        # Build the parts above (make_norm gives the configured norm), then re-draw the
        # weights as the docstring says, in named_parameters() order.
        ### BEGIN SOLUTION
        self.wte = _nn.Embedding(c.vocab_size, c.n_embd, rng=rng)
        if c.position == "learned":
            self.wpe = _nn.Embedding(c.block_size, c.n_embd, rng=rng)
        elif c.position == "sinusoidal":
            self.pe = sinusoidal_positions(c.block_size, c.n_embd)
        self.drop = _nn.Dropout(c.dropout, rng=rng)
        self.blocks = [Block(c, rng=rng) for _ in range(c.n_layer)]
        self.ln_f = make_norm(c)
        if not c.tie_weights:
            self.lm_head = _nn.Linear(c.n_embd, c.vocab_size, bias=False, rng=rng)

        residual_std = 0.02 / math.sqrt(2 * c.n_layer)
        for name, p in self.named_parameters():
            if name.endswith(("attn.wo.weight", "mlp.proj.weight", "mlp.w2.weight")):
                p.data[...] = rng.normal(0.0, residual_std, p.shape)
            elif p.ndim == 2:
                p.data[...] = rng.normal(0.0, 0.02, p.shape)
        ### END SOLUTION

    def forward(self, idx, is_pad=None) -> Tensor:
        """``idx`` int ``(B, T)`` with ``T <= block_size``; ``is_pad`` None or bool ``(B, T)``.

        Returns the logits ``(B, T, vocab_size)``. ValueError, naming the shapes, when
        ``idx`` is not 2-D or is longer than ``block_size``.
        """
        idx = idx.data if isinstance(idx, Tensor) else idx
        # First refuse what the model cannot run (the position table has block_size rows).
        ### BEGIN SOLUTION
        if idx.ndim != 2:
            raise ValueError(f"GPT takes token ids of shape (B, T), got shape {idx.shape}")
        B, T = idx.shape
        if T > self.config.block_size:
            raise ValueError(f"GPT got a sequence of {T} tokens but block_size is {self.config.block_size}")
        x = self.wte(idx)                                      # (B, T, C)
        if self.config.position == "learned":
            x = x + self.wpe(np.arange(T))                     # (T, C) broadcasts over B
        elif self.config.position == "sinusoidal":
            x = x + self.pe[:T]
        x = self.drop(x)
        for block in self.blocks:
            x = block(x, is_pad)
        x = self.ln_f(x)
        if self.config.tie_weights:
            return x @ self.wte.weight.T                       # (B, T, V)
        return self.lm_head(x)
        ### END SOLUTION

    def num_parameters(self) -> int:
        """The number of trainable numbers: the sizes of ``parameters()``, a tied table once."""
        return sum(p.size for p in self.parameters())
