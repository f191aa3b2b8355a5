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
    ### BEGIN SOLUTION
    rep = H // Hkv
    out = np.empty(q.shape, dtype=q.dtype)
    lse = np.empty((B, H, T), dtype=q.dtype)
    for h in range(H):
        kh, vh = k[:, h // rep], v[:, h // rep]
        for q0 in range(0, T, block_q):
            qb = q[:, h, q0:q0 + block_q]
            nq = qb.shape[1]
            m = np.full((B, nq), -np.inf, dtype=q.dtype)
            l = np.zeros((B, nq), dtype=q.dtype)
            acc = np.zeros((B, nq, D), dtype=q.dtype)
            k_end = min(T, q0 + nq) if causal else T
            for k0 in range(0, k_end, block_k):
                kb, vb = kh[:, k0:k0 + block_k], vh[:, k0:k0 + block_k]
                s = qb @ kb.swapaxes(-1, -2) * scale
                if causal:
                    s = np.where(block_mask(q0, nq, k0, kb.shape[1]), s, -np.inf)
                m_new = np.maximum(m, s.max(axis=-1))
                alpha = np.exp(m - m_new)
                p = np.exp(s - m_new[..., None])
                l = l * alpha + p.sum(axis=-1)
                acc = acc * alpha[..., None] + p @ vb
                m = m_new
            out[:, h, q0:q0 + nq] = acc / l[..., None]
            lse[:, h, q0:q0 + nq] = m + np.log(l)
    return out, lse
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    rep = H // Hkv
    dq = np.zeros(q.shape, dtype=q.dtype)
    dk = np.zeros(k.shape, dtype=k.dtype)
    dv = np.zeros(v.shape, dtype=v.dtype)
    Dsum = (dout * out).sum(axis=-1)                                       # (B, H, T)
    for h in range(H):
        kh, vh = k[:, h // rep], v[:, h // rep]
        for k0 in range(0, T, block_k):
            kb, vb = kh[:, k0:k0 + block_k], vh[:, k0:k0 + block_k]
            nk = kb.shape[1]
            dk_acc = np.zeros((B, nk, D), dtype=k.dtype)
            dv_acc = np.zeros((B, nk, D), dtype=v.dtype)
            first = (k0 // block_q) * block_q if causal else 0
            for q0 in range(first, T, block_q):
                qb, dob = q[:, h, q0:q0 + block_q], dout[:, h, q0:q0 + block_q]
                nq = qb.shape[1]
                s = qb @ kb.swapaxes(-1, -2) * scale
                if causal:
                    s = np.where(block_mask(q0, nq, k0, nk), s, -np.inf)
                p = np.exp(s - lse[:, h, q0:q0 + nq, None])
                dv_acc += p.swapaxes(-1, -2) @ dob
                dp = dob @ vb.swapaxes(-1, -2)
                ds = p * (dp - Dsum[:, h, q0:q0 + nq, None])
                dq[:, h, q0:q0 + nq] += ds @ kb * scale
                dk_acc += ds.swapaxes(-1, -2) @ qb * scale
            dk[:, h // rep, k0:k0 + nk] += dk_acc
            dv[:, h // rep, k0:k0 + nk] += dv_acc
    return dq, dk, dv
    ### END SOLUTION
