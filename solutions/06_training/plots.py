"""The loss curves of a run, drawn from its JSONL log. Given."""

from __future__ import annotations

import json
import os
from pathlib import Path


def read_log(path: str | os.PathLike) -> list[dict]:
    """The records of a JSONL log, one dict per line."""
    return [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]


def plot_log(log_path: str | os.PathLike, png_path: str | os.PathLike) -> None:
    """Training loss (each step, faint, and its moving average) and validation loss against the
    step, on one figure, written atomically to ``png_path``."""
    from matplotlib.figure import Figure  # no pyplot: drawing to a file leaves a notebook's backend alone

    records = read_log(log_path)
    if not records:
        return
    steps = [r["step"] for r in records]
    train = [r["train_loss"] for r in records]
    window = max(1, len(train) // 50)
    smooth = [sum(train[max(0, i - window + 1):i + 1]) / len(train[max(0, i - window + 1):i + 1])
              for i in range(len(train))]
    val = [(r["step"], r["val_loss"]) for r in records if "val_loss" in r]
    fig = Figure(figsize=(7, 4))
    ax = fig.subplots()
    ax.plot(steps, train, color="tab:blue", alpha=0.25, lw=0.8)
    ax.plot(steps, smooth, color="tab:blue", label="train")
    if val:
        ax.plot(*zip(*val), "o-", color="tab:orange", label="validation")
    ax.set_xlabel("step")
    ax.set_ylabel("cross-entropy (nats)")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    png_path = Path(png_path)
    tmp = png_path.with_name(f".{png_path.stem}.{os.getpid()}.tmp.png")
    fig.savefig(tmp, dpi=100)
    os.replace(tmp, png_path)
