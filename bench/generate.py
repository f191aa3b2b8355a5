"""Phase 07 benchmark: generation with the key/value cache against without it, and our cached
generation of llama2.c's stories260K against the same model in PyTorch (CPU, eager) with a cache of
its own.

    python bench/generate.py [--impl solutions|phases] [--tokens 256] [--repeats 3] [--threads N]

Both sides decode greedily from BOS, one token per step, float32, with the same weights (read by
``common.torch_gpt.read_llama2c``); the tokens each side produces are compared. Ours is phase 07's
``generate(model, [[1]], n, temperature=0)``, once with ``use_cache=False`` (the whole context
through the model at every step). PyTorch's is written here: pre-allocated keys and values per
layer, one position per step, ``F.scaled_dot_product_attention`` over the cached prefix. Each
figure is the best of ``--repeats`` runs, the sides taking turns.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from autograd_mlp import blas_threads, start


def torch_generator(weights: dict, fields: dict):
    """A greedy decoder ``n -> ids`` for stories260K in PyTorch with its own key/value cache."""
    import torch
    import torch.nn.functional as F

    W = {k: torch.tensor(v, dtype=torch.float32) for k, v in weights.items()}
    L, H, K, C = fields["n_layer"], fields["n_head"], fields["n_kv_head"], fields["n_embd"]
    D, S, eps = C // H, fields["block_size"], fields["norm_eps"]
    theta = fields["rope_base"] ** (-torch.arange(0, D, 2, dtype=torch.float64) / D)
    angles = torch.outer(torch.arange(S, dtype=torch.float64), theta)
    cos, sin = angles.cos().float(), angles.sin().float()

    def norm(x, name):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * W[name]

    def rope(x, pos):                                   # x (1, heads, 1, D)
        a, b = x[..., 0::2], x[..., 1::2]
        c, s = cos[pos], sin[pos]
        return torch.stack([a * c - b * s, a * s + b * c], -1).flatten(-2)

    head = W["lm_head.weight"] if "lm_head.weight" in W else W["wte.weight"].T

    @torch.no_grad()
    def decode(n: int) -> list[int]:
        ks = [torch.zeros(1, K, S, D) for _ in range(L)]
        vs = [torch.zeros(1, K, S, D) for _ in range(L)]
        tok, out = 1, []
        for pos in range(n):
            x = W["wte.weight"][tok].view(1, 1, C)
            for i in range(L):
                p = f"blocks.{i}."
                h = norm(x, p + "ln1.weight")
                q = (h @ W[p + "attn.wq.weight"]).view(1, 1, H, D).transpose(1, 2)
                k = (h @ W[p + "attn.wk.weight"]).view(1, 1, K, D).transpose(1, 2)
                v = (h @ W[p + "attn.wv.weight"]).view(1, 1, K, D).transpose(1, 2)
                ks[i][:, :, pos:pos + 1] = rope(k, pos)
                vs[i][:, :, pos:pos + 1] = v
                keys = ks[i][:, :, :pos + 1].repeat_interleave(H // K, dim=1)
                values = vs[i][:, :, :pos + 1].repeat_interleave(H // K, dim=1)
                y = F.scaled_dot_product_attention(rope(q, pos), keys, values)
                x = x + y.transpose(1, 2).reshape(1, 1, C) @ W[p + "attn.wo.weight"]
                h = norm(x, p + "ln2.weight")
                x = x + (F.silu(h @ W[p + "mlp.w1.weight"]) * (h @ W[p + "mlp.w3.weight"])) @ W[p + "mlp.w2.weight"]
            tok = int((norm(x, "ln_f.weight") @ head).argmax())
            out.append(tok)
        return out

    return decode


def timed(fn) -> tuple[float, object]:
    t0 = time.perf_counter()
    result = fn()
    return time.perf_counter() - t0, result


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--impl", default="solutions", choices=["solutions", "phases"])
    p.add_argument("--tokens", type=int, default=256, help="new tokens per story (default 256)")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--threads", type=int, default=0,
                   help="set both NumPy's BLAS and PyTorch to this many threads (default: leave both as they are)")
    args = p.parse_args()
    start(args)
    import torch

    from common import load
    from common.torch_gpt import read_llama2c

    fields, weights = read_llama2c()
    M, G = load(5, "model"), load(7, "generate")
    model = M.GPT(M.GPTConfig(**fields), rng=np.random.default_rng(0))
    params = dict(model.named_parameters())
    for name, value in weights.items():
        params[name].data = value.astype(np.float32)
    model.eval()
    theirs = torch_generator(weights, fields)
    n = args.tokens
    print(f"greedy decoding of llama2.c's stories260K ({model.num_parameters():,} parameters, float32) from BOS, "
          f"{n} new tokens, one story at a time")
    how = f"both set by --threads {args.threads}" if args.threads else "defaults of both"
    print(f"threads: NumPy/OpenBLAS {blas_threads()}, PyTorch {torch.get_num_threads()} ({how})")

    runs = {}
    for _ in range(args.repeats):  # the sides take turns: a busy moment slows each alike
        for name, fn in (("cached", lambda: G.generate(model, [[1]], n, temperature=0)[0]),
                         ("uncached", lambda: G.generate(model, [[1]], n, temperature=0, use_cache=False)[0]),
                         ("torch", lambda: theirs(n))):
            t, ids = timed(fn)
            old = runs.get(name)
            runs[name] = (min(t, old[0]) if old else t, ids)
    agree = {name: next((i for i, (a, b) in enumerate(zip(ids, runs["torch"][1])) if a != b), len(ids))
             for name, (_, ids) in runs.items()}
    print(f"same tokens as PyTorch: ours with the cache {agree['cached']}/{n}, without {agree['uncached']}/{n}")
    print(f"{'':28} {'seconds':>8} {'tokens/s':>10}")
    labels = {"cached": f"ours, cache ({args.impl})", "uncached": f"ours, no cache ({args.impl})",
              "torch": "PyTorch eager, cache"}
    for name, (t, _) in runs.items():
        print(f"{labels[name]:28} {t:>8.3f} {n / t:>10,.0f}")
    c, u, t = runs["cached"][0], runs["uncached"][0], runs["torch"][0]
    print(f"the cache speeds our generation up {u / c:.1f}x at {n} new tokens (aim: at least 5x)")
    print(f"ours (cached) / PyTorch eager (cached) = {c / t:.2f}x in time; tokens/s ratio {t / c:.2f} "
          f"(best of {args.repeats})")


if __name__ == "__main__":
    main()
