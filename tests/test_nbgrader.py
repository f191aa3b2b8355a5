"""An nbgrader round trip for every graded phase: release, autograde, feedback."""

from __future__ import annotations

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

    nbgrader(course, "generate_feedback", name, "--force")
    assert list((course / "feedback" / "untouched" / name).glob("*.html"))
