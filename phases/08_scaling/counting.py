"""Counting: parameters, FLOPs, the share of the GPU's peak a run uses, and memory.

A training step costs about ``6 N`` floating-point operations per token for a model whose
matrix products hold ``N`` weights: each weight is one multiply and one add (2 FLOPs) in the
forward pass, and twice that in the backward pass (the gradient of the input *and* of the
weight): 2 + 4 = 6. Attention adds matrix products that have no weights: ``q @ kᵀ`` and
``att @ v`` cost ``2 · T · n_embd`` FLOPs each per token and layer forward, times 3 for
training: ``12 · n_layer · n_embd · T`` (counted over the whole context, as PaLM's appendix
does, although the causal mask leaves half of it unused).

MFU, the model FLOPs utilisation, divides what the run achieves by what the chip could::

    MFU = tokens_per_second * flops_per_token / peak_flops

where the peak is the device's dense peak for the arithmetic in use (float32, TF32 or
float16): a well-tuned large run reaches 40–60 %; the course's framework, launching one
kernel per NumPy-style operation, much less.
"""

from __future__ import annotations

# Dense peaks in TFLOP/s from NVIDIA's data sheets (no sparsity), per arithmetic:
# "fp32" (CUDA cores), "tf32" and "fp16" (tensor cores, float32 accumulation). Given.
PEAK_TFLOPS = {
    "H100": {"fp32": 67.0, "tf32": 494.7, "fp16": 989.4},          # SXM; GH200 and H200 alike
    "H100 PCIe": {"fp32": 51.2, "tf32": 378.0, "fp16": 756.0},
    "H100 NVL": {"fp32": 60.0, "tf32": 417.5, "fp16": 835.0},
    "H200": {"fp32": 67.0, "tf32": 494.7, "fp16": 989.4},
    "GH200": {"fp32": 67.0, "tf32": 494.7, "fp16": 989.4},
    "A100": {"fp32": 19.5, "tf32": 156.0, "fp16": 312.0},
    "L4": {"fp32": 30.3, "tf32": 60.0, "fp16": 121.0},
    "L40S": {"fp32": 91.6, "tf32": 183.0, "fp16": 362.0},
    "V100": {"fp32": 15.7, "tf32": 15.7, "fp16": 125.0},          # no TF32: float32 runs as float32
    "T4": {"fp32": 8.1, "tf32": 8.1, "fp16": 65.0},
    "RTX 3090": {"fp32": 35.6, "tf32": 35.6, "fp16": 71.0},
    "RTX 4090": {"fp32": 82.6, "tf32": 82.6, "fp16": 165.2},
}
# Bytes of training state per parameter: weights, gradients and AdamW's two moments.
#   fp32: 4 weight + 4 grad + 8 moments; fp16: 2 weight + 2 grad (the model), 4 master weight + 4 master grad + 8 moments
STATE_BYTES = {"fp32": 16, "fp16": 20}


def flop_parameters(model) -> int:
    """``N`` of the ``6N`` rule: the parameters a token is multiplied by, counted once.

    Every parameter of ``model.parameters()`` except the tables a token only looks up: the
    learned position table ``wpe`` (when ``config.position == "learned"``), and the token table
    ``wte`` unless it is tied to the head (then it *is* the head's weight, a matrix product).
    """
    # YOUR CODE HERE
    raise NotImplementedError("flop_parameters: not written yet; see its docstring and the handout")


def training_flops_per_token(model) -> int:
    """FLOPs of one training step per token: ``6 * N + 12 * n_layer * n_embd * block_size``,
    ``N`` from :func:`flop_parameters` and the sizes from ``model.config``."""
    # YOUR CODE HERE
    raise NotImplementedError("training_flops_per_token: not written yet; see its docstring and the handout")


def peak_flops(device_name: str, arithmetic: str) -> float | None:
    """The dense peak of ``device_name`` for ``arithmetic`` ("fp32", "tf32" or "fp16") in
    FLOP/s (not TFLOP/s), or None for a device the table does not know.

    A key of :data:`PEAK_TFLOPS` matches when it appears in the name, ignoring case
    ("NVIDIA H100 80GB HBM3" holds "H100"); when several match, the longest wins ("NVIDIA
    H100 PCIe" is an "H100 PCIe", "NVIDIA L40S" an "L40S", not an "L4").
    ValueError naming the three arithmetics for any other ``arithmetic``.
    """
    # YOUR CODE HERE
    raise NotImplementedError("peak_flops: not written yet; see its docstring and the handout")


def mfu(tokens_per_s: float, flops_per_token: float, peak: float | None) -> float | None:
    """The model FLOPs utilisation, a fraction (0.3 is 30 %); None when ``peak`` is None."""
    # YOUR CODE HERE
    raise NotImplementedError("mfu: not written yet; see its docstring and the handout")


def state_bytes(n_params: int, precision: str) -> int:
    """Bytes of weights, gradients and AdamW moments for ``n_params`` parameters trained in
    ``precision`` ("fp32" or "fp16", see :data:`STATE_BYTES`); activations come on top.
    ValueError naming the two precisions for any other."""
    # YOUR CODE HERE
    raise NotImplementedError("state_bytes: not written yet; see its docstring and the handout")
