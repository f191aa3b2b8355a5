"""Learner bugs in phase 09's CUDA kernels that nvcc refuses, caught by phases/09_optimizations/test_kernels.py
(kernels_compile). A kernel that compiles but computes the wrong thing is graded on a GPU only (gpu_matmul)."""

MUTANTS = [
    {"name": "p09_cu_tiled_2d_index", "phase": 9, "module": "matmul_tiled.cu", "task": "kernels_compile",
     "old": "        As[ty][tx] = (row < M && a_col < K) ? A[row * K + a_col] : 0.0f;\n",
     "new": "        As[ty][tx] = (row < M && a_col < K) ? A[row][a_col] : 0.0f;\n",
     "says": ["nvcc --ptx matmul_tiled.cu failed"]},
    {"name": "p09_cu_register_2d_index", "phase": 9, "module": "matmul_register.cu", "task": "kernels_compile",
     "old": "            Bs[r][c] = (gr < K && gc < N) ? B[gr * N + gc] : 0.0f;\n",
     "new": "            Bs[r][c] = (gr < K && gc < N) ? B[gr][gc] : 0.0f;\n",
     "says": ["nvcc --ptx matmul_register.cu failed"]},
]
