"""Phase 09 benchmark: the flash attention kernels against PyTorch's attention and unfused CuPy, on a GPU.

    python bench/gpu_attention.py [--T 512,1024,2048] [--heads 8] [--head-dim 64] [--repeats 10]
    python bench/gpu_attention.py --stand-in      # tiny, on the CPU simulator: checks the code, times nothing real

Causal attention, float32, batch 1, ``--heads`` query heads on as many key/value heads: the time of
forward, and of forward + backward, for your ``flash_forward`` / ``flash_backward`` kernels, for
``torch.nn.functional.scaled_dot_product_attention`` (PyTorch picks its fastest kernel for float32)
and for phase 05's attention written in CuPy (the scores ``(T, T)`` in memory). Each result is checked
against PyTorch before it is timed; a wrong one is reported as wrong, not timed. The peak memory of
the pool during each is printed beside: the fused kernels never hold ``(T, T)``.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time


def unfused(xp, q, k, v):
    """Phase 05's attention in CuPy: scores, mask, softmax, weighted sum."""
    T, D = q.shape[-2], q.shape[-1]
    s = q @ k.swapaxes(-1, -2) / math.sqrt(D)
    s = xp.where(xp.tril(xp.ones((T, T), dtype=bool)), s, -xp.inf)
    s = xp.exp(s - s.max(axis=-1, keepdims=True))
    return (s / s.sum(axis=-1, keepdims=True)) @ v


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--T", default="512,1024,2048")
    p.add_argument("--heads", type=int, default=8)
    p.add_argument("--head-dim", type=int, default=64)
    p.add_argument("--repeats", type=int, default=10)
    p.add_argument("--impl", default="solutions", choices=["solutions", "phases"])
    p.add_argument("--stand-in", action="store_true", help="tiny sizes on the CPU simulator")
    args = p.parse_args()
    os.environ["SCRATCHGPT_IMPL"] = args.impl
    if args.stand_in:
        os.environ["SCRATCHGPT_FAKE_GPU"] = "1"
        args.T, args.heads, args.head_dim, args.repeats = "40", 2, 16, 1
    import numpy as np
    import torch

    from common import backend, load

    if not backend.has_gpu():
        print("no GPU here (CuPy missing or no CUDA device): nothing to measure (--stand-in runs the code on the CPU).")
        return 0
    xp = backend.gpu_module()
    K = load(9, "kernels")
    device = "cuda" if not backend.gpu_faked() and torch.cuda.is_available() else "cpu"
    print(f"causal attention, float32, batch 1, {args.heads} heads of {args.head_dim}, on {backend.device_name()} "
          f"(PyTorch on {device}); milliseconds, median of {args.repeats}")
    print(f"{'T':>6} {'flash fwd':>10} {'torch fwd':>10} {'unfused fwd':>12} {'flash f+b':>10} {'torch f+b':>10} "
          f"{'flash/torch f+b':>16}")
    worst = None
    for T in (int(s) for s in args.T.split(",")):
        g = np.random.default_rng(0)
        H, D = args.heads, args.head_dim
        q, k, v, dout = (g.standard_normal((1, H, T, D)).astype(np.float32) for _ in range(4))
        tq, tk, tv = (torch.tensor(a, device=device, requires_grad=True) for a in (q, k, v))
        tdout = torch.tensor(dout, device=device)
        want = torch.nn.functional.scaled_dot_product_attention(tq, tk, tv, is_causal=True)
        want.backward(tdout)
        dq_want = tq.grad.cpu().numpy()
        dq_q, dk_, dv_, do_ = (xp.asarray(a) for a in (q, k, v, dout))

        def flash_fwd():
            return K.gpu_flash_forward(dq_q, dk_, dv_)

        def flash_both():
            out, lse = K.gpu_flash_forward(dq_q, dk_, dv_)
            return K.gpu_flash_backward(dq_q, dk_, dv_, out, lse, do_)

        def torch_fwd():
            with torch.no_grad():
                return torch.nn.functional.scaled_dot_product_attention(tq, tk, tv, is_causal=True)

        def torch_both():
            tq.grad = None
            torch.nn.functional.scaled_dot_product_attention(tq, tk, tv, is_causal=True).backward(tdout)

        def timed(fn):
            fn()
            times = []
            for _ in range(args.repeats):
                backend.synchronize()
                if device == "cuda":
                    torch.cuda.synchronize()
                t0 = time.perf_counter()
                fn()
                backend.synchronize()
                if device == "cuda":
                    torch.cuda.synchronize()
                times.append(time.perf_counter() - t0)
            return sorted(times)[len(times) // 2] * 1e3

        out = backend.to_numpy(flash_fwd()[0])
        dq = backend.to_numpy(flash_both()[0])
        err = max(float(np.abs(out - want.detach().cpu().numpy()).max()), float(np.abs(dq - dq_want).max()))
        right = err < 1e-3
        if not right:
            print(f"  the flash kernels at T={T} are wrong (largest error {err:.3g}): not timed")
        row = {"flash fwd": timed(flash_fwd) if right else None, "torch fwd": timed(torch_fwd),
               "unfused fwd": timed(lambda: unfused(xp, dq_q, dk_, dv_)),
               "flash f+b": timed(flash_both) if right else None, "torch f+b": timed(torch_both)}
        ratio = row["torch f+b"] / row["flash f+b"] if row["flash f+b"] else None
        worst = ratio if worst is None or (ratio is not None and ratio < worst) else worst
        cells = " ".join(f"{'wrong' if row[k] is None else f'{row[k]:.2f}':>{max(10, len(k))}}" for k in row)
        print(f"{T:>6} {cells} {f'{1 / ratio:.2f}x' if ratio else '-':>16}")
    if backend.gpu_faked():
        print("(the CPU simulator: these times say nothing about a GPU)")
    elif worst:
        print(f"flash / PyTorch, forward + backward: {1 / worst:.2f}x the time at the largest gap")
    return 0


if __name__ == "__main__":
    sys.exit(main())
