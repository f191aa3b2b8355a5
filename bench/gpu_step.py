"""Phase 08 benchmark: tokens per second of a GPT training step on a GPU, ours (CuPy) against PyTorch eager.

    python bench/gpu_step.py [--sizes small,cs336,medium] [--precision fp32,fp16] [--batch 32]
                             [--block 256] [--vocab 10000] [--steps 20] [--warmup 3] [--impl solutions]

Our side is phase 08's ``train_step`` (phase 05's GPT, phase 06's AdamW, clipping at 1.0) on
CuPy; in fp16 with float32 master weights and a dynamic loss scale. PyTorch's side is the same
model in ``torch.nn`` (``bench/gpt_step.py``'s twin, holding copies of our initial weights) with
``torch.optim.AdamW`` and ``clip_grad_norm_``; in fp16 under ``torch.autocast`` with a
``GradScaler``. Both see the same batches; the first losses are printed to show they compute the
same thing. Timing: blocks of 5 steps taking turns, each block between two synchronisations.
MFU uses phase 08's FLOP count and the peak table, for the arithmetic in use (TF32 is off: plain
float32 against plain float32).

Without a GPU it says so and stops; with ``SCRATCHGPT_FAKE_GPU=1`` our side runs on the CPU
stand-in and PyTorch on the CPU, which checks the benchmark's code, not its speed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import numpy as np
from autograd_mlp import add_step_options, start
from gpt_step import torch_gpt

# name: (n_layer, n_embd, n_head, mlp, mlp_hidden); every size Llama-style as CS336's (RMSNorm, RoPE, SwiGLU,
# no biases, untied head)
SIZES = {
    "tiny": (1, 16, 2, "swiglu", 48),
    "small": (4, 256, 8, "swiglu", 688),
    "cs336": (4, 512, 16, "swiglu", 1344),
    "medium": (8, 768, 12, "swiglu", 2048),
}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="small,cs336,medium", help=f"comma-separated, of {', '.join(SIZES)}")
    p.add_argument("--precision", default="fp32,fp16")
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--block", type=int, default=256)
    p.add_argument("--vocab", type=int, default=10000)
    add_step_options(p, warmup=3, steps=20)
    args = p.parse_args()
    start(args)
    from common import backend

    if not backend.has_gpu():
        print("no GPU here (CuPy missing or no CUDA device): nothing to measure. "
              "SCRATCHGPT_FAKE_GPU=1 runs this benchmark's code on the CPU stand-in.")
        return 0
    import torch

    from common import load

    D, S, Pm, C = load(8, "device"), load(8, "step"), load(8, "precision"), load(8, "counting")
    M, W = load(5, "model"), load(6, "adamw")
    tdev = "cuda" if torch.cuda.is_available() and not backend.gpu_faked() else "cpu"
    name = backend.device_name()
    print(f"one training step (forward, cross-entropy, backward, clipping, AdamW) on {name}; PyTorch {torch.__version__} "
          f"on {tdev}; batch {args.batch} x {args.block} tokens, vocabulary {args.vocab}")
    rows = []
    for size in args.sizes.split(","):
        n_layer, n_embd, n_head, mlp, hidden = SIZES[size]
        cfg = M.GPTConfig(vocab_size=args.vocab, block_size=args.block, n_layer=n_layer, n_embd=n_embd,
                          n_head=n_head, mlp=mlp, mlp_hidden=hidden, norm="rmsnorm", position="rope", bias=False,
                          tie_weights=False)
        for precision in args.precision.split(","):
            rows.append(measure(args, cfg, size, precision, D, S, Pm, C, W, M, torch, tdev, backend))
    print(f"\n{'size':8} {'params':>12} {'arith':>6} {'ours tok/s':>12} {'PyTorch tok/s':>14} {'ours/PyTorch':>13} "
          f"{'our MFU':>8} {'PT MFU':>8} {'our MiB':>8} {'PT MiB':>8}")
    for r in rows:
        mfu = [f"{m:.1%}" if m is not None else "-" for m in (r["mfu_ours"], r["mfu_theirs"])]
        print(f"{r['size']:8} {r['params']:>12,} {r['precision']:>6} {r['ours']:>12,.0f} {r['theirs']:>14,.0f} "
              f"{r['ours'] / r['theirs']:>12.2f}x {mfu[0]:>8} {mfu[1]:>8} {r['mem_ours'] / 2**20:>8,.0f} "
              f"{r['mem_theirs'] / 2**20:>8,.0f}")
    worst = min(r["ours"] / r["theirs"] for r in rows)
    print(f"ours / PyTorch throughput = {worst:.2f}x at the worst size and precision (phase 08 aims at 0.5x or more)")
    return 0


def measure(args, cfg, size, precision, D, S, Pm, C, W, M, torch, tdev, backend) -> dict:
    ours = M.GPT(cfg, rng=np.random.default_rng(0))
    theirs = torch_gpt(ours, cfg).to(tdev)
    n_params, flops = ours.num_parameters(), C.training_flops_per_token(ours)
    D.to_device(ours, "cuda")
    groups = W.param_groups(ours, 0.1)
    master = scaler = None
    if precision == "fp16":
        master, scaler = Pm.MasterWeights(ours.parameters()), Pm.LossScaler()
        groups = master.param_groups(groups)
    opt = W.AdamW(groups, lr=1e-3, betas=(0.9, 0.95))
    tgroups = [{"params": [q for q in theirs.parameters() if q.ndim >= 2], "weight_decay": 0.1},
               {"params": [q for q in theirs.parameters() if q.ndim < 2], "weight_decay": 0.0}]   # as param_groups
    topt = torch.optim.AdamW(tgroups, lr=1e-3, betas=(0.9, 0.95))
    tscaler = torch.amp.GradScaler(tdev, enabled=precision == "fp16")
    rng = np.random.default_rng(1)
    n = args.warmup + args.steps
    xs = rng.integers(0, cfg.vocab_size, (n, args.batch, cfg.block_size))
    ys = rng.integers(0, cfg.vocab_size, (n, args.batch, cfg.block_size))
    dx, dy = D.to_device(xs, "cuda"), D.to_device(ys, "cuda")
    tx, ty = torch.from_numpy(xs).to(tdev), torch.from_numpy(ys).to(tdev)
    losses = {"ours": [], "theirs": []}

    def our_step(i):
        out = S.train_step(ours, opt, [(dx[i], dy[i])], lr=1e-3, grad_clip=1.0, scaler=scaler, master=master)
        losses["ours"].append(out["loss"])

    def their_step(i):
        topt.zero_grad(set_to_none=True)
        with torch.autocast(tdev, dtype=torch.float16, enabled=precision == "fp16"):
            logits = theirs(tx[i])
        loss = torch.nn.functional.cross_entropy(logits.float().reshape(-1, cfg.vocab_size), ty[i].reshape(-1))
        tscaler.scale(loss).backward()
        tscaler.unscale_(topt)
        torch.nn.utils.clip_grad_norm_(theirs.parameters(), 1.0)
        tscaler.step(topt)
        tscaler.update()
        losses["theirs"].append(loss.detach())

    def sync():
        backend.synchronize()
        if tdev == "cuda":
            torch.cuda.synchronize()

    if tdev == "cuda":
        torch.cuda.reset_peak_memory_stats()
    with np.errstate(over="ignore", invalid="ignore"):
        for i in range(args.warmup):
            our_step(i)
            their_step(i)
        times = {"ours": [], "theirs": []}
        for first in range(args.warmup, n, 5):
            for label, step in (("ours", our_step), ("theirs", their_step)):
                sync()
                t0 = time.perf_counter()
                for i in range(first, min(first + 5, n)):
                    step(i)
                sync()
                times[label].append((time.perf_counter() - t0) / (min(first + 5, n) - first))
    our_losses = [float(v) for v in losses["ours"][:3]]
    their_losses = [float(v) for v in losses["theirs"][:3]]
    gap = max(abs(a - b) for a, b in zip(our_losses, their_losses))    # fp16: both skip their first overflowing steps
    tokens = args.batch * cfg.block_size
    r = {"size": size, "params": n_params, "precision": precision,
         "ours": tokens / statistics.median(times["ours"]), "theirs": tokens / statistics.median(times["theirs"]),
         "mem_ours": backend.pool_bytes(), "mem_theirs": torch.cuda.max_memory_allocated() if tdev == "cuda" else 0}
    peak = C.peak_flops(backend.device_name(), precision)
    r["mfu_ours"], r["mfu_theirs"] = C.mfu(r["ours"], flops, peak), C.mfu(r["theirs"], flops, peak)
    print(f"{size} ({n_params:,} parameters, {flops / 1e6:,.1f} MFLOPs/token), {precision}: same computation: largest "
          f"loss difference over the first 3 steps {gap:.2e} (ours {our_losses[0]:.4f}, PyTorch {their_losses[0]:.4f})")
    sys.stdout.flush()
    backend.gpu_module().get_default_memory_pool().free_all_blocks()
    return r


if __name__ == "__main__":
    sys.exit(main())
