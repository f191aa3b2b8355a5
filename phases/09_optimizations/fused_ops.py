"""The kernels in the training step: autograd operations around them, and a switch that fuses a GPT.

Each kernel pair becomes one node of phase 02's graph: forward launches the forward kernel on the
parents' device arrays and keeps what backward needs (attention's ``out`` and ``lse``, a norm's
row statistics, the cross-entropy's gradient, already computed in forward); backward launches
the backward kernel with the incoming gradient. Where phase 05's attention was a dozen kernels
and a ``(B, H, T, T)`` array, a fused one is one node and ``(B, H, T)`` numbers::

    phase 05:  q ─▶ q kᵀ ─▶ · scale ─▶ + mask ─▶ softmax ─▶ @ v ─▶     (every arrow a kernel)
    fused:     q, k, v ─▶ flash_attention ─▶ out                       (out and lse kept)

:func:`fuse` switches a GPT to the fused operations in place; :func:`fused_loss` switches phase
08's loss (``accumulation.lm_loss``) to the fused cross-entropy while it is active. The kernels
run on a GPU, or on the CPU simulator under ``SCRATCHGPT_FAKE_GPU=1``.
"""

from __future__ import annotations

import contextlib

import numpy as np

from common import load

from .kernels import (gpu_cross_entropy, gpu_flash_backward, gpu_flash_forward, gpu_layernorm_backward,
                      gpu_layernorm_forward, gpu_rmsnorm_backward, gpu_rmsnorm_forward)

Tensor = load(2, "tensor").Tensor
_attention = load(5, "attention")
_layers = load(5, "layers")


def flash_attention(q: Tensor, k: Tensor, v: Tensor) -> Tensor:
    """Causal attention ``(B, H, T, D)`` of ``q`` ``(B, H, T, D)`` and ``k``, ``v`` ``(B, H_kv, T, D)``
    as one node: forward ``gpu_flash_forward``, backward ``gpu_flash_backward`` with the saved
    ``out`` and ``lse`` (op name ``"flash_attention"``)."""
    # YOUR CODE HERE
    raise NotImplementedError("flash_attention: not written yet; see its docstring and the handout")


def fused_cross_entropy(logits: Tensor, targets, ignore_index: int = -100) -> Tensor:
    """The mean cross-entropy of ``logits`` ``(N, V)`` against the device array ``targets`` ``(N,)``
    as one node holding a 0-d float32 device array; its backward is ``g`` times the gradient
    ``gpu_cross_entropy`` computed in forward (op name ``"fused_cross_entropy"``)."""
    # YOUR CODE HERE
    raise NotImplementedError("fused_cross_entropy: not written yet; see its docstring and the handout")


def _rows(x: Tensor):
    """``x`` ``(..., C)`` as ``(N, C)`` rows, and how to give a row array its shape back."""
    shape = x.shape
    return x.data.reshape(-1, shape[-1]), (lambda a: a.reshape(shape))


def fused_layernorm(x: Tensor, weight: Tensor, bias: Tensor | None, eps: float = 1e-5) -> Tensor:
    """LayerNorm over the last axis of ``x`` as one node (``gpu_layernorm_forward`` / ``_backward``,
    the row statistics kept); ``bias`` may be None (op name ``"fused_layernorm"``)."""
    # YOUR CODE HERE
    raise NotImplementedError("fused_layernorm: not written yet; see its docstring and the handout")


def fused_rmsnorm(x: Tensor, weight: Tensor, eps: float = 1e-5) -> Tensor:
    """RMSNorm over the last axis of ``x`` as one node (op name ``"fused_rmsnorm"``)."""
    # YOUR CODE HERE
    raise NotImplementedError("fused_rmsnorm: not written yet; see its docstring and the handout")


# ---------------------------------------------------------------- the switch (given)

class FusedAttention(_attention.MultiHeadAttention):
    """Phase 05's attention with :func:`flash_attention` for the scores, softmax and weighted sum.
    Padding masks and attention dropout are not fused: ValueError. ``weights`` stays None."""

    def forward(self, x: Tensor, is_pad=None) -> Tensor:
        if is_pad is not None:
            raise ValueError("the fused attention is causal only: it takes no padding mask")
        if self.training and self.attn_drop.p > 0:
            raise ValueError("the fused attention has no dropout on its weights: train with dropout 0")
        B, T, C = x.shape
        q = _attention.split_heads(self.wq(x), self.n_head)
        k = _attention.split_heads(self.wk(x), self.n_kv_head)
        v = _attention.split_heads(self.wv(x), self.n_kv_head)
        if self.rope_base is not None:
            cos, sin = _attention.rope_angles(T, self.head_dim, self.rope_base)
            q, k = _attention.apply_rope(q, cos, sin), _attention.apply_rope(k, cos, sin)
        y = _attention.merge_heads(flash_attention(q, k, v))
        return self.resid_drop(self.wo(y))


class FusedLayerNorm(_layers.LayerNorm):
    def forward(self, x: Tensor) -> Tensor:
        return fused_layernorm(x, self.weight, self.bias, self.eps)


class FusedRMSNorm(_layers.RMSNorm):
    def forward(self, x: Tensor) -> Tensor:
        return fused_rmsnorm(x, self.weight, self.eps)


def fuse(model, *, attention: bool = True, norms: bool = True):
    """Switch ``model``'s attention and norms to the fused operations, in place (the parameters
    are the same objects); returns ``model``."""
    swaps = ((_attention.MultiHeadAttention, FusedAttention, attention), (_layers.LayerNorm, FusedLayerNorm, norms),
             (_layers.RMSNorm, FusedRMSNorm, norms))
    for module in model.modules():
        for plain, fused, on in swaps:
            if on and type(module) is plain:
                module.__class__ = fused
    return model


def unfuse(model):
    """Undo :func:`fuse`: phase 05's plain modules again, in place (to run on the CPU); returns ``model``."""
    for module in model.modules():
        if type(module) in (FusedAttention, FusedLayerNorm, FusedRMSNorm):
            module.__class__ = type(module).__mro__[1]
    return model


def fused_lm_loss(model, x, y):
    """Phase 08's ``lm_loss`` with :func:`fused_cross_entropy` (float32 logits)."""
    logits = model(x)
    B, T, V = logits.shape
    cast = load(8, "precision").cast
    return fused_cross_entropy(cast(logits.reshape(B * T, V), np.float32), y.reshape(B * T))


@contextlib.contextmanager
def fused_loss():
    """Within the block, phase 08's training step computes its loss with :func:`fused_lm_loss`."""
    accumulation = load(8, "accumulation")
    plain = accumulation.lm_loss
    accumulation.lm_loss = fused_lm_loss
    try:
        yield
    finally:
        accumulation.lm_loss = plain
