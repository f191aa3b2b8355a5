"""Learner bugs in phase 02's Tensor (tensor.py, elementwise.py, reductions.py, shapes.py), each caught and named by phases/02_autograd/test_backward.py and test_tensor_ops.py."""

MUTANTS = [
    # backward: accumulation, aliasing, the seed's shape
    {"name": "p02_backward_overwrite_parent_grad", "phase": 2, "module": "tensor.py", "task": "backward_order",
     "old": "grads[key] = grads[key] + pg", "new": "grads[key] = pg",
     "says": ["overwrote", "add them"]},
    {"name": "p02_backward_leaf_overwrite", "phase": 2, "module": "tensor.py", "task": "accumulation",
     "old": "                    node.grad += g\n", "new": "                    node.grad = g\n",
     "says": ["leaves accumulate"]},
    {"name": "p02_backward_keeps_broadcast_view", "phase": 2, "module": "tensor.py", "task": "accumulation",
     "old": "elif not (g.flags.c_contiguous and g.flags.owndata and id(g) not in handed_out):",
     "new": "elif False:",
     "says": ["read-only", "writable copy"]},
    {"name": "p02_backward_grad_shape_unchecked", "phase": 2, "module": "tensor.py", "task": "nonscalar_backward_error",
     "old": "            if grad.shape != self.shape:\n                raise",
     "new": "            if grad.ndim != self.ndim:\n                raise",
     "says": ["shape", "(2, 3)"]},
    {"name": "p02_backward_seed_aliased", "phase": 2, "module": "tensor.py", "task": "accumulation",
     "old": "        handed_out = {id(grad)} if seeded else set()\n", "new": "        handed_out = set()\n",
     "says": ["caller's array"]},
    # _unbroadcast: the kept axes of size 1
    {"name": "p02_unbroadcast_leading_only", "phase": 2, "module": "elementwise.py", "task": "unbroadcast",
     "old": "    if axes:\n        grad = grad.sum(axis=axes, keepdims=True)\n", "new": "",
     "says": ["keepdims"]},
    # activations at their kink
    {"name": "p02_relu_grad_one_at_zero", "phase": 2, "module": "elementwise.py", "task": "tanh_relu_sigmoid_gelu",
     "old": "lambda g: (g * (a.data > 0),)", "new": "lambda g: (g * (a.data >= 0),)",
     "says": ["at exactly 0", "x > 0"]},
    {"name": "p02_gelu_grad_drops_x_term", "phase": 2, "module": "elementwise.py", "task": "tanh_relu_sigmoid_gelu",
     "old": "            d *= x\n            hh = h * h\n", "new": "            hh = h * h\n",
     "says": ["gelu"]},
    {"name": "p02_max_ties_full_gradient", "phase": 2, "module": "reductions.py", "task": "max",
     "old": "share = _expand(g, axis, keepdims, a.ndim) / mask.sum(axis=axis, keepdims=True)",
     "new": "share = _expand(g, axis, keepdims, a.ndim)",
     "says": ["ties"]},
    {"name": "p02_mean_divides_by_size", "phase": 2, "module": "reductions.py", "task": "sum_mean",
     "old": "n = math.prod(a.shape[i] for i in _axes(axis, a.ndim))", "new": "n = a.size",
     "says": ["mean"]},
    {"name": "p02_getitem_flat_positions_wrap", "phase": 2, "module": "shapes.py", "task": "indexing",
     "old": "rows = index.reshape(-1, 1).astype(np.intp) % a.shape[0]", "new": "rows = index.reshape(-1, 1) % a.shape[0]",
     "says": ["uint16", "np.intp"]},
    {"name": "p02_getitem_set_not_add", "phase": 2, "module": "shapes.py", "task": "indexing",
     "old": "            if not fancy:  # slices", "new": "            if True:  # slices",
     "says": ["add.at"]},
    # stability and state
    {"name": "p02_sigmoid_overflows", "phase": 2, "module": "elementwise.py", "task": "tanh_relu_sigmoid_gelu",
     "old": "out = top / (1 + e)", "new": "out = 1 / (1 + xp.exp(-a.data))",
     "says": ["exp(-|x|)"]},
    {"name": "p02_no_grad_exit_enables", "phase": 2, "module": "tensor.py", "task": "no_grad",
     "old": "        _GRAD_ENABLED = self._prev\n", "new": "        _GRAD_ENABLED = True\n",
     "says": ["no_grad"]},
    {"name": "p02_log_softmax_grad_drops_sum", "phase": 2, "module": "reductions.py", "task": "log_softmax",
     "old": "lambda g: (g - xp.exp(out) * g.sum(axis=axis, keepdims=True),)", "new": "lambda g: (g - xp.exp(out),)",
     "says": ["log_softmax"]},
    # boundaries, aliasing, laziness and types a first version gets wrong
    {"name": "p02_pow_zero_nan", "phase": 2, "module": "elementwise.py", "task": "neg_pow",
     "old": "            if p == 0:\n                return (xp.zeros_like(a.data),)\n",
     "new": "",
     "says": ["return zeros when p == 0"]},
    {"name": "p02_grads_added_in_place", "phase": 2, "module": "tensor.py", "task": "accumulation",
     "old": "grads[key] = grads[key] + pg",
     "new": "grads[key] += pg",
     "says": ["out of place"]},
    {"name": "p02_leaves_share_array", "phase": 2, "module": "tensor.py", "task": "accumulation",
     "old": "elif not (g.flags.c_contiguous and g.flags.owndata and id(g) not in handed_out):",
     "new": "elif not (g.flags.c_contiguous and g.flags.owndata):",
     "says": ["two separate arrays"]},
    {"name": "p02_permute_grad_same_axes", "phase": 2, "module": "shapes.py", "task": "reshape_transpose",
     "old": "lambda g: (xp.transpose(g, inverse),)",
     "new": "lambda g: (xp.transpose(g, axes),)",
     "says": ["axes in the wrong order"]},
    {"name": "p02_gather_negative_axis", "phase": 2, "module": "shapes.py", "task": "gather",
     "old": "        axis = axis % a.ndim\n",
     "new": "",
     "says": ["negative axis counts from the end"]},
    {"name": "p02_concat_negative_axis", "phase": 2, "module": "shapes.py", "task": "concat_stack",
     "old": "    ax = axis % ts[0].ndim\n",
     "new": "    ax = axis\n",
     "says": ["axis=-1 counts from the end"]},
    {"name": "p02_stack_last_axis", "phase": 2, "module": "shapes.py", "task": "concat_stack",
     "old": "    ax = axis % (ts[0].ndim + 1)\n",
     "new": "    ax = axis % ts[0].ndim\n",
     "says": ["axis % (ndim + 1)"]},
]

ALTERNATIVES = [
    {"name": "p02_alt_getitem_add_at_only", "phase": 2, "module": "shapes.py", "task": "indexing",
     "old": "            elif xp is np and not isinstance(index, tuple) and a.ndim > 1:",
     "new": "            elif False:"},
    # another topological order: recursive DFS post-order (the graders' deep chain needs the stack, so grade the order)
    {"name": "p02_alt_topo_kahn", "phase": 2, "module": "tensor.py", "task": "backward_order",
     "old": ("        order, seen, todo = [], set(), [(self, False)]\n        while todo:\n"
             "            node, expanded = todo.pop()\n            if expanded:\n                order.append(node)\n"
             "                continue\n            if id(node) in seen:\n                continue\n"
             "            seen.add(id(node))\n            todo.append((node, True))\n            for p in node._parents:\n"
             "                if p.requires_grad and id(p) not in seen:\n                    todo.append((p, False))\n"),
     "new": ("        nodes, users, todo = {id(self): self}, {}, [self]\n        while todo:\n            node = todo.pop()\n"
             "            for p in node._parents:\n                if p.requires_grad:\n"
             "                    users[id(p)] = users.get(id(p), 0) + 1\n                    if id(p) not in nodes:\n"
             "                        nodes[id(p)] = p\n                        todo.append(p)\n"
             "        ready, order = [self], []\n        while ready:\n            node = ready.pop(0)\n"
             "            order.append(node)\n            for p in node._parents:\n                if p.requires_grad:\n"
             "                    users[id(p)] -= 1\n                    if users[id(p)] == 0:\n                        ready.append(p)\n"
             "        order.reverse()\n")},
    {"name": "p02_alt_relu_where", "phase": 2, "module": "elementwise.py", "task": "tanh_relu_sigmoid_gelu",
     "old": "lambda g: (g * (a.data > 0),)", "new": "lambda g: (xp.where(a.data > 0, g, 0),)"},
    {"name": "p02_alt_sigmoid_where", "phase": 2, "module": "elementwise.py", "task": "tanh_relu_sigmoid_gelu",
     "old": "out = top / (1 + e)", "new": "out = xp.where(a.data >= 0, 1 / (1 + e), e / (1 + e))"},
    {"name": "p02_alt_leaf_always_copies", "phase": 2, "module": "tensor.py", "task": "accumulation",
     "old": "elif not (g.flags.c_contiguous and g.flags.owndata and id(g) not in handed_out):",
     "new": "else:"},
    {"name": "p02_alt_matmul_batched_grad", "phase": 2, "module": "reductions.py", "task": "matmul",
     "old": ("                if B.ndim == 2 and A.ndim > 2:  # (..., k) @ (k, m): one big product, no batch of copies\n"
             "                    gb = A.reshape(-1, A.shape[-1]).T @ g.reshape(-1, g.shape[-1])\n"
             "                else:\n                    gb = _unbroadcast(xp.swapaxes(A, -1, -2) @ g, B.shape)\n"),
     "new": "                gb = _unbroadcast(xp.swapaxes(A, -1, -2) @ g, B.shape)\n"},
    {"name": "p02_alt_unbroadcast_loop", "phase": 2, "module": "elementwise.py", "task": "unbroadcast",
     "old": ("    extra = grad.ndim - len(shape)\n    if extra > 0:\n        grad = grad.sum(axis=tuple(range(extra)))\n"
             "    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)\n"
             "    if axes:\n        grad = grad.sum(axis=axes, keepdims=True)\n"),
     "new": ("    while grad.ndim > len(shape):\n        grad = grad.sum(axis=0)\n"
             "    for i, n in enumerate(shape):\n        if n == 1 and grad.shape[i] != 1:\n"
             "            grad = grad.sum(axis=i, keepdims=True)\n")},
    {"name": "p02_alt_div_grad_square", "phase": 2, "module": "elementwise.py", "task": "mul_div",
     "old": "_unbroadcast(-ga * a.data / b.data, b.shape)",
     "new": "_unbroadcast(-g * a.data / (b.data * b.data), b.shape)"},
]
