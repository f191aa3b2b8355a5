"""Learner bugs in phase 07's generate.py, each caught and named by phases/07_generation/test_generate.py."""

RESTART = ("        restarted = [b for b in running if ctx[b] == block]\n        for b in running:\n"
           "            ctx[b] = restart_length(block) if ctx[b] == block else ctx[b] + 1\n")

MUTANTS = [
    # stopping at EOS
    {"name": "p07_eos_stops_batch", "phase": 7, "module": "generate.py", "task": "generate_batch",
     "old": "        running = [b for b, tok in zip(running, ids.tolist()) if tok != eos_id]\n",
     "new": "        running = [] if eos_id in ids.tolist() else running\n",
     "says": ["stopped the whole batch"]},
    {"name": "p07_eos_not_kept", "phase": 7, "module": "generate.py", "task": "generate_batch",
     "old": "        for b, tok in zip(running, ids.tolist()):\n            seqs[b].append(tok)\n",
     "new": ("        for b, tok in zip(running, ids.tolist()):\n"
             "            if tok == eos_id:\n                continue\n            seqs[b].append(tok)\n"),
     "says": ["dropped the eos", "last token"]},
    {"name": "p07_stopped_rows_draw", "phase": 7, "module": "generate.py", "task": "generate_batch",
     "old": "        ids = sample_next(last, r, temperature=temperature, top_k=top_k, top_p=top_p, min_p=min_p)\n",
     "new": ("        every = np.zeros((B, last.shape[1]))              # stopped rows keep drawing, ignored\n"
             "        every[running] = last\n"
             "        ids = sample_next(every, rng if isinstance(rng, (list, tuple)) else r, temperature=temperature,\n"
             "                          top_k=top_k, top_p=top_p, min_p=min_p)[running]\n"),
     "says": ["stopped row draws no more"]},
    {"name": "p07_generators_shift_after_stop", "phase": 7, "module": "generate.py", "task": "generate_batch",
     "old": "else [rng[b] for b in running]", "new": "else list(rng[:len(running)])",
     "says": ["rng[b] for b in the rows still running"]},
    # the context
    {"name": "p07_sliding_window", "phase": 7, "module": "generate.py", "task": "generate_greedy",
     "old": "ctx[b] = restart_length(block) if ctx[b] == block else ctx[b] + 1",
     "new": "ctx[b] = min(ctx[b] + 1, block)",
     "says": ["slide it by one token", "block_size // 2"]},
    {"name": "p07_restart_one_step_early", "phase": 7, "module": "generate.py", "task": "generate_greedy",
     "old": RESTART, "new": RESTART.replace("ctx[b] == block", "ctx[b] + 1 == block"),
     "says": ["until the context fills up", "block_size // 2"]},
    {"name": "p07_uncached_sliding", "phase": 7, "module": "generate.py", "task": "generate_greedy",
     "old": "            last = _uncached(model, seqs, ctx, running)\n",
     "new": "            last = _uncached(model, seqs, {b: min(len(seqs[b]), block) for b in running}, running)\n",
     "says": ["slide it by one token", "block_size // 2"]},
    # the rows of a step, and what on_token is told
    {"name": "p07_step_rows_default", "phase": 7, "module": "generate.py", "task": "generate_batch",
     "old": "forward_cached(model, idx, cache, start, rows=np.array(grown))",
     "new": "forward_cached(model, idx, cache, start)",
     "says": ["pass forward_cached their cache rows"]},
    {"name": "p07_on_token_swapped", "phase": 7, "module": "generate.py", "task": "generate_batch",
     "old": "                on_token(b, tok)\n", "new": "                on_token(tok, b)\n",
     "says": ["on_token(row, token)"]},
    # per-row generators: each row advances its own, the caller's, once per token
    {"name": "p07_generate_list_rng_first_only", "phase": 7, "module": "generate.py", "task": "generate_batch",
     "old": "r = rng if rng is None or isinstance(rng, np.random.Generator) else [rng[b] for b in running]",
     "new": "r = rng if rng is None or isinstance(rng, np.random.Generator) else rng[0]",
     "says": ["has not advanced", "not rng[0] for every row"]},
    {"name": "p07_generate_generators_copied", "phase": 7, "module": "generate.py", "task": "generate_batch",
     "old": "else [rng[b] for b in running]", "new": "else [__import__('copy').deepcopy(rng[b]) for b in running]",
     "says": ["has not advanced", "not a copy"]},
    {"name": "p07_restart_one_step_late", "phase": 7, "module": "generate.py", "task": "generate_greedy",
     "old": RESTART, "new": RESTART.replace("ctx[b] == block", "ctx[b] > block"),
     "says": ["never feed the model a position >= block_size"]},
]
