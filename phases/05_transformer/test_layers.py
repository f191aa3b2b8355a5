"""Grader for layers.py: LayerNorm, RMSNorm, the two feed-forward networks and the pre-LN block,
each against the PyTorch formulas of conftest.py with the same float64 weights (forward and every
gradient), and dropout wired from the config.

When an output is wrong, the grader computes the classic wrong variants with PyTorch (unbiased
variance, post-LN, a missing residual, ...) and names the one your output matches.
"""

from __future__ import annotations

import math
import types

import numpy as np
import torch
import torch.nn.functional as F

from common import load
from common.backend import to_numpy
from common.checks import assert_close, calling, require
from grader import task

GRAD_HINT = ("the forward pass is right but a gradient is not: compute only with Tensor operations "
             "(no .data, no NumPy in between), so that backward() differentiates every step")


# ---------------------------------------------------------------- shared tools




def check(oracle, module, P, inputs, t_out, *, what, variants, hint=None, t_inputs=(), grad_hint=GRAD_HINT,
          rtol=1e-7, atol=1e-9):
    """``oracle.compare_module`` with a hint naming the wrong variant the output matches, if any."""
    with calling(what, hint=hint):
        got = oracle.values(module(*inputs), what)
    expected = t_out.detach().numpy()
    if got.shape == expected.shape and not np.allclose(got, expected, rtol=rtol, atol=atol):
        hint = oracle.diagnose(got, variants, hint, prefix="your output matches ")
    return oracle.compare_module(module, P, inputs, t_out, what=what, t_inputs=t_inputs, rtol=rtol, atol=atol,
                                 hint=hint, grad_hint=grad_hint)


def detached(P: dict) -> dict:
    return {k: v.detach() for k, v in P.items()}








def norm_input(shape, seed: int):
    """Rows of very different scales (some near sqrt(eps)) and non-zero means: every eps and centring
    mistake shows."""
    g = np.random.default_rng(seed)
    scale = np.exp(g.uniform(np.log(0.01), np.log(3.0), shape[:-1] + (1,)))
    return g.standard_normal(shape) * scale + g.uniform(-1, 1, shape[:-1] + (1,))


def leaf_of(oracle, a: np.ndarray):
    return load(2, "tensor").Tensor(a.copy(), requires_grad=True), torch.tensor(a, requires_grad=True)


# ---------------------------------------------------------------- norms


LN_CASES = [((2, 5, 16), 1e-5, True), ((3, 7), 0.1, False), ((2, 3, 2, 8), 1e-3, True)]


def ln_variants(x, w, b, eps):
    def affine(y):
        y = y * w
        return y if b is None else y + b

    xc = x - x.mean(-1, keepdim=True)
    var = x.var(-1, keepdim=True, unbiased=False)
    x0 = x - x.mean(0, keepdim=True)
    var0 = x.var(0, keepdim=True, unbiased=False)
    return {
        "LayerNorm with the unbiased variance (divided by n - 1): use the mean of the squared deviations, "
        "divided by n (PyTorch's LayerNorm)": lambda: affine(xc / torch.sqrt(x.var(-1, keepdim=True) + eps)),
        "LayerNorm with eps outside the square root, (x - mean) / (sqrt(var) + eps): add eps to the variance, "
        "then take the root": lambda: affine(xc / (torch.sqrt(var) + eps)),
        "LayerNorm without eps": lambda: affine(xc / torch.sqrt(var)),
        "LayerNorm dividing by the variance, not its square root": lambda: affine(xc / (var + eps)),
        "a norm that is not centred (RMSNorm): subtract the mean first":
            lambda: affine(x / torch.sqrt(x.pow(2).mean(-1, keepdim=True) + eps)),
        "LayerNorm over axis 0 instead of the last axis (n_embd): mean and variance go over axis=-1":
            lambda: affine(x0 / torch.sqrt(var0 + eps)),
        "LayerNorm over all axes at once instead of the last axis: pass axis=-1, keepdims=True":
            lambda: affine((x - x.mean()) / torch.sqrt(x.var(unbiased=False) + eps)),
        "LayerNorm with weight and bias swapped: y * weight + bias": lambda: xc / torch.sqrt(var + eps) * b + w,
        "the normalised x without weight and bias: multiply by weight, then add bias": lambda: xc / torch.sqrt(var + eps),
    }


@task(points=3, timeout=30)
def test_layer_norm(oracle):
    """LayerNorm matches F.layer_norm (biased variance, eps inside the root), forward and gradients, with and without bias."""
    for shape, eps, bias in LN_CASES:
        C = shape[-1]
        what = f"LayerNorm({C}, eps={eps}, bias={bias})"
        L = oracle.phase5()
        with calling(what):
            ln = L.layers.LayerNorm(C, eps=eps, bias=bias)
        want = [("weight", (C,))] + ([("bias", (C,))] if bias else [])
        params = oracle.check_layout(ln, want, what, "weight (n_embd,) then bias (n_embd,), or no bias when bias=False")
        for name, value in (("weight", 1.0), ("bias", 0.0)):
            if name in params:
                data = to_numpy(params[name].data)
                require(data.dtype == np.float32, f"{what}.{name} should be float32, got {data.dtype}")
                require(np.all(data == value), f"{what}.{name} should start at {value:g} everywhere, got {data[:6]}",
                        hint="the norm starts as the identity map: weight ones, bias zeros")
        require(bias or getattr(ln, "bias", None) is None, f"{what}.bias should be None")
        oracle.to_float64(ln)
        P = oracle.torch_params(ln)
        xa = norm_input(shape, seed=len(shape) + C)
        x, tx = leaf_of(oracle, xa)
        expected = F.layer_norm(tx, (C,), P["weight"], P.get("bias"), eps=eps)
        D = detached(P)
        check(oracle, ln, P, (x,), expected, what=f"{what}(x) with x {shape} (float64; weight and bias not 1 and 0)",
              variants=ln_variants(tx.detach(), D["weight"], D.get("bias"), eps), t_inputs=(tx,),
              hint="y = (x - mean) / sqrt(var + eps) * weight + bias over the last axis, var the biased variance",
              grad_hint=GRAD_HINT + "; the mean and the variance depend on x too, so they stay in the graph")


def rms_variants(x, w, eps):
    ms = x.pow(2).mean(-1, keepdim=True)
    return {
        "RMSNorm with eps outside the square root, x / (sqrt(mean(x²)) + eps): Llama adds eps inside the root":
            lambda: x / (torch.sqrt(ms) + eps) * w,
        "a mean-centred norm, which is LayerNorm: RMSNorm divides x itself, not x - mean, by its RMS":
            lambda: (x - x.mean(-1, keepdim=True)) / torch.sqrt(x.var(-1, keepdim=True, unbiased=False) + eps) * w,
        "RMSNorm with the sum of squares instead of their mean":
            lambda: x / torch.sqrt(x.pow(2).sum(-1, keepdim=True) + eps) * w,
        "RMSNorm without the square root": lambda: x / (ms + eps) * w,
        "RMSNorm without eps": lambda: x / torch.sqrt(ms) * w,
        "RMSNorm over axis 0 instead of the last axis": lambda: x / torch.sqrt(x.pow(2).mean(0, keepdim=True) + eps) * w,
        "RMSNorm without the weight": lambda: x / torch.sqrt(ms + eps),
    }


@task(points=2, timeout=30)
def test_rms_norm(oracle):
    """RMSNorm matches x / sqrt(mean(x²) + eps) * weight in PyTorch, forward and gradients."""
    for shape, eps in (((2, 5, 16), 1e-5), ((3, 7), 0.1), ((2, 3, 2, 8), 1e-6)):
        C = shape[-1]
        what = f"RMSNorm({C}, eps={eps})"
        L = oracle.phase5()
        with calling(what):
            norm = L.layers.RMSNorm(C, eps=eps)
        params = oracle.check_layout(norm, [("weight", (C,))], what, "one parameter, weight (n_embd,): RMSNorm has no bias")
        data = to_numpy(params["weight"].data)
        require(data.dtype == np.float32 and np.all(data == 1.0),
                f"{what}.weight should start as float32 ones, got {data.dtype} {data[:6]}")
        oracle.to_float64(norm)
        P = oracle.torch_params(norm)
        x, tx = leaf_of(oracle, norm_input(shape, seed=10 + C))
        expected = tx * torch.rsqrt(tx.pow(2).mean(-1, keepdim=True) + eps) * P["weight"]
        check(oracle, norm, P, (x,), expected, what=f"{what}(x) with x {shape} (float64)",
              variants=rms_variants(tx.detach(), P["weight"].detach(), eps), t_inputs=(tx,),
              hint="y = x / sqrt(mean(x * x, last axis) + eps) * weight")


# ---------------------------------------------------------------- feed-forward networks


def ffn_variants(D, x, prefix, names):
    def lin(name, h):
        out = h @ D[prefix + name + ".weight"]
        bias = D.get(prefix + name + ".bias")
        return out if bias is None else out + bias

    up, down = names
    return {
        "ReLU instead of GELU: use phase 02's gelu() (tanh approximation)": lambda: lin(down, torch.relu(lin(up, x))),
        "the exact (erf) GELU: this course and GPT-2 use the tanh approximation, phase 02's gelu()":
            lambda: lin(down, F.gelu(lin(up, x))),
        f"no activation between {up} and {down}": lambda: lin(down, lin(up, x)),
        "tanh instead of GELU": lambda: lin(down, torch.tanh(lin(up, x))),
        "SiLU instead of GELU": lambda: lin(down, F.silu(lin(up, x))),
        f"GELU applied after {down} instead of between the two layers":
            lambda: F.gelu(lin(down, lin(up, x)), approximate="tanh"),
    }


def swiglu_variants(D, x, prefix):
    def lin(name, h):
        out = h @ D[prefix + name + ".weight"]
        bias = D.get(prefix + name + ".bias")
        return out if bias is None else out + bias

    return {
        "the gate on w3 instead of w1: w2(silu(w1(x)) * w3(x)), w1 is the gate":
            lambda: lin("w2", F.silu(lin("w3", x)) * lin("w1", x)),
        "sigmoid instead of SiLU: silu(z) = z * sigmoid(z)":
            lambda: lin("w2", torch.sigmoid(lin("w1", x)) * lin("w3", x)),
        "GELU instead of SiLU": lambda: lin("w2", F.gelu(lin("w1", x), approximate="tanh") * lin("w3", x)),
        "ReLU instead of SiLU": lambda: lin("w2", torch.relu(lin("w1", x)) * lin("w3", x)),
        "no gate: w2(silu(w1(x))) without the product with w3(x)": lambda: lin("w2", F.silu(lin("w1", x))),
        "SiLU of the product, silu(w1(x) * w3(x)): only the gate w1(x) goes through SiLU":
            lambda: lin("w2", F.silu(lin("w1", x) * lin("w3", x))),
        "w2(w1(x) * w3(x)) without SiLU": lambda: lin("w2", lin("w1", x) * lin("w3", x)),
    }


@task(points=2, timeout=30)
def test_feed_forward(oracle):
    """FeedForward = proj(gelu(fc(x))) with phase 02's tanh GELU, forward and gradients, with and without biases."""
    for C, hidden, bias in ((16, 64, True), (12, 20, False)):
        what = f"FeedForward({C}, {hidden}, bias={bias}, dropout=0.0, rng=default_rng(0))"
        ffn = oracle.make(lambda L, rng: L.layers.FeedForward(C, hidden, bias=bias, dropout=0.0, rng=rng), what)
        cfg = types.SimpleNamespace(n_embd=C, n_head=1, n_kv_head=1, bias=bias, norm="layernorm", mlp="gelu",
                                    mlp_hidden=hidden)
        want = [(n[4:], s) for n, s in oracle.block_layout(cfg) if n.startswith("mlp.")]
        oracle.check_layout(ffn, want, what, "fc = Linear(n_embd, hidden) then proj = Linear(hidden, n_embd), "
                                             "created in that order, with biases only when bias=True")
        P = oracle.torch_params(ffn)
        x, tx = oracle.leaf((2, 5, C), seed=C)
        expected = oracle.t_mlp({"m." + k: v for k, v in P.items()}, "m", tx, cfg)
        check(oracle, ffn, P, (x,), expected, what=f"{what}(x) with x (2, 5, {C}) (float64)",
              variants=ffn_variants(detached(P), tx.detach(), "", ("fc", "proj")), t_inputs=(tx,),
              hint="proj(fc(x).gelu()), then the dropout module")


@task(points=2, timeout=30)
def test_swiglu(oracle):
    """SwiGLU = w2(silu(w1(x)) * w3(x)), forward and gradients, without and with biases."""
    for C, hidden, bias in ((16, 44, False), (12, 32, True)):
        what = f"SwiGLU({C}, {hidden}, bias={bias}, dropout=0.0, rng=default_rng(0))"
        mlp = oracle.make(lambda L, rng: L.layers.SwiGLU(C, hidden, bias=bias, dropout=0.0, rng=rng), what)
        cfg = types.SimpleNamespace(n_embd=C, n_head=1, n_kv_head=1, bias=bias, norm="rmsnorm", mlp="swiglu",
                                    mlp_hidden=hidden)
        want = [(n[4:], s) for n, s in oracle.block_layout(cfg) if n.startswith("mlp.")]
        oracle.check_layout(mlp, want, what, "w1 = Linear(n_embd, hidden) (gate), w2 = Linear(hidden, n_embd) "
                                             "(down), w3 = Linear(n_embd, hidden) (up), in that order")
        P = oracle.torch_params(mlp)
        x, tx = oracle.leaf((2, 5, C), seed=C + 1)
        expected = oracle.t_mlp({"m." + k: v for k, v in P.items()}, "m", tx, cfg)
        check(oracle, mlp, P, (x,), expected, what=f"{what}(x) with x (2, 5, {C}) (float64)",
              variants=swiglu_variants(detached(P), tx.detach(), ""), t_inputs=(tx,),
              hint="gate = w1(x); w2(gate * gate.sigmoid() * w3(x)), then the dropout module")


# ---------------------------------------------------------------- the block


def block_variants(oracle, P, x, cfg, is_pad):
    P = detached(P)

    def att(h):
        return oracle.t_attention(P, "attn", h, cfg, is_pad)

    def mlp(h):
        return oracle.t_mlp(P, "mlp", h, cfg)

    def ln1(h):
        return oracle.t_norm(P, "ln1", h, cfg)

    def ln2(h):
        return oracle.t_norm(P, "ln2", h, cfg)

    def post_ln():
        h = ln1(x + att(x))
        return ln2(h + mlp(h))

    def norm_on_stream():
        h = ln1(x)
        h = h + att(h)
        h = ln2(h)
        return h + mlp(h)

    def norm_after_branch():
        h = x + ln1(att(x))
        return h + ln2(mlp(h))

    return {
        "a post-LN block, x = ln1(x + attn(x)), x = ln2(x + mlp(x)) (the original Transformer): "
        "GPT-2 is pre-LN, x = x + attn(ln1(x)), then x = x + mlp(ln2(x))": post_ln,
        "a block without the attention's residual: x = x + attn(ln1(x)), keep the x": lambda: (
            lambda h: h + mlp(ln2(h)))(att(ln1(x))),
        "a block without the MLP's residual (the output is mlp(ln2(x)) alone): return x + mlp(ln2(x))":
            lambda: mlp(ln2(x + att(ln1(x)))),
        "a block without any residual: both branches add their output to x": lambda: mlp(ln2(att(ln1(x)))),
        "a block that normalises the residual stream itself (x = ln1(x); x = x + attn(x); ...): the norm is applied "
        "to the branch's input only, x = x + attn(ln1(x)), and x itself is never normalised": norm_on_stream,
        "a block that normalises the branches' outputs, x + ln(attn(x)), instead of their inputs: x + attn(ln1(x))":
            norm_after_branch,
        "a block with ln1 and ln2 swapped: ln1 comes before the attention, ln2 before the MLP": lambda: (
            lambda h: h + mlp(ln1(h)))(x + att(ln2(x))),
        "a block whose second residual adds to the block's input: the residual goes around the wrong sub-layer; "
        "h = x + attn(ln1(x)), then return h + mlp(ln2(h))": lambda: x + mlp(ln2(x + att(ln1(x)))),
        "a parallel block, x + attn(ln1(x)) + mlp(ln2(x)): the MLP reads the output of the attention's residual, "
        "x + attn(ln1(x)), not the block's input": lambda: x + att(ln1(x)) + mlp(ln2(x)),
        "a block without norms: x + attn(ln1(x)), then x + mlp(ln2(x))": lambda: (lambda h: h + mlp(h))(x + att(x)),
        "a block that ignores is_pad: pass it on to self.attn(..., is_pad)": lambda: (
            lambda h: h + mlp(ln2(h)))(x + oracle.t_attention(P, "attn", ln1(x), cfg)) if is_pad is not None else None,
        "RoPE with the half-split pairing of GPT-NeoX's rotate_half (feature i with feature i + head_dim/2): "
        "apply_rope pairs adjacent features (2i, 2i + 1), as Llama and llama2.c (task rope)": lambda: (
            lambda h: h + mlp(ln2(h)))(x + oracle.t_attention(P, "attn", ln1(x), cfg, is_pad, rope=oracle.t_rope_half))
        if cfg.position == "rope" else None,
    }


def block_configs(oracle):
    pads = np.zeros((2, 8), dtype=bool)
    pads[1, 5:] = True
    return [
        (oracle.config(), None),
        (oracle.config(norm="rmsnorm", mlp="swiglu", position="rope", n_kv_head=2, bias=False), pads),
        (oracle.config(mlp="swiglu", n_kv_head=1, mlp_hidden=24, bias=False, position="none"), None),
    ]


@task(points=3, timeout=30, needs=('multi_head_attention', 'layer_norm', 'rms_norm', 'feed_forward', 'swiglu'))
def test_block(oracle):
    """Block(cfg) is pre-LN, x + attn(ln1(x)) then x + mlp(ln2(x)): forward and gradients, GPT-2 and Llama configs."""
    for i, (cfg, is_pad) in enumerate(block_configs(oracle)):
        what = f"Block({oracle.describe(cfg)}, rng=default_rng({i}))"
        block = oracle.make(lambda L, rng: L.layers.Block(cfg, rng=rng), what, seed=i)
        oracle.check_layout(block, oracle.block_layout(cfg), what,
                            "ln1, attn, ln2, mlp in that order; make_norm(config) picks LayerNorm or RMSNorm, "
                            "config.mlp picks FeedForward or SwiGLU; every size comes from the config: the attention "
                            "gets config.n_kv_head (wk and wv have n_kv_head * head_dim outputs), the MLP config.hidden")
        P = oracle.torch_params(block)
        x, tx = oracle.leaf((2, 8, cfg.n_embd), seed=20 + i)
        expected = oracle.t_block(P, "", tx, cfg, is_pad)
        pad_text = "" if is_pad is None else f", is_pad {is_pad.astype(int).tolist()}"
        check(oracle, block, P, (x,) if is_pad is None else (x, is_pad), expected,
              what=f"{what}(x{', is_pad' if is_pad is not None else ''}) with x (2, 8, {cfg.n_embd}){pad_text}",
              variants=block_variants(oracle, P, tx.detach(), cfg, is_pad), t_inputs=(tx,),
              hint="x = x + self.attn(self.ln1(x), is_pad), then return x + self.mlp(self.ln2(x)); tasks layer_norm, "
                   "rms_norm, feed_forward, swiglu and multi_head_attention check the parts: fix those first")


# ---------------------------------------------------------------- dropout


EVAL_HINT = ("in eval mode every dropout is the identity: apply the Dropout modules (self.drop(x)), whose training "
             "flag model.eval() clears, never functional dropout(..., training=True)")


def twin(oracle, build, module, what: str):
    """``build`` (the same module with dropout 0) holding ``module``'s float64 weights."""
    other = oracle.make(build, what)
    weights = dict(module.named_parameters())
    for name, p in other.named_parameters():
        p.data = np.array(to_numpy(weights[name].data), copy=True)
    return other


def outputs(oracle, module, inputs, what: str) -> np.ndarray:
    with calling(what):
        return oracle.values(module(*inputs), what)


def t_attention_dropout(P: dict, x: torch.Tensor, n_head: int, keep_w, keep_y) -> torch.Tensor:
    """Causal multi-head attention with the dropout masks given: ``keep_w`` on the weights
    ``(B, H, T, T)``, ``keep_y`` on the output ``(B, T, C)`` (each 0 or 1/(1-p))."""
    B, T, C = x.shape
    D = C // n_head

    def heads(name):
        return (x @ P[name + ".weight"] + P[name + ".bias"]).view(B, T, n_head, D).transpose(1, 2)

    scores = heads("wq") @ heads("wk").transpose(-2, -1) / math.sqrt(D)
    scores = scores.masked_fill(~torch.ones(T, T, dtype=torch.bool).tril(), float("-inf"))
    w = torch.softmax(scores, -1)
    kept = w
    if keep_w is not None:
        w = w * torch.as_tensor(keep_w)
    y = (w @ heads("wv")).transpose(1, 2).reshape(B, T, C) @ P["wo.weight"] + P["wo.bias"]
    return y * torch.as_tensor(keep_y), kept


def check_attention_dropout(oracle, p: float) -> None:
    """MultiHeadAttention in training mode: dropout on the weights, then on the output, both masks
    drawn from the rng given, in that order (phase 02's rule: keep where rng.random(shape) >= p)."""
    B, T, C, H = 2, 6, 16, 4
    Tensor = load(2, "tensor").Tensor
    what = f"MultiHeadAttention({C}, {H}, dropout={p}, rng=rng)"
    mha = oracle.make(lambda L, rng: L.attention.MultiHeadAttention(C, H, dropout=p, rng=rng), what)
    P = {n: t.detach() for n, t in oracle.torch_params(mha).items()}
    x = np.random.default_rng(6).standard_normal((B, T, C))
    state = mha.attn_drop.rng.bit_generator.state  # the rng as forward will find it

    def masks(*shapes):
        g = np.random.default_rng()
        g.bit_generator.state = state
        return [(g.random(shape) >= p) / (1 - p) for shape in shapes]

    got = outputs(oracle, mha.train(), (Tensor(x),), f"{what}.train()(x) with x ({B}, {T}, {C})")
    tx = torch.tensor(x)
    keep_w, keep_y = masks((B, H, T, T), (B, T, C))
    with torch.no_grad():
        expected, weights = (t.numpy() for t in t_attention_dropout(P, tx, H, keep_w, keep_y))
    hint = ("attn_drop on the attention weights (after the softmax, before @ v), then resid_drop on the output "
            "of wo; each draws its mask from the rng when called, in that order")
    if got.shape == expected.shape and not np.allclose(got, expected, rtol=1e-9, atol=1e-12):
        hint = oracle.diagnose(got, {
            "attention without attn_drop: only the output is dropped": lambda: t_attention_dropout(
                P, tx, H, None, *masks((B, T, C)))[0],
        }, hint, prefix="your output matches ")
    assert_close(got, expected, rtol=1e-9, atol=1e-12,
                 what=f"{what} in training mode, against PyTorch with the masks the same rng draws", hint=hint)
    kept = mha.weights
    require(kept is not None and hasattr(kept, "shape"), f"{what}: self.weights should hold the attention weights "
            f"of the last call (an array), got {type(kept).__name__}", hint="self.weights = w.data, before dropout")
    kept = np.asarray(to_numpy(kept), dtype=np.float64)
    hint = "self.weights = w.data right after the softmax, then self.attn_drop(w) @ v: keep the weights before dropout"
    if kept.shape == weights.shape and np.allclose(kept, weights * keep_w, rtol=1e-9, atol=1e-12):
        hint = ("your self.weights are the weights after dropout (some zero, the rest scaled by 1/(1-p), rows not "
                "summing to 1): " + hint)
    assert_close(kept, weights, rtol=1e-9, atol=1e-12,
                 what=f"{what}.train()(x): self.weights, vs PyTorch's softmax(q kᵀ/√d + mask) before dropout", hint=hint)


def t_gpt_dropout(oracle, P: dict, idx, cfg, masks, *, emb: str = "after") -> torch.Tensor:
    """The GPT of ``oracle.t_gpt`` (learned positions, LayerNorm, GELU, biases, tied) in training mode,
    each dropout mask taken in turn from ``masks``: the embeddings' (after the positions are added;
    ``emb="before"``: on the token vectors alone; ``"none"``: no such dropout), then per block the
    attention weights', the attention output's and the MLP output's."""
    idx = torch.as_tensor(np.asarray(idx))
    T, H = idx.shape[1], cfg.n_head
    x = P["wte.weight"][idx]
    if emb == "before":
        x = x * torch.as_tensor(next(masks))
    x = x + P["wpe.weight"][:T]
    if emb == "after":
        x = x * torch.as_tensor(next(masks))
    for i in range(cfg.n_layer):
        pre = f"blocks.{i}."
        attn = {k[len(pre) + 5:]: v for k, v in P.items() if k.startswith(pre + "attn.")}
        h = oracle.t_norm(P, pre + "ln1", x, cfg)
        keep_w, keep_y = next(masks), next(masks)
        x = x + t_attention_dropout(attn, h, H, keep_w, keep_y)[0]
        x = x + oracle.t_mlp(P, pre + "mlp", oracle.t_norm(P, pre + "ln2", x, cfg), cfg) * torch.as_tensor(next(masks))
    return oracle.t_norm(P, "ln_f", x, cfg) @ P["wte.weight"].T


def check_gpt_dropout(oracle, cfg, idx) -> None:
    """GPT(cfg) in training mode against PyTorch with the dropout masks its rng draws, in the order of the
    forward pass: the embedding dropout after the positions are added, then each block's three."""
    p, (B, T), C, H = cfg.dropout, idx.shape, cfg.n_embd, cfg.n_head
    what = f"GPT({oracle.describe(cfg)}, dropout={p}, rng=default_rng(0))"
    model = oracle.make(lambda L, rng: L.model.GPT(cfg, rng=rng), what)
    P = {n: t.detach() for n, t in oracle.torch_params(model).items()}
    drop = getattr(model, "drop", None)
    require(isinstance(drop, load(2, "nn").Dropout) and isinstance(getattr(drop, "rng", None), np.random.Generator),
            f"{what}.drop should be the Dropout(config.dropout, rng=rng) on the embeddings, got {type(drop).__name__}",
            hint="self.drop = Dropout(config.dropout, rng=rng), created after the tables, applied before the blocks")
    state = drop.rng.bit_generator.state  # the rng as forward will find it

    def masks(with_emb=True):
        g = np.random.default_rng()
        g.bit_generator.state = state
        shapes = ([(B, T, C)] if with_emb else []) + [(B, H, T, T), (B, T, C), (B, T, C)] * cfg.n_layer
        return iter([(g.random(shape) >= p) / (1 - p) for shape in shapes])

    got = outputs(oracle, model.train(), (idx,), f"{what}.train()(idx) with idx {idx.shape}")
    with torch.no_grad():
        expected = t_gpt_dropout(oracle, P, idx, cfg, masks()).numpy()
    hint = ("x = self.drop(wte(idx) + wpe(positions)): the embedding dropout acts on the sum, after the positions "
            "are added, before the first block; then each block's attn_drop, resid_drop and the MLP's drop, every "
            "mask drawn from the rng given, in the order of the forward pass")
    if got.shape == expected.shape and not np.allclose(got, expected, rtol=1e-9, atol=1e-12):
        with torch.no_grad():
            hint = oracle.diagnose(got, {
                "dropout on the token vectors before the positions are added: drop the sum, "
                "x = self.drop(wte(idx) + wpe(positions))": lambda: t_gpt_dropout(oracle, P, idx, cfg, masks(),
                                                                                 emb="before"),
                "a GPT without the embedding dropout: x = self.drop(x) after adding the positions, before the "
                "blocks": lambda: t_gpt_dropout(oracle, P, idx, cfg, masks(False), emb="none"),
            }, hint, prefix="your output matches ")
    assert_close(got, expected, rtol=1e-9, atol=1e-12,
                 what=f"{what} in training mode, against PyTorch with the masks the same rng draws", hint=hint)


@task(points=1, timeout=30)
def test_dropout(oracle):
    """Dropout comes from config.dropout: active in train mode (seeded by rng), the identity in eval mode."""
    p = 0.5
    Dropout = load(2, "nn").Dropout
    Tensor = load(2, "tensor").Tensor
    for cls, hidden in (("FeedForward", 32), ("SwiGLU", 24)):
        what = f"{cls}(8, {hidden}, dropout={p}, rng=default_rng(0))"
        m = oracle.make(lambda L, rng: getattr(L.layers, cls)(8, hidden, dropout=p, rng=rng), what)
        ref = twin(oracle, lambda L, rng: getattr(L.layers, cls)(8, hidden, dropout=0.0, rng=rng), m,
                   f"{cls}(8, {hidden}, dropout=0.0, rng=default_rng(0))")
        x = (Tensor(np.random.default_rng(1).standard_normal((4, 6, 8))),)
        expected = outputs(oracle, ref.eval(), x, f"{cls}(8, {hidden}, dropout=0.0)(x)")
        got = outputs(oracle, m.eval(), x, f"{what}.eval()(x)")
        assert_close(got, expected, rtol=1e-12, atol=1e-12,
                     what=f"{what} in eval mode on x (4, 6, 8), vs the same weights with dropout=0.0", hint=EVAL_HINT)
        got = outputs(oracle, m.train(), x, f"{what}.train()(x)")
        zero = got == 0
        frac, n = zero.mean(), got.size
        require(abs(frac - p) < 5 * np.sqrt(p * (1 - p) / n) + 0.01,
                f"{what} in training mode should zero about {p:.0%} of its {n} outputs, it zeroed {frac:.1%}",
                hint="end forward with self.drop(...): the Dropout(dropout) module, active only while training")
        assert_close(got[~zero], expected[~zero] / (1 - p), rtol=1e-9, atol=1e-12,
                     what=f"{what} in training mode: the outputs not dropped, vs the eval output / (1 - p)",
                     hint="dropout goes last, on the output of the second Linear; the kept values are scaled by 1/(1-p)")

    check_attention_dropout(oracle, p)

    cfg, cfg0 = oracle.config(dropout=p), oracle.config(dropout=0.0)
    idx = np.random.default_rng(3).integers(0, cfg.vocab_size, (2, 8))
    x = (Tensor(np.random.default_rng(4).standard_normal((2, 8, cfg.n_embd))),)
    for cls, inputs in (("Block", x), ("GPT", (idx,))):
        what = f"{cls}({oracle.describe(cfg)}, dropout={p}, rng=default_rng(0))"
        if cls == "Block":
            def build(c):
                return lambda L, rng: L.layers.Block(c, rng=rng)
        else:
            def build(c):
                return lambda L, rng: L.model.GPT(c, rng=rng)
        m = oracle.make(build(cfg), what)
        drops = [d for d in m.modules() if isinstance(d, Dropout)]
        require(len(drops) > 0 and all(d.p == p for d in drops),
                f"{what}: its Dropout modules should all have p={p}, got {[d.p for d in drops]}",
                hint="create every Dropout with p=config.dropout (GPT: self.drop = Dropout(config.dropout, rng=rng))")
        ref = twin(oracle, build(cfg0), m, f"{cls}(..., dropout=0.0)")
        expected = outputs(oracle, ref.eval(), inputs, f"{cls}(..., dropout=0.0)(...)")
        got = outputs(oracle, m.eval(), inputs, f"{what}.eval()(...)")
        assert_close(got, expected, rtol=1e-12, atol=1e-12,
                     what=f"{what} in eval mode, vs the same weights with dropout=0.0", hint=EVAL_HINT)
        first = outputs(oracle, m.train(), inputs, f"{what}.train()(...)")
        second = outputs(oracle, m, inputs, f"{what}.train()(...), a second call")
        require(not np.allclose(first, got),
                f"{what} in training mode gave the same output as in eval mode: dropout did nothing",
                hint="apply the Dropout modules in forward (GPT: x = self.drop(x) after adding the positions)")
        require(not np.array_equal(first, second),
                f"{what} in training mode gave the same output twice: each call must draw new dropout masks")
    check_gpt_dropout(oracle, cfg, idx)
    what = f"GPT({oracle.describe(cfg)}, dropout={p}, rng=default_rng(5)) in training mode"
    runs = [outputs(oracle, oracle.make(lambda L, rng: L.model.GPT(cfg, rng=rng), what, seed=5), (idx,), what)
            for _ in range(2)]
    require(np.array_equal(runs[0], runs[1]),
            f"{what}: two models built with default_rng(5) gave different outputs on the same idx",
            hint="every random draw (weights and dropout masks) must come from the rng given: pass rng=rng to each "
                 "Dropout, never use np.random.* or a Generator of your own")
