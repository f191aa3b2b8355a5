"""Optimizers: turn each parameter's gradient into a step, in place on ``p.data``.

Both follow PyTorch's ``torch.optim.SGD`` and ``torch.optim.Adam`` exactly, weight decay
included (added to the gradient, "L2"; phase 06's AdamW decouples it). Parameters whose
``.grad`` is None (unused in this forward pass) are skipped. Updates keep the parameter's
dtype and array module: a float32 weight stays float32, on the CPU or on the GPU.
"""

from __future__ import annotations

import math

from common.backend import array_module

from .tensor import Tensor


class Optimizer:
    """Holds a list of parameters and per-parameter state ``self.state[i]`` (a dict, for checkpoints)."""

    def __init__(self, params):
        self.params = list(params)
        if not self.params:
            raise ValueError("the optimizer got no parameters: pass model.parameters()")
        for i, p in enumerate(self.params):
            if not isinstance(p, Tensor) or not p.requires_grad:
                raise TypeError(f"parameter {i} is a {type(p).__name__} that does not require grad; "
                                f"optimizers update Parameters (Tensors with requires_grad=True)")
        self.state: dict[int, dict] = {}

    def zero_grad(self) -> None:
        """Set every parameter's ``.grad`` to None: the next backward starts from nothing."""
        # YOUR CODE HERE
        raise NotImplementedError("Optimizer.zero_grad: not written yet; see its docstring and the handout")

    def step(self) -> None:
        raise NotImplementedError(f"{type(self).__name__} must define step()")


class SGD(Optimizer):
    """Stochastic gradient descent with momentum and weight decay, as ``torch.optim.SGD``.

    Per parameter ``p`` with gradient ``g``::

        g = g + weight_decay * p
        buf = g                    on the first step (momentum > 0)
        buf = momentum * buf + g   afterwards; then g = buf
        p = p - lr * g
    """

    def __init__(self, params, lr: float, momentum: float = 0.0, weight_decay: float = 0.0):
        super().__init__(params)
        if lr < 0 or momentum < 0 or weight_decay < 0:
            raise ValueError(f"SGD needs lr, momentum and weight_decay >= 0, got {lr}, {momentum}, {weight_decay}")
        self.lr, self.momentum, self.weight_decay = lr, momentum, weight_decay

    def step(self) -> None:
        """One update of every parameter that has a gradient. The momentum buffer is ``self.state[i]["momentum_buffer"]``."""
        # Never change p.grad in place (it is the caller's); the buffer is yours to update in place.
        # YOUR CODE HERE
        raise NotImplementedError("SGD.step: not written yet; see its docstring and the handout")


class Adam(Optimizer):
    """Adam with bias correction and L2 weight decay, as ``torch.optim.Adam``.

    With ``t`` the number of steps taken so far (this one included)::

        g = g + weight_decay * p
        m = beta1 * m + (1 - beta1) * g          m, v start at zeros
        v = beta2 * v + (1 - beta2) * g * g
        m_hat = m / (1 - beta1 ** t)
        v_hat = v / (1 - beta2 ** t)
        p = p - lr * m_hat / (sqrt(v_hat) + eps)
    """

    def __init__(self, params, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0):
        super().__init__(params)
        if lr < 0 or eps < 0 or weight_decay < 0 or not all(0.0 <= b < 1.0 for b in betas):
            raise ValueError(f"Adam needs lr, eps, weight_decay >= 0 and betas in [0, 1), got "
                             f"lr={lr}, betas={betas}, eps={eps}, weight_decay={weight_decay}")
        self.lr, self.betas, self.eps, self.weight_decay = lr, tuple(betas), eps, weight_decay
        self.t = 0

    def step(self) -> None:
        """One update. Count the step in ``self.t``; keep ``m`` and ``v`` in ``self.state[i] = {"m": ..., "v": ...}``."""
        # m and v are arrays like p.data (xp = array_module(p.data); xp.zeros_like(p.data)).
        # Update them in place (m *= beta1; m += ...): fresh large arrays cost more than the arithmetic.
        # YOUR CODE HERE
        raise NotImplementedError("Adam.step: not written yet; see its docstring and the handout")
