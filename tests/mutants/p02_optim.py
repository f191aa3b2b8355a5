"""Learner bugs in phase 02's optim.py, each caught and named by phases/02_autograd/test_optim.py."""

MUTANTS = [
    # state that aliases the caller's arrays
    {"name": "p02_sgd_buffer_aliases_grad", "phase": 2, "module": "optim.py", "task": "optim_zero_grad_and_state",
     "old": 'buf = state["momentum_buffer"] = g.copy()', "new": 'buf = state["momentum_buffer"] = g',
     "says": ["momentum buffer", "copy"]},
    {"name": "p02_sgd_decay_in_place", "phase": 2, "module": "optim.py", "task": "optim_zero_grad_and_state",
     "old": "                g = g + self.weight_decay * p.data\n", "new": "                g += self.weight_decay * p.data\n",
     "says": [".grad"]},
    {"name": "p02_sgd_dampening", "phase": 2, "module": "optim.py", "task": "optim_sgd",
     "old": "                    buf += g\n", "new": "                    buf += (1 - self.momentum) * g\n",
     "says": ["momentum"]},
    # Adam's epsilon and bias correction
    {"name": "p02_adam_eps_inside_sqrt", "phase": 2, "module": "optim.py", "task": "optim_adam",
     "old": "            denom = xp.sqrt(v, out=work)\n            denom += self.eps * math.sqrt(bias2)\n",
     "new": "            denom = xp.divide(v, bias2, out=work)\n            denom += self.eps\n            xp.sqrt(denom, out=denom)\n"
            "            denom *= math.sqrt(bias2)\n",
     "says": ["eps is inside the square root"]},
    {"name": "p02_adam_eps_before_correction", "phase": 2, "module": "optim.py", "task": "optim_adam",
     "old": "            denom += self.eps * math.sqrt(bias2)\n",
     "new": "            denom += self.eps\n",
     "says": ["eps", "before the bias correction"]},
    {"name": "p02_adam_no_bias_correction", "phase": 2, "module": "optim.py", "task": "optim_adam",
     "old": "        bias1, bias2 = 1 - beta1**self.t, 1 - beta2**self.t", "new": "        bias1, bias2 = 1.0, 1.0",
     "says": ["bias correction"]},
    {"name": "p02_adam_t_per_param", "phase": 2, "module": "optim.py", "task": "optim_adam",
     "old": ("        self.t += 1\n        beta1, beta2 = self.betas\n        bias1, bias2 = 1 - beta1**self.t, 1 - beta2**self.t\n"
             "        for i, p in enumerate(self.params):\n            if p.grad is None:\n                continue\n"),
     "new": ("        beta1, beta2 = self.betas\n        for i, p in enumerate(self.params):\n            if p.grad is None:\n"
             "                continue\n            self.t += 1\n            bias1, bias2 = 1 - beta1**self.t, 1 - beta2**self.t\n"),
     "says": ["t counts parameters"]},
    {"name": "p02_sgd_steps_none_grad", "phase": 2, "module": "optim.py", "task": "optim_zero_grad_and_state",
     "old": "        for i, p in enumerate(self.params):\n            if p.grad is None:\n                continue\n            g = p.grad\n",
     "new": "        for i, p in enumerate(self.params):\n            g = p.grad if p.grad is not None else 0 * p.data\n",
     "says": ["grad is none"]},
    # boundaries, aliasing, laziness and types a first version gets wrong
    {"name": "p02_sgd_decay_outside_momentum", "phase": 2, "module": "optim.py", "task": "optim_sgd",
     "old": "            p.data -= self.lr * g\n",
     "new": "            p.data -= self.lr * (g + (self.weight_decay * p.data if self.momentum else 0))\n",
     "says": ["g = grad + weight_decay * p"]},
    {"name": "p02_adam_decoupled_decay", "phase": 2, "module": "optim.py", "task": "optim_adam",
     "old": "g = p.grad + self.weight_decay * p.data if self.weight_decay else p.grad",
     "new": "g = p.grad\n            p.data -= self.lr * self.weight_decay * p.data",
     "says": ["decoupled"]},
    {"name": "p02_zero_grad_zeros", "phase": 2, "module": "optim.py", "task": "optim_zero_grad_and_state",
     "old": "        for p in self.params:\n            p.grad = None\n",
     "new": "        for p in self.params:\n            p.grad = p.data * 0\n",
     "says": ["p.grad = None"]},
]

ALTERNATIVES = [
    {"name": "p02_alt_adam_fresh_arrays", "phase": 2, "module": "optim.py", "task": "optim_adam",
     "old": ("            work = xp.multiply(g, 1 - beta1)\n            m *= beta1\n"
             "            m += work                                   # m = beta1 m + (1 - beta1) g\n"
             "            xp.multiply(g, g, out=work)\n            work *= 1 - beta2\n            v *= beta2\n"
             "            v += work                                   # v = beta2 v + (1 - beta2) g²\n"
             "            # sqrt(v_hat) + eps = (sqrt(v) + eps sqrt(bias2)) / sqrt(bias2): one pass fewer\n"
             "            denom = xp.sqrt(v, out=work)\n"
             "            denom += self.eps * math.sqrt(bias2)\n"
             "            update = xp.divide(m, denom, out=work)\n"
             "            update *= self.lr * math.sqrt(bias2) / bias1     # lr m_hat / (sqrt(v_hat) + eps)\n"
             "            p.data -= update\n"),
     "new": ("            m = self.state[i][\"m\"] = beta1 * m + (1 - beta1) * g\n"
             "            v = self.state[i][\"v\"] = beta2 * v + (1 - beta2) * g * g\n"
             "            p.data -= (self.lr * (m / bias1) / (xp.sqrt(v / bias2) + self.eps)).astype(p.data.dtype)\n")},
    {"name": "p02_alt_sgd_new_buffer", "phase": 2, "module": "optim.py", "task": "optim_sgd",
     "old": "                    buf *= self.momentum\n                    buf += g\n",
     "new": "                    buf = state[\"momentum_buffer\"] = self.momentum * buf + g\n"},
]
