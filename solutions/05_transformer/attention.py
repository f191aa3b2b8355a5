"""Scaled dot-product attention and multi-head attention.

Each position asks a question (its query ``q``), every position offers an answer label (its
key ``k``) and a content (its value ``v``). The output at a position is the average of the
values, weighted by how well its query matches each key::

    weights = softmax(q kᵀ / √d_k + mask)      (T_q, T_k), each row sums to 1
    out     = weights v                         (T_q, d_v)

The mask adds ``-inf`` where a query must not look: after the softmax those weights are
exactly 0. A language model uses the *causal* mask: position ``t`` sees positions ``0..t``.

Multi-head attention runs ``n_head`` such attentions side by side on slices of size
``head_dim = n_embd / n_head``, each free to look for something different, and mixes their
outputs with one more linear layer. Grouped-query attention (GQA) lets groups of query
heads share one key/value head, which shrinks the key/value cache at generation time.
"""

from __future__ import annotations

import math

import numpy as np

from common import load

from .positions import apply_rope, rope_angles

_tensor = load(2, "tensor")
_nn = load(2, "nn")
Tensor = _tensor.Tensor


def causal_mask(T_q: int, T_k: int | None = None) -> np.ndarray:
    """The additive causal mask ``(T_q, T_k)``, float32: 0 where a query may look, ``-inf`` where not.

    The queries are the *last* ``T_q`` of ``T_k`` positions (``T_k = T_q`` when None), so
    query ``i`` sits at position ``T_k - T_q + i`` and sees keys ``0`` up to that position,
    itself included.
    """
    T_k = T_q if T_k is None else T_k
    if T_q > T_k:
        raise ValueError(f"causal_mask: {T_q} queries cannot be the last queries of only {T_k} keys")
    # np.triu with an offset, or compare a column of query positions with a row of key positions.
    ### BEGIN SOLUTION
    q_pos = np.arange(T_k - T_q, T_k)[:, None]
    k_pos = np.arange(T_k)[None, :]
    return np.where(k_pos <= q_pos, 0.0, -np.inf).astype(np.float32)
    ### END SOLUTION


def padding_mask(is_pad) -> np.ndarray:
    """The additive mask ``(B, 1, 1, T)`` that hides padding keys, float32.

    ``is_pad``: bool ``(B, T)``, True where sequence ``b`` has a padding token at ``t``.
    Broadcast against scores ``(B, n_head, T_q, T)``, it puts ``-inf`` in every column of
    a padding key, for every head and every query. (A query that then sees no key at all,
    as a left-padded first position would, gets NaN weights: pad on the right.)
    """
    is_pad = np.asarray(is_pad)
    if is_pad.ndim != 2 or is_pad.dtype != bool:
        raise ValueError(f"padding_mask takes a bool array (B, T), got dtype {is_pad.dtype} shape {is_pad.shape}")
    ### BEGIN SOLUTION
    return np.where(is_pad, -np.inf, 0.0).astype(np.float32)[:, None, None, :]
    ### END SOLUTION


def attention_weights(q: Tensor, k: Tensor, mask=None) -> Tensor:
    """``softmax(q kᵀ / √d_k + mask)`` over the keys: ``(..., T_q, T_k)``, each row sums to 1.

    ``q``: ``(..., T_q, d_k)``; ``k``: ``(..., T_k, d_k)``; ``mask``: None or an additive
    array broadcastable to ``(..., T_q, T_k)`` (0 or ``-inf``), e.g. :func:`causal_mask`.
    """
    # Without the 1/√d_k the scores grow like √d_k and the softmax saturates.
    ### BEGIN SOLUTION
    # One node for the product, the scale, the mask and the softmax: the same numbers as four
    # nodes, with the scores computed in place in one array. Backward is the softmax's closed
    # form, ds = s * (g - sum(g * s)), scaled, then the product's two rules.
    xp, scale = q.xp, 1.0 / math.sqrt(q.shape[-1])
    s = q.data @ xp.swapaxes(k.data, -1, -2)
    s *= scale
    if mask is not None:
        s = s + (mask.data if isinstance(mask, Tensor) else xp.asarray(mask))
    # The row maximum through nanmax, whose NumPy loop is faster than max's on short rows (a
    # NaN score still makes its row NaN, through the sum).
    s -= xp.nanmax(s, axis=-1, keepdims=True)
    xp.exp(s, out=s)
    s /= s.sum(axis=-1, keepdims=True)

    def backward(g):
        ds = g * s
        ds -= s * ds.sum(axis=-1, keepdims=True)
        ds *= scale
        gq = _tensor._unbroadcast(ds @ k.data, q.shape) if q.requires_grad else None
        gk = _tensor._unbroadcast(xp.swapaxes(ds, -1, -2) @ q.data, k.shape) if k.requires_grad else None
        return gq, gk

    return Tensor._make(s, (q, k), backward, "attention_weights")
    ### END SOLUTION


def scaled_dot_product_attention(q: Tensor, k: Tensor, v: Tensor, mask=None) -> Tensor:
    """``attention_weights(q, k, mask) @ v``: ``(..., T_q, d_v)``.

    ``v``: ``(..., T_k, d_v)``; the other arguments as for :func:`attention_weights`. This is
    ``torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mask)``.
    """
    ### BEGIN SOLUTION
    return attention_weights(q, k, mask) @ v
    ### END SOLUTION


def split_heads(x: Tensor, n_head: int) -> Tensor:
    """``(B, T, n_head * head_dim)`` -> ``(B, n_head, T, head_dim)``.

    Head ``h`` takes features ``h * head_dim`` to ``(h + 1) * head_dim - 1`` of every position.
    """
    B, T, C = x.shape
    if C % n_head:
        raise ValueError(f"split_heads: {C} features do not split into {n_head} heads")
    # Reshape so the last axis splits into (n_head, head_dim), then swap the T and head axes.
    ### BEGIN SOLUTION
    return x.reshape(B, T, n_head, C // n_head).transpose(1, 2)
    ### END SOLUTION


def merge_heads(x: Tensor) -> Tensor:
    """The inverse of :func:`split_heads`: ``(B, n_head, T, head_dim)`` -> ``(B, T, n_head * head_dim)``."""
    B, H, T, D = x.shape
    ### BEGIN SOLUTION
    return x.transpose(1, 2).reshape(B, T, H * D)
    ### END SOLUTION


def repeat_kv(x: Tensor, n_rep: int) -> Tensor:
    """``(B, n_kv_head, T, head_dim)`` -> ``(B, n_kv_head * n_rep, T, head_dim)`` for GQA.

    Query head ``h`` uses key/value head ``h // n_rep``: each key/value head is repeated
    ``n_rep`` times *in place* (``0, 0, 1, 1, ...`` for ``n_rep = 2``), not the whole
    stack tiled. The identity when ``n_rep == 1``.
    """
    if n_rep == 1:
        return x
    # Stack n_rep copies on a new axis after the heads and merge the two axes; or index axis 1
    # with an integer array (phase 02's getitem adds the gradients back up, more slowly).
    ### BEGIN SOLUTION
    B, K, T, D = x.shape
    return _tensor.stack([x] * n_rep, axis=2).reshape(B, K * n_rep, T, D)
    ### END SOLUTION


class MultiHeadAttention(_nn.Module):
    """Causal multi-head self-attention on ``x`` ``(B, T, n_embd)`` -> ``(B, T, n_embd)``.

    ``MultiHeadAttention(n_embd, n_head, n_kv_head=None, bias=True, dropout=0.0,
    rope_base=None, rng=rng)``. Its layers, in this order (phase-02 ``Linear`` and ``Dropout``):

    - ``wq`` ``Linear(n_embd, n_head * head_dim)``     queries
    - ``wk`` ``Linear(n_embd, n_kv_head * head_dim)``  keys
    - ``wv`` ``Linear(n_embd, n_kv_head * head_dim)``  values
    - ``wo`` ``Linear(n_head * head_dim, n_embd)``     mixes the heads' outputs
    - ``attn_drop`` on the attention weights, ``resid_drop`` on the output

    with ``head_dim = n_embd // n_head`` and ``n_kv_head = n_head`` when None (plain
    multi-head attention). With ``rope_base`` set, queries and keys are rotated by
    :func:`apply_rope` after the head split. The last attention weights are kept, as a
    NumPy-or-CuPy array ``(B, n_head, T, T)``, in ``self.weights`` for plotting.
    """

    def __init__(self, n_embd: int, n_head: int, n_kv_head: int | None = None, *, bias: bool = True,
                 dropout: float = 0.0, rope_base: float | None = None, rng: np.random.Generator):
        n_kv_head = n_head if n_kv_head is None else n_kv_head
        if n_embd % n_head:
            raise ValueError(f"n_embd={n_embd} is not divisible by n_head={n_head}")
        if n_head % n_kv_head:
            raise ValueError(f"n_head={n_head} is not a multiple of n_kv_head={n_kv_head}")
        self.n_embd, self.n_head, self.n_kv_head = n_embd, n_head, n_kv_head
        self.head_dim = n_embd // n_head
        self.rope_base = rope_base
        self.weights = None
        Linear = _nn.Linear
        self.wq = Linear(n_embd, n_head * self.head_dim, bias, rng=rng)
        self.wk = Linear(n_embd, n_kv_head * self.head_dim, bias, rng=rng)
        self.wv = Linear(n_embd, n_kv_head * self.head_dim, bias, rng=rng)
        self.wo = Linear(n_head * self.head_dim, n_embd, bias, rng=rng)
        self.attn_drop = _nn.Dropout(dropout, rng=rng)
        self.resid_drop = _nn.Dropout(dropout, rng=rng)

    def forward(self, x: Tensor, is_pad=None) -> Tensor:
        """``x`` ``(B, T, n_embd)``, ``is_pad`` None or bool ``(B, T)`` -> ``(B, T, n_embd)``.

        Project, split into heads, rotate (RoPE), repeat the key/value heads (GQA), attend
        under the causal mask (plus the padding mask), merge the heads, project back.
        """
        B, T, C = x.shape
        # Keep the attention weights in self.weights (their .data) before dropout.
        ### BEGIN SOLUTION
        q = split_heads(self.wq(x), self.n_head)          # (B, H, T, hd)
        k = split_heads(self.wk(x), self.n_kv_head)       # (B, Hkv, T, hd)
        v = split_heads(self.wv(x), self.n_kv_head)
        if self.rope_base is not None:
            cos, sin = rope_angles(T, self.head_dim, self.rope_base)
            q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        rep = self.n_head // self.n_kv_head
        k, v = repeat_kv(k, rep), repeat_kv(v, rep)
        mask = causal_mask(T)
        if is_pad is not None:
            mask = mask + padding_mask(is_pad)            # (B, 1, T, T)
        w = attention_weights(q, k, mask)                 # (B, H, T, T)
        self.weights = w.data
        y = merge_heads(self.attn_drop(w) @ v)            # (B, T, C)
        return self.resid_drop(self.wo(y))
        ### END SOLUTION
