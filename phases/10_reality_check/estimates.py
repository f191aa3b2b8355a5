"""Estimates on paper: parameters, FLOPs, memory and time to train, from a config alone.

Nothing here builds a model, so the same functions size the demo GPT and GPT-3. Sizes, with
``C = n_embd``, ``H = n_head · head_dim`` (= C), ``K = n_kv_head · head_dim``, ``F`` the MLP's
width, ``V`` the vocabulary, ``L`` the layers and ``T`` the context a token attends over::

    matrix products per token and layer, forward (2 FLOPs per multiply-add):
        q, k, v      2·C·(H + 2K)         wo     2·H·C
        q @ kᵀ       2·T·H                att @ v  2·T·H        (the whole context, mask or not)
        MLP          2·2·C·F (GELU)  or  3·2·C·F (SwiGLU)
    and once per token the head, 2·C·V. Backward costs twice forward: every product
    ``Y = X @ W`` needs both ``dX = dY @ Wᵀ`` and ``dW = Xᵀ @ dY``.

Only matrix products count (element-wise work is a few per cent), as PyTorch's
``torch.utils.flop_counter.FlopCounterMode`` counts them.
"""

from __future__ import annotations

from common import load

_model = load(5, "model")
GPTConfig = _model.GPTConfig
count_parameters = _model.count_parameters

# GPT-2's four sizes (Radford et al., 2019): (n_layer, n_embd, n_head). Given.
GPT2_SIZES = {"gpt2": (12, 768, 12), "gpt2-medium": (24, 1024, 16), "gpt2-large": (36, 1280, 20),
              "gpt2-xl": (48, 1600, 25)}
# Bytes per parameter of each part of the training state (phase 08): in "fp16" the model's
# float16 copy (2) beside the float32 master (4), for weights and for gradients alike.
STATE_BYTES = {"fp32": {"weights": 4, "grads": 4, "optimizer": 8},
               "fp16": {"weights": 6, "grads": 6, "optimizer": 8}}
ACTIVATION_BYTES = {"fp32": 4, "fp16": 2}


def gpt2_config(name: str) -> GPTConfig:
    """GPT-2 ``name`` (a key of :data:`GPT2_SIZES`) as a phase-05 config: vocabulary 50,257,
    context 1,024, learned positions, LayerNorm, GELU, biases, tied head.
    KeyError naming the four sizes for any other name."""
    # YOUR CODE HERE
    raise NotImplementedError("gpt2_config: not written yet; see its docstring and the handout")


def flops_per_token(config: GPTConfig, seq_len: int | None = None) -> tuple[int, int]:
    """``(forward, backward)`` FLOPs per token at a context of ``seq_len`` tokens (default
    ``block_size``): the matrix products of the table above, summed over the layers, plus the
    head. Ints."""
    # YOUR CODE HERE
    raise NotImplementedError("flops_per_token: not written yet; see its docstring and the handout")


def training_flops(config: GPTConfig, tokens: float, seq_len: int | None = None) -> float:
    """FLOPs to train on ``tokens`` tokens: forward and backward for every one of them."""
    # YOUR CODE HERE
    raise NotImplementedError("training_flops: not written yet; see its docstring and the handout")


def training_seconds(flops: float, peak_flops: float, mfu: float) -> float:
    """Seconds to do ``flops`` FLOPs on a device of peak ``peak_flops`` FLOP/s running at the
    model FLOPs utilisation ``mfu`` (a fraction). ValueError unless ``0 < mfu <= 1`` and
    ``peak_flops > 0``."""
    # YOUR CODE HERE
    raise NotImplementedError("training_seconds: not written yet; see its docstring and the handout")


def activation_floats(config: GPTConfig, seq_len: int | None = None, checkpointing: bool = False) -> int:
    """The numbers one token keeps for backward (at a context of ``seq_len``, default
    ``block_size``; dropout off). Each layer keeps the inputs of its products and nonlinearities:

    - its two norms' inputs and outputs: ``4·C``
    - q and the attention output (the input of wo): ``2·H``; k and v: ``2·K``
    - the attention probabilities, one row of T per head: ``n_head·T``
    - the MLP: ``2·F`` for GELU (fc's output, GELU's output), ``4·F`` for SwiGLU (w1's and w3's
      outputs, SiLU's output, the product)

    and the model once: the final norm's input and output and the logits and their softmax,
    ``2·C + 2·V``. With ``checkpointing`` a layer keeps only its input (``C``) until backward
    reaches it, and then one layer at a time holds everything again: ``L·C`` + one layer.
    """
    # YOUR CODE HERE
    raise NotImplementedError("activation_floats: not written yet; see its docstring and the handout")


def training_memory(config: GPTConfig, batch_size: int, seq_len: int | None = None, *, precision: str = "fp32",
                    checkpointing: bool = False) -> dict[str, int]:
    """Bytes of a training step by part: ``{"weights", "grads", "optimizer", "activations",
    "total"}``. The first three are :data:`STATE_BYTES` times :func:`count_parameters`; the
    activations are ``batch_size · seq_len`` tokens of :func:`activation_floats`, each float
    :data:`ACTIVATION_BYTES` wide. ValueError naming the two precisions for any other."""
    # YOUR CODE HERE
    raise NotImplementedError("training_memory: not written yet; see its docstring and the handout")
