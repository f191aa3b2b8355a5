"""The pytest plugin of the grading process (``pytest -p grader.plugin``).

It streams one JSON line per event to the file descriptor given by ``--grader-events``
so that the parent (:mod:`grader.engine`) knows, even if this process dies, which case
was running: ``collected`` (every graded case, in order), ``start``, ``result``, and
``collect_error``, and ``done`` at the end of the session, after which the process exits at once
(threads and child processes the code under test left behind do not keep it alive). A case that runs past its task's time limit makes faulthandler dump
the stack to ``--grader-dump`` and end the process; the parent then reports a timeout
and starts a new process for the cases left.
"""

from __future__ import annotations

import faulthandler
import json
import os
import sys
import time

from pathlib import Path

import pytest
from _pytest.outcomes import OutcomeException

from grader import DEFAULT_TIMEOUT, integrity, isolation
from grader.failures import describe

_GRADER_DIRS = tuple(str(Path(__file__).resolve().parent.parent / d) for d in ("grader", "common"))

_state: dict = {}

sys.meta_path.insert(0, integrity.RecordOnImport())  # watched modules are recorded as they are imported


def pytest_addoption(parser):
    group = parser.getgroup("grader")
    group.addoption("--grader-events", type=int, help="file descriptor for the event stream")
    group.addoption("--grader-skip", help="file listing node ids already graded, one per line")
    group.addoption("--grader-tasks", default="", help="comma-separated task names to run (default: all)")
    group.addoption("--grader-dump", help="file that receives the stack of a case that timed out")
    group.addoption("--grader-list", action="store_true", help="report the graded cases, run none")


def _emit(event: dict) -> None:
    fd = _state.get("fd")
    if fd is not None:
        os.write(fd, (json.dumps(event) + "\n").encode())


def task_info(item) -> dict | None:
    """Name, title, points and time limit of the task an item belongs to (None if unmarked)."""
    mark = item.get_closest_marker("task")
    if mark is None:
        return None
    func = getattr(item, "function", None)
    name = getattr(item, "originalname", None) or item.name
    doc = (getattr(func, "__doc__", None) or "").strip().splitlines()
    return {
        "id": item.nodeid,
        "task": name.removeprefix("test_"),
        "title": doc[0].strip() if doc else "",
        "points": float(mark.kwargs.get("points", 1.0)),
        "timeout": float(mark.kwargs.get("timeout", DEFAULT_TIMEOUT)),
        "needs": list(mark.kwargs.get("needs", ())),
    }


def pytest_configure(config):
    config.addinivalue_line("markers", "task(points, timeout): a graded task worth points, with a time limit in seconds")
    _state["fd"] = config.getoption("--grader-events")
    dump = config.getoption("--grader-dump")
    _state["dump"] = open(dump, "w") if dump else None  # noqa: SIM115 - kept open for faulthandler
    if isolation.enabled():
        isolation.configure(dump)
    __import__("numpy")  # recorded now, before any code under test is imported
    integrity.record_loaded()


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session, config, items):
    wanted = {t for t in config.getoption("--grader-tasks").split(",") if t}
    skip_file = config.getoption("--grader-skip")
    done = set(open(skip_file).read().splitlines()) if skip_file and os.path.exists(skip_file) else set()
    graded, keep, drop = [], [], []
    for item in items:
        info = task_info(item)
        selected = info is not None and (not wanted or info["task"] in wanted)
        if info is not None:
            graded.append({**info, "selected": selected})
        if not selected or item.nodeid in done or config.getoption("--grader-list"):
            drop.append(item)
            continue
        keep.append(item)
        _state.setdefault("info", {})[item.nodeid] = info
    _emit({"event": "collected", "cases": graded})
    if drop:
        config.hook.pytest_deselected(items=drop)
    items[:] = keep


def pytest_sessionfinish(session, exitstatus):
    _state["exitstatus"] = int(exitstatus)
    _emit({"event": "done"})


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    # A grading child ends here, whatever the code under test left running: a non-daemon thread
    # would otherwise keep the interpreter (and the grade) waiting for ever.
    if _state.get("fd") is not None:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(_state.get("exitstatus", 0))


def pytest_collectreport(report):
    if report.failed:
        _emit({"event": "collect_error", "where": report.nodeid, "text": str(report.longrepr)[-4000:]})


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    info = _state["info"][item.nodeid]
    _state["failure"] = None
    _state["outcome"] = "passed"
    _emit({"event": "start", "id": item.nodeid})
    if isolation.enabled():  # the host process stops first, with the learner's stack; this one is the backstop
        isolation.case_started(info["timeout"])
    if _state["dump"] is not None:
        backstop = ISOLATED_GRACE if isolation.enabled() else 0.0
        faulthandler.dump_traceback_later(info["timeout"] + backstop, exit=True, file=_state["dump"])
    start = time.perf_counter()
    yield
    faulthandler.cancel_dump_traceback_later()
    changed = integrity.replaced()  # first, so that what follows runs on the originals
    if changed:
        _state["outcome"] = "failed"
        _state["failure"] = (f"the code under test replaced {', '.join(changed[:8])}"
                             f"{f' and {len(changed) - 8} more' if len(changed) > 8 else ''}: the checks rely on "
                             "these library functions, so this case counts as failed (the originals are back for "
                             "the next case)", "")
    message, trace = _state["failure"] or ("", "")
    _emit({"event": "result", "id": item.nodeid, "outcome": _state["outcome"], "message": _cap(message, MAX_MESSAGE),
           "trace": _cap(trace, MAX_TRACE), "seconds": round(time.perf_counter() - start, 3)})


ISOLATED_GRACE = 3.0  # seconds the checking process waits past a case's limit for the host to stop
MAX_MESSAGE, MAX_TRACE = 4000, 12000  # characters: a report, its JSON and Gradescope's stay small


def _cap(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters (its start and end kept), saying how much was cut."""
    if len(text) <= limit:
        return text
    cut = len(text) - limit
    return f"{text[:limit * 3 // 4]}\n[... {cut:,} characters cut ...]\n{text[-(limit // 4):]}"


def _raised_by_grader(item, excinfo) -> bool:
    """Whether a skip or xfail was called by the grader (its test file, a conftest, ``grader``,
    ``common``) rather than by the code under test, which must not drop its own cases."""
    for entry in reversed(excinfo.traceback):
        path = str(entry.path)
        if "_pytest" in path or "pluggy" in path:
            continue
        return (path == str(item.path) or Path(path).name == "conftest.py" or path.startswith(_GRADER_DIRS))
    return False


def _ordinary(exc: BaseException) -> AssertionError:
    return AssertionError(f"the code under test raised {type(exc).__name__}{exc.args!r}: it must return a value or "
                          f"raise an ordinary exception; an interrupt or an exit from it counts as a failure")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item):
    outcome = yield
    if isinstance(outcome.exception, BaseException) and not isinstance(outcome.exception, (Exception, OutcomeException)):
        outcome.force_exception(_ordinary(outcome.exception))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    # KeyboardInterrupt or SystemExit from learner code would stop the session (and the report);
    # they fail the case instead.
    outcome = yield
    if isinstance(outcome.exception, BaseException) and not isinstance(outcome.exception, (Exception, OutcomeException)):
        outcome.force_exception(_ordinary(outcome.exception))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.skipped and call.excinfo is not None and not _raised_by_grader(item, call.excinfo):
        what = "xfail" if hasattr(report, "wasxfail") else "skip"
        report.outcome = "failed"
        if _state["outcome"] != "failed":
            _state["outcome"] = "failed"
            _state["failure"] = (f"the code under test called pytest.{what}(): only the grader may skip a case; "
                                 f"this one counts as failed", "")
    elif report.skipped and _state["outcome"] == "passed":
        _state["outcome"] = "skipped"
        longrepr = report.longrepr
        reason = str(longrepr[2]) if isinstance(longrepr, tuple) else str(longrepr)
        _state["failure"] = (reason.removeprefix("Skipped: "), "")
    elif report.failed and _state["outcome"] != "failed":
        _state["outcome"] = "failed"
        if call.excinfo is not None:
            message, trace = describe(call.excinfo.value)
            if call.when != "call":
                message = f"(while setting up the check) {message}"
            _state["failure"] = (message, trace)
        else:
            _state["failure"] = (str(report.longrepr)[-2000:], "")
