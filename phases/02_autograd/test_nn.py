"""Grader for nn.py: the parameter walk, train/eval, state dicts and safetensors files, and the
layers Linear, Embedding and Sequential against PyTorch with the same weights.

Forward values and gradients are compared in float64: the grader overwrites a layer's
``weight.data`` with float64 arrays and hands the same numbers to ``torch.nn``.
"""

from __future__ import annotations

import numpy as np
import torch
from safetensors import safe_open
from safetensors.numpy import load_file, save_file

from common import load, under_test
from common.backend import to_numpy
from common.checks import assert_close, assert_equal, calling, expect_raises, require
from grader import task

WALK_HINT = ("walk vars(self) in insertion order: a Parameter is named by its attribute, a sub-Module's "
             "parameters get the prefix 'attr.', the i-th Module of a list or tuple the prefix 'attr.i.'")


def nn():
    return load(2, "nn")


def Tensor():
    return load(2, "tensor").Tensor


def toy_classes():
    """Small modules built on the learner's Module and Parameter, with known parameter names
    (``common/toys.py``, built where the code under test runs)."""
    return under_test("common.toys").toy_classes()


NET_NAMES = ["embed.w", "embed.b",
             "blocks.0.scale", "blocks.0.inner.w", "blocks.0.inner.b",
             "blocks.1.scale", "blocks.1.inner.w", "blocks.1.inner.b",
             "head.w", "head.b", "pair.0.w", "pair.0.b", "bias"]
NET_STRUCTURE = ("Net: embed=Leaf(w, b); blocks=[Block, Block], each Block(scale, inner=Leaf(w, b), a plain Tensor 'mask'); "
                 "head=Leaf(w, b); tied=embed.w (the same Parameter again); pair=(Leaf(w, b),); bias")


def names_hint(got: list, expected: list) -> str:
    """Name the classic mistake behind a wrong list of parameter names."""
    if any(n.endswith("tied") or n == "tied" for n in got):
        return "'tied' is embed.w a second time: list each Parameter once, under the first name found (remember id(p))"
    if any("mask" in n for n in got):
        return "'mask' is a plain Tensor, not a Parameter: check isinstance(value, Parameter)"
    if not any(n.startswith(("blocks.", "pair.")) for n in got):
        return "modules inside a list or tuple attribute count too, with the prefix 'attr.i.'"
    if sorted(got) == sorted(expected):
        return "the names are right but the order is not: " + WALK_HINT
    return WALK_HINT


def named(module, what: str) -> list:
    with calling(f"{what}.named_parameters()"):
        pairs = list(module.named_parameters())
    require(all(isinstance(p, tuple) and len(p) == 2 for p in pairs),
            f"{what}.named_parameters() should give (name, Parameter) pairs, got {pairs!r:.200}")
    return pairs


@task(points=3, timeout=20)
def test_nn_named_parameters():
    """named_parameters() walks attributes, sub-modules and lists in order, each Parameter once."""
    m = nn()
    Leaf, Block, Net = toy_classes()

    leaf = Leaf(3, 0)
    pairs = named(leaf, "Leaf (attributes w, b)")
    assert_equal([n for n, _ in pairs], ["w", "b"], what="the names of Leaf().named_parameters()",
                 hint="a Parameter attribute is named by the attribute itself")
    require(pairs[0][1] is leaf.w and pairs[1][1] is leaf.b,
            "Leaf().named_parameters() should give the Parameter objects themselves, not copies")

    net = Net()
    pairs = named(net, "Net()")
    got = [n for n, _ in pairs]
    assert_equal(got, NET_NAMES, what=f"the names of named_parameters() for {NET_STRUCTURE}", hint=names_hint(got, NET_NAMES))
    owners = {"embed.w": net.embed.w, "blocks.1.inner.b": net.blocks[1].inner.b, "pair.0.w": net.pair[0].w, "bias": net.bias}
    for name, p in pairs:
        if name in owners:
            require(p is owners[name], f"Net().named_parameters() gives for {name!r} an object that is not net.{name}",
                    hint="return the Parameter objects themselves, so that optimizers update the model")
    with calling("Net().parameters()"):
        params = list(net.parameters())
    require(len(params) == len(pairs) and all(a is b for a, (_, b) in zip(params, pairs)),
            "parameters() should be the Parameters of named_parameters(), in the same order")

    with calling("Net().named_children()"):
        children = list(net.named_children())
    assert_equal([n for n, _ in children], ["embed", "blocks.0", "blocks.1", "head", "pair.0"],
                 what="the names of Net().named_children()",
                 hint="direct sub-modules only, in attribute order; the i-th Module of a list attribute is 'attr.i'")
    require(children[1][1] is net.blocks[0] and children[4][1] is net.pair[0],
            "named_children() should give the sub-module objects themselves")

    shared = Leaf(2, 9)
    two = m.Sequential(shared, m.ReLU(), shared, Leaf(2, 8))
    got = [n for n, _ in named(two, "Sequential(leaf, ReLU(), leaf, Leaf)")]
    assert_equal(got, ["0.w", "0.b", "3.w", "3.b"],
                 what="the names of named_parameters() for Sequential(leaf, ReLU(), the same leaf again, another Leaf)",
                 hint="Sequential stores its modules as attributes '0', '1', ...; a module used twice is listed once")

    for p in net.parameters():
        p.grad = np.ones_like(p.data)
    with calling("Net().zero_grad()"):
        net.zero_grad()
    left = [n for n, p in net.named_parameters() if p.grad is not None]
    require(not left, f"after Net().zero_grad(), these parameters still have a gradient: {left}",
            hint="set p.grad = None for every parameter of the tree, sub-modules included")


@task(points=1, timeout=20, needs=("dropout",))
def test_nn_train_eval():
    """train() and eval() set `training` on every module of the tree and return self; Dropout obeys it."""
    m = nn()
    Leaf, Block, Net = toy_classes()
    net = Net()
    net.drop = m.Sequential(Leaf(2, 5), m.Dropout(0.5, rng=np.random.default_rng(0)))
    every = {"net": net, "net.embed": net.embed, "net.blocks[0]": net.blocks[0], "net.blocks[1].inner": net.blocks[1].inner,
             "net.pair[0]": net.pair[0], "net.drop": net.drop, "net.drop[1] (Dropout)": net.drop[1]}
    with calling("net.eval()"):
        out = net.eval()
    require(out is net, f"net.eval() should return the module itself (so that `model = Model().eval()` works), got {out!r:.80}")
    wrong = [k for k, mod in every.items() if getattr(mod, "training", None) is not False]
    require(not wrong, f"after net.eval(), training is not False on: {', '.join(wrong)}",
            hint="set self.training on this module, then call train(mode) on each child (lists of modules included)")
    with calling("net.train()"):
        out = net.train()
    require(out is net, "net.train() should return the module itself")
    wrong = [k for k, mod in every.items() if getattr(mod, "training", None) is not True]
    require(not wrong, f"after net.eval() then net.train(), training is not True on: {', '.join(wrong)}")
    with calling("net.blocks[0].train(False)"):
        net.blocks[0].train(False)
    require(net.blocks[0].inner.training is False and net.training is True and net.blocks[1].training is True,
            "net.blocks[0].train(False) should switch that block and its sub-modules only, not its parent or siblings")

    x = Tensor()(np.ones((20, 50)))
    drop = m.Dropout(0.5, rng=np.random.default_rng(1))
    with calling("Dropout(0.5).eval()(x)"):
        y = drop.eval()(x)
    assert_close(to_numpy(y.data), np.ones((20, 50)), what="Dropout(0.5) in eval mode applied to ones((20, 50))",
                 hint="in eval mode (training False) dropout is the identity: pass self.training to functional.dropout")
    with calling("Dropout(0.5).train()(x)"):
        y = to_numpy(drop.train()(x).data)
    zeros = float(np.mean(y == 0))
    require(0.35 < zeros < 0.65, f"Dropout(0.5) in training mode zeroed {zeros:.0%} of 1000 ones, expected about half",
            hint="pass self.training, self.p and self.rng to functional.dropout")
    fresh = m.Dropout(0.5, rng=np.random.default_rng(1))
    with calling("Dropout(0.5, rng=default_rng(1))(x), a new module in training mode"):
        y = to_numpy(fresh(x).data)
    u = np.random.default_rng(1).random((20, 50))  # the first draw of the module's generator
    rng_hint = ("draw from the module's own generator, self.rng, on every call: functional.dropout(x, self.p, "
                "self.training, self.rng); a generator made inside forward replays the same mask every step")
    require(np.array_equal(y != 0, u >= 0.5) or np.array_equal(y != 0, u < 0.5),
            "Dropout(0.5, rng=default_rng(1)) in training mode: the mask is not the first rng.random(x.shape) of its rng",
            hint=rng_hint)
    with calling("Dropout(0.5, rng=default_rng(1))(x), a second time"):
        y2 = to_numpy(fresh(x).data)
    require(not np.array_equal(y2 != 0, y != 0),
            "Dropout(0.5) in training mode zeroed the same elements in two calls: each call must draw a new mask",
            hint=rng_hint)


def small_net(seed: int = 0):
    _, _, Net = toy_classes()
    return Net(seed)


@task(points=2, timeout=20, needs=("nn_named_parameters",))
def test_nn_state_dict():
    """state_dict() gives NumPy copies by name; load_state_dict copies them back and refuses bad keys and shapes."""
    m = nn()
    net = small_net(0)
    with calling("Net().state_dict()"):
        sd = net.state_dict()
    require(isinstance(sd, dict), f"state_dict() should return a dict, got {type(sd).__name__}")
    assert_equal(list(sd), NET_NAMES, what="the keys of state_dict(), in order",
                 hint="one entry per named_parameters() name, in the same order")
    params = dict(net.named_parameters())
    for name, value in sd.items():
        require(isinstance(value, np.ndarray), f"state_dict()[{name!r}] should be a NumPy array, got {type(value).__name__}",
                hint="not the Parameter: its data, as a NumPy array (common.backend.to_numpy)")
        assert_equal(value, to_numpy(params[name].data), what=f"state_dict()[{name!r}]")
    sd["embed.w"][0, 0] += 100.0
    require(net.embed.w.data[0, 0] != sd["embed.w"][0, 0],
            "changing state_dict()['embed.w'] changed the model's parameter: the values must be copies",
            hint="return a copy of each array (np.array(a, copy=True)), or a later training step rewrites your checkpoint")

    other = small_net(7)
    keep = {n: p for n, p in other.named_parameters()}
    source = net.state_dict()
    with calling("other.load_state_dict(net.state_dict())"):
        other.load_state_dict(source)
    for name, p in other.named_parameters():
        require(p is keep[name], f"load_state_dict replaced the Parameter {name!r} with a new object",
                hint="copy into the existing parameters (p.data[...] = value): an optimizer holds the old objects")
        assert_close(to_numpy(p.data), source[name], what=f"parameter {name!r} after load_state_dict(net.state_dict())")

    f32 = m.Sequential(m.Module())
    f32[0].weight = m.Parameter(np.zeros((3, 2), dtype=np.float32))
    state = {"0.weight": np.full((3, 2), 0.25, dtype=np.float64)}
    with calling("load_state_dict of a float64 array into a float32 parameter"):
        f32.load_state_dict(state)
    assert_equal(f32[0].weight.data.dtype, np.dtype(np.float32),
                 what="the dtype of a float32 parameter after load_state_dict of a float64 array",
                 hint="keep the parameter's dtype: p.data[...] = value casts into the existing array")
    assert_close(to_numpy(f32[0].weight.data), np.full((3, 2), 0.25), what="the float32 parameter after load_state_dict")

    base = net.state_dict()
    missing = {k: v for k, v in base.items() if k != "head.b"}
    with expect_raises(KeyError, "load_state_dict(a state without 'head.b')",
                       hint="with strict=True, a name the model has but the state lacks raises KeyError") as caught:
        other.load_state_dict(missing)
    require("head.b" in str(caught[0]), f"the KeyError for a missing key should name it ('head.b'), got: {caught[0]}")
    extra = dict(base, **{"head.extra": np.zeros(2)})
    with expect_raises(KeyError, "load_state_dict(a state with an extra key 'head.extra')",
                       hint="with strict=True, a name the model does not have raises KeyError") as caught:
        other.load_state_dict(extra)
    require("head.extra" in str(caught[0]), f"the KeyError for an unexpected key should name it ('head.extra'), got: {caught[0]}")

    fresh = small_net(3)
    partial = {"head.w": base["head.w"], "unused": np.zeros(1)}
    with calling("load_state_dict({'head.w': ..., 'unused': ...}, strict=False)"):
        fresh.load_state_dict(partial, strict=False)
    assert_close(to_numpy(fresh.head.w.data), base["head.w"], what="head.w after load_state_dict(partial, strict=False)")
    assert_close(to_numpy(fresh.head.b.data), to_numpy(small_net(3).head.b.data),
                 what="head.b (absent from the state) after load_state_dict(partial, strict=False)",
                 hint="without strict, parameters missing from the state keep their values")

    before = fresh.state_dict()
    bad = dict(before, **{"embed.b": np.zeros(7)})
    bad["embed.w"] = np.full((4, 4), 3.0)
    with expect_raises(ValueError, "load_state_dict with 'embed.b' of shape (7,) for a parameter of shape (4,)",
                       hint="compare value.shape with the parameter's shape and raise ValueError") as caught:
        fresh.load_state_dict(bad)
    text = str(caught[0])
    require("embed.b" in text and "7" in text and "4" in text,
            f"the ValueError for a wrong shape should name the key 'embed.b' and both shapes, (7,) and (4,); got: {text}")
    assert_close(to_numpy(fresh.embed.w.data), before["embed.w"],
                 what="embed.w after a load_state_dict that failed on embed.b's shape",
                 hint="check every key and shape first, then copy: a failed load must leave the model as it was")


@task(points=2, timeout=20, needs=("nn_state_dict",))
def test_nn_save_load(tmp_path):
    """save() writes a safetensors file the safetensors library reads; load() reads it (and the library's files) back."""
    net = small_net(0)
    path = tmp_path / "net.safetensors"
    metadata = {"step": "12", "arch": "toy"}
    with calling(f"net.save(path, metadata={metadata})"):
        net.save(path, metadata=metadata)
    require(path.is_file(), "net.save(path) wrote no file at path", hint="call phase 01's save(self.state_dict(), path, metadata)")
    try:
        theirs = load_file(str(path))
        with safe_open(str(path), framework="np") as f:
            their_metadata = f.metadata()
    except Exception as exc:  # noqa: BLE001 - the library's complaint is the message
        raise AssertionError(f"the safetensors library could not read the file net.save() wrote: {type(exc).__name__}: {exc}") from None
    assert_equal(sorted(theirs), sorted(NET_NAMES), what="the tensor names in the file net.save() wrote",
                 hint="save state_dict(): its keys are the dotted parameter names")
    for name, p in net.named_parameters():
        assert_equal(theirs[name], to_numpy(p.data), what=f"tensor {name!r} in the file net.save() wrote")
    assert_equal(their_metadata, metadata, what="the metadata of the file net.save(path, metadata) wrote")

    other = small_net(5)
    with calling("other.load(path)"):
        out = other.load(path)
    require(out is other, "module.load(path) should return the module itself")
    for name, p in other.named_parameters():
        assert_equal(to_numpy(p.data), theirs[name], what=f"parameter {name!r} after load(path) of net's file")

    library_file = tmp_path / "library.safetensors"
    values = {n: np.full(p.data.shape, i, dtype=p.data.dtype) for i, (n, p) in enumerate(small_net(1).named_parameters())}
    save_file(values, str(library_file))
    with calling("net.load(a file written by safetensors.numpy.save_file)"):
        net.load(library_file)
    for name, p in net.named_parameters():
        assert_equal(to_numpy(p.data), values[name], what=f"parameter {name!r} after load() of the safetensors library's file")

    short = tmp_path / "short.safetensors"
    save_file({k: v for k, v in values.items() if k != "bias"}, str(short))
    with expect_raises(KeyError, "net.load(a file without 'bias')", hint="load reads the file, then load_state_dict (strict) checks it"):
        net.load(short)


def torch_tensor(a: np.ndarray, grad: bool = True) -> torch.Tensor:
    return torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


def grad_of(t, what: str, hint: str | None = None) -> np.ndarray:
    require(t.grad is not None, f"{what}.grad is None after backward", hint=hint or "the operation must pass a gradient to this operand")
    return to_numpy(t.grad)


def float64_linear(m, fan_in: int, fan_out: int, bias: bool, seed: int):
    """The learner's Linear with float64 weights, and torch's Linear with the same numbers."""
    layer = m.Linear(fan_in, fan_out, bias=bias, rng=np.random.default_rng(seed))
    g = np.random.default_rng(seed + 100)
    w = g.standard_normal((fan_in, fan_out))
    layer.weight.data = w.copy()
    ref = torch.nn.Linear(fan_in, fan_out, bias=bias, dtype=torch.float64)
    with torch.no_grad():
        ref.weight.copy_(torch.from_numpy(w.T))
        if bias:
            b = g.standard_normal(fan_out)
            layer.bias.data = b.copy()
            ref.bias.copy_(torch.from_numpy(b))
    return layer, ref


def check_layer_grads(layer, ref, x, what: str) -> None:
    """Forward and backward of ``layer`` on ``x`` against torch's ``ref``, with a random upstream gradient."""
    T = Tensor()
    xt = T(x.copy(), requires_grad=True)
    with calling(f"{what} forward"):
        out = layer(xt)
    tx = torch_tensor(x)
    expected = ref(tx)
    assert_close(to_numpy(out.data), expected.detach().numpy(), what=f"{what}: output", rtol=1e-10, atol=1e-10,
                 hint="Linear computes x @ weight + bias with weight of shape (in_features, out_features)")
    upstream = np.random.default_rng(1).standard_normal(expected.shape)
    with calling(f"{what}: out.backward(upstream)"):
        out.backward(upstream)
    expected.backward(torch.from_numpy(upstream))
    assert_close(grad_of(xt, f"{what}: x"), tx.grad.numpy(), what=f"{what}: gradient of the input x", rtol=1e-10, atol=1e-10)
    assert_close(grad_of(layer.weight, f"{what}: weight"), ref.weight.grad.numpy().T, what=f"{what}: gradient of weight",
                 rtol=1e-10, atol=1e-10, hint="with leading batch dims, the weight gradient sums over all of them (batched matmul backward)")
    if getattr(layer, "bias", None) is not None:
        assert_close(grad_of(layer.bias, f"{what}: bias"), ref.bias.grad.numpy(), what=f"{what}: gradient of bias",
                     rtol=1e-10, atol=1e-10, hint="the bias was broadcast over every leading dim: its gradient sums over them")


@task(points=3, timeout=30, needs=("matmul", "add_sub"))
def test_nn_linear():
    """Linear draws Xavier-uniform (in, out) weights and zero bias, and matches torch.nn.Linear forward and backward."""
    m = nn()
    rng_mod = load(1, "rng")
    with calling("Linear(5, 3, rng=np.random.default_rng(0))"):
        layer = m.Linear(5, 3, rng=np.random.default_rng(0))
    require(isinstance(layer.weight, m.Parameter), f"Linear.weight should be a Parameter, got {type(layer.weight).__name__}")
    expected_w = rng_mod.xavier_uniform(np.random.default_rng(0), 5, 3)
    assert_equal(layer.weight.data.shape, (5, 3), what="Linear(5, 3).weight.shape",
                 hint="weight is (in_features, out_features): the layer computes x @ weight")
    assert_equal(layer.weight.data.dtype, np.dtype(np.float32), what="Linear(5, 3).weight.dtype")
    assert_close(to_numpy(layer.weight.data), expected_w, what="Linear(5, 3, rng=default_rng(0)).weight", rtol=0, atol=0,
                 hint="draw it with phase 01's xavier_uniform(rng, in_features, out_features), from the rng given")
    require(isinstance(layer.bias, m.Parameter), f"Linear.bias should be a Parameter, got {type(layer.bias).__name__}")
    assert_equal(to_numpy(layer.bias.data), np.zeros(3, dtype=np.float32), what="Linear(5, 3).bias (shape, dtype, values)",
                 hint="bias starts as float32 zeros of shape (out_features,)")
    assert_equal([n for n, _ in layer.named_parameters()], ["weight", "bias"], what="Linear(5, 3).named_parameters() names")
    rng = np.random.default_rng(1)
    a, b = m.Linear(4, 4, rng=rng), m.Linear(4, 4, rng=rng)
    require(not np.array_equal(a.weight.data, b.weight.data),
            "two Linear layers made from one Generator got the same weights: draw from the rng given, do not re-seed it")
    with calling("Linear(5, 3, bias=False, rng=...)"):
        nobias = m.Linear(5, 3, bias=False, rng=np.random.default_rng(0))
    require(nobias.bias is None, f"Linear(..., bias=False).bias should be None, got {nobias.bias!r:.60}")
    assert_equal([n for n, _ in nobias.named_parameters()], ["weight"], what="Linear(5, 3, bias=False).named_parameters() names")

    g = np.random.default_rng(2)
    for shape, bias in [((4, 5), True), ((2, 3, 5), True), ((5,), True), ((6, 5), False)]:
        layer, ref = float64_linear(m, 5, 3, bias, seed=len(shape))
        check_layer_grads(layer, ref, g.standard_normal(shape), f"Linear(5, 3, bias={bias}) on x of shape {shape}")

    x32 = np.random.default_rng(3).standard_normal((4, 5)).astype(np.float32)
    with calling("Linear(5, 3)(a float32 NumPy array of shape (4, 5))"):
        out = m.Linear(5, 3, rng=np.random.default_rng(0))(x32)
    require(isinstance(out, Tensor()), f"Linear on a NumPy array should return a Tensor, got {type(out).__name__}",
            hint="wrap a non-Tensor input: x = x if isinstance(x, Tensor) else Tensor(x)")
    assert_equal(out.data.dtype, np.dtype(np.float32), what="the dtype of Linear(5, 3) (float32 weights) on float32 input")


@task(points=2, timeout=30)
def test_nn_embedding():
    """Embedding draws N(0, 1) float32 rows, looks them up like F.embedding (repeated ids add their gradients), checks ids."""
    m = nn()
    T = Tensor()
    with calling("Embedding(1000, 64, rng=np.random.default_rng(0))"):
        emb = m.Embedding(1000, 64, rng=np.random.default_rng(0))
    require(isinstance(emb.weight, m.Parameter), f"Embedding.weight should be a Parameter, got {type(emb.weight).__name__}")
    assert_equal(emb.weight.data.shape, (1000, 64), what="Embedding(1000, 64).weight.shape", hint="(num_embeddings, embedding_dim)")
    assert_equal(emb.weight.data.dtype, np.dtype(np.float32), what="Embedding(1000, 64).weight.dtype")
    w = to_numpy(emb.weight.data).astype(np.float64)
    require(abs(w.mean()) < 0.02 and abs(w.std() - 1.0) < 0.02,
            f"Embedding(1000, 64).weight has mean {w.mean():.4f} and std {w.std():.4f}; N(0, 1) gives about 0 and 1",
            hint="rng.standard_normal((num_embeddings, embedding_dim)).astype(np.float32)")
    again = m.Embedding(1000, 64, rng=np.random.default_rng(0)).weight.data
    other = m.Embedding(1000, 64, rng=np.random.default_rng(1)).weight.data
    require(np.array_equal(again, emb.weight.data) and not np.array_equal(other, emb.weight.data),
            "Embedding weights must come from the rng given: the same seed gives the same table, another seed another",
            hint="draw with rng.standard_normal, never np.random.*")

    g = np.random.default_rng(4)
    table = g.standard_normal((10, 4))
    cases = [np.array([[1, 2, 2, 9], [0, 2, 5, 1]]), np.array([3, 3, 3, 7, 0]), g.integers(0, 10, (2, 3, 4)),
             T(np.array([[4, 4], [8, 0]]))]
    for idx in cases:
        ids = to_numpy(idx.data) if isinstance(idx, T) else idx
        kind = "an int Tensor" if isinstance(idx, T) else "an int array"
        what = f"Embedding(10, 4) on {kind} of shape {ids.shape}, ids {ids.ravel().tolist()}"
        layer = m.Embedding(10, 4, rng=np.random.default_rng(0))
        layer.weight.data = table.copy()
        with calling(f"{what}: forward"):
            out = layer(idx)
        tw = torch_tensor(table)
        expected = torch.nn.functional.embedding(torch.from_numpy(ids), tw)
        assert_close(to_numpy(out.data), expected.detach().numpy(), what=f"{what}: output", rtol=0, atol=0,
                     hint="the output is weight[idx], of shape idx.shape + (embedding_dim,)")
        upstream = g.standard_normal(expected.shape)
        with calling(f"{what}: out.backward(upstream)"):
            out.backward(upstream)
        expected.backward(torch.from_numpy(upstream))
        assert_close(grad_of(layer.weight, f"{what}: weight"), tw.grad.numpy(), what=f"{what}: gradient of weight",
                     rtol=1e-12, atol=1e-12,
                     hint="a row looked up several times receives the sum of their gradients: in Tensor.__getitem__'s "
                          "backward use xp.add.at, since grad[idx] += g keeps only one of the repeated ids")

    layer = m.Embedding(10, 4, rng=np.random.default_rng(0))
    layer.weight.data = table.copy()
    for ids in (np.zeros(0, dtype=np.int64), np.zeros((2, 0), dtype=np.int64)):
        what = f"Embedding(10, 4) on an empty int array of shape {ids.shape}"
        with calling(what, hint="no ids, nothing to check: min() and max() of an empty array raise, so check the range "
                                "only when ids.size > 0"):
            out = layer(ids)
        expected = torch.nn.functional.embedding(torch.from_numpy(ids), torch_tensor(table)).detach().numpy()
        assert_equal(tuple(out.shape), expected.shape, what=f"{what}: the output's shape",
                     hint="the output is weight[idx], of shape idx.shape + (embedding_dim,)")
    mask = np.array([True, False, True])
    with expect_raises(TypeError, "Embedding(10, 4) on the bool array [True, False, True]",
                       hint="NumPy reads a bool array as a mask (rows 0 and 2), not as ids 1, 0, 1: accept only "
                            "integer dtypes (dtype.kind in 'iu'), like torch.nn.functional.embedding"):
        layer(mask)
    for bad in (10, -1):
        ids = np.array([[1, bad], [2, 3]])
        with expect_raises(IndexError, f"Embedding(10, 4) on ids {ids.tolist()}",
                           hint="check 0 <= id < num_embeddings first: NumPy wraps -1 around silently") as caught:
            layer(ids)
        text = str(caught[0])
        require(str(bad) in text and "10" in text,
                f"the IndexError for id {bad} should name the id and num_embeddings (10); got: {text}")


@task(points=2, timeout=30, needs=("nn_linear", "tanh_relu_sigmoid_gelu"))
def test_nn_sequential():
    """Sequential chains modules, names parameters 0.weight, 2.bias..., and matches torch.nn.Sequential."""
    m = nn()
    rng = np.random.default_rng(0)
    with calling("Sequential(Linear(3, 8), ReLU(), Linear(8, 8), Tanh(), Linear(8, 4), GELU())"):
        net = m.Sequential(m.Linear(3, 8, rng=rng), m.ReLU(), m.Linear(8, 8, rng=rng), m.Tanh(), m.Linear(8, 4, rng=rng), m.GELU())
    assert_equal(len(net), 6, what="len(Sequential of 6 modules)")
    require(isinstance(net[-1], m.GELU) and isinstance(net[2], m.Linear), "Sequential[i] should be the i-th module (net[-1] the last)")
    names = [n for n, _ in net.named_parameters()]
    assert_equal(names, ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"],
                 what="the names of Sequential(Linear, ReLU, Linear, Tanh, Linear, GELU).named_parameters()")

    g = np.random.default_rng(5)
    ref_layers = []
    for i in (0, 2, 4):
        w, b = g.standard_normal(net[i].weight.data.shape) * 0.7, g.standard_normal(net[i].bias.data.shape)
        net[i].weight.data, net[i].bias.data = w.copy(), b.copy()
        lin = torch.nn.Linear(*w.shape, dtype=torch.float64)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(w.T))
            lin.bias.copy_(torch.from_numpy(b))
        ref_layers.append(lin)
    ref = torch.nn.Sequential(ref_layers[0], torch.nn.ReLU(), ref_layers[1], torch.nn.Tanh(), ref_layers[2],
                              torch.nn.GELU(approximate="tanh"))
    x = g.standard_normal((7, 3))
    xt, tx = Tensor()(x.copy(), requires_grad=True), torch_tensor(x)
    what = "Sequential(Linear(3, 8), ReLU(), Linear(8, 8), Tanh(), Linear(8, 4), GELU()) on x of shape (7, 3)"
    with calling(f"{what}: forward"):
        out = net(xt)
    expected = ref(tx)
    assert_close(to_numpy(out.data), expected.detach().numpy(), what=f"{what}: output", rtol=1e-9, atol=1e-10,
                 hint="apply the modules in order, each to the previous one's output")
    upstream = g.standard_normal(expected.shape)
    with calling(f"{what}: out.backward(upstream)"):
        out.backward(upstream)
    expected.backward(torch.from_numpy(upstream))
    assert_close(grad_of(xt, f"{what}: x"), tx.grad.numpy(), what=f"{what}: gradient of the input", rtol=1e-9, atol=1e-10)
    for (name, p), tp in zip(net.named_parameters(), [t for lin in ref_layers for t in (lin.weight, lin.bias)]):
        expected_grad = tp.grad.numpy().T if name.endswith("weight") else tp.grad.numpy()
        assert_close(grad_of(p, f"{what}: {name}"), expected_grad, what=f"{what}: gradient of {name}", rtol=1e-9, atol=1e-10)
