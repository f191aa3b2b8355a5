"""Learner bugs in phase 08's counting.py, each caught and named by phases/08_scaling/test_counting.py."""

FLOPS = "    return 6 * flop_parameters(model) + 12 * c.n_layer * c.n_embd * c.block_size\n"
LOOKUP = ("    keys = [k for k in PEAK_TFLOPS if k.lower() in name]\n    if not keys:\n        return None\n"
          "    return PEAK_TFLOPS[max(keys, key=len)][arithmetic] * 1e12\n")

MUTANTS = [
    # N: the looked-up tables out, the tied one in
    {"name": "p08_n_counts_wpe", "phase": 8, "module": "counting.py", "task": "flop_parameters",
     "old": "    if c.position == \"learned\":\n        n -= model.wpe.weight.size\n", "new": "",
     "says": ["leave wpe out"]},
    {"name": "p08_n_counts_untied_wte", "phase": 8, "module": "counting.py", "task": "flop_parameters",
     "old": "    if not c.tie_weights:\n        n -= model.wte.weight.size\n", "new": "",
     "says": ["untied", "leave wte out"]},
    {"name": "p08_n_drops_tied_wte", "phase": 8, "module": "counting.py", "task": "flop_parameters",
     "old": "    if not c.tie_weights:\n        n -= model.wte.weight.size\n", "new": "    n -= model.wte.weight.size\n",
     "says": ["tied", "keep it"]},
    # FLOPs per token: 6N, and attention over the context
    {"name": "p08_flops_forward_only", "phase": 8, "module": "counting.py", "task": "training_flops_per_token",
     "old": FLOPS, "new": FLOPS.replace("6 * flop_parameters", "2 * flop_parameters"),
     "says": ["forward pass only", "6 n per token"]},
    {"name": "p08_flops_no_attention", "phase": 8, "module": "counting.py", "task": "training_flops_per_token",
     "old": FLOPS, "new": "    return 6 * flop_parameters(model)\n",
     "says": ["attention term is missing"]},
    {"name": "p08_flops_attention_n_head", "phase": 8, "module": "counting.py", "task": "training_flops_per_token",
     "old": FLOPS, "new": FLOPS.replace("c.n_embd", "c.n_head"),
     "says": ["uses n_embd", "not n_head"]},
    {"name": "p08_flops_every_parameter", "phase": 8, "module": "counting.py", "task": "training_flops_per_token",
     "old": FLOPS, "new": FLOPS.replace("flop_parameters(model)", "model.num_parameters()"),
     "says": ["n is flop_parameters(model), not every parameter"]},
    # peak_flops: the longest key, any case, FLOP/s, three arithmetics
    {"name": "p08_peak_first_match", "phase": 8, "module": "counting.py", "task": "peak_flops",
     "old": "PEAK_TFLOPS[max(keys, key=len)]", "new": "PEAK_TFLOPS[keys[0]]",
     "says": ['peak_flops("nvidia h100 pcie", "fp16")', "the longest one wins"]},
    {"name": "p08_peak_case_sensitive", "phase": 8, "module": "counting.py", "task": "peak_flops",
     "old": "    name = device_name.lower()\n    keys = [k for k in PEAK_TFLOPS if k.lower() in name]\n",
     "new": "    name = device_name\n    keys = [k for k in PEAK_TFLOPS if k in name]\n",
     "says": ["nvidia a100-pcie-40gb", "ignoring case"]},
    {"name": "p08_peak_in_tflops", "phase": 8, "module": "counting.py", "task": "peak_flops",
     "old": "[arithmetic] * 1e12\n", "new": "[arithmetic]\n",
     "says": ["return flop/s", "multiply by 1e12"]},
    {"name": "p08_peak_unknown_is_zero", "phase": 8, "module": "counting.py", "task": "peak_flops",
     "old": "    if not keys:\n        return None\n", "new": "    if not keys:\n        return 0.0\n",
     "says": ["amd instinct mi300x", "expected none"]},
    {"name": "p08_peak_arithmetic_unchecked", "phase": 8, "module": "counting.py", "task": "peak_flops",
     "old": ("    if arithmetic not in (\"fp32\", \"tf32\", \"fp16\"):\n        raise ValueError(f\"peak_flops: "
             "arithmetic must be 'fp32', 'tf32' or 'fp16', got {arithmetic!r}\")\n"), "new": "",
     "says": ['"bf16")', "should raise valueerror, but raised keyerror"]},
    {"name": "p08_peak_arithmetic_lowercased", "phase": 8, "module": "counting.py", "task": "peak_flops",
     "old": "    if arithmetic not in (\"fp32\", \"tf32\", \"fp16\"):\n",
     "new": "    arithmetic = arithmetic.lower()\n    if arithmetic not in (\"fp32\", \"tf32\", \"fp16\"):\n",
     "says": ['"fp16") should raise valueerror', "returned normally"]},
    # MFU and the training state
    {"name": "p08_mfu_percent", "phase": 8, "module": "counting.py", "task": "mfu_and_state_bytes",
     "old": "    return tokens_per_s * flops_per_token / peak\n",
     "new": "    return 100 * tokens_per_s * flops_per_token / peak\n",
     "says": ["a fraction, not a percentage"]},
    {"name": "p08_state_bytes_fp16_as_fp32", "phase": 8, "module": "counting.py", "task": "mfu_and_state_bytes",
     "old": "    return int(n_params) * STATE_BYTES[precision]\n", "new": "    return int(n_params) * 16\n",
     "says": ['state_bytes(22,696,448, "fp16")', "float32 master weights"]},
    {"name": "p08_state_bytes_fp16_halved", "phase": 8, "module": "counting.py", "task": "mfu_and_state_bytes",
     "old": "    return int(n_params) * STATE_BYTES[precision]\n",
     "new": "    return int(n_params) * (16 if precision == \"fp32\" else 8)\n",
     "says": ["float32 master weights", "their grads", "two moments"]},
    {"name": "p08_state_bytes_unchecked", "phase": 8, "module": "counting.py", "task": "mfu_and_state_bytes",
     "old": ("    if precision not in STATE_BYTES:\n        raise ValueError(f\"state_bytes: precision must be 'fp32' or "
             "'fp16', got {precision!r}\")\n    return int(n_params) * STATE_BYTES[precision]\n"),
     "new": "    return int(n_params) * STATE_BYTES.get(precision, 16)\n",
     "says": ['state_bytes(10, "bf16") should raise valueerror']},
    {"name": "p08_mfu_unknown_peak_divides", "phase": 8, "module": "counting.py", "task": "mfu_and_state_bytes",
     "old": "    if peak is None:\n        return None\n", "new": "",
     "says": ["return None when peak is None"]},
]

# Correct code written another way: each must keep full marks.
ALTERNATIVES = [
    {"name": "p08_alt_peak_longest_first", "phase": 8, "module": "counting.py", "task": "peak_flops",
     "old": LOOKUP,
     "new": ("    for key in sorted(PEAK_TFLOPS, key=len, reverse=True):     # the longest key that matches\n"
             "        if key.casefold() in name.casefold():\n"
             "            return PEAK_TFLOPS[key][arithmetic] * 10.0**12\n"
             "    return None\n")},
    {"name": "p08_alt_n_by_names", "phase": 8, "module": "counting.py", "task": "flop_parameters",
     "old": ("    n = sum(p.size for p in model.parameters())\n    if c.position == \"learned\":\n"
             "        n -= model.wpe.weight.size\n    if not c.tie_weights:\n        n -= model.wte.weight.size\n"),
     "new": ("    lookups = {\"wpe.weight\"} | (set() if c.tie_weights else {\"wte.weight\"})\n"
             "    n = sum(p.size for name, p in model.named_parameters() if name not in lookups)\n")},
]
