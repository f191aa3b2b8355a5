"""Grader for mlp.py: the parameters (names, shapes, phase-02 layers drawn from the rng, the 0.1
head), forward and backward against a PyTorch MLP with the same float64 weights, and a training
run of the grader's own on TinyStories that must beat the counted bigram."""

from __future__ import annotations

import math

import numpy as np
import torch

from common import load
from common.backend import to_numpy
from common.checks import assert_close, assert_equal, calling, expect_raises, require
from grader import task

NAMES = ["wte.weight", "fc.weight", "fc.bias", "head.weight", "head.bias"]


def make_mlp(V, T, d, h, seed, what=None):
    what = what or f"MLP({V}, {T}, {d}, {h}, rng=np.random.default_rng({seed}))"
    with calling(what):
        return load(4, "mlp").MLP(V, T, d, h, rng=np.random.default_rng(seed))


def named(model, what) -> dict:
    with calling(f"{what}.named_parameters()"):
        pairs = list(model.named_parameters())
    names = [n for n, _ in pairs]
    hint = "create self.wte, self.fc, self.head in that order: the attribute order is the parameter order"
    if sorted(names) != sorted(NAMES):
        hint = "three layers named wte (Embedding), fc (Linear), head (Linear), each with its weight (and bias)"
    assert_equal(names, NAMES, what=f"the names of {what}.named_parameters()", hint=hint)
    return dict(pairs)


def forward_values(model, idx, what) -> tuple[object, np.ndarray]:
    T = load(2, "tensor").Tensor
    with calling(what):
        out = model(idx)
    require(isinstance(out, T), f"{what} should return a phase-02 Tensor, got {type(out).__name__}",
            hint="compute with the layers and Tensor operations, so that backward() reaches every parameter")
    return out, np.asarray(to_numpy(out.data), dtype=np.float64)


@task(points=2, timeout=30)
def test_mlp_parameters(oracle):
    """MLP holds wte, fc, head from phase-02 layers drawn in order from rng, head scaled by 0.1; bad idx shapes refused."""
    nn = load(2, "nn")
    V, T, d, h = 11, 3, 4, 7
    what = f"MLP({V}, {T}, {d}, {h}, rng=default_rng(0))"
    model = make_mlp(V, T, d, h, 0)
    params = named(model, what)
    shapes = {"wte.weight": (V, d), "fc.weight": (T * d, h), "fc.bias": (h,), "head.weight": (h, V), "head.bias": (V,)}
    for name, shape in shapes.items():
        require(isinstance(params[name], nn.Parameter), f"{what}: {name} should be a phase-02 Parameter")
        assert_equal(tuple(params[name].data.shape), shape, what=f"{what}: {name}.shape",
                     hint="wte = Embedding(vocab_size, n_embd), fc = Linear(block_size * n_embd, n_hidden), "
                          "head = Linear(n_hidden, vocab_size); phase-02 Linear stores weight as (in, out)")

    # The initial loss of the course's configuration: close to ln V only with the 0.1 head.
    big = make_mlp(74, 8, 16, 128, 0)
    g = np.random.default_rng(5)
    idx, y = g.integers(0, 74, (2000, 8)), g.integers(0, 74, 2000)
    _, logits = forward_values(big, idx, "MLP(74, 8, 16, 128, rng=default_rng(0))(idx) with idx (2000, 8)")
    loss = oracle.ce(logits, y)
    require(abs(loss - math.log(74)) < 0.1,
            f"a fresh MLP(74, 8, 16, 128, rng=default_rng(0)) has a cross-entropy of {loss:.3f} on 2000 random contexts "
            f"and targets; a model that knows nothing should score about ln 74 = {math.log(74):.3f} (within 0.1)",
            hint="after creating head, multiply head.weight.data by 0.1 (in place): the first logits are then near zero")

    r = np.random.default_rng(0)
    expected = {"wte.weight": nn.Embedding(V, d, rng=r).weight.data}
    fc = nn.Linear(T * d, h, rng=r)
    head = nn.Linear(h, V, rng=r)
    expected.update({"fc.weight": fc.weight.data, "fc.bias": fc.bias.data,
                     "head.weight": head.weight.data * 0.1, "head.bias": head.bias.data})
    for name in NAMES:
        got = to_numpy(params[name].data)
        hint = ("draw the layers from the rng given, in the order wte, fc, head: "
                "Embedding(V, n_embd, rng=rng), Linear(block_size * n_embd, n_hidden, rng=rng), Linear(n_hidden, V, rng=rng)")
        if name == "head.weight" and np.allclose(got, 10 * expected[name], rtol=1e-6):
            hint = "head.weight is not scaled: multiply head.weight.data by 0.1 after creating head"
        assert_close(got, expected[name], rtol=1e-6, atol=1e-8,
                     what=f"{what}: {name}, vs phase-02 layers built in order from default_rng(0)", hint=hint)

    again = named(make_mlp(V, T, d, h, 0), what)
    other = named(make_mlp(V, T, d, h, 1), f"MLP({V}, {T}, {d}, {h}, rng=default_rng(1))")
    require(all(np.array_equal(to_numpy(again[n].data), to_numpy(params[n].data)) for n in NAMES),
            "two MLPs built with rng=default_rng(0) got different weights: every draw must come from the rng given")
    require(not np.array_equal(to_numpy(other["fc.weight"].data), to_numpy(params["fc.weight"].data)),
            "MLPs built with default_rng(0) and default_rng(1) got the same fc.weight: draw from the rng given",
            hint="pass rng=rng to each layer; never seed a Generator of your own")

    for bad in [np.zeros((2, T + 1), dtype=np.int64), np.zeros(T, dtype=np.int64), np.zeros((2, T - 1), dtype=np.int64),
                np.zeros((2, T, 1), dtype=np.int64)]:
        with expect_raises(ValueError, f"{what}(idx) with idx of shape {bad.shape} (block_size={T})",
                           hint="check idx.ndim == 2 and idx.shape[1] == self.block_size first") as caught:
            model(bad)
        text = str(caught[0])
        require(all(str(n) in text for n in bad.shape) and str(T) in text,
                f"the ValueError of {what}(idx of shape {bad.shape}) should name both shapes, {bad.shape} and "
                f"(B, {T}); got: {text}",
                hint="compare idx.shape[1] with self.block_size yourself, before any layer runs, and raise "
                     "ValueError(f'... (B, {self.block_size}) ..., got {idx.shape}'): an error from deep inside a layer "
                     "names neither")


def torch_mlp(w: dict[str, torch.Tensor], idx: np.ndarray) -> torch.Tensor:
    B = idx.shape[0]
    x = w["wte.weight"][torch.from_numpy(idx)].reshape(B, -1)  # position-major: token 0's vector first
    return torch.tanh(x @ w["fc.weight"] + w["fc.bias"]) @ w["head.weight"] + w["head.bias"]


def forward_hint(got: np.ndarray, w: dict[str, np.ndarray], idx: np.ndarray) -> str:
    B = idx.shape[0]
    emb = w["wte.weight"][idx]
    variants = {
        "the context vectors are concatenated in the wrong order: reshape (B, T, n_embd) to (B, T * n_embd) directly, "
        "so that token 0's n_embd numbers come first, then token 1's": (emb.transpose(0, 2, 1).reshape(B, -1), np.tanh),
        "no tanh after fc: logits = head(tanh(fc(x)))": (emb.reshape(B, -1), lambda z: z),
        "relu after fc: this model uses tanh": (emb.reshape(B, -1), lambda z: np.maximum(z, 0)),
    }
    for text, (x, act) in variants.items():
        if got.shape == (B, w["head.bias"].shape[0]):
            alt = act(x @ w["fc.weight"] + w["fc.bias"]) @ w["head.weight"] + w["head.bias"]
            if np.allclose(got, alt, rtol=1e-8, atol=1e-10):
                return "your logits match this mistake: " + text
    return "logits = head(tanh(fc(wte(idx).reshape(B, -1))))"


@task(points=3, timeout=30)
def test_mlp_forward_backward():
    """MLP logits and every parameter's gradient match a PyTorch MLP with the same float64 weights."""
    V, T, d, h = 11, 3, 4, 7
    model = make_mlp(V, T, d, h, 0)
    params = named(model, f"MLP({V}, {T}, {d}, {h}, rng=default_rng(0))")
    g = np.random.default_rng(7)
    w = {"wte.weight": g.standard_normal((V, d)), "fc.weight": 0.5 * g.standard_normal((T * d, h)),
         "fc.bias": 0.3 * g.standard_normal(h), "head.weight": 0.5 * g.standard_normal((h, V)),
         "head.bias": 0.3 * g.standard_normal(V)}
    for name, value in w.items():
        params[name].data = value.copy()
    idx = np.array([[1, 2, 2], [2, 0, 10], [5, 5, 5], [10, 2, 1], [2, 2, 3]])
    what = (f"MLP({V}, block_size={T}, n_embd={d}, n_hidden={h}) with float64 weights, on idx (5, 3) = {idx.tolist()}")
    out, logits = forward_values(model, idx, what)
    tw = {k: torch.tensor(v, requires_grad=True) for k, v in w.items()}
    expected = torch_mlp(tw, idx)
    assert_equal(logits.shape, (5, V), what=f"{what}: logits shape")
    assert_close(logits, expected.detach().numpy(), rtol=1e-10, atol=1e-12, what=f"{what}: logits, vs PyTorch",
                 hint=forward_hint(logits, w, idx))

    upstream = g.standard_normal((5, V))
    with calling(f"{what}: logits.backward(g) with g of shape (5, {V})"):
        out.backward(upstream)
    expected.backward(torch.from_numpy(upstream))
    hints = {"wte.weight": "ids 2 and 5 appear several times: each occurrence adds its gradient to that row",
             "fc.weight": "the input of fc is the concatenated context (B, block_size * n_embd)",
             "fc.bias": None, "head.weight": None, "head.bias": None}
    for name in NAMES:
        p = params[name]
        require(p.grad is not None, f"{what}: {name}.grad is None after logits.backward(g)",
                hint="compute the logits from the layers' Parameters with Tensor operations (no .data, no NumPy in between)")
        assert_close(to_numpy(p.grad), tw[name].grad.numpy(), rtol=1e-9, atol=1e-12,
                     what=f"{what}: gradient of {name} after logits.backward(g), vs PyTorch", hint=hints[name])


@task(points=4, timeout=150, needs=('mlp_forward_backward',))
def test_mlp_beats_bigram(oracle):
    """MLP(V, 8, 16, 128) trained 1000 Adam steps by the grader beats the counted bigram by 0.3 nats, deterministically."""
    c = oracle.corpus()
    V = c.vocab_size
    X, Y, Xv, Yv = oracle.examples(8)
    counted = oracle.counting_nll(1.0)
    model = make_mlp(V, 8, 16, 128, 0)
    setup = (f"MLP({V}, block_size=8, n_embd=16, n_hidden=128, rng=default_rng(0)) trained by the grader "
             f"(phase-02 Adam(lr=3e-3), 1000 steps, batches of 64 drawn with default_rng(1)) on TinyStories characters")
    losses = oracle.train_steps(model, X, Y, steps=1000, batch_size=64, lr=3e-3, seed=1, what=setup)
    valid = oracle.mean_nll(model, Xv, Yv, V, what=setup)
    bar = counted - 0.3
    hint = None
    if not math.isfinite(valid):
        hint = "the loss is nan or inf: check the 0.1 scaling of head.weight and that forward uses tanh"
    elif abs(losses[0] - math.log(V)) > 0.15:
        hint = f"the first training loss is {losses[0]:.3f}, far from ln {V} = {math.log(V):.3f}: is head.weight scaled by 0.1?"
    elif valid > counted:
        hint = ("the MLP does worse than counting pairs: check that backward reaches every parameter "
                "(test mlp_forward_backward) and that forward reads all block_size tokens")
    else:
        hint = "it learns, but not enough: check the concatenation order, the tanh and the 0.1 head scaling"
    require(valid <= bar,
            f"{setup}: validation loss {valid:.4f}; the counted bigram (add-1) scores {counted:.4f}, so the bar is "
            f"{bar:.4f} (0.3 nats better) (training losses: {oracle.curve(losses)})", hint=hint)

    again = oracle.train_steps(make_mlp(V, 8, 16, 128, 0), X, Y, steps=50, batch_size=64, lr=3e-3, seed=1,
                               what=setup + " (again, 50 steps)")
    require(again == losses[:50],
            f"{setup}: a second run with the same seeds gave other losses (step 50: {again[-1]!r} then {losses[49]!r}); "
            "every random draw must come from the rng given",
            hint="build the layers with rng=rng; never use np.random.* or a Generator of your own")
