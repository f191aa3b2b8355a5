"""The array backend: NumPy on the CPU, CuPy on an NVIDIA GPU.

Code that should run on both takes its array module from its data instead of importing
NumPy: ``xp = array_module(x)``, then ``xp.exp(x)``, ``xp.zeros_like(x)`` and so on.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
from collections.abc import Iterator
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
    """True when CuPy is installed and sees at least one CUDA device (and ``SCRATCHGPT_FAKE_GPU``
    is not ``none``, which hides it: how the graders try what a machine without one does)."""
    if os.environ.get("SCRATCHGPT_FAKE_GPU") == "none":
        return False
    cp = _cupy()
    if cp is None:
        return False
    try:
        return cp.cuda.runtime.getDeviceCount() > 0
    except Exception:  # noqa: BLE001 - no driver, no device: both mean no GPU
        return False


def to_numpy(x) -> np.ndarray:
    """A NumPy copy of ``x`` (NumPy, CuPy or stand-in array, or anything ``np.asarray`` takes); in
    isolated grading, an array of the process under test is copied there."""
    from common.phases import lives_apart, under_test

    if lives_apart(x):
        return under_test("common.backend").to_numpy(x)
    cp = _cupy()
    if cp is not None and isinstance(x, cp.ndarray):
        return cp.asnumpy(x)
    fake = sys.modules.get("common.fakecupy")
    if fake is not None and isinstance(x, fake.ndarray):
        return fake.asnumpy(x)
    return np.asarray(x)


# ---------------------------------------------------------------- the GPU, real or stood in for

FAKE_GPU = "SCRATCHGPT_FAKE_GPU"
FAKE_NAME = "CPU stand-in for a GPU (common.fakecupy)"


def gpu_faked() -> bool:
    """True while ``SCRATCHGPT_FAKE_GPU=1``: "cuda" then means :mod:`common.fakecupy`, on the CPU.

    The graders and the repository's tests set it (through :func:`fake_gpu`) to run GPU code on
    a machine without one; a learner can set it too, to find the NumPy calls left in their code.
    """
    return os.environ.get(FAKE_GPU, "") not in ("", "0", "none")


@contextlib.contextmanager
def fake_gpu(on: bool | str = True) -> Iterator[None]:
    """Within the block, "cuda" is the CPU stand-in; with ``on=False`` the real GPU again, if
    there is one; with ``on="none"`` there is no GPU at all, as on a laptop."""
    old = os.environ.get(FAKE_GPU)
    os.environ[FAKE_GPU] = "none" if on == "none" else "1" if on else "0"
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(FAKE_GPU, None)
        else:
            os.environ[FAKE_GPU] = old


def gpu_module() -> ModuleType | None:
    """The array module of the "cuda" device: CuPy, the stand-in when faked, None without a GPU."""
    if gpu_faked():
        from common import fakecupy

        return fakecupy
    return _cupy() if gpu_available() else None


def has_gpu() -> bool:
    """True when "cuda" can be used: a GPU with CuPy, or the stand-in while it is faked."""
    return gpu_faked() or gpu_available()


def device_name() -> str:
    """The GPU's name as the driver gives it ("NVIDIA H100 80GB HBM3"), the stand-in's, or "cpu"."""
    if gpu_faked():
        return FAKE_NAME
    if not gpu_available():
        return "cpu"
    cp = _cupy()
    name = cp.cuda.runtime.getDeviceProperties(cp.cuda.Device().id)["name"]
    return name.decode() if isinstance(name, bytes) else str(name)


def synchronize() -> None:
    """Wait until the GPU has finished everything queued (timings need it); nothing on the CPU."""
    if not gpu_faked() and gpu_available():
        _cupy().cuda.Device().synchronize()


def set_tf32(enabled: bool) -> bool:
    """Let float32 matrix products use TF32 tensor cores (Ampere and later GPUs); True when the
    switch took effect. TF32 keeps float32's range but rounds the inputs to 10 bits of mantissa."""
    os.environ["CUPY_TF32"] = "1" if enabled else "0"  # read by CuPy at its first float32 matmul
    if gpu_faked() or not gpu_available():
        return False
    try:
        from cupy._core import _routines_linalg as linalg

        linalg.set_compute_type(np.float32, linalg.COMPUTE_TYPE_TF32 if enabled else linalg.COMPUTE_TYPE_DEFAULT)
    except (ImportError, AttributeError):  # another CuPy layout: the environment variable still holds
        pass
    return True


def pool_bytes() -> int:
    """Bytes CuPy's memory pool holds now (it keeps freed blocks, so after a step this is the
    step's peak); 0 on the CPU and on the stand-in."""
    if gpu_faked() or not gpu_available():
        return 0
    return int(_cupy().get_default_memory_pool().total_bytes())
