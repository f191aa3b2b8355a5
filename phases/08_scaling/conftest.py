"""What phase 08's graders share: small models with PyTorch twins, a spy optimizer, the CPU
stand-in for a GPU, and a way to name the line of a NumPy call or a host synchronisation.

Tests reach these helpers through the ``kit`` fixture, which is this module. Expected values
come from PyTorch (gradients, norms, ``torch._amp_update_scale_`` for the loss scale), from
formulas stated in the handout, or from NVIDIA's data sheets; never from the reference solution.
"""

from __future__ import annotations

import contextlib
import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from common import backend, load, under_test
from common.tiny_lm import host, tiny_lm, torch_loss, torch_params  # noqa: F401 - the kit's
from common.torch_gpt import t_gpt


@pytest.fixture(scope="session")
def kit():
    """This module: the graders' helpers."""
    return sys.modules[__name__]


def p8(name: str):
    """The learner's phase-08 module ``name``."""
    return load(8, name)


fake_gpu = backend.fake_gpu


def __getattr__(name: str):
    """``kit.xp``: the CPU stand-in for CuPy (:mod:`common.fakecupy`) where the code under test runs,
    so that its arrays, and its count of host synchronisations, are the ones that code made."""
    if name == "xp":
        return under_test("common.fakecupy")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# ---------------------------------------------------------------- where learner code went wrong

def learner_line(exc: BaseException) -> str:
    """``file.py:line: code`` of the innermost frame of ``exc`` in a phase's code (not the course's
    machinery, the graders or NumPy): the line to fix. In isolated grading the frames are those the
    exception brought from the process that ran the code."""
    from grader.failures import frames_of

    frames = frames_of(exc)
    if not frames:
        return "(no line of yours in the traceback)"
    f = frames[-1]
    return f"{f.path.name}:{f.lineno}: {f.line.strip()}"


@contextlib.contextmanager
def on_device(what: str):
    """Run learner code on the stand-in; a NumPy call on device data becomes a message naming its line."""
    try:
        yield
    except (AssertionError, NotImplementedError):
        raise
    except TypeError as exc:
        if "NumPy" in str(exc) or "numpy" in str(exc).lower() or "Implicit conversion" in str(exc):
            raise AssertionError(
                f"{what} called NumPy on device data at {learner_line(exc)}\n  ({exc})\n"
                "  On a GPU this line fails the same way: take the array module from the data "
                "(xp = array_module(x), or tensor.xp) and call xp.<function> instead of np.<function>") from exc
        raise AssertionError(f"{what} raised TypeError at {learner_line(exc)}: {exc}") from exc
    except Exception as exc:  # noqa: BLE001 - any learner error becomes a message
        raise AssertionError(f"{what} raised {type(exc).__name__} at {learner_line(exc)}: {exc}") from exc


def syncs_since(mark: int) -> list[str]:
    """Where the host synchronisations since ``mark`` (``fakecupy.stats.syncs`` then) happened."""
    return list(under_test("common.fakecupy").stats.where[mark:])


def sync_lines(where: list[str], limit: int = 6) -> str:
    counts: dict[str, int] = {}
    for w in where:
        counts[w] = counts.get(w, 0) + 1
    shown = sorted(counts.items(), key=lambda kv: -kv[1])[:limit]
    return "\n".join(f"    {n} x {w}" for w, n in shown)


# ---------------------------------------------------------------- models and twins

def gpt_config(**kw):
    """Phase 05's GPTConfig for a small model (the learner's class)."""
    base = dict(vocab_size=37, block_size=12, n_layer=2, n_head=4, n_embd=16, dropout=0.0)
    base.update(kw)
    return load(5, "model").GPTConfig(**base)


def gpt(cfg, seed: int = 0, dtype=np.float32):
    """The learner's GPT with ``cfg``, its parameters in ``dtype``."""
    model = load(5, "model").GPT(cfg, rng=np.random.default_rng(seed))
    under_test("common.toys").cast_parameters(model, dtype)  # where the weights are: they need not cross
    return model


def t_gpt_loss(P, cfg, x, y) -> torch.Tensor:
    logits = t_gpt(P, x, cfg)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), torch.as_tensor(np.asarray(y)).reshape(-1))


def batch(vocab: int, B: int, T: int, seed: int = 0):
    g = np.random.default_rng(seed)
    return g.integers(0, vocab, (B, T)), g.integers(0, vocab, (B, T))


def SpyOptimizer(params, lr: float = 0.1):  # noqa: N802 - built like the class it stands for
    """Plain SGD in one group that records a float64 host copy of every gradient at each ``step``
    (``.stepped``) and counts ``zero_grad`` calls (``.zeroed``): :class:`common.toys.SpySGD`, built
    where the code under test runs."""
    return under_test("common.toys").SpySGD(params, lr)