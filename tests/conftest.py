"""Shared helpers of the repository's own tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from grader import engine

ROOT = Path(__file__).resolve().parent.parent


def graded_phases() -> list[int]:
    """Phases that have both a reference (solutions/) and a grader (phases/*/test_*.py)."""
    out = []
    for d in sorted((ROOT / "solutions").iterdir()):
        if d.is_dir() and d.name[:2].isdigit() and any((ROOT / "phases" / d.name).glob("test_*.py")):
            out.append(int(d.name[:2]))
    return out


def grade(phase: int, *args: str, env: dict | None = None, cwd: Path = ROOT) -> tuple[dict, str]:
    """Run ``python -m grader`` and return (its JSON result, its terminal report)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "grade.json"
        proc = subprocess.run([sys.executable, "-m", "grader", str(phase), *args, "--json", str(out)],
                              cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=900)
        assert proc.returncode == 0, f"grader exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
        return json.loads(out.read_text()), proc.stdout


@pytest.fixture
def clean_env(monkeypatch):
    """No SCRATCHGPT_* variables leak in from the caller's shell, and the processes a test starts
    (notebook kernels, graders) run NumPy's BLAS on one thread unless the caller says otherwise,
    as the grader does: the course's matrices are small, and on a busy machine two BLAS threads
    per process fight over the cores and turn a one-minute notebook into ten."""
    for key in list(os.environ):
        if key.startswith("SCRATCHGPT_"):
            monkeypatch.delenv(key)
    for var in engine.BLAS_THREAD_VARS:
        if var not in os.environ:
            monkeypatch.setenv(var, "1")
    return monkeypatch
