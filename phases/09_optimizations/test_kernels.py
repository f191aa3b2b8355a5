"""Grader for the two CUDA kernels: they compile (``nvcc --ptx``, wherever nvcc is installed; the
task is skipped where it is not), and on a GPU they equal ``cupy.matmul`` (TF32 off) at sizes with
ragged edges and sizes large enough for every block to race (skipped without a GPU).
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from common import backend
from common.checks import require
from grader import task


@task(points=2, timeout=240)
def test_kernels_compile(kit):
    """matmul_tiled.cu and matmul_register.cu compile to PTX."""
    K = kit.p9("kernels")
    for name in ("matmul_tiled.cu", "matmul_register.cu"):
        if not K.written(name):
            raise NotImplementedError(f"{name}: the kernel is not written yet (it still holds the stub line)")
    if shutil.which("nvcc") is None:
        pytest.skip("nvcc is not installed here: the kernels' compilation is checked where it is (make gpu-check)")
    for name in ("matmul_tiled.cu", "matmul_register.cu"):
        ok, log = K.compile_ptx(name)
        require(ok, f"nvcc --ptx {name} failed:\n{log[-3000:]}")


@task(points=3, timeout=240, needs=("kernels_compile", "tiled_matmul", "register_tiled_matmul"))
def test_gpu_matmul(kit):
    """Both kernels against cupy.matmul on the GPU: ragged edges, one element, and large sizes."""
    K = kit.p9("kernels")
    for name in ("matmul_tiled.cu", "matmul_register.cu"):
        if not K.written(name):
            raise NotImplementedError(f"{name}: the kernel is not written yet (it still holds the stub line)")
    if backend.gpu_faked() or not backend.gpu_available():
        pytest.skip("no GPU here: the kernels run in make gpu-check on a machine with one")
    import cupy as cp

    backend.set_tf32(False)
    g = np.random.default_rng(5)
    for kernel in ("tiled", "register"):
        for M, N, Kd in ((1, 1, 1), (17, 33, 5), (64, 64, 64), (65, 63, 129), (1000, 1000, 1000), (2048, 512, 777)):
            A = cp.asarray(g.standard_normal((M, Kd)).astype(np.float32))
            B = cp.asarray(g.standard_normal((Kd, N)).astype(np.float32))
            C = K.gpu_matmul(A, B, kernel)
            want = cp.matmul(A, B)
            err = float(cp.abs(C - want).max()) if C.size else 0.0
            nan = int(cp.isnan(C).sum())
            require(nan == 0, f"{kernel} kernel, {M}x{Kd} @ {Kd}x{N}: {nan} elements never written",
                    hint="every element inside C is stored once: check the grid covers C and the store's guard")
            require(err <= 1e-3 * np.sqrt(Kd), f"{kernel} kernel, {M}x{Kd} @ {Kd}x{N}: largest error {err:.3g}",
                    hint="right on small sizes and wrong on large ones is a race: __syncthreads() after the tiles "
                         "are loaded *and* before they are overwritten")
