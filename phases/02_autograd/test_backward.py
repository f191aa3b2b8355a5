"""Grader for Tensor.backward and the graph machinery: order, accumulation, no_grad, detach.

Graphs are built from the Tensor's operations (elementwise.py, reductions.py, shapes.py); a few tests insert a "probe" node made
with the given ``Tensor._make`` to watch how often, and with which gradient, backward calls
a node's rule.
"""

from __future__ import annotations

import re
import sys

import numpy as np
import torch

from common import load, under_test
from common.checks import assert_close, assert_equal, calling, expect_raises, require
from common.torchcheck import check_op
from grader import task


def tensor_module():
    return load(2, "tensor")


def leaf(values, requires_grad=True):
    return tensor_module().Tensor(np.array(values, dtype=np.float64), requires_grad=requires_grad)


def grad_of(t, what):
    require(t.grad is not None, f"{what}: .grad is None after backward()",
            hint="backward() must reach every leaf that requires grad and add into its .grad")
    return np.asarray(t.grad)


UNBROADCAST_CASES = [((4, 3), (4, 3)), ((4, 3), (3,)), ((4, 3), (4, 1)), ((4, 3), (1, 3)), ((2, 4, 3), (1, 3)),
                     ((2, 4, 3), (4, 1)), ((2, 4, 3), (2, 1, 3)), ((2, 4, 3), ()), ((5,), (1,)), ((3, 1, 5), (1, 1)),
                     ((2, 3), (1, 1))]


@task(points=2, timeout=20)
def test_unbroadcast():
    """_unbroadcast(grad, shape) (elementwise.py) sums a broadcast gradient back to the operand's shape."""
    unbroadcast = load(2, "elementwise")._unbroadcast
    rng = np.random.default_rng(0)
    for gshape, shape in UNBROADCAST_CASES:
        g = rng.standard_normal(gshape)
        expected = torch.tensor(g).sum_to_size(shape).numpy()
        what = f"_unbroadcast(grad of shape {gshape}, {shape})"
        with calling(what):
            got = unbroadcast(g.copy(), shape)
        got = np.asarray(got)
        hint = None
        if got.shape != expected.shape:
            hint = ("first sum over the leading axes that broadcasting added (grad.ndim - len(shape) of them), "
                    "then over the axes where shape has a 1, with keepdims=True")
        assert_equal(tuple(got.shape), tuple(expected.shape), what=f"{what}.shape", hint=hint)
        assert_close(got, expected, what=what, hint="each element of the small operand was used once per copy: its gradient is the sum over the copies")


def probe(x, log):
    """An identity node on ``x`` whose backward rule records every gradient it receives."""
    Tensor = tensor_module().Tensor

    def backward(g):
        log.append(np.array(g, dtype=np.float64))
        return (g,)

    return Tensor._make(x.data.copy(), (x,), backward, "probe")


def two_paths(y):
    a = y * 2.0
    b = a * 3.0
    return (a + b).sum()


@task(points=2, timeout=20)
def test_backward_order():
    """backward() runs each node's rule once, after all gradients into it have been summed."""
    x0 = np.array([0.5, -1.0, 2.0])
    # The last element of each case: what y receives when a node's gradients overwrite each other instead of adding up.
    cases = [
        ("y * y + y * 3 (y used three times)", lambda y: (y * y + y * 3.0).sum(), lambda y: 2 * y + 3,
         lambda y: [y, np.full_like(y, 3.0), y + 3, 2 * y]),
        ("a = y * 2; b = a * 3; (a + b) (paths of different lengths)", two_paths, lambda y: np.full_like(y, 8.0),
         lambda y: [np.full_like(y, 2.0), np.full_like(y, 6.0)]),
        ("u = y.tanh(); (u * y + u.exp()) (a diamond)", lambda y: (y.tanh() * y + y.tanh().exp()).sum(),
         lambda y: (1 - np.tanh(y) ** 2) * y + np.tanh(y) + np.exp(np.tanh(y)) * (1 - np.tanh(y) ** 2),
         lambda y: [(1 - np.tanh(y) ** 2) * y, np.tanh(y), np.exp(np.tanh(y)) * (1 - np.tanh(y) ** 2),
                    (1 - np.tanh(y) ** 2) * y + np.tanh(y), np.tanh(y) + np.exp(np.tanh(y)) * (1 - np.tanh(y) ** 2)]),
    ]
    for what, build, expected, overwritten in cases:
        x = leaf(x0)
        log = []
        with calling(f"backward() through {what}"):
            y = probe(x, log)
            out = build(y)
            out.backward()
        require(len(log) == 1,
                f"backward() through {what}: the rule of y ran {len(log)} times, expected exactly once",
                hint="run each node's _backward once, with the sum of all gradients that reached it: first order the "
                     "nodes topologically (every node after all nodes computed from it), then visit them in that order")
        order_hint = ("a node must wait until every node that uses it has passed its gradient on (reverse "
                      "topological order); a plain DFS or BFS from the output can reach it too early")
        if any(np.allclose(log[0], part, rtol=1e-9, atol=1e-12) for part in overwritten(x0)):
            order_hint = ("y received only part of its gradient: a later gradient overwrote an earlier one. When two "
                          "uses pass a gradient to the same node, add them (grads[p] = grads[p] + g), never overwrite")
        assert_close(log[0], expected(x0), what=f"backward() through {what}: the gradient y's rule received", hint=order_hint)
        assert_close(grad_of(x, what), expected(x0), what=f"backward() through {what}: x.grad")


@task(points=2, timeout=30, needs=("backward_order",))
def test_shared_subgraph():
    """A tensor used several times (x * x, a diamond) gets the sum of all its gradients."""
    hint = "a tensor used twice gets two gradients: add them (grads[p] = grads[p] + g), never overwrite"
    check_op(lambda a: a * a, lambda a: a * a, [(3, 4)], name="x * x", grad_hint=hint)
    check_op(lambda a: a + a, lambda a: a + a, [(3, 4)], name="x + x", grad_hint=hint)
    check_op(lambda a: a - a * 0.5, lambda a: a - a * 0.5, [(3, 4)], name="x - x * 0.5", grad_hint=hint)

    def diamond(x):
        a = x * 2.0 + 1.0
        return a.tanh() * a.sigmoid() + a

    check_op(diamond, diamond, [(3, 4)], name="a = 2x + 1; tanh(a) * sigmoid(a) + a", grad_hint=hint)
    check_op(lambda w, v: (w @ v + w) @ w, lambda w, v: (w @ v + w) @ w, [(3, 3), (3, 3)],
             name="(W @ V + W) @ W (W used three times)", names=["W", "V"], grad_hint=hint)


@task(points=2, timeout=20, needs=("backward_order",))
def test_accumulation():
    """Leaf gradients add up over backward() calls, like PyTorch; zero_grad() starts afresh."""
    x0 = np.array([[1.0, -2.0, 0.5], [3.0, 0.0, -1.0]])
    x = leaf(x0)
    acc_hint = "leaves accumulate: the first backward stores the gradient, later ones add to it (leaf.grad += g)"
    with calling("(x * 3).sum().backward(), twice, each time on a new graph"):
        (x * 3.0).sum().backward()
        (x * 3.0).sum().backward()
    assert_close(grad_of(x, "x"), np.full_like(x0, 6.0), what="x.grad after two backward() calls of (x * 3).sum()", hint=acc_hint)
    with calling("(x * x).sum().backward() as a third call"):
        (x * x).sum().backward()
    assert_close(grad_of(x, "x"), 6.0 + 2 * x0, what="x.grad after a third backward() of (x * x).sum()", hint=acc_hint)
    x.zero_grad()
    require(x.grad is None, "x.zero_grad() should set x.grad to None")
    with calling("x.sum().backward(), twice", hint="the first time, store a writable copy of the gradient: "
                 "xp.broadcast_to gives a read-only view that `+=` cannot change"):
        x.sum().backward()
        x.sum().backward()
    assert_close(grad_of(x, "x"), np.full_like(x0, 2.0), what="x.grad after two backward() calls of x.sum()",
                 hint="store a writable copy the first time (np.broadcast_to gives a read-only view that += cannot change)")

    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    with calling("((a + b) * 3).sum().backward(), twice"):
        ((a + b) * 3.0).sum().backward()
        ((a + b) * 3.0).sum().backward()
    alias = ("a.grad and b.grad must be two separate arrays: if both leaves store the very same array, "
             "`a.grad += g` also changes b.grad. Store a copy the first time.")
    assert_close(grad_of(a, "a"), [6.0, 6.0], what="a.grad after two backward() calls of ((a + b) * 3).sum()", hint=alias)
    assert_close(grad_of(b, "b"), [6.0, 6.0], what="b.grad after two backward() calls of ((a + b) * 3).sum()", hint=alias)

    c, d = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    what = "(((c + d) + c) * 2).sum().backward()"
    with calling(what):
        (((c + d) + c) * 2.0).sum().backward()
    shared = ("the backward of + hands the very same array g to both of its parents; adding a second gradient into it "
              "in place (grads[p] += g) also changes the other parent's: add out of place, grads[p] = grads[p] + g")
    assert_close(grad_of(c, "c"), [4.0, 4.0], what=f"c.grad after {what}", hint=shared)
    assert_close(grad_of(d, "d"), [2.0, 2.0], what=f"d.grad after {what}", hint=shared)

    Tensor = tensor_module().Tensor
    w = Tensor(np.ones((2, 3), np.float32), requires_grad=True)
    with calling("(float32 w * 2).sum().backward()"):
        (w * 2.0).sum().backward()
    g = w.grad
    require(g is not None and getattr(g, "shape", None) == (2, 3) and getattr(g, "dtype", None) == np.float32,
            f"w.grad of a float32 w of shape (2, 3) should be a float32 array of shape (2, 3), got {g!r:.100}",
            hint="gradients have the dtype and shape of the data")

    v = Tensor(np.zeros(3, np.float32), requires_grad=True)
    seed = np.array([1.0, 2.0, 3.0], np.float32)
    with calling("v.backward(seed) twice, with the same float32 array seed, on a float32 leaf v"):
        v.backward(seed)
        v.backward(seed)
    seed_hint = ("the leaf stored the caller's array as its .grad, so the second `v.grad += g` changed the caller's array: "
                 "store a copy of a gradient that someone else holds (the seed passed to backward is the caller's array)")
    assert_close(seed, [1.0, 2.0, 3.0], rtol=0, atol=0, what="the caller's array seed after v.backward(seed) twice",
                 hint=seed_hint)
    assert_close(grad_of(v, "v"), [2.0, 4.0, 6.0], what="v.grad after v.backward(seed) twice", hint=seed_hint)

    c = leaf([1.0, 2.0], requires_grad=False)
    with calling("(t * c).sum().backward() with c a constant"):
        (leaf([1.0, 1.0]) * c).sum().backward()
    require(c.grad is None, "a tensor with requires_grad=False got a .grad; only tensors that require grad get one",
            hint="skip parents whose requires_grad is False")


@task(points=2, timeout=20)
def test_no_grad():
    """Inside no_grad() nothing is recorded; the previous state comes back on exit, nested or not."""
    T = tensor_module()
    require(T.is_grad_enabled() is True, "is_grad_enabled() should be True outside any no_grad()")
    x = leaf([1.0, 2.0])
    try:
        with calling("with no_grad(): y = x * 2"):
            with T.no_grad():
                inside = T.is_grad_enabled()
                y = x * 2.0
        require(inside is False, "is_grad_enabled() should be False inside `with no_grad():`",
                hint="__enter__ sets the module's _GRAD_ENABLED to False (declare it global)")
        require(y.requires_grad is False and not y._parents,
                f"x * 2 computed inside no_grad() has requires_grad={y.requires_grad} and {len(y._parents)} parents; "
                "expected requires_grad=False and no parents")
        require(T.is_grad_enabled() is True, "is_grad_enabled() should be True again after leaving `with no_grad():`",
                hint="__exit__ restores the state saved in __enter__")
        with T.no_grad():
            with T.no_grad():
                pass
            after_inner = T.is_grad_enabled()
        require(after_inner is False,
                "after a nested no_grad() exits, the outer one is still active, but is_grad_enabled() returned True",
                hint="__exit__ restores the previous state (saved on self in __enter__), not always True")
        require(T.is_grad_enabled() is True, "is_grad_enabled() should be True after nested no_grad() blocks")
        try:
            with T.no_grad():
                raise KeyError("boom")
        except KeyError:
            pass
        require(T.is_grad_enabled() is True, "is_grad_enabled() should be True after an exception left a no_grad() block",
                hint="__exit__ runs on exceptions too; it must restore the state")
        with calling("x * 2 after no_grad()"):
            z = x * 2.0
        require(z.requires_grad is True, "x * 2 after leaving no_grad() should require grad again")
        with expect_raises(RuntimeError, "y.backward() on y = x * 2 computed inside no_grad()",
                           hint="raise RuntimeError in backward() when the tensor does not require grad"):
            y.sum().backward()
    finally:
        if hasattr(T, "_GRAD_ENABLED"):
            T._GRAD_ENABLED = True


@task(points=1, timeout=20)
def test_detach():
    """detach() shares the data but cuts the graph: no gradient flows through it."""
    x0 = np.array([1.0, -2.0, 3.0])
    x = leaf(x0)
    with calling("(x * x.detach()).sum().backward()"):
        (x * x.detach()).sum().backward()
    assert_close(grad_of(x, "x"), x0, what="x.grad of (x * x.detach()).sum()",
                 hint="a detached tensor is a constant: only the first factor carries gradient, so the result is x, not 2x")
    d = x.detach()
    require(d.requires_grad is False and not d._parents and under_test("common.toys").shares_data(d, x),
            "x.detach() should return a Tensor on the same data with requires_grad=False and no parents")


@task(points=2, timeout=40, needs=("backward_order",))
def test_deep_chain():
    """backward() through a chain of 10,000 operations, with Python's default recursion limit."""
    x = leaf([1.0, 2.0])
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)
    try:
        with calling("building y = x * 1.0001 + 0.5, 5,000 times (10,000 operations)"):
            y = x
            for _ in range(5000):
                y = y * 1.0001 + 0.5
        with calling("y.sum().backward() through 10,000 operations",
                     hint="a recursive topological sort overflows Python's stack (1,000 frames): use a loop with an "
                          "explicit stack of (node, visited) pairs instead"):
            y.sum().backward()
    finally:
        sys.setrecursionlimit(old)
    assert_close(grad_of(x, "x"), np.full(2, 1.0001**5000), rtol=1e-9,
                 what="x.grad after backward() through 10,000 operations")


@task(points=1, timeout=20)
def test_nonscalar_backward_error():
    """backward() needs a gradient for a non-scalar and a tensor that requires grad."""
    x = leaf([1.0, 2.0, 3.0])
    with calling("y = x * 2"):
        y = x * 2.0
    with expect_raises(ValueError, "y.backward() with y of shape (3,) and no gradient given",
                       hint="only a one-element tensor can seed itself with 1; otherwise raise ValueError") as caught:
        y.backward()
    message = str(caught[0])
    require(re.search(r"\(\s*3\s*,?\s*\)", message) is not None,
            f"y.backward() raised ValueError({message!r}); the message should name y's shape (3,)",
            hint='e.g. f"backward() needs grad for a tensor of shape {self.shape}"')
    with calling("y.backward(np.array([1.0, 0.5, -1.0]))"):
        y.backward(np.array([1.0, 0.5, -1.0]))
    assert_close(grad_of(x, "x"), [2.0, 1.0, -2.0], what="x.grad after (x * 2).backward([1, 0.5, -1])")
    w = leaf(np.ones((2, 3)))
    with calling("u = w * 2 with w of shape (2, 3)"):
        u = w * 2.0
    with expect_raises(ValueError, "u.backward(np.ones((1, 3))) with u of shape (2, 3): a gradient of the wrong shape",
                       hint="check grad.shape == self.shape and raise ValueError naming both: a (1, 3) gradient would "
                            "broadcast silently and leave w.grad of shape (1, 3)") as caught:
        u.backward(np.ones((1, 3)))
    message = str(caught[0])
    require(re.search(r"\(\s*1\s*,\s*3\s*\)", message) is not None and re.search(r"\(\s*2\s*,\s*3\s*\)", message) is not None,
            f"u.backward(np.ones((1, 3))) raised ValueError({message!r}); the message should name both shapes, (1, 3) and (2, 3)",
            hint='e.g. f"grad has shape {grad.shape}, the tensor has shape {self.shape}"')
    z = leaf([[3.0]])
    with calling("backward() on a (1, 1) tensor z * z"):
        (z * z).backward()
    assert_close(grad_of(z, "z"), [[6.0]], what="z.grad after (z * z).backward() with z of shape (1, 1)",
                 hint="any one-element tensor (shape (), (1,), (1, 1)) can be seeded with ones_like")
    c = leaf([1.0, 2.0], requires_grad=False)
    with expect_raises(RuntimeError, "(c * 2).sum().backward() with c not requiring grad",
                       hint="raise RuntimeError: nothing in the graph requires grad"):
        (c * 2.0).sum().backward()
