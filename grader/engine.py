"""Run a phase's grader in a child pytest process and survive whatever the code under test does.

Each graded case has a time limit. A case that runs past it, or that kills the
interpreter, fails alone: the engine records why and starts a fresh process for the
cases left. The result is a :class:`Grade`: one :class:`TaskResult` per task.
"""

from __future__ import annotations

import json
import os
import re
import resource
import select
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from common.phases import CHOICES, phase_name, repo_root
from grader import flags, isolation, manifest
from grader.failures import frames_from_dump

KILL_GRACE = 10.0  # seconds past a case's limit before the parent kills the process itself


class GraderError(RuntimeError):
    """The grader itself could not run (a broken test file, a missing phase)."""


@dataclass
class Case:
    id: str
    task: str
    title: str
    points: float
    timeout: float
    outcome: str = "not run"  # passed | failed | skipped | not run
    message: str = ""
    trace: str = ""
    seconds: float = 0.0
    needs: list[str] = field(default_factory=list)


@dataclass
class TaskResult:
    name: str
    title: str
    max_score: float
    cases: list[Case] = field(default_factory=list)
    read_first: list[str] = field(default_factory=list)  # failed tasks it needs: their messages say more

    @property
    def counted(self) -> list[Case]:
        return [c for c in self.cases if c.outcome != "skipped"]

    @property
    def status(self) -> str:
        if not self.counted:
            return "skipped"
        return "passed" if all(c.outcome == "passed" for c in self.counted) else "failed"

    @property
    def score(self) -> float:
        counted = self.counted
        if not counted:
            return 0.0
        return round(self.max_score * sum(c.outcome == "passed" for c in counted) / len(counted), 2)

    @property
    def first_failure(self) -> Case | None:
        return next((c for c in self.cases if c.outcome == "failed"), None)


@dataclass
class Grade:
    phase: int
    phase_name: str
    impl: str
    prior: str
    tasks: list[TaskResult]
    modified: list[str] = field(default_factory=list)  # grader files that differ from phases/manifest.json
    flags: list[str] | None = None  # with verify: constructs for review (grader/flags.py)
    isolated: bool = False  # the code under test ran in a process of its own (grader/isolation.py)

    @property
    def score(self) -> float:
        return round(sum(t.score for t in self.tasks), 2)

    @property
    def max_score(self) -> float:
        return round(sum(t.max_score for t in self.tasks if t.status != "skipped"), 2)


BLAS_THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def child_env(phase: int, impl: str, prior: str | None) -> dict[str, str]:
    """The environment that tells :func:`common.load` which code to grade."""
    env = dict(os.environ)
    env["SCRATCHGPT_PHASE"] = str(phase)
    env.pop("SCRATCHGPT_IMPL_DIR", None)
    if impl in CHOICES:
        env["SCRATCHGPT_IMPL"] = impl
    else:
        folder = Path(impl).resolve()
        if not folder.is_dir():
            raise GraderError(f"IMPL={impl!r} is neither 'phases', 'solutions' nor a folder")
        # A folder of solutions/ is the reference: earlier phases then default to the reference too.
        env["SCRATCHGPT_IMPL"] = "solutions" if folder.parent == repo_root() / "solutions" else "phases"
        env["SCRATCHGPT_IMPL_DIR"] = str(folder)
    if prior is not None:
        if prior not in CHOICES:
            raise GraderError(f"PRIOR={prior!r}: expected one of {', '.join(CHOICES)}")
        env["SCRATCHGPT_PRIOR"] = prior
    else:
        env.pop("SCRATCHGPT_PRIOR", None)
    # The repository must be importable by the child even without an installed package.
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(repo_root()), env.get("PYTHONPATH", "")) if p)
    env.setdefault("PYTHONFAULTHANDLER", "1")
    # NumPy's BLAS runs on one thread unless the caller says otherwise: the graders' matrices
    # are small, and threads that compete for busy cores can make a training task tens of
    # times slower, so that a time limit would measure the machine instead of the code.
    for var in BLAS_THREAD_VARS:
        env.setdefault(var, "1")
    return env


def _signal_name(code: int) -> str:
    try:
        return signal.Signals(-code).name
    except ValueError:
        return f"signal {-code}"


MEMORY_LIMIT_GB = 4.0  # per grading process; SCRATCHGPT_MEMORY_LIMIT_GB changes it, 0 lifts it


def _limit_memory(env: dict):
    """A ``preexec_fn`` capping the child's data segment (its heap and private mappings: every NumPy
    array), so that code allocating without end gets a MemoryError instead of the machine's memory.
    Address space is not capped: a GPU runtime reserves far more of it than it uses."""
    gb = float(env.get("SCRATCHGPT_MEMORY_LIMIT_GB") or MEMORY_LIMIT_GB)
    if gb <= 0 or not hasattr(resource, "RLIMIT_DATA"):
        return None
    limit = int(gb * (1 << 30))

    def apply():
        soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
        cap = limit if hard == resource.RLIM_INFINITY else min(limit, hard)
        resource.setrlimit(resource.RLIMIT_DATA, (cap, hard))

    return apply


class _Run:
    """One child pytest process; yields events until it ends."""

    def __init__(self, tests_dir: Path, env: dict, tasks: list[str], skip_file: Path, dump_file: Path,
                 log_file: Path, list_only: bool = False):
        read_fd, write_fd = os.pipe()
        cmd = [sys.executable, "-m", "pytest", str(tests_dir), "-p", "grader.plugin", "-q", "--no-header",
               "-p", "no:cacheprovider", "--import-mode=importlib", f"--rootdir={tests_dir}",
               "-o", "addopts=", "-o", "python_files=test_*.py",
               f"--grader-events={write_fd}", f"--grader-skip={skip_file}", f"--grader-dump={dump_file}",
               f"--grader-tasks={','.join(tasks)}"] + (["--grader-list"] if list_only else [])
        self.log = open(log_file, "ab")  # noqa: SIM115
        # The child runs in a scratch folder: a module of the phase (say, io.py) must never
        # shadow a library module through the current directory on sys.path.
        self.proc = subprocess.Popen(cmd, cwd=log_file.parent, env=env, pass_fds=(write_fd,), stdin=subprocess.DEVNULL,
                                     stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
                                     preexec_fn=_limit_memory(env))
        os.close(write_fd)
        self.fd = read_fd
        self.buffer = b""

    def events(self, deadline_of):
        """Yield parsed events; ``deadline_of()`` gives the time by which the next event must come."""
        while True:
            deadline = deadline_of()
            wait = 1.0 if deadline is None else min(1.0, max(0.0, deadline - time.monotonic()))
            ready, _, _ = select.select([self.fd], [], [], wait)
            if not ready:
                if deadline is not None and time.monotonic() >= deadline:
                    yield {"event": "hung"}
                    return
                if self.proc.poll() is not None:  # ended, though a stray child may hold the pipe open
                    return
                continue
            chunk = os.read(self.fd, 65536)
            if not chunk:
                return
            self.buffer += chunk
            *lines, self.buffer = self.buffer.split(b"\n")
            for line in lines:
                if line.strip():
                    yield json.loads(line)

    def close(self, kill: bool = False) -> int:
        """Wait for the child (killing it first if ``kill``, or after 30 s), then kill whatever it
        left running in its process group; returns its exit code."""
        if kill:
            self._kill_group()
        try:
            code = self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._kill_group()
            code = self.proc.wait()
        self._kill_group()
        os.close(self.fd)
        self.log.close()
        return code

    def _kill_group(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def handout_tasks(readme: Path) -> list[str]:
    """The task names of a handout's ``## Tasks`` table (rows ``| `name` | ...``), in its order.

    Reports list tasks in this order, the order a learner meets them; tasks the table does
    not name come last, in the order the grader collected them.
    """
    if not readme.is_file():
        return []
    section = re.search(r"^## Tasks\s*$(.*?)(?=^## |\Z)", readme.read_text(encoding="utf-8"), re.M | re.S)
    return re.findall(r"^\|\s*`([a-z0-9_]+)`\s*\|", section.group(1), re.M) if section else []


HIDDEN_PREFIX = "test_hidden_"


def run(phase: int, *, impl: str = "phases", prior: str | None = None, tasks: list[str] | None = None,
        tests_dir: Path | None = None, list_only: bool = False, verify: bool = False,
        hidden: Path | None = None, isolate: bool = False) -> Grade:
    """Grade phase ``phase``: ``impl`` is 'phases', 'solutions' or a folder of the phase's modules.

    The grader's files are read once, here: every pytest process gets a fresh copy of them, so
    nothing done during the grade changes what it checks. ``verify`` refuses to grade when they
    differ from ``phases/manifest.json`` (the course's own phase folder only), and grades isolated
    (``isolate``: the code under test in a process of its own).
    ``hidden``: a folder of an instructor's ``test_*.py`` whose cases join the phase's tasks of the same name
    (with the same points), graded beside the phase's own."""
    name = phase_name(phase)
    own = (repo_root() / "phases" / name).resolve()
    tests_dir = Path(tests_dir or own).resolve()
    snapshot = manifest.grader_files(tests_dir)
    if not any(n.startswith("test_") for n in snapshot):
        raise GraderError(f"phase {phase} ({name}) has no grader yet: there is no test_*.py in {tests_dir}")
    modified = manifest.differences(name, snapshot) if tests_dir == own else []
    hidden = hidden or os.environ.get("SCRATCHGPT_HIDDEN") or None   # nbgrader's autograde reads it from there
    if hidden is not None:
        extra = sorted(Path(hidden).glob("test_*.py"))
        if not extra:
            raise GraderError(f"hidden tests: {hidden} holds no test_*.py")
        snapshot.update({HIDDEN_PREFIX + p.name.removeprefix("test_"): p.read_bytes() for p in extra})
    if verify and modified:
        raise GraderError(f"the grader of phase {phase} differs from the course's ({manifest.MANIFEST}): "
                          f"{', '.join(modified)}. Restore it (git checkout phases/{name}) and grade again.")
    review = flags.review(phase, Path(impl) if impl not in CHOICES else repo_root() / impl / name) if verify else None
    env = child_env(phase, impl, prior)
    if verify:  # an instructor's check: the code runs apart from the checks
        isolate = True
    if isolate or env.get("SCRATCHGPT_ISOLATE") == "1":
        env["SCRATCHGPT_ISOLATE"] = "1"
        isolation.seal()  # the event channel's read end is here: no other process may open it through /proc
    cases: dict[str, Case] = {}
    order: list[str] = []
    known: list[str] = []  # every task name of the phase, selected or not
    declared_needs: set[str] = set()
    with tempfile.TemporaryDirectory(prefix="grader-") as tmp:
        tmp_path = Path(tmp)
        skip_file, dump_file, log_file = tmp_path / "done", tmp_path / "dump", tmp_path / "log"
        env["SCRATCHGPT_GRADER_LOG"] = str(log_file)
        children = 0
        while True:
            children += 1
            copy = Path(tempfile.mkdtemp(prefix=f"grader{children}-", dir=tmp_path)) / name  # a name none can foresee
            copy.mkdir()
            for file_name, data in snapshot.items():
                (copy / file_name).write_bytes(data)
            skip_file.write_text("\n".join(i for i, c in cases.items() if c.outcome != "not run"))
            dump_file.write_text("")
            log_start = log_file.stat().st_size if log_file.exists() else 0
            child = _Run(copy, env, tasks or [], skip_file, dump_file, log_file, list_only)
            current: dict = {}

            def deadline():
                return current["started"] + cases[current["id"]].timeout + KILL_GRACE if current else None

            hung = False
            for ev in child.events(deadline):
                kind = ev["event"]
                if kind == "collected" and not known:
                    known.extend(c["task"] for c in ev["cases"] if c["task"] not in known)
                    declared_needs.update(n for c in ev["cases"] for n in c.get("needs", ()))
                    for c in ev["cases"]:
                        if c.pop("selected"):
                            cases[c["id"]] = Case(**c)
                            order.append(c["id"])
                elif kind == "collect_error":
                    child.close(kill=True)
                    raise GraderError(f"the grader of phase {phase} could not load {ev['where'] or tests_dir}:\n{ev['text']}")
                elif kind == "start":
                    current = {"id": ev["id"], "started": time.monotonic()}
                elif kind == "result":
                    case = cases[ev["id"]]
                    case.outcome, case.message, case.trace, case.seconds = ev["outcome"], ev["message"], ev["trace"], ev["seconds"]
                    current = {}
                elif kind == "hung":
                    hung = True
                elif kind == "done":
                    break
            code = child.close(kill=hung)
            if not current:
                if not known and code not in (0, 5):
                    raise GraderError(f"pytest could not start on {tests_dir} (exit code {code}):\n"
                                      + log_file.read_bytes()[log_start:].decode(errors="replace")[-3000:])
                break
            case = cases[current["id"]]
            case.outcome, case.seconds = "failed", round(time.monotonic() - current["started"], 3)
            dump = dump_file.read_text(errors="replace")
            log = log_file.read_bytes()[log_start:].decode(errors="replace")
            if hung or "Timeout" in dump:
                frames = frames_from_dump(dump, env.get("SCRATCHGPT_IMPL_DIR"))
                where = f"; it was running `{frames[-1].func}` ({frames[-1].path.name}:{frames[-1].lineno})" if frames else ""
                case.message = f"timed out after {case.timeout:g} s{where}. Look for a loop that never ends, or work that grows too fast."
                if frames and frames[-1].func == "<module>":
                    # Hung while importing a module: every later import of it would hang the same way, and
                    # cost each task its whole time limit. The next children refuse it at once instead.
                    case.message = (f"timed out after {case.timeout:g} s while importing {frames[-1].path.name} "
                                    f"(line {frames[-1].lineno}, at the top level of the module). Code at the top "
                                    f"level runs on import: put it in a function.")
                    hanging = [p for p in env.get("SCRATCHGPT_HANGS_AT_IMPORT", "").split(os.pathsep) if p]
                    env["SCRATCHGPT_HANGS_AT_IMPORT"] = os.pathsep.join(hanging + [str(frames[-1].path)])
            else:
                frames = frames_from_dump(log, env.get("SCRATCHGPT_IMPL_DIR"))
                where = f" in `{frames[-1].func}` ({frames[-1].path.name}:{frames[-1].lineno})" if frames else ""
                if code < 0:
                    case.message = (f"the Python interpreter crashed ({_signal_name(code)}) while running this task{where}; "
                                    f"the other tasks were graded in a fresh process.")
                else:
                    case.message = (f"the process exited with code {code} while running this task{where}. "
                                    f"Does the code call sys.exit() or os._exit()? Raise an exception instead.")
            case.trace = "\n".join(f.show() for f in frames[-6:])
    results: dict[str, TaskResult] = {}
    for cid in order:
        c = cases[cid]
        results.setdefault(c.task, TaskResult(c.task, c.title, c.points)).cases.append(c)
    visible = {c.task: c.points for c in cases.values() if not c.id.startswith(HIDDEN_PREFIX)}
    for c in cases.values():
        if c.id.startswith(HIDDEN_PREFIX) and visible.get(c.task, c.points) != c.points:
            raise GraderError(f"hidden test {c.id} gives task {c.task} {c.points:g} points, the phase's grader "
                              f"{visible[c.task]:g}: a hidden case must declare its task's points")
        if c.id.startswith(HIDDEN_PREFIX) and c.task not in visible:
            raise GraderError(f"hidden test {c.id} belongs to no task of phase {phase} ({c.task!r}): hidden "
                              f"cases join the phase's tasks, named as in its grader")
    unknown_needs = declared_needs - set(known)
    if unknown_needs:
        raise GraderError(f"the grader of phase {phase} says a task needs {', '.join(sorted(unknown_needs))}, "
                          f"which it does not have")
    for t in results.values():
        needs = t.cases[0].needs if t.cases else []
        t.read_first = [n for n in needs if n in results and results[n].status == "failed"]
    rank = {t: i for i, t in enumerate(handout_tasks(tests_dir / "README.md"))}
    results = dict(sorted(results.items(), key=lambda item: rank.get(item[0], len(rank))))
    unknown = set(tasks or []) - set(known)
    if unknown:
        raise GraderError(f"phase {phase} has no task named {', '.join(sorted(unknown))}; its tasks are: {', '.join(known)}")
    return Grade(phase, name, impl, prior or env["SCRATCHGPT_IMPL"], list(results.values()), modified, review,
                 isolated=env.get("SCRATCHGPT_ISOLATE") == "1")
