"""Learner bugs in phase 06's adamw.py, each caught and named by phases/06_training/test_adamw.py."""

DECAY = "                if wd:\n                    p.data *= 1 - lr * wd\n"
MOMENTS = ("                m *= beta1\n                m += (1 - beta1) * g\n"
           "                v *= beta2\n                v += (1 - beta2) * (g * g)\n")
UPDATE = ("                denom = xp.sqrt(v) / math.sqrt(1 - beta2**t)\n                denom += eps\n"
          "                update = m * (lr / (1 - beta1**t))\n                update /= denom\n"
          "                p.data -= update\n")
STEP_HEAD = ('            lr, (beta1, beta2), eps, wd = group["lr"], group["betas"], group["eps"], group["weight_decay"]\n'
             '            for p in group["params"]:\n                if p.grad is None:\n                    continue\n')

STEP_STATE = ("                xp = array_module(p.data)\n                state = self.state.get(p)\n"
              "                if state is None:\n"
              '                    state = self.state[p] = {"step": 0, "m": xp.zeros_like(p.data), "v": xp.zeros_like(p.data)}\n'
              '                state["step"] += 1\n                t = state["step"]\n')

MUTANTS = [
    {"name": "p06_adam_l2", "phase": 6, "module": "adamw.py", "task": "adamw_step",
     "old": DECAY,
     "new": "                g = g + wd * p.data\n",
     "says": ["added to the gradient", "L2"]},
    {"name": "p06_decay_after_update", "phase": 6, "module": "adamw.py", "task": "adamw_step",
     "old": DECAY + MOMENTS + UPDATE,
     "new": MOMENTS + UPDATE + DECAY,
     "says": ["decay is applied after the Adam update"]},
    {"name": "p06_decay_lr_twice", "phase": 6, "module": "adamw.py", "task": "adamw_step",
     "old": "p.data *= 1 - lr * wd",
     "new": "p.data *= 1 - lr * lr * wd",
     "says": ["multiplied by lr twice"]},
    {"name": "p06_bias_correction_ahead", "phase": 6, "module": "adamw.py", "task": "adamw_step",
     "old": "                denom = xp.sqrt(v) / math.sqrt(1 - beta2**t)\n                denom += eps\n"
            "                update = m * (lr / (1 - beta1**t))\n",
     "new": "                denom = xp.sqrt(v) / math.sqrt(1 - beta2**(t + 1))\n                denom += eps\n"
            "                update = m * (lr / (1 - beta1**(t + 1)))\n",
     "says": ["bias correction is a step ahead"]},
    {"name": "p06_bias_correction_behind", "phase": 6, "module": "adamw.py", "task": "adamw_step",
     "old": "                denom = xp.sqrt(v) / math.sqrt(1 - beta2**t)\n                denom += eps\n"
            "                update = m * (lr / (1 - beta1**t))\n",
     "new": "                denom = xp.sqrt(v) / math.sqrt(1 - beta2**(t - 1))\n                denom += eps\n"
            "                update = m * (lr / (1 - beta1**(t - 1)))\n",
     "says": ["nan or inf", "before the bias correction"]},
    {"name": "p06_no_bias_correction", "phase": 6, "module": "adamw.py", "task": "adamw_step",
     "old": "                denom = xp.sqrt(v) / math.sqrt(1 - beta2**t)\n                denom += eps\n"
            "                update = m * (lr / (1 - beta1**t))\n",
     "new": "                denom = xp.sqrt(v) + eps\n                update = m * lr\n",
     "says": ["no bias correction"]},
    {"name": "p06_eps_inside_sqrt", "phase": 6, "module": "adamw.py", "task": "adamw_step",
     "old": "                denom = xp.sqrt(v) / math.sqrt(1 - beta2**t)\n                denom += eps\n",
     "new": "                denom = xp.sqrt(v / (1 - beta2**t) + eps)\n",
     "says": ["eps is inside the square root"]},
    {"name": "p06_global_step_count", "phase": 6, "module": "adamw.py", "task": "adamw_step",
     "old": "        for group in self.param_groups:\n" + STEP_HEAD + STEP_STATE,
     "new": "        self._t = getattr(self, '_t', 0) + 1\n        for group in self.param_groups:\n" + STEP_HEAD
            + STEP_STATE.replace('t = state["step"]', "t = self._t"),
     "says": ["one global step count", "per parameter"]},
    {"name": "p06_none_grad_decayed", "phase": 6, "module": "adamw.py", "task": "adamw_step",
     "old": STEP_HEAD,
     "new": STEP_HEAD.replace("                if p.grad is None:\n",
                              "                if p.grad is None:\n                    p.data *= 1 - lr * wd\n"),
     "says": ["grad is None", "skipped entirely"]},
    {"name": "p06_lr_cached", "phase": 6, "module": "adamw.py", "task": "adamw_step",
     "old": '            lr, (beta1, beta2), eps, wd = group["lr"], group["betas"], group["eps"], group["weight_decay"]\n',
     "new": '            lr = self.__dict__.setdefault("_lr0", {}).setdefault(id(group), group["lr"])\n'
            '            (beta1, beta2), eps, wd = group["betas"], group["eps"], group["weight_decay"]\n',
     "says": ["lr is read once", "group['lr']"]},
    {"name": "p06_grad_changed", "phase": 6, "module": "adamw.py", "task": "adamw_step",
     "old": "                g = p.grad\n",
     "new": "                g = p.grad\n                if wd:\n                    g += wd * p.data\n",
     "says": ["leave p.grad alone", "g += weight_decay * p"]},
    {"name": "p06_param_groups_decay_biases", "phase": 6, "module": "adamw.py", "task": "param_groups",
     "old": "    decay = [p for _, p in model.named_parameters() if p.ndim >= 2]\n"
            "    rest = [p for _, p in model.named_parameters() if p.ndim < 2]\n",
     "new": "    decay = [p for _, p in model.named_parameters() if p.ndim >= 1]\n"
            "    rest = [p for _, p in model.named_parameters() if p.ndim < 1]\n",
     "says": ["biases and norm gains in the decayed group"]},
    {"name": "p06_param_groups_skip_embeddings", "phase": 6, "module": "adamw.py", "task": "param_groups",
     "old": "    decay = [p for _, p in model.named_parameters() if p.ndim >= 2]\n"
            "    rest = [p for _, p in model.named_parameters() if p.ndim < 2]\n",
     "new": "    decay = [p for n, p in model.named_parameters() if p.ndim >= 2 and not n.startswith(('wte', 'wpe'))]\n"
            "    rest = [p for n, p in model.named_parameters() if p.ndim < 2 or n.startswith(('wte', 'wpe'))]\n",
     "says": ["embedding tables", "this course decays them", "handout"]},
    {"name": "p06_param_groups_missing", "phase": 6, "module": "adamw.py", "task": "param_groups",
     "old": "    rest = [p for _, p in model.named_parameters() if p.ndim < 2]\n",
     "new": "    rest = [p for n, p in model.named_parameters() if p.ndim < 2 and not n.startswith('ln_f')]\n",
     "says": ["ln_f.weight", "in neither group"]},
    {"name": "p06_state_dict_shares", "phase": 6, "module": "adamw.py", "task": "adamw_state_dict",
     "old": '"m": np.array(to_numpy(s["m"]), copy=True),\n                                "v": np.array(to_numpy(s["v"]), copy=True)}',
     "new": '"m": to_numpy(s["m"]),\n                                "v": to_numpy(s["v"])}',
     "says": ["state_dict returns copies"]},
    {"name": "p06_load_state_dict_shares", "phase": 6, "module": "adamw.py", "task": "adamw_state_dict",
     "old": '"m": xp.array(s["m"], dtype=p.data.dtype, copy=True),\n'
            '                            "v": xp.array(s["v"], dtype=p.data.dtype, copy=True)}',
     "new": '"m": xp.asarray(s["m"], dtype=p.data.dtype),\n'
            '                            "v": xp.asarray(s["v"], dtype=p.data.dtype)}',
     "says": ["load_state_dict copies the arrays in"]},
    {"name": "p06_load_keeps_settings", "phase": 6, "module": "adamw.py", "task": "adamw_state_dict",
     "old": '                group[k] = tuple(saved[k]) if k == "betas" else saved[k]\n',
     "new": '                group[k] = group[k]\n',
     "says": ["param_groups[0]", "sets each group's lr, betas, eps and weight_decay"]},
    {"name": "p06_load_no_shape_check", "phase": 6, "module": "adamw.py", "task": "adamw_state_dict",
     "old": "                if tuple(np.shape(s[key])) != p.data.shape:\n",
     "new": "                if False:\n",
     "says": ["should raise ValueError", "(3, 2)"]},
    {"name": "p06_load_partial_on_error", "phase": 6, "module": "adamw.py", "task": "adamw_state_dict",
     "old": '        params = [p for group in self.param_groups for p in group["params"]]\n',
     "new": "        for group, saved in zip(self.param_groups, groups):\n            for k in HYPER:\n"
            "                group[k] = saved[k]\n"
            '        params = [p for group in self.param_groups for p in group["params"]]\n',
     "says": ["raised, but changed", "leaves the optimizer as it was"]},
    {"name": "p06_moments_not_stored", "phase": 6, "module": "adamw.py", "task": "adamw_step",
     "old": MOMENTS,
     "new": "                m = beta1 * m + (1 - beta1) * g\n                v = beta2 * v + (1 - beta2) * (g * g)\n",
     "says": ["not kept from one step to the next"]},
    {"name": "p06_decay_without_lr", "phase": 6, "module": "adamw.py", "task": "adamw_step",
     "old": "p.data *= 1 - lr * wd", "new": "p.data *= 1 - wd",
     "says": ["not multiplied by lr"]},
    {"name": "p06_state_dict_numbers_stepped_only", "phase": 6, "module": "adamw.py", "task": "adamw_state_dict",
     "old": "                indices.append(i)\n                i += 1\n",
     "new": "                    i += 1\n                indices.append(i)\n",
     "says": ["named by position"]},
    {"name": "p06_load_state_dict_saved_dtype", "phase": 6, "module": "adamw.py", "task": "adamw_state_dict",
     "old": '"m": xp.array(s["m"], dtype=p.data.dtype, copy=True),\n'
            '                            "v": xp.array(s["v"], dtype=p.data.dtype, copy=True)}',
     "new": '"m": xp.array(s["m"], copy=True),\n                            "v": xp.array(s["v"], copy=True)}',
     "says": ["should be a float32 array", "p.data's dtype"]},
]

# Correct code written another way: each must keep full marks.
ALTERNATIVES = [
    {"name": "p06_alt_adamw_hat_form", "phase": 6, "module": "adamw.py", "task": "adamw_step",
     "old": UPDATE,
     "new": ("                m_hat = m / (1 - beta1**t)\n                v_hat = v / (1 - beta2**t)\n"
             "                p.data -= lr * m_hat / (xp.sqrt(v_hat) + eps)\n")},
]
