"""Phase 06 benchmark: tokens/s of a whole training step (forward, backward, global-norm clipping,
AdamW with parameter groups) on our engine against the same model and optimizer in PyTorch (CPU, eager).

    python bench/train_step.py [--impl solutions|phases] [--layers 2] [--embd 128] [--heads 4]
                               [--block 64] [--batch 32] [--vocab 512] [--steps 20] [--threads N]

Our side is phase 06's ``train_step`` with its ``AdamW(param_groups(model, 0.1))`` and
``clip_grad_norm``; the batches come from ``get_batch`` over a random token array. PyTorch's side
is ``bench/gpt_step.py``'s twin of the model, ``torch.optim.AdamW`` over the same two groups
(matrices decayed, biases and gains not) and ``torch.nn.utils.clip_grad_norm_``. Both see the same
batches and the same learning rate; the losses of the first steps are printed to show they
compute the same thing. The defaults are ``configs/demo.toml``'s model. Timing as in
``autograd_mlp.py``: median of alternating blocks after a warm-up.
"""

from __future__ import annotations

import argparse
import statistics

import numpy as np
from autograd_mlp import add_step_options, blas_threads, measure_peaks, start, time_steps
from gpt_step import torch_gpt


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--embd", type=int, default=128)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--block", type=int, default=64)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--vocab", type=int, default=512)
    p.add_argument("--clip", type=float, default=1.0)
    add_step_options(p, warmup=3, steps=20)
    args = p.parse_args()
    start(args)
    import torch

    from common import load

    M, A, B, Tr = load(5, "model"), load(6, "adamw"), load(6, "batches"), load(6, "trainer")
    cfg = M.GPTConfig(vocab_size=args.vocab, block_size=args.block, n_layer=args.layers, n_head=args.heads,
                      n_embd=args.embd)
    ours = M.GPT(cfg, rng=np.random.default_rng(0))
    theirs = torch_gpt(ours, cfg)
    lr, wd, betas = 1e-3, 0.1, (0.9, 0.95)
    ours_opt = A.AdamW(A.param_groups(ours, wd), lr=lr, betas=betas)
    tp = list(theirs.parameters())  # in ours' named_parameters order
    theirs_opt = torch.optim.AdamW([{"params": [q for q in tp if q.ndim >= 2], "weight_decay": wd},
                                    {"params": [q for q in tp if q.ndim < 2], "weight_decay": 0.0}],
                                   lr=lr, betas=betas, eps=1e-8)

    tokens = np.random.default_rng(1).integers(0, args.vocab, 200_000).astype(np.uint16)
    rng = np.random.default_rng(2)
    batches = [B.get_batch(tokens, args.batch, args.block, rng) for _ in range(args.warmup + args.steps)]
    tb = [(torch.from_numpy(x), torch.from_numpy(y)) for x, y in batches]
    losses: dict[str, list[float]] = {"ours": [], "theirs": []}

    def our_step(i: int) -> None:
        x, y = batches[i]
        losses["ours"].append(Tr.train_step(ours, ours_opt, x, y, lr=lr, grad_clip=args.clip)["loss"])

    def their_step(i: int) -> None:
        x, y = tb[i]
        loss = torch.nn.functional.cross_entropy(theirs(x).reshape(-1, args.vocab), y.reshape(-1))
        theirs_opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(tp, args.clip)
        theirs_opt.step()
        losses["theirs"].append(loss.item())

    if args.peak_of:
        return measure_peaks(args, our_step, their_step)
    print(f"one training step (forward, cross-entropy, backward, clipping at {args.clip}, AdamW) of a GPT: "
          f"{args.layers} layers, {args.heads} heads, n_embd {args.embd}, vocab {args.vocab}, batch {args.batch} x "
          f"{args.block} tokens, {ours.num_parameters():,} parameters, float32")
    how = f"both set by --threads {args.threads}" if args.threads else "defaults of both"
    print(f"threads: NumPy/OpenBLAS {blas_threads()}, PyTorch {torch.get_num_threads()} ({how})")
    times = time_steps({"ours": our_step, "theirs": their_step}, args.warmup, args.steps, block=5)
    gap = max(abs(a - b) for a, b in zip(losses["ours"][:5], losses["theirs"][:5]))
    print(f"same computation: largest loss difference over the first 5 steps {gap:.2e}")
    m_ours, m_theirs = statistics.median(times["ours"]), statistics.median(times["theirs"])
    n_tokens = args.batch * args.block
    print(f"{'':22} {'median ms':>10} {'min ms':>8} {'max ms':>8} {'tokens/s':>10}")
    for label, t, m in ((f"ours ({args.impl})", times["ours"], m_ours), ("PyTorch CPU eager", times["theirs"], m_theirs)):
        print(f"{label:22} {m * 1e3:>10.2f} {min(t) * 1e3:>8.2f} {max(t) * 1e3:>8.2f} {n_tokens / m:>10,.0f}")
    print(f"ours / PyTorch = {m_ours / m_theirs:.2f}x in time per step (median over {args.steps} steps after "
          f"{args.warmup} warm-up steps); tokens/s ratio {m_theirs / m_ours:.2f}")

    measure_peaks(args, our_step, their_step)

if __name__ == "__main__":
    main()
