"""Phase 09 benchmark: the two matmul kernels (tiled, register-tiled) against cuBLAS, float32, on a GPU.

    python bench/gpu_matmul.py [--sizes 1024,2048,4096] [--repeats 10] [--impl solutions]

cuBLAS is ``cupy.matmul`` with TF32 off, so all three do plain float32 arithmetic. Each result is
checked against cuBLAS before it is timed; a kernel that computes a wrong answer is reported as
wrong, not timed. Without a GPU it says so and stops.
"""

from __future__ import annotations

import argparse
import os
import sys


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="1024,2048,4096")
    p.add_argument("--repeats", type=int, default=10)
    p.add_argument("--impl", default="solutions", choices=["solutions", "phases"])
    args = p.parse_args()
    os.environ["SCRATCHGPT_IMPL"] = args.impl
    from common import backend, load

    if backend.gpu_faked() or not backend.gpu_available():
        print("no GPU here (CuPy missing or no CUDA device): nothing to measure.")
        return 0
    import cupy as cp

    K = load(9, "kernels")
    backend.set_tf32(False)
    print(f"float32 matmul on {backend.device_name()}, TF32 off; GFLOP/s from the median of {args.repeats} runs")
    print(f"{'n':>6} {'cuBLAS':>10} {'tiled':>10} {'register':>10} {'register/cuBLAS':>16}")
    worst = None
    for n in (int(s) for s in args.sizes.split(",")):
        g = cp.random.default_rng(0)
        A = g.standard_normal((n, n), dtype=cp.float32)
        B = g.standard_normal((n, n), dtype=cp.float32)
        want = cp.matmul(A, B)
        rates = {}
        for name, fn in (("cuBLAS", lambda: cp.matmul(A, B)), ("tiled", lambda: K.gpu_matmul(A, B, "tiled")),
                         ("register", lambda: K.gpu_matmul(A, B, "register"))):
            C = fn()
            err = float(cp.abs(C - want).max())
            if not err <= 1e-3 * n ** 0.5:
                rates[name] = None
                print(f"  {name} at n={n} is wrong (largest error {err:.3g}): not timed")
                continue
            times = []
            for _ in range(args.repeats):
                start, end = cp.cuda.Event(), cp.cuda.Event()
                start.record()
                fn()
                end.record()
                end.synchronize()
                times.append(cp.cuda.get_elapsed_time(start, end) / 1e3)
            times.sort()
            rates[name] = 2 * n**3 / times[len(times) // 2] / 1e9
        cells = [f"{rates[k]:>10,.0f}" if rates[k] else f"{'wrong':>10}" for k in ("cuBLAS", "tiled", "register")]
        ratio = rates["register"] / rates["cuBLAS"] if rates["register"] and rates["cuBLAS"] else None
        worst = ratio if worst is None or (ratio is not None and ratio < worst) else worst
        print(f"{n:>6} {' '.join(cells)} {f'{ratio:.2f}x' if ratio else '-':>16}")
    print(f"register-tiled / cuBLAS = {worst:.2f}x at the largest gap (phase 09 aims at 0.5x, stretch 0.8x)"
          if worst else "register-tiled / cuBLAS: no valid measurement")
    return 0


if __name__ == "__main__":
    sys.exit(main())
