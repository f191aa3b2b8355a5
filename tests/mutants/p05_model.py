"""Learner bugs in phase 05's model.py, each caught and named by phases/05_transformer/test_model.py
(and test_layers.py's dropout task for the model's own dropout)."""

EMBED = ("        x = self.wte(idx)                                      # (B, T, C)\n"
         "        if self.config.position == \"learned\":\n"
         "            x = x + self.wpe(np.arange(T))                     # (T, C) broadcasts over B\n"
         "        elif self.config.position == \"sinusoidal\":\n"
         "            x = x + self.pe[:T]\n"
         "        x = self.drop(x)\n")

MUTANTS = [
    # positions for a sequence shorter than block_size
    {"name": "p05_wpe_right_aligned", "phase": 5, "module": "model.py", "task": "gpt_forward_backward",
     "old": "x = x + self.wpe(np.arange(T))",
     "new": "x = x + self.wpe(np.arange(self.config.block_size - T, self.config.block_size))",
     "says": ["last T rows", "position t"]},
    {"name": "p05_sinusoids_right_aligned", "phase": 5, "module": "model.py", "task": "gpt_forward_backward",
     "old": "x = x + self.pe[:T]", "new": "x = x + self.pe[len(self.pe) - T:]",
     "says": ["last T rows", "position t"]},
    {"name": "p05_no_positions_added", "phase": 5, "module": "model.py", "task": "gpt_forward_backward",
     "old": "x = x + self.wpe(np.arange(T))", "new": "x = x + 0.0",
     "says": ["without the learned positions"]},
    # the embedding dropout: there, and after the positions
    {"name": "p05_emb_dropout_before_positions", "phase": 5, "module": "model.py", "task": "dropout",
     "old": EMBED,
     "new": EMBED.replace("        x = self.drop(x)\n", "").replace("x = self.wte(idx)  ", "x = self.drop(self.wte(idx))"),
     "says": ["before the positions are added"]},
    {"name": "p05_no_emb_dropout", "phase": 5, "module": "model.py", "task": "dropout",
     "old": "        x = self.drop(x)\n        for block in self.blocks:\n",
     "new": "        for block in self.blocks:\n",
     "says": ["without the embedding dropout"]},
    # the stack and the head
    {"name": "p05_no_final_norm", "phase": 5, "module": "model.py", "task": "gpt_forward_backward",
     "old": "        x = self.ln_f(x)\n", "new": "",
     "says": ["without the final norm"]},
    {"name": "p05_head_cuts_graph", "phase": 5, "module": "model.py", "task": "weight_tying",
     "old": "return x @ self.wte.weight.T ", "new": "return x @ Tensor(self.wte.weight.data.T) ",
     "says": ["only the embedding path"]},
    {"name": "p05_separate_head_though_tied", "phase": 5, "module": "model.py", "task": "weight_tying",
     "old": "        if not c.tie_weights:\n            self.lm_head", "new": "        if True:\n            self.lm_head",
     "says": ["no lm_head"]},
    # initialisation
    {"name": "p05_residual_init_on_inputs", "phase": 5, "module": "model.py", "task": "gpt_init",
     "old": 'name.endswith(("attn.wo.weight", "mlp.proj.weight", "mlp.w2.weight"))',
     "new": 'name.endswith(("attn.wq.weight", "mlp.fc.weight", "mlp.w1.weight"))',
     "says": ["only attn.wo and mlp.proj"]},
    {"name": "p05_residual_init_missing", "phase": 5, "module": "model.py", "task": "gpt_init",
     "old": "residual_std = 0.02 / math.sqrt(2 * c.n_layer)", "new": "residual_std = 0.02",
     "says": ["0.02 / sqrt(2 * n_layer)"]},
    {"name": "p05_residual_init_sqrt_n_layer", "phase": 5, "module": "model.py", "task": "gpt_init",
     "old": "residual_std = 0.02 / math.sqrt(2 * c.n_layer)", "new": "residual_std = 0.02 / math.sqrt(c.n_layer)",
     "says": ["two residual branches per block"]},
    # count_parameters
    {"name": "p05_count_tied_twice", "phase": 5, "module": "model.py", "task": "count_parameters",
     "old": "    if not c.tie_weights:\n        total += C * V\n", "new": "    total += C * V\n",
     "says": ["counted once"]},
    {"name": "p05_count_wpe_always", "phase": 5, "module": "model.py", "task": "count_parameters",
     "old": '    if c.position == "learned":\n        total += c.block_size * C\n',
     "new": "    total += c.block_size * C\n",
     "says": ["only when position='learned'"]},
    {"name": "p05_count_rmsnorm_bias", "phase": 5, "module": "model.py", "task": "count_parameters",
     "old": 'norm = C if c.norm == "rmsnorm" else C + b * C', "new": "norm = C + b * C",
     "says": ["RMSNorm has no bias"]},
    # errors
    {"name": "p05_error_at_block_size", "phase": 5, "module": "model.py", "task": "gpt_errors",
     "old": "if T > self.config.block_size:", "new": "if T >= self.config.block_size:",
     "says": ["T == block_size"]},
    {"name": "p05_error_names_no_block_size", "phase": 5, "module": "model.py", "task": "gpt_errors",
     "old": 'raise ValueError(f"GPT got a sequence of {T} tokens but block_size is {self.config.block_size}")',
     "new": 'raise ValueError(f"GPT got idx of shape {idx.shape}: too long for the position table")',
     "says": ["should name 9 and 8"]},
    {"name": "p05_error_names_size_not_block_size", "phase": 5, "module": "model.py", "task": "gpt_errors",
     "old": 'raise ValueError(f"GPT got a sequence of {T} tokens but block_size is {self.config.block_size}")',
     "new": 'raise ValueError(f"GPT got idx {idx.shape}, {idx.size} ids: too long")',
     "says": ["should name 9 and 8", "numbers on their own"]},
    # boundaries, aliasing, laziness and types a first version gets wrong
    {"name": "p05_count_bias_no_gqa", "phase": 5, "module": "model.py", "task": "count_parameters",
     "old": "b * (H + 2 * K + C)",
     "new": "b * (3 * H + C)",
     "says": ["biases of wk and wv"]},
    {"name": "p05_count_kv_as_heads", "phase": 5, "module": "model.py", "task": "count_parameters",
     "old": "attn = C * H + 2 * C * K + H * C",
     "new": "attn = C * H + 2 * C * H + H * C",
     "says": ["n_kv_head"]},
    {"name": "p05_init_norms_too", "phase": 5, "module": "model.py", "task": "gpt_init",
     "old": "            elif p.ndim == 2:\n",
     "new": "            else:\n",
     "says": ["norm weights 1"]},
    {"name": "p05_gpt_drops_is_pad", "phase": 5, "module": "model.py", "task": "gpt_llama",
     "old": "            x = block(x, is_pad)\n",
     "new": "            x = block(x)\n",
     "says": ["ignores is_pad"]},
]

# Correct code written another way: each must keep full marks.
ALTERNATIVES = [
    {"name": "p05_alt_wpe_by_index", "phase": 5, "module": "model.py", "task": "gpt_forward_backward",
     "old": "x = x + self.wpe(np.arange(T))", "new": "x = x + self.wpe.weight[:T]"},
    {"name": "p05_alt_emb_sum_then_drop", "phase": 5, "module": "model.py", "task": "dropout",
     "old": EMBED,
     "new": ("        pos = None\n"
             "        if self.config.position == \"learned\":\n"
             "            pos = self.wpe.weight[:T]\n"
             "        elif self.config.position == \"sinusoidal\":\n"
             "            pos = Tensor(self.pe[:T])\n"
             "        tok = self.wte(idx)\n"
             "        x = self.drop(tok if pos is None else tok + pos)\n")},
    {"name": "p05_alt_count_by_parts", "phase": 5, "module": "model.py", "task": "count_parameters",
     "old": "    total = V * C + L * (2 * norm + attn + mlp) + norm\n",
     "new": "    total = sum([V * C, norm] + [norm, attn, norm, mlp] * L)\n"},
]
