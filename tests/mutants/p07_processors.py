"""Learner bugs in phase 07's processors.py, each caught and named by phases/07_generation/test_processors.py."""

TOP_P_BODY = ("    desc = -np.sort(-probs, axis=1)                             # (B, V), most likely first\n"
              "    before = np.cumsum(desc, axis=1) - desc                     # mass of the tokens ahead\n"
              "    n_keep = (before < p).sum(axis=1)                           # >= 1: before[:, 0] == 0\n"
              "    threshold = desc[np.arange(x.shape[0]), n_keep - 1][:, None]\n"
              "    return np.where(probs >= threshold, x, -np.inf)\n")
TOP_K_BODY = ("    kth = np.partition(x, -k, axis=1)[:, -k, None]             # (B, 1)\n"
              "    return np.where(x >= kth, x, -np.inf)\n")

MUTANTS = [
    # softmax: the shift and the normalisation, each per row
    {"name": "p07_softmax_no_max_shift", "phase": 7, "module": "processors.py", "task": "softmax",
     "old": "e = np.exp(x - x.max(axis=1, keepdims=True))", "new": "e = np.exp(x)",
     "says": ["exp(1000) overflows"]},
    {"name": "p07_softmax_batch_max", "phase": 7, "module": "processors.py", "task": "softmax",
     "old": "e = np.exp(x - x.max(axis=1, keepdims=True))", "new": "e = np.exp(x - x.max())",
     "says": ["each row's own maximum", "whole batch"]},
    {"name": "p07_softmax_batch_sum", "phase": 7, "module": "processors.py", "task": "softmax",
     "old": "return e / e.sum(axis=1, keepdims=True)", "new": "return e / e.sum()",
     "says": ["its own sum"]},
    # temperature: what it divides, and greedy's tie rule
    {"name": "p07_temperature_after_softmax", "phase": 7, "module": "processors.py", "task": "temperature",
     "old": "    return x / temperature\n", "new": "    return softmax(x) / temperature\n",
     "says": ["divided the probabilities", "after the softmax"]},
    {"name": "p07_greedy_last_max", "phase": 7, "module": "processors.py", "task": "temperature",
     "old": "out[np.arange(x.shape[0]), x.argmax(axis=1)] = 0.0",
     "new": "out[np.arange(x.shape[0]), x.shape[1] - 1 - x[:, ::-1].argmax(axis=1)] = 0.0",
     "says": ["last of equal maxima", "lowest id"]},
    {"name": "p07_greedy_random_tie", "phase": 7, "module": "processors.py", "task": "temperature",
     "old": "out[np.arange(x.shape[0]), x.argmax(axis=1)] = 0.0",
     "new": ("out[np.arange(x.shape[0]), [np.random.default_rng().choice(np.flatnonzero(r == r.max())) "
             "for r in x]] = 0.0"),
     "says": ["at random", "reproducible"]},
    # top-k: the tie rule and the k-th
    {"name": "p07_top_k_exactly_k", "phase": 7, "module": "processors.py", "task": "top_k",
     "old": TOP_K_BODY,
     "new": ("    top = np.argsort(-x, axis=1, kind='stable')[:, :k]\n"
             "    out = np.full_like(x, -np.inf)\n"
             "    np.put_along_axis(out, top, np.take_along_axis(x, top, axis=1), axis=1)\n"
             "    return out\n"),
     "says": ["exactly k tokens", "tie"]},
    {"name": "p07_top_k_off_by_one", "phase": 7, "module": "processors.py", "task": "top_k",
     "old": "kth = np.partition(x, -k, axis=1)[:, -k, None]",
     "new": "kth = np.partition(x, -k - 1, axis=1)[:, -k - 1, None]",
     "says": ["k + 1 tokens", "off-by-one"]},
    # top-p: the crossing token, the comparison, what is summed and in which order
    {"name": "p07_top_p_drops_crossing", "phase": 7, "module": "processors.py", "task": "top_p",
     "old": "before = np.cumsum(desc, axis=1) - desc", "new": "before = np.cumsum(desc, axis=1)",
     "says": ["dropped the token at which the running total reaches p"]},
    {"name": "p07_top_p_le", "phase": 7, "module": "processors.py", "task": "top_p",
     "old": "n_keep = (before < p).sum(axis=1)", "new": "n_keep = (before <= p).sum(axis=1)",
     "says": ["< p, not <= p"]},
    {"name": "p07_top_p_on_logits", "phase": 7, "module": "processors.py", "task": "top_p",
     "old": "    probs = softmax(x)\n    desc = -np.sort(-probs, axis=1)",
     "new": "    probs = x\n    desc = -np.sort(-probs, axis=1)",
     "says": ["logits as if they were probabilities"]},
    {"name": "p07_top_p_unsorted", "phase": 7, "module": "processors.py", "task": "top_p",
     "old": TOP_P_BODY,
     "new": "    return np.where(np.cumsum(probs, axis=1) - probs < p, x, -np.inf)\n",
     "says": ["in id order", "most likely first"]},
    # min-p: relative to the most likely token
    {"name": "p07_min_p_absolute", "phase": 7, "module": "processors.py", "task": "min_p",
     "old": "probs >= min_p * probs.max(axis=1, keepdims=True)", "new": "probs >= min_p",
     "says": ["compared with min_p itself"]},
    # the composition
    {"name": "p07_process_top_p_first", "phase": 7, "module": "processors.py", "task": "process_logits",
     "old": "    x = top_k_filter(x, top_k)\n    x = top_p_filter(x, top_p)\n",
     "new": "    x = top_p_filter(x, top_p)\n    x = top_k_filter(x, top_k)\n",
     "says": ["top-p before top-k"]},
    # the caller's logits: check_logits hands back the caller's own float64 array
    {"name": "p07_softmax_in_place", "phase": 7, "module": "processors.py", "task": "softmax",
     "old": "    e = np.exp(x - x.max(axis=1, keepdims=True))\n",
     "new": "    x -= x.max(axis=1, keepdims=True)\n    e = np.exp(x, out=x)\n",
     "says": ["changed the caller's logits in place"]},
    {"name": "p07_temperature_in_place", "phase": 7, "module": "processors.py", "task": "temperature",
     "old": "    return x / temperature\n", "new": "    x /= temperature\n    return x\n",
     "says": ["changed the caller's logits in place"]},
    {"name": "p07_top_k_in_place", "phase": 7, "module": "processors.py", "task": "top_k",
     "old": "    return np.where(x >= kth, x, -np.inf)\n", "new": "    x[x < kth] = -np.inf\n    return x\n",
     "says": ["changed the caller's logits in place"]},
    {"name": "p07_min_p_in_place", "phase": 7, "module": "processors.py", "task": "min_p",
     "old": "    return np.where(probs >= min_p * probs.max(axis=1, keepdims=True), x, -np.inf)\n",
     "new": "    x[probs < min_p * probs.max(axis=1, keepdims=True)] = -np.inf\n    return x\n",
     "says": ["changed the caller's logits in place"]},
    # boundaries: the token that reaches p, min_p = 1, and the order of the processors
    {"name": "p07_top_p_threshold_strict", "phase": 7, "module": "processors.py", "task": "top_p",
     "old": "return np.where(probs >= threshold, x, -np.inf)", "new": "return np.where(probs > threshold, x, -np.inf)",
     "says": ["dropped the token at which the running total reaches p"]},
    {"name": "p07_top_p_exactly_n_keep", "phase": 7, "module": "processors.py", "task": "top_p",
     "old": ("    threshold = desc[np.arange(x.shape[0]), n_keep - 1][:, None]\n"
             "    return np.where(probs >= threshold, x, -np.inf)\n"),
     "new": ("    order = np.argsort(-probs, axis=1, kind='stable')\n    out = np.full_like(x, -np.inf)\n"
             "    for b in range(x.shape[0]):\n        keep = order[b, :n_keep[b]]\n        out[b, keep] = x[b, keep]\n"
             "    return out\n"),
     "says": ["broke a tie at the boundary"]},
    {"name": "p07_min_p_strict", "phase": 7, "module": "processors.py", "task": "min_p",
     "old": "probs >= min_p * probs.max(axis=1, keepdims=True)", "new": "probs > min_p * probs.max(axis=1, keepdims=True)",
     "says": ["min_p=1", "keeps tokens []"]},
    {"name": "p07_process_temperature_last", "phase": 7, "module": "processors.py", "task": "process_logits",
     "old": ("    x = apply_temperature(logits, temperature)\n    x = top_k_filter(x, top_k)\n"
             "    x = top_p_filter(x, top_p)\n    return min_p_filter(x, min_p)\n"),
     "new": ("    x = top_k_filter(logits, top_k)\n    x = top_p_filter(x, top_p)\n    x = min_p_filter(x, min_p)\n"
             "    return apply_temperature(x, temperature)\n"),
     "says": ["temperature last"]},
]

# Correct code written another way: each must keep full marks.
ALTERNATIVES = [
    {"name": "p07_alt_top_k_by_sort", "phase": 7, "module": "processors.py", "task": "top_k",
     "old": "    kth = np.partition(x, -k, axis=1)[:, -k, None]             # (B, 1)\n",
     "new": "    kth = np.sort(x, axis=1)[:, ::-1][:, k - 1][:, None]      # a full sort, descending\n"},
    {"name": "p07_alt_top_p_loop", "phase": 7, "module": "processors.py", "task": "top_p",
     "old": "    return np.where(probs >= threshold, x, -np.inf)\n",
     "new": ("    out = x.copy()\n    for b in range(x.shape[0]):\n        for i in range(x.shape[1]):\n"
             "            ahead = probs[b][probs[b] > probs[b, i]].sum()\n"
             "            if not ahead < p:\n                out[b, i] = -np.inf\n    return out\n")},
    {"name": "p07_alt_min_p_in_logits", "phase": 7, "module": "processors.py", "task": "min_p",
     "old": "    return np.where(probs >= min_p * probs.max(axis=1, keepdims=True), x, -np.inf)\n",
     "new": ("    with np.errstate(divide='ignore'):   # log p_i >= log min_p + log p_max, in logits\n"
             "        return np.where(x >= x.max(axis=1, keepdims=True) + np.log(min_p), x, -np.inf)\n")},
    {"name": "p07_alt_softmax_logsumexp", "phase": 7, "module": "processors.py", "task": "softmax",
     "old": "    e = np.exp(x - x.max(axis=1, keepdims=True))\n    return e / e.sum(axis=1, keepdims=True)\n",
     "new": ("    m = x.max(axis=1, keepdims=True)\n"
             "    return np.exp(x - m - np.log(np.exp(x - m).sum(axis=1, keepdims=True)))\n")},
    {"name": "p07_alt_temperature_multiply", "phase": 7, "module": "processors.py", "task": "temperature",
     "old": "    return x / temperature\n", "new": "    return x * (1.0 / temperature)\n"},
]
