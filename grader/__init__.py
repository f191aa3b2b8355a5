"""The grading engine of the course: ``python -m grader N`` (or ``make grade PHASE=N``).

A phase's grader is a set of pytest functions in ``phases/NN_name/test_*.py``; each one
marked with :func:`task` is a graded task::

    from grader import task

    @task(points=3, timeout=20)
    def test_matrix_matmul():
        \"\"\"Matrix @ Matrix equals NumPy's product.\"\"\"

The task's name is the function's name without ``test_``; its title is the docstring's
first line. Parametrised cases share the task's points equally.
"""

from __future__ import annotations

import pytest

DEFAULT_TIMEOUT = 60.0


def task(points: float, timeout: float = DEFAULT_TIMEOUT, needs: tuple[str, ...] = ()):
    """Mark a test function as a graded task worth ``points``, failing after ``timeout`` seconds.

    ``needs`` names the tasks whose code this one runs: when one of them fails too, the report
    tells the learner to read that one first (its message names the mistake more precisely).
    """
    if points <= 0:
        raise ValueError(f"a task must be worth some points, got {points}")
    return pytest.mark.task(points=float(points), timeout=float(timeout), needs=tuple(needs))
