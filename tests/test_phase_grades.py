"""Every grader passes on the reference and fails, task by task, on the untouched skeleton."""

from __future__ import annotations

import pytest

from conftest import grade, graded_phases

PHASES = graded_phases()


def test_some_phase_is_graded():
    assert 1 in PHASES, "phase 01 must have a reference in solutions/ and a grader in phases/"


@pytest.mark.parametrize("phase", PHASES)
def test_reference_gets_full_marks(phase):
    result, report = grade(phase, "--impl", "solutions")
    # A task may be skipped where it cannot run (a GPU task without a GPU); none may fail.
    failed = [f"{t['name']}: {t['message']}" for t in result["tasks"] if t["status"] not in ("passed", "skipped")]
    assert not failed, "the reference fails tasks:\n" + "\n".join(failed) + "\n\n" + report
    assert result["max_score"] > 0 and result["score"] == result["max_score"]


@pytest.mark.parametrize("phase", PHASES)
def test_skeleton_gets_zero(phase):
    result, report = grade(phase, "--impl", "phases", "--prior", "solutions")
    scored = [f"{t['name']}: {t['score']}/{t['max_score']}" for t in result["tasks"] if t["score"] > 0]
    assert not scored, "tasks that give points to the untouched skeleton:\n" + "\n".join(scored)
    assert result["score"] == 0 and result["max_score"] > 0
    for t in result["tasks"]:
        assert "NotImplementedError" in t["message"], f"{t['name']} fails on the skeleton for another reason: {t['message']}"


@pytest.mark.parametrize("phase", PHASES)
def test_reference_gets_full_marks_isolated(phase):
    """Graded with the code in a process of its own (--isolate), the reference still gets every point."""
    result, report = grade(phase, "--impl", "solutions", "--isolate")
    failed = [f"{t['name']}: {t['message']}" for t in result["tasks"] if t["status"] not in ("passed", "skipped")]
    assert not failed, "isolated, the reference fails tasks:\n" + "\n".join(failed) + "\n\n" + report
    assert result["max_score"] > 0 and result["score"] == result["max_score"]
