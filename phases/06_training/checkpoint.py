"""Checkpoints: everything a run needs to go on exactly as if it had never stopped.

One safetensors file (phase 01's ``io``, which writes atomically: a crash leaves the old
file or the new one, never half of either) holds

- the tensors: ``model.<name>`` for each weight, ``adamw.<i>.m`` and ``adamw.<i>.v`` for the
  moments of parameter ``i`` (numbered over the optimizer's groups, as its ``state_dict``);
- ``__metadata__``, str -> str, each value JSON: ``step``, ``model_config``
  (``dataclasses.asdict(model.config)``), ``adamw`` (the ``state_dict`` without its arrays:
  ``param_groups``, and each stepped parameter's ``step``), ``rng`` (name -> the
  generator's ``bit_generator.state``) and ``info`` (anything else: the tokenizer's identity,
  the run's config).

Resuming *bit for bit* needs every piece: weights, both moments, each parameter's step
count, and the state of every random generator (the batch sampler's and dropout's).
Miss one and the resumed run drifts away from the uninterrupted one.
"""

from __future__ import annotations

import dataclasses
import json
import os

import numpy as np

from common import load

_io = load(1, "io")


def save_checkpoint(path: str | os.PathLike, model, optimizer, *, step: int,
                    rngs: dict[str, np.random.Generator], info: dict | None = None) -> None:
    """Write ``model``'s weights, ``optimizer``'s state, ``step``, the state of each generator
    in ``rngs`` and ``info`` (JSON-able) to ``path``, in the layout of the module docstring."""
    # optimizer.state_dict() gives the moments; model.state_dict() the weights.
    # YOUR CODE HERE
    raise NotImplementedError("save_checkpoint: not written yet; see its docstring and the handout")


def load_checkpoint(path: str | os.PathLike, model, optimizer=None,
                    rngs: dict[str, np.random.Generator] | None = None) -> dict:
    """Restore a checkpoint into ``model`` (and ``optimizer`` and the generators in ``rngs``,
    when given, each set in place with ``rng.bit_generator.state = saved``).

    Everything is checked before anything changes. ValueError when the saved model config
    differs from ``model.config`` (naming every differing field and both values), or when
    tensors are missing, unexpected or of the wrong shape (naming every one of them); KeyError
    when ``rngs`` names a generator the file does not hold. Returns ``{"step": int, "info": dict}``.
    """
    # YOUR CODE HERE
    raise NotImplementedError("load_checkpoint: not written yet; see its docstring and the handout")
