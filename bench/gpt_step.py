"""Phase 05 benchmark: one training step of a small GPT on our autograd engine against PyTorch (CPU, eager).

    python bench/gpt_step.py [--impl solutions|phases] [--llama] [--layers 4] [--embd 128] [--heads 4]
                             [--block 64] [--batch 16] [--vocab 512] [--steps 30] [--threads N]

Our side is phase 05's ``GPT`` on phase 02's ``Tensor``, float32. PyTorch's side is the same
model written with ``torch.nn`` (``F.scaled_dot_product_attention``, ``nn.LayerNorm`` or an
RMSNorm, tied head) holding copies of our initial weights. One step is forward,
cross-entropy over every position, backward and an Adam update; both see the same
batches, and the losses of the first steps are printed to show they compute the same
thing. ``--llama`` switches both to RMSNorm, SwiGLU, RoPE and grouped-query attention
(``n_kv_head = heads / 2``) without biases. Timing as in ``autograd_mlp.py``: median of
alternating blocks after a warm-up.
"""

from __future__ import annotations

import argparse
import statistics

import numpy as np
from autograd_mlp import add_step_options, blas_threads, measure_peaks, start, time_steps


def torch_gpt(model, cfg):
    """A ``torch.nn.Module`` computing ``model``'s function from copies of its weights."""
    import torch
    import torch.nn.functional as F

    def param(name: str):
        return torch.nn.Parameter(torch.tensor(np.array(dict(model.named_parameters())[name].data)))

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.p = torch.nn.ParameterDict({n.replace(".", "__"): param(n) for n, _ in model.named_parameters()})

        def get(self, name):
            return self.p[name.replace(".", "__")] if name.replace(".", "__") in self.p else None

        def linear(self, name, x):
            out = x @ self.get(name + ".weight")
            bias = self.get(name + ".bias")
            return out if bias is None else out + bias

        def norm(self, name, x):
            w = self.get(name + ".weight")
            if cfg.norm == "rmsnorm":
                return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + cfg.norm_eps) * w
            return F.layer_norm(x, (x.shape[-1],), w, self.get(name + ".bias"), cfg.norm_eps)

        def rope(self, x):
            T, D = x.shape[-2], x.shape[-1]
            theta = cfg.rope_base ** (-torch.arange(0, D, 2, dtype=torch.float32) / D)
            ang = torch.outer(torch.arange(T, dtype=torch.float32), theta)
            a, b = x[..., 0::2], x[..., 1::2]
            return torch.stack([a * ang.cos() - b * ang.sin(), a * ang.sin() + b * ang.cos()], -1).flatten(-2)

        def forward(self, idx):
            B, T = idx.shape
            H, K, D = cfg.n_head, cfg.n_kv_head, cfg.head_dim
            x = self.get("wte.weight")[idx]
            if cfg.position == "learned":
                x = x + self.get("wpe.weight")[:T]
            for i in range(cfg.n_layer):
                p = f"blocks.{i}."
                h = self.norm(p + "ln1", x)
                q = self.linear(p + "attn.wq", h).view(B, T, H, D).transpose(1, 2)
                k = self.linear(p + "attn.wk", h).view(B, T, K, D).transpose(1, 2)
                v = self.linear(p + "attn.wv", h).view(B, T, K, D).transpose(1, 2)
                if cfg.position == "rope":
                    q, k = self.rope(q), self.rope(k)
                k, v = k.repeat_interleave(H // K, 1), v.repeat_interleave(H // K, 1)
                y = F.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(1, 2).reshape(B, T, -1)
                x = x + self.linear(p + "attn.wo", y)
                h = self.norm(p + "ln2", x)
                if cfg.mlp == "swiglu":
                    h = self.linear(p + "mlp.w2", F.silu(self.linear(p + "mlp.w1", h)) * self.linear(p + "mlp.w3", h))
                else:
                    h = self.linear(p + "mlp.proj", F.gelu(self.linear(p + "mlp.fc", h), approximate="tanh"))
                x = x + h
            head = self.get("wte.weight").T if cfg.tie_weights else self.get("lm_head.weight")
            return self.norm("ln_f", x) @ head

    return Net()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--llama", action="store_true", help="RMSNorm, SwiGLU, RoPE, GQA, no biases")
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--embd", type=int, default=128)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--block", type=int, default=64)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--vocab", type=int, default=512)
    add_step_options(p, warmup=5, steps=30)
    args = p.parse_args()
    start(args)
    import torch

    from common import load

    model_mod, F2, optim, tensor = load(5, "model"), load(2, "functional"), load(2, "optim"), load(2, "tensor")
    extra = dict(norm="rmsnorm", mlp="swiglu", position="rope", n_kv_head=max(1, args.heads // 2), bias=False) \
        if args.llama else {}
    cfg = model_mod.GPTConfig(vocab_size=args.vocab, block_size=args.block, n_layer=args.layers, n_head=args.heads,
                              n_embd=args.embd, **extra)
    ours = model_mod.GPT(cfg, rng=np.random.default_rng(0))
    theirs = torch_gpt(ours, cfg)
    ours_opt = optim.Adam(ours.parameters(), lr=1e-3)
    theirs_opt = torch.optim.Adam(theirs.parameters(), lr=1e-3)

    rng = np.random.default_rng(1)
    n = args.warmup + args.steps
    xs = rng.integers(0, args.vocab, (n, args.batch, args.block))
    ys = rng.integers(0, args.vocab, (n, args.batch, args.block))
    txs, tys = torch.from_numpy(xs), torch.from_numpy(ys)
    losses: dict[str, list[float]] = {"ours": [], "theirs": []}

    def our_step(i: int) -> None:
        loss = F2.cross_entropy(ours(xs[i]), ys[i])
        ours_opt.zero_grad()
        loss.backward()
        ours_opt.step()
        losses["ours"].append(loss.item())

    def their_step(i: int) -> None:
        logits = theirs(txs[i])
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, args.vocab), tys[i].reshape(-1))
        theirs_opt.zero_grad()
        loss.backward()
        theirs_opt.step()
        losses["theirs"].append(loss.item())

    if args.peak_of:
        return measure_peaks(args, our_step, their_step)
    kind = "Llama-style (RMSNorm, SwiGLU, RoPE, GQA)" if args.llama else "GPT-2-style (LayerNorm, GELU, learned positions)"
    print(f"one training step (forward, cross-entropy, backward, Adam) of a {kind} GPT: {args.layers} layers, "
          f"{args.heads} heads, n_embd {args.embd}, vocab {args.vocab}, batch {args.batch} x {args.block} tokens, "
          f"{ours.num_parameters():,} parameters, float32")
    how = f"both set by --threads {args.threads}" if args.threads else "defaults of both"
    print(f"threads: NumPy/OpenBLAS {blas_threads()}, PyTorch {torch.get_num_threads()} ({how})")
    with tensor.no_grad():
        ours_logits = ours(xs[0]).data
    with torch.no_grad():
        theirs_logits = theirs(txs[0]).numpy()
    print(f"same function: largest logit difference on the first batch {np.abs(ours_logits - theirs_logits).max():.2e}, "
          f"relative {np.abs(ours_logits - theirs_logits).max() / np.abs(theirs_logits).max():.2e}")
    times = time_steps({"ours": our_step, "theirs": their_step}, args.warmup, args.steps, block=5)
    gap = max(abs(a - b) for a, b in zip(losses["ours"][:5], losses["theirs"][:5]))
    print(f"same computation: largest loss difference over the first 5 steps {gap:.2e}")
    t_ours, t_theirs = times["ours"], times["theirs"]
    m_ours, m_theirs = statistics.median(t_ours), statistics.median(t_theirs)
    tokens = args.batch * args.block
    print(f"{'':22} {'median ms':>10} {'min ms':>8} {'max ms':>8} {'tokens/s':>10}")
    for label, t, m in ((f"ours ({args.impl})", t_ours, m_ours), ("PyTorch CPU eager", t_theirs, m_theirs)):
        print(f"{label:22} {m * 1e3:>10.2f} {min(t) * 1e3:>8.2f} {max(t) * 1e3:>8.2f} {tokens / m:>10,.0f}")
    print(f"ours / PyTorch = {m_ours / m_theirs:.2f}x (median over {args.steps} steps after {args.warmup} warm-up steps)")

    measure_peaks(args, our_step, their_step)

if __name__ == "__main__":
    main()
