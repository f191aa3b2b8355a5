"""The graders' shared helpers say what is wrong, and the gradient check agrees with calculus."""

from __future__ import annotations

import numpy as np
import pytest

from common.checks import assert_close, calling, expect_raises, numeric_grad


def test_assert_close_names_the_worst_element():
    with pytest.raises(AssertionError) as e:
        assert_close([[1.0, 2.0], [3.0, 9.0]], [[1.0, 2.0], [3.0, 4.0]], what="A @ B", hint="check the loop bounds")
    text = str(e.value)
    assert text.startswith("A @ B: 1 of 4 values are wrong; worst at index (1, 1): expected 4, got 9")
    assert text.endswith("Hint: check the loop bounds")


def test_assert_close_shape_and_nan():
    with pytest.raises(AssertionError, match=r"expected shape \(2,\), got shape \(3,\)"):
        assert_close([1, 2, 3], [1, 2], what="f")
    with pytest.raises(AssertionError, match="inf or nan"):
        assert_close([np.nan], [1.0], what="f")
    assert_close([1.0 + 1e-12], [1.0], what="f")


def test_calling_and_expect_raises():
    with pytest.raises(AssertionError, match=r"f\(1\) raised ZeroDivisionError"):
        with calling("f(1)"):
            1 / 0
    with pytest.raises(NotImplementedError):
        with calling("f(1)"):
            raise NotImplementedError
    with pytest.raises(AssertionError, match="should raise ValueError, but it returned normally"):
        with expect_raises(ValueError, "g()"):
            pass
    with pytest.raises(AssertionError, match="should raise ValueError, but raised KeyError"):
        with expect_raises(ValueError, "g()"):
            raise KeyError("k")


def test_numeric_grad_matches_the_analytic_gradient():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4))
    a = rng.standard_normal((3, 4))
    f = lambda v: float(np.sum(np.sin(v) * a) + np.sum(v ** 3))  # noqa: E731
    expected = np.cos(x) * a + 3 * x ** 2
    np.testing.assert_allclose(numeric_grad(f, x), expected, rtol=1e-6, atol=1e-8)


class _AlwaysEqual:
    def __eq__(self, other):
        return True

    __hash__ = object.__hash__


def test_assert_equal_refuses_values_that_redefine_equality():
    """An object whose == says True to anything, alone or inside a list or dict, does not pass;
    standard values and their usual subclasses (Counter, defaultdict, namedtuples, NumPy scalars) do."""
    import collections

    from common.checks import assert_equal

    for got, expected in ((_AlwaysEqual(), 3), ([1, _AlwaysEqual()], [1, 2]), ({"a": _AlwaysEqual()}, {"a": 1}),
                          ((_AlwaysEqual(),), (0,))):
        with pytest.raises(AssertionError, match="whose == is not a standard type's"):
            assert_equal(got, expected, what="f()")
    point = collections.namedtuple("point", "x y")
    for got, expected in ((np.int64(3), 3), (collections.Counter(a=2), {"a": 2}),
                          (collections.defaultdict(int, a=2), {"a": 2}), (point(1, 2), (1, 2)),
                          ([np.float32(0.5), "s", b"b", None], [0.5, "s", b"b", None])):
        assert_equal(got, expected, what="f()")
