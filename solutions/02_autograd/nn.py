"""Modules: objects that hold Parameters and compute a forward pass from them.

A ``Module`` owns its ``Parameter``s and sub-modules as plain attributes. Walking
``vars(self)`` in the order the attributes were set finds every parameter and names it by
its path: ``self.fc1 = Linear(...)`` contributes ``fc1.weight`` and ``fc1.bias``; a list
``self.blocks = [Block(...), ...]`` contributes ``blocks.0.attn.weight`` and so on. Those
names are the keys of ``state_dict()`` and of the safetensors files that ``save`` writes.

Layers compute ``x @ W + b`` with ``W`` of shape ``(in_features, out_features)``, as in
phase 01, and draw their initial weights from the ``rng`` they are given.
"""

from __future__ import annotations

import numpy as np

from common import load as load_phase
from common.backend import array_module, to_numpy

from .functional import dropout
from .tensor import Tensor


class Parameter(Tensor):
    """A Tensor that a Module trains: it always requires grad, so its data must be floating point."""

    def __init__(self, data, dtype=None):
        super().__init__(data, requires_grad=True, dtype=dtype)


class Module:
    """Base class of every layer and model. Subclasses set attributes in ``__init__`` and define ``forward``."""

    training = True  # train() and eval() set it on each module of the tree

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def named_children(self) -> list[tuple[str, Module]]:
        """The direct sub-modules as ``(name, module)``, in attribute order.

        An attribute holding a Module gives ``(attr, module)``; a list or tuple attribute gives
        ``(f"{attr}.{i}", module)`` for each Module in it.
        """
        ### BEGIN SOLUTION
        out = []
        for name, value in vars(self).items():
            if isinstance(value, Module):
                out.append((name, value))
            elif isinstance(value, (list, tuple)):
                out.extend((f"{name}.{i}", item) for i, item in enumerate(value) if isinstance(item, Module))
        return out
        ### END SOLUTION

    def children(self) -> list[Module]:
        """The direct sub-modules, in attribute order."""
        return [m for _, m in self.named_children()]

    def modules(self) -> list[Module]:
        """This module and every module below it, parents before children."""
        return [self] + [m for child in self.children() for m in child.modules()]

    def named_parameters(self) -> list[tuple[str, Parameter]]:
        """Every Parameter of the tree as ``(dotted_name, parameter)``, in attribute order.

        Walk ``vars(self)``: a Parameter attribute is named ``attr``; the parameters of a
        sub-module ``attr`` (or of the i-th Module in a list ``attr``) get the prefix
        ``attr.`` (``attr.i.``). A Parameter reachable twice (weight tying) is listed once,
        under the first name found.
        """
        # Recurse into sub-modules; remember the ids of parameters already listed.
        ### BEGIN SOLUTION
        out, seen = [], set()

        def add(name: str, p: Parameter) -> None:
            if id(p) not in seen:
                seen.add(id(p))
                out.append((name, p))

        for name, value in vars(self).items():
            if isinstance(value, Parameter):
                add(name, value)
            elif isinstance(value, Module):
                for sub, p in value.named_parameters():
                    add(f"{name}.{sub}", p)
            elif isinstance(value, (list, tuple)):
                for i, item in enumerate(value):
                    if isinstance(item, Module):
                        for sub, p in item.named_parameters():
                            add(f"{name}.{i}.{sub}", p)
        return out
        ### END SOLUTION

    def parameters(self) -> list[Parameter]:
        """The Parameters of ``named_parameters()``, in the same order."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Forget every parameter's gradient (set ``.grad`` to None) before the next backward."""
        ### BEGIN SOLUTION
        for p in self.parameters():
            p.grad = None
        ### END SOLUTION

    def train(self, mode: bool = True) -> Module:
        """Set ``training = mode`` on this module and every module below it; return self."""
        ### BEGIN SOLUTION
        self.training = bool(mode)
        for child in self.children():
            child.train(mode)
        return self
        ### END SOLUTION

    def eval(self) -> Module:
        """``train(False)``: dropout off. Returns self."""
        return self.train(False)

    def state_dict(self) -> dict[str, np.ndarray]:
        """``{name: NumPy copy of the parameter's data}`` for every named parameter, in order."""
        ### BEGIN SOLUTION
        return {name: np.array(to_numpy(p.data), copy=True) for name, p in self.named_parameters()}
        ### END SOLUTION

    def load_state_dict(self, state: dict, strict: bool = True) -> None:
        """Copy ``state[name]`` into each named parameter, in place, keeping its dtype and array module.

        With ``strict``, names missing from ``state`` or unknown to the model raise KeyError
        listing them; without, only the names present in both are copied. A value whose shape
        differs from its parameter's raises ValueError naming the key and both shapes. Check
        everything before copying anything.
        """
        ### BEGIN SOLUTION
        params = dict(self.named_parameters())
        missing = [k for k in params if k not in state]
        unexpected = [k for k in state if k not in params]
        if strict and (missing or unexpected):
            raise KeyError(f"load_state_dict: missing keys {missing}, unexpected keys {unexpected}")
        values = {}
        for name, p in params.items():
            if name in state:
                value = state[name].data if isinstance(state[name], Tensor) else state[name]
                if tuple(value.shape) != p.data.shape:
                    raise ValueError(f"load_state_dict: {name!r} has shape {tuple(value.shape)} in the state "
                                     f"but {p.data.shape} in the model")
                values[name] = value
        for name, value in values.items():
            p = params[name]
            p.data[...] = array_module(p.data).asarray(value).astype(p.data.dtype, copy=False)
        ### END SOLUTION

    def save(self, path, metadata: dict[str, str] | None = None) -> None:
        """Write ``state_dict()`` to a safetensors file with phase 01's ``io.save``."""
        # Phase 01's code: load_phase(1, "io").save(...), looked up here, at call time.
        ### BEGIN SOLUTION
        load_phase(1, "io").save(self.state_dict(), path, metadata=metadata)
        ### END SOLUTION

    def load(self, path) -> Module:
        """Read a safetensors file with phase 01's ``io.load`` into this module (strictly); return self."""
        ### BEGIN SOLUTION
        self.load_state_dict(load_phase(1, "io").load(path))
        return self
        ### END SOLUTION

    def __repr__(self) -> str:
        settings = ", ".join(f"{k}={v!r}" for k, v in vars(self).items()
                             if k != "training" and isinstance(v, (bool, int, float, str)))
        try:
            children = self.named_children()
        except NotImplementedError:  # still a stub: show the module without its children
            children = []
        lines = [f"  ({name}): " + repr(m).replace("\n", "\n  ") for name, m in children]
        return f"{type(self).__name__}({settings}" + ("\n" + "\n".join(lines) + "\n" if lines else "") + ")"


class Linear(Module):
    """``y = x @ weight + bias``: ``x`` of shape ``(..., in_features)`` -> ``(..., out_features)``.

    ``weight`` is ``(in_features, out_features)``, drawn with phase 01's
    ``xavier_uniform(rng, in_features, out_features)``; ``bias`` is ``(out_features,)`` zeros,
    or None when ``bias=False``. Both float32.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, *, rng: np.random.Generator):
        self.in_features, self.out_features = in_features, out_features
        # Set weight first, then bias: the attribute order is the parameter order.
        ### BEGIN SOLUTION
        self.weight = Parameter(load_phase(1, "rng").xavier_uniform(rng, in_features, out_features))
        self.bias = Parameter(np.zeros(out_features, dtype=np.float32)) if bias else None
        ### END SOLUTION

    def forward(self, x) -> Tensor:
        """``x``: a Tensor (or array) ``(..., in_features)``; returns ``(..., out_features)``."""
        ### BEGIN SOLUTION
        x = x if isinstance(x, Tensor) else Tensor(x)
        if self.bias is None:
            return x @ self.weight
        # x @ weight + bias as one node, what autograd would compute with two, less a pass: the
        # bias goes in place into the product's fresh array, and its gradient sums g's rows.
        W, b = self.weight, self.bias
        rows = x.data.reshape(-1, self.in_features)
        out = rows @ W.data
        out += b.data

        def backward(g):
            g = g.reshape(-1, self.out_features)
            gx = (g @ W.data.T).reshape(x.shape) if x.requires_grad else None
            column_sums = W.xp.ones(len(g), dtype=g.dtype) @ g     # by BLAS: faster than g.sum(axis=0)
            return gx, rows.T @ g, column_sums

        return Tensor._make(out.reshape(*x.shape[:-1], self.out_features), (x, W, b), backward, "linear")
        ### END SOLUTION


class Embedding(Module):
    """A lookup table: row ``i`` of ``weight`` ``(num_embeddings, embedding_dim)`` is the vector of id ``i``.

    ``weight`` is drawn from N(0, 1) with ``rng`` (float32).
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, *, rng: np.random.Generator):
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        ### BEGIN SOLUTION
        self.weight = Parameter(rng.standard_normal((num_embeddings, embedding_dim)).astype(np.float32))
        ### END SOLUTION

    def forward(self, idx) -> Tensor:
        """``idx``: integer ids (array or Tensor) of any shape -> ``idx.shape + (embedding_dim,)``.

        Ids of any other dtype raise TypeError (NumPy would read a bool array as a mask). An
        id outside ``[0, num_embeddings)`` raises IndexError naming it (NumPy would silently
        wrap a negative id around). Ids already on a GPU (phase 08) are not checked:
        reading them would make the GPU wait at every step; they are checked where they are made.
        """
        # Indexing the weight Tensor with an integer array is the whole forward pass; its
        # backward adds each output row's gradient into the row it came from.
        ### BEGIN SOLUTION
        raw = idx.data if isinstance(idx, Tensor) else idx
        if array_module(raw) is np:                     # host ids: checked here, where reading them is free
            raw = np.asarray(raw)
        if raw.dtype.kind not in "iu":
            raise TypeError(f"Embedding takes integer ids, got dtype {raw.dtype}")
        if raw.size and isinstance(raw, np.ndarray):
            low, high = int(raw.min()), int(raw.max())
            if low < 0 or high >= self.num_embeddings:
                bad = low if low < 0 else high
                raise IndexError(f"Embedding: id {bad} is out of range for num_embeddings={self.num_embeddings} "
                                 f"(valid ids are 0 to {self.num_embeddings - 1})")
        return self.weight[array_module(self.weight.data).asarray(raw)]
        ### END SOLUTION


class Sequential(Module):
    """Modules applied one after another: ``Sequential(a, b, c)(x) == c(b(a(x)))``.

    The modules are attributes named ``"0"``, ``"1"``, ..., so parameters are named
    ``0.weight``, ``2.bias`` and so on.
    """

    def __init__(self, *modules: Module):
        for i, module in enumerate(modules):
            setattr(self, str(i), module)

    def __len__(self) -> int:
        return sum(1 for name in vars(self) if name.isdigit())

    def __getitem__(self, i: int) -> Module:
        return getattr(self, str(range(len(self))[i]))

    def forward(self, x):
        ### BEGIN SOLUTION
        for i in range(len(self)):
            x = self[i](x)
        return x
        ### END SOLUTION


class ReLU(Module):
    """max(x, 0), element-wise."""

    def forward(self, x: Tensor) -> Tensor:
        return x.relu()


class Tanh(Module):
    """tanh(x), element-wise."""

    def forward(self, x: Tensor) -> Tensor:
        return x.tanh()


class GELU(Module):
    """GELU, tanh approximation (GPT-2's), element-wise."""

    def forward(self, x: Tensor) -> Tensor:
        return x.gelu()


class Dropout(Module):
    """Zero each element with probability ``p`` while training, scaling the rest by 1/(1-p); identity in eval."""

    def __init__(self, p: float, *, rng: np.random.Generator):
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout probability must be in [0, 1], got {p}")
        self.p, self.rng = p, rng

    def forward(self, x: Tensor) -> Tensor:
        # functional.dropout does the work; this module knows whether it is training.
        ### BEGIN SOLUTION
        return dropout(x, self.p, self.training, self.rng)
        ### END SOLUTION
