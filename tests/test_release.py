"""The release tool: phases/ is generated from solutions/ and must be in sync."""

from __future__ import annotations

import textwrap

import pytest

from grader.release import ReleaseError, stale, strip_module, strip_notebook

SOURCE = textwrap.dedent('''
    class Matrix:
        def transpose(self):
            """The transpose."""
            # hint: swap the indices
            ### BEGIN SOLUTION
            return [[1]]
            ### END SOLUTION

    def helper():
        return 1
''')


def test_phases_are_in_sync_with_solutions():
    problems = stale()
    assert not problems, "phases/ is stale; run `make release`:\n" + "\n".join(problems)


def test_regions_become_stubs_and_the_rest_stays():
    out = strip_module(SOURCE)
    assert "return [[1]]" not in out and "BEGIN SOLUTION" not in out
    assert '        raise NotImplementedError("Matrix.transpose: not written yet' in out
    assert '"""The transpose."""' in out and "# hint: swap the indices" in out
    assert "def helper():\n    return 1" in out
    compile(out, "<released>", "exec")


@pytest.mark.parametrize("bad, why", [
    ("def f():\n    ### BEGIN SOLUTION\n    return 1\n", "never closed"),
    ("def f():\n    return 1\n    ### END SOLUTION\n", "without"),
    ("### BEGIN SOLUTION\nX = 1\n### END SOLUTION\n", "inside a function"),
    ("def f():\n    ### BEGIN SOLUTION\n    ### BEGIN SOLUTION\n    ### END SOLUTION\n", "inside another"),
])
def test_bad_markers_are_reported(bad, why):
    with pytest.raises(ReleaseError, match=why):
        strip_module(bad, "m.py")


def test_notebook_solutions_hidden_tests_and_outputs():
    nb = {"cells": [
        {"cell_type": "code", "metadata": {"nbgrader": {"solution": True}}, "execution_count": 3,
         "outputs": [{"output_type": "stream", "name": "stdout", "text": "hi"}],
         "source": "def f():\n    ### BEGIN SOLUTION\n    return 42\n    ### END SOLUTION\n"},
        {"cell_type": "code", "metadata": {"nbgrader": {"grade": True}}, "execution_count": 4, "outputs": [],
         "source": "assert f() == 42\n### BEGIN HIDDEN TESTS\nassert f() > 0\n### END HIDDEN TESTS"},
        {"cell_type": "markdown", "metadata": {"nbgrader": {"solution": True}}, "source": "The answer is 42."},
    ], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    out = strip_notebook(nb)
    code, graded, text = out["cells"]
    assert code["source"] == "def f():\n    # YOUR CODE HERE\n    raise NotImplementedError()"
    assert code["outputs"] == [] and code["execution_count"] is None
    assert graded["source"] == "assert f() == 42"
    assert text["source"] == "YOUR ANSWER HERE"
    assert nb["cells"][0]["outputs"], "the input notebook must not be modified"


def test_notebooks_are_committed_without_outputs():
    import json

    from conftest import ROOT

    for path in sorted(ROOT.glob("*/*/*.ipynb")):
        nb = json.loads(path.read_text())
        dirty = [k for k, c in enumerate(nb["cells"]) if c["cell_type"] == "code" and (c["outputs"] or c["execution_count"])]
        assert not dirty, f"{path.relative_to(ROOT)} holds outputs in cells {dirty}: clear them before committing"


def test_cuda_regions_become_a_stub_line():
    from grader.release import CU_STUB, ReleaseError, strip_cuda

    src = ("__global__ void k(float* x, int n) {\n    int i = blockIdx.x * blockDim.x + threadIdx.x;\n"
           "    // ### BEGIN SOLUTION\n    if (i < n) x[i] *= 2.0f;\n    // ### END SOLUTION\n}\n")
    out = strip_cuda(src)
    assert out == ("__global__ void k(float* x, int n) {\n    int i = blockIdx.x * blockDim.x + threadIdx.x;\n"
                   f"    {CU_STUB}\n}}\n")
    with pytest.raises(ReleaseError):
        strip_cuda("// ### BEGIN SOLUTION\nx\n")
