"""One optimizer step on a GPU: accumulation, loss scaling, clipping, and one number to the host.

A GPU runs ahead of Python: each operation is queued and the call returns at once. Reading a
value on the host (``float(x)``, ``x.item()``, ``bool(x)``, ``int(x)``, printing it) makes
Python wait until everything queued before it has run: a *synchronisation*. One per step is
cheap; one per parameter, or per layer, leaves the GPU idle while Python catches up.

This step reads one number: the global gradient norm. It says both whether the step
overflowed (an ``inf`` or ``nan`` anywhere makes the norm non-finite) and how much to clip.
The loss stays on the device; the training loop reads it every ``log_every`` steps.
"""

from __future__ import annotations

import math

import numpy as np

from common.backend import array_module

from .accumulation import accumulate_gradients


def grad_norm(params):
    """``sqrt(sum over params of sum(grad ** 2))`` computed in float32, as a 0-d array on the
    gradients' device (no synchronisation); parameters whose ``.grad`` is None are skipped.
    ValueError when no parameter has a gradient."""
    # YOUR CODE HERE
    raise NotImplementedError("grad_norm: not written yet; see its docstring and the handout")


def train_step(model, optimizer, micro_batches, *, lr: float, grad_clip: float, scaler=None, master=None) -> dict:
    """One step; returns ``{"loss": 0-d device array, "grad_norm": float, "skipped": bool}``.

    - ``model``: the GPT, in float32, or in float16 with ``master`` (a ``MasterWeights``);
      ``optimizer`` steps the model's parameters, or ``master.master`` when given;
    - ``micro_batches``: ``[(x, y), ...]`` on the model's device; ``scaler``: a ``LossScaler``
      or None (a scale of 1, never updated).

    In order: training mode; every group's ``lr``; clear the gradients (optimizer *and* model);
    ``accumulate_gradients`` with the scaler's scale; with ``master``, ``grads_to_master(1 /
    scale)``, else every gradient divided by the scale (when it is not 1); the norm of the
    gradients the optimizer will use (unscaled), read once with ``float``; ``scaler.update``
    with whether it is finite. A non-finite norm skips the step: no update, and the gradients
    cleared (optimizer and model). Otherwise clip (each ``grad`` times ``grad_clip / (norm +
    1e-6)`` when ``norm > grad_clip``), ``optimizer.step()``, and with ``master``
    ``master_to_model()``. ``grad_norm`` is the unscaled norm before clipping.
    """
    # YOUR CODE HERE
    raise NotImplementedError("train_step: not written yet; see its docstring and the handout")
