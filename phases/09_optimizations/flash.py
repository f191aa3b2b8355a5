"""Fused causal attention, tile by tile: the online softmax (FlashAttention), as NumPy twins.

Phase 05's attention writes the scores ``(T, T)`` of every head to memory, then their softmax,
then reads both again in backward: memory and traffic that grow as ``T²``. A fused kernel never
holds them. A block of queries walks over the blocks of keys, keeping for each query a running
maximum ``m``, a running sum ``l`` and an unnormalised output ``acc``::

    for each key block j:     s   = q_blk @ k_blkᵀ · scale           (bq, bk), causal mask applied
                              m'  = max(m, rowmax(s))
                              p   = exp(s - m')
                              l   = l · exp(m - m') + rowsum(p)        rescale what came before,
                              acc = acc · exp(m - m') + p @ v_blk      then add the new block
                              m   = m'
    out = acc / l,            lse = m + log(l)                       (the log-sum-exp of each row)

Backward recomputes each block of probabilities from the saved ``lse``, ``p = exp(s - lse)``,
instead of storing them; with ``D = rowsum(dout * out)``:
``dv += pᵀ dout``, ``dp = dout vᵀ``, ``ds = p (dp - D)``, ``dq += ds k · scale``,
``dk += dsᵀ q · scale``. With grouped-query attention several query heads share one key/value
head (head ``h`` reads key/value head ``h // (H / H_kv)``), and their ``dk``, ``dv`` add up.
"""

from __future__ import annotations

import math

import numpy as np


def check_shapes(q, k, v) -> tuple[int, int, int, int, int]:
    """``(B, H, H_kv, T, D)`` for ``q`` ``(B, H, T, D)`` and ``k``, ``v`` ``(B, H_kv, T, D)`` with
    ``H_kv`` dividing ``H``; ValueError naming the shapes otherwise. Given."""
    if q.ndim != 4 or k.shape != v.shape or k.ndim != 4 or q.shape[0] != k.shape[0] or q.shape[2:] != k.shape[2:] \
            or k.shape[1] == 0 or q.shape[1] % k.shape[1]:
        raise ValueError(f"attention needs q (B, H, T, D) and k, v (B, H_kv, T, D) with H_kv dividing H, got "
                         f"{q.shape}, {k.shape}, {v.shape}")
    B, H, T, D = q.shape
    return B, H, k.shape[1], T, D


def block_mask(q0: int, nq: int, k0: int, nk: int) -> np.ndarray:
    """The causal mask of a block: True where key ``k0 + j`` may be seen by query ``q0 + i``
    (``k0 + j <= q0 + i``), shape ``(nq, nk)``. Given."""
    return (k0 + np.arange(nk))[None, :] <= (q0 + np.arange(nq))[:, None]


def flash_forward(q, k, v, *, causal: bool = True, block_q: int = 16, block_k: int = 16, scale: float | None = None):
    """``(out, lse)``: attention output ``(B, H, T, D)`` and log-sum-exp of each query's scaled,
    masked scores ``(B, H, T)``, by the online softmax, ``block_q`` queries and ``block_k`` keys at
    a time. ``scale`` defaults to ``1 / sqrt(D)``. With ``causal``, key blocks that lie wholly
    after a query block are not visited at all; a block that straddles the diagonal is masked
    with :func:`block_mask`. The last blocks may be shorter.
    """
    B, H, Hkv, T, D = check_shapes(q, k, v)
    scale = 1.0 / math.sqrt(D) if scale is None else scale
    # YOUR CODE HERE
    raise NotImplementedError("flash_forward: not written yet; see its docstring and the handout")


def flash_backward(q, k, v, out, lse, dout, *, causal: bool = True, block_q: int = 16, block_k: int = 16,
                   scale: float | None = None):
    """``(dq, dk, dv)``, shaped like ``q``, ``k``, ``v``: the gradients of attention given
    ``dout`` ``(B, H, T, D)``, with ``out`` and ``lse`` from :func:`flash_forward`.

    The loop runs over key blocks outside and query blocks inside (each key block's ``dk`` and
    ``dv`` are finished in one pass); probabilities are recomputed as ``exp(s - lse)``, never
    stored. With ``causal``, query blocks that lie wholly before a key block are skipped.
    """
    B, H, Hkv, T, D = check_shapes(q, k, v)
    scale = 1.0 / math.sqrt(D) if scale is None else scale
    # YOUR CODE HERE
    raise NotImplementedError("flash_backward: not written yet; see its docstring and the handout")
