"""Grader for the Tensor's operations: forward values and gradients against PyTorch.

The operations are written in elementwise.py, reductions.py and shapes.py. Every case runs
the operation on float64 inputs in our Tensor and in torch, back-propagates the same random
upstream gradient through both and compares the output and the gradient of each operand
(common.torchcheck). A few small cases are checked with central differences too.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from common import load
from common.checks import calling, expect_raises, require
from common.torchcheck import check_numeric, check_op
from grader import task

UNBROADCAST_HINT = "sum the gradient back to the operand's shape (_unbroadcast) before returning it"


def tensor_module():
    return load(2, "tensor")


def check(ours, theirs, inputs, name, **kw):
    return check_op(ours, theirs, inputs, name=name, Tensor=tensor_module().Tensor, **kw)


def numeric(ours, inputs, name, **kw):
    check_numeric(ours, inputs, name=name, Tensor=tensor_module().Tensor, **kw)


def positive(shape, seed=0, low=0.5, high=2.0):
    return np.random.default_rng(seed).uniform(low, high, size=shape)


def transposed(shape, seed=0):
    """A non-contiguous float64 array of ``shape``: the transpose of a freshly drawn array."""
    return np.random.default_rng(seed).standard_normal(shape[::-1]).T


def check_float32(make, what):
    """``make(Tensor)`` on float32 inputs with Python-number operands must stay float32."""
    Tensor = tensor_module().Tensor
    with calling(what):
        out = make(Tensor)
    require(isinstance(out, Tensor), f"{what} should return a Tensor, got {type(out).__name__}")
    require(out.dtype == np.float32, f"{what}: a float32 tensor combined with a Python number gave {out.dtype}",
            hint="turn Python numbers into arrays of the tensor's dtype (self._wrap does): float32 in, float32 out")


BINARY_SHAPES = [((4, 3), (4, 3)), ((4, 3), (3,)), ((3,), (4, 3)), ((4, 1), (1, 3)), ((2, 4, 3), (4, 1)),
                 ((2, 1, 3), (5, 1)), ((3,), ()), ((), (2, 3))]


def binary_cases(op_name, ours, theirs, grad_hint=UNBROADCAST_HINT, b_positive=False):
    for k, (sa, sb) in enumerate(BINARY_SHAPES):
        b = positive(sb, seed=k + 50) * np.where(np.random.default_rng(k).random(sb) < 0.5, -1, 1) if b_positive else sb
        check(ours, theirs, [sa, b], f"a {op_name} b", seed=k, grad_hint=grad_hint, names=["a", "b"])
    a = transposed((3, 4), seed=7)
    b = positive((3, 4), seed=8) if b_positive else transposed((3, 4), seed=8)
    check(ours, theirs, [a, b], f"a {op_name} b (both non-contiguous, transposed arrays)", names=["a", "b"])
    check(ours, theirs, [(3, 4), (4,)], f"a {op_name} b (b a constant: requires_grad=False)", names=["a", "b"],
          requires_grad=[True, False])


@task(points=2, timeout=30, needs=("backward_order", "unbroadcast"))
def test_add_sub():
    """+ and - with broadcasting, numbers and arrays on either side; gradients summed back to each shape."""
    binary_cases("+", lambda a, b: a + b, lambda a, b: a + b)
    binary_cases("-", lambda a, b: a - b, lambda a, b: a - b,
                 grad_hint=[UNBROADCAST_HINT, "d(a - b)/db = -1: the right operand gets -g (then summed back to its shape)"])
    x = (3, 4)
    check(lambda a: a + 2.5, lambda a: a + 2.5, [x], "Tensor + 2.5")
    check(lambda a: 2.5 + a, lambda a: 2.5 + a, [x], "2.5 + Tensor")
    check(lambda a: 1 - a, lambda a: 1 - a, [x], "1 - Tensor", hint="1 - t calls t.__rsub__(1): the result is 1 - t, not t - 1")
    c = np.arange(4.0)
    check(lambda a: c - a, lambda a: torch.tensor(c) - a, [x], "ndarray(4,) - Tensor(3, 4)")
    check(lambda a: a - c, lambda a: a - torch.tensor(c), [x], "Tensor(3, 4) - ndarray(4,)")
    check_float32(lambda T: T(np.ones((2, 3), np.float32), requires_grad=True) + 1.5, "float32 Tensor + 1.5")
    check_float32(lambda T: 1.5 - T(np.ones((2, 3), np.float32), requires_grad=True), "1.5 - float32 Tensor")


@task(points=2, timeout=30, needs=("backward_order", "unbroadcast"))
def test_mul_div():
    """* and / with broadcasting, numbers on either side; the quotient rule for the divisor."""
    binary_cases("*", lambda a, b: a * b, lambda a, b: a * b,
                 grad_hint="d(a * b)/da = g * b and d(a * b)/db = g * a, each summed back to its operand's shape")
    binary_cases("/", lambda a, b: a / b, lambda a, b: a / b, b_positive=True,
                 grad_hint=["d(a / b)/da = g / b", "d(a / b)/db = -g * a / b**2"])
    x = (3, 4)
    check(lambda a: a * -3.0, lambda a: a * -3.0, [x], "Tensor * -3.0")
    check(lambda a: 0.5 * a, lambda a: 0.5 * a, [x], "0.5 * Tensor")
    check(lambda a: a / 4, lambda a: a / 4, [x], "Tensor / 4")
    check(lambda a: 2.0 / a, lambda a: 2.0 / a, [positive(x)], "2.0 / Tensor",
          hint="2 / t calls t.__rtruediv__(2): the result is 2 / t, not t / 2")
    check_float32(lambda T: T(np.ones((2, 3), np.float32), requires_grad=True) * 0.1, "float32 Tensor * 0.1")
    check_float32(lambda T: 3 / T(np.ones((2, 3), np.float32), requires_grad=True), "3 / float32 Tensor")
    numeric(lambda a, b: a * b / (b * b + 1.0), [(2, 3), (3,)], "a * b / (b * b + 1)")


@task(points=1, timeout=30, needs=("backward_order",))
def test_neg_pow():
    """Unary minus and ** with a Python-number exponent (TypeError for a Tensor exponent)."""
    check(lambda a: -a, lambda a: -a, [(3, 4)], "-Tensor")
    for p in (2, 3, 1, -1, 0.5, -1.5, 2.5):
        check(lambda a: a**p, lambda a: a**p, [positive((3, 4), seed=3)], f"Tensor ** {p}",
              grad_hint="d(x**p)/dx = p * x**(p - 1)")
    check(lambda a: a**2, lambda a: a**2, [(2, 5)], "Tensor ** 2 (negative bases)")
    check(lambda a: a**0, lambda a: a**0, [np.array([[0.0, 1.5], [-2.0, 0.0]])], "Tensor ** 0 (zeros among the bases)",
          grad_hint="x ** 0 is 1 everywhere, so its derivative is 0 everywhere, also at x = 0, where "
                    "p * x**(p - 1) is 0 * inf = nan: return zeros when p == 0")
    numeric(lambda a: (-a) ** 3, [(2, 3)], "(-a) ** 3")
    check_float32(lambda T: T(np.ones((2, 3), np.float32), requires_grad=True) ** 2.0, "float32 Tensor ** 2.0")
    Tensor = tensor_module().Tensor
    x = Tensor(np.ones((2, 2)), requires_grad=True)
    with expect_raises(TypeError, "Tensor ** Tensor", hint="only a Python int or float exponent is supported: raise TypeError otherwise"):
        x ** Tensor(np.full((2, 2), 2.0))


MATMUL_SHAPES = [
    ((3, 4), (4, 5)), ((1, 4), (4, 1)), ((4,), (4, 3)), ((3, 4), (4,)), ((4,), (4,)),
    ((2, 3, 4), (2, 4, 5)), ((2, 3, 4), (4, 5)), ((4, 5), (2, 5, 3)), ((2, 1, 3, 4), (3, 4, 2)),
    ((4,), (2, 4, 3)), ((2, 3, 4), (4,)),
]


@task(points=3, timeout=40, needs=("backward_order",))
def test_matmul():
    """@ with np.matmul rules: 2-D, 1-D on either side, batched and broadcast batch axes."""
    for k, (sa, sb) in enumerate(MATMUL_SHAPES):
        check(lambda a, b: a @ b, lambda a, b: a @ b, [sa, sb], "A @ B", seed=k, names=["A", "B"],
              grad_hint=["dA = g @ B^T (swap the last two axes of B; for a 1-D operand treat it as a row or column), "
                         "summed over broadcast batch axes",
                         "dB = A^T @ g (swap the last two axes of A), summed over broadcast batch axes"])
    check(lambda a, b: a @ b, lambda a, b: a @ b, [transposed((4, 5), 1), transposed((5, 3), 2)],
          "A @ B (transposed, non-contiguous arrays)", names=["A", "B"])
    W = np.random.default_rng(3).standard_normal((4, 2))
    check(lambda a: a @ W, lambda a: a @ torch.tensor(W), [(3, 4)], "Tensor(3, 4) @ ndarray(4, 2)")
    check(lambda b: W.T @ b, lambda b: torch.tensor(W.T) @ b, [(4, 3)], "ndarray(2, 4) @ Tensor(4, 3)",
          hint="ndarray @ Tensor calls Tensor.__rmatmul__")
    numeric(lambda a, b: a @ b, [(2, 3, 4), (4, 2)], "Tensor(2, 3, 4) @ Tensor(4, 2)")


REDUCE_AXES = [None, 0, 1, -1, (0, 2), (-1, -2)]


@task(points=2, timeout=30, needs=("backward_order",))
def test_sum_mean():
    """sum and mean over None, an axis, a negative axis or a tuple, with and without keepdims."""
    for op in ("sum", "mean"):
        for k, axis in enumerate(REDUCE_AXES):
            for keep in (False, True):
                dims = None if axis is None else axis
                theirs = (lambda a, d=dims, kk=keep, o=op: getattr(a, o)() if d is None and not kk
                          else getattr(a, o)(dim=tuple(range(a.ndim)) if d is None else d, keepdim=kk))
                hint = "put the reduced axes back (size 1) so g broadcasts to the input's shape"
                if op == "mean":
                    hint += "; mean divides by the number of elements reduced over, not by the total size"
                check(lambda a, ax=axis, kk=keep, o=op: getattr(a, o)(axis=ax, keepdims=kk), theirs, [(2, 3, 4)],
                      f"Tensor.{op}(axis={axis}, keepdims={keep})", seed=k, grad_hint=hint)
    numeric(lambda a: a.mean(axis=1, keepdims=True) * a.sum(axis=0), [(3, 2)], "a.mean(axis=1, keepdims=True) * a.sum(axis=0)")


@task(points=2, timeout=30, needs=("backward_order",))
def test_max():
    """max over an axis or all; the gradient goes to the maxima only, split equally among ties."""
    for k, axis in enumerate([None, 0, 1, -1, (0, 2)]):
        for keep in (False, True):
            theirs = (lambda a, d=axis, kk=keep: a.amax(dim=tuple(range(a.ndim)) if d is None else d, keepdim=kk))
            check(lambda a, ax=axis, kk=keep: a.max(axis=ax, keepdims=kk), theirs, [(2, 3, 4)],
                  f"Tensor.max(axis={axis}, keepdims={keep})", seed=k,
                  grad_hint="only the positions equal to the maximum get gradient (mask = x == max), "
                            "not every element of the input")
    ties = np.array([[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, 2.0, 2.0], [5.0, -1.0, 4.0, 5.0]])
    check(lambda a: a.max(axis=1), lambda a: a.amax(dim=1), [ties], "Tensor.max(axis=1) on rows with tied maxima",
          grad_hint="when k elements tie for the maximum each gets g / k (like torch.amax): divide by the count of ties")
    check(lambda a: a.max(), lambda a: a.amax(), [np.array([[1.0, 7.0], [7.0, 7.0]])], "Tensor.max() with three tied maxima",
          grad_hint="when k elements tie for the maximum each gets g / k (like torch.amax)")


@task(points=2, timeout=30, needs=("backward_order",))
def test_reshape_transpose():
    """reshape (ints, a tuple, -1), transpose of two axes, permute and .T; gradients undo the move."""
    check(lambda a: a.reshape(4, 6), lambda a: a.reshape(4, 6), [(2, 3, 4)], "Tensor(2, 3, 4).reshape(4, 6)")
    check(lambda a: a.reshape((3, -1)), lambda a: a.reshape(3, -1), [(2, 3, 4)], "Tensor(2, 3, 4).reshape((3, -1))")
    check(lambda a: a.reshape(-1), lambda a: a.reshape(-1), [transposed((3, 4))], "transposed Tensor.reshape(-1)")
    check(lambda a: a.transpose(), lambda a: a.transpose(-2, -1), [(2, 3, 4)], "Tensor(2, 3, 4).transpose()")
    check(lambda a: a.transpose(0, 2), lambda a: a.transpose(0, 2), [(2, 3, 4)], "Tensor(2, 3, 4).transpose(0, 2)")
    check(lambda a: a.permute(2, 0, 1), lambda a: a.permute(2, 0, 1), [(2, 3, 4)], "Tensor(2, 3, 4).permute(2, 0, 1)",
          grad_hint="the gradient is permuted back with the inverse permutation (argsort of axes), not with axes again")
    check(lambda a: a.permute((1, 2, 0)), lambda a: a.permute(1, 2, 0), [(2, 3, 4)], "Tensor(2, 3, 4).permute((1, 2, 0))",
          grad_hint="the gradient is permuted back with the inverse permutation (argsort of axes), not with axes again")
    check(lambda a: a.T, lambda a: a.permute(2, 1, 0), [(2, 3, 4)], "Tensor(2, 3, 4).T")
    check(lambda a: a.T, lambda a: a.T, [(3, 5)], "Tensor(3, 5).T")
    numeric(lambda a: a.permute(1, 2, 0).reshape(3, 4) @ a.reshape(4, 3), [(2, 3, 2)], "a.permute(1, 2, 0).reshape(3, 4) @ a.reshape(4, 3)")


@task(points=2, timeout=30, needs=("backward_order",))
def test_indexing():
    """t[index] with ints, slices, None, ..., integer arrays and Tensors; repeated ids add up."""
    Tensor = tensor_module().Tensor
    cases = [
        ("t[1]", lambda a: a[1], lambda a: a[1]),
        ("t[-1, 1:3]", lambda a: a[-1, 1:3], lambda a: a[-1, 1:3]),
        ("t[:, ::2]", lambda a: a[:, ::2], lambda a: a[:, ::2]),
        ("t[None, ..., 0]", lambda a: a[None, ..., 0], lambda a: a[None, ..., 0]),
        ("t[1:, None, 2]", lambda a: a[1:, None, 2], lambda a: a[1:, None, 2]),
    ]
    for what, ours, theirs in cases:
        check(ours, theirs, [(4, 5, 3)], f"Tensor(4, 5, 3){what[1:]}",
              grad_hint="the gradient is zero everywhere except at the selected places, which get g")
    rep = np.array([3, 0, 3, 3, 1])
    repeat_hint = ("an id that appears several times must receive the sum of its gradients: "
                   "full[index] = g keeps only one of them, xp.add.at(full, index, g) adds them all")
    check(lambda w: w[rep], lambda w: w[torch.tensor(rep)], [(5, 4)], "weight(5, 4)[[3, 0, 3, 3, 1]] (repeated ids)",
          grad_hint=repeat_hint)
    ids = np.array([[1, 1, 4], [0, 4, 4]])
    check(lambda w: w[Tensor(ids)], lambda w: w[torch.tensor(ids)], [(5, 4)],
          "weight(5, 4)[an int Tensor of shape (2, 3)] (an embedding lookup)", grad_hint=repeat_hint)
    ids16 = np.array([299, 7, 299, 256], dtype=np.uint16)        # the dtype of phase 03's token files
    check(lambda w: w[ids16], lambda w: w[torch.tensor(ids16.astype(np.int64))], [(300, 256)],
          "weight(300, 256)[uint16 ids [299, 7, 299, 256]]",
          grad_hint=repeat_hint + "; with uint16 ids, any arithmetic on them (id * row width) wraps at 65536: "
                    "convert them to a wide integer type (np.intp) first")
    rows, cols = np.array([0, 2, 2, 0]), np.array([1, 0, 0, 1])
    check(lambda a: a[rows, cols], lambda a: a[torch.tensor(rows), torch.tensor(cols)], [(3, 2)],
          "Tensor(3, 2)[rows, cols] (pairs repeated)", grad_hint=repeat_hint)
    check(lambda a: a[:, [2, 0, 2]], lambda a: a[:, torch.tensor([2, 0, 2])], [(2, 3, 4)], "Tensor(2, 3, 4)[:, [2, 0, 2]]",
          grad_hint=repeat_hint)
    numeric(lambda w: w[rep] * w[rep], [(5, 2)], "w[ids] * w[ids] with repeated ids")


@task(points=2, timeout=30, needs=("backward_order",))
def test_gather():
    """gather(index, axis) with torch.gather's semantics; the gradient is scattered back and added."""
    rng = np.random.default_rng(5)
    cases = [((4, 6), (4, 3), -1), ((4, 6), (2, 6), 0), ((2, 3, 5), (2, 3, 1), -1), ((2, 3, 5), (2, 4, 5), 1),
             ((3, 5), (2, 2), 1)]
    for k, (shape, ishape, axis) in enumerate(cases):
        idx = rng.integers(0, shape[axis], size=ishape)
        check(lambda a, i=idx, ax=axis: a.gather(i, axis=ax), lambda a, i=idx, ax=axis: a.gather(ax, torch.tensor(i)),
              [shape], f"Tensor{shape}.gather(index of shape {ishape}, axis={axis})", seed=k,
              hint="out[i][j] = self[i][index[i][j]] for axis=1: index picks along `axis`, the other axes run over index's shape"
                   + ("; a negative axis counts from the end: normalise it (axis % ndim) before comparing it with "
                      "each dimension's number" if axis < 0 else ""),
              grad_hint="scatter g back with xp.add.at (repeated indices add up)")
    same = np.array([[2, 2, 2], [0, 1, 0]])
    check(lambda a: a.gather(same, axis=1), lambda a: a.gather(1, torch.tensor(same)), [(2, 4)],
          "Tensor(2, 4).gather([[2, 2, 2], [0, 1, 0]], axis=1)",
          grad_hint="an element picked three times gets the sum of the three gradients: use xp.add.at, not assignment")
    Tensor = tensor_module().Tensor
    check(lambda a: a.gather(Tensor(same), axis=-1), lambda a: a.gather(-1, torch.tensor(same)), [(2, 4)],
          "Tensor(2, 4).gather(an int Tensor, axis=-1)")


@task(points=2, timeout=30, needs=("backward_order",))
def test_concat_stack():
    """concat along an existing axis and stack along a new one; every input gets its slice of the gradient."""
    T = tensor_module()
    for axis, shapes in [(0, [(2, 3), (4, 3), (1, 3)]), (1, [(2, 3), (2, 1), (2, 4)]), (-1, [(2, 2, 3), (2, 2, 2)])]:
        check(lambda *ts, ax=axis: T.concat(list(ts), axis=ax), lambda *ts, ax=axis: torch.cat(ts, dim=ax), shapes,
              f"concat([...], axis={axis})", names=[f"tensors[{i}]" for i in range(len(shapes))],
              grad_hint="tensors[i] gets the slice of g that its own values occupy in the result"
                        + ("; axis=-1 counts from the end: normalise it (axis % ndim) before building the slices"
                           if axis < 0 else ""))
    for axis in (0, 1, -1, 2):
        check(lambda *ts, ax=axis: T.stack(list(ts), axis=ax), lambda *ts, ax=axis: torch.stack(ts, dim=ax),
              [(3, 4)] * 3, f"stack([...], axis={axis})", names=[f"tensors[{i}]" for i in range(3)],
              hint=("the result has one axis more than the inputs, so axis=-1 means the new last axis: normalise "
                    "it with axis % (ndim + 1), not axis % ndim") if axis < 0 else None,
              grad_hint="tensors[i] gets g taken at position i along the new axis")
    numeric(lambda a, b: T.concat([a, b * b], axis=0).sum(axis=0) * T.stack([a[0], b[0]], axis=0).sum(axis=0),
            [(2, 3), (1, 3)], "concat and stack together")


@task(points=2, timeout=30, needs=("backward_order",))
def test_exp_log_sqrt():
    """exp, log and sqrt, element-wise, with their derivatives."""
    check(lambda a: a.exp(), lambda a: a.exp(), [(3, 4)], "Tensor.exp()", grad_hint="d exp(x)/dx = exp(x)")
    check(lambda a: a.log(), lambda a: a.log(), [positive((3, 4))], "Tensor.log()", grad_hint="d log(x)/dx = 1 / x")
    check(lambda a: a.sqrt(), lambda a: a.sqrt(), [positive((3, 4))], "Tensor.sqrt()",
          grad_hint="d sqrt(x)/dx = 1 / (2 sqrt(x))")
    numeric(lambda a: (a.exp() + 1.0).log().sqrt(), [(2, 3)], "sqrt(log(exp(a) + 1))")


@task(points=3, timeout=30, needs=("backward_order",))
def test_tanh_relu_sigmoid_gelu():
    """tanh, relu, sigmoid (no overflow) and GELU's tanh approximation, values and derivatives."""
    x = np.random.default_rng(9).standard_normal((4, 5)) * 3
    x[0, :3] = [0.5, -0.5, 2.0]
    check(lambda a: a.tanh(), lambda a: a.tanh(), [x], "Tensor.tanh()", grad_hint="d tanh(x)/dx = 1 - tanh(x)^2")
    check(lambda a: a.relu(), lambda a: a.relu(), [x], "Tensor.relu()", grad_hint="the gradient passes where x > 0 and is 0 elsewhere")
    kink = np.array([-1.0, 0.0, -0.0, 1e-30, 2.0])
    check(lambda a: a.relu(), lambda a: a.relu(), [kink], "Tensor.relu() at x = [-1, 0, -0, 1e-30, 2]",
          grad_hint="at exactly 0 the gradient is 0, as in PyTorch: pass g where x > 0, not x >= 0")
    check(lambda a: a.gelu(), lambda a: torch.nn.functional.gelu(a, approximate="tanh"), [kink],
          "Tensor.gelu() at x = [-1, 0, -0, 1e-30, 2]", grad_hint="GELU is smooth: its derivative at exactly 0 is 0.5")
    check(lambda a: a.sigmoid(), lambda a: a.sigmoid(), [x], "Tensor.sigmoid()",
          grad_hint="d sigmoid(x)/dx = s (1 - s) with s = sigmoid(x)")
    big = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0])
    with np.errstate(over="raise"):
        check(lambda a: a.sigmoid(), lambda a: a.sigmoid(), [big], "Tensor.sigmoid() at x = [-1000, -50, 0, 50, 1000]",
              hint="exp(1000) overflows (NumPy raises here, in errstate(over='raise')): use exp(-|x|), "
                   "1 / (1 + e) for x >= 0 and e / (1 + e) for x < 0")
    t = tensor_module().Tensor(x)
    with calling("Tensor.gelu()"):
        got = t.gelu()
    exact = 0.5 * x * (1 + np.vectorize(math.erf)(x / math.sqrt(2)))
    require(not np.allclose(np.asarray(getattr(got, "data", np.nan), dtype=float), exact, rtol=1e-9, atol=1e-12),
            "Tensor.gelu() computed the exact GELU, x * Phi(x) with erf",
            hint="use GPT-2's tanh approximation: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))")
    check(lambda a: a.gelu(), lambda a: torch.nn.functional.gelu(a, approximate="tanh"), [x], "Tensor.gelu()",
          hint="GELU, tanh approximation: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))",
          grad_hint="differentiate the product: 0.5 (1 + t) + 0.5 x (1 - t^2) sqrt(2/pi) (1 + 3 * 0.044715 x^2), "
                    "t = tanh(sqrt(2/pi) (x + 0.044715 x^3))")
    numeric(lambda a: a.tanh() * a.sigmoid() + a.gelu(), [(2, 3)], "tanh(a) * sigmoid(a) + gelu(a)")


def softmax_cases(name, ours, theirs, grad_hint):
    for k, (shape, axis) in enumerate([((3, 5), -1), ((3, 5), 0), ((2, 3, 4), 1), ((2, 3, 4), -1), ((6,), 0)]):
        check(lambda a, ax=axis: ours(a, ax), lambda a, ax=axis: theirs(a, ax), [shape], f"Tensor{shape}.{name}(axis={axis})",
              seed=k, hint="normalise along `axis` only (keepdims=True so the sums broadcast back)", grad_hint=grad_hint)
    extreme = np.array([[1e4, -1e4, 0.0, 1e4 - 1.0], [-1e4, -1e4 + 2.0, -1e4 + 1.0, -1e4]])
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        check(lambda a: ours(a, -1), lambda a: theirs(a, -1), [extreme], f"Tensor.{name}() at logits of +-1e4",
              hint="exp(1e4) overflows to inf: subtract the max along the axis first (the result does not change)",
              grad_hint=grad_hint)


@task(points=2, timeout=30, needs=("backward_order",))
def test_softmax():
    """softmax along any axis, stable at logits of +-1e4, with its own backward rule."""
    softmax_cases("softmax", lambda a, ax: a.softmax(axis=ax), lambda a, ax: a.softmax(dim=ax),
                  grad_hint="with s = softmax(x): dx = s * (g - sum(g * s, axis, keepdims=True))")
    numeric(lambda a: a.softmax(axis=0) * a, [(3, 2)], "softmax(a, axis=0) * a")


@task(points=2, timeout=30, needs=("backward_order",))
def test_log_softmax():
    """log_softmax along any axis, stable at logits of +-1e4, with its own backward rule."""
    softmax_cases("log_softmax", lambda a, ax: a.log_softmax(axis=ax), lambda a, ax: a.log_softmax(dim=ax),
                  grad_hint="with y = log_softmax(x): dx = g - exp(y) * sum(g, axis, keepdims=True)")
    numeric(lambda a: a.log_softmax(axis=1) * a, [(2, 3)], "log_softmax(a, axis=1) * a")
