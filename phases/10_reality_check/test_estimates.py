"""Grader for estimates.py: GPT-2's four sizes against their published parameter counts; FLOPs per
token against what PyTorch's FlopCounterMode counts on the same model (every kind of config, several
contexts, forward and backward); training FLOPs against GPT-3's published 3.14e23; time from its
formula; memory of weights, gradients and AdamW state against the learner's own model and the formula,
and the activations against the handout's counting rule, checked term by term.
"""

from __future__ import annotations

import numpy as np

from common import load
from common.checks import assert_close, assert_equal, calling, expect_raises, require
from grader import task

# Published parameter counts (tied head, learned positions): what Hugging Face's GPT2LMHeadModel
# reports for openai-community/gpt2, -medium, -large and -xl.
GPT2_PARAMS = {"gpt2": 124_439_808, "gpt2-medium": 354_823_168, "gpt2-large": 774_030_080,
               "gpt2-xl": 1_557_611_200}


ORDER_HINT = "n_layer, n_embd and n_head come from GPT2_SIZES in that order"


def est(kit):
    return kit.p10("estimates")


@task(points=2, timeout=60)
def test_gpt2_family(kit):
    """The four GPT-2 configs have the published parameter counts; any other name is refused."""
    E, M = est(kit), load(5, "model")
    for name, want in GPT2_PARAMS.items():
        with calling(f"gpt2_config({name!r})", hint=ORDER_HINT):
            cfg = E.gpt2_config(name)
        require(isinstance(cfg, M.GPTConfig), f"gpt2_config({name!r}) must return a phase-05 GPTConfig, got "
                f"{type(cfg).__name__}")
        for field, value in (("vocab_size", 50257), ("block_size", 1024), ("position", "learned"),
                             ("norm", "layernorm"), ("mlp", "gelu"), ("bias", True), ("tie_weights", True)):
            assert_equal(getattr(cfg, field), value, what=f"gpt2_config({name!r}).{field}")
        got = M.count_parameters(cfg)
        assert_equal(got, want, what=f"count_parameters(gpt2_config({name!r})), published {want:,}",
                     hint=ORDER_HINT)
    with expect_raises(KeyError, "gpt2_config('gpt-2')"):
        E.gpt2_config("gpt-2")


def flop_hint(got, want, cfg, T):
    """Name the term that is off, from the formula's parts."""
    c = cfg
    H, K = c.n_head * c.head_dim, c.n_kv_head * c.head_dim
    attn = 4 * T * H * c.n_layer
    terms = {
        "the attention products (q @ kᵀ and att @ v, 2·T·H each per layer) are missing": want - attn,
        "the attention products count only the causal half: count the whole T x T context": want - attn // 2,
        "the attention products use the key/value width K instead of H: every query head attends": want - attn + 4 * T * K * c.n_layer,
        "the head (2·C·V) is missing": want - 2 * c.n_embd * c.vocab_size,
        "k and v have n_kv_head · head_dim columns, not n_embd": want + 4 * c.n_embd * (H - K) * c.n_layer,
        "SwiGLU has three matrices (w1, w2, w3), GELU's MLP two": want + (2 * c.n_embd * c.hidden * c.n_layer) * (1 if c.mlp == "gelu" else -1),
        "a multiply-add is 2 FLOPs": want // 2,
        "seq_len is the context the token attends over: use it, block_size only when it is left out":
            want - attn + 4 * c.block_size * H * c.n_layer,
    }
    found = [h for h, w in terms.items() if w != want and abs(got - w) <= 1e-9 * abs(w)]
    return "; or ".join(found) or None


@task(points=4, timeout=120)
def test_flops_per_token(kit):
    """(forward, backward) equal FlopCounterMode's count on PyTorch's GPT, every kind of config, T 1 to block_size."""
    E = est(kit)
    for label, kw in kit.KINDS.items():
        cfg = kit.config(**kw)
        for T in (cfg.block_size, 5, 1):
            want_f, want_b = kit.torch_flops(cfg, T)
            what = f"flops_per_token({label}: {kit.describe(cfg)}, seq_len={T})"
            with calling(what):
                got = E.flops_per_token(cfg, T)
            require(isinstance(got, tuple) and len(got) == 2, f"{what} must return (forward, backward), got {got!r:.80}")
            assert_close(got[0], want_f, what=f"{what}[0] (forward)", rtol=1e-12, atol=0,
                         hint=flop_hint(got[0], int(want_f), cfg, T))
            assert_close(got[1], want_b, what=f"{what}[1] (backward)", rtol=1e-12, atol=0,
                         hint="backward computes two products for every forward one (dX and dW): twice forward"
                         if got[1] != 2 * got[0] else None)
        with calling(f"flops_per_token({label}) with seq_len left out"):
            default = E.flops_per_token(cfg)
        assert_close(default[0], kit.torch_flops(cfg, cfg.block_size)[0], rtol=1e-12, atol=0,
                     what=f"flops_per_token({label}) (seq_len left out: block_size {cfg.block_size})")


@task(points=2, timeout=60, needs=("flops_per_token",))
def test_training_time(kit):
    """training_flops from flops_per_token; GPT-3 175B on 300B tokens within 5 % of its published 3.14e23; seconds from peak and MFU."""
    E = est(kit)
    cfg = kit.config(**kit.KINDS["Llama style (RMSNorm, SwiGLU, RoPE, 4 heads on 2 kv heads, untied)"])
    fwd, bwd = kit.torch_flops(cfg, 7)
    with calling("training_flops(Llama-style config, 1e6 tokens, seq_len=7)"):
        got = E.training_flops(cfg, 1e6, 7)
    assert_close(got, 1e6 * (fwd + bwd), rtol=1e-9, what="training_flops(Llama-style config, 1e6 tokens, seq_len=7)",
                 hint="every token costs forward + backward")
    gpt3 = kit.config(vocab_size=50257, block_size=2048, n_layer=96, n_embd=12288, n_head=96)
    with calling("training_flops(GPT-3 175B, 300e9 tokens)"):
        got = E.training_flops(gpt3, 300e9)
    require(abs(got / 3.14e23 - 1) < 0.05, f"training_flops(GPT-3 175B: 96 layers, 12288 wide, context 2048, 300e9 "
            f"tokens) = {got:.3g}, but the GPT-3 paper counts 3.14e23 (6·N·D without attention; with it a few "
            f"per cent more)")
    # 1e21 FLOPs on an H100's 989.4e12 FLOP/s (float16) at 40 % MFU: 1e21 / (989.4e12 * 0.4) = 2526.79 s.
    with calling("training_seconds(1e21, 989.4e12, 0.4)"):
        got = E.training_seconds(1e21, 989.4e12, 0.4)
    assert_close(got, 1e21 / (989.4e12 * 0.4), rtol=1e-9, what="training_seconds(1e21, 989.4e12, 0.4)",
                 hint="seconds = FLOPs / (peak · MFU)")
    with calling("training_seconds(1e21, 989.4e12, mfu=1.0) (the peak itself)",
                 hint="mfu = 1 is allowed: ValueError unless 0 < mfu <= 1"):
        got = E.training_seconds(1e21, 989.4e12, 1.0)
    assert_close(got, 1e21 / 989.4e12, rtol=1e-9, what="training_seconds(1e21, 989.4e12, mfu=1.0)",
                 hint="seconds = FLOPs / (peak · MFU)")
    for bad in (0.0, 1.5, -0.3):
        with expect_raises(ValueError, f"training_seconds(1e21, 989.4e12, mfu={bad})"):
            E.training_seconds(1e21, 989.4e12, bad)
    with expect_raises(ValueError, "training_seconds(1e21, 0.0, 0.4)"):
        E.training_seconds(1e21, 0.0, 0.4)


@task(points=2, timeout=60)
def test_memory_state(kit):
    """Weights, gradients and AdamW moments: 4 + 4 + 8 bytes a parameter in fp32 (the weights measured on the learner's own model), 6 + 6 + 8 in fp16."""
    E, M = est(kit), load(5, "model")
    for label, kw in kit.KINDS.items():
        cfg = kit.config(**kw)
        model = M.GPT(cfg, rng=np.random.default_rng(0))
        n = sum(p.size for p in model.parameters())
        what = f"training_memory({label}, batch_size=2)"
        with calling(what):
            got = E.training_memory(cfg, 2)
        require(isinstance(got, dict) and {"weights", "grads", "optimizer", "activations", "total"} <= set(got),
                f"{what} must return a dict with weights, grads, optimizer, activations and total; got {got!r:.120}")
        measured = sum(p.data.astype(np.float32).nbytes for p in model.parameters())
        assert_equal(got["weights"], measured, what=f"{what}['weights'] (your float32 GPT's parameters measured: "
                     f"{n:,} x 4 bytes)")
        assert_equal(got["grads"], measured, what=f"{what}['grads'] (one float32 gradient per parameter)")
        assert_equal(got["optimizer"], 8 * n, what=f"{what}['optimizer'] (AdamW's m and v, float32 each)")
        assert_equal(got["total"], sum(got[k] for k in ("weights", "grads", "optimizer", "activations")),
                     what=f"{what}['total'] (the sum of the four parts)")
        with calling(f"training_memory({label}, 2, precision='fp16')"):
            half = E.training_memory(cfg, 2, precision="fp16")
        for part, per in (("weights", 6), ("grads", 6), ("optimizer", 8)):
            assert_equal(half[part], per * n, what=f"training_memory({label}, 2, precision='fp16')[{part!r}]",
                         hint="in fp16 the model's float16 copy (2 bytes) sits beside a float32 master (4 bytes), "
                         "for the weights and for the gradients; AdamW's moments stay float32")
    with expect_raises(ValueError, "training_memory(config, 2, precision='bf16')"):
        E.training_memory(kit.config(), 2, precision="bf16")


def activation_rule(cfg, T, checkpointing):
    """The handout's rule, written from its table: floats one token keeps."""
    c = cfg
    C, F, V = c.n_embd, c.hidden, c.vocab_size
    q = c.n_head * c.head_dim
    kv = c.n_kv_head * c.head_dim
    norms = 2 * (C + C)                                   # ln1 and ln2: input and output
    attention = q + kv + kv + q + c.n_head * T            # q, k, v, attention output, probabilities
    mlp = F * (4 if c.mlp == "swiglu" else 2)
    layer = norms + attention + mlp
    model = C + C + V + V                                 # ln_f input and output, logits, softmax
    return (c.n_layer * C + layer if checkpointing else c.n_layer * layer) + model


@task(points=3, timeout=60, needs=("memory_state",))
def test_memory_activations(kit):
    """Activations per the handout's table: every kind of config, contexts, batch, fp32 (4 bytes) and fp16 (2), with and without checkpointing."""
    E = est(kit)
    for label, kw in kit.KINDS.items():
        for n_layer in (1, 3):
            cfg = kit.config(n_layer=n_layer, **kw)
            for T, ck in ((cfg.block_size, False), (5, False), (5, True), (1, True)):
                want = activation_rule(cfg, T, ck)
                what = f"activation_floats({label}, n_layer={n_layer}, seq_len={T}, checkpointing={ck})"
                with calling(what):
                    got = E.activation_floats(cfg, T, ck)
                hint = None
                if ck and got in (activation_rule(cfg, T, False), want - n_layer * cfg.n_embd):
                    hint = ("checkpointing keeps each layer's input (C) until backward reaches it, plus one whole "
                            "layer while it is recomputed: n_layer · C + one layer")
                elif not ck and n_layer > 1 and got == activation_rule(cfg, T, True):
                    hint = "without checkpointing every layer keeps all it computes: n_layer · (one layer)"
                elif got == want - cfg.n_head * T * (1 if ck else n_layer) + cfg.n_head * T * T * (1 if ck else n_layer):
                    hint = "per token the probabilities are one row of T per head: n_head · T, not T²"
                elif cfg.n_kv_head != cfg.n_head and got == want + 2 * (cfg.n_embd - cfg.n_kv_head * cfg.head_dim) * (1 if ck else n_layer):
                    hint = "k and v are n_kv_head · head_dim wide"
                elif cfg.mlp == "swiglu" and got == want - 2 * cfg.hidden * (1 if ck else n_layer):
                    hint = "SwiGLU keeps 4·F: w1's and w3's outputs, SiLU's output and their product"
                elif got == want - cfg.vocab_size:
                    hint = "the model keeps the logits and their softmax (2·V), and ln_f's input and output (2·C)"
                assert_equal(got, want, what=what, hint=hint)
        cfg = kit.config(**kw)
        for precision, width in (("fp32", 4), ("fp16", 2)):
            for ck in (False, True):
                what = f"training_memory({label}, batch_size=3, seq_len=7, precision={precision!r}, checkpointing={ck})"
                with calling(what):
                    got = E.training_memory(cfg, 3, 7, precision=precision, checkpointing=ck)
                assert_equal(got["activations"], 3 * 7 * activation_rule(cfg, 7, ck) * width,
                             what=f"{what}['activations']", hint=f"batch · seq_len tokens, each float {width} bytes")
    # Hand-worked: GPT-2 small at batch 8, context 1024, fp32, no checkpointing. Per token and layer
    # 4·768 + 2·768 + 2·768 + 12·1024 + 2·3072 = 24,576 floats; x 12 layers + 2·768 + 2·50257 = 396,962;
    # x 8 · 1024 tokens x 4 bytes = 13,007,650,816 bytes (13 GB: activations, not weights, fill memory).
    gpt2 = kit.config(vocab_size=50257, block_size=1024, n_layer=12, n_embd=768, n_head=12)
    with calling("training_memory(GPT-2 small, 8)"):
        got = E.training_memory(gpt2, 8)["activations"]
    assert_equal(got, 396_962 * 8 * 1024 * 4, what="training_memory(GPT-2 small, 8)['activations'] (worked in the "
                 "handout: 396,962 floats a token, 8 x 1024 tokens, 4 bytes)")
