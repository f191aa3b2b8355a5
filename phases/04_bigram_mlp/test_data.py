"""Grader for data.py: the contiguous split, (context, target) examples and random batches,
on streams whose answers are written out here or built with NumPy's sliding windows."""

from __future__ import annotations

import copy
import time

import numpy as np

from common import load
from common.checks import assert_equal, calling, expect_raises, require
from grader import task


def data():
    return load(4, "data")


SPLIT_HINT = "either part may be as small as one token: raise ValueError only when k < 1 or k > n - 1"


def split(tokens, frac, what):
    with calling(what, hint=SPLIT_HINT):
        out = data().split_tokens(tokens, frac)
    require(isinstance(out, tuple) and len(out) == 2, f"{what} should return a tuple (train, valid), got {out!r:.120}")
    return np.asarray(out[0]), np.asarray(out[1])


@task(points=1, timeout=20)
def test_data_split_tokens():
    """split_tokens cuts a contiguous tail of round(n * val_fraction) tokens and refuses empty parts."""
    # (10, 0.9): one token to train on; (10, 0.25): n * val_fraction = 2.5 exactly, which round() takes to 2
    for n, frac in [(10, 0.2), (17, 0.1), (1000, 0.05), (9, 0.3), (10, 0.9), (10, 0.25)]:
        tokens = np.arange(n, dtype=np.int64) * 3 + 7  # distinct values: any shuffling shows
        k = round(n * frac)
        what = f"split_tokens(tokens of length {n}, val_fraction={frac})"
        train, valid = split(tokens, frac, what)
        if len(valid) != k:
            hint = f"k = round({n} * {frac}) = {k}"
            if len(valid) == int(n * frac):
                hint += "; int() rounds down, round() to the nearest"
            elif len(valid) == int(n * frac + 0.5):
                hint += "; Python's round() takes a half to the even neighbour (round(2.5) == 2): int(x + 0.5) rounds it up"
            elif len(train) == k:
                hint = "the first part is the training set (n - k tokens), the second the validation set (k tokens)"
            raise AssertionError(f"{what}: expected {n - k} training and {k} validation tokens, "
                                 f"got {len(train)} and {len(valid)}.\nHint: {hint}")
        if np.array_equal(train, tokens[k:]) and np.array_equal(valid, tokens[:k]):
            raise AssertionError(f"{what}: the validation part is tokens[:{k}], the first k tokens.\nHint: the validation part "
                                 "is the last k tokens, tokens[n - k:], and the training part the first n - k, tokens[:n - k]: "
                                 "you cut the validation part from the front")
        same_set = sorted(np.concatenate([train, valid]).tolist()) == tokens.tolist()
        assert_equal(train, tokens[:n - k], what=f"{what}: the training part",
                     hint="contiguous, not shuffled: tokens[:n - k]" if same_set else "train = tokens[:n - k]")
        assert_equal(valid, tokens[n - k:], what=f"{what}: the validation part",
                     hint="contiguous, not shuffled: the last k tokens, tokens[n - k:]" if same_set else "valid = tokens[n - k:]")

    tokens = np.arange(10) * 3 + 7
    with calling("split_tokens(tokens of length 10) with the default val_fraction (one token to validate)", hint=SPLIT_HINT):
        train, valid = data().split_tokens(tokens)
    assert_equal((len(train), len(valid)), (9, 1), what="split_tokens(tokens of length 10) lengths with the default val_fraction",
                 hint="the default is val_fraction=0.1")

    for n, frac, why in [(10, 0.0, "val_fraction=0"), (10, 1.0, "val_fraction=1"), (10, -0.2, "a negative val_fraction"),
                         (10, 1.5, "val_fraction > 1"), (5, 0.05, "k = round(5 * 0.05) = 0: an empty validation part"),
                         (3, 0.9, "k = round(3 * 0.9) = 3: an empty training part")]:
        with expect_raises(ValueError, f"split_tokens(tokens of length {n}, val_fraction={frac}) ({why})",
                           hint="ValueError unless 0 < val_fraction < 1 and both parts hold at least one token"):
            data().split_tokens(np.arange(n), frac)


def examples(tokens, block_size, what):
    with calling(what):
        out = data().make_examples(tokens, block_size)
    require(isinstance(out, tuple) and len(out) == 2, f"{what} should return a tuple (X, Y), got {type(out).__name__}")
    X, Y = out
    require(isinstance(X, np.ndarray) and isinstance(Y, np.ndarray),
            f"{what} should return NumPy arrays, got {type(X).__name__} and {type(Y).__name__}")
    return X, Y


def check_examples(tokens, block_size, what):
    n = len(tokens)
    t = np.asarray(tokens, dtype=np.int64)
    X, Y = examples(tokens, block_size, what)
    exp_X = np.array([t[i:i + block_size] for i in range(n - block_size)], dtype=np.int64).reshape(n - block_size, block_size)
    exp_Y = t[block_size:]
    if X.shape != exp_X.shape:
        hint = (f"a stream of n={n} tokens gives n - block_size = {n - block_size} examples "
                f"of block_size={block_size} tokens each")
        if X.shape == (n - block_size + 1, block_size):
            hint += "; the last window has no token after it, so it is no example"
        raise AssertionError(f"{what}: X should have shape {exp_X.shape}, got {X.shape}.\nHint: {hint}")
    assert_equal(Y.shape, exp_Y.shape, what=f"{what}: Y.shape", hint="one target per example: (n - block_size,)")
    assert_equal(X.dtype, np.dtype(np.int64), what=f"{what}: X.dtype", hint="X.astype(np.int64): ids index tables later")
    assert_equal(Y.dtype, np.dtype(np.int64), what=f"{what}: Y.dtype", hint="Y.astype(np.int64)")
    hint = "X[i] = tokens[i : i + block_size], the block_size tokens before the target"
    assert_equal(X, exp_X, what=f"{what}: X", hint=hint)
    hint = "Y[i] = tokens[i + block_size], the token right after the window X[i]"
    if np.array_equal(Y, t[block_size - 1:-1]):
        hint = "Y[i] is the last token of the window; the target is the one after it, tokens[i + block_size]"
    assert_equal(Y, exp_Y, what=f"{what}: Y", hint=hint)
    return X, Y


@task(points=2, timeout=40)
def test_data_make_examples(tmp_path):
    """make_examples gives X[i] = tokens[i:i+bs], Y[i] = tokens[i+bs] as int64, fast, from any int stream."""
    tokens = np.array([5, 1, 4, 1, 9, 2])
    what = "make_examples([5, 1, 4, 1, 9, 2], block_size=2)"
    X, Y = examples(tokens, 2, what)
    hint = "the docstring's example: every window of 2 tokens that has a token after it"
    if X.tolist() == [[5, 1], [1, 4], [4, 1], [1, 9], [9, 2]]:
        hint += "; the last window [9, 2] has no token after it, so it is no example: n - block_size windows"
    assert_equal(X.tolist() if X.ndim == 2 else X, [[5, 1], [1, 4], [4, 1], [1, 9]], what=f"{what}: X", hint=hint)
    hint = "Y[i] = tokens[i + block_size]"
    if Y.tolist() == [1, 4, 1, 9]:
        hint = "Y[i] is the last token of the window; the target is the one after it, tokens[i + block_size]"
    assert_equal(Y.tolist(), [4, 1, 9, 2], what=f"{what}: Y", hint=hint)

    g = np.random.default_rng(0)
    check_examples(tokens, 1, "make_examples([5, 1, 4, 1, 9, 2], block_size=1) (the bigram case)")
    check_examples(tokens, 5, "make_examples([5, 1, 4, 1, 9, 2], block_size=5) (one example)")
    stream = g.integers(0, 30, 60)
    check_examples(stream, 7, "make_examples(60 random ids, block_size=7)")
    check_examples(stream.astype(np.uint16), 3, "make_examples(60 random ids as uint16, block_size=3)")
    path = tmp_path / "tokens.u16"
    stream.astype(np.uint16).tofile(path)
    mm = np.memmap(path, dtype=np.uint16, mode="r")
    check_examples(mm, 4, "make_examples(a read-only np.memmap of 60 uint16 ids, block_size=4)")

    for toks, bs, why in [([1, 2, 3], 3, "3 tokens with block_size=3 (no token after the window)"),
                          ([1, 2], 5, "2 tokens with block_size=5"), ([1, 2, 3, 4], 0, "block_size=0"),
                          ([1, 2, 3, 4], -1, "block_size=-1")]:
        with expect_raises(ValueError, f"make_examples({toks}, block_size={bs}) ({why})",
                           hint="ValueError when block_size < 1 or the stream holds no more than block_size tokens"):
            data().make_examples(np.array(toks), bs)

    big = (np.arange(1_000_000, dtype=np.int64) * 7919 % 65).astype(np.uint16)
    what = "make_examples(1,000,000 uint16 ids, block_size=8)"
    start = time.perf_counter()
    X, Y = examples(big, 8, what)
    seconds = time.perf_counter() - start
    require(X.shape == (999_992, 8) and Y.shape == (999_992,),
            f"{what}: expected X (999992, 8) and Y (999992,), got {X.shape} and {Y.shape}")
    view = np.lib.stride_tricks.sliding_window_view(big, 8)[:-1]
    require(np.array_equal(X, view) and np.array_equal(Y, big[8:]), f"{what}: X or Y differs from the windows of the stream")
    require(seconds < 10.0, f"{what} took {seconds:.1f} s; it should take well under a second",
            hint="np.lib.stride_tricks.sliding_window_view(tokens, block_size)[:-1] gives every window without a Python loop")


@task(points=1, timeout=20)
def test_data_random_batch():
    """random_batch draws rng.integers(0, len(X), size=batch_size) once and returns aligned rows."""
    n = 20
    X = np.arange(n * 3).reshape(n, 3) * 10
    Y = np.arange(n)
    rng = np.random.default_rng(5)
    twin = copy.deepcopy(rng)
    for call, bs in enumerate([7, 7, 1, 50]):
        what = f"random_batch(X (20, 3), Y (20,), batch_size={bs}, rng) (call {call + 1} on the same rng)"
        with calling(what):
            out = data().random_batch(X, Y, bs, rng)
        require(isinstance(out, tuple) and len(out) == 2, f"{what} should return (xb, yb), got {out!r:.100}")
        xb, yb = np.asarray(out[0]), np.asarray(out[1])
        ix = twin.integers(0, n, size=bs)
        require(xb.shape == (bs, 3) and yb.shape == (bs,),
                f"{what}: expected xb (batch_size, 3) = {(bs, 3)} and yb {(bs,)}, got {xb.shape} and {yb.shape}",
                hint="draw with replacement: a batch may be larger than the set")
        require(np.array_equal(xb[:, 0] // 30, yb),
                f"{what}: rows of xb {(xb[:, 0] // 30).tolist()} do not match yb {yb.tolist()}",
                hint="take one index array ix and return X[ix], Y[ix]")
        assert_equal(yb, Y[ix], what=f"{what}: the rows drawn (expected rng.integers(0, 20, size={bs}))",
                     hint="draw ix = rng.integers(0, len(X), size=batch_size) from the rng given, in exactly that call "
                          "(the upper bound len(X) is excluded already; rng.permutation gives other rows)")
        require(rng.bit_generator.state == twin.bit_generator.state,
                f"{what}: after the call the rng is not where one rng.integers(0, 20, size={bs}) call leaves it",
                hint="draw once per call, and only with rng.integers(0, len(X), size=batch_size)")
