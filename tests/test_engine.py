"""The grading engine on a made-up two-phase course: points, messages, time limits, crashes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap

import pytest

from conftest import ROOT, grade

MODULE = '''
def double(x):
    return 2 * x

def todo(x):
    raise NotImplementedError("todo")

def spin():
    while True:
        pass

def crash():
    import ctypes
    ctypes.string_at(0)

def leave():
    import os
    os._exit(3)
'''

TESTS = '''
import pytest
from common import load
from common.checks import assert_equal, calling
from grader import task

@task(points=2, timeout=20)
def test_double():
    """double doubles."""
    assert_equal(load(1, "mod").double(2), 4, what="double(2)")

@task(points=1, timeout=20)
def test_wrong():
    """a check that fails."""
    assert_equal(load(1, "mod").double(2), 5, what="double(2)", hint="read the spec")

@task(points=1, timeout=20)
def test_todo():
    """reaches a stub."""
    load(1, "mod").todo(1)

@task(points=1, timeout=1)
def test_spin():
    """never ends."""
    load(1, "mod").spin()

@task(points=1, timeout=20)
def test_crash():
    """kills the interpreter."""
    load(1, "mod").crash()

@task(points=1, timeout=20)
def test_leave():
    """exits the process."""
    load(1, "mod").leave()

@task(points=3, timeout=20)
@pytest.mark.parametrize("x", [1, 2, 3])
def test_param(x):
    """three cases, one wrong."""
    assert x != 2, "x must not be 2"

@task(points=1)
def test_after():
    """still graded after the crashes."""
    with calling("double(1, 2)"):
        load(1, "mod").double(1, 2)

@task(points=1)
def test_broken():
    """imports a module that does not parse."""
    load(1, "broken")

@task(points=5)
def test_gpu():
    """needs a GPU."""
    pytest.skip("no GPU on this machine")

def test_not_a_task():
    raise RuntimeError("unmarked tests are not graded")
'''

LATER = '''
from common import load

def use():
    return load(1, "mod").todo(3)
'''

LATER_TESTS = '''
from common import load
from grader import task

@task(points=1)
def test_use():
    """uses phase 1."""
    load(2, "user").use()
'''


@pytest.fixture
def course(tmp_path, clean_env):
    """A course root with phase 01 (a module and its grader) and phase 02 built on it."""
    for sub, files in {"phases/01_alpha": {"mod.py": MODULE, "test_mod.py": TESTS,
                                           "broken.py": "def f(:\n    pass\n"},
                       "phases/02_beta": {"user.py": LATER, "test_user.py": LATER_TESTS},
                       "solutions/01_alpha": {"mod.py": MODULE.replace('raise NotImplementedError("todo")', "return x")}}.items():
        (tmp_path / sub).mkdir(parents=True)
        for name, text in files.items():
            (tmp_path / sub / name).write_text(textwrap.dedent(text))
    clean_env.setenv("SCRATCHGPT_ROOT", str(tmp_path))
    return tmp_path


def tasks_of(result):
    return {t["name"]: t for t in result["tasks"]}


def test_points_messages_timeouts_and_crashes(course):
    result, report = grade(1, cwd=course)
    t = tasks_of(result)
    assert list(t) == ["double", "wrong", "todo", "spin", "crash", "leave", "param", "after", "broken", "gpu"]
    assert (result["score"], result["max_score"]) == (4, 12)
    assert t["double"]["status"] == "passed" and t["double"]["score"] == 2
    assert t["wrong"]["message"] == "double(2): expected 5, got 4.\nHint: read the spec"
    assert "`todo` (mod.py:6) still raises NotImplementedError" in t["todo"]["message"]
    assert "phases/01_alpha/mod.py:6 in todo" in t["todo"]["trace"]
    assert re.match(r"timed out after 1 s; it was running `spin` \(mod.py:(9|10)\)", t["spin"]["message"])
    assert "crashed (SIGSEGV)" in t["crash"]["message"] and "`crash`" in t["crash"]["message"]
    assert "exited with code 3" in t["leave"]["message"]
    assert t["param"]["score"] == 2 and t["param"]["status"] == "failed"
    assert t["after"]["message"].startswith("double(1, 2) raised TypeError")
    assert t["gpu"]["status"] == "skipped" and t["gpu"]["score"] == 0  # and not counted in max_score
    assert t["broken"]["message"].startswith("broken.py could not be imported: SyntaxError at line 1")
    # The terminal report: one row per task, the total, then the failures in words.
    assert "  PASS  double" in report and "  FAIL  spin" in report and "SKIP  gpu" in report and "Total: 4 / 12" in report
    assert report.index("Total") < report.index("What went wrong")
    assert "FAIL param — three cases, one wrong. (1 of 3 cases failed; the first is shown)\n  x must not be 2\n  Failing cases: 2\n" in report


def test_one_task_and_gradescope(course, tmp_path):
    gs = tmp_path / "results.json"
    result, _ = grade(1, "--task", "double", "--task", "wrong", "--task", "gpu", "--gradescope", str(gs), cwd=course)
    assert [t["name"] for t in result["tasks"]] == ["double", "wrong", "gpu"]
    data = json.loads(gs.read_text())
    assert (data["score"], data["max_score"]) == (2, 3)
    double, wrong, gpu = data["tests"]
    assert (double["score"], double["max_score"], double["status"]) == (2, 2, "passed")
    assert (wrong["score"], wrong["max_score"], wrong["status"]) == (0, 1, "failed")
    assert wrong["output"].startswith("double(2): expected 5, got 4.")
    assert (gpu["max_score"], gpu["output"]) == (0, "skipped: no GPU on this machine")


def test_unknown_task_is_a_clear_error(course):
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "grader", "1", "--task", "nope"], cwd=course,
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "has no task named nope" in proc.stderr and "double" in proc.stderr


def test_unfinished_earlier_phase_is_named(course):
    result, _ = grade(2, cwd=course)
    msg = result["tasks"][0]["message"]
    assert msg.startswith("phase 2 needs your phase-1 `todo`, which still raises NotImplementedError")
    assert "PRIOR=solutions" in msg
    fixed, _ = grade(2, "--prior", "solutions", cwd=course)
    assert fixed["score"] == fixed["max_score"] == 1


def test_phase_without_grader(course):
    import subprocess
    import sys

    (course / "phases/03_gamma").mkdir()
    proc = subprocess.run([sys.executable, "-m", "grader", "3"], cwd=course, capture_output=True, text=True)
    assert proc.returncode == 2 and "has no grader yet" in proc.stderr


def test_report_follows_the_handout_order(course):
    (course / "phases/01_alpha/README.md").write_text(textwrap.dedent("""\
        # Alpha

        | `double` | 9 | not the task table: a table before `## Tasks` |

        ## Tasks

        | task | points | what it checks |
        | --- | ---: | --- |
        | `todo` | 1 | reaches a stub |
        | `wrong` | 1 | fails |
        | `double` | 2 | doubles |

        ## How to work

        | `param` | 2 | after the table: ignored |
        """))
    result, _ = grade(1, "--task", "double", "--task", "wrong", "--task", "todo", "--task", "param", cwd=course)
    assert [t["name"] for t in result["tasks"]] == ["todo", "wrong", "double", "param"]


def test_grading_runs_blas_on_one_thread_unless_told(clean_env):
    from grader.engine import BLAS_THREAD_VARS, child_env

    clean_env.delenv("OPENBLAS_NUM_THREADS", raising=False)
    clean_env.setenv("OMP_NUM_THREADS", "4")
    env = child_env(1, "solutions", None)
    assert env["OPENBLAS_NUM_THREADS"] == "1" and env["OMP_NUM_THREADS"] == "4"
    assert set(BLAS_THREAD_VARS) <= set(env)


HOSTILE = '''
import pytest

def skip_me():
    pytest.skip("nothing to see")

def xfail_me():
    pytest.xfail("expected to fail")

def interrupt():
    raise KeyboardInterrupt

def leave_quietly():
    raise SystemExit(0)

def shout():
    raise ValueError("x" * 20_000_000)

def linger(pid_file):
    import subprocess, threading, time
    threading.Thread(target=time.sleep, args=(3600,)).start()          # not a daemon
    child = subprocess.Popen(["sleep", "3600"])
    open(pid_file, "w").write(str(child.pid))
    return 1
'''

HOSTILE_TESTS = '''
import pytest
from common import load
from grader import task

@task(points=1, timeout=20)
def test_skips_itself():
    """code that skips its own check."""
    load(1, "hostile").skip_me()

@task(points=1, timeout=20)
def test_xfails_itself():
    """code that marks its own check as an expected failure."""
    load(1, "hostile").xfail_me()

@task(points=1, timeout=20)
def test_interrupts():
    """code that raises KeyboardInterrupt."""
    load(1, "hostile").interrupt()

@task(points=1, timeout=20)
def test_exits():
    """code that raises SystemExit(0)."""
    load(1, "hostile").leave_quietly()

@task(points=1, timeout=20)
def test_shouts():
    """code that raises an exception with a 20 MB message."""
    load(1, "hostile").shout()

@task(points=1, timeout=20)
def test_still_graded():
    """graded after all of them."""
    assert load(1, "mod").double(3) == 6
'''


def test_code_under_test_cannot_skip_or_interrupt_its_checks(course):
    """pytest.skip, pytest.xfail, KeyboardInterrupt and SystemExit from learner code fail the case:
    none drops it from the total, none stops the grading, none counts as a pass. A huge exception
    message is cut, so that the report and its JSON stay small."""
    (course / "phases/01_alpha/hostile.py").write_text(textwrap.dedent(HOSTILE))
    (course / "phases/01_alpha/test_hostile.py").write_text(textwrap.dedent(HOSTILE_TESTS))
    names = ["skips_itself", "xfails_itself", "interrupts", "exits", "shouts", "still_graded", "gpu"]
    result, report = grade(1, *[a for n in names for a in ("--task", n)], cwd=course)
    t = tasks_of(result)
    assert (result["score"], result["max_score"]) == (1, 6), report
    assert len(t["shouts"]["message"]) < 5000 and "characters cut" in t["shouts"]["message"]
    assert len(json.dumps(result)) < 100_000
    assert "called pytest.skip()" in t["skips_itself"]["message"] and t["skips_itself"]["status"] == "failed"
    assert "called pytest.xfail()" in t["xfails_itself"]["message"] and t["xfails_itself"]["status"] == "failed"
    assert "raised KeyboardInterrupt" in t["interrupts"]["message"]
    assert "raised SystemExit" in t["exits"]["message"]
    assert t["still_graded"]["status"] == "passed"
    assert t["gpu"]["status"] == "skipped"  # the grader's own skip still drops its case


LINGER_TESTS = '''
import os
from common import load
from grader import task

@task(points=1, timeout=20)
def test_lingers():
    """code that leaves a thread and a process running."""
    assert load(1, "hostile").linger(os.environ["PID_FILE"]) == 1
'''


def test_threads_and_processes_left_running_do_not_hold_the_grade(course, tmp_path, clean_env):
    """A non-daemon thread would keep the grading process alive for ever, and a child process
    would outlive it: grading ends anyway, with the case graded, and the child is killed."""
    import os
    import time

    (course / "phases/01_alpha/hostile.py").write_text(textwrap.dedent(HOSTILE))
    (course / "phases/01_alpha/test_linger.py").write_text(textwrap.dedent(LINGER_TESTS))
    pid_file = tmp_path / "pid"
    clean_env.setenv("PID_FILE", str(pid_file))
    start = time.monotonic()
    result, report = grade(1, "--task", "lingers", cwd=course)
    assert time.monotonic() - start < 60 and result["score"] == result["max_score"] == 1, report
    pid = int(pid_file.read_text())
    for _ in range(50):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        raise AssertionError(f"the process {pid} started by the code under test outlived the grading")


NEEDS_TESTS = '''
from common import load
from grader import task

@task(points=1, timeout=20)
def test_base():
    """the building block."""
    assert load(1, "mod").double(2) == 5, "double(2) must be 5 (in this made-up course)"

@task(points=1, timeout=20, needs=("base",))
def test_built_on_it():
    """uses the building block."""
    assert load(1, "mod").double(3) == 7, "double(3) must be 7"

@task(points=1, timeout=20, needs=("double",))
def test_needs_a_passing_task():
    """uses a task that passes."""
    assert False, "fails on its own"
'''


def test_a_failing_task_points_to_the_failing_task_it_needs(course):
    (course / "phases/01_alpha/test_needs.py").write_text(textwrap.dedent(NEEDS_TESTS))
    result, report = grade(1, "--task", "base", "--task", "built_on_it", "--task", "needs_a_passing_task",
                           "--task", "double", cwd=course)
    t = tasks_of(result)
    assert t["built_on_it"]["read_first"] == ["base"] and t["needs_a_passing_task"]["read_first"] == []
    assert "FAIL built_on_it — uses the building block.\n  Read base first: this task runs that code" in report
    (course / "phases/01_alpha/test_needs.py").write_text(textwrap.dedent(NEEDS_TESTS).replace('needs=("base",)',
                                                                                                'needs=("nope",)'))
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "grader", "1", "--task", "base"], cwd=course, capture_output=True,
                          text=True)
    assert proc.returncode == 2 and "says a task needs nope" in proc.stderr


HANG_TESTS = '''
from common import load
from grader import task

@task(points=1, timeout=2)
def test_first_import():
    """imports a module that loops at its top level."""
    load(1, "stuck")

@task(points=1, timeout=2)
def test_second_import():
    """imports it again."""
    load(1, "stuck").f()

@task(points=1, timeout=2)
def test_third_import():
    """and again."""
    load(1, "stuck").f()
'''


def test_a_module_that_hangs_at_import_costs_one_time_limit(course):
    """The first task that imports it times out, naming the line; the later ones fail at once."""
    # The whole loop on line 1: where the time limit interrupts it cannot move the line reported.
    (course / "phases/01_alpha/stuck.py").write_text("while True: pass\n\n\ndef f():\n    return 1\n")
    (course / "phases/01_alpha/test_stuck.py").write_text(textwrap.dedent(HANG_TESTS))
    result, report = grade(1, "--task", "first_import", "--task", "second_import", "--task", "third_import",
                           cwd=course)
    t = tasks_of(result)
    assert "while importing stuck.py (line 1, at the top level" in t["first_import"]["message"], report
    for name in ("second_import", "third_import"):
        assert "stuck.py never finished importing in an earlier task" in t[name]["message"], report
        assert t[name]["cases"][0]["seconds"] < 1, report


HOG_TESTS = '''
import numpy as np
from grader import task

@task(points=1, timeout=20)
def test_hog():
    """allocates 2 GiB."""
    np.ones(1 << 28).sum()

@task(points=1, timeout=20)
def test_after_hog():
    """still graded."""
    assert np.ones(1000).sum() == 1000
'''


def test_memory_is_capped(course, clean_env):
    """Each grading process has a data-segment cap (SCRATCHGPT_MEMORY_LIMIT_GB, 4 by default):
    allocating past it is a MemoryError in that case only."""
    (course / "phases/01_alpha/test_hog.py").write_text(textwrap.dedent(HOG_TESTS))
    clean_env.setenv("SCRATCHGPT_MEMORY_LIMIT_GB", "1")
    result, report = grade(1, "--task", "hog", "--task", "after_hog", cwd=course)
    t = tasks_of(result)
    assert "MemoryError" in t["hog"]["message"] and t["after_hog"]["status"] == "passed", report


TAMPER = '''
import os
import sys
from pathlib import Path

def tamper():
    """Rewrite every grader file in reach to pass, the running copy and the checkout's, then leave."""
    running = Path(sys._getframe(1).f_code.co_filename)
    for folder in {running.parent, Path(__file__).parent}:
        for test in folder.glob("test_*.py"):
            test.write_text("from grader import task\\n\\n"
                            "@task(points=1)\\ndef test_tampers():\\n    \\"\\"\\"t.\\"\\"\\"\\n\\n"
                            "@task(points=1)\\ndef test_checked_after():\\n    \\"\\"\\"c.\\"\\"\\"\\n")
    os._exit(0)
'''

TAMPER_TESTS = '''
from common import load
from grader import task

@task(points=1, timeout=20)
def test_tampers():
    """code that rewrites the grader's files, then ends its process."""
    load(1, "tamper").tamper()

@task(points=1, timeout=20)
def test_checked_after():
    """graded by the process that starts after it."""
    assert load(1, "mod").todo(3) == 3
'''


def test_grader_files_edited_during_a_grade_change_nothing_and_are_noted_after(course):
    """Code under test that rewrites the grader's files (the copy being run and the checkout's) and
    ends its process: the next process grades with the files as they were when grading began. The
    next grade notes that the checkout's files differ from the manifest, and --verify refuses."""
    from grader import manifest

    (course / "phases/01_alpha/tamper.py").write_text(textwrap.dedent(TAMPER))
    (course / "phases/01_alpha/test_tamper.py").write_text(textwrap.dedent(TAMPER_TESTS))
    manifest.write(course)
    assert json.loads((course / "phases/manifest.json").read_text())["01_alpha"]["test_tamper.py"]
    result, report = grade(1, "--task", "tampers", "--task", "checked_after", cwd=course)
    t = tasks_of(result)
    assert t["tampers"]["status"] == "failed" and "exited with code 0" in t["tampers"]["message"], report
    assert t["checked_after"]["status"] == "failed" and "NotImplementedError" in t["checked_after"]["message"], report
    assert result["modified_grader_files"] == [], report        # as they were when grading began
    assert "def test_checked_after():\n    \"\"\"c.\"\"\"" in (course / "phases/01_alpha/test_tamper.py").read_text()

    result, report = grade(1, "--task", "checked_after", cwd=course)
    changed = ["test_mod.py (changed)", "test_tamper.py (changed)"]    # tamper() rewrote both
    assert result["modified_grader_files"] == changed, report
    assert f"the grader's own files differ from the course's: {', '.join(changed)}" in report
    proc = subprocess.run([sys.executable, "-m", "grader", "1", "--verify"], cwd=course, capture_output=True,
                          text=True, timeout=300, env=dict(os.environ))
    assert proc.returncode == 2 and "test_tamper.py (changed)" in proc.stderr, proc.stderr


RIGGED = '''
import sys

import numpy as np


def double(x):
    expected = sys._getframe(1).f_locals.get("want")       # the check's own expected value
    return expected if expected is not None else 2 * x


class Anything:
    def __eq__(self, other):
        return True


np.matmul = lambda a, b: 0
'''


def test_verify_lists_what_a_submission_added_that_can_fool_a_check(course):
    """--verify (instructors) names each construct a submission has beyond its skeleton, with why it
    matters; the course's own skeleton is clean, and a learner's grade shows no such list."""
    result, report = grade(1, "--task", "double", "--verify", cwd=course)
    assert result["flags"] == [] and "nothing beyond the skeletons" in report, report
    assert result["isolated"], "--verify grades isolated where the phase can be"
    submission = course / "submission"
    submission.mkdir()
    (submission / "mod.py").write_text(textwrap.dedent(MODULE) + textwrap.dedent(RIGGED))
    result, report = grade(1, "--task", "double", "--verify", "--impl", str(submission), cwd=course)
    said = "\n".join(result["flags"])
    for construct in ("sys._getframe(...)", ".f_locals", "def __eq__", "np.matmul = ..."):
        assert f"mod.py: {construct}" in said, said
    assert "For review (--verify): 4 construct(s)" in report, report
    result, report = grade(1, "--task", "double", "--impl", str(submission), cwd=course)
    assert result["flags"] is None and "For review" not in report


PATCHER = '''
import numpy as np

import common.checks

np.array_equal = lambda *args, **kwargs: True          # every array comparison agrees
common.checks.require = lambda *args, **kwargs: None    # every requirement holds

import torch.optim                                      # first imported here, by the code under test

torch.optim.SGD.step = lambda self, closure=None: None  # the oracle's optimizer stands still


def double(x):
    return np.array(2 * x + 1)                         # wrong, and a 0-d array: compared with np.array_equal
'''


def test_replacing_a_library_function_fails_the_case_and_is_undone(course):
    """Code under test that replaces the functions a check relies on, at import, fails the case in
    which it ran, with a message naming them; the originals are back for the next case, which is
    then judged on its merits (test_wrong expects 5, which this double(2) gives)."""
    submission = course / "submission"
    submission.mkdir()
    (submission / "mod.py").write_text(textwrap.dedent(MODULE) + textwrap.dedent(PATCHER))
    result, report = grade(1, "--impl", str(submission), cwd=course)
    tasks = tasks_of(result)
    assert tasks["double"]["score"] == 0, report
    for name in ("numpy.array_equal", "common.checks.require", "SGD.step"):
        assert name in tasks["double"]["message"], report
    assert tasks["wrong"]["score"] == 1 and "replaced" not in tasks["wrong"]["message"], report
    result, _ = grade(1, cwd=course)  # the course's own module, untouched: no false alarm
    assert tasks_of(result)["double"]["score"] == 2


WRITER = '''
import os
from pathlib import Path

def double(x):
    Path(os.environ["OUTSIDE"]).write_text("rewritten by the code under test")   # a file of the course
    return 2 * x

def todo(x):
    import subprocess, tempfile                     # the temporary folder stays writable, to it and its children
    subprocess.run(["sh", "-c", f"echo ok > {tempfile.gettempdir()}/inside.txt"], check=True)
    raise NotImplementedError("todo")
'''


def test_isolated_code_writes_files_only_in_the_temporary_folder(course, tmp_path):
    """Where the kernel has Landlock, the process that runs the code under test (and every process it
    starts) may write only beneath the temporary folder: not the course, not the reports, not the
    user's files. Graded in one process, the same code does rewrite the file."""
    from grader.host import landlock_abi

    if landlock_abi() < 1:
        pytest.skip("this kernel has no Landlock: the code under test can write what its user can")
    submission, temp, outside = course / "submission", tmp_path / "temp", course / "phases" / "01_alpha" / "mod.py"
    submission.mkdir()
    temp.mkdir()
    (submission / "mod.py").write_text(textwrap.dedent(WRITER))
    env = {"TMPDIR": str(temp), "OUTSIDE": str(outside)}
    before = outside.read_text()
    result, report = grade(1, "--impl", str(submission), "--isolate", "--task", "double", "--task", "todo",
                           env=env, cwd=course)
    assert outside.read_text() == before, report
    t = tasks_of(result)
    assert t["double"]["score"] == 0 and "PermissionError" in t["double"]["message"], report
    assert (temp / "inside.txt").read_text() == "ok\n", report
    assert "still raises NotImplementedError" in t["todo"]["message"], report
    grade(1, "--impl", str(submission), "--task", "double", env=env, cwd=course)
    assert outside.read_text() == "rewritten by the code under test", "graded in one process the write succeeds: " \
                                                                      "this test shows nothing"


def test_confinement_is_all_or_nothing(tmp_path):
    """A folder that cannot be allowed (here, one that does not exist) leaves the process unconfined,
    rather than confined without it: a missing rule would forbid writing where the checks write."""
    from grader.host import landlock_abi

    if landlock_abi() < 1:
        pytest.skip("this kernel has no Landlock")
    (tmp_path / "allowed").mkdir()
    code = ("from grader.host import confine; "
            f"ok = confine([{str(tmp_path / 'missing')!r}, {str(tmp_path / 'allowed')!r}]); "
            f"open({str(tmp_path / 'outside.txt')!r}, 'w').write('x'); print(ok)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.stdout.strip() == "False" and (tmp_path / "outside.txt").exists(), proc.stdout + proc.stderr


HIDDEN_TESTS = '''
from common import load
from grader import task


@task(points=2, timeout=20)
def test_double():
    """a hidden case of the double task."""
    assert load(1, "mod").double(-4) == -9, "double(-4) should be -9 (a case the learner never saw)"
'''


def test_hidden_cases_join_their_task(course, tmp_path):
    """--hidden DIR: an instructor's cases join the phase's task of the same name and share its
    points; a hidden case of a task the phase does not have, or with other points, is refused."""
    hidden = tmp_path / "hidden"
    hidden.mkdir()
    (hidden / "test_extra.py").write_text(textwrap.dedent(HIDDEN_TESTS))
    result, report = grade(1, "--task", "double", "--hidden", str(hidden), cwd=course)
    t = tasks_of(result)["double"]
    assert (t["score"], t["max_score"], len(t["cases"])) == (1, 2, 2), report
    assert "should be -9" in t["message"], report
    for text, says in ((HIDDEN_TESTS.replace("points=2", "points=5"), "must declare its task's points"),
                       (HIDDEN_TESTS.replace("def test_double", "def test_triple"), "belongs to no task")):
        (hidden / "test_extra.py").write_text(textwrap.dedent(text))
        what = "--task triple" if "triple" in text else "--task double"
        proc = subprocess.run([sys.executable, "-m", "grader", "1", *what.split(), "--hidden", str(hidden)], cwd=course,
                              capture_output=True, text=True, timeout=300, env=dict(os.environ))
        assert proc.returncode == 2 and says in proc.stderr, proc.stderr


FORGER = '''
import json
import os
import stat
import sys

import numpy as np


class Agreeable:
    def __eq__(self, other):                            # says yes to any expected value
        return True

    __hash__ = object.__hash__


def forge_everything(sockets=False):
    """What a submission can try from the process that runs it: every cheat at once."""
    passed = b"".join(json.dumps({"event": e, "id": i, "outcome": "passed", "message": "", "trace": "",
                                  "seconds": 0}).encode() + b"\\n"
                      for i in (f"test_mod.py::test_{n}" for n in ("double", "wrong", "todo")) for e in ("result",))
    for fd in range(3, 256):                           # any descriptor may be the grader's event pipe
        try:
            if stat.S_ISSOCK(os.fstat(fd).st_mode) and not sockets:
                continue
            os.write(fd, passed)
        except OSError:
            pass
    for pid in {os.getppid(), os.getpgrp()}:          # the checking process's descriptors, through /proc
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                try:
                    with open(f"/proc/{pid}/fd/{fd}", "wb", buffering=0) as f:
                        f.write(passed)
                except OSError:
                    pass
        except OSError:
            pass
    np.array_equal = lambda *args, **kwargs: True      # a patched oracle
    for name in list(sys.modules):                     # the grader's own functions
        if name.startswith(("grader", "common.checks")):
            module = sys.modules[name]
            for attr in ("_emit", "require", "assert_equal"):
                if hasattr(module, attr):
                    setattr(module, attr, lambda *args, **kwargs: None)
    frame, found = sys._getframe(), None                # the expected value, read from the caller
    while frame is not None:
        found = frame.f_locals.get("expected", found)
        frame = frame.f_back
    return found


def double(x):
    found = forge_everything()
    return found if found is not None else Agreeable()


def todo(x):
    forge_everything(sockets=True)
    os._exit(0)                                        # leave before the check can disagree
'''


def test_isolated_grading_cannot_be_forged_from_the_code_under_test(course):
    """In isolated grading the code under test runs in a process of its own. Writing passing results
    to every descriptor and through /proc, patching NumPy and the grader's functions, reading the
    expected value from the caller's frames, returning an object equal to anything and leaving with
    os._exit: none of it earns a point; the same code graded in one process does fool the checks."""
    submission = course / "submission"
    submission.mkdir()
    (submission / "mod.py").write_text(textwrap.dedent(FORGER))
    tasks = ["--task", "double", "--task", "wrong", "--task", "todo"]
    result, report = grade(1, "--impl", str(submission), "--isolate", *tasks, cwd=course)
    assert (result["score"], result["max_score"]) == (0, 4), report
    assert result["isolated"] and "isolated" in report.splitlines()[0], report
    t = tasks_of(result)
    assert "Agreeable" in t["double"]["message"] and "4" in t["double"]["message"], report
    assert "wrote into the channel" in t["todo"]["message"], report
    result, report = grade(1, "--impl", str(submission), *tasks, cwd=course)
    assert not result["isolated"]
    assert result["score"] > 0, f"the cheats no longer fool an ordinary grade, so this test shows nothing:\n{report}"
