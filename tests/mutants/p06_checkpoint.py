"""Learner bugs in phase 06's checkpoint.py (see tests/test_mutants.py)."""

RESTORE = ('    rng_states = json.loads(meta["rng"])\n'
           '    unknown = [name for name in (rngs or {}) if name not in rng_states]\n'
           '    if unknown:\n'
           '        raise KeyError(f"{path} holds no state for the generators {unknown}; it has {sorted(rng_states)}")\n'
           '    if optimizer is not None:\n'
           '        state = {int(i): {"step": step, "m": tensors[f"adamw.{i}.m"], "v": tensors[f"adamw.{i}.v"]}\n'
           '                 for i, step in adamw["steps"].items()}\n'
           '        optimizer.load_state_dict({"state": state, "param_groups": adamw["param_groups"]})\n'
           '    model.load_state_dict(weights)\n')
RESTORE_RNGS_LAST = ('    model.load_state_dict(weights)\n'
                     '    if optimizer is not None:\n'
                     '        state = {int(i): {"step": step, "m": tensors[f"adamw.{i}.m"], "v": tensors[f"adamw.{i}.v"]}\n'
                     '                 for i, step in adamw["steps"].items()}\n'
                     '        optimizer.load_state_dict({"state": state, "param_groups": adamw["param_groups"]})\n'
                     '    rng_states = json.loads(meta["rng"])\n'
                     '    unknown = [name for name in (rngs or {}) if name not in rng_states]\n'
                     '    if unknown:\n'
                     '        raise KeyError(f"{path} holds no state for the generators {unknown}; it has {sorted(rng_states)}")\n')

MUTANTS = [
    {"name": "ckpt_rng_not_saved", "phase": 6, "module": "checkpoint.py", "task": "checkpoint",
     "old": '"rng": json.dumps({name: rng.bit_generator.state for name, rng in rngs.items()}),',
     "new": '"rng": json.dumps({}),',
     "says": ["generators in 'rng'"]},
    {"name": "ckpt_rng_replaced_not_restored_in_place", "phase": 6, "module": "checkpoint.py", "task": "checkpoint",
     "old": "        rng.bit_generator.state = rng_states[name]\n",
     "new": "        rngs[name] = np.random.default_rng()\n        rngs[name].bit_generator.state = rng_states[name]\n",
     "says": ["in place"]},
    {"name": "ckpt_step_counts_lost", "phase": 6, "module": "checkpoint.py", "task": "checkpoint",
     "old": '{int(i): {"step": step, "m"', "new": '{int(i): {"step": 1, "m"',
     "says": ["step count"]},
    {"name": "ckpt_config_not_checked", "phase": 6, "module": "checkpoint.py", "task": "checkpoint_errors",
     "old": "    if differ:\n", "new": "    if False:\n",
     "says": ["n_embd"]},
    {"name": "ckpt_first_problem_only", "phase": 6, "module": "checkpoint.py", "task": "checkpoint_errors",
     "old": '"; ".join(problems))', "new": '"; ".join(problems[:1]))',
     "says": ["every missing"]},
    {"name": "ckpt_dropout_rng_not_restored", "phase": 6, "module": "checkpoint.py", "task": "resume_bit_for_bit",
     "old": "        rng.bit_generator.state = rng_states[name]\n",
     "new": "        if name == 'batch':\n            rng.bit_generator.state = rng_states[name]\n",
     "says": ["resumed run ends different", "generator"]},
    {"name": "p06_ckpt_config_first_difference", "phase": 6, "module": "checkpoint.py", "task": "checkpoint_errors",
     "old": '"; ".join(differ))', "new": '"; ".join(differ[:1]))',
     "says": ["every differing field", "dropout"]},
    {"name": "p06_ckpt_step_as_string", "phase": 6, "module": "checkpoint.py", "task": "checkpoint",
     "old": 'return {"step": json.loads(meta["step"]), ', "new": 'return {"step": meta["step"], ',
     "says": ["an int", "json.loads"]},
    {"name": "p06_ckpt_rngs_checked_last", "phase": 6, "module": "checkpoint.py", "task": "checkpoint_errors",
     "old": RESTORE, "new": RESTORE_RNGS_LAST,
     "says": ["refused load", "every generator of rngs before loading anything"]},
]
