"""Activation checkpointing: keep a block's input, forget its activations, recompute them in backward.

Backward needs what forward computed: every block of a GPT keeps its attention weights, its MLP's
hidden layer, its norms' outputs until backward reaches it. For a deep model at a long context
these activations, not the weights, fill the memory. A checkpointed block runs forward without
recording a graph (its activations are freed at once) and keeps only its input. When backward
reaches it, it runs the block again, this time recording, and backpropagates through that::

    forward:   x ──block (no graph)──▶ y              kept: x
    backward:  x ──block (graph)──▶ y'  y'.backward(g) → x.grad, and the block's parameters' .grad

One extra forward pass per block buys memory that grows with one block instead of all of them.
The recomputation must compute exactly what forward computed, so a block with dropout must draw
the same masks again: its generators are wound back to where they stood before the block's
forward, and afterwards put back where they were, so the rest of the run draws what it would have
drawn without checkpointing.
"""

from __future__ import annotations

import numpy as np

from common import load

_tensor = load(2, "tensor")
Tensor = _tensor.Tensor
generators = load(6, "trainer").model_rngs  # phase 06's: the distinct generators a module's layers draw from


def checkpoint(block, x: Tensor, *args) -> Tensor:
    """``block(x, *args)`` without keeping its graph: a Tensor (op ``"checkpoint"``) whose parents
    are ``x`` and the block's parameters, and whose backward recomputes the block and
    backpropagates through it.

    Forward: the generators' states saved, then ``block(x, *args)`` under ``no_grad``. Backward
    (given ``g``): the generators wound back to the saved states, ``block`` run again on a fresh
    leaf holding ``x``'s data (``requires_grad=True``), ``backward(g)`` on its output (which adds
    into the parameters' ``.grad``), the generators put back as they were when backward began;
    the gradient for ``x`` is the leaf's ``.grad``, and None for every parameter (already added).
    """
    ### BEGIN SOLUTION
    gens = generators(block)
    before = [gen.bit_generator.state for gen in gens]
    with _tensor.no_grad():
        out = block(x, *args)
    params = block.parameters()

    def backward(g):
        now = [gen.bit_generator.state for gen in gens]
        for gen, state in zip(gens, before):
            gen.bit_generator.state = state
        leaf = Tensor(x.data, requires_grad=True)
        try:
            block(leaf, *args).backward(g)
        finally:
            for gen, state in zip(gens, now):
                gen.bit_generator.state = state
        return (leaf.grad, *(None for _ in params))

    return Tensor._make(out.data, (x, *params), backward, "checkpoint")
    ### END SOLUTION


def forward_checkpointed(model, idx, is_pad=None) -> Tensor:
    """Phase 05's ``GPT.forward`` with every block run through :func:`checkpoint`: the same logits
    ``(B, T, vocab_size)``, the same gradients, the activations of one block at a time."""
    # The embeddings, the final norm and the head as in GPT.forward; only the blocks change.
    ### BEGIN SOLUTION
    idx = idx.data if isinstance(idx, Tensor) else idx
    c = model.config
    T = idx.shape[1]
    x = model.wte(idx)
    if c.position == "learned":
        x = x + model.wpe(np.arange(T))
    elif c.position == "sinusoidal":
        x = x + model.pe[:T]
    x = model.drop(x)
    for block in model.blocks:
        x = checkpoint(block, x, is_pad)
    x = model.ln_f(x)
    return x @ model.wte.weight.T if c.tie_weights else model.lm_head(x)
    ### END SOLUTION
