"""Devices: where arrays live, and moving a model there.

Your framework never imported NumPy for arithmetic: every operation takes its array module
from its data (``xp = array_module(x)``). So the same code runs on a GPU as soon as the data
is a CuPy array. What is left is to choose the device and to move things onto it::

    device = resolve_device("auto")        "cuda" with a GPU, else "cpu" (and it says so)
    model = to_device(model, device)       every parameter's data (and grad) moved, in place
    x = to_device(x, device)               a batch of ids: a NumPy or CuPy array

Without a GPU, ``"cuda"`` is :mod:`common.fakecupy` while ``SCRATCHGPT_FAKE_GPU=1``: an array
library with CuPy's rules on the CPU. The grader runs your model, optimizer and training step
on it, so a NumPy call left on device data fails here as it would on a GPU.
"""

from __future__ import annotations

import numpy as np

from common import backend, load

_tensor = load(2, "tensor")
_nn = load(2, "nn")
DEVICES = ("auto", "cpu", "cuda")


def array_module(device: str):
    """``numpy`` for ``"cpu"``; for ``"cuda"`` CuPy (the stand-in when faked). Given."""
    if device == "cpu":
        return np
    xp = backend.gpu_module()
    if xp is None:
        raise RuntimeError(no_gpu_message())
    return xp


def no_gpu_message() -> str:
    """The one sentence ``device = "cuda"`` fails with on a machine without a usable GPU. Given."""
    why = "CuPy is not installed" if backend._cupy() is None else "CuPy sees no CUDA device"
    return (f'device = "cuda" but no GPU can be used here ({why}): set device = "cpu" or "auto", '
            f'or install CuPy for your CUDA driver (pip install -e ".[gpu]")')


def resolve_device(device: str, *, say=print) -> str:
    """The device a run uses: ``"cpu"`` or ``"cuda"``.

    ``"cpu"`` and ``"cuda"`` are taken as asked, ``"cuda"`` only when :func:`backend.has_gpu`
    (else RuntimeError with :func:`no_gpu_message`). ``"auto"`` is ``"cuda"`` when there is a
    GPU, else ``"cpu"`` after one ``say(...)`` line saying that no GPU was found and the run
    goes on on the CPU. Anything else: ValueError naming the three allowed values.
    """
    # YOUR CODE HERE
    raise NotImplementedError("resolve_device: not written yet; see its docstring and the handout")


def to_device(obj, device: str):
    """``obj`` moved to ``device`` (``"cpu"`` or ``"cuda"``).

    - an array (NumPy, CuPy or the stand-in's): the same values and dtype in
      ``array_module(device)``; the array itself when it is already there (no copy);
    - a Tensor: its ``data`` and its ``grad`` (when it has one) moved, in place; returns it;
    - a Module: every parameter moved in place, so an optimizer built on them, and weights
      tied between two layers, still hold the same Parameter objects; returns the module.

    Anything else: TypeError naming its type.
    """
    # backend.to_numpy(x) brings any array to the host; xp.asarray(x) takes host data to xp.
    # YOUR CODE HERE
    raise NotImplementedError("to_device: not written yet; see its docstring and the handout")


def optimizer_to(optimizer, device: str):
    """Move an optimizer's state (AdamW's ``m`` and ``v``) to ``device``, in place; returns it.
    Given: a resumed run loads the state on the CPU and moves it with its model."""
    for state in optimizer.state.values():
        for key, value in state.items():
            if key in ("m", "v"):
                state[key] = to_device(value, device)
    return optimizer
