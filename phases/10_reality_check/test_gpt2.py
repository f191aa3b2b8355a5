"""Grader for gpt2.py, with Hugging Face's ``transformers`` as the oracle: a GPT-2 of random weights
(every tensor drawn large enough that a swapped or transposed matrix shows) is built and saved with
``save_pretrained`` here, no download; the learner's model loaded from it must hold each of its
tensors in the right place, give its logits, and continue prompts greedily as its ``generate`` does.
The hub's layout (no ``transformer.`` prefix, the causal-mask buffers, a repeated head) loads too.
"""

from __future__ import annotations

import json
import logging

import numpy as np
import pytest
import torch

from common import load
from common.checks import assert_close, assert_equal, calling, expect_raises, require
from grader import task

transformers = pytest.importorskip("transformers", reason="transformers is one of the graders' oracles: "
                                   "`make venv` installs it")
logging.getLogger("transformers").setLevel(logging.ERROR)

SMALL = dict(vocab_size=61, n_positions=16, n_embd=24, n_layer=2, n_head=3, n_inner=40, bos_token_id=None,
             eos_token_id=None)


# openai-community/gpt2's config.json as the hub serves it, its sizes made small: the fields at their
# defaults (n_inner, tie_word_embeddings, scale_attn_weights, ...) are not written at all.
HUB_CONFIG = {
    "activation_function": "gelu_new", "architectures": ["GPT2LMHeadModel"], "attn_pdrop": 0.1, "bos_token_id": 50256,
    "embd_pdrop": 0.1, "eos_token_id": 50256, "initializer_range": 0.02, "layer_norm_epsilon": 1e-05,
    "model_type": "gpt2", "n_ctx": 16, "n_embd": 24, "n_head": 3, "n_layer": 2, "n_positions": 16, "resid_pdrop": 0.1,
    "summary_activation": None, "summary_first_dropout": 0.1, "summary_proj_to_labels": True,
    "summary_type": "cls_index", "summary_use_proj": True,
    "task_specific_params": {"text-generation": {"do_sample": True, "max_length": 50}}, "vocab_size": 61,
}
HUB_HINT = ("the hub's config.json leaves out the fields at their defaults (n_inner, tie_word_embeddings, "
            "scale_attn_weights, ...): read them with .get and GPT-2's default")


def hf_model(seed: int = 0, **kw):
    """A GPT2LMHeadModel with every parameter random: weights N(0, 0.3²), norms 1 ± 0.2, biases N(0, 0.2²)."""
    cfg = transformers.GPT2Config(**{**SMALL, **kw})
    torch.manual_seed(seed)
    model = transformers.GPT2LMHeadModel(cfg).eval()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "ln" in name and name.endswith("weight"):
                p.copy_(1 + 0.2 * torch.randn_like(p))
            elif name.endswith("bias"):
                p.copy_(0.2 * torch.randn_like(p))
            else:
                p.copy_(0.3 * torch.randn_like(p))
    return model


def expected_state(hf) -> dict[str, np.ndarray]:
    """The phase-05 names of every tensor of ``hf``, written from the handout's table."""
    sd = {k.removeprefix("transformer."): v.detach().numpy() for k, v in hf.state_dict().items()}
    C = hf.config.n_embd
    out = {"wte.weight": sd["wte.weight"], "wpe.weight": sd["wpe.weight"], "ln_f.weight": sd["ln_f.weight"],
           "ln_f.bias": sd["ln_f.bias"]}
    for i in range(hf.config.n_layer):
        h, b = f"h.{i}.", f"blocks.{i}."
        for kind in ("weight", "bias"):
            fused = sd[h + "attn.c_attn." + kind]
            for j, w in enumerate(("wq", "wk", "wv")):
                out[f"{b}attn.{w}.{kind}"] = fused[..., j * C:(j + 1) * C]
            for theirs, ours in (("ln_1", "ln1"), ("ln_2", "ln2"), ("attn.c_proj", "attn.wo"), ("mlp.c_fc", "mlp.fc"),
                                 ("mlp.c_proj", "mlp.proj")):
                out[f"{b}{ours}.{kind}"] = sd[f"{h}{theirs}.{kind}"]
    return out


LOAD_HINT = ("see the handout's table: a leading 'transformer.' is dropped; the h.i.attn.bias masks are buffers, "
             "skipped; GPT-2's Conv1D weights are (in, out) already, as phase 02's Linear keeps them; c_attn is split "
             "along its last axis into q, k, v")


def placement_hint(name, got, want, C):
    if got.shape == want.T.shape and np.allclose(got, want.T):
        return f"{name} is transposed: GPT-2's Conv1D weights are (in, out) already, as phase 02's Linear keeps them"
    if any(f".attn.{w}." in name for w in ("wq", "wk", "wv")):
        return f"c_attn's columns are q [0, {C}), k [{C}, {2 * C}), v [{2 * C}, {3 * C}): split its last axis"
    return "see the handout's table of names"


def check_loaded(kit, model, hf, what):
    want = expected_state(hf)
    got = model.state_dict()
    missing = sorted(set(want) - set(got))
    require(not missing, f"{what}: the model has no {missing[:3]}")
    for name, value in want.items():
        g = np.asarray(got[name])
        if g.shape != value.shape or not np.allclose(g, value, rtol=1e-6, atol=1e-7):
            raise AssertionError(f"{what}: {name} does not hold the checkpoint's tensor for it.\nHint: "
                                 f"{placement_hint(name, g, value, hf.config.n_embd)}")
    ids = np.random.default_rng(1).integers(0, hf.config.vocab_size, (2, hf.config.n_positions))
    with calling(f"{what}: model(ids {ids.shape})"):
        logits = np.asarray(model(ids).data)
    with torch.no_grad():
        ref = hf(torch.tensor(ids)).logits.numpy()
    assert_close(logits, ref, what=f"{what}: logits of ids {ids.shape} against GPT2LMHeadModel's", rtol=1e-4, atol=1e-4)


@task(points=2, timeout=90)
def test_gpt2_config(kit):
    """config.json's fields as a phase-05 config (n_inner or 4·n_embd, the LayerNorm epsilon); what your GPT does not compute is refused."""
    G = kit.p10("gpt2")
    cases = []
    for kw in (dict(), dict(n_inner=None, layer_norm_epsilon=1e-6, activation_function="gelu_pytorch_tanh")):
        label = ', '.join(f'{k}={v}' for k, v in kw.items()) or 'n_inner=40'
        cases.append((f"config_from_hf(GPT2Config({label}).to_dict())", transformers.GPT2Config(**{**SMALL, **kw}).to_dict(),
                      None))
    cases.append(("config_from_hf(the hub's config.json of gpt2, sizes made small: no n_inner, tie_word_embeddings or "
                  "scale_attn_weights)", json.loads(json.dumps(HUB_CONFIG)), HUB_HINT))
    for what, hf, hint in cases:
        read = transformers.GPT2Config.from_dict(dict(hf))         # what transformers makes of the same fields
        with calling(what, hint=hint):
            cfg = G.config_from_hf(hf)
        for field, value in (("vocab_size", 61), ("block_size", 16), ("n_layer", 2), ("n_head", 3), ("n_embd", 24),
                             ("hidden", read.n_inner or 4 * read.n_embd), ("norm_eps", read.layer_norm_epsilon),
                             ("position", "learned"), ("norm", "layernorm"), ("mlp", "gelu"), ("bias", True),
                             ("tie_weights", True), ("dropout", 0.0)):
            assert_equal(getattr(cfg, field), value, what=f"{what}.{field}",
                         hint={"hidden": "mlp_hidden is n_inner, or 4 · n_embd when n_inner is None",
                               "norm_eps": "norm_eps is config.json's layer_norm_epsilon"}.get(field))
    bool_hint = ("JSON's true reads as Python's True, and bool is a subclass of int (isinstance(True, int) is True): "
                 "a size must be of type int exactly")
    for field, value in (("activation_function", "relu"), ("tie_word_embeddings", False),
                         ("scale_attn_weights", False), ("scale_attn_by_inverse_layer_idx", True),
                         ("model_type", "llama"), ("n_head", True), ("n_inner", True), ("n_layer", "2"),
                         ("layer_norm_epsilon", "1e-5")):
        hf = {**transformers.GPT2Config(**SMALL).to_dict(), field: value}
        what = f"config_from_hf(a GPT-2 config.json with {field}={value!r})"
        with expect_raises(ValueError, what, hint=bool_hint if value is True and field.startswith("n_") else None) \
                as caught:
            G.config_from_hf(hf)
        require(field in str(caught[0]), f"{what}: the error must name the field {field!r}, got: {caught[0]}")


@task(points=4, timeout=120, needs=("gpt2_config",))
def test_gpt2_weights(kit, tmp_path):
    """A save_pretrained checkpoint: every tensor in its place, logits equal GPT2LMHeadModel's; the hub's layout too; bad folders refused."""
    G, io = kit.p10("gpt2"), load(1, "io")
    hf = hf_model(seed=0)
    hf.save_pretrained(tmp_path / "saved")
    calls = []
    real = io.load
    io.load = lambda path: calls.append(path) or real(path)
    try:
        with calling("load_gpt2(a folder written by GPT2LMHeadModel.save_pretrained)", hint=LOAD_HINT):
            model = G.load_gpt2(tmp_path / "saved")
    finally:
        io.load = real
    require(calls, "load_gpt2 must read model.safetensors with your phase-01 load (load(1, 'io').load)")
    check_loaded(kit, model, hf, "load_gpt2(save_pretrained folder)")

    # The hub's file: names without "transformer.", each layer's causal mask as h.i.attn.bias, the head again.
    hub = tmp_path / "hub"
    hub.mkdir()
    (hub / "config.json").write_text((tmp_path / "saved" / "config.json").read_text())
    tensors = {k.removeprefix("transformer."): v.detach().numpy().copy() for k, v in hf.state_dict().items()}
    for i in range(hf.config.n_layer):
        tensors[f"h.{i}.attn.bias"] = np.tril(np.ones((1, 1, 16, 16), np.float32))
    tensors["lm_head.weight"] = tensors["wte.weight"].copy()
    io.save(tensors, hub / "model.safetensors")
    with calling("load_gpt2(the hub's layout: no 'transformer.' prefix, h.i.attn.bias masks, lm_head.weight)",
                 hint=LOAD_HINT):
        model = G.load_gpt2(hub)
    check_loaded(kit, model, hf, "load_gpt2(hub layout)")

    cfg = G.config_from_hf(json.loads((hub / "config.json").read_text()))
    bad = [  # (what, the tensors, the names the error may use for the tensor at fault)
        ("with an unknown tensor h.0.attn.c_attn.scale", {**tensors, "h.0.attn.c_attn.scale": np.ones(3, np.float32)},
         ("h.0.attn.c_attn.scale",)),
        ("with an untied head (lm_head.weight differs from wte.weight)",
         {**tensors, "lm_head.weight": tensors["wte.weight"] + 1}, ("lm_head.weight",)),
        ("without h.1.mlp.c_proj.bias", {k: v for k, v in tensors.items() if k != "h.1.mlp.c_proj.bias"},
         ("h.1.mlp.c_proj.bias", "blocks.1.mlp.proj.bias")),
        ("with wpe.weight of 8 rows, n_positions 16", {**tensors, "wpe.weight": tensors["wpe.weight"][:8]},
         ("wpe.weight",)),
    ]
    for label, given, names in bad:
        what = f"state_from_hf(the hub's tensors {label}, config)"
        with expect_raises(ValueError, what) as caught:
            G.state_from_hf(given, cfg)
        require(any(n in str(caught[0]) for n in names), f"{what}: the error must name the tensor "
                f"({' or '.join(names)}), got: {caught[0]}")
    (tmp_path / "empty").mkdir()
    with expect_raises(FileNotFoundError, "load_gpt2(a folder without config.json or model.safetensors)"):
        G.load_gpt2(tmp_path / "empty")


@task(points=2, timeout=120, needs=("gpt2_weights",))
def test_gpt2_generate(kit, tmp_path):
    """Greedy continuations by your phase-07 generate equal GPT2LMHeadModel.generate's, token for token."""
    G, gen = kit.p10("gpt2"), load(7, "generate")
    hf = hf_model(seed=1, n_positions=24)
    hf.save_pretrained(tmp_path / "model")
    with calling("load_gpt2(folder)"):
        model = G.load_gpt2(tmp_path / "model")
    for prompt in ([5], [3, 14, 15, 9, 26]):
        with torch.no_grad():
            ref = hf.generate(torch.tensor([prompt]), max_new_tokens=12, do_sample=False, pad_token_id=0)
        want = ref[0, len(prompt):].tolist()
        what = f"generate(load_gpt2(folder), [{prompt}], 12, temperature=0)"
        with calling(what):
            got = gen.generate(model, [prompt], 12, temperature=0)
        assert_equal([int(t) for t in got[0]], want, what=f"{what} against GPT2LMHeadModel.generate(do_sample=False)")
