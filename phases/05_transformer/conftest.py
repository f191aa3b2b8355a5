"""What phase 05's graders share: a PyTorch transformer written here, and the tools to compare.

Tests reach these helpers through the ``oracle`` fixture, which is this module::

    def test_block(oracle):
        block = oracle.make(lambda L, rng: L.layers.Block(cfg, rng=rng), "Block(cfg)")
        P = oracle.torch_params(block)                  # float64 copies of its weights, by name
        expected = oracle.t_block(P, "", x, cfg)        # PyTorch's answer
        oracle.compare_module(block, P, x, expected, what="Block(cfg)(x)")

The PyTorch side (``t_gpt`` and its layers, from ``common.torch_gpt``) is written from the
formulas, functionally: every layer takes a dict ``P`` of float64 leaf tensors under the
learner's parameter names (phase-02 layout: a Linear weight is ``(in, out)``). Nothing here
calls the learner's code to compute an expected value.
"""

from __future__ import annotations

import math
import sys
import types

import numpy as np
import pytest
import torch

from common import load
from common.backend import to_numpy
from common.checks import assert_close, assert_equal, calling, require
from common.torch_gpt import (read_llama2c, read_tok512, t_attention, t_block, t_gpt, t_linear,  # noqa: F401
                              t_mlp, t_norm, t_rope, t_rope_half, t_sinusoids)


@pytest.fixture(scope="session")
def oracle():
    """This module: the graders' own PyTorch transformer and comparison helpers."""
    return sys.modules[__name__]


# ---------------------------------------------------------------- the learner's side


def phase5() -> types.SimpleNamespace:
    """The learner's phase-05 modules, loaded now (never cached across tasks)."""
    return types.SimpleNamespace(**{m: load(5, m) for m in ("attention", "positions", "layers", "model")})


def config(**overrides):
    """The learner's ``GPTConfig`` for a small model; ``overrides`` change any field."""
    base = dict(vocab_size=23, block_size=8, n_layer=2, n_head=4, n_embd=16, dropout=0.0, bias=True)
    base.update(overrides)
    return load(5, "model").GPTConfig(**base)


def describe(cfg) -> str:
    """A short text naming a config's non-default choices, for messages."""
    keys = ("vocab_size", "block_size", "n_layer", "n_head", "n_kv_head", "n_embd", "bias", "norm", "mlp",
            "position", "tie_weights")
    return "GPTConfig(" + ", ".join(f"{k}={getattr(cfg, k)!r}" for k in keys) + ")"


def make(build, what: str, seed: int = 0):
    """``build(L, rng)`` with ``L`` the learner's modules, wrapped so errors name ``what``;
    the result's parameters are cast to float64 (so tolerances can be tight)."""
    L = phase5()
    with calling(what):
        module = build(L, np.random.default_rng(seed))
    to_float64(module)
    return module


def to_float64(module) -> None:
    """Cast every parameter of ``module`` to float64, in place, with a random perturbation of the
    norms' ones and the zero biases so that a mix-up between them cannot hide."""
    g = np.random.default_rng(123)
    for name, p in module.named_parameters():
        data = np.asarray(to_numpy(p.data), dtype=np.float64)
        if data.ndim == 1:  # norm weights (ones), biases (zeros): make them informative
            data = data + 0.3 * g.standard_normal(data.shape)
        p.data = data
        p.grad = None


def torch_params(module) -> dict[str, torch.Tensor]:
    """``{name: float64 leaf tensor requiring grad}``, a copy of each of the learner's parameters."""
    with calling(f"{type(module).__name__}.named_parameters()"):
        pairs = list(module.named_parameters())
    return {n: torch.tensor(np.asarray(to_numpy(p.data), dtype=np.float64), requires_grad=True) for n, p in pairs}


def values(out, what: str) -> np.ndarray:
    """A learner's Tensor output as float64 NumPy, with a clear error for anything else."""
    Tensor = load(2, "tensor").Tensor
    require(isinstance(out, Tensor), f"{what} should return a phase-02 Tensor, got {type(out).__name__}",
            hint="compute with Tensor operations so that backward() reaches every parameter")
    return np.asarray(to_numpy(out.data), dtype=np.float64)


def compare_module(module, P: dict, inputs: tuple, t_out: torch.Tensor, *, what: str, t_inputs=(),
                   rtol: float = 1e-7, atol: float = 1e-9, hint: str | None = None, grad_hint: str | None = None,
                   seed: int = 7):
    """Run ``module(*inputs)``; compare its output with ``t_out``, then back-propagate the same
    random upstream gradient through both and compare every parameter's gradient (and those of
    the float Tensor inputs, against the matching ``t_inputs`` leaves)."""
    with calling(what, hint=hint):
        out = module(*inputs)
    got = values(out, what)
    expected = t_out.detach().numpy()
    assert_close(got, expected, what=what, rtol=rtol, atol=atol, hint=hint)

    g = np.random.default_rng(seed).standard_normal(expected.shape)
    t_out.backward(torch.tensor(g))
    module.zero_grad()
    with calling(f"{what}: out.backward(g)", hint=grad_hint):
        out.backward(g)
    for name, p in module.named_parameters():
        require(p.grad is not None, f"{what}: the gradient of parameter {name} is None after backward()",
                hint=grad_hint or f"every parameter takes part in the forward pass; is {name} used?")
        assert_close(to_numpy(p.grad), P[name].grad.numpy(), what=f"{what}: the gradient of {name}",
                     rtol=rtol, atol=atol, hint=grad_hint)
    Tensor = load(2, "tensor").Tensor
    for i, (x, tx) in enumerate(zip(inputs, t_inputs)):
        if isinstance(x, Tensor) and tx is not None:
            assert_close(to_numpy(x.grad), tx.grad.numpy(), what=f"{what}: the gradient of input {i}",
                         rtol=rtol, atol=atol, hint=grad_hint)
    return out


def leaf(shape, seed: int, scale: float = 1.0):
    """The same random float64 input twice: a learner's Tensor and a torch leaf, both requiring grad."""
    a = scale * np.random.default_rng(seed).standard_normal(shape)
    return load(2, "tensor").Tensor(a.copy(), requires_grad=True), torch.tensor(a, requires_grad=True)


def diagnose(got, variants, default: str | None, *, prefix: str = "", rtol: float = 1e-6,
             atol: float = 1e-9) -> str | None:
    """The hint of the first wrong variant that ``got`` matches (``prefix + text``), else ``default``.

    ``variants`` is ``{text: alt}`` or ``[(text, alt)]``; ``alt`` is an array, a torch tensor, or a
    function returning one, called only when needed (a variant that fails on this input is skipped).
    """
    if got is None:
        return default
    got = np.asarray(got, dtype=np.float64)
    with torch.no_grad():
        for text, alt in (variants.items() if isinstance(variants, dict) else variants):
            try:
                alt = alt() if callable(alt) else alt
            except Exception:  # noqa: BLE001 - a variant that does not apply to this input
                continue
            alt = alt.detach().numpy() if isinstance(alt, torch.Tensor) else np.asarray(alt, dtype=np.float64)
            with np.errstate(invalid="ignore"):
                if alt.shape == got.shape and np.allclose(got, alt, rtol=rtol, atol=atol):
                    return prefix + text
    return default


def hidden_of(cfg) -> int:
    """The feed-forward width a config asks for, from the formula in GPTConfig's docstring."""
    if cfg.mlp_hidden is not None:
        return cfg.mlp_hidden
    if cfg.mlp == "swiglu":
        return 4 * math.ceil(int(8 * cfg.n_embd / 3) / 4)
    return 4 * cfg.n_embd


def block_layout(cfg, prefix: str = "") -> list[tuple[str, tuple]]:
    """``[(name, shape)]`` of ``Block(cfg).named_parameters()``, from the docstrings, names after ``prefix``."""
    C, D = cfg.n_embd, cfg.n_embd // cfg.n_head
    H, K, Fh = cfg.n_head * D, cfg.n_kv_head * D, hidden_of(cfg)

    def lin(name, i, o):
        return [(prefix + name + ".weight", (i, o))] + ([(prefix + name + ".bias", (o,))] if cfg.bias else [])

    out = norm_layout(cfg, prefix + "ln1") + lin("attn.wq", C, H) + lin("attn.wk", C, K) + lin("attn.wv", C, K)
    out += lin("attn.wo", H, C) + norm_layout(cfg, prefix + "ln2")
    if cfg.mlp == "swiglu":
        return out + lin("mlp.w1", C, Fh) + lin("mlp.w2", Fh, C) + lin("mlp.w3", C, Fh)
    return out + lin("mlp.fc", C, Fh) + lin("mlp.proj", Fh, C)


def norm_layout(cfg, name: str) -> list[tuple[str, tuple]]:
    with_bias = cfg.norm == "layernorm" and cfg.bias
    return [(name + ".weight", (cfg.n_embd,))] + ([(name + ".bias", (cfg.n_embd,))] if with_bias else [])


def check_layout(module, expected: list, what: str, hint, order_hint: str | None = None) -> dict:
    """Check ``module.named_parameters()`` against ``expected`` ``[(name, shape)]``: the names, their
    order, the shapes. ``hint`` is a text, or a function ``(missing, unexpected) -> text``.
    Returns ``{name: parameter}``."""
    with calling(f"{what}.named_parameters()"):
        pairs = list(module.named_parameters())
    got = [n for n, _ in pairs]
    want = [n for n, _ in expected]
    text = hint if isinstance(hint, str) else hint([], [])
    if sorted(got) != sorted(want):
        missing = [n for n in want if n not in got]
        extra = [n for n in got if n not in want]
        short = lambda names: f"{names[:8]}{' ...' if len(names) > 8 else ''}"  # noqa: E731
        raise AssertionError(f"{what}.named_parameters(): missing {short(missing)}, unexpected {short(extra)} "
                             f"(expected {len(want)} names, got {len(got)}: {short(got)}).\n"
                             f"Hint: {hint if isinstance(hint, str) else hint(missing, extra)}")
    assert_equal(got, want, what=f"the order of {what}.named_parameters()",
                 hint=order_hint or "the attribute order is the parameter order: create the parts in the order the "
                                    "docstring gives")
    params = dict(pairs)
    for name, shape in expected:
        assert_equal(tuple(params[name].shape), shape, what=f"{what}: the shape of {name}", hint=text)
    return params


def gpt_layout(cfg) -> list[tuple[str, tuple]]:
    """``[(name, shape)]`` of ``GPT(cfg).named_parameters()``, from the docstrings."""
    out = [("wte.weight", (cfg.vocab_size, cfg.n_embd))]
    if cfg.position == "learned":
        out.append(("wpe.weight", (cfg.block_size, cfg.n_embd)))
    for i in range(cfg.n_layer):
        out += block_layout(cfg, f"blocks.{i}.")
    out += norm_layout(cfg, "ln_f")
    if not cfg.tie_weights:
        out.append(("lm_head.weight", (cfg.n_embd, cfg.vocab_size)))
    return out


def t_num_parameters(cfg) -> int:
    """The parameter count of the same model built with ``torch.nn`` layers (a tied table once)."""
    C, V = cfg.n_embd, cfg.vocab_size
    D = C // cfg.n_head
    lin = lambda i, o: torch.nn.Linear(i, o, bias=cfg.bias)  # noqa: E731
    norm = lambda: (torch.nn.RMSNorm(C) if cfg.norm == "rmsnorm" else torch.nn.LayerNorm(C, bias=cfg.bias))  # noqa: E731
    hidden = hidden_of(cfg)
    parts = [torch.nn.Embedding(V, C), norm()]
    if cfg.position == "learned":
        parts.append(torch.nn.Embedding(cfg.block_size, C))
    if not cfg.tie_weights:
        parts.append(torch.nn.Linear(C, V, bias=False))
    for _ in range(cfg.n_layer):
        parts += [norm(), norm(), lin(C, cfg.n_head * D), lin(C, cfg.n_kv_head * D), lin(C, cfg.n_kv_head * D),
                  lin(cfg.n_head * D, C)]
        parts += [lin(C, hidden), lin(hidden, C)] + ([lin(C, hidden)] if cfg.mlp == "swiglu" else [])
    return sum(p.numel() for m in parts for p in m.parameters())
