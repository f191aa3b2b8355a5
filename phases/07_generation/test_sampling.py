"""Grader for sampling.py: the inverse-CDF draw against a running-sum loop written here, on
hand-worked boundaries (u exactly at a cumulative total, tokens of probability 0 at either end,
unnormalised rows); sample_next against the graders' processors and draw with the same
generator state; and a chi-square test that the frequencies of many draws match the processed
probabilities.
"""

from __future__ import annotations

import numpy as np
import torch

from common.checks import assert_equal, calling, expect_raises, require
from grader import task


def sampling(kit):
    return kit.p7("sampling")


def draw(S, probs, u, what):
    with calling(what):
        out = S.draw(np.array(probs, dtype=np.float64), np.array(u, dtype=np.float64))
    got = np.asarray(out)
    require(got.shape == (len(probs),) and got.dtype.kind in "iu",
            f"{what}: expected int ids of shape ({len(probs)},), got {got.dtype} {got.shape}")
    return got


@task(points=2, timeout=20)
def test_draw(kit):
    """draw picks the first token whose cumulative probability exceeds u * total, never one of probability 0."""
    S = sampling(kit)
    # (probs, u, expected, what a wrong answer means)
    hand = [
        ([0.5, 0.5], 0.5, 1, "u * total equal to a cumulative sum: take the first cumsum *strictly* greater "
                             "(count the sums <= u * total), not >="),
        ([0.5, 0.5], 0.0, 0, "u = 0 draws the first token of non-zero probability"),
        ([0.0, 0.0, 1.0], 0.0, 2, "tokens of probability 0 have empty intervals: with u = 0 the draw is the first "
                                  "token with probability > 0, never a leading zero"),
        ([0.2, 0.3, 0.5, 0.0, 0.0], 0.9999999999, 2, "trailing tokens of probability 0 are never drawn, even for u "
                                                     "near 1"),
        ([0.1, 0.2, 0.3, 0.0], 1 - 2 ** -53, 2,
         "u = 1 - 2**-53, the largest rng.random() can give: the draw never goes past the last token of non-zero "
         "probability. Normalised first, these cumulative sums end at 0.9999999999999999 (rounding), not above u: "
         "compare the raw sums with u * total"),
        ([2.0, 6.0], 0.3, 1, "probs need not sum to 1: compare with u * (the row's total), not with u"),
        ([1.0, 1.0, 2.0], 0.49, 1, "the cumulative sums are 1, 2, 4; u * total = 1.96 falls in token 1's interval"),
        ([0.125, 0.125, 0.25, 0.5], 0.5, 3, "cumsum 0.125, 0.25, 0.5, 1.0: u * total = 0.5 is not < 0.5, so token 3"),
    ]
    wrong = []                                  # every hand-worked case that fails, each with its hint
    for probs, u, want, hint in hand:
        what = f"draw(probs=[{probs}], u=[{u}])"
        got = int(draw(S, [probs], [u], what)[0])
        if got != want:
            wrong.append(f"  {what}: expected {want}, got {got} ({hint})")
    require(not wrong, f"{len(wrong)} of the {len(hand)} hand-worked draws are wrong:\n" + "\n".join(wrong),
            hint="the first i with cumsum(probs)[i] > u * cumsum(probs)[-1]")
    g = np.random.default_rng(71)
    probs = g.random((40, 9)) * (g.random((40, 9)) < 0.7)
    probs[np.arange(40), g.integers(0, 9, 40)] += 0.1
    u = g.random(40)
    u[:3] = [0.0, 0.5, 1 - 2 ** -53]
    what = "draw(probs (40, 9) with zeros, u (40,))"
    got = draw(S, probs, u, what)
    want = kit.t_draw(probs, u)
    bad = np.flatnonzero(got != want)
    require(not bad.size, f"{what}: row {bad[:1].tolist()} drew {got[bad[:1]].tolist()}, expected "
                          f"{want[bad[:1]].tolist()} (probs {np.round(probs[bad[0]], 4).tolist() if bad.size else ''}, "
                          f"u {u[bad[:1]].tolist()})",
            hint="the first index i with cumsum(probs)[i] > u * cumsum(probs)[-1], one row at a time")


def sample_hint(kit, logits, settings, got) -> str:
    """Name the classic mistake that sample_next's ``got`` (drawn with default_rng(5)) matches."""
    probs = kit.t_softmax(kit.t_process(logits, **settings))
    u = np.random.default_rng(5).random(len(logits))
    variants = [("you drew one uniform for all rows: draw one per row, rng.random(B)",
                 kit.t_draw(probs, np.full_like(u, u[0]))),
                ("you drew from the raw logits: process them first (process_logits with the settings given), then "
                 "take the softmax", kit.t_draw(kit.t_softmax(logits), u))]
    for text, alt in variants:
        if np.array_equal(got, alt):
            return text
    return ("process the logits (process_logits), take the softmax, draw ONE rng.random(B) (all rows at once) and pick "
            "with draw(); rng.multinomial, for one, draws other numbers")


@task(points=2, timeout=30, needs=("process_logits", "draw"))
def test_sample_next(kit):
    """sample_next: process, softmax, one uniform per row from the generator, draw; greedy draws nothing."""
    S = sampling(kit)
    g = np.random.default_rng(72)
    logits = g.normal(0, 2, (6, 12))
    logits[0, 3] = logits[0, 7] = logits[0].max() + 1.0        # a tie at the top
    logits[1, :5] = -np.inf
    settings = [dict(), dict(temperature=0.7), dict(temperature=1.3, top_k=4), dict(top_p=0.8),
                dict(temperature=0.9, top_k=6, top_p=0.9, min_p=0.1), dict(min_p=0.2)]
    for s in settings:
        args = ", ".join(f"{k}={v}" for k, v in s.items())
        what = f"sample_next(logits (6, 12), np.random.default_rng(5){', ' + args if args else ''})"
        rng = np.random.default_rng(5)
        with calling(what):
            got = np.asarray(S.sample_next(logits.copy(), rng, **s))
        want = kit.t_sample(logits, np.random.default_rng(5), **s)
        hint = sample_hint(kit, logits, s, got)
        assert_equal(got.tolist(), want.tolist(), what=what, hint=hint)
        after = np.random.default_rng(5)
        after.random(6)
        require(rng.bit_generator.state == after.bit_generator.state,
                f"{what}: the generator must advance by exactly one rng.random(6) (one uniform per row)", hint=hint)
    what = "sample_next(logits, rng, temperature=0)"
    rng = np.random.default_rng(5)
    state = rng.bit_generator.state
    with calling(what):
        got = np.asarray(S.sample_next(logits.copy(), rng, temperature=0))
    assert_equal(got.tolist(), torch.argmax(torch.as_tensor(logits), -1).tolist(), what=what,
                 hint="greedy: each row's argmax, the lowest id among equal maxima (never a random one)")
    require(rng.bit_generator.state == state, f"{what}: greedy decoding must not draw from the generator")
    with calling("sample_next(logits, None, temperature=0)"):
        S.sample_next(logits.copy(), None, temperature=0)
    rngs = [np.random.default_rng(i) for i in range(6)]
    what = "sample_next(logits (6, 12), [six Generators, one per row], top_k=5)"
    hint = ("with a list of generators, row b's uniform is rng[b].random(): uniforms(rng, B) takes either a Generator "
            "or a list, and draw() picks the tokens")
    with calling(what, hint=hint):
        got = np.asarray(S.sample_next(logits.copy(), rngs, top_k=5))
    want = kit.t_sample(logits, [np.random.default_rng(i) for i in range(6)], top_k=5)
    assert_equal(got.tolist(), want.tolist(), what=what, hint=hint)
    with expect_raises(ValueError, "sample_next(logits, None, temperature=1.0)",
                       hint="sampling needs a generator: raise ValueError when rng is None and temperature > 0"):
        S.sample_next(logits.copy(), None)


@task(points=1, timeout=60, needs=("sample_next",))
def test_sampling_frequencies(kit):
    """Over 60,000 draws, the frequencies match the processed probabilities (chi-square, fixed seed)."""
    S = sampling(kit)
    logits = np.array([[2.0, 1.5, 1.0, 0.8, 0.0, -0.5, -1.0, -3.0, -6.0, 0.3]])
    n = 60_000
    # With a random seed, a correct sampler fails this test with probability 1e-6 (the p-value floor).
    for s in (dict(temperature=0.8), dict(temperature=1.2, top_k=6), dict(top_p=0.85), dict(min_p=0.1, temperature=1.5)):
        args = ", ".join(f"{k}={v}" for k, v in s.items())
        what = f"sample_next(the same logits in {n} rows, np.random.default_rng(73), {args})"
        with calling(what):
            ids = np.asarray(S.sample_next(np.repeat(logits, n, axis=0), np.random.default_rng(73), **s))
        p = kit.t_softmax(kit.t_process(logits, **s))[0]
        counts = np.bincount(ids, minlength=logits.shape[1])
        require(np.all(counts[p == 0] == 0), f"{what}: drew tokens {np.flatnonzero((p == 0) & (counts > 0)).tolist()}, "
                                             f"which the filters removed")
        keep = p > 0
        expected = n * p[keep]
        chi2 = float(((counts[keep] - expected) ** 2 / expected).sum())
        dof = int(keep.sum()) - 1
        pvalue = float(torch.special.gammaincc(torch.tensor(dof / 2, dtype=torch.float64),
                                               torch.tensor(chi2 / 2, dtype=torch.float64))) if dof else 1.0
        require(pvalue > 1e-6, f"{what}: frequencies {np.round(counts / n, 4).tolist()} do not match the probabilities "
                               f"{np.round(p, 4).tolist()} (chi-square {chi2:.1f} on {dof} degrees of freedom, "
                               f"p-value {pvalue:.2g})",
                hint="draw from softmax(process_logits(logits)), with every row's uniform independent")
