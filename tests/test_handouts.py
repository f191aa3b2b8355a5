"""Handouts list the grader's tasks with their points."""

from __future__ import annotations

import re

import pytest

from conftest import ROOT, graded_phases
from grader import engine


@pytest.mark.parametrize("phase", graded_phases())
def test_handout_table_matches_the_grader(phase, clean_env):
    grade = engine.run(phase, impl="solutions", list_only=True)
    text = (ROOT / "phases" / grade.phase_name / "README.md").read_text()
    for t in grade.tasks:
        row = re.search(rf"^\|\s*`{t.name}`\s*\|.*$", text, re.M)
        assert row, f"the handout of phase {phase} does not list task {t.name}"
        assert f"| {t.max_score:g} |" in row.group(0), f"the handout gives {t.name} other points than the grader ({t.max_score:g})"
    listed = engine.handout_tasks(ROOT / "phases" / grade.phase_name / "README.md")
    stale = sorted(set(listed) - {t.name for t in grade.tasks})
    assert not stale, f"the task table of phase {phase} lists tasks the grader does not have: {stale}"
    assert len(listed) == len(set(listed)), f"the task table of phase {phase} lists a task twice"
    total = sum(t.max_score for t in grade.tasks)
    assert f"**{total:g}**" in text, f"the handout's total should be {total:g}"
