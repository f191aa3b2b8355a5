"""Learner bugs in phase 05's layers.py, each caught and named by phases/05_transformer/test_layers.py.

The reference writes LayerNorm, RMSNorm and SwiGLU's gate as single nodes with their own
backward; a learner writes them with Tensor ops. A bug in that straightforward version is
planted just before the reference's first line, so it returns first (``plant.before``).
"""

from mutants.plant import before

LN_START = "        xp, w, b = x.xp, self.weight, self.bias\n"
LN_BODY = ("        mu = x.mean(axis=-1, keepdims=True)\n        xc = x - mu\n"
           "        var = (xc * xc).mean(axis=-1, keepdims=True)\n"
           "        y = xc / (var + self.eps).sqrt() * self.weight\n"
           "        return y if self.bias is None else y + self.bias\n")
RMS_START = "        xp, w = x.xp, self.weight\n"
RMS_BODY = ("        ms = (x * x).mean(axis=-1, keepdims=True)\n"
            "        return x / (ms + self.eps).sqrt() * self.weight\n")
SWIGLU_START = "        a, u = self.w1(x), self.w3(x)\n"
SWIGLU_BODY = "        gate = self.w1(x)\n        return self.drop(self.w2(gate * gate.sigmoid() * self.w3(x)))\n"
BLOCK = "        x = x + self.attn(self.ln1(x), is_pad)\n        return x + self.mlp(self.ln2(x))\n"


MUTANTS = [
    # LayerNorm: the variance and eps
    {"name": "p05_ln_unbiased_variance", "phase": 5, "module": "layers.py", "task": "layer_norm",
     **before(LN_START, LN_BODY, "var = (xc * xc).mean(axis=-1, keepdims=True)",
              "var = (xc * xc).sum(axis=-1, keepdims=True) / (x.shape[-1] - 1)"),
     "says": ["unbiased variance"]},
    {"name": "p05_ln_eps_outside_sqrt", "phase": 5, "module": "layers.py", "task": "layer_norm",
     **before(LN_START, LN_BODY, "y = xc / (var + self.eps).sqrt() * self.weight",
              "y = xc / (var.sqrt() + self.eps) * self.weight"),
     "says": ["eps outside the square root"]},
    {"name": "p05_ln_not_centred", "phase": 5, "module": "layers.py", "task": "layer_norm",
     **before(LN_START, LN_BODY, "y = xc / (var + self.eps).sqrt() * self.weight",
              "y = x / ((x * x).mean(axis=-1, keepdims=True) + self.eps).sqrt() * self.weight"),
     "says": ["not centred"]},
    # RMSNorm: the axis and eps
    {"name": "p05_rms_axis_0", "phase": 5, "module": "layers.py", "task": "rms_norm",
     **before(RMS_START, RMS_BODY, "mean(axis=-1", "mean(axis=0"),
     "says": ["axis 0"]},
    {"name": "p05_rms_eps_outside_sqrt", "phase": 5, "module": "layers.py", "task": "rms_norm",
     **before(RMS_START, RMS_BODY, "(ms + self.eps).sqrt()", "(ms.sqrt() + self.eps)"),
     "says": ["eps outside the square root"]},
    # the MLPs
    {"name": "p05_ffn_relu", "phase": 5, "module": "layers.py", "task": "feed_forward",
     "old": "self.proj(self.fc(x).gelu())", "new": "self.proj(self.fc(x).relu())",
     "says": ["ReLU instead of GELU"]},
    {"name": "p05_swiglu_gate_on_w3", "phase": 5, "module": "layers.py", "task": "swiglu",
     **before(SWIGLU_START, SWIGLU_BODY, SWIGLU_BODY,
              "        gate = self.w3(x)\n        return self.drop(self.w2(gate * gate.sigmoid() * self.w1(x)))\n"),
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
    # the one-node versions: a backward that forgets what the row statistics or the gate contribute
    {"name": "p05_ln_node_stats_constant", "phase": 5, "module": "layers.py", "task": "layer_norm",
     "old": "                shift = xhat * ((g_xhat @ w.data) / C)[..., None]\n"
            "                shift += ((g @ w.data) / C)[..., None]\n",
     "new": "                shift = 0\n",
     "says": ["gradient", "depend on x too"]},
    {"name": "p05_ln_node_forgets_mean_term", "phase": 5, "module": "layers.py", "task": "layer_norm",
     "old": "                shift += ((g @ w.data) / C)[..., None]\n", "new": "",
     "says": ["gradient", "depend on x too"]},
    {"name": "p05_rms_node_grad_without_weight", "phase": 5, "module": "layers.py", "task": "rms_norm",
     "old": "                gx = g * w.data\n                gx -= xhat * ((g_xhat @ w.data) / C)",
     "new": "                gx = g.copy()\n                gx -= xhat * ((g_xhat @ w.data) / C)",
     "says": ["gradient"]},
    {"name": "p05_swiglu_node_grad_of_sigmoid", "phase": 5, "module": "layers.py", "task": "swiglu",
     "old": "                ga = 1 - s\n                ga *= a.data\n                ga += 1\n                ga *= s\n",
     "new": "                ga = s.copy()\n",
     "says": ["gradient"]},
    # boundaries, aliasing, laziness and types a first version gets wrong
    {"name": "p05_swiglu_no_silu", "phase": 5, "module": "layers.py", "task": "swiglu",
     **before(SWIGLU_START, SWIGLU_BODY, "gate * gate.sigmoid()", "gate.sigmoid()"),
     "says": ["z * sigmoid(z)"]},
    {"name": "p05_block_parallel", "phase": 5, "module": "layers.py", "task": "block",
     "old": "        x = x + self.attn(self.ln1(x), is_pad)\n        return x + self.mlp(self.ln2(x))",
     "new": "        h = x + self.attn(self.ln1(x), is_pad)\n        return h + self.mlp(self.ln2(x))",
     "says": ["parallel block"]},
]

# Correct code written another way: each must keep full marks.
ALTERNATIVES = [
    # the straightforward versions the handout asks for
    {"name": "p05_alt_ln_composite", "phase": 5, "module": "layers.py", "task": "layer_norm",
     **before(LN_START, LN_BODY)},
    {"name": "p05_alt_rms_composite", "phase": 5, "module": "layers.py", "task": "rms_norm",
     **before(RMS_START, RMS_BODY)},
    {"name": "p05_alt_swiglu_composite", "phase": 5, "module": "layers.py", "task": "swiglu",
     **before(SWIGLU_START, SWIGLU_BODY)},
    {"name": "p05_alt_ln_second_moment_float64", "phase": 5, "module": "layers.py", "task": "layer_norm",
     # E[x²] - E[x]², which cancels badly in float32 but is exact enough in float64 (the grader's inputs)
     **before(LN_START, LN_BODY, "        xc = x - mu\n        var = (xc * xc).mean(axis=-1, keepdims=True)\n"
              "        y = xc /",
              "        var = (x * x).mean(axis=-1, keepdims=True) - mu * mu\n        y = (x - mu) /")},
    {"name": "p05_alt_rms_rsqrt_power", "phase": 5, "module": "layers.py", "task": "rms_norm",
     **before(RMS_START, RMS_BODY, "x / (ms + self.eps).sqrt()", "x * (ms + self.eps) ** -0.5")},
    {"name": "p05_alt_ln_pow", "phase": 5, "module": "layers.py", "task": "layer_norm",
     **before(LN_START, LN_BODY, "(xc * xc)", "(xc ** 2)")},
]
