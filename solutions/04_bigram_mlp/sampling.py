"""Sampling text from a language model, one token at a time.

A model gives logits for the next token. Dividing them by a temperature ``T`` before the
softmax reshapes the distribution: ``T < 1`` sharpens it towards the most likely token,
``T > 1`` flattens it towards uniform, ``T = 1`` leaves it as the model learned it. Each
drawn token joins the context and the model is asked again.
"""

from __future__ import annotations

import numpy as np

from common import load
from common.backend import to_numpy

_tensor = load(2, "tensor")


def softmax_probs(logits, temperature: float = 1.0) -> np.ndarray:
    """``softmax(logits / temperature)`` over the last axis, as float64 NumPy (same shape).

    Stable for large logits (subtract the maximum first). ``logits`` may be an array or a
    Tensor. ValueError for ``temperature <= 0``, naming it.
    """
    ### BEGIN SOLUTION
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
    z = np.asarray(to_numpy(logits.data if isinstance(logits, _tensor.Tensor) else logits), dtype=np.float64)
    z = z / temperature
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)
    ### END SOLUTION


def sample_next(logits, rng: np.random.Generator, temperature: float = 1.0) -> int:
    """One token id drawn from ``softmax_probs(logits, temperature)``, logits ``(V,)``:
    ``int(rng.choice(V, p=probs))``, one call, so that a seed gives the same text everywhere.
    """
    ### BEGIN SOLUTION
    probs = softmax_probs(logits, temperature)
    if probs.ndim != 1:
        raise ValueError(f"sample_next takes the logits of one position, shape (V,), got {probs.shape}")
    return int(rng.choice(len(probs), p=probs))
    ### END SOLUTION


def generate(model, context, max_new_tokens: int, *, rng: np.random.Generator,
             temperature: float = 1.0) -> list[int]:
    """Extend ``context`` (a list of ids, at least ``model.block_size`` of them) by
    ``max_new_tokens`` sampled ids, and return the new ids only.

    At each step the model sees the last ``model.block_size`` ids as a ``(1, block_size)``
    int64 array and returns logits ``(1, V)`` (a Tensor or an array); ``sample_next`` draws
    from row 0. Runs under ``no_grad``: no graph is kept. ValueError when the context is
    shorter than ``block_size``.
    """
    ### BEGIN SOLUTION
    ids = [int(i) for i in context]
    block = model.block_size
    if len(ids) < block:
        raise ValueError(f"the context holds {len(ids)} ids; the model reads the last "
                         f"block_size={block}, so give at least {block}")
    new: list[int] = []
    with _tensor.no_grad():
        for _ in range(max_new_tokens):
            x = np.asarray(ids[len(ids) - block:], dtype=np.int64)[None, :]
            logits = model(x)
            token = sample_next(logits[0], rng, temperature)
            ids.append(token)
            new.append(token)
    return new
    ### END SOLUTION
