"""Grader for trainer.py's ``train_step`` and ``evaluate``, on a tiny model with a PyTorch twin.

``train_step`` is given a spy optimizer (plain SGD that records what it is handed), so its
order of work is checked on its own: the gradients the optimizer sees must be PyTorch's,
clipped with ``torch.nn.utils.clip_grad_norm_``, of this batch only, with this step's lr.
"""

from __future__ import annotations

import numpy as np
import torch

from common import load
from common.checks import assert_close, assert_equal, calling, require
from grader import task

V, T = 11, 5


def batch(seed: int, B: int = 3):
    g = np.random.default_rng(seed)
    return g.integers(0, V, (B, T)), g.integers(0, V, (B, T))


def torch_step(kit, P, x, y, max_norm):
    """PyTorch's loss, global norm before clipping and clipped gradients for one batch."""
    loss = kit.torch_loss(P, x, y)
    grads = torch.autograd.grad(loss, list(P.values()))
    for p, gr in zip(P.values(), grads):
        p.grad = gr.clone()
    norm = torch.nn.utils.clip_grad_norm_(list(P.values()), max_norm).item()
    return loss.item(), norm, [p.grad.numpy().copy() for p in P.values()]


@task(points=3, timeout=60, needs=('clip_grad_norm', 'grads_are_finite'))
def test_train_step(kit):
    """train_step: fresh gradients, clipped by the global norm before the step, the step's lr, NaN steps skipped."""
    Tr = load(6, "trainer")
    model = kit.tiny_lm(V, dropout=0.0)
    P = kit.torch_params(model)
    opt = kit.SpyOptimizer(model.parameters())
    names = [n for n, _ in model.named_parameters()]
    previous = None  # the last step's clipped gradients, by name
    for k, (lr, max_norm) in enumerate(((0.5, 0.05), (0.25, 100.0), (0.125, 0.3))):
        x, y = batch(k)
        what = f"train_step(model, optimizer, x (3, {T}), y, lr={lr}, grad_clip={max_norm}) (step {k + 1} of 3)"
        model.eval()  # as evaluate leaves it between steps of a run
        model.calls.clear()
        with calling(what):
            out = Tr.train_step(model, opt, x, y, lr=lr, grad_clip=max_norm)
        require(model.calls and all(c["training"] for c in model.calls),
                f"{what}: the model ran in eval mode (dropout off) after evaluate had put it there",
                "start the step with model.train(): an evaluation in between leaves the model in eval mode")
        loss, norm, grads = torch_step(kit, P, x, y, max_norm)
        steps = opt.steps()
        require(len(steps) == k + 1, f"{what}: optimizer.step() was called {len(steps) - k} times in this step",
                "call optimizer.step() once per train_step (when the gradients are finite)")
        require(isinstance(out, dict) and {"loss", "grad_norm", "skipped"} <= set(out),
                f"{what}: expected a dict with loss, grad_norm and skipped, got {out!r:.120}")
        require(isinstance(out["loss"], (float, np.floating)),
                f"{what}: the returned loss should be a Python float, got {type(out['loss']).__name__}",
                "return float(loss.item()): a Tensor would keep the whole graph of the step alive")
        assert_close(out["loss"], loss, what=f"{what}: returned loss", rtol=1e-9,
                     hint="the loss of this batch *before* the update (lm_loss(model, x, y))")
        _, lrs, seen = steps[-1]
        assert_equal(lrs, [lr, lr], what=f"{what}: the lr of the optimizer's two groups when optimizer.step() ran",
                     hint="set group['lr'] = lr for every group of optimizer.param_groups before stepping")
        plain = torch.autograd.grad(kit.torch_loss(P, x, y), list(P.values()))
        for name, got, want, raw in zip(names, seen, grads, plain):
            require(got is not None, f"{what}: {name}.grad was None when optimizer.step() ran")
            if np.allclose(got, raw.numpy(), rtol=1e-9, atol=0) and not np.allclose(raw.numpy(), want):
                raise AssertionError(f"{what}: optimizer.step() saw the *unclipped* gradient of {name}.\nHint: clip "
                                     f"before stepping: loss.backward(), clip_grad_norm(params, grad_clip), then step()")
            if previous and np.allclose(got, want + previous[name], rtol=1e-6):
                raise AssertionError(f"{what}: {name}.grad holds this batch's gradient plus the last one's.\nHint: "
                                     f"clear the gradients (optimizer.zero_grad()) before loss.backward(): backward adds")
            assert_close(got, want, what=f"{what}: {name}.grad when optimizer.step() ran", rtol=1e-7, atol=1e-12,
                         hint="the gradients of this batch's mean cross-entropy, clipped so that their global norm is "
                              "at most grad_clip (all parameters together, not each on its own)")
        assert_close(out["grad_norm"], norm, what=f"{what}: returned grad_norm", rtol=1e-7,
                     hint="the global norm *before* clipping, as clip_grad_norm returns it")
        assert_equal(out["skipped"], False, what=f"{what}: returned skipped")
        previous = dict(zip(names, grads))
        with torch.no_grad():  # the twin takes the same SGD step as the spy
            for p, gr in zip(P.values(), grads):
                p -= lr * torch.as_tensor(gr)
        for name, p in model.named_parameters():
            assert_close(np.asarray(p.data), P[name].detach().numpy(), what=f"{what}: {name} after the step",
                         rtol=1e-9, atol=1e-12)

    # A batch whose loss is not finite: no update at all, gradients cleared, reported.
    model.wte.weight.data[3] = np.inf
    before = [np.array(p.data) for p in model.parameters()]
    x, y = np.full((2, T), 3), np.zeros((2, T), dtype=np.int64)
    what = "train_step on a batch whose loss is NaN (an embedding row is inf)"
    n_steps = len(opt.steps())
    with calling(what):
        out = Tr.train_step(model, opt, x, y, lr=0.1, grad_clip=1.0)
    require(len(opt.steps()) == n_steps, f"{what}: optimizer.step() was called",
            "when the gradients hold NaN or inf, skip optimizer.step() and report skipped=True")
    assert_equal(out["skipped"], True, what=f"{what}: returned skipped")
    for (name, p), old in zip(model.named_parameters(), before):
        assert_equal(np.asarray(p.data), old, what=f"{what}: {name} after the skipped step")
        require(p.grad is None, f"{what}: {name}.grad is left set after the skipped step",
                "clear the gradients of a skipped step (optimizer.zero_grad()) so none leaks into the next one")


@task(points=2, timeout=60, needs=('eval_batches',))
def test_evaluate(kit):
    """evaluate: the mean loss over the fixed validation windows, without a graph, dropout off, mode restored."""
    Tr = load(6, "trainer")
    g = np.random.default_rng(3)
    tokens = g.integers(0, V, 4 * 7 + 1 + 3).astype(np.uint16)  # 7 windows of 4, three tokens left over
    model = kit.tiny_lm(V, dropout=0.5)
    P = kit.torch_params(model)

    def expected(batch_size, max_batches):
        starts = np.arange((len(tokens) - 1) // 4)[: batch_size * max_batches] * 4
        x = np.stack([tokens[s:s + 4] for s in starts]).astype(np.int64)
        y = np.stack([tokens[s + 1:s + 5] for s in starts]).astype(np.int64)
        with torch.no_grad():
            return kit.torch_loss(P, x, y).item(), len(starts)

    for batch_size, max_batches, mode in ((3, 2, True), (3, 10, False), (2, 1, True), (5, 2, True)):
        model.train(mode)
        model.calls.clear()
        what = (f"evaluate(model, tokens ({len(tokens)},), batch_size={batch_size}, block_size=4, "
                f"max_batches={max_batches}) on a model with dropout 0.5, in {'training' if mode else 'eval'} mode")
        with calling(what):
            got = Tr.evaluate(model, tokens, batch_size, 4, max_batches)
        want, n = expected(batch_size, max_batches)
        require(model.calls, f"{what}: the model was never called")
        require(not any(c["training"] for c in model.calls), f"{what}: the model ran in training mode: dropout was on",
                "call model.eval() first (and give the model back in the mode it had)")
        require(not any(c["grad"] for c in model.calls), f"{what}: the forward passes recorded a graph",
                "evaluate inside `with no_grad():` (phase 02's tensor.no_grad): no graph, less memory, faster")
        require(model.training == mode, f"{what}: the model is left in {'training' if model.training else 'eval'} "
                f"mode", "give the model back in the mode it had (was = model.training; ...; model.train(was))")
        wrong = {"the mean of the batch means (a short last batch must count for its own targets only)":
                 np.mean([expected_batch(kit, P, tokens, s) for s in batch_starts(tokens, batch_size, max_batches)]),
                 f"the loss over max_batches + 1 = {max_batches + 1} batches: one batch too many (stop once "
                 f"max_batches batches are done)": expected(batch_size, max_batches + 1)[0]}
        for text, value in wrong.items():
            if abs(got - value) < 1e-9 and abs(value - want) > 1e-6:
                raise AssertionError(f"{what}: got {got:.6g}, {text}; expected {want:.6g}")
        assert_close(got, want, what=what, rtol=1e-9,
                     hint=f"the mean cross-entropy over the {n} windows eval_batches gives first (batch_size windows "
                          f"per batch, at most max_batches batches): the same windows at every call, none drawn at random")
        with calling(f"{what}, called a second time"):
            again = Tr.evaluate(model, tokens, batch_size, 4, max_batches)
        assert_equal(again, got, what=f"{what}: a second call", hint="evaluation must see the same batches every time")


def batch_starts(tokens, batch_size, max_batches):
    starts = np.arange((len(tokens) - 1) // 4) * 4
    return [starts[i:i + batch_size] for i in range(0, len(starts), batch_size)][:max_batches]


def expected_batch(kit, P, tokens, starts):
    x = np.stack([tokens[s:s + 4] for s in starts]).astype(np.int64)
    y = np.stack([tokens[s + 1:s + 5] for s in starts]).astype(np.int64)
    with torch.no_grad():
        return kit.torch_loss(P, x, y).item()
