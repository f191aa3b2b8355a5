"""Comparisons for graders, with failure messages a learner can act on.

Every helper raises ``AssertionError`` whose text names what was called, on what input,
what was expected and what came back, and (where given) a hint. ``NotImplementedError``
is never wrapped: the grader reports it as "not written yet".
"""

from __future__ import annotations

import collections
import contextlib
from typing import Callable, Iterator

import numpy as np


_STANDARD_EQ = {t.__eq__ for t in (object, bool, int, float, complex, str, bytes, tuple, list, dict, set, frozenset,
                                   type(None), type, range, collections.Counter, collections.OrderedDict)}


def _short(x: np.ndarray, limit: int = 6) -> str:
    flat = np.asarray(x).ravel()
    body = ", ".join(f"{v:.6g}" if np.issubdtype(flat.dtype, np.floating) else repr(v.item()) for v in flat[:limit])
    return f"[{body}{', ...' if flat.size > limit else ''}]"


def _hint(hint: str | None) -> str:
    return f"\nHint: {hint}" if hint else ""


def assert_close(got, expected, *, what: str, rtol: float = 1e-7, atol: float = 1e-9, hint: str | None = None) -> None:
    """Check that ``got`` equals ``expected`` element-wise within ``atol + rtol*|expected|``.

    ``what`` names the call and its input, e.g. ``"Matrix @ Matrix with shapes (3, 4) @ (4, 2)"``.
    """
    try:
        got_arr = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise AssertionError(f"{what}: expected numbers shaped {np.shape(expected)}, got {type(got).__name__} {got!r:.80}{_hint(hint)}") from exc
    exp_arr = np.asarray(expected, dtype=np.float64)
    if got_arr.shape != exp_arr.shape:
        raise AssertionError(f"{what}: expected shape {exp_arr.shape}, got shape {got_arr.shape}.{_hint(hint)}")
    if not np.all(np.isfinite(got_arr) == np.isfinite(exp_arr)):
        bad = np.argwhere(np.isfinite(got_arr) != np.isfinite(exp_arr))[0]
        raise AssertionError(
            f"{what}: at index {tuple(int(i) for i in bad)} expected {exp_arr[tuple(bad)]:.6g}, got {got_arr[tuple(bad)]:.6g} "
            f"(inf or nan where a finite number belongs, or the other way round).{_hint(hint)}"
        )
    err = np.abs(np.nan_to_num(got_arr) - np.nan_to_num(exp_arr))
    tol = atol + rtol * np.abs(np.nan_to_num(exp_arr))
    bad_mask = err > tol
    if bad_mask.any():
        idx = np.unravel_index(np.argmax(np.where(bad_mask, err - tol, -np.inf)), err.shape)
        where = f" at index {tuple(int(i) for i in idx)}" if exp_arr.ndim else ""
        raise AssertionError(
            f"{what}: {int(bad_mask.sum())} of {err.size} values are wrong; worst{where}: "
            f"expected {exp_arr[idx]:.6g}, got {got_arr[idx]:.6g} (error {err[idx]:.3g}, tolerance {tol[idx]:.3g}). "
            f"Expected {_short(exp_arr)}, got {_short(got_arr)}.{_hint(hint)}"
        )


def _honest_eq(x, depth: int = 0) -> bool:
    """Whether ``x`` compares with the equality of a standard type (all the way down its contents):
    an object whose ``__eq__`` says True to anything must not pass a check."""
    if depth > 50:
        return False
    eq = type(x).__eq__
    if eq not in _STANDARD_EQ and not isinstance(x, np.generic):
        return False
    if isinstance(x, (list, tuple)):
        return all(_honest_eq(v, depth + 1) for v in x)
    if isinstance(x, dict):
        return all(_honest_eq(k, depth + 1) and _honest_eq(v, depth + 1) for k, v in x.items())
    return True


def assert_equal(got, expected, *, what: str, hint: str | None = None) -> None:
    """Check exact equality (``==``), showing both sides on failure. Values of standard types only:
    a value whose class redefines equality is refused, as is anything holding one."""
    if isinstance(expected, np.ndarray) or isinstance(got, np.ndarray):
        ok = np.shape(got) == np.shape(expected) and np.array_equal(got, expected)
    else:
        if _honest_eq(expected) and not _honest_eq(got):
            raise AssertionError(f"{what}: expected {expected!r:.200}, got an object of type {type(got).__name__} "
                                 f"(or holding one) whose == is not a standard type's.{_hint(hint)}")
        ok = got == expected
    if not ok:
        raise AssertionError(f"{what}: expected {expected!r:.200}, got {got!r:.200}.{_hint(hint)}")


def require(condition: bool, message: str, hint: str | None = None) -> None:
    """Fail with ``message`` (plus hint) unless ``condition`` holds."""
    if not condition:
        raise AssertionError(message + _hint(hint))


@contextlib.contextmanager
def calling(what: str, hint: str | None = None) -> Iterator[None]:
    """Turn an unexpected exception raised by learner code into a message naming the call.

    >>> with calling("Matrix.from_list([[1, 2], [3, 4]])"):
    ...     m = Matrix.from_list([[1, 2], [3, 4]])
    """
    try:
        yield
    except (AssertionError, NotImplementedError):
        raise
    except Exception as exc:  # noqa: BLE001 - any learner error becomes a message
        raise AssertionError(f"{what} raised {type(exc).__name__}: {exc}{_hint(hint)}") from exc


@contextlib.contextmanager
def expect_raises(kind: type[BaseException], what: str, hint: str | None = None) -> Iterator[list]:
    """Require the block to raise ``kind``; yields a list that receives the exception."""
    caught: list = []
    try:
        yield caught
    except NotImplementedError:
        raise  # a stub: the grader reports it as not written yet, whatever error was asked for
    except kind as exc:
        caught.append(exc)
        return
    except Exception as exc:  # noqa: BLE001
        raise AssertionError(f"{what} should raise {kind.__name__}, but raised {type(exc).__name__}: {exc}{_hint(hint)}") from exc
    raise AssertionError(f"{what} should raise {kind.__name__}, but it returned normally.{_hint(hint)}")


def numeric_grad(f: Callable[[np.ndarray], float], x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central-difference gradient of a scalar function: ``(f(x+eps) - f(x-eps)) / 2eps`` per element.

    ``x`` (any shape, float64) is perturbed in place and restored; the result has ``x``'s shape.
    """
    x = np.asarray(x)
    if x.dtype != np.float64:
        raise TypeError(f"numeric_grad needs float64 input for accuracy, got {x.dtype}")
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        up = float(f(x))
        x[i] = old - eps
        down = float(f(x))
        x[i] = old
        grad[i] = (up - down) / (2 * eps)
    return grad
