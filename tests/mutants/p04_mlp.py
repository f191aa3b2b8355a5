"""Learner bugs in phase 04's mlp.py, each caught and named by phases/04_bigram_mlp/test_mlp.py."""

MUTANTS = [
    {"name": "p04_mlp_head_not_scaled", "phase": 4, "module": "mlp.py", "task": "mlp_parameters",
     "old": "        self.head.weight.data *= 0.1\n", "new": "",
     "says": ["multiply head.weight.data by 0.1"]},
    {"name": "p04_mlp_layers_out_of_order", "phase": 4, "module": "mlp.py", "task": "mlp_parameters",
     "old": ("        self.wte = _nn.Embedding(vocab_size, n_embd, rng=rng)\n"
             "        self.fc = _nn.Linear(block_size * n_embd, n_hidden, rng=rng)\n"),
     "new": ("        self.fc = _nn.Linear(block_size * n_embd, n_hidden, rng=rng)\n"
             "        self.wte = _nn.Embedding(vocab_size, n_embd, rng=rng)\n"),
     "says": ["order"]},
    {"name": "p04_mlp_own_generator", "phase": 4, "module": "mlp.py", "task": "mlp_parameters",
     "old": "        self.wte = _nn.Embedding(vocab_size, n_embd, rng=rng)\n",
     "new": "        self.wte = _nn.Embedding(vocab_size, n_embd, rng=np.random.default_rng(0))\n",
     "says": ["rng=rng"]},
    {"name": "p04_mlp_shape_unchecked", "phase": 4, "module": "mlp.py", "task": "mlp_parameters",
     "old": "if idx.ndim != 2 or idx.shape[1] != self.block_size:", "new": "if idx.ndim != 2:",
     "says": ["self.block_size yourself"]},
    {"name": "p04_mlp_no_tanh", "phase": 4, "module": "mlp.py", "task": "mlp_forward_backward",
     "old": "h = self.fc(emb.reshape(idx.shape[0], -1)).tanh()", "new": "h = self.fc(emb.reshape(idx.shape[0], -1))",
     "says": ["tanh"]},
]
