"""OpenAI's GPT-2 in your GPT: Hugging Face's checkpoint layout mapped onto phase 05's names.

A GPT-2 folder (``save_pretrained``'s, or the hub's ``openai-community/gpt2``) holds
``config.json`` and ``model.safetensors``, read here with your phase-01 reader. The names differ
from yours and two layouts do too::

    Hugging Face                            phase 05
    [transformer.]wte.weight   (V, C)       wte.weight            (V, C)
    [transformer.]wpe.weight   (T, C)       wpe.weight            (block_size, C)
    h.{i}.ln_1.weight / .bias               blocks.{i}.ln1.weight / .bias
    h.{i}.attn.c_attn.weight   (C, 3C)      blocks.{i}.attn.wq, wk, wv .weight  (C, C) each
    h.{i}.attn.c_attn.bias     (3C,)        blocks.{i}.attn.wq, wk, wv .bias    (C,) each
    h.{i}.attn.c_proj.*                     blocks.{i}.attn.wo.*
    h.{i}.ln_2.*                            blocks.{i}.ln2.*
    h.{i}.mlp.c_fc.*, h.{i}.mlp.c_proj.*    blocks.{i}.mlp.fc.*, blocks.{i}.mlp.proj.*
    [transformer.]ln_f.*                    ln_f.*

GPT-2's linear layers are ``Conv1D`` modules: their weight is ``(in, out)``, as phase 02's
Linear keeps it, so no weight is transposed (a ``torch.nn.Linear`` would need it). ``c_attn``
fuses q, k and v: columns ``[0, C)`` are q, ``[C, 2C)`` k, ``[2C, 3C)`` v. The head is tied to
``wte`` (a file may hold it again as ``lm_head.weight``); files may also hold each layer's
causal mask as ``h.{i}.attn.bias`` (a buffer, not a weight).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from common import load

_io = load(1, "io")
_model = load(5, "model")
GPTConfig, GPT = _model.GPTConfig, _model.GPT


def config_from_hf(hf: dict) -> GPTConfig:
    """A phase-05 config from the fields of GPT-2's ``config.json``: ``vocab_size``,
    ``n_positions`` (→ ``block_size``), ``n_layer``, ``n_head``, ``n_embd``, ``n_inner`` (None:
    ``4 · n_embd``), ``layer_norm_epsilon``; GPT-2's choices otherwise (learned positions,
    LayerNorm, GELU, biases, dropout 0, tied head). ValueError naming the field for what
    your GPT does not compute: another ``model_type`` or ``activation_function`` (``gelu_new``
    and ``gelu_pytorch_tanh`` are both the tanh GELU), an untied head, attention scaled by layer
    index or not at all; and for a value of the wrong type: a size that is not a positive int
    (JSON's ``true`` is a bool, not 1) or a ``layer_norm_epsilon`` that is not a positive number."""
    # YOUR CODE HERE
    raise NotImplementedError("config_from_hf: not written yet; see its docstring and the handout")


RENAME = {"ln_1": "ln1", "ln_2": "ln2", "attn.c_proj": "attn.wo", "mlp.c_fc": "mlp.fc", "mlp.c_proj": "mlp.proj"}


def state_from_hf(tensors: dict[str, np.ndarray], config: GPTConfig) -> dict[str, np.ndarray]:
    """Phase 05's ``state_dict()`` from a GPT-2 file's tensors, as the table above says.

    A leading ``transformer.`` is dropped; ``h.{i}.attn.bias`` / ``.masked_bias`` buffers are
    skipped, and ``lm_head.weight`` too when it equals ``wte.weight``. Every array float32.
    ValueError naming the tensor for one that is left over (unknown, or an untied head) and
    for any that is missing or of the wrong shape.
    """
    # YOUR CODE HERE
    raise NotImplementedError("state_from_hf: not written yet; see its docstring and the handout")


def gpt2_shapes(config: GPTConfig):
    """``(name, shape)`` of every parameter of a GPT-2-style phase-05 GPT. Given."""
    C, F, L = config.n_embd, config.hidden, config.n_layer
    yield "wte.weight", (config.vocab_size, C)
    yield "wpe.weight", (config.block_size, C)
    for i in range(L):
        b = f"blocks.{i}."
        yield from ((b + "ln1.weight", (C,)), (b + "ln1.bias", (C,)))
        for w in ("wq", "wk", "wv", "wo"):
            yield from ((b + f"attn.{w}.weight", (C, C)), (b + f"attn.{w}.bias", (C,)))
        yield from ((b + "ln2.weight", (C,)), (b + "ln2.bias", (C,)))
        yield from ((b + "mlp.fc.weight", (C, F)), (b + "mlp.fc.bias", (F,)),
                    (b + "mlp.proj.weight", (F, C)), (b + "mlp.proj.bias", (C,)))
    yield from (("ln_f.weight", (C,)), ("ln_f.bias", (C,)))


def load_gpt2(folder: str | os.PathLike) -> GPT:
    """Your GPT (eval mode) holding the GPT-2 checkpoint in ``folder`` (``config.json`` and
    ``model.safetensors``, the latter read with phase 01's ``load``). FileNotFoundError naming
    the folder when either file is missing."""
    # YOUR CODE HERE
    raise NotImplementedError("load_gpt2: not written yet; see its docstring and the handout")
