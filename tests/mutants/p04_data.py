"""Learner bugs in phase 04's data.py, each caught and named by phases/04_bigram_mlp/test_data.py."""

MUTANTS = [
    {"name": "p04_split_floor", "phase": 4, "module": "data.py", "task": "data_split_tokens",
     "old": "    k = round(n * val_fraction)\n    if", "new": "    k = int(n * val_fraction)\n    if",
     "says": ["int() rounds down"]},
    {"name": "p04_split_parts_swapped", "phase": 4, "module": "data.py", "task": "data_split_tokens",
     "old": "return tokens[: n - k], tokens[n - k:]", "new": "return tokens[k:], tokens[:k]",
     "says": ["from the front"]},
    {"name": "p04_split_one_train_token_refused", "phase": 4, "module": "data.py", "task": "data_split_tokens",
     "old": "if k < 1 or k > n - 1:", "new": "if k < 1 or k >= n - 1:",
     "says": ["as small as one token"]},
    {"name": "p04_split_one_valid_token_refused", "phase": 4, "module": "data.py", "task": "data_split_tokens",
     "old": "if k < 1 or k > n - 1:", "new": "if k <= 1 or k > n - 1:",
     "says": ["as small as one token"]},
    {"name": "p04_split_empty_accepted", "phase": 4, "module": "data.py", "task": "data_split_tokens",
     "old": "if k < 1 or k > n - 1:", "new": "if k < 0 or k > n:",
     "says": ["at least one token"]},
    {"name": "p04_examples_keep_last_window", "phase": 4, "module": "data.py", "task": "data_make_examples",
     "old": "sliding_window_view(tokens, block_size)[:-1]", "new": "sliding_window_view(tokens, block_size)",
     "says": ["has no token after it, so it is no example"]},
    {"name": "p04_examples_target_in_window", "phase": 4, "module": "data.py", "task": "data_make_examples",
     "old": "tokens[block_size:].astype(np.int64)", "new": "tokens[block_size - 1:-1].astype(np.int64)",
     "says": ["the target is the one after it"]},
    {"name": "p04_examples_one_example_refused", "phase": 4, "module": "data.py", "task": "data_make_examples",
     "old": "if len(tokens) <= block_size:", "new": "if len(tokens) <= block_size + 1:",
     "says": ["one example"]},
    {"name": "p04_examples_window_too_short", "phase": 4, "module": "data.py", "task": "data_make_examples",
     "old": "if len(tokens) <= block_size:", "new": "if len(tokens) < block_size:",
     "says": ["no more than block_size"]},
    {"name": "p04_batch_high_excluded_twice", "phase": 4, "module": "data.py", "task": "data_random_batch",
     "old": "    ix = rng.integers(0, len(X), size=batch_size)\n    return",
     "new": "    ix = rng.integers(0, len(X) - 1, size=batch_size)\n    return",
     "says": ["excluded already"]},
    {"name": "p04_batch_without_replacement", "phase": 4, "module": "data.py", "task": "data_random_batch",
     "old": "    ix = rng.integers(0, len(X), size=batch_size)\n    return",
     "new": "    ix = rng.permutation(len(X))[:batch_size]\n    return",
     "says": ["rng.permutation gives other rows"]},
    {"name": "p04_batch_targets_drawn_apart", "phase": 4, "module": "data.py", "task": "data_random_batch",
     "old": "    return X[ix], Y[ix]\n", "new": "    return X[ix], Y[rng.integers(0, len(Y), size=batch_size)]\n",
     "says": ["one index array"]},
    # boundaries, aliasing, laziness and types a first version gets wrong
    {"name": "p04_split_round_half_up", "phase": 4, "module": "data.py", "task": "data_split_tokens",
     "old": "    k = round(n * val_fraction)\n",
     "new": "    k = int(n * val_fraction + 0.5)\n",
     "says": ["round(2.5) == 2"]},
]

ALTERNATIVES = [
    {"name": "p04_alt_examples_loop", "phase": 4, "module": "data.py", "task": "data_make_examples",
     "old": ("    windows = np.lib.stride_tricks.sliding_window_view(tokens, block_size)[:-1]\n"
             "    return windows.astype(np.int64, copy=False), tokens[block_size:].astype(np.int64)\n"),
     "new": ("    n = len(tokens) - block_size        # a stride view by hand: no loop, no copy of the windows\n"
             "    t = np.ascontiguousarray(tokens, dtype=np.int64)\n"
             "    X = np.lib.stride_tricks.as_strided(t, shape=(n, block_size), strides=(t.strides[0], t.strides[0]), writeable=False)\n"
             "    return X, t[block_size:].copy()\n")},
    {"name": "p04_alt_split_by_index", "phase": 4, "module": "data.py", "task": "data_split_tokens",
     "old": "    return tokens[: n - k], tokens[n - k:]\n",
     "new": "    cut = n - k\n    return np.asarray(tokens)[np.arange(cut)], np.asarray(tokens)[np.arange(cut, n)]\n"},
]
