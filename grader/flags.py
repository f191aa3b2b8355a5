"""Constructs in a submission that can fool a grader from inside its process, for a person to review.

Learner code runs in the grading process, so code that inspects the caller's frames, patches the
libraries the checks use, defines an equality that says yes to anything, talks to the process
directly or imports the grader can change what a check sees. Grading cannot rule all of this
out; ``python -m grader N --verify`` lists where a submission does it, for the instructor to read.

Only what the learner *added* is listed: each module is compared with its skeleton as the course
releases it (generated from ``solutions/``, or ``phases/``'s copy where there is no ``solutions/``),
so the course's given code is never flagged.
"""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

from common.phases import phase_name, repo_root

IMPORTS = {
    "grader": "imports the grader", "pytest": "imports pytest", "_pytest": "imports pytest's internals",
    "ctypes": "calls C directly", "gc": "can reach any object through the garbage collector",
    "inspect": "can read the caller's frames", "builtins": "can replace built-in functions",
    "signal": "can catch or send signals", "subprocess": "starts processes",
    "multiprocessing": "starts processes", "threading": "starts threads", "importlib": "can reload modules",
}
CALLS = {
    "sys._getframe": "reads the caller's frame (the expected values of a check)",
    "sys.settrace": "traces the checks", "sys.setprofile": "traces the checks",
    "os._exit": "ends the process without a report", "os.fork": "forks the process",
    "os.kill": "signals processes", "os.killpg": "signals processes", "os.write": "writes to a file descriptor",
    "os.fdopen": "opens a file descriptor", "os.dup2": "replaces a file descriptor", "os.setsid": "leaves the "
    "grader's session", "exec": "runs code built at run time", "eval": "runs code built at run time",
    "setattr": "sets attributes by name",
}
ATTRIBUTES = {"f_back": "walks up the call stack", "f_locals": "reads another frame's variables",
              "f_globals": "reads another frame's globals", "__code__": "replaces a function's code",
              "__globals__": "reaches a function's globals"}


def constructs(source: str) -> Counter:
    """``Counter`` of ``(construct, why)`` found in ``source`` (empty for a file that does not parse)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return Counter()
    found: Counter = Counter()
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            for name in names:
                top = name.split(".")[0]
                if top in IMPORTS:
                    found[(f"import {name}", IMPORTS[top])] += 1
            if isinstance(node, ast.Import):
                modules.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.Call):
            name = _dotted(node.func)
            if name in CALLS:
                found[(f"{name}(...)", CALLS[name])] += 1
        elif isinstance(node, ast.Attribute) and node.attr in ATTRIBUTES:
            found[(f".{node.attr}", ATTRIBUTES[node.attr])] += 1
        elif isinstance(node, ast.FunctionDef) and node.name in ("__eq__", "__ne__", "__bool__", "__array__"):
            found[(f"def {node.name}", "an object's comparison or conversion decided by the code under test")] += 1
    for node in ast.walk(tree):                       # assignments into an imported module: patching it
        if isinstance(node, (ast.Assign, ast.AugAssign)):
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                name = _dotted(target) if isinstance(target, ast.Attribute) else ""
                if name and name.split(".")[0] in modules:
                    found[(f"{name} = ...", "replaces part of an imported library")] += 1
    return found


def _dotted(node) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""


def skeleton(phase: int, module: str) -> str:
    """The text of ``module`` as the course releases it ("" when the course has no such module)."""
    from grader.release import strip_module

    reference = repo_root() / "solutions" / phase_name(phase) / module
    if reference.is_file():
        return strip_module(reference.read_text(encoding="utf-8"), str(reference))
    released = repo_root() / "phases" / phase_name(phase) / module
    return released.read_text(encoding="utf-8") if released.is_file() else ""


def review(phase: int, folder: Path) -> list[str]:
    """``"module.py: construct (why)"`` for each construct a module of ``folder`` holds more often
    than its released skeleton does."""
    out = []
    for path in sorted(Path(folder).glob("*.py")):
        if path.name.startswith(("test_", "conftest")):
            continue
        given = constructs(skeleton(phase, path.name))
        for (what, why), n in sorted(constructs(path.read_text(encoding="utf-8", errors="replace")).items()):
            if n > given[(what, why)]:
                out.append(f"{path.name}: {what} ({why})")
    return out
