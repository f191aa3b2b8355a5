"""Learner bugs in phase 09's fused.py, each caught and named by phases/09_optimizations/test_fused.py."""

MUTANTS = [
    {"name": "p09_ce_l_not_rescaled", "phase": 9, "module": "fused.py", "task": "fused_cross_entropy",
     "old": "        l = l * np.exp(m - m_new) + np.exp(block - m_new[:, None]).sum(axis=1)\n",
     "new": "        l = l + np.exp(block - m_new[:, None]).sum(axis=1)\n",
     "says": ["rescale l by exp(m_old - m_new)"]},
    {"name": "p09_ce_mean_over_all_rows", "phase": 9, "module": "fused.py", "task": "fused_cross_entropy",
     "old": "    loss = float((lse[rows] - z[rows, targets[rows]]).sum() / n) if n else 0.0\n",
     "new": "    loss = float((lse[rows] - z[rows, targets[rows]]).sum() / N) if n else 0.0\n",
     "says": ["average over the other rows only"]},
    {"name": "p09_ce_grad_not_averaged", "phase": 9, "module": "fused.py", "task": "fused_cross_entropy",
     "old": "            grad[rows, c0:c0 + chunk] = np.exp(z[rows, c0:c0 + chunk] - lse[rows, None]) / n\n"
            "        grad[rows, targets[rows]] -= 1.0 / n\n",
     "new": "            grad[rows, c0:c0 + chunk] = np.exp(z[rows, c0:c0 + chunk] - lse[rows, None])\n"
            "        grad[rows, targets[rows]] -= 1.0\n",
     "says": ["dlogits", "/ n, with n the rows kept"]},
    {"name": "p09_ce_divides_by_zero", "phase": 9, "module": "fused.py", "task": "fused_cross_entropy",
     "old": "    loss = float((lse[rows] - z[rows, targets[rows]]).sum() / n) if n else 0.0\n",
     "new": "    loss = float((lse[rows] - z[rows, targets[rows]]).sum() / n) if n else float(\"nan\")\n",
     "says": ["every row ignored", "no division by n = 0"]},
    {"name": "p09_ln_unbiased_variance", "phase": 9, "module": "fused.py", "task": "layernorm_fused",
     "old": "    rstd = 1.0 / np.sqrt((xc * xc).mean(axis=1) + eps)\n    y = xc",
     "new": "    rstd = 1.0 / np.sqrt((xc * xc).sum(axis=1) / max(x.shape[1] - 1, 1) + eps)\n    y = xc",
     "says": ["the variance is biased"]},
    {"name": "p09_ln_dx_without_variance_term", "phase": 9, "module": "fused.py", "task": "layernorm_fused",
     "old": "    dx = rstd[:, None] * (g - g.mean(axis=1, keepdims=True) - xhat * (g * xhat).mean(axis=1, keepdims=True))\n",
     "new": "    dx = rstd[:, None] * (g - g.mean(axis=1, keepdims=True))\n",
     "says": ["the variance depends on x too"]},
    {"name": "p09_ln_dx_without_mean_term", "phase": 9, "module": "fused.py", "task": "layernorm_fused",
     "old": "    dx = rstd[:, None] * (g - g.mean(axis=1, keepdims=True) - xhat * (g * xhat).mean(axis=1, keepdims=True))\n",
     "new": "    dx = rstd[:, None] * (g - xhat * (g * xhat).mean(axis=1, keepdims=True))\n",
     "says": ["the mean depends on x too"]},
    {"name": "p09_ln_dw_from_x", "phase": 9, "module": "fused.py", "task": "layernorm_fused",
     "old": "    return dx, (dy * xhat).sum(axis=0), dy.sum(axis=0)\n",
     "new": "    return dx, (dy * x).sum(axis=0), dy.sum(axis=0)\n",
     "says": ["the *normalised* x"]},
    {"name": "p09_rms_dx_without_rstd_term", "phase": 9, "module": "fused.py", "task": "rmsnorm_fused",
     "old": "    dx = rstd[:, None] * (g - xhat * (g * xhat).mean(axis=1, keepdims=True))\n    return dx, (dy * xhat).sum(axis=0)\n",
     "new": "    dx = rstd[:, None] * g\n    return dx, (dy * xhat).sum(axis=0)\n",
     "says": ["rstd depends on x too"]},
    {"name": "p09_rms_subtracts_mean", "phase": 9, "module": "fused.py", "task": "rmsnorm_fused",
     "old": "    rstd = 1.0 / np.sqrt((x * x).mean(axis=1) + eps)\n    return x * rstd[:, None] * w, rstd\n",
     "new": "    x = x - x.mean(axis=1, keepdims=True)\n    rstd = 1.0 / np.sqrt((x * x).mean(axis=1) + eps)\n"
            "    return x * rstd[:, None] * w, rstd\n",
     "says": ["no mean is subtracted"]},
    # the caller's arrays left alone; ignore_index is an argument
    {"name": "p09_ce_grad_over_logits", "phase": 9, "module": "fused.py", "task": "fused_cross_entropy",
     "old": "    grad = np.zeros((N, V), dtype=logits.dtype)\n",
     "new": "    grad = logits                  # the gradient written over the logits, as llm.c's kernel does\n"
            "    grad[~keep] = 0.0\n",
     "says": ["changed its argument logits", "new array"]},
    {"name": "p09_ce_ignore_index_hardcoded", "phase": 9, "module": "fused.py", "task": "fused_cross_entropy",
     "old": "    keep = targets != ignore_index\n", "new": "    keep = targets != -100\n",
     "says": ["ignore_index=2", "not only -100"]},
    {"name": "p09_ce_ignores_negative_targets", "phase": 9, "module": "fused.py", "task": "fused_cross_entropy",
     "old": "    keep = targets != ignore_index\n", "new": "    keep = targets >= 0\n",
     "says": ["ignore_index=2", "not only -100"]},
    {"name": "p09_ln_centres_x_in_place", "phase": 9, "module": "fused.py", "task": "layernorm_fused",
     "old": "    xc = x - mean[:, None]\n", "new": "    xc = x\n    xc -= mean[:, None]\n",
     "says": ["changed its argument x", "new array"]},
    {"name": "p09_rms_scales_x_in_place", "phase": 9, "module": "fused.py", "task": "rmsnorm_fused",
     "old": "    return x * rstd[:, None] * w, rstd\n",
     "new": "    y = x\n    y *= rstd[:, None] * w\n    return y, rstd\n",
     "says": ["changed its argument x", "new array"]},
]

ALTERNATIVES = [
    {"name": "p09_alt_ce_chunk_in_float32_free", "phase": 9, "module": "fused.py", "task": "fused_cross_entropy",
     "old": "    lse = m + np.log(l)\n", "new": "    lse = np.log(l) + m\n"},
    {"name": "p09_alt_ln_var_via_numpy", "phase": 9, "module": "fused.py", "task": "layernorm_fused",
     "old": "    rstd = 1.0 / np.sqrt((xc * xc).mean(axis=1) + eps)\n    y = xc",
     "new": "    rstd = 1.0 / np.sqrt(x.var(axis=1) + eps)\n    y = xc"},
    {"name": "p09_alt_ce_grad_whole_rows", "phase": 9, "module": "fused.py", "task": "fused_cross_entropy",
     "old": ("    grad = np.zeros((N, V), dtype=logits.dtype)\n"
             "    if n:\n"
             "        for c0 in range(0, V, chunk):\n"
             "            grad[rows, c0:c0 + chunk] = np.exp(z[rows, c0:c0 + chunk] - lse[rows, None]) / n\n"
             "        grad[rows, targets[rows]] -= 1.0 / n\n"),
     "new": ("    grad = np.exp(z - lse[:, None])\n"
             "    grad[np.arange(N), np.where(keep, targets, 0)] -= 1.0\n"
             "    grad = np.where(keep[:, None], grad / max(n, 1), 0.0).astype(logits.dtype)\n")},
    {"name": "p09_alt_ln_in_place_on_a_copy", "phase": 9, "module": "fused.py", "task": "layernorm_fused",
     "old": "    xc = x - mean[:, None]\n", "new": "    xc = x.copy()\n    xc -= mean[:, None]\n"},
    {"name": "p09_alt_rms_rows_in_float64", "phase": 9, "module": "fused.py", "task": "rmsnorm_fused",
     "old": "    rstd = 1.0 / np.sqrt((x * x).mean(axis=1) + eps)\n    return x * rstd[:, None] * w, rstd\n",
     "new": ("    rstd = np.array([1.0 / np.sqrt(float(np.dot(r, r)) / r.size + eps) for r in x.astype(np.float64)])\n"
             "    return x * rstd[:, None] * w, rstd\n")},
]
