"""Graded notebook cells: ``phase.check("task")`` runs one task exactly as ``make grade`` does.

The first check grades the whole phase in a fresh process and keeps the result; later
checks reuse it until a file of the phase (or of an earlier phase, or the grader) changes.

A check prints its result on stdout and its value is the task's points, so nbgrader gives a
graded cell the same partial credit as ``make grade`` (it reads a cell's result as its score,
and scores 0 a cell that raises or writes to stderr). A task the grader skips here (a GPU task
on a machine without one) prints why and has no value: nbgrader then counts the cell as passed.
"""

from __future__ import annotations

import os
from pathlib import Path

from common.phases import phase_name, repo_root, source_dir
from grader import engine

_last: dict = {}  # the one cached grade: {"key": ..., "grade": ...}


def _fingerprint(phase: int, folder: Path, tests: Path) -> tuple:
    """What a grade depends on: every module of this and earlier phases, the tests, the settings."""
    folders = {folder, tests}
    for n in range(1, phase):  # as Phase(n) set them: earlier phases resolve through PRIOR
        folders.add(source_dir(n))
    files = sorted(p for d in folders for pattern in ("*.py", "*.cu") for p in d.glob(pattern))
    stats = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files)
    return phase, str(folder), str(tests), os.environ.get("SCRATCHGPT_PRIOR"), stats


def check(phase: int, task: str, *, folder: Path, quiet: bool = False) -> float | None:
    """Grade ``task`` of ``phase`` on the modules in ``folder``; print the outcome, return the points
    (None for a task skipped here).

    The grader's tests are taken from ``folder`` when it has them (an nbgrader release),
    else from the repository's ``phases/`` (a reference notebook in ``solutions/``).
    """
    folder = Path(folder).resolve()
    tests = folder if any(folder.glob("test_*.py")) else repo_root() / "phases" / phase_name(phase)
    key = _fingerprint(phase, folder, tests)
    if _last.get("key") != key:
        _last.clear()
        _last.update(key=key, grade=engine.run(phase, impl=str(folder), prior=os.environ.get("SCRATCHGPT_PRIOR") or None, tests_dir=tests))
    results = {t.name: t for t in _last["grade"].tasks}
    if task not in results:
        raise AssertionError(f"phase {phase} has no task {task!r}; its tasks are: {', '.join(results)}")
    result = results[task]
    if result.status == "skipped":
        reason = result.cases[0].message if result.cases and result.cases[0].message else "skipped here"
        print(f"SKIP {task}: {reason}")
        return None
    if result.status == "failed":
        case = result.first_failure
        detail = notebook_advice(case.message, phase) + (f"\nWhere:\n{case.trace}" if case.trace else "")
        print(f"FAIL {task}: {result.score:g} / {result.max_score:g}\n{detail}")
    elif not quiet:
        print(f"PASS {task}: {result.score:g} / {result.max_score:g} — {result.title}")
    return result.score


def notebook_advice(message: str, phase: int) -> str:
    """The grader's advice in a notebook's words: ``PRIOR=solutions`` is ``Phase(n, prior="solutions")`` here."""
    return message.replace("grade with PRIOR=solutions",
                           f'start the notebook with phase = Phase({phase}, prior="solutions")')
