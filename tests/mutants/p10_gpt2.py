"""Learner bugs in phase 10's gpt2.py, each caught and named by phases/10_reality_check/test_gpt2.py."""

SPLIT = ("            for j, qkv in enumerate((\"wq\", \"wk\", \"wv\")):\n"
         "                out[f\"blocks.{i}.attn.{qkv}.{kind}\"] = value[..., j * C:(j + 1) * C]\n")
SHAPES = ("    for name, shape in wanted.items():\n"
          "        if out[name].shape != shape:\n"
          "            raise ValueError(f\"state_from_hf: {name} comes out {out[name].shape}, your GPT wants {shape}\")\n")

MUTANTS = [
    # config_from_hf: the fields of config.json, and what your GPT does not compute refused
    {"name": "p10_gpt2_n_inner_ignored", "phase": 10, "module": "gpt2.py", "task": "gpt2_config",
     "old": " mlp_hidden=hf.get(\"n_inner\"),", "new": "",
     "says": ["mlp_hidden is n_inner"]},
    {"name": "p10_gpt2_epsilon_ignored", "phase": 10, "module": "gpt2.py", "task": "gpt2_config",
     "old": "                     norm_eps=eps, dropout=0.0)\n",
     "new": "                     dropout=0.0)\n",
     "says": ["norm_eps", "layer_norm_epsilon"]},
    {"name": "p10_gpt2_relu_accepted", "phase": 10, "module": "gpt2.py", "task": "gpt2_config",
     "old": "    need(\"activation_function\", (\"gelu_new\", \"gelu_pytorch_tanh\"), \"gelu_new\")\n", "new": "",
     "says": ["activation_function='relu'", "should raise valueerror"]},
    {"name": "p10_gpt2_untied_config_accepted", "phase": 10, "module": "gpt2.py", "task": "gpt2_config",
     "old": "    need(\"tie_word_embeddings\", (True,), True)\n", "new": "",
     "says": ["tie_word_embeddings=false", "should raise valueerror"]},
    # state_from_hf: names, Conv1D's layout, c_attn's split, what is skipped
    {"name": "p10_gpt2_conv1d_transposed", "phase": 10, "module": "gpt2.py", "task": "gpt2_weights",
     "old": "            out[f\"blocks.{parts[1]}.{RENAME[inner]}.{parts[-1]}\"] = value\n",
     "new": "            out[f\"blocks.{parts[1]}.{RENAME[inner]}.{parts[-1]}\"] = value.T\n",
     "says": ["conv1d", "(in, out) already"]},
    {"name": "p10_gpt2_qkv_order", "phase": 10, "module": "gpt2.py", "task": "gpt2_weights",
     "old": SPLIT, "new": SPLIT.replace("(\"wq\", \"wk\", \"wv\")", "(\"wk\", \"wq\", \"wv\")"),
     "says": ["c_attn's columns are q", "k [24, 48)"]},
    {"name": "p10_gpt2_qkv_interleaved", "phase": 10, "module": "gpt2.py", "task": "gpt2_weights",
     "old": SPLIT, "new": SPLIT.replace("value[..., j * C:(j + 1) * C]", "value.reshape(*value.shape[:-1], C, 3)[..., j]"),
     "says": ["c_attn's columns are q", "split its last axis"]},
    {"name": "p10_gpt2_qkv_first_axis", "phase": 10, "module": "gpt2.py", "task": "gpt2_weights",
     "old": SPLIT, "new": SPLIT.replace("value[..., j * C:(j + 1) * C]", "value[j * C:(j + 1) * C]"),
     "says": ["split along its last axis"]},
    {"name": "p10_gpt2_masks_not_skipped", "phase": 10, "module": "gpt2.py", "task": "gpt2_weights",
     "old": "        if parts[0] == \"h\" and name.endswith((\".attn.bias\", \".attn.masked_bias\")):\n            continue\n",
     "new": "",
     "says": ["h.0.attn.bias", "masks"]},
    {"name": "p10_gpt2_prefix_kept", "phase": 10, "module": "gpt2.py", "task": "gpt2_weights",
     "old": "    src = {(k[len(\"transformer.\"):] if k.startswith(\"transformer.\") else k): v for k, v in tensors.items()}\n",
     "new": "    src = dict(tensors)\n",
     "says": ["leading 'transformer.' is dropped"]},
    {"name": "p10_gpt2_untied_head_accepted", "phase": 10, "module": "gpt2.py", "task": "gpt2_weights",
     "old": "        if name == \"lm_head.weight\" and \"wte.weight\" in src and np.array_equal(value, src[\"wte.weight\"]):\n",
     "new": "        if name == \"lm_head.weight\":\n",
     "says": ["untied head", "should raise valueerror"]},
    {"name": "p10_gpt2_missing_unchecked", "phase": 10, "module": "gpt2.py", "task": "gpt2_weights",
     "old": "    missing, extra = [n for n in wanted if n not in out], sorted(set(out) - set(wanted))\n",
     "new": "    missing, extra = [], sorted(set(out) - set(wanted))\n",
     "says": ["without h.1.mlp.c_proj.bias", "should raise valueerror"]},
    {"name": "p10_gpt2_shapes_unchecked", "phase": 10, "module": "gpt2.py", "task": "gpt2_weights",
     "old": SHAPES, "new": "",
     "says": ["wpe.weight of 8 rows", "should raise valueerror"]},
    {"name": "p10_gpt2_not_phase01_reader", "phase": 10, "module": "gpt2.py", "task": "gpt2_weights",
     "old": "    state = state_from_hf(_io.load(folder / \"model.safetensors\"), config)\n",
     "new": ("    from safetensors.numpy import load_file\n"
             "    state = state_from_hf(load_file(str(folder / \"model.safetensors\")), config)\n"),
     "says": ["phase-01 load"]},
    # config.json as the hub writes it, and errors that name what is wrong
    {"name": "p10_gpt2_scale_attn_unchecked", "phase": 10, "module": "gpt2.py", "task": "gpt2_config",
     "old": "    need(\"scale_attn_weights\", (True,), True)\n", "new": "",
     "says": ["scale_attn_weights=false", "should raise valueerror"]},
    {"name": "p10_gpt2_n_inner_indexed", "phase": 10, "module": "gpt2.py", "task": "gpt2_config",
     "old": " mlp_hidden=hf.get(\"n_inner\"),", "new": " mlp_hidden=hf[\"n_inner\"],",
     "says": ["the hub's config.json", "keyerror: 'n_inner'", "leaves out"]},
    {"name": "p10_gpt2_checked_fields_indexed", "phase": 10, "module": "gpt2.py", "task": "gpt2_config",
     "old": "        value = hf.get(field, default)\n", "new": "        value = hf[field]\n",
     "says": ["the hub's config.json", "keyerror", "leaves out"]},
    {"name": "p10_gpt2_config_error_unnamed", "phase": 10, "module": "gpt2.py", "task": "gpt2_config",
     "old": "            raise ValueError(f\"config_from_hf: {field}={value!r}, but your GPT computes {ok[0]!r}\")\n",
     "new": "            raise ValueError(\"config_from_hf: your GPT cannot compute this model\")\n",
     "says": ["must name the field", "activation_function"]},
    {"name": "p10_gpt2_state_error_unnamed", "phase": 10, "module": "gpt2.py", "task": "gpt2_weights",
     "old": ("        raise ValueError(f\"state_from_hf: the file has no tensor for {missing[:3]}\" if missing else\n"
             "                         f\"state_from_hf: the file holds tensors your GPT has no place for: {extra[:3]}\")\n"),
     "new": "        raise ValueError(\"state_from_hf: the file does not match your GPT\")\n",
     "says": ["must name the tensor", "c_proj.bias"]},
    # values of the wrong type in config.json
    {"name": "p10_gpt2_bool_size_accepted", "phase": 10, "module": "gpt2.py", "task": "gpt2_config",
     "old": "(type(value) is not int or value <= 0)", "new": "(not isinstance(value, int) or value <= 0)",
     "says": ["n_head=true", "should raise valueerror", "bool is a subclass of int"]},
    {"name": "p10_gpt2_epsilon_type_unchecked", "phase": 10, "module": "gpt2.py", "task": "gpt2_config",
     "old": ("    if type(eps) not in (int, float) or not eps > 0:\n"
             "        raise ValueError(f\"config_from_hf: layer_norm_epsilon={eps!r} is not a positive number\")\n"),
     "new": "",
     "says": ["layer_norm_epsilon='1e-5'", "should raise valueerror"]},
]

ALTERNATIVES = [
    {"name": "p10_alt_gpt2_np_split", "phase": 10, "module": "gpt2.py", "task": "gpt2_weights",
     "old": SPLIT,
     "new": ("            for qkv, part in zip((\"wq\", \"wk\", \"wv\"), np.split(value, 3, axis=-1)):\n"
             "                out[f\"blocks.{i}.attn.{qkv}.{kind}\"] = part\n")},
    {"name": "p10_alt_gpt2_n_inner_or", "phase": 10, "module": "gpt2.py", "task": "gpt2_config",
     "old": " mlp_hidden=hf.get(\"n_inner\"),", "new": " mlp_hidden=hf.get(\"n_inner\") or 4 * hf[\"n_embd\"],"},
    {"name": "p10_alt_gpt2_sizes_isinstance_without_bool", "phase": 10, "module": "gpt2.py", "task": "gpt2_config",
     "old": "(type(value) is not int or value <= 0)",
     "new": "(isinstance(value, bool) or not isinstance(value, int) or not value > 0)"},
]
