"""Grader for matrix.py: values against NumPy, shapes, and errors that name both shapes.

Inputs are built with the given constructor ``Matrix(rows, cols, data)`` and results are
read through ``.rows``, ``.cols`` and ``.data``, so each task tests one method only.
"""

from __future__ import annotations

import numbers
import re

import numpy as np
import pytest

from common import load
from common.checks import assert_close, assert_equal, calling, expect_raises, require
from grader import task

SHAPES = [(1, 1), (1, 5), (5, 1), (3, 4), (4, 3), (6, 6), (2, 7)]
MATMUL_SHAPES = [(1, 1, 1), (1, 4, 1), (4, 1, 3), (2, 3, 5), (5, 2, 5), (7, 4, 1), (3, 3, 3), (6, 9, 4), (1, 6, 8)]


def matrix_class():
    return load(1, "matrix").Matrix


def sample(shape, seed: int, ints: bool = False) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.integers(-9, 10, size=shape).astype(float) if ints else rng.normal(size=shape).round(3)


def make(Matrix, a: np.ndarray):
    """A Matrix holding the 2-D array ``a``, built with the given constructor (not from_list)."""
    return Matrix(a.shape[0], a.shape[1], [float(x) for x in a.ravel()])


def values(Matrix, m, shape, what: str) -> np.ndarray:
    """The values of the Matrix ``m`` that ``what`` returned, checked to be a Matrix of ``shape``."""
    require(isinstance(m, Matrix), f"{what} should return a new Matrix, got {type(m).__name__}: {m!r:.120}")
    require(
        (m.rows, m.cols) == tuple(shape),
        f"{what}: expected a Matrix of shape {tuple(shape)}, got one with rows={m.rows}, cols={m.cols}",
        hint="build the result with Matrix(rows, cols, data), giving the result's own sizes",
    )
    require(
        isinstance(m.data, list) and len(m.data) == m.rows * m.cols,
        f"{what}: the result's data should be one flat list of {m.rows * m.cols} floats, got {m.data!r:.120}",
        hint="data is flat and row-major: element (i, j) is data[i * cols + j]",
    )
    return np.array(m.data, dtype=float).reshape(shape)


def names_shape(message: str, shape) -> bool:
    """Whether ``message`` spells ``shape``: "(2, 3)", "(2,3)" or "2x3"."""
    r, c = shape
    return re.search(rf"\(\s*{r}\s*,\s*{c}\s*\)|\b{r}\s*[x×]\s*{c}\b", message) is not None


def check_unchanged(m, a: np.ndarray, what: str) -> None:
    require(
        m.shape == a.shape and m.data == [float(x) for x in a.ravel()],
        f"{what} modified its operand: a Matrix of shape {a.shape} changed to {m!r:.120}",
        hint="compute into a new list and return a new Matrix; never assign to self.data or other.data",
    )


@task(points=2, timeout=20)
def test_matrix_from_list_tolist():
    """Matrix.from_list builds row-major data, tolist gives it back, bad input raises ValueError."""
    Matrix = matrix_class()
    rows = [[1, 2, 3], [4, 5, 6]]
    with calling("Matrix.from_list([[1, 2, 3], [4, 5, 6]])"):
        m = Matrix.from_list(rows)
    values(Matrix, m, (2, 3), "Matrix.from_list([[1, 2, 3], [4, 5, 6]])")
    assert_equal(m.data, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], what="Matrix.from_list([[1, 2, 3], [4, 5, 6]]).data",
                 hint="data is flat and row-major: the whole first row, then the second")
    rows[0][0] = 100
    assert_equal(m.data[0], 1.0, what="Matrix.from_list(rows).data[0] after the caller changed rows[0][0] to 100",
                 hint="copy the values into a new flat list; do not keep the caller's lists")

    for shape in SHAPES:
        a = sample(shape, seed=sum(shape))
        what = f"Matrix.from_list(a list of {shape[0]} rows of {shape[1]} values)"
        with calling(what):
            m = Matrix.from_list(a.tolist())
        assert_close(values(Matrix, m, shape, what), a, what=what)
        with calling(f"Matrix of shape {shape}.tolist()"):
            back = make(Matrix, a).tolist()
        require(
            isinstance(back, list) and len(back) == shape[0] and all(isinstance(r, list) and len(r) == shape[1] for r in back),
            f"Matrix of shape {shape}.tolist() should return a list of {shape[0]} lists of {shape[1]} floats, got {back!r:.120}",
            hint="one inner list per row: [data[i*cols:(i+1)*cols] for i in range(rows)]",
        )
        assert_close(back, a, what=f"Matrix of shape {shape}.tolist()")

    m = make(Matrix, np.array([[1.0, 2.0], [3.0, 4.0]]))
    with calling("Matrix([[1, 2], [3, 4]]).tolist()"):
        out = m.tolist()
    out[0][0] = 100.0
    assert_equal(m.data, [1.0, 2.0, 3.0, 4.0], what="Matrix.data after changing tolist()[0][0] to 100",
                 hint="tolist must return fresh lists (slices copy), not views of data")

    for bad in ([], [[]]):
        with expect_raises(ValueError, what=f"Matrix.from_list({bad})", hint="an empty input has no shape: raise ValueError"):
            Matrix.from_list(bad)
    ragged = [[1, 2, 3, 4, 5, 6, 7]] * 4 + [[1, 2]] + [[1, 2, 3, 4, 5, 6, 7]]
    what = "Matrix.from_list(6 rows of 7 values, except row 4 which has 2)"
    with expect_raises(ValueError, what=what, hint="compare every row's length with the first row's") as caught:
        Matrix.from_list(ragged)
    message = str(caught[0])
    # Row 4 (or 5, counting from 1) and its length 2; the other rows' length is 7, so no other number matches.
    require(
        re.search(r"\b[45]\b", message) is not None,
        f"{what}: the error message {message!r} should say which row (4) has the wrong length"
        + ("; it names row 3, the row before the ragged one" if re.search(r"\b3\b", message) else ""),
        hint='report the index i of the row that differs: e.g. raise ValueError(f"row {i} has {len(row)} values, row 0 has {cols}")',
    )
    require(
        re.search(r"\b2\b", message) is not None,
        f"{what}: the error message {message!r} should say which length (2) that row has",
        hint='e.g. raise ValueError(f"row {i} has {len(row)} values, row 0 has {cols}")',
    )


@pytest.mark.parametrize("op", ["+", "-", "*"])
@task(points=3, timeout=20)
def test_matrix_elementwise(op):
    """Element-wise +, -, * (and unary -) with a Matrix or a number on either side, equal to NumPy."""
    Matrix = matrix_class()
    fn = {"+": lambda x, y: x + y, "-": lambda x, y: x - y, "*": lambda x, y: x * y}[op]
    for n, shape in enumerate(SHAPES):
        a, b = sample(shape, seed=n, ints=n % 2 == 0), sample(shape, seed=100 + n)
        ma, mb = make(Matrix, a), make(Matrix, b)
        cases = [
            (f"Matrix{shape} {op} Matrix{shape}", lambda: fn(ma, mb), fn(a, b)),
            (f"Matrix{shape} {op} 3", lambda: fn(ma, 3), fn(a, 3)),
            (f"Matrix{shape} {op} -2.5", lambda: fn(ma, -2.5), fn(a, -2.5)),
            (f"2 {op} Matrix{shape}", lambda: fn(2, ma), fn(2, a)),
            (f"0.5 {op} Matrix{shape}", lambda: fn(0.5, ma), fn(0.5, a)),
        ]
        if op == "-":
            cases.append((f"-Matrix{shape}", lambda: -ma, -a))
        for what, call, expected in cases:
            with calling(what, hint="_elementwise gets a Matrix of the same shape or an int/float as `other`"):
                got = call()
            hint = None
            if what.startswith(("2 ", "0.5 ")):
                hint = "for `2 - m` Python calls m.__rsub__(2), which calls _elementwise with op(a, b) = b - a: apply op(element, other)"
            elif not what.endswith(f"Matrix{shape}"):
                hint = "with a number, apply op(element, other), in that order: `m - 3` is element - 3, not 3 - element"
            assert_close(values(Matrix, got, shape, what), expected, what=what, hint=hint)
            require(got is not ma and got is not mb, f"{what} returned one of its operands; it should return a new Matrix")
            check_unchanged(ma, a, what)
            check_unchanged(mb, b, what)


@task(points=3, timeout=30)
def test_matrix_matmul():
    """Matrix @ Matrix equals NumPy's product on many shapes, including vectors and 1 x 1."""
    Matrix = matrix_class()
    hand = [
        ([[1, 2], [3, 4]], [[5, 6], [7, 8]], [[19, 22], [43, 50]]),
        ([[1, 2, 3], [4, 5, 6]], [[1, 0], [0, 1], [1, 1]], [[4, 5], [10, 11]]),
        ([[2, -1, 0.5]], [[4], [2], [-2]], [[5]]),
    ]
    for a, b, expected in hand:
        a, b, expected = np.array(a, float), np.array(b, float), np.array(expected, float)
        what = f"Matrix({a.tolist()}) @ Matrix({b.tolist()})"
        with calling(what):
            got = make(Matrix, a) @ make(Matrix, b)
        assert_close(values(Matrix, got, expected.shape, what), expected, what=what,
                     hint="out[i, j] = sum over p of self[i, p] * other[p, j]")

    for n, (rows, inner, cols) in enumerate(MATMUL_SHAPES):
        a, b = sample((rows, inner), seed=n, ints=n % 3 == 0), sample((inner, cols), seed=50 + n)
        ma, mb = make(Matrix, a), make(Matrix, b)
        what = f"Matrix{a.shape} @ Matrix{b.shape}"
        with calling(what, hint="(n, k) @ (k, m) -> (n, m): loop i over n, p over k, j over m"):
            got = ma @ mb
        assert_close(values(Matrix, got, (rows, cols), what), a @ b, what=what,
                     hint="check each loop's bound: i < n (rows of self), p < k (cols of self), j < m (cols of other)")
        check_unchanged(ma, a, what)
        check_unchanged(mb, b, what)

    a = sample((4, 4), seed=7)
    what = "Matrix(4, 4) @ identity(4)"
    with calling(what):
        got = make(Matrix, a) @ make(Matrix, np.eye(4))
    assert_close(values(Matrix, got, (4, 4), what), a, what=what)


@task(points=1, timeout=20)
def test_matrix_transpose():
    """transpose() and .T swap rows and columns, like NumPy's a.T."""
    Matrix = matrix_class()
    for n, shape in enumerate(SHAPES):
        a = sample(shape, seed=n)
        m = make(Matrix, a)
        what = f"Matrix of shape {shape}.transpose()"
        with calling(what, hint="out has shape (cols, rows) and out[j, i] = self[i, j]: column j of self is data[j::cols], "
                                "a step of cols (not rows) through the flat list"):
            got = m.transpose()
        assert_close(values(Matrix, got, (shape[1], shape[0]), what), a.T, what=what,
                     hint="out has shape (cols, rows) and out[j, i] = self[i, j]: column j of self is data[j::cols]")
        check_unchanged(m, a, what)
        with calling(f"Matrix of shape {shape}.T.T"):
            back = m.T.T
        assert_close(values(Matrix, back, shape, f"Matrix of shape {shape}.T.T"), a, what=f"Matrix of shape {shape}.T.T")


@task(points=1, timeout=20)
def test_matrix_dot():
    """dot() of two vectors (rows or columns) of equal length is a float, like np.dot."""
    Matrix = matrix_class()
    for n, (sa, sb) in enumerate([((1, 5), (1, 5)), ((5, 1), (5, 1)), ((1, 4), (4, 1)), ((6, 1), (1, 6)), ((1, 1), (1, 1))]):
        a, b = sample(sa, seed=n), sample(sb, seed=20 + n)
        what = f"Matrix{sa}.dot(Matrix{sb})"
        with calling(what, hint="a vector is 1 x n or n x 1; a row may be dotted with a column"):
            got = make(Matrix, a).dot(make(Matrix, b))
        require(
            isinstance(got, numbers.Real) and not isinstance(got, Matrix),
            f"{what} should return a float, got {type(got).__name__}: {got!r:.80}",
            hint="return the sum of products itself, not a 1 x 1 Matrix",
        )
        assert_close(got, float(np.dot(a.ravel(), b.ravel())), what=what, hint="dot = sum of u[i] * v[i] over all n entries")


SHAPE_ERRORS = [
    ("+", (2, 3), (3, 2)),
    ("-", (1, 3), (3, 1)),
    ("*", (2, 2), (2, 3)),
    ("+", (4, 1), (1, 4)),
    ("@", (2, 3), (4, 2)),
    ("@", (1, 4), (1, 5)),
    ("@", (3, 2), (5, 2)),
    ("dot", (2, 3), (1, 6)),
    ("dot", (1, 3), (1, 4)),
    ("dot", (3, 1), (1, 4)),
]


@pytest.mark.parametrize("op,sa,sb", SHAPE_ERRORS, ids=[f"{sa}{op}{sb}".replace(" ", "") for op, sa, sb in SHAPE_ERRORS])
@task(points=2, timeout=20)
def test_matrix_shape_errors(op, sa, sb):
    """Mismatched shapes raise ValueError whose message names both shapes."""
    Matrix = matrix_class()
    a, b = make(Matrix, sample(sa, seed=1)), make(Matrix, sample(sb, seed=2))
    what = f"Matrix{sa}.dot(Matrix{sb})" if op == "dot" else f"Matrix{sa} {op} Matrix{sb}"
    hint = {
        "@": "(n, k) @ (k, m) needs self.cols == other.rows",
        "dot": "both operands must be vectors (1 x n or n x 1) with the same number of entries",
    }.get(op, "compare self.shape with other.shape (equal lengths of data are not enough)")
    call = {"+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b, "@": lambda: a @ b, "dot": lambda: a.dot(b)}[op]
    with expect_raises(ValueError, what=what, hint=hint) as caught:
        call()
    message = str(caught[0])
    require(
        names_shape(message, sa) and names_shape(message, sb),
        f"{what} raised ValueError({message!r}); the message should name both shapes, {sa} and {sb}",
        hint='put both shapes in the message, e.g. f"cannot multiply {self.shape} @ {other.shape}"',
    )
