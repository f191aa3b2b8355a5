"""Learner bugs in phase 10's torch_gpt.py, each caught and named by phases/10_reality_check/test_torch_gpt.py."""

LOAD_T = "        value = value.T if is_linear_weight(name) else value\n"
LOAD_LOOP = (
    "    new = {}\n"
    "    for name in wanted:\n"
    "        value = np.asarray(state[name])\n"
    "        value = value.T if is_linear_weight(name) else value\n"
    "        if value.shape != tuple(own[name].shape):\n"
    "            raise ValueError(f\"load_scratch_state: {name} is {np.asarray(state[name]).shape}, the model wants \"\n"
    "                             f\"{tuple(own[name].shape)} (transposed: {is_linear_weight(name)})\")\n"
    "        new[name] = torch.tensor(np.ascontiguousarray(value), dtype=own[name].dtype)\n"
    "    with torch.no_grad():\n"
    "        for name, p in model.named_parameters():\n"
    "            p.copy_(new[name])\n")
QKV_GROUP = ("        group = c.n_head // c.n_kv_head\n"
             "        k, v = k.repeat_interleave(group, dim=1), v.repeat_interleave(group, dim=1)\n")
SDPA = "        y = F.scaled_dot_product_attention(q, k, v, is_causal=True, dropout_p=c.dropout if self.training else 0.0)\n"
ROPE_PAIRS = ("    x1, x2 = x[..., 0::2], x[..., 1::2]\n"
              "    return torch.stack((x1 * cos - x2 * sin, x1 * sin + x2 * cos), dim=-1).flatten(-2)\n")
STATE_OUT = "        out[name] = np.array(value.T if is_linear_weight(name) else value, order=\"C\")     # a copy, never a view\n"
BLOCK_CHECK = ("        if T > c.block_size:\n"
               "            raise ValueError(f\"TorchGPT got {T} tokens but block_size is {c.block_size}\")\n")

MUTANTS = [
    # load_scratch_state: names matched, Linear weights transposed, everything checked before anything is copied
    {"name": "p10_twin_load_reshape", "phase": 10, "module": "torch_gpt.py", "task": "torch_gpt",
     "old": LOAD_T, "new": "        value = value.reshape(tuple(own[name].shape)) if is_linear_weight(name) else value\n",
     "says": ["does not hold the state's value transposed", "a reshape", "is not a transpose"]},
    {"name": "p10_twin_load_transposes_tables", "phase": 10, "module": "torch_gpt.py", "task": "torch_gpt",
     "old": LOAD_T, "new": "        value = value.T if value.ndim == 2 else value\n",
     "says": ["tables and norms are not"]},
    {"name": "p10_twin_load_copies_while_checking", "phase": 10, "module": "torch_gpt.py", "task": "torch_gpt_state",
     "old": LOAD_LOOP,
     "new": ("    params = dict(model.named_parameters())\n"
             "    for name in params:\n"
             "        value = np.asarray(state[name])\n"
             "        value = value.T if is_linear_weight(name) else value\n"
             "        if value.shape != tuple(own[name].shape):\n"
             "            raise ValueError(f\"load_scratch_state: {name} is {value.shape}\")\n"
             "        with torch.no_grad():\n"
             "            params[name].copy_(torch.tensor(np.ascontiguousarray(value), dtype=own[name].dtype))\n"),
     "says": ["raised but changed", "check every entry before copying any"]},
    {"name": "p10_twin_load_accepts_extra", "phase": 10, "module": "torch_gpt.py", "task": "torch_gpt_state",
     "old": "    if missing or unexpected:\n", "new": "    if missing:\n",
     "says": ["with an extra entry", "should raise valueerror"]},
    # forward: the parts of phase 05
    {"name": "p10_twin_not_causal", "phase": 10, "module": "torch_gpt.py", "task": "torch_gpt",
     "old": SDPA, "new": SDPA.replace("is_causal=True", "is_causal=False"),
     "says": ["not causal"]},
    {"name": "p10_twin_rope_rotate_half", "phase": 10, "module": "torch_gpt.py", "task": "torch_gpt",
     "old": ROPE_PAIRS,
     "new": ("    x1, x2 = x[..., :D // 2], x[..., D // 2:]\n"
             "    return torch.cat((x1 * cos - x2 * sin, x1 * sin + x2 * cos), dim=-1)\n"),
     "says": ["(2i, 2i+1)", "rotate_half"]},
    {"name": "p10_twin_no_rope", "phase": 10, "module": "torch_gpt.py", "task": "torch_gpt",
     "old": "        if c.position == \"rope\":\n            q, k = rope(q, c.rope_base), rope(k, c.rope_base)\n",
     "new": "",
     "says": ["rope is missing"]},
    {"name": "p10_twin_gqa_repeat", "phase": 10, "module": "torch_gpt.py", "task": "torch_gpt",
     "old": QKV_GROUP,
     "new": ("        group = c.n_head // c.n_kv_head\n"
             "        k, v = k.repeat(1, group, 1, 1), v.repeat(1, group, 1, 1)\n"),
     "says": ["consecutive query heads", "repeat_interleave, not repeat"]},
    {"name": "p10_twin_gelu_exact", "phase": 10, "module": "torch_gpt.py", "task": "torch_gpt",
     "old": "        return self.proj(F.gelu(self.fc(x), approximate=\"tanh\"))\n",
     "new": "        return self.proj(F.gelu(self.fc(x)))\n",
     "says": ["tanh form", "approximate='tanh'"]},
    {"name": "p10_twin_swiglu_silu_on_w3", "phase": 10, "module": "torch_gpt.py", "task": "torch_gpt",
     "old": "            return self.w2(F.silu(self.w1(x)) * self.w3(x))\n",
     "new": "            return self.w2(self.w1(x) * F.silu(self.w3(x)))\n",
     "says": ["w2(silu(w1 x) * w3 x)"]},
    {"name": "p10_twin_layernorm_no_bias", "phase": 10, "module": "torch_gpt.py", "task": "torch_gpt",
     "old": "    return nn.LayerNorm(c.n_embd, eps=c.norm_eps, bias=c.bias)\n",
     "new": "    return nn.LayerNorm(c.n_embd, eps=c.norm_eps, bias=False)\n",
     "says": ["named_parameters(): missing", "ln1.bias"]},
    {"name": "p10_twin_no_sinusoidal", "phase": 10, "module": "torch_gpt.py", "task": "torch_gpt",
     "old": "        elif c.position == \"sinusoidal\":\n            x = x + self.pe[:T].to(x.dtype)\n",
     "new": "",
     "says": ["sinusoidal table", "added to the token embeddings"]},
    {"name": "p10_twin_head_always_separate", "phase": 10, "module": "torch_gpt.py", "task": "torch_gpt",
     "old": "        if not c.tie_weights:\n            self.lm_head", "new": "        if True:\n            self.lm_head",
     "says": ["not in phase 05", "lm_head.weight"]},
    {"name": "p10_twin_no_block_size_check", "phase": 10, "module": "torch_gpt.py", "task": "torch_gpt",
     "old": BLOCK_CHECK, "new": "",
     "says": ["block_size 12", "should raise valueerror"]},
    # scratch_state: the other way
    {"name": "p10_twin_state_not_transposed_back", "phase": 10, "module": "torch_gpt.py", "task": "torch_gpt_state",
     "old": STATE_OUT, "new": "        out[name] = np.array(value, order=\"C\")\n",
     "says": ["transpose each linear weight back to (in, out)"]},
    {"name": "p10_twin_state_float64", "phase": 10, "module": "torch_gpt.py", "task": "torch_gpt_state",
     "old": "        value = p.detach().cpu().to(torch.float32).numpy()\n",
     "new": "        value = p.detach().cpu().numpy()\n",
     "says": ["must be a float32 numpy array"]},
    {"name": "p10_attention_unscaled", "phase": 10, "module": "torch_gpt.py", "task": "torch_gpt",
     "old": SDPA,
     "new": SDPA.replace("is_causal=True,", "is_causal=True, scale=1.0,"),
     "says": ["1/sqrt(head_dim)"]},
    # aliasing: arrays and tensors that share memory across the two frameworks
    {"name": "p10_twin_state_shares_memory", "phase": 10, "module": "torch_gpt.py", "task": "torch_gpt_state",
     "old": STATE_OUT, "new": "        out[name] = np.ascontiguousarray(value.T if is_linear_weight(name) else value)\n",
     "says": ["changed when the model", "shares its memory"]},
    {"name": "p10_twin_load_shares_memory", "phase": 10, "module": "torch_gpt.py", "task": "torch_gpt_state",
     "old": ("        new[name] = torch.tensor(np.ascontiguousarray(value), dtype=own[name].dtype)\n"
             "    with torch.no_grad():\n"
             "        for name, p in model.named_parameters():\n"
             "            p.copy_(new[name])\n"),
     "new": ("        new[name] = torch.from_numpy(np.ascontiguousarray(value)).to(own[name].dtype)\n"
             "    for name, p in model.named_parameters():\n"
             "        p.data = new[name]\n"),
     "says": ["changed when the state", "torch.from_numpy"]},
]

ALTERNATIVES = [
    {"name": "p10_alt_twin_sdpa_enable_gqa", "phase": 10, "module": "torch_gpt.py", "task": "torch_gpt",
     "old": QKV_GROUP + SDPA,
     "new": SDPA.replace("is_causal=True,", "is_causal=True, enable_gqa=True,"),
     },
    {"name": "p10_alt_twin_attention_by_hand", "phase": 10, "module": "torch_gpt.py", "task": "torch_gpt",
     "old": SDPA,
     "new": ("        s = (q @ k.transpose(-1, -2)) / math.sqrt(c.head_dim)\n"
             "        s = s.masked_fill(torch.ones(T, T, dtype=torch.bool).triu(1), float(\"-inf\"))\n"
             "        y = F.dropout(torch.softmax(s, dim=-1), c.dropout, self.training) @ v\n"),
     },
    {"name": "p10_alt_twin_load_state_dict", "phase": 10, "module": "torch_gpt.py", "task": "torch_gpt_state",
     "old": ("    with torch.no_grad():\n"
             "        for name, p in model.named_parameters():\n"
             "            p.copy_(new[name])\n"),
     "new": "    model.load_state_dict(new, strict=False)\n",
     },
    {"name": "p10_alt_twin_state_copy_in_torch", "phase": 10, "module": "torch_gpt.py", "task": "torch_gpt_state",
     "old": "        value = p.detach().cpu().to(torch.float32).numpy()\n" + STATE_OUT,
     "new": ("        value = p.detach().to(\"cpu\", torch.float32, copy=True).numpy()\n"
             "        out[name] = np.ascontiguousarray(value.T if is_linear_weight(name) else value)\n")},
    {"name": "p10_alt_twin_load_from_numpy_copy", "phase": 10, "module": "torch_gpt.py", "task": "torch_gpt_state",
     "old": ("        new[name] = torch.tensor(np.ascontiguousarray(value), dtype=own[name].dtype)\n"
             "    with torch.no_grad():\n"
             "        for name, p in model.named_parameters():\n"
             "            p.copy_(new[name])\n"),
     "new": ("        new[name] = torch.from_numpy(np.array(value)).to(own[name].dtype)\n"
             "    for name, p in model.named_parameters():\n"
             "        p.data = new[name]\n")},
]
