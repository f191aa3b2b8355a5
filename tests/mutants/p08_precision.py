"""Learner bugs in phase 08's precision.py, each caught and named by phases/08_scaling/test_precision.py."""

CAST_NODE = "    return Tensor._make(x.data.astype(dtype), (x,), lambda g: (g.astype(source),), \"cast\")\n"
OVERFLOW = ("        if found_inf:\n            self.scale *= self.backoff_factor\n"
            "            self.clean_steps = 0\n            return\n")
GROWTH = ("        self.clean_steps += 1\n        if self.clean_steps == self.growth_interval:\n"
          "            self.scale *= self.growth_factor\n            self.clean_steps = 0\n")
TO_MASTER = "            m.grad = None if p.grad is None else p.grad.astype(np.float32) * np.float32(inv_scale)\n"

MUTANTS = [
    # cast: a node of the graph; the same dtype, no node
    {"name": "p08_cast_detached", "phase": 8, "module": "precision.py", "task": "cast",
     "old": CAST_NODE, "new": "    return Tensor(x.data.astype(dtype))\n",
     "says": ["backward through cast(float32 -> float16)", "does not require grad"]},
    {"name": "p08_cast_node_when_same", "phase": 8, "module": "precision.py", "task": "cast",
     "old": "    if x.dtype == dtype:\n        return x\n", "new": "",
     "says": ["must return x itself"]},
    # LossScaler: the counter of clean steps, its resets, and the factors
    {"name": "p08_scaler_no_reset_after_growth", "phase": 8, "module": "precision.py", "task": "loss_scaler",
     "old": GROWTH, "new": GROWTH.replace("            self.clean_steps = 0\n", ""),
     "says": ["expected scale 2.0 and clean_steps 0, got 2.0 and 1", "every clean step grows the scale"]},
    {"name": "p08_scaler_ge_without_reset", "phase": 8, "module": "precision.py", "task": "loss_scaler",
     "old": GROWTH,
     "new": ("        self.clean_steps += 1\n        if self.clean_steps >= self.growth_interval:\n"
             "            self.scale *= self.growth_factor\n"),
     "says": ["expected scale 2.0 and clean_steps 0, got 2.0 and 1"]},
    {"name": "p08_scaler_no_reset_after_overflow", "phase": 8, "module": "precision.py", "task": "loss_scaler",
     "old": OVERFLOW, "new": OVERFLOW.replace("            self.clean_steps = 0\n", ""),
     "says": ["clean_steps 0"]},
    {"name": "p08_scaler_counts_on_overflow_step", "phase": 8, "module": "precision.py", "task": "loss_scaler",
     "old": OVERFLOW, "new": OVERFLOW.replace("            return\n", ""),
     "says": ["starts the count of clean steps again"]},
    {"name": "p08_scaler_grows_one_late", "phase": 8, "module": "precision.py", "task": "loss_scaler",
     "old": GROWTH,
     "new": ("        if self.clean_steps == self.growth_interval:\n"
             "            self.scale *= self.growth_factor\n            self.clean_steps = 0\n"
             "        self.clean_steps += 1\n"),
     "says": ["every clean step grows the scale"]},
    {"name": "p08_scaler_halves_always", "phase": 8, "module": "precision.py", "task": "loss_scaler",
     "old": "            self.scale *= self.backoff_factor\n", "new": "            self.scale /= 2\n",
     "says": ["growth_factor and backoff_factor as given"]},
    {"name": "p08_scaler_doubles_always", "phase": 8, "module": "precision.py", "task": "loss_scaler",
     "old": "            self.scale *= self.growth_factor\n", "new": "            self.scale *= 2\n",
     "says": ["growth_factor and backoff_factor as given"]},
    {"name": "p08_scaler_init_scale_zero", "phase": 8, "module": "precision.py", "task": "loss_scaler",
     "old": "if not init_scale > 0:", "new": "if init_scale < 0:",
     "says": ["lossscaler(init_scale=0.0) should raise valueerror"]},
    {"name": "p08_scaler_growth_factor_one", "phase": 8, "module": "precision.py", "task": "loss_scaler",
     "old": "if not growth_factor > 1:", "new": "if not growth_factor >= 1:",
     "says": ["lossscaler(growth_factor=1.0) should raise valueerror"]},
    {"name": "p08_scaler_backoff_closed", "phase": 8, "module": "precision.py", "task": "loss_scaler",
     "old": "if not 0 < backoff_factor < 1:", "new": "if not 0 <= backoff_factor <= 1:",
     "says": ["lossscaler(backoff_factor=1.0) should raise valueerror"]},
    {"name": "p08_scaler_interval_zero", "phase": 8, "module": "precision.py", "task": "loss_scaler",
     "old": "if not growth_interval >= 1:", "new": "if growth_interval < 0:",
     "says": ["lossscaler(growth_interval=0) should raise valueerror"]},
    {"name": "p08_scaler_error_unnamed", "phase": 8, "module": "precision.py", "task": "loss_scaler",
     "old": "raise ValueError(f\"LossScaler: growth_factor must be > 1, got {growth_factor}\")",
     "new": "raise ValueError(f\"LossScaler: the growth must be > 1, got {growth_factor}\")",
     "says": ["should name growth_factor"]},
    # MasterWeights: copies on the device, grads cleared, converted before unscaling
    {"name": "p08_master_on_the_host", "phase": 8, "module": "precision.py", "task": "master_weights",
     "old": "_nn.Parameter(p.data.astype(np.float32, copy=True))",
     "new": "_nn.Parameter(np.array(p.data, dtype=np.float32))",
     "says": ["masterweights on device parameters called numpy on device data"]},
    {"name": "p08_master_grads_kept_at_init", "phase": 8, "module": "precision.py", "task": "master_weights",
     "old": "            p.data = p.data.astype(dtype)\n            p.grad = None\n",
     "new": "            p.data = p.data.astype(dtype)\n",
     "says": ["must clear the parameters' grads (they were float32)"]},
    {"name": "p08_master_unscaled_in_float16", "phase": 8, "module": "precision.py", "task": "master_weights",
     "old": TO_MASTER,
     "new": "            m.grad = None if p.grad is None else (p.grad * p.grad.dtype.type(inv_scale)).astype(np.float32)\n",
     "says": ["divided by the scale in float16", "convert to float32 first"]},
    {"name": "p08_master_grad_zeros_for_none", "phase": 8, "module": "precision.py", "task": "master_weights",
     "old": TO_MASTER,
     "new": ("            m.grad = m.data * np.float32(0) if p.grad is None else "
             "p.grad.astype(np.float32) * np.float32(inv_scale)\n"),
     "says": ["not zeros"]},
    {"name": "p08_master_model_grads_kept", "phase": 8, "module": "precision.py", "task": "master_weights",
     "old": TO_MASTER + "            p.grad = None\n", "new": TO_MASTER,
     "says": ["grads_to_master must clear the parameters' grads"]},
    {"name": "p08_master_to_model_float32", "phase": 8, "module": "precision.py", "task": "master_weights",
     "old": "            p.data = m.data.astype(p.data.dtype)\n", "new": "            p.data = m.data.copy()\n",
     "says": ["keep the model float16"]},
    {"name": "p08_master_to_model_aliases", "phase": 8, "module": "precision.py", "task": "master_weights",
     "old": "            p.data = m.data.astype(p.data.dtype)\n", "new": "            p.data = m.data\n",
     "says": ["keep the model float16"]},
    # found by the catalogue first, then graded
    {"name": "p08_cast_grad_not_converted", "phase": 8, "module": "precision.py", "task": "cast",
     "old": "lambda g: (g.astype(source),)", "new": "lambda g: (g,)",
     "says": ["inside a graph", "g.astype(the input's dtype)"]},
    {"name": "p08_master_without_copy", "phase": 8, "module": "precision.py", "task": "master_weights",
     "old": "p.data.astype(np.float32, copy=True)", "new": "p.data.astype(np.float32, copy=False)",
     "says": ["shares memory", "copy=True"]},
    # the types a caller (or a config) may give: an int scale, a fractional interval
    {"name": "p08_scaler_scale_kept_as_given", "phase": 8, "module": "precision.py", "task": "loss_scaler",
     "old": "        self.scale = float(init_scale)\n", "new": "        self.scale = init_scale\n",
     "says": ["python float 1024.0", "float(init_scale)"]},
    {"name": "p08_scaler_interval_fraction", "phase": 8, "module": "precision.py", "task": "loss_scaler",
     "old": "if not growth_interval >= 1:", "new": "if not growth_interval > 0:",
     "says": ["growth_interval=0.5", "should raise ValueError"]},
]

# Correct code written another way: each must keep full marks.
ALTERNATIVES = [
    {"name": "p08_alt_scaler_counts_ahead", "phase": 8, "module": "precision.py", "task": "loss_scaler",
     "old": GROWTH,
     "new": ("        if self.clean_steps + 1 >= self.growth_interval:     # this step completes the interval\n"
             "            self.scale, self.clean_steps = self.scale * self.growth_factor, 0\n"
             "        else:\n            self.clean_steps += 1\n")},
    {"name": "p08_alt_master_via_xp_array", "phase": 8, "module": "precision.py", "task": "master_weights",
     "old": "_nn.Parameter(p.data.astype(np.float32, copy=True))",
     "new": "_nn.Parameter(p.xp.array(p.data, dtype=p.xp.float32, copy=True))"},
    {"name": "p08_alt_master_to_model_in_place", "phase": 8, "module": "precision.py", "task": "master_weights",
     "old": "            p.data = m.data.astype(p.data.dtype)\n", "new": "            p.data[...] = m.data          # cast on assignment\n"},
]
