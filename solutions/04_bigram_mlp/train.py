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
    ### BEGIN SOLUTION
    if len(X) != len(Y) or len(X) == 0:
        raise ValueError(f"X and Y must be non-empty and of equal length, got {len(X)} and {len(Y)}")
    was_training = model.training
    model.eval()
    total = 0.0
    try:
        with _tensor.no_grad():
            for i in range(0, len(X), batch_size):
                xb, yb = X[i:i + batch_size], Y[i:i + batch_size]
                total += _functional.cross_entropy(model(xb), yb).item() * len(yb)
    finally:
        model.train(was_training)
    return total / len(X)
    ### END SOLUTION


def train(model, optimizer, X: np.ndarray, Y: np.ndarray, *, steps: int, batch_size: int,
          rng: np.random.Generator) -> list[float]:
    """Run ``steps`` optimisation steps and return the ``steps`` training losses (floats).

    Each step: ``random_batch(X, Y, batch_size, rng)``, ``cross_entropy(model(x), y)``,
    ``optimizer.zero_grad()``, ``loss.backward()``, ``optimizer.step()``. The model is put
    in training mode first.
    """
    ### BEGIN SOLUTION
    model.train()
    losses = []
    for _ in range(steps):
        xb, yb = random_batch(X, Y, batch_size, rng)
        loss = _functional.cross_entropy(model(xb), yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
    ### END SOLUTION
