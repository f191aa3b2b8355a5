"""Grader for positions.py: the sinusoidal table against its formula (conftest's ``t_sinusoids``),
the RoPE angles against theirs, ``apply_rope`` against the complex-number rotation of conftest's
``t_rope`` (forward and backward), and two properties: a rotation keeps lengths, and
``q_m · k_n`` depends on ``m - n`` only.

When a result is wrong, the grader also computes the classic wrong variants (sin and cos swapped,
halves instead of interleaved pairs, GPT-NeoX's half-split pairing, the sign of sin, ...) and names
the one the result matches.
"""

from __future__ import annotations


import numpy as np
import torch

from common import load
from common.backend import to_numpy
from common.checks import assert_close, assert_equal, calling, expect_raises, require
from common.torchcheck import check_op
from grader import task


def positions():
    return load(5, "positions")


def array_result(got, what: str) -> np.ndarray:
    require(not isinstance(got, load(2, "tensor").Tensor) and hasattr(got, "dtype") and hasattr(got, "shape"),
            f"{what} should return a NumPy array, got {type(got).__name__}: {got!r:.120}",
            hint="positions are constants, not parameters: compute them with NumPy")
    return to_numpy(got)




# ---------------------------------------------------------------- sinusoidal


def t_sinusoids_base(T: int, C: int, base: float) -> np.ndarray:
    """PE[p, 2i] = sin(p / base^(2i/C)), PE[p, 2i+1] = cos(...), in torch float64."""
    pos = torch.arange(T, dtype=torch.float64)[:, None]
    angles = pos / base ** (torch.arange(0, C, 2, dtype=torch.float64) / C)
    return torch.stack([torch.sin(angles), torch.cos(angles)], dim=-1).reshape(T, C).numpy()


def sinusoid_variants(T: int, C: int, base: float) -> list[tuple[str, np.ndarray]]:
    p = np.arange(T, dtype=np.float64)[:, None]
    i2 = np.arange(0, C, 2) / C
    ang = p * base ** -i2

    def interleave(even, odd):
        return np.stack([even, odd], axis=-1).reshape(T, C)

    own = p * base ** (-np.arange(C) / C)  # one frequency per column
    fixed = p * 10000.0 ** -i2
    ignored = [] if base == 10000.0 else [
        (f"your table ignores the base argument (base={base} here, not 10000)", interleave(np.sin(fixed), np.cos(fixed)))]
    return ignored + [
        ("your table has sin and cos swapped: column 2i holds sin(p θ_i), column 2i + 1 holds cos(p θ_i)",
         interleave(np.cos(ang), np.sin(ang))),
        ("your table puts all the sines in the first half and all the cosines in the second: interleave them, "
         "pe[:, 0::2] = sin and pe[:, 1::2] = cos", np.concatenate([np.sin(ang), np.cos(ang)], axis=1)),
        ("your table puts all the cosines first and the sines second: interleave them, pe[:, 0::2] = sin and "
         "pe[:, 1::2] = cos", np.concatenate([np.cos(ang), np.sin(ang)], axis=1)),
        ("your frequencies use the exponent i/dim with i the pair index: it is 2i/dim (np.arange(0, dim, 2) / dim), "
         "so the slowest pair turns by about base^-1 per position",
         interleave(np.sin(p * base ** (-np.arange(C // 2) / C)), np.cos(p * base ** (-np.arange(C // 2) / C)))),
        ("your table gives every column its own frequency: columns 2i and 2i + 1 share θ_i = base^(-2i/dim), "
         "one sin and one cos of the same angle", np.where(np.arange(C) % 2 == 0, np.sin(own), np.cos(own))),
        ("your angles multiply the position by base^(2i/dim): divide, p / base^(2i/dim)",
         interleave(np.sin(p * base ** i2), np.cos(p * base ** i2))),
        ("your positions start at 1: row p is position p, starting at 0 (row 0 is sin 0 = 0, cos 0 = 1)",
         interleave(np.sin((p + 1) * base ** -i2), np.cos((p + 1) * base ** -i2))),
    ]


@task(points=2, timeout=30)
def test_sinusoidal_positions(oracle):
    """sinusoidal_positions(n, dim) equals the sin/cos formula, float32 (n, dim); odd dim raises ValueError."""
    Pm = positions()
    for T, dim, base in ((8, 16, None), (5, 2, None), (50, 64, None), (3, 6, None), (1, 4, None), (12, 8, 100.0)):
        what = f"sinusoidal_positions({T}, {dim}{'' if base is None else f', base={base}'})"
        with calling(what):
            got = Pm.sinusoidal_positions(T, dim) if base is None else Pm.sinusoidal_positions(T, dim, base)
        got = array_result(got, what)
        assert_equal(tuple(got.shape), (T, dim), what=f"{what}.shape", hint="one row per position, one column per feature")
        expected = oracle.t_sinusoids(T, dim).numpy() if base is None else t_sinusoids_base(T, dim, base)
        hint = oracle.diagnose(got, sinusoid_variants(T, dim, base or 10000.0),
                              "PE[p, 2i] = sin(p / base^(2i/dim)), PE[p, 2i+1] = cos(p / base^(2i/dim))",
                              rtol=1e-5, atol=1e-5)
        assert_close(got, expected, what=f"{what}, vs the formula", rtol=1e-5, atol=1e-5, hint=hint)
        assert_equal(str(got.dtype), "float32", what=f"{what}.dtype",
                     hint="compute in float64, then .astype(np.float32): the table is added to float32 embeddings")

    for dim in (3, 7):
        with expect_raises(ValueError, f"sinusoidal_positions(4, {dim})",
                           hint="sin and cos come in pairs: an odd dim has no formula, raise ValueError"):
            Pm.sinusoidal_positions(4, dim)


# ---------------------------------------------------------------- RoPE


def t_angles(T: int, D: int, base: float) -> tuple[np.ndarray, np.ndarray]:
    theta = base ** (-torch.arange(0, D, 2, dtype=torch.float64) / D)
    ang = torch.outer(torch.arange(T, dtype=torch.float64), theta)
    return torch.cos(ang).numpy(), torch.sin(ang).numpy()


def angle_hint(cos: np.ndarray, sin: np.ndarray, T: int, D: int, base: float) -> str:
    p = np.arange(T, dtype=np.float64)[:, None]
    right = t_angles(T, D, base)
    variants = [
        ("your rope_angles returns (sin, cos): return (cos, sin) in that order", right[::-1]),
        ("your angles use the exponent i/head_dim with i the pair index: θ_i = base^(-2i/head_dim) "
         "(np.arange(0, head_dim, 2) / head_dim)", (np.cos(p * base ** (-np.arange(D // 2) / D)),
                                                    np.sin(p * base ** (-np.arange(D // 2) / D)))),
        ("your angles multiply by base^(2i/head_dim): θ_i = base^(-2i/head_dim), a negative exponent",
         (np.cos(p * base ** (np.arange(0, D, 2) / D)), np.sin(p * base ** (np.arange(0, D, 2) / D)))),
    ]
    if base != 10000.0:
        variants.append((f"your angles ignore the base argument (base={base} here, not 10000)", t_angles(T, D, 10000.0)))
    for text, (c, s) in variants:
        if c.shape == cos.shape and s.shape == sin.shape and np.allclose(cos, c, atol=1e-9) and np.allclose(sin, s, atol=1e-9):
            return text
    return "cos[p, i] = cos(p θ_i), sin[p, i] = sin(p θ_i), θ_i = base^(-2i/head_dim), i = 0 .. head_dim/2 - 1"


def rope_variants(x: np.ndarray, cos: np.ndarray, sin: np.ndarray) -> list[tuple[str, np.ndarray]]:
    a, b = x[..., 0::2], x[..., 1::2]
    h = x.shape[-1] // 2
    x1, x2 = x[..., :h], x[..., h:]

    def interleave(even, odd):
        return np.stack([even, odd], axis=-1).reshape(x.shape)

    return [
        ("your apply_rope pairs feature i with feature i + head_dim/2 (the half-split pairing of GPT-NeoX's "
         "rotate_half): here the pairs are adjacent, (2i, 2i + 1), as in Llama and llama2.c: a = x[..., 0::2], "
         "b = x[..., 1::2]", np.concatenate([x1 * cos - x2 * sin, x1 * sin + x2 * cos], axis=-1)),
        ("your apply_rope rotates the wrong way (the sign of sin is flipped): the pair (a, b) becomes "
         "(a cos - b sin, a sin + b cos)", interleave(a * cos + b * sin, -a * sin + b * cos)),
        ("your apply_rope puts the rotated even features first and the odd ones after: each rotated pair goes "
         "back to places 2i and 2i + 1 (stack on a new last axis, then reshape)",
         np.concatenate([a * cos - b * sin, a * sin + b * cos], axis=-1)),
        ("your apply_rope swaps cos and sin: the pair (a, b) becomes (a cos - b sin, a sin + b cos)",
         interleave(a * sin - b * cos, a * cos + b * sin)),
    ]


ROPE_CASES = [((2, 3, 6, 8), 10000.0), ((1, 1, 5, 2), 10000.0), ((4, 7, 4), 100.0), ((9, 16), 10000.0),
              ((2, 2, 12, 6), 10.0)]


@task(points=3, timeout=30)
def test_rope(oracle):
    """rope_angles equals its formula; apply_rope equals the complex rotation (fwd + bwd), keeps norms, is relative."""
    Pm = positions()
    Tensor = load(2, "tensor").Tensor
    for T, D, base in ((8, 4, 10000.0), (5, 8, 100.0), (16, 16, 10000.0), (3, 2, 10000.0), (6, 12, 500.0)):
        what = f"rope_angles({T}, {D}, base={base})"
        with calling(what):
            out = Pm.rope_angles(T, D, base)
        require(isinstance(out, tuple) and len(out) == 2, f"{what} should return a tuple (cos, sin), got {type(out).__name__}")
        cos, sin = (np.asarray(array_result(a, what)) for a in out)
        ec, es = t_angles(T, D, base)
        hint = "one angle per pair of features: (n_positions, head_dim // 2)"
        if cos.shape == (T, D):
            hint = "one angle per *pair* of features, so head_dim // 2 columns, not head_dim"
        assert_equal((tuple(cos.shape), tuple(sin.shape)), ((T, D // 2), (T, D // 2)),
                     what=f"the shapes of {what} = (cos, sin)", hint=hint)
        assert_equal((str(cos.dtype), str(sin.dtype)), ("float64", "float64"), what=f"the dtypes of {what}",
                     hint="compute the positions and frequencies in float64 and keep the angles float64 (float32 angles "
                          "are off by about 1e-7, more at far positions); the Tensor arithmetic casts them to the data's dtype")
        hint = angle_hint(cos, sin, T, D, base)
        assert_close(cos, ec, what=f"{what}: cos", rtol=1e-12, atol=1e-12, hint=hint)
        assert_close(sin, es, what=f"{what}: sin", rtol=1e-12, atol=1e-12, hint=hint)

    for n, (shape, base) in enumerate(ROPE_CASES):
        T, D = shape[-2], shape[-1]
        cos, sin = t_angles(T, D, base)
        x = np.random.default_rng(300 + n).standard_normal(shape)
        got = None
        try:
            got = np.asarray(to_numpy(Pm.apply_rope(Tensor(x.copy()), cos, sin).data), dtype=np.float64)
        except Exception:  # noqa: BLE001 - reported by check_op below
            pass
        hint = ("read each pair (x[..., 2i], x[..., 2i+1]) = (a, b) as a + ib and multiply by e^{i p θ_i}: "
                "(a cos - b sin, a sin + b cos) at places 2i and 2i + 1")
        if got is not None and got.shape == x.shape:
            hint = oracle.diagnose(got, rope_variants(x, cos, sin), hint, rtol=1e-5, atol=1e-9)
        check_op(lambda t: Pm.apply_rope(t, cos, sin), lambda t, base=base: oracle.t_rope(t, base), [x],
                 name=f"apply_rope(x, cos, sin) with (cos, sin) = rope_angles({T}, {D}, base={base}) from the formula",
                 names=["x"], rtol=1e-10, atol=1e-12, hint=hint)

        norms_in = np.hypot(x[..., 0::2], x[..., 1::2])
        norms_out = np.hypot(got[..., 0::2], got[..., 1::2])
        assert_close(norms_out, norms_in, what=f"the length of each pair (2i, 2i + 1) after apply_rope on x {shape}",
                     rtol=1e-10, atol=1e-12, hint="a rotation keeps each pair's length: (a cos - b sin, a sin + b cos)")

    # Relative positions: with the same q at every position and the same k at every position, the score
    # between positions m and n depends on m - n only, and equals q · k when m = n.
    T, D = 12, 8
    what = f"apply_rope with rope_angles({T}, {D}) (yours) on a query and a key repeated at every position"
    g = np.random.default_rng(7)
    q, k = g.standard_normal(D), g.standard_normal(D)
    with calling(what):
        cos, sin = Pm.rope_angles(T, D)
        rq = to_numpy(Pm.apply_rope(Tensor(np.tile(q, (T, 1))), cos, sin).data)
        rk = to_numpy(Pm.apply_rope(Tensor(np.tile(k, (T, 1))), cos, sin).data)
    scores = np.asarray(rq, np.float64) @ np.asarray(rk, np.float64).T  # scores[m, n] = q_m · k_n
    assert_close(np.diag(scores), np.full(T, q @ k), what=f"{what}: q_m · k_m for m = 0 .. {T - 1}", rtol=1e-10,
                 atol=1e-10, hint="at equal positions the two rotations cancel: q_m · k_m = q · k")
    assert_close(scores[1:, 1:], scores[:-1, :-1], what=f"{what}: q_(m+1) · k_(n+1) vs q_m · k_n", rtol=1e-10,
                 atol=1e-10, hint="q_m · k_n must depend on m - n only: rotate q and k with the same angles per position")
    require(np.ptp(scores[:, 0]) > 1e-3, f"{what}: q_m · k_0 is the same for every m: the rotation does nothing",
            hint="the angle grows with the position: p θ_i")
