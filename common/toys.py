"""Small models the graders build on the learner's classes, defined where the code under test runs.

A grader's model derives from the learner's ``Module``. In isolated grading (``grader/remote.py``)
that class lives in another process, and a class of the checking process cannot derive from it;
so the graders build these models through ``under_test("common.toys")``: this module in an
ordinary grade, the host process's copy of it in an isolated one.
"""

from __future__ import annotations

import numpy as np

from common import load


def toy_classes():
    """``(Leaf, Block, Net)``: small modules on phase 02's Module and Parameter, with known parameter names."""
    m, Tensor = load(2, "nn"), load(2, "tensor").Tensor

    class Leaf(m.Module):
        def __init__(self, n: int, seed: int):
            g = np.random.default_rng(seed)
            self.w = m.Parameter(g.standard_normal((n, n)))
            self.b = m.Parameter(g.standard_normal(n))

    class Block(m.Module):
        def __init__(self, seed: int):
            self.scale = m.Parameter(np.ones(3) + seed)
            self.name = "block"  # neither a Parameter nor a Module: skipped
            self.inner = Leaf(3, seed)
            self.mask = Tensor(np.tril(np.ones((3, 3))))  # a plain Tensor (a buffer), not a Parameter
            self.sizes = [3, 3]  # a list of ints: skipped

    class Net(m.Module):
        def __init__(self, seed: int = 0):
            self.embed = Leaf(4, seed)
            self.blocks = [Block(seed + 1), Block(seed + 2)]
            self.head = Leaf(4, seed + 3)
            self.tied = self.embed.w  # weight tying: the same Parameter under a second name
            self.pair = (Leaf(2, seed + 4),)
            self.bias = m.Parameter(np.zeros(4))

    return Leaf, Block, Net


def recorder(W: np.ndarray):
    """A bigram-like Module whose logits are rows of ``W``; ``.calls`` records (training, grad enabled,
    input shape) for every forward call."""
    nn, tensor = load(2, "nn"), load(2, "tensor")

    class Recorder(nn.Module):
        def __init__(self):
            self.weight = nn.Parameter(W.copy())
            self.calls: list[tuple[bool, bool, tuple]] = []

        def forward(self, idx):
            idx = np.asarray(idx)
            self.calls.append((self.training, tensor.is_grad_enabled(), idx.shape))
            return self.weight[idx[:, 0]]

    return Recorder()


def tiny_lm(vocab: int, dim: int, context: int, hidden: int):
    """An MLP language model from phase 02's Embedding and Linear (seeded); ``.seen`` records
    (training, input ids) for every forward call."""
    nn = load(2, "nn")

    class TinyLM(nn.Module):
        def __init__(self):
            rng = np.random.default_rng(0)
            self.wte = nn.Embedding(vocab, dim, rng=rng)
            self.fc = nn.Linear(context * dim, hidden, rng=rng)
            self.head = nn.Linear(hidden, vocab, rng=rng)
            self.seen: list[tuple[bool, np.ndarray]] = []

        def forward(self, idx):
            idx = np.asarray(idx)
            self.seen.append((self.training, idx.copy()))
            return self.head(self.fc(self.wte(idx).reshape(idx.shape[0], -1)).tanh())

    return TinyLM()


def cast_parameters(model, dtype) -> None:
    """Give every parameter of ``model`` a copy of its data in ``dtype`` (the same Parameter objects)."""
    for p in model.parameters():
        p.data = p.data.astype(dtype)


def shares_data(a, b) -> bool:
    """Whether Tensors (or arrays) ``a`` and ``b`` hold the same memory: asked where they live, since
    an array read through a proxy is a copy."""
    return bool(np.shares_memory(getattr(a, "data", a), getattr(b, "data", b)))


def set_lrs(optimizer, lrs) -> None:
    """Set ``optimizer.param_groups[j]["lr"] = lrs[j]``, in the optimizer's own dicts, as a schedule does."""
    for group, lr in zip(optimizer.param_groups, lrs):
        group["lr"] = lr


class SpyOptimizer:
    """Plain SGD (``p -= lr * grad``) in two groups (the first parameter alone, then the rest) that
    records what it was handed: the ``lr`` of each group and a copy of every gradient at each
    ``step``, and each ``zero_grad``."""

    def __init__(self, params, lr: float = 0.123):
        params = list(params)
        self.param_groups = [{"params": params[:1], "lr": lr, "weight_decay": 0.0},
                             {"params": params[1:], "lr": lr / 2, "weight_decay": 0.0}]
        self.events: list[tuple] = []

    def zero_grad(self):
        self.events.append(("zero_grad",))
        for group in self.param_groups:
            for p in group["params"]:
                p.grad = None

    def step(self):
        grads = [None if p.grad is None else np.array(p.grad, copy=True)
                 for group in self.param_groups for p in group["params"]]
        self.events.append(("step", [g["lr"] for g in self.param_groups], grads))
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    p.data = p.data - group["lr"] * p.grad

    def steps(self) -> list:
        return [e for e in self.events if e[0] == "step"]


class SpySGD:
    """Plain SGD (``p -= lr * grad``) over ``params`` in one group, on any device, that records at
    each ``step`` a float64 host copy of every gradient it was handed (``.stepped``) and counts
    ``zero_grad`` calls (``.zeroed``)."""

    def __init__(self, params, lr: float = 0.1):
        self.param_groups = [{"params": list(params), "lr": lr, "weight_decay": 0.0}]
        self.state: dict = {}
        self.stepped: list[list] = []
        self.zeroed = 0

    def zero_grad(self):
        self.zeroed += 1
        for p in self.param_groups[0]["params"]:
            p.grad = None

    def step(self):
        from common.tiny_lm import host

        ps = self.param_groups[0]["params"]
        self.stepped.append([None if p.grad is None else host(p.grad).astype(np.float64) for p in ps])
        lr = self.param_groups[0]["lr"]
        for p in ps:
            if p.grad is not None:
                p.data = p.data - p.data.dtype.type(lr) * p.grad.astype(p.data.dtype)
