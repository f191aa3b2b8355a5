"""A Gradescope autograder for one phase: ``python -m grader.gradescope N [--out gradescope/]``.

Writes ``gradescope/NN_name.zip``, what Gradescope's "Zip file upload" expects::

    setup.sh          run once when the image is built: Python, PyTorch (CPU), this course installed
    run_autograder    run per submission: grades /autograder/submission, writes results.json
    source/           the course: common/, grader/, solutions/ (the reference code of earlier
                      phases, which a submission of one phase runs on), this phase's grader and
                      handout, the bundled datasets, pyproject.toml

A submission is the learner's files of that phase (``matrix.py``, ``rng.py``, ... or a folder
holding them); ``run_autograder`` finds them, grades them with the grader of ``source/`` (never
tests the learner uploaded), isolated (``--isolate``: the code in a process of its own), and writes
``/autograder/results/results.json``. ``AUTOGRADER_ROOT``
and ``AUTOGRADER_PYTHON`` replace ``/autograder`` and the installed interpreter, for a trial run.
"""

from __future__ import annotations

import argparse
import os
import stat
import sys
import zipfile
from pathlib import Path

from common.phases import phase_name, repo_root
from grader.course import learner_modules

SETUP = """#!/usr/bin/env bash
# Gradescope image setup (Ubuntu): Python, a CPU PyTorch, and the course installed from source/.
set -euo pipefail
apt-get update -qq && apt-get install -y -qq python3 python3-venv python3-pip > /dev/null
python3 -m venv /autograder/venv
/autograder/venv/bin/pip install -q torch --index-url https://download.pytorch.org/whl/cpu
/autograder/venv/bin/pip install -q -e /autograder/source
"""

RUN = """#!/usr/bin/env bash
# Grade one submission of phase {phase:02d} ({name}) and write Gradescope's results.json.
set -uo pipefail
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
PY="${{AUTOGRADER_PYTHON:-$ROOT/venv/bin/python}}"
mkdir -p "$ROOT/results"
# The learner's files may sit at the top of the submission or in a folder below it.
FOUND=$(find "$ROOT/submission" -name {first} -not -path '*/__MACOSX/*' | head -n 1)
SUBMISSION=$(dirname "${{FOUND:-$ROOT/submission/{first}}}")
cd "$ROOT/source"
# Only the learner's modules are taken from the submission; the grader's tests come from source/.
WORK=$(mktemp -d)
for f in {modules}; do
    if [ -f "$SUBMISSION/$f" ]; then cp "$SUBMISSION/$f" "$WORK/$f"; else cp "phases/{name}/$f" "$WORK/$f"; fi
done
HIDDEN=()
if [ -d "$ROOT/source/hidden" ]; then HIDDEN=(--hidden "$ROOT/source/hidden"); fi
"$PY" -m grader {phase} --impl "$WORK" --prior solutions --tests-dir "phases/{name}" --isolate "${{HIDDEN[@]}}" \\
    --gradescope "$ROOT/results/results.json"
status=$?
if [ ! -s "$ROOT/results/results.json" ]; then
    printf '{{"score": 0, "output": "The grader stopped before it could write a report (exit %s): see the log."}}\\n' \\
        "$status" > "$ROOT/results/results.json"
fi
exit 0
"""

SKIP_DIRS = {".git", ".venv", "runs", "__pycache__", ".ipynb_checkpoints", "gradescope", "scratchgpt.egg-info",
             "full", "tokens"}


def source_files(root: Path, phase: int) -> list[Path]:
    """The course files the autograder needs, relative to ``root``."""
    name = phase_name(phase)
    out = []
    for top in ("common", "grader", "solutions", "datasets"):
        for p in sorted((root / top).rglob("*")):
            if p.is_file() and not SKIP_DIRS & set(p.relative_to(root).parts) and p.suffix != ".pyc":
                out.append(p.relative_to(root))
    for p in sorted((root / "phases" / name).iterdir()):
        if p.is_file() and p.suffix != ".pyc":
            out.append(p.relative_to(root))
    for extra in ("pyproject.toml", "README.md", "LICENSE"):
        if (root / extra).is_file():
            out.append(Path(extra))
    return out


def build(phase: int, out_dir: Path, hidden: Path | None = None) -> Path:
    """Write ``out_dir/NN_name.zip``; return its path. ``hidden``: a folder of test_*.py whose cases
    join the phase's tasks (see ``python -m grader --hidden``), packed as ``source/hidden/``."""
    root = repo_root()
    name = phase_name(phase)
    if not any((root / "phases" / name).glob("test_*.py")):
        raise SystemExit(f"phase {phase} has no grader yet")
    modules = learner_modules(name)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{name}.zip"
    tmp = path.with_suffix(".zip.tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        for rel in source_files(root, phase):
            z.write(root / rel, f"source/{rel.as_posix()}")
        for test in sorted(Path(hidden).glob("test_*.py")) if hidden else ():
            z.write(test, f"source/hidden/{test.name}")
        for arcname, text in (("setup.sh", SETUP),
                              ("run_autograder", RUN.format(phase=phase, name=name, first=modules[0],
                                                            modules=" ".join(modules)))):
            info = zipfile.ZipInfo(arcname)
            info.external_attr = (stat.S_IFREG | 0o755) << 16
            z.writestr(info, text)
    os.replace(tmp, path)
    return path


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m grader.gradescope", description="Build a phase's Gradescope autograder.")
    p.add_argument("phase", type=int)
    p.add_argument("--out", default="gradescope", help="folder for the zip (default: gradescope/)")
    p.add_argument("--hidden", default=None, help="a folder of test_*.py with hidden cases of the phase's tasks")
    args = p.parse_args(argv)
    if args.hidden and not any(Path(args.hidden).glob("test_*.py")):
        raise SystemExit(f"--hidden {args.hidden}: no test_*.py there")
    path = build(args.phase, Path(args.out), Path(args.hidden) if args.hidden else None)
    print(f"{path}: upload it as the autograder of phase {args.phase:02d} (Gradescope: Configure Autograder, zip file)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
