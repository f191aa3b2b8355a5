"""The catalogue of learner bugs: each one, planted in a copy of the reference, fails its task
with a message that names it; and correct code written differently, which keeps full marks.

A mutant is a dict in ``tests/mutants/pNN_*.py`` (list ``MUTANTS``)::

    {"name": "adam_l2", "phase": 6, "module": "adamw.py", "task": "adamw_step",
     "old": "exact reference text", "new": "the buggy text", "says": ["words", "the message must hold"]}

``old`` must occur exactly once in ``solutions/NN_name/module``. Where the reference writes a task
its own way (one node with its own backward), ``tests/mutants/plant.py``'s ``before`` plants the
learner's straightforward version, with the bug, in front of it. The copy is graded on the
one task with the reference code of earlier phases; the task must lose points, and its
failure messages must contain every word of ``says`` (case-insensitive). The selected mutants
are graded two at a time first (or, under pytest-xdist, each by its worker); then each one's
test reports on its own.

A file may also hold ``ALTERNATIVES``: edits in the same form (without ``says``) that keep the
code correct but write it another way (a loop for a vectorised expression, float64
accumulation, another order of independent steps). Each must keep the task's full marks: a
grader must never fail a correct implementation. ``make mutants`` runs the catalogue alone.

``make test`` grades every alternative and a fixed third of the mutants (chosen by a hash of
their names, so the same third every time), and checks that every mutant's ``old`` text still
occurs in the reference; ``make mutants`` (``SCRATCHGPT_MUTANTS=all``) grades them all.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import zlib
from concurrent.futures import ThreadPoolExecutor

import pytest

from common import phase_name
from conftest import ROOT, grade
from grader import engine


def catalogue(kind: str = "MUTANTS") -> list[dict]:
    out = []
    for path in sorted((ROOT / "tests" / "mutants").glob("p[0-9]*.py")):
        spec = importlib.util.spec_from_file_location(f"mutants_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        out += [{**m, "file": path.name} for m in getattr(module, kind, [])]
    return out


CATALOGUE = catalogue()
ALTERNATIVES = catalogue("ALTERNATIVES")
EVERY = os.environ.get("SCRATCHGPT_MUTANTS") == "all"
# ``make mutants ISOLATE=1``: grade the phases that can be with --isolate (the code in a process of its own).
ISOLATE = os.environ.get("SCRATCHGPT_MUTANTS_ISOLATE") == "1"
MUTANTS = [m for m in CATALOGUE if EVERY or zlib.crc32(m["name"].encode()) % 3 == 0]


def test_names_are_unique():
    names = [m["name"] for m in CATALOGUE + ALTERNATIVES]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)


def test_every_edit_still_applies():
    """Each mutant's and alternative's ``old`` text occurs exactly once in its reference module."""
    stale = []
    for m in CATALOGUE + ALTERNATIVES:
        source = (ROOT / "solutions" / phase_name(m["phase"]) / m["module"]).read_text()
        if source.count(m["old"]) != 1:
            stale.append(f"{m['file']}: {m['name']} ({source.count(m['old'])} times in {m['module']})")
    assert not stale, "edits whose 'old' text no longer occurs exactly once:\n" + "\n".join(stale)


def plant_and_grade(mutant: dict, where) -> tuple[dict, str]:
    """Copy the reference phase to ``where``, plant the bug, grade the one task: (its result, the report)."""
    name = phase_name(mutant["phase"])
    copy = where / name
    shutil.copytree(ROOT / "solutions" / name, copy, ignore=shutil.ignore_patterns("*.ipynb", "__pycache__"))
    source = (copy / mutant["module"]).read_text()
    assert source.count(mutant["old"]) == 1, \
        f"{mutant['file']}: {mutant['name']}: its 'old' text occurs {source.count(mutant['old'])} times in {mutant['module']}"
    (copy / mutant["module"]).write_text(source.replace(mutant["old"], mutant["new"]))
    isolated = ["--isolate"] if ISOLATE else []
    result, report = grade(mutant["phase"], "--impl", str(copy), "--prior", "solutions", "--task", mutant["task"], *isolated)
    (task,) = [t for t in result["tasks"] if t["name"] == mutant["task"]]
    return task, report


@contextlib.contextmanager
def grading_env():
    """The environment a grade runs in: no SCRATCHGPT_* from the caller, one BLAS thread."""
    blas = {var: "1" for var in engine.BLAS_THREAD_VARS if var not in os.environ}
    keep = {k: os.environ.pop(k) for k in list(os.environ) if k.startswith("SCRATCHGPT_")}
    os.environ.update(blas)
    try:
        yield
    finally:
        for var in blas:
            os.environ.pop(var, None)
        os.environ.update(keep)


@pytest.fixture(scope="session")
def graded(request, tmp_path_factory):
    """``outcome(mutant)``: its (task result, report), or the exception its grading raised.

    Run alone, the session grades every selected mutant first, two at a time (each grade is a child
    process that mostly waits on imports and one core). Under pytest-xdist the workers are the
    parallelism: each mutant is graded by the worker that runs its test, when it runs."""

    def one(mutant):
        try:
            return plant_and_grade(mutant, tmp_path_factory.mktemp(mutant["name"]))
        except Exception as exc:  # noqa: BLE001 - reported by the mutant's own test
            return exc

    results = {}
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        wanted = [item.callspec.params["mutant"] for item in request.session.items
                  if item.originalname in ("test_mutant_is_caught_and_named", "test_alternative_keeps_full_marks")]
        with grading_env(), ThreadPoolExecutor(max_workers=max(1, min(2, os.cpu_count() or 1))) as pool:
            results = dict(zip((m["name"] for m in wanted), pool.map(one, wanted)))

    def outcome(mutant):
        if mutant["name"] not in results:
            with grading_env():
                results[mutant["name"]] = one(mutant)
        return results[mutant["name"]]

    return outcome


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: m["name"])
def test_mutant_is_caught_and_named(mutant, graded):
    outcome = graded(mutant)
    if isinstance(outcome, Exception):
        raise outcome
    task, report = outcome
    assert task["score"] < task["max_score"], f"{mutant['name']} is not caught by {mutant['task']}:\n{report}"
    message = " ".join(c["message"] for c in task["cases"]).lower()
    missing = [w for w in mutant["says"] if w.lower() not in message]
    assert not missing, f"{mutant['name']}: the message does not say {missing}:\n{task['message']}"


@pytest.mark.parametrize("mutant", ALTERNATIVES, ids=lambda m: m["name"])
def test_alternative_keeps_full_marks(mutant, graded):
    outcome = graded(mutant)
    if isinstance(outcome, Exception):
        raise outcome
    task, report = outcome
    assert task["score"] == task["max_score"], \
        f"{mutant['name']}: a correct implementation written differently loses points in {mutant['task']}:\n{report}"
