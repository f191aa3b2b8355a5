"""Grader for torch_gpt.py: the learner's ``TorchGPT`` has phase 05's parameter names with PyTorch's
shapes, and with random weights loaded gives the logits and gradients of the graders' functional
PyTorch GPT (``common.torch_gpt``) for every kind of config, at full and short contexts; state dicts
move both ways with every Linear transposed, and a bad one is refused without touching the model.
"""

from __future__ import annotations

import numpy as np
import torch

from common import load
from common.checks import assert_close, assert_equal, calling, expect_raises, require
from common.torch_gpt import t_gpt, t_rope_half
from grader import task

LINEARS = ("wq", "wk", "wv", "wo", "fc", "proj", "w1", "w2", "w3", "lm_head")


def is_linear(name):
    parts = name.split(".")
    return parts[-1] == "weight" and parts[-2] in LINEARS


def twin_of(kit, cfg, state, label):
    """The learner's TorchGPT(cfg) in float64 with ``state`` loaded, after checking its names and shapes."""
    T = kit.p10("torch_gpt")
    with calling(f"TorchGPT({label})"):
        model = T.TorchGPT(cfg)
    require(isinstance(model, torch.nn.Module), f"TorchGPT({label}) must be a torch.nn.Module")
    shapes = {n: tuple(p.shape) for n, p in model.named_parameters()}
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
    return model


def forward_hint(kit, got, state, idx, cfg):
    P = kit.torch_P(state)
    if cfg.position == "rope" and np.allclose(got, t_gpt(P, idx, cfg, rope=t_rope_half).detach().numpy(), atol=1e-6):
        return "RoPE pairs features (2i, 2i+1), phase 05's (and Llama's) pairing, not i with i + D/2 (rotate_half)"
    want = t_gpt(P, idx, cfg).detach().numpy()
    if np.allclose(got[:, -1], want[:, -1], atol=1e-6) and not np.allclose(got[:, 0], want[:, 0], atol=1e-6):
        return "the last position is right and earlier ones are not: the attention is not causal (is_causal=True)"
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
                got = model(torch.tensor(idx))
            require(isinstance(got, torch.Tensor) and tuple(got.shape) == (2, T, cfg.vocab_size),
                    f"{what} must return logits (2, {T}, {cfg.vocab_size}), got {getattr(got, 'shape', type(got))}")
            P = kit.torch_P(state, requires_grad=True)
            want = t_gpt(P, idx, cfg)
            g = got.detach().numpy()
            assert_close(g, want.detach().numpy(), what=what, rtol=1e-9, atol=1e-9,
                         hint=forward_hint(kit, g, state, idx, cfg))
        seed = torch.tensor(np.random.default_rng(9).standard_normal(got.shape))
        model.zero_grad()
        (got * seed).sum().backward()
        (want * seed).sum().backward()
        for name, p in model.named_parameters():
            require(p.grad is not None, f"{what}: after backward, {name} has no gradient: is it used in forward?")
            expect = P[name].grad.numpy()
            assert_close(p.grad.numpy(), expect.T if is_linear(name) else expect, what=f"{what}: gradient of {name}",
                         rtol=1e-8, atol=1e-10)
        cfg_long = kit.config(**kw)
        with expect_raises(ValueError, f"TorchGPT({label}) on {cfg_long.block_size + 1} tokens (block_size "
                           f"{cfg_long.block_size})"):
            model(torch.zeros(1, cfg_long.block_size + 1, dtype=torch.long))


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

    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    bad_cases = {
        "without blocks.1.mlp.w3.weight": {k: v for k, v in state.items() if k != "blocks.1.mlp.w3.weight"},
        "with an extra entry blocks.2.ln1.weight": {**state, "blocks.2.ln1.weight": np.ones(cfg.n_embd)},
        "with blocks.0.attn.wk.weight transposed": {**state, "blocks.0.attn.wk.weight": state["blocks.0.attn.wk.weight"].T},
        "with lm_head.weight transposed (last in order)": {**state, "lm_head.weight": state["lm_head.weight"].T},
    }
    for label, bad in bad_cases.items():
        with expect_raises(ValueError, f"load_scratch_state(model, a state {label})"):
            T.load_scratch_state(model, bad)
        for n, p in model.named_parameters():
            require(torch.equal(p.detach(), before[n]), f"load_scratch_state(model, a state {label}) raised but "
                    f"changed {n} first: check every entry before copying any")

    gpt = M.GPT(cfg, rng=np.random.default_rng(0)).eval()
    idx = np.random.default_rng(2).integers(0, cfg.vocab_size, (2, 9))
    with calling("from_scratch(your phase-05 GPT)"):
        twin = T.from_scratch(gpt, torch.float64)
        got = twin(torch.tensor(idx)).detach().numpy()
    assert_close(got, np.asarray(gpt(idx).data, dtype=np.float64), what="from_scratch(GPT)(ids) against your GPT(ids)",
                 rtol=1e-4, atol=1e-5)
