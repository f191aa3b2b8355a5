"""The training loop: one step, an evaluation, and the run that repeats them, logs, plots and saves.

One step::

    x, y = get_batch(train, B, T, rng)            (B, T) int64 each
    loss = cross_entropy(model(x), y)              mean over the B·T predictions
    backward, clip the global norm, skip if non-finite, AdamW with this step's lr

``run`` (given) wraps the steps in everything a real run needs: the tokenizer and token
files (``data.py``), evaluation every ``eval_every`` steps on the same validation batches,
a JSONL log, a loss-curve PNG, a progress bar, a checkpoint every ``checkpoint_every``
steps and at the end, ``resume``, and Ctrl-C, which saves a checkpoint and stops cleanly.
"""

from __future__ import annotations

import contextlib
import json
import math
import signal
import sys
import time
from pathlib import Path

import numpy as np

from common import load
from common.files import write_atomic

from .adamw import AdamW, param_groups
from .batches import eval_batches, get_batch, open_tokens
from .checkpoint import load_checkpoint, save_checkpoint
from .clipping import clip_grad_norm, grads_are_finite
from .data import prepare_data
from .plots import plot_log
from .schedule import cosine_lr

_tensor = load(2, "tensor")
_functional = load(2, "functional")
CHECKPOINT = "ckpt.safetensors"


def lm_loss(model, x: np.ndarray, y: np.ndarray):
    """The mean cross-entropy of ``model(x)`` ``(B, T, V)`` against ``y`` ``(B, T)``: a scalar Tensor."""
    logits = model(x)
    B, T, V = logits.shape
    return _functional.cross_entropy(logits.reshape(B * T, V), y.reshape(B * T))


def train_step(model, optimizer, x: np.ndarray, y: np.ndarray, *, lr: float, grad_clip: float) -> dict:
    """One optimisation step on the batch ``(x, y)``; returns ``{"loss", "grad_norm", "skipped"}``.

    In order: training mode; ``group["lr"] = lr`` for every group; clear the gradients;
    ``lm_loss``; backward; ``clip_grad_norm`` over all parameters (the norm before clipping is
    ``grad_norm``); then, if every gradient is finite, ``optimizer.step()`` (``skipped`` False),
    else no update at all and the gradients cleared (``skipped`` True). ``loss`` is a float.
    """
    ### BEGIN SOLUTION
    model.train()
    for group in optimizer.param_groups:
        group["lr"] = lr
    optimizer.zero_grad()
    loss = lm_loss(model, x, y)
    loss.backward()
    params = [p for group in optimizer.param_groups for p in group["params"]]
    norm = clip_grad_norm(params, grad_clip)
    skipped = not (math.isfinite(norm) and grads_are_finite(params))
    if skipped:
        optimizer.zero_grad()
    else:
        optimizer.step()
    return {"loss": float(loss.item()), "grad_norm": float(norm), "skipped": skipped}
    ### END SOLUTION


def evaluate(model, tokens: np.ndarray, batch_size: int, block_size: int, max_batches: int) -> float:
    """The mean cross-entropy, in nats, over every target of the first ``max_batches`` batches
    of ``eval_batches(tokens, batch_size, block_size)``: the same windows at every call.

    Under ``no_grad`` and in eval mode (no dropout); the model is given back in the mode it had.
    A shorter last batch counts for its own targets only.
    """
    ### BEGIN SOLUTION
    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    try:
        with _tensor.no_grad():
            for i, (x, y) in enumerate(eval_batches(tokens, batch_size, block_size)):
                if i == max_batches:
                    break
                total += lm_loss(model, x, y).item() * y.size
                count += y.size
    finally:
        model.train(was_training)
    if count == 0:
        raise ValueError(f"evaluate: {len(tokens)} tokens hold no window of block_size + 1 = {block_size + 1}")
    return total / count
    ### END SOLUTION


# ---------------------------------------------------------------- the run (given)


def model_rngs(model) -> list[np.random.Generator]:
    """The distinct generators the model's dropout layers draw from (phase 05's GPT shares one)."""
    seen: dict[int, np.random.Generator] = {}
    for m in model.modules():
        rng = getattr(m, "rng", None)
        if isinstance(rng, np.random.Generator):
            seen.setdefault(id(rng), rng)
    return list(seen.values())


def build(cfg):
    """The model, its optimizer and the run's named generators, as a fresh run starts them."""
    GPT = load(5, "model").GPT
    init_rng = np.random.default_rng(cfg.seed)
    model = GPT(cfg.model_config(), rng=init_rng)
    optimizer = AdamW(param_groups(model, cfg.weight_decay), lr=cfg.lr, betas=(cfg.beta1, cfg.beta2), eps=cfg.eps)
    rngs = {"batch": np.random.default_rng([cfg.seed, 1])}
    for i, rng in enumerate(model_rngs(model)):
        rngs[f"dropout{i}"] = rng
    return model, optimizer, rngs


def sample(model, tokenizer, prompt: str, max_new_tokens: int, *, temperature: float, top_k: int,
           rng: np.random.Generator) -> str:
    """A continuation of ``prompt``: temperature and top-k sampling, the context cropped to
    ``block_size`` (phase 07 makes this fast with a key/value cache)."""
    ids = list(tokenizer.encode(prompt)) or [0]
    block = model.config.block_size
    model.eval()
    with _tensor.no_grad():
        for _ in range(max_new_tokens):
            logits = np.asarray(model(np.array([ids[-block:]])).data[0, -1], dtype=np.float64) / temperature
            if top_k and top_k < logits.size:
                logits[logits < np.partition(logits, -top_k)[-top_k]] = -np.inf
            p = np.exp(logits - logits.max())
            ids.append(int(rng.choice(p.size, p=p / p.sum())))
    return tokenizer.decode(ids)


class _Stop:
    """Turns Ctrl-C (SIGINT) and SIGTERM into a flag the loop checks after each step."""

    def __init__(self):
        self.requested = False
        self._old = {}

    def __enter__(self):
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(ValueError):  # not the main thread: leave the handlers alone
                self._old[sig] = signal.signal(sig, self._handle)
        return self

    def _handle(self, signum, frame):
        if self.requested:  # a second Ctrl-C: stop at once
            raise KeyboardInterrupt
        self.requested = True
        print("\nstopping after this step: saving a checkpoint (Ctrl-C again to quit at once)", file=sys.stderr)

    def __exit__(self, *exc):
        for sig, old in self._old.items():
            signal.signal(sig, old)


def _trim_log(path: Path, step: int) -> None:
    """Keep the log lines of steps up to ``step``: a resumed run rewrites the ones after its checkpoint."""
    if path.is_file():
        keep = [line for line in path.read_text().splitlines() if line.strip() and json.loads(line)["step"] <= step]
        write_atomic(path, "".join(line + "\n" for line in keep))


def run(cfg, *, resume: bool = False, progress: bool = True, say=print) -> dict:
    """Train as ``cfg`` says, in ``cfg.out_dir``; returns a summary (steps, losses, where the files are)."""
    out = Path(cfg.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tokenizer, tok_id, train_path, valid_path = prepare_data(cfg, out, say=say)
    model_cfg = cfg.model_config()
    train_tokens = open_tokens(train_path, model_cfg.vocab_size, cfg.block_size)
    valid_tokens = open_tokens(valid_path, model_cfg.vocab_size, cfg.block_size)
    model, optimizer, rngs = build(cfg)
    ckpt, log_path = out / CHECKPOINT, out / "log.jsonl"
    step, elapsed = 0, 0.0
    if resume and ckpt.is_file():
        saved = load_checkpoint(ckpt, model, optimizer, rngs)
        if saved["info"].get("tokenizer") != tok_id:
            raise ValueError(f"{ckpt} was trained with another tokenizer ({saved['info'].get('tokenizer')}, "
                             f"now {tok_id}): start a new run in another out_dir")
        step, elapsed = saved["step"], float(saved["info"].get("elapsed", 0.0))
        _trim_log(log_path, step)
        say(f"resumed from {ckpt} at step {step}")
    else:
        if resume:
            say(f"no checkpoint at {ckpt}: starting from step 0")
        log_path.write_text("")
    say(f"model: {model.num_parameters():,} parameters; {len(train_tokens):,} training tokens, "
        f"{len(valid_tokens):,} validation tokens; vocabulary {model_cfg.vocab_size}")

    def checkpoint():
        save_checkpoint(ckpt, model, optimizer, step=step, rngs=rngs,
                        info={"tokenizer": tok_id, "elapsed": elapsed, "config": cfg.as_dict()})

    tokens_per_step = cfg.batch_size * cfg.block_size
    val_loss = None
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=cfg.max_steps, initial=step, unit="step", dynamic_ncols=True)
    interrupted = False
    with _Stop() as stop, open(log_path, "a") as log:
        while step < cfg.max_steps:
            lr = cosine_lr(step, cfg.lr, cfg.min_lr, cfg.warmup_steps, cfg.cosine_steps)
            x, y = get_batch(train_tokens, cfg.batch_size, cfg.block_size, rngs["batch"])
            t0 = time.perf_counter()
            stats = train_step(model, optimizer, x, y, lr=lr, grad_clip=cfg.grad_clip)
            dt = time.perf_counter() - t0
            elapsed += dt
            step += 1
            record = {"step": step, "lr": lr, "train_loss": stats["loss"], "grad_norm": stats["grad_norm"],
                      "skipped": stats["skipped"], "tokens_per_s": tokens_per_step / dt, "elapsed": elapsed}
            if stats["skipped"]:
                say(f"step {step}: non-finite gradients (norm {stats['grad_norm']}): update skipped")
            last = step == cfg.max_steps or stop.requested or (cfg.time_limit and elapsed >= cfg.time_limit)
            if step % cfg.eval_every == 0 or last:
                val_loss = evaluate(model, valid_tokens, cfg.batch_size, cfg.block_size, cfg.eval_batches)
                record["val_loss"], record["val_ppl"] = val_loss, math.exp(min(val_loss, 700.0))
            log.write(json.dumps(record) + "\n")
            log.flush()
            if "val_loss" in record and cfg.plot:
                plot_log(log_path, out / "loss.png")
            if step % cfg.checkpoint_every == 0 or last:
                checkpoint()
            if bar is not None:
                bar.set_postfix(loss=f"{stats['loss']:.3f}", val=f"{val_loss:.3f}" if val_loss else "-",
                                tok_s=f"{record['tokens_per_s']:,.0f}")
                bar.update(1)
            if last and step < cfg.max_steps:
                interrupted = bool(stop.requested)
                say(f"stopped at step {step}: " + ("interrupted" if interrupted else f"time limit {cfg.time_limit} s"))
                break
    if bar is not None:
        bar.close()
    if val_loss is None and step > 0:
        val_loss = evaluate(model, valid_tokens, cfg.batch_size, cfg.block_size, cfg.eval_batches)
    return {"step": step, "val_loss": val_loss, "elapsed": elapsed, "interrupted": interrupted,
            "checkpoint": str(ckpt), "log": str(log_path), "plot": str(out / "loss.png"),
            "model": model, "tokenizer": tokenizer}
