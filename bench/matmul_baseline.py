"""Phase 01 baseline: pure-Python ``Matrix @ Matrix`` against NumPy's ``@`` (a BLAS), same inputs.

    python bench/matmul_baseline.py [--impl solutions|phases] [--sizes 32 64 128]

Prints, per size n, the best-of-k time of each, their GFLOP/s (2n³ / t) and the ratio.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np


def best_time(fn, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--impl", default="solutions", choices=["solutions", "phases"])
    p.add_argument("--sizes", type=int, nargs="+", default=[16, 32, 64, 128])
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args()
    os.environ["SCRATCHGPT_IMPL"] = args.impl
    from common import load

    Matrix = load(1, "matrix").Matrix
    rng = np.random.default_rng(0)
    print(f"Matrix @ Matrix ({args.impl}/01_foundations/matrix.py) vs numpy @ — best of {args.repeats}")
    print(f"{'n':>5} {'python s':>10} {'numpy s':>10} {'python GFLOP/s':>15} {'numpy GFLOP/s':>14} {'numpy faster':>13}")
    for n in args.sizes:
        a, b = rng.standard_normal((n, n)), rng.standard_normal((n, n))
        try:
            ma, mb = Matrix.from_list(a.tolist()), Matrix.from_list(b.tolist())
            got = np.array((ma @ mb).tolist(), dtype=np.float64)
        except NotImplementedError as exc:
            print(f"{args.impl}/01_foundations/matrix.py is not written yet ({exc}): nothing to time")
            return
        if got.shape != (n, n) or not np.allclose(got, a @ b, rtol=1e-9, atol=1e-9):
            print(f"{n:>5} Matrix @ gives a wrong product here: not timed (make grade PHASE=1 TASK=matrix_matmul says why)")
            continue
        t_py = best_time(lambda: ma @ mb, args.repeats)
        t_np = best_time(lambda: a @ b, max(args.repeats, 20))
        flops = 2 * n**3
        print(f"{n:>5} {t_py:>10.4g} {t_np:>10.3g} {flops / t_py / 1e9:>15.4f} {flops / t_np / 1e9:>14.2f} {t_py / t_np:>12.0f}×")


if __name__ == "__main__":
    main()
