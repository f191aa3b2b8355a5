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

from common import backend, cudasim
from common.checks import calling, require
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
    """Both kernels against float64 matmul: on a GPU (against cupy.matmul, TF32 off, up to 2048 x 777 @ 777 x 512), else on the CPU simulator, whose threads take turns so that a missing __syncthreads() shows."""
    K = kit.p9("kernels")
    for name in ("matmul_tiled.cu", "matmul_register.cu"):
        if not K.written(name):
            raise NotImplementedError(f"{name}: the kernel is not written yet (it still holds the stub line)")
    on_gpu = backend.gpu_available() and not backend.gpu_faked()
    if on_gpu:
        shapes = ((1, 1, 1), (17, 33, 5), (64, 64, 64), (65, 63, 129), (1000, 1000, 1000), (2048, 512, 777))
        backend.set_tf32(False)
        run = contextlib.nullcontext()
    else:
        if not cudasim.available():
            pytest.skip("no GPU and no C++ compiler (g++) for the CPU simulator: make gpu-check runs the kernels")
        shapes = ((1, 1, 1), (17, 33, 5), (16, 16, 16), (65, 63, 129), (130, 70, 17))
        run = backend.fake_gpu()
    where = "GPU" if on_gpu else "CPU simulator"
    g = np.random.default_rng(5)
    with run:
        xp = backend.gpu_module()
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
