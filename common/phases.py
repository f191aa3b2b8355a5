"""Find and import the code of a phase: the learner's (``phases/``) or the reference (``solutions/``).

Phase folders start with digits (``01_foundations``), so they cannot be imported by name.
:func:`load` gives each folder a synthetic package instead, which keeps relative imports
between the modules of one phase working and makes every module load exactly once.

Which copy of phase ``n`` is used is read from the environment, set by the grader:

``SCRATCHGPT_PHASE``    the phase being graded or worked on (0 when unknown)
``SCRATCHGPT_IMPL``     ``phases`` (default) or ``solutions``: the code of that phase
``SCRATCHGPT_PRIOR``    ``phases`` or ``solutions``: the code of earlier phases (default: IMPL)
``SCRATCHGPT_IMPL_DIR`` a folder holding the current phase's modules (a notebook's folder,
                        an nbgrader submission); overrides IMPL for that phase only
``SCRATCHGPT_ROOT``     the repository root (default: the folder above this package)
``SCRATCHGPT_HANGS_AT_IMPORT`` files (``os.pathsep``-separated) the grader saw hang at import:
                        :func:`load` refuses them at once
"""

from __future__ import annotations

import hashlib
import importlib
import os
import sys
import types
from pathlib import Path

CHOICES = ("phases", "solutions")


def repo_root() -> Path:
    """The repository root: the folder holding ``phases/`` and ``solutions/``."""
    env = os.environ.get("SCRATCHGPT_ROOT")
    return Path(env).resolve() if env else Path(__file__).resolve().parent.parent


def phase_name(n: int) -> str:
    """The folder name of phase ``n``, e.g. ``phase_name(1) == "01_foundations"``."""
    matches = sorted((repo_root() / "phases").glob(f"{int(n):02d}_*"))
    if not matches:
        raise LookupError(f"there is no phase {n}: no folder phases/{int(n):02d}_* under {repo_root()}")
    return matches[0].name


def current_phase() -> int:
    """The phase being graded or worked on, from ``SCRATCHGPT_PHASE`` (0 when unset)."""
    return int(os.environ.get("SCRATCHGPT_PHASE") or 0)


def _choice(var: str, default: str) -> str:
    value = os.environ.get(var) or default
    if value not in CHOICES:
        raise ValueError(f"{var}={value!r}: expected one of {', '.join(CHOICES)}")
    return value


def _impl_of_dir() -> str:
    """``solutions`` when the current phase's folder (``SCRATCHGPT_IMPL_DIR``) is a reference one, else ``phases``.

    A reference notebook or folder then runs on the reference code of earlier phases too.
    """
    folder = os.environ.get("SCRATCHGPT_IMPL_DIR")
    return "solutions" if folder and Path(folder).resolve().parent == repo_root() / "solutions" else "phases"


def source_dir(n: int) -> Path:
    """The folder whose modules stand for phase ``n`` in this process."""
    impl = _choice("SCRATCHGPT_IMPL", _impl_of_dir())
    current = current_phase()
    if n == current and os.environ.get("SCRATCHGPT_IMPL_DIR"):
        return Path(os.environ["SCRATCHGPT_IMPL_DIR"]).resolve()
    which = _choice("SCRATCHGPT_PRIOR", impl) if n < current else impl
    return repo_root() / which / phase_name(n)


def _package_for(folder: Path, n: int) -> str:
    """Register (once) a synthetic package whose ``__path__`` is ``folder``; return its name."""
    root = repo_root()
    if folder.parent == root / "phases" or folder.parent == root / "solutions":
        tag = folder.parent.name
    else:
        tag = "dir_" + hashlib.sha1(str(folder).encode()).hexdigest()[:10]
    name = f"scratchgpt_{tag}.p{int(n):02d}"
    if name not in sys.modules:
        top = name.split(".")[0]
        if top not in sys.modules:
            top_pkg = types.ModuleType(top)
            top_pkg.__path__ = []  # namespace-like: children are registered by hand
            sys.modules[top] = top_pkg
        pkg = types.ModuleType(name)
        pkg.__path__ = [str(folder)]
        pkg.__file__ = None
        pkg.__package__ = name
        sys.modules[name] = pkg
    return name


def isolated() -> bool:
    """True in the checking process of an isolated grade (``SCRATCHGPT_ISOLATE=1``): the code under
    test runs in another process, and :func:`load` returns proxies of its modules."""
    return os.environ.get("SCRATCHGPT_ISOLATE") == "1"


def load(n: int, module: str, *, reload: bool = False) -> types.ModuleType:
    """Import module ``module`` of phase ``n`` from the folder :func:`source_dir` picks.

    >>> matrix = load(1, "matrix")          # phases/01_foundations/matrix.py by default
    """
    if isolated():  # the code runs in a process of its own
        from grader import isolation

        return isolation.load(n, module, reload)
    folder = source_dir(n)
    if not (folder / f"{module}.py").is_file():
        raise ModuleNotFoundError(f"phase {n} has no module {module!r}: {folder / (module + '.py')} does not exist")
    hanging = os.environ.get("SCRATCHGPT_HANGS_AT_IMPORT", "").split(os.pathsep)
    if str((folder / f"{module}.py").resolve()) in hanging:
        raise ImportError(f"{module}.py never finished importing in an earlier task of this grade (it ran past the "
                          f"time limit at its top level), so it is not imported again: fix that first")
    full = f"{_package_for(folder, n)}.{module}"
    if reload and full in sys.modules:
        return importlib.reload(sys.modules[full])
    return importlib.import_module(full)


def lives_apart(obj) -> bool:
    """True for an object of the process under test, seen here through a proxy (isolated grading only):
    a helper that must read it asks that process (``under_test(...).helper(obj)``)."""
    if not isolated():
        return False
    from grader.proxy import Proxy

    return isinstance(obj, Proxy)


def under_test(name: str) -> types.ModuleType:
    """Library module ``name`` as the code under test sees it, for a check that patches it to watch
    that code (``monkeypatch.setattr(under_test("os"), "replace", spy)``): this process's module,
    or, in isolated grading, the module of the process that runs the code (a proxy)."""
    if isolated():
        from grader import isolation

        return isolation.library(name)
    return importlib.import_module(name)


def add_code_options(parser, phase: int) -> None:
    """``--impl`` and ``--prior`` on a command-line tool that runs phase ``phase``'s code."""
    parser.add_argument("--impl", choices=list(CHOICES), default="phases",
                        help=f"whose phase-{phase:02d} code runs: yours (phases, default) or the reference (solutions)")
    parser.add_argument("--prior", choices=list(CHOICES), default=None,
                        help=f"whose code of phases 01-{phase - 1:02d} (default: the same as --impl)")


def use_code(phase: int, impl: str, prior: str | None = None) -> None:
    """Make :func:`load` in this process run phase ``phase`` from ``impl`` and earlier phases from
    ``prior`` (default: ``impl``), as the grader does."""
    os.environ["SCRATCHGPT_PHASE"] = str(phase)
    os.environ["SCRATCHGPT_IMPL"] = impl
    if prior:
        os.environ["SCRATCHGPT_PRIOR"] = prior
    os.environ.pop("SCRATCHGPT_IMPL_DIR", None)
