"""Bundled data files, common.data (sample or full set), and datasets/encode_corpus.py end to end."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys

import numpy as np
import pytest

from common import data
from common.gpt2_bpe import tiktoken_encoding
from conftest import ROOT

DATASETS = ROOT / "datasets"
ENCODE = DATASETS / "encode_corpus.py"

# The bundled files, byte for byte (the table of datasets/README.md). A checkout that converts
# line endings, or an edit to a sample, changes these.
BUNDLED = {
    "tinystories/train-sample.txt": (7_520_471, "b655777780f5d4c05ad3522014310cbe85a638994ea6a81a4efa86bd50aa35c0"),
    "tinystories/valid-sample.txt": (849_341, "ca1e25f28cc2355ca8beede75b8e3373e8635e044b301fe4ef16b9cb53bd92eb"),
    "gpt2/vocab.json": (1_042_301, "196139668be63f3b5d6574427317ae82f612a97c5d1cdaf36ed2256dbf636783"),
    "gpt2/merges.txt": (456_304, "ac33235097fe06d4a8fff0feac994644809e6eb6ab70669e1e9fd40ae032428e"),
    "stories260K/stories260K.bin": (1_056_540, "b0a507e7ad0f626624f17112325e66691f9076d622e1d3274d103d00299f2696"),
    "stories260K/tok512.bin": (6_227, "037cb335abb25d1fa9e8ecae30ed2a3a8ace9302862ebcdc05d51a6bbb10c312"),
}


@pytest.mark.parametrize("name", sorted(BUNDLED))
def test_bundled_file_is_intact_and_licensed(name):
    path = DATASETS / name
    size, sha = BUNDLED[name]
    assert path.is_file(), f"{path} is missing"
    assert path.stat().st_size == size, f"{name}: {path.stat().st_size} bytes, expected {size}"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == sha, f"{name}: contents changed"
    assert (path.parent / "LICENSE.md").is_file(), f"{path.parent.name}/ needs its LICENSE.md beside the data"


def test_readme_lists_every_bundled_file():
    readme = (DATASETS / "README.md").read_text(encoding="utf-8")
    for name, (size, sha) in BUNDLED.items():
        assert sha in readme and f"{size:,}" in readme, f"datasets/README.md must list {name} ({size:,} bytes, {sha})"


@pytest.fixture
def fresh(clean_env, monkeypatch):
    """common.data with no download configured and no announcement made yet in this process."""
    monkeypatch.setattr(data, "_announced", set())
    return clean_env


def test_the_sample_when_the_full_set_is_absent(fresh, tmp_path, capsys):
    fresh.setenv("SCRATCHGPT_FULL_DATA", str(tmp_path))
    assert data.tinystories("train") == DATASETS / "tinystories" / "train-sample.txt"
    assert data.tinystories("valid") == DATASETS / "tinystories" / "valid-sample.txt"
    data.tinystories("train")
    err = capsys.readouterr().err
    assert err.count("using the bundled TinyStories train sample (7.5 MB); run `make data` for the full set") == 1, err
    assert err.count("valid sample (0.8 MB)") == 1, err


def test_the_full_set_when_downloaded(fresh, tmp_path, capsys):
    fresh.setenv("SCRATCHGPT_FULL_DATA", str(tmp_path))
    (tmp_path / "TinyStories-train.txt").write_text("Once upon a time.\n<|endoftext|>\n")
    assert data.tinystories("train") == tmp_path / "TinyStories-train.txt"
    assert "using the full TinyStories train set" in capsys.readouterr().err
    assert data.tinystories("valid").name == "valid-sample.txt"  # each split on its own
    assert data.tinystories("train", which="sample").name == "train-sample.txt"
    assert data.tinystories("train", which="full") == tmp_path / "TinyStories-train.txt"
    with pytest.raises(FileNotFoundError, match=r"TinyStories-valid\.txt.*make data ONLY=valid"):
        data.tinystories("valid", which="full")


def test_a_partial_download_is_not_the_full_set(fresh, tmp_path):
    fresh.setenv("SCRATCHGPT_FULL_DATA", str(tmp_path))
    (tmp_path / "TinyStories-train.txt.part").write_text("Once upon")
    assert data.tinystories("train", quiet=True).name == "train-sample.txt"


def test_default_full_folder_is_datasets_full(fresh):
    assert data.full_dir() == DATASETS / "full"
    assert data.tinystories_full("valid") == DATASETS / "full" / "TinyStories-valid.txt"


def test_bad_arguments_and_missing_files_are_explained(fresh, tmp_path, monkeypatch):
    with pytest.raises(ValueError, match="'test'.*train, valid"):
        data.tinystories("test")
    with pytest.raises(ValueError, match="which='both'"):
        data.tinystories("train", which="both")
    monkeypatch.setattr(data, "datasets_dir", lambda: tmp_path)
    with pytest.raises(FileNotFoundError, match=r"vocab\.json.*git checkout -- datasets/gpt2"):
        data.gpt2_files()
    with pytest.raises(FileNotFoundError, match=r"train-sample\.txt.*git checkout -- datasets/tinystories"):
        data.tinystories("train")
    with pytest.raises(FileNotFoundError, match=r"train\.gpt2\.u16.*make tokens"):
        data.token_file("train")


def test_paths_of_the_bundled_files(fresh):
    vocab, merges = data.gpt2_files()
    assert (vocab.name, merges.name) == ("vocab.json", "merges.txt") and vocab.parent == DATASETS / "gpt2"
    model, tok = data.stories260k_files()
    assert model.stat().st_size == 1_056_540 and tok.name == "tok512.bin"
    assert data.tokens_dir() == DATASETS / "tokens"


# --- encode_corpus.py ------------------------------------------------------------------------

def tiktoken_gpt2():
    """tiktoken's GPT-2 encoding built offline from datasets/gpt2/vocab.json."""
    return tiktoken_encoding(DATASETS / "gpt2" / "vocab.json")


def run_encode(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRATCHGPT_")}
    return subprocess.run([sys.executable, str(ENCODE), *args, "--no-progress"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


needs_reference = pytest.mark.skipif(
    not (ROOT / "solutions" / "03_tokenization" / "corpus.py").is_file(),
    reason="the phase-03 reference (solutions/03_tokenization) is not there yet")


@needs_reference
def test_encode_corpus_matches_tiktoken(tmp_path):
    sample = (DATASETS / "tinystories" / "valid-sample.txt").read_text(encoding="utf-8")
    head = sample[: sample.index("<|endoftext|>", 40_000) + len("<|endoftext|>\n")]
    tricky = ("He's here; it's John's. They've, we'll, I'd, you're, I'm — DON'T SHOUT'S\n"
              "3.14159 and 1,000,000 or 42nd   three spaces   \n\n\n  \t tabs\r\nwindows line\r\n"
              "naïve café 東京 🙂👍🏽 e\u0301\n"
              "the end<|endoftext|>Next story<|endoftext|>\n<|endoftext|>  trailing  ")
    text = head + tricky
    src, dst = tmp_path / "story.txt", tmp_path / "tokens" / "story.u16"
    src.write_bytes(text.encode("utf-8"))
    proc = run_encode(str(src), str(dst), "--impl", "solutions")
    assert proc.returncode == 0, proc.stderr
    got = np.fromfile(dst, dtype="<u2")
    want = tiktoken_gpt2().encode(text, allowed_special={"<|endoftext|>"})
    assert len(got) == len(want), f"{len(got)} tokens, tiktoken gives {len(want)}"
    assert got.tolist() == want
    assert re.search(rf"{len(want):,} tokens", proc.stdout), proc.stdout
    assert [p.name for p in dst.parent.iterdir()] == ["story.u16"], "temporary files left behind"


@needs_reference
def test_encode_corpus_without_special_tokens_splits_them(tmp_path):
    src, dst = tmp_path / "a.txt", tmp_path / "a.u16"
    src.write_text("a<|endoftext|>b", encoding="utf-8")
    vocab, merges = data.gpt2_files()
    proc = run_encode(str(src), str(dst), "--impl", "solutions", "--vocab", str(vocab), "--merges", str(merges),
                      "--special", "<|custom|>")
    assert proc.returncode == 0, proc.stderr
    assert np.fromfile(dst, dtype="<u2").tolist() == tiktoken_gpt2().encode_ordinary("a<|endoftext|>b")


def test_encode_corpus_on_an_unfinished_phase_says_so(tmp_path):
    """The untouched skeleton: a message naming the unwritten function and --impl solutions, no traceback."""
    if not (ROOT / "phases" / "03_tokenization" / "bpe.py").is_file():
        pytest.skip("phase 03's skeleton is not released yet")
    src, dst = tmp_path / "a.txt", tmp_path / "a.u16"
    src.write_text("Once upon a time.\n", encoding="utf-8")
    proc = run_encode(str(src), str(dst))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert re.search(r"your phase-03 `[\w.]+` is not written yet", proc.stderr), proc.stderr
    assert "--impl solutions" in proc.stderr and "Traceback" not in proc.stderr
    assert not dst.exists()


def test_encode_corpus_missing_source(tmp_path):
    proc = run_encode(str(tmp_path / "nope.txt"), str(tmp_path / "out.u16"), "--impl", "solutions")
    assert proc.returncode == 1 and "nope.txt does not exist" in proc.stderr, proc.stderr
