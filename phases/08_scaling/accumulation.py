"""Gradient accumulation: a batch too large for memory, taken in micro-batches.

The loss of a batch is the mean over its rows. Split the batch into ``k`` equal
micro-batches: the batch's mean is the mean of the ``k`` micro-batch means, so its gradient
is the sum of the ``k`` gradients of ``loss_i / k``. Backward *adds* into ``.grad``; run it
once per micro-batch, each time on ``loss_i / k``, and the gradients at the end are exactly
those of the whole batch, with the memory of one micro-batch::

    B = 8 rows, k = 4:   [2 rows] [2 rows] [2 rows] [2 rows]
                          loss_1   loss_2   loss_3   loss_4       each a mean over 2·T targets
    gradient of (loss_1 + loss_2 + loss_3 + loss_4) / 4  ==  gradient of the loss of all 8 rows

With a loss scale (``precision.py``) the seed of each backward is ``scale / k``.
"""

from __future__ import annotations

import numpy as np

from common import load

from .precision import cast

_functional = load(2, "functional")


def lm_loss(model, x, y):
    """The mean cross-entropy of ``model(x)`` ``(B, T, V)`` against ``y`` ``(B, T)``, computed in
    float32 whatever the model's dtype: a scalar float32 Tensor. Given."""
    logits = model(x)
    B, T, V = logits.shape
    return _functional.cross_entropy(cast(logits.reshape(B * T, V), np.promote_types(logits.dtype, np.float32)),
                                     y.reshape(B * T))


def split_batch(x, y, k: int) -> list[tuple]:
    """``k`` micro-batches ``[(x_i, y_i), ...]`` of ``B // k`` consecutive rows each, in order
    (views, no copies). ValueError naming ``B`` and ``k`` unless ``k >= 1`` divides ``B``."""
    # YOUR CODE HERE
    raise NotImplementedError("split_batch: not written yet; see its docstring and the handout")


def accumulate_gradients(model, micro_batches, *, loss_scale: float = 1.0):
    """Forward and backward over every micro-batch, adding into the parameters' ``.grad``
    (clear them first yourself if you need to: this function does not).

    Afterwards each ``.grad`` is ``loss_scale`` times the gradient of the mean of the
    micro-batch losses. Returns that mean loss, unscaled, as a 0-d float32 array on the
    model's device: no ``float()`` or ``.item()`` here, which would make the GPU wait.
    """
    # loss.backward(seed) starts backward from the number `seed` instead of 1.
    # YOUR CODE HERE
    raise NotImplementedError("accumulate_gradients: not written yet; see its docstring and the handout")
