"""Grader for kv_cache.py: the cache's layout, its writes, and forward_cached's logits against the
PyTorch twin reading the whole sequence from position 0 (no cache), at the prefill and at every
later step, in float64, for a GPT-2 style model (learned, sinusoidal and no positions) and a
Llama style one (RoPE, grouped-query attention, untied head), one row and a batch of rows of
different lengths.
"""

from __future__ import annotations

import numpy as np

from common.checks import assert_close, assert_equal, calling, expect_raises, require
from grader import task

TOL = dict(rtol=1e-9, atol=1e-9)


def kv(kit):
    return kit.p7("kv_cache")


def new_cache(K, cfg, B, what, **kw):
    with calling(what):
        return K.KVCache(cfg, B, dtype=np.float64, **kw)


def forward(K, model, idx, cache, start, rows=None, *, what):
    with calling(what):
        out = K.forward_cached(model, np.asarray(idx), cache, np.asarray(start), rows=rows)
    got = np.asarray(out.data if hasattr(out, "data") and not isinstance(out, np.ndarray) else out)
    V = model.config.vocab_size
    require(got.shape == np.shape(idx) + (V,), f"{what}: expected logits of shape {np.shape(idx) + (V,)}, "
                                               f"got shape {got.shape}")
    return got


@task(points=1, timeout=20)
def test_kv_cache_init(kit):
    """KVCache allocates one zero array per layer for keys and one for values, (B, n_kv_head, max_len, head_dim)."""
    K = kv(kit)
    for fields in (kit.GPT2, kit.LLAMA):
        _, _, cfg = kit.model(fields)
        what = f"KVCache({kit.describe(fields)}, 3, dtype=float64)"
        cache = new_cache(K, cfg, 3, what)
        shape = (3, cfg.n_kv_head, cfg.block_size, cfg.n_embd // cfg.n_head)
        for name in ("k", "v"):
            arrays = getattr(cache, name)
            assert_equal(len(arrays), cfg.n_layer, what=f"{what}: len(cache.{name})", hint="one array per layer")
            for i, a in enumerate(arrays):
                assert_equal(np.shape(a), shape, what=f"{what}: cache.{name}[{i}].shape",
                             hint="(batch_size, n_kv_head, max_len, head_dim): with grouped-query attention only "
                                  "the n_kv_head key/value heads are cached, not n_head")
                require(a.dtype == np.float64 and not np.any(a), f"{what}: cache.{name}[{i}] must be zeros of the "
                                                                 f"given dtype, got {a.dtype}")
        arrays = cache.k + cache.v
        shared = [(i, j) for i in range(len(arrays)) for j in range(i) if np.shares_memory(arrays[i], arrays[j])]
        require(not shared, f"{what}: cache arrays {shared[0] if shared else ''} (numbered k then v) share memory",
                hint="[np.zeros(shape)] * n_layer is ONE array n_layer times: build a new array per layer, and "
                     "separate ones for keys and values")
    _, _, cfg = kit.model(kit.LLAMA)
    what = f"KVCache({kit.describe(kit.LLAMA)}, 2) (the default dtype)"
    with calling(what):
        plain = K.KVCache(cfg, 2)
    dtypes = sorted({str(np.asarray(a).dtype) for a in plain.k + plain.v})
    require(dtypes == ["float32"], f"{what}: the cache arrays should be float32, got {', '.join(dtypes)}",
            hint="np.zeros(shape, dtype=dtype): the dtype argument, float32 unless the caller gives another")
    cache = new_cache(K, cfg, 2, f"KVCache({kit.describe(kit.LLAMA)}, 2, max_len=5)", max_len=5)
    assert_equal(np.shape(cache.k[0])[2], 5, what="KVCache(cfg, 2, max_len=5): the position axis")
    D = cfg.n_embd // cfg.n_head
    theta = 10000.0 ** (-np.arange(0, D, 2) / D)
    assert_close(cache.cos, np.cos(np.outer(np.arange(5), theta)), what="KVCache(llama cfg, max_len=5).cos",
                 hint="cos, sin = rope_angles(max_len, head_dim, config.rope_base), computed once")
    assert_close(cache.sin, np.sin(np.outer(np.arange(5), theta)), what="KVCache(llama cfg, max_len=5).sin")


@task(points=1, timeout=20)
def test_position_ids(kit):
    """position_ids(start, T): row b holds start[b] .. start[b] + T - 1."""
    K = kv(kit)
    for start, T in (([0], 4), ([3, 0, 7], 1), ([2, 5], 3)):
        with calling(f"position_ids({start}, {T})"):
            got = np.asarray(K.position_ids(np.array(start), T))
        want = np.array(start)[:, None] + np.arange(T)
        assert_equal(got.tolist(), want.tolist(), what=f"position_ids({start}, {T})",
                     hint="start[:, None] + np.arange(T): the new tokens continue each row where it stopped")


@task(points=2, timeout=20, needs=("kv_cache_init",))
def test_cache_write(kit):
    """write stores keys and values at (row, position), layer by layer, and returns copies up to the last position."""
    K = kv(kit)
    _, _, cfg = kit.model(kit.LLAMA)
    Hkv, D = cfg.n_kv_head, cfg.n_embd // cfg.n_head
    cache = new_cache(K, cfg, 3, "KVCache(llama cfg, 3, max_len=6)", max_len=6)
    g = np.random.default_rng(74)
    k, v = g.normal(size=(2, Hkv, 2, D)), g.normal(size=(2, Hkv, 2, D))
    rows, positions = np.array([2, 0]), np.array([[1, 2], [0, 1]])
    what = "cache.write(layer=1, rows=[2, 0], positions=[[1, 2], [0, 1]], k, v) with k, v (2, n_kv_head, 2, head_dim)"
    with calling(what):
        keys, values = K.KVCache.write(cache, 1, rows, positions, k, v)

    def written(shift):
        out_k, out_v = np.zeros((3, Hkv, 6, D)), np.zeros((3, Hkv, 6, D))
        for i, b in enumerate(rows):
            out_k[b][:, (positions[i] + shift) % 6] = k[i]
            out_v[b][:, (positions[i] + shift) % 6] = v[i]
        return out_k, out_v

    want_k, want_v = written(0)
    hint = ("cache.k[layer][rows[:, None], :, positions] = k.swapaxes(1, 2): row rows[i], position positions[i, t] "
            "gets k[i, :, t]")
    if np.shape(cache.k[1]) == want_k.shape and any(np.allclose(cache.k[1], written(d)[0]) for d in (-1, 1)):
        hint = ("you wrote one position off: the key of the token at position p goes to column p of the cache "
                "(positions are 0-based: a prompt of T tokens fills columns 0 .. T-1)")
    assert_close(np.asarray(cache.k[1]), want_k, what=f"{what}: cache.k[1] afterwards", hint=hint, **TOL)
    assert_close(np.asarray(cache.v[1]), want_v, what=f"{what}: cache.v[1] afterwards", hint=hint, **TOL)
    require(not np.any(cache.k[0]) and not np.any(cache.v[0]), f"{what}: layer 0 changed",
            hint="write only cache.k[layer] and cache.v[layer]")
    assert_close(np.asarray(keys), want_k[rows][:, :, :3], what=f"{what}: the keys returned",
                 hint="return cache.k[layer][rows, :, :T_k] with T_k = positions.max() + 1, rows in the order given")
    assert_close(np.asarray(values), want_v[rows][:, :, :3], what=f"{what}: the values returned", **TOL)
    hint = ("return copies (indexing with the rows array makes one; a slice such as cache.k[layer][:B'] is a view of "
            "the cache): the caller keeps them while the cache changes")
    before = np.array(keys, copy=True)
    K.KVCache.write(cache, 1, np.array([2]), np.array([[0]]), np.ones((1, Hkv, 1, D)), np.ones((1, Hkv, 1, D)))
    assert_close(np.asarray(keys), before, what=f"{what}: the keys returned, after another write", hint=hint)
    # All rows in order, the usual case (rows = arange(B)): still copies.
    what = "cache.write(layer=0, rows=[0, 1, 2], positions=[[0], [0], [0]], k, v)"
    with calling(what):
        keys, values = K.KVCache.write(cache, 0, np.arange(3), np.zeros((3, 1), dtype=np.int64),
                                       g.normal(size=(3, Hkv, 1, D)), g.normal(size=(3, Hkv, 1, D)))
    before = np.array(keys, copy=True), np.array(values, copy=True)
    K.KVCache.write(cache, 0, np.arange(3), np.zeros((3, 1), dtype=np.int64), np.ones((3, Hkv, 1, D)),
                    np.ones((3, Hkv, 1, D)))
    assert_close(np.asarray(keys), before[0], what=f"{what}: the keys returned, after another write", hint=hint)
    assert_close(np.asarray(values), before[1], what=f"{what}: the values returned, after another write", hint=hint)
    # Rows of different lengths, the longer one second: every row comes back up to the longest.
    cache = new_cache(K, cfg, 3, "KVCache(llama cfg, 3, max_len=6)", max_len=6)
    k, v = g.normal(size=(2, Hkv, 2, D)), g.normal(size=(2, Hkv, 2, D))
    rows, positions = np.array([1, 2]), np.array([[0, 1], [3, 4]])
    what = "cache.write(layer=0, rows=[1, 2], positions=[[0, 1], [3, 4]], k, v) on a fresh cache (row 2 is longer)"
    with calling(what):
        keys, values = K.KVCache.write(cache, 0, rows, positions, k, v)
    want_k, want_v = np.zeros((2, Hkv, 5, D)), np.zeros((2, Hkv, 5, D))
    for i in range(2):
        want_k[i][:, positions[i]], want_v[i][:, positions[i]] = k[i], v[i]
    hint = ("T_k = positions.max() + 1 over all the rows written, not the first row's last position: every row "
            "comes back up to the last position of the longest")
    assert_equal(np.shape(keys), want_k.shape, what=f"{what}: the shape of the keys returned", hint=hint)
    assert_close(np.asarray(keys), want_k, what=f"{what}: the keys returned", hint=hint, **TOL)
    assert_close(np.asarray(values), want_v, what=f"{what}: the values returned", hint=hint, **TOL)


def prefill_hint(kit, P, cfg, seq, got, cache) -> str:
    """Name the mistake wrong prefill logits come from."""
    if np.isnan(got).any():
        return ("nan: a query whose mask hides every key gets a softmax of 0 / 0. Each query sees the keys up to its "
                "own position, itself included: the mask is key position <= query position, not <")
    if cfg.position == "rope":
        unrotated, _ = kit.t_layer0_kv(P, cfg, seq, rope=False)
        try:
            cached = np.asarray(cache.k[0], dtype=np.float64)[0, :, :len(seq)]
        except Exception:  # noqa: BLE001 - a cache that cannot be read gives no hint here
            cached = None
        if cached is not None and cached.shape == unrotated.shape and np.allclose(cached, unrotated, rtol=1e-9,
                                                                                  atol=1e-9):
            return ("you cached the keys before rotating them: apply RoPE to q and k first, then write k to the cache "
                    "and attend with what write() returns (every cached key keeps the rotation of its own position)")
    if _unscaled(kit, P, cfg, seq, got, slice(None)):
        return UNSCALED
    return ("the prefill is an ordinary causal forward pass from position 0 that also fills the cache: the mask is key "
            "position <= query position")


UNSCALED = ("your attention scores are q kᵀ without the factor 1 / sqrt(head_dim): attend with phase 05's "
            "attention_weights (it scales), or scale the scores yourself before the mask and the softmax")


def _unscaled(kit, P, cfg, seq, got, rows) -> bool:
    """Whether ``got`` are the logits of ``seq`` (at ``rows``) with unscaled attention scores."""
    import torch

    with torch.no_grad():
        alt = kit.t_gpt(P, np.array([seq]), cfg, scale=1.0)[0].numpy()[rows]
    return np.shape(got) == alt.shape and np.allclose(got, alt, rtol=1e-7, atol=1e-7)


def step_hint(kit, P, cfg, seq, got) -> str:
    """Name the mistake a wrong step's logits match."""
    n = len(seq)
    variants = [("the new token was given position 0 (positions restarting at 0 at each step): it sits at position "
                 "start[b], its row's length so far", list(range(n - 1)) + [0]),
                ("the new token was given position start + 1: it sits at position start[b] exactly",
                 list(range(n - 1)) + [n])]
    if cfg.position != "none":
        for text, pos in variants:
            if max(pos) < cfg.block_size:
                alt = kit.t_gpt(P, np.array([seq]), cfg, positions=pos)[0, -1].detach().numpy()
                if np.allclose(got, alt, rtol=1e-7, atol=1e-7):
                    return text
    if _unscaled(kit, P, cfg, seq, got, -1):
        return UNSCALED
    return ("write the new keys and values at their positions before attending, let the query see every key up to "
            "its own position (itself included), and use the true positions for the embeddings and RoPE")


def run_one(kit, K, fields, prompt_len, seed):
    m, P, cfg = kit.model(fields, seed=seed)
    g = np.random.default_rng(seed)
    seq = g.integers(0, cfg.vocab_size, prompt_len).tolist()
    name = kit.describe(fields)
    cache = new_cache(K, cfg, 1, f"KVCache({name}, 1)")
    what = f"forward_cached({name}, idx (1, {prompt_len}), cache, start=[0]) (the prefill)"
    got = forward(K, m, [seq], cache, [0], what=what)
    assert_close(got[0], kit.t_logits(P, cfg, seq), what=what + " vs PyTorch without a cache", **TOL,
                 hint=prefill_hint(kit, P, cfg, seq, got[0], cache))
    kk, vv = kit.t_layer0_kv(P, cfg, seq)
    assert_close(np.asarray(cache.k[0])[0, :, :prompt_len], kk, what=f"{what}: cache.k[0] after the prefill", **TOL,
                 hint="cache the keys after RoPE, of the n_kv_head heads (before repeat_kv), at positions 0 .. T-1")
    assert_close(np.asarray(cache.v[0])[0, :, :prompt_len], vv, what=f"{what}: cache.v[0] after the prefill", **TOL)
    while len(seq) < cfg.block_size:
        seq.append(int(g.integers(0, cfg.vocab_size)))
        n = len(seq)
        what = f"forward_cached({name}, [[{seq[-1]}]], cache, start=[{n - 1}]) after {n - 1} tokens"
        got = forward(K, m, [[seq[-1]]], cache, [n - 1], what=what)[0, -1]
        want = kit.t_logits(P, cfg, seq)[-1]
        if not np.allclose(got, want, rtol=1e-9, atol=1e-9):
            assert_close(got, want, what=what + " vs PyTorch reading all tokens", **TOL,
                         hint=step_hint(kit, P, cfg, seq, got))
    with expect_raises(ValueError, f"forward_cached({name}, one more token at position block_size={cfg.block_size})",
                       hint="a position >= block_size (or max_len) has no row in the cache: refuse it"):
        K.forward_cached(m, np.array([[1]]), cache, np.array([cfg.block_size]))


@task(points=3, timeout=60, needs=("kv_cache_init", "cache_write", "position_ids"))
def test_cached_gpt2(kit):
    """GPT-2 style models (learned, sinusoidal and no positions): cached logits equal uncached ones at every step."""
    K = kv(kit)
    for i, fields in enumerate((kit.GPT2, kit.SINUSOIDAL, kit.NOPOS)):
        run_one(kit, K, fields, prompt_len=5, seed=10 + i)
    run_one(kit, K, kit.GPT2, prompt_len=1, seed=13)


@task(points=3, timeout=60, needs=("kv_cache_init", "cache_write", "position_ids"))
def test_cached_llama(kit):
    """A Llama style model (RoPE, grouped-query attention, RMSNorm, SwiGLU, untied head): cached equals uncached."""
    K = kv(kit)
    run_one(kit, K, kit.LLAMA, prompt_len=4, seed=20)
    run_one(kit, K, dict(kit.LLAMA, n_kv_head=1), prompt_len=1, seed=21)


@task(points=2, timeout=60, needs=("cached_gpt2", "cached_llama"))
def test_cached_batch(kit):
    """A batch of right-padded prompts of different lengths, then steps at different positions and on some rows only."""
    K = kv(kit)
    for fields in (kit.LLAMA, kit.GPT2):
        m, P, cfg = kit.model(fields, seed=30)
        name = kit.describe(fields)
        g = np.random.default_rng(31)
        lengths = [5, 2, 7]
        seqs = [g.integers(0, cfg.vocab_size, n).tolist() for n in lengths]
        idx = g.integers(0, cfg.vocab_size, (3, 7))                      # padding: any ids
        for b, s in enumerate(seqs):
            idx[b, :len(s)] = s
        cache = new_cache(K, cfg, 3, f"KVCache({name}, 3)")
        what = f"forward_cached({name}, 3 prompts of lengths {lengths} right-padded to 7, cache, start=[0, 0, 0])"
        got = forward(K, m, idx, cache, [0, 0, 0], what=what)
        for b, s in enumerate(seqs):
            assert_close(got[b, :len(s)], kit.t_logits(P, cfg, s), what=f"{what}: row {b}'s logits", **TOL,
                         hint="each row is an independent sequence; padding after a row's tokens cannot change them")
        for step_rows in ([0, 1, 2], [2, 0], [1]):
            toks = g.integers(0, cfg.vocab_size, len(step_rows)).tolist()
            start = [len(seqs[b]) for b in step_rows]
            what = (f"forward_cached({name}, tokens {[[t] for t in toks]}, cache, start={start}, rows={step_rows}) "
                    f"after rows of lengths {[len(s) for s in seqs]}")
            got = forward(K, m, [[t] for t in toks], cache, start, rows=np.array(step_rows), what=what)
            for i, (b, t) in enumerate(zip(step_rows, toks)):
                seqs[b].append(t)
                want = kit.t_logits(P, cfg, seqs[b])[-1]
                assert_close(got[i, -1], want, what=f"{what}: the logits of cache row {b}", **TOL,
                             hint="batch row i is cache row rows[i]; each row's token sits at its own start[i] (the "
                                  "mask and the positions differ per row: (B, 1, T, T_k) and (B, T))")
