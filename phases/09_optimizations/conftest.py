"""What phase 09's graders share: the learner's modules, and PyTorch's attention as the oracle.

Expected values come from NumPy's and PyTorch's own matmul and attention (float64), never from
the reference solution.
"""

from __future__ import annotations

import contextlib
import sys

import numpy as np
import pytest
import torch

from common import backend, cudasim, load, under_test


@pytest.fixture(scope="session")
def kit():
    """This module: the graders' helpers."""
    return sys.modules[__name__]


def p9(name: str):
    return load(9, name)


def untouched(what: str, **arguments) -> None:
    """Require the learner's call to have left each argument as it was: ``name=(passed, copy kept before)``."""
    from common.checks import require
    for name, (passed, kept) in arguments.items():
        require(np.array_equal(np.asarray(passed), kept, equal_nan=True),
                f"{what} changed its argument {name}: the caller's arrays are inputs only",
                hint="compute into a new array (y = x * s, not x *= s; x - mean, not x -= mean): an in-place "
                "operation on an argument, or on a slice of it, writes into the caller's array")


def torch_attention(q, k, v, dout, causal: bool, *, scale: float | None = None, diagonal: int = 1):
    """``(out, lse, dq, dk, dv)`` from PyTorch in float64; k, v repeated for grouped-query heads.
    ``scale`` (default 1/sqrt(D)) and ``diagonal`` (the first masked diagonal, 1: a query sees its
    own key) compute the wrong variants the graders name."""
    tq, tk, tv = (torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=True) for a in (q, k, v))
    rep = q.shape[1] // k.shape[1]
    kk, vv = tk.repeat_interleave(rep, 1), tv.repeat_interleave(rep, 1)
    T, D = q.shape[2], q.shape[3]
    s = tq @ kk.transpose(-1, -2) * (1 / np.sqrt(D) if scale is None else scale)
    if causal:
        s = s.masked_fill(torch.ones(T, T, dtype=torch.bool).triu(diagonal), float("-inf"))
    out = torch.softmax(s, -1) @ vv
    lse = torch.logsumexp(s, -1)
    out.backward(torch.tensor(np.asarray(dout, dtype=np.float64)))
    return out.detach().numpy(), lse.detach().numpy(), tq.grad.numpy(), tk.grad.numpy(), tv.grad.numpy()


def qkv(B, H, Hkv, T, D, seed=0):
    g = np.random.default_rng(seed)
    return (g.standard_normal((B, H, T, D)), g.standard_normal((B, Hkv, T, D)), g.standard_normal((B, Hkv, T, D)),
            g.standard_normal((B, H, T, D)))


def device_xp():
    """The array module of "cuda" where the code under test runs (CuPy, or the CPU stand-in while
    faked): arrays made with it are that code's own, also in isolated grading."""
    return under_test("common.backend").gpu_module()


def device_or_simulator(what: str):
    """(context to run in, where): the GPU when there is one, else the CPU simulator; skip without both."""
    if backend.gpu_available() and not backend.gpu_faked():
        return contextlib.nullcontext(), "GPU"
    if not cudasim.available():
        pytest.skip(f"no GPU and no C++ compiler (g++) for the CPU simulator: make gpu-check runs {what}")
    return backend.fake_gpu(), "CPU simulator"
