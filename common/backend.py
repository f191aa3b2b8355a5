"""The array backend: NumPy on the CPU, CuPy on an NVIDIA GPU.

Code that should run on both takes its array module from its data instead of importing
NumPy: ``xp = array_module(x)``, then ``xp.exp(x)``, ``xp.zeros_like(x)`` and so on.
"""

from __future__ import annotations

import functools
import sys
from types import ModuleType

import numpy as np


@functools.cache
def _cupy() -> ModuleType | None:
    try:
        import cupy
    except ImportError:
        return None
    return cupy


def array_module(*arrays) -> ModuleType:
    """``cupy`` if any argument is a CuPy array (``common.fakecupy`` for its CPU stand-in's arrays),
    else ``numpy``."""
    cp = _cupy()
    if cp is not None and any(isinstance(a, cp.ndarray) for a in arrays):
        return cp
    fake = sys.modules.get("common.fakecupy")
    if fake is not None and any(isinstance(a, fake.ndarray) for a in arrays):
        return fake
    return np


def gpu_available() -> bool:
    """True when CuPy is installed and sees at least one CUDA device."""
    cp = _cupy()
    if cp is None:
        return False
    try:
        return cp.cuda.runtime.getDeviceCount() > 0
    except Exception:  # noqa: BLE001 - no driver, no device: both mean no GPU
        return False


def to_numpy(x) -> np.ndarray:
    """A NumPy copy of ``x`` (NumPy, CuPy or stand-in array, or anything ``np.asarray`` takes)."""
    cp = _cupy()
    if cp is not None and isinstance(x, cp.ndarray):
        return cp.asnumpy(x)
    fake = sys.modules.get("common.fakecupy")
    if fake is not None and isinstance(x, fake.ndarray):
        return fake.asnumpy(x)
    return np.asarray(x)
