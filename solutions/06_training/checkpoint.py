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
    ### BEGIN SOLUTION
    opt = optimizer.state_dict()
    tensors = {f"model.{name}": array for name, array in model.state_dict().items()}
    steps = {}
    for i, s in opt["state"].items():
        tensors[f"adamw.{i}.m"], tensors[f"adamw.{i}.v"] = s["m"], s["v"]
        steps[str(i)] = s["step"]
    metadata = {
        "step": json.dumps(int(step)),
        "model_config": json.dumps(dataclasses.asdict(model.config)),
        "adamw": json.dumps({"param_groups": opt["param_groups"], "steps": steps}),
        "rng": json.dumps({name: rng.bit_generator.state for name, rng in rngs.items()}),
        "info": json.dumps(info or {}),
    }
    _io.save(tensors, path, metadata=metadata)
    ### END SOLUTION


def load_checkpoint(path: str | os.PathLike, model, optimizer=None,
                    rngs: dict[str, np.random.Generator] | None = None) -> dict:
    """Restore a checkpoint into ``model`` (and ``optimizer`` and the generators in ``rngs``,
    when given, each set in place with ``rng.bit_generator.state = saved``).

    Everything is checked before anything changes. ValueError when the saved model config
    differs from ``model.config`` (naming every differing field and both values), or when
    tensors are missing, unexpected or of the wrong shape (naming every one of them); KeyError
    when ``rngs`` names a generator the file does not hold. Returns ``{"step": int, "info": dict}``.
    """
    ### BEGIN SOLUTION
    meta = _io.load_metadata(path)
    tensors = _io.load(path)
    saved_config = json.loads(meta["model_config"])
    config = dataclasses.asdict(model.config)
    differ = [f"{k}: saved {saved_config.get(k)!r}, model {config.get(k)!r}"
              for k in sorted(set(saved_config) | set(config)) if saved_config.get(k) != config.get(k)]
    if differ:
        raise ValueError(f"{path}: the checkpoint's model config differs from this model's: " + "; ".join(differ))

    params = dict(model.named_parameters())
    weights = {k[len("model."):]: v for k, v in tensors.items() if k.startswith("model.")}
    problems = [f"missing model.{k}" for k in params if k not in weights]
    problems += [f"unexpected {k}" for k in tensors if not k.startswith(("model.", "adamw."))]
    problems += [f"unexpected model.{k}" for k in weights if k not in params]
    problems += [f"model.{k} has shape {tuple(v.shape)}, the model {params[k].data.shape}"
                 for k, v in weights.items() if k in params and tuple(v.shape) != params[k].data.shape]
    adamw = json.loads(meta["adamw"])
    if optimizer is not None:
        problems += [f"missing adamw.{i}.{k}" for i in adamw["steps"] for k in "mv" if f"adamw.{i}.{k}" not in tensors]
    if problems:
        raise ValueError(f"{path} does not fit this model: " + "; ".join(problems))

    rng_states = json.loads(meta["rng"])
    unknown = [name for name in (rngs or {}) if name not in rng_states]
    if unknown:
        raise KeyError(f"{path} holds no state for the generators {unknown}; it has {sorted(rng_states)}")
    if optimizer is not None:
        state = {int(i): {"step": step, "m": tensors[f"adamw.{i}.m"], "v": tensors[f"adamw.{i}.v"]}
                 for i, step in adamw["steps"].items()}
        optimizer.load_state_dict({"state": state, "param_groups": adamw["param_groups"]})
    model.load_state_dict(weights)
    for name, rng in (rngs or {}).items():
        rng.bit_generator.state = rng_states[name]
    return {"step": json.loads(meta["step"]), "info": json.loads(meta["info"])}
    ### END SOLUTION
