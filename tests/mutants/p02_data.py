"""Learner bugs in phase 02's data.py, each caught and named by phases/02_autograd/test_training.py."""

MUTANTS = [
    {"name": "p02_batches_global_shuffle", "phase": 2, "module": "data.py", "task": "data_batches",
     "old": "order = rng.permutation(n)", "new": "order = np.random.permutation(n)",
     "says": ["rng"]},
    {"name": "p02_batches_drop_last_ignored", "phase": 2, "module": "data.py", "task": "data_batches",
     "old": "stop = n - n % batch_size if drop_last else n", "new": "stop = n",
     "says": ["drop_last"]},
    {"name": "p02_batches_loses_last", "phase": 2, "module": "data.py", "task": "data_batches",
     "old": "stop = n - n % batch_size if drop_last else n", "new": "stop = n - n % batch_size",
     "says": ["last"]},
    # boundaries, aliasing, laziness and types a first version gets wrong
    {"name": "p02_batches_checks_lazy", "phase": 2, "module": "data.py", "task": "data_batches",
     "old": "    return (tuple(a[array_module(a).asarray(order[i : i + batch_size])] for a in arrays)\n            for i in range(0, stop, batch_size))\n",
     "new": "    for i in range(0, stop, batch_size):\n        yield tuple(a[array_module(a).asarray(order[i : i + batch_size])] for a in arrays)\n",
     "says": ["called but not iterated"]},
]

ALTERNATIVES = [
    {"name": "p02_alt_batches_list", "phase": 2, "module": "data.py", "task": "data_batches",
     "old": ("    return (tuple(a[array_module(a).asarray(order[i : i + batch_size])] for a in arrays)\n"
             "            for i in range(0, stop, batch_size))\n"),
     "new": ("    out = []\n    for i in range(0, stop, batch_size):\n        idx = order[i : i + batch_size]\n"
             "        out.append(tuple(a[array_module(a).asarray(idx)] for a in arrays))\n    return iter(out)\n")},
]
