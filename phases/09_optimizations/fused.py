"""Fused cross-entropy and norms, forward and backward, as NumPy twins of one-block-per-row kernels.

Unfused, phase 02's cross-entropy over a vocabulary of V writes ``softmax`` ``(N, V)`` and reads
it back for the loss and again for the gradient; a LayerNorm of phase 05 is a dozen array operations
(graph nodes, or the steps of one node), each a kernel reading and writing a ``(N, C)`` array. A fused kernel gives each row to one block
of threads and keeps everything else in registers:

- **cross-entropy**: pass 1 runs over the row's logits in chunks with a running maximum ``m``
  and running sum ``l`` (the online softmax of ``flash.py``): ``lse = m + log(l)``, the loss is
  ``lse - z[target]``. Pass 2 writes the gradient straight away, ``(exp(z - lse) - onehot) / n``.
  No probability is ever stored.
- **norms**: forward keeps only the row's statistics (``mean`` and ``rstd = 1 / sqrt(var + eps)``
  for LayerNorm, ``rstd`` for RMSNorm); backward uses the closed form, with ``x̂`` the normalised
  row and ``ĝ = dy · w``::

      LayerNorm  dx = rstd · (ĝ - mean(ĝ) - x̂ · mean(ĝ · x̂))      dw = Σ_rows dy · x̂    db = Σ_rows dy
      RMSNorm    dx = rstd · (ĝ - x̂ · mean(ĝ · x̂))                 dw = Σ_rows dy · x̂

Rows are independent, so the twins work on all rows at once and loop only where the kernel
loops: over the chunks of a row.
"""

from __future__ import annotations

import numpy as np


def fused_cross_entropy(logits: np.ndarray, targets: np.ndarray, *, chunk: int = 1024,
                        ignore_index: int = -100) -> tuple[float, np.ndarray]:
    """``(loss, dlogits)`` for ``logits`` ``(N, V)`` and int ``targets`` ``(N,)``: the mean of
    ``lse - z[target]`` over the ``n`` rows whose target is not ``ignore_index`` (0.0 when there are
    none), and its gradient ``(N, V)`` in the logits' dtype, 0 on ignored rows.

    Pass 1 visits the columns ``chunk`` at a time, keeping ``m`` and ``l`` per row and rescaling
    ``l`` by ``exp(m_old - m_new)`` when a chunk raises the maximum; pass 2 writes the gradient.
    """
    # YOUR CODE HERE
    raise NotImplementedError("fused_cross_entropy: not written yet; see its docstring and the handout")


def layernorm_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray | None, eps: float = 1e-5):
    """``(y, mean, rstd)``: ``y = (x - mean) * rstd * w (+ b)`` over the last axis of ``x`` ``(N, C)``,
    with the row statistics ``mean`` and ``rstd = 1 / sqrt(var + eps)`` ``(N,)`` (biased variance)."""
    # YOUR CODE HERE
    raise NotImplementedError("layernorm_forward: not written yet; see its docstring and the handout")


def layernorm_backward(dy: np.ndarray, x: np.ndarray, w: np.ndarray, mean: np.ndarray, rstd: np.ndarray):
    """``(dx, dw, db)`` of :func:`layernorm_forward` from the saved ``mean`` and ``rstd``, in closed form."""
    # YOUR CODE HERE
    raise NotImplementedError("layernorm_backward: not written yet; see its docstring and the handout")


def rmsnorm_forward(x: np.ndarray, w: np.ndarray, eps: float = 1e-5):
    """``(y, rstd)``: ``y = x * rstd * w`` with ``rstd = 1 / sqrt(mean(x²) + eps)`` ``(N,)`` per row."""
    # YOUR CODE HERE
    raise NotImplementedError("rmsnorm_forward: not written yet; see its docstring and the handout")


def rmsnorm_backward(dy: np.ndarray, x: np.ndarray, w: np.ndarray, rstd: np.ndarray):
    """``(dx, dw)`` of :func:`rmsnorm_forward` from the saved ``rstd``, in closed form."""
    # YOUR CODE HERE
    raise NotImplementedError("rmsnorm_backward: not written yet; see its docstring and the handout")
