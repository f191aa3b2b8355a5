"""Phase 06's run on a device, in mixed precision, with accumulation, counting as it goes.

``make train CONFIG=configs/tinystories-gpu.toml`` comes here (any config that sets
``device``, ``precision``, ``tf32`` or ``grad_accum``). What it adds to phase 06's loop:

- the model and its optimizer state on ``cfg.device``, each batch moved there as it is drawn;
- ``precision = "fp16"``: a float16 model, float32 master weights and a dynamic loss scale;
- ``grad_accum`` micro-batches per step;
- every ``log_every`` steps one read of the device: the mean loss of those steps, tokens per
  second (timed after the GPU has caught up), MFU against the device's peak, and the memory
  CuPy's pool holds against the estimate for weights, gradients and AdamW's moments.

Checkpoints hold float32 weights (the masters in fp16), so a run can be resumed in either
precision, on either device. This module is given.
"""

from __future__ import annotations

import contextlib
import json
import math
import time
from pathlib import Path

import numpy as np

from common import backend, load
from common.files import write_atomic

from .accumulation import lm_loss, split_batch
from .counting import peak_flops, mfu, state_bytes, training_flops_per_token
from .device import optimizer_to, resolve_device, to_device
from .precision import LossScaler, MasterWeights
from .step import train_step

_tensor = load(2, "tensor")
_adamw, _batches, _checkpoint = load(6, "adamw"), load(6, "batches"), load(6, "checkpoint")
_data, _plots, _schedule, _trainer = load(6, "data"), load(6, "plots"), load(6, "schedule"), load(6, "trainer")
CHECKPOINT = "ckpt.safetensors"


def arithmetic(cfg, device: str) -> str:
    """Which peak the run is measured against: "fp16", "tf32" (float32 with TF32 on a GPU) or "fp32"."""
    if cfg.precision == "fp16":
        return "fp16"
    return "tf32" if cfg.tf32 and device == "cuda" else "fp32"


def evaluate(model, tokens, batch_size: int, block_size: int, max_batches: int, device: str) -> float:
    """Phase 06's evaluation on the device: the losses summed there, read once at the end."""
    was_training = model.training
    model.eval()
    total, count = None, 0
    try:
        with _tensor.no_grad():
            for i, (x, y) in enumerate(_batches.eval_batches(tokens, batch_size, block_size)):
                if i == max_batches:
                    break
                loss = lm_loss(model, to_device(x, device), to_device(y, device)).data * y.size
                total = loss if total is None else total + loss
                count += y.size
    finally:
        model.train(was_training)
    if count == 0:
        raise ValueError(f"evaluate: {len(tokens)} tokens hold no window of block_size + 1 = {block_size + 1}")
    return float(total) / count


@contextlib.contextmanager
def float32_weights(model, master):
    """Within the block the model holds its float32 master weights (for a checkpoint)."""
    if master is None:
        yield
        return
    kept = [p.data for p in master.params]
    for p, m in zip(master.params, master.master):
        p.data = m.data
    try:
        yield
    finally:
        for p, data in zip(master.params, kept):
            p.data = data


def build(cfg, device: str, ckpt: Path | None, say=print):
    """Model, optimizer, generators, loss scaler, master weights, and the step and info to go on
    from (``ckpt`` a checkpoint to resume, or None)."""
    model, cpu_optimizer, rngs = _trainer.build(cfg)   # float32, on the CPU
    step, info = 0, {}
    if ckpt is not None:
        saved = _checkpoint.load_checkpoint(ckpt, model, cpu_optimizer, rngs)
        step, info = saved["step"], saved["info"]
    to_device(model, device)
    master = scaler = None
    groups = _adamw.param_groups(model, cfg.weight_decay)
    if cfg.precision == "fp16":
        if device == "cpu":
            say("precision = \"fp16\" on the CPU: NumPy emulates float16 and is slow; it is meant for GPUs")
        master = MasterWeights(model.parameters(), np.float16)
        scaler = LossScaler()
        if "scaler" in info:
            scaler.load_state_dict(info["scaler"])
        groups = master.param_groups(groups)
    optimizer = _adamw.AdamW(groups, lr=cfg.lr, betas=(cfg.beta1, cfg.beta2), eps=cfg.eps)
    optimizer.load_state_dict(cpu_optimizer.state_dict())   # the moments, in each parameter's dtype and device
    optimizer_to(optimizer, device)
    return model, optimizer, rngs, scaler, master, step, info


def run(cfg, *, resume: bool = False, progress: bool = True, say=print) -> dict:
    """Train as ``cfg`` says, in ``cfg.out_dir``; returns a summary (steps, losses, files, speed)."""
    device = resolve_device(cfg.device, say=say)
    if cfg.tf32:
        if not backend.set_tf32(True):
            say("tf32 = true has no effect here: TF32 is a GPU's (Ampere and later)")
    out = Path(cfg.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tokenizer, tok_id, train_path, valid_path = _data.prepare_data(cfg, out, say=say)
    model_cfg = cfg.model_config()
    train_tokens = _batches.open_tokens(train_path, model_cfg.vocab_size, cfg.block_size)
    valid_tokens = _batches.open_tokens(valid_path, model_cfg.vocab_size, cfg.block_size)
    ckpt, log_path = out / CHECKPOINT, out / "log.jsonl"
    found = resume and ckpt.is_file()
    if resume and not found:
        say(f"no checkpoint at {ckpt}: starting from step 0")
    model, optimizer, rngs, scaler, master, step, info = build(cfg, device, ckpt if found else None, say)
    fused = contextlib.nullcontext  # a fresh context for every step
    if cfg.fused:
        if device != "cuda":
            raise ValueError("fused = true runs phase 09's kernels, which need device = 'cuda' (a GPU, or "
                             "SCRATCHGPT_FAKE_GPU=1 for the CPU simulator)")
        fused_ops = load(9, "fused_ops")
        fused_ops.fuse(model)
        fused = fused_ops.fused_loss
        say("fused: phase 09's kernels for attention, norms and loss")
    if found:
        if info.get("tokenizer") != tok_id:
            raise ValueError(f"{ckpt} was trained with another tokenizer: start a new run in another out_dir")
        _trainer._trim_log(log_path, step)
        say(f"resumed from {ckpt} at step {step}")
    else:
        log_path.write_text("")
    elapsed = float(info.get("elapsed", 0.0))

    n_params = model.num_parameters()
    flops = training_flops_per_token(model)
    name = backend.device_name() if device == "cuda" else "cpu"
    math_kind = arithmetic(cfg, device)
    peak = peak_flops(name, math_kind)
    estimate = state_bytes(n_params, cfg.precision)
    say(f"model: {n_params:,} parameters, {flops / 1e6:,.1f} MFLOPs per training token; device {device} ({name}), "
        f"{cfg.precision}{' + tf32' if math_kind == 'tf32' else ''}, peak "
        f"{f'{peak / 1e12:,.1f} TFLOP/s' if peak else 'unknown'}; {cfg.grad_accum} micro-batch(es) of "
        f"{cfg.batch_size // cfg.grad_accum} x {cfg.block_size} tokens per step")

    def checkpoint():
        extra = {"scaler": scaler.state_dict()} if scaler is not None else {}
        with float32_weights(model, master):
            _checkpoint.save_checkpoint(ckpt, model, optimizer, step=step, rngs=rngs,
                                        info={"tokenizer": tok_id, "elapsed": elapsed, "config": cfg.as_dict(), **extra})

    tokens_per_step = cfg.batch_size * cfg.block_size
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=cfg.max_steps, initial=step, unit="step", dynamic_ncols=True)
    window_loss, window_steps, skipped, val_loss, speed = None, 0, 0, None, {}
    interrupted = False
    backend.synchronize()
    t_window = time.perf_counter()
    with _trainer._Stop() as stop, open(log_path, "a") as log:
        while step < cfg.max_steps:
            lr = _schedule.cosine_lr(step, cfg.lr, cfg.min_lr, cfg.warmup_steps, cfg.cosine_steps)
            x, y = _batches.get_batch(train_tokens, cfg.batch_size, cfg.block_size, rngs["batch"])
            micro = split_batch(to_device(x, device), to_device(y, device), cfg.grad_accum)
            with np.errstate(over="ignore", invalid="ignore"), fused():  # float16 overflows by design: the scaler handles it
                stats = train_step(model, optimizer, micro, lr=lr, grad_clip=cfg.grad_clip, scaler=scaler, master=master)
            step += 1
            window_steps += 1
            skipped += stats["skipped"]
            window_loss = stats["loss"] if window_loss is None else window_loss + stats["loss"]
            last = step == cfg.max_steps or stop.requested or (cfg.time_limit and elapsed >= cfg.time_limit)
            evaluating = step % cfg.eval_every == 0 or last
            if step % cfg.log_every == 0 or evaluating:
                train_loss = float(window_loss) / window_steps          # the one read of the device
                backend.synchronize()
                now = time.perf_counter()
                dt = now - t_window
                elapsed += dt
                tps = window_steps * tokens_per_step / dt
                speed = {"tokens_per_s": tps, "mfu": mfu(tps, flops, peak), "memory_bytes": backend.pool_bytes(),
                         "state_bytes": estimate}
                record = {"step": step, "lr": lr, "train_loss": train_loss, "grad_norm": stats["grad_norm"],
                          "skipped_steps": skipped, "elapsed": elapsed, **speed}
                if scaler is not None:
                    record["loss_scale"] = scaler.scale
                if evaluating:
                    val_loss = evaluate(model, valid_tokens, cfg.batch_size, cfg.block_size, cfg.eval_batches, device)
                    record["val_loss"], record["val_ppl"] = val_loss, math.exp(min(val_loss, 700.0))
                log.write(json.dumps(record) + "\n")
                log.flush()
                if evaluating and cfg.plot:
                    _plots.plot_log(log_path, out / "loss.png")
                if bar is not None:
                    bar.set_postfix(loss=f"{train_loss:.3f}", val=f"{val_loss:.3f}" if val_loss else "-",
                                    tok_s=f"{tps:,.0f}", mfu=f"{speed['mfu']:.1%}" if speed["mfu"] else "-")
                window_loss, window_steps = None, 0
                backend.synchronize()
                t_window = time.perf_counter()
            if step % cfg.checkpoint_every == 0 or last:
                checkpoint()
            if bar is not None:
                bar.update(1)
            if last and step < cfg.max_steps:
                interrupted = bool(stop.requested)
                say(f"stopped at step {step}: " + ("interrupted" if interrupted else f"time limit {cfg.time_limit} s"))
                break
    if bar is not None:
        bar.close()
    if skipped:
        say(f"{skipped} step(s) skipped for non-finite gradients" + (f"; loss scale now {scaler.scale:g}" if scaler else ""))
    if speed:
        say(f"throughput {speed['tokens_per_s']:,.0f} tokens/s"
            + (f", MFU {speed['mfu']:.1%}" if speed["mfu"] is not None else "")
            + (f"; memory pool {speed['memory_bytes'] / 2**20:,.0f} MiB (weights, gradients and AdamW "
               f"{estimate / 2**20:,.0f} MiB)" if speed["memory_bytes"] else ""))
    if val_loss is None and step > 0:
        val_loss = evaluate(model, valid_tokens, cfg.batch_size, cfg.block_size, cfg.eval_batches, device)
    if master is not None:                              # the story is told on the CPU, in float32
        for p, m in zip(master.params, master.master):
            p.data = m.data
    if cfg.fused:                                       # and with phase 05's plain layers
        load(9, "fused_ops").unfuse(model)
    to_device(model, "cpu")
    write_atomic(out / "speed.json", json.dumps({"device": name, "arithmetic": math_kind, **speed}, indent=1))
    return {"step": step, "val_loss": val_loss, "elapsed": elapsed, "interrupted": interrupted,
            "checkpoint": str(ckpt), "log": str(log_path), "plot": str(out / "loss.png"),
            "model": model, "tokenizer": tokenizer, "speed": speed, "device": name}
