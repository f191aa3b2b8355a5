"""Learner bugs in phase 08's step.py, each caught and named by phases/08_scaling/test_step.py."""

SQUARE = "            g = p.grad.astype(np.float32)\n            s = (g * g).sum()\n"
CLEAR = "    optimizer.zero_grad()\n    model.zero_grad()\n    scale = "
READ = "    norm = float(grad_norm(params))\n    finite = math.isfinite(norm)\n"
SKIP = ("    if not finite:\n        optimizer.zero_grad()\n        model.zero_grad()\n"
        "        return {\"loss\": loss, \"grad_norm\": norm, \"skipped\": True}\n")
NORM_BODY = ("    total = None\n    for p in params:\n        if p.grad is not None:\n" + SQUARE
             + "            total = s if total is None else total + s\n    if total is None:\n"
             "        raise ValueError(\"grad_norm: no parameter has a gradient\")\n"
             "    return array_module(total).sqrt(total)\n")
UNSCALE = ("    if master is not None:\n        master.grads_to_master(1.0 / scale)\n    elif scale != 1.0:\n"
           "        for p in params:\n            if p.grad is not None:\n"
           "                p.grad = p.grad * p.grad.dtype.type(1.0 / scale)\n")
UPDATE = "    if scaler is not None:\n        scaler.update(found_inf=not finite)\n"

MUTANTS = [
    # grad_norm: float32 squares, None skipped, nothing read back
    {"name": "p08_norm_squares_in_float16", "phase": 8, "module": "step.py", "task": "grad_norm",
     "old": SQUARE, "new": "            g = p.grad\n            s = (g * g).sum().astype(np.float32)\n",
     "says": ["float16 gradients of 300", "square in float32"]},
    {"name": "p08_norm_float_per_parameter", "phase": 8, "module": "step.py", "task": "grad_norm",
     "old": SQUARE, "new": "            g = p.grad.astype(np.float32)\n            s = float((g * g).sum())\n",
     "says": ["grad_norm of device gradients must stay on the device, got float64"]},
    {"name": "p08_norm_returns_float", "phase": 8, "module": "step.py", "task": "grad_norm",
     "old": "    return array_module(total).sqrt(total)\n", "new": "    return float(array_module(total).sqrt(total))\n",
     "says": ["return a 0-d array", "got float"]},
    {"name": "p08_norm_none_is_an_error", "phase": 8, "module": "step.py", "task": "grad_norm",
     "old": "        if p.grad is not None:\n            g = ",
     "new": ("        if p.grad is None:\n            raise ValueError(\"grad_norm: a parameter has no gradient\")\n"
             "        if p.grad is not None:\n            g = "),
     "says": ["grad_norm with a parameter without a gradient raised valueerror"]},
    {"name": "p08_norm_empty_is_zero", "phase": 8, "module": "step.py", "task": "grad_norm",
     "old": "        raise ValueError(\"grad_norm: no parameter has a gradient\")\n",
     "new": "        return np.zeros((), dtype=np.float32)\n",
     "says": ["none of which has a gradient should raise valueerror"]},
    # train_step: the order of things, and the flags
    {"name": "p08_step_no_train_mode", "phase": 8, "module": "step.py", "task": "train_step_fp32",
     "old": "    model.train()\n", "new": "",
     "says": ["must put the model in training mode"]},
    {"name": "p08_step_lr_not_set", "phase": 8, "module": "step.py", "task": "train_step_fp32",
     "old": "        group[\"lr\"] = lr\n", "new": "        pass\n",
     "says": ["must set every group's lr to 0.3"]},
    {"name": "p08_step_grads_not_cleared", "phase": 8, "module": "step.py", "task": "train_step_fp32",
     "old": CLEAR, "new": "    scale = ",
     "says": ["grad_norm (before clipping)", "leftover gradients must be cleared first"]},
    {"name": "p08_step_norm_after_clipping", "phase": 8, "module": "step.py", "task": "train_step_fp32",
     "old": "    return {\"loss\": loss, \"grad_norm\": norm, \"skipped\": False}\n",
     "new": "    return {\"loss\": loss, \"grad_norm\": min(norm, grad_clip), \"skipped\": False}\n",
     "says": ["grad_norm (before clipping)"]},
    {"name": "p08_step_never_clips", "phase": 8, "module": "step.py", "task": "train_step_fp32",
     "old": "    if norm > grad_clip:\n", "new": "    if False:\n",
     "says": ["exceeds grad_clip", "grad_clip / (norm + 1e-6)"]},
    {"name": "p08_step_clip_clamped", "phase": 8, "module": "step.py", "task": "train_step_fp32",
     "old": "    if norm > grad_clip:\n        coef = grad_clip / (norm + 1e-6)\n",
     "new": "    if True:\n        coef = min(1.0, grad_clip / (norm + 1e-6))\n",
     "says": ["clip only when norm > grad_clip", "equal to grad_clip, or below it"]},
    {"name": "p08_step_never_skips", "phase": 8, "module": "step.py", "task": "train_step_fp32",
     "old": "    if not finite:\n        optimizer.zero_grad()", "new": "    if False:\n        optimizer.zero_grad()",
     "says": ["the norm is nan", "must be skipped"]},
    {"name": "p08_step_skip_keeps_grads", "phase": 8, "module": "step.py", "task": "train_step_fp32",
     "old": SKIP, "new": "    if not finite:\n        return {\"loss\": loss, \"grad_norm\": norm, \"skipped\": True}\n",
     "says": ["a skipped step must clear the gradients"]},
    {"name": "p08_step_loss_read", "phase": 8, "module": "step.py", "task": "train_step_fp32",
     "old": "    return {\"loss\": loss, \"grad_norm\": norm, \"skipped\": False}\n",
     "new": "    return {\"loss\": float(loss), \"grad_norm\": norm, \"skipped\": False}\n",
     "says": ["'loss' must stay a 0-d array"]},
    {"name": "p08_step_norm_as_array", "phase": 8, "module": "step.py", "task": "train_step_fp32",
     "old": READ,
     "new": "    norm = grad_norm(params)\n    finite = bool(array_module(norm).isfinite(norm))\n",
     "says": ["'grad_norm' must be a python float"]},
    # mixed precision: the scale removed, the scaler told, the master copied back
    {"name": "p08_step_scale_not_removed", "phase": 8, "module": "step.py", "task": "train_step_mixed_precision",
     "old": "        master.grads_to_master(1.0 / scale)\n", "new": "        master.grads_to_master(1.0)\n",
     "says": ["unscaled", "grads_to_master(1 / scale)"]},
    {"name": "p08_step_norm_of_scaled_grads", "phase": 8, "module": "step.py", "task": "train_step_mixed_precision",
     "old": UNSCALE + READ,
     "new": "    norm = float(grad_norm(list(model.parameters())))\n    finite = math.isfinite(norm)\n" + UNSCALE,
     "says": ["grad_norm is", "ratio 1024", "unscaled"]},
    {"name": "p08_step_scaler_not_updated", "phase": 8, "module": "step.py", "task": "train_step_mixed_precision",
     "old": UPDATE, "new": "",
     "says": ["scaler.update(found_inf=false) once per step"]},
    {"name": "p08_step_scaler_flag_inverted", "phase": 8, "module": "step.py", "task": "train_step_mixed_precision",
     "old": UPDATE, "new": "    if scaler is not None:\n        scaler.update(found_inf=finite)\n",
     "says": ["got 512.0 and 0", "scaler.update(found_inf=false)"]},
    {"name": "p08_step_scaler_told_overflows_only", "phase": 8, "module": "step.py",
     "task": "train_step_mixed_precision",
     "old": UPDATE, "new": "    if scaler is not None and not finite:\n        scaler.update(found_inf=True)\n",
     "says": ["clean_steps 1", "scaler.update(found_inf=false)"]},
    {"name": "p08_step_master_not_copied_back", "phase": 8, "module": "step.py", "task": "train_step_mixed_precision",
     "old": "    if master is not None:\n        master.master_to_model()\n", "new": "",
     "says": ["master_to_model()"]},
    {"name": "p08_step_master_skip_keeps_grads", "phase": 8, "module": "step.py", "task": "train_step_mixed_precision",
     "old": SKIP,
     "new": ("    if not finite:\n        model.zero_grad()\n"
             "        return {\"loss\": loss, \"grad_norm\": norm, \"skipped\": True}\n"),
     "says": ["gradients left after a skipped step"]},
    # one read of the device per step
    {"name": "p08_step_reads_loss", "phase": 8, "module": "step.py", "task": "one_read_per_step",
     "old": READ, "new": READ + "    loss_value = float(loss)\n",
     "says": ["3 steps read the device 6 times"]},
    {"name": "p08_step_two_reads_of_the_norm", "phase": 8, "module": "step.py", "task": "one_read_per_step",
     "old": READ,
     "new": ("    n = grad_norm(params)\n    finite = bool(array_module(n).isfinite(n))\n"
             "    norm = float(n)\n"),
     "says": ["3 steps read the device 6 times"]},
    {"name": "p08_step_checks_every_grad", "phase": 8, "module": "step.py", "task": "one_read_per_step",
     "old": READ,
     "new": READ + ("    finite = finite and all(bool(array_module(p.grad).isfinite(p.grad).all())\n"
                    "                            for p in params if p.grad is not None)\n"),
     "says": ["read the device", "one float(grad_norm(...)) per step"]},
    # found by the catalogue first, then graded: a scale without masters, the model's own grads, the clip's edge
    {"name": "p08_step_scale_kept_without_master", "phase": 8, "module": "step.py", "task": "train_step_fp32",
     "old": UNSCALE, "new": "    if master is not None:\n        master.grads_to_master(1.0 / scale)\n",
     "says": ["scaler at 1024, no master", "divide every gradient by the scale"]},
    {"name": "p08_step_model_grads_kept", "phase": 8, "module": "step.py", "task": "train_step_mixed_precision",
     "old": CLEAR, "new": "    optimizer.zero_grad()\n    scale = ",
     "says": ["model.zero_grad() as well"]},
    {"name": "p08_step_clip_at_equality", "phase": 8, "module": "step.py", "task": "train_step_fp32",
     "old": "    if norm > grad_clip:\n", "new": "    if norm >= grad_clip:\n",
     "says": ["a norm equal to grad_clip"]},
    {"name": "p08_step_clip_without_eps", "phase": 8, "module": "step.py", "task": "train_step_fp32",
     "old": "        coef = grad_clip / (norm + 1e-6)\n", "new": "        coef = grad_clip / norm\n",
     "says": ["the factor is grad_clip / (norm + 1e-6)"]},
    {"name": "p08_step_scale_not_passed", "phase": 8, "module": "step.py", "task": "train_step_mixed_precision",
     "old": "    loss = accumulate_gradients(model, micro_batches, loss_scale=scale)\n",
     "new": "    loss = accumulate_gradients(model, micro_batches)\n",
     "says": ["1 / scale too small"]},
    {"name": "p08_step_clips_model_params", "phase": 8, "module": "step.py", "task": "train_step_mixed_precision",
     "old": "    if norm > grad_clip:\n        coef = grad_clip / (norm + 1e-6)\n        for p in params:\n",
     "new": "    if norm > grad_clip:\n        coef = grad_clip / (norm + 1e-6)\n        for p in model.parameters():\n",
     "says": ["clip the gradients grads_to_master gave them"]},
]

# Correct code written another way: each must keep full marks.
ALTERNATIVES = [
    # NumPy's ufuncs dispatch to CuPy's own (__array_ufunc__): np.sqrt of a device array stays on the device.
    {"name": "p08_alt_norm_np_sqrt", "phase": 8, "module": "step.py", "task": "grad_norm",
     "old": "    return array_module(total).sqrt(total)\n", "new": "    return np.sqrt(total)\n"},
    {"name": "p08_alt_norm_of_concatenation", "phase": 8, "module": "step.py", "task": "grad_norm",
     "old": NORM_BODY,
     "new": ("    grads = [p.grad for p in params if p.grad is not None]\n    if not grads:\n"
             "        raise ValueError(\"grad_norm: no parameter has a gradient\")\n"
             "    xp = array_module(grads[0])\n"
             "    return xp.linalg.norm(xp.concatenate([g.astype(xp.float32).ravel() for g in grads]))\n")},
    {"name": "p08_alt_step_clears_by_hand", "phase": 8, "module": "step.py", "task": "train_step_mixed_precision",
     "old": SKIP,
     "new": ("    if not finite:\n"
             "        for p in [*params, *model.parameters()]:\n            p.grad = None\n"
             "        return {\"loss\": loss, \"grad_norm\": norm, \"skipped\": True}\n")},
]
