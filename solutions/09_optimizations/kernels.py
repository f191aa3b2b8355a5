"""The kernels as CuPy ``RawKernel`` s, and their compilation to PTX with ``nvcc``. Given.

``matmul_tiled.cu`` and ``matmul_register.cu`` beside this file are yours. ``compile_ptx``
checks that a source compiles, on any machine with ``nvcc`` (no GPU needed); ``gpu_matmul``
launches a kernel on the "cuda" device: a GPU through CuPy or, under ``SCRATCHGPT_FAKE_GPU=1``,
the CPU stand-in, whose ``RawKernel`` runs the same source in :mod:`common.cudasim` (each
block's threads taking turns, so a missing ``__syncthreads()`` shows every time).
"""

from __future__ import annotations

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


def written(name: str) -> bool:
    """False while the file still holds the release's stub line."""
    return STUB not in source(name)


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
