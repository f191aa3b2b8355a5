"""NumPy twins of the two matmul kernels: the same tiles, the same loop order, on the CPU.

A CUDA kernel is hard to debug: no prints worth reading, no stepping, and a wrong index reads
whatever lies in memory. So each kernel of this phase is first written in NumPy *exactly as the
kernel computes*: a loop over the blocks of the grid, and inside, what one block does, with
arrays standing for shared memory and for each thread's registers::

    kernel (matmul_tiled.cu)                       twin (tiled_matmul)
    blockIdx.y, blockIdx.x                         for i0 in range(0, M, tile): for j0 in ...
    __shared__ float As[TILE][TILE]                As = np.zeros((tile, tile))
    each thread loads one element, 0 past edges    As[:h, :w] = A[i0:i0 + h, k0:k0 + w]
    for kk: acc += As[ty][kk] * Bs[kk][tx]         acc += np.outer(As[:, kk], Bs[kk, :])
    if (row < M && col < N) C[...] = acc           C[i0:i0 + h, j0:j0 + w] = acc[:h, :w]

The twin runs on a laptop and is graded there; the kernel is then a translation.
"""

from __future__ import annotations

import numpy as np

TILE = 16
BM, BN, BK, TM, TN = 64, 64, 8, 4, 4


def check_operands(A, B) -> tuple[int, int, int]:
    """``(M, N, K)`` for ``A`` ``(M, K)`` and ``B`` ``(K, N)``; ValueError naming both shapes otherwise. Given."""
    if A.ndim != 2 or B.ndim != 2 or A.shape[1] != B.shape[0]:
        raise ValueError(f"matmul needs A (M, K) and B (K, N), got {A.shape} and {B.shape}")
    return A.shape[0], B.shape[1], A.shape[1]


def tiled_matmul(A: np.ndarray, B: np.ndarray, tile: int = TILE) -> np.ndarray:
    """``A @ B`` ``(M, N)`` float32, computed as ``matmul_tiled.cu`` computes it with ``TILE = tile``.

    For each ``tile x tile`` block of C (``i0``, ``j0`` its first row and column), a float32
    accumulator ``acc`` ``(tile, tile)`` starts at 0; for ``k0 = 0, tile, 2 tile, ...`` the two
    "shared" tiles ``As = A[i0:, k0:]`` and ``Bs = B[k0:, j0:]``, each ``(tile, tile)`` and 0
    where they pass the edge of A or B, are added in one ``kk`` at a time
    (``acc += outer(As[:, kk], Bs[kk, :])``); then the part of ``acc`` inside C is stored.
    """
    M, N, K = check_operands(A, B)
    # Padding with zeros is what the kernel's guarded loads do: a product with 0 adds nothing.
    # YOUR CODE HERE
    raise NotImplementedError("tiled_matmul: not written yet; see its docstring and the handout")


def register_tiled_matmul(A: np.ndarray, B: np.ndarray, bm: int = BM, bn: int = BN, bk: int = BK) -> np.ndarray:
    """``A @ B`` ``(M, N)`` float32, computed as ``matmul_register.cu`` computes it.

    A block owns a ``bm x bn`` tile of C. For ``k0 = 0, bk, 2 bk, ...`` it loads A's ``bm x bk``
    tile *transposed*, ``As`` ``(bk, bm)``, and B's ``bk x bn`` tile ``Bs`` ``(bk, bn)``, 0 past
    the edges; then for each ``kk`` every thread reads its ``TM`` values of ``As[kk]`` and its
    ``TN`` values of ``Bs[kk]`` into registers and adds their outer product to its patch of the
    float32 accumulator ``(bm, bn)``: all threads together, ``acc += outer(As[kk], Bs[kk])``.
    """
    M, N, K = check_operands(A, B)
    # YOUR CODE HERE
    raise NotImplementedError("register_tiled_matmul: not written yet; see its docstring and the handout")
