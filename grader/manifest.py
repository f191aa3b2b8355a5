"""The graders' own files and their fingerprints: ``phases/manifest.json``.

A phase's grader is its ``test_*.py`` files and ``conftest.py``. They sit beside the learner's
modules, so code under test (or a learner) can edit them. Two defences:

- each grade runs on a snapshot of the grader's files taken when grading starts, written afresh
  for every pytest process, so that nothing done during a grade changes what it checks;
- ``manifest.json`` records the SHA-256 of every grader file as the course ships it
  (``make release`` writes it, ``make release-check`` and the tests check it). A grade notes any
  file that differs, and ``python -m grader N --verify`` (instructors) refuses to grade then.

The manifest lives in the same checkout as the learner's code: it shows accidents and casual
edits, not a determined learner. Instructors grade with their own copy of the graders (nbgrader's
course folder, the Gradescope autograder), where the learner's submission holds modules only.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from common.files import write_atomic
from common.phases import repo_root

MANIFEST = "phases/manifest.json"


def grader_files(folder: Path) -> dict[str, bytes]:
    """``{file name: content}`` of the grader in ``folder``: its ``test_*.py`` and ``conftest.py``."""
    paths = sorted(folder.glob("test_*.py")) + [p for p in (folder / "conftest.py",) if p.is_file()]
    return {p.name: p.read_bytes() for p in paths}


def fingerprints(files: dict[str, bytes]) -> dict[str, str]:
    return {name: hashlib.sha256(data).hexdigest() for name, data in sorted(files.items())}


def build(root: Path | None = None) -> dict[str, dict[str, str]]:
    """The manifest of every phase folder that has a grader."""
    root = root or repo_root()
    out = {}
    for folder in sorted((root / "phases").iterdir()):
        files = grader_files(folder) if folder.is_dir() else {}
        if any(name.startswith("test_") for name in files):
            out[folder.name] = fingerprints(files)
    return out


def text(manifest: dict) -> str:
    return json.dumps(manifest, indent=1, sort_keys=True) + "\n"


def write(root: Path | None = None) -> bool:
    """Write ``phases/manifest.json`` if it changed; True when it did."""
    root = root or repo_root()
    new = text(build(root))
    path = root / MANIFEST
    if path.is_file() and path.read_text(encoding="utf-8") == new:
        return False
    write_atomic(path, new)
    return True


def stale(root: Path | None = None) -> bool:
    root = root or repo_root()
    path = root / MANIFEST
    return not path.is_file() or path.read_text(encoding="utf-8") != text(build(root))


def differences(phase_folder: str, files: dict[str, bytes], root: Path | None = None) -> list[str]:
    """The grader files of ``phase_folder`` that differ from the manifest: ``"test_x.py (changed)"``,
    ``"(added)"`` or ``"(missing)"``; ``[]`` when they match (or the phase has no entry)."""
    path = (root or repo_root()) / MANIFEST
    try:
        shipped = json.loads(path.read_text(encoding="utf-8")).get(phase_folder)
    except (OSError, ValueError):
        shipped = None
    if not shipped:
        return []
    now = fingerprints(files)
    out = [f"{n} (changed)" for n in sorted(set(now) & set(shipped)) if now[n] != shipped[n]]
    out += [f"{n} (added)" for n in sorted(set(now) - set(shipped))]
    out += [f"{n} (missing)" for n in sorted(set(shipped) - set(now))]
    return out
