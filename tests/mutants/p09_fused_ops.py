"""Learner bugs in phase 09's fused_ops.py, caught by phases/09_optimizations/test_fused_ops.py (on the CPU simulator
here, as on a machine without a GPU)."""

MUTANTS = [
    {"name": "p09_fo_flash_grads_swapped", "phase": 9, "module": "fused_ops.py", "task": "fused_ops",
     "old": "        return gpu_flash_backward(q.data, k.data, v.data, out, lse, g)\n",
     "new": "        dq, dk, dv = gpu_flash_backward(q.data, k.data, v.data, out, lse, g)\n        return dq, dv, dk\n",
     "says": ["gradient of k", "in the parents' order"]},
    {"name": "p09_fo_ce_ignores_g", "phase": 9, "module": "fused_ops.py", "task": "fused_ops",
     "old": "    return Tensor._make(loss, (logits,), lambda g: (dlogits * g,), \"fused_cross_entropy\")\n",
     "new": "    return Tensor._make(loss, (logits,), lambda g: (dlogits,), \"fused_cross_entropy\")\n",
     "says": ["backward(2.5)", "multiplies the saved dlogits by the incoming gradient"]},
    {"name": "p09_fo_ln_rows_not_reshaped", "phase": 9, "module": "fused_ops.py", "task": "fused_ops",
     "old": "    return Tensor._make(back(y), parents, backward, \"fused_layernorm\")\n",
     "new": "    return Tensor._make(y, parents, backward, \"fused_layernorm\")\n",
     "says": ["fused_layernorm", "reshape (B, T, C) to (B·T, C)"]},
    {"name": "p09_fo_attention_unfused_nodes", "phase": 9, "module": "fused_ops.py", "task": "fused_ops",
     "old": "    return Tensor._make(out, (q, k, v), backward, \"flash_attention\")\n",
     "new": "    return Tensor._make(out, (q, k), lambda g: backward(g)[:2], \"flash_attention\")\n",
     "says": ["one node of the graph whose parents are 3 inputs"]},
]
