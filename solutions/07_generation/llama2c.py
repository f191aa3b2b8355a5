"""Load llama2.c's ``stories260K`` into your phase-05 GPT (given: no code to write here).

The checkpoint's layout is described in ``datasets/README.md``; ``common.llama2c`` reads it,
with each matrix transposed from PyTorch's ``(out, in)`` to phase 02's ``(in, out)``.
"""

from __future__ import annotations

import os

import numpy as np

from common import load
from common.data import stories260k_files
from common.llama2c import read_checkpoint

from .llama_tokenizer import LlamaTokenizer


def load_llama2c(path: str | os.PathLike | None = None, dtype=np.float32):
    """``(model, config)``: a phase-05 GPT (eval mode) holding a llama2.c version-0 checkpoint."""
    fields, weights = read_checkpoint(path, dtype)
    model_mod = load(5, "model")
    config = model_mod.GPTConfig(**fields)
    model = model_mod.GPT(config, rng=np.random.default_rng(0))
    model.load_state_dict({k: np.ascontiguousarray(v) for k, v in weights.items()})
    return model.eval(), config


def load_stories260k(dtype=np.float32):
    """``(model, tokenizer)``: the bundled stories260K and its ``tok512`` tokenizer."""
    model_path, tok_path = stories260k_files()
    model, _ = load_llama2c(model_path, dtype)
    return model, LlamaTokenizer.from_file(tok_path)
