"""Grader for bigram.py: counting against collections.Counter, add-k smoothing and the NLL against
formulas written here, the Bigram module against PyTorch, and the learned table against the counted one."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import torch
import torch.nn.functional as TF

from common import load
from common.backend import to_numpy
from common.checks import assert_close, assert_equal, calling, expect_raises, require
from grader import task


def bigram():
    return load(4, "bigram")


def counter_table(tokens, V: int) -> np.ndarray:
    """The obvious count: a Counter over zip(tokens, tokens[1:])."""
    table = np.zeros((V, V), dtype=np.int64)
    for (a, b), n in Counter(zip(tokens[:-1].tolist(), tokens[1:].tolist())).items():
        table[a, b] = n
    return table


def counts_hint(got: np.ndarray, expected: np.ndarray, tokens: np.ndarray) -> str:
    if np.array_equal(got, expected.T):
        return "the table is transposed: counts[a, b] counts b after a (row = the first token of the pair)"
    if np.array_equal(got, (expected > 0).astype(got.dtype)):
        return ("every pair counted at most once: counts[a, b] += 1 with index arrays adds 1 once per distinct pair; "
                "np.add.at(counts, (a, b), 1) adds it once per occurrence")
    wrapped = expected.copy()
    wrapped[tokens[-1], tokens[0]] += 1
    if np.array_equal(got, wrapped):
        return "a pair (last token, first token) was counted: the stream does not wrap around; pair t[i] with t[i + 1] for i < n - 1"
    return "counts[a, b] = the number of positions i < n - 1 with t[i] = a and t[i + 1] = b"


def check_counts(tokens, V: int, what: str) -> None:
    with calling(what):
        got = bigram().count_bigrams(tokens, V)
    require(isinstance(got, np.ndarray), f"{what} should return a NumPy array, got {type(got).__name__}")
    assert_equal(got.shape, (V, V), what=f"{what}: shape", hint="a (vocab_size, vocab_size) table")
    require(np.issubdtype(got.dtype, np.integer), f"{what}: counts should be integers (int64), got dtype {got.dtype}",
            hint="np.zeros((V, V), dtype=np.int64)")
    expected = counter_table(np.asarray(tokens, dtype=np.int64), V)
    assert_equal(int(got.sum()), len(tokens) - 1, what=f"{what}: the total of the table (a stream of n tokens holds n - 1 pairs)",
                 hint=counts_hint(got, expected, np.asarray(tokens)))
    assert_equal(got, expected, what=f"{what}: the table", hint=counts_hint(got, expected, np.asarray(tokens)))


@task(points=2, timeout=20)
def test_bigram_counts():
    """count_bigrams matches a Counter over consecutive pairs (repeats counted), as integers; bad ids refused."""
    B = bigram()
    tokens = np.array([0, 1, 1, 0, 1])
    what = "count_bigrams([0, 1, 1, 0, 1], vocab_size=3)"
    # pairs (0,1) (1,1) (1,0) (0,1): counts[0, 1] = 2, counts[1, 1] = 1, counts[1, 0] = 1
    with calling(what):
        got = B.count_bigrams(tokens, 3)
    assert_equal(np.asarray(got).tolist(), [[0, 2, 0], [1, 1, 0], [0, 0, 0]], what=what,
                 hint=counts_hint(np.asarray(got), counter_table(tokens, 3), tokens) if np.shape(got) == (3, 3) else None)

    g = np.random.default_rng(0)
    check_counts(g.integers(0, 5, 300), 5, "count_bigrams(300 random ids in 0..4, vocab_size=5)")
    check_counts(g.integers(0, 4, 51), 9, "count_bigrams(51 random ids in 0..3, vocab_size=9) (ids 4..8 unused)")
    check_counts(g.integers(0, 12, 500).astype(np.uint16), 12, "count_bigrams(500 random uint16 ids, vocab_size=12)")
    check_counts(np.array([3, 3, 3, 3, 3, 0]), 4, "count_bigrams([3, 3, 3, 3, 3, 0], vocab_size=4)")
    check_counts(np.array([2]), 3, "count_bigrams([2], vocab_size=3) (one token, no pair)")
    with calling("count_bigrams(np.array([], dtype=np.int64), vocab_size=3) (no tokens)",
                 hint="no ids, no pair: check the ids' range only when there are some (min() of an empty array raises)"):
        got = bigram().count_bigrams(np.zeros(0, dtype=np.int64), 3)
    assert_equal(np.asarray(got), np.zeros((3, 3), dtype=np.int64), what="count_bigrams([], vocab_size=3)",
                 hint="an empty stream gives a (vocab_size, vocab_size) table of zeros")

    for toks, V, bad in [([0, 1, 7, 2], 5, "7"), ([0, 5, 1], 5, "5"), ([-1, 0, 2], 5, "-1")]:
        with expect_raises(ValueError, f"count_bigrams({toks}, vocab_size={V})",
                           hint="check the ids first: every id must lie in [0, vocab_size); NumPy would wrap -1 around") as caught:
            B.count_bigrams(np.array(toks), V)
        require(bad in str(caught[0]), f"the ValueError of count_bigrams({toks}, vocab_size={V}) should name the id {bad}; "
                f"got: {caught[0]}")


def probs(counts, k, what, **kw):
    with calling(what):
        got = bigram().bigram_probs(counts, **kw)
    require(isinstance(got, np.ndarray), f"{what} should return a NumPy array, got {type(got).__name__}")
    return got


def rows_normalised(m: np.ndarray, axis: int = 1) -> np.ndarray:
    """m divided by its sums along axis; a slice that sums to 0 becomes uniform (or nan, either may match)."""
    totals = m.sum(axis=axis, keepdims=True)
    return np.where(totals > 0, m / np.where(totals > 0, totals, 1), 1.0 / m.shape[axis])


def probs_hint(got: np.ndarray, counts: np.ndarray, k: float) -> str:
    c = counts.astype(np.float64)
    plain = rows_normalised(c)
    candidates = [
        ("the columns are normalised: each ROW must sum to 1 (sum over axis=1, keepdims=True)", rows_normalised(c + k, axis=0)),
        (f"smoothing={k} was ignored: add k to every count before normalising", plain if k else None),
        ("k was added to the probabilities: add it to the counts, then normalise the rows", rows_normalised(plain + k) if k else None),
        ("k was added after normalising: add it to the counts first, then divide each row by its sum", plain + k if k else None),
    ]
    if got.shape == counts.shape:
        empty = counts.sum(axis=1) == 0
        for text, alt in candidates:
            if alt is not None and np.allclose(got[~empty], alt[~empty], rtol=1e-9):
                return "your values match this mistake: " + text
    return "P[a, b] = (counts[a, b] + k) / sum over c of (counts[a, c] + k)"


@task(points=2, timeout=20)
def test_bigram_probs():
    """bigram_probs is add-k smoothing with rows normalised; an empty row with k=0 is uniform; k<0 refused."""
    g = np.random.default_rng(1)
    counts = g.integers(0, 9, (6, 6))
    counts[2] = 0  # an empty row
    counts[4, 1] = 40
    keep = counts.copy()
    for k in [1.0, 0.5, 2.0, 0.01]:
        what = f"bigram_probs(counts (6, 6) with an empty row 2, smoothing={k})"
        got = probs(counts, k, what, smoothing=k)
        assert_equal(got.shape, (6, 6), what=f"{what}: shape")
        assert_equal(got.dtype, np.dtype(np.float64), what=f"{what}: dtype", hint="probabilities are float64")
        expected = (counts + k) / (counts + k).sum(axis=1, keepdims=True)
        assert_close(got.sum(axis=1), np.ones(6), what=f"{what}: the row sums", rtol=1e-12, atol=1e-12,
                     hint=probs_hint(got, counts, k))
        assert_close(got, expected, what=what, rtol=1e-12, atol=1e-15, hint=probs_hint(got, counts, k))
    require(np.array_equal(counts, keep), "bigram_probs changed the counts passed in",
            hint="compute a new array: counts + k, not counts += k")

    got = probs(counts, 1.0, "bigram_probs(counts) (the default smoothing)")
    assert_close(got, (counts + 1.0) / (counts + 1.0).sum(axis=1, keepdims=True), rtol=1e-12, atol=1e-15,
                 what="bigram_probs(counts) with the default smoothing", hint="the default is smoothing=1.0 (Laplace)")

    what = "bigram_probs(counts (6, 6) with an empty row 2, smoothing=0)"
    with np.errstate(divide="ignore", invalid="ignore"):
        got = probs(counts, 0.0, what, smoothing=0.0)
    expected = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    expected[2] = 1 / 6
    hint = probs_hint(got, counts, 0.0)
    if got.shape == (6, 6) and not np.all(np.isfinite(got[2])):
        hint = "row 2 has no counts: 0 / 0 is nan; a row with no counts and k = 0 is uniform, 1 / V"
    assert_close(got, expected, what=what, rtol=1e-12, atol=1e-15, hint=hint)

    for k in [-1.0, -0.001]:
        with expect_raises(ValueError, f"bigram_probs(counts, smoothing={k})", hint="a negative k is no smoothing: raise ValueError"):
            bigram().bigram_probs(counts, smoothing=k)


def nll(P, tokens, what):
    with calling(what):
        with np.errstate(divide="ignore"):
            got = bigram().bigram_nll(P, tokens)
    require(isinstance(got, float), f"{what} should return a Python float, got {type(got).__name__}: {got!r:.80}",
            hint="float(...) of the NumPy mean")
    return got


def nll_hint(got: float, expected: float, n: int) -> str:
    pairs = n - 1
    candidates = {
        "the sum over pairs: divide by the number of pairs (take the mean)": expected * pairs,
        f"divided by n = {n}: a stream of n tokens holds n - 1 = {pairs} pairs": expected * pairs / n,
        "log base 2 (bits): use the natural log, np.log (nats)": expected / math.log(2),
        "log base 10: use the natural log, np.log (nats)": expected / math.log(10),
        "the sign: the NLL is -mean(log P), a positive number": -expected,
    }
    for text, value in candidates.items():
        if math.isclose(got, value, rel_tol=1e-9):
            return f"your value matches {text}"
    return "-mean(log P[t[i], t[i + 1]]) over the n - 1 pairs, with P[a, b] = row a (the first token), column b"


@task(points=2, timeout=20)
def test_bigram_nll():
    """bigram_nll is -mean(log P[t[i], t[i+1]]) over the n-1 pairs, in nats; a zero-probability pair gives inf."""
    P = np.array([[0.25, 0.75], [0.4, 0.6]])
    tokens = np.array([0, 1, 1, 0])
    # pairs (0,1) (1,1) (1,0): -(ln 0.75 + ln 0.6 + ln 0.4) / 3 = (0.287682 + 0.510826 + 0.916291) / 3
    expected = 0.5715994760306422
    what = "bigram_nll(P=[[0.25, 0.75], [0.4, 0.6]], tokens=[0, 1, 1, 0])"
    got = nll(P, tokens, what)
    hint = nll_hint(got, expected, 4)
    if math.isclose(got, -(math.log(0.25) + math.log(0.6) + math.log(0.75)) / 3, rel_tol=1e-9):
        hint = "P was read transposed: the probability of b after a is P[a, b] (row a)"
    assert_close(got, expected, what=f"{what}: the pairs (0,1), (1,1), (1,0) have P 0.75, 0.6, 0.4", rtol=1e-12, hint=hint)

    g = np.random.default_rng(2)
    for V, n in [(7, 300), (3, 2), (20, 1000)]:
        P = g.dirichlet(np.ones(V), size=V)
        tokens = g.integers(0, V, n)
        expected = float(-np.log(P[tokens[:-1], tokens[1:]]).mean())
        what = f"bigram_nll(P ({V}, {V}) with random rows, {n} random tokens)"
        got = nll(P, tokens, what)
        assert_close(got, expected, what=what, rtol=1e-12, hint=nll_hint(got, expected, n))

    P = np.array([[0.0, 1.0], [0.5, 0.5]])
    what = "bigram_nll(P=[[0, 1], [0.5, 0.5]], tokens=[1, 0, 0]) (the pair (0, 0) has probability 0)"
    got = nll(P, np.array([1, 0, 0]), what)
    require(got == math.inf, f"{what} should be inf (log 0 = -inf), got {got!r}",
            hint="np.log(0.0) is -inf (NumPy only warns): do not clip or skip zero probabilities")
    for toks in ([3], []):
        with expect_raises(ValueError, f"bigram_nll(P, tokens={toks})", hint="fewer than two tokens hold no pair: raise ValueError"):
            bigram().bigram_nll(np.full((4, 4), 0.25), np.array(toks, dtype=np.int64))


def make_bigram(V: int):
    what = f"Bigram({V})"
    with calling(what):
        model = bigram().Bigram(V)
    return model


def forward(model, idx, what):
    T = load(2, "tensor").Tensor
    with calling(what):
        out = model(idx)
    require(isinstance(out, T), f"{what} should return a phase-02 Tensor, got {type(out).__name__}",
            hint="index the Parameter itself, self.weight[idx[:, 0]], so that the result is in the graph")
    return out


@task(points=2, timeout=20)
def test_bigram_module(oracle):
    """Bigram: one zero (V, V) Parameter `weight`; forward picks its rows; value and gradient match PyTorch."""
    nn = load(2, "nn")
    F = load(2, "functional")
    V = 7
    model = make_bigram(V)
    with calling(f"Bigram({V}).named_parameters()"):
        params = list(model.named_parameters())
    assert_equal([n for n, _ in params], ["weight"], what=f"the names of Bigram({V}).named_parameters()",
                 hint="one Parameter, stored as self.weight")
    w = params[0][1]
    require(isinstance(w, nn.Parameter), f"Bigram.weight should be a phase-02 Parameter, got {type(w).__name__}")
    data = to_numpy(w.data)
    assert_equal(data.shape, (V, V), what=f"Bigram({V}).weight shape", hint="(vocab_size, vocab_size): row a holds the logits after a")
    require(np.issubdtype(data.dtype, np.floating), f"Bigram.weight should be floating point, got {data.dtype}",
            hint="np.zeros((V, V), dtype=np.float32)")
    require(not data.any(), f"Bigram({V}).weight should start at zero, got values like {data.ravel()[:4]}",
            hint="zeros: every next token equally likely, a first loss of ln V")

    g = np.random.default_rng(3)
    idx = np.array([[2], [5], [2], [0], [6], [2], [5], [1], [3], [3]])
    y = g.integers(0, V, len(idx))
    what = f"Bigram({V})(idx) with idx of shape {idx.shape}, ids {idx[:, 0].tolist()}"
    out = forward(model, idx, f"{what} (fresh model)")
    logits = np.asarray(to_numpy(out.data), dtype=np.float64)
    hint = "index with idx[:, 0] (or idx[:, -1]) to get (B, V), not (B, 1, V)" if logits.shape == (len(idx), 1, V) else None
    assert_equal(logits.shape, (len(idx), V), what=f"{what}: logits shape", hint=hint)
    assert_close(oracle.ce(logits, y), math.log(V), rtol=1e-6,
                 what=f"the cross-entropy of a fresh Bigram({V}) on random targets (ln {V})")

    W = g.standard_normal((V, V))
    w.data = W.copy()
    out = forward(model, idx, f"{what} (weight set to random float64 values)")
    got = np.asarray(to_numpy(out.data))
    hint = "logits for the token after a are row a of weight: self.weight[idx[:, 0]]"
    if got.shape == (len(idx), V) and np.allclose(got, W.T[idx[:, 0]]):
        hint = "a column was picked: the logits after a are ROW a, self.weight[idx[:, 0]], not weight[:, a]"
    assert_close(got, W[idx[:, 0]], what=f"{what}: logits (weight set to random values)", rtol=1e-12, hint=hint)
    with calling(f"{what}: F.cross_entropy(logits, y).backward()",
                 hint="the logits must come from the Parameter: self.weight[idx[:, 0]], not self.weight.data[...] "
                      "(an array has no graph, so no gradient can reach weight)"):
        F.cross_entropy(out, y).backward()
    Wt = torch.tensor(W, requires_grad=True)
    TF.cross_entropy(Wt[torch.from_numpy(idx[:, 0])], torch.from_numpy(y)).backward()
    require(w.grad is not None, f"{what}: after cross_entropy(logits, y).backward(), weight.grad is None",
            hint="index the Parameter (self.weight[...]), not its .data: an array has no graph to back-propagate through")
    assert_close(to_numpy(w.grad), Wt.grad.numpy(), what=f"{what}: gradient of weight after cross_entropy(logits, y).backward(), "
                 "vs PyTorch", rtol=1e-9, atol=1e-12,
                 hint="an id that appears twice (2 appears three times) must receive both gradients: phase 02's indexing adds them")


@task(points=3, timeout=90, needs=('bigram_module',))
def test_bigram_learned_matches_counts(oracle):
    """Bigram trained by gradient descent (Adam, 300 steps) reaches the counted bigram's validation loss."""
    c = oracle.corpus()
    V = c.vocab_size
    X, Y, Xv, Yv = oracle.examples(1)
    counted = oracle.counting_nll(1.0)
    model = make_bigram(V)
    setup = (f"Bigram({V}) trained by the grader (phase-02 Adam(lr=0.1), 300 steps, batches of 512 drawn with "
             f"default_rng(0)) on {len(X):,} character pairs of TinyStories")
    losses = oracle.train_steps(model, X, Y, steps=300, batch_size=512, lr=0.1, seed=0, what=setup)
    learned = oracle.mean_nll(model, Xv, Yv, V, what=setup)
    hint = None
    if abs(losses[0] - math.log(V)) > 0.01:
        hint = f"the first loss is {losses[0]:.3f}, not ln {V} = {math.log(V):.3f}: does weight start at zero?"
    elif abs(learned - math.log(V)) < 0.05:
        hint = ("the model did not learn: forward must index self.weight (the Parameter), so that the gradient reaches it "
                "and the optimizer (built on model.parameters()) updates it")
    require(math.isfinite(learned) and abs(learned - counted) <= 0.05,
            f"{setup}: validation loss {learned:.4f}, the counted bigram (add-1 smoothing) {counted:.4f}; "
            f"they should agree within 0.05 nats (training losses: {oracle.curve(losses)})", hint=hint)
