"""Learner bugs in phase 10's estimates.py, each caught and named by phases/10_reality_check/test_estimates.py."""

LAYER = "    layer = 2 * C * (H + 2 * K) + 2 * H * C + 2 * 2 * T * H + mlp\n"
FLOPS_T = ("    T = c.block_size if seq_len is None else seq_len\n    C, F, V = c.n_embd, c.hidden, c.vocab_size\n"
           "    H, K = c.n_head * c.head_dim, c.n_kv_head * c.head_dim\n    mlp")
ACT_LAYER = "    layer = 4 * C + 2 * H + 2 * K + c.n_head * T + (4 if c.mlp == \"swiglu\" else 2) * F\n"
KEPT = "    kept = c.n_layer * C + layer if checkpointing else c.n_layer * layer\n"
GPT2_CHECK = ("    if name not in GPT2_SIZES:\n"
              "        raise KeyError(f\"gpt2_config: {name!r} is not one of {', '.join(GPT2_SIZES)}\")\n")
MFU = "    if not 0 < mfu <= 1:\n"
PEAK = ("    if not peak_flops > 0:\n"
        "        raise ValueError(f\"training_seconds: peak_flops must be > 0, got {peak_flops}\")\n")
PRECISION = ("    if precision not in STATE_BYTES:\n"
             "        raise ValueError(f\"training_memory: precision must be 'fp32' or 'fp16', got {precision!r}\")\n")

MUTANTS = [
    # gpt2_config: GPT-2's sizes, vocabulary, context; other names refused
    {"name": "p10_gpt2_embd_head_swapped", "phase": 10, "module": "estimates.py", "task": "gpt2_family",
     "old": "    n_layer, n_embd, n_head = GPT2_SIZES[name]\n", "new": "    n_layer, n_head, n_embd = GPT2_SIZES[name]\n",
     "says": ["n_layer, n_embd and n_head", "in that order"]},
    {"name": "p10_gpt2_padded_vocab", "phase": 10, "module": "estimates.py", "task": "gpt2_family",
     "old": "GPTConfig(vocab_size=50257,", "new": "GPTConfig(vocab_size=50304,",
     "says": ["vocab_size", "50257"]},
    {"name": "p10_gpt2_unknown_name_defaults", "phase": 10, "module": "estimates.py", "task": "gpt2_family",
     "old": GPT2_CHECK + "    n_layer, n_embd, n_head = GPT2_SIZES[name]\n",
     "new": "    n_layer, n_embd, n_head = GPT2_SIZES.get(name, GPT2_SIZES[\"gpt2\"])\n",
     "says": ["gpt2_config('gpt-2')", "should raise keyerror"]},
    # flops_per_token: every product of the table
    {"name": "p10_flops_no_attention", "phase": 10, "module": "estimates.py", "task": "flops_per_token",
     "old": LAYER, "new": LAYER.replace(" + 2 * 2 * T * H", ""),
     "says": ["attention products", "are missing"]},
    {"name": "p10_flops_attention_causal_half", "phase": 10, "module": "estimates.py", "task": "flops_per_token",
     "old": LAYER, "new": LAYER.replace("2 * 2 * T * H", "2 * T * H"),
     "says": ["causal half", "whole t x t context"]},
    {"name": "p10_flops_attention_kv_width", "phase": 10, "module": "estimates.py", "task": "flops_per_token",
     "old": LAYER, "new": LAYER.replace("2 * 2 * T * H", "2 * 2 * T * K"),
     "says": ["key/value width k instead of h"]},
    {"name": "p10_flops_kv_full_width", "phase": 10, "module": "estimates.py", "task": "flops_per_token",
     "old": LAYER, "new": LAYER.replace("(H + 2 * K)", "(H + 2 * C)"),
     "says": ["k and v have n_kv_head · head_dim columns"]},
    {"name": "p10_flops_no_head", "phase": 10, "module": "estimates.py", "task": "flops_per_token",
     "old": "    forward = c.n_layer * layer + 2 * C * V\n", "new": "    forward = c.n_layer * layer\n",
     "says": ["the head (2·c·v) is missing"]},
    {"name": "p10_flops_swiglu_two_matrices", "phase": 10, "module": "estimates.py", "task": "flops_per_token",
     "old": "    mlp = (3 if c.mlp == \"swiglu\" else 2) * 2 * C * F\n", "new": "    mlp = 2 * 2 * C * F\n",
     "says": ["swiglu has three matrices"]},
    {"name": "p10_flops_multiply_add_one", "phase": 10, "module": "estimates.py", "task": "flops_per_token",
     "old": "    return int(forward), int(2 * forward)\n", "new": "    return int(forward // 2), int(forward)\n",
     "says": ["multiply-add is 2 flops"]},
    {"name": "p10_flops_backward_is_forward", "phase": 10, "module": "estimates.py", "task": "flops_per_token",
     "old": "    return int(forward), int(2 * forward)\n", "new": "    return int(forward), int(forward)\n",
     "says": ["backward", "twice forward"]},
    {"name": "p10_flops_seq_len_ignored", "phase": 10, "module": "estimates.py", "task": "flops_per_token",
     "old": FLOPS_T, "new": FLOPS_T.replace("c.block_size if seq_len is None else seq_len", "c.block_size"),
     "says": ["seq_len", "block_size only when it is left out"]},
    {"name": "p10_flops_seq_len_no_default", "phase": 10, "module": "estimates.py", "task": "flops_per_token",
     "old": FLOPS_T, "new": FLOPS_T.replace("c.block_size if seq_len is None else seq_len", "seq_len"),
     "says": ["seq_len left out"]},
    # training_flops and training_seconds
    {"name": "p10_training_flops_forward_only", "phase": 10, "module": "estimates.py", "task": "training_time",
     "old": "    return float(tokens) * (forward + backward)\n", "new": "    return float(tokens) * forward\n",
     "says": ["forward + backward"]},
    {"name": "p10_seconds_without_mfu", "phase": 10, "module": "estimates.py", "task": "training_time",
     "old": "    return float(flops) / (peak_flops * mfu)\n", "new": "    return float(flops) / peak_flops\n",
     "says": ["flops / (peak · mfu)"]},
    {"name": "p10_seconds_mfu_one_refused", "phase": 10, "module": "estimates.py", "task": "training_time",
     "old": MFU, "new": "    if not 0 < mfu < 1:\n",
     "says": ["mfu=1.0", "0 < mfu <= 1"]},
    {"name": "p10_seconds_mfu_zero_accepted", "phase": 10, "module": "estimates.py", "task": "training_time",
     "old": MFU, "new": "    if not 0 <= mfu <= 1:\n",
     "says": ["mfu=0.0", "should raise valueerror"]},
    {"name": "p10_seconds_peak_unchecked", "phase": 10, "module": "estimates.py", "task": "training_time",
     "old": PEAK, "new": "",
     "says": ["training_seconds(1e21, 0.0, 0.4)", "should raise valueerror"]},
    # training_memory: the state's bytes
    {"name": "p10_memory_fp16_no_master", "phase": 10, "module": "estimates.py", "task": "memory_state",
     "old": "\"fp16\": {\"weights\": 6, \"grads\": 6,", "new": "\"fp16\": {\"weights\": 2, \"grads\": 2,",
     "says": ["float32 master"]},
    {"name": "p10_memory_adam_one_moment", "phase": 10, "module": "estimates.py", "task": "memory_state",
     "old": "\"fp32\": {\"weights\": 4, \"grads\": 4, \"optimizer\": 8}",
     "new": "\"fp32\": {\"weights\": 4, \"grads\": 4, \"optimizer\": 4}",
     "says": ["adamw's m and v"]},
    {"name": "p10_memory_precision_unchecked", "phase": 10, "module": "estimates.py", "task": "memory_state",
     "old": PRECISION, "new": "",
     "says": ["precision='bf16'", "should raise valueerror"]},
    # activations: the handout's table, term by term
    {"name": "p10_act_probabilities_t_squared", "phase": 10, "module": "estimates.py", "task": "memory_activations",
     "old": ACT_LAYER, "new": ACT_LAYER.replace("c.n_head * T", "c.n_head * T * T"),
     "says": ["n_head · t, not t²"]},
    {"name": "p10_act_kv_full_width", "phase": 10, "module": "estimates.py", "task": "memory_activations",
     "old": ACT_LAYER, "new": ACT_LAYER.replace("2 * K", "2 * C"),
     "says": ["k and v are n_kv_head · head_dim wide"]},
    {"name": "p10_act_swiglu_like_gelu", "phase": 10, "module": "estimates.py", "task": "memory_activations",
     "old": ACT_LAYER, "new": ACT_LAYER.replace("(4 if c.mlp == \"swiglu\" else 2) * F", "2 * F"),
     "says": ["swiglu keeps 4·f"]},
    {"name": "p10_act_checkpointing_keeps_all", "phase": 10, "module": "estimates.py", "task": "memory_activations",
     "old": KEPT, "new": "    kept = c.n_layer * layer\n",
     "says": ["checkpointing keeps each layer's input", "n_layer · c + one layer"]},
    {"name": "p10_act_checkpointing_no_inputs", "phase": 10, "module": "estimates.py", "task": "memory_activations",
     "old": KEPT, "new": KEPT.replace("c.n_layer * C + layer", "layer"),
     "says": ["n_layer · c + one layer"]},
    {"name": "p10_act_no_softmax", "phase": 10, "module": "estimates.py", "task": "memory_activations",
     "old": "    return int(kept + 2 * C + 2 * V)\n", "new": "    return int(kept + 2 * C + V)\n",
     "says": ["the logits and their softmax"]},
    {"name": "p10_act_bytes_always_4", "phase": 10, "module": "estimates.py", "task": "memory_activations",
     "old": " * ACTIVATION_BYTES[precision]\n", "new": " * 4\n",
     "says": ["each float 2 bytes"]},
    {"name": "p10_act_one_sequence", "phase": 10, "module": "estimates.py", "task": "memory_activations",
     "old": "    out[\"activations\"] = batch_size * T * ", "new": "    out[\"activations\"] = T * ",
     "says": ["batch · seq_len tokens"]},
]

ALTERNATIVES = [
    {"name": "p10_alt_flops_per_matrix", "phase": 10, "module": "estimates.py", "task": "flops_per_token",
     "old": ("    mlp = (3 if c.mlp == \"swiglu\" else 2) * 2 * C * F\n" + LAYER
             + "    forward = c.n_layer * layer + 2 * C * V\n"),
     "new": ("    shapes = [(C, H), (C, K), (C, K), (H, C)]\n"
             "    shapes += [(C, F), (F, C), (C, F)] if c.mlp == \"swiglu\" else [(C, F), (F, C)]\n"
             "    layer = 0\n"
             "    for n_in, n_out in shapes:\n"
             "        layer += 2 * n_in * n_out\n"
             "    for _ in range(c.n_head):\n"
             "        layer += 2 * T * c.head_dim + 2 * T * c.head_dim\n"
             "    forward = 0\n"
             "    for _ in range(c.n_layer):\n"
             "        forward += layer\n"
             "    forward += 2 * C * V\n"),
    },
    {"name": "p10_alt_activations_by_part", "phase": 10, "module": "estimates.py", "task": "memory_activations",
     "old": ACT_LAYER + KEPT + "    return int(kept + 2 * C + 2 * V)\n",
     "new": ("    parts = {\"norms\": 2 * 2 * C, \"q, out\": 2 * H, \"k, v\": 2 * K, \"probs\": c.n_head * T,\n"
             "             \"mlp\": F * (4 if c.mlp == \"swiglu\" else 2)}\n"
             "    layer = sum(parts.values())\n"
             "    per_layer = [C] * c.n_layer if checkpointing else [layer] * c.n_layer\n"
             "    return sum(per_layer) + (layer if checkpointing else 0) + 2 * (C + V)\n"),
    },
]
