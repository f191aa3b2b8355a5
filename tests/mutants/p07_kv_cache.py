"""Learner bugs in phase 07's kv_cache.py, each caught and named by phases/07_generation/test_kv_cache.py."""

ROPE_WRITE = ("    if attn.rope_base is not None:\n"
              "        cos, sin = cache.cos[positions][:, None], cache.sin[positions][:, None]   # (B', 1, T, hd/2)\n"
              "        q, k = _positions.apply_rope(q, cos, sin), _positions.apply_rope(k, cos, sin)\n"
              "    keys, values = cache.write(layer, rows, positions, k.data, v.data)\n")
WRITE = ("        self.k[layer][rows, :, positions] = np.swapaxes(k, 1, 2)\n"
         "        self.v[layer][rows, :, positions] = np.swapaxes(v, 1, 2)\n")

MUTANTS = [
    # the layout
    {"name": "p07_cache_n_head", "phase": 7, "module": "kv_cache.py", "task": "kv_cache_init",
     "old": "shape = (batch_size, config.n_kv_head, max_len, config.head_dim)",
     "new": "shape = (batch_size, config.n_head, max_len, config.head_dim)",
     "says": ["n_kv_head", "not n_head"]},
    {"name": "p07_cache_one_array_for_all_layers", "phase": 7, "module": "kv_cache.py", "task": "kv_cache_init",
     "old": "self.k = [np.zeros(shape, dtype=dtype) for _ in range(config.n_layer)]",
     "new": "self.k = [np.zeros(shape, dtype=dtype)] * config.n_layer",
     "says": ["share memory", "one array n_layer times"]},
    # the writes
    {"name": "p07_cache_write_one_off", "phase": 7, "module": "kv_cache.py", "task": "cache_write",
     "old": WRITE, "new": WRITE.replace("positions]", "positions + 1]"),
     "says": ["one position off"]},
    {"name": "p07_cache_write_views", "phase": 7, "module": "kv_cache.py", "task": "cache_write",
     "old": "        return self.k[layer][rows[:, 0], :, :T_k], self.v[layer][rows[:, 0], :, :T_k]\n",
     "new": ("        if np.array_equal(rows[:, 0], np.arange(len(rows))):     # all rows in order: slice, no copy\n"
             "            return self.k[layer][:len(rows), :, :T_k], self.v[layer][:len(rows), :, :T_k]\n"
             "        return self.k[layer][rows[:, 0], :, :T_k], self.v[layer][rows[:, 0], :, :T_k]\n"),
     "says": ["return copies"]},
    # positions: the true ones, for RoPE and for the learned table
    {"name": "p07_keys_cached_before_rope", "phase": 7, "module": "kv_cache.py", "task": "cached_llama",
     "old": ROPE_WRITE,
     "new": ("    keys, values = cache.write(layer, rows, positions, k.data, v.data)\n"
             "    if attn.rope_base is not None:\n"
             "        cos, sin = cache.cos[positions][:, None], cache.sin[positions][:, None]   # (B', 1, T, hd/2)\n"
             "        q, k = _positions.apply_rope(q, cos, sin), _positions.apply_rope(k, cos, sin)\n"),
     "says": ["before rotating them"]},
    {"name": "p07_rope_positions_restart", "phase": 7, "module": "kv_cache.py", "task": "cached_llama",
     "old": "cos, sin = cache.cos[positions][:, None], cache.sin[positions][:, None]",
     "new": ("cos, sin = cache.cos[positions - positions[:, :1]][:, None], "
             "cache.sin[positions - positions[:, :1]][:, None]"),
     "says": ["restarting at 0"]},
    {"name": "p07_learned_positions_from_index", "phase": 7, "module": "kv_cache.py", "task": "cached_gpt2",
     "old": "x = x + model.wpe(positions)", "new": "x = x + model.wpe(np.arange(idx.shape[1]))",
     "says": ["restarting at 0", "start[b]"]},
    {"name": "p07_start_of_first_row", "phase": 7, "module": "kv_cache.py", "task": "cached_batch",
     "old": "positions = position_ids(start, idx.shape[1])",
     "new": "positions = position_ids(np.full_like(start, start[0]), idx.shape[1])",
     "says": ["its own start[i]"]},
    # the mask and the rows
    {"name": "p07_mask_hides_own_key", "phase": 7, "module": "kv_cache.py", "task": "cached_gpt2",
     "old": "visible = np.arange(keys.shape[2])[None, None, :] <= positions[:, :, None]",
     "new": "visible = np.arange(keys.shape[2])[None, None, :] < positions[:, :, None]",
     "says": ["itself included", "not <"]},
    {"name": "p07_cache_rows_ignored", "phase": 7, "module": "kv_cache.py", "task": "cached_batch",
     "old": "x = x + cached_attention(block.attn, block.ln1(x), cache, layer, rows, positions)",
     "new": "x = x + cached_attention(block.attn, block.ln1(x), cache, layer, np.arange(idx.shape[0]), positions)",
     "says": ["cache row rows[i]"]},
    # Attention written by hand in cached_attention, without the 1/sqrt(head_dim) scale.
    {"name": "p07_cached_attention_unscaled", "phase": 7, "module": "kv_cache.py", "task": "cached_gpt2",
     "old": "    w = _attention.attention_weights(q, keys, mask)                    # (B', H, T, T_k)\n",
     "new": "    w = (q @ keys.transpose(-2, -1) + mask).softmax(axis=-1)\n",
     "says": ["1 / sqrt(head_dim)"]},
    # the cache's dtype, its arrays, the span write returns, the positions' axes, the prefill's mask
    {"name": "p07_cache_dtype_ignored", "phase": 7, "module": "kv_cache.py", "task": "kv_cache_init",
     "old": ("self.k = [np.zeros(shape, dtype=dtype) for _ in range(config.n_layer)]\n"
             "        self.v = [np.zeros(shape, dtype=dtype) for _ in range(config.n_layer)]"),
     "new": ("self.k = [np.zeros(shape) for _ in range(config.n_layer)]\n"
             "        self.v = [np.zeros(shape) for _ in range(config.n_layer)]"),
     "says": ["should be float32", "dtype argument"]},
    {"name": "p07_cache_k_v_shared", "phase": 7, "module": "kv_cache.py", "task": "kv_cache_init",
     "old": "        self.v = [np.zeros(shape, dtype=dtype) for _ in range(config.n_layer)]\n",
     "new": "        self.v = self.k\n",
     "says": ["share memory", "separate ones for keys and values"]},
    {"name": "p07_cache_write_tk_first_row", "phase": 7, "module": "kv_cache.py", "task": "cache_write",
     "old": "T_k = int(positions.max()) + 1", "new": "T_k = int(positions[0, -1]) + 1",
     "says": ["not the first row's last position"]},
    {"name": "p07_position_ids_no_row_axis", "phase": 7, "module": "kv_cache.py", "task": "position_ids",
     "old": "return np.asarray(start, dtype=np.int64)[:, None] + np.arange(T, dtype=np.int64)",
     "new": "return np.asarray(start, dtype=np.int64) + np.arange(T, dtype=np.int64)[:, None]",
     "says": ["start[:, None] + np.arange(T)"]},
    {"name": "p07_mask_by_last_position", "phase": 7, "module": "kv_cache.py", "task": "cached_gpt2",
     "old": "visible = np.arange(keys.shape[2])[None, None, :] <= positions[:, :, None]",
     "new": "visible = np.arange(keys.shape[2])[None, None, :] <= positions[:, -1:, None]",
     "says": ["key position <= query position"]},
]

# Correct code written another way: each must keep full marks.
ALTERNATIVES = [
    {"name": "p07_alt_position_ids_loop", "phase": 7, "module": "kv_cache.py", "task": "position_ids",
     "old": "    return np.asarray(start, dtype=np.int64)[:, None] + np.arange(T, dtype=np.int64)\n",
     "new": "    return np.array([[int(s) + t for t in range(T)] for s in start], dtype=np.int64).reshape(len(start), T)\n"},
]
