"""Mixed precision: float16 arithmetic, float32 weights, and a loss scale that keeps small
gradients from vanishing.

A GPU's tensor cores multiply float16 matrices many times faster than float32 ones, and
float16 halves the memory every activation takes. But float16 has 10 bits of mantissa and
a narrow range: numbers below about 6e-8 become 0, above 65504 infinity. Three things make
training in it work (Micikevicius et al., 2018)::

    master (float32)  --cast-->  model (float16)  --forward, backward-->  grads (float16)
          ^                                                                     |
          +---- AdamW on float32 <---- grads / scale, in float32 <-------------+

- **float32 master weights.** AdamW updates a float32 copy: an update of 1e-4 to a weight of
  1.0 is lost in float16 (its spacing near 1 is 1e-3) but kept in float32. After each step
  the master is cast back into the float16 model.
- **A loss scale.** Backward starts from ``scale`` instead of 1, so every gradient is
  ``scale`` times larger and small ones stay above float16's floor. The gradients are
  divided by ``scale`` again, in float32, before the optimizer sees them.
- **A dynamic scale.** Too large a scale overflows: some gradient is ``inf`` or ``nan``.
  Then the step is skipped and the scale halved; after ``growth_interval`` clean steps in
  a row it doubles. It settles near the largest scale that does not overflow.

The loss itself is computed in float32 (:func:`cast` the logits first): a log-sum-exp over
ten thousand float16 logits loses most of its digits.
"""

from __future__ import annotations

import numpy as np

from common import load

_tensor = load(2, "tensor")
_nn = load(2, "nn")
Tensor = _tensor.Tensor


def cast(x: Tensor, dtype) -> Tensor:
    """``x`` converted to ``dtype`` (a new node, op ``"cast"``); its gradient goes back to ``x``
    converted to ``x``'s dtype. ``x`` itself when it already has that dtype."""
    ### BEGIN SOLUTION
    dtype = np.dtype(dtype)
    if x.dtype == dtype:
        return x
    source = x.dtype
    return Tensor._make(x.data.astype(dtype), (x,), lambda g: (g.astype(source),), "cast")
    ### END SOLUTION


class LossScaler:
    """The dynamic loss scale: ``scale`` (a Python float) and ``clean_steps``, the steps in a row
    without overflow since the scale last changed.

    ``update(found_inf)`` after every step: an overflow multiplies ``scale`` by
    ``backoff_factor`` and sets ``clean_steps`` to 0; a clean step adds one to ``clean_steps``,
    and when that reaches ``growth_interval`` multiplies ``scale`` by ``growth_factor`` and sets
    ``clean_steps`` to 0. (The defaults are ``torch.amp.GradScaler``'s.)
    """

    def __init__(self, init_scale: float = 2.0**16, growth_factor: float = 2.0, backoff_factor: float = 0.5,
                 growth_interval: int = 2000):
        # ValueError, naming the argument, unless init_scale > 0, growth_factor > 1,
        # 0 < backoff_factor < 1 and growth_interval >= 1.
        ### BEGIN SOLUTION
        if not init_scale > 0:
            raise ValueError(f"LossScaler: init_scale must be > 0, got {init_scale}")
        if not growth_factor > 1:
            raise ValueError(f"LossScaler: growth_factor must be > 1, got {growth_factor}")
        if not 0 < backoff_factor < 1:
            raise ValueError(f"LossScaler: backoff_factor must be in (0, 1), got {backoff_factor}")
        if not growth_interval >= 1:
            raise ValueError(f"LossScaler: growth_interval must be >= 1, got {growth_interval}")
        self.scale = float(init_scale)
        self.growth_factor, self.backoff_factor = float(growth_factor), float(backoff_factor)
        self.growth_interval = int(growth_interval)
        self.clean_steps = 0
        ### END SOLUTION

    def update(self, found_inf: bool) -> None:
        """Adjust the scale after a step that overflowed (``found_inf``) or did not."""
        ### BEGIN SOLUTION
        if found_inf:
            self.scale *= self.backoff_factor
            self.clean_steps = 0
            return
        self.clean_steps += 1
        if self.clean_steps == self.growth_interval:
            self.scale *= self.growth_factor
            self.clean_steps = 0
        ### END SOLUTION

    def state_dict(self) -> dict:
        """What a checkpoint keeps (given)."""
        return {"scale": self.scale, "clean_steps": self.clean_steps}

    def load_state_dict(self, state: dict) -> None:
        self.scale, self.clean_steps = float(state["scale"]), int(state["clean_steps"])


class MasterWeights:
    """float32 master copies of ``params``; the parameters themselves become float16.

    ``MasterWeights(params, dtype=np.float16)``: ``self.params`` the model's parameters (a
    list); ``self.master`` one new float32 ``Parameter`` per parameter, holding a copy of its
    values (never sharing memory with it). Then every parameter's data is cast to ``dtype``, in
    place on the Parameter object, and its ``grad`` cleared. The arrays stay on their device.
    """

    def __init__(self, params, dtype=np.float16):
        ### BEGIN SOLUTION
        self.params = list(params)
        self.master = [_nn.Parameter(p.data.astype(np.float32, copy=True)) for p in self.params]
        for p in self.params:
            p.data = p.data.astype(dtype)
            p.grad = None
        ### END SOLUTION

    def grads_to_master(self, inv_scale: float) -> None:
        """Each master's ``grad`` = its parameter's ``grad`` converted to float32, *then*
        multiplied by ``inv_scale`` (``1 / scale``); None where the parameter has none. The
        parameters' grads are cleared (the next backward starts from nothing)."""
        ### BEGIN SOLUTION
        for p, m in zip(self.params, self.master):
            m.grad = None if p.grad is None else p.grad.astype(np.float32) * np.float32(inv_scale)
            p.grad = None
        ### END SOLUTION

    def master_to_model(self) -> None:
        """Copy every master's values into its parameter, in the parameter's dtype (after a step)."""
        ### BEGIN SOLUTION
        for p, m in zip(self.params, self.master):
            p.data = m.data.astype(p.data.dtype)
        ### END SOLUTION

    def param_groups(self, groups: list[dict]) -> list[dict]:
        """``groups`` (phase 06's ``param_groups(model, wd)``) with every parameter replaced by its
        master: the optimizer steps the float32 copies. Given."""
        master_of = {id(p): m for p, m in zip(self.params, self.master)}
        return [{**g, "params": [master_of[id(p)] for p in g["params"]]} for g in groups]
