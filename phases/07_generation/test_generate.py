"""Grader for generate.py: the learner's generate against the graders' own loop (the handout's
rules, run on the PyTorch twin without a cache), greedy and sampled with the same generator
state, past block_size (the context restarts), for a batch of prompts of different lengths,
with rows stopping at EOS while the others go on.
"""

from __future__ import annotations

import numpy as np

from common.checks import assert_equal, calling, expect_raises, require
from grader import task

CONTEXT_HINT = ("the context is each row's last tokens, at most block_size; when one more token would exceed it, the "
                "context restarts as the row's last block_size // 2 tokens, read again from position 0")


def gen(kit):
    return kit.p7("generate")


def generate(G, m, prompts, n, *, what, hint=None, **kw):
    with calling(what, hint=hint):
        out = G.generate(m, [list(p) for p in prompts], n, **kw)
    require(isinstance(out, list) and len(out) == len(prompts), f"{what}: expected a list of {len(prompts)} lists, "
                                                                f"got {type(out).__name__}")
    return [[int(t) for t in row] for row in out]


def compare(got, want, what, hint):
    for b, (g_row, w_row) in enumerate(zip(got, want)):
        if g_row != w_row:
            at = next((i for i, (x, y) in enumerate(zip(g_row, w_row)) if x != y), min(len(g_row), len(w_row)))
            raise AssertionError(f"{what}: row {b} differs from token {at} on: got {g_row[at:at + 8]}..., expected "
                                 f"{w_row[at:at + 8]}... (lengths {len(g_row)} and {len(w_row)}).\nHint: {hint}")


def context_hint(kit, P, cfg, prompts, got, want) -> str:
    """Name the context rule that greedy ``got`` (30 tokens) follows instead of the handout's."""
    full = max(1, cfg.block_size - len(prompts[0]))
    if not (len(got[0]) == len(want[0]) and got[0][:full] == want[0][:full]):
        return CONTEXT_HINT
    if got == kit.t_generate(P, cfg, prompts, 30, temperature=0, keep=cfg.block_size):
        return ("the tokens agree until the context fills up, then you slide it by one token: restart it instead, as "
                "the last block_size // 2 tokens read again from position 0 (sliding would shift every position, and "
                "the cached keys were rotated for their old ones)")
    return "the tokens agree until the context fills up: " + CONTEXT_HINT


def eos_hint(got, want, eos) -> str | None:
    """Name the EOS mistake ``got`` matches, if any (``want``: the rows by the handout's rules)."""
    if got == [w[:-1] if w and w[-1] == eos else w for w in want] and got != want:
        return (f"you dropped the EOS: a row that emits eos_id ({eos}) keeps it as its last token (and on_token sees "
                f"it), then stops")
    first = min((len(w) for w in want if w and w[-1] == eos), default=None)
    if first is not None and got == [w[:first] for w in want] and got != want:
        return (f"one row's EOS stopped the whole batch: only the row that emits eos_id ({eos}) stops, the other rows "
                f"go on to max_new_tokens")
    return None


def prompts_for(cfg, lengths, seed):
    g = np.random.default_rng(seed)
    return [g.integers(0, cfg.vocab_size, n).tolist() for n in lengths]


@task(points=2, timeout=90, needs=("cached_gpt2", "cached_llama", "sample_next"))
def test_generate_greedy(kit):
    """Greedy generation, with and without the cache, past block_size, equals the graders' loop on PyTorch."""
    G = gen(kit)
    for fields, lengths in ((kit.GPT2, [5]), (kit.LLAMA, [3]), (kit.SINUSOIDAL, [16]), (kit.LLAMA, [20])):
        m, P, cfg = kit.model(fields, seed=40)
        prompts = prompts_for(cfg, lengths, 41)
        want = kit.t_generate(P, cfg, prompts, 30, temperature=0)
        for cache in (True, False):
            what = (f"generate({kit.describe(fields)}, a prompt of {lengths[0]} tokens, 30, temperature=0, "
                    f"use_cache={cache})")
            long = ("a prompt longer than block_size: its context is its last block_size tokens (the model reads no "
                    "more), so the prefill reads those" if lengths[0] > cfg.block_size else
                    "a context of block_size tokens is full: before the next token, restart it as the last "
                    "block_size // 2 tokens read again from position 0; never feed the model a position >= block_size")
            got = generate(G, m, prompts, 30, temperature=0, use_cache=cache, what=what, hint=long)
            if got != want:
                compare(got, want, what, context_hint(kit, P, cfg, prompts, got, want))


@task(points=2, timeout=90, needs=("cached_gpt2", "cached_llama", "sample_next"))
def test_generate_sampling(kit):
    """Sampled generation with one generator, for a batch, equals the graders' loop draw for draw."""
    G = gen(kit)
    settings = [dict(temperature=0.8), dict(temperature=1.1, top_k=5, top_p=0.9), dict(min_p=0.05, top_p=0.95)]
    for fields, s in zip((kit.GPT2, kit.LLAMA, kit.GPT2), settings):
        m, P, cfg = kit.model(fields, seed=42)
        prompts = prompts_for(cfg, [4, 1, 9], 43)
        want = kit.t_generate(P, cfg, prompts, 24, rng=np.random.default_rng(44), **s)
        args = ", ".join(f"{k}={v}" for k, v in s.items())
        for cache in (True, False):
            what = (f"generate({kit.describe(fields)}, 3 prompts of 4, 1 and 9 tokens, 24, "
                    f"rng=np.random.default_rng(44), {args}, use_cache={cache})")
            got = generate(G, m, prompts, 24, rng=np.random.default_rng(44), use_cache=cache, what=what, **s)
            compare(got, want, what, "each step: sample_next on the last logits of the rows still running, in row "
                                     "order, with the generator given (one uniform per running row)")


@task(points=3, timeout=90, needs=("cached_batch", "sample_next"))
def test_generate_batch(kit):
    """A batch equals its prompts one at a time (per-row generators); EOS stops its row only; bad input refused."""
    G = gen(kit)
    m, P, cfg = kit.model(kit.LLAMA, seed=45)
    prompts = prompts_for(cfg, [6, 2, 11, 1], 46)
    rngs = lambda: [np.random.default_rng(100 + b) for b in range(4)]  # noqa: E731
    what = "generate(llama, 4 prompts of 6, 2, 11 and 1 tokens, 20, rng=[4 generators], top_k=8)"
    gens = rngs()
    got = generate(G, m, prompts, 20, rng=gens, top_k=8, what=what)
    for b, (r, row) in enumerate(zip(gens, got)):
        twin = np.random.default_rng(100 + b)
        twin.random(len(row))
        require(r.random() == twin.random(),
                f"{what}: rng[{b}] has not advanced by exactly the {len(row)} uniforms of row {b}'s {len(row)} tokens",
                hint="row b draws one uniform per new token from rng[b] itself, the caller's generator: not a copy "
                     "(a copy replays the same draws at every call), not rng[0] for every row")
    alone = [generate(G, m, [p], 20, rng=[r], top_k=8, what=f"generate(llama, prompt {b} alone, 20, rng=[its generator], "
                                                                f"top_k=8)")[0]
             for b, (p, r) in enumerate(zip(prompts, rngs()))]
    compare(got, alone, what + " vs each prompt alone",
            "rows are independent: pad the prompts on the right (a row's tokens at positions 0 .. its length - 1), "
            "take each row's logits at its own last token, not at the last column; when only some rows step (the "
            "others stopped or restarting), pass forward_cached their cache rows, rows=[...]; with a list of "
            "generators row b draws from rng[b] only")
    compare(got, kit.t_generate(P, cfg, prompts, 20, rng=rngs(), top_k=8), what, CONTEXT_HINT)
    # The same generators, with an EOS that stops row 1 early: each row keeps drawing from its own.
    eos = kit.t_generate(P, cfg, prompts, 12, rng=rngs(), top_k=8)[1][2]
    want = kit.t_generate(P, cfg, prompts, 12, rng=rngs(), top_k=8, eos_id=eos)
    what = f"generate(llama, 4 prompts, 12, rng=[4 generators], top_k=8, eos_id={eos})"
    got = generate(G, m, prompts, 12, rng=rngs(), top_k=8, eos_id=eos, what=what)
    compare(got, want, what, eos_hint(got, want, eos) or
            "with a list of generators, row b draws from rng[b] all along, also after other rows have stopped: "
            "pass [rng[b] for b in the rows still running]")

    # EOS: the token that row 0 emits greedily at step 3 ends row 0 there; the other rows go on.
    free = kit.t_generate(P, cfg, prompts, 12, temperature=0)
    eos = free[0][3]
    want = kit.t_generate(P, cfg, prompts, 12, temperature=0, eos_id=eos)
    seen = []
    what = f"generate(llama, 4 prompts, 12, temperature=0, eos_id={eos}, on_token=...)"
    got = generate(G, m, prompts, 12, temperature=0, eos_id=eos, on_token=lambda b, t: seen.append((int(b), int(t))),
                   what=what)
    compare(got, want, what, eos_hint(got, want, eos) or
            f"a row stops right after it emits eos_id ({eos}), which is kept as its last token; the other rows go on "
            f"to max_new_tokens")
    require(any(len(r) == 12 for r in got), f"{what}: every row stopped early; one row's EOS must not stop the batch",
            hint="keep a list of the rows still running and drop only the row that emitted eos_id")
    streamed = {b: [t for r, t in seen if r == b] for b in range(4)}
    assert_equal([streamed[b] for b in range(4)], want, what=f"{what}: the (row, token) pairs passed to on_token",
                 hint="call on_token(row, token) once for every new token, as soon as it is chosen")
    # One generator, sampled: a stopped row draws nothing more.
    eos = kit.t_generate(P, cfg, prompts, 12, rng=np.random.default_rng(47))[1][2]
    want = kit.t_generate(P, cfg, prompts, 12, rng=np.random.default_rng(47), eos_id=eos)
    what = f"generate(llama, 4 prompts, 12, rng=np.random.default_rng(47), eos_id={eos})"
    got = generate(G, m, prompts, 12, rng=np.random.default_rng(47), eos_id=eos, what=what)
    compare(got, want, what, "a stopped row draws no more uniforms: each step draws rng.random(number of rows still "
                             "running)")
    check_errors(G, kit)


def check_errors(G, kit):
    """Empty prompts, ids outside the vocabulary and a negative count are refused; 0 new tokens gives empty lists."""
    m, _, cfg = kit.model(kit.GPT2, seed=48)
    for prompts, n, hint in (([[1, 2], []], 5, "an empty prompt has no last token to continue from"),
                             ([[1, cfg.vocab_size]], 5, f"id {cfg.vocab_size} is outside the vocabulary"),
                             ([[1, -1]], 5, "id -1 is outside the vocabulary (NumPy would wrap it around silently)"),
                             ([[1, 2]], -1, "max_new_tokens must be >= 0")):
        with expect_raises(ValueError, f"generate(model, {prompts}, {n}, temperature=0)", hint=hint):
            G.generate(m, prompts, n, temperature=0)
    got = generate(G, m, [[1, 2], [3]], 0, temperature=0, what="generate(model, [[1, 2], [3]], 0, temperature=0)")
    assert_equal(got, [[], []], what="generate(model, [[1, 2], [3]], 0, temperature=0)")
