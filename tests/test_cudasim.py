"""The CPU simulator of CUDA kernels (common/cudasim.py): right answers for right kernels, and every
rule a GPU enforces (or breaks silently on) refused with a message that names it."""

from __future__ import annotations

import numpy as np
import pytest

from common import cudasim, fakecupy

pytestmark = pytest.mark.skipif(not cudasim.available(), reason="no C++ compiler for the simulator")

KERNELS = r"""
extern "C" __global__ void axpy(const float* x, float* y, float a, int n) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) y[i] += a * x[i];
}

// One block sums its 256 values: shared memory, then warp shuffles; block 0's thread 0 adds all.
extern "C" __global__ void block_sum(const float* x, float* out, int n) {
    __shared__ float partial[8];
    int i = blockIdx.x * 256 + threadIdx.x;
    float v = i < n ? x[i] : 0.0f;
    for (int d = 16; d > 0; d /= 2) v += __shfl_down_sync(0xffffffff, v, d);
    if (threadIdx.x % 32 == 0) partial[threadIdx.x / 32] = v;
    __syncthreads();
    if (threadIdx.x == 0) {
        float s = 0.0f;
        for (int w = 0; w < 8; w++) s += partial[w];
        atomicAdd(out, s);
    }
}

// Each thread reads its right neighbour's value from shared memory: needs the barrier.
extern "C" __global__ void shift(const float* x, float* y, int n) {
    __shared__ float s[64];
    int t = threadIdx.x;
    s[t] = x[t];
    __syncthreads();
    y[t] = s[(t + 1) % 64];
}

extern "C" __global__ void shift_racy(const float* x, float* y, int n) {
    __shared__ float s[64];
    int t = threadIdx.x;
    s[t] = x[t];
    y[t] = s[(t + 1) % 64];
}

extern "C" __global__ void early_exit(const float* x, float* y, int n) {
    __shared__ float s[64];
    int t = threadIdx.x;
    if (t >= n) return;
    s[t] = x[t];
    __syncthreads();
    y[t] = s[(t + 1) % n];
}

extern "C" __global__ void spill(float* y, int n) {
    y[threadIdx.x] = 1.0f;                      // no guard: threads past n write outside y
}

extern "C" __global__ void peek(const float* x, float* y, int n) {
    y[threadIdx.x] = x[threadIdx.x + 1];        // the last thread reads past the end of x
}
"""


def run(name, grid, block, *args):
    cudasim.RawKernel(KERNELS, name)(grid, block, args)


def test_right_kernels_compute_the_right_thing():
    g = np.random.default_rng(0)
    x, y = g.standard_normal(1000).astype(np.float32), g.standard_normal(1000).astype(np.float32)
    want = y + np.float32(2.5) * x
    run("axpy", 3, 64, x, y, np.float32(2.5), np.int32(1000))       # a grid-stride loop: 3 x 64 threads
    np.testing.assert_allclose(y, want, rtol=1e-6)

    x = g.standard_normal(700).astype(np.float32)
    out = np.zeros(1, np.float32)
    run("block_sum", 3, 256, x, out, np.int32(700))                 # shuffles, shared memory, atomicAdd
    np.testing.assert_allclose(out[0], x.astype(np.float64).sum(), rtol=1e-5)

    x, y = np.arange(64, dtype=np.float32), np.zeros(64, np.float32)
    run("shift", 1, 64, x, y, np.int32(64))
    np.testing.assert_array_equal(y, np.roll(x, -1))


def test_a_missing_barrier_is_wrong_every_time():
    """Thread 0 runs to its end before thread 1 starts: it reads its neighbour's slot unwritten (NaN)."""
    x = np.arange(64, dtype=np.float32)
    for _ in range(3):
        y = np.zeros(64, np.float32)
        run("shift_racy", 1, 64, x, y, np.int32(64))
        assert np.isnan(y[:63]).all()


def test_threads_that_return_before_a_barrier_are_refused():
    x, y = np.arange(64, dtype=np.float32), np.zeros(64, np.float32)
    with pytest.raises(cudasim.KernelError, match="ended while others waited at __syncthreads"):
        run("early_exit", 1, 64, x, y, np.int32(40))


def test_memory_outside_an_array_is_poison_to_read_and_refused_to_write():
    y = np.zeros(8, np.float32)
    with pytest.raises(cudasim.KernelError, match="wrote outside y"):
        run("spill", 1, 16, y, np.int32(8))
    x, y = np.ones(8, np.float32), np.zeros(8, np.float32)
    run("peek", 1, 8, x, y, np.int32(8))
    assert np.isnan(y[7]) and (y[:7] == 1).all()


@pytest.mark.parametrize("args, words", [
    ((np.ones(4, np.float32), np.ones(4, np.float32), 2.5, np.int32(4)), "Python float"),
    ((np.ones(4, np.float32), np.ones(4, np.float32), np.float64(2.5), np.int32(4)), "np.float64"),
    ((np.ones(4, np.float64), np.ones(4, np.float32), np.float32(2), np.int32(4)), r"float\* but the array is float64"),
    ((np.ones((4, 2), np.float32)[:, 0], np.ones(4, np.float32), np.float32(2), np.int32(4)), "not contiguous"),
    ((np.ones(4, np.float32), np.float32(2), np.int32(4)), "takes 4 arguments"),
])
def test_arguments_a_gpu_would_misread_are_refused(args, words):
    with pytest.raises((TypeError, cudasim.KernelError), match=words):
        run("axpy", 1, 4, *args)


def test_launches_and_sources_a_gpu_refuses():
    x = np.ones(4, np.float32)
    with pytest.raises(cudasim.KernelError, match="1024 at most"):
        run("axpy", 1, (64, 32), x, x.copy(), np.float32(1), np.int32(4))
    with pytest.raises(cudasim.KernelError, match="no __global__ void missing"):
        cudasim.RawKernel(KERNELS, "missing")
    broken = 'extern "C" __global__ void oops(float* y, int n) { y[0] = undefined_name; }'
    with pytest.raises(cudasim.KernelError, match="does not compile"):
        cudasim.RawKernel(broken, "oops")((1,), (1,), (np.zeros(1, np.float32), np.int32(1)))


def test_the_cupy_stand_in_launches_on_device_arrays_only():
    k = fakecupy.RawKernel(KERNELS, "axpy")
    x, y = fakecupy.asarray(np.ones(5, np.float32)), fakecupy.zeros(5, dtype=np.float32)
    k((1,), (8,), (x, y, np.float32(3), np.int32(5)))
    assert fakecupy.asnumpy(y).tolist() == [3.0] * 5
    with pytest.raises(TypeError, match="must be a device array"):
        k((1,), (8,), (np.ones(5, np.float32), y, np.float32(3), np.int32(5)))
