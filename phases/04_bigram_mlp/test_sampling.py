"""Grader for sampling.py: softmax with temperature against torch.softmax, draws against
``rng.choice`` on an identical Generator, and generate() driven by a recording stub model."""

from __future__ import annotations

import copy

import numpy as np
import torch

from common import load, under_test
from common.checks import assert_close, assert_equal, calling, expect_raises, require
from grader import task


def sampling():
    return load(4, "sampling")


def torch_probs(logits: np.ndarray, temperature: float) -> np.ndarray:
    return torch.softmax(torch.tensor(np.asarray(logits, dtype=np.float64)) / temperature, dim=-1).numpy()


def softmax_probs(logits, temperature, what):
    with calling(what):
        got = sampling().softmax_probs(logits, temperature)
    require(isinstance(got, np.ndarray), f"{what} should return a NumPy array, got {type(got).__name__}",
            hint="convert a Tensor input to an array first (its .data), and return an ndarray")
    assert_equal(got.dtype, np.dtype(np.float64), what=f"{what}: dtype", hint="np.asarray(..., dtype=np.float64)")
    return got


def temperature_hint(got: np.ndarray, logits: np.ndarray, temperature: float) -> str:
    if got.shape == logits.shape and temperature != 1:
        if np.allclose(got, torch_probs(logits * temperature, 1.0), rtol=1e-9):
            return "the logits were multiplied by the temperature: divide them, softmax(logits / T)"
        if np.allclose(got, torch_probs(logits, 1.0), rtol=1e-9):
            return "the temperature was ignored: softmax(logits / T)"
    return "softmax over the last axis of logits / T: exp(z - max) / sum(exp(z - max))"


@task(points=2, timeout=20)
def test_sampling_softmax_probs():
    """softmax_probs matches torch.softmax(x / T) on (V,) and (B, V), stays finite at 1e4, takes Tensors, refuses T <= 0."""
    g = np.random.default_rng(0)
    cases = [("logits (9,)", 2.0 * g.standard_normal(9)), ("logits (4, 9)", 2.0 * g.standard_normal((4, 9)))]
    for label, x in cases:
        for T in [1.0, 0.5, 2.0, 0.1]:
            what = f"softmax_probs({label}, temperature={T})"
            keep = x.copy()
            got = softmax_probs(x, T, what)
            assert_close(got, torch_probs(x, T), what=f"{what}, vs torch.softmax(x / T, dim=-1)", rtol=1e-10, atol=1e-15,
                         hint=temperature_hint(got, x, T))
            require(np.array_equal(x, keep), f"{what} changed the logits passed in",
                    hint="compute new arrays (z = logits / T), never `logits -= ...` on the caller's array")

    big = np.array([[1e4, 1e4 - 1.0, -1e4, 1e4 - 3.0], [-1e4, -1e4 + 2.0, -1e4 + 1.0, -1e4]])
    what = "softmax_probs(logits (2, 4) with values around +-1e4, temperature=0.5)"
    with np.errstate(all="ignore"):
        got = softmax_probs(big, 0.5, what)
    assert_close(got, torch_probs(big, 0.5), what=what, rtol=1e-10, atol=1e-15,
                 hint="exp(1e4) overflows to inf: subtract the maximum of each row (keepdims=True) before exp")

    Tensor = load(2, "tensor").Tensor
    x32 = g.standard_normal((3, 6)).astype(np.float32)
    what = "softmax_probs(a phase-02 Tensor of float32 logits (3, 6), temperature=0.7)"
    got = softmax_probs(Tensor(x32), 0.7, what)
    assert_close(got, torch_probs(x32.astype(np.float64), 0.7), what=what, rtol=1e-6, atol=1e-9,
                 hint="take the Tensor's .data (a NumPy array) and compute in float64")

    for T in [0.0, -1.0]:
        with expect_raises(ValueError, f"softmax_probs(logits, temperature={T})",
                           hint="a temperature must be > 0: raise ValueError naming it") as caught:
            sampling().softmax_probs(np.zeros(4), T)
        if T < 0:
            require("-1" in str(caught[0]), f"the ValueError for temperature=-1.0 should name the temperature; got: {caught[0]}")


def draws(logits, rng, T, what, n):
    """``n`` calls of ``sample_next(logits, rng, T)``, made where the code runs (in one request)."""
    with calling(what, hint="draw from the probabilities, not the logits: probs = softmax_probs(logits, temperature), "
                            "then int(rng.choice(len(probs), p=probs))"):
        got = under_test("common.stand_ins").repeat(sampling().sample_next, n, logits, rng, T)
    for x in got:
        require(isinstance(x, int) and not isinstance(x, bool),
                f"{what} should return a Python int, got {type(x).__name__} {x!r:.40}",
                hint="int(rng.choice(V, p=probs)): a NumPy integer is not an int")
    return got


@task(points=2, timeout=30)
def test_sampling_sample_next():
    """sample_next equals int(rng.choice(V, p=softmax(logits / T))) draw for draw, one rng call each."""
    g = np.random.default_rng(1)
    logits = np.array([1.0, -0.5, 2.0, 0.3, 1.7, -2.0])
    V = len(logits)
    n = 20_000
    rng = np.random.default_rng(11)
    what = f"sample_next(logits (6,) = {logits.tolist()}, rng, temperature=1.0), {n:,} times"
    counts = np.bincount(draws(logits, rng, 1.0, what, n), minlength=V)
    require(len(counts) == V, f"{what}: drew ids outside 0..{V - 1}: {np.nonzero(counts[V:])[0] + V}")
    freq = counts / n
    p = torch_probs(logits, 1.0)
    hint = "draw from softmax(logits / T): rng.choice(V, p=probs)"
    if freq.max() == 1.0:
        hint = "always the same id: that is argmax; sampling draws each id with its probability, rng.choice(V, p=probs)"
    elif np.abs(freq - 1 / V).max() < 0.02:
        hint = "the draws are uniform: pass p=probs to rng.choice"
    require(np.abs(freq - p).max() < 0.02,
            f"{what}: the frequencies {np.round(freq, 3).tolist()} differ from softmax(logits) = {np.round(p, 3).tolist()}",
            hint=hint)

    for T, seed in [(1.0, 3), (0.7, 4), (1.5, 5)]:
        x = 1.5 * g.standard_normal(9)
        rng = np.random.default_rng(seed)
        twin = copy.deepcopy(rng)
        what = f"sample_next(logits (9,), rng=default_rng({seed}), temperature={T})"
        got = draws(x, rng, T, what, 300)
        expected = choices(x, T, seed, 300)
        if got != expected:
            k = next(i for i, (a, b) in enumerate(zip(got, expected)) if a != b)
            hint = "exactly one call per draw: int(rng.choice(len(probs), p=probs)) with probs = softmax_probs(logits, T)"
            if T != 1 and got == choices(x * T, 1.0, seed, 300):
                hint = "your draws match softmax(logits * T): divide the logits by the temperature"
            elif T != 1 and got == choices(x, 1.0, seed, 300):
                hint = "your draws match softmax(logits), the temperature ignored: softmax(logits / T)"
            assert_equal(got[k], expected[k], what=f"{what}: draw {k + 1} of 300, vs rng.choice(9, p=softmax(logits / T)) "
                         "on an identical rng", hint=hint)
        for _ in range(300):
            twin.choice(9, p=torch_probs(x, T))
        require(rng.bit_generator.state == twin.bit_generator.state,
                f"{what}: after 300 draws the rng is not where 300 calls of rng.choice(9, p=probs) leave it",
                hint="one rng.choice call per draw, nothing else drawn from the rng")

    Tensor = load(2, "tensor").Tensor
    x = g.standard_normal(9)
    rng, twin = np.random.default_rng(6), np.random.default_rng(6)
    what = "sample_next(a phase-02 Tensor of logits (9,), rng, temperature=1.0)"
    got = draws(Tensor(x), rng, 1.0, what, 50)
    assert_equal(got, [int(twin.choice(9, p=torch_probs(x, 1.0))) for _ in range(50)], what=f"{what}: 50 draws",
                 hint="softmax_probs accepts Tensors: let it convert them")

    cold = np.array([0.0, 1.0, 2.5, 3.0, 2.0])
    rng = np.random.default_rng(8)
    what = f"sample_next(logits {cold.tolist()}, rng, temperature=0.05), 500 times"
    got = draws(cold, rng, 0.05, what, 500)
    share = got.count(3) / 500
    require(share >= 0.99, f"{what}: the argmax (id 3) came {share:.1%} of the time; at T = 0.05 it should come nearly always",
            hint="divide the logits by T: a small T sharpens the distribution towards the argmax")


def choices(logits: np.ndarray, T: float, seed: int, n: int) -> list[int]:
    """n draws of rng.choice(V, p=softmax(logits / T)) from default_rng(seed)."""
    rng, p = np.random.default_rng(seed), torch_probs(logits, T)
    return [int(rng.choice(len(p), p=p)) for _ in range(n)]


def stub_model(table: np.ndarray, as_tensor: bool):
    """block_size 3; logits (1, V) = table[last id]; records each input and the grad mode."""
    tensor = load(2, "tensor")

    class Stub:
        block_size = 3

        def __init__(self):
            self.inputs: list = []
            self.grad_modes: list[bool] = []

        def __call__(self, idx):
            self.inputs.append(np.array(idx, copy=True))
            self.grad_modes.append(tensor.is_grad_enabled())
            row = table[int(np.asarray(idx).reshape(-1)[-1])][None, :]
            return tensor.Tensor(row.copy(), requires_grad=True) if as_tensor else row.copy()

    return Stub()


def oracle_generate(table: np.ndarray, context: list[int], steps: int, rng, T: float) -> list[int]:
    ids = list(context)
    for _ in range(steps):
        ids.append(int(rng.choice(table.shape[1], p=torch_probs(table[ids[-1]], T))))
    return ids[len(context):]


@task(points=3, timeout=60, needs=('sampling_sample_next',))
def test_sampling_generate(oracle):
    """generate feeds the last block_size ids as (1, bs) int64 under no_grad and returns only the new ids."""
    g = np.random.default_rng(2)
    V = 7
    table = 2.0 * g.standard_normal((V, V))
    context = [1, 4, 2, 5, 0]
    steps, T = 12, 0.8
    for as_tensor in [False, True]:
        kind = "a phase-02 Tensor" if as_tensor else "a NumPy array"
        model = stub_model(table, as_tensor)
        rng = np.random.default_rng(9)
        twin = copy.deepcopy(rng)
        what = (f"generate(model, context={context}, max_new_tokens={steps}, rng=default_rng(9), temperature={T}) "
                f"with a model of block_size 3 whose logits (1, {V}) are {kind}")
        with calling(what):
            got = sampling().generate(model, context, steps, rng=rng, temperature=T)
        expected = oracle_generate(table, context, steps, twin, T)
        require(isinstance(got, list), f"{what} should return a list of ids, got {type(got).__name__}")
        if len(got) == len(context) + steps:
            raise AssertionError(f"{what} returned {len(got)} ids: the context and the new ones.\n"
                                 f"Hint: return the {steps} new ids only")
        assert_equal(len(got), steps, what=f"{what}: the number of ids returned")
        require(all(isinstance(i, int) for i in got), f"{what} should return Python ints, got {[type(i).__name__ for i in got[:3]]}")
        require(len(model.inputs) == steps, f"{what}: the model was called {len(model.inputs)} times, expected once per new id ({steps})")
        sequence = list(context) + got  # the windows must come from the learner's own sequence
        for k, x in enumerate(model.inputs):
            hint = "the model reads the last block_size ids: ids[-block_size:], as np.asarray(..., dtype=np.int64)[None, :]"
            if x.shape != (1, 3) and x.ndim == 2 and x.shape[1] == len(context) + k:
                hint = "the whole sequence was fed: keep only the last block_size ids (the model's block_size)"
            assert_equal(x.shape, (1, 3), what=f"{what}: the shape of the model's input at step {k + 1}", hint=hint)
            assert_equal(x.dtype, np.dtype(np.int64), what=f"{what}: the dtype of the model's input at step {k + 1}",
                         hint="np.asarray(window, dtype=np.int64)")
            last = sequence[len(context) + k - 3:len(context) + k]
            assert_equal(x[0].tolist(), last, what=f"{what}: the model's input at step {k + 1} (the last 3 of the ids "
                         f"{sequence[:len(context) + k]})",
                         hint="each new id joins the sequence; feed ids[-block_size:], the most recent ones")
        require(not any(model.grad_modes), f"{what}: the model ran with grad mode on in {sum(model.grad_modes)} of "
                f"{steps} calls", hint="wrap the loop in `with no_grad():` (phase-02 tensor.no_grad): sampling needs no graph")
        hint = ("each step: logits = model(x); token = sample_next(logits[0], rng, temperature) "
                "(make sampling_sample_next pass first)")
        never = ("the rng given was never drawn from: the ids came from another generator. Pass the caller's rng on "
                 "to sample_next at every step (never np.random.* or a Generator of your own): a seed must give the "
                 "same text")
        untouched = rng.bit_generator.state == np.random.default_rng(9).bit_generator.state
        if got != expected and untouched:
            hint = never
        elif got != expected and got == oracle_generate(table, context, steps, np.random.default_rng(9), 1.0):
            hint = (f"your ids are those of temperature 1: pass temperature on, sample_next(logits[0], rng, temperature) "
                    f"(here T = {T})")
        assert_equal(got, expected, what=f"{what}: the new ids, vs rng.choice(7, p=softmax(logits[0] / T)) at each step",
                     hint=hint)
        require(rng.bit_generator.state == twin.bit_generator.state,
                f"{what}: the rng is not where {steps} draws of rng.choice leave it",
                hint=never if untouched else "one sample_next call per new id")  # another generator may draw the same ids

    model = stub_model(table, False)
    with calling("generate(model, context, max_new_tokens=0, rng=default_rng(0))"):
        none = sampling().generate(model, [1, 2, 3], 0, rng=np.random.default_rng(0))
    assert_equal(none, [], what="generate(model of block_size 3, context=[1, 2, 3], max_new_tokens=0)")
    with expect_raises(ValueError, "generate(model of block_size 3, context=[1, 2], max_new_tokens=5, rng=...)",
                       hint="the model reads block_size ids: raise ValueError when the context is shorter"):
        sampling().generate(model, [1, 2], 5, rng=np.random.default_rng(0))

    # Real text: a model of block_size 2 that reads the grader's own counted bigram table
    # (its second id), so that this task needs nothing of yours but generate and sample_next.
    c = oracle.corpus()
    Vc = c.vocab_size
    log_p = np.log(oracle.add_k(oracle.pair_counts(c.train, Vc), 1.0))

    class Counted:
        block_size = 2

        def __call__(self, idx):
            return log_p[np.asarray(idx)[:, -1]]

    start = c.valid[:8].tolist()
    what = (f"generate(a counted bigram of block_size 2 over {Vc} characters, context=the first 8 validation "
            f"ids {c.decode(start)!r}, max_new_tokens=200, rng=default_rng(0))")
    with calling(what):
        new = sampling().generate(Counted(), start, 200, rng=np.random.default_rng(0))
    require(isinstance(new, list) and len(new) == 200 and all(isinstance(i, int) and 0 <= i < Vc for i in new),
            f"{what} should return 200 Python ints in 0..{Vc - 1}, got {new!r:.200}")
    text = c.decode(new)
    require(" " in text and sum(ch.isalpha() for ch in text) > 100,
            f"{what} decodes to {text[:120]!r}: a bigram of English should give letters and spaces",
            hint="draw from softmax(logits[0] / T), the distribution of row 0 of the model's logits")
