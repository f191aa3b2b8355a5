"""Learner bugs in phase 05's attention.py, each caught and named by phases/05_transformer/test_attention.py."""

from mutants.plant import before

MHA_ATTEND = ("        w = attention_weights(q, k, mask)                 # (B, H, T, T)\n"
              "        self.weights = w.data\n"
              "        y = merge_heads(self.attn_drop(w) @ v)            # (B, T, C)\n")

# The reference computes the attention weights as one node; a learner writes them with Tensor
# ops. Bugs in that version go in front of the reference's first line, and return first.
WEIGHTS_START = "    xp, scale = q.xp, 1.0 / math.sqrt(q.shape[-1])\n"
WEIGHTS_BODY = ("    scores = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(q.shape[-1]))\n"
                "    if mask is not None:\n        scores = scores + mask\n    return scores.softmax(axis=-1)\n")


def weights(old: str = "", new: str = "") -> dict:
    """The straightforward attention_weights, ``old`` replaced by ``new``, planted first."""
    return before(WEIGHTS_START, WEIGHTS_BODY, old, new)


MUTANTS = [
    # causal_mask: the diagonal, the alignment when T_q < T_k
    {"name": "p05_mask_hides_diagonal", "phase": 5, "module": "attention.py", "task": "causal_mask",
     "old": "np.where(k_pos <= q_pos, 0.0, -np.inf)", "new": "np.where(k_pos < q_pos, 0.0, -np.inf)",
     "says": ["hides its own token"]},
    {"name": "p05_mask_top_left", "phase": 5, "module": "attention.py", "task": "causal_mask",
     "old": "q_pos = np.arange(T_k - T_q, T_k)[:, None]", "new": "q_pos = np.arange(T_q)[:, None]",
     "says": ["top-left corner"]},
    {"name": "p05_mask_bool", "phase": 5, "module": "attention.py", "task": "causal_mask",
     "old": "return np.where(k_pos <= q_pos, 0.0, -np.inf).astype(np.float32)", "new": "return k_pos <= q_pos",
     "says": ["true/false"]},
    {"name": "p05_padding_mask_rows", "phase": 5, "module": "attention.py", "task": "padding_mask",
     "old": ".astype(np.float32)[:, None, None, :]", "new": ".astype(np.float32)[:, None, :, None]",
     "says": ["padding *queries*"]},
    # attention_weights: the scale, the axis, the place of the mask
    {"name": "p05_scale_by_d", "phase": 5, "module": "attention.py", "task": "attention_weights",
     **weights("* (1.0 / math.sqrt(q.shape[-1]))", "* (1.0 / q.shape[-1])"),
     "says": ["divided by d_k"]},
    {"name": "p05_no_scale", "phase": 5, "module": "attention.py", "task": "attention_weights",
     **weights("* (1.0 / math.sqrt(q.shape[-1]))", "* 1.0"),
     "says": ["without the 1/√d_k scale"]},
    {"name": "p05_softmax_over_queries", "phase": 5, "module": "attention.py", "task": "attention_weights",
     **weights("return scores.softmax(axis=-1)", "return scores.softmax(axis=-2)"),
     "says": ["softmax over the queries"]},
    {"name": "p05_mask_after_softmax", "phase": 5, "module": "attention.py", "task": "attention_weights",
     **weights("    if mask is not None:\n        scores = scores + mask\n    return scores.softmax(axis=-1)\n",
               "    w = scores.softmax(axis=-1)\n    return w if mask is None else w + mask\n"),
     "says": ["mask added after the softmax"]},
    {"name": "p05_mask_zeroes_after_softmax", "phase": 5, "module": "attention.py", "task": "attention_weights",
     **weights("    if mask is not None:\n        scores = scores + mask\n    return scores.softmax(axis=-1)\n",
               "    w = scores.softmax(axis=-1)\n    return w if mask is None else w * np.isfinite(mask)\n"),
     "says": ["zeroed", "renormalises"]},
    # the one-node version: a softmax backward without the row sum, a gradient not scaled
    {"name": "p05_weights_node_softmax_grad_no_sum", "phase": 5, "module": "attention.py", "task": "attention_weights",
     "old": "        ds -= s * ds.sum(axis=-1, keepdims=True)\n", "new": "",
     "says": ["gradient"]},
    {"name": "p05_weights_node_grad_unscaled", "phase": 5, "module": "attention.py", "task": "attention_weights",
     "old": "        ds *= scale\n", "new": "",
     "says": ["gradient"]},
    # heads: the reshapes and the key/value repetition
    {"name": "p05_split_bare_reshape", "phase": 5, "module": "attention.py", "task": "split_merge_heads",
     "old": "return x.reshape(B, T, n_head, C // n_head).transpose(1, 2)", "new": "return x.reshape(B, n_head, T, C // n_head)",
     "says": ["cuts the sequence into pieces"]},
    {"name": "p05_merge_no_transpose", "phase": 5, "module": "attention.py", "task": "split_merge_heads",
     "old": "return x.transpose(1, 2).reshape(B, T, H * D)", "new": "return x.reshape(B, T, H * D)",
     "says": ["without the transpose"]},
    {"name": "p05_repeat_kv_tiled", "phase": 5, "module": "attention.py", "task": "repeat_kv",
     "old": "stack([x] * n_rep, axis=2)", "new": "stack([x] * n_rep, axis=1)",
     "says": ["tiled", "np.repeat, not np.tile"]},
    {"name": "p05_repeat_kv_tiled_in_attention", "phase": 5, "module": "attention.py", "task": "multi_head_attention",
     "old": "stack([x] * n_rep, axis=2)", "new": "stack([x] * n_rep, axis=1)",
     "says": ["tiled instead of repeated"]},
    # MultiHeadAttention: what it rotates, masks and keeps
    {"name": "p05_mha_rope_q_only", "phase": 5, "module": "attention.py", "task": "multi_head_attention",
     "old": "q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)", "new": "q = apply_rope(q, cos, sin)",
     "says": ["not the keys"]},
    {"name": "p05_mha_ignores_padding", "phase": 5, "module": "attention.py", "task": "multi_head_attention",
     "old": "        if is_pad is not None:\n            mask = mask + padding_mask(is_pad)            # (B, 1, T, T)\n",
     "new": "",
     "says": ["ignores is_pad"]},
    {"name": "p05_mha_mask_after_softmax", "phase": 5, "module": "attention.py", "task": "multi_head_attention",
     "old": "        w = attention_weights(q, k, mask)                 # (B, H, T, T)\n",
     "new": "        w = attention_weights(q, k) + mask\n",
     "says": ["added after the softmax", "-inf"]},
    {"name": "p05_mha_weights_after_dropout", "phase": 5, "module": "attention.py", "task": "dropout",
     "old": MHA_ATTEND,
     "new": ("        w = self.attn_drop(attention_weights(q, k, mask))\n"
             "        self.weights = w.data\n"
             "        y = merge_heads(w @ v)\n"),
     "says": ["self.weights", "before dropout"]},
    # boundaries, aliasing, laziness and types a first version gets wrong
    {"name": "p05_mha_rope_on_v", "phase": 5, "module": "attention.py", "task": "multi_head_attention",
     "old": "q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)",
     "new": "q, k, v = apply_rope(q, cos, sin), apply_rope(k, cos, sin), apply_rope(v, cos, sin)",
     "says": ["rotates q and k only"]},
]

# Correct code written another way: each must keep full marks.
ALTERNATIVES = [
    {"name": "p05_alt_mask_tril", "phase": 5, "module": "attention.py", "task": "causal_mask",
     "old": "    q_pos = np.arange(T_k - T_q, T_k)[:, None]\n    k_pos = np.arange(T_k)[None, :]\n"
            "    return np.where(k_pos <= q_pos, 0.0, -np.inf).astype(np.float32)\n",
     "new": "    ok = np.tril(np.ones((T_q, T_k), dtype=bool), k=T_k - T_q)\n"
            "    return np.where(ok, np.float32(0), np.float32(-np.inf))\n"},
    {"name": "p05_alt_mha_loop_over_heads", "phase": 5, "module": "attention.py", "task": "multi_head_attention",
     "old": MHA_ATTEND,
     "new": ("        outs, ws = [], []\n"
             "        for h in range(self.n_head):                  # one head at a time\n"
             "            w_h = attention_weights(q[:, h], k[:, h], mask if mask.ndim == 2 else mask[:, 0])\n"
             "            ws.append(w_h.data)\n"
             "            outs.append(self.attn_drop(w_h) @ v[:, h])\n"
             "        self.weights = np.stack(ws, axis=1)\n"
             "        y = _tensor.stack(outs, axis=2).reshape(B, T, C)\n"),
    },
    {"name": "p05_alt_repeat_kv_index", "phase": 5, "module": "attention.py", "task": "repeat_kv",
     "old": "    B, K, T, D = x.shape\n    return _tensor.stack([x] * n_rep, axis=2).reshape(B, K * n_rep, T, D)\n",
     "new": "    return x[:, np.repeat(np.arange(x.shape[1]), n_rep)]\n"},
    {"name": "p05_alt_weights_scale_q", "phase": 5, "module": "attention.py", "task": "attention_weights",
     **weights("    scores = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(q.shape[-1]))\n",
               "    scores = (q * (q.shape[-1] ** -0.5)) @ k.transpose(-2, -1)     # scale q first\n")},
    {"name": "p05_alt_weights_composite", "phase": 5, "module": "attention.py", "task": "attention_weights",
     **weights()},
    {"name": "p05_alt_rope_after_repeat", "phase": 5, "module": "attention.py", "task": "multi_head_attention",
     "old": "        if self.rope_base is not None:\n            cos, sin = rope_angles(T, self.head_dim, self.rope_base)\n            q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)\n        rep = self.n_head // self.n_kv_head\n        k, v = repeat_kv(k, rep), repeat_kv(v, rep)\n",
     "new": "        rep = self.n_head // self.n_kv_head\n        k, v = repeat_kv(k, rep), repeat_kv(v, rep)\n        if self.rope_base is not None:\n            cos, sin = rope_angles(T, self.head_dim, self.rope_base)\n            q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)\n"},
]
