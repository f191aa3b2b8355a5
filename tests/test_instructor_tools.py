"""Instructors' tools: a course built from solutions/ (never from the working copies in phases/),
with a course folder that can move; graded notebook cells that print and return the grader's
points; the grader's --strict exit status; result files readable by others."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys

from conftest import ROOT
from grader import course
from grader.release import release_files


def test_course_sources_are_generated_from_solutions(tmp_path, monkeypatch):
    root = tmp_path / "repo"
    for part in ("solutions", "phases"):
        shutil.copytree(ROOT / part / "01_foundations", root / part / "01_foundations")
    tried = root / "phases" / "01_foundations" / "matrix.py"        # an instructor tried the stubs
    tried.write_text(tried.read_text() + "\n# my own answers, not for the class\n")
    monkeypatch.setattr(course, "repo_root", lambda: root)
    dest = tmp_path / "course"
    assert course.build(dest, [1]) == ["01_foundations"]
    src = dest / "source" / "01_foundations"
    expected = release_files(root)
    for path, text in expected.items():
        if path.suffix == ".py":
            assert (src / path.name).read_text() == text, path.name
    assert "my own answers" not in (src / "matrix.py").read_text()
    assert (src / "test_matrix.py").is_file() and (src / "README.md").is_file()
    config = (dest / "nbgrader_config.py").read_text()
    assert str(dest) not in config and "os.path.dirname(os.path.abspath(__file__))" in config


def test_notebook_checks_print_and_return_the_points(tmp_path, clean_env, capsys):
    from grader.notebook import check

    folder = tmp_path / "01_foundations"
    shutil.copytree(ROOT / "phases" / "01_foundations", folder, ignore=shutil.ignore_patterns("test_*", "*.ipynb"))
    shutil.copy2(ROOT / "solutions" / "01_foundations" / "matrix.py", folder / "matrix.py")
    clean_env.setenv("SCRATCHGPT_PHASE", "1")
    clean_env.setenv("SCRATCHGPT_IMPL_DIR", str(folder))
    assert check(1, "matrix_matmul", folder=folder) == 3.0
    assert check(1, "rng_make_rng", folder=folder) == 0.0          # rng.py is still the skeleton
    out = capsys.readouterr()
    assert "PASS matrix_matmul: 3 / 3" in out.out and "FAIL rng_make_rng: 0 / 1" in out.out
    assert "NotImplementedError" in out.out and out.err == ""     # nothing on stderr: nbgrader would zero the cell


def test_strict_exit_status_and_result_file_modes(tmp_path):
    def grade(*args):
        return subprocess.run([sys.executable, "-m", "grader", "1", "--task", "rng_make_rng", *args], cwd=ROOT,
                              capture_output=True, text=True, timeout=300)

    assert grade("--impl", "phases", "--prior", "solutions").returncode == 0      # a report, not a verdict
    assert grade("--impl", "phases", "--prior", "solutions", "--strict").returncode == 1
    out = tmp_path / "results.json"
    done = grade("--impl", "solutions", "--strict", "--gradescope", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~umask    # not mkstemp's 0600: Gradescope reads it
