"""What phase 07's graders share: independent logits processors and sampler, small GPTs with
PyTorch twins, and a generation loop of the grader's own.

Tests reach these helpers through the ``kit`` fixture, which is this module. Every expected value
comes from code written here (PyTorch for the models, plain loops for the draws), from the
handout's rules, or from llama2.c's published output; never from the reference solution.
"""

from __future__ import annotations

import sys

import numpy as np
import pytest
import torch

from common import load
from common.checks import calling
from common.llama2c import decode_pieces
from common.torch_gpt import t_gpt


@pytest.fixture(scope="session")
def kit():
    """This module: the graders' helpers."""
    return sys.modules[__name__]


def p7(name: str):
    """The learner's phase-07 module ``name``, loaded now."""
    return load(7, name)


# ---------------------------------------------------------------- processors, by the rules


def t_softmax(x) -> np.ndarray:
    return torch.softmax(torch.as_tensor(np.asarray(x, dtype=np.float64)), dim=-1).numpy()


def t_temperature(x, T: float) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if T == 0:
        out = np.full_like(x, -np.inf)
        first = torch.argmax(torch.as_tensor(x), dim=-1).numpy()  # the first maximum, as documented
        out[np.arange(len(x)), first] = 0.0
        return out
    return x / T


def t_top_k(x, k) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if k is None or k >= x.shape[-1]:
        return x.copy()
    kth = torch.topk(torch.as_tensor(x), k, dim=-1).values[:, -1:].numpy()
    return np.where(x >= kth, x, -np.inf)


def mass_ahead(x) -> np.ndarray:
    """For each token, the total probability of the tokens strictly more likely than it ``(B, V)``."""
    p = torch.as_tensor(t_softmax(x))
    return ((p[:, None, :] > p[:, :, None]) * p[:, None, :]).sum(-1).numpy()


def t_top_p(x, p: float) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if p >= 1.0:
        return x.copy()
    return np.where(mass_ahead(x) < p, x, -np.inf)


def t_min_p(x, m: float) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    probs = t_softmax(x)
    return np.where(probs >= m * probs.max(-1, keepdims=True), x, -np.inf)


def t_process(x, temperature=1.0, top_k=None, top_p=1.0, min_p=0.0) -> np.ndarray:
    return t_min_p(t_top_p(t_top_k(t_temperature(x, temperature), top_k), top_p), min_p)


def t_draw(probs, u) -> np.ndarray:
    """The inverse-CDF rule with a running sum, one row at a time."""
    out = []
    for row, ub in zip(np.asarray(probs, dtype=np.float64), np.asarray(u, dtype=np.float64)):
        total = 0.0
        cums = []
        for q in row:
            total += q
            cums.append(total)
        target = ub * total
        pick = next((i for i, c in enumerate(cums) if c > target), None)
        if pick is None:  # rounding: the last token that has any probability
            pick = max(i for i, q in enumerate(row) if q > 0)
        out.append(pick)
    return np.array(out, dtype=np.int64)


def t_sample(x, rng, **settings) -> np.ndarray:
    """The next ids by the handout's rules, drawing from ``rng`` (a Generator or a list of them)."""
    proc = t_process(x, **settings)
    if settings.get("temperature", 1.0) == 0:
        return proc.argmax(-1)
    u = rng.random(len(proc)) if isinstance(rng, np.random.Generator) else np.array([g.random() for g in rng])
    return t_draw(t_softmax(proc), u)


# ---------------------------------------------------------------- small models and their twins

GPT2 = dict(vocab_size=29, block_size=16, n_layer=2, n_head=4, n_embd=16, bias=True)
LLAMA = dict(vocab_size=31, block_size=16, n_layer=2, n_head=4, n_kv_head=2, n_embd=16, bias=False,
             norm="rmsnorm", mlp="swiglu", position="rope", tie_weights=False)
SINUSOIDAL = dict(GPT2, position="sinusoidal")
NOPOS = dict(GPT2, position="none")


def describe(fields: dict) -> str:
    keys = ("position", "n_head", "n_kv_head", "norm", "mlp", "block_size")
    return "GPT(" + ", ".join(f"{k}={fields[k]!r}" for k in keys if k in fields) + ")"


def model(fields: dict, seed: int = 0, scale: float = 0.5):
    """``(model, P, cfg)``: the learner's phase-05 GPT with float64 weights drawn here, large
    enough that the next-token distributions are far from uniform, and their PyTorch copies."""
    M = load(5, "model")
    with calling(f"GPTConfig(**{fields})", hint="phase 05's GPTConfig: grade phase 07 with PRIOR=solutions to "
                                                 "use the reference phase 05"):
        cfg = M.GPTConfig(**fields)
        m = M.GPT(cfg, rng=np.random.default_rng(seed))
    g = np.random.default_rng(1000 + seed)
    for name, p in m.named_parameters():
        base = 1.0 if name.endswith(("ln1.weight", "ln2.weight", "ln_f.weight")) else 0.0
        p.data = base + g.normal(0.0, scale, p.shape)
    m.eval()
    P = {n: torch.tensor(p.data) for n, p in m.named_parameters()}
    return m, P, cfg


def t_logits(P: dict, cfg, ids) -> np.ndarray:
    """PyTorch's logits ``(T, V)`` for one sequence ``ids``, read from position 0."""
    with torch.no_grad():
        return t_gpt(P, np.array([list(ids)]), cfg)[0].numpy()


def restart_length(block_size: int) -> int:
    return max(1, block_size // 2)


def t_generate(P: dict, cfg, prompts, n: int, *, rng=None, eos_id=None, keep: int | None = None,
               **settings) -> list[list[int]]:
    """The handout's generation rules, run on the PyTorch twin without any cache. ``keep``: how many
    tokens a full context keeps (the rule's ``block_size // 2`` unless given, to name other rules)."""
    block = cfg.block_size
    keep = restart_length(block) if keep is None else keep
    seqs = [list(p) for p in prompts]
    ctx = [min(len(p), block) for p in prompts]
    out = [[] for _ in prompts]
    running = list(range(len(prompts)))
    for step in range(n):
        logits = np.stack([t_logits(P, cfg, seqs[b][-ctx[b]:])[-1] for b in running])
        r = rng if rng is None or isinstance(rng, np.random.Generator) else [rng[b] for b in running]
        ids = t_sample(logits, r, **settings)
        still = []
        for b, tok in zip(running, ids.tolist()):
            seqs[b].append(tok)
            out[b].append(tok)
            if tok != eos_id:
                still.append(b)
                ctx[b] = keep if ctx[b] == block else ctx[b] + 1
        running = still
        if not running:
            break
    return out


def t_layer0_kv(P: dict, cfg, ids, rope: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """The keys (rotated, for RoPE, unless ``rope=False``) and values of layer 0 for one sequence: each
    ``(n_kv_head, T, head_dim)``."""
    from common.torch_gpt import t_linear, t_norm, t_rope, t_sinusoids

    with torch.no_grad():
        idx = torch.as_tensor(np.asarray(ids))
        T, H, D = len(ids), cfg.n_kv_head, cfg.n_embd // cfg.n_head
        x = P["wte.weight"][idx]
        if cfg.position == "learned":
            x = x + P["wpe.weight"][:T]
        elif cfg.position == "sinusoidal":
            x = x + t_sinusoids(T, cfg.n_embd).to(torch.float32).to(torch.float64)
        h = t_norm(P, "blocks.0.ln1", x, cfg)
        k = t_linear(P, "blocks.0.attn.wk", h).view(T, H, D).transpose(0, 1)
        v = t_linear(P, "blocks.0.attn.wv", h).view(T, H, D).transpose(0, 1)
        if cfg.position == "rope" and rope:
            k = t_rope(k, cfg.rope_base)
        return k.numpy(), v.numpy()


# ---------------------------------------------------------------- llama2.c's stories260K and tok512


def stories_model():
    """``(model, P, cfg)``: the learner's GPT holding stories260K's weights in float64, and its twin."""
    from common.torch_gpt import read_llama2c

    fields, weights = read_llama2c()
    M = load(5, "model")
    with calling(f"GPT(GPTConfig(**{fields}))", hint="phase 05 loads this model in its task stories260k"):
        cfg = M.GPTConfig(**fields)
        m = M.GPT(cfg, rng=np.random.default_rng(0))
        params = dict(m.named_parameters())
        for name, value in weights.items():
            params[name].data = value.copy()
    m.eval()
    return m, {n: torch.tensor(v) for n, v in weights.items()}, cfg


def tok512() -> tuple[list[bytes], list[float]]:
    """The pieces and scores of ``tok512.bin``."""
    from common.llama2c import read_tokenizer

    return read_tokenizer()


def t_encode(text: str, bos: bool = True, eos: bool = False, *, dummy: bool = True, pick: str = "best") -> list[int]:
    """llama2.c's encoding, written from the handout's four steps on lists of pieces.

    The other values of ``dummy`` and ``pick`` give the classic wrong encodings, to name them:
    no leading space; merging the ``"lowest"`` score first, the ``"rightmost"`` pair on a tie,
    or the ``"first"`` pair that merges, whatever its score.
    """
    pieces, scores = tok512()
    ids = {}
    for i, p in enumerate(pieces):
        ids.setdefault(p, i)
    choose = {"best": lambda o: max(o, key=lambda t: (t[0], -t[1])), "lowest": lambda o: min(o),
              "rightmost": lambda o: max(o), "first": lambda o: min(o, key=lambda t: t[1])}[pick]
    parts: list[bytes] = []
    if text and dummy:
        parts.append(b" ")
    for ch in text:
        b = ch.encode("utf-8")
        parts.extend([b] if b in ids else [f"<0x{x:02X}>".encode() for x in b])
    while len(parts) > 1:
        options = [(scores[ids[parts[i] + parts[i + 1]]], i) for i in range(len(parts) - 1)
                   if parts[i] + parts[i + 1] in ids]
        if not options:
            break
        i = choose(options)[1]
        parts[i:i + 2] = [parts[i] + parts[i + 1]]
    return ([1] if bos else []) + [ids[p] for p in parts] + ([2] if eos else [])


def t_decode_bytes(tokens) -> bytes:
    """llama2.c's decoding: byte tokens are their byte, a piece after BOS loses its leading space."""
    return decode_pieces(tokens, tok512()[0])
