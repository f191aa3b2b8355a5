"""Learner bugs in phase 04's train.py, each caught and named by phases/04_bigram_mlp/test_train.py."""

MUTANTS = [
    {"name": "p04_evaluate_mean_of_batches", "phase": 4, "module": "train.py", "task": "train_evaluate",
     "old": "                total += _functional.cross_entropy(model(xb), yb).item() * len(yb)\n",
     "new": "                total += _functional.cross_entropy(model(xb), yb).item() * len(X) / -(-len(X) // batch_size)\n",
     "says": ["mean of the 3 batch means"]},
    {"name": "p04_evaluate_mode_not_restored", "phase": 4, "module": "train.py", "task": "train_evaluate",
     "old": "        model.train(was_training)\n", "new": "        model.train()\n",
     "says": ["was_training"]},
    {"name": "p04_evaluate_records_graph", "phase": 4, "module": "train.py", "task": "train_evaluate",
     "old": "        with _tensor.no_grad():\n", "new": "        if True:\n",
     "says": ["no_grad"]},
    {"name": "p04_evaluate_drops_last_batch", "phase": 4, "module": "train.py", "task": "train_evaluate",
     "old": "for i in range(0, len(X), batch_size):", "new": "for i in range(0, len(X) - batch_size + 1, batch_size):",
     "says": ["batch"]},
    {"name": "p04_train_no_zero_grad", "phase": 4, "module": "train.py", "task": "train_loop",
     "old": "        optimizer.zero_grad()\n", "new": "",
     "says": ["zero_grad"]},
    {"name": "p04_train_zero_grad_after_backward", "phase": 4, "module": "train.py", "task": "train_loop",
     "old": "        optimizer.zero_grad()\n        loss.backward()\n", "new": "        loss.backward()\n        optimizer.zero_grad()\n",
     "says": ["zero_grad"]},
    {"name": "p04_train_own_rng", "phase": 4, "module": "train.py", "task": "train_loop",
     "old": "xb, yb = random_batch(X, Y, batch_size, rng)", "new": "xb, yb = random_batch(X, Y, batch_size, np.random.default_rng(0))",
     "says": ["from the rng given"]},
    {"name": "p04_train_loss_tensors", "phase": 4, "module": "train.py", "task": "train_loop",
     "old": "losses.append(loss.item())", "new": "losses.append(loss)",
     "says": ["loss.item()"]},
    {"name": "p04_train_eval_mode", "phase": 4, "module": "train.py", "task": "train_loop",
     "old": "    model.train()\n    losses = []\n", "new": "    losses = []\n",
     "says": ["model.train()"]},
    {"name": "p04_evaluate_no_eval_mode", "phase": 4, "module": "train.py", "task": "train_evaluate",
     "old": "    model.eval()\n", "new": "",
     "says": ["model.eval()"]},
]

ALTERNATIVES = [
    {"name": "p04_alt_evaluate_sum_then_divide", "phase": 4, "module": "train.py", "task": "train_evaluate",
     "old": ("            for i in range(0, len(X), batch_size):\n"
             "                xb, yb = X[i:i + batch_size], Y[i:i + batch_size]\n"
             "                total += _functional.cross_entropy(model(xb), yb).item() * len(yb)\n"),
     "new": ("            starts = list(range(0, len(X), batch_size))\n"
             "            sizes = [min(batch_size, len(X) - i) for i in starts]\n"
             "            means = [_functional.cross_entropy(model(X[i:i + s]), Y[i:i + s]).item() for i, s in zip(starts, sizes)]\n"
             "            total = float(np.dot(means, sizes))\n")},
]
