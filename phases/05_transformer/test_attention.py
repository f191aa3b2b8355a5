"""Grader for attention.py: the two masks against their formulas, attention against PyTorch
(float64, forward and backward), the head reshapes and the key/value repetition against torch's
views, a whole MultiHeadAttention against the PyTorch one of conftest.py holding the same
weights, and causality probed on the learner's own module.

When a result is wrong, the grader also computes the classic wrong variants with PyTorch or
NumPy (no 1/√d_k, softmax over the queries, heads split by a bare reshape, ...) and names the
one the result matches.
"""

from __future__ import annotations

import math
import types

import numpy as np
import torch
import torch.nn.functional as F

from common import load
from common.backend import to_numpy
from common.checks import assert_close, assert_equal, calling, expect_raises, require
from common.torchcheck import check_op
from grader import task


def attention():
    return load(5, "attention")


def tensor_class():
    return load(2, "tensor").Tensor


def randn(shape, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape)


# ---------------------------------------------------------------- the formulas


def allowed(T_q: int, T_k: int) -> np.ndarray:
    """Bool ``(T_q, T_k)``: query ``i`` sits at position ``T_k - T_q + i`` and sees keys up to there."""
    return np.arange(T_k)[None, :] <= np.arange(T_k - T_q, T_k)[:, None]


def additive(ok: np.ndarray) -> np.ndarray:
    return np.where(ok, 0.0, -np.inf).astype(np.float32)


def softmax(s: np.ndarray, axis: int) -> np.ndarray:
    with np.errstate(invalid="ignore", over="ignore"):
        e = np.exp(s - np.max(s, axis=axis, keepdims=True))
        return e / e.sum(axis=axis, keepdims=True)


def learner_values(fn, arrays) -> np.ndarray | None:
    """``fn`` on fresh Tensors holding ``arrays``, as float64 NumPy, or None if it fails (the
    graded call that follows reports the failure itself)."""
    Tensor = tensor_class()
    try:
        out = fn(*[Tensor(np.array(a), requires_grad=True) for a in arrays])
        return np.asarray(to_numpy(out.data), dtype=np.float64)
    except Exception:  # noqa: BLE001 - a stub or a crash: reported by the graded call
        return None




def mask_text(a: np.ndarray) -> str:
    return np.array2string(np.asarray(a), separator=", ", threshold=200).replace("\n", "")


def mask_array(got, what: str) -> np.ndarray:
    require(not isinstance(got, tensor_class()) and hasattr(got, "dtype") and hasattr(got, "shape"),
            f"{what} should return a NumPy array, got {type(got).__name__}: {got!r:.120}",
            hint="a mask is a constant added to the scores: build it with NumPy (np.where, np.triu), not a Tensor")
    return to_numpy(got)


# ---------------------------------------------------------------- causal_mask


def causal_hint(got: np.ndarray, T_q: int, T_k: int) -> str:
    q_pos, k_pos = np.arange(T_k - T_q, T_k)[:, None], np.arange(T_k)[None, :]
    sign = got if got.dtype != bool and np.all(np.isin(got, (0, -np.inf))) else None
    variants = [
        ("your mask hides its own token: the diagonal must be 0, a position sees itself (k_pos <= q_pos; "
         "with np.triu the -inf start at offset k=1)", k_pos < q_pos),
        ("your mask lets a position see the next token: only keys at or before the query's position are "
         "visible (k_pos <= q_pos; with np.triu the -inf start at offset k=1, not 2)", k_pos <= q_pos + 1),
        ("your mask is transposed: the -inf are below the diagonal. Rows are queries, columns are keys, and "
         "query i sees the keys j <= i", k_pos >= q_pos),
        ("your mask is aligned to the top-left corner: when T_q < T_k the queries are the *last* T_q positions, "
         "query i sits at position T_k - T_q + i (np.triu offset 1 + T_k - T_q)", k_pos <= q_pos - (T_k - T_q)),
        ("your mask is 0 and -inf the wrong way round: 0 where a query may look, -inf where not", k_pos > q_pos),
    ]
    if sign is not None:
        for text, ok in variants:
            if np.array_equal(sign, additive(ok)):
                return text
    if got.dtype == bool or (np.all(np.isin(got, (0, 1))) and np.any(got == 1)):
        return ("your mask holds True/False (or 1/0) instead of 0/-inf: the mask is *added* to the scores, so it "
                "must be 0 where a query may look and -inf where it may not, e.g. np.where(allowed, 0.0, -np.inf)")
    if np.all(np.isfinite(got)) and got.min() < -100:
        return ("your mask uses a large finite negative number instead of -inf: use -np.inf, so that the hidden "
                "weights are exactly 0")
    return "query i at position T_k - T_q + i sees keys 0 .. T_k - T_q + i: 0 there, -inf elsewhere"


def check_causal(A, T_q: int, T_k: int | None) -> None:
    args = f"{T_q}" if T_k is None else f"{T_q}, {T_k}"
    what = f"causal_mask({args})"
    with calling(what):
        got = A.causal_mask(T_q) if T_k is None else A.causal_mask(T_q, T_k)
    got = mask_array(got, what)
    T_k = T_q if T_k is None else T_k
    expected = additive(allowed(T_q, T_k))
    assert_equal(tuple(got.shape), (T_q, T_k), what=f"{what}.shape",
                 hint="one row per query, one column per key: (T_q, T_k)")
    if not np.array_equal(got.astype(np.float64), expected.astype(np.float64)):
        raise AssertionError(f"{what}: expected {mask_text(expected)}, got {mask_text(got)}.\n"
                             f"Hint: {causal_hint(got, T_q, T_k)}")
    assert_equal(str(got.dtype), "float32", what=f"{what}.dtype",
                 hint="the masks are float32 (.astype(np.float32)); adding one to float64 scores keeps float64")


@task(points=2, timeout=30)
def test_causal_mask():
    """causal_mask(T_q, T_k): float32 (T_q, T_k), 0 on and below the (shifted) diagonal, -inf above."""
    A = attention()
    for T in (1, 2, 3, 5, 8):
        check_causal(A, T, None)
    for T_q, T_k in ((4, 4), (2, 5), (1, 6), (3, 4), (5, 9)):
        check_causal(A, T_q, T_k)


# ---------------------------------------------------------------- padding_mask


@task(points=1, timeout=30)
def test_padding_mask():
    """padding_mask(is_pad): float32 (B, 1, 1, T), -inf in the columns of padding keys; bad input ValueError."""
    A = attention()
    is_pad = np.array([[0, 0, 0, 0, 0], [0, 0, 0, 1, 1], [0, 1, 1, 1, 1]], dtype=bool)
    B, T = is_pad.shape
    what = f"padding_mask(is_pad) with is_pad (3, 5) = {is_pad.astype(int).tolist()} (1 = padding)"
    with calling(what):
        got = A.padding_mask(is_pad.copy())
    got = mask_array(got, what)
    expected = np.where(is_pad, -np.inf, 0.0).astype(np.float32)[:, None, None, :]
    shape_hints = {
        (B, 1, T, 1): "your mask hides padding *queries* (rows) instead of padding *keys* (columns): a padding "
                      "key must get weight 0 from every query; index is_pad as [:, None, None, :]",
        (B, T, 1, 1): "your mask puts the padding on the head axis: index is_pad as [:, None, None, :]",
        (B, T): "add the two middle axes, [:, None, None, :], so the mask broadcasts against scores (B, n_head, T_q, T_k)",
        (B, 1, T): "add two middle axes, not one: (B, 1, 1, T) broadcasts against scores (B, n_head, T_q, T_k)",
    }
    assert_equal(tuple(got.shape), (B, 1, 1, T), what=f"{what}.shape",
                 hint=shape_hints.get(tuple(got.shape), "(B, 1, 1, T): one row for all heads and all queries"))
    if not np.array_equal(got.astype(np.float64), expected.astype(np.float64)):
        hint = "-inf where is_pad is True, 0 elsewhere: np.where(is_pad, -np.inf, 0.0)"
        if got.dtype == bool or (np.all(np.isin(got, (0, 1))) and np.any(got == 1)):
            hint = "your mask holds True/False (or 1/0): it is added to the scores, so use -inf at pads and 0 elsewhere"
        elif np.array_equal(got.astype(np.float64), np.where(~is_pad, -np.inf, 0.0)[:, None, None, :]):
            hint = "your mask is inverted: -inf where is_pad is True (the padding), 0 where it is False"
        raise AssertionError(f"{what}: expected {mask_text(expected)}, got {mask_text(got)}.\nHint: {hint}")
    assert_equal(str(got.dtype), "float32", what=f"{what}.dtype", hint="the masks are float32: .astype(np.float32)")

    for bad, text in ((is_pad.astype(np.int64), "int64 (3, 5)"), (is_pad[0], "bool (5,)"),
                      (is_pad[None], "bool (1, 3, 5)")):
        with expect_raises(ValueError, f"padding_mask(is_pad) with is_pad {text}",
                           hint="is_pad must be a bool array (B, T): check ndim and dtype first"):
            A.padding_mask(bad)


# ---------------------------------------------------------------- attention_weights / sdpa

# (q shape, k shape, mask kind): d_k is the last axis of q and k.
WEIGHT_CASES = [
    ((2, 3, 6, 8), (2, 3, 6, 8), None),
    ((5, 4), (5, 4), None),
    ((2, 3, 6, 8), (2, 3, 6, 8), "causal"),
    ((2, 2, 3, 5), (2, 2, 7, 5), None),
    ((2, 2, 3, 5), (2, 2, 7, 5), "causal"),
    ((3, 2, 5, 4), (3, 2, 5, 4), "causal+padding"),
]
PAD = np.array([[0, 0, 0, 0, 0], [0, 0, 0, 1, 1], [0, 0, 1, 1, 1]], dtype=bool)


def make_mask(kind, T_q: int, T_k: int) -> tuple[np.ndarray | None, str]:
    """An additive float32 mask, as the learner's own functions would build it, and its description."""
    if kind is None:
        return None, "None"
    mask = additive(allowed(T_q, T_k))
    if kind == "causal":
        return mask, f"causal_mask({T_q}, {T_k}) (0/-inf, built by the grader)"
    pad = np.where(PAD, -np.inf, 0.0).astype(np.float32)[:, None, None, :]
    return mask + pad, f"causal_mask({T_q}) + padding_mask(is_pad={PAD.astype(int).tolist()}), shape (3, 1, {T_q}, {T_k})"


def t_weights(q, k, mask):
    """PyTorch's softmax(q kᵀ / √d_k + mask) over the keys."""
    s = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        s = s + torch.as_tensor(np.asarray(mask, dtype=np.float64))
    return torch.softmax(s, dim=-1)


def weight_variants(q: np.ndarray, k: np.ndarray, mask) -> list[tuple[str, np.ndarray]]:
    """The classic wrong attention weights, each with the hint that names it."""
    d = q.shape[-1]
    m = 0.0 if mask is None else np.asarray(mask, dtype=np.float64)
    s = q @ np.swapaxes(k, -1, -2)
    out = [
        (f"your weights match softmax(q kᵀ + mask) without the 1/√d_k scale: multiply the scores by "
         f"1/√d_k = 1/√{d} before adding the mask", softmax(s + m, -1)),
        (f"your weights match scores divided by d_k = {d} instead of √d_k = {math.sqrt(d):.4g}: the scale is "
         f"1/√d_k (math.sqrt(q.shape[-1]))", softmax(s / d + m, -1)),
        (f"your weights match scores multiplied by √d_k instead of divided by it: the scale is 1/√d_k = 1/√{d}",
         softmax(s * math.sqrt(d) + m, -1)),
        ("your weights match a softmax over the queries (axis -2): each row, one query, must sum to 1 over the "
         "keys, so take softmax(axis=-1)", softmax(s / math.sqrt(d) + m, -2)),
    ]
    if q.shape[-2] == k.shape[-2]:
        out += [
            ("your weights are transposed: scores[..., i, j] = q_i · k_j, i.e. q @ k.transpose(-2, -1) with the "
             "queries on the rows (not k @ qᵀ)", softmax(np.swapaxes(s, -1, -2) / math.sqrt(d) + m, -1)),
            ("your weights are transposed: return the (T_q, T_k) weights with one row per query, not their "
             "transpose", np.swapaxes(softmax(s / math.sqrt(d) + m, -1), -1, -2)),
        ]
    if mask is not None:
        w = softmax(s / math.sqrt(d), -1)
        out += [
            ("your weights ignore the mask: add it to the scaled scores before the softmax", w),
            ("your weights match the mask added after the softmax (-inf in the weights): add it to the scaled "
             "scores *before* the softmax, which turns the -inf into weights of exactly 0", w + m),
            ("your weights match the softmax zeroed where the mask is -inf after the softmax: the rows no longer sum "
             "to 1. Add the mask to the scores before the softmax, which renormalises over the visible keys",
             np.where(np.isfinite(m), w, 0.0)),
        ]
    return out


@task(points=3, timeout=30)
def test_attention_weights(oracle):
    """attention_weights(q, k, mask) equals torch softmax(q kᵀ/√d_k + mask), forward and backward, float64."""
    A = attention()
    for n, (q_shape, k_shape, kind) in enumerate(WEIGHT_CASES):
        q, k = randn(q_shape, 10 + n), randn(k_shape, 20 + n)
        mask, mask_name = make_mask(kind, q_shape[-2], k_shape[-2])
        got = learner_values(lambda a, b: A.attention_weights(a, b, mask), [q, k])
        hint = oracle.diagnose(got, weight_variants(q, k, mask),
                        "weights = softmax(q @ kᵀ * (1/√d_k) + mask, axis=-1), with kᵀ = k.transpose(-2, -1)")
        check_op(lambda a, b: A.attention_weights(a, b, mask), lambda a, b: t_weights(a, b, mask), [q, k],
                 name=f"attention_weights(q, k, mask={mask_name})", names=["q", "k"], rtol=1e-7, atol=1e-10,
                 hint=hint, grad_hint=hint if got is not None and hint and hint.startswith("your") else None)
        if got is not None and got.shape == q_shape[:-1] + (k_shape[-2],):
            sums = got.sum(-1)
            require(np.allclose(sums, 1.0, atol=1e-9),
                    f"attention_weights(q {q_shape}, k {k_shape}): each row should sum to 1, got row sums {sums.ravel()[:4]}",
                    hint="softmax over the keys, axis=-1")


SDPA_CASES = [
    # (q, k, v shapes, mask kind, description)
    ((2, 3, 6, 8), (2, 3, 6, 8), (2, 3, 6, 8), "is_causal", "d_v = d_k"),
    ((2, 2, 3, 5), (2, 2, 7, 5), (2, 2, 7, 3), "causal", "T_q < T_k, d_v != d_k"),
    ((3, 2, 5, 4), (3, 2, 5, 4), (3, 2, 5, 6), "causal+padding", "d_v != d_k"),
    ((4, 6), (5, 6), (5, 2), None, "no batch axes"),
    ((2, 3, 5, 4), (2, 3, 7, 4), (2, 3, 7, 4), "random", "a float 0/-inf mask (2, 1, 5, 7) broadcast over heads"),
]


def random_mask(T_q: int, T_k: int, seed: int) -> np.ndarray:
    ok = np.random.default_rng(seed).random((2, 1, T_q, T_k)) < 0.6
    ok[..., 0] = True  # every query sees at least one key
    return additive(ok)


@task(points=3, timeout=30)
def test_scaled_dot_product_attention(oracle):
    """scaled_dot_product_attention(q, k, v, mask) equals F.scaled_dot_product_attention; grads of q, k, v."""
    A = attention()
    for n, (q_shape, k_shape, v_shape, kind, label) in enumerate(SDPA_CASES):
        q, k, v = randn(q_shape, 30 + n), randn(k_shape, 40 + n), randn(v_shape, 50 + n)
        T_q, T_k = q_shape[-2], k_shape[-2]
        if kind == "random":
            mask = random_mask(T_q, T_k, 60 + n)
            mask_name = "a random 0/-inf float32 mask (2, 1, 5, 7)"
        else:
            mask, mask_name = make_mask("causal" if kind == "is_causal" else kind, T_q, T_k)
        t_mask = None if mask is None else torch.as_tensor(mask.astype(np.float64))

        def theirs(a, b, c, kind=kind, t_mask=t_mask):
            if a.ndim == 2:
                return F.scaled_dot_product_attention(a[None], b[None], c[None], attn_mask=t_mask)[0]
            if kind == "is_causal":
                return F.scaled_dot_product_attention(a, b, c, is_causal=True)
            return F.scaled_dot_product_attention(a, b, c, attn_mask=t_mask)

        def ours(a, b, c, mask=mask):
            return A.scaled_dot_product_attention(a, b, c, mask)

        got = learner_values(ours, [q, k, v])
        variants = [(text, w @ v) for text, w in weight_variants(q, k, mask)]
        variants.append(("your output is the attention weights times the keys: multiply by v", softmax(
            q @ np.swapaxes(k, -1, -2) / math.sqrt(q.shape[-1]) + (0 if mask is None else mask), -1) @ k))
        hint = oracle.diagnose(got, variants, "out = attention_weights(q, k, mask) @ v")
        check_op(ours, theirs, [q, k, v], name=f"scaled_dot_product_attention(q, k, v, mask={mask_name}) [{label}]",
                 names=["q", "k", "v"], rtol=1e-7, atol=1e-10, hint=hint)


# ---------------------------------------------------------------- split / merge heads

SPLITS = [(2, 5, 12, 3), (1, 4, 6, 6), (3, 2, 8, 1), (2, 7, 16, 4), (2, 3, 6, 2)]


@task(points=2, timeout=30)
def test_split_merge_heads(oracle):
    """split_heads and merge_heads equal torch view + transpose, forward and backward, and undo each other."""
    A = attention()
    Tensor = tensor_class()
    for n, (B, T, C, H) in enumerate(SPLITS):
        D = C // H
        x = randn((B, T, C), 70 + n)
        got = learner_values(lambda t: A.split_heads(t, H), [x])
        hint = oracle.diagnose(got, [
            (f"your split_heads matches x.reshape(B, n_head, T, head_dim) = reshape({B}, {H}, {T}, {D}): that "
             f"cuts the sequence into pieces, mixing positions into heads. Reshape to (B, T, n_head, head_dim), "
             f"then swap axes 1 and 2", x.reshape(B, H, T, D)),
            (f"your split_heads returns (B, T, n_head, head_dim) = {(B, T, H, D)}: swap axes 1 and 2 "
             f"(.transpose(1, 2)) to get (B, n_head, T, head_dim)", x.reshape(B, T, H, D)),
            ("your split_heads gives head h the features h, h + n_head, h + 2 n_head, ...: head h takes the "
             "contiguous slice h*head_dim .. (h+1)*head_dim - 1; reshape to (B, T, n_head, head_dim)",
             x.reshape(B, T, D, H).transpose(0, 3, 1, 2)),
        ], "reshape (B, T, C) to (B, T, n_head, head_dim), then .transpose(1, 2)")
        check_op(lambda t: A.split_heads(t, H), lambda t: t.view(B, T, H, D).transpose(1, 2), [x],
                 name=f"split_heads(x, n_head={H})", names=["x"], rtol=0, atol=0, hint=hint)

        y = randn((B, H, T, D), 80 + n)
        got = learner_values(A.merge_heads, [y])
        hint = oracle.diagnose(got, [
            (f"your merge_heads matches y.reshape(B, T, n_head * head_dim) without the transpose: that mixes "
             f"positions and heads. First .transpose(1, 2) back to (B, T, n_head, head_dim) = {(B, T, H, D)}, "
             f"then reshape to (B, T, C)", y.reshape(B, T, H * D)),
            ("your merge_heads returns (B, T, n_head, head_dim): reshape to (B, T, n_head * head_dim) after the "
             "transpose", y.transpose(0, 2, 1, 3)),
            ("your merge_heads interleaves the heads (feature d * n_head + h): head h's output belongs in the "
             "contiguous slice h*head_dim .. (h+1)*head_dim - 1; transpose to (B, T, n_head, head_dim), then reshape",
             y.transpose(0, 2, 3, 1).reshape(B, T, H * D)),
        ], "transpose (B, n_head, T, head_dim) to (B, T, n_head, head_dim), then reshape to (B, T, C)")
        check_op(A.merge_heads, lambda t: t.transpose(1, 2).reshape(B, T, H * D), [y],
                 name="merge_heads(y)", names=["y"], rtol=0, atol=0, hint=hint)

        what = f"merge_heads(split_heads(x, {H})) with x {(B, T, C)}"
        with calling(what):
            back = A.merge_heads(A.split_heads(Tensor(x.copy()), H))
        assert_close(to_numpy(back.data), x, what=what, rtol=0, atol=0,
                     hint="merge_heads must undo split_heads exactly: the same reshape and transpose, in reverse order")
        what = f"split_heads(merge_heads(y), {H}) with y {(B, H, T, D)}"
        with calling(what):
            back = A.split_heads(A.merge_heads(Tensor(y.copy())), H)
        assert_close(to_numpy(back.data), y, what=what, rtol=0, atol=0,
                     hint="split_heads must undo merge_heads exactly")


# ---------------------------------------------------------------- repeat_kv


@task(points=1, timeout=30)
def test_repeat_kv(oracle):
    """repeat_kv(x, n_rep) equals torch repeat_interleave on the head axis, forward and backward."""
    A = attention()
    for n, (shape, n_rep) in enumerate((((2, 2, 5, 3), 2), ((2, 3, 4, 2), 3), ((1, 1, 3, 2), 4), ((2, 4, 3, 2), 1))):
        x = randn(shape, 90 + n)
        got = learner_values(lambda t: A.repeat_kv(t, n_rep), [x])
        K = shape[1]
        tiled = ", ".join(str(h % K) for h in range(K * n_rep))
        inplace = ", ".join(str(h // n_rep) for h in range(K * n_rep))
        hint = oracle.diagnose(got, [
            (f"your key/value heads are tiled ({tiled}) instead of repeated in place ({inplace}): query head h "
             f"uses key/value head h // n_rep, so repeat each head n_rep times (np.repeat, not np.tile)",
             np.tile(x, (1, n_rep, 1, 1))),
            ("your repeat_kv repeats along the time axis (2): the heads are axis 1", np.repeat(x, n_rep, axis=2)),
            ("your repeat_kv repeats along the last axis: the heads are axis 1", np.repeat(x, n_rep, axis=3)),
        ], f"head h of the result is head h // n_rep of x: ({inplace})")
        check_op(lambda t: A.repeat_kv(t, n_rep), lambda t: t.repeat_interleave(n_rep, dim=1), [x],
                 name=f"repeat_kv(x, n_rep={n_rep})", names=["x"], rtol=0, atol=1e-12, hint=hint,
                 grad_hint="build the result with Tensor indexing (x[:, idx]) so that backward reaches x: each "
                           "copy of a head sends its gradient back to that head, and the copies' gradients add up")


# ---------------------------------------------------------------- MultiHeadAttention

C = 16
MHA_CASES = [
    # n_head, n_kv_head, bias, rope_base, padded
    (4, None, True, None, False),
    (4, 2, True, None, False),
    (4, 1, True, None, False),
    (4, None, False, None, False),
    (4, 2, True, 10000.0, False),
    (2, None, False, 100.0, False),
    (4, None, True, None, True),
    (4, 2, False, 10000.0, True),
]
IS_PAD = np.array([[0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 1, 1], [0, 0, 0, 1, 1, 1]], dtype=bool)


def mha_cfg(H, K, rope):
    return types.SimpleNamespace(n_head=H, n_kv_head=K or H, position="rope" if rope else "learned", rope_base=rope)


def mha_text(H, K, bias, rope) -> str:
    return f"MultiHeadAttention(n_embd={C}, n_head={H}, n_kv_head={K}, bias={bias}, rope_base={rope}, rng=default_rng(0))"


def build_mha(oracle, H, K, bias, rope, seed=0):
    what = mha_text(H, K, bias, rope)
    return oracle.make(lambda L, rng: L.attention.MultiHeadAttention(C, H, K, bias=bias, rope_base=rope, rng=rng),
                       what, seed=seed), what


def check_names(mha, H, K, bias, what) -> None:
    D = C // H
    K = K or H
    shapes = {"wq": (C, H * D), "wk": (C, K * D), "wv": (C, K * D), "wo": (H * D, C)}
    expected = [f"{layer}.{p}" for layer in shapes for p in (("weight", "bias") if bias else ("weight",))]
    with calling(f"{what}.named_parameters()"):
        pairs = list(mha.named_parameters())
    assert_equal([n for n, _ in pairs], expected, what=f"the names of {what}.named_parameters()",
                 hint="the layers wq, wk, wv, wo are given in __init__: keep them, and create no other parameter")
    for name, p in pairs:
        layer = name.split(".")[0]
        want = shapes[layer] if name.endswith("weight") else shapes[layer][1:]
        assert_equal(tuple(p.data.shape), want, what=f"{what}: {name}.shape",
                     hint="wk and wv have n_kv_head * head_dim outputs; phase-02 Linear weights are (in, out)")


def t_mha_parts(oracle, P, x, cfg, is_pad, *, causal=True, pad=True, rope_v=False, rope=True, tiled=False, wo=True,
                scaled=True, rope_k=True, rope_half=False, mask_after=False):
    """The oracle's attention, written again with switches for the classic mistakes (for hints only):
    returns (output, weights)."""
    B, T, _ = x.shape
    H, K = cfg.n_head, cfg.n_kv_head
    D = C // H
    lin = lambda name, z: z @ P[name + ".weight"] + (P[name + ".bias"] if name + ".bias" in P else 0)  # noqa: E731
    q = lin("wq", x).view(B, T, H, D).transpose(1, 2)
    k = lin("wk", x).view(B, T, K, D).transpose(1, 2)
    v = lin("wv", x).view(B, T, K, D).transpose(1, 2)
    if cfg.position == "rope" and rope:
        turn = oracle.t_rope_half if rope_half else oracle.t_rope
        q = turn(q, cfg.rope_base)
        k = turn(k, cfg.rope_base) if rope_k else k
        if rope_v:
            v = turn(v, cfg.rope_base)
    k = k.repeat(1, H // K, 1, 1) if tiled else k.repeat_interleave(H // K, dim=1)
    v = v.repeat(1, H // K, 1, 1) if tiled else v.repeat_interleave(H // K, dim=1)
    s = q @ k.transpose(-2, -1) / (math.sqrt(D) if scaled else 1.0)
    m = torch.zeros(T, T, dtype=torch.float64)
    if causal:
        m = m + torch.as_tensor(additive(allowed(T, T)).astype(np.float64))
    if pad and is_pad is not None:
        m = m + torch.as_tensor(np.where(is_pad, -np.inf, 0.0)[:, None, None, :])
    w = torch.softmax(s, dim=-1) + m if mask_after else torch.softmax(s + m, dim=-1)
    y = (w @ v).transpose(1, 2).reshape(B, T, C)
    return (lin("wo", y) if wo else y), w


def mha_hint(oracle, mha, x: np.ndarray, is_pad, P, cfg) -> str:
    default = ("project (wq, wk, wv), split_heads, apply_rope to q and k when rope_base is set, repeat_kv, "
               "causal_mask (+ padding_mask(is_pad)), attention_weights, @ v, merge_heads, wo; the parts have "
               "their own tasks: make those pass first")
    got = learner_values(lambda t: mha(t, is_pad) if is_pad is not None else mha(t), [x])
    Pd = {n: t.detach() for n, t in P.items()}
    tx = torch.as_tensor(x)
    variants = [
        ("your output matches attention without the causal mask: add causal_mask(T) to the scores",
         dict(causal=False)),
        ("your output matches attention without the 1/√d_k scale (d_k = head_dim): use attention_weights",
         dict(scaled=False)),
        ("your output matches attention that ignores is_pad: add padding_mask(is_pad) to the causal mask",
         dict(pad=False)),
        ("your output matches attention with the key/value heads tiled instead of repeated: use repeat_kv",
         dict(tiled=True)),
        ("your output matches attention that also rotates the values: RoPE rotates q and k only", dict(rope_v=True)),
        ("your output matches attention without RoPE: when rope_base is set, rotate q and k with rope_angles(T, "
         "head_dim, rope_base) and apply_rope, after the head split", dict(rope=False)),
        ("your output matches attention that rotates the queries but not the keys: apply_rope to both q and k, "
         "so that q_m · k_n depends on m - n", dict(rope_k=False)),
        ("your output matches RoPE with the half-split pairing of GPT-NeoX's rotate_half (feature i with feature "
         "i + head_dim/2): apply_rope pairs adjacent features (2i, 2i + 1), as Llama and llama2.c (task rope)",
         dict(rope_half=True)),
        ("your output matches the causal mask added after the softmax: add the masks to the scaled scores before "
         "the softmax (attention_weights does it)", dict(mask_after=True)),
        ("your output is missing the output projection wo: return wo(merge_heads(...))", dict(wo=False)),
    ]
    kept = getattr(mha, "weights", None)
    if got is not None and not np.all(np.isfinite(got)) and kept is not None and hasattr(kept, "shape"):
        with np.errstate(invalid="ignore"):
            if np.any(np.isneginf(np.asarray(to_numpy(kept), dtype=np.float64))):
                return ("your output is not finite and your attention weights hold -inf: the mask was added after "
                        "the softmax. Add the masks to the scaled scores before the softmax (attention_weights(q, k, "
                        "mask)), which turns the -inf into weights of exactly 0")
    with torch.no_grad():
        alts = [(text, t_mha_parts(oracle, Pd, tx, cfg, is_pad, **kw)[0].numpy()) for text, kw in variants]
    return oracle.diagnose(got, alts, default)


def check_weights(oracle, mha, what, P, x: np.ndarray, cfg, is_pad) -> None:
    B, T, _ = x.shape
    H = cfg.n_head
    w = mha.weights
    require(w is not None, f"{what}: self.weights is None after a forward pass",
            hint="keep the attention weights of the last call: self.weights = w.data (before dropout)")
    require(not isinstance(w, tensor_class()) and hasattr(w, "shape"),
            f"{what}: self.weights should be an array (B, n_head, T, T), got {type(w).__name__}",
            hint="store the array w.data, not the Tensor w (which would keep the whole graph alive)")
    w = np.asarray(to_numpy(w), dtype=np.float64)
    assert_equal(tuple(w.shape), (B, H, T, T), what=f"{what}: self.weights.shape after a call on x {x.shape}",
                 hint="the weights after the softmax, one (T, T) map per sequence and head, after repeat_kv")
    sums = w.sum(-1)
    require(np.allclose(sums, 1.0, atol=1e-9), f"{what}: each row of self.weights should sum to 1, got {sums.ravel()[:4]}",
            hint="keep the weights after the softmax (and before dropout)")
    above = np.abs(w[..., ~allowed(T, T)]).max() if T > 1 else 0.0
    require(above == 0, f"{what}: self.weights should be 0 above the diagonal (a position never looks ahead), got "
                        f"values up to {above:.3g} there", hint="keep the weights computed under the causal mask")
    with torch.no_grad():
        expected = t_mha_parts(oracle, {n: t.detach() for n, t in P.items()}, torch.as_tensor(x), cfg, is_pad)[1].numpy()
    assert_close(w, expected, what=f"{what}: self.weights, vs PyTorch's softmax(q kᵀ/√d + mask)", rtol=1e-7,
                 atol=1e-10, hint="self.weights holds the weights of the last call, after the softmax, before dropout")


@task(points=4, timeout=60, needs=('split_merge_heads', 'repeat_kv', 'attention_weights', 'rope'))
def test_multi_head_attention(oracle):
    """MultiHeadAttention (plain, GQA, MQA, RoPE, no bias, padding) matches PyTorch: output, every grad, self.weights."""
    for n, (H, K, bias, rope, padded) in enumerate(MHA_CASES):
        mha, what = build_mha(oracle, H, K, bias, rope)
        check_names(mha, H, K, bias, what)
        P = oracle.torch_params(mha)
        cfg = mha_cfg(H, K, rope)
        is_pad = IS_PAD.copy() if padded else None
        B, T = (3, 6) if padded else (2, 6)
        x, tx = oracle.leaf((B, T, C), seed=100 + n)
        x_np = np.array(to_numpy(x.data))
        t_out = oracle.t_attention({"attn." + k: t for k, t in P.items()}, "attn", tx, cfg, is_pad)
        hint = mha_hint(oracle, mha, x_np, is_pad, P, cfg)
        call = f"{what}(x{', is_pad' if padded else ''}) with x {(B, T, C)}"
        if padded:
            call += f", is_pad = {IS_PAD.astype(int).tolist()} (1 = padding)"
        oracle.compare_module(mha, P, (x, is_pad) if padded else (x,), t_out, what=call, t_inputs=(tx,), hint=hint)
        check_weights(oracle, mha, call, P, x_np, cfg, is_pad)


# ---------------------------------------------------------------- causality


@task(points=2, timeout=30, needs=('multi_head_attention',))
def test_attention_causality(oracle):
    """MultiHeadAttention: changing x[:, t] leaves the outputs before t unchanged and changes the output at t."""
    Tensor = tensor_class()
    B, T = 2, 7
    for H, K, rope in ((4, None, None), (4, 2, 10000.0)):
        mha, what = build_mha(oracle, H, K, True, rope, seed=3)
        x = randn((B, T, C), 5)

        def run(a, label):
            with calling(f"{what}(x) with x {a.shape} {label}"):
                out = mha(Tensor(a.copy()))
            return oracle.values(out, f"{what}(x)")

        base = run(x, "")
        if not np.all(np.isfinite(base)):
            p = int(np.argwhere(~np.isfinite(base))[0][1])
            raise AssertionError(
                f"{what}(x) with x {x.shape}: the output at position {p} is not finite (nan or inf).\nHint: a query "
                f"whose keys are all hidden gets the softmax of all -inf = nan: a mask that hides the diagonal "
                f"leaves position 0 nothing to look at. A position must see itself")
        for t in (0, 2, 4, 6):
            x2 = x.copy()
            x2[:, t] += 1.5 * randn((B, C), 200 + t)
            out = run(x2, f"where x[:, {t}] changed")
            diff = np.abs(out - base).max(axis=(0, 2))  # per position
            before = diff[:t]
            if before.size and before.max() > 1e-10:
                p = int(np.argmax(before))
                raise AssertionError(
                    f"{what}: changing x[:, {t}] (inputs of shape {x.shape}) changed the output at position {p} < {t} "
                    f"by {before[p]:.3g}; per-position changes: {np.array2string(diff, precision=3)}.\nHint: a position "
                    f"must not see later tokens: the causal mask puts -inf on every key after the query (above the "
                    f"diagonal); a mask that lets a position see the next token, or no mask, leaks the future")
            require(diff[t] > 1e-6,
                    f"{what}: changing x[:, {t}] (inputs of shape {x.shape}) did not change the output at position {t} "
                    f"(largest change {diff[t]:.3g}); per-position changes: {np.array2string(diff, precision=3)}",
                    hint="a position must see its own token: the diagonal of the causal mask is 0 (it hides only "
                         "the keys after the query)")
