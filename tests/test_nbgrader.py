"""An nbgrader round trip for every graded phase: release, autograde, feedback."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, graded_phases
from grader.course import build, learner_modules

nbgrader_api = pytest.importorskip("nbgrader.api", reason="nbgrader is installed by `make test` (the instructor extra)")


def nbgrader(course, *args):
    # nbgrader runs helper commands (alembic) found on PATH: put this environment's first.
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    proc = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, capture_output=True, text=True,
                          timeout=1200, env={**os.environ, "PATH": path})
    assert proc.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc.stdout + proc.stderr


@pytest.mark.parametrize("phase", graded_phases())
def test_release_autograde_feedback(phase, tmp_path, clean_env):
    course = tmp_path / "course"
    (name,) = build(course, [phase])
    nbgrader(course, "generate_assignment", name, "--force")
    release = course / "release" / name
    modules = learner_modules(name)
    for module in modules:  # learners get the skeleton, never the reference
        assert (release / module).read_text() == (ROOT / "phases" / name / module).read_text()
    assert "BEGIN SOLUTION" not in "".join(p.read_text() for p in release.iterdir() if p.is_file())

    untouched = course / "submitted" / "untouched" / name
    reference = course / "submitted" / "reference" / name
    shutil.copytree(release, untouched)
    shutil.copytree(release, reference)
    for module in modules:
        shutil.copy2(ROOT / "solutions" / name / module, reference / module)
    nbgrader(course, "autograde", name, "--create", "--force")

    gb = nbgrader_api.Gradebook(f"sqlite:///{course / 'gradebook.db'}")
    try:
        zero = gb.find_submission(name, "untouched")
        full = gb.find_submission(name, "reference")
        assert full.max_score > 0
        assert (zero.score, full.score) == (0, full.max_score), (zero.score, full.score, full.max_score)
    finally:
        gb.close()
    # Autograding kept the reference modules of the second submission (exclude_overwriting).
    assert (course / "autograded" / "reference" / name / modules[0]).read_text() == \
        (ROOT / "solutions" / name / modules[0]).read_text()
    # It ran the whole notebook on them, top to bottom: no cell of it may fail (the pictures, the
    # experiments and the checks alike). This is the course's run of every reference notebook.
    def errors(who: str) -> list:
        ran = json.loads((course / "autograded" / who / name / f"{name}.ipynb").read_text())
        return [(i, o.get("ename"), o.get("evalue")) for i, c in enumerate(ran["cells"]) if c["cell_type"] == "code"
                for o in c.get("outputs", ()) if o.get("output_type") == "error"]

    assert errors("untouched"), "the skeleton's notebook shows no error: the autograded notebooks keep no outputs"
    assert not errors("reference"), f"cells of the {name} notebook failed on the reference code: {errors('reference')}"

    nbgrader(course, "generate_feedback", name, "--force")
    assert list((course / "feedback" / "untouched" / name).glob("*.html"))


PARTIAL_BUGS = {"p01_dot_any_shape"}  # matrix_shape_errors keeps the points of its other cases


@pytest.mark.parametrize("phase", [p for p in (1, 8) if p in graded_phases()])
def test_partial_work_scores_as_make_grade_does(phase, tmp_path, clean_env):
    """A submission with one module still the skeleton and the rest finished: nbgrader's score is
    the grader's, task for task (a graded cell's value is its points; a failing cell does not raise)."""
    from grader import engine

    course = tmp_path / "course"
    (name,) = build(course, [phase])
    nbgrader(course, "generate_assignment", name, "--force")
    release = course / "release" / name
    partial = course / "submitted" / "partial" / name
    shutil.copytree(release, partial)
    modules = [m for m in learner_modules(name) if m.endswith(".py")]
    for module in modules[1:]:                 # the first module stays the skeleton
        shutil.copy2(ROOT / "solutions" / name / module, partial / module)
    from test_mutants import CATALOGUE        # and a bug that fails some cases of a task: partial credit
    for bug in (m for m in CATALOGUE if m["name"] in PARTIAL_BUGS and m["phase"] == phase):
        text = (partial / bug["module"]).read_text()
        (partial / bug["module"]).write_text(text.replace(bug["old"], bug["new"]))
    nbgrader(course, "autograde", name, "--create", "--force")
    graded = engine.run(phase, impl=str(course / "autograded" / "partial" / name), prior="solutions",
                        tests_dir=ROOT / "phases" / name)
    gb = nbgrader_api.Gradebook(f"sqlite:///{course / 'gradebook.db'}")
    try:
        sub = gb.find_submission(name, "partial")
        cells = {g.name: g.score for nb in sub.notebooks for g in nb.grades}
        score = sub.score
    finally:
        gb.close()
    assert 0 < graded.score < graded.max_score, "the partial submission should be partly right"
    if phase == 1:
        (shape,) = [t for t in graded.tasks if t.name == "matrix_shape_errors"]
        assert 0 < shape.score < shape.max_score, "the planted bug should cost part of matrix_shape_errors"
    skipped = sum(t.max_score for t in graded.tasks if t.status == "skipped")
    assert abs(score - skipped - graded.score) < 1e-6, (score, graded.score, cells)


def test_hidden_cases_count_in_nbgrader(tmp_path, clean_env):
    """SCRATCHGPT_HIDDEN=dir during nbgrader's autograde: an instructor's hidden case joins its task,
    and the finished submission loses that case's share of the task's points; the released
    assignment holds no trace of it."""
    course = tmp_path / "course"
    (name,) = build(course, [1])
    nbgrader(course, "generate_assignment", name, "--force")
    hidden = tmp_path / "hidden"
    hidden.mkdir()
    (hidden / "test_more.py").write_text(
        "from grader import task\n\n\n@task(points=1, timeout=20)\ndef test_matrix_transpose():\n"
        "    \"\"\"a hidden case no submission passes.\"\"\"\n    assert False, \"the hidden case failed\"\n")
    release = course / "release" / name
    assert not any("hidden" in p.read_text(errors="ignore") for p in release.rglob("test_*.py"))
    finished = course / "submitted" / "finished" / name
    shutil.copytree(release, finished)
    for module in learner_modules(name):
        shutil.copy2(ROOT / "solutions" / name / module, finished / module)
    clean_env.setenv("SCRATCHGPT_HIDDEN", str(hidden))
    nbgrader(course, "autograde", name, "--create", "--force")
    gb = nbgrader_api.Gradebook(f"sqlite:///{course / 'gradebook.db'}")
    try:
        sub = gb.find_submission(name, "finished")
        cells = {g.name: g.score for nb in sub.notebooks for g in nb.grades}
        assert cells["matrix_transpose"] == 0.5 and sub.score == sub.max_score - 0.5, cells
    finally:
        gb.close()
