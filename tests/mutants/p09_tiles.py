"""Learner bugs in phase 09's tiles.py, each caught and named by phases/09_optimizations/test_tiles.py."""

T_LOAD_A = "                As[:a.shape[0], :a.shape[1]] = a\n"
T_LOAD_B = "                Bs[:b.shape[0], :b.shape[1]] = b\n"
T_SLICES = "                a, b = A[i0:i0 + tile, k0:k0 + tile], B[k0:k0 + tile, j0:j0 + tile]\n"
T_ACC = "            acc = np.zeros((tile, tile), dtype=np.float32)\n            for k0 in range(0, K, tile):\n"
T_STORE = "            h, w = min(tile, M - i0), min(tile, N - j0)\n            C[i0:i0 + h, j0:j0 + w] = acc[:h, :w]\n"
T_KK = "                    acc += np.outer(As[:, kk], Bs[kk, :])\n"
R_LOAD_A = "                As[:a.shape[1], :a.shape[0]] = a.T\n"
R_ACC = "            acc = np.zeros((bm, bn), dtype=np.float32)\n            for k0 in range(0, K, bk):\n"
R_STORE = "            h, w = min(bm, M - i0), min(bn, N - j0)\n"
R_KK = "                    acc += np.outer(As[kk], Bs[kk])\n"

MUTANTS = [
    # tiled_matmul: zero-padded loads, a float32 accumulator per tile of C, guarded stores
    {"name": "p09_tiled_float64_output", "phase": 9, "module": "tiles.py", "task": "tiled_matmul",
     "old": "    C = np.zeros((M, N), dtype=np.float32)\n    for i0 in range(0, M, tile):\n",
     "new": "    C = np.zeros((M, N))\n    for i0 in range(0, M, tile):\n",
     "says": ["expected float32 (1, 1), got float64"]},
    {"name": "p09_tiled_no_padding", "phase": 9, "module": "tiles.py", "task": "tiled_matmul",
     "old": T_LOAD_A + T_LOAD_B,
     "new": "                As, Bs = a, b\n",
     "says": ["tiled_matmul(a 1x1, b 1x1) raised indexerror"]},
    {"name": "p09_tiled_k_stops_early", "phase": 9, "module": "tiles.py", "task": "tiled_matmul",
     "old": "            for k0 in range(0, K, tile):\n                As = np.zeros((tile, tile), dtype=np.float32)\n",
     "new": "            for k0 in range(0, K - tile, tile):\n                As = np.zeros((tile, tile), dtype=np.float32)\n",
     "says": ["0 past the edge of a or b"]},
    {"name": "p09_tiled_k_drops_partial", "phase": 9, "module": "tiles.py", "task": "tiled_matmul",
     "old": "            for k0 in range(0, K, tile):\n                As = np.zeros((tile, tile), dtype=np.float32)\n",
     "new": "            for k0 in range(0, K - K % tile, tile):\n                As = np.zeros((tile, tile), dtype=np.float32)\n",
     "says": ["0 past the edge of a or b"]},
    {"name": "p09_tiled_rows_drop_partial", "phase": 9, "module": "tiles.py", "task": "tiled_matmul",
     "old": "    for i0 in range(0, M, tile):\n        for j0 in range(0, N, tile):\n            acc = np.zeros((tile, tile)",
     "new": "    for i0 in range(0, M - M % tile, tile):\n        for j0 in range(0, N, tile):\n            acc = np.zeros((tile, tile)",
     "says": ["last, partial tiles", "the stores (only inside c)"]},
    {"name": "p09_tiled_store_edge_from_m", "phase": 9, "module": "tiles.py", "task": "tiled_matmul",
     "old": T_STORE,
     "new": "            h, w = min(tile, M - i0), min(tile, M - j0)\n            C[i0:i0 + h, j0:j0 + w] = acc[:h, :w]\n",
     "says": ["tiled_matmul(a 17x33, b 33x15) raised valueerror: could not broadcast"]},
    {"name": "p09_tiled_store_unguarded", "phase": 9, "module": "tiles.py", "task": "tiled_matmul",
     "old": T_STORE,
     "new": "            C[i0:i0 + tile, j0:j0 + tile] = acc\n",
     "says": ["tiled_matmul(a 1x1, b 1x1) raised valueerror"]},
    # register_tiled_matmul: A's tile transposed, bm x bn tiles of C, bk along K
    {"name": "p09_register_as_not_transposed", "phase": 9, "module": "tiles.py", "task": "register_tiled_matmul",
     "old": R_LOAD_A, "new": "                As[:a.shape[1], :a.shape[0]] = a\n",
     "says": ["register_tiled_matmul(a 16x16, b 16x16) raised valueerror"]},
    {"name": "p09_register_k_stops_early", "phase": 9, "module": "tiles.py", "task": "register_tiled_matmul",
     "old": R_ACC,
     "new": "            acc = np.zeros((bm, bn), dtype=np.float32)\n            for k0 in range(0, K - bk, bk):\n",
     "says": ["0 past the edge of a or b"]},
    {"name": "p09_register_store_edge_from_m", "phase": 9, "module": "tiles.py", "task": "register_tiled_matmul",
     "old": R_STORE, "new": "            h, w = min(bm, M - i0), min(bn, M - j0)\n",
     "says": ["register_tiled_matmul(a 17x33, b 33x15) raised valueerror: could not broadcast"]},
    {"name": "p09_tiled_acc_reset_per_k", "phase": 9, "module": "tiles.py", "task": "tiled_matmul",
     "old": "            acc = np.zeros((tile, tile), dtype=np.float32)\n            for k0 in range(0, K, tile):\n",
     "new": "            for k0 in range(0, K, tile):\n                acc = np.zeros((tile, tile), dtype=np.float32)\n",
     "says": ["only the last step along k counts"]},
    {"name": "p09_register_acc_reset_per_k", "phase": 9, "module": "tiles.py", "task": "register_tiled_matmul",
     "old": "            acc = np.zeros((bm, bn), dtype=np.float32)\n            for k0 in range(0, K, bk):\n",
     "new": "            for k0 in range(0, K, bk):\n                acc = np.zeros((bm, bn), dtype=np.float32)\n",
     "says": ["only the last step along k counts"]},
]

# Correct code written another way: each must keep full marks.
ALTERNATIVES = [
    {"name": "p09_alt_tiled_column_times_row", "phase": 9, "module": "tiles.py", "task": "tiled_matmul",
     "old": T_KK, "new": "                    acc += As[:, kk:kk + 1] * Bs[kk:kk + 1, :]\n"},
    {"name": "p09_alt_tiled_b_guard_from_a", "phase": 9, "module": "tiles.py", "task": "tiled_matmul",
     "old": T_LOAD_A + T_LOAD_B, "new": T_LOAD_A + "                Bs[:a.shape[1], :b.shape[1]] = b\n"},
    {"name": "p09_alt_tiled_float64_acc", "phase": 9, "module": "tiles.py", "task": "tiled_matmul",
     "old": T_ACC,
     "new": "            acc = np.zeros((tile, tile))\n            for k0 in range(0, K, tile):\n"},
    {"name": "p09_alt_tiled_kk_stops_at_k", "phase": 9, "module": "tiles.py", "task": "tiled_matmul",
     "old": "                for kk in range(tile):\n" + T_KK,
     "new": "                for kk in range(min(tile, K)):\n" + T_KK},
    {"name": "p09_alt_tiled_tile_matmul", "phase": 9, "module": "tiles.py", "task": "tiled_matmul",
     "old": "                for kk in range(tile):\n" + T_KK, "new": "                acc += As @ Bs\n"},
    {"name": "p09_alt_register_broadcast", "phase": 9, "module": "tiles.py", "task": "register_tiled_matmul",
     "old": R_KK, "new": "                    acc += As[kk][:, None] * Bs[kk][None, :]\n"},
    {"name": "p09_alt_register_load_by_loop", "phase": 9, "module": "tiles.py", "task": "register_tiled_matmul",
     "old": R_LOAD_A,
     "new": ("                for r in range(a.shape[0]):\n"
             "                    for c in range(a.shape[1]):\n"
             "                        As[c, r] = a[r, c]\n")},
]
