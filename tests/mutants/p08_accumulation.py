"""Learner bugs in phase 08's accumulation.py, each caught and named by phases/08_scaling/test_accumulation.py."""

SPLIT_CHECK = "    if k < 1 or B % k:\n"
LOOP = ("    for x, y in batches:\n        loss = lm_loss(model, x, y)\n        loss.backward(loss_scale / k)\n"
        "        total = loss.data if total is None else total + loss.data\n")

MUTANTS = [
    # split_batch: consecutive rows, and only when k divides B
    {"name": "p08_split_interleaved", "phase": 8, "module": "accumulation.py", "task": "split_batch",
     "old": "    return [(x[i * m:(i + 1) * m], y[i * m:(i + 1) * m]) for i in range(k)]\n",
     "new": "    return [(x[i::k], y[i::k]) for i in range(k)]\n",
     "says": ["in order", "consecutive rows"]},
    {"name": "p08_split_k_rows_each", "phase": 8, "module": "accumulation.py", "task": "split_batch",
     "old": "    return [(x[i * m:(i + 1) * m], y[i * m:(i + 1) * m]) for i in range(k)]\n",
     "new": "    return [(x[i:i + k], y[i:i + k]) for i in range(0, B, k)]\n",
     "says": ["split_batch(b=6, k=1) must give 1 micro-batches, got 6"]},
    {"name": "p08_split_remainder_allowed", "phase": 8, "module": "accumulation.py", "task": "split_batch",
     "old": SPLIT_CHECK, "new": "    if k < 1:\n",
     "says": ["split_batch(b=6, k=4) should raise valueerror"]},
    {"name": "p08_split_k0_unchecked", "phase": 8, "module": "accumulation.py", "task": "split_batch",
     "old": SPLIT_CHECK, "new": "    if B % k:\n",
     "says": ["split_batch(b=6, k=0) should raise valueerror, but raised zerodivisionerror"]},
    {"name": "p08_split_error_unnamed", "phase": 8, "module": "accumulation.py", "task": "split_batch",
     "old": 'raise ValueError(f"split_batch: a batch of {B} rows cannot be split into {k} equal micro-batches")',
     "new": 'raise ValueError("split_batch: k must divide the batch size")',
     "says": ["should name b and k"]},
    # accumulate_gradients: each seed is loss_scale / k, onto the grads already there
    {"name": "p08_accum_not_averaged", "phase": 8, "module": "accumulation.py", "task": "accumulate_gradients",
     "old": "        loss.backward(loss_scale / k)\n", "new": "        loss.backward(loss_scale)\n",
     "says": ["k times too large", "1 / k"]},
    {"name": "p08_accum_averaged_twice", "phase": 8, "module": "accumulation.py", "task": "accumulate_gradients",
     "old": "        loss.backward(loss_scale / k)\n", "new": "        (loss / k).backward(loss_scale / k)\n",
     "says": ["k times too small", "averaged twice"]},
    {"name": "p08_accum_zero_grad_inside", "phase": 8, "module": "accumulation.py", "task": "accumulate_gradients",
     "old": "        loss = lm_loss(model, x, y)\n",
     "new": "        model.zero_grad()\n        loss = lm_loss(model, x, y)\n",
     "says": ["only part of the batch counts", "never inside it"]},
    {"name": "p08_accum_zero_grad_first", "phase": 8, "module": "accumulation.py", "task": "accumulate_gradients",
     "old": "    total = None\n", "new": "    total = None\n    model.zero_grad()\n",
     "says": ["0.25 already there", "must not clear it"]},
    {"name": "p08_accum_loss_scaled", "phase": 8, "module": "accumulation.py", "task": "accumulate_gradients",
     "old": "        loss = lm_loss(model, x, y)\n        loss.backward(loss_scale / k)\n",
     "new": "        loss = lm_loss(model, x, y) * loss_scale\n        loss.backward(1.0 / k)\n",
     "says": ["with loss_scale=1024 (unscaled)", "not the loss you return"]},
    # the loss it returns: the mean, as a 0-d array on the device
    {"name": "p08_accum_returns_sum", "phase": 8, "module": "accumulation.py", "task": "accumulate_gradients",
     "old": "    return total / np.float32(k)\n", "new": "    return total\n",
     "says": ["*sum*", "return their mean"]},
    {"name": "p08_accum_returns_last", "phase": 8, "module": "accumulation.py", "task": "accumulate_gradients",
     "old": "    return total / np.float32(k)\n", "new": "    return loss.data\n",
     "says": ["the returned loss (the mean over the whole batch)"]},
    {"name": "p08_accum_returns_float", "phase": 8, "module": "accumulation.py", "task": "accumulate_gradients",
     "old": "    return total / np.float32(k)\n", "new": "    return float(total / np.float32(k))\n",
     "says": ["0-d array", "no float()"]},
    {"name": "p08_accum_checks_nan", "phase": 8, "module": "accumulation.py", "task": "accumulate_on_the_device",
     "old": "        loss.backward(loss_scale / k)\n",
     "new": ("        if bool(loss.xp.isnan(loss.data)):\n"
             "            raise FloatingPointError(\"the loss is nan\")\n        loss.backward(loss_scale / k)\n"),
     "says": ["read 2 value(s) back from the device"]},
    {"name": "p08_accum_np_mean", "phase": 8, "module": "accumulation.py", "task": "accumulate_on_the_device",
     "old": LOOP + "    return total / np.float32(k)\n",
     "new": ("    losses = []\n" + LOOP.replace("        total = loss.data if total is None else total + loss.data\n",
                                             "        losses.append(loss.data)\n")
             + "    return np.mean(losses)\n"),
     "says": ["called numpy on device data"]},
    {"name": "p08_accum_mean_float64", "phase": 8, "module": "accumulation.py", "task": "accumulate_gradients",
     "old": "    return total / np.float32(k)\n", "new": "    return total / np.float64(k)\n",
     "says": ["should be a float32 array", "np.float64(k)"]},
]

# Correct code written another way: each must keep full marks.
ALTERNATIVES = [
    {"name": "p08_alt_split_by_stride", "phase": 8, "module": "accumulation.py", "task": "split_batch",
     "old": "    return [(x[i * m:(i + 1) * m], y[i * m:(i + 1) * m]) for i in range(k)]\n",
     "new": "    return [(x[i:i + m], y[i:i + m]) for i in range(0, B, m)]\n"},
    {"name": "p08_alt_accum_sum_of_list", "phase": 8, "module": "accumulation.py", "task": "accumulate_on_the_device",
     "old": LOOP + "    return total / np.float32(k)\n",
     "new": ("    losses = []\n" + LOOP.replace("        total = loss.data if total is None else total + loss.data\n",
                                             "        losses.append(loss.data)\n")
             + "    return sum(losses[1:], losses[0]) / np.float32(k)\n")},
    {"name": "p08_alt_accum_scaled_loss", "phase": 8, "module": "accumulation.py", "task": "accumulate_gradients",
     "old": "        loss.backward(loss_scale / k)\n", "new": "        (loss * (loss_scale / k)).backward()\n"},
]
