"""Seeded randomness and weight initialisation.

Every random number in this course comes from a ``np.random.Generator`` that is passed
around explicitly, never from NumPy's global state: the same seed then gives the same
weights, the same batches and the same samples, on every machine.

Weights are shaped ``(fan_in, fan_out)`` because layers compute ``x @ W`` with ``x`` of
shape ``(batch, fan_in)``. Initialisers pick the spread of ``W`` so that activations
(Xavier/Glorot) or ReLU activations (He/Kaiming) keep their variance from layer to layer.
"""

from __future__ import annotations

import math

import numpy as np


def make_rng(seed: int) -> np.random.Generator:
    """A fresh Generator for ``seed``: the stream of ``np.random.default_rng(seed)`` (PCG64).

    Two calls with the same seed give two independent generators that draw the same numbers.
    """
    # A Generator turns the raw bits of a bit generator (here PCG64) into distributions.
    # YOUR CODE HERE
    raise NotImplementedError("make_rng: not written yet; see its docstring and the handout")


def xavier_uniform(rng: np.random.Generator, fan_in: int, fan_out: int, gain: float = 1.0, dtype=np.float32) -> np.ndarray:
    """Glorot/Xavier uniform: a (fan_in, fan_out) array of ``dtype`` drawn from U(-a, a).

    ``a = gain * sqrt(6 / (fan_in + fan_out))``, so the variance is a^2/3 = 2 gain^2 / (fan_in + fan_out).
    Draw from ``rng`` only.
    """
    # YOUR CODE HERE
    raise NotImplementedError("xavier_uniform: not written yet; see its docstring and the handout")


def xavier_normal(rng: np.random.Generator, fan_in: int, fan_out: int, gain: float = 1.0, dtype=np.float32) -> np.ndarray:
    """Glorot/Xavier normal: a (fan_in, fan_out) array of ``dtype`` drawn from N(0, std^2).

    ``std = gain * sqrt(2 / (fan_in + fan_out))``: the same variance as xavier_uniform.
    """
    # YOUR CODE HERE
    raise NotImplementedError("xavier_normal: not written yet; see its docstring and the handout")


def he_uniform(rng: np.random.Generator, fan_in: int, fan_out: int, dtype=np.float32) -> np.ndarray:
    """He/Kaiming uniform for ReLU layers (fan-in mode): a (fan_in, fan_out) array from U(-a, a).

    ``a = sqrt(6 / fan_in)``, so the variance is 2 / fan_in: ReLU zeroes half of its inputs,
    and the factor 2 makes up for it. Only fan_in enters the formula.
    """
    # YOUR CODE HERE
    raise NotImplementedError("he_uniform: not written yet; see its docstring and the handout")


def he_normal(rng: np.random.Generator, fan_in: int, fan_out: int, dtype=np.float32) -> np.ndarray:
    """He/Kaiming normal for ReLU layers (fan-in mode): a (fan_in, fan_out) array from N(0, std^2).

    ``std = sqrt(2 / fan_in)``, a plain (not truncated) normal distribution.
    """
    # YOUR CODE HERE
    raise NotImplementedError("he_normal: not written yet; see its docstring and the handout")
