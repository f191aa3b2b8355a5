"""Phase 08's run through ``python -m common.train``: a config asking for a device, float16 or
accumulation goes to it; on the CPU stand-in it logs throughput and the loss scale, saves float32
weights, resumes in the other precision, and without any GPU ``device = "cuda"`` fails with one
sentence while ``"auto"`` falls back and says so."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np

from conftest import ROOT
from test_train_cli import small_run


def train(*args, gpu: str, timeout=180):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRATCHGPT_")}
    env["SCRATCHGPT_FAKE_GPU"] = gpu
    return subprocess.run([sys.executable, "-m", "common.train", "--impl", "solutions", "--no-progress", *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=timeout, env=env)


def test_fp16_accumulated_run_on_the_stand_in_then_resumed_in_fp32(tmp_path):
    proc = train(*small_run(tmp_path, device="cuda", precision="fp16", grad_accum=2, log_every=2), gpu="1")
    assert proc.returncode == 0, proc.stderr
    assert "device cuda (CPU stand-in" in proc.stderr and "2 micro-batch(es) of 2 x 16" in proc.stderr, proc.stderr
    run = tmp_path / "run"
    records = [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records] == [2, 3, 4, 6], records       # every log_every steps, and at evaluations
    assert all(r["tokens_per_s"] > 0 and "loss_scale" in r and np.isfinite(r["train_loss"]) for r in records)
    assert "val_loss" in records[1] and records[-1]["val_loss"] > 0
    speed = json.loads((run / "speed.json").read_text())
    assert speed["arithmetic"] == "fp16" and speed["mfu"] is None        # the stand-in has no peak
    from safetensors.numpy import load_file
    weights = load_file(run / "ckpt.safetensors")
    assert all(v.dtype == np.float32 for k, v in weights.items() if k.startswith("model.")), \
        "a float16 run must save its float32 master weights"
    assert proc.stdout.strip(), "no story printed"
    again = train("--resume", "--no-sample", *small_run(tmp_path, device="cuda", max_steps=8, log_every=2), gpu="1")
    assert again.returncode == 0 and "resumed from" in again.stderr and "step 8" in again.stderr, again.stderr


def test_without_a_gpu_cuda_fails_in_one_sentence_and_auto_falls_back(tmp_path):
    proc = train(*small_run(tmp_path, device="cuda"), gpu="none")
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith('train: device = "cuda" but no GPU can be used here'), proc.stderr
    auto = train("--no-sample", *small_run(tmp_path, device="auto", grad_accum=2, max_steps=3, eval_every=3), gpu="none")
    assert auto.returncode == 0, auto.stderr
    assert 'device = "auto": no GPU found, training on the CPU' in auto.stderr and "device cpu" in auto.stderr


def test_fused_run_on_the_simulator_learns_as_the_plain_one(tmp_path):
    """fused = true: phase 09's kernels (on the CPU simulator) in phase 08's step; the losses follow the plain
    run's step by step, and the model tells its story on the CPU afterwards."""
    from common import cudasim
    if not cudasim.available():
        import pytest
        pytest.skip("no C++ compiler for the CPU simulator")
    losses = {}
    for fused in (False, True):
        out = tmp_path / f"fused_{fused}"
        out.mkdir()
        args = small_run(out, device="cuda", log_every=1, max_steps=4, fused=fused)
        proc = train(*args, gpu="1", timeout=300)
        assert proc.returncode == 0, proc.stderr
        assert ("fused: phase 09's kernels" in proc.stderr) == fused, proc.stderr
        losses[fused] = [json.loads(line)["train_loss"] for line in (out / "run" / "log.jsonl").read_text().splitlines()]
        assert proc.stdout.strip(), "no story printed"
    assert len(losses[True]) == 4 and np.allclose(losses[True], losses[False], rtol=1e-4), losses
    (tmp_path / "bad").mkdir()
    refused = train(*small_run(tmp_path / "bad", device="cuda", fused=True, precision="fp16"), gpu="1")
    assert refused.returncode != 0 and "fused = true runs phase 09's float32 kernels" in refused.stderr, refused.stderr
