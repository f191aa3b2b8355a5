"""Where a token sits: sinusoidal positions, and rotary position embeddings (RoPE).

Attention by itself is blind to order: permute the tokens and each output is permuted the
same way. A model learns order only from position information we give it:

- **learned** positions: a table ``wpe`` of ``block_size`` vectors, added to the token
  vectors (GPT-2; it is a phase-02 ``Embedding`` and needs no code here);
- **sinusoidal** positions: fixed sines and cosines of geometrically spaced frequencies,
  added to the token vectors (Vaswani et al., 2017);
- **rotary** positions: rotate each pair of query and key features by an angle that grows
  with the position, so that ``q_m · k_n`` depends on ``m - n`` only (Su et al., 2021; Llama).
"""

from __future__ import annotations

import numpy as np

from common import load

_tensor = load(2, "tensor")
Tensor = _tensor.Tensor


def sinusoidal_positions(n_positions: int, dim: int, base: float = 10000.0) -> np.ndarray:
    """The fixed position table ``(n_positions, dim)``, float32, ``dim`` even.

    Row ``p``, columns ``2i`` and ``2i + 1``, for ``i = 0 .. dim/2 - 1``::

        PE[p, 2i]     = sin(p / base ** (2i / dim))
        PE[p, 2i + 1] = cos(p / base ** (2i / dim))

    Column pairs run from fast (``i = 0``, one radian per position) to slow.
    ValueError when ``dim`` is odd.
    """
    if dim % 2:
        raise ValueError(f"sinusoidal positions need an even dim, got {dim}")
    # Compute the angles in float64 as an outer product (positions x frequencies), then cast.
    ### BEGIN SOLUTION
    freqs = base ** (-np.arange(0, dim, 2, dtype=np.float64) / dim)       # (dim/2,)
    angles = np.outer(np.arange(n_positions, dtype=np.float64), freqs)    # (P, dim/2)
    pe = np.empty((n_positions, dim), dtype=np.float64)
    pe[:, 0::2] = np.sin(angles)
    pe[:, 1::2] = np.cos(angles)
    return pe.astype(np.float32)
    ### END SOLUTION


def rope_angles(n_positions: int, head_dim: int, base: float = 10000.0) -> tuple[np.ndarray, np.ndarray]:
    """``(cos, sin)``, each ``(n_positions, head_dim // 2)`` float64, for :func:`apply_rope`.

    Pair ``i`` of the head turns by ``theta_i = base ** (-2i / head_dim)`` radians per
    position, so at position ``p`` by ``p * theta_i``: ``cos[p, i] = cos(p * theta_i)``.
    The same frequencies as the sinusoidal table. ValueError when ``head_dim`` is odd.
    """
    if head_dim % 2:
        raise ValueError(f"RoPE rotates pairs of features: head_dim must be even, got {head_dim}")
    ### BEGIN SOLUTION
    theta = base ** (-np.arange(0, head_dim, 2, dtype=np.float64) / head_dim)
    angles = np.outer(np.arange(n_positions, dtype=np.float64), theta)
    return np.cos(angles), np.sin(angles)
    ### END SOLUTION


def apply_rope(x: Tensor, cos: np.ndarray, sin: np.ndarray) -> Tensor:
    """Rotate the adjacent feature pairs ``(0, 1), (2, 3), ...`` of ``x`` by their angles.

    ``x``: ``(..., T, head_dim)`` queries or keys; ``cos``, ``sin``: ``(T, head_dim // 2)``
    from :func:`rope_angles` (row ``t`` for the token at position ``t``). With ``a = x[..., 2i]``
    and ``b = x[..., 2i + 1]``, the result holds at those places::

        a * cos - b * sin        and        a * sin + b * cos

    the pair ``(a, b)`` read as the complex number ``a + ib`` times ``e^{i angle}`` (this is
    the pairing of Llama and llama2.c). Returns a Tensor of x's shape; gradients flow to x.
    """
    # Take the even and odd features with slices, rotate, then interleave them again
    # (stack on a new last axis and reshape back).
    ### BEGIN SOLUTION
    a, b = x[..., 0::2], x[..., 1::2]                     # (..., T, head_dim/2) each
    even = a * cos - b * sin
    odd = a * sin + b * cos
    return _tensor.stack([even, odd], axis=-1).reshape(*x.shape)
    ### END SOLUTION
