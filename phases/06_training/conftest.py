"""What phase 06's graders share: a tiny language model with a PyTorch twin, a spy optimizer,
and a way to run the learner's trainer in a fresh Python process.

Tests reach these helpers through the ``kit`` fixture, which is this module.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from common import under_test
from common.data import tinystories
from common.tiny_lm import tiny_lm, torch_logits, torch_loss, torch_params  # noqa: F401 - the kit's


@pytest.fixture(scope="session")
def kit():
    """This module: the graders' helpers."""
    return sys.modules[__name__]


# ---------------------------------------------------------------- a tiny model and its twin


# tiny_lm, torch_params, torch_logits and torch_loss: common/tiny_lm.py (phase 08's graders use them too)


def SpyOptimizer(params, lr: float = 0.123):
    """Plain SGD in two groups that records what it was handed (``common/toys.py``), built where the
    code under test runs: its optimizer's groups are the code's own dicts, as in one process."""
    return under_test("common.toys").SpyOptimizer(params, lr)


# ---------------------------------------------------------------- runs in a fresh process

RUNNER = textwrap.dedent("""
    import json, sys
    from common import load, under_test
    overrides, resume = json.loads(sys.argv[1]), sys.argv[2] == "resume"
    cfg = load(6, "config").load_config(None, overrides)
    result = load(6, "trainer").run(cfg, resume=resume, progress=False, say=lambda m: None)
    print(json.dumps({"step": result["step"], "val_loss": result["val_loss"]}))
""")


def small_texts(folder: Path, train_chars: int = 200_000, valid_chars: int = 40_000) -> tuple[Path, Path]:
    """The first characters of the bundled TinyStories sample, as two small text files."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for split, n in (("train", train_chars), ("valid", valid_chars)):
        path = folder / f"{split}.txt"
        with open(tinystories(split, which="sample", quiet=True), encoding="utf-8") as f:
            path.write_text(f.read(n), encoding="utf-8")
        out.append(path)
    return out[0], out[1]


def tiny_run_config(out_dir: Path, texts: tuple[Path, Path], **changes) -> list[str]:
    """``key=value`` overrides for a run that takes seconds: a one-layer GPT with dropout on."""
    settings = dict(out_dir=str(out_dir), train_text=str(texts[0]), valid_text=str(texts[1]), tokenizer="bpe",
                    vocab_size=300, n_layer=1, n_head=2, n_embd=16, block_size=16, dropout=0.1, batch_size=4,
                    max_steps=16, cosine_steps=16, warmup_steps=3, lr=3e-3, min_lr=3e-4, weight_decay=0.1,
                    eval_every=8, eval_batches=2, checkpoint_every=4, plot=False, sample_tokens=0, seed=7)
    settings.update(changes)
    return [f"{k}={json.dumps(v)}" for k, v in settings.items()]


def start_run(overrides: list[str], resume: bool = False) -> subprocess.Popen:
    """The learner's ``trainer.run`` in a new Python process (the grader's environment: same code)."""
    return subprocess.Popen([sys.executable, "-c", RUNNER, json.dumps(overrides), "resume" if resume else "new"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ))


def finish(proc: subprocess.Popen, what: str, timeout: float = 120) -> dict:
    """Wait for a run; its summary, or an AssertionError with the end of what it printed."""
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        raise AssertionError(f"{what}: still running after {timeout:.0f} s") from None
    if proc.returncode != 0:
        tail = "\n".join(err.strip().splitlines()[-12:])
        if "NotImplementedError" in err:
            line = [x for x in err.splitlines() if "NotImplementedError" in x][-1]
            raise NotImplementedError(f"{what} stopped on a stub: {line.split('NotImplementedError:')[-1].strip()}")
        raise AssertionError(f"{what} failed (exit {proc.returncode}):\n{tail}")
    return json.loads(out.strip().splitlines()[-1])


def run(overrides: list[str], what: str, resume: bool = False) -> dict:
    return finish(start_run(overrides, resume), what)


def read_checkpoint(path: Path) -> tuple[dict, dict]:
    """A checkpoint's tensors and metadata, read with Hugging Face's safetensors (not the learner's io)."""
    from safetensors import safe_open

    with safe_open(str(path), framework="numpy") as f:
        return {k: f.get_tensor(k) for k in f.keys()}, dict(f.metadata() or {})


def compare_runs(a: Path, b: Path, what: str, hint: str) -> None:
    """Require two final checkpoints to hold identical tensors (to the byte), step and generator states."""
    ta, ma = read_checkpoint(a)
    tb, mb = read_checkpoint(b)
    if set(ta) != set(tb):
        raise AssertionError(f"{what}: the checkpoints hold different tensors: only in the straight run "
                             f"{sorted(set(ta) - set(tb))[:6]}, only in the resumed one {sorted(set(tb) - set(ta))[:6]}")
    differ = [k for k in ta if ta[k].shape != tb[k].shape or ta[k].tobytes() != tb[k].tobytes()]
    notes = []
    if ma.get("step") != mb.get("step"):
        notes.append(f"step: straight {ma.get('step')}, resumed {mb.get('step')}")
    if ma.get("rng") != mb.get("rng"):
        notes.append("the random generators end in different states")
    if differ or notes:
        weights = [k for k in differ if k.startswith("model.")]
        moments = [k for k in differ if not k.startswith("model.")]
        raise AssertionError(
            f"{what}: the resumed run ends different from the uninterrupted one: {len(weights)} weight tensors "
            f"differ (e.g. {weights[:3]}), {len(moments)} optimizer tensors differ (e.g. {moments[:3]})"
            + ("; " + "; ".join(notes) if notes else "") + f".\nHint: {hint}")


RESUME_HINT = ("a checkpoint must hold everything the next step depends on: the weights, AdamW's m and v and each "
               "parameter's step count, the step, and the state of every generator (the batch sampler's and the one "
               "dropout draws from), each restored in place (rng.bit_generator.state = saved)")
