"""What phase 10's graders ask of the learner's PyTorch objects, asked where those objects live.

A learner's ``TorchGPT`` is a ``torch.nn.Module`` with tensors and an autograd graph, none of which
can cross between processes as plain data. In isolated grading (``grader/remote.py``) the graders
therefore reach this module through ``under_test("common.torch_side")``: each helper runs the model
where it lives and answers with NumPy arrays, numbers and names. In an ordinary grade it is this
module, and the answers are the same.
"""

from __future__ import annotations

import dataclasses
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch


def tensor(array: np.ndarray) -> torch.Tensor:
    """``torch.tensor(array)``: a tensor to hand to the learner's code."""
    return torch.tensor(np.asarray(array))


def is_tensor(obj) -> bool:
    """Whether ``obj`` is a ``torch.Tensor``."""
    return isinstance(obj, torch.Tensor)


def to_list(t: torch.Tensor) -> list:
    """``t.tolist()``."""
    return t.tolist()


def is_module(obj) -> bool:
    """Whether ``obj`` is a ``torch.nn.Module``."""
    return isinstance(obj, torch.nn.Module)


def shapes(model) -> dict[str, tuple]:
    """``{name: shape}`` of ``model.named_parameters()``, in order."""
    return {name: tuple(p.shape) for name, p in model.named_parameters()}


def values(model) -> dict[str, np.ndarray]:
    """``{name: a NumPy copy of the parameter}``."""
    return {name: p.detach().numpy().copy() for name, p in model.named_parameters()}


def grads(model) -> dict[str, np.ndarray | None]:
    """``{name: a NumPy copy of the parameter's .grad, or None}``."""
    return {name: None if p.grad is None else p.grad.numpy().copy() for name, p in model.named_parameters()}


def forward(model, ids: np.ndarray) -> tuple[str, tuple | None, np.ndarray | None]:
    """``model(torch.tensor(ids))`` as ``(type name, shape, a NumPy copy)`` of what it returned (shape and
    copy None when it is not a tensor)."""
    out = model(torch.tensor(np.asarray(ids)))
    if not isinstance(out, torch.Tensor):
        return type(out).__name__, None, None
    return "Tensor", tuple(out.shape), out.detach().numpy().copy()


def backward(model, ids: np.ndarray, seed: np.ndarray) -> dict[str, np.ndarray | None]:
    """Zero the gradients, back-propagate ``(model(ids) * seed).sum()``; the parameters' gradients."""
    model.zero_grad()
    (model(torch.tensor(np.asarray(ids))) * torch.tensor(np.asarray(seed))).sum().backward()
    return grads(model)


def add_to_parameters(model, value: float) -> None:
    """Add ``value`` to every parameter in place (under ``no_grad``)."""
    with torch.no_grad():
        for p in model.parameters():
            p.add_(value)


def dtype(name: str) -> torch.dtype:
    """``torch.<name>`` (``"float64"``): a dtype to hand to the learner's code."""
    found = getattr(torch, name)
    if not isinstance(found, torch.dtype):
        raise ValueError(f"torch.{name} is not a dtype")
    return found


def config_dict(cfg) -> dict:
    """``dataclasses.asdict(cfg)``."""
    return dataclasses.asdict(cfg)


def torchrun(module, folder, world: int, timeout: float = 150) -> tuple[int, str]:
    """Run ``module``'s file with ``--job folder/job.npz --out folder/out.npz`` under torchrun with
    ``world`` CPU processes: ``(return code, its error lines)``. The whole process group is killed at
    ``timeout``; a stub reached in it raises NotImplementedError here."""
    from common.phases import repo_root

    script = module.__file__
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(repo_root()), env.get("PYTHONPATH", "")])
    env["OMP_NUM_THREADS"] = "1"
    folder = Path(folder)
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={world}", script,
           "--job", str(folder / "job.npz"), "--out", str(folder / "out.npz")]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, cwd=folder,
                            start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return -1, f"(killed after {timeout:.0f} s)"
    lines = [re.sub(r"^\[rank\d+\]:\s?", "", line) for line in out.decode("utf-8", "replace")[-200_000:].splitlines()]
    text = "\n".join(lines)
    stub = [line for line in lines if line.startswith("NotImplementedError")]
    if stub:
        raise NotImplementedError(f"{Path(script).name} under torchrun: {stub[0]}")
    errors = [line for line in lines if "Error" in line or "error" in line]
    return proc.returncode, "\n".join(errors[-6:]) or text[-1500:]
