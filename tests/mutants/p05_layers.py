"""Learner bugs in phase 05's layers.py, each caught and named by phases/05_transformer/test_layers.py."""

LN_BODY = ("        mu = x.mean(axis=-1, keepdims=True)\n        xc = x - mu\n"
           "        var = (xc * xc).mean(axis=-1, keepdims=True)\n"
           "        y = xc / (var + self.eps).sqrt() * self.weight\n")
BLOCK = "        x = x + self.attn(self.ln1(x), is_pad)\n        return x + self.mlp(self.ln2(x))\n"

MUTANTS = [
    # LayerNorm: the variance and eps
    {"name": "p05_ln_unbiased_variance", "phase": 5, "module": "layers.py", "task": "layer_norm",
     "old": "var = (xc * xc).mean(axis=-1, keepdims=True)",
     "new": "var = (xc * xc).sum(axis=-1, keepdims=True) / (x.shape[-1] - 1)",
     "says": ["unbiased variance"]},
    {"name": "p05_ln_eps_outside_sqrt", "phase": 5, "module": "layers.py", "task": "layer_norm",
     "old": "y = xc / (var + self.eps).sqrt() * self.weight", "new": "y = xc / (var.sqrt() + self.eps) * self.weight",
     "says": ["eps outside the square root"]},
    {"name": "p05_ln_not_centred", "phase": 5, "module": "layers.py", "task": "layer_norm",
     "old": "y = xc / (var + self.eps).sqrt() * self.weight",
     "new": "y = x / ((x * x).mean(axis=-1, keepdims=True) + self.eps).sqrt() * self.weight",
     "says": ["not centred"]},
    # RMSNorm: the axis and eps
    {"name": "p05_rms_axis_0", "phase": 5, "module": "layers.py", "task": "rms_norm",
     "old": "ms = (x * x).mean(axis=-1, keepdims=True)", "new": "ms = (x * x).mean(axis=0, keepdims=True)",
     "says": ["axis 0"]},
    {"name": "p05_rms_eps_outside_sqrt", "phase": 5, "module": "layers.py", "task": "rms_norm",
     "old": "return x / (ms + self.eps).sqrt() * self.weight", "new": "return x / (ms.sqrt() + self.eps) * self.weight",
     "says": ["eps outside the square root"]},
    # the MLPs
    {"name": "p05_ffn_relu", "phase": 5, "module": "layers.py", "task": "feed_forward",
     "old": "self.proj(self.fc(x).gelu())", "new": "self.proj(self.fc(x).relu())",
     "says": ["ReLU instead of GELU"]},
    {"name": "p05_swiglu_gate_on_w3", "phase": 5, "module": "layers.py", "task": "swiglu",
     "old": "        gate = self.w1(x)\n        return self.drop(self.w2(gate * gate.sigmoid() * self.w3(x)))\n",
     "new": "        gate = self.w3(x)\n        return self.drop(self.w2(gate * gate.sigmoid() * self.w1(x)))\n",
     "says": ["gate on w3"]},
    {"name": "p05_ffn_dropout_inside", "phase": 5, "module": "layers.py", "task": "dropout",
     "old": "return self.drop(self.proj(self.fc(x).gelu()))", "new": "return self.proj(self.drop(self.fc(x).gelu()))",
     "says": ["zero about 50%", "end forward with self.drop"]},
    # the block
    {"name": "p05_block_no_gqa", "phase": 5, "module": "layers.py", "task": "block",
     "old": "MultiHeadAttention(c.n_embd, c.n_head, c.n_kv_head, bias=c.bias",
     "new": "MultiHeadAttention(c.n_embd, c.n_head, bias=c.bias",
     "says": ["attn.wk.weight", "gets config.n_kv_head"]},
    {"name": "p05_block_post_ln", "phase": 5, "module": "layers.py", "task": "block",
     "old": BLOCK,
     "new": "        x = self.ln1(x + self.attn(x, is_pad))\n        return self.ln2(x + self.mlp(x))\n",
     "says": ["post-LN"]},
    {"name": "p05_block_norms_swapped", "phase": 5, "module": "layers.py", "task": "block",
     "old": BLOCK,
     "new": "        x = x + self.attn(self.ln2(x), is_pad)\n        return x + self.mlp(self.ln1(x))\n",
     "says": ["ln1 and ln2 swapped"]},
    {"name": "p05_block_drops_is_pad", "phase": 5, "module": "layers.py", "task": "block",
     "old": "x = x + self.attn(self.ln1(x), is_pad)", "new": "x = x + self.attn(self.ln1(x))",
     "says": ["ignores is_pad"]},
    # boundaries, aliasing, laziness and types a first version gets wrong
    {"name": "p05_swiglu_no_silu", "phase": 5, "module": "layers.py", "task": "swiglu",
     "old": "gate * gate.sigmoid() * self.w3(x)",
     "new": "gate.sigmoid() * self.w3(x)",
     "says": ["z * sigmoid(z)"]},
    {"name": "p05_block_parallel", "phase": 5, "module": "layers.py", "task": "block",
     "old": "        x = x + self.attn(self.ln1(x), is_pad)\n        return x + self.mlp(self.ln2(x))",
     "new": "        h = x + self.attn(self.ln1(x), is_pad)\n        return h + self.mlp(self.ln2(x))",
     "says": ["parallel block"]},
]

# Correct code written another way: each must keep full marks.
ALTERNATIVES = [
    {"name": "p05_alt_ln_second_moment_float64", "phase": 5, "module": "layers.py", "task": "layer_norm",
     "old": LN_BODY,
     # E[x²] - E[x]², which cancels badly in float32 but is exact enough in float64 (the grader's inputs)
     "new": ("        mu = x.mean(axis=-1, keepdims=True)\n"
             "        var = (x * x).mean(axis=-1, keepdims=True) - mu * mu\n"
             "        y = (x - mu) / (var + self.eps).sqrt() * self.weight\n"),
     },
    {"name": "p05_alt_rms_rsqrt_power", "phase": 5, "module": "layers.py", "task": "rms_norm",
     "old": "        return x / (ms + self.eps).sqrt() * self.weight\n",
     "new": "        return x * (ms + self.eps) ** -0.5 * self.weight\n"},
    {"name": "p05_alt_ln_pow", "phase": 5, "module": "layers.py", "task": "layer_norm",
     "old": "        var = (xc * xc).mean(axis=-1, keepdims=True)\n",
     "new": "        var = (xc ** 2).mean(axis=-1, keepdims=True)\n"},
]
