"""Graded notebook cells: ``phase.check("task")`` runs one task exactly as ``make grade`` does."""

from __future__ import annotations

from pathlib import Path

from common.phases import phase_name, repo_root
from grader import engine


def check(phase: int, task: str, *, folder: Path, quiet: bool = False) -> float:
    """Grade ``task`` of ``phase`` on the modules in ``folder``; return the points, or raise AssertionError.

    The grader's tests are taken from ``folder`` when it has them (an nbgrader release),
    else from the repository's ``phases/`` (a reference notebook in ``solutions/``).
    """
    folder = Path(folder).resolve()
    tests = folder if any(folder.glob("test_*.py")) else repo_root() / "phases" / phase_name(phase)
    grade = engine.run(phase, impl=str(folder), tasks=[task], tests_dir=tests)
    (result,) = grade.tasks
    if result.status == "failed":
        case = result.first_failure
        detail = case.message + (f"\nWhere:\n{case.trace}" if case.trace else "")
        raise AssertionError(f"{task}: {result.score:g} / {result.max_score:g}\n{detail}")
    if not quiet:
        print(f"PASS {task}: {result.score:g} / {result.max_score:g} — {result.title}")
    return result.score
