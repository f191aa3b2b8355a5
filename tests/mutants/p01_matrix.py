"""Learner bugs in phase 01's matrix.py, each caught and named by phases/01_foundations/test_matrix.py."""

MUTANTS = [
    # from_list: the error names the wrong row (the pattern must not match a number elsewhere)
    {"name": "p01_from_list_wrong_row", "phase": 1, "module": "matrix.py", "task": "matrix_from_list_tolist",
     "old": 'raise ValueError(f"ragged rows: row {i} has {len(row)} values, row 0 has {cols}")',
     "new": 'raise ValueError(f"ragged rows: row {i - 1} has {len(row)} values, row 0 has {cols}")',
     "says": ["which row (4)"]},
    {"name": "p01_from_list_no_length", "phase": 1, "module": "matrix.py", "task": "matrix_from_list_tolist",
     "old": 'raise ValueError(f"ragged rows: row {i} has {len(row)} values, row 0 has {cols}")',
     "new": 'raise ValueError(f"ragged rows: row {i} is not as long as row 0 ({cols} values)")',
     "says": ["which length (2)"]},
    {"name": "p01_tolist_rows_for_cols", "phase": 1, "module": "matrix.py", "task": "matrix_from_list_tolist",
     "old": "        c = self.cols\n        return [self.data[i * c : (i + 1) * c] for i in range(self.rows)]",
     "new": "        c = self.rows\n        return [self.data[i * c : (i + 1) * c] for i in range(self.rows)]",
     "says": ["list of"]},
    # element-wise: the shape check and the operand order
    {"name": "p01_elementwise_length_check", "phase": 1, "module": "matrix.py", "task": "matrix_shape_errors",
     "old": "if other.shape != self.shape:", "new": "if len(other.data) != len(self.data):",
     "says": ["equal lengths of data are not enough"]},
    {"name": "p01_elementwise_swapped_scalar", "phase": 1, "module": "matrix.py", "task": "matrix_elementwise",
     "old": "values = [op(a, other) for a in self.data]", "new": "values = [op(other, a) for a in self.data]",
     "says": ["op(element, other)"]},
    # matmul: the loop state and the strides
    {"name": "p01_matmul_row_not_reset", "phase": 1, "module": "matrix.py", "task": "matrix_matmul",
     "old": "        for i in range(n):\n            row = [0.0] * m\n",
     "new": "        row = [0.0] * m\n        for i in range(n):\n",
     "says": ["sum over p"]},
    {"name": "p01_matmul_wrong_stride", "phase": 1, "module": "matrix.py", "task": "matrix_matmul",
     "old": "a_ip, b_row = a[i * k + p], b[p * m : (p + 1) * m]",
     "new": "a_ip, b_row = a[i * m + p], b[p * m : (p + 1) * m]",
     "says": ["sum over p"]},
    # transpose and dot
    {"name": "p01_transpose_stride_rows", "phase": 1, "module": "matrix.py", "task": "matrix_transpose",
     "old": "for x in self.data[j::c]]", "new": "for x in self.data[j::self.rows]]",
     "says": ["out[j, i] = self[i, j]"]},
    {"name": "p01_dot_any_shape", "phase": 1, "module": "matrix.py", "task": "matrix_shape_errors",
     "old": "if 1 not in self.shape or 1 not in other.shape or len(self.data) != len(other.data):",
     "new": "if len(self.data) != len(other.data):",
     "says": ["must be vectors"]},
    {"name": "p01_dot_returns_matrix", "phase": 1, "module": "matrix.py", "task": "matrix_dot",
     "old": "return float(sum(u * v for u, v in zip(self.data, other.data)))",
     "new": "return Matrix(1, 1, [sum(u * v for u, v in zip(self.data, other.data))])",
     "says": ["not a 1 x 1 matrix"]},
    # boundaries, aliasing, laziness and types a first version gets wrong
    {"name": "p01_dot_length_unchecked", "phase": 1, "module": "matrix.py", "task": "matrix_shape_errors",
     "old": "if 1 not in self.shape or 1 not in other.shape or len(self.data) != len(other.data):",
     "new": "if 1 not in self.shape or 1 not in other.shape:",
     "says": ["same number of entries"]},
    {"name": "p01_dot_same_orientation", "phase": 1, "module": "matrix.py", "task": "matrix_dot",
     "old": "if 1 not in self.shape or 1 not in other.shape or len(self.data) != len(other.data):",
     "new": "if 1 not in self.shape or self.shape != other.shape:",
     "says": ["a row may be dotted with a column"]},
    {"name": "p01_from_list_total_only", "phase": 1, "module": "matrix.py", "task": "matrix_from_list_tolist",
     "old": "        for i, row in enumerate(rows):\n            if len(row) != cols:\n",
     "new": "        for i, row in enumerate(rows[:0]):\n            if len(row) != cols:\n",
     "says": ["which row (4)"]},
    {"name": "p01_matmul_check_one_way", "phase": 1, "module": "matrix.py", "task": "matrix_shape_errors",
     "old": "        if k != k2:\n",
     "new": "        if k > k2:\n",
     "says": ["self.cols == other.rows"]},
]

ALTERNATIVES = [
    {"name": "p01_alt_matmul_ijp", "phase": 1, "module": "matrix.py", "task": "matrix_matmul",
     "old": ("        for i in range(n):\n            row = [0.0] * m\n            for p in range(k):\n"
             "                a_ip, b_row = a[i * k + p], b[p * m : (p + 1) * m]\n"
             "                for j in range(m):\n                    row[j] += a_ip * b_row[j]\n            out.extend(row)\n"),
     "new": ("        for i in range(n):\n            for j in range(m):\n                s = 0.0\n"
             "                for p in range(k):\n                    s += a[i * k + p] * b[p * m + j]\n"
             "                out.append(s)\n")},
    {"name": "p01_alt_transpose_loops", "phase": 1, "module": "matrix.py", "task": "matrix_transpose",
     "old": "        return Matrix(c, self.rows, [x for j in range(c) for x in self.data[j::c]])",
     "new": "        return Matrix(c, self.rows, [self[i, j] for j in range(c) for i in range(self.rows)])"},
    {"name": "p01_alt_dot_fsum", "phase": 1, "module": "matrix.py", "task": "matrix_dot",
     "old": "return float(sum(u * v for u, v in zip(self.data, other.data)))",
     "new": "return math.fsum(u * v for u, v in zip(self.data, other.data))\n\n\nimport math  # noqa: E402"},
    {"name": "p01_alt_from_list_one_based", "phase": 1, "module": "matrix.py", "task": "matrix_from_list_tolist",
     "old": 'raise ValueError(f"ragged rows: row {i} has {len(row)} values, row 0 has {cols}")',
     "new": 'raise ValueError(f"ragged input: row number {i + 1} has length {len(row)}, expected {cols}")'},
]
