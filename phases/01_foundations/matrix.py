"""A dense matrix of floats in pure Python: the object every later phase grows from.

A ``rows x cols`` matrix keeps its values in one flat, row-major list ``data``:
element ``(i, j)`` lives at ``data[i * cols + j]``. That is how NumPy, PyTorch and your
GPU store a 2-D array too. Every operation returns a new ``Matrix``; operands are never
modified. No NumPy here: the point is to see every loop once.
"""

from __future__ import annotations

import numbers
import operator
from typing import Callable


class Matrix:
    """A ``rows x cols`` matrix of floats, stored row-major in the flat list ``data``."""

    def __init__(self, rows: int, cols: int, data: list[float] | None = None):
        if not (isinstance(rows, int) and isinstance(cols, int)) or rows < 1 or cols < 1:
            raise ValueError(f"a Matrix needs positive integer sizes, got ({rows!r}, {cols!r})")
        if data is None:
            data = [0.0] * (rows * cols)
        if len(data) != rows * cols:
            raise ValueError(f"a ({rows}, {cols}) Matrix holds {rows * cols} values, got {len(data)}")
        self.rows, self.cols = rows, cols
        self.data = [float(x) for x in data]

    @classmethod
    def zeros(cls, rows: int, cols: int) -> Matrix:
        """A (rows, cols) Matrix of zeros."""
        return cls(rows, cols)

    @classmethod
    def identity(cls, n: int) -> Matrix:
        """The (n, n) identity: ones on the diagonal, zeros elsewhere."""
        return cls(n, n, [1.0 if i == j else 0.0 for i in range(n) for j in range(n)])

    @classmethod
    def from_list(cls, rows: list[list[float]]) -> Matrix:
        """Build a Matrix from a list of equal-length rows: ``[[1, 2, 3], [4, 5, 6]]`` -> shape (2, 3).

        Empty input (``[]`` or ``[[]]``) raises ValueError; so do ragged rows, and then the
        message says which row has which length, e.g. "row 2 has 1 values, row 0 has 3".
        """
        # Check every row against the first one, then flatten row after row.
        # YOUR CODE HERE
        raise NotImplementedError("Matrix.from_list: not written yet; see its docstring and the handout")

    def tolist(self) -> list[list[float]]:
        """The values as a fresh list of ``rows`` lists of ``cols`` floats: the inverse of from_list.

        Changing the returned lists must not change the Matrix.
        """
        # YOUR CODE HERE
        raise NotImplementedError("Matrix.tolist: not written yet; see its docstring and the handout")

    @property
    def shape(self) -> tuple[int, int]:
        return (self.rows, self.cols)

    def __getitem__(self, key: tuple[int, int]) -> float:
        return self.data[self._flat(key)]

    def __setitem__(self, key: tuple[int, int], value: float) -> None:
        self.data[self._flat(key)] = float(value)

    def _flat(self, key: tuple[int, int]) -> int:
        i, j = key
        if not (0 <= i < self.rows and 0 <= j < self.cols):
            raise IndexError(f"index {key} is out of range for a Matrix of shape {self.shape}")
        return i * self.cols + j

    def __repr__(self) -> str:
        c = self.cols
        return f"Matrix({[self.data[i * c : (i + 1) * c] for i in range(self.rows)]})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Matrix):
            return NotImplemented
        return self.shape == other.shape and self.data == other.data

    __hash__ = None  # mutable: not hashable

    # ---- element-wise arithmetic -------------------------------------------------------

    def _elementwise(self, other: Matrix | float, op: Callable[[float, float], float], symbol: str) -> Matrix:
        """Apply ``op(a, b)`` to each element ``a`` of self and ``b``, giving a new Matrix of self's shape.

        ``other`` is a Matrix of the same shape (``b`` is its matching element) or a number
        (``b`` is that number everywhere). A Matrix of another shape raises ValueError whose
        message names both shapes, e.g. "cannot apply + to shapes (2, 3) and (3, 2)".
        """
        if not isinstance(other, (Matrix, numbers.Real)):
            return NotImplemented  # lets Python try the other operand, then raise TypeError
        # YOUR CODE HERE
        raise NotImplementedError("Matrix._elementwise: not written yet; see its docstring and the handout")

    def __add__(self, other):
        return self._elementwise(other, operator.add, "+")

    def __radd__(self, other):
        return self._elementwise(other, lambda a, b: b + a, "+")

    def __sub__(self, other):
        return self._elementwise(other, operator.sub, "-")

    def __rsub__(self, other):
        return self._elementwise(other, lambda a, b: b - a, "-")

    def __mul__(self, other):
        return self._elementwise(other, operator.mul, "*")

    def __rmul__(self, other):
        return self._elementwise(other, lambda a, b: b * a, "*")

    def __neg__(self):
        return self._elementwise(-1.0, operator.mul, "*")

    # ---- linear algebra ----------------------------------------------------------------

    def __matmul__(self, other: Matrix) -> Matrix:
        """Matrix product: (n, k) @ (k, m) -> (n, m), with ``out[i, j] = sum_p self[i, p] * other[p, j]``.

        Inner sizes that differ raise ValueError naming both shapes. Order the loops i, p, j:
        the innermost loop then walks a row of ``other`` and a row of ``out`` in memory order.
        """
        if not isinstance(other, Matrix):
            return NotImplemented
        # YOUR CODE HERE
        raise NotImplementedError("Matrix.__matmul__: not written yet; see its docstring and the handout")

    def transpose(self) -> Matrix:
        """The (cols, rows) matrix with ``out[j, i] = self[i, j]``: rows become columns.

        A (1, n) row becomes an (n, 1) column.
        """
        # Column j of self is the strided slice data[j::cols]; it becomes row j of the result.
        # YOUR CODE HERE
        raise NotImplementedError("Matrix.transpose: not written yet; see its docstring and the handout")

    @property
    def T(self) -> Matrix:
        return self.transpose()

    def dot(self, other: Matrix) -> float:
        """Inner product ``sum_i u_i * v_i`` of two vectors with the same number n of entries.

        A vector is a 1 x n row or an n x 1 column; the two may differ in orientation.
        Anything else (a non-vector, or lengths that differ) raises ValueError naming both shapes.
        """
        # YOUR CODE HERE
        raise NotImplementedError("Matrix.dot: not written yet; see its docstring and the handout")
