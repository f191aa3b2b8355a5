"""Reference notebooks run top to bottom, and their graded cells are exactly the grader's tasks.

Where nbgrader is installed (``make test`` installs it), the notebooks run inside its round trip
(``tests/test_nbgrader.py``), which fails on any cell that fails: running them here too would
only run them twice.
"""

from __future__ import annotations

import json

import nbformat
import pytest
from nbclient import NotebookClient

from common import phase_name
from conftest import ROOT, graded_phases
from grader import engine

NOTEBOOKS = sorted((ROOT / "solutions").glob("*/*.ipynb"))


def graded_cells(path):
    nb = json.loads(path.read_text())
    return {c["metadata"]["nbgrader"]["grade_id"]: c for c in nb["cells"]
            if c.get("metadata", {}).get("nbgrader", {}).get("grade")}


def test_every_graded_phase_has_a_notebook():
    have = {p.parent.name for p in NOTEBOOKS}
    for n in graded_phases():
        name = phase_name(n)
        assert name in have, f"solutions/{name}/ has no notebook"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.parent.name)
def test_graded_cells_match_the_grader(path, clean_env):
    phase = int(path.parent.name[:2])
    grade = engine.run(phase, impl="solutions", list_only=True)
    tasks = {t.name: t.max_score for t in grade.tasks}
    cells = graded_cells(path)
    assert {k: float(c["metadata"]["nbgrader"]["points"]) for k, c in cells.items()} == tasks
    for name, cell in cells.items():
        assert f'phase.check("{name}")' in "".join(cell["source"]), f"graded cell {name} does not run its task"


def _nbgrader_installed() -> bool:
    import importlib.util

    return importlib.util.find_spec("nbgrader") is not None


@pytest.mark.skipif(_nbgrader_installed(), reason="tests/test_nbgrader.py runs every reference notebook in its "
                                                  "autograde round trip, and fails on any cell that fails")
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.parent.name)
def test_reference_notebook_runs(path, clean_env):
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
