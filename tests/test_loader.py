"""common.load: which copy of a phase's code a process gets."""

from __future__ import annotations

import pytest

from common import Phase, load, phase_name, source_dir
from conftest import ROOT

PHASE_DIRS = ["01_foundations", "02_autograd", "03_tokenization", "04_bigram_mlp", "05_transformer",
              "06_training", "07_generation", "08_scaling", "09_optimizations", "10_reality_check"]


def test_the_ten_phases_exist_with_handouts():
    assert sorted(p.name for p in (ROOT / "phases").iterdir() if p.is_dir() and p.name[:2].isdigit()) == PHASE_DIRS
    for name in PHASE_DIRS:
        assert (ROOT / "phases" / name / "README.md").is_file(), f"phases/{name} has no handout"
    assert phase_name(5) == "05_transformer"
    with pytest.raises(LookupError, match="no phase 11"):
        phase_name(11)


def test_impl_prior_and_impl_dir(clean_env, tmp_path):
    assert source_dir(1) == ROOT / "phases" / "01_foundations"
    clean_env.setenv("SCRATCHGPT_IMPL", "solutions")
    assert source_dir(1) == ROOT / "solutions" / "01_foundations"
    clean_env.setenv("SCRATCHGPT_PHASE", "3")
    clean_env.setenv("SCRATCHGPT_IMPL", "phases")
    clean_env.setenv("SCRATCHGPT_PRIOR", "solutions")
    assert source_dir(1) == ROOT / "solutions" / "01_foundations"  # an earlier phase: PRIOR
    assert source_dir(3) == ROOT / "phases" / "03_tokenization"  # the phase itself: IMPL
    clean_env.setenv("SCRATCHGPT_IMPL_DIR", str(tmp_path))
    assert source_dir(3) == tmp_path
    clean_env.setenv("SCRATCHGPT_PRIOR", "elsewhere")
    with pytest.raises(ValueError, match="SCRATCHGPT_PRIOR='elsewhere'"):
        source_dir(1)


def test_a_reference_folder_runs_on_reference_earlier_phases(clean_env, tmp_path):
    """A notebook in solutions/NN_name/ sets only SCRATCHGPT_IMPL_DIR: earlier phases are the reference's."""
    clean_env.setenv("SCRATCHGPT_PHASE", "2")
    clean_env.setenv("SCRATCHGPT_IMPL_DIR", str(ROOT / "solutions" / "02_autograd"))
    assert source_dir(1) == ROOT / "solutions" / "01_foundations"
    clean_env.setenv("SCRATCHGPT_PRIOR", "phases")  # said outright, PRIOR wins
    assert source_dir(1) == ROOT / "phases" / "01_foundations"
    clean_env.delenv("SCRATCHGPT_PRIOR")
    clean_env.setenv("SCRATCHGPT_IMPL_DIR", str(tmp_path))  # a learner's or a submission's folder
    assert source_dir(1) == ROOT / "phases" / "01_foundations"


def test_a_notebook_can_ask_for_reference_earlier_phases(clean_env):
    """Phase(n, prior="solutions"): a learner's notebook on the reference code of earlier phases."""
    for key in ("SCRATCHGPT_PHASE", "SCRATCHGPT_IMPL_DIR", "SCRATCHGPT_PRIOR"):
        clean_env.setenv(key, "")  # Phase() sets them; monkeypatch then removes them after the test
    folder = ROOT / "phases" / "04_bigram_mlp"
    Phase(4, folder)
    assert source_dir(3) == ROOT / "phases" / "03_tokenization" and source_dir(4) == folder
    Phase(4, folder, prior="solutions")
    assert source_dir(3) == ROOT / "solutions" / "03_tokenization" and source_dir(4) == folder
    with pytest.raises(ValueError, match="prior='reference'"):
        Phase(4, folder, prior="reference")


def test_load_imports_once_and_allows_relative_imports(clean_env, tmp_path):
    clean_env.setenv("SCRATCHGPT_PHASE", "1")
    clean_env.setenv("SCRATCHGPT_IMPL_DIR", str(tmp_path))
    (tmp_path / "a.py").write_text("VALUE = 41\n")
    (tmp_path / "b.py").write_text("from .a import VALUE\nANSWER = VALUE + 1\n")
    b = load(1, "b")
    assert b.ANSWER == 42 and load(1, "b") is b
    with pytest.raises(ModuleNotFoundError, match="has no module 'c'"):
        load(1, "c")
