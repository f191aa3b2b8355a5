"""Learner bugs in phase 10's ddp.py, each caught and named by phases/10_reality_check/test_ddp.py.

Every ddp_training mutant costs a torchrun launch (two processes, a few seconds): few of them."""

RANK_CHECK = ("    if not 0 <= rank < world_size:\n"
              "        raise ValueError(f\"shard: rank {rank} is not in [0, {world_size})\")\n")
EVEN_CHECK = ("    if B % world_size:\n"
              "        raise ValueError(f\"shard: a batch of {B} rows does not split evenly over {world_size} ranks\")\n")
STEP = "        opt.zero_grad()\n        loss.backward()\n        opt.step()\n"

MUTANTS = [
    # shard: one contiguous block per rank, uneven splits and bad ranks refused
    {"name": "p10_shard_interleaved", "phase": 10, "module": "ddp.py", "task": "ddp_shard",
     "old": "    return batch[rank * n:(rank + 1) * n]\n", "new": "    return batch[rank::world_size]\n",
     "says": ["one contiguous block"]},
    {"name": "p10_shard_one_row_too_many", "phase": 10, "module": "ddp.py", "task": "ddp_shard",
     "old": "    return batch[rank * n:(rank + 1) * n]\n", "new": "    return batch[rank * n:(rank + 1) * n + 1]\n",
     "says": ["(r+1)·b/w (not included)", "b/w rows"]},
    {"name": "p10_shard_uneven_accepted", "phase": 10, "module": "ddp.py", "task": "ddp_shard",
     "old": EVEN_CHECK, "new": "",
     "says": ["6 rows over 4 ranks", "should raise valueerror"]},
    {"name": "p10_shard_rank_unchecked", "phase": 10, "module": "ddp.py", "task": "ddp_shard",
     "old": RANK_CHECK, "new": "",
     "says": ["rank 2 of 2", "should raise valueerror"]},
    # train_ddp: under torchrun
    {"name": "p10_ddp_whole_batch", "phase": 10, "module": "ddp.py", "task": "ddp_training",
     "old": "        xs, ys = shard(x, rank, world), shard(y, rank, world)\n", "new": "        xs, ys = x, y\n",
     "says": ["not on the whole batch"]},
    {"name": "p10_ddp_model_not_wrapper", "phase": 10, "module": "ddp.py", "task": "ddp_training",
     "old": "        logits = ddp(xs)\n", "new": "        logits = model(xs)\n",
     "says": ["not averaged", "call the wrapper"]},
    {"name": "p10_ddp_loss_summed", "phase": 10, "module": "ddp.py", "task": "ddp_training",
     "old": "        loss = F.cross_entropy(logits.flatten(0, 1), ys.flatten())\n",
     "new": "        loss = F.cross_entropy(logits.flatten(0, 1), ys.flatten(), reduction=\"sum\")\n",
     "says": ["mean cross-entropy"]},
    {"name": "p10_ddp_no_zero_grad", "phase": 10, "module": "ddp.py", "task": "ddp_training",
     "old": STEP, "new": "        loss.backward()\n        opt.step()\n",
     "says": ["add up from step to step", "zero_grad"]},
    {"name": "p10_ddp_zero_grad_before_step", "phase": 10, "module": "ddp.py", "task": "ddp_training",
     "old": STEP, "new": "        loss.backward()\n        opt.zero_grad()\n        opt.step()\n",
     "says": ["never change", "step the optimizer after backward"]},
]

ALTERNATIVES = [
    {"name": "p10_alt_shard_chunk", "phase": 10, "module": "ddp.py", "task": "ddp_shard",
     "old": "    n = B // world_size\n    return batch[rank * n:(rank + 1) * n]\n",
     "new": "    return torch.chunk(batch, world_size)[rank]\n"},
    {"name": "p10_alt_shard_tensor_split", "phase": 10, "module": "ddp.py", "task": "ddp_shard",
     "old": "    n = B // world_size\n    return batch[rank * n:(rank + 1) * n]\n",
     "new": "    return torch.tensor_split(batch, world_size)[rank]\n"},
]
