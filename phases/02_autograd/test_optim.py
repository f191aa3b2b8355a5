"""Grader for optim.py: SGD and Adam against torch.optim, step by step over 20 steps.

Both sides start from the same float64 parameters. Before each step, every parameter gets
the gradient ``g(p) = scale * (sin 3p + 0.3 p^3 + noise_k)`` of its *current* value (noise
fixed per step), so a wrong step changes every later gradient too. The first step at which
a parameter differs from PyTorch's is reported; when the learner's values match a classic
mistake simulated here (no bias correction, eps inside the root, ...), the hint names it.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from common import load
from common.backend import to_numpy
from common.checks import assert_close, assert_equal, calling, require
from grader import task

SHAPES = [(3, 4), (4,), (2, 2, 3)]
STEPS = 20


def optim():
    return load(2, "optim")


def start(seed: int = 0) -> list[np.ndarray]:
    g = np.random.default_rng(seed)
    return [g.standard_normal(s) for s in SHAPES]


def grads_at(step: int, params: list[np.ndarray], scale: float = 1.0) -> list[np.ndarray]:
    noise = np.random.default_rng(1000 + step)
    return [scale * (np.sin(3 * p) + 0.3 * p**3 + 0.5 * noise.standard_normal(p.shape)) for p in params]


def run_ours(make, label: str, scale: float, step_hint: str | None = None) -> list[list[np.ndarray]]:
    """The learner's optimizer over STEPS steps: the parameters after each step."""
    Parameter = load(2, "nn").Parameter
    params = [Parameter(p.copy()) for p in start()]
    with calling(f"{label} (the constructor)"):
        opt = make(optim(), params)
    trajectory = []
    for k in range(STEPS):
        for p, g in zip(params, grads_at(k, [to_numpy(p.data) for p in params], scale)):
            p.grad = g
        with calling(f"{label}.step() (step {k + 1})", hint=step_hint):
            opt.step()
        for i, p in enumerate(params):
            require(isinstance(p.data, np.ndarray) and p.data.dtype == np.float64 and p.data.shape == SHAPES[i],
                    f"after {label}.step() (step {k + 1}), parameter {i} holds {type(p.data).__name__} "
                    f"{getattr(p.data, 'dtype', '')} {getattr(p.data, 'shape', '')}; expected a float64 array of shape {SHAPES[i]}",
                    hint="update in place: p.data -= lr * update")
        trajectory.append([to_numpy(p.data).copy() for p in params])
    return trajectory


def run_torch(make, scale: float) -> list[list[np.ndarray]]:
    params = [torch.tensor(p, requires_grad=True) for p in start()]
    opt = make(params)
    trajectory = []
    for k in range(STEPS):
        for p, g in zip(params, grads_at(k, [p.detach().numpy() for p in params], scale)):
            p.grad = torch.from_numpy(g)
        opt.step()
        trajectory.append([p.detach().numpy().copy() for p in params])
    return trajectory


def simulate(step_fn, scale: float) -> list[list[np.ndarray]]:
    """A mistaken optimizer, written out in NumPy: step_fn(t, i, p, g, state) -> new p."""
    params, state, trajectory = start(), {}, []
    for k in range(STEPS):
        grads = grads_at(k, params, scale)
        params = [step_fn(k + 1, i, p, g, state.setdefault(i, {})) for i, (p, g) in enumerate(zip(params, grads))]
        trajectory.append([p.copy() for p in params])
    return trajectory


def matches(ours: list[list[np.ndarray]], other: list[list[np.ndarray]], upto: int) -> bool:
    return all(np.allclose(a, b, rtol=1e-9, atol=1e-12) for k in range(upto) for a, b in zip(ours[k], other[k]))


def compare(ours, theirs, label: str, mistakes: dict[str, list[list[np.ndarray]]], default_hint: str) -> None:
    for k in range(STEPS):
        for i in range(len(SHAPES)):
            if np.allclose(ours[k][i], theirs[k][i], rtol=1e-9, atol=1e-12):
                continue
            hint = default_hint
            for text, trajectory in mistakes.items():
                if matches(ours, trajectory, k + 1):
                    hint = f"your values match this mistake: {text}"
                    break
            if not np.all(np.isfinite(ours[k][i])):
                hint = "nan or inf: a division by zero? (1 - beta ** t) is 0 when t is 0: count the step before using it"
            assert_close(ours[k][i], theirs[k][i], rtol=1e-9, atol=1e-12,
                         what=f"{label}: parameter {i} (shape {SHAPES[i]}) after step {k + 1} of {STEPS}, vs PyTorch",
                         hint=hint)


SGD_CASES = {
    "plain": dict(lr=0.1),
    "momentum": dict(lr=0.05, momentum=0.9),
    "weight_decay": dict(lr=0.1, weight_decay=0.2),
    "momentum_weight_decay": dict(lr=0.03, momentum=0.8, weight_decay=0.1),
}


def sgd_mistakes(lr: float, momentum: float = 0.0, weight_decay: float = 0.0) -> dict:
    def make(wd_first=True, wd=weight_decay, mom=momentum, ema=False):
        def step(t, i, p, g, s):
            if wd_first:
                g = g + wd * p
            if mom:
                buf = s.get("buf")
                s["buf"] = buf = ((1 - mom) * g if ema else g.copy()) if buf is None else mom * buf + ((1 - mom) * g if ema else g)
                g = buf
            if not wd_first:
                g = g + wd * p
            return p - lr * g
        return step

    out = {}
    if weight_decay:
        out["weight_decay is ignored: add weight_decay * p.data to the gradient"] = make(wd=0.0)
        if momentum:
            out["weight decay is added after momentum: add it to the gradient first, then update the buffer with it"] = make(wd_first=False)
    if momentum:
        out["momentum is ignored: keep a buffer per parameter, buf = momentum * buf + g, and step with it"] = make(mom=0.0)
        out["the buffer is an average, momentum * buf + (1 - momentum) * g: PyTorch adds g undamped"] = make(ema=True)
    return {k: simulate(v, 1.0) for k, v in out.items()}


@pytest.mark.parametrize("case", list(SGD_CASES))
@task(points=2, timeout=20)
def test_optim_sgd(case):
    """SGD (plain, momentum, weight decay) matches torch.optim.SGD over 20 steps."""
    kwargs = SGD_CASES[case]
    label = "SGD(params, " + ", ".join(f"{k}={v}" for k, v in kwargs.items()) + ")"
    ours = run_ours(lambda o, ps: o.SGD(ps, **kwargs), label, 1.0)
    theirs = run_torch(lambda ps: torch.optim.SGD(ps, **kwargs), 1.0)
    compare(ours, theirs, label, sgd_mistakes(**kwargs),
            "g = grad + weight_decay * p; buf = g on the first step, then momentum * buf + g; p -= lr * buf")


ADAM_CASES = {
    "defaults": ({}, 1.0),
    "lr": (dict(lr=0.05), 1.0),
    "betas": (dict(lr=0.02, betas=(0.8, 0.99)), 1.0),
    "eps": (dict(lr=0.02, eps=0.1), 0.3),
    "weight_decay": (dict(lr=0.02, weight_decay=0.3), 1.0),
}


def adam_mistakes(lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0.0, scale: float = 1.0) -> dict:
    b1, b2 = betas

    def make(correct=True, eps_inside=False, decoupled=False, per_param_t=False, eps_early=False, wd=weight_decay):
        counter = [0]

        def step(t, i, p, g, s):
            if per_param_t:
                counter[0] += 1
                t = counter[0]
            if not decoupled:
                g = g + wd * p
            s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
            s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * g * g
            m, v = (s["m"] / (1 - b1**t), s["v"] / (1 - b2**t)) if correct else (s["m"], s["v"])
            update = m / (np.sqrt(v + eps) if eps_inside else np.sqrt(v) + eps)
            if eps_early:  # (sqrt(v) + eps) / sqrt(1 - beta2^t)
                update = m / ((np.sqrt(s["v"]) + eps) / np.sqrt(1 - b2**t))
            if decoupled:
                update = update + wd * p
            return p - lr * update
        return step

    out = {
        "no bias correction: m and v start at zero, so divide them by (1 - beta1 ** t) and (1 - beta2 ** t)": make(correct=False),
        "eps is inside the square root: it goes outside, sqrt(v_hat) + eps": make(eps_inside=True),
        "t counts parameters, not steps: increment self.t once per step(), before the loop": make(per_param_t=True),
        "eps is added before the bias correction, (sqrt(v) + eps) / sqrt(1 - beta2 ** t): correct v first, "
        "then add eps, sqrt(v / (1 - beta2 ** t)) + eps": make(eps_early=True),
    }
    if weight_decay:
        out["weight_decay is ignored: add weight_decay * p.data to the gradient before m and v"] = make(wd=0.0)
        out["this is AdamW's decoupled weight decay; Adam adds weight_decay * p to the gradient before m and v"] = make(decoupled=True)
    return {k: simulate(v, scale) for k, v in out.items()}


@pytest.mark.parametrize("case", list(ADAM_CASES))
@task(points=3, timeout=20)
def test_optim_adam(case):
    """Adam (defaults, lr, betas, eps, weight decay) matches torch.optim.Adam over 20 steps."""
    kwargs, scale = ADAM_CASES[case]
    label = "Adam(params" + "".join(f", {k}={v}" for k, v in kwargs.items()) + ")"
    ours = run_ours(lambda o, ps: o.Adam(ps, **kwargs), label, scale,
                    step_hint="(1 - beta ** t) is 0 when t is 0: count the step (self.t += 1) before the bias correction")
    theirs = run_torch(lambda ps: torch.optim.Adam(ps, **kwargs), scale)
    default_hint = ("m = beta1 m + (1 - beta1) g; v = beta2 v + (1 - beta2) g^2; "
                    "p -= lr * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)")
    if not kwargs:
        default_hint += "; the defaults are lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0"
    compare(ours, theirs, label, adam_mistakes(**kwargs, scale=scale), default_hint)


@task(points=1, timeout=20, needs=("optim_sgd", "optim_adam"))
def test_optim_zero_grad_and_state():
    """zero_grad clears grads; steps skip params without grad, keep float32, leave .grad alone, read lr; Adam keeps t and state."""
    o = optim()
    Parameter = load(2, "nn").Parameter
    g = np.random.default_rng(3)
    init = [g.standard_normal((3, 4)).astype(np.float32), g.standard_normal(4).astype(np.float32), np.ones(2, dtype=np.float32)]
    grads = [g.standard_normal((3, 4)).astype(np.float32), g.standard_normal(4).astype(np.float32)]

    for name, make, make_torch in [
        ("SGD(params, lr=0.1, momentum=0.9, weight_decay=0.1)", lambda ps: o.SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.1),
         lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.1)),
        ("Adam(params, lr=0.01, weight_decay=0.1)", lambda ps: o.Adam(ps, lr=0.01, weight_decay=0.1),
         lambda ps: torch.optim.Adam(ps, lr=0.01, weight_decay=0.1)),
    ]:
        params = [Parameter(a.copy()) for a in init]
        with calling(name):
            opt = make(params)
        for p in params:
            p.grad = np.ones_like(p.data)
        with calling(f"{name}.zero_grad()"):
            opt.zero_grad()
        require(all(p.grad is None for p in params), f"after {name}.zero_grad() some parameters still have a .grad",
                hint="set p.grad = None for every parameter in self.params")

        tparams = [torch.tensor(a.astype(np.float64), requires_grad=True) for a in init]
        topt = make_torch(tparams[:2])
        for step in range(3):
            for p, tp, gr in zip(params, tparams, grads):
                p.grad = gr.copy()
                tp.grad = torch.from_numpy(gr.astype(np.float64))
            with calling(f"{name}.step() with parameter 2's grad None"):
                opt.step()
            topt.step()
            assert_equal(params[2].grad, None, what=f"parameter 2's .grad after {name}.step()")
            assert_close(to_numpy(params[2].data), init[2], rtol=0, atol=0,
                         what=f"parameter 2 (grad None) after {name}.step() (step {step + 1})",
                         hint="skip parameters whose grad is None: they took no part in this forward pass")
            for i in range(2):
                assert_equal(params[i].data.dtype, np.dtype(np.float32), what=f"parameter {i}'s dtype after {name}.step()",
                             hint="a float32 weight stays float32: update in place (p.data -= ...) or cast back")
                assert_close(params[i].grad, grads[i], rtol=0, atol=0, what=f"parameter {i}'s .grad after {name}.step()",
                             hint="never change p.grad in place (g += wd * p changes it): g = p.grad + wd * p.data")
                assert_close(to_numpy(params[i].data), tparams[i].detach().numpy(), rtol=1e-4, atol=1e-5,
                             what=f"float32 parameter {i} after step {step + 1} of {name}, vs PyTorch in float64")
        if name.startswith("Adam"):
            assert_equal(getattr(opt, "t", None), 3, what=f"{name}.t after 3 steps", hint="t counts the steps taken")
            for i in range(2):
                state = opt.state.get(i) if isinstance(opt.state, dict) else None
                require(isinstance(state, dict) and {"m", "v"} <= set(state),
                        f"after 3 steps, {name}.state[{i}] should be a dict with 'm' and 'v', got {state!r:.120}")
                ref = topt.state[tparams[i]]
                assert_close(to_numpy(state["m"]), ref["exp_avg"].numpy(), rtol=1e-4, atol=1e-6,
                             what=f"{name}.state[{i}]['m'] after 3 steps, vs PyTorch's exp_avg",
                             hint="keep the running averages m and v themselves (not m_hat, v_hat): a checkpoint resumes from them")
                assert_close(to_numpy(state["v"]), ref["exp_avg_sq"].numpy(), rtol=1e-4, atol=1e-8,
                             what=f"{name}.state[{i}]['v'] after 3 steps, vs PyTorch's exp_avg_sq")
        before = [to_numpy(p.data).copy() for p in params]
        opt.lr = 0.0
        for p, gr in zip(params, grads):
            p.grad = gr.copy()
        with calling(f"{name}.step() after setting opt.lr = 0"):
            opt.step()
        for i in range(2):
            assert_close(to_numpy(params[i].data), before[i], rtol=0, atol=0, what=f"parameter {i} after a step with opt.lr set to 0.0",
                         hint="read self.lr in every step(): learning-rate schedules (phase 06) change it between steps")

    # The caller keeps the same .grad array over two steps; without weight decay g is that very array.
    p = Parameter(np.zeros(3, dtype=np.float32))
    shared = np.array([1.0, -2.0, 0.5], dtype=np.float32)
    with calling("SGD([p], lr=0.1, momentum=0.9): two step() calls with p.grad the same array both times"):
        opt = o.SGD([p], lr=0.1, momentum=0.9)
        p.grad = shared
        opt.step()
        opt.step()
    alias_hint = ("the momentum buffer is the caller's p.grad array itself: buf *= momentum then changes p.grad. "
                  "Store a copy on the first step (buf = g.copy()); the buffer is yours, the gradient is not")
    assert_close(shared, [1.0, -2.0, 0.5], rtol=0, atol=0, what="p.grad after two SGD(momentum=0.9) steps with the same .grad array",
                 hint=alias_hint)
    assert_close(to_numpy(p.data), -0.29 * np.array([1.0, -2.0, 0.5]), rtol=1e-6, atol=1e-7,
                 what="p after two SGD(lr=0.1, momentum=0.9) steps from 0 with the same gradient g (expected -0.1 g - 0.1 * 1.9 g)",
                 hint=alias_hint)
