"""CUDA kernels on the CPU: a ``.cu`` kernel compiled as C++ and run block by block, its threads
taking turns, so that a kernel can be tested on a laptop before it meets a GPU.

A block's threads run as coroutines on one CPU thread. Each runs until it reaches
``__syncthreads()`` (or its end); when every thread has arrived, the next round begins, and the
threads take their turns in the opposite order. No two threads ever run at once, so the
simulation is deterministic, and a missing barrier is not left to chance: the first thread of a
round runs its whole stretch before the last one starts, which is the worst interleaving a GPU
could choose. A kernel that reads shared memory before the other threads wrote it, or overwrites
a tile another thread still reads, computes a wrong answer here every time.

What is emulated: ``threadIdx``, ``blockIdx``, ``blockDim``, ``gridDim`` (3-D), ``__shared__``
arrays (one per block, filled with NaN when each block starts), ``__syncthreads()``, the warp
functions ``__shfl_down_sync`` and ``__shfl_xor_sync`` (every thread of the block must call them
together, as the course's reductions do), ``atomicAdd``, and CUDA's float math (``expf``,
``rsqrtf``, ``__expf``, ``fmaxf``, ...). What is refused, with a message: a block whose threads do
not all reach the same ``__syncthreads()`` (some returned early), host arrays or non-contiguous
arrays as arguments, and scalars whose type is not the parameter's (a Python float is a double
on the GPU). It is not a performance model: it runs thousands of times slower than a GPU, so
tests use small sizes.

Needs a C++ compiler (``g++``); :func:`available` says whether there is one.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

PRELUDE = r"""
#include <cmath>
#include <cfloat>
#include <climits>
#include <cstdint>
#include <cstring>
#include <vector>
#include <ucontext.h>
struct dim3 { unsigned x, y, z; };
static dim3 threadIdx, blockIdx, blockDim, gridDim;
static const int warpSize = 32;
static inline int min(int a, int b) { return a < b ? a : b; }
static inline int max(int a, int b) { return a > b ? a : b; }
static inline unsigned min(unsigned a, unsigned b) { return a < b ? a : b; }
static inline unsigned max(unsigned a, unsigned b) { return a > b ? a : b; }
static inline float min(float a, float b) { return fminf(a, b); }
static inline float max(float a, float b) { return fmaxf(a, b); }
static void __syncthreads();
static void sim_shared(void* p, size_t bytes);
template <class T> struct SimShared {
    T value;
    SimShared() { sim_shared(&value, sizeof(T)); }
};
#define __global__
#define __device__ static inline
#define __host__
#define __forceinline__ inline
#define __noinline__
#define __restrict__ __restrict
#define __shared__ static
static inline float rsqrtf(float x) { return 1.0f / sqrtf(x); }
static inline float __fdividef(float a, float b) { return a / b; }
static inline float __frcp_rn(float a) { return 1.0f / a; }
static inline float atomicAdd(float* p, float v) { float old = *p; *p += v; return old; }
static inline double atomicAdd(double* p, double v) { double old = *p; *p += v; return old; }
static inline int atomicAdd(int* p, int v) { int old = *p; *p += v; return old; }
static inline float atomicMax(float* p, float v) { float old = *p; *p = fmaxf(old, v); return old; }
static float __shfl_down_sync(unsigned mask, float v, int delta);
static float __shfl_xor_sync(unsigned mask, float v, int lane_mask);
"""

RUNTIME = r"""
namespace sim {
    static ucontext_t main_ctx;
    static std::vector<ucontext_t> ctx;
    static std::vector<char> stacks;
    static std::vector<int> state;          // 0 ready, 1 waiting at a barrier, 2 finished
    static std::vector<float> lanes;
    static int cur = 0, n = 0;
    static void** args = nullptr;
    static const size_t STACK = 64 * 1024;
    struct Region { void* p; size_t bytes; };
    static std::vector<Region> shared;
}
static void sim_shared(void* p, size_t bytes) {
    sim::shared.push_back({p, bytes});
    float* f = (float*)p;
    for (size_t i = 0; i < bytes / 4; i++) f[i] = NAN;
}
static void __syncthreads() {
    sim::state[sim::cur] = 1;
    swapcontext(&sim::ctx[sim::cur], &sim::main_ctx);
}
static float sim_exchange(float v, int partner) {
    sim::lanes[sim::cur] = v;
    __syncthreads();
    int warp0 = sim::cur / warpSize * warpSize;
    float out = (partner >= 0 && partner < warpSize && warp0 + partner < sim::n) ? sim::lanes[warp0 + partner] : v;
    __syncthreads();
    return out;
}
static float __shfl_down_sync(unsigned, float v, int delta) {
    int lane = sim::cur % warpSize;
    return sim_exchange(v, lane + delta < warpSize ? lane + delta : lane);
}
static float __shfl_xor_sync(unsigned, float v, int lane_mask) {
    return sim_exchange(v, (sim::cur % warpSize) ^ lane_mask);
}
static void sim_entry() {
    KERNEL_CALL;
    sim::state[sim::cur] = 2;
}
extern "C" int sim_launch(unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz, void** a) {
    sim::args = a;
    sim::n = (int)(bx * by * bz);
    int n = sim::n;
    sim::ctx.assign(n, ucontext_t());
    sim::stacks.assign((size_t)n * sim::STACK, 0);
    sim::state.assign(n, 0);
    sim::lanes.assign(n, 0.0f);
    gridDim = {gx, gy, gz};
    blockDim = {bx, by, bz};
    for (unsigned z = 0; z < gz; z++) for (unsigned y = 0; y < gy; y++) for (unsigned x = 0; x < gx; x++) {
        blockIdx = {x, y, z};
        for (auto& r : sim::shared) { float* f = (float*)r.p; for (size_t i = 0; i < r.bytes / 4; i++) f[i] = NAN; }
        for (int t = 0; t < n; t++) {
            getcontext(&sim::ctx[t]);
            sim::ctx[t].uc_stack.ss_sp = &sim::stacks[(size_t)t * sim::STACK];
            sim::ctx[t].uc_stack.ss_size = sim::STACK;
            sim::ctx[t].uc_link = &sim::main_ctx;
            makecontext(&sim::ctx[t], sim_entry, 0);
            sim::state[t] = 0;
        }
        for (int round = 0;; round++) {
            for (int i = 0; i < n; i++) {
                int t = round % 2 == 0 ? i : n - 1 - i;
                if (sim::state[t] == 2) continue;
                sim::cur = t;
                threadIdx = {t % bx, (t / bx) % by, t / (bx * by)};
                sim::state[t] = 0;
                swapcontext(&sim::main_ctx, &sim::ctx[t]);
            }
            int done = 0, waiting = 0;
            for (int t = 0; t < n; t++) { done += sim::state[t] == 2; waiting += sim::state[t] == 1; }
            if (done == n) break;
            if (done > 0) return 1;                 // some threads ended while others wait at a barrier
        }
    }
    return 0;
}
"""


class KernelError(RuntimeError):
    """A kernel the simulator cannot run, or one that broke CUDA's rules while running."""


def available() -> bool:
    """Whether a C++ compiler is here to build simulated kernels."""
    return shutil.which(os.environ.get("CXX", "g++")) is not None


_TYPES = {"float": (np.float32, ctypes.c_float), "double": (np.float64, ctypes.c_double),
          "int": (np.int32, ctypes.c_int32), "unsigned": (np.uint32, ctypes.c_uint32),
          "unsigned int": (np.uint32, ctypes.c_uint32), "long long": (np.int64, ctypes.c_int64),
          "int64_t": (np.int64, ctypes.c_int64), "int32_t": (np.int32, ctypes.c_int32),
          "size_t": (np.uint64, ctypes.c_uint64), "bool": (np.bool_, ctypes.c_bool)}


def parameters(source: str, name: str) -> list[tuple[str, str, bool]]:
    """``(C type, parameter name, is a pointer)`` of the ``__global__`` function ``name``."""
    m = re.search(rf"__global__\s+void\s+{re.escape(name)}\s*\(([^)]*)\)", source)
    if not m:
        raise KernelError(f"no __global__ void {name}(...) in the kernel source")
    out = []
    for raw in (p.strip() for p in m.group(1).split(",") if p.strip()):
        words = raw.replace("*", " * ").split()
        pname = words[-1]
        ctype = " ".join(w for w in words[:-1] if w not in ("const", "__restrict__", "__restrict", "volatile"))
        ctype = ctype.replace(" *", "*")
        pointer = "*" in ctype
        base = ctype.replace("*", "").strip()
        if base not in _TYPES:
            raise KernelError(f"{name}: parameter {raw!r} has a type the simulator does not know ({base})")
        out.append((ctype, pname, pointer))
    return out


_BUILT: dict[str, ctypes.CDLL] = {}


def build(source: str, name: str) -> ctypes.CDLL:
    """Compile ``source`` with the simulator around kernel ``name``; cached by content."""
    params = parameters(source, name)
    call = ", ".join(f"*({c.replace('*', '').strip()}{'*' if p else ''}*)sim::args[{i}]"
                     for i, (c, _, p) in enumerate(params))
    runtime = RUNTIME.replace("KERNEL_CALL", f"{name}({call})")
    body = re.sub(r"^\s*#\s*include\s*[<\"]cuda[^\n]*$", "", source, flags=re.M)
    # A __shared__ array registers itself (SimShared) so that each block starts it with NaN.
    body = re.sub(r"__shared__\s+(\w+)\s+(\w+)((?:\s*\[[^\]]+\])+)\s*;",
                  lambda m: f"static SimShared<{m.group(1)}{_dims(m.group(3))}> _sim_{m.group(2)}; "
                            f"auto& {m.group(2)} = _sim_{m.group(2)}.value;", body)
    text = PRELUDE + "\n#line 1 \"kernel.cu\"\n" + body + "\n" + runtime
    key = hashlib.sha256(text.encode()).hexdigest()[:20]
    if key in _BUILT:
        return _BUILT[key]
    folder = Path(tempfile.gettempdir()) / f"scratchgpt-cudasim-{os.getuid()}"
    folder.mkdir(exist_ok=True)
    lib = folder / f"{name}-{key}.so"
    if not lib.is_file():
        src = folder / f"{name}-{key}.cpp"
        src.write_text(text)
        cxx = os.environ.get("CXX", "g++")
        tmp = lib.with_suffix(f".{os.getpid()}.so")
        proc = subprocess.run([cxx, "-std=c++17", "-O1", "-shared", "-fPIC", "-w", "-o", str(tmp), str(src)],
                              capture_output=True, text=True, timeout=300)
        if proc.returncode:
            raise KernelError(f"{name}: the kernel does not compile as C++ for the simulator:\n{proc.stderr[-3000:]}")
        os.replace(tmp, lib)
    dll = ctypes.CDLL(str(lib))
    dll.sim_launch.restype = ctypes.c_int
    dll.sim_launch.argtypes = [ctypes.c_uint] * 6 + [ctypes.POINTER(ctypes.c_void_p)]
    _BUILT[key] = dll
    return dll


def _dims(brackets: str) -> str:
    """``"[16][17]"`` → ``"[16][17]"`` as a type suffix for ``SimShared<float[16][17]>``."""
    return "".join(f"[{d.strip()}]" for d in re.findall(r"\[([^\]]+)\]", brackets))


def _dim3(v) -> tuple[int, int, int]:
    v = tuple(int(x) for x in (v if isinstance(v, (tuple, list)) else (v,)))
    if not 1 <= len(v) <= 3 or min(v) < 1:
        raise KernelError(f"a grid or block size must be 1 to 3 positive ints, got {v}")
    return (v + (1, 1))[:3]


def launch(source: str, name: str, grid, block, args, unwrap=lambda a: a) -> None:
    """Run kernel ``name`` of ``source`` on ``grid`` blocks of ``block`` threads with ``args``
    (NumPy arrays, or device arrays that ``unwrap`` turns into them, for the pointers; NumPy
    scalars or Python ints for the rest)."""
    params = parameters(source, name)
    if len(args) != len(params):
        raise KernelError(f"{name} takes {len(params)} arguments ({', '.join(p for _, p, _ in params)}), "
                          f"got {len(args)}")
    gx, gy, gz = _dim3(grid)
    bx, by, bz = _dim3(block)
    if bx * by * bz > 1024:
        raise KernelError(f"{name}: a block of {bx}x{by}x{bz} = {bx * by * bz} threads; CUDA allows 1024 at most")
    keep, ptrs, guarded = [], (ctypes.c_void_p * len(args))(), []
    for i, ((ctype, pname, pointer), value) in enumerate(zip(params, args)):
        base = ctype.replace("*", "").strip()
        dtype, ctype_scalar = _TYPES[base]
        if pointer:
            arr = unwrap(value)
            if not isinstance(arr, np.ndarray):
                raise TypeError(f"{name}: argument {pname} ({ctype}) must be a device array, got {type(value).__name__}")
            if arr.dtype != dtype:
                raise TypeError(f"{name}: argument {pname} is {ctype} but the array is {arr.dtype}: the kernel "
                                f"would read its bytes as {base}")
            if not arr.flags.c_contiguous:
                raise TypeError(f"{name}: argument {pname} is not contiguous: a kernel sees only the pointer, so "
                                f"pass xp.ascontiguousarray(...)")
            # The kernel sees a copy between two margins of poison (NaN, or the most negative
            # int): a load past either edge poisons what it touches, a store there is caught.
            margin = max(4096, arr.size)
            poison = np.nan if arr.dtype.kind == "f" else np.iinfo(arr.dtype).min if arr.dtype.kind in "iu" else 0
            padded = np.full(arr.size + 2 * margin, poison, dtype=arr.dtype)
            padded[margin:margin + arr.size] = arr.reshape(-1)
            guarded.append((pname, arr, padded, margin))
            cell = ctypes.c_void_p(padded[margin:].ctypes.data)
        else:
            if isinstance(value, bool) or (isinstance(value, float) and not isinstance(value, np.floating)):
                raise TypeError(f"{name}: argument {pname} is {ctype}, got a Python {type(value).__name__}, which "
                                f"reaches a GPU as a {'bool' if isinstance(value, bool) else 'double'}: pass "
                                f"np.{np.dtype(dtype).name}(...)")
            if isinstance(value, np.generic) and value.dtype != dtype and not (
                    isinstance(value, np.integer) and np.dtype(dtype).kind in "iu" and value.dtype.itemsize >= 4):
                raise TypeError(f"{name}: argument {pname} is {ctype}, got np.{value.dtype}: pass "
                                f"np.{np.dtype(dtype).name}(...)")
            if not isinstance(value, (int, np.generic)):
                raise TypeError(f"{name}: argument {pname} ({ctype}) must be a number, got {type(value).__name__}")
            cell = ctype_scalar(value.item() if isinstance(value, np.generic) else value)
        keep.append(cell)
        ptrs[i] = ctypes.cast(ctypes.pointer(cell), ctypes.c_void_p)
    code = build(source, name).sim_launch(gx, gy, gz, bx, by, bz, ptrs)
    for pname, arr, padded, margin in guarded:
        arr.reshape(-1)[...] = padded[margin:margin + arr.size]
        outside = np.concatenate([padded[:margin], padded[margin + arr.size:]])
        fresh = np.isnan(outside) if arr.dtype.kind == "f" else outside == outside[0]
        if code == 0 and not fresh.all():
            where = int(np.argmin(fresh))
            offset = where - margin if where < margin else arr.size + where - margin
            raise KernelError(f"{name}: a thread wrote outside {pname} (element {offset} of an array of "
                              f"{arr.size}): guard every store with the bounds of the data")
    if code == 1:
        raise KernelError(f"{name}: some threads of a block ended while others waited at __syncthreads(); every "
                          f"thread of a block must reach each __syncthreads(). Guard the loads and stores of "
                          f"threads outside the data instead of returning early")


class RawKernel:
    """``cupy.RawKernel``'s interface on the simulator: ``RawKernel(code, name)(grid, block, args)``."""

    def __init__(self, code: str, name: str, options=(), **_):
        self.code, self.name = code, name
        parameters(code, name)

    def __call__(self, grid, block, args, *, shared_mem: int = 0, unwrap=lambda a: a):
        if shared_mem:
            raise KernelError(f"{self.name}: dynamic shared memory is not simulated; declare __shared__ arrays "
                              f"of fixed size")
        launch(self.code, self.name, grid, block, tuple(args), unwrap)
