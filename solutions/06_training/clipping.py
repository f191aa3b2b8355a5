"""Gradient clipping by the global norm, and the check that skips a step gone non-finite.

All gradients together form one long vector ``g``. When ``‖g‖₂`` exceeds ``max_norm``, every
gradient is scaled by the same factor ``max_norm / (‖g‖₂ + 1e-6)``: the direction of the
update is kept, only its length is capped. Clipping each parameter on its own would change
the direction.
"""

from __future__ import annotations

import math

from common.backend import array_module


def global_grad_norm(params) -> float:
    """``sqrt(sum over parameters of sum(grad ** 2))``, as a Python float; parameters whose
    ``.grad`` is None count as zero. Accumulate in float64 (``inf``/``nan`` come through)."""
    ### BEGIN SOLUTION
    total = 0.0
    for p in params:
        if p.grad is not None:
            g = p.grad
            total += float(array_module(g).sum(g.astype("float64") ** 2))
    return math.sqrt(total)
    ### END SOLUTION


def clip_grad_norm(params, max_norm: float) -> float:
    """Replace every ``.grad`` by ``grad * max_norm / (norm + 1e-6)`` when the global norm
    exceeds ``max_norm``; leave them untouched otherwise. Returns the norm *before* clipping.

    Parameters without a gradient are skipped. A non-finite norm is returned as it is and
    nothing is scaled (the step will be skipped). ValueError when ``max_norm <= 0``.
    """
    # p.grad = p.grad * coef, keeping each gradient's dtype: a new array, since a .grad may share
    # memory with another one (never scale in place what backward handed you).
    ### BEGIN SOLUTION
    if not max_norm > 0:
        raise ValueError(f"clip_grad_norm: max_norm must be > 0, got {max_norm}")
    params = list(params)
    norm = global_grad_norm(params)
    if math.isfinite(norm) and norm > max_norm:
        coef = max_norm / (norm + 1e-6)
        for p in params:
            if p.grad is not None:
                p.grad = p.grad * p.grad.dtype.type(coef)
    return norm
    ### END SOLUTION


def grads_are_finite(params) -> bool:
    """True when no ``.grad`` holds a NaN or an infinity (parameters without one are fine)."""
    ### BEGIN SOLUTION
    return all(p.grad is None or bool(array_module(p.grad).isfinite(p.grad).all()) for p in params)
    ### END SOLUTION
