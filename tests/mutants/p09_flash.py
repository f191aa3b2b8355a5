"""Learner bugs in phase 09's flash.py, each caught and named by phases/09_optimizations/test_flash.py."""

F_SCORES = ("                kb, vb = kh[:, k0:k0 + block_k], vh[:, k0:k0 + block_k]\n"
            "                s = qb @ kb.swapaxes(-1, -2) * scale\n")
F_MASK = "                    s = np.where(block_mask(q0, nq, k0, kb.shape[1]), s, -np.inf)\n"
F_UPDATE = ("                m_new = np.maximum(m, s.max(axis=-1))\n"
            "                alpha = np.exp(m - m_new)\n"
            "                p = np.exp(s - m_new[..., None])\n"
            "                l = l * alpha + p.sum(axis=-1)\n"
            "                acc = acc * alpha[..., None] + p @ vb\n"
            "                m = m_new\n")
F_STORE = ("            out[:, h, q0:q0 + nq] = acc / l[..., None]\n"
           "            lse[:, h, q0:q0 + nq] = m + np.log(l)\n")
F_KV = "        kh, vh = k[:, h // rep], v[:, h // rep]\n        for q0 in range(0, T, block_q):\n"
K_END = "            k_end = min(T, q0 + nq) if causal else T\n"
B_KV = "        kh, vh = k[:, h // rep], v[:, h // rep]\n        for k0 in range(0, T, block_k):\n"
B_FIRST = "            first = (k0 // block_q) * block_q if causal else 0\n"
B_P = "                p = np.exp(s - lse[:, h, q0:q0 + nq, None])\n"
B_SCORES = "                nq = qb.shape[1]\n                s = qb @ kb.swapaxes(-1, -2) * scale\n"
B_DS = "                ds = p * (dp - Dsum[:, h, q0:q0 + nq, None])\n"
B_DQ = "                dq[:, h, q0:q0 + nq] += ds @ kb * scale\n"
B_DK = "                dk_acc += ds.swapaxes(-1, -2) @ qb * scale\n"
B_STORE = ("            dk[:, h // rep, k0:k0 + nk] += dk_acc\n"
           "            dv[:, h // rep, k0:k0 + nk] += dv_acc\n")
F_INIT = ("            m = np.full((B, nq), -np.inf, dtype=q.dtype)\n"
          "            l = np.zeros((B, nq), dtype=q.dtype)\n"
          "            acc = np.zeros((B, nq, D), dtype=q.dtype)\n")
F_LOOP_HEAD = "            k_end = min(T, q0 + nq) if causal else T\n            for k0 in range(0, k_end, block_k):\n"
B_LOOP = '        for k0 in range(0, T, block_k):\n            kb, vb = kh[:, k0:k0 + block_k], vh[:, k0:k0 + block_k]\n            nk = kb.shape[1]\n            dk_acc = np.zeros((B, nk, D), dtype=k.dtype)\n            dv_acc = np.zeros((B, nk, D), dtype=v.dtype)\n            first = (k0 // block_q) * block_q if causal else 0\n            for q0 in range(first, T, block_q):\n                qb, dob = q[:, h, q0:q0 + block_q], dout[:, h, q0:q0 + block_q]\n                nq = qb.shape[1]\n                s = qb @ kb.swapaxes(-1, -2) * scale\n                if causal:\n                    s = np.where(block_mask(q0, nq, k0, nk), s, -np.inf)\n                p = np.exp(s - lse[:, h, q0:q0 + nq, None])\n                dv_acc += p.swapaxes(-1, -2) @ dob\n                dp = dob @ vb.swapaxes(-1, -2)\n                ds = p * (dp - Dsum[:, h, q0:q0 + nq, None])\n                dq[:, h, q0:q0 + nq] += ds @ kb * scale\n                dk_acc += ds.swapaxes(-1, -2) @ qb * scale\n            dk[:, h // rep, k0:k0 + nk] += dk_acc\n            dv[:, h // rep, k0:k0 + nk] += dv_acc\n'

MUTANTS = [
    # flash_forward: the running maximum and sum, rescaled when the maximum moves
    {"name": "p09_fwd_l_not_rescaled", "phase": 9, "module": "flash.py", "task": "flash_forward",
     "old": "                l = l * alpha + p.sum(axis=-1)\n", "new": "                l = l + p.sum(axis=-1)\n",
     "says": ["rescale what came before", "exp(m_old - m_new)"]},
    {"name": "p09_fwd_acc_not_rescaled", "phase": 9, "module": "flash.py", "task": "flash_forward",
     "old": "                acc = acc * alpha[..., None] + p @ vb\n", "new": "                acc = acc + p @ vb\n",
     "says": ["rescale what came before", "exp(m_old - m_new)"]},
    {"name": "p09_fwd_rescale_inverted", "phase": 9, "module": "flash.py", "task": "flash_forward",
     "old": "                alpha = np.exp(m - m_new)\n", "new": "                alpha = np.exp(m_new - m)\n",
     "says": ["exp(m_old - m_new)"]},
    {"name": "p09_fwd_unshifted_exp", "phase": 9, "module": "flash.py", "task": "flash_forward",
     "old": F_UPDATE + F_STORE,
     "new": ("                p = np.exp(s)\n                l = l + p.sum(axis=-1)\n                acc = acc + p @ vb\n"
             "            out[:, h, q0:q0 + nq] = acc / l[..., None]\n"
             "            lse[:, h, q0:q0 + nq] = np.log(l)\n"),
     "says": ["shifted by the running maximum"]},
    {"name": "p09_fwd_lse_is_log_l", "phase": 9, "module": "flash.py", "task": "flash_forward",
     "old": "            lse[:, h, q0:q0 + nq] = m + np.log(l)\n", "new": "            lse[:, h, q0:q0 + nq] = np.log(l)\n",
     "says": ["lse = m + log(l), with m and l after the *last* key block"]},
    {"name": "p09_fwd_lse_before_last_block", "phase": 9, "module": "flash.py", "task": "flash_forward",
     "old": F_UPDATE + F_STORE,
     "new": ("                lse[:, h, q0:q0 + nq] = m + np.log(l)\n" + F_UPDATE
             + "            out[:, h, q0:q0 + nq] = acc / l[..., None]\n"),
     "says": ["lse = m + log(l), with m and l after the *last* key block"]},
    {"name": "p09_fwd_mask_only_diagonal_block", "phase": 9, "module": "flash.py", "task": "flash_forward",
     "old": "                if causal:\n                    s = np.where(block_mask(q0, nq, k0, kb.shape[1])",
     "new": "                if causal and k0 == q0:\n                    s = np.where(block_mask(q0, nq, k0, kb.shape[1])",
     "says": ["block_mask", "k0 + j <= q0 + i"]},
    # flash_backward: p recomputed from lse, D = rowsum(dout * out), dk and dv summed over a group
    {"name": "p09_bwd_d_from_dout", "phase": 9, "module": "flash.py", "task": "flash_backward",
     "old": "    Dsum = (dout * out).sum(axis=-1)", "new": "    Dsum = dout.sum(axis=-1)",
     "says": ["d = rowsum(dout * out)"]},
    {"name": "p09_bwd_d_from_out", "phase": 9, "module": "flash.py", "task": "flash_backward",
     "old": "    Dsum = (dout * out).sum(axis=-1)", "new": "    Dsum = out.sum(axis=-1)",
     "says": ["d = rowsum(dout * out)"]},
    {"name": "p09_bwd_ds_without_d", "phase": 9, "module": "flash.py", "task": "flash_backward",
     "old": B_DS, "new": "                ds = p * dp\n",
     "says": ["ds = p * (dp - d)"]},
    {"name": "p09_bwd_p_without_lse", "phase": 9, "module": "flash.py", "task": "flash_backward",
     "old": B_P, "new": "                p = np.exp(s)\n",
     "says": ["p = exp(s - lse)"]},
    {"name": "p09_bwd_p_block_softmax", "phase": 9, "module": "flash.py", "task": "flash_backward",
     "old": B_P,
     "new": ("                p = np.exp(s - s.max(axis=-1, keepdims=True))\n"
             "                p = p / p.sum(axis=-1, keepdims=True)\n"),
     "says": ["p = exp(s - lse)"]},
    {"name": "p09_bwd_no_mask", "phase": 9, "module": "flash.py", "task": "flash_backward",
     "old": "                if causal:\n                    s = np.where(block_mask(q0, nq, k0, nk), s, -np.inf)\n",
     "new": "",
     "says": ["masked entries 0"]},
    {"name": "p09_bwd_dq_scale_twice", "phase": 9, "module": "flash.py", "task": "flash_backward",
     "old": B_DQ, "new": "                dq[:, h, q0:q0 + nq] += ds @ kb * scale * scale\n",
     "says": ["take the scale 1/sqrt(d) once, not twice"]},
    {"name": "p09_bwd_dk_per_query_head", "phase": 9, "module": "flash.py", "task": "flash_backward",
     "old": "    dk = np.zeros(k.shape, dtype=k.dtype)\n    dv = np.zeros(v.shape, dtype=v.dtype)\n",
     "new": "    dk = np.zeros(q.shape, dtype=k.dtype)\n    dv = np.zeros(q.shape, dtype=v.dtype)\n",
     "says": ["add the query heads of a group together"]},
    # found by the catalogue first, then graded and named
    {"name": "p09_fwd_max_starts_at_zero", "phase": 9, "module": "flash.py", "task": "flash_forward",
     "old": "            m = np.full((B, nq), -np.inf, dtype=q.dtype)\n",
     "new": "            m = np.zeros((B, nq), dtype=q.dtype)\n",
     "says": ["the running maximum starts at -inf"]},
    {"name": "p09_fwd_no_mask", "phase": 9, "module": "flash.py", "task": "flash_forward",
     "old": "                if causal:\n                    s = np.where(block_mask(q0, nq, k0, kb.shape[1]), s, -np.inf)\n",
     "new": "",
     "says": ["the causal mask is missing"]},
    {"name": "p09_fwd_gqa_modulo", "phase": 9, "module": "flash.py", "task": "flash_forward",
     "old": "    for h in range(H):\n        kh, vh = k[:, h // rep], v[:, h // rep]\n        for q0",
     "new": "    for h in range(H):\n        kh, vh = k[:, h % Hkv], v[:, h % Hkv]\n        for q0",
     "says": ["not h % h_kv"]},
    {"name": "p09_fwd_scale_missing", "phase": 9, "module": "flash.py", "task": "flash_forward",
     "old": "                s = qb @ kb.swapaxes(-1, -2) * scale\n                if causal:\n                    s = np.where(block_mask(q0, nq, k0, kb.shape[1]), s, -np.inf)\n                m_new",
     "new": "                s = qb @ kb.swapaxes(-1, -2)\n                if causal:\n                    s = np.where(block_mask(q0, nq, k0, kb.shape[1]), s, -np.inf)\n                m_new",
     "says": ["the scale is missing"]},
    {"name": "p09_bwd_dq_scale_missing", "phase": 9, "module": "flash.py", "task": "flash_backward",
     "old": "dq[:, h, q0:q0 + nq] += ds @ kb * scale", "new": "dq[:, h, q0:q0 + nq] += ds @ kb",
     "says": ["the scale is missing"]},
    {"name": "p09_bwd_gqa_overwrites", "phase": 9, "module": "flash.py", "task": "flash_backward",
     "old": "            dk[:, h // rep, k0:k0 + nk] += dk_acc\n", "new": "            dk[:, h // rep, k0:k0 + nk] = dk_acc\n",
     "says": ["add into dk and dv"]},
    {"name": "p09_fwd_scales_q_in_place", "phase": 9, "module": "flash.py", "task": "flash_forward",
     "old": ("            qb = q[:, h, q0:q0 + block_q]\n            nq = qb.shape[1]\n" + F_INIT + F_LOOP_HEAD + F_SCORES),
     "new": ("            qb = q[:, h, q0:q0 + block_q]\n            qb *= scale                 # scale q once, as the kernel does\n"
             "            nq = qb.shape[1]\n" + F_INIT + F_LOOP_HEAD + F_SCORES.replace(" * scale\n", "\n")),
     "says": ["changed its argument q", "new array"]},
]

# Correct code written another way: each must keep full marks.
ALTERNATIVES = [
    {"name": "p09_alt_fwd_visit_all_blocks_masked", "phase": 9, "module": "flash.py", "task": "flash_forward",
     "old": K_END, "new": "            k_end = T\n"},
    {"name": "p09_alt_fwd_k_end_from_block_q", "phase": 9, "module": "flash.py", "task": "flash_forward",
     "old": K_END, "new": "            k_end = min(T, q0 + block_q) if causal else T\n"},
    {"name": "p09_alt_fwd_keepdims", "phase": 9, "module": "flash.py", "task": "flash_forward",
     "old": F_INIT + F_LOOP_HEAD + F_SCORES + "                if causal:\n" + F_MASK + F_UPDATE + F_STORE,
     "new": ("            m = np.full((B, nq, 1), -np.inf, dtype=q.dtype)\n"
             "            l = np.zeros((B, nq, 1), dtype=q.dtype)\n"
             "            acc = np.zeros((B, nq, D), dtype=q.dtype)\n"
             + F_LOOP_HEAD + F_SCORES + "                if causal:\n" + F_MASK +
             "                m_new = np.maximum(m, s.max(axis=-1, keepdims=True))\n"
             "                alpha = np.exp(m - m_new)\n"
             "                p = np.exp(s - m_new)\n"
             "                l = alpha * l + p.sum(axis=-1, keepdims=True)\n"
             "                acc = alpha * acc + p @ vb\n"
             "                m = m_new\n"
             "            out[:, h, q0:q0 + nq] = acc / l\n"
             "            lse[:, h, q0:q0 + nq] = (m + np.log(l))[..., 0]\n")},
    {"name": "p09_alt_bwd_first_is_k0", "phase": 9, "module": "flash.py", "task": "flash_backward",
     "old": B_FIRST, "new": "            first = k0 if causal else 0\n"},
    {"name": "p09_alt_bwd_queries_outside", "phase": 9, "module": "flash.py", "task": "flash_backward",
     "old": B_LOOP,
     "new": ("        for q0 in range(0, T, block_q):\n"
             "            qb, dob = q[:, h, q0:q0 + block_q], dout[:, h, q0:q0 + block_q]\n"
             "            nq = qb.shape[1]\n"
             "            dq_acc = np.zeros((B, nq, D), dtype=q.dtype)\n"
             "            k_end = min(T, q0 + nq) if causal else T\n"
             "            for k0 in range(0, k_end, block_k):\n"
             "                kb, vb = kh[:, k0:k0 + block_k], vh[:, k0:k0 + block_k]\n"
             "                nk = kb.shape[1]\n"
             "                s = qb @ kb.swapaxes(-1, -2) * scale\n"
             "                if causal:\n"
             "                    s = np.where(block_mask(q0, nq, k0, nk), s, -np.inf)\n"
             "                p = np.exp(s - lse[:, h, q0:q0 + nq, None])\n"
             "                dv[:, h // rep, k0:k0 + nk] += p.swapaxes(-1, -2) @ dob\n"
             "                ds = p * (dob @ vb.swapaxes(-1, -2) - Dsum[:, h, q0:q0 + nq, None])\n"
             "                dq_acc += ds @ kb * scale\n"
             "                dk[:, h // rep, k0:k0 + nk] += ds.swapaxes(-1, -2) @ qb * scale\n"
             "            dq[:, h, q0:q0 + nq] = dq_acc\n")},
    {"name": "p09_alt_fwd_scale_q_block", "phase": 9, "module": "flash.py", "task": "flash_forward",
     "old": ("            qb = q[:, h, q0:q0 + block_q]\n            nq = qb.shape[1]\n" + F_INIT + F_LOOP_HEAD + F_SCORES),
     "new": ("            qb = q[:, h, q0:q0 + block_q] * scale\n            nq = qb.shape[1]\n" + F_INIT + F_LOOP_HEAD
             + F_SCORES.replace(" * scale\n", "\n"))},
]
