"""Grader for processors.py: each processor against the graders' own (PyTorch's softmax and topk,
and the handout's rules written out), on fixed logits chosen for their edges: ties at the
boundary, k = 1 and k >= V, p = 1 and a p so small that only the most likely token stays,
temperatures near 0, and -inf logits already present.
"""

from __future__ import annotations

import numpy as np

from common.checks import assert_close, assert_equal, calling, expect_raises, require
from grader import task

NEG = -np.inf


def processors(kit):
    return kit.p7("processors")


def cases() -> list[np.ndarray]:
    """Logits (B, V) with the edges every processor must handle."""
    g = np.random.default_rng(70)
    ties = np.array([[2.0, 1.0, 2.0, 0.5, 1.0, 2.0, -1.0, 0.0],      # three-way tie at the top
                     [0.0, 3.0, 1.0, 1.0, 1.0, -2.0, 1.0, 0.5]])     # four-way tie below the top
    with_inf = np.array([[1.5, NEG, 0.2, NEG, 3.0, 0.2, NEG, -0.7],
                         [NEG, NEG, NEG, 0.0, NEG, NEG, NEG, NEG]])   # one finite logit left
    return [ties, with_inf, g.normal(0, 2, (3, 8)), 50 * g.normal(0, 1, (2, 6)), g.normal(0, 1, (1, 1))]


def call(fn, x, *args, what):
    arg = x.copy()
    with calling(what):
        out = fn(arg, *args)
    require(np.array_equal(arg, x), f"{what} changed the caller's logits in place: they became {show(arg)}",
            "check_logits gives back the caller's own array when it is float64 already: never write into it; "
            "compute a new one (x / temperature, np.where(keep, x, -np.inf), np.exp(x - max))")
    got = np.asarray(out)
    require(got.shape == x.shape, f"{what}: expected logits of shape {x.shape}, got shape {got.shape}")
    return got


def show(x) -> str:
    return np.array2string(np.asarray(x), precision=3, max_line_width=200)


def check_kept(got, want, what: str, hint: str) -> None:
    """Same tokens kept (finite) and the kept logits unchanged."""
    kept_got, kept_want = np.isfinite(got), np.isfinite(want)
    if not np.array_equal(kept_got, kept_want):
        b = int(np.argwhere((kept_got != kept_want).any(-1))[0, 0])
        raise AssertionError(f"{what}: row {b} keeps tokens {np.flatnonzero(kept_got[b]).tolist()}, expected "
                             f"{np.flatnonzero(kept_want[b]).tolist()}.\nHint: {hint}")
    require(np.all(got[~kept_got] == NEG), f"{what}: removed tokens must hold -inf, got {show(got[~kept_got])}")
    assert_close(got[kept_got], want[kept_want], what=f"{what}: the logits of the tokens kept", rtol=1e-12,
                 hint="a filter changes no logit it keeps")


def softmax_hint(x, got) -> str:
    """Name the classic softmax mistake that ``got`` matches."""
    with np.errstate(all="ignore"):
        e = np.exp(x - x.max(axis=1, keepdims=True))
        variants = [
            ("subtract each row's maximum before exp: exp(1000) overflows to inf, and inf / inf is nan",
             np.exp(x) / np.exp(x).sum(axis=1, keepdims=True)),
            ("subtract each row's own maximum (x.max(axis=1, keepdims=True)), not the maximum of the whole batch: "
             "a row far below it underflows to 0 / 0",
             np.exp(x - x.max()) / np.exp(x - x.max()).sum(axis=1, keepdims=True)),
            ("normalise each row by its own sum (e.sum(axis=1, keepdims=True)), not by the sum of the whole batch",
             e / e.sum()),
        ]
    for text, alt in variants:
        if np.shape(got) == alt.shape and np.allclose(got, alt, rtol=1e-9, atol=1e-300, equal_nan=True):
            return text
    return ("subtract each row's maximum before exp (exp(1000) overflows), and normalise each row by its own sum "
            "(axis=1, keepdims=True)")


@task(points=1, timeout=20)
def test_softmax(kit):
    """softmax gives PyTorch's probabilities, exactly 0 for -inf, and never overflows."""
    P = processors(kit)
    # Rows far apart: exp overflows without a shift, and a row far below the batch's maximum
    # underflows to 0 / 0 when the shift is the batch's maximum instead of its own.
    for x in cases() + [np.array([[1000.0, 999.0, NEG, -1000.0], [-1000.0, -1001.0, NEG, -2000.0]])]:
        what = f"softmax({show(x)})"
        got = call(P.softmax, x, what=what)
        assert_close(got, kit.t_softmax(x), what=what, rtol=1e-12, atol=1e-300, hint=softmax_hint(x, got))
        require(np.all(got[np.isneginf(x)] == 0.0), f"{what}: a -inf logit must have probability exactly 0")


def greedy_hint(x, got) -> str:
    """Name the tie rule that temperature 0's ``got`` follows instead of the lowest id."""
    rule = ("temperature 0 is greedy: keep only the most likely token (logit 0), -inf for all others; among equal "
            "maxima the lowest id (np.argmax gives it)")
    kept, top = np.isfinite(got), x == x.max(axis=1, keepdims=True)
    if kept.shape != x.shape:
        return rule
    if np.array_equal(kept, top):
        return f"you kept every token equal to the maximum: {rule}, exactly one"
    if np.all(kept.sum(1) == 1) and np.all(kept <= top) and (top.sum(1) > 1).sum() >= 4:
        last = x.shape[1] - 1 - np.argmax(top[:, ::-1], axis=1)
        if np.array_equal(kept.argmax(1), last):
            return f"you took the last of equal maxima (the highest id): {rule}"
        return (f"you broke a tie between equal maxima at random: greedy decoding must be reproducible, so {rule}")
    return rule


@task(points=2, timeout=20)
def test_temperature(kit):
    """apply_temperature divides the logits; 0 is greedy (the lowest id among equal maxima); negatives refused."""
    P = processors(kit)
    for x in cases():
        for T in (1.0, 0.5, 2.0, 1e-3):
            what = f"apply_temperature({show(x)}, {T})"
            got = call(P.apply_temperature, x, T, what=what)
            hint = "divide the logits by the temperature (before any softmax)"
            if np.allclose(np.nan_to_num(got), np.nan_to_num(kit.t_softmax(x) / T)):
                hint = ("you divided the probabilities, after the softmax: the temperature divides the logits, so "
                        "that softmax(logits / T) sharpens (T < 1) or flattens (T > 1) the distribution")
            elif np.allclose(np.nan_to_num(got), np.nan_to_num(x * T)):
                hint = "you multiplied by the temperature: divide by it, so that T < 1 sharpens"
            assert_close(got, kit.t_temperature(x, T), what=what, rtol=1e-12, hint=hint)
    # Temperature 0 on 16 rows of 2 to 8 equal maxima (a tie broken at random passes them with a
    # probability of 7e-12), then on the cases.
    for x in [(np.random.default_rng(76).random((16, 8)) < 0.6) * 1.0] + cases():
        what = f"apply_temperature({show(x)}, 0)"
        got = call(P.apply_temperature, x, 0.0, what=what)
        want = kit.t_temperature(x, 0.0)
        check_kept(got, want, what, greedy_hint(x, got))
    sharp = call(P.apply_temperature, np.array([[1.0, 1.01, 0.0]]), 1e-4, what="apply_temperature([[1, 1.01, 0]], 1e-4)")
    probs = kit.t_softmax(sharp)
    require(probs[0, 1] > 0.999, f"apply_temperature([[1, 1.01, 0]], 1e-4): towards 0 the distribution must "
                                 f"concentrate on the argmax, got probabilities {show(probs)}")
    with expect_raises(ValueError, "apply_temperature(logits, -0.5)",
                       hint="a negative temperature would make the least likely token the most likely: refuse it"):
        P.apply_temperature(cases()[2], -0.5)


@task(points=2, timeout=20)
def test_top_k(kit):
    """top_k_filter keeps each row's k highest logits and every logit tied with the k-th; k >= V keeps all."""
    P = processors(kit)
    for x in cases():
        V = x.shape[1]
        for k in sorted({1, 2, 3, V - 1, V, V + 5} - {0}):
            what = f"top_k_filter({show(x)}, k={k})"
            got = call(P.top_k_filter, x, k, what=what)
            want = kit.t_top_k(x, k)
            kept = np.isfinite(got).sum(-1)
            hint = "keep the logits >= the k-th highest of their row (np.partition(x, -k, axis=1)[:, -k]), -inf elsewhere"
            if np.array_equal(kept, np.minimum(k, np.isfinite(x).sum(-1))) and not np.array_equal(np.isfinite(got),
                                                                                                 np.isfinite(want)):
                hint = ("you keep exactly k tokens, breaking a tie at the k-th: every token equal to the k-th "
                        "highest stays (equal logits must stay equally likely)")
            elif np.array_equal(np.isfinite(got), np.isfinite(kit.t_top_k(x, k + 1))) and k + 1 <= V:
                hint = "you keep k + 1 tokens: an off-by-one in the k-th highest (it is the one at index -k after sorting)"
            check_kept(got, want, what, hint)
    x = cases()[2]
    assert_close(call(P.top_k_filter, x, None, what="top_k_filter(x, None)"), x, what="top_k_filter(x, None)",
                 hint="k = None keeps every token")
    for bad in (0, -1, 2.5):
        with expect_raises(ValueError, f"top_k_filter(x, k={bad})", hint="k must be None or an int >= 1"):
            P.top_k_filter(x, bad)


def top_p_hint(kit, x, p, got) -> str:
    """Name the classic top-p mistake that ``got`` matches."""
    ahead, probs = kit.mass_ahead(x), kit.t_softmax(x)
    desc_order = np.argsort(-probs, axis=-1, kind="stable")
    desc = np.take_along_axis(probs, desc_order, -1)
    n = ((np.cumsum(desc, -1) - desc) < p).sum(-1)
    exact = np.zeros_like(probs, dtype=bool)
    for b in range(len(x)):
        exact[b, desc_order[b, :n[b]]] = True
    finite = np.where(np.isfinite(x), x, 0.0)
    logits_ahead = np.where(finite[:, None, :] > finite[:, :, None], finite[:, None, :], 0.0).sum(-1)
    variants = [
        ("you dropped the token at which the running total reaches p: keep it (the nucleus is the smallest set "
         "whose probability is at least p), i.e. keep a token when the mass *before* it is < p", ahead + probs < p),
        ("you kept a token whose earlier total equals p: a set that reaches p exactly is enough, so keep a token "
         "when the probability of the tokens before it is < p, not <= p", ahead <= p),
        ("you broke a tie at the boundary: every token as likely as the last one kept stays", exact),
        ("you added up the logits as if they were probabilities: take the softmax first, and sort and add up the "
         "probabilities", logits_ahead < p),
        ("you added up the probabilities in id order: sort them, most likely first, so that the running total "
         "before a token is the mass of the tokens more likely than it", np.cumsum(probs, -1) - probs < p),
    ]
    kept, want = np.isfinite(got), (ahead < p) & np.isfinite(x)
    for text, mask in variants:
        mask = mask & np.isfinite(x)
        if np.array_equal(kept, mask) and not np.array_equal(mask, want):
            return text
    return ("sort the probabilities (not the logits) from most to least likely, add up the ones before each "
            "position, and keep the tokens whose earlier total is < p, plus every token tied with the last kept")


def ps_for(kit, x) -> list[float]:
    """Values of p between the running totals of x (never within 1e-9 of one), plus tiny and 1."""
    probs = np.sort(kit.t_softmax(x), axis=-1)[:, ::-1]
    totals = np.unique(np.round(np.cumsum(probs, axis=-1), 12))
    mids = [(a + b) / 2 for a, b in zip(totals[:-1], totals[1:]) if b - a > 1e-6]
    return sorted({1e-9, *mids[:6], 0.9, 1.0})


@task(points=2, timeout=30, needs=("softmax",))
def test_top_p(kit):
    """top_p_filter keeps the smallest most-likely set reaching p, the crossing token and ties included."""
    P = processors(kit)
    # The handout's example; then probabilities 1/2, 1/4, 1/8, 1/8 (exact in floating point), whose
    # first two reach p = 0.75 exactly: they are enough, and the two tokens after them go.
    for probs, p in (([0.4, 0.3, 0.2, 0.1], 0.5), ([0.5, 0.25, 0.125, 0.125], 0.75)):
        hand = np.log(np.array([probs]))
        what = f"top_p_filter(log([{probs}]), p={p})"
        got = call(P.top_p_filter, hand, p, what=what)
        check_kept(got, kit.t_top_p(hand, p), what, top_p_hint(kit, hand, p, got))
    for x in cases():
        for p in ps_for(kit, x):
            ahead = kit.mass_ahead(x)
            if np.abs(ahead - p).min() < 1e-9:
                continue
            what = f"top_p_filter({show(x)}, p={p:.6g})"
            got = call(P.top_p_filter, x, p, what=what)
            check_kept(got, kit.t_top_p(x, p), what, top_p_hint(kit, x, p, got))
    for bad in (0.0, -0.1, 1.5):
        with expect_raises(ValueError, f"top_p_filter(x, p={bad})", hint="p must be in (0, 1]"):
            P.top_p_filter(cases()[2], bad)


@task(points=1, timeout=20, needs=("softmax",))
def test_min_p(kit):
    """min_p_filter keeps the tokens at least min_p times as likely as the most likely one."""
    P = processors(kit)
    for x in cases():
        probs = kit.t_softmax(x)
        ratios = np.unique(np.round(probs / probs.max(-1, keepdims=True), 12))
        for m in (0.0, 0.05, 0.3, 1.0) + tuple((a + b) / 2 for a, b in zip(ratios[:-1], ratios[1:]))[:3]:
            what = f"min_p_filter({show(x)}, min_p={m:.6g})"
            got = call(P.min_p_filter, x, m, what=what)
            hint = "keep probs >= min_p * (the row's highest probability); compare probabilities, not logits"
            if np.array_equal(np.isfinite(got), np.isfinite(x) & (probs >= m)):
                hint = "you compared with min_p itself: the threshold is min_p times the row's highest probability"
            check_kept(got, kit.t_min_p(x, m), what, hint)
    for bad in (-0.1, 1.5):
        with expect_raises(ValueError, f"min_p_filter(x, min_p={bad})", hint="min_p must be in [0, 1]"):
            P.min_p_filter(cases()[2], bad)


@task(points=1, timeout=20, needs=("temperature", "top_k", "top_p", "min_p"))
def test_process_logits(kit):
    """process_logits composes temperature, top-k, top-p and min-p in that order; the defaults change nothing."""
    P = processors(kit)
    x = np.array([[3.0, 2.9, 2.0, 1.0, 0.5, 0.0, -1.0, -3.0],
                  [0.1, 0.0, 0.2, -0.1, 0.05, 0.15, -0.2, 0.12]])
    got = call(lambda a: P.process_logits(a), x, what="process_logits(x)")
    assert_close(got, x, what="process_logits(x) with the defaults", rtol=1e-12,
                 hint="the defaults (temperature 1, top_k None, top_p 1, min_p 0) change nothing")
    settings = [dict(temperature=0.5, top_k=5, top_p=0.8), dict(temperature=2.0, top_k=3, top_p=0.7, min_p=0.4),
                dict(temperature=0.7, top_p=0.6, min_p=0.5), dict(top_k=4, top_p=0.75), dict(temperature=0)]
    orders = {"top-p before top-k": lambda a, s: kit.t_min_p(kit.t_top_k(kit.t_top_p(
                  kit.t_temperature(a, s.get("temperature", 1.0)), s.get("top_p", 1.0)), s.get("top_k")), s.get("min_p", 0.0)),
              "temperature last": lambda a, s: kit.t_temperature(kit.t_min_p(kit.t_top_p(kit.t_top_k(
                  a, s.get("top_k")), s.get("top_p", 1.0)), s.get("min_p", 0.0)), s.get("temperature", 1.0))}
    for s in settings:
        what = f"process_logits({show(x)}, {', '.join(f'{k}={v}' for k, v in s.items())})"
        got = call(lambda a: P.process_logits(a, **s), x, what=what)
        want = kit.t_process(x, **s)
        hint = "apply temperature, then top-k, then top-p, then min-p, each on the logits the one before returned"
        for name, alt in orders.items():
            with np.errstate(invalid="ignore"):
                other = alt(x, s)
            if np.array_equal(np.isfinite(got), np.isfinite(other)) and not np.array_equal(np.isfinite(got),
                                                                                           np.isfinite(want)):
                hint = f"your order is {name}: " + hint
        check_kept(got, want, what, hint)
        assert_equal(np.isfinite(got).sum(-1).tolist(), np.isfinite(want).sum(-1).tolist(), what=f"{what}: tokens kept")
