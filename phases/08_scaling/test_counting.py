"""Grader for counting.py: N and the FLOPs per token on hand-worked models (a one-layer GPT
counted on paper, and CS336's TinyStories model: 22,696,448 parameters, 17,576,448 of them in
matrix products, 111,750,144 FLOPs per training token at context 256), with each table tied or
not; the peak table looked up by real device names (the longest key wins); MFU and the memory
of the training state from their formulas.
"""

from __future__ import annotations

from common.checks import assert_close, calling, expect_raises, require
from grader import task


def counting(kit):
    return kit.p8("counting")


# (config, total parameters, N, FLOPs per training token), each counted by hand:
#   one layer, n_embd 4, 2 heads, vocab 10, block 8, mlp_hidden 16, biases, LayerNorm, tied, learned:
#   wte 40, wpe 32, ln1 8, wq/wk/wv/wo 4 x 20, ln2 8, fc 64 + 16, proj 64 + 4, ln_f 8 = 324; N = 324 - 32 = 292;
#   FLOPs = 6 * 292 + 12 * 1 * 4 * 8 = 2,136
#   CS336's TinyStories model (d 512, 4 layers, 16 heads, SwiGLU 1344, RMSNorm, RoPE, no bias, untied, V 10,000):
#   per layer 4 * 512^2 + 3 * 512 * 1344 + 2 * 512 = 3,113,984; x 4 + ln_f 512 + wte 5,120,000 + head 5,120,000
#   = 22,696,448; N = 22,696,448 - 5,120,000 = 17,576,448; FLOPs = 6N + 12 * 4 * 512 * 256 = 111,750,144
HAND = [
    (dict(vocab_size=10, block_size=8, n_layer=1, n_embd=4, n_head=2, mlp_hidden=16), 324, 292, 2_136),
    (dict(vocab_size=10_000, block_size=256, n_layer=4, n_embd=512, n_head=16, mlp="swiglu", mlp_hidden=1344,
          norm="rmsnorm", position="rope", bias=False, tie_weights=False), 22_696_448, 17_576_448, 111_750_144),
]


def models(kit):
    """(what, model, expected N) for hand-worked and rule-derived cases."""
    out = []
    for kw, total, n, _ in HAND:
        m = kit.gpt(kit.gpt_config(**kw))
        require(m.num_parameters() == total, f"your phase-05 GPT with {kw} has {m.num_parameters():,} parameters, "
                f"{total:,} counted by hand: fix phase 05 first")
        out.append((f"GPT({kw})", m, n))
    for kw in (dict(position="learned", tie_weights=False), dict(position="sinusoidal", tie_weights=True),
               dict(position="none", tie_weights=False), dict(position="rope", tie_weights=True, n_kv_head=2)):
        m = kit.gpt(kit.gpt_config(**kw))
        sizes = {name: p.size for name, p in m.named_parameters()}
        n = sum(sizes.values()) - (sizes["wpe.weight"] if kw["position"] == "learned" else 0) \
            - (0 if kw["tie_weights"] else sizes["wte.weight"])
        out.append((f"GPT({kw})", m, n))
    return out


@task(points=2, timeout=60)
def test_flop_parameters(kit):
    """N: every parameter a token is multiplied by; the looked-up tables left out, a tied table kept."""
    C = counting(kit)
    for what, m, want in models(kit):
        with calling(f"flop_parameters({what})"):
            got = C.flop_parameters(m)
        c = m.config
        wte, wpe = c.vocab_size * c.n_embd, (c.block_size * c.n_embd if c.position == "learned" else 0)
        hint = None
        if got == want + wpe and wpe:
            hint = "the learned position table is only looked up: leave wpe out"
        elif got == want + wte and not c.tie_weights:
            hint = "untied, the token table is only looked up (the head is a separate Linear): leave wte out"
        elif got == want - wte and c.tie_weights:
            hint = "tied, the token table is the head's weight, a matrix product: keep it"
        require(got == want, f"flop_parameters({what}): expected {want:,}, got {got:,}", hint=hint)


@task(points=2, timeout=60, needs=("flop_parameters",))
def test_training_flops_per_token(kit):
    """6N for the weights, forward and backward, plus 12 * n_layer * n_embd * block_size for attention."""
    C = counting(kit)
    for kw, _, n, want in HAND:
        m = kit.gpt(kit.gpt_config(**kw))
        with calling(f"training_flops_per_token(GPT({kw}))"):
            got = C.training_flops_per_token(m)
        c = m.config
        attn = 12 * c.n_layer * c.n_embd * c.block_size
        hint = None
        if got == 2 * n + attn // 3 or got == 2 * n + attn or got == 2 * n:
            hint = ("that is the forward pass only: backward costs twice the forward (the gradients of the inputs "
                    "and of the weights), so 6 N per token, not 2 N")
        elif got == 6 * n:
            hint = "the attention term is missing: + 12 * n_layer * n_embd * block_size"
        elif got == 6 * n + 12 * c.n_layer * c.n_head * c.block_size:
            hint = "the attention term uses n_embd (n_head * head_dim), not n_head"
        elif got == 6 * m.num_parameters() + attn:
            hint = "N is flop_parameters(model), not every parameter"
        require(got == want, f"training_flops_per_token(GPT({kw})): expected {want:,}, got {got:,}", hint=hint)


@task(points=2, timeout=20)
def test_peak_flops(kit):
    """Device names as drivers give them; the longest key wins; FLOP/s, not TFLOP/s."""
    C = counting(kit)
    # name, arithmetic, TFLOP/s from NVIDIA's data sheets (dense), or None
    cases = [
        ("NVIDIA H100 80GB HBM3", "fp16", 989.4), ("NVIDIA H100 80GB HBM3", "fp32", 67.0),
        ("NVIDIA H100 80GB HBM3", "tf32", 494.7), ("NVIDIA H100 PCIe", "fp16", 756.0),
        ("NVIDIA H100 NVL", "tf32", 417.5), ("NVIDIA H200", "fp16", 989.4),
        ("NVIDIA A100-SXM4-80GB", "tf32", 156.0), ("nvidia a100-pcie-40gb", "fp16", 312.0),
        ("NVIDIA L40S", "fp16", 362.0), ("NVIDIA L4", "fp16", 121.0), ("Tesla T4", "fp16", 65.0),
        ("Tesla V100-SXM2-16GB", "tf32", 15.7), ("NVIDIA GeForce RTX 4090", "fp32", 82.6),
        ("AMD Instinct MI300X", "fp16", None), ("CPU stand-in for a GPU (common.fakecupy)", "fp32", None),
        ("cpu", "fp16", None),
    ]
    for name, arith, tflops in cases:
        with calling(f'peak_flops("{name}", "{arith}")'):
            got = C.peak_flops(name, arith)
        if tflops is None:
            require(got is None, f'peak_flops("{name}", "{arith}"): the table has no such device, expected None, '
                                 f"got {got!r}")
            continue
        hint = None
        if got == tflops:
            hint = "return FLOP/s: the table is in TFLOP/s, multiply by 1e12"
        elif name in ("NVIDIA H100 PCIe", "NVIDIA H100 NVL", "NVIDIA L40S"):
            hint = "several keys appear in this name: the longest one wins"
        elif name.islower():
            hint = "compare ignoring case"
        require(got is not None and abs(got - tflops * 1e12) <= 1e-9 * tflops * 1e12,
                f'peak_flops("{name}", "{arith}"): expected {tflops * 1e12:.4g}, got {got!r}', hint=hint)
    for bad in ("bf16", "FP16", "int8"):
        with expect_raises(ValueError, f'peak_flops("NVIDIA H100 80GB HBM3", "{bad}")') as caught:
            C.peak_flops("NVIDIA H100 80GB HBM3", bad)
        require(all(a in str(caught[0]) for a in ("fp32", "tf32", "fp16")),
                f"the ValueError for arithmetic {bad!r} should name fp32, tf32 and fp16; it says {caught[0]}")


@task(points=1, timeout=20)
def test_mfu_and_state_bytes(kit):
    """MFU = tokens/s x FLOPs per token / peak; 16 bytes per parameter in fp32, 20 in mixed precision."""
    C = counting(kit)
    with calling("mfu(250_000, 111_750_144, 989.4e12)"):
        got = C.mfu(250_000, 111_750_144, 989.4e12)
    assert_close(got, 250_000 * 111_750_144 / 989.4e12, what="mfu(250_000 tokens/s, 111,750,144 FLOPs/token, "
                 "989.4e12 FLOP/s)", rtol=1e-12, hint="a fraction, not a percentage")
    with calling("mfu(1000.0, 5e6, None)", hint="return None when peak is None: the device is not in the table"):
        unknown = C.mfu(1000.0, 5e6, None)
    require(unknown is None, f"mfu(..., peak=None) must be None (an unknown device), got {unknown!r}")
    for n, precision, want in ((22_696_448, "fp32", 16 * 22_696_448), (22_696_448, "fp16", 20 * 22_696_448),
                               (1, "fp16", 20), (0, "fp32", 0)):
        with calling(f'state_bytes({n}, "{precision}")'):
            got = C.state_bytes(n, precision)
        hint = ("weights and grads in float16 (2 + 2) plus float32 master weights, their grads and AdamW's two "
                "moments (4 + 4 + 8)" if precision == "fp16" else "4 bytes each: weight, grad, AdamW's m and v")
        require(got == want, f'state_bytes({n:,}, "{precision}"): expected {want:,}, got {got!r}', hint=hint)
    with expect_raises(ValueError, 'state_bytes(10, "bf16")'):
        C.state_bytes(10, "bf16")
