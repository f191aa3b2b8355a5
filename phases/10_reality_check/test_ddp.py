"""Grader for ddp.py: ``shard`` takes each rank's contiguous rows (and refuses uneven splits and bad
ranks); ``train_ddp``, started by ``torchrun`` as two processes on the CPU (gloo), reports on each
rank the loss of that rank's half of every batch, and leaves weights equal to plain SGD by one process
on the whole batch, computed here with PyTorch's functional GPT.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from common import under_test
from common.checks import assert_close, assert_equal, calling, expect_raises, require
from common.torch_gpt import t_gpt
from grader import task

WORLD, STEPS, B, T, LR = 2, 3, 4, 6, 0.5


@task(points=1, timeout=60)
def test_ddp_shard(kit):
    """Contiguous rows per rank, at every world size that divides the batch; ValueError for uneven splits and ranks outside [0, W)."""
    D, side = kit.p10("ddp"), under_test("common.torch_side")
    rows = np.arange(24).reshape(6, 4)
    batch = side.tensor(rows)                         # torch.arange(24).view(6, 4), where the code runs
    for world in (1, 2, 3, 6):
        n = 6 // world
        for rank in range(world):
            what = f"shard(batch of 6 rows, rank={rank}, world_size={world})"
            with calling(what):
                got = D.shard(batch, rank, world)
            require(side.is_tensor(got), f"{what} must return a tensor, got {type(got).__name__}")
            assert_equal(side.to_list(got), rows[rank * n:(rank + 1) * n].tolist(), what=what,
                         hint="rank r takes rows r·B/W up to (r+1)·B/W (not included): one contiguous block "
                         "of B/W rows")
    for rank, world, why in ((0, 4, "6 rows over 4 ranks"), (2, 2, "rank 2 of 2"), (-1, 2, "rank -1")):
        with expect_raises(ValueError, f"shard(batch of 6 rows, rank={rank}, world_size={world}) ({why})"):
            D.shard(batch, rank, world)


def sgd(kit, cfg, state, x, y, rows=slice(None), *, accumulate=False, lr=LR):
    """Plain SGD in one process, each step on ``rows`` of the batch: (final weights, losses[step][rank], each
    rank's shard's loss before the step). ``accumulate`` never zeroes the gradients (a learner's mistake)."""
    P = kit.torch_P(state, requires_grad=True)
    per_rank = []
    n = B // WORLD
    for i in range(STEPS):
        with torch.no_grad():
            per_rank.append([float(F.cross_entropy(t_gpt(P, x[i, r * n:(r + 1) * n], cfg).flatten(0, 1),
                                                   torch.tensor(y[i, r * n:(r + 1) * n]).flatten()))
                             for r in range(WORLD)])
        loss = F.cross_entropy(t_gpt(P, x[i, rows], cfg).flatten(0, 1), torch.tensor(y[i, rows]).flatten())
        if not accumulate:
            for p in P.values():
                p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in P.values():
                p -= lr * p.grad
    return {k: v.detach().numpy() for k, v in P.items()}, per_rank


def job(kit, folder: Path):
    """A job file, and what plain SGD on the whole batch gives: (final weights, losses[step][rank], the
    whole batch's first loss, {mistake: losses[step][rank] it gives})."""
    cfg = kit.llama_config(n_layer=2)
    state = kit.random_state(cfg, seed=7)
    g = np.random.default_rng(8)
    x = g.integers(0, cfg.vocab_size, (STEPS, B, T))
    y = g.integers(0, cfg.vocab_size, (STEPS, B, T))
    arrays = {"config": json.dumps(under_test("common.torch_side").config_dict(cfg)), "lr": LR, "x": x, "y": y,
              **{f"state/{k}": v for k, v in state.items()}}
    np.savez(folder / "job.npz", **arrays)
    final, per_rank = sgd(kit, cfg, state, x, y)
    with torch.no_grad():
        whole = float(F.cross_entropy(t_gpt(kit.torch_P(state), x[0], cfg).flatten(0, 1), torch.tensor(y[0]).flatten()))
    n = B // WORLD
    alone = [sgd(kit, cfg, state, x, y, slice(r * n, (r + 1) * n))[1] for r in range(WORLD)]
    mistakes = {
        "each rank stepped with its own shard's gradient: the ranks' gradients were not averaged (wrap the model "
        "in DistributedDataParallel and call the wrapper, not the model)": [[alone[r][i][r] for r in range(WORLD)]
                                                                             for i in range(STEPS)],
        "the gradients add up from step to step: zero them (optimizer.zero_grad()) before each backward":
            sgd(kit, cfg, state, x, y, accumulate=True)[1],
        "the weights never change: step the optimizer after backward (zero the gradients before backward, not "
        "between backward and step)": sgd(kit, cfg, state, x, y, lr=0.0)[1],
    }
    return final, per_rank, whole, mistakes


@task(points=4, timeout=240, needs=("ddp_shard", "torch_gpt"))
def test_ddp_training(kit, tmp_path):
    """torchrun, 2 processes (gloo): each rank's loss is its half's; the final weights equal one process's SGD on the whole batch."""
    D = kit.p10("ddp")
    want, losses, whole, mistakes = job(kit, tmp_path)
    code, tail = under_test("common.torch_side").torchrun(D, tmp_path, WORLD)
    require(code == 0, f"torchrun --nproc_per_node 2 ddp.py (2 steps of 3 batches, 2 ranks) failed (exit {code}):\n{tail}")
    for r in range(WORLD):
        f = tmp_path / f"out.npz.rank{r}.json"
        require(f.is_file(), f"rank {r} wrote no {f.name}: run_job writes it after train_ddp returns")
        got = json.loads(f.read_text())["losses"]
        require(isinstance(got, list) and len(got) == STEPS, f"train_ddp on rank {r} must return one loss per batch "
                f"({STEPS}), got {got!r:.100}")
        if abs(got[0] - whole) < 1e-9 and abs(whole - losses[0][r]) > 1e-6:
            raise AssertionError(f"train_ddp on rank {r}: the first loss {got[0]:.6f} is the whole batch's; rank "
                                 f"{r}'s half gives {losses[0][r]:.6f}.\nHint: each rank trains on shard(x, rank, "
                                 f"world_size), not on the whole batch")
        named = [why for why, bad in mistakes.items()
                 if np.allclose(got, [s[r] for s in bad], rtol=1e-8, atol=1e-10)
                 and not np.allclose(got, [s[r] for s in losses], rtol=1e-8, atol=1e-10)]
        hint = (named[0] if named else "the first loss is right and later ones are not: every rank must step with "
                "the average of the ranks' gradients, once per batch, after zeroing the last ones"
                if abs(got[0] - losses[0][r]) < 1e-9 else "each rank's loss is the mean cross-entropy of the logits "
                "of its shard against its targets")
        assert_close(got, [s[r] for s in losses], what=f"train_ddp on rank {r}: its loss at each of {STEPS} steps",
                     rtol=1e-8, atol=1e-10, hint=hint)
    require((tmp_path / "out.npz").is_file(), "rank 0 wrote no final weights (out.npz)")
    with np.load(tmp_path / "out.npz") as f:
        final = {k: f[k] for k in f.files}
    with np.load(tmp_path / "job.npz") as f:
        state0 = {k[len("state/"):]: f[k] for k in f.files if k.startswith("state/")}
    for name, value in want.items():
        linear = name.split(".")[-1] == "weight" and name.split(".")[-2] in ("wq", "wk", "wv", "wo", "w1", "w2", "w3",
                                                                            "lm_head", "fc", "proj")
        got = final[name].T if linear else final[name]
        require(not np.array_equal(got, state0[name]), f"{name} did not change in {STEPS} SGD steps: is the optimizer "
                "made over the model's parameters, and stepped after backward?")
        assert_close(got, value, what=f"the weights after {STEPS} data-parallel steps: {name}, against one process's "
                     f"SGD on the whole batch", rtol=1e-7, atol=1e-9,
                     hint="DDP averages the ranks' gradients: with each rank's mean loss over its own shard, the "
                     "average is the whole batch's gradient. Zero the gradients before each backward")
