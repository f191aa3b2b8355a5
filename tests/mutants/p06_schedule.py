"""Learner bugs in phase 06's schedule.py, each caught and named by test_schedule.py."""

MUTANTS = [
    {"name": "p06_lr_warmup_off_by_one", "phase": 6, "module": "schedule.py", "task": "cosine_lr",
     "old": "return max_lr * step / warmup_steps", "new": "return max_lr * (step + 1) / warmup_steps",
     "says": ["off by one"]},
    {"name": "p06_lr_warmup_from_min", "phase": 6, "module": "schedule.py", "task": "cosine_lr",
     "old": "return max_lr * step / warmup_steps", "new": "return min_lr + (max_lr - min_lr) * step / warmup_steps",
     "says": ["warm-up starts from min_lr"]},
    {"name": "p06_lr_cosine_span", "phase": 6, "module": "schedule.py", "task": "cosine_lr",
     "old": "progress = (step - warmup_steps) / (cosine_steps - warmup_steps)",
     "new": "progress = (step - warmup_steps) / cosine_steps",
     "says": ["wrong span", "cosine_steps - warmup_steps"]},
    {"name": "p06_lr_zero_after_end", "phase": 6, "module": "schedule.py", "task": "cosine_lr",
     "old": "    if step >= cosine_steps:\n        return min_lr\n",
     "new": "    if step >= cosine_steps:\n        return 0.0\n",
     "says": ["returns 0 after cosine_steps"]},
    {"name": "p06_lr_decays_to_zero", "phase": 6, "module": "schedule.py", "task": "cosine_lr",
     "old": "return min_lr + 0.5 * (1.0 + math.cos(math.pi * progress)) * (max_lr - min_lr)",
     "new": "return 0.5 * (1.0 + math.cos(math.pi * progress)) * max_lr",
     "says": ["decays to 0 instead of the floor"]},
    {"name": "p06_lr_no_equal_case", "phase": 6, "module": "schedule.py", "task": "cosine_lr",
     "old": "    if step >= cosine_steps:\n", "new": "    if step > cosine_steps:\n",
     "says": ["ZeroDivisionError", "no cosine"]},
    {"name": "p06_lr_negative_step_accepted", "phase": 6, "module": "schedule.py", "task": "cosine_lr",
     "old": "    if step < 0:\n", "new": "    if False:\n",
     "says": ["negative step", "should raise ValueError"]},
    # the boundary step == warmup_steps == cosine_steps, and the arguments at that boundary
    {"name": "p06_lr_warmup_includes_boundary", "phase": 6, "module": "schedule.py", "task": "cosine_lr",
     "old": "    if step < warmup_steps:\n", "new": "    if step <= warmup_steps and warmup_steps:\n",
     "says": ["runs through step == warmup_steps", "step < warmup_steps"]},
    {"name": "p06_lr_rejects_equal", "phase": 6, "module": "schedule.py", "task": "cosine_lr",
     "old": "if not 0 <= warmup_steps <= cosine_steps:", "new": "if not 0 <= warmup_steps < cosine_steps:",
     "says": ["raised ValueError", "there is no cosine"]},
]

# Correct code written another way: each must keep full marks.
ALTERNATIVES = [
    {"name": "p06_alt_lr_other_order", "phase": 6, "module": "schedule.py", "task": "cosine_lr",
     "old": "return min_lr + 0.5 * (1.0 + math.cos(math.pi * progress)) * (max_lr - min_lr)",
     "new": "return min_lr + (max_lr - min_lr) * (1 + math.cos(math.pi * progress)) / 2"},
]
