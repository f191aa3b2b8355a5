"""The story teller (``python -m common.generate``, ``make generate``): llama2.c's model tells its
published story, a seed reproduces a story, a phase-06 run folder is read with its own
tokenizer, and a bad source gets one clear sentence."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from conftest import ROOT
from test_train_cli import small_run, train

STORIES = ROOT / "datasets" / "stories260K" / "stories260K.bin"
# llama2.c's own test: greedy decoding of stories260K from BOS, 200 tokens.
PUBLISHED_START = "Once upon a time, there was a little girl named Lily. She loved to play outside in the park."
PUBLISHED_END = "Lily didn't want to help her mom, so she"


def generate(*args, timeout=120):
    return subprocess.run([sys.executable, "-m", "common.generate", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


def test_stories260k_greedy_prints_the_published_story():
    proc = generate(str(STORIES), "--impl", "solutions", "--prompt", "", "--temperature", "0",
                    "--max-new-tokens", "200")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(PUBLISHED_START) and proc.stdout.endswith(PUBLISHED_END + "\n"), proc.stdout
    assert "200 tokens in" in proc.stderr and "tokens/s" in proc.stderr


def test_a_seed_reproduces_a_story_and_the_cache_changes_nothing():
    args = [str(STORIES), "--impl", "solutions", "--prompt", "Tom found a", "--max-new-tokens", "40", "--top-p", "0.9"]
    a, b = generate(*args, "--seed", "5"), generate(*args, "--seed", "5")
    c, d = generate(*args, "--seed", "6"), generate(*args, "--seed", "5", "--no-cache")
    assert a.returncode == b.returncode == c.returncode == d.returncode == 0, a.stderr + c.stderr + d.stderr
    assert a.stdout == b.stdout and a.stdout.startswith("Tom found a")
    assert a.stdout != c.stdout
    assert d.stdout == a.stdout and "without the cache" in d.stderr


def test_a_phase06_run_tells_a_story(tmp_path):
    proc = train("--impl", "solutions", "--no-progress", "--no-sample", *small_run(tmp_path))
    assert proc.returncode == 0, proc.stderr
    story = generate(str(tmp_path / "run"), "--impl", "solutions", "--prompt", "The dog", "--max-new-tokens", "12",
                     "--seed", "1")
    assert story.returncode == 0, story.stderr
    assert story.stdout.startswith("The dog") and len(story.stdout) > len("The dog\n")


def test_a_trained_run_streams_its_story_with_phase07(tmp_path):
    proc = train("--impl", "solutions", "--no-progress", *small_run(tmp_path, sample_tokens=8, prompt="Tim"))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("Tim") and "tokens/s" not in proc.stdout


def truncated(folder):
    """The first 5,000 bytes of stories260K.bin, with its tokenizer beside it."""
    shutil.copy(ROOT / "datasets" / "stories260K" / "tok512.bin", folder / "tok512.bin")
    (folder / "cut.bin").write_bytes(STORIES.read_bytes()[:5000])
    return folder / "cut.bin"


@pytest.mark.parametrize("make_source, says", [
    (lambda tmp: tmp / "no-run", "ckpt.safetensors does not exist"),
    (lambda tmp: tmp / "missing.bin", "missing.bin does not exist"),
    (lambda tmp: shutil.copy(STORIES, tmp / "model.bin"), "no tokenizer for"),
    (lambda tmp: truncated(tmp), "ends before its weights"),
])
def test_bad_sources_get_one_sentence(tmp_path, make_source, says):
    source = make_source(tmp_path)
    proc = generate(str(source), "--impl", "solutions")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("generate: ") and says in lines[0], proc.stderr
