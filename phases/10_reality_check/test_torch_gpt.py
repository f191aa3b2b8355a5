"""Grader for torch_gpt.py: the learner's ``TorchGPT`` has phase 05's parameter names with PyTorch's
shapes, and with random weights loaded gives the logits and gradients of the graders' functional
PyTorch GPT (``common.torch_gpt``) for every kind of config, at full and short contexts; state dicts
move both ways with every Linear transposed, and a bad one is refused without touching the model.
"""

from __future__ import annotations

import contextlib

import numpy as np
import torch
import torch.nn.functional as F

import common.torch_gpt as tg
from common import load, under_test
from common.checks import assert_close, assert_equal, calling, expect_raises, require
from common.torch_gpt import t_gpt, t_rope_half
from grader import task

LINEARS = ("wq", "wk", "wv", "wo", "fc", "proj", "w1", "w2", "w3", "lm_head")


def is_linear(name):
    parts = name.split(".")
    return parts[-1] == "weight" and parts[-2] in LINEARS


def side():
    """:mod:`common.torch_side` where the learner's PyTorch objects live."""
    return under_test("common.torch_side")


def twin_of(kit, cfg, state, label):
    """The learner's TorchGPT(cfg) in float64 with ``state`` loaded, after checking its names and shapes."""
    T = kit.p10("torch_gpt")
    with calling(f"TorchGPT({label})"):
        model = T.TorchGPT(cfg)
    require(side().is_module(model), f"TorchGPT({label}) must be a torch.nn.Module")
    shapes = side().shapes(model)
    missing, extra = sorted(set(state) - set(shapes)), sorted(set(shapes) - set(state))
    require(not missing and not extra, f"TorchGPT({label}).named_parameters(): missing {missing[:4]}, not in phase 05 "
            f"{extra[:4]}", hint="use phase 05's names: wte, wpe, blocks (an nn.ModuleList), ln1, attn.wq/wk/wv/wo, "
            "ln2, mlp.fc/proj or mlp.w1/w2/w3, ln_f, lm_head")
    for name, value in state.items():
        want = tuple(value.shape[::-1]) if is_linear(name) else tuple(value.shape)
        require(shapes[name] == want, f"TorchGPT({label}): {name} has shape {shapes[name]}, expected {want} "
                f"(phase 05's {tuple(value.shape)}{', transposed: nn.Linear keeps (out, in)' if is_linear(name) else ''})")
    model = model.double().eval()
    with calling(f"load_scratch_state(TorchGPT({label}), a phase-05 state dict)",
                 hint="every Linear weight is transposed from (in, out) to (out, in); tables and norms are not"):
        out = T.load_scratch_state(model, state)
    require(out is model, "load_scratch_state must fill the model in place and return it")
    for name, p in side().values(model).items():
        value = state[name].T if is_linear(name) else state[name]
        require(np.array_equal(p, value), f"load_scratch_state(TorchGPT({label}), a phase-05 state "
                f"dict): {name} does not hold the state's value{' transposed' if is_linear(name) else ''}",
                hint="transpose each Linear weight (.T) from (in, out) to (out, in): a reshape keeps the numbers in "
                "their order and is not a transpose" if is_linear(name) else None)
    return model


@contextlib.contextmanager
def swapped(name, fn):
    """``common.torch_gpt``'s function ``name`` replaced by ``fn`` (to compute a wrong variant)."""
    real = getattr(tg, name)
    setattr(tg, name, fn)
    try:
        yield
    finally:
        setattr(tg, name, real)


def attention_without_mask(P, prefix, x, cfg, is_pad=None, positions=None, *, rope=None, scale=None, explicit=False):
    """``common.torch_gpt.t_attention`` with every key visible to every query (no causal mask)."""
    B, T, C = x.shape
    H, K, D = cfg.n_head, cfg.n_kv_head, cfg.head_dim
    q = tg.t_linear(P, prefix + ".wq", x).view(B, T, H, D).transpose(1, 2)
    k = tg.t_linear(P, prefix + ".wk", x).view(B, T, K, D).transpose(1, 2)
    v = tg.t_linear(P, prefix + ".wv", x).view(B, T, K, D).transpose(1, 2)
    if cfg.position == "rope":
        q, k = tg.t_rope(q, cfg.rope_base), tg.t_rope(k, cfg.rope_base)
    k, v = k.repeat_interleave(H // K, dim=1), v.repeat_interleave(H // K, dim=1)
    y = F.scaled_dot_product_attention(q, k, v)
    return tg.t_linear(P, prefix + ".wo", y.transpose(1, 2).reshape(B, T, C))


def mlp_variant(P, prefix, x, cfg):
    """The MLP with its usual mistake: GELU's exact form, or SwiGLU's SiLU on w3's output."""
    if cfg.mlp == "swiglu":
        gate, up = tg.t_linear(P, prefix + ".w3", x), tg.t_linear(P, prefix + ".w1", x)
        return tg.t_linear(P, prefix + ".w2", F.silu(gate) * up)
    return tg.t_linear(P, prefix + ".proj", F.gelu(tg.t_linear(P, prefix + ".fc", x)))


def heads_by_repeat(P, cfg):
    """Weights on which the right GPT computes what ``k.repeat(1, group, 1, 1)`` computes on ``P``: query
    head h' takes the weights of query head (h' % group) · K + h' // group (wq's columns, wo's rows)."""
    H, K, D = cfg.n_head, cfg.n_kv_head, cfg.head_dim
    group = H // K
    perm = [(h % group) * K + h // group for h in range(H)]
    cols = torch.tensor([perm[h] * D + d for h in range(H) for d in range(D)])
    out = dict(P)
    for i in range(cfg.n_layer):
        b = f"blocks.{i}.attn."
        out[b + "wq.weight"] = P[b + "wq.weight"][:, cols]
        if b + "wq.bias" in P:
            out[b + "wq.bias"] = P[b + "wq.bias"][cols]
        out[b + "wo.weight"] = P[b + "wo.weight"][cols, :]
    return out


def forward_hint(kit, got, state, idx, cfg):
    P = kit.torch_P(state)

    def same(logits):
        return np.allclose(got, logits.detach().numpy(), atol=1e-6)

    if same(t_gpt(P, idx, cfg, scale=1.0)):
        return "the scores q·k are scaled by 1/sqrt(head_dim) before the softmax (SDPA does it by default)"
    if cfg.position == "rope" and same(t_gpt(P, idx, cfg, rope=t_rope_half)):
        return "RoPE pairs features (2i, 2i+1), phase 05's (and Llama's) pairing, not i with i + D/2 (rotate_half)"
    if cfg.position == "rope" and same(t_gpt(P, idx, cfg, rope=lambda x, base, positions=None: x)):
        return "RoPE is missing: rotate q and k (with rope) when position == 'rope'"
    if cfg.position == "sinusoidal" and same(t_gpt(P, idx, kit.config(**{**side().config_dict(cfg), "position": "none"}))):
        return "the sinusoidal table (the buffer pe, its first T rows) is added to the token embeddings"
    if 1 < cfg.n_kv_head < cfg.n_head and same(t_gpt(heads_by_repeat(P, cfg), idx, cfg)):
        return ("each key/value head serves n_head // n_kv_head consecutive query heads: repeat_interleave, not repeat "
                "(which cycles through the key/value heads)")
    with swapped("t_mlp", mlp_variant):
        if same(t_gpt(P, idx, cfg)):
            return ("GPT-2's GELU is the tanh form: F.gelu(x, approximate='tanh')" if cfg.mlp == "gelu" else
                    "SwiGLU is w2(silu(w1 x) * w3 x): the SiLU goes on w1's output")
    with swapped("t_attention", attention_without_mask):
        if idx.shape[1] > 1 and same(t_gpt(P, idx, cfg)):
            return "every token sees the tokens after it: the attention is not causal (is_causal=True)"
    return None


@task(points=4, timeout=120)
def test_torch_gpt(kit):
    """Names and shapes as phase 05 (Linear transposed); logits and gradients equal PyTorch's functional GPT for every kind of config."""
    for label, kw in kit.KINDS.items():
        cfg = kit.config(**kw)
        state = kit.random_state(cfg, seed=3)
        model = twin_of(kit, cfg, state, label)
        for T in (1, 3, cfg.block_size):
            idx = np.random.default_rng(T).integers(0, cfg.vocab_size, (2, T))
            what = f"TorchGPT({kit.describe(cfg)}) on ids {idx.shape}"
            with calling(what):
                kind, shape, g = side().forward(model, idx)
            require(kind == "Tensor" and shape == (2, T, cfg.vocab_size),
                    f"{what} must return logits (2, {T}, {cfg.vocab_size}), got {shape or kind}")
            P = kit.torch_P(state, requires_grad=True)
            want = t_gpt(P, idx, cfg)
            assert_close(g, want.detach().numpy(), what=what, rtol=1e-9, atol=1e-9,
                         hint=forward_hint(kit, g, state, idx, cfg))
        seed = np.random.default_rng(9).standard_normal(g.shape)
        with calling(f"{what}, then backward"):
            got_grads = side().backward(model, idx, seed)
        (want * torch.tensor(seed)).sum().backward()
        for name, grad in got_grads.items():
            require(grad is not None, f"{what}: after backward, {name} has no gradient: is it used in forward?")
            expect = P[name].grad.numpy()
            assert_close(grad, expect.T if is_linear(name) else expect, what=f"{what}: gradient of {name}",
                         rtol=1e-8, atol=1e-10)
        cfg_long = kit.config(**kw)
        with expect_raises(ValueError, f"TorchGPT({label}) on {cfg_long.block_size + 1} tokens (block_size "
                           f"{cfg_long.block_size})"):
            side().forward(model, np.zeros((1, cfg_long.block_size + 1), dtype=np.int64))


@task(points=2, timeout=60, needs=("torch_gpt",))
def test_torch_gpt_state(kit):
    """State dicts both ways: scratch_state gives phase 05's (in, out) float32 arrays; a bad state is refused, the model untouched; the twin of a phase-05 GPT gives its logits."""
    T, M = kit.p10("torch_gpt"), load(5, "model")
    cfg = kit.config(**kit.KINDS["Llama style (RMSNorm, SwiGLU, RoPE, 4 heads on 2 kv heads, untied)"])
    state = kit.random_state(cfg, seed=5)
    model = twin_of(kit, cfg, state, "Llama style")
    with calling("scratch_state(TorchGPT with a phase-05 state loaded)"):
        back = T.scratch_state(model)
    assert_equal(sorted(back), sorted(state), what="scratch_state(...).keys()")
    for name, value in state.items():
        require(isinstance(back[name], np.ndarray) and back[name].dtype == np.float32,
                f"scratch_state: {name} must be a float32 NumPy array, got {type(back[name]).__name__} "
                f"{getattr(back[name], 'dtype', '')}")
        assert_close(back[name], value, what=f"scratch_state(...)[{name!r}]", rtol=1e-6, atol=1e-7,
                     hint="transpose each Linear weight back to (in, out)" if is_linear(name) else None)

    before = side().values(model)
    state = kit.random_state(cfg, seed=6)             # every entry differs from what the model holds
    bad_cases = {
        "without blocks.1.mlp.w3.weight": {k: v for k, v in state.items() if k != "blocks.1.mlp.w3.weight"},
        "with an extra entry blocks.2.ln1.weight": {**state, "blocks.2.ln1.weight": np.ones(cfg.n_embd)},
        "with blocks.0.attn.wk.weight transposed": {**state, "blocks.0.attn.wk.weight": state["blocks.0.attn.wk.weight"].T},
        "with lm_head.weight transposed (last in order)": {**state, "lm_head.weight": state["lm_head.weight"].T},
    }
    for label, bad in bad_cases.items():
        with expect_raises(ValueError, f"load_scratch_state(model, a state {label})"):
            T.load_scratch_state(model, bad)
        for n, p in side().values(model).items():
            require(np.array_equal(p, before[n]), f"load_scratch_state(model, a state {label}) raised but "
                    f"changed {n} first: check every entry before copying any")

    # the model and the caller's arrays never share memory, either way
    given = {k: v.copy() for k, v in kit.random_state(cfg, seed=7).items()}
    T.load_scratch_state(model, given)
    loaded = side().values(model)
    for value in given.values():
        value += 1.0
    changed = [n for n, p in side().values(model).items() if not np.array_equal(p, loaded[n])]
    require(not changed, f"load_scratch_state(model, state): the model's {changed[:3]} changed when the state's "
            "arrays were changed afterwards", hint="copy the values into the parameters (p.copy_ under no_grad): a "
            "tensor made with torch.from_numpy shares the array's memory")
    model32 = T.TorchGPT(cfg)                          # float32, as TorchGPT starts
    with calling("scratch_state(a float32 TorchGPT)"):
        back = T.scratch_state(model32)
    kept = {n: np.array(v) for n, v in back.items()}
    side().add_to_parameters(model32, 1.0)
    changed = [n for n in kept if not np.array_equal(back[n], kept[n])]
    require(not changed, f"scratch_state(a float32 TorchGPT): its arrays {changed[:3]} changed when the model's "
            "parameters changed afterwards", hint="return copies: .numpy() of a float32 parameter shares its memory "
            "(np.array(...) copies; np.ascontiguousarray does not when the array is contiguous already)")

    gpt = M.GPT(cfg, rng=np.random.default_rng(0)).eval()
    idx = np.random.default_rng(2).integers(0, cfg.vocab_size, (2, 9))
    with calling("from_scratch(your phase-05 GPT)"):
        twin = T.from_scratch(gpt, side().dtype("float64"))
        got = side().forward(twin, idx)[2]
    assert_close(got, np.asarray(gpt(idx).data, dtype=np.float64), what="from_scratch(GPT)(ids) against your GPT(ids)",
                 rtol=1e-4, atol=1e-5)
