"""Past one machine: data parallelism with PyTorch's DistributedDataParallel (DDP).

``W`` processes (ranks) each hold a full copy of the model and take ``1/W`` of every batch.
After backward, DDP averages the gradients of all ranks (an all-reduce, overlapped with
backward bucket by bucket), so every rank steps with the gradient of the *whole* batch and
the copies stay identical, as if one process had trained on the combined batch::

    global batch (B rows) ─ shard ─▶ rank 0: rows 0 .. B/W-1 ─▶ forward, backward ─┐
                                  ▶ rank 1: rows B/W .. 2B/W-1 ─▶ forward, backward ─┤ all-reduce
                                                                                     ▼ (mean)
                                      every rank: the same gradient, the same SGD step

Run it (two processes on the CPU, the "gloo" backend)::

    PYTHONPATH=. .venv/bin/torchrun --standalone --nproc_per_node 2 \\
        phases/10_reality_check/ddp.py --job runs/ddp/job.npz --out runs/ddp/out.npz

On GPUs the same script uses the "nccl" backend, one process per GPU.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel

if __package__ in (None, ""):                      # run as a script by torchrun: find common/
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from common import load                             # noqa: E402
from common.files import write_atomic               # noqa: E402

_twin = load(10, "torch_gpt")
GPTConfig = load(5, "model").GPTConfig


def shard(batch: torch.Tensor, rank: int, world_size: int) -> torch.Tensor:
    """Rank ``rank``'s rows of ``batch`` ``(B, ...)``: the contiguous block
    ``[rank · B/W, (rank + 1) · B/W)``. ValueError when ``B`` is not a multiple of
    ``world_size`` or ``rank`` is not in ``[0, world_size)``."""
    # YOUR CODE HERE
    raise NotImplementedError("shard: not written yet; see its docstring and the handout")


def train_ddp(model: torch.nn.Module, batches, lr: float) -> list[float]:
    """Train ``model`` on this rank's share of every global batch, in an initialised process group.

    ``batches``: ``(x, y)`` pairs of LongTensors ``(B, T)``, the same on every rank. Wrap the model
    in ``DistributedDataParallel``, make ``torch.optim.SGD`` over its parameters with ``lr``, and for
    each pair: this rank's :func:`shard` of x and y, the mean cross-entropy of the logits, zero the
    gradients, backward, step. Returns this rank's losses (floats), one per batch.
    """
    # YOUR CODE HERE
    raise NotImplementedError("train_ddp: not written yet; see its docstring and the handout")


def save_npz(path: str, arrays: dict[str, np.ndarray]) -> None:
    """``arrays`` as an ``.npz`` file, written atomically. Given."""
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    write_atomic(path, buf.getvalue())


def run_job(job: str, out: str) -> None:
    """One rank's part of a job file (given): the job holds ``config`` (phase 05's fields as JSON),
    ``lr``, ``x`` and ``y`` ``(steps, B, T)`` and the initial weights ``state/<name>``. Every rank
    builds the float64 :class:`~torch_gpt.TorchGPT`, trains with :func:`train_ddp`, and writes its
    losses to ``<out>.rank<r>.json``; rank 0 writes the final weights to ``out``."""
    with np.load(job) as f:
        config = GPTConfig(**json.loads(str(f["config"])))
        lr = float(f["lr"])
        xs, ys = torch.from_numpy(f["x"].astype(np.int64)), torch.from_numpy(f["y"].astype(np.int64))
        state = {k[len("state/"):]: f[k] for k in f.files if k.startswith("state/")}
    torch.manual_seed(0)
    model = _twin.load_scratch_state(_twin.TorchGPT(config).double(), state)
    losses = train_ddp(model, list(zip(xs, ys)), lr)
    rank = dist.get_rank()
    write_atomic(f"{out}.rank{rank}.json", json.dumps({"rank": rank, "world_size": dist.get_world_size(),
                                                       "losses": losses}))
    if rank == 0:
        save_npz(out, {n: p.detach().numpy() for n, p in model.named_parameters()})


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="one rank of a data-parallel run (start it with torchrun)")
    p.add_argument("--job", required=True, help="the .npz job file: config, lr, batches, initial weights")
    p.add_argument("--out", required=True, help="where rank 0 writes the final weights (.npz)")
    args = p.parse_args(argv)
    dist.init_process_group("gloo")
    try:
        run_job(args.job, args.out)
    finally:
        dist.destroy_process_group()
    return 0


if __name__ == "__main__":
    sys.exit(main())
