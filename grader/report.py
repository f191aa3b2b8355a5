"""Write a :class:`~grader.engine.Grade` for people (the terminal) and for machines (JSON, Gradescope)."""

from __future__ import annotations

import json
import os
import shutil

from common.files import write_atomic
from grader.engine import Grade

MARK = {"passed": "PASS", "failed": "FAIL", "skipped": "SKIP"}


def _points(x: float) -> str:
    return f"{x:g}"


def _case_name(node_id: str) -> str:
    """The parameter part of a pytest node id: ``test_x.py::test_f[overlap]`` -> ``overlap``."""
    return node_id[node_id.index("[") + 1 : -1] if node_id.endswith("]") and "[" in node_id else node_id


def _who(grade: Grade) -> str:
    if grade.impl == "solutions":
        what = f"the reference code in solutions/{grade.phase_name}"
    elif grade.impl == "phases":
        what = f"your code in phases/{grade.phase_name}"
    else:
        what = f"the code in {grade.impl}"
    if grade.phase > 1:
        what += f"; earlier phases from {grade.prior}/"
    return what


def _names(tasks: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return tasks[0] if len(tasks) == 1 else ", ".join(tasks[:-1]) + " and " + tasks[-1]


def terminal(grade: Grade) -> str:
    """The report a learner reads: one row per task, the total, then each failure in full."""
    width = max([len(t.name) for t in grade.tasks] + [4])
    cols = shutil.get_terminal_size((110, 24)).columns
    lines = [f"Phase {grade.phase:02d} · {grade.phase_name[3:].replace('_', ' ')} — grading {_who(grade)}"
             + (" (isolated: the code ran in a process of its own)" if grade.isolated else ""), ""]
    if grade.modified:
        lines += [f"  Note: the grader's own files differ from the course's: {', '.join(grade.modified)}.",
                  f"  This grade checks what they check now; `git checkout phases/{grade.phase_name}` restores them.", ""]
    for t in grade.tasks:
        pts = f"{_points(t.score):>5} / {_points(t.max_score):<3}"
        row = f"  {MARK[t.status]}  {t.name:<{width}}  {pts}"
        if t.status == "failed":
            first = t.first_failure.message.splitlines()[0] if t.first_failure and t.first_failure.message else ""
            room = max(20, cols - len(row) - 2)
            row += "  " + (first if len(first) <= room else first[: room - 1] + "…")
        elif t.status == "skipped":
            row += "  " + (t.cases[0].message.splitlines()[0] if t.cases and t.cases[0].message else "skipped")
        lines.append(row.rstrip())
    lines += ["", f"  Total: {_points(grade.score)} / {_points(grade.max_score)}"]
    if grade.flags:
        lines += ["", f"  For review (--verify): {len(grade.flags)} construct(s) the course's skeletons do not have, "
                      "each able to fool a check from inside the grading process:"]
        lines += [f"    {f}" for f in grade.flags]
    elif grade.flags is not None:
        lines += ["", "  For review (--verify): nothing beyond the skeletons that could fool a check from inside the "
                      "grading process."]
    failed = [t for t in grade.tasks if t.status == "failed"]
    if failed:
        lines += ["", "What went wrong", "---------------"]
        # Tasks that fail the same way (say, on one unwritten function) are told once.
        groups: dict[tuple[str, str], list] = {}
        for t in failed:
            groups.setdefault((t.first_failure.message, t.first_failure.trace), []).append(t)
        for (message, trace), tasks in groups.items():
            if len(tasks) == 1:
                t = tasks[0]
                bad = [c for c in t.cases if c.outcome == "failed"]
                count = f" ({len(bad)} of {len(t.cases)} cases failed; the first is shown)" if len(t.cases) > 1 else ""
                lines += ["", f"FAIL {t.name} — {t.title}{count}"]
                if t.read_first:
                    lines.append(f"  Read {_names(t.read_first)} first: this task runs that code, and it fails too.")
                lines += ["  " + line for line in message.splitlines()]
                if 1 < len(t.cases) and len(bad) < len(t.cases):
                    names = [_case_name(c.id) for c in bad]
                    more = f", and {len(names) - 8} more" if len(names) > 8 else ""
                    lines.append(f"  Failing cases: {', '.join(names[:8])}{more}")
            else:
                lines += ["", "FAIL " + ", ".join(t.name for t in tasks)]
                lines += ["  " + line for line in message.splitlines()]
            if trace:
                lines += ["  Where, in the code under test (innermost last):", trace]
    elif grade.tasks and grade.score == grade.max_score:
        lines += ["", "  Every task passes."]
    return "\n".join(lines)


def as_json(grade: Grade) -> dict:
    """The grade as plain data: ``score``, ``max_score`` and one entry per task."""
    return {
        "phase": grade.phase,
        "phase_name": grade.phase_name,
        "impl": grade.impl,
        "prior": grade.prior,
        "score": grade.score,
        "max_score": grade.max_score,
        "modified_grader_files": grade.modified,
        "flags": grade.flags,
        "isolated": grade.isolated,
        "tasks": [
            {
                "name": t.name,
                "title": t.title,
                "score": t.score,
                "max_score": t.max_score,
                "status": t.status,
                "message": t.first_failure.message if t.first_failure else "",
                "trace": t.first_failure.trace if t.first_failure else "",
                "read_first": t.read_first,
                "cases": [{"id": c.id, "outcome": c.outcome, "message": c.message, "seconds": c.seconds} for c in t.cases],
            }
            for t in grade.tasks
        ],
    }


def as_gradescope(grade: Grade) -> dict:
    """Gradescope's autograder ``results.json`` schema."""
    tests = []
    for t in grade.tasks:
        case = t.first_failure
        output = "" if case is None else case.message + (f"\n\nWhere:\n{case.trace}" if case.trace else "")
        if t.read_first:
            output = f"Read {_names(t.read_first)} first: this task runs that code, and it fails too.\n\n" + output
        if t.status == "skipped":  # e.g. a GPU task on a machine without one: worth nothing here
            reason = t.cases[0].message if t.cases else ""
            tests.append({"name": f"{t.name}: {t.title}", "score": 0, "max_score": 0, "status": "passed",
                          "output": f"skipped: {reason}", "visibility": "visible"})
            continue
        tests.append({"name": f"{t.name}: {t.title}", "score": t.score, "max_score": t.max_score,
                      "status": "passed" if t.status == "passed" else "failed", "output": output,
                      "visibility": "visible", "execution_time": round(sum(c.seconds or 0 for c in t.cases), 2)})
    return {"score": grade.score, "max_score": grade.max_score, "output": f"Phase {grade.phase:02d}: {_points(grade.score)} / {_points(grade.max_score)}",
            "visibility": "visible", "stdout_visibility": "hidden",
            "execution_time": round(sum(t.get("execution_time", 0) for t in tests), 2), "tests": tests}


def write_json(data: dict, path: str | os.PathLike) -> None:
    """Write ``data`` as JSON atomically: a reader never sees half a file."""
    write_atomic(path, json.dumps(data, indent=2) + "\n")
