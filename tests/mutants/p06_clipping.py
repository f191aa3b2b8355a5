"""Learner bugs in phase 06's clipping.py, each caught and named by test_clipping.py."""

SCALE = "                p.grad = p.grad * p.grad.dtype.type(coef)\n"

MUTANTS = [
    {"name": "p06_clip_per_parameter", "phase": 6, "module": "clipping.py", "task": "clip_grad_norm",
     "old": "    if math.isfinite(norm) and norm > max_norm:\n        coef = max_norm / (norm + 1e-6)\n"
            "        for p in params:\n            if p.grad is not None:\n" + SCALE,
     "new": "    for p in params:\n        own = global_grad_norm([p])\n"
            "        if p.grad is not None and own > max_norm:\n"
            "            p.grad = p.grad * p.grad.dtype.type(max_norm / (own + 1e-6))\n",
     "says": ["clipping per parameter", "global norm"]},
    {"name": "p06_clip_returns_clipped_norm", "phase": 6, "module": "clipping.py", "task": "clip_grad_norm",
     "old": "    return norm\n", "new": "    return min(norm, max_norm)\n",
     "says": ["norm after clipping", "before"]},
    {"name": "p06_clip_in_place", "phase": 6, "module": "clipping.py", "task": "clip_grad_norm",
     "old": SCALE, "new": "                p.grad *= p.grad.dtype.type(coef)\n",
     "says": ["in place"]},
    {"name": "p06_clip_float64", "phase": 6, "module": "clipping.py", "task": "clip_grad_norm",
     "old": SCALE, "new": "                p.grad = p.grad.astype('float64') * coef\n",
     "says": ["float32", "dtype"]},
    {"name": "p06_clip_always", "phase": 6, "module": "clipping.py", "task": "clip_grad_norm",
     "old": "if math.isfinite(norm) and norm > max_norm:", "new": "if math.isfinite(norm):",
     "says": ["below max_norm", "bit for bit"]},
    {"name": "p06_clip_at_equal", "phase": 6, "module": "clipping.py", "task": "clip_grad_norm",
     "old": "if math.isfinite(norm) and norm > max_norm:", "new": "if math.isfinite(norm) and norm >= max_norm:",
     "says": ["equal to max_norm", "norm > max_norm"]},
    {"name": "p06_clip_none_grad", "phase": 6, "module": "clipping.py", "task": "clip_grad_norm",
     "old": "            if p.grad is not None:\n" + SCALE, "new": SCALE[4:],
     "says": ["None"]},
    {"name": "p06_clip_nonfinite_scaled", "phase": 6, "module": "clipping.py", "task": "clip_grad_norm",
     "old": "if math.isfinite(norm) and norm > max_norm:", "new": "if not norm <= max_norm:",
     "says": ["not finite", "scale nothing"]},
    {"name": "p06_clip_zero_max_norm", "phase": 6, "module": "clipping.py", "task": "clip_grad_norm",
     "old": "if not max_norm > 0:", "new": "if max_norm < 0:",
     "says": ["max_norm=0.0", "should raise ValueError"]},
    {"name": "p06_norm_float32_squares", "phase": 6, "module": "clipping.py", "task": "clip_grad_norm",
     "old": 'g.astype("float64") ** 2', "new": "g ** 2",
     "says": ["float64", "overflow"]},
    {"name": "p06_finite_isnan_only", "phase": 6, "module": "clipping.py", "task": "grads_are_finite",
     "old": "bool(array_module(p.grad).isfinite(p.grad).all())",
     "new": "bool((~array_module(p.grad).isnan(p.grad)).all())",
     "says": ["np.isnan misses infinities"]},
    {"name": "p06_finite_any", "phase": 6, "module": "clipping.py", "task": "grads_are_finite",
     "old": "isfinite(p.grad).all()", "new": "isfinite(p.grad).any()",
     "says": ["not .any()"]},
    {"name": "p06_finite_none_not_skipped", "phase": 6, "module": "clipping.py", "task": "grads_are_finite",
     "old": "p.grad is None or ", "new": "",
     "says": ["None"]},
    {"name": "p06_clip_without_eps", "phase": 6, "module": "clipping.py", "task": "clip_grad_norm",
     "old": "coef = max_norm / (norm + 1e-6)", "new": "coef = max_norm / norm",
     "says": ["without the 1e-6"]},
]

# Correct code written another way: each must keep full marks.
ALTERNATIVES = [
    {"name": "p06_alt_clip_python_float", "phase": 6, "module": "clipping.py", "task": "clip_grad_norm",
     "old": SCALE, "new": "                p.grad = p.grad * coef         # a Python float keeps the array's dtype\n"},
    {"name": "p06_alt_norm_loop_float64", "phase": 6, "module": "clipping.py", "task": "clip_grad_norm",
     "old": '            total += float(array_module(g).sum(g.astype("float64") ** 2))\n',
     "new": '            for value in g.astype("float64").ravel():\n                total += float(value) * float(value)\n'},
]
