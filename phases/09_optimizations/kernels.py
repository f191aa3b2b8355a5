"""The kernels as CuPy ``RawKernel`` s, and their compilation to PTX with ``nvcc``. Given.

``matmul_tiled.cu``, ``matmul_register.cu``, ``flash_attention.cu`` and ``fused_rows.cu`` beside
this file are yours. ``compile_ptx`` checks that a source compiles, on any machine with ``nvcc``
(no GPU needed); the ``gpu_*`` functions launch a kernel on the "cuda" device: a GPU through
CuPy or, under ``SCRATCHGPT_FAKE_GPU=1``, the CPU stand-in, whose ``RawKernel`` runs the same
source in :mod:`common.cudasim` (each block's threads taking turns, so a missing
``__syncthreads()`` shows every time).
"""

from __future__ import annotations

import math
import shutil
import subprocess
import tempfile
from pathlib import Path

from common import backend

HERE = Path(__file__).resolve().parent
STUB = "// YOUR CODE HERE"
KERNELS = {"tiled": ("matmul_tiled.cu", "matmul_tiled"), "register": ("matmul_register.cu", "matmul_register")}


def source(name: str) -> str:
    """The text of the kernel file ``name`` (``"matmul_tiled.cu"``) of this folder."""
    return (HERE / name).read_text(encoding="utf-8")


def written(name: str, function: str | None = None) -> bool:
    """False while the file (or, with ``function``, that kernel's part of it) still holds the
    release's stub line."""
    text = source(name)
    if function is not None:
        start = text.find(f" {function}(")
        if start < 0:
            raise ValueError(f"{name} has no function {function}")
        end = text.find('extern "C"', start + 1)
        text = text[start:] if end < 0 else text[start:end]
    return STUB not in text


def compile_ptx(name: str, arch: str = "sm_80", timeout: float = 120.0) -> tuple[bool, str]:
    """``nvcc --ptx`` of the kernel file ``name``: ``(compiled, nvcc's messages)``.
    FileNotFoundError when nvcc is not on the PATH."""
    nvcc = shutil.which("nvcc")
    if nvcc is None:
        raise FileNotFoundError("nvcc is not on the PATH: install the CUDA toolkit to compile kernels")
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run([nvcc, "--ptx", f"-arch={arch}", "-o", str(Path(tmp) / "out.ptx"), str(HERE / name)],
                              capture_output=True, text=True, timeout=timeout)
    return proc.returncode == 0, (proc.stdout + proc.stderr).strip()


def gpu_matmul(A, B, kernel: str = "register"):
    """``A @ B`` on the "cuda" device with your kernel (``"tiled"`` or ``"register"``): device
    float32 arrays in, a device array out (filled with NaN first, so an element the kernel never
    writes shows)."""
    cp = backend.gpu_module()
    if cp is None:
        raise RuntimeError("gpu_matmul needs a GPU, or SCRATCHGPT_FAKE_GPU=1 for the CPU stand-in")

    file, fn = KERNELS[kernel]
    A = cp.ascontiguousarray(A, dtype=cp.float32)
    B = cp.ascontiguousarray(B, dtype=cp.float32)
    M, K = A.shape
    N = B.shape[1]
    C = cp.full((M, N), cp.nan, dtype=cp.float32)
    k = cp.RawKernel(source(file), fn)
    if kernel == "tiled":
        grid, block = ((N + 15) // 16, (M + 15) // 16), (16, 16)
    else:
        grid, block = ((N + 63) // 64, (M + 63) // 64), (16, 16)
    k(grid, block, (A, B, C, cp.int32(M), cp.int32(N), cp.int32(K)))
    return C


FLASH = "flash_attention.cu"
FLASH_BQ, FLASH_BK, FLASH_DMAX = 32, 32, 64   # as #defined in flash_attention.cu


def _device(what: str):
    cp = backend.gpu_module()
    if cp is None:
        raise RuntimeError(f"{what} needs a GPU, or SCRATCHGPT_FAKE_GPU=1 for the CPU stand-in")
    return cp


def _attention_sizes(q, k, what: str):
    if q.ndim != 4 or k.ndim != 4 or q.shape[0] != k.shape[0] or q.shape[2:] != k.shape[2:] or q.shape[1] % k.shape[1]:
        raise ValueError(f"{what}: q (B, H, T, D) and k, v (B, H_kv, T, D) with H_kv dividing H, got {q.shape}, "
                         f"{k.shape}")
    B, H, T, D = q.shape
    if D > FLASH_DMAX:
        raise ValueError(f"{what}: head size {D} is more than the kernel's DMAX ({FLASH_DMAX})")
    return B, H, k.shape[1], T, D


def gpu_flash_forward(q, k, v, *, causal: bool = True, scale: float | None = None):
    """``(out, lse)`` of your ``flash_forward`` kernel on the "cuda" device: ``q`` ``(B, H, T, D)``,
    ``k``, ``v`` ``(B, H_kv, T, D)``, device float32 arrays; ``out`` and ``lse`` start as NaN."""
    cp = _device("gpu_flash_forward")
    B, H, Hkv, T, D = _attention_sizes(q, k, "gpu_flash_forward")
    q, k, v = (cp.ascontiguousarray(a, dtype=cp.float32) for a in (q, k, v))
    out = cp.full(q.shape, cp.nan, dtype=cp.float32)
    lse = cp.full((B, H, T), cp.nan, dtype=cp.float32)
    scale = 1.0 / math.sqrt(D) if scale is None else scale
    kernel = cp.RawKernel(source(FLASH), "flash_forward")
    kernel(((T + FLASH_BQ - 1) // FLASH_BQ, H, B), (FLASH_BQ,),
           (q, k, v, out, lse, cp.int32(H), cp.int32(Hkv), cp.int32(T), cp.int32(D), cp.float32(scale),
            cp.int32(bool(causal))))
    return out, lse


def gpu_flash_backward(q, k, v, out, lse, dout, *, causal: bool = True, scale: float | None = None):
    """``(dq, dk, dv)`` of your ``flash_backward`` kernel; ``dsum = rowsum(dout * out)`` is computed
    first, ``dq`` starts at 0 (the kernel adds into it), ``dk`` and ``dv`` as NaN."""
    cp = _device("gpu_flash_backward")
    B, H, Hkv, T, D = _attention_sizes(q, k, "gpu_flash_backward")
    q, k, v, out, lse, dout = (cp.ascontiguousarray(a, dtype=cp.float32) for a in (q, k, v, out, lse, dout))
    dsum = cp.ascontiguousarray((dout * out).sum(axis=-1), dtype=cp.float32)
    dq = cp.zeros(q.shape, dtype=cp.float32)
    dk = cp.full(k.shape, cp.nan, dtype=cp.float32)
    dv = cp.full(v.shape, cp.nan, dtype=cp.float32)
    scale = 1.0 / math.sqrt(D) if scale is None else scale
    kernel = cp.RawKernel(source(FLASH), "flash_backward")
    kernel(((T + FLASH_BK - 1) // FLASH_BK, Hkv, B), (FLASH_BK,),
           (q, k, v, dout, lse, dsum, dq, dk, dv, cp.int32(H), cp.int32(Hkv), cp.int32(T), cp.int32(D),
            cp.float32(scale), cp.int32(bool(causal))))
    return dq, dk, dv


ROWS = "fused_rows.cu"
ROW_THREADS = 128  # as #defined in fused_rows.cu


def _rows(x, what: str):
    if x.ndim != 2 or 0 in x.shape:
        raise ValueError(f"{what}: expected a non-empty (N, C) array, got shape {x.shape}")
    return x.shape


def gpu_cross_entropy(logits, targets, *, ignore_index: int = -100):
    """``(loss, dlogits)`` of your ``cross_entropy_fused`` kernel: ``logits`` ``(N, V)`` float32 and
    ``targets`` ``(N,)`` ints on the "cuda" device; ``loss`` a 0-d device array (the mean over
    rows not ignored, 0 when all are), ``dlogits`` a device array (NaN before the kernel writes
    it). Nothing is read back to the host."""
    cp = _device("gpu_cross_entropy")
    N, V = _rows(logits, "gpu_cross_entropy")
    logits = cp.ascontiguousarray(logits, dtype=cp.float32)
    targets = cp.ascontiguousarray(targets, dtype=cp.int32)
    n = (targets != ignore_index).sum().astype(cp.float32)
    inv_n = cp.ascontiguousarray(cp.where(n > 0, 1 / cp.maximum(n, 1), 0).astype(cp.float32).reshape(1))
    losses = cp.full((N,), cp.nan, dtype=cp.float32)
    dlogits = cp.full((N, V), cp.nan, dtype=cp.float32)
    kernel = cp.RawKernel(source(ROWS), "cross_entropy_fused")
    kernel((N,), (ROW_THREADS,), (logits, targets, losses, dlogits, cp.int32(N), cp.int32(V), cp.int32(ignore_index),
                                  inv_n))
    return (losses.sum() * inv_n[0]).astype(cp.float32), dlogits


def gpu_layernorm_forward(x, w, b=None, eps: float = 1e-5):
    """``(y, mean, rstd)`` of your ``layernorm_forward`` kernel on ``x`` ``(N, C)``."""
    cp = _device("gpu_layernorm_forward")
    N, C = _rows(x, "gpu_layernorm_forward")
    x, w = (cp.ascontiguousarray(a, dtype=cp.float32) for a in (x, w))
    bias = w if b is None else cp.ascontiguousarray(b, dtype=cp.float32)
    y = cp.full((N, C), cp.nan, dtype=cp.float32)
    mean, rstd = (cp.full((N,), cp.nan, dtype=cp.float32) for _ in range(2))
    cp.RawKernel(source(ROWS), "layernorm_forward")(
        (N,), (ROW_THREADS,), (x, w, bias, y, mean, rstd, cp.int32(N), cp.int32(C), cp.float32(eps),
                               cp.int32(b is not None)))
    return y, mean, rstd


def gpu_layernorm_backward(dy, x, w, mean, rstd, *, bias: bool = True):
    """``(dx, dw, db)`` of your ``layernorm_backward`` kernel (``db`` None without ``bias``)."""
    cp = _device("gpu_layernorm_backward")
    N, C = _rows(x, "gpu_layernorm_backward")
    dy, x, w, mean, rstd = (cp.ascontiguousarray(a, dtype=cp.float32) for a in (dy, x, w, mean, rstd))
    dx = cp.full((N, C), cp.nan, dtype=cp.float32)
    dw, db = cp.zeros((C,), dtype=cp.float32), cp.zeros((C,), dtype=cp.float32)
    cp.RawKernel(source(ROWS), "layernorm_backward")(
        (N,), (ROW_THREADS,), (dy, x, w, mean, rstd, dx, dw, db, cp.int32(N), cp.int32(C), cp.int32(bias)))
    return dx, dw, (db if bias else None)


def gpu_rmsnorm_forward(x, w, eps: float = 1e-5):
    """``(y, rstd)`` of your ``rmsnorm_forward`` kernel on ``x`` ``(N, C)``."""
    cp = _device("gpu_rmsnorm_forward")
    N, C = _rows(x, "gpu_rmsnorm_forward")
    x, w = (cp.ascontiguousarray(a, dtype=cp.float32) for a in (x, w))
    y = cp.full((N, C), cp.nan, dtype=cp.float32)
    rstd = cp.full((N,), cp.nan, dtype=cp.float32)
    cp.RawKernel(source(ROWS), "rmsnorm_forward")(
        (N,), (ROW_THREADS,), (x, w, y, rstd, cp.int32(N), cp.int32(C), cp.float32(eps)))
    return y, rstd


def gpu_rmsnorm_backward(dy, x, w, rstd):
    """``(dx, dw)`` of your ``rmsnorm_backward`` kernel."""
    cp = _device("gpu_rmsnorm_backward")
    N, C = _rows(x, "gpu_rmsnorm_backward")
    dy, x, w, rstd = (cp.ascontiguousarray(a, dtype=cp.float32) for a in (dy, x, w, rstd))
    dx = cp.full((N, C), cp.nan, dtype=cp.float32)
    dw = cp.zeros((C,), dtype=cp.float32)
    cp.RawKernel(source(ROWS), "rmsnorm_backward")((N,), (ROW_THREADS,), (dy, x, w, rstd, dx, dw, cp.int32(N),
                                                                         cp.int32(C)))
    return dx, dw
