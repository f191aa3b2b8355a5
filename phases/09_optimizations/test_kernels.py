"""Grader for the two CUDA kernels: they compile (``nvcc --ptx``, wherever nvcc is installed; the
task is skipped where it is not), and they compute ``A @ B``: on a GPU at sizes with ragged edges and
sizes large enough for every block to race; without one on the CPU simulator (``common.cudasim``),
whose threads take turns in the worst order, so that a missing barrier fails every time.
"""

from __future__ import annotations

import contextlib
import shutil

import numpy as np
import pytest
import torch

from common import backend, cudasim, under_test
from common.checks import assert_close, calling, require
from grader import task


@task(points=2, timeout=240)
def test_kernels_compile(kit):
    """matmul_tiled.cu, matmul_register.cu, flash_attention.cu and fused_rows.cu compile to PTX."""
    K = kit.p9("kernels")
    for name in ("matmul_tiled.cu", "matmul_register.cu", "flash_attention.cu", "fused_rows.cu"):
        if not K.written(name):
            raise NotImplementedError(f"{name}: the kernel is not written yet (it still holds the stub line)")
    if shutil.which("nvcc") is None:
        pytest.skip("nvcc is not installed here: the kernels' compilation is checked where it is (make gpu-check)")
    for name in ("matmul_tiled.cu", "matmul_register.cu", "flash_attention.cu", "fused_rows.cu"):
        ok, log = K.compile_ptx(name)
        require(ok, f"nvcc --ptx {name} failed:\n{log[-3000:]}")


@task(points=3, timeout=240, needs=("kernels_compile", "tiled_matmul", "register_tiled_matmul"))
def test_gpu_matmul(kit):
    """Both kernels against float64 matmul: on a GPU (against cupy.matmul, TF32 off, up to 2048 x 777 @ 777 x 512), else on the CPU simulator, whose threads take turns so that a missing __syncthreads() shows."""
    K = kit.p9("kernels")
    for name in ("matmul_tiled.cu", "matmul_register.cu"):
        if not K.written(name):
            raise NotImplementedError(f"{name}: the kernel is not written yet (it still holds the stub line)")
    on_gpu = backend.gpu_available() and not backend.gpu_faked()
    if on_gpu:
        shapes = ((1, 1, 1), (17, 33, 5), (64, 64, 64), (65, 63, 129), (1000, 1000, 1000), (2048, 512, 777))
        under_test("common.backend").set_tf32(False)
        run = contextlib.nullcontext()
    else:
        if not cudasim.available():
            pytest.skip("no GPU and no C++ compiler (g++) for the CPU simulator: make gpu-check runs the kernels")
        shapes = ((1, 1, 1), (17, 33, 5), (16, 16, 16), (65, 63, 129), (130, 70, 17))
        run = backend.fake_gpu()
    where = "GPU" if on_gpu else "CPU simulator"
    g = np.random.default_rng(5)
    with run:
        xp = kit.device_xp()
        for kernel in ("tiled", "register"):
            for M, N, Kd in shapes:
                A = g.standard_normal((M, Kd)).astype(np.float32)
                B = g.standard_normal((Kd, N)).astype(np.float32)
                what = f"{kernel} kernel on the {where}, {M}x{Kd} @ {Kd}x{N}"
                with calling(what):
                    C = backend.to_numpy(K.gpu_matmul(xp.asarray(A), xp.asarray(B), kernel))
                want = A.astype(np.float64) @ B.astype(np.float64)
                nan = int(np.isnan(C).sum())
                require(nan == 0, f"{what}: {nan} elements never written, or computed from a NaN: the simulator "
                        "starts shared memory as NaN and surrounds every array with NaN, so a tile element read "
                        "before it is loaded, or a load past the edge of A or B, shows",
                        hint="every element inside C is stored once (the grid covers C, the store is guarded), and "
                             "every tile element is loaded before it is read, with 0 past the edges of A and B")
                err = float(np.abs(C - want).max()) if C.size else 0.0
                require(err <= 1e-3 * np.sqrt(Kd), f"{what}: largest error {err:.3g}",
                        hint="right on one tile and wrong on several is a race: __syncthreads() after the tiles "
                             "are loaded *and* before they are overwritten")


# (B, H, H_kv, T, D, causal): one token; a ragged last tile; exactly two tiles; three and a bit, with
# four query heads on one key/value head; D at the kernel's limit; no mask.
ATTENTION = [(1, 1, 1, 1, 4, True), (2, 4, 2, 45, 16, True), (1, 2, 2, 64, 64, True), (1, 4, 1, 100, 8, True),
             (1, 2, 1, 70, 3, False)]


def attention_case(kit, B, H, Hkv, T, D, causal, big=False):
    q, k, v, dout = kit.qkv(B, H, Hkv, T, D, seed=T + D)
    if big:
        q = q * 30.0                                 # scores in the hundreds: exp overflows unless shifted
    q, k, v, dout = (a.astype(np.float32).astype(np.float64) for a in (q, k, v, dout))
    return (q, k, v, dout), kit.torch_attention(q, k, v, dout, causal)


def attention_hint(kit, got, q, k, v, causal, T):
    """Name the variant ``got`` computes: no scale, the mask one diagonal off, or a missing rescale."""
    dout = np.zeros(q.shape)

    def same(**kw):
        want = kit.torch_attention(q, k, v, dout, causal, **kw)[0]
        ok = np.isfinite(want).all(axis=-1)        # rows with every key masked are NaN in the variant
        return ok.any() and np.allclose(got[ok], want[ok], rtol=2e-4, atol=2e-5)

    if same(scale=1.0):
        return "the scores are q·k times scale (1/sqrt(D), passed to the kernel): multiply q, or each score, by it"
    if causal and T > 1 and same(diagonal=0):
        return "a query must see its own key: mask key k0 + j only when k0 + j > row"
    if causal and T > 1 and same(diagonal=2):
        return "a query sees one key after it: mask key k0 + j when k0 + j > row"
    if T > 32:
        return "right for one tile of keys and wrong for several: rescale l and acc by exp(m_old - m_new) before " \
               "adding a tile"
    return None


@task(points=3, timeout=240, needs=("kernels_compile", "flash_forward"))
def test_gpu_flash_forward(kit):
    """The flash_forward kernel's output and log-sum-exp against PyTorch: one token, ragged tiles, grouped-query heads, D up to 64, causal or not, scores in the hundreds."""
    K = kit.p9("kernels")
    if not K.written("flash_attention.cu", "flash_forward"):
        raise NotImplementedError("flash_attention.cu: flash_forward is not written yet (it still holds the stub line)")
    run, where = kit.device_or_simulator("the flash kernels")
    with run:
        xp = kit.device_xp()
        for B, H, Hkv, T, D, causal in [(1, 2, 1, 40, 8, True)] + ATTENTION:   # the large scores first
            big = (T, D) == (40, 8)
            (q, k, v, _), (out, lse, *_) = attention_case(kit, B, H, Hkv, T, D, causal, big)
            what = (f"flash_forward kernel on the {where}, q ({B}, {H}, {T}, {D}), k and v ({B}, {Hkv}, {T}, {D}), "
                    f"causal={causal}{', scores in the hundreds' if big else ''}")
            with calling(what):
                got_out, got_lse = (backend.to_numpy(a) for a in K.gpu_flash_forward(
                    *(xp.asarray(a.astype(np.float32)) for a in (q, k, v)), causal=causal))
            nan = int(np.isnan(got_out).sum() + np.isnan(got_lse).sum())
            hint = None
            bad_rows = np.isnan(got_out).any(axis=-1)
            if nan and causal and bad_rows.any() and not bad_rows[..., 1:].any():
                hint = ("only the first query of each head is NaN: it sees no key at all. A query must see its own "
                        "key: mask key k0 + j only when k0 + j > row")
            elif nan and big:   # NaN only with large scores is an overflow; NaN with small ones is not
                small = backend.to_numpy(K.gpu_flash_forward(*(xp.asarray(a.astype(np.float32)) for a in (q / 30, k, v)),
                                                             causal=causal)[0])
                if not np.isnan(small).any():
                    hint = "exp of a score in the hundreds overflows: shift by the running maximum, exp(s - m_new)"
            require(nan == 0, f"{what}: {nan} values of out and lse are NaN (never written, or computed from a "
                    "NaN: a tile read before it was loaded, or past the end of k and v)",
                    hint=hint or "each thread writes its row of out and its lse once, rows past T write nothing; "
                    "every K and V tile is loaded, 0 past T, before the block reads it")
            assert_close(got_out, out, what=f"{what}: out", rtol=2e-4, atol=2e-5,
                         hint=attention_hint(kit, got_out, q, k, v, causal, T))
            assert_close(got_lse, lse, what=f"{what}: lse", rtol=2e-5, atol=2e-5,
                         hint="lse = m + log(l), with m and l after the last tile, of the scaled scores")


@task(points=3, timeout=240, needs=("gpu_flash_forward", "flash_backward"))
def test_gpu_flash_backward(kit):
    """The flash_backward kernel's dq, dk, dv against PyTorch's autograd on the same cases (grouped-query heads add into dk and dv)."""
    K = kit.p9("kernels")
    if not K.written("flash_attention.cu", "flash_backward"):
        raise NotImplementedError("flash_attention.cu: flash_backward is not written yet (it still holds the stub "
                                  "line)")
    run, where = kit.device_or_simulator("the flash kernels")
    with run:
        xp = kit.device_xp()
        for B, H, Hkv, T, D, causal in ATTENTION:
            (q, k, v, dout), (out, lse, dq, dk, dv) = attention_case(kit, B, H, Hkv, T, D, causal)
            what = (f"flash_backward kernel on the {where}, q ({B}, {H}, {T}, {D}), k and v ({B}, {Hkv}, {T}, "
                    f"{D}), causal={causal}")
            with calling(what):
                got = [backend.to_numpy(a) for a in K.gpu_flash_backward(
                    *(xp.asarray(a.astype(np.float32)) for a in (q, k, v, out, lse, dout)), causal=causal)]
            for name, g, want in zip(("dq", "dk", "dv"), got, (dq, dk, dv)):
                nan = int(np.isnan(g).sum())
                require(nan == 0, f"{what}: {nan} values of {name} are NaN (never written, or computed from a NaN)",
                        hint="each thread writes its key's rows of dk and dv once, after every query head of "
                             "its group and every query tile")
                hint = None
                skipped = [h for h in range(H) if not np.abs(g[:, h]).any()] if name == "dq" else []
                if skipped and H != Hkv:
                    hint = (f"dq of query heads {skipped} is all 0: {H // Hkv} query heads share each key/value head, "
                            "and the block loops over every head of its group")
                elif name in ("dk", "dv") and H != Hkv:
                    hint = (f"{H // Hkv} query heads share each key/value head: their contributions to {name} add up "
                            "(loop over the group's heads inside the block)")
                elif name == "dq" and T > 32:
                    hint = "dq sums over every key tile, each in another block: atomicAdd into dq"
                assert_close(g, want, what=f"{what}: {name}", rtol=5e-4, atol=5e-5, hint=hint)


def _rows_written(K, *functions):
    for fn in functions:
        if not K.written("fused_rows.cu", fn):
            raise NotImplementedError(f"fused_rows.cu: {fn} is not written yet (it still holds the stub line)")


REDUCE_HINT = ("block_sum and block_max: every thread stores its value, the block waits, then at each level half "
               "of the remaining threads combine with the other half's values, a barrier after every level")


@task(points=2, timeout=240, needs=("kernels_compile", "fused_cross_entropy"))
def test_gpu_cross_entropy(kit):
    """The cross_entropy_fused kernel against PyTorch: rows shorter and longer than the block, V = 1, ignored rows, logits of 1e4, every row ignored."""
    K = kit.p9("kernels")
    _rows_written(K, "block_sum", "block_max", "cross_entropy_fused")
    run, where = kit.device_or_simulator("the fused kernels")
    g = np.random.default_rng(9)
    cases = [(3, 1, "a vocabulary of one"), (5, 50, "rows shorter than the block"), (4, 129, "one column more than "
             "the block's 128 threads"), (6, 1000, "rows of many columns per thread")]
    with run:
        xp = kit.device_xp()
        for N, V, why in cases + [(2, 3, "logits of 1e4")]:
            z = (g.standard_normal((N, V)) * 3).astype(np.float32)
            if why == "logits of 1e4":
                z = np.array([[1e4, 0.0, -1e4], [0.0, 1e4, 1e4]], np.float32)
            t = g.integers(0, V, N)
            t[::3] = -100 if N > 2 else t[::3]
            tz = torch.tensor(z, dtype=torch.float64, requires_grad=True)
            want = torch.nn.functional.cross_entropy(tz, torch.tensor(t), ignore_index=-100)
            want.backward()
            what = f"cross_entropy_fused kernel on the {where}, logits ({N}, {V}) [{why}]"
            with calling(what):
                loss, grad = K.gpu_cross_entropy(xp.asarray(z), xp.asarray(t.astype(np.int32)))
                loss, grad = float(backend.to_numpy(loss)), backend.to_numpy(grad)
            require(np.isfinite(loss) and not np.isnan(grad).any(),
                    f"{what}: the loss is {loss} and {int(np.isnan(grad).sum())} gradient values are NaN",
                    hint="shift by the running maximum (exp(z - m)); every column of every row is written, 0 on "
                         "ignored rows")
            assert_close(loss, want.item(), what=f"{what}: loss", rtol=2e-5, atol=2e-5,
                         hint=REDUCE_HINT if V > 1 else None)
            # float32 holds lse = 1e4 + log 2 to 1e-3: exp(z - lse) is that close, not closer
            assert_close(grad, tz.grad.numpy(), what=f"{what}: dlogits", rtol=1e-4,
                         atol=2e-3 if why == "logits of 1e4" else 1e-6,
                         hint="(exp(z - lse) - onehot) · inv_n on kept rows, 0 on ignored rows")
        with calling("cross_entropy_fused kernel with every target ignored"):
            loss, grad = K.gpu_cross_entropy(xp.asarray(g.standard_normal((3, 5)).astype(np.float32)),
                                             xp.asarray(np.full(3, -100, np.int32)))
            loss = float(backend.to_numpy(loss))
        require(loss == 0.0 and not backend.to_numpy(grad).any(), "with every row ignored the loss is 0 and the "
                f"gradient 0, got loss {loss} and gradient {backend.to_numpy(grad).ravel()[:4]}...")


def _norm_check(kit, K, layer: str, bias: bool, N: int, C: int, constant: bool, where: str, xp):
    g = np.random.default_rng(N * 1000 + C)
    x = (g.standard_normal((N, C)) * 2 + 0.5).astype(np.float32)
    if constant:
        x[0] = 3.0
    w, b, dy = ((g.standard_normal(C) + 1).astype(np.float32), g.standard_normal(C).astype(np.float32),
                g.standard_normal((N, C)).astype(np.float32))
    tx, tw, tb = (torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in (x, w, b))
    if layer == "layernorm":
        ty = torch.nn.functional.layer_norm(tx, (C,), tw, tb if bias else None, 1e-5)
    else:
        ty = tx * torch.rsqrt((tx * tx).mean(-1, keepdim=True) + 1e-5) * tw
    ty.backward(torch.tensor(dy, dtype=torch.float64))
    what = (f"{layer}_forward/backward kernels on the {where}, x ({N}, {C}){', bias' if bias else ''}"
            f"{', a constant row' if constant else ''}")
    with calling(what):
        if layer == "layernorm":
            y, mean, rstd = K.gpu_layernorm_forward(xp.asarray(x), xp.asarray(w), xp.asarray(b) if bias else None)
            dx, dw, db = K.gpu_layernorm_backward(xp.asarray(dy), xp.asarray(x), xp.asarray(w), mean, rstd, bias=bias)
        else:
            y, rstd = K.gpu_rmsnorm_forward(xp.asarray(x), xp.asarray(w))
            (dx, dw), db = K.gpu_rmsnorm_backward(xp.asarray(dy), xp.asarray(x), xp.asarray(w), rstd), None
    outs = {"y": (y, ty), "dx": (dx, tx.grad), "dw": (dw, tw.grad)}
    if db is not None:
        outs["db"] = (db, tb.grad)
    for name, (got, want) in outs.items():
        got = backend.to_numpy(got)
        flat = C == 1 or constant
        require(not np.isnan(got).any(), f"{what}: {int(np.isnan(got).sum())} values of {name} are NaN (never "
                "written, or computed from a NaN)",
                hint="a row whose variance is 0 (one feature, or all values equal) needs the eps: rstd = "
                     "1 / sqrt(var + eps)" if flat else REDUCE_HINT)
        hint = None
        if name in ("dw", "db") and N > 1:
            hint = f"{name} sums over every row, each in its own block: atomicAdd into it (zeroed before the launch)"
        elif name == "dx":
            hint = "dx = rstd · (ĝ - mean(ĝ) - x̂ · mean(ĝ · x̂)) for LayerNorm, without mean(ĝ) for RMSNorm"
        elif C > 128:
            hint = "a row has more columns than the block has threads: each thread loops over c = t, t + THREADS, ..."
        assert_close(got, want.detach().numpy(), what=f"{what}: {name}", rtol=2e-4, atol=2e-5, hint=hint)


@task(points=2, timeout=240, needs=("kernels_compile", "layernorm_fused"))
def test_gpu_layernorm(kit):
    """The layernorm_forward and layernorm_backward kernels against PyTorch's autograd: one feature, a constant row, rows wider than the block, no bias."""
    K = kit.p9("kernels")
    _rows_written(K, "block_sum", "layernorm_forward", "layernorm_backward")
    run, where = kit.device_or_simulator("the fused kernels")
    with run:
        xp = kit.device_xp()
        for N, C, bias, constant in ((1, 1, True, False), (6, 37, True, True), (4, 300, False, False),
                                     (3, 128, True, False)):
            _norm_check(kit, K, "layernorm", bias, N, C, constant, where, xp)


@task(points=2, timeout=240, needs=("kernels_compile", "rmsnorm_fused"))
def test_gpu_rmsnorm(kit):
    """The rmsnorm_forward and rmsnorm_backward kernels against PyTorch's autograd on the same kinds of rows."""
    K = kit.p9("kernels")
    _rows_written(K, "block_sum", "rmsnorm_forward", "rmsnorm_backward")
    run, where = kit.device_or_simulator("the fused kernels")
    with run:
        xp = kit.device_xp()
        for N, C, constant in ((1, 1, False), (6, 37, True), (4, 300, False), (3, 128, False)):
            _norm_check(kit, K, "rmsnorm", False, N, C, constant, where, xp)
