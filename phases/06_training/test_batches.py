"""Grader for batches.py: open_tokens maps a token file read-only (np.memmap, never read whole) and
refuses bad files by name; get_batch replays ``rng.integers(0, len(tokens) - block_size, size=batch_size)``
exactly and covers every start uniformly (a chi-square test); eval_batches walks every
non-overlapping window once, in order, without drawing random numbers.

The token files are written here with known content (ids 0, 1, 2, ...), so a window's first
input is its start. When a result is wrong, the grader computes the classic wrong variants
(starts that never reach the last window, targets not shifted, overlapping windows, ...) and
names the one your output matches.
"""

from __future__ import annotations

import copy
import os

import numpy as np
import torch

from common import load, under_test
from common.checks import assert_equal, calling, expect_raises, require
from grader import task

# The chi-square(19) quantile at 1 - 1e-6, by bisection on its survival function
# torch.special.gammaincc(19 / 2, x / 2) (the Wilson-Hilferty approximation gives 64.4).
CHI2_19_TAIL_1E6 = 63.677


def batches():
    return load(6, "batches")


def write_tokens(folder, name: str, ids) -> os.PathLike:
    path = folder / name
    np.asarray(ids, dtype="<u2").tofile(path)
    return path


def mapped(folder, name: str, n: int) -> np.memmap:
    """A read-only token file holding 0, 1, ..., n - 1 (n < 65536)."""
    return np.memmap(write_tokens(folder, name, np.arange(n)), dtype="<u2", mode="r")


# ---------------------------------------------------------------- open_tokens


def refuses(B, path, V: int, T: int, label: str, hint: str, names: tuple = ()) -> None:
    """open_tokens must raise ValueError, and its message must name the file (and ``names``)."""
    what = f"open_tokens('{path.name}', vocab_size={V}, block_size={T}) on {label}"
    with expect_raises(ValueError, what, hint=hint) as caught:
        B.open_tokens(path, V, T)
    text = str(caught[0])
    for word, why in ((path.name, "the file"), *names):
        require(word in text, f"{what}: the ValueError's message {text!r:.200} does not name {why} ({word})",
                hint="a run that dies at start-up should say why: name the file in the message, "
                     "f'{path}: ...', and what is wrong with it")


@task(points=2, timeout=30)
def test_open_tokens(tmp_path, monkeypatch):
    """open_tokens maps the file read-only as uint16 (np.memmap) and refuses bad files by name."""
    B = batches()
    V, T = 1000, 8
    ids = np.arange(50) * 37 % V
    ids[-1] = V - 1
    path = write_tokens(tmp_path, "train.bin", ids)
    what = (f"open_tokens('train.bin', vocab_size={V}, block_size={T}) on a file of 50 ids (100 bytes), "
            f"the largest {V - 1}")
    for arg in (path, str(path)):
        with calling(f"{what}, path given as {type(arg).__name__}",
                     hint=f"ids 0 .. vocab_size - 1 = {V - 1} are valid: refuse only ids >= vocab_size"):
            got = B.open_tokens(arg, V, T)
        require(isinstance(got, np.memmap), f"{what} should return a np.memmap, got {type(got).__name__}",
                hint="np.memmap(path, dtype='<u2', mode='r') maps the file: a slice reads only the pages it "
                     "touches; np.fromfile, np.load or open().read() load the whole corpus into memory")
    assert_equal(str(got.dtype), "uint16", what=f"{what}: the dtype",
                 hint="the ids are little-endian uint16, dtype='<u2': 2 bytes per token")
    assert_equal(len(got), 50, what=f"{what}: len(tokens)", hint="100 bytes of uint16 ids hold 50 tokens")
    require(not got.flags.writeable, f"{what}: the memmap is writable; training must never change the corpus",
            hint="open it read-only: mode='r' (mode='r+' writes through to the file, 'c' lets you change a copy)")
    require(os.path.samefile(got.filename, path), f"{what}: the memmap maps {got.filename}, not the file given")
    assert_equal(np.asarray(got), ids.astype(np.uint16), what=f"{what}: the ids read",
                 hint="read from offset 0, little-endian uint16 '<u2'")

    short = write_tokens(tmp_path, "just_enough.bin", np.arange(T + 1))
    with calling(f"open_tokens('just_enough.bin', vocab_size={V}, block_size={T}) on a file of {T + 1} ids",
                 hint="block_size + 1 tokens make one whole example: accept it"):
        require(len(B.open_tokens(short, V, T)) == T + 1, f"open_tokens on {T + 1} ids should map all {T + 1}")

    odd = tmp_path / "odd_size.bin"
    odd.write_bytes(np.arange(20, dtype="<u2").tobytes() + b"\x07")
    refuses(B, odd, V, T, "a file of 41 bytes",
            "check os.path.getsize(path) % 2 first: an odd byte count is not a file of uint16 ids")
    refuses(B, write_tokens(tmp_path, "too_short.bin", np.arange(T)), V, T, f"a file of exactly block_size = {T} ids",
            f"one example needs block_size + 1 = {T + 1} tokens (x and its shifted targets): refuse n < block_size + 1")
    bad = np.arange(20)
    bad[5] = V
    refuses(B, write_tokens(tmp_path, "id_too_big.bin", bad), V, T, f"a file whose id 5 is {V} = vocab_size",
            f"ids run from 0 to vocab_size - 1 = {V - 1}: refuse any id >= vocab_size")

    # bad ids beyond the first chunk: with SCAN_IDS shrunk to 1000 when the module has it, else 1 << 22
    if isinstance(getattr(B, "SCAN_IDS", None), int):
        monkeypatch.setattr(B, "SCAN_IDS", 1000)
        chunk, n, places = 1000, 2500, (1500, 2450)
    else:
        chunk = 1 << 22
        n, places = chunk + 10, (chunk + 7,)
    for where in places:
        ids = np.arange(n) % V
        ids[where] = 4321
        label = f"a file of {n} ids whose id {where} (after the first SCAN_IDS = {chunk}) is 4321"
        refuses(B, write_tokens(tmp_path, f"bad_at_{where}.bin", ids), V, T, label,
                "your check missed an id beyond the first chunk: scan every chunk, for i in range(0, n, SCAN_IDS): "
                "tokens[i:i + SCAN_IDS].max(), the last, shorter one included", names=(("4321", "the bad id"),))

    missing = tmp_path / "missing.bin"
    with expect_raises(FileNotFoundError, f"open_tokens('missing.bin', vocab_size={V}, block_size={T}) on no file",
                       hint="let the FileNotFoundError of os.path.getsize or np.memmap through"):
        B.open_tokens(missing, V, T)


# ---------------------------------------------------------------- get_batch


def windows(x: np.ndarray, y: np.ndarray, shape: tuple, what: str) -> np.ndarray:
    """Check x, y (int64, ``shape``, windows of the file 0, 1, 2, ... with y = x + 1); return the starts."""
    for name, a in (("x", x), ("y", y)):
        hint = "x and y are (batch_size, block_size): block_size inputs per window and their block_size targets"
        if a.shape == shape[::-1]:
            hint = "your array is transposed: one row per window, (batch_size, block_size)"
        elif a.shape[1:] == (shape[1] + 1,):
            hint = "a window holds block_size + 1 tokens: x is its first block_size, y its last block_size"
        assert_equal(a.shape, shape, what=f"{what}: {name}.shape", hint=hint)
        assert_equal(str(a.dtype), "int64", what=f"{what}: {name}.dtype",
                     hint=f"convert the token file's uint16 ids with .astype(np.int64) (yours are {a.dtype}): "
                          f"embeddings and cross-entropy index with int64, and uint16 arithmetic wraps around")
    require(np.array_equal(x[:, 1:], x[:, :-1] + 1),
            f"{what}: the rows of x are not consecutive tokens of the file 0, 1, 2, ...; first row {x[0].tolist()}",
            hint="x[b] = tokens[s : s + block_size], one contiguous window per start s")
    if not np.array_equal(y, x + 1):
        hint = "y[b, t] = x[b, t + 1]: y = tokens[s + 1 : s + 1 + block_size], the window shifted by one"
        if np.array_equal(y, x):
            hint = "y equals x: the targets are not shifted. y = tokens[s + 1 : s + 1 + block_size], one to the right"
        elif np.array_equal(y, x - 1):
            hint = "x and y are swapped: x is the first block_size tokens of the window, y the last block_size"
        raise AssertionError(f"{what}: y should be x shifted by one (x + 1 on the file 0, 1, 2, ...); x[0] = "
                             f"{x[0].tolist()}, y[0] = {y[0].tolist()}.\nHint: {hint}")
    return x[:, 0]


def call_batch(B, tokens, bs: int, T: int, rng, what: str) -> tuple[np.ndarray, np.ndarray]:
    with calling(what, hint="starts = rng.integers(0, len(tokens) - block_size, size=batch_size): the last window "
                            "starts at len(tokens) - block_size - 1 and ends on the last token"):
        out = B.get_batch(tokens, bs, T, rng)
    require(isinstance(out, tuple) and len(out) == 2, f"{what} should return a tuple (x, y), got {out!r:.100}")
    return np.asarray(out[0]), np.asarray(out[1])


def starts_hint(got: np.ndarray, state: dict, after: dict, n: int, T: int, bs: int) -> str:
    """Name the way of drawing that gives the learner's starts."""
    def g():
        r = np.random.default_rng()
        r.bit_generator.state = state
        return r

    if after == state:
        return ("the rng given did not move: draw the starts from it (not from np.random or a new default_rng), so "
                "that a saved rng state replays the same batches")
    variants = [
        ("your starts never reach the last window, which starts at len(tokens) - block_size - 1: rng.integers "
         "excludes its upper bound already, so high is len(tokens) - block_size, not len(tokens) - block_size - 1",
         g().integers(0, n - T - 1, size=bs)),
        ("your starts go one past the last window, high = len(tokens) - block_size + 1: that window would read past "
         "the end of the file", g().integers(0, n - T + 1, size=bs)),
        ("you drew the starts without replacement (a permutation): draw them with replacement, rng.integers(0, "
         "len(tokens) - block_size, size=batch_size); a batch may repeat a window", g().permutation(n - T)[:bs]),
        ("you drew the starts without replacement (rng.choice(..., replace=False)): draw them with "
         "rng.integers(0, len(tokens) - block_size, size=batch_size); a batch may repeat a window",
         g().choice(n - T, size=bs, replace=False)),
        ("you scaled rng.random(): draw integers directly, rng.integers(0, len(tokens) - block_size, size=batch_size)",
         (g().random(bs) * (n - T)).astype(np.int64)),
    ]
    for text, alt in variants:
        if np.array_equal(got, alt):
            return text
    return ("draw the starts with exactly one call, rng.integers(0, len(tokens) - block_size, size=batch_size), so "
            "that a saved rng state replays the same batches")


@task(points=3, timeout=30)
def test_get_batch(tmp_path):
    """get_batch: int64 windows, y = x shifted by one, starts replayed from the rng, every start equally likely.

    The uniformity check is a chi-square test over the 20 starts of a small file (20,000 draws,
    fixed seed), with a false-failure probability of 1e-6 for a sampler that is truly uniform.
    """
    B = batches()
    n, T = 300, 8
    tokens = mapped(tmp_path, "train.bin", n)
    rng = np.random.default_rng(1234)
    twin = copy.deepcopy(rng)
    for call, bs in enumerate((16, 16, 3)):
        what = (f"get_batch(tokens, batch_size={bs}, block_size={T}, rng) on a file of {n} tokens 0, 1, ..., "
                f"{n - 1} (call {call + 1} on the same rng = default_rng(1234))")
        state = copy.deepcopy(rng.bit_generator.state)
        x, y = call_batch(B, tokens, bs, T, rng, what)
        starts = windows(x, y, (bs, T), what)
        expected = twin.integers(0, n - T, size=bs)
        assert_equal(starts, expected, what=f"{what}: the starts x[:, 0]",
                     hint=starts_hint(starts, state, rng.bit_generator.state, n, T, bs))
        require(rng.bit_generator.state == twin.bit_generator.state,
                f"{what}: after the call the rng is not where one rng.integers(0, {n - T}, size={bs}) call leaves it",
                hint="draw once per call, and only with rng.integers(0, len(tokens) - block_size, size=batch_size)")

    # the smallest file: one window, every start 0
    small = mapped(tmp_path, "one_window.bin", T + 1)
    what = f"get_batch(tokens, batch_size=5, block_size={T}, rng) on a file of {T + 1} tokens (one window)"
    x, y = call_batch(B, small, 5, T, np.random.default_rng(7), what)
    starts = windows(x, y, (5, T), what)
    assert_equal(starts, np.zeros(5, dtype=np.int64), what=f"{what}: the starts x[:, 0]",
                 hint="block_size + 1 tokens hold exactly one window, starting at 0")

    # uniform starts: a chi-square test over the 20 starts of a small file
    T, k, draws = 4, 20, 20_000
    plain = np.arange(T + k, dtype=np.uint16)  # a writable array the learner does not own
    keep = plain.copy()
    what = (f"get_batch(tokens, batch_size={draws}, block_size={T}, rng=default_rng(2024)) on {T + k} tokens "
            f"({k} starts)")
    x, y = call_batch(B, plain, draws, T, np.random.default_rng(2024), what)
    starts = windows(x, y, (draws, T), what)
    require(np.array_equal(plain, keep), f"{what}: the tokens array passed in was changed",
            hint="never write into tokens: index it, and convert the copy you get")
    counts = np.bincount(starts, minlength=k)
    stat = float(np.sum((counts - draws / k) ** 2 / (draws / k)))
    if stat > CHI2_19_TAIL_1E6:
        p = float(torch.special.gammaincc(torch.tensor((k - 1) / 2, dtype=torch.float64),
                                          torch.tensor(stat / 2, dtype=torch.float64)))
        hint = "every start 0 .. len(tokens) - block_size - 1 equally likely: rng.integers(0, len(tokens) - block_size)"
        if counts[-1] == 0:
            hint = (f"the last window (start {k - 1} = len(tokens) - block_size - 1) is never drawn: rng.integers "
                    f"excludes its upper bound, so high = len(tokens) - block_size, not len(tokens) - block_size - 1")
        raise AssertionError(f"{what}: the starts are not uniform: counts per start {counts.tolist()} (expected about "
                             f"{draws // k} each), chi-square {stat:.1f} > {CHI2_19_TAIL_1E6} (p = {p:.2g} < 1e-6)."
                             f"\nHint: {hint}")


# ---------------------------------------------------------------- eval_batches

EVAL_T, EVAL_BS = 5, 3
# (file length, what it tests): windows = (n - 1) // block_size
EVAL_CASES = [(EVAL_T + 1, "one window"), (2 * EVAL_T, "still one window: the second lacks its last target"),
              (2 * EVAL_T + 1, "two windows"), (6 * EVAL_T + 1, "six windows, two full batches"),
              (7 * EVAL_T + 3, "seven windows, the last batch shorter")]


def eval_hint(got: np.ndarray, expected: np.ndarray, T: int, bs: int = EVAL_BS) -> str:
    m = len(got)
    if m < len(expected) and np.array_equal(got, expected[:m]):
        text = ("you drop the last window: there are (len(tokens) - 1) // block_size windows, the last one ending "
                "on the last token when it fits")
        if len(expected) % bs and m == len(expected) - len(expected) % bs:
            text += ("; or you skip the last batch because it is short: yield it too, with the fewer than "
                     "batch_size windows that are left")
        return text
    if m > len(expected) and np.array_equal(got[:len(expected)], expected):
        return ("one window too many: the last window reads one token too many, past the end. There are "
                "(len(tokens) - 1) // block_size windows, since each needs block_size + 1 tokens")
    if m > 1 and np.array_equal(got, np.arange(m)):
        return "your windows overlap (stride 1): window i starts at i * block_size, so no token is scored twice"
    if m > 1 and np.array_equal(got, np.arange(m) * (T + 1)):
        return ("your windows skip a token (stride block_size + 1): window i starts at i * block_size; the last "
                "target of one window is the first input of the next")
    if sorted(got.tolist()) == expected.tolist():
        return "the windows are shuffled: evaluation walks them in order, i * block_size for i = 0, 1, 2, ..."
    return "window i starts at i * block_size, for i in range((len(tokens) - 1) // block_size)"


def run_eval(B, tokens, bs: int, T: int, what: str) -> list:
    hint = ("window i starts at i * block_size and reads tokens[i * block_size : i * block_size + block_size + 1]; "
            "there are (len(tokens) - 1) // block_size of them: len(tokens) // block_size reads one token too many "
            "when the length is a multiple of block_size")
    with calling(what, hint=hint):
        out = []
        for item in B.eval_batches(tokens, bs, T):
            x, y = item
            out.append((np.asarray(x), np.asarray(y)))
    return out


@task(points=2, timeout=30)
def test_eval_batches(tmp_path, monkeypatch):
    """eval_batches: every non-overlapping window once, in order, int64, last batch shorter, no randomness."""
    B = batches()
    T, bs = EVAL_T, EVAL_BS

    def no_random(*args, **kwargs):
        raise AssertionError("eval_batches drew random numbers: it must give the same windows, in order, every "
                             "time, so that two evaluations compare")

    code_random = under_test("numpy.random")  # NumPy's random module as the code under test sees it
    for name in ("default_rng", "permutation", "shuffle", "randint", "choice", "random", "rand"):
        monkeypatch.setattr(code_random, name, no_random)
    for n, label in EVAL_CASES:
        tokens = mapped(tmp_path, f"valid_{n}.bin", n)
        what = (f"eval_batches(tokens, batch_size={bs}, block_size={T}) on a file of {n} tokens 0, 1, ..., {n - 1} "
                f"({label})")
        state = code_random.get_state()[1].copy()
        out = run_eval(B, tokens, bs, T, what)
        require(np.array_equal(code_random.get_state()[1], state),
                f"{what}: the global np.random state moved: eval_batches drew random numbers",
                hint="no randomness in evaluation: the same windows, in order, every time")
        n_windows = (n - 1) // T
        sizes = [bs] * (n_windows // bs) + ([n_windows % bs] if n_windows % bs else [])
        got_starts = np.concatenate([np.zeros(0, dtype=np.int64)] + [
            windows(x, y, (len(x), T), f"{what}: batch {i}") for i, (x, y) in enumerate(out)])
        expected = np.arange(n_windows) * T
        assert_equal(got_starts, expected, what=f"{what}: the starts of all windows, x[:, 0], batch after batch",
                     hint=eval_hint(got_starts, expected, T, bs))
        assert_equal([len(x) for x, _ in out], sizes, what=f"{what}: the batch sizes",
                     hint="batches of batch_size windows, the last one shorter when the windows run out, and no "
                          "empty batch")
        again = run_eval(B, tokens, bs, T, f"{what} (a second time)")
        require(len(again) == len(out) and all(np.array_equal(a, c) and np.array_equal(b, d)
                                               for (a, b), (c, d) in zip(out, again)),
                f"{what}: a second call gave other batches", hint="the same windows, in order, every time")
