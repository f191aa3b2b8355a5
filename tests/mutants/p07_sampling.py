"""Learner bugs in phase 07's sampling.py, each caught and named by phases/07_generation/test_sampling.py."""

MUTANTS = [
    # draw: the inverse CDF's comparison, its scale, and tokens of probability 0
    {"name": "p07_draw_ge", "phase": 7, "module": "sampling.py", "task": "draw",
     "old": "(c <= u[:, None] * c[:, -1:]).sum(axis=1)", "new": "(c < u[:, None] * c[:, -1:]).sum(axis=1)",
     "says": ["strictly", "not >="]},
    {"name": "p07_draw_u_unscaled", "phase": 7, "module": "sampling.py", "task": "draw",
     "old": "(c <= u[:, None] * c[:, -1:]).sum(axis=1)", "new": "(c <= u[:, None]).sum(axis=1)",
     "says": ["not with u"]},
    {"name": "p07_draw_normalised_past_last", "phase": 7, "module": "sampling.py", "task": "draw",
     "old": ("    c = np.cumsum(probs, axis=1)\n"
             "    return (c <= u[:, None] * c[:, -1:]).sum(axis=1).astype(np.int64)\n"),
     "new": ("    c = np.cumsum(probs / probs.sum(axis=1, keepdims=True), axis=1)   # normalised, compared with u\n"
             "    ids = (c <= u[:, None]).sum(axis=1)\n"
             "    return np.minimum(ids, probs.shape[1] - 1).astype(np.int64)\n"),
     "says": ["non-zero probability", "rounding"]},
    # sample_next: the generator is used exactly as the handout says
    {"name": "p07_sample_rng_choice", "phase": 7, "module": "sampling.py", "task": "sample_next",
     "old": "    return draw(softmax(x), uniforms(rng, x.shape[0]))\n",
     "new": "    return np.array([rng.choice(x.shape[1], p=q) for q in softmax(x)], dtype=np.int64)\n",
     "says": ["rng[b].random()", "uniforms(rng, B)"]},
    {"name": "p07_sample_draws_when_greedy", "phase": 7, "module": "sampling.py", "task": "sample_next",
     "old": "    if temperature == 0:\n        return x.argmax(axis=1).astype(np.int64)\n", "new": "",
     "says": ["greedy decoding must not draw"]},
    {"name": "p07_sample_one_u_for_all_rows", "phase": 7, "module": "sampling.py", "task": "sample_next",
     "old": "    return draw(softmax(x), uniforms(rng, x.shape[0]))\n",
     "new": "    return draw(softmax(x), np.repeat(uniforms(rng, 1), x.shape[0]))\n",
     "says": ["one uniform for all rows"]},
    {"name": "p07_sample_unfiltered", "phase": 7, "module": "sampling.py", "task": "sampling_frequencies",
     "old": "    return draw(softmax(x), uniforms(rng, x.shape[0]))\n",
     "new": "    return draw(softmax(logits), uniforms(rng, x.shape[0]))\n",
     "says": ["softmax(process_logits(logits))"]},
]

# Correct code written another way: each must keep full marks.
ALTERNATIVES = [
    {"name": "p07_alt_draw_searchsorted", "phase": 7, "module": "sampling.py", "task": "draw",
     "old": "    return (c <= u[:, None] * c[:, -1:]).sum(axis=1).astype(np.int64)\n",
     "new": ("    return np.array([np.searchsorted(row, ub * row[-1], side='right') for row, ub in zip(c, u)],\n"
             "                    dtype=np.int64)\n")},
]
