"""The command-line trainer (``python -m common.train``, ``make train``): configs checked with one
clear sentence, overrides, Ctrl-C that saves a checkpoint, ``--resume``, and a story at the end."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest

from conftest import ROOT


def train(*args, timeout=120):
    return subprocess.run([sys.executable, "-m", "common.train", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


def small_run(tmp_path, **changes) -> list[str]:
    text = (ROOT / "datasets" / "tinystories" / "valid-sample.txt").read_text(encoding="utf-8")
    (tmp_path / "train.txt").write_text(text[:100_000], encoding="utf-8")
    (tmp_path / "valid.txt").write_text(text[100_000:130_000], encoding="utf-8")
    settings = dict(out_dir=str(tmp_path / "run"), train_text=str(tmp_path / "train.txt"),
                    valid_text=str(tmp_path / "valid.txt"), vocab_size=300, n_layer=1, n_head=2, n_embd=16,
                    block_size=16, batch_size=4, max_steps=6, warmup_steps=2, eval_every=3, eval_batches=2,
                    checkpoint_every=3, sample_tokens=5, plot=True)
    settings.update(changes)
    return ["--set", " ".join(f"{k}={json.dumps(v)}" for k, v in settings.items())]


@pytest.mark.parametrize("args, says", [
    (["--set", "n_embd=30 n_head=4"], "n_embd=30 is not divisible by n_head=4"),
    (["--set", "learning_rate=1e-3"], "unknown key 'learning_rate'; did you mean"),
    (["--set", "max_steps=ten"], "max_steps must be int, got str 'ten'"),
    (["--set", "bias=1"], "bias must be bool, got int 1"),
    (["--set", "warmup_steps=50 max_steps=10"], "need 0 <= warmup_steps <= cosine_steps"),
    (["--set", "lr"], "expected key=value"),
    (["configs/no-such.toml"], "does not exist"),
])
def test_bad_configs_get_one_sentence(args, says):
    proc = train(*args, "--impl", "solutions")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("train: ") and says in lines[0], proc.stderr


def test_unknown_key_in_a_file_names_the_file(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('out_dir = "x"\nn_layers = 2\n')
    proc = train(str(bad), "--impl", "solutions")
    assert proc.returncode == 2 and f"{bad}: unknown key 'n_layers'; did you mean 'n_layer'?" in proc.stderr


def test_demo_config_is_valid(clean_env):
    clean_env.setenv("SCRATCHGPT_IMPL", "solutions")
    from common import load

    cfg = load(6, "config").load_config(ROOT / "configs" / "demo.toml")
    assert cfg.out_dir == "runs/demo" and cfg.cosine_steps == cfg.max_steps


def test_run_writes_its_files_and_tells_a_story(tmp_path):
    proc = train("--impl", "solutions", "--no-progress", *small_run(tmp_path))
    assert proc.returncode == 0, proc.stderr
    run = tmp_path / "run"
    for name in ("ckpt.safetensors", "log.jsonl", "loss.png", "train.u16", "valid.u16", "tokenizer/vocab.json",
                 "tokenizer/merges.txt", "data.json"):
        assert (run / name).is_file(), name
    records = [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records] == [1, 2, 3, 4, 5, 6]
    assert {"lr", "train_loss", "grad_norm", "tokens_per_s", "elapsed"} <= set(records[0])
    assert "val_loss" in records[2] and "val_ppl" in records[5] and "val_loss" not in records[0]
    assert proc.stdout.strip(), "no story printed"
    # --resume at the end of the schedule goes nowhere, and says where it is
    again = train("--impl", "solutions", "--no-progress", "--no-sample", "--resume", *small_run(tmp_path))
    assert again.returncode == 0 and "resumed from" in again.stderr and "step 6" in again.stderr


def test_ctrl_c_saves_a_checkpoint_and_resume_goes_on(tmp_path):
    args = ["--impl", "solutions", "--no-progress", "--no-sample",
            *small_run(tmp_path, max_steps=100_000, checkpoint_every=100_000, eval_every=100_000)]
    proc = subprocess.Popen([sys.executable, "-m", "common.train", *args], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    log = tmp_path / "run" / "log.jsonl"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (log.is_file() and log.read_text().count("\n") >= 5):
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "stopped at step" in err and "interrupted" in err
    steps = [json.loads(line)["step"] for line in log.read_text().splitlines()]
    from safetensors import safe_open

    with safe_open(str(tmp_path / "run" / "ckpt.safetensors"), framework="numpy") as f:
        assert json.loads(f.metadata()["step"]) == steps[-1] >= 5
    more = train(*args[:-1], args[-1] + f" max_steps={steps[-1] + 2}", "--resume")
    assert more.returncode == 0, more.stderr
    assert [json.loads(line)["step"] for line in log.read_text().splitlines()] == list(range(1, steps[-1] + 3))


def test_gpt2_tokenizer_run(tmp_path):
    """tokenizer = "gpt2": GPT-2's bundled files encode the text; no tokenizer folder is made."""
    proc = train("--impl", "solutions", "--no-progress",
                 *small_run(tmp_path, tokenizer="gpt2", vocab_size=50257, max_steps=3, sample_tokens=3))
    assert proc.returncode == 0, proc.stderr
    assert "vocabulary 50257" in proc.stderr and not (tmp_path / "run" / "tokenizer").exists()
    too_small = train("--impl", "solutions", *small_run(tmp_path, tokenizer="gpt2", vocab_size=512))
    assert too_small.returncode == 2 and "GPT-2's tokenizer has 50257 ids" in too_small.stderr


def test_demo_reads_the_sample_even_after_make_data(clean_env, tmp_path):
    """``tinystories-sample:`` is always the bundled sample; ``tinystories:`` the full set once fetched."""
    full = tmp_path / "full"
    full.mkdir()
    (full / "TinyStories-train.txt").write_text("a full set\n")
    clean_env.setenv("SCRATCHGPT_FULL_DATA", str(full))
    clean_env.setenv("SCRATCHGPT_IMPL", "solutions")
    from common import load

    data = load(6, "data")
    assert data.text_path("tinystories:train") == full / "TinyStories-train.txt"
    assert data.text_path("tinystories-sample:train").name == "train-sample.txt"
