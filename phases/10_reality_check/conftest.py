"""What phase 10's graders share: configs of every kind, random weights, the graders' PyTorch GPT,
FLOPs counted by PyTorch, and llama2.c files written from scratch.

Tests reach these helpers through the ``kit`` fixture, which is this module. Expected values come
from PyTorch (``FlopCounterMode``, the functional GPT of ``common.torch_gpt``, ``torch.optim.SGD``),
from Hugging Face's ``transformers`` (GPT-2), from published figures and from formulas stated in
the handout; never from the reference solution.
"""

from __future__ import annotations

import struct
import sys

import numpy as np
import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from common import load
from common.torch_gpt import t_gpt  # noqa: F401 - the kit's


@pytest.fixture(scope="session")
def kit():
    """This module: the graders' helpers."""
    return sys.modules[__name__]


def p10(name: str):
    """The learner's phase-10 module ``name``."""
    return load(10, name)


def config(**kw):
    """Phase 05's GPTConfig (the learner's class) for a small model, ``kw`` on top."""
    base = dict(vocab_size=37, block_size=12, n_layer=2, n_head=4, n_embd=16, dropout=0.0)
    base.update(kw)
    return load(5, "model").GPTConfig(**base)


# Configs that tell every choice apart: GPT-2's, Llama's with grouped-query heads and an untied
# head, sinusoidal positions without biases, no positions with a wide MLP, one head per key/value.
KINDS = {
    "GPT-2 style": dict(),
    "Llama style (RMSNorm, SwiGLU, RoPE, 4 heads on 2 kv heads, untied)":
        dict(norm="rmsnorm", mlp="swiglu", position="rope", n_kv_head=2, bias=False, tie_weights=False),
    "sinusoidal positions, no biases": dict(position="sinusoidal", bias=False),
    "no positions, mlp_hidden 24, 1 kv head": dict(position="none", mlp_hidden=24, n_kv_head=1),
}


def describe(cfg) -> str:
    c = cfg
    return (f"GPTConfig(V={c.vocab_size}, block={c.block_size}, L={c.n_layer}, heads={c.n_head}/{c.n_kv_head}, "
            f"C={c.n_embd}, F={c.hidden}, {c.norm}, {c.mlp}, {c.position}, bias={c.bias}, tied={c.tie_weights})")


def random_state(cfg, seed: int = 0) -> dict[str, np.ndarray]:
    """A phase-05 state dict (float64) of the learner's GPT(cfg)'s names and shapes, every value
    random (norm weights around 1, biases around 0), large enough that a transposed or swapped
    matrix changes the logits."""
    model = load(5, "model").GPT(cfg, rng=np.random.default_rng(seed))
    g = np.random.default_rng(seed + 100)
    out = {}
    for name, p in model.named_parameters():
        shape = p.shape
        if name.endswith(".bias"):
            out[name] = g.normal(0, 0.1, shape)
        elif len(shape) == 1:
            out[name] = 1 + g.normal(0, 0.1, shape)
        else:
            out[name] = g.normal(0, 0.3 / np.sqrt(shape[0]), shape) if name not in ("wte.weight", "wpe.weight") \
                else g.normal(0, 0.5, shape)
    return out


def torch_P(state: dict, requires_grad: bool = False) -> dict[str, torch.Tensor]:
    return {k: torch.tensor(np.asarray(v, dtype=np.float64), requires_grad=requires_grad) for k, v in state.items()}


def torch_flops(cfg, T: int) -> tuple[float, float]:
    """``(forward, backward)`` FLOPs per token that PyTorch's FlopCounterMode counts when the graders'
    GPT runs on one sequence of ``T`` tokens, attention written as two matrix products."""
    P = torch_P(random_state(cfg), requires_grad=True)
    idx = np.random.default_rng(0).integers(0, cfg.vocab_size, (1, T))
    with FlopCounterMode(display=False) as fwd:
        logits = t_gpt(P, idx, cfg, explicit=True)
    with FlopCounterMode(display=False) as bwd:
        logits.sum().backward()
    return fwd.get_total_flops() / T, bwd.get_total_flops() / T


# ---------------------------------------------------------------- llama2.c files, written here

def write_llama2c(path, cfg, state: dict, version: int, *, shared: bool | None = None, extra: bytes = b"",
                  cut: int = 0, header: tuple | None = None, magic: int = 0x616B3432) -> bytes:
    """Write ``state`` (phase-05 names, ``(in, out)`` matrices) as llama2.c's version-0 or version-1
    file, following llama2.c's ``export.py`` layout (see the handout); ``extra`` bytes appended,
    ``cut`` bytes removed from the end, ``header`` replacing the seven ints. Returns the bytes."""
    shared = cfg.tie_weights if shared is None else shared
    L, V = cfg.n_layer, cfg.vocab_size
    ints = header or (cfg.n_embd, cfg.hidden, L, cfg.n_head, cfg.n_kv_head, V, cfg.block_size)

    def f32(a):
        return np.ascontiguousarray(a, dtype="<f4").tobytes()

    def stack(name, transpose=True):
        return b"".join(f32(state[f"blocks.{i}.{name}"].T if transpose else state[f"blocks.{i}.{name}"])
                        for i in range(L))

    mats = [stack(n) for n in ("attn.wq.weight", "attn.wk.weight", "attn.wv.weight", "attn.wo.weight",
                               "mlp.w1.weight", "mlp.w2.weight", "mlp.w3.weight")]
    head = b"" if shared else f32(state["lm_head.weight"].T)
    D = cfg.n_embd // cfg.n_head
    if version == 0:
        h = list(ints)
        if not shared:
            h[5] = -abs(h[5])
        pos = np.arange(cfg.block_size)[:, None] * 10000.0 ** (-np.arange(0, D, 2) / D)
        body = (struct.pack("<7i", *h) + f32(state["wte.weight"]) + stack("ln1.weight", False) + b"".join(mats[:4])
                + stack("ln2.weight", False) + b"".join(mats[4:]) + f32(state["ln_f.weight"])
                + f32(np.cos(pos)) + f32(np.sin(pos)) + head)
    else:
        top = struct.pack("<Ii7iB", magic, version, *ints, int(shared))
        body = (top + b"\0" * (256 - len(top)) + stack("ln1.weight", False) + stack("ln2.weight", False)
                + f32(state["ln_f.weight"]) + f32(state["wte.weight"]) + b"".join(mats) + head)
    body = body + extra
    if cut:
        body = body[:-cut]
    with open(path, "wb") as f:
        f.write(body)
    return body


def llama_config(**kw):
    base = dict(vocab_size=29, block_size=10, n_layer=2, n_head=4, n_kv_head=2, n_embd=16, mlp_hidden=20,
                norm="rmsnorm", mlp="swiglu", position="rope", bias=False, tie_weights=True)
    base.update(kw)
    return config(**base)


def llama_state(cfg, seed: int = 0) -> dict[str, np.ndarray]:
    """A random Llama state, rounded to float32 (what a file can hold)."""
    return {k: v.astype(np.float32).astype(np.float64) for k, v in random_state(cfg, seed).items()}
