"""AdamW (Loshchilov and Hutter, 2019): Adam whose weight decay is decoupled from the gradient.

Phase 02's Adam adds ``weight_decay * p`` to the gradient, so the decay is divided by
``sqrt(v_hat)`` like everything else: a weight with large gradients is barely decayed.
AdamW shrinks the weight itself, before and apart from the adaptive step::

    p = p * (1 - lr * weight_decay)                     the decay, on the weight
    m = beta1 * m + (1 - beta1) * g                     m, v start at zeros
    v = beta2 * v + (1 - beta2) * g * g
    p = p - lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)

``t`` counts the steps *this parameter* has taken, this one included; a parameter whose
``.grad`` is None is skipped entirely (not decayed, its ``t`` not counted), as in
``torch.optim.AdamW``. Parameters come in groups, each with its own ``lr``,
``weight_decay``, ``betas`` and ``eps``: a training loop sets ``group["lr"]`` every step.
"""

from __future__ import annotations

import math

import numpy as np

from common import load
from common.backend import array_module, to_numpy

_tensor = load(2, "tensor")
HYPER = ("lr", "betas", "eps", "weight_decay")


def param_groups(model, weight_decay: float) -> list[dict]:
    """Two groups for :class:`AdamW`: ``[{"params": decayed, "weight_decay": weight_decay},
    {"params": the rest, "weight_decay": 0.0}]``, each list in ``model.named_parameters()`` order.

    Decayed: every parameter with two or more axes (Linear weights, the embedding tables).
    Not decayed: the 1-axis ones (biases, the gains of LayerNorm and RMSNorm).
    """
    # YOUR CODE HERE
    raise NotImplementedError("param_groups: not written yet; see its docstring and the handout")


class AdamW:
    """``AdamW(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)``, as ``torch.optim.AdamW``.

    ``params`` is a list of Parameters (one group) or of dicts ``{"params": [...], **settings}``
    whose missing settings take the defaults given here. ``self.param_groups`` is that list of
    dicts, every setting filled in; ``self.state[p]`` is ``{"step": t, "m": array, "v": array}``
    for a parameter that has taken a step (created on its first one).
    """

    def __init__(self, params, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.01):
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay}
        params = list(params)
        if not params:
            raise ValueError("AdamW got no parameters: pass model.parameters() or param_groups(model, ...)")
        groups = params if isinstance(params[0], dict) else [{"params": params}]
        self.param_groups: list[dict] = []
        seen: set[int] = set()
        for i, group in enumerate(groups):
            group = {**defaults, **group, "params": list(group["params"])}
            lr, (b1, b2), eps, wd = group["lr"], group["betas"], group["eps"], group["weight_decay"]
            if lr < 0 or eps < 0 or wd < 0 or not (0.0 <= b1 < 1.0 and 0.0 <= b2 < 1.0):
                raise ValueError(f"AdamW group {i}: need lr, eps, weight_decay >= 0 and betas in [0, 1), "
                                 f"got lr={lr}, betas={group['betas']}, eps={eps}, weight_decay={wd}")
            for p in group["params"]:
                if not isinstance(p, _tensor.Tensor) or not p.requires_grad:
                    raise TypeError(f"AdamW group {i} holds a {type(p).__name__} that does not require grad")
                if id(p) in seen:
                    raise ValueError(f"AdamW group {i}: a parameter appears twice (in this group or an earlier one)")
                seen.add(id(p))
            self.param_groups.append(group)
        self.state: dict = {}

    def zero_grad(self) -> None:
        """Set every parameter's ``.grad`` to None."""
        for group in self.param_groups:
            for p in group["params"]:
                p.grad = None

    def step(self) -> None:
        """One AdamW update of every parameter that has a gradient, in place on ``p.data``.

        ``m`` and ``v`` are arrays like ``p.data`` (same dtype and array module), yours to
        update in place; ``p.grad`` is the caller's: never change it.
        """
        # YOUR CODE HERE
        raise NotImplementedError("AdamW.step: not written yet; see its docstring and the handout")

    def state_dict(self) -> dict:
        """Everything a checkpoint needs, parameters named by position (``i`` counts over all
        groups in order)::

            {"state": {i: {"step": int, "m": NumPy copy, "v": NumPy copy}, ...},   only stepped ones
             "param_groups": [{"lr", "betas", "eps", "weight_decay", "params": [i, ...]}, ...]}
        """
        # YOUR CODE HERE
        raise NotImplementedError("AdamW.state_dict: not written yet; see its docstring and the handout")

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore what :meth:`state_dict` gave, onto an optimizer built over the same parameters.

        The group sizes must agree and each ``m``, ``v`` must have its parameter's shape:
        ValueError naming the mismatch otherwise, before anything changes. Arrays are copied
        in (never shared with ``state_dict``), in each parameter's dtype and array module.
        """
        # YOUR CODE HERE
        raise NotImplementedError("AdamW.load_state_dict: not written yet; see its docstring and the handout")
