"""Grader for tiles.py: both NumPy twins against NumPy's float64 matmul, at one element, at one
tile, at exact multiples of the tile, and at sizes that leave a ragged edge on every side
(M, N and K each one more or one less than a multiple), with tile sizes 1, 4 and 16.
"""

from __future__ import annotations

import numpy as np

from common.checks import assert_close, calling, expect_raises, require
from grader import task

SHAPES = [(1, 1, 1), (16, 16, 16), (64, 64, 64), (17, 15, 33), (33, 65, 7), (5, 70, 129), (130, 3, 64), (1, 200, 1)]


def check(kit, fn, label, shapes, tiles=(16, 16, 16), **kw):
    """``tiles``: the (rows, columns, K) of a tile of C and of a step along K, for the edge hints."""
    g = np.random.default_rng(3)
    for M, N, K in shapes:
        A = g.standard_normal((M, K)).astype(np.float32)
        B = g.standard_normal((K, N)).astype(np.float32)
        what = f"{label}(A {M}x{K}, B {K}x{N}{''.join(f', {k}={v}' for k, v in kw.items())})"
        with calling(what):
            C = fn(A, B, **kw)
        C = np.asarray(C)
        require(C.shape == (M, N) and C.dtype == np.float32, f"{what}: expected float32 ({M}, {N}), got {C.dtype} "
                                                            f"{C.shape}")
        want = A.astype(np.float64) @ B.astype(np.float64)
        edge = None
        bad = ~np.isclose(C, want, rtol=1e-4, atol=1e-4 * np.sqrt(K))
        tm, tn, tk = tiles
        if bad.any():
            rows, cols = np.nonzero(bad)
            edge = ("the wrong elements are all in the last, partial tiles: guard the loads (0 past the edge of A or B) "
                    "and the stores (only inside C)")
            ragged = bool(M % tm or N % tn)
            inside = (rows < M - M % tm) & (cols < N - N % tn) if ragged else np.ones_like(rows, bool)
            last = (K - 1) // tk * tk                     # where the last step along K starts
            if K > tk and np.allclose(C, A[:, last:].astype(np.float64) @ B[last:].astype(np.float64),
                                      rtol=1e-4, atol=1e-4 * np.sqrt(K)):
                edge = ("only the last step along K counts: the accumulator starts at 0 once per tile of C, "
                        "before the loop over K, never inside it")
            elif inside.any() and K % tk == 0:
                edge = None
            elif K % tk and not ragged:
                edge = "K is not a multiple of the tile: the last step along K must read 0 past the edge of A and B"
        assert_close(C, want, what=what, rtol=1e-4, atol=1e-4 * np.sqrt(K), hint=edge)
    with expect_raises(ValueError, f"{label}(A 3x4, B 5x2)"):
        fn(np.ones((3, 4), np.float32), np.ones((5, 2), np.float32), **kw)


@task(points=3, timeout=60)
def test_tiled_matmul(kit):
    """The shared-memory tiling, any shape, tiles of 16, 4 and 1."""
    T = kit.p9("tiles")
    check(kit, T.tiled_matmul, "tiled_matmul", SHAPES)
    check(kit, T.tiled_matmul, "tiled_matmul", [(9, 7, 10), (4, 4, 4), (3, 13, 2)], tiles=(4, 4, 4), tile=4)
    check(kit, T.tiled_matmul, "tiled_matmul", [(3, 2, 5)], tiles=(1, 1, 1), tile=1)


@task(points=3, timeout=60)
def test_register_tiled_matmul(kit):
    """64 x 64 tiles of C, 8 along K, A's tile transposed; any shape and other tile sizes."""
    T = kit.p9("tiles")
    check(kit, T.register_tiled_matmul, "register_tiled_matmul", SHAPES, tiles=(64, 64, 8))
    check(kit, T.register_tiled_matmul, "register_tiled_matmul", [(20, 9, 11), (8, 8, 8)], tiles=(8, 4, 3),
          bm=8, bn=4, bk=3)
