"""The training-step benchmarks still run, and both sides still compute the same thing.

Each runs on a tiny model for two steps: the timings mean nothing here, but the differences
the benchmark prints between our side and PyTorch's (losses; for the GPT also the logits of
the first batch, relative to their size) must stay at float32 noise. The GPT case also
measures each side's peak memory, in a process of its own.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from conftest import ROOT

CASES = {
    "autograd_mlp": ["--width", "32", "--batch", "4", "--warmup", "1", "--steps", "2", "--threads", "1",
                     "--no-memory"],
    "gpt_step": ["--layers", "1", "--embd", "16", "--heads", "2", "--block", "8", "--batch", "2", "--vocab", "11",
                 "--warmup", "1", "--steps", "2", "--threads", "1"],
    "gpt_step --llama": ["--llama", "--layers", "1", "--embd", "16", "--heads", "4", "--block", "8", "--batch", "2",
                         "--vocab", "11", "--warmup", "1", "--steps", "2", "--threads", "1", "--no-memory"],
    "train_step": ["--layers", "1", "--embd", "16", "--heads", "2", "--block", "8", "--batch", "2", "--vocab", "11",
                   "--warmup", "1", "--steps", "4", "--threads", "1", "--no-memory"],
}


@pytest.mark.parametrize("case", CASES)
def test_benchmark_compares_the_same_computation(case):
    script = ROOT / "bench" / f"{case.split()[0]}.py"
    proc = subprocess.run([sys.executable, str(script), *CASES[case]], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    gap = re.search(r"largest loss difference over the first 5 steps ([0-9.e+-]+)", proc.stdout)
    assert gap, f"no loss comparison in the output:\n{proc.stdout}"
    assert float(gap.group(1)) < 1e-4, proc.stdout
    if case.startswith("gpt_step"):  # at GPT-2's initial scale every loss is near ln V: compare logits
        rel = re.search(r"largest logit difference on the first batch [0-9.e+-]+, relative ([0-9.e+-]+)", proc.stdout)
        assert rel and float(rel.group(1)) < 1e-5, proc.stdout
    assert re.search(r"ours / PyTorch = [0-9.]+x", proc.stdout), proc.stdout
    if "--no-memory" not in CASES[case]:  # each side's peak, measured in a child process of its own
        assert re.search(r"peak memory of a step, above what is held between steps: ours [0-9.]+ MiB, "
                         r"PyTorch [0-9.]+ MiB", proc.stdout), proc.stdout  # a tiny model's peaks round to 0.0


def test_generation_benchmark_decodes_the_same_tokens():
    """bench/generate.py: our cached and uncached greedy decoding and PyTorch's agree token for token."""
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), "--tokens", "24", "--repeats", "1",
                           "--threads", "1"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "same tokens as PyTorch: ours with the cache 24/24, without 24/24" in proc.stdout, proc.stdout
    assert re.search(r"the cache speeds our generation up [0-9.]+x", proc.stdout), proc.stdout


def test_gpu_benchmark_code_on_the_stand_in():
    """bench/gpu_step.py on the CPU stand-in (our side) and PyTorch on the CPU: the same losses in
    float32, close ones in float16, and the table with the ratio."""
    import os

    env = {**os.environ, "SCRATCHGPT_FAKE_GPU": "1"}
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "gpu_step.py"), "--sizes", "tiny", "--block", "8",
                           "--vocab", "11", "--batch", "2", "--steps", "5", "--warmup", "1", "--threads", "1"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    gaps = dict(re.findall(r"(fp32|fp16): same computation: largest loss difference over the first 3 steps "
                           r"([0-9.e+-]+)", proc.stdout))
    assert float(gaps["fp32"]) < 1e-4 and float(gaps["fp16"]) < 2e-2, proc.stdout
    assert re.search(r"ours / PyTorch throughput = [0-9.]+x", proc.stdout), proc.stdout


def test_gpu_check_runs_every_part_on_the_stand_in():
    """make gpu-check's script, every part tiny on the CPU stand-in (the kernels on the simulator), and one summary."""
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "gpu_check.py"), "--stand-in"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "gpu-check: 7 of 7 parts passed" in proc.stdout, proc.stdout
    assert re.search(r"ok\s+flash kernels .*the CPU simulator", proc.stdout), proc.stdout
    assert re.search(r"ok\s+TinyStories run .* tokens/s, MFU n/a \(fp16\)", proc.stdout), proc.stdout
