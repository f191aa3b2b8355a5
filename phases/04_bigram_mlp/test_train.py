"""Grader for train.py: evaluate() against PyTorch's cross-entropy over every row, and train() step by
step against a PyTorch replica with the same float64 weights, the same batches and torch.optim.Adam.

The models are the grader's own, built from phase-02 layers; they record, at each forward pass,
the mode they are in, whether a graph is being recorded and the rows they were given.
"""

from __future__ import annotations

import copy

import numpy as np
import torch
import torch.nn.functional as TF

from common import load, under_test
from common.backend import to_numpy
from common.checks import assert_close, assert_equal, calling, require
from grader import task


def train_module():
    return load(4, "train")


def table_model(W: np.ndarray):
    """A bigram-like Module whose logits are rows of W; it records every forward call (``common/toys.py``)."""
    return under_test("common.toys").recorder(W)


def evaluate(model, X, Y, what, **kw) -> float:
    with calling(what):
        got = train_module().evaluate(model, X, Y, **kw)
    require(isinstance(got, float), f"{what} should return a Python float, got {type(got).__name__}: {got!r:.80}",
            hint="turn each batch's loss into a number with loss.item() and return a float")
    return got


@task(points=2, timeout=20)
def test_train_evaluate():
    """evaluate() is the mean cross-entropy over all rows (short last batch weighted right), in eval mode, without a graph."""
    tensor = load(2, "tensor")
    g = np.random.default_rng(0)
    V, n = 5, 10
    W = 3.0 * g.standard_normal((V, V))
    X = g.integers(0, V, (n, 1))
    Y = g.integers(0, V, n)
    expected = TF.cross_entropy(torch.tensor(W[X[:, 0]]), torch.from_numpy(Y)).item()

    model = table_model(W)
    model.train()
    what = "evaluate(model, X (10, 1), Y (10,), batch_size=4) on a model in training mode"
    got = evaluate(model, X, Y, what, batch_size=4)
    shapes = [c[2] for c in model.calls]
    assert_equal(shapes, [(4, 1), (4, 1), (2, 1)], what=f"{what}: the shapes the model was called on",
                 hint="go through X batch_size rows at a time: X[i : i + batch_size] for i in range(0, len(X), batch_size)")
    parts = [(0, 4), (4, 8), (8, 10)]
    per_batch = [TF.cross_entropy(torch.tensor(W[X[a:b, 0]]), torch.from_numpy(Y[a:b])).item() for a, b in parts]
    hint = "sum each batch's mean loss times its number of rows, then divide by len(X)"
    if np.isclose(got, np.mean(per_batch), rtol=1e-6):
        hint = ("your value is the mean of the 3 batch means: the last batch holds 2 rows, not 4, so weight each "
                "batch's mean by its number of rows and divide by len(X)")
    assert_close(got, expected, what=f"{what}: the mean cross-entropy over all 10 rows, vs torch.nn.functional.cross_entropy",
                 rtol=1e-5, atol=1e-7, hint=hint)
    modes = [c[0] for c in model.calls]
    require(not any(modes), f"{what}: the model was in training mode during {sum(modes)} of its {len(modes)} forward calls",
            hint="call model.eval() before the first batch (dropout must be off to measure)")
    grads = [c[1] for c in model.calls]
    require(not any(grads), f"{what}: a graph was recorded during {sum(grads)} of the {len(grads)} forward calls",
            hint="run the batches inside `with no_grad():` (phase-02 tensor.no_grad): evaluation needs no gradients")
    require(model.training is True, f"{what}: after the call the model is no longer in training mode",
            hint="remember model.training before, and put the model back with model.train(was_training) at the end")
    require(tensor.is_grad_enabled(), f"after {what}, grad mode is still off",
            hint="use no_grad as a context manager (with no_grad(): ...), so that it switches recording back on")
    require(model.weight.grad is None, f"{what} left a gradient on the model's weight", hint="evaluate never calls backward()")

    model = table_model(W)
    model.eval()
    what = "evaluate(model, X (10, 1), Y (10,)) (default batch_size) on a model in eval mode"
    got = evaluate(model, X, Y, what)
    assert_close(got, expected, what=what, rtol=1e-5, atol=1e-7)
    assert_equal([c[2] for c in model.calls], [(10, 1)], what=f"{what}: the shapes the model was called on",
                 hint="the default batch_size=4096 covers all 10 rows in one call")
    require(model.training is False, f"{what}: the model was in eval mode before the call and is in training mode after it",
            hint="give the model back in the mode it had: model.train(was_training), not model.train()")

    model = table_model(W)
    what = "evaluate(model, X (10, 1), Y (10,), batch_size=3)"
    got = evaluate(model, X, Y, what, batch_size=3)
    assert_close(got, expected, what=what, rtol=1e-5, atol=1e-7,
                 hint="batches of 3, 3, 3 and 1 rows: weight each batch's mean by its rows")


V, T, D, H, N, STEPS, BATCH, LR = 9, 2, 3, 5, 30, 12, 6, 0.02


def float64_weights() -> dict[str, np.ndarray]:
    g = np.random.default_rng(10)
    return {"wte.weight": g.standard_normal((V, D)), "fc.weight": 0.5 * g.standard_normal((T * D, H)),
            "fc.bias": 0.3 * g.standard_normal(H), "head.weight": 0.5 * g.standard_normal((H, V)),
            "head.bias": 0.3 * g.standard_normal(V)}


def tiny_lm():
    """The grader's model from phase-02 Embedding and Linear, float64 weights; it records its inputs."""
    model = under_test("common.toys").tiny_lm(V, D, T, H)
    params = dict(model.named_parameters())
    for name, value in float64_weights().items():
        params[name].data = value.copy()
    return model


def torch_run(X, Y, seed: int, mistake: str | None = None) -> tuple[list[float], dict[str, np.ndarray]]:
    """The same training in PyTorch: per-step losses and final weights. ``mistake`` simulates a classic one."""
    w = {k: torch.tensor(v, requires_grad=True) for k, v in float64_weights().items()}
    opt = torch.optim.Adam(list(w.values()), lr=LR)
    rng = np.random.default_rng(seed)
    losses = []
    for _ in range(STEPS):
        ix = rng.integers(0, len(X), size=BATCH)
        x = torch.from_numpy(X[ix])
        h = torch.tanh(w["wte.weight"][x].reshape(len(ix), -1) @ w["fc.weight"] + w["fc.bias"])
        loss = TF.cross_entropy(h @ w["head.weight"] + w["head.bias"], torch.from_numpy(Y[ix]))
        if mistake == "zero_after_backward":
            loss.backward()
            opt.zero_grad()
        elif mistake == "no_zero_grad":
            loss.backward()
        else:
            opt.zero_grad()
            loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses, {k: v.detach().numpy() for k, v in w.items()}


@task(points=3, timeout=30, needs=('data_random_batch',))
def test_train_loop():
    """train() matches a PyTorch loop step by step: same batches from rng, zero_grad, backward, Adam step, losses."""
    g = np.random.default_rng(1)
    X = g.integers(0, V, (N, T))
    Y = g.integers(0, V, N)
    model = tiny_lm()
    model.eval()
    rng = np.random.default_rng(42)
    twin = copy.deepcopy(rng)
    setup = (f"train(model, Adam(model.parameters(), lr={LR}), X ({N}, {T}), Y ({N},), steps={STEPS}, "
             f"batch_size={BATCH}, rng=default_rng(42)) on a small Embedding-Linear-tanh-Linear model (float64 weights)")
    opt = load(2, "optim").Adam(model.parameters(), lr=LR)
    with calling(setup):
        losses = train_module().train(model, opt, X, Y, steps=STEPS, batch_size=BATCH, rng=rng)
    require(isinstance(losses, list) and len(losses) == STEPS,
            f"{setup} should return a list of {STEPS} losses, got {type(losses).__name__} "
            f"{'of length ' + str(len(losses)) if hasattr(losses, '__len__') else ''}")
    require(all(isinstance(v, float) for v in losses),
            f"{setup} should return Python floats, got {type(losses[0]).__name__} {losses[0]!r:.60}",
            hint="append loss.item(), not the loss Tensor (which would keep its whole graph alive)")
    require(len(model.seen) == STEPS,
            f"{setup}: the model was called {len(model.seen)} times, expected once per step ({STEPS})",
            hint="one forward pass per step: loss = cross_entropy(model(x), y)")
    require(all(mode for mode, _ in model.seen),
            f"{setup}: the model (in eval mode before the call) was not in training mode during training",
            hint="call model.train() before the first step")
    for k, (_, x) in enumerate(model.seen):
        ix = twin.integers(0, N, size=BATCH)
        assert_equal(x.tolist(), X[ix].tolist(), what=f"{setup}: the batch of step {k + 1} (expected X[rng.integers(0, {N}, size={BATCH})])",
                     hint="draw every batch with random_batch(X, Y, batch_size, rng), once per step, from the rng given")

    expected, final = torch_run(X, Y, seed=42)
    if not np.allclose(losses, expected, rtol=1e-9, atol=1e-12):
        hint = "each step: random_batch, cross_entropy(model(x), y), optimizer.zero_grad(), loss.backward(), optimizer.step()"
        for mistake, text in [("zero_after_backward", "optimizer.zero_grad() runs after loss.backward(): it wipes the "
                               "gradients before optimizer.step() can use them; clear them before backward()"),
                              ("no_zero_grad", "the gradients are never cleared, so they pile up from step to step: call "
                               "optimizer.zero_grad() before loss.backward()")]:
            if np.allclose(losses, torch_run(X, Y, seed=42, mistake=mistake)[0], rtol=1e-9, atol=1e-12):
                hint = "your losses match this mistake: " + text
                break
        assert_close(losses, expected, what=f"{setup}: the {STEPS} training losses, vs the same loop in PyTorch",
                     rtol=1e-9, atol=1e-12, hint=hint)
    for name, p in model.named_parameters():
        assert_close(to_numpy(p.data), final[name], rtol=1e-8, atol=1e-10,
                     what=f"{setup}: parameter {name} after training, vs PyTorch",
                     hint="call optimizer.step() once per step, after loss.backward()")
