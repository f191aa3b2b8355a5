"""Grader for model.py: GPT's parameters and initialisation, its parameter count, weight tying, the
whole model's logits and gradients against the PyTorch GPT of conftest.py (GPT-2 and Llama
flavours), causality, and llama2.c's trained stories260K model loaded into your GPT.

When logits are wrong, the grader computes the classic wrong variants with PyTorch (positions not
added, no final norm, blocks not chained, ...) and names the one your output matches.
"""

from __future__ import annotations

import math
import re
import types

import numpy as np
import torch

from common import load
from common.backend import to_numpy
from common.checks import assert_close, assert_equal, calling, expect_raises, require
from grader import task

CALL_HINT = ("x (B, T, n_embd) after ln_f; the tied head is x @ self.wte.weight.T, (B, T, n_embd) @ (n_embd, "
             "vocab_size), the untied one self.lm_head(x)")
GRAD_HINT = ("the logits are right but a gradient is not: compute only with Tensor operations (no .data, no NumPy "
             "in between), and use the Parameters themselves (self.wte.weight), never copies of their data")


# ---------------------------------------------------------------- shared tools








NAMES_HINT = ("GPT's parts in order: wte, wpe (learned positions only), drop, blocks (a list of Block), ln_f, "
              "lm_head (only when not tie_weights, Linear(n_embd, vocab_size, bias=False))")


def names_shapes(oracle, model, cfg, what: str) -> dict:
    """Check ``model.named_parameters()`` names, order and shapes; return them as a dict."""

    def hint(missing, extra):
        if "lm_head.weight" in extra:
            return "with tie_weights=True there is no lm_head: the head is the token table, logits = x @ wte.weightᵀ"
        if "lm_head.weight" in missing:
            return "with tie_weights=False the head is its own Linear(n_embd, vocab_size, bias=False) named lm_head"
        if "wpe.weight" in extra:
            return f"position={cfg.position!r}: only position='learned' has a table wpe"
        if "wpe.weight" in missing:
            return "position='learned' needs self.wpe = Embedding(block_size, n_embd, rng=rng)"
        return NAMES_HINT

    return oracle.check_layout(model, oracle.gpt_layout(cfg), what, hint,
                               order_hint="the attribute order is the parameter order: " + NAMES_HINT)


def namespace(cfg, **changes):
    """A copy of a config's fields as a plain namespace, with ``changes``: for the wrong variants."""
    fields = {k: getattr(cfg, k) for k in ("vocab_size", "block_size", "n_layer", "n_head", "n_kv_head", "n_embd",
                                          "bias", "norm", "norm_eps", "mlp", "mlp_hidden", "position", "rope_base",
                                          "tie_weights")}
    fields.update(changes)
    return types.SimpleNamespace(**fields)


def t_gpt_variant(oracle, P, idx, cfg, is_pad=None, *, positions=True, final_norm=True, chain=True, scale=1.0):
    """The PyTorch GPT with a classic mistake switched on."""
    idx = torch.as_tensor(np.asarray(idx))
    T = idx.shape[1]
    x = P["wte.weight"][idx] * scale
    if positions and cfg.position == "learned":
        x = x + P["wpe.weight"][:T]
    elif positions and cfg.position == "sinusoidal":
        x = x + oracle.t_sinusoids(T, cfg.n_embd).to(torch.float32).to(torch.float64)
    h = x
    for i in range(cfg.n_layer):
        h = oracle.t_block(P, f"blocks.{i}.", h if chain else x, cfg, is_pad)
    if final_norm:
        h = oracle.t_norm(P, "ln_f", h, cfg)
    return h @ P["wte.weight"].T if cfg.tie_weights else h @ P["lm_head.weight"]


def gpt_variants(oracle, P, idx, cfg, is_pad=None) -> dict:
    P = {k: v.detach() for k, v in P.items()}
    out = {}
    if cfg.position in ("learned", "sinusoidal"):
        table = "wpe(np.arange(T))" if cfg.position == "learned" else "self.pe[:T]"
        out[f"GPT without the {cfg.position} positions: x = wte(idx) + {table}"] = lambda: t_gpt_variant(
            oracle, P, idx, cfg, is_pad, positions=False)
        T, S = np.shape(idx)[1], cfg.block_size
        if T < S:
            name = "wpe" if cfg.position == "learned" else "pe"
            out[f"GPT that adds the last T rows of the position table ({name}[block_size - T:], here rows {S - T} to "
                f"{S - 1}) to a sequence of T = {T} < block_size = {S} tokens: the token at t sits at position t, so "
                f"add rows 0 to T - 1, {table}"] = lambda: oracle.t_gpt(P, idx, cfg, is_pad, np.arange(S - T, S))
    if cfg.position == "rope":
        out["GPT without the rotary positions: Block passes rope_base to the attention when position == 'rope'"] = (
            lambda: oracle.t_gpt(P, idx, namespace(cfg, position="none"), is_pad))
        out["RoPE with the half-split pairing of GPT-NeoX's rotate_half (feature i with feature i + head_dim/2): "
            "apply_rope pairs adjacent features (2i, 2i + 1), as Llama and llama2.c (task rope)"] = (
            lambda: oracle.t_gpt(P, idx, cfg, is_pad, rope=oracle.t_rope_half))
    if is_pad is not None:
        out["GPT that ignores is_pad: pass it to every block, block(x, is_pad)"] = lambda: oracle.t_gpt(P, idx, cfg)
    out.update({
        "GPT without the final norm: x = self.ln_f(x) after the blocks, before the head":
            lambda: t_gpt_variant(oracle, P, idx, cfg, is_pad, final_norm=False),
        "GPT whose blocks all read the embeddings: chain them, x = block(x, is_pad) in the loop":
            lambda: t_gpt_variant(oracle, P, idx, cfg, is_pad, chain=False),
        "GPT with the token vectors scaled by sqrt(n_embd) (the original Transformer's): GPT adds them unscaled":
            lambda: t_gpt_variant(oracle, P, idx, cfg, is_pad, scale=math.sqrt(cfg.n_embd)),
    })
    if not cfg.tie_weights:
        out["a tied head (x @ wteᵀ) though tie_weights=False: use self.lm_head(x)"] = lambda: oracle.t_gpt(
            P, idx, namespace(cfg, tie_weights=True), is_pad)
    return out


def build_gpt(oracle, cfg, seed: int = 0, cast: bool = True):
    what = f"GPT({oracle.describe(cfg)}, rng=default_rng({seed}))"
    if cast:
        return oracle.make(lambda L, rng: L.model.GPT(cfg, rng=rng), what, seed=seed), what
    L = oracle.phase5()
    with calling(what):
        return L.model.GPT(cfg, rng=np.random.default_rng(seed)), what


def check_gpt(oracle, cfg, idx, *, seed=0, is_pad=None, rtol=1e-7, atol=1e-9):
    """GPT(cfg) with float64 weights vs oracle.t_gpt: logits, then every parameter's gradient."""
    model, what = build_gpt(oracle, cfg, seed)
    names_shapes(oracle, model, cfg, what)
    P = oracle.torch_params(model)
    expected = oracle.t_gpt(P, idx, cfg, is_pad)
    inputs = (idx,) if is_pad is None else (idx, is_pad)
    call = f"{what}(idx{'' if is_pad is None else ', is_pad'}) with idx {tuple(idx.shape)}"
    if is_pad is not None:
        call += f", is_pad {np.asarray(is_pad).astype(int).tolist()}"
    with calling(call, hint=CALL_HINT):
        got = oracle.values(model(*inputs), call)
    hint = ("x = wte(idx) (+ positions), drop, the blocks in turn, ln_f, then the head; tasks layer_norm, "
            "rms_norm, feed_forward, swiglu, multi_head_attention and block check the parts: fix those first")
    if got.shape == expected.shape and not np.allclose(got, expected.detach().numpy(), rtol=rtol, atol=atol):
        hint = oracle.diagnose(got, gpt_variants(oracle, P, idx, cfg, is_pad), hint, prefix="your output matches ")
    oracle.compare_module(model, P, inputs, expected, what=call, rtol=rtol, atol=atol, hint=hint,
                          grad_hint=GRAD_HINT)


def ids(cfg, shape, seed):
    return np.random.default_rng(seed).integers(0, cfg.vocab_size, shape)


# ---------------------------------------------------------------- parameters and initialisation


def init_std_hint(group: str, got: float, cfg) -> str:
    L = cfg.n_layer
    C = cfg.n_embd
    known = {
        0.02: "N(0, 0.02²), the plain GPT-2 init: the residual projections (attn.wo, mlp.proj or mlp.w2) are drawn "
              "with std 0.02 / sqrt(2 * n_layer)",
        0.02 / math.sqrt(2 * L): "0.02 / sqrt(2 * n_layer), the residual projections' std: only attn.wo and "
                                 "mlp.proj / mlp.w2 are scaled",
        0.02 / math.sqrt(L): "0.02 / sqrt(n_layer): the scale is 1/sqrt(2 * n_layer), two residual branches per block",
        0.02 / (2 * L): "0.02 / (2 * n_layer): the scale is the square root, 1/sqrt(2 * n_layer)",
        1.0: "N(0, 1), Embedding's own draw: re-draw the tables with std 0.02 after building the layers",
        math.sqrt(2 / (C + 4 * C)): "Xavier (Linear's own draw): re-draw every Linear weight after building the layers",
        math.sqrt(2 / (2 * C)): "Xavier (Linear's own draw): re-draw every Linear weight after building the layers",
    }
    for value, text in known.items():
        if abs(got / value - 1) < 0.05:
            return f"the {group} have std {got:.4g}, which looks like {text}"
    return "Linear weights and both tables ~ N(0, 0.02²); attn.wo and mlp.proj / mlp.w2 ~ N(0, (0.02/sqrt(2·n_layer))²)"


RESIDUAL = ("attn.wo.weight", "mlp.proj.weight", "mlp.w2.weight")


def check_init(oracle, cfg, seed=0):
    model, what = build_gpt(oracle, cfg, seed, cast=False)
    params = names_shapes(oracle, model, cfg, what)
    L = cfg.n_layer
    groups = {"residual projections (attn.wo, mlp.proj / mlp.w2)": [], "other Linear weights and tables": []}
    for name, p in params.items():
        data = np.asarray(to_numpy(p.data), dtype=np.float64)
        if data.ndim == 1:
            value = 0.0 if name.endswith(".bias") else 1.0
            require(np.all(data == value), f"{what}: {name} should start at {value:g} everywhere, got {data[:6]}",
                    hint="re-draw only the 2-D weights: biases stay 0 and norm weights 1")
            continue
        residual = name.endswith(RESIDUAL)
        std = 0.02 / math.sqrt(2 * L) if residual else 0.02
        group = list(groups)[0 if residual else 1]
        groups[group].append(data.ravel())
        n = data.size
        got = math.sqrt(np.mean(data ** 2))
        tol = 6 / math.sqrt(2 * n)
        require(abs(got / std - 1) < tol,
                f"{what}: {name} {data.shape} should be drawn from N(0, {std:.4g}²); its root mean square is {got:.4g} "
                f"(allowed {std * (1 - tol):.4g} to {std * (1 + tol):.4g} for {n} samples)",
                hint=init_std_hint("residual projections" if residual else "other weights", got, cfg))
        require(abs(data.mean()) < 6 * std / math.sqrt(n),
                f"{what}: {name} should have mean 0, got {data.mean():.3g} (std {std:.3g}, {n} samples)")
    for group, parts in groups.items():
        flat = np.concatenate(parts)
        kurt = np.mean(flat ** 4) / np.mean(flat ** 2) ** 2
        require(abs(kurt - 3) < 10 * math.sqrt(24 / flat.size) + 0.05,
                f"{what}: the {group} should be normal draws (kurtosis 3), got kurtosis {kurt:.2f} over {flat.size} "
                f"numbers", hint="draw with rng.normal(0.0, std, shape) (a uniform draw has kurtosis 1.8)")
    return model, params


@task(points=2, timeout=40)
def test_gpt_init(oracle):
    """GPT's named_parameters (names, order, shapes) for each position kind, tied and untied; GPT-2's init statistics; seeded."""
    for cfg in (oracle.config(), oracle.config(position="sinusoidal", tie_weights=False),
                oracle.config(norm="rmsnorm", mlp="swiglu", position="rope", n_kv_head=2, bias=False),
                oracle.config(position="none", bias=False, mlp_hidden=24, n_layer=3)):
        model, what = build_gpt(oracle, cfg, cast=False)
        names_shapes(oracle, model, cfg, what)
        if cfg.tie_weights:
            require(getattr(model, "lm_head", None) is None, f"{what}: with tie_weights there should be no lm_head",
                    hint="the head is the token table: logits = x @ self.wte.weight.T")
        if cfg.position == "sinusoidal":
            pe = getattr(model, "pe", None)
            require(pe is not None and tuple(np.shape(pe)) == (cfg.block_size, cfg.n_embd),
                    f"{what}.pe should be the table sinusoidal_positions({cfg.block_size}, {cfg.n_embd}), got "
                    f"{None if pe is None else np.shape(pe)}", hint="self.pe = sinusoidal_positions(block_size, n_embd)")
            require(not isinstance(pe, load(2, "nn").Parameter), f"{what}.pe should be a fixed array, not a Parameter")

    big = dict(vocab_size=256, block_size=64, n_layer=4, n_head=4, n_embd=64)
    gelu = oracle.config(**big, tie_weights=False)
    model, params = check_init(oracle, gelu)
    check_init(oracle, oracle.config(**big, norm="rmsnorm", mlp="swiglu", position="rope", n_kv_head=2))

    again, what = build_gpt(oracle, gelu, 0, cast=False)
    other, _ = build_gpt(oracle, gelu, 1, cast=False)
    for name, p in again.named_parameters():
        require(np.array_equal(to_numpy(p.data), to_numpy(params[name].data)),
                f"two GPTs built with rng=default_rng(0) differ in {name}",
                hint="draw every weight from the rng given, never from np.random.* or a Generator of your own")
    require(not np.array_equal(to_numpy(dict(other.named_parameters())["wte.weight"].data),
                               to_numpy(params["wte.weight"].data)),
            "GPTs built with default_rng(0) and default_rng(1) have the same wte.weight: draw from the rng given")


def count_hint(oracle, cfg, diff: int) -> str:
    """Name the part of the model whose size is exactly the difference ``diff`` between a count and the truth."""
    C, V, L = cfg.n_embd, cfg.vocab_size, cfg.n_layer
    D = C // cfg.n_head
    H, K, Fh = cfg.n_head * D, cfg.n_kv_head * D, oracle.hidden_of(cfg)
    b = int(cfg.bias)
    swiglu = cfg.mlp == "swiglu"
    norm_bias = C * b if cfg.norm == "layernorm" else 0
    lin_bias = b * L * (H + 2 * K + C + (2 * Fh + C if swiglu else Fh + C))
    parts = {
        ("the head (n_embd×vocab_size): with tie_weights it is the token table, counted once" if cfg.tie_weights
         else "a token table or head (vocab_size×n_embd): with tie_weights=False there are two, wte and lm_head"): V * C,
        ("the position table wpe (block_size×n_embd)" if cfg.position == "learned" else
         f"a position table (block_size×n_embd), a Parameter only when position='learned', not {cfg.position!r}"):
            cfg.block_size * C,
        "the biases of the Linear layers (present when bias=True)": lin_bias,
        "LayerNorm's biases (beta, present when bias=True)": (2 * L + 1) * norm_bias,
        "all the biases, of the Linear layers and of LayerNorm (present when bias=True)": lin_bias + (2 * L + 1) * norm_bias,
        "biases of the RMSNorms: RMSNorm has no bias (only a weight), even when bias=True":
            (2 * L + 1) * C * b if cfg.norm == "rmsnorm" else 0,
        "the final norm ln_f": C + norm_bias,
        "the two norms of each block": 2 * L * (C + norm_bias),
        "every norm": (2 * L + 1) * (C + norm_bias),
        "the third matrix of SwiGLU (w3, with its bias)": L * (C * Fh + b * Fh) if swiglu else 0,
        "the keys and values of n_head instead of n_kv_head heads: with GQA, wk and wv have n_kv_head * head_dim "
        "outputs": 2 * L * (C + b) * (H - K),
        "the biases of wk and wv for n_head instead of n_kv_head heads: with GQA each has n_kv_head * head_dim "
        "entries": 2 * L * b * (H - K),
    }
    matches = [text for text, size in parts.items() if size and abs(diff) == size]
    if diff and matches:
        return (f"you count {abs(diff)} too {'many' if diff > 0 else 'few'}: exactly the size of "
                + "; or of ".join(matches))
    return ("add up: wte, wpe (learned only), per block two norms + wq, wk, wv, wo + the MLP, ln_f, lm_head when not "
            "tied; biases (and LayerNorm's beta) only when bias=True")


@task(points=2, timeout=30)
def test_count_parameters(oracle):
    """count_parameters(config) and GPT(config).num_parameters() equal the torch.nn count for GPT-2 and Llama configs."""
    count = load(5, "model").count_parameters
    configs = [oracle.config(vocab_size=29), oracle.config(bias=False, tie_weights=False),
               oracle.config(norm="rmsnorm", mlp="swiglu", position="rope", n_kv_head=2, bias=False),
               oracle.config(position="sinusoidal", mlp_hidden=24),
               oracle.config(mlp="swiglu", n_kv_head=1, position="rope", n_embd=24, tie_weights=False),
               oracle.config(position="none", n_layer=3, n_kv_head=2),
               oracle.config(norm="rmsnorm", bias=True, mlp="swiglu", mlp_hidden=40)]
    for cfg in configs:
        expected = oracle.t_num_parameters(cfg)
        with calling(f"count_parameters({oracle.describe(cfg)})"):
            got = count(cfg)
        require(got == expected, f"count_parameters({oracle.describe(cfg)}) should be {expected} (the same layers "
                                 f"in torch.nn), got {got!r}",
                hint=count_hint(oracle, cfg, got - expected if isinstance(got, int) else 0))
        model, what = build_gpt(oracle, cfg, cast=False)
        with calling(f"{what}.num_parameters()"):
            n = model.num_parameters()
        require(n == expected, f"{what}.num_parameters() should be {expected}, got {n}",
                hint=count_hint(oracle, cfg, n - expected) + " (num_parameters adds up named_parameters(): check what GPT creates)")

    gpt2 = load(5, "model").GPTConfig()
    with calling("count_parameters(GPTConfig()) (GPT-2 small)"):
        got = count(gpt2)
    require(got == 124_439_808, f"count_parameters(GPTConfig()), GPT-2 small, should be 124439808 (its published size), "
                                f"got {got!r}", hint=count_hint(oracle, gpt2, got - 124_439_808 if isinstance(got, int) else 0))
    fields, weights = oracle.read_llama2c()
    cfg = load(5, "model").GPTConfig(**fields)
    expected = sum(w.size for w in weights.values())
    with calling(f"count_parameters({oracle.describe(cfg)}) (stories260K)"):
        got = count(cfg)
    require(got == expected, f"count_parameters of llama2.c's stories260K, {oracle.describe(cfg)}, mlp_hidden="
                             f"{cfg.mlp_hidden}, should be {expected} (the numbers in its checkpoint), got {got!r}",
            hint=count_hint(oracle, cfg, got - expected if isinstance(got, int) else 0))


# ---------------------------------------------------------------- weight tying


@task(points=2, timeout=30)
def test_weight_tying(oracle):
    """Tied: one (V, C) table serves as embedding and head, its gradient the sum of both paths; untied: a separate lm_head."""
    cfg = oracle.config()
    V, C = cfg.vocab_size, cfg.n_embd
    model, what = build_gpt(oracle, cfg)
    params = names_shapes(oracle, model, cfg, what)
    tables = [n for n, p in params.items() if tuple(p.shape) in ((V, C), (C, V))]
    require(tables == ["wte.weight"], f"{what}: with tie_weights=True exactly one parameter should have shape "
                                      f"({V}, {C}) or ({C}, {V}), the token table wte.weight; found {tables}",
            hint="no separate head: logits = x @ self.wte.weight.T")
    require(getattr(model, "lm_head", None) is None, f"{what}: with tie_weights=True there should be no lm_head")

    idx = ids(cfg, (3, 8), seed=11)
    P = oracle.torch_params(model)
    expected = oracle.t_gpt(P, idx, cfg)
    call = f"{what}(idx) with idx (3, 8)"
    with calling(call, hint=CALL_HINT):
        out = model(idx)
    got = oracle.values(out, call)
    assert_close(got, expected.detach().numpy(), rtol=1e-7, atol=1e-9, what=call + ": logits",
                 hint=oracle.diagnose(got, gpt_variants(oracle, P, idx, cfg),
                                     "logits = ln_f(x) @ self.wte.weight.T, the token table as the head; if "
                                     "gpt_forward_backward fails too, fix it first", prefix="your output matches "))
    g = np.random.default_rng(12).standard_normal(got.shape)
    expected.backward(torch.tensor(g))
    model.zero_grad()
    with calling(f"{call}: logits.backward(g)"):
        out.backward(g)
    wte = params["wte.weight"]
    require(wte.grad is not None, f"{call}: wte.weight.grad is None after backward()", hint=GRAD_HINT)
    # the two paths of the tied table, apart: the head as a separate leaf
    P2 = {k: v.detach().clone().requires_grad_() for k, v in P.items()}
    P2["lm_head.weight"] = P["wte.weight"].detach().T.clone().requires_grad_()
    oracle.t_gpt(P2, idx, namespace(cfg, tie_weights=False)).backward(torch.tensor(g))
    emb_only, head_only = P2["wte.weight"].grad.numpy(), P2["lm_head.weight"].grad.numpy().T
    gw = np.asarray(to_numpy(wte.grad), dtype=np.float64)
    hint = "the gradient of a tied table is the sum of two paths: the embedding lookup and the head"
    if gw.shape == emb_only.shape and np.allclose(gw, emb_only, rtol=1e-6, atol=1e-10):
        hint = ("wte.weight.grad holds only the embedding path's gradient: the head must use the Parameter itself, "
                "x @ self.wte.weight.T, not a copy of its data (Tensor(self.wte.weight.data.T) cuts the graph)")
    elif gw.shape == head_only.shape and np.allclose(gw, head_only, rtol=1e-6, atol=1e-10):
        hint = "wte.weight.grad holds only the head's gradient: look the tokens up with self.wte(idx), in the graph"
    assert_close(gw, P["wte.weight"].grad.numpy(), rtol=1e-7, atol=1e-9,
                 what=f"{call}: the gradient of the tied table wte.weight after logits.backward(g)", hint=hint)

    untied = oracle.config(tie_weights=False)
    model, what = build_gpt(oracle, untied)
    params = names_shapes(oracle, model, untied, what)
    require(params["lm_head.weight"] is not params["wte.weight"],
            f"{what}: lm_head.weight should be its own Parameter when tie_weights=False")
    check_gpt(oracle, untied, ids(untied, (2, 8), seed=13))


# ---------------------------------------------------------------- the whole model


@task(points=5, timeout=40, needs=('block', 'gpt_init'))
def test_gpt_forward_backward(oracle):
    """GPT-2-style GPT (learned or sinusoidal positions, biases or not, tied or not) vs PyTorch: logits and gradients."""
    cfg = oracle.config()
    check_gpt(oracle, cfg, ids(cfg, (3, 8), seed=1))
    check_gpt(oracle, cfg, ids(cfg, (2, 5), seed=2), seed=1)  # T < block_size: positions 0..4 only
    sin = oracle.config(position="sinusoidal")
    check_gpt(oracle, sin, ids(sin, (2, 8), seed=3), rtol=1e-6)
    check_gpt(oracle, sin, ids(sin, (2, 5), seed=14), rtol=1e-6)  # T < block_size: rows 0..4 of the table
    check_gpt(oracle, cfg, ids(cfg, (3, 1), seed=15))  # T = 1: one position, nothing to attend to but itself
    plain = oracle.config(bias=False, tie_weights=False, n_layer=3, n_head=2)
    check_gpt(oracle, plain, ids(plain, (2, 7), seed=4))
    none = oracle.config(position="none", n_kv_head=2, mlp_hidden=24)
    check_gpt(oracle, none, ids(none, (1, 6), seed=5))


@task(points=3, timeout=40, needs=('block', 'rope', 'rms_norm', 'swiglu'))
def test_gpt_llama(oracle):
    """Llama-style GPT (RMSNorm, SwiGLU, RoPE, grouped-query attention, no biases) vs PyTorch, also with padding."""
    llama = oracle.config(norm="rmsnorm", mlp="swiglu", position="rope", n_kv_head=2, bias=False)
    check_gpt(oracle, llama, ids(llama, (2, 8), seed=6))
    mqa = oracle.config(norm="rmsnorm", mlp="swiglu", position="rope", n_kv_head=1, bias=False, tie_weights=False)
    is_pad = np.zeros((3, 7), dtype=bool)
    is_pad[0, 4:] = True
    is_pad[2, 6:] = True
    check_gpt(oracle, mqa, ids(mqa, (3, 7), seed=7), is_pad=is_pad, seed=2)


@task(points=2, timeout=30, needs=('gpt_forward_backward',))
def test_gpt_causality(oracle):
    """Changing token t changes no logits before t and does change the logits at t."""
    for cfg in (oracle.config(), oracle.config(norm="rmsnorm", mlp="swiglu", position="rope", n_kv_head=2, bias=False)):
        model, what = build_gpt(oracle, cfg)
        idx = ids(cfg, (2, 8), seed=8)
        with calling(f"{what}(idx)"):
            base = oracle.values(model(idx), f"{what}(idx)")
        for t in (0, 3, 7):
            other = idx.copy()
            other[:, t] = (idx[:, t] + np.array([1, 5])) % cfg.vocab_size
            call = f"{what}(idx) with idx (2, 8), token {t} changed"
            with calling(call):
                got = oracle.values(model(other), call)
            moved = np.abs(got[:, :t] - base[:, :t]).max(axis=(0, 2)) if t else np.zeros(0)
            require(not np.any(moved > 1e-10),
                    f"{call}: the logits at position(s) {np.flatnonzero(moved > 1e-10).tolist()} < {t} changed (by up to "
                    f"{moved.max() if moved.size else 0:.3g}): position s must not see tokens after s",
                    hint="the causal mask must hide the future in every block and every head")
            require(np.abs(got[:, t] - base[:, t]).max() > 1e-6,
                    f"{call}: the logits at position {t} did not change: position t must see its own token",
                    hint="the causal mask keeps the diagonal (0 on and below it); the token vectors wte(idx) feed the blocks")


def greedy(step, n: int) -> list[int]:
    seq = [1]
    for _ in range(n):
        seq.append(int(np.argmax(step(np.array([seq]))[0, -1])))
    return seq


@task(points=3, timeout=60, needs=('gpt_llama',))
def test_stories260k(oracle):
    """llama2.c's stories260K (a trained Llama) loaded into your GPT gives PyTorch's logits and the same greedy story."""
    fields, weights = oracle.read_llama2c()
    pieces = oracle.read_tok512()
    L = oracle.phase5()
    with calling(f"GPTConfig(**{fields})"):
        cfg = L.model.GPTConfig(**fields)
    what = f"GPT({oracle.describe(cfg)}, mlp_hidden={cfg.mlp_hidden}) holding stories260K's weights"
    with calling(what):
        model = L.model.GPT(cfg, rng=np.random.default_rng(0))
    with calling(f"{what}.named_parameters()"):
        params = dict(model.named_parameters())
    missing = [n for n in weights if n not in params]
    extra = [n for n in params if n not in weights]
    require(not missing and not extra, f"{what}: the checkpoint's names and yours differ: missing {missing[:6]}, "
                                       f"unexpected {extra[:6]}", hint=NAMES_HINT)
    for name, value in weights.items():
        assert_equal(tuple(params[name].shape), value.shape, what=f"{what}: the shape of {name}",
                     hint="phase-02 Linear weights are (in, out); SwiGLU's hidden size is config.mlp_hidden")
        params[name].data = value.copy()
    model.eval()
    P = {n: torch.tensor(v) for n, v in weights.items()}

    def decode(seq):
        return b"".join(pieces[i] for i in seq[1:]).decode("utf-8", "replace")

    prompt = [1] + [pieces.index(p) for p in (b" Once", b" upon", b" a", b" time")]
    prompt += [int(i) for i in np.random.default_rng(9).integers(3, 512, 8)]
    call = f"{what}(idx) with idx (1, {len(prompt)}) = {prompt}"
    with calling(call):
        got = oracle.values(model(np.array([prompt])), call)
    with torch.no_grad():
        expected = oracle.t_gpt(P, np.array([prompt]), cfg).numpy()
    assert_close(got, expected, rtol=1e-9, atol=1e-9, what=call + ": logits vs PyTorch",
                 hint="task gpt_llama checks a Llama model on random weights: fix it first; if it passes, check that "
                      "nothing is cast to float32 and that RoPE pairs features (2i, 2i+1) as llama2.c does")

    def ours(x):
        with calling(f"{what}(idx) with idx {x.shape} (greedy decoding)"):
            return oracle.values(model(x), what)

    def theirs(x):
        with torch.no_grad():
            return oracle.t_gpt(P, x, cfg).numpy()

    want, have = greedy(theirs, 20), greedy(ours, 20)
    require(have == want, f"{what}: greedy decoding of 20 tokens from [1] (BOS) gave {have[1:]} = {decode(have)!r}; "
                          f"PyTorch with the same weights gives {want[1:]} = {decode(want)!r}",
            hint="the logits at position t (the last one for generation) predict token t + 1")


@task(points=1, timeout=20)
def test_gpt_errors(oracle):
    """GPT refuses idx longer than block_size and idx that is not 2-D, with ValueErrors naming the shapes."""
    cfg = oracle.config()
    model, what = build_gpt(oracle, cfg)
    with calling(f"{what}(idx) with idx (2, 8), T == block_size"):
        out = model(np.zeros((2, 8), dtype=np.int64))
    assert_equal(tuple(out.shape), (2, 8, cfg.vocab_size), what=f"{what}(idx (2, 8)).shape")
    for bad, needles in ((np.zeros((2, 9), dtype=np.int64), ("9", "8")), (np.zeros(5, dtype=np.int64), ("5",)),
                         (np.zeros((2, 3, 1), dtype=np.int64), ("(2, 3, 1)",))):
        with expect_raises(ValueError, f"{what}(idx) with idx of shape {bad.shape} (block_size={cfg.block_size})",
                           hint="check idx.ndim == 2 and T <= block_size before anything else") as caught:
            model(bad)
        text = str(caught[0])
        # a number counts only on its own: the 8 of block_size is not the 8 in "18" or "1e-8"
        named = [re.search(rf"(?<![\d.e-]){re.escape(n)}(?![\d.])", text) if n.isdigit() else n in text
                 for n in needles]
        require(all(named),
                f"the ValueError of {what}(idx of shape {bad.shape}) should name {' and '.join(needles)}"
                f"{' (as numbers on their own)' if len(needles) > 1 else ''}; got: {text}",
                hint="say what was wrong with the numbers themselves, e.g. f\"... {T} tokens but block_size is "
                     "{block_size}\" or f\"... got shape {idx.shape}\"")
