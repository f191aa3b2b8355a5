"""Learner bugs in phase 05's positions.py, each caught and named by phases/05_transformer/test_positions.py."""

# apply_rope's body, and GPT-NeoX's pairing (rotate_half: feature i with i + head_dim/2) in its place
ADJACENT = ("    a, b = x[..., 0::2], x[..., 1::2]                     # (..., T, head_dim/2) each\n"
            "    even = a * cos - b * sin\n    odd = a * sin + b * cos\n"
            "    return _tensor.stack([even, odd], axis=-1).reshape(*x.shape)\n")
HALF_SPLIT = ("    h = x.shape[-1] // 2\n    a, b = x[..., :h], x[..., h:]\n"
              "    even = a * cos - b * sin\n    odd = a * sin + b * cos\n"
              "    return _tensor.stack([even, odd], axis=-2).reshape(*x.shape)\n")

MUTANTS = [
    # the sinusoidal table: which column holds sin, the exponent
    {"name": "p05_sin_cos_swapped", "phase": 5, "module": "positions.py", "task": "sinusoidal_positions",
     "old": "    pe[:, 0::2] = np.sin(angles)\n    pe[:, 1::2] = np.cos(angles)\n",
     "new": "    pe[:, 0::2] = np.cos(angles)\n    pe[:, 1::2] = np.sin(angles)\n",
     "says": ["sin and cos swapped"]},
    {"name": "p05_sin_exponent_pair_index", "phase": 5, "module": "positions.py", "task": "sinusoidal_positions",
     "old": "freqs = base ** (-np.arange(0, dim, 2, dtype=np.float64) / dim)",
     "new": "freqs = base ** (-np.arange(dim // 2, dtype=np.float64) / dim)",
     "says": ["exponent i/dim"]},
    {"name": "p05_sin_halves", "phase": 5, "module": "positions.py", "task": "sinusoidal_positions",
     "old": "    pe[:, 0::2] = np.sin(angles)\n    pe[:, 1::2] = np.cos(angles)\n",
     "new": "    pe[:, :dim // 2] = np.sin(angles)\n    pe[:, dim // 2:] = np.cos(angles)\n",
     "says": ["interleave"]},
    # RoPE: the angles, the pairing, the direction
    {"name": "p05_rope_angles_swapped", "phase": 5, "module": "positions.py", "task": "rope",
     "old": "    return np.cos(angles), np.sin(angles)\n", "new": "    return np.sin(angles), np.cos(angles)\n",
     "says": ["returns (sin, cos)"]},
    {"name": "p05_rope_half_split", "phase": 5, "module": "positions.py", "task": "rope",
     "old": ADJACENT, "new": HALF_SPLIT,
     "says": ["rotate_half", "adjacent"]},
    {"name": "p05_rope_wrong_direction", "phase": 5, "module": "positions.py", "task": "rope",
     "old": "    even = a * cos - b * sin\n    odd = a * sin + b * cos\n",
     "new": "    even = a * cos + b * sin\n    odd = b * cos - a * sin\n",
     "says": ["rotates the wrong way"]},
    {"name": "p05_rope_not_interleaved", "phase": 5, "module": "positions.py", "task": "rope",
     "old": "    return _tensor.stack([even, odd], axis=-1).reshape(*x.shape)\n",
     "new": "    return _tensor.stack([even, odd], axis=-2).reshape(*x.shape)\n",
     "says": ["even features first"]},
    # the pairing, seen from the attention and the whole model
    {"name": "p05_rope_half_split_in_attention", "phase": 5, "module": "positions.py", "task": "multi_head_attention",
     "old": ADJACENT, "new": HALF_SPLIT,
     "says": ["rotate_half", "adjacent"]},
    {"name": "p05_rope_half_split_in_block", "phase": 5, "module": "positions.py", "task": "block",
     "old": ADJACENT, "new": HALF_SPLIT,
     "says": ["rotate_half", "adjacent"]},
    {"name": "p05_rope_half_split_in_llama", "phase": 5, "module": "positions.py", "task": "gpt_llama",
     "old": ADJACENT, "new": HALF_SPLIT,
     "says": ["rotate_half", "adjacent"]},
    # boundaries, aliasing, laziness and types a first version gets wrong
    {"name": "p05_rope_angles_float32", "phase": 5, "module": "positions.py", "task": "rope",
     "old": "    angles = np.outer(np.arange(n_positions, dtype=np.float64), theta)\n",
     "new": "    angles = np.outer(np.arange(n_positions, dtype=np.float32), theta.astype(np.float32))\n",
     "says": ["float32 angles"]},
]

# Correct code written another way: each must keep full marks.
ALTERNATIVES = [
    {"name": "p05_alt_sin_exp_log", "phase": 5, "module": "positions.py", "task": "sinusoidal_positions",
     "old": "    freqs = base ** (-np.arange(0, dim, 2, dtype=np.float64) / dim)       # (dim/2,)\n",
     "new": "    freqs = np.exp(-np.log(base) * np.arange(0, dim, 2) / dim)           # (dim/2,), via exp and log\n"},
    {"name": "p05_alt_rope_complex", "phase": 5, "module": "positions.py", "task": "rope",
     "old": "    return np.cos(angles), np.sin(angles)\n",
     "new": "    z = np.exp(1j * angles)                               # e^{i p θ}, complex128\n"
            "    return z.real.copy(), z.imag.copy()\n"},
    {"name": "p05_alt_rope_by_index", "phase": 5, "module": "positions.py", "task": "rope",
     "old": "    return _tensor.stack([even, odd], axis=-1).reshape(*x.shape)\n",
     "new": "    D = x.shape[-1]\n    back = np.argsort(np.concatenate([np.arange(0, D, 2), np.arange(1, D, 2)]))\n"
            "    return (_tensor.stack([even, odd], axis=-2).reshape(*x.shape))[..., back]\n"},
    {"name": "p05_alt_sin_loops", "phase": 5, "module": "positions.py", "task": "sinusoidal_positions",
     "old": "    freqs = base ** (-np.arange(0, dim, 2, dtype=np.float64) / dim)       # (dim/2,)\n    angles = np.outer(np.arange(n_positions, dtype=np.float64), freqs)    # (P, dim/2)\n    pe = np.empty((n_positions, dim), dtype=np.float64)\n    pe[:, 0::2] = np.sin(angles)\n    pe[:, 1::2] = np.cos(angles)\n",
     "new": "    pe = np.empty((n_positions, dim), dtype=np.float64)\n    for pos in range(n_positions):\n        for i in range(0, dim, 2):\n            angle = pos / base ** (i / dim)\n            pe[pos, i] = np.sin(angle)\n            pe[pos, i + 1] = np.cos(angle)\n"},
]
