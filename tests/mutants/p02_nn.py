"""Learner bugs in phase 02's nn.py, each caught and named by phases/02_autograd/test_nn.py."""

MUTANTS = [
    {"name": "p02_nn_shared_param_twice", "phase": 2, "module": "nn.py", "task": "nn_named_parameters",
     "old": "            if id(p) not in seen:\n                seen.add(id(p))\n                out.append((name, p))",
     "new": "            out.append((name, p))",
     "says": ["once"]},
    {"name": "p02_nn_train_not_recursive", "phase": 2, "module": "nn.py", "task": "nn_train_eval",
     "old": "        for child in self.children():\n            child.train(mode)\n", "new": "",
     "says": ["child"]},
    {"name": "p02_nn_load_copies_before_checking", "phase": 2, "module": "nn.py", "task": "nn_state_dict",
     "old": "                values[name] = value\n", "new": "                p.data[...] = value\n",
     "says": ["check every key and shape first"]},
    {"name": "p02_nn_state_dict_views", "phase": 2, "module": "nn.py", "task": "nn_state_dict",
     "old": "return {name: np.array(to_numpy(p.data), copy=True) for name, p in self.named_parameters()}",
     "new": "return {name: to_numpy(p.data) for name, p in self.named_parameters()}",
     "says": ["copy"]},
    {"name": "p02_nn_embedding_negative_id", "phase": 2, "module": "nn.py", "task": "nn_embedding",
     "old": "            if low < 0 or high >= self.num_embeddings:", "new": "            if high >= self.num_embeddings:",
     "says": ["-1"]},
    # randomness replayed: a generator made in forward gives the same mask on every call
    {"name": "p02_nn_dropout_fresh_rng", "phase": 2, "module": "nn.py", "task": "nn_train_eval",
     "old": "return dropout(x, self.p, self.training, self.rng)",
     "new": "return dropout(x, self.p, self.training, np.random.default_rng(0))",
     "says": ["self.rng", "same mask"]},
    # boundaries, aliasing, laziness and types a first version gets wrong
    {"name": "p02_nn_load_unexpected_ignored", "phase": 2, "module": "nn.py", "task": "nn_state_dict",
     "old": "if strict and (missing or unexpected):",
     "new": "if strict and missing:",
     "says": ["extra key"]},
    {"name": "p02_nn_load_shape_unchecked", "phase": 2, "module": "nn.py", "task": "nn_state_dict",
     "old": "if tuple(value.shape) != p.data.shape:",
     "new": "if False:",
     "says": ["both shapes"]},
    {"name": "p02_nn_embedding_bool_ids", "phase": 2, "module": "nn.py", "task": "nn_embedding",
     "old": "if raw.dtype.kind not in \"iu\":",
     "new": "if raw.dtype.kind == \"f\":",
     "says": ["as a mask"]},
    {"name": "p02_nn_embedding_empty_ids", "phase": 2, "module": "nn.py", "task": "nn_embedding",
     "old": "if raw.size and isinstance(raw, np.ndarray):",
     "new": "if isinstance(raw, np.ndarray):",
     "says": ["ids.size > 0"]},
]

ALTERNATIVES = [
    {"name": "p02_alt_sequential_reduce", "phase": 2, "module": "nn.py", "task": "nn_sequential",
     "old": "        for i in range(len(self)):\n            x = self[i](x)\n        return x\n",
     "new": "        for module in self.children():\n            x = module(x)\n        return x\n"},
]
