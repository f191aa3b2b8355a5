"""Grader for adamw.py: the two parameter groups of a GPT, AdamW's step against torch.optim.AdamW, and
the optimizer's state_dict / load_state_dict (a run cut in two and resumed equals one run straight through).

The step is checked on a fixed scenario of five parameters in two groups (different lr, betas, eps and
weight decay; one group without decay), over six steps: new random gradients each step, written into the
*same* gradient arrays each time; one parameter without a gradient on some steps (torch skips it: not
decayed, its step count not advanced); one float32 parameter; the groups' ``lr`` changed before every
step through ``group["lr"]``, as the training loop's schedule does. PyTorch runs the same scenario.

When values are wrong, the grader runs the classic wrong variants of AdamW in NumPy (the decay added to
the gradient, applied after the update, the bias correction a step off, eps inside the root, one global
step count, the lr read once, ...) and names the one your values match.
"""

from __future__ import annotations

import copy
import types

import numpy as np
import torch

from common import load, under_test
from common.backend import to_numpy
from common.checks import assert_close, assert_equal, calling, expect_raises, require
from grader import task

HYPER = ("lr", "betas", "eps", "weight_decay")


def adamw():
    return load(6, "adamw")


# ---------------------------------------------------------------- param_groups

GPT_CASES = [  # (config overrides, weight_decay)
    (dict(), 0.1),
    (dict(norm="rmsnorm", bias=False, tie_weights=False, position="rope"), 0.05),
    (dict(position="sinusoidal", tie_weights=False), 0.2),
]
RULE = ("decayed: every parameter with two or more axes (Linear weights, the embedding tables); not decayed: "
        "the 1-axis ones (biases, LayerNorm/RMSNorm gains); each list in model.named_parameters() order")


def listing(names: list[str], limit: int = 8) -> str:
    return ", ".join(names[:limit]) + (f" and {len(names) - limit} more" if len(names) > limit else "")


@task(points=1, timeout=30)
def test_param_groups():
    """param_groups(model, wd) on GPTs (tied or not, LayerNorm or RMSNorm, biases or not): 2-D decayed, 1-D not."""
    A = adamw()
    M = load(5, "model")
    for overrides, wd in GPT_CASES:
        cfg = M.GPTConfig(vocab_size=23, block_size=8, n_layer=2, n_head=2, n_embd=8, **overrides)
        desc = ", ".join(f"{k}={v!r}" for k, v in overrides.items())
        model = M.GPT(cfg, rng=np.random.default_rng(0))
        named = model.named_parameters()
        ndim = {n: p.ndim for n, p in named}
        name_of = {id(p): n for n, p in named}
        what = f"param_groups(GPT(GPTConfig(vocab_size=23, n_layer=2, n_embd=8{', ' if desc else ''}{desc})), weight_decay={wd})"
        with calling(what):
            groups = A.param_groups(model, wd)
        require(isinstance(groups, list) and len(groups) == 2
                and all(isinstance(g, dict) and "params" in g and "weight_decay" in g for g in groups),
                f"{what} should return a list of two dicts with keys 'params' and 'weight_decay', got {groups!r:.200}",
                hint='[{"params": decayed, "weight_decay": weight_decay}, {"params": the rest, "weight_decay": 0.0}]')
        lists = []
        for gi, g in enumerate(groups):
            items = list(g["params"])
            strangers = [x for x in items if id(x) not in name_of]
            require(not strangers, f"{what}: group {gi} holds {len(strangers)} item(s) that are not the model's "
                                   f"Parameters (the first is a {type(strangers[0]).__name__ if strangers else ''})",
                    hint="list the Parameter objects themselves, as model.named_parameters() gives them: not their "
                         "names, not p.data, not copies")
            lists.append([name_of[id(x)] for x in items])
        decay, rest = lists
        twice = sorted({n for n in decay if decay.count(n) > 1} | {n for n in rest if rest.count(n) > 1})
        require(not twice, f"{what}: {listing(twice)} listed twice in one group",
                hint="take each parameter once from model.named_parameters() (a tied table is listed there once)")
        both = [n for n in decay if n in rest]
        require(not both, f"{what}: {listing(both)} in both groups: a parameter belongs to exactly one", hint=RULE)
        missing = [n for n, _ in named if n not in decay and n not in rest]
        require(not missing, f"{what}: {listing(missing)} in neither group: every parameter of the model belongs to "
                             f"one, or AdamW never updates it", hint=RULE)
        wrong_decay = [n for n in decay if ndim[n] < 2]
        if wrong_decay:
            biases = [n for n in wrong_decay if n.endswith("bias")]
            gains = [n for n in wrong_decay if not n.endswith("bias")]
            kinds = " and ".join(k for k, ns in (("biases", biases), ("norm gains", gains)) if ns)
            require(False, f"{what}: {kinds} in the decayed group: {listing(wrong_decay)}",
                    hint=f"decay shrinks a weight towards 0: the {kinds} (1-axis) are not decayed (a gain pulled to 0 "
                         "would switch its norm off); " + RULE)
        wrong_rest = [n for n in rest if ndim[n] >= 2]
        if wrong_rest:
            tables = [n for n in wrong_rest if n.split(".")[0] in ("wte", "wpe")]
            hint = RULE
            if tables:
                hint = (f"the embedding tables ({', '.join(tables)}) are left out of the decay: this course decays them, "
                        "as every parameter with two axes (the handout explains why); " + RULE)
            require(False, f"{what}: 2-D weights in the group without decay: {listing(wrong_rest)}", hint=hint)
        for gi, (got, exp) in enumerate(((decay, [n for n, _ in named if ndim[n] >= 2]),
                                         (rest, [n for n, _ in named if ndim[n] < 2]))):
            assert_equal(got, exp, what=f"{what}: the order of group {gi}",
                         hint="keep model.named_parameters() order in each list")
        assert_equal(groups[0]["weight_decay"], wd, what=f"{what}: group 0's weight_decay",
                     hint="the decayed group carries the weight_decay given")
        assert_equal(groups[1]["weight_decay"], 0.0, what=f"{what}: group 1's weight_decay", hint="the rest: 0.0")
        with calling(f"AdamW({what}, lr=1e-3)"):
            A.AdamW(groups, lr=1e-3)


# ---------------------------------------------------------------- the scenario both optimizers run

NAMES = ("W1", "W2", "W3", "b1", "g1")
SHAPES = ((4, 3), (3, 5), (2, 3), (5,), (3,))
DTYPES = (np.float64, np.float64, np.float32, np.float64, np.float64)
GROUP_OF = (0, 0, 0, 1, 1)
GROUPS = (dict(lr=0.03, betas=(0.85, 0.99), eps=1e-6, weight_decay=0.3),
          dict(lr=0.05, betas=(0.8, 0.95), eps=0.01, weight_decay=0.0))
GRAD_SCALE = (1.0, 0.05)  # group 1's gradients are small next to its eps = 0.01: eps matters there
DEFAULTS = dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)
LR_FACTOR = (1.0, 0.6, 1.0, 0.3, 0.8, 0.5)  # group["lr"] = its lr * factor before each step
STEPS = len(LR_FACTOR)
TOL = {np.float64: dict(rtol=1e-9, atol=1e-12), np.float32: dict(rtol=2e-5, atol=2e-6)}
LABEL = ("AdamW([{W1 (4, 3), W2 (3, 5), W3 (2, 3) float32: lr=0.03, betas=(0.85, 0.99), eps=1e-6, weight_decay=0.3}, "
         "{b1 (5,), g1 (3,): lr=0.05, betas=(0.8, 0.95), eps=0.01, weight_decay=0.0}])")
STEP_HINT = ("decay first, p *= 1 - lr * weight_decay; then m = beta1 m + (1 - beta1) g, v = beta2 v + (1 - beta2) g², "
             "p -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps), t this parameter's own step count; "
             "each group's own lr, betas, eps, weight_decay, read in every step")
NAN_HINT = ("nan or inf: a division by zero? (1 - beta ** t) is 0 when t is 0: count this parameter's step "
            "(state['step'] += 1) before the bias correction")
GRAD_HINT = ("step must leave p.grad alone, the caller's array: g += weight_decay * p, or m = g followed by m *= beta1, "
             "writes into it; compute new arrays (g = p.grad + ...) or update your own m, v in place")


def scenario(none: dict[int, set[int]]) -> types.SimpleNamespace:
    """Initial values and the gradients of every step (None where ``k in none[i]``)."""
    g = np.random.default_rng(60)
    init = [g.standard_normal(s).astype(d) for s, d in zip(SHAPES, DTYPES)]
    grads = []
    for k in range(STEPS):
        r = np.random.default_rng(600 + k)
        row = [(r.standard_normal(s) * GRAD_SCALE[GROUP_OF[i]]).astype(DTYPES[i]) for i, s in enumerate(SHAPES)]
        grads.append([None if k in none.get(i, ()) else a for i, a in enumerate(row)])
    return types.SimpleNamespace(init=init, grads=grads, none=none)


def describe_none(sc) -> str:
    parts = [f"{NAMES[i]} has no gradient on step(s) {', '.join(str(k + 1) for k in sorted(ks))}"
             for i, ks in sc.none.items() if ks]
    return "; ".join(parts)


def learner_groups(params, settings=True) -> list[dict]:
    return [{"params": [p for p, gi in zip(params, GROUP_OF) if gi == j], **(GROUPS[j] if settings else {})}
            for j in range(len(GROUPS))]


def new_params(values) -> list:
    Parameter = load(2, "nn").Parameter
    return [Parameter(np.array(v, copy=True)) for v in values]


def learner_steps(opt, params, sc, steps, bufs, label: str) -> list[list[np.ndarray]]:
    """Run the learner's optimizer over ``steps``: set each group's lr, the gradients (written into the same
    arrays ``bufs`` every time), step, and check what must not change. Returns the values after each step."""
    out = []
    for k in steps:
        # in the optimizer's own dicts (where the code under test runs, when grading is isolated)
        under_test("common.toys").set_lrs(opt, [GROUPS[j]["lr"] * LR_FACTOR[k] for j in range(len(GROUPS))])
        for i, p in enumerate(params):
            g = sc.grads[k][i]
            if g is None:
                p.grad = None
            else:
                bufs[i][...] = g
                p.grad = bufs[i]
        before = [to_numpy(p.data).copy() for p in params]
        with calling(f"{label}.step() (step {k + 1})", hint=NAN_HINT if k == 0 else None):
            opt.step()
        for i, p in enumerate(params):
            data = p.data
            require(isinstance(data, np.ndarray) and data.dtype == DTYPES[i] and data.shape == SHAPES[i],
                    f"after {label}.step() (step {k + 1}), {NAMES[i]} holds {type(data).__name__} "
                    f"{getattr(data, 'dtype', '')} {getattr(data, 'shape', '')}; expected a "
                    f"{np.dtype(DTYPES[i]).name} array of shape {SHAPES[i]}",
                    hint="update p.data in place (p.data -= ...): a float32 weight stays float32, and m, v are "
                         "arrays like p.data, in its dtype")
            if sc.grads[k][i] is None:
                require(p.grad is None, f"after {label}.step() (step {k + 1}), {NAMES[i]}.grad was None and is now "
                                        f"{type(p.grad).__name__}", hint="step never sets .grad")
                assert_close(to_numpy(data), before[i], rtol=0, atol=0,
                             what=f"{label}.step() (step {k + 1}): {NAMES[i]}, whose .grad is None",
                             hint="a parameter whose .grad is None is skipped entirely, as torch does: no decay, "
                                  "no change to m and v, its step count not advanced")
            else:
                require(p.grad is bufs[i], f"after {label}.step() (step {k + 1}), {NAMES[i]}.grad is no longer the "
                                           f"array the caller set", hint=GRAD_HINT)
                assert_close(bufs[i], sc.grads[k][i], rtol=0, atol=0,
                             what=f"{NAMES[i]}.grad after {label}.step() (step {k + 1})", hint=GRAD_HINT)
        out.append([to_numpy(p.data).copy() for p in params])
    return out


def torch_run(sc) -> tuple[list[list[np.ndarray]], list[dict]]:
    """torch.optim.AdamW on the scenario: the values after each step and a copy of its state_dict()."""
    tp = [torch.tensor(v, requires_grad=True) for v in sc.init]
    topt = torch.optim.AdamW([{"params": [p for p, gi in zip(tp, GROUP_OF) if gi == j], **GROUPS[j]}
                              for j in range(len(GROUPS))], foreach=False)
    traj, sds = [], []
    for k in range(STEPS):
        for j, group in enumerate(topt.param_groups):
            group["lr"] = GROUPS[j]["lr"] * LR_FACTOR[k]
        for p, g in zip(tp, sc.grads[k]):
            p.grad = None if g is None else torch.tensor(g)
        topt.step()
        traj.append([p.detach().numpy().copy() for p in tp])
        sds.append(copy.deepcopy(topt.state_dict()))
    return traj, sds


def simulate(sc, *, coupled=False, decay_after=False, lr_power=1, t_shift=0, correct=True, eps_inside=False,
             count="param", cached_lr=False, defaults=False, forget=False, reset_at=None,
             reset=None) -> list[list[np.ndarray]]:
    """AdamW in NumPy float64, with one classic mistake switched on (or a resume that loses something)."""
    params = [v.astype(np.float64) for v in sc.init]
    hyper = [dict(DEFAULTS) if defaults else dict(g) for g in GROUPS]
    state: dict[int, dict] = {}
    calls, traj = 0, []
    for k in range(STEPS):
        if k == reset_at:
            if reset == "all":
                state = {}
            for s in state.values():
                if reset == "step":
                    s["t"] = 0
                elif reset == "mv":
                    s["m"], s["v"] = 0.0, 0.0
            if reset == "hyper":
                hyper = [{**DEFAULTS, "lr": g["lr"]} for g in GROUPS]
        for i in range(len(params)):
            g = sc.grads[k][i]
            if g is None:
                continue
            g = g.astype(np.float64)
            h = hyper[GROUP_OF[i]]
            lr = h["lr"] * (1.0 if cached_lr or defaults else LR_FACTOR[k])
            (b1, b2), eps, wd = h["betas"], h["eps"], h["weight_decay"]
            s = state.setdefault(i, {"t": 0, "m": 0.0, "v": 0.0})
            s["t"] += 1
            calls += 1
            t = {"param": s["t"], "global": k + 1, "calls": calls}[count] + t_shift
            p = params[i]
            if coupled:
                g = g + wd * p
            elif not decay_after:
                p = p * (1 - lr**lr_power * wd)
            if forget:  # the new m and v never reach the state: each step starts again from zeros
                s["m"], s["v"] = 0.0, 0.0
            s["m"] = b1 * s["m"] + (1 - b1) * g
            s["v"] = b2 * s["v"] + (1 - b2) * g * g
            m, v = (s["m"] / (1 - b1**t), s["v"] / (1 - b2**t)) if correct else (s["m"], s["v"])
            p = p - lr * m / (np.sqrt(v + eps) if eps_inside else np.sqrt(v) + eps)
            if decay_after and not coupled:
                p = p * (1 - lr * wd)
            params[i] = p
        traj.append([p.copy() for p in params])
    return traj


def step_mistakes(sc) -> dict[str, dict]:
    """The classic wrong AdamW steps: the text naming each, and simulate()'s switches for it."""
    return {
        "the weight decay is added to the gradient, g + weight_decay * p (Adam with L2 regularisation, phase 02's "
        "Adam): AdamW decouples it, p *= 1 - lr * weight_decay on the weight itself, apart from m and v": dict(coupled=True),
        "the decay is applied after the Adam update: shrink p by (1 - lr * weight_decay) first, then subtract the "
        "update": dict(decay_after=True),
        "the decay is multiplied by lr twice: p *= 1 - lr * weight_decay, with lr once": dict(lr_power=2),
        "the decay is not multiplied by lr: p *= 1 - lr * weight_decay (the schedule scales the decay too)":
            dict(lr_power=0),
        "the bias correction is a step ahead, 1 - beta ** (t + 1): t counts this step, so the first uses t = 1":
            dict(t_shift=1),
        "no bias correction: m and v start at zero, so divide them by (1 - beta1 ** t) and (1 - beta2 ** t)":
            dict(correct=False),
        "eps is inside the square root: the denominator is sqrt(v_hat) + eps": dict(eps_inside=True),
        "m and v are not kept from one step to the next: m = beta1 * m + ... makes a new array that never reaches "
        "self.state[p]; store it back (state['m'] = m) or update in place (m *= beta1; m += (1 - beta1) * g)":
            dict(forget=True),
        f"one global step count for the whole optimizer ({describe_none(sc)}, so its t lags): t counts the steps "
        "this parameter has taken, per parameter, in self.state[p]['step']": dict(count="global"),
        "t counts parameter updates, not steps: each parameter counts its own steps in self.state[p]['step']":
            dict(count="calls"),
        "the lr is read once, at construction: read group['lr'] in every step(), the training loop changes it":
            dict(cached_lr=True),
        "the constructor's settings (lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01) for every group: "
        "read lr, betas, eps and weight_decay from each group in self.param_groups": dict(defaults=True),
    }


def matches(ours, trajectory, steps) -> bool:
    """Do the float64 parameters of ``ours`` (indexed 0.. over ``steps``) follow ``trajectory``?"""
    for j, k in enumerate(steps):
        for i, d in enumerate(DTYPES):
            if d == np.float64 and not (np.all(np.isfinite(trajectory[k][i]))
                                        and np.allclose(ours[j][i], trajectory[k][i], rtol=1e-8, atol=1e-10)):
                return False
    return True


def compare(ours, theirs, sc, steps, label: str, mistakes: dict[str, dict], default_hint: str) -> None:
    """The learner's values after each of ``steps`` against torch's; at the first difference, name the mistake."""
    for j, k in enumerate(steps):
        for i in range(len(NAMES)):
            tol = TOL[DTYPES[i]]
            if ours[j][i].shape == theirs[k][i].shape and np.allclose(ours[j][i], theirs[k][i], **tol):
                continue
            hint = default_hint
            if not np.all(np.isfinite(ours[j][i])):
                hint = NAN_HINT
            else:
                for text, switches in mistakes.items():
                    if matches(ours[: j + 1], simulate(sc, **switches), steps[: j + 1]):
                        hint = f"your values match this mistake: {text}"
                        break
            lrs = ", ".join(f"{GROUPS[g]['lr'] * LR_FACTOR[k]:.3g}" for g in range(len(GROUPS)))
            assert_close(ours[j][i], theirs[k][i], **tol, hint=hint,
                         what=f"{label}: {NAMES[i]} {SHAPES[i]} {np.dtype(DTYPES[i]).name} after step {k + 1} of "
                              f"{STEPS} (the groups' lr set to {lrs}; {describe_none(sc)}), vs torch.optim.AdamW")


def check_state(opt, params, tsd, label: str, when: str, hint: str | None = None) -> None:
    """opt.state[p] (step, m, v) against torch's state after the same steps; ``hint`` replaces the usual ones."""
    for i, p in enumerate(params):
        ts = tsd["state"].get(i)
        s = opt.state.get(p) if isinstance(opt.state, dict) else None
        if ts is None:
            require(s is None, f"{label}.state[{NAMES[i]}] {when} should not exist: it has had no gradient yet",
                    hint=hint or "create a parameter's state on its first step with a gradient")
            continue
        require(isinstance(s, dict) and {"step", "m", "v"} <= set(s),
                f"{label}.state[{NAMES[i]}] {when} should be a dict with 'step', 'm' and 'v', got {s!r:.120}",
                hint=hint or "self.state is keyed by the Parameter itself: self.state[p] = {'step': 0, 'm': zeros, 'v': zeros}")
        assert_equal(int(s["step"]), int(ts["step"]), what=f"{label}.state[{NAMES[i]}]['step'] {when}",
                     hint=hint or "the steps this parameter has taken (those with a gradient)")
        for key, tkey in (("m", "exp_avg"), ("v", "exp_avg_sq")):
            arr = s[key]
            require(getattr(arr, "dtype", None) == DTYPES[i] and getattr(arr, "shape", None) == SHAPES[i],
                    f"{label}.state[{NAMES[i]}][{key!r}] {when} should be a {np.dtype(DTYPES[i]).name} array shaped "
                    f"{SHAPES[i]}, got {type(arr).__name__} {getattr(arr, 'dtype', '')} {getattr(arr, 'shape', '')}",
                    hint=hint or "m and v are arrays like p.data: xp.zeros_like(p.data)")
            assert_close(to_numpy(arr), ts[tkey].numpy(), **TOL[DTYPES[i]],
                         what=f"{label}.state[{NAMES[i]}][{key!r}] {when}, vs torch's {tkey}",
                         hint=hint or "keep the running averages m and v themselves (not m_hat, v_hat)")


# ---------------------------------------------------------------- the step


@task(points=4, timeout=30)
def test_adamw_step():
    """AdamW.step matches torch.optim.AdamW over 6 steps: two groups, a missing grad, float32, lr changed per step."""
    A = adamw()
    sc = scenario({1: {0, 3}})
    params = new_params(sc.init)
    with calling(f"{LABEL} (the constructor)"):
        opt = A.AdamW(learner_groups(params))
    bufs = [np.zeros(s, dtype=d) for s, d in zip(SHAPES, DTYPES)]
    ours = learner_steps(opt, params, sc, range(STEPS), bufs, LABEL)
    theirs, tsds = torch_run(sc)
    compare(ours, theirs, sc, range(STEPS), LABEL, step_mistakes(sc), STEP_HINT)
    check_state(opt, params, tsds[-1], LABEL, f"after {STEPS} steps")


# ---------------------------------------------------------------- state_dict and load_state_dict

CUT = 3  # the run is cut after this many steps


def documented(tsd) -> dict:
    """torch's state_dict in the layout adamw.py documents."""
    return {"state": {int(i): {"step": int(s["step"]), "m": s["exp_avg"].numpy().copy(), "v": s["exp_avg_sq"].numpy().copy()}
                      for i, s in sorted(tsd["state"].items())},
            "param_groups": [{"lr": g["lr"], "betas": tuple(g["betas"]), "eps": g["eps"],
                              "weight_decay": g["weight_decay"], "params": list(g["params"])} for g in tsd["param_groups"]]}


def snapshot(opt, params) -> tuple:
    """The optimizer's state and settings, copied: to see that a failed load changed nothing."""
    state = []
    for p in params:
        s = opt.state.get(p)
        state.append(None if s is None else (int(s["step"]), to_numpy(s["m"]).copy(), to_numpy(s["v"]).copy()))
    return state, [{k: g[k] for k in HYPER} for g in opt.param_groups], len(opt.state)


def same_snapshot(a, b) -> bool:
    if a[1] != b[1] or a[2] != b[2]:
        return False
    return all((x is None and y is None) or (x is not None and y is not None and x[0] == y[0]
                                             and np.array_equal(x[1], y[1]) and np.array_equal(x[2], y[2]))
               for x, y in zip(a[0], b[0]))


def check_layout(sd, tsd, label: str) -> None:
    """``sd`` is the documented layout and holds torch's numbers after the same steps."""
    exp = documented(tsd)
    require(isinstance(sd, dict) and set(sd) == {"state", "param_groups"},
            f"{label}.state_dict() should be a dict with keys 'state' and 'param_groups', got "
            f"{sorted(sd) if isinstance(sd, dict) else type(sd).__name__}",
            hint='{"state": {i: {"step", "m", "v"}}, "param_groups": [{"lr", "betas", "eps", "weight_decay", "params": [i, ...]}]}')
    groups = sd["param_groups"]
    require(isinstance(groups, list) and len(groups) == len(GROUPS) and all(isinstance(g, dict) for g in groups),
            f"{label}.state_dict()['param_groups'] should be a list of {len(GROUPS)} dicts, got {groups!r:.200}")
    for j, (g, e) in enumerate(zip(groups, exp["param_groups"])):
        assert_equal(g.get("params"), e["params"], what=f"{label}.state_dict()['param_groups'][{j}]['params']",
                     hint="parameters are named by position, counting over all groups in order: [0, 1, 2], then [3, 4]")
        for k in HYPER:
            got = tuple(g[k]) if k == "betas" and isinstance(g.get(k), (list, tuple)) else g.get(k)
            assert_equal(got, e[k], what=f"{label}.state_dict()['param_groups'][{j}][{k!r}] after step {CUT}",
                         hint="each group's current settings (lr as the schedule last set it)")
    state = sd["state"]
    require(isinstance(state, dict), f"{label}.state_dict()['state'] should be a dict, got {type(state).__name__}")
    require(set(state) == set(exp["state"]),
            f"{label}.state_dict()['state'] after {CUT} steps should have the keys {sorted(exp['state'])}, got "
            f"{sorted(state, key=str)}",
            hint="keyed by the position i over all groups (ints, not Parameters), only the parameters that took a "
                 "step: g1 (position 4) has had no gradient yet")
    for i, e in exp["state"].items():
        s = state[i]
        require(isinstance(s, dict) and {"step", "m", "v"} <= set(s),
                f"{label}.state_dict()['state'][{i}] should be a dict with 'step', 'm', 'v', got {s!r:.120}")
        require(isinstance(s["step"], (int, np.integer)) and int(s["step"]) == e["step"],
                f"{label}.state_dict()['state'][{i}]['step'] ({NAMES[i]}) should be the int {e['step']}, got {s['step']!r}",
                hint="the steps this parameter has taken, as an int")
        for key in ("m", "v"):
            require(isinstance(s[key], np.ndarray), f"{label}.state_dict()['state'][{i}][{key!r}] should be a NumPy "
                                                    f"array, got {type(s[key]).__name__}",
                    hint="a NumPy copy: np.array(to_numpy(m), copy=True)")
            assert_close(s[key], e[key], **TOL[DTYPES[i]],
                         what=f"{label}.state_dict()['state'][{i}][{key!r}] ({NAMES[i]}) after {CUT} steps, vs torch")


def resume_mistakes() -> dict[str, dict]:
    return {
        "the resumed optimizer starts afresh: load_state_dict must restore every parameter's step, m and v":
            dict(reset_at=CUT, reset="all"),
        "the step counts were not restored (t starts again at 0): load_state_dict restores state[p]['step'] too":
            dict(reset_at=CUT, reset="step"),
        "m and v were not restored: load_state_dict copies each saved m and v into state[p]":
            dict(reset_at=CUT, reset="mv"),
        "the groups' betas, eps and weight_decay were not restored: load_state_dict sets each group's settings "
        "from state_dict['param_groups']": dict(reset_at=CUT, reset="hyper"),
    }


@task(points=2, timeout=30)
def test_adamw_state_dict():
    """state_dict/load_state_dict: a run cut after 3 steps and resumed equals torch's straight run; copies; errors."""
    A = adamw()
    sc = scenario({1: {0}, 4: {0, 1, 2}})
    theirs, tsds = torch_run(sc)
    params = new_params(sc.init)
    with calling(f"{LABEL} (the constructor)"):
        opt = A.AdamW(learner_groups(params))
    bufs = [np.zeros(s, dtype=d) for s, d in zip(SHAPES, DTYPES)]
    learner_steps(opt, params, sc, range(CUT), bufs, LABEL)

    # what state_dict gives: the layout, and copies
    with calling(f"{LABEL}.state_dict() after {CUT} steps"):
        sd = opt.state_dict()
    check_layout(sd, tsds[CUT - 1], LABEL)
    inside = snapshot(opt, params)
    for s in sd["state"].values():
        s["m"][...] = 1e6
        s["v"][...] = 1e6
    require(same_snapshot(snapshot(opt, params), inside),
            f"writing into the arrays that {LABEL}.state_dict() returned changed the optimizer's own m or v",
            hint="state_dict returns copies: np.array(to_numpy(m), copy=True), never the arrays the optimizer updates")
    with calling(f"{LABEL}.state_dict() after {CUT} steps, called again"):
        sd = opt.state_dict()
    saved = copy.deepcopy(sd)

    # resume: fresh parameters (copies of the values after the cut), an optimizer with default settings, load
    params2 = new_params([to_numpy(p.data) for p in params])
    label2 = "a fresh AdamW([{W1, W2, W3}, {b1, g1}]) (default settings)"
    with calling(f"{label2} (the constructor)"):
        opt2 = A.AdamW(learner_groups(params2, settings=False))
    for key in ("m", "v"):  # W3 is float32: its moments come back in its dtype whatever the dict holds
        sd["state"][2][key] = sd["state"][2][key].astype(np.float64)
    with calling(f"{label2}.load_state_dict({LABEL}.state_dict(), with W3's m and v given as float64)"):
        opt2.load_state_dict(sd)
    for j, group in enumerate(opt2.param_groups):
        for k in HYPER:
            got = tuple(group[k]) if k == "betas" else group[k]
            assert_equal(got, saved["param_groups"][j][k], what=f"{label2}.param_groups[{j}][{k!r}] after load_state_dict",
                         hint="load_state_dict sets each group's lr, betas, eps and weight_decay from the saved groups")
    check_state(opt2, params2, tsds[CUT - 1], label2, "after load_state_dict (W3's m and v given as float64)",
                hint="load_state_dict puts each saved step, m and v into self.state[p], p the parameter at that "
                     "position (counting over all groups), with m and v in p.data's dtype; parameters without saved "
                     "state get none")
    loaded = snapshot(opt2, params2)
    for s in sd["state"].values():
        s["m"][...] = -1e6
        s["v"][...] = -1e6
    require(same_snapshot(snapshot(opt2, params2), loaded),
            f"writing into the dict given to {label2}.load_state_dict() afterwards changed the optimizer's m or v",
            hint="load_state_dict copies the arrays in: xp.array(saved_m, dtype=p.data.dtype, copy=True)")

    # later steps of the first optimizer leave an earlier state_dict alone
    with calling(f"{LABEL}.state_dict() after {CUT} steps"):
        early = opt.state_dict()
    early_copy = copy.deepcopy(early)
    learner_steps(opt, params, sc, range(CUT, CUT + 1), bufs, LABEL)
    for i, s in early["state"].items():
        for key in ("step", "m", "v"):
            require(np.array_equal(s[key], early_copy["state"][i][key]),
                    f"a step taken after {LABEL}.state_dict() changed the returned state['{i}'][{key!r}]",
                    hint="state_dict returns copies, not the arrays (or dicts) the optimizer keeps updating")
    require([{k: g[k] for k in HYPER} for g in early["param_groups"]]
            == [{k: g[k] for k in HYPER} for g in early_copy["param_groups"]],
            f"setting group['lr'] after {LABEL}.state_dict() changed the returned param_groups",
            hint="state_dict's param_groups are new dicts, not the optimizer's own")

    # the resumed run equals torch's straight run
    ours = learner_steps(opt2, params2, sc, range(CUT, STEPS), [b.copy() for b in bufs], label2)
    compare(ours, theirs, sc, range(CUT, STEPS), f"{LABEL} cut after step {CUT}, then {label2} after load_state_dict",
            resume_mistakes(),
            "task adamw_step checks the step itself; here the run is cut after step 3: the state (step, m, v of "
            "each parameter) and the groups' settings must survive state_dict and load_state_dict")

    # mismatches: ValueError, naming it, and nothing changed
    target = snapshot(opt, params)
    bad = documented(tsds[CUT - 1])
    bad["param_groups"][0]["params"], bad["param_groups"][1]["params"] = [0, 1], [2, 3, 4]
    bad["param_groups"][0]["lr"] = 0.123
    call = f"{LABEL}.load_state_dict(d) where d's groups hold 2 and 3 parameters, this optimizer's 3 and 2"
    with expect_raises(ValueError, call, hint="compare the group sizes before changing anything") as caught:
        opt.load_state_dict(bad)
    require("group" in str(caught[0]).lower(), f"the ValueError of {call} should name the groups; got: {caught[0]}")
    require(same_snapshot(snapshot(opt, params), target), f"{call} raised, but changed the optimizer's state or settings",
            hint="check everything first, then change: a failed load leaves the optimizer as it was")

    bad = documented(tsds[CUT - 1])
    bad["state"][2]["m"] = np.zeros((3, 2), dtype=np.float32)
    bad["param_groups"][0]["lr"] = 0.123
    call = f"{LABEL}.load_state_dict(d) where d's m of W3 (position 2, shape (2, 3)) has shape (3, 2)"
    with expect_raises(ValueError, call, hint="check each m and v against its parameter's shape") as caught:
        opt.load_state_dict(bad)
    require("(3, 2)" in str(caught[0]), f"the ValueError of {call} should name the wrong shape (3, 2); got: {caught[0]}")
    require(same_snapshot(snapshot(opt, params), target), f"{call} raised, but changed the optimizer's state or settings",
            hint="check every entry first, then change: a failed load leaves the optimizer as it was")
