"""Learner bugs in phase 09's checkpoint.py, each caught and named by phases/09_optimizations/test_checkpoint.py."""

MUTANTS = [
    {"name": "p09_ckpt_masks_not_replayed", "phase": 9, "module": "checkpoint.py", "task": "checkpoint",
     "old": "        for gen, state in zip(gens, before):\n            gen.bit_generator.state = state\n", "new": "",
     "says": ["wind the generators back"]},
    {"name": "p09_ckpt_generator_not_put_back", "phase": 9, "module": "checkpoint.py", "task": "checkpoint",
     "old": "            for gen, state in zip(gens, now):\n                gen.bit_generator.state = state\n",
     "new": "            pass\n",
     "says": ["put it back as it was when backward began"]},
    {"name": "p09_ckpt_params_not_parents", "phase": 9, "module": "checkpoint.py", "task": "checkpoint",
     "old": "        return (leaf.grad, *(None for _ in params))\n\n    return Tensor._make(out.data, (x, *params), backward, \"checkpoint\")\n",
     "new": "        return (leaf.grad,)\n\n    return Tensor._make(out.data, (x,), backward, \"checkpoint\")\n",
     "says": ["parents of the checkpoint node too"]},
    {"name": "p09_ckpt_param_grads_twice", "phase": 9, "module": "checkpoint.py", "task": "checkpoint",
     "old": "        return (leaf.grad, *(None for _ in params))\n",
     "new": "        return (leaf.grad, *(p.grad for p in params))\n",
     "says": ["return none for them"]},
    {"name": "p09_ckpt_gpt_no_dropout", "phase": 9, "module": "checkpoint.py", "task": "checkpointed_gpt",
     "old": "    x = model.drop(x)\n    for block in model.blocks:\n", "new": "    for block in model.blocks:\n",
     "says": ["exactly as gpt.forward"]},
    {"name": "p09_ckpt_recompute_on_x", "phase": 9, "module": "checkpoint.py", "task": "checkpoint",
     "old": "        leaf = Tensor(x.data, requires_grad=True)\n", "new": "        leaf = x\n",
     "says": ["fresh leaf"]},
    {"name": "p09_ckpt_state_saved_after_forward", "phase": 9, "module": "checkpoint.py", "task": "checkpoint",
     "old": ("    before = [gen.bit_generator.state for gen in gens]\n"
             "    with _tensor.no_grad():\n        out = block(x, *args)\n"),
     "new": ("    with _tensor.no_grad():\n        out = block(x, *args)\n"
             "    before = [gen.bit_generator.state for gen in gens]\n"),
     "says": ["wind the generators back", "before the block's forward"]},
]

ALTERNATIVES = [
    {"name": "p09_alt_ckpt_leaf_copy", "phase": 9, "module": "checkpoint.py", "task": "checkpoint",
     "old": "        leaf = Tensor(x.data, requires_grad=True)\n",
     "new": "        leaf = Tensor(x.data.copy(), requires_grad=True)\n"},
]
