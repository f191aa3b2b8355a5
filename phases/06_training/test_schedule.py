"""Grader for schedule.py: cosine_lr against the formula written out here (CS336's
get_lr_cosine_schedule), at the steps around every boundary, for several settings (no warm-up,
warm-up as long as the whole schedule), plus the 25 values of CS336's own published test.

When a value is wrong, the grader computes the classic wrong schedules (warm-up off by one,
warm-up from min_lr, the cosine over the wrong span, no floor, ...) and names the one your
values match.
"""

from __future__ import annotations

import math

import numpy as np

from common import load
from common.checks import assert_close, calling, expect_raises, require
from grader import task

# stanford-cs336/assignment1-basics, tests/test_optimizer.py::test_get_lr_cosine_schedule:
# max 1, min 0.1, warm-up 7, cosine 21, steps 0..24.
CS336 = [0, 0.14285714285714285, 0.2857142857142857, 0.42857142857142855, 0.5714285714285714,
         0.7142857142857143, 0.8571428571428571, 1.0, 0.9887175604818206, 0.9554359905560885,
         0.9018241671106134, 0.8305704108364301, 0.7452476826029011, 0.6501344202803414, 0.55,
         0.44986557971965857, 0.3547523173970989, 0.26942958916356996, 0.19817583288938662,
         0.14456400944391146, 0.11128243951817937, 0.1, 0.1, 0.1, 0.1]

# (max_lr, min_lr, warmup_steps, cosine_steps)
SETTINGS = [(6e-4, 6e-5, 100, 1000), (1.0, 0.1, 7, 21), (3e-4, 0.0, 0, 50), (2e-3, 2e-4, 10, 10),
            (0.5, 0.05, 1, 2), (1.0, 0.25, 0, 0), (1e-3, 1e-5, 3, 400)]


def lr(step, max_lr, min_lr, w, c, *, warm=None, span=None, floor=None):
    """The schedule; the keyword switches give the classic mistakes (all None: the right formula)."""
    if step < w or (warm == "through" and 0 < w and step == w):
        start = min_lr if warm == "from_min" else 0.0
        return start + (max_lr - start) * (step + (warm == "plus1")) / w
    low = 0.0 if floor == "to_zero" else min_lr
    if step > c or (step == c and floor != "to_zero"):
        return {"zero": 0.0, "max": max_lr}.get(floor, min_lr)
    if w == c:
        return low
    if span == "c":
        progress = (step - w) / c
    elif span == "step":
        progress = step / c
    else:
        progress = (step - w) / (c - w)
    return low + 0.5 * (1 + math.cos(math.pi * progress)) * (max_lr - low)


VARIANTS = [
    ("your warm-up is off by one: it matches max_lr * (step + 1) / warmup_steps. Step 0 has learning rate 0: "
     "max_lr * step / warmup_steps", dict(warm="plus1")),
    ("your warm-up starts from min_lr: it matches min_lr + (max_lr - min_lr) * step / warmup_steps. It rises "
     "from 0: max_lr * step / warmup_steps", dict(warm="from_min")),
    ("your cosine runs over the wrong span: it matches (step - warmup_steps) / cosine_steps. The decay lasts "
     "cosine_steps - warmup_steps steps: divide by that", dict(span="c")),
    ("your cosine runs over the wrong span: it matches step / cosine_steps. The progress is (step - "
     "warmup_steps) / (cosine_steps - warmup_steps), 0 at the end of the warm-up", dict(span="step")),
    ("your warm-up runs through step == warmup_steps: with warmup_steps == cosine_steps it returns max_lr there. "
     "The warm-up is step < warmup_steps; from warmup_steps on there is no cosine left, only min_lr",
     dict(warm="through")),
    ("your schedule decays to 0 instead of the floor: min_lr + 0.5 * (1 + cos(pi * progress)) * (max_lr - "
     "min_lr)", dict(floor="to_zero")),
    ("your schedule returns 0 after cosine_steps: after the end it stays at the floor, min_lr",
     dict(floor="zero")),
    ("your schedule goes back to max_lr after cosine_steps: after the end it stays at the floor, min_lr",
     dict(floor="max")),
]


def steps_for(w: int, c: int) -> list[int]:
    mid = (w + c) // 2
    return sorted({s for s in (0, 1, w - 1, w, w + 1, mid, c - 1, c, c + 1, 10 * c, 10 * c + 7) if s >= 0})


def cosine_hint(steps, got, expected, setting) -> str:
    bad = [i for i in range(len(steps)) if not math.isclose(got[i], expected[i], rel_tol=1e-9, abs_tol=1e-15)]
    for text, kw in VARIANTS:
        alt = [lr(steps[i], *setting, **kw) for i in bad]
        if all(math.isclose(got[i], a, rel_tol=1e-9, abs_tol=1e-15) for i, a in zip(bad, alt)):
            return text
    return ("step < warmup_steps: max_lr * step / warmup_steps; then min_lr + 0.5 * (1 + cos(pi * progress)) * "
            "(max_lr - min_lr) with progress = (step - warmup_steps) / (cosine_steps - warmup_steps); after "
            "cosine_steps, min_lr")


def learner_lrs(S, steps, setting) -> list[float]:
    max_lr, min_lr, w, c = setting
    out = []
    for s in steps:
        what = f"cosine_lr({s}, max_lr={max_lr}, min_lr={min_lr}, warmup_steps={w}, cosine_steps={c})"
        hint = ("when warmup_steps == cosine_steps there is no cosine (its span is 0): min_lr from that step on"
                if w == c else "with warmup_steps = 0 there is no warm-up: step 0 already starts the cosine, at max_lr"
                if w == 0 else None)
        with calling(what, hint=hint):
            got = S.cosine_lr(s, max_lr, min_lr, w, c)
        require(isinstance(got, (int, float, np.floating)) and not isinstance(got, bool),
                f"{what} should return a float, got {type(got).__name__}: {got!r:.80}")
        out.append(float(got))
    return out


@task(points=2, timeout=30)
def test_cosine_lr():
    """cosine_lr: linear warm-up from 0, cosine from max_lr to min_lr, then min_lr; CS336's published values."""
    S = load(6, "schedule")
    checks = [((1.0, 0.1, 7, 21), list(range(25)), CS336, " (CS336's test_get_lr_cosine_schedule)")]
    checks += [(st, steps_for(st[2], st[3]), [lr(s, *st) for s in steps_for(st[2], st[3])], "") for st in SETTINGS]
    for setting, steps, expected, source in checks:
        got = learner_lrs(S, steps, setting)
        max_lr, min_lr, w, c = setting
        assert_close(got, expected, rtol=1e-9, atol=1e-15,
                     what=f"cosine_lr(step, max_lr={max_lr}, min_lr={min_lr}, warmup_steps={w}, cosine_steps={c}) "
                          f"at steps {steps}{source}",
                     hint=cosine_hint(steps, got, expected, setting))

    for args, why in (((-1, 1.0, 0.1, 5, 10), "a negative step"), ((0, 1.0, 0.1, 10, 5), "warmup_steps > cosine_steps"),
                      ((7, 1.0, 0.1, 10, 5), "warmup_steps > cosine_steps")):
        with expect_raises(ValueError, f"cosine_lr{args} ({why})",
                           hint="check the arguments first: step >= 0 and 0 <= warmup_steps <= cosine_steps"):
            S.cosine_lr(*args)
