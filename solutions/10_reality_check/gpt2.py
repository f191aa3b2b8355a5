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
    ### BEGIN SOLUTION
    def need(field, ok, default):
        value = hf.get(field, default)
        if value not in ok:
            raise ValueError(f"config_from_hf: {field}={value!r}, but your GPT computes {ok[0]!r}")

    need("model_type", ("gpt2",), None)
    need("activation_function", ("gelu_new", "gelu_pytorch_tanh"), "gelu_new")
    need("tie_word_embeddings", (True,), True)
    need("scale_attn_weights", (True,), True)
    need("scale_attn_by_inverse_layer_idx", (False,), False)
    for field in ("vocab_size", "n_positions", "n_layer", "n_head", "n_embd", "n_inner"):
        value = hf.get(field)
        if (value is not None or field != "n_inner") and (type(value) is not int or value <= 0):
            raise ValueError(f"config_from_hf: {field}={value!r} is not a positive integer")
    eps = hf.get("layer_norm_epsilon", 1e-5)
    if type(eps) not in (int, float) or not eps > 0:
        raise ValueError(f"config_from_hf: layer_norm_epsilon={eps!r} is not a positive number")
    return GPTConfig(vocab_size=hf["vocab_size"], block_size=hf["n_positions"], n_layer=hf["n_layer"],
                     n_head=hf["n_head"], n_embd=hf["n_embd"], mlp_hidden=hf.get("n_inner"),
                     norm_eps=eps, dropout=0.0)
    ### END SOLUTION


RENAME = {"ln_1": "ln1", "ln_2": "ln2", "attn.c_proj": "attn.wo", "mlp.c_fc": "mlp.fc", "mlp.c_proj": "mlp.proj"}


def state_from_hf(tensors: dict[str, np.ndarray], config: GPTConfig) -> dict[str, np.ndarray]:
    """Phase 05's ``state_dict()`` from a GPT-2 file's tensors, as the table above says.

    A leading ``transformer.`` is dropped; ``h.{i}.attn.bias`` / ``.masked_bias`` buffers are
    skipped, and ``lm_head.weight`` too when it equals ``wte.weight``. Every array float32.
    ValueError naming the tensor for one that is left over (unknown, or an untied head) and
    for any that is missing or of the wrong shape.
    """
    ### BEGIN SOLUTION
    src = {(k[len("transformer."):] if k.startswith("transformer.") else k): v for k, v in tensors.items()}
    C = config.n_embd
    out: dict[str, np.ndarray] = {}
    leftover = []
    for name, value in src.items():
        parts = name.split(".")
        if parts[0] == "h" and name.endswith((".attn.bias", ".attn.masked_bias")):
            continue
        if name == "lm_head.weight" and "wte.weight" in src and np.array_equal(value, src["wte.weight"]):
            continue
        if name in ("wte.weight", "wpe.weight") or parts[0] == "ln_f":
            out[name] = value
        elif parts[0] == "h" and len(parts) == 5 and ".".join(parts[2:4]) == "attn.c_attn":
            i, kind = parts[1], parts[4]
            if value.shape[-1] != 3 * C:
                raise ValueError(f"state_from_hf: {name} has shape {value.shape}, expected its last axis 3 * {C}")
            for j, qkv in enumerate(("wq", "wk", "wv")):
                out[f"blocks.{i}.attn.{qkv}.{kind}"] = value[..., j * C:(j + 1) * C]
        elif parts[0] == "h" and len(parts) >= 4:
            inner = ".".join(parts[2:-1])
            if inner not in RENAME:
                leftover.append(name)
                continue
            out[f"blocks.{parts[1]}.{RENAME[inner]}.{parts[-1]}"] = value
        else:
            leftover.append(name)
    if leftover:
        raise ValueError(f"state_from_hf: the file holds tensors your GPT has no place for: {leftover[:3]}")
    wanted = dict(gpt2_shapes(config))
    missing, extra = [n for n in wanted if n not in out], sorted(set(out) - set(wanted))
    if missing or extra:
        raise ValueError(f"state_from_hf: the file has no tensor for {missing[:3]}" if missing else
                         f"state_from_hf: the file holds tensors your GPT has no place for: {extra[:3]}")
    for name, shape in wanted.items():
        if out[name].shape != shape:
            raise ValueError(f"state_from_hf: {name} comes out {out[name].shape}, your GPT wants {shape}")
    return {n: np.ascontiguousarray(v, dtype=np.float32) for n, v in out.items()}
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    folder = Path(folder)
    for name in ("config.json", "model.safetensors"):
        if not (folder / name).is_file():
            raise FileNotFoundError(f"load_gpt2: {folder} has no {name}")
    config = config_from_hf(json.loads((folder / "config.json").read_text(encoding="utf-8")))
    state = state_from_hf(_io.load(folder / "model.safetensors"), config)
    model = GPT(config, rng=np.random.default_rng(0))
    model.load_state_dict(state)
    return model.eval()
    ### END SOLUTION
