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


def test_gradescope_autograder_grades_a_submission_folder(tmp_path):
    """make gradescope's zip, unpacked where /autograder would be: a finished, a partial and an
    untouched submission get make grade's scores in results.json."""
    import json
    import zipfile

    from grader import engine, gradescope

    zpath = gradescope.build(1, tmp_path / "out")
    root = tmp_path / "autograder"
    with zipfile.ZipFile(zpath) as z:
        z.extractall(root)
    for script in ("run_autograder", "setup.sh"):
        (root / script).chmod(0o755)
    assert (root / "source" / "solutions" / "01_foundations" / "matrix.py").is_file()
    skeleton, reference = ROOT / "phases" / "01_foundations", ROOT / "solutions" / "01_foundations"
    cases = {"finished": reference, "untouched": skeleton, "partial": None}
    for label, origin in cases.items():
        sub = root / "submission"
        shutil.rmtree(sub, ignore_errors=True)
        (sub / "upload").mkdir(parents=True)            # a folder below the top, as a zip upload gives
        for module in ("io.py", "matrix.py", "rng.py"):
            src = (reference if module != "rng.py" else skeleton) if origin is None else origin
            shutil.copy2(src / module, sub / "upload" / module)
        (sub / "upload" / "test_matrix.py").write_text("def test_nothing():\n    pass\n")   # ignored
        shutil.rmtree(root / "results", ignore_errors=True)
        env = {**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": sys.executable}
        env = {k: v for k, v in env.items() if not k.startswith("SCRATCHGPT_")}
        proc = subprocess.run([str(root / "run_autograder")], cwd=root, env=env, capture_output=True, text=True,
                              timeout=600)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        result = json.loads((root / "results" / "results.json").read_text())
        want = engine.run(1, impl=str(sub / "upload"), prior="solutions", tests_dir=skeleton)
        assert abs(result["score"] - want.score) < 1e-9 and result["max_score"] == want.max_score, (label, result)
        assert all({"name", "score", "max_score", "output", "visibility", "execution_time"} <= set(t)
                   for t in result["tests"])
        if label == "finished":
            assert result["score"] == result["max_score"] > 0
        elif label == "untouched":
            assert result["score"] == 0
        else:
            assert 0 < result["score"] < result["max_score"]


def test_gradescope_autograder_grades_hidden_cases(tmp_path):
    """make gradescope HIDDEN=dir packs an instructor's hidden cases; they join their task in results.json."""
    import json
    import zipfile

    from grader import gradescope

    hidden = tmp_path / "hidden"
    hidden.mkdir()
    (hidden / "test_more.py").write_text(
        "from grader import task\n\n\n@task(points=1, timeout=20)\ndef test_matrix_transpose():\n"
        "    \"\"\"a hidden case no submission passes.\"\"\"\n    assert False, \"the hidden case failed\"\n")
    root = tmp_path / "autograder"
    with zipfile.ZipFile(gradescope.build(1, tmp_path / "out", hidden)) as z:
        assert "source/hidden/test_more.py" in z.namelist()
        z.extractall(root)
    (root / "run_autograder").chmod(0o755)
    (root / "submission").mkdir()
    for module in ("io.py", "matrix.py", "rng.py"):
        shutil.copy2(ROOT / "solutions" / "01_foundations" / module, root / "submission" / module)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRATCHGPT_")}
    env.update(AUTOGRADER_ROOT=str(root), AUTOGRADER_PYTHON=sys.executable)
    proc = subprocess.run([str(root / "run_autograder")], cwd=root, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    result = json.loads((root / "results" / "results.json").read_text())
    transpose = next(t for t in result["tests"] if "matrix_transpose" in t["name"])
    assert transpose["score"] == 0.5 and "the hidden case failed" in transpose["output"], transpose
    assert result["score"] == result["max_score"] - 0.5, result["score"]
