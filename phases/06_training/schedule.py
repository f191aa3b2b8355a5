"""The learning rate as a pure function of the step: linear warm-up, then cosine decay to a floor.

::

    lr  max ┤     ╭──╮
            │    ╱    ╲╲
            │   ╱       ╲╲
        min ┤  ╱           ╲╲──────────
          0 ┼─┴──┴────────────┴───────── step
            0  warmup_steps   cosine_steps

Warm-up keeps the first updates small while AdamW's second moment is still a poor estimate;
the slow decay lets the weights settle into a minimum instead of bouncing around it.
"""

from __future__ import annotations

import math


def cosine_lr(step: int, max_lr: float, min_lr: float, warmup_steps: int, cosine_steps: int) -> float:
    """The learning rate of step ``step`` (the first step is 0).

    - ``step < warmup_steps``: ``max_lr * step / warmup_steps`` (0 at step 0)
    - ``warmup_steps <= step <= cosine_steps``:
      ``min_lr + (max_lr - min_lr) * (1 + cos(pi * (step - warmup_steps) / (cosine_steps - warmup_steps))) / 2``
      (``max_lr`` at ``warmup_steps``, ``min_lr`` at ``cosine_steps``)
    - ``step > cosine_steps``: ``min_lr``

    When ``warmup_steps == cosine_steps`` there is no cosine: ``min_lr`` from that step on.
    ValueError for a negative step or ``warmup_steps > cosine_steps``.
    """
    # YOUR CODE HERE
    raise NotImplementedError("cosine_lr: not written yet; see its docstring and the handout")
