"""Grader for rng.py: the seeded stream, and the statistics of Xavier and He initialisers.

Each initialiser is drawn 200,000 times with fan_in != fan_out, then checked against its
formula (bound or std within 2 %), against the shape of its distribution (uniform or
normal), and against PyTorch's ``torch.nn.init`` on a tensor of shape (fan_out, fan_in).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from common import load
from common.checks import assert_equal, calling, require
from grader import task

FAN_IN, FAN_OUT = 250, 800  # 200,000 weights; very different fans catch a swapped or wrong fan


def rng_module():
    return load(1, "rng")


def draw(fn_name: str, fan_in: int, fan_out: int, seed: int = 0, **kwargs) -> tuple[np.ndarray, str]:
    """Call the learner's initialiser with a fresh Generator; check type, shape and dtype."""
    fn = getattr(rng_module(), fn_name)
    args = "".join(f", {k}={getattr(v, '__name__', v)}" for k, v in kwargs.items())
    what = f"{fn_name}(rng, fan_in={fan_in}, fan_out={fan_out}{args})"
    with calling(what):
        w = fn(np.random.default_rng(seed), fan_in, fan_out, **kwargs)
    require(isinstance(w, np.ndarray), f"{what} should return a NumPy array, got {type(w).__name__}")
    assert_equal(w.shape, (fan_in, fan_out), what=f"{what}.shape",
                 hint="weights are (fan_in, fan_out) because layers compute x @ W")
    assert_equal(w.dtype, np.dtype(kwargs.get("dtype", np.float32)), what=f"{what}.dtype",
                 hint="convert the samples with .astype(dtype); the default dtype is float32")
    return w, what


def moments(w: np.ndarray) -> tuple[float, float, float, float]:
    """Mean, std, fraction within one std of the mean, and kurtosis (uniform 1.8, normal 3)."""
    x = w.astype(np.float64).ravel()
    mean, std = x.mean(), x.std()
    z = (x - mean) / std
    return float(mean), float(std), float(np.mean(np.abs(z) < 1.0)), float(np.mean(z**4))


def diagnose(value: float, candidates: dict[str, float]) -> str | None:
    """Name the classic mistake whose value is within 2 % of ``value``, if any."""
    for mistake, v in candidates.items():
        if abs(value - v) <= 0.02 * v:
            return mistake
    return None


def check_spread(what: str, std: float, expected_std: float, mistakes: dict[str, float], formula: str) -> None:
    mistake = diagnose(std, mistakes)
    require(
        abs(std - expected_std) <= 0.02 * expected_std,
        f"{what}: the weights' standard deviation is {std:.5f}, expected {expected_std:.5f} (within 2 %)",
        hint=(mistake + "; " if mistake else "") + f"the formula is {formula}",
    )


def check_mean(what: str, mean: float, std: float) -> None:
    require(abs(mean) <= 0.02 * std, f"{what}: the weights' mean is {mean:.5f}, expected about 0 (|mean| <= {0.02 * std:.5f})",
            hint="draw symmetric around 0: U(-a, a) or N(0, std^2)")


def check_uniform(what: str, w: np.ndarray, bound: float, mistakes: dict[str, float], formula: str) -> None:
    mean, std, _, kurt = moments(w)
    top = float(np.abs(w.astype(np.float64)).max())
    mistake = diagnose(top, mistakes)
    require(top <= bound * (1 + 1e-6),
            f"{what}: the largest |weight| is {top:.5f}, but U(-a, a) with a = {bound:.5f} never exceeds a",
            hint=(mistake + "; " if mistake else "") + f"a = {formula}")
    require(top >= 0.99 * bound,
            f"{what}: the largest |weight| is {top:.5f}; {w.size} draws from U(-a, a) with a = {bound:.5f} come within 1 % of a",
            hint=(mistake + "; " if mistake else "") + f"a = {formula}")
    check_mean(what, mean, std)
    check_spread(what, std, bound / math.sqrt(3), {}, f"a / sqrt(3) for U(-a, a), a = {formula}")
    require(abs(kurt - 1.8) <= 0.15,
            f"{what}: the weights do not look uniform (kurtosis {kurt:.2f}; uniform gives 1.8, normal 3.0)",
            hint="draw with rng.uniform(-a, a, size=(fan_in, fan_out))")


def check_normal(what: str, w: np.ndarray, expected_std: float, mistakes: dict[str, float], formula: str) -> None:
    mean, std, within, kurt = moments(w)
    check_mean(what, mean, std)
    check_spread(what, std, expected_std, mistakes, formula)
    require(abs(within - 0.6827) <= 0.01 and abs(kurt - 3.0) <= 0.15,
            f"{what}: the weights do not look normal: {within:.3f} of them lie within one std of the mean "
            f"(normal: 0.683, uniform: 0.577), kurtosis {kurt:.2f} (normal: 3.0)",
            hint="draw with rng.normal(0.0, std, size=(fan_in, fan_out)): a plain, not truncated, normal")


def torch_weights(init: str, fan_in: int, fan_out: int, **kwargs) -> np.ndarray:
    """PyTorch's initialiser on a (fan_out, fan_in) tensor, whose fan_in is size(1)."""
    torch.manual_seed(0)
    w = torch.empty(fan_out, fan_in, dtype=torch.float64)
    getattr(torch.nn.init, init)(w, **kwargs)
    return w.numpy()


def check_against_torch(what: str, w: np.ndarray, ref: np.ndarray, init: str) -> None:
    std, ref_std = float(w.astype(np.float64).std()), float(ref.std())
    require(abs(std - ref_std) <= 0.03 * ref_std,
            f"{what}: the weights' std is {std:.5f}, but torch.nn.init.{init} on the same layer gives {ref_std:.5f}",
            hint="PyTorch stores the same layer as (fan_out, fan_in); its fan_in is the number of inputs, as here")


def check_initialiser(name: str, fi: int, fo: int, scale: float, mistakes: dict[str, float], formula: str,
                      torch_init: str, torch_kwargs: dict, **kwargs) -> None:
    """Draw ``name``'s weights and check them against the formula (``scale`` is the bound or std) and PyTorch."""
    w, what = draw(name, fi, fo, **kwargs)
    if name.endswith("uniform"):
        check_uniform(what, w, scale, mistakes, formula)
    else:
        check_normal(what, w, scale, mistakes, formula)
    label = torch_init + "(" + ", ".join(f"{k}={v!r}" for k, v in torch_kwargs.items()) + ")"
    check_against_torch(what, w, torch_weights(torch_init, fi, fo, **torch_kwargs), label)
    draw(name, 30, 20, dtype=np.float64)


@task(points=1, timeout=20)
def test_rng_make_rng():
    """make_rng(seed) is a fresh Generator with the stream of np.random.default_rng(seed)."""
    make_rng = rng_module().make_rng
    for seed in (0, 1, 42, 2**40 + 3):
        with calling(f"make_rng({seed})"):
            rng = make_rng(seed)
        require(isinstance(rng, np.random.Generator), f"make_rng({seed}) should return a np.random.Generator, got {type(rng).__name__}",
                hint="np.random.Generator(np.random.PCG64(seed)), or np.random.default_rng(seed)")
        expected = np.random.default_rng(seed)
        assert_equal(rng.random(6), expected.random(6), what=f"make_rng({seed}).random(6)",
                     hint="use the PCG64 bit generator, seeded with the seed itself")
        assert_equal(rng.normal(size=3), expected.normal(size=3), what=f"make_rng({seed}).normal(size=3) after random(6)")
    first = make_rng(7)
    second = make_rng(7)
    require(first is not second, "make_rng(7) returned the same object twice; each call should build a fresh Generator")
    a = first.random(5)
    b = second.random(5)
    assert_equal(b, a, what="make_rng(7).random(5) on the second of two generators made with seed 7",
                 hint="two generators with the same seed must be independent: drawing from one must not move the other")
    require(not np.array_equal(make_rng(1).random(5), make_rng(2).random(5)),
            "make_rng(1) and make_rng(2) drew the same numbers: the seed must change the stream")


@task(points=2, timeout=30)
def test_rng_xavier_uniform():
    """xavier_uniform draws U(-a, a), a = gain*sqrt(6/(fan_in+fan_out)), like torch's xavier_uniform_."""
    fi, fo = FAN_IN, FAN_OUT
    for gain in (1.0, 2.0):
        kwargs = {} if gain == 1.0 else {"gain": gain}
        bound = gain * math.sqrt(6 / (fi + fo))
        mistakes = {
            "this matches sqrt(6 / fan_in): use fan_in + fan_out": gain * math.sqrt(6 / fi),
            "this matches sqrt(6 / fan_out): use fan_in + fan_out": gain * math.sqrt(6 / fo),
            "this matches sqrt(2 / (fan_in + fan_out)), the std of the normal version, not the bound": gain * math.sqrt(2 / (fi + fo)),
            "this matches the bound without gain: multiply by gain": math.sqrt(6 / (fi + fo)),
            "this matches sqrt(6 * gain / (fan_in + fan_out)): gain multiplies the bound, outside the square root":
                math.sqrt(6 * gain / (fi + fo)),
        }
        check_initialiser("xavier_uniform", fi, fo, bound, mistakes, "gain * sqrt(6 / (fan_in + fan_out))",
                          "xavier_uniform_", {"gain": gain}, **kwargs)


@task(points=2, timeout=30)
def test_rng_xavier_normal():
    """xavier_normal draws N(0, std^2), std = gain*sqrt(2/(fan_in+fan_out)), like torch's xavier_normal_."""
    fi, fo = FAN_IN, FAN_OUT
    for gain in (1.0, 0.5):
        kwargs = {} if gain == 1.0 else {"gain": gain}
        mistakes = {
            "this matches sqrt(2 / fan_in): use fan_in + fan_out": gain * math.sqrt(2 / fi),
            "this matches sqrt(2 / fan_out): use fan_in + fan_out": gain * math.sqrt(2 / fo),
            "this matches sqrt(6 / (fan_in + fan_out)), the uniform bound, not the std": gain * math.sqrt(6 / (fi + fo)),
            "this matches sqrt(1 / (fan_in + fan_out)): the numerator is 2": gain * math.sqrt(1 / (fi + fo)),
            "this matches the std without gain: multiply by gain": math.sqrt(2 / (fi + fo)),
            "this matches sqrt(2 * gain / (fan_in + fan_out)): gain multiplies the std, outside the square root":
                math.sqrt(2 * gain / (fi + fo)),
        }
        check_initialiser("xavier_normal", fi, fo, gain * math.sqrt(2 / (fi + fo)), mistakes,
                          "gain * sqrt(2 / (fan_in + fan_out))", "xavier_normal_", {"gain": gain}, **kwargs)


@pytest.mark.parametrize("fi,fo", [(FAN_IN, FAN_OUT), (FAN_OUT, FAN_IN)])
@task(points=1, timeout=30)
def test_rng_he_uniform(fi, fo):
    """he_uniform draws U(-a, a), a = sqrt(6/fan_in), like torch's kaiming_uniform_ for ReLU."""
    mistakes = {
        "this matches sqrt(6 / fan_out): He (fan-in mode) uses fan_in only": math.sqrt(6 / fo),
        "this matches sqrt(3 / fan_in): the ReLU gain doubles the variance, a = sqrt(6 / fan_in)": math.sqrt(3 / fi),
        "this matches sqrt(2 / fan_in), the std of the normal version, not the bound": math.sqrt(2 / fi),
        "this matches the Xavier bound sqrt(6 / (fan_in + fan_out))": math.sqrt(6 / (fi + fo)),
    }
    check_initialiser("he_uniform", fi, fo, math.sqrt(6 / fi), mistakes, "sqrt(6 / fan_in)",
                      "kaiming_uniform_", {"mode": "fan_in", "nonlinearity": "relu"})


@pytest.mark.parametrize("fi,fo", [(FAN_IN, FAN_OUT), (FAN_OUT, FAN_IN)])
@task(points=1, timeout=30)
def test_rng_he_normal(fi, fo):
    """he_normal draws N(0, std^2), std = sqrt(2/fan_in), like torch's kaiming_normal_ for ReLU."""
    mistakes = {
        "this matches sqrt(2 / fan_out): He (fan-in mode) uses fan_in only": math.sqrt(2 / fo),
        "this matches sqrt(1 / fan_in) (LeCun): the ReLU gain doubles the variance": math.sqrt(1 / fi),
        "this matches sqrt(6 / fan_in), the uniform bound, not the std": math.sqrt(6 / fi),
        "this matches the Xavier std sqrt(2 / (fan_in + fan_out))": math.sqrt(2 / (fi + fo)),
    }
    check_initialiser("he_normal", fi, fo, math.sqrt(2 / fi), mistakes, "sqrt(2 / fan_in)",
                      "kaiming_normal_", {"mode": "fan_in", "nonlinearity": "relu"})


@pytest.mark.parametrize("name", ["xavier_uniform", "xavier_normal", "he_uniform", "he_normal"])
@task(points=1, timeout=20)
def test_rng_init_reproducible(name):
    """Initialisers draw from the Generator they are given: same seed, same weights."""
    fn = getattr(rng_module(), name)
    call = f"{name}(np.random.default_rng(seed), 40, 30)"
    with calling(call):
        a = fn(np.random.default_rng(5), 40, 30)
        b = fn(np.random.default_rng(5), 40, 30)
        c = fn(np.random.default_rng(6), 40, 30)
    hint = "draw with the rng argument (rng.uniform / rng.normal), never np.random.* or a Generator of your own"
    assert_equal(np.asarray(b), np.asarray(a), what=f"{call} with seed 5, called twice", hint=hint)
    require(not np.array_equal(a, c), f"{call} gave the same weights for seeds 5 and 6: the weights must come from rng", hint=hint)
    rng = np.random.default_rng(5)
    with calling(f"{name}(rng, 40, 30) twice on one Generator"):
        first, second = fn(rng, 40, 30), fn(rng, 40, 30)
    require(not np.array_equal(first, second),
            f"{name}(rng, 40, 30) returned the same weights twice from one Generator: each call should consume the stream",
            hint="do not re-seed or copy the Generator inside the initialiser")
