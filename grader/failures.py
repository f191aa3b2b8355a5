"""Turn an exception from a graded task into words: a message first, then the learner's lines.

A frame counts as phase code when its file is a module of a phase folder (in ``phases/``,
``solutions/`` or ``SCRATCHGPT_IMPL_DIR``) and not a grader file (``test_*.py``).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from common.phases import current_phase, repo_root

MAX_FRAMES = 6


@dataclass
class Frame:
    path: Path
    lineno: int
    func: str
    line: str

    def phase(self) -> int | None:
        """The phase this file belongs to (from its folder name), or None."""
        impl_dir = os.environ.get("SCRATCHGPT_IMPL_DIR")
        if impl_dir and self.path.parent == Path(impl_dir).resolve():
            return current_phase() or None
        m = re.match(r"(\d\d)_", self.path.parent.name)
        return int(m.group(1)) if m else None

    def is_learner_side(self) -> bool:
        """True for the learner's own files (``phases/`` or a submission folder), not the reference."""
        return self.path.parent.parent.name != "solutions"

    def show(self) -> str:
        try:
            shown = self.path.relative_to(repo_root())
        except ValueError:
            shown = self.path.name
        return f"  {shown}:{self.lineno} in {self.func}\n      {self.line.strip()}"


def is_phase_code(path: str | Path, impl_dir: str | None = None) -> bool:
    """True for a module of a phase folder (``impl_dir`` defaults to ``SCRATCHGPT_IMPL_DIR``)."""
    p = Path(path)
    if p.suffix != ".py" or p.name.startswith("test_") or p.name == "conftest.py":
        return False
    p = p.resolve()
    impl_dir = impl_dir or os.environ.get("SCRATCHGPT_IMPL_DIR")
    if impl_dir and p.parent == Path(impl_dir).resolve():
        return True
    root = repo_root()
    return p.parent.parent in (root / "phases", root / "solutions") and bool(re.match(r"\d\d_", p.parent.name))


def phase_frames(tb: TracebackType | None) -> list[Frame]:
    """The frames of ``tb`` that run phase code, outermost first."""
    frames = []
    while tb is not None:
        code = tb.tb_frame.f_code
        if is_phase_code(code.co_filename):
            import linecache

            frames.append(Frame(Path(code.co_filename).resolve(), tb.tb_lineno,
                                getattr(code, "co_qualname", code.co_name),
                                linecache.getline(code.co_filename, tb.tb_lineno)))
        tb = tb.tb_next
    return frames


def frames_of(exc: BaseException) -> list[Frame]:
    """The phase-code frames an exception passed through: in this process (its traceback), then in the
    process under test when it crossed from there (isolated grading, :mod:`grader.remote`)."""
    import linecache

    frames = phase_frames(exc.__traceback__)
    for path, lineno, func, line in getattr(exc, "__remote_frames__", None) or ():
        if isinstance(path, str) and isinstance(lineno, int) and is_phase_code(path):
            frames.append(Frame(Path(path).resolve(), lineno, str(func), str(line) or linecache.getline(path, lineno)))
    return frames


def _chain(exc: BaseException) -> list[BaseException]:
    seen, out = set(), []
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        out.append(exc)
        exc = exc.__cause__ or exc.__context__
    return out


def not_implemented_message(frame: Frame) -> str:
    """What to tell a learner whose code reached a stub."""
    here, theirs = current_phase(), frame.phase()
    if here and theirs and theirs < here and frame.is_learner_side():
        return (f"phase {here} needs your phase-{theirs} `{frame.func}`, which still raises NotImplementedError "
                f"({frame.path.name}:{frame.lineno}). Finish phase {theirs}, or grade with PRIOR=solutions "
                f"to run on the reference code of earlier phases.")
    return (f"`{frame.func}` ({frame.path.name}:{frame.lineno}) still raises NotImplementedError: "
            f"write it, then grade again.")


def _assertion_text(exc: AssertionError) -> str:
    text = str(exc).strip()
    if not text:
        return "a check failed (the grader gave no message)."
    if text.startswith("assert "):
        return "a check failed: " + text.splitlines()[0]
    # pytest appends its own explanation ("assert ...") after a custom message: keep ours.
    return re.split(r"\nassert ", text, maxsplit=1)[0]


def describe(exc: BaseException) -> tuple[str, str]:
    """Return ``(message, trace)`` for a failed task: words first, then the phase code's frames."""
    chain = _chain(exc)
    for e in chain:
        if isinstance(e, NotImplementedError):
            frames = frames_of(e)
            if frames:
                return not_implemented_message(frames[-1]), "\n".join(f.show() for f in frames[-MAX_FRAMES:])
    frames: list[Frame] = []
    for e in chain:  # the innermost exception that passed through phase code shows where
        frames = frames_of(e)
        if frames:
            break
    trace = "\n".join(f.show() for f in frames[-MAX_FRAMES:])
    if isinstance(exc, AssertionError):
        return _assertion_text(exc), trace
    if isinstance(exc, SyntaxError) and exc.filename and is_phase_code(exc.filename):
        name = Path(exc.filename).name
        where = f"{name}, line {exc.lineno}"
        text = (exc.text or "").rstrip("\n")
        pointer = f"\n      {text.strip()}" if text.strip() else ""
        return (f"{name} could not be imported: {type(exc).__name__} at line {exc.lineno}: {exc.msg}. "
                f"Every task that needs {name} fails until it parses."), f"  {where}{pointer}"
    where = f" in `{frames[-1].func}` ({frames[-1].path.name}:{frames[-1].lineno})" if frames else ""
    return f"{type(exc).__name__}{where}: {exc}", trace


_DUMP_FRAME = re.compile(r'File "(?P<file>[^"]+)", line (?P<line>\d+) in (?P<func>\S+)')


def frames_from_dump(text: str, impl_dir: str | None = None) -> list[Frame]:
    """Phase-code frames from a faulthandler dump (innermost frame first in the dump), outermost first."""
    import linecache

    frames = []
    for m in _DUMP_FRAME.finditer(text):
        if is_phase_code(m["file"], impl_dir):
            lineno = int(m["line"])
            frames.append(Frame(Path(m["file"]).resolve(), lineno, m["func"], linecache.getline(m["file"], lineno)))
    return frames[::-1]
