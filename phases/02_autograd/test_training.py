"""Grader for data.py, and for the whole engine at once: a small MLP, built from your Linear,
trained with your Tensor, cross_entropy, Adam and batches, must separate two moons.

The moons are generated here with NumPy: two interleaving half circles with Gaussian
noise, standardised. A model that can only draw a straight line gets about 87 % of the
held-out points right; a working MLP gets nearly all of them.
"""

from __future__ import annotations

import time

import numpy as np

from common import load
from common.backend import to_numpy
from common.checks import assert_equal, calling, expect_raises, require
from grader import task


def data():
    return load(2, "data")


def collect(what: str, *arrays, **kwargs) -> list[tuple]:
    with calling(what):
        out = list(data().batches(*arrays, **kwargs))
    for b in out:
        require(isinstance(b, tuple) and len(b) == len(arrays),
                f"{what} should yield tuples of {len(arrays)} array(s), one per array given; got {type(b).__name__} {b!r:.100}",
                hint="yield a tuple even for one array: (x[idx],), not x[idx]")
    return out


@task(points=2, timeout=20)
def test_data_batches():
    """batches() yields aligned tuples, each row once per pass, in rng.permutation(n) order; shuffle=False, drop_last, errors."""
    n = 10
    x = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
    y = np.arange(n) * 10
    what = "batches(x, y, batch_size=4, rng=np.random.default_rng(0)) with x (10, 3), y (10,)"
    out = collect(what, x, y, batch_size=4, rng=np.random.default_rng(0))
    assert_equal([len(b[0]) for b in out], [4, 4, 2], what=f"the batch sizes of {what}",
                 hint="ten rows in batches of 4: two full batches and a last one of 2 (kept unless drop_last)")
    order = np.concatenate([b[1] for b in out]) // 10
    for xb, yb in out:
        require(np.array_equal(xb[:, 0] // 3, yb // 10), f"{what}: a batch pairs x rows {(xb[:, 0] // 3).tolist()} with "
                f"y rows {(yb // 10).tolist()}; the same indices must select from every array")
    assert_equal(sorted(order.tolist()), list(range(n)), what=f"the rows {what} yielded over one pass, sorted",
                 hint="every row exactly once per pass: slice one permutation, do not draw indices with replacement")
    assert_equal(order, np.random.default_rng(0).permutation(n), what=f"the order of the rows {what} yielded",
                 hint="draw the order once per call with rng.permutation(n), then take consecutive slices of it")

    single = collect("batches(x, batch_size=3, rng=default_rng(1))", x, batch_size=3, rng=np.random.default_rng(1))
    assert_equal([len(b[0]) for b in single], [3, 3, 3, 1], what="batch sizes of batches(x, batch_size=3, ...) for 10 rows")

    dropped = collect("batches(x, y, batch_size=4, rng=default_rng(0), drop_last=True)", x, y, batch_size=4,
                      rng=np.random.default_rng(0), drop_last=True)
    assert_equal([len(b[0]) for b in dropped], [4, 4], what="batch sizes with drop_last=True for 10 rows in batches of 4",
                 hint="drop_last drops the final short batch only")
    even = collect("batches(x, batch_size=5, rng=default_rng(0))", x, batch_size=5, rng=np.random.default_rng(0))
    assert_equal([len(b[0]) for b in even], [5, 5], what="batch sizes for 10 rows in batches of 5", hint="no empty batch at the end")
    big = collect("batches(x, batch_size=64, rng=default_rng(0))", x, batch_size=64, rng=np.random.default_rng(0))
    assert_equal([len(b[0]) for b in big], [10], what="batch sizes for 10 rows in batches of 64")

    plain = collect("batches(x, y, batch_size=4, shuffle=False)", x, y, batch_size=4, shuffle=False)
    assert_equal(np.concatenate([b[1] for b in plain]) // 10, np.arange(n), what="the row order with shuffle=False",
                 hint="without shuffle the order is 0, 1, ..., n-1 and no rng is needed")

    first = collect("batches(x, batch_size=4, rng=default_rng(5))", x, batch_size=4, rng=np.random.default_rng(5))
    again = collect("batches(x, batch_size=4, rng=default_rng(5))", x, batch_size=4, rng=np.random.default_rng(5))
    other = collect("batches(x, batch_size=4, rng=default_rng(6))", x, batch_size=4, rng=np.random.default_rng(6))
    rows = lambda bs: np.concatenate([b[0][:, 0] for b in bs]).tolist()  # noqa: E731
    require(rows(first) == rows(again), "two calls with rng=default_rng(5) gave different orders: the order must come from rng only")
    require(rows(first) != rows(other), "seeds 5 and 6 gave the same order: shuffle with the rng given",
            hint="rng.permutation(n), never np.random.permutation (NumPy's global state)")
    rng = np.random.default_rng(7)
    pass1 = collect("batches(x, batch_size=4, rng=rng) (first pass)", x, batch_size=4, rng=rng)
    pass2 = collect("batches(x, batch_size=4, rng=rng) (second pass, same Generator)", x, batch_size=4, rng=rng)
    require(rows(pass1) != rows(pass2), "two passes with the same Generator gave the same order: each call should draw a fresh permutation",
            hint="do not copy or re-seed the Generator: rng.permutation(n) advances it")

    with expect_raises(ValueError, "batches(x (10 rows), y[:7] (7 rows), batch_size=4, rng=...)",
                       hint="check that every array has the same first dimension") as caught:
        list(data().batches(x, y[:7], batch_size=4, rng=np.random.default_rng(0)))
    require("10" in str(caught[0]) and "7" in str(caught[0]),
            f"the ValueError for arrays of 10 and 7 rows should name both lengths; got: {caught[0]}")
    with expect_raises(ValueError, "batches(x, batch_size=4) with shuffle=True and no rng",
                       hint="shuffling needs a Generator: raise ValueError when rng is None"):
        list(data().batches(x, batch_size=4))
    lazy = ("a function with yield in its body runs none of it until the first next(): check the arguments in a plain "
            "function, then return a generator expression (or an inner generator)")
    for args, kwargs, what in [((x, y[:7]), {"batch_size": 4, "rng": np.random.default_rng(0)}, "batches(x, y[:7], batch_size=4, rng=...)"),
                               ((x,), {"batch_size": 4}, "batches(x, batch_size=4) with shuffle=True and no rng"),
                               ((x,), {"batch_size": 0, "rng": np.random.default_rng(0)}, "batches(x, batch_size=0, rng=...)")]:
        with expect_raises(ValueError, f"{what}, called but not iterated", hint=lazy):
            data().batches(*args, **kwargs)


def two_moons(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """n points on two interleaving half circles (labels 0 and 1), plus Gaussian noise."""
    label = rng.integers(0, 2, n)
    angle = rng.uniform(0.0, np.pi, n)
    x = np.where(label == 0, np.cos(angle), 1.0 - np.cos(angle))
    y = np.where(label == 0, np.sin(angle), 0.5 - np.sin(angle))
    points = np.stack([x, y], axis=1) + noise * rng.standard_normal((n, 2))
    return points, label


def moons() -> tuple[np.ndarray, ...]:
    points, labels = two_moons(700, 0.15, np.random.default_rng(2024))
    points = ((points - points[:500].mean(0)) / points[:500].std(0)).astype(np.float32)
    return points[:500], labels[:500], points[500:], labels[500:]


EPOCHS, BATCH, LR, BAR = 40, 32, 0.01, 0.95


def train_mlp(seed: int) -> tuple[list[float], float]:
    """Train 2 -> 32 -> 32 -> 2 (tanh) with Adam on the moons; return the mean loss of each epoch and the test accuracy."""
    nn, F, tensor, batches = load(2, "nn"), load(2, "functional"), load(2, "tensor"), data().batches
    x_train, y_train, x_test, y_test = moons()
    rng = np.random.default_rng(seed)
    with calling("building Sequential(Linear(2, 32), Tanh(), Linear(32, 32), Tanh(), Linear(32, 2))"):
        model = nn.Sequential(nn.Linear(2, 32, rng=rng), nn.Tanh(), nn.Linear(32, 32, rng=rng), nn.Tanh(), nn.Linear(32, 2, rng=rng))
        opt = load(2, "optim").Adam(model.parameters(), lr=LR)
    losses = []
    for epoch in range(EPOCHS):
        total, count = 0.0, 0
        for xb, yb in batches(x_train, y_train, batch_size=BATCH, rng=rng):
            with calling(f"a training step (epoch {epoch + 1}): logits = model(Tensor(xb)); F.cross_entropy(logits, yb)"):
                loss = F.cross_entropy(model(tensor.Tensor(xb)), yb)
            with calling(f"a training step (epoch {epoch + 1}): opt.zero_grad(); loss.backward(); opt.step()"):
                opt.zero_grad()
                loss.backward()
                opt.step()
            total += float(to_numpy(loss.data)) * len(yb)
            count += len(yb)
        losses.append(total / count)
    with calling("model(Tensor(x_test)) inside no_grad()"):
        with tensor.no_grad():
            logits = to_numpy(model(tensor.Tensor(x_test)).data)
    return losses, float(np.mean(logits.argmax(axis=1) == y_test))


@task(points=3, timeout=60,
      needs=("nn_linear", "tanh_relu_sigmoid_gelu", "cross_entropy", "optim_adam", "data_batches"))
def test_training_toy_mlp():
    """A 2-32-32-2 MLP trained with your Linear, Tensor, cross_entropy, Adam and batches separates two moons."""
    start = time.perf_counter()
    losses, accuracy = train_mlp(seed=0)
    seconds = time.perf_counter() - start
    curve = ", ".join(f"{v:.3f}" for v in losses[:: EPOCHS // 8])
    setup = (f"an MLP 2 -> 32 -> 32 -> 2 (tanh), Adam(lr={LR}), {EPOCHS} epochs of batches of {BATCH}, "
             f"on 500 two-moons points")
    require(all(np.isfinite(losses)), f"{setup}: the loss became nan or inf (losses per epoch: {curve})",
            hint="check cross_entropy's stability (subtract the max before exp) and Adam's eps")
    if losses[-1] > 1.2 * losses[0]:
        hint = ("the loss rose: the steps go uphill. Check the signs: Adam subtracts lr * m_hat / (sqrt(v_hat) + eps), "
                "and cross_entropy's gradient is softmax - onehot, not onehot - softmax")
    elif losses[-1] > 0.8 * losses[0]:
        hint = ("the loss hardly fell, so the parameters barely learned: check that model.parameters() returns the "
                "model's own Parameter objects, that zero_grad() clears them, and that Adam steps against the gradient")
    elif 0.8 <= accuracy <= 0.9:
        hint = ("about 87 % is what a straight line gets: check that the hidden layers and their tanh (forward and "
                "backward) take part, so the model can bend its boundary")
    else:
        hint = "make sure every gradient task passes first: this task runs them all together"
    require(accuracy >= BAR,
            f"{setup}: {accuracy:.1%} of 200 held-out points classified right, need {BAR:.0%} (mean loss per epoch: {curve})",
            hint=hint)
    again, accuracy2 = train_mlp(seed=0)
    require(again == losses and accuracy2 == accuracy,
            f"training twice with seed 0 gave different losses ({losses[-1]!r} then {again[-1]!r}): "
            "every random draw must come from the Generator passed in",
            hint="Linear, Embedding and batches take rng; never use np.random.* directly")
    require(seconds < 20, f"{setup} took {seconds:.1f} s; it should take a few seconds",
            hint="keep array work in NumPy calls: no Python loops over elements in Tensor ops or backward")
