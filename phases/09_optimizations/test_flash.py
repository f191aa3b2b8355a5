"""Grader for flash.py: the online-softmax forward and the recomputing backward against PyTorch
(float64), causal and not, at T = 1, one block, many blocks and a ragged last block, query and
key blocks of different sizes, grouped-query heads (2 and 1 key/value heads); the log-sum-exp
saved; and a score of 1e4 that an unshifted exponential would overflow.
"""

from __future__ import annotations

import numpy as np

from common.checks import assert_close, calling, expect_raises, require
from grader import task

CASES = [  # B, H, H_kv, T, D, causal, block_q, block_k
    (1, 1, 1, 1, 4, True, 16, 16),
    (2, 2, 2, 16, 8, True, 16, 16),
    (2, 4, 2, 37, 8, True, 16, 16),
    (1, 3, 1, 50, 5, False, 8, 16),
    (2, 2, 1, 33, 4, True, 4, 16),
    (1, 2, 2, 40, 6, True, 16, 4),
    (1, 1, 1, 23, 3, False, 5, 7),
]


def label(case):
    B, H, Hkv, T, D, causal, bq, bk = case
    return f"B={B}, H={H}, H_kv={Hkv}, T={T}, D={D}, causal={causal}, block_q={bq}, block_k={bk}"


def forward_hint(out, want_out, lse, want_lse):
    if np.allclose(out, want_out, atol=1e-9) and not np.allclose(lse, want_lse, atol=1e-9):
        return "out is right but lse is not: lse = m + log(l), with m and l after the *last* block"
    return ("when a new block raises the running maximum, rescale what came before: l and acc times "
            "exp(m_old - m_new)")


@task(points=4, timeout=90)
def test_flash_forward(kit):
    """The output and the log-sum-exp, block by block, masked at the right offsets."""
    F = kit.p9("flash")
    for case in CASES:
        B, H, Hkv, T, D, causal, bq, bk = case
        q, k, v, dout = kit.qkv(B, H, Hkv, T, D, seed=T)
        kept = [a.copy() for a in (q, k, v)]
        what = f"flash_forward({label(case)})"
        with calling(what):
            out, lse = F.flash_forward(q, k, v, causal=causal, block_q=bq, block_k=bk)
        kit.untouched(what, q=(q, kept[0]), k=(k, kept[1]), v=(v, kept[2]))
        want_out, want_lse, *_ = kit.torch_attention(q, k, v, dout, causal)
        require(np.shape(out) == q.shape and np.shape(lse) == q.shape[:3],
                f"{what}: expected out {q.shape} and lse {q.shape[:3]}, got {np.shape(out)} and {np.shape(lse)}")
        out, lse = np.asarray(out), np.asarray(lse)
        hint = forward_hint(out, want_out, lse, want_lse)
        if np.allclose(out, want_out, atol=1e-9):
            pass
        elif causal and np.allclose(out, kit.torch_attention(q, k, v, dout, False)[0], atol=1e-9):
            hint = "the causal mask is missing: key k0 + j is visible to query q0 + i only when k0 + j <= q0 + i"
        elif Hkv < H and np.allclose(out, kit.torch_attention(q, k[:, np.arange(H) % Hkv], v[:, np.arange(H) % Hkv],
                                                              dout, causal)[0], atol=1e-9):
            hint = "query head h reads key/value head h // (H / H_kv), not h % H_kv: neighbouring heads share one"
        elif causal and bq != bk:
            hint = ("with blocks of different sizes the mask of a block compares true positions: key k0 + j is "
                    "visible to query q0 + i when k0 + j <= q0 + i (block_mask)")
        assert_close(out, want_out, what=f"{what}: out", rtol=1e-9, atol=1e-10, hint=hint)
        lse_hint = "lse = m + log(l), with m and l after the *last* key block"
        if np.allclose(lse, want_lse * np.sqrt(D), rtol=1e-9):
            lse_hint = "the scores are q k^T / sqrt(D): the scale is missing"
        assert_close(lse, want_lse, what=f"{what}: lse", rtol=1e-9, atol=1e-10, hint=lse_hint)
    q = np.zeros((1, 1, 3, 2))
    q[0, 0, :, 0] = [1e4, -1e4, 5e3]
    k = q.copy()
    v = np.arange(6.0).reshape(1, 1, 3, 2)
    with calling("flash_forward with scores of 1e8 / sqrt(2)"):
        out, lse = F.flash_forward(q, k, v, causal=False, block_q=1, block_k=1)
    want_out, want_lse, *_ = kit.torch_attention(q, k, v, np.zeros_like(q), False)
    assert_close(out, want_out, what="flash_forward with scores of 1e8 / sqrt(2) (the exponentials must be shifted by "
                 "the running maximum)", rtol=1e-9, atol=1e-9)
    # every score near -1131: exp(s - m) underflows unless the running maximum starts at -inf
    q = np.zeros((1, 1, 3, 2))
    k = np.zeros((1, 1, 3, 2))
    q[0, 0, :, 0], k[0, 0, :, 0] = -40.0, 40.0
    with calling("flash_forward with every score near -1131"):
        out, lse = F.flash_forward(q, k, v, causal=False, block_q=1, block_k=1)
    want_out, want_lse, *_ = kit.torch_attention(q, k, v, np.zeros_like(q), False)
    hint = "the running maximum starts at -inf: started at 0, exp(s - m) underflows to 0 when every score is negative"
    assert_close(out, want_out, what="flash_forward with every score near -1131: out", rtol=1e-9, atol=1e-9, hint=hint)
    assert_close(lse, want_lse, what="flash_forward with every score near -1131: lse", rtol=1e-9, atol=1e-9, hint=hint)
    with expect_raises(ValueError, "flash_forward(q with 3 heads, k and v with 2)"):
        F.flash_forward(np.zeros((1, 3, 4, 2)), np.zeros((1, 2, 4, 2)), np.zeros((1, 2, 4, 2)))


@task(points=4, timeout=120, needs=("flash_forward",))
def test_flash_backward(kit):
    """dq, dk, dv from the saved log-sum-exp, summed over the query heads of a group."""
    F = kit.p9("flash")
    for case in CASES:
        B, H, Hkv, T, D, causal, bq, bk = case
        q, k, v, dout = kit.qkv(B, H, Hkv, T, D, seed=T + 1)
        want_out, want_lse, dq, dk, dv = kit.torch_attention(q, k, v, dout, causal)
        what = f"flash_backward({label(case)})"
        args = dict(q=q, k=k, v=v, out=want_out, lse=want_lse, dout=dout)
        kept = {n: a.copy() for n, a in args.items()}
        with calling(what):
            got = F.flash_backward(q, k, v, want_out, want_lse, dout, causal=causal, block_q=bq, block_k=bk)
        kit.untouched(what, **{n: (a, kept[n]) for n, a in args.items()})
        require(isinstance(got, tuple) and len(got) == 3, f"{what} must return (dq, dk, dv)")
        for name, g, w, shape in (("dq", got[0], dq, q.shape), ("dk", got[1], dk, k.shape), ("dv", got[2], dv, v.shape)):
            require(np.shape(g) == shape, f"{what}: {name} must have shape {shape}, got {np.shape(g)}",
                    hint="dk and dv have the key/value heads' shape: add the query heads of a group together"
                    if Hkv < H else None)
            hint = None
            g = np.asarray(g)
            if name != "dv" and np.allclose(g / np.sqrt(D), w, rtol=1e-8, atol=1e-10):
                hint = "the scores were scaled by 1/sqrt(D): so are ds @ k and ds^T @ q (the scale is missing)"
            elif name != "dv" and np.allclose(g * np.sqrt(D), w, rtol=1e-8, atol=1e-10):
                hint = "ds @ k and ds^T @ q take the scale 1/sqrt(D) once, not twice"
            elif name != "dq" and Hkv < H and not np.allclose(g, w, rtol=1e-8, atol=1e-10):
                hint = ("each key/value head gathers the gradients of every query head of its group: add into "
                        "dk and dv (+=), and read head h // (H / H_kv)")
            assert_close(g, w, what=f"{what}: {name}", rtol=1e-8, atol=1e-10, hint=hint or
                         ("ds = p * (dp - D) with D = rowsum(dout * out); p = exp(s - lse), masked entries 0"))
