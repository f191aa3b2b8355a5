"""Learner bugs in phase 02's functional.py, each caught and named by phases/02_autograd/test_functional.py."""

MUTANTS = [
    {"name": "p02_mse_sum_not_mean", "phase": 2, "module": "functional.py", "task": "mse_loss",
     "old": "return (diff * diff).mean()", "new": "return (diff * diff).sum()",
     "says": ["mean"]},
    {"name": "p02_ce_mean_over_all_rows", "phase": 2, "module": "functional.py", "task": "cross_entropy_ignore_index",
     "old": "loss = -picked.sum() / n_kept", "new": "loss = -picked.sum() / x.shape[0]",
     "says": ["ignore"]},
    {"name": "p02_ce_no_shift", "phase": 2, "module": "functional.py", "task": "cross_entropy_extreme",
     "old": "z = x - x.max(axis=1, keepdims=True)", "new": "z = x",
     "says": ["max"]},
    # dropout: the mask drawn once and replayed in backward
    {"name": "p02_dropout_backward_redraws", "phase": 2, "module": "functional.py", "task": "dropout",
     "old": 'return Tensor._make(x.data * scale, (x,), lambda g: (g * scale,), "dropout")',
     "new": ('return Tensor._make(x.data * scale, (x,), lambda g: (g * (xp.asarray(rng.random(x.shape) >= p)'
             '.astype(x.dtype) / (1.0 - p)),), "dropout")'),
     "says": ["same mask"]},
    {"name": "p02_dropout_no_scale", "phase": 2, "module": "functional.py", "task": "dropout",
     "old": "scale = xp.asarray(rng.random(x.shape) >= p).astype(x.dtype) / (1.0 - p)",
     "new": "scale = xp.asarray(rng.random(x.shape) >= p).astype(x.dtype)",
     "says": ["1 / (1 - p)"]},
    {"name": "p02_dropout_in_eval", "phase": 2, "module": "functional.py", "task": "dropout",
     "old": "if not training or p == 0:", "new": "if p == 0:",
     "says": ["training=false"]},
    {"name": "p02_ce_grad_on_ignored_rows", "phase": 2, "module": "functional.py", "task": "cross_entropy_ignore_index",
     "old": "grad *= (keep * (g / n_kept))[:, None]", "new": "grad *= g / n_kept",
     "says": ["ignore"]},
    {"name": "p02_ce_negative_target_wraps", "phase": 2, "module": "functional.py", "task": "cross_entropy_ignore_index",
     "old": "bad = keep & ((t < 0) | (t >= C))", "new": "bad = keep & (t >= C)",
     "says": ["negative id", "wraps"]},
    # boundaries, aliasing, laziness and types a first version gets wrong
    {"name": "p02_ce_all_ignored_nan", "phase": 2, "module": "functional.py", "task": "cross_entropy_ignore_index",
     "old": "n_kept = xp.maximum(keep.sum(), 1).astype(",
     "new": "n_kept = xp.maximum(keep.sum(), 0).astype(",
     "says": ["not nan"]},
    {"name": "p02_dropout_p1_nan", "phase": 2, "module": "functional.py", "task": "dropout",
     "old": "    if p == 1:\n        return x * 0.0\n",
     "new": "",
     "says": ["do not divide by 1 - p"]},
    {"name": "p02_dropout_p1_refused", "phase": 2, "module": "functional.py", "task": "dropout",
     "old": "if not 0.0 <= p <= 1.0:",
     "new": "if not 0.0 <= p < 1.0:",
     "says": ["both ends included"]},
]

ALTERNATIVES = [
    # the grader accepts either comparison: both keep each element with probability 1 - p from the same draw
    {"name": "p02_alt_dropout_keep_below", "phase": 2, "module": "functional.py", "task": "dropout",
     "old": "scale = xp.asarray(rng.random(x.shape) >= p).astype(x.dtype) / (1.0 - p)",
     "new": "scale = xp.asarray(rng.random(x.shape) < 1.0 - p).astype(x.dtype) / (1.0 - p)",},
    {"name": "p02_alt_dropout_flat_draw", "phase": 2, "module": "functional.py", "task": "dropout",
     "old": "scale = xp.asarray(rng.random(x.shape) >= p).astype(x.dtype) / (1.0 - p)",
     "new": "scale = xp.asarray(rng.random(x.size).reshape(x.shape) >= p).astype(x.dtype) / (1.0 - p)"},
    {"name": "p02_alt_mse_sum_over_size", "phase": 2, "module": "functional.py", "task": "mse_loss",
     "old": "    diff = pred - target\n    return (diff * diff).mean()",
     "new": "    diff = pred - target\n    return (diff * diff).sum() / diff.size"},
]
