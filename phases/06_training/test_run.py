"""Grader for whole runs of your trainer, each in a fresh Python process: a run resumed from a
checkpoint ends byte for byte where the uninterrupted run ends, even when it was killed with
SIGKILL at a random moment; and a small GPT trained on the TinyStories sample, scored by the
grader itself on the weights it saved, beats the best context-free guess by a nat.
"""

from __future__ import annotations

import json
import math
import os
import random
import signal
import time

import numpy as np

from common.checks import require
from grader import task


@task(points=4, timeout=180, needs=('checkpoint', 'train_step', 'adamw_step', 'get_batch', 'cosine_lr'))
def test_resume_bit_for_bit(tmp_path, kit):
    """16 steps straight equal 8 steps, a checkpoint, a fresh process that resumes, and 8 more: to the byte."""
    texts = kit.small_texts(tmp_path / "text")
    straight, split = tmp_path / "straight", tmp_path / "split"
    kit.run(kit.tiny_run_config(straight, texts), "a 16-step run")
    kit.run(kit.tiny_run_config(split, texts, max_steps=8), "the first 8 steps (max_steps=8, cosine_steps=16)")
    first = kit.read_checkpoint(split / "ckpt.safetensors")[1]
    require(first.get("step") == "8", f"after a run of max_steps=8 the checkpoint says step {first.get('step')!r}",
            "save a checkpoint at the end of a run, with the step reached")
    out = kit.run(kit.tiny_run_config(split, texts), "the same run resumed in a new process (resume=True)", resume=True)
    require(out["step"] == 16, f"the resumed run ended at step {out['step']}, expected 16")
    kit.compare_runs(straight / "ckpt.safetensors", split / "ckpt.safetensors",
                     "16 steps straight vs 8 + resume + 8", kit.RESUME_HINT)


@task(points=3, timeout=240, needs=('checkpoint', 'train_step', 'adamw_step', 'get_batch', 'cosine_lr'))
def test_sigkill_resume(tmp_path, kit):
    """A run killed with SIGKILL at a random step, resumed from its last checkpoint, ends identical to one never killed."""
    texts = kit.small_texts(tmp_path / "text")
    steps = dict(max_steps=60, cosine_steps=60, checkpoint_every=3, eval_every=20)
    straight, killed = tmp_path / "straight", tmp_path / "killed"
    kit.run(kit.tiny_run_config(straight, texts, **steps), "a 60-step run")
    ckpt = killed / "ckpt.safetensors"
    log = killed / "log.jsonl"
    when = random.Random(os.getpid()).randint(4, 50)  # the step after which the kill comes
    proc = kit.start_run(kit.tiny_run_config(killed, texts, **steps))
    deadline = time.monotonic() + 90
    while proc.poll() is None and time.monotonic() < deadline:
        if log.is_file() and sum(1 for line in log.read_text().splitlines() if line.strip()) >= when:
            os.kill(proc.pid, signal.SIGKILL)
            break
        time.sleep(0.001)
    proc.wait(timeout=30)
    if proc.returncode != -signal.SIGKILL:  # finished (or failed) before the kill: report why
        kit.finish(proc, "a 60-step run that was to be killed")
        raise AssertionError(f"the run finished before it could be killed at step {when}: write one log line per "
                             f"step as the step ends (log.jsonl), and flush it")
    require(ckpt.is_file(), f"killed at step {when} or later, the run had written no checkpoint "
            f"(checkpoint_every=3)", "save a checkpoint every checkpoint_every steps")
    try:
        kit.read_checkpoint(ckpt)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is the finding
        raise AssertionError(f"killed at step {when}, the run left a checkpoint that does not read: {exc}\nHint: "
                             f"write checkpoints atomically (a temporary file, fsync, os.replace), as phase 01's "
                             f"io.save does") from None
    out = kit.run(kit.tiny_run_config(killed, texts, **steps), f"the run killed after step {when}, resumed",
                  resume=True)
    require(out["step"] == 60, f"the resumed run ended at step {out['step']}, expected 60")
    kit.compare_runs(straight / "ckpt.safetensors", ckpt, f"60 steps straight vs killed after step {when} + resumed",
                     kit.RESUME_HINT)


def unigram_loss(train: np.ndarray, valid: np.ndarray, vocab: int) -> float:
    """Validation cross-entropy of the best model that ignores context: add-one-smoothed token
    frequencies counted on the training tokens."""
    counts = np.bincount(train, minlength=vocab)[:vocab] + 1.0
    return float(-np.log(counts / counts.sum())[valid[1:]].mean())


def measured_loss(ckpt, valid: np.ndarray, kit) -> float:
    """The grader's own validation loss of a checkpoint: phase 05's GPT holding the saved weights,
    scored with NumPy on every window of ``valid`` (no code of phase 06 involved)."""
    from common import load

    tensors, meta = kit.read_checkpoint(ckpt)
    M = load(5, "model")
    model = M.GPT(M.GPTConfig(**json.loads(meta["model_config"])), rng=np.random.default_rng(0))
    for name, p in model.named_parameters():
        p.data = np.array(tensors[f"model.{name}"])
    model.eval()
    T = model.config.block_size
    starts = np.arange((len(valid) - 1) // T) * T
    x = valid[starts[:, None] + np.arange(T)].astype(np.int64)
    y = valid[starts[:, None] + np.arange(1, T + 1)].astype(np.int64)
    with load(2, "tensor").no_grad():
        logits = np.asarray(model(x).data, dtype=np.float64)
    logits -= logits.max(-1, keepdims=True)
    logp = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    return float(-np.take_along_axis(logp, y[..., None], -1).mean())


@task(points=3, timeout=240, needs=('train_step', 'evaluate', 'adamw_step', 'get_batch', 'cosine_lr'))
def test_training_reaches_bar(tmp_path, kit):
    """A 2-layer GPT trained for 300 steps on the TinyStories sample beats context-free guessing by a nat."""
    texts = kit.small_texts(tmp_path / "text", train_chars=2_000_000, valid_chars=200_000)
    out_dir = tmp_path / "run"
    cfg = kit.tiny_run_config(out_dir, texts, vocab_size=512, n_layer=2, n_head=4, n_embd=64, block_size=64,
                              dropout=0.0, batch_size=16, max_steps=300, cosine_steps=300, warmup_steps=20,
                              lr=1e-2, min_lr=1e-3, eval_every=300, eval_batches=8, checkpoint_every=300)
    out = kit.run(cfg, "a 300-step run of a 2-layer GPT on 2 MB of TinyStories")
    train = np.fromfile(out_dir / "train.u16", dtype="<u2")
    valid = np.fromfile(out_dir / "valid.u16", dtype="<u2")[: 8 * 16 * 64 + 1]
    measured = measured_loss(out_dir / "ckpt.safetensors", valid, kit)
    bar = unigram_loss(train, valid, 512) - 1.0
    require(measured < bar,
            f"after 300 steps the model's validation loss, measured by the grader on its saved weights, is "
            f"{measured:.3f}: not below {bar:.3f}, one nat better than token frequencies alone "
            f"({bar + 1:.3f}; a uniform guess scores {math.log(512):.3f})",
            "check the pieces graded above one by one; then the schedule (warm-up, then peak lr=1e-2), that "
            "each step draws a fresh random batch, and that the targets are the inputs shifted by one")
    got = out["val_loss"]
    require(got is not None and abs(got - measured) < 1e-3 * max(1.0, measured),
            f"your run reports a validation loss of {got}, but the grader measures {measured:.4f} for the same "
            f"weights on the same windows", "evaluate on eval_batches' windows (targets shifted by one), in eval mode")
