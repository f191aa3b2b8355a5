"""Learner bugs in phase 01's rng.py, each caught and named by phases/01_foundations/test_rng.py."""

MUTANTS = [
    {"name": "p01_rng_mt19937", "phase": 1, "module": "rng.py", "task": "rng_make_rng",
     "old": "return np.random.Generator(np.random.PCG64(seed))", "new": "return np.random.Generator(np.random.MT19937(seed))",
     "says": ["PCG64"]},
    {"name": "p01_xavier_uniform_fan_in_only", "phase": 1, "module": "rng.py", "task": "rng_xavier_uniform",
     "old": "bound = gain * math.sqrt(6.0 / (fan_in + fan_out))", "new": "bound = gain * math.sqrt(6.0 / fan_in)",
     "says": ["6 / (fan_in + fan_out)"]},
    {"name": "p01_xavier_uniform_no_astype", "phase": 1, "module": "rng.py", "task": "rng_xavier_uniform",
     "old": "return rng.uniform(-bound, bound, size=(fan_in, fan_out)).astype(dtype)\n    ### END SOLUTION\n\n\ndef xavier_normal",
     "new": "return rng.uniform(-bound, bound, size=(fan_in, fan_out))\n    ### END SOLUTION\n\n\ndef xavier_normal",
     "says": ["astype(dtype)"]},
    {"name": "p01_xavier_normal_gain_in_root", "phase": 1, "module": "rng.py", "task": "rng_xavier_normal",
     "old": "std = gain * math.sqrt(2.0 / (fan_in + fan_out))", "new": "std = math.sqrt(2.0 * gain / (fan_in + fan_out))",
     "says": ["outside the square root"]},
    {"name": "p01_xavier_uniform_gain_in_root", "phase": 1, "module": "rng.py", "task": "rng_xavier_uniform",
     "old": "bound = gain * math.sqrt(6.0 / (fan_in + fan_out))", "new": "bound = math.sqrt(6.0 * gain / (fan_in + fan_out))",
     "says": ["outside the square root"]},
    {"name": "p01_he_uniform_fan_out", "phase": 1, "module": "rng.py", "task": "rng_he_uniform",
     "old": "bound = math.sqrt(6.0 / fan_in)", "new": "bound = math.sqrt(6.0 / fan_out)",
     "says": ["fan_in"]},
    {"name": "p01_he_normal_variance_for_std", "phase": 1, "module": "rng.py", "task": "rng_he_normal",
     "old": "std = math.sqrt(2.0 / fan_in)", "new": "std = 2.0 / fan_in",
     "says": ["sqrt(2 / fan_in)"]},
    {"name": "p01_he_uniform_global_rng", "phase": 1, "module": "rng.py", "task": "rng_init_reproducible",
     "old": "    bound = math.sqrt(6.0 / fan_in)\n    return rng.uniform(",
     "new": "    bound = math.sqrt(6.0 / fan_in)\n    return np.random.uniform(",
     "says": ["rng argument"]},
    # boundaries, aliasing, laziness and types a first version gets wrong
    {"name": "p01_he_normal_float32_always", "phase": 1, "module": "rng.py", "task": "rng_he_normal",
     "old": "    std = math.sqrt(2.0 / fan_in)\n    return rng.normal(0.0, std, size=(fan_in, fan_out)).astype(dtype)",
     "new": "    std = math.sqrt(2.0 / fan_in)\n    return rng.normal(0.0, std, size=(fan_in, fan_out)).astype(np.float32)",
     "says": [".astype(dtype)"]},
]

ALTERNATIVES = [
    {"name": "p01_alt_make_rng_default", "phase": 1, "module": "rng.py", "task": "rng_make_rng",
     "old": "return np.random.Generator(np.random.PCG64(seed))", "new": "return np.random.default_rng(seed)"},
    {"name": "p01_alt_xavier_uniform_scaled", "phase": 1, "module": "rng.py", "task": "rng_xavier_uniform",
     "old": "return rng.uniform(-bound, bound, size=(fan_in, fan_out)).astype(dtype)\n    ### END SOLUTION\n\n\ndef xavier_normal",
     "new": ("return ((2.0 * rng.random(size=(fan_in, fan_out)) - 1.0) * bound).astype(dtype)\n"
             "    ### END SOLUTION\n\n\ndef xavier_normal")},
    {"name": "p01_alt_xavier_normal_standard", "phase": 1, "module": "rng.py", "task": "rng_xavier_normal",
     "old": "return rng.normal(0.0, std, size=(fan_in, fan_out)).astype(dtype)\n    ### END SOLUTION\n\n\ndef he_uniform",
     "new": "return (rng.standard_normal(size=(fan_in, fan_out)) * std).astype(dtype)\n    ### END SOLUTION\n\n\ndef he_uniform"},
]
