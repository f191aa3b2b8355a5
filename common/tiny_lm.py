"""The graders' tiny language model and its PyTorch twin, shared by the graders of phases 06 and 08.

``tiny_lm`` is ``logits = drop(wte[idx]) @ W + b`` built from the learner's phase-02 modules:
small enough to mirror exactly in PyTorch (``torch_params``, ``torch_loss``), float64 by default.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from common import load, under_test
from common.phases import isolated, lives_apart
from common.backend import to_numpy


def tiny_lm(vocab: int = 11, width: int = 6, dropout: float = 0.0, seed: int = 0, dtype=np.float64):
    """A bigram-like model ``(B, T) -> (B, T, vocab)``; ``model.calls`` records, for every forward,
    whether grad mode was on and whether it was training."""
    if isolated():  # built where the code under test runs
        return under_test("common.tiny_lm").tiny_lm(vocab, width, dropout, seed, dtype)
    nn, tensor = load(2, "nn"), load(2, "tensor")
    g = np.random.default_rng(seed)

    class Tiny(nn.Module):
        def __init__(self):
            self.wte = nn.Embedding(vocab, width, rng=g)
            self.head = nn.Linear(width, vocab, rng=g)
            self.drop = nn.Dropout(dropout, rng=np.random.default_rng(seed + 1))
            for p in (self.wte.weight, self.head.weight, self.head.bias):
                p.data = g.normal(0, 0.7, p.shape).astype(dtype)
            self.calls = []

        def forward(self, idx):
            self.calls.append({"grad": tensor.is_grad_enabled(), "training": self.training})
            return self.head(self.drop(self.wte(idx)))

    return Tiny()


def host(x) -> np.ndarray:
    """A NumPy copy of an array on any device, read without counting as the learner's synchronisation
    (in isolated grading, made where the array lives)."""
    from common import fakecupy

    if lives_apart(x):
        return under_test("common.tiny_lm").host(x)

    if isinstance(x, fakecupy.ndarray):
        return x._a.copy()
    return np.array(to_numpy(x), copy=True)


def torch_params(model) -> dict[str, torch.Tensor]:
    """float64 leaf copies of a model's weights (on any device), by name."""
    return {name: torch.tensor(host(p.data).astype(np.float64), requires_grad=True)
            for name, p in model.named_parameters()}


def torch_logits(P: dict, idx) -> torch.Tensor:
    """The tiny model's logits in PyTorch (no dropout)."""
    return P["wte.weight"][torch.as_tensor(np.asarray(idx))] @ P["head.weight"] + P["head.bias"]


def torch_loss(P: dict, x, y) -> torch.Tensor:
    """The tiny model's mean cross-entropy in PyTorch."""
    logits = torch_logits(P, x)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), torch.as_tensor(np.asarray(y)).reshape(-1))
