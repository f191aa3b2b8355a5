"""Training and evaluating a language model on (context, target) examples.

One step: draw a random batch, compute the cross-entropy of the model's logits against the
targets, clear the old gradients, back-propagate, let the optimizer update. Evaluation
averages the loss over *every* example of a set, without recording a graph.
"""

from __future__ import annotations

import numpy as np

from common import load

from .data import random_batch

_tensor = load(2, "tensor")
_functional = load(2, "functional")


def evaluate(model, X: np.ndarray, Y: np.ndarray, batch_size: int = 4096) -> float:
    """The mean cross-entropy, in nats, of ``model`` over all ``len(X)`` examples, computed
    ``batch_size`` rows at a time under ``no_grad``.

    The mean is over examples, not over batches: a short last batch counts for its rows
    only. The model is put in eval mode and given back in the mode it had.
    """
    # Weight each batch's mean loss by its number of rows.
    # YOUR CODE HERE
    raise NotImplementedError("evaluate: not written yet; see its docstring and the handout")


def train(model, optimizer, X: np.ndarray, Y: np.ndarray, *, steps: int, batch_size: int,
          rng: np.random.Generator) -> list[float]:
    """Run ``steps`` optimisation steps and return the ``steps`` training losses (floats).

    Each step: ``random_batch(X, Y, batch_size, rng)``, ``cross_entropy(model(x), y)``,
    ``optimizer.zero_grad()``, ``loss.backward()``, ``optimizer.step()``. The model is put
    in training mode first.
    """
    # YOUR CODE HERE
    raise NotImplementedError("train: not written yet; see its docstring and the handout")
