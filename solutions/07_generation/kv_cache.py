"""A key/value cache: each new token costs one position's work, not the whole sequence's.

Without a cache, generating token ``t + 1`` runs the model on all ``t + 1`` tokens again,
although the keys and values of the first ``t`` cannot have changed (causal attention: a
position never looks ahead). The cache keeps them, one pre-allocated pair per layer::

    cache.k[layer], cache.v[layer]      (B, n_kv_head, max_len, head_dim)

Grouped-query attention caches only the ``n_kv_head`` key/value heads: the repeat for the
query heads happens after reading.

A forward pass with the cache takes new tokens ``idx`` ``(B, T)`` that sit at positions
``start[b] .. start[b] + T - 1`` of row ``b``; it writes their keys and values there, and each
new query attends to every cached key of its row up to its own position. The *prefill* reads a
prompt in one pass (``start = 0``, ``T`` = its length); each later step reads one token
(``T = 1``, ``start`` = the row's length so far). Rows may have different lengths: prompts are
padded on the right, and a row's padding is simply overwritten by its next tokens (a query
never sees a position after its own, so it never sees padding).

Positions must be the true ones: the learned table's row, the sinusoid and the rotary angle
of a token are those of its position in the row, not of its index in ``idx``.
"""

from __future__ import annotations

import numpy as np

from common import load

_tensor = load(2, "tensor")
_attention = load(5, "attention")
_positions = load(5, "positions")
Tensor = _tensor.Tensor


class KVCache:
    """Keys and values of ``batch_size`` rows of up to ``max_len`` positions (default
    ``config.block_size``), for a GPT of ``config`` (a phase-05 ``GPTConfig``).

    ``k`` and ``v``: lists of ``n_layer`` separate zero arrays ``(batch_size, n_kv_head,
    max_len, head_dim)`` of ``dtype`` (the model's: float32, or float64 for exact checks).
    With rotary positions, ``cos`` and ``sin`` hold ``rope_angles(max_len, head_dim, rope_base)``
    (computed once); otherwise they are None.
    """

    def __init__(self, config, batch_size: int, max_len: int | None = None, dtype=np.float32):
        max_len = config.block_size if max_len is None else max_len
        if batch_size < 1 or max_len < 1:
            raise ValueError(f"KVCache needs batch_size >= 1 and max_len >= 1, got {batch_size} and {max_len}")
        self.config, self.batch_size, self.max_len = config, batch_size, max_len
        # One array per layer (not one array shared by all), of the key/value heads only.
        ### BEGIN SOLUTION
        shape = (batch_size, config.n_kv_head, max_len, config.head_dim)
        self.k = [np.zeros(shape, dtype=dtype) for _ in range(config.n_layer)]
        self.v = [np.zeros(shape, dtype=dtype) for _ in range(config.n_layer)]
        if config.position == "rope":
            self.cos, self.sin = _positions.rope_angles(max_len, config.head_dim, config.rope_base)
        else:
            self.cos = self.sin = None
        ### END SOLUTION

    def write(self, layer: int, rows, positions, k, v) -> tuple[np.ndarray, np.ndarray]:
        """Store new keys and values, return everything row by row up to the last position written.

        ``rows``: int ``(B',)``, the cache rows of the batch; ``positions``: int ``(B', T)``,
        where each new token goes; ``k``, ``v``: arrays ``(B', n_kv_head, T, head_dim)``.
        Returns ``(keys, values)``, each ``(B', n_kv_head, T_k, head_dim)`` with
        ``T_k = positions.max() + 1``: copies, so later writes do not change them.
        """
        # cache[rows[:, None], :, positions] addresses (B', T, n_kv_head, head_dim): the two
        # index arrays broadcast to (B', T) and their axes come first.
        ### BEGIN SOLUTION
        rows = np.asarray(rows)[:, None]
        self.k[layer][rows, :, positions] = np.swapaxes(k, 1, 2)
        self.v[layer][rows, :, positions] = np.swapaxes(v, 1, 2)
        T_k = int(positions.max()) + 1
        return self.k[layer][rows[:, 0], :, :T_k], self.v[layer][rows[:, 0], :, :T_k]
        ### END SOLUTION


def position_ids(start, T: int) -> np.ndarray:
    """The positions ``(B, T)`` of ``T`` new tokens in rows that already hold ``start`` ``(B,)``:
    row ``b`` is ``start[b], start[b] + 1, ..., start[b] + T - 1``. int64."""
    ### BEGIN SOLUTION
    return np.asarray(start, dtype=np.int64)[:, None] + np.arange(T, dtype=np.int64)
    ### END SOLUTION


def cached_attention(attn, x: Tensor, cache: KVCache, layer: int, rows, positions) -> Tensor:
    """Phase 05's ``MultiHeadAttention`` ``attn`` on new tokens ``x`` ``(B', T, n_embd)`` at
    ``positions`` ``(B', T)``, with the cache: returns ``(B', T, n_embd)``.

    Project (``attn.wq``, ``wk``, ``wv``), split into heads, rotate queries and keys by their
    true positions (RoPE: ``cache.cos[positions]`` has shape ``(B', T, head_dim/2)``; give it a
    head axis), write the keys and values to the cache, read the row's keys and values back,
    repeat them for GQA, attend with the mask "key position <= query position", merge, ``wo``.
    """
    # The mask has shape (B', 1, T, T_k): 0 where arange(T_k) <= the query's position, -inf after.
    ### BEGIN SOLUTION
    q = _attention.split_heads(attn.wq(x), attn.n_head)                 # (B', H, T, hd)
    k = _attention.split_heads(attn.wk(x), attn.n_kv_head)              # (B', Hkv, T, hd)
    v = _attention.split_heads(attn.wv(x), attn.n_kv_head)
    if attn.rope_base is not None:
        cos, sin = cache.cos[positions][:, None], cache.sin[positions][:, None]   # (B', 1, T, hd/2)
        q, k = _positions.apply_rope(q, cos, sin), _positions.apply_rope(k, cos, sin)
    keys, values = cache.write(layer, rows, positions, k.data, v.data)
    rep = attn.n_head // attn.n_kv_head
    keys, values = _attention.repeat_kv(Tensor(keys), rep), _attention.repeat_kv(Tensor(values), rep)
    visible = np.arange(keys.shape[2])[None, None, :] <= positions[:, :, None]       # (B', T, T_k)
    mask = np.where(visible, 0.0, -np.inf)[:, None]
    w = _attention.attention_weights(q, keys, mask)                    # (B', H, T, T_k)
    return attn.wo(_attention.merge_heads(w @ values))
    ### END SOLUTION


def forward_cached(model, idx, cache: KVCache, start, rows=None) -> np.ndarray:
    """The logits ``(B', T, vocab_size)`` of new tokens ``idx`` ``(B', T)`` appended to cache
    rows ``rows`` (default ``0 .. B'-1``) at positions ``start[b] ..``, as ``model(full rows)``
    would give them at those positions. Runs without recording a graph; ``model`` is a
    phase-05 ``GPT`` in eval mode.

    ValueError when a position would reach ``cache.max_len`` or ``block_size``.
    """
    idx = np.asarray(idx)
    start = np.asarray(start, dtype=np.int64)
    rows = np.arange(idx.shape[0]) if rows is None else np.asarray(rows, dtype=np.int64)
    if idx.ndim != 2 or start.shape != idx.shape[:1] or rows.shape != idx.shape[:1]:
        raise ValueError(f"forward_cached takes idx (B, T), start (B,) and rows (B,), got {idx.shape}, "
                         f"{start.shape} and {rows.shape}")
    limit = min(cache.max_len, model.config.block_size)
    if idx.shape[1] and start.max() + idx.shape[1] > limit:
        raise ValueError(f"forward_cached: positions up to {start.max() + idx.shape[1] - 1} do not fit a cache of "
                         f"{cache.max_len} positions and block_size {model.config.block_size}")
    cfg = model.config
    with _tensor.no_grad():
        # The embeddings at the true positions, then each block with cached_attention in place
        # of block.attn, then the final norm and the head.
        ### BEGIN SOLUTION
        positions = position_ids(start, idx.shape[1])
        x = model.wte(idx)
        if cfg.position == "learned":
            x = x + model.wpe(positions)
        elif cfg.position == "sinusoidal":
            x = x + model.pe[positions]
        for layer, block in enumerate(model.blocks):
            x = x + cached_attention(block.attn, block.ln1(x), cache, layer, rows, positions)
            x = x + block.mlp(block.ln2(x))
        x = model.ln_f(x)
        logits = x @ model.wte.weight.T if cfg.tie_weights else model.lm_head(x)
        return logits.data
        ### END SOLUTION
