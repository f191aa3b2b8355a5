"""A training run's settings: one flat TOML file a person can edit, and ``key=value`` overrides.

::

    # configs/demo.toml
    out_dir = "runs/demo"
    vocab_size = 512
    n_layer = 4
    lr = 3e-3

Every key is a field of :class:`TrainConfig`; the model's fields are ``GPTConfig``'s (phase 05).
A key the config does not know, a value of the wrong type or an impossible combination
(``n_embd`` not divisible by ``n_head``) stops the run before it starts, with one sentence
saying which key and why. This module is given: read it, you will edit the TOML files.
"""

from __future__ import annotations

import dataclasses
import math
import os
import sys
from dataclasses import dataclass, fields

from common import load

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

MODEL_KEYS = ("n_layer", "n_head", "n_embd", "n_kv_head", "block_size", "dropout", "bias", "norm", "norm_eps",
              "mlp", "mlp_hidden", "position", "rope_base", "tie_weights")


class ConfigError(ValueError):
    """A config file or override that cannot describe a run."""


@dataclass
class TrainConfig:
    """Every setting of a run, with the defaults of a small CPU model."""

    # where: the run's folder holds its tokenizer, token files, log, plot and checkpoint
    out_dir: str = "runs/default"
    seed: int = 1337
    # data: a text file, or "tinystories:train" / "tinystories:valid" (the full set after
    # `make data`, else the bundled sample), or "tinystories-sample:train" (always the sample)
    train_text: str = "tinystories:train"
    valid_text: str = "tinystories:valid"
    tokenizer: str = "bpe"  # "bpe": trained on train_text with your phase-03 code; "gpt2": GPT-2's files
    vocab_size: int = 512  # for "bpe": 256 bytes + merges + <|endoftext|>
    bpe_chars: int = 20_000_000  # the BPE learns from the first characters of train_text only
    # the model (phase 05's GPTConfig)
    n_layer: int = 4
    n_head: int = 4
    n_embd: int = 128
    n_kv_head: int | None = None
    block_size: int = 128
    dropout: float = 0.0
    bias: bool = True
    norm: str = "layernorm"
    norm_eps: float = 1e-5
    mlp: str = "gelu"
    mlp_hidden: int | None = None
    position: str = "learned"
    rope_base: float = 10000.0
    tie_weights: bool = True
    # optimisation
    batch_size: int = 16
    max_steps: int = 1000
    lr: float = 1e-3  # the peak of the schedule
    min_lr: float = 1e-4  # its floor
    warmup_steps: int = 50
    cosine_steps: int | None = None  # where the cosine reaches min_lr; None: max_steps
    weight_decay: float = 0.1
    beta1: float = 0.9
    beta2: float = 0.95
    eps: float = 1e-8
    grad_clip: float = 1.0
    # the device and the arithmetic (phase 08's run; phase 06's trains on the CPU in float32)
    device: str = "cpu"  # "auto" (a GPU if there is one), "cpu" or "cuda"
    precision: str = "fp32"  # or "fp16": float16 compute, float32 master weights, a dynamic loss scale
    tf32: bool = False  # float32 matrix products on TF32 tensor cores (Ampere GPUs and later)
    grad_accum: int = 1  # micro-batches per step: batch_size rows in grad_accum pieces
    log_every: int = 10  # phase 08 reads the loss from the device every log_every steps
    fused: bool = False  # phase 09's kernels for attention, norms and loss (a GPU, or the CPU simulator)
    # evaluation, logging, checkpoints
    eval_every: int = 100
    eval_batches: int = 20  # validation batches, the same ones at every evaluation
    checkpoint_every: int = 250
    plot: bool = True  # refresh loss.png at every evaluation
    time_limit: float = 0.0  # seconds of training after which the run stops early (0: none)
    # the story printed at the end
    prompt: str = "Once upon a time"
    sample_tokens: int = 200
    temperature: float = 0.8
    top_k: int = 40

    def __post_init__(self):
        if self.cosine_steps is None:
            self.cosine_steps = self.max_steps

    def model_config(self):
        """Phase 05's ``GPTConfig`` for this run (``vocab_size`` included)."""
        GPTConfig = load(5, "model").GPTConfig
        return GPTConfig(vocab_size=self.vocab_size, **{k: getattr(self, k) for k in MODEL_KEYS})

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


def _types() -> dict[str, tuple[type, ...]]:
    """Allowed Python types of each key, from the dataclass's annotations."""
    names = {"int": (int,), "float": (float, int), "str": (str,), "bool": (bool,)}
    out = {}
    for f in fields(TrainConfig):
        kinds: tuple[type, ...] = ()
        for part in str(f.type).split("|"):
            part = part.strip()
            kinds += (type(None),) if part == "None" else names[part]
        out[f.name] = kinds
    return out


def _check_type(key: str, value, where: str):
    allowed = _types()[key]
    ok = isinstance(value, allowed) and not (isinstance(value, bool) and bool not in allowed)
    if not ok:
        names = " or ".join("none" if t is type(None) else t.__name__ for t in allowed)
        raise ConfigError(f"{where}: {key} must be {names}, got {type(value).__name__} {value!r}")
    if float in allowed and isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(f"{where}: {key} must be a finite number, got {value!r}")
    return float(value) if float in allowed and not isinstance(value, bool) and isinstance(value, int) else value


def parse_override(text: str) -> tuple[str, object]:
    """``"lr=1e-3"`` -> ``("lr", 0.001)``. The value is read as TOML (numbers, ``true``,
    quoted strings); a bare word that is not TOML is taken as a string."""
    if "=" not in text:
        raise ConfigError(f"override {text!r}: expected key=value, e.g. lr=1e-3")
    key, raw = (s.strip() for s in text.split("=", 1))
    if raw.lower() in ("none", "null"):
        return key, None
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw
    return key, value


def load_config(path: str | os.PathLike | None = None, overrides: list[str] | tuple[str, ...] = ()) -> TrainConfig:
    """The config of the TOML file ``path`` (defaults when None), then ``overrides`` applied in order.

    ConfigError, naming the file or the override, for unknown keys, wrong types and settings
    that no model or schedule can have.
    """
    values: dict = {}
    known = _types()
    if path is not None:
        try:
            with open(path, "rb") as f:
                data = tomllib.load(f)
        except FileNotFoundError:
            raise ConfigError(f"config file {path} does not exist") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path} is not valid TOML: {exc}") from None
        for key, value in data.items():
            if key not in known:
                raise ConfigError(f"{path}: unknown key {key!r}; {_suggest(key)}")
            values[key] = _check_type(key, value, str(path))
    for text in overrides:
        key, value = parse_override(text)
        if key not in known:
            raise ConfigError(f"override {text!r}: unknown key {key!r}; {_suggest(key)}")
        values[key] = _check_type(key, value, f"override {text!r}")
    cfg = TrainConfig(**values)
    validate(cfg, str(path) if path else "the config")
    return cfg


# What nanoGPT and CS336 call some of these keys, for a suggestion when one of their names is used.
OTHER_NAMES = {"learning_rate": "lr", "max_iters": "max_steps", "warmup_iters": "warmup_steps",
               "lr_decay_iters": "cosine_steps", "min_learning_rate": "min_lr", "d_model": "n_embd",
               "num_layers": "n_layer", "num_heads": "n_head", "context_length": "block_size",
               "eval_interval": "eval_every", "eval_iters": "eval_batches", "d_ff": "mlp_hidden",
               "max_l2_norm": "grad_clip", "gradient_accumulation_steps": "grad_accum", "dtype": "precision"}


def _suggest(key: str) -> str:
    import difflib

    close = [OTHER_NAMES[key]] if key in OTHER_NAMES else difflib.get_close_matches(key, list(_types()), n=1)
    return f"did you mean {close[0]!r}?" if close else "see TrainConfig in config.py for the keys"


def needs_phase8(cfg: TrainConfig) -> bool:
    """True when the run asks for more than phase 06's loop does: a GPU, float16, TF32, accumulation
    or phase 09's fused kernels."""
    return cfg.device != "cpu" or cfg.precision != "fp32" or cfg.tf32 or cfg.grad_accum != 1 or cfg.fused


def validate(cfg: TrainConfig, where: str = "the config") -> None:
    """ConfigError for settings that cannot run; the model's own checks are GPTConfig's."""
    positive = ("batch_size", "max_steps", "eval_every", "eval_batches", "checkpoint_every", "vocab_size", "bpe_chars",
                "grad_accum", "log_every")
    for key in positive:
        if getattr(cfg, key) <= 0:
            raise ConfigError(f"{where}: {key} must be > 0, got {getattr(cfg, key)}")
    if cfg.tokenizer not in ("bpe", "gpt2"):
        raise ConfigError(f"{where}: tokenizer must be 'bpe' or 'gpt2', got {cfg.tokenizer!r}")
    if cfg.tokenizer == "bpe" and not 257 <= cfg.vocab_size <= 65536:
        raise ConfigError(f"{where}: a BPE vocab_size must be in 257..65536 (256 bytes + <|endoftext|> at least), "
                          f"got {cfg.vocab_size}")
    if cfg.tokenizer == "gpt2" and cfg.vocab_size < 50257:
        raise ConfigError(f"{where}: GPT-2's tokenizer has 50257 ids; vocab_size must be at least that, "
                          f"got {cfg.vocab_size}")
    if cfg.device not in ("auto", "cpu", "cuda"):
        raise ConfigError(f"{where}: device must be 'auto', 'cpu' or 'cuda', got {cfg.device!r}")
    if cfg.precision not in ("fp32", "fp16"):
        raise ConfigError(f"{where}: precision must be 'fp32' or 'fp16', got {cfg.precision!r}")
    if cfg.fused and (cfg.precision != "fp32" or cfg.dropout > 0):
        raise ConfigError(f"{where}: fused = true runs phase 09's float32 kernels, which have no dropout: it needs "
                          f"precision = 'fp32' and dropout = 0, got {cfg.precision!r} and {cfg.dropout}")
    if cfg.batch_size % cfg.grad_accum:
        raise ConfigError(f"{where}: grad_accum = {cfg.grad_accum} must divide batch_size = {cfg.batch_size} "
                          f"(each micro-batch holds batch_size / grad_accum rows)")
    if not 0 <= cfg.min_lr <= cfg.lr:
        raise ConfigError(f"{where}: need 0 <= min_lr <= lr, got min_lr={cfg.min_lr}, lr={cfg.lr}")
    if not 0 <= cfg.warmup_steps <= cfg.cosine_steps:
        raise ConfigError(f"{where}: need 0 <= warmup_steps <= cosine_steps, got {cfg.warmup_steps} and "
                          f"{cfg.cosine_steps}")
    if not (0 <= cfg.beta1 < 1 and 0 <= cfg.beta2 < 1):
        raise ConfigError(f"{where}: beta1 and beta2 must be in [0, 1), got {cfg.beta1}, {cfg.beta2}")
    if cfg.grad_clip <= 0 or cfg.weight_decay < 0 or cfg.eps < 0 or cfg.time_limit < 0:
        raise ConfigError(f"{where}: need grad_clip > 0 and weight_decay, eps, time_limit >= 0")
    if cfg.temperature <= 0 or cfg.top_k < 0 or cfg.sample_tokens < 0:
        raise ConfigError(f"{where}: need temperature > 0, top_k >= 0 (0: off) and sample_tokens >= 0")
    try:
        cfg.model_config()
    except ValueError as exc:
        raise ConfigError(f"{where}: {str(exc).removeprefix('GPTConfig: ')}") from None
