"""Learner bugs in phase 10's llama2c.py, each caught and named by phases/10_reality_check/test_llama2c.py."""

V1_SHORT = ("        if len(raw) < HEADER_V1:\n"
            "            raise ValueError(f\"{where}: truncated: a version-1 header takes {HEADER_V1} bytes, the file has "
            "{len(raw)}\")\n")
HEADS = "    if dim % H or H % K or (dim // H) % 2:\n"
V0_ORDER = "    return ([(\"tok_embeddings\", (V, dim)), norms[0]] + mats[:4] + [norms[1]] + mats[4:] + [norms[2]]\n"
SIZE = "    if len(raw) != need:\n"
V0_FIELDS = "        fields = dict(zip(names, struct.unpack_from(\"<7i\", raw, 0)))\n"
V1_FIELDS = "        fields = dict(zip(names, struct.unpack_from(\"<7i\", raw, 8)))\n"
ARRAYS = ("    flat = np.frombuffer(raw, dtype=\"<f4\", offset=offset)\n"
          "    w, at = {}, 0\n"
          "    for name, shape in arrays:\n"
          "        n = int(np.prod(shape))\n"
          "        w[name] = flat[at:at + n].reshape(shape)\n"
          "        at += n\n")

MUTANTS = [
    # read_header: two versions, the shared flag, where the arrays start, what is refused
    {"name": "p10_l2c_v0_shared_inverted", "phase": 10, "module": "llama2c.py", "task": "llama2c_header",
     "old": "        shared = fields[\"vocab_size\"] > 0\n", "new": "        shared = fields[\"vocab_size\"] < 0\n",
     "says": ["shared when vocab_size > 0"]},
    {"name": "p10_l2c_v0_vocab_left_negative", "phase": 10, "module": "llama2c.py", "task": "llama2c_header",
     "old": "        fields[\"vocab_size\"] = abs(fields[\"vocab_size\"])\n", "new": "",
     "says": ["negative vocab_size", "keep its size positive"]},
    {"name": "p10_l2c_v1_offset_after_flag", "phase": 10, "module": "llama2c.py", "task": "llama2c_header",
     "old": "        shared, offset = bool(raw[36]), HEADER_V1\n", "new": "        shared, offset = bool(raw[36]), 37\n",
     "says": ["byte 256", "padded with zeros"]},
    {"name": "p10_l2c_v1_flag_wrong_byte", "phase": 10, "module": "llama2c.py", "task": "llama2c_header",
     "old": "        shared, offset = bool(raw[36]), HEADER_V1\n", "new": "        shared, offset = bool(raw[35]), HEADER_V1\n",
     "says": ["the byte after the seven ints"]},
    {"name": "p10_l2c_magic_big_endian", "phase": 10, "module": "llama2c.py", "task": "llama2c_header",
     "old": "struct.unpack_from(\"<I\", raw)[0] == MAGIC", "new": "struct.unpack_from(\">I\", raw)[0] == MAGIC",
     "says": ["magic 0x616b3432", "little-endian"]},
    {"name": "p10_l2c_version2_accepted", "phase": 10, "module": "llama2c.py", "task": "llama2c_header",
     "old": "        if version != 1:\n", "new": "        if version not in (1, 2):\n",
     "says": ["version 2", "should raise valueerror"]},
    {"name": "p10_l2c_v1_short_header_accepted", "phase": 10, "module": "llama2c.py", "task": "llama2c_header",
     "old": V1_SHORT, "new": "",
     "says": ["version-1 magic and 100 bytes", "should raise valueerror"]},
    {"name": "p10_l2c_heads_unchecked", "phase": 10, "module": "llama2c.py", "task": "llama2c_header",
     "old": HEADS, "new": "    if (dim // H) % 2:\n",
     "says": ["8 heads over 3 kv heads", "should raise valueerror"]},
    {"name": "p10_l2c_odd_head_size_accepted", "phase": 10, "module": "llama2c.py", "task": "llama2c_header",
     "old": HEADS, "new": "    if dim % H or H % K:\n",
     "says": ["odd head size", "should raise valueerror"]},
    # read_llama2c: the arrays in the file's order, transposed, the file's size exact
    {"name": "p10_l2c_v0_rms_ffn_before_wo", "phase": 10, "module": "llama2c.py", "task": "llama2c_weights",
     "old": V0_ORDER, "new": V0_ORDER.replace("mats[:4] + [norms[1]] + mats[4:]", "mats[:3] + [norms[1]] + mats[3:]"),
     "says": ["the file's order"]},
    {"name": "p10_l2c_v1_tokens_first", "phase": 10, "module": "llama2c.py", "task": "llama2c_weights",
     "old": "        return norms + [(\"tok_embeddings\", (V, dim))] + mats + head\n",
     "new": "        return [(\"tok_embeddings\", (V, dim))] + norms + mats + head\n",
     "says": ["version-1 file", "the file's order"]},
    {"name": "p10_l2c_matrices_not_transposed", "phase": 10, "module": "llama2c.py", "task": "llama2c_weights",
     "old": "            state[f\"{b}{ours}.weight\"] = w[theirs][i].T\n",
     "new": "            state[f\"{b}{ours}.weight\"] = w[theirs][i].reshape(w[theirs][i].shape[::-1])\n",
     "says": ["transpose them to (in, out)"]},
    {"name": "p10_l2c_square_matrices_not_transposed", "phase": 10, "module": "llama2c.py", "task": "llama2c_weights",
     "old": "            state[f\"{b}{ours}.weight\"] = w[theirs][i].T\n",
     "new": ("            m = w[theirs][i]\n"
             "            state[f\"{b}{ours}.weight\"] = m if m.shape[0] == m.shape[1] else m.T\n"),
     "says": ["holds its matrix transposed", "transpose them to (in, out)"]},
    {"name": "p10_l2c_head_not_transposed", "phase": 10, "module": "llama2c.py", "task": "llama2c_weights",
     "old": "        state[\"lm_head.weight\"] = w[\"wcls\"].T\n", "new": "        state[\"lm_head.weight\"] = w[\"wcls\"]\n",
     "says": ["lm_head.weight", "transpose them to (in, out)"]},
    {"name": "p10_l2c_rope_tables_not_skipped", "phase": 10, "module": "llama2c.py", "task": "llama2c_weights",
     "old": "            + [(\"freq_cos\", (S, D // 2)), (\"freq_sin\", (S, D // 2))] + head)\n",
     "new": "            + head)\n",
     "says": ["rope tables", "read and skipped"]},
    {"name": "p10_l2c_tie_flag_ignored", "phase": 10, "module": "llama2c.py", "task": "llama2c_weights",
     "old": "                       tie_weights=shared)\n", "new": "                       tie_weights=True)\n",
     "says": ["separate head", "config.tie_weights"]},
    {"name": "p10_l2c_extra_bytes_accepted", "phase": 10, "module": "llama2c.py", "task": "llama2c_errors",
     "old": SIZE, "new": "    if len(raw) < need:\n",
     "says": ["4 bytes left over", "should raise valueerror"]},
    {"name": "p10_l2c_size_unchecked", "phase": 10, "module": "llama2c.py", "task": "llama2c_errors",
     "old": SIZE, "new": "    if False:\n",
     "says": ["must name the file"]},
    # the smallest header accepted, sizes checked after the sign is read, grouped heads as stored
    {"name": "p10_l2c_v0_bare_header_refused", "phase": 10, "module": "llama2c.py", "task": "llama2c_header",
     "old": "        if len(raw) < 28:\n", "new": "        if len(raw) <= 28:\n",
     "says": ["exactly its 28 bytes", "28 bytes are enough"]},
    {"name": "p10_l2c_v1_bare_header_refused", "phase": 10, "module": "llama2c.py", "task": "llama2c_header",
     "old": "        if len(raw) < HEADER_V1:\n", "new": "        if len(raw) <= HEADER_V1:\n",
     "says": ["exactly its 256 bytes", "256 bytes are enough"]},
    {"name": "p10_l2c_sizes_checked_before_abs", "phase": 10, "module": "llama2c.py", "task": "llama2c_header",
     "old": ("        shared = fields[\"vocab_size\"] > 0\n"
             "        fields[\"vocab_size\"] = abs(fields[\"vocab_size\"])\n"
             "    if min(fields.values()) <= 0:\n"),
     "new": ("        shared = fields[\"vocab_size\"] > 0\n"
             "    if min(fields.values()) <= 0:\n"
             "        raise ValueError(f\"{where}: not a llama2.c checkpoint: header {fields}\")\n"
             "    fields[\"vocab_size\"] = abs(fields[\"vocab_size\"])\n"
             "    if False:\n"),
     "says": ["shared=false", "negative vocab_size means the head is not shared"]},
    {"name": "p10_l2c_zero_size_accepted", "phase": 10, "module": "llama2c.py", "task": "llama2c_header",
     "old": "    if min(fields.values()) <= 0:\n", "new": "    if min(fields.values()) < 0:\n",
     "says": ["n_layers 0", "should raise valueerror"]},
    {"name": "p10_l2c_n_kv_head_is_group_size", "phase": 10, "module": "llama2c.py", "task": "llama2c_weights",
     "old": "n_kv_head=fields[\"n_kv_heads\"]", "new": "n_kv_head=fields[\"n_heads\"] // fields[\"n_kv_heads\"]",
     "says": ["config.n_kv_head", "heads=4/1"]},
]

ALTERNATIVES = [
    {"name": "p10_alt_l2c_header_numpy", "phase": 10, "module": "llama2c.py", "task": "llama2c_header",
     "old": V1_FIELDS, "new": "        fields = dict(zip(names, np.frombuffer(raw, dtype=\"<i4\", count=7, offset=8).tolist()))\n"},
    {"name": "p10_alt_l2c_header_int_from_bytes", "phase": 10, "module": "llama2c.py", "task": "llama2c_header",
     "old": V0_FIELDS,
     "new": ("        fields = {n: int.from_bytes(raw[4 * j:4 * j + 4], \"little\", signed=True)\n"
             "                  for j, n in enumerate(names)}\n")},
    {"name": "p10_alt_l2c_arrays_each_from_buffer", "phase": 10, "module": "llama2c.py", "task": "llama2c_weights",
     "old": ARRAYS,
     "new": ("    w, at = {}, offset\n"
             "    for name, shape in arrays:\n"
             "        n = int(np.prod(shape))\n"
             "        w[name] = np.frombuffer(raw, dtype=np.dtype(\"<f4\"), count=n, offset=at).reshape(shape)\n"
             "        at += 4 * n\n")},
    {"name": "p10_alt_l2c_shared_flag_struct", "phase": 10, "module": "llama2c.py", "task": "llama2c_header",
     "old": "        shared, offset = bool(raw[36]), HEADER_V1\n",
     "new": "        (shared,), offset = struct.unpack_from(\"<?\", raw, 36), HEADER_V1\n"},
]
