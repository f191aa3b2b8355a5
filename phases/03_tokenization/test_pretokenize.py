"""Grader for pretokenize.py: cutting out special tokens, GPT-2's pre-tokens, and counting them (serially
and in parallel), against hand-worked answers and the grader's own regular expression.
"""

from __future__ import annotations

from collections import Counter

import pytest

from common import load
from common.checks import assert_equal, calling, require
from grader import task

EOT = "<|endoftext|>"


def pre():
    return load(3, "pretokenize")


SPLITS = [
    # (text, specials, expected pieces), worked out by hand
    ("a<|endoftext|>b", [EOT], ["a", EOT, "b"]),
    ("<|endoftext|>", [EOT], [EOT]),
    ("<|endoftext|><|endoftext|>x", [EOT], [EOT, EOT, "x"]),
    ("no special here", [EOT], ["no special here"]),
    ("no specials given", [], ["no specials given"]),
    ("", [EOT], []),
    ("", [], []),
    ("<|endoftext|>", [], ["<|endoftext|>"]),
    ("almost <|endoftext| but not", [EOT], ["almost <|endoftext| but not"]),
    ("1[SEP]2a+b3", ["[SEP]", "a+b"], ["1", "[SEP]", "2", "a+b", "3"]),
    ("<|e|><|e|><|e|>", ["<|e|>", "<|e|><|e|>"], ["<|e|><|e|>", "<|e|>"]),
    ("x<|e|><|e|>y", ["<|e|><|e|>", "<|e|>"], ["x", "<|e|><|e|>", "y"]),
]


@task(points=1, timeout=20)
def test_pretokenize_split_on_special():
    """split_on_special keeps each special token as one piece, the longest first, and drops empty pieces."""
    P = pre()
    for text, specials, expected in SPLITS:
        what = f"split_on_special({text!r}, {specials!r})"
        with calling(what):
            got = P.split_on_special(text, specials)
        hint = None
        cut = [p for p in got or [] if isinstance(p, str) and p and p not in specials and any(p in s for s in specials)]
        if cut and got != expected:
            hint = (f"the piece {cut[0]!r} is part of a special token, cut apart: escape the specials before building a "
                    "pattern from them (regex.escape): '|' is an alternation in a pattern, '[' and '+' mean something too")
        elif "[SEP]" in specials:
            hint = "escape the specials before building a pattern from them (regex.escape): '[' and '+' mean something in a pattern"
        elif "<|e|><|e|>" in specials:
            hint = "try the longer special first: sort them by length, longest first, before joining them with '|'"
        elif not expected or any(p == "" for p in got or []):
            hint = "drop empty pieces: an empty text has no pieces, [] (with special tokens or without)"
        assert_equal(list(got), expected, what=what, hint=hint)


# Hand-worked pre-tokens. GPT-2's pattern: contractions ('s 't 're 've 'm 'll 'd, lowercase),
# then " ?" + a run of letters / digits / other symbols, then whitespace (leaving the last
# space before a word for that word), then whitespace at the end.
HAND = [
    ("Hello world", ["Hello", " world"]),
    ("I'm here, you're there", ["I", "'m", " here", ",", " you", "'re", " there"]),
    ("they'll've'd", ["they", "'ll", "'ve", "'d"]),
    ("IT'S HE'LL", ["IT", "'", "S", " HE", "'", "LL"]),  # contractions are lowercase only
    ("a  b", ["a", " ", " b"]),  # the last space goes with the word
    ("x\n\ny", ["x", "\n", "\n", "y"]),  # \s+(?!\S) backs off before y; the second \n is taken by \s+
    ("end  ", ["end", "  "]),  # whitespace at the end stays one piece
    ("12345 apples", ["12345", " apples"]),
    ("3.14!!", ["3", ".", "14", "!!"]),
    ("hi!!! ok?", ["hi", "!!!", " ok", "?"]),
    ("naïve café", ["naïve", " café"]),  # \p{L} includes accented letters
    ("日本語 テキスト", ["日本語", " テキスト"]),
    ("🤖 robots", ["🤖", " robots"]),
    ("don’t", ["don", "’", "t"]),  # a typographic apostrophe is not a contraction
    ("snake_case __init__", ["snake", "_", "case", " __", "init", "__"]),  # _ is a symbol, not a letter
    ("x² ½ ³rd", ["x", "²", " ½", " ³", "rd"]),  # ² ½ ³ are numbers (\p{N}), not letters
    ("e\u0301te", ["e", "\u0301", "te"]),  # a combining accent is a mark (\p{M}): neither letter nor number
]


@task(points=2, timeout=20)
def test_pretokenize_gpt2_pattern():
    """pretokenize splits text exactly as GPT-2's regular expression does, contractions and whitespace included."""
    P = pre()
    for text, expected in HAND:
        what = f"pretokenize({text!r})"
        with calling(what):
            got = P.pretokenize(text)
        hint = ("use GPT2_PATTERN with the `regex` module (regex.findall), unchanged: it is case-sensitive, and "
                "\\p{L} / \\p{N} are letters and digits of every script")
        assert_equal(list(got), expected, what=what, hint=hint)


def check_counts(got, expected: Counter, what: str, hint: str | None = None) -> None:
    require(isinstance(got, dict), f"{what} should return a dict bytes -> int, got {type(got).__name__}")
    bad_keys = [k for k in got if not isinstance(k, bytes)]
    require(not bad_keys, f"{what} has keys that are not bytes, e.g. {bad_keys[0]!r}" if bad_keys else "",
            hint="key the counts by each pre-token's UTF-8 bytes: word.encode('utf-8')")
    missing = [k for k in expected if k not in got]
    extra = [k for k in got if k not in expected]
    wrong = [k for k in expected if k in got and got[k] != expected[k]]
    if missing or extra or wrong:
        parts = []
        if missing:
            parts.append(f"{len(missing)} pre-tokens missing, e.g. {missing[0]!r} (count {expected[missing[0]]})")
        if extra:
            parts.append(f"{len(extra)} unexpected keys, e.g. {extra[0]!r} (count {got[extra[0]]})")
        if wrong:
            k = wrong[0]
            parts.append(f"{len(wrong)} wrong counts, e.g. {k!r}: expected {expected[k]}, got {got[k]}")
        special = any(b"<|" in k or b"|>" in k for k in extra)
        raise AssertionError(f"{what}: " + "; ".join(parts) + "." + (
            "\nHint: split on the special tokens first and skip them: they are never pre-tokenized or counted" if special
            else f"\nHint: {hint}" if hint else ""))


@task(points=2, timeout=30, needs=("pretokenize_split_on_special", "pretokenize_gpt2_pattern"))
def test_pretokenize_count(oracle):
    """count_pretokens counts UTF-8 pre-tokens, never across a special token, and leaves the specials out."""
    P = pre()
    text = "Hi<|endoftext|>there. Hi there!<|endoftext|><|endoftext|> Hi"
    # pieces: "Hi" | "there. Hi there!" | " Hi"  ->  Hi 1, there 1, . 1, " Hi" 2, " there" 1, ! 1
    expected = Counter({b"Hi": 1, b"there": 1, b".": 1, b" Hi": 2, b" there": 1, b"!": 1})
    what = f"count_pretokens({text!r}, special_tokens=['<|endoftext|>'])"
    with calling(what):
        got = P.count_pretokens(text, ["<|endoftext|>"])
    check_counts(got, expected, what)

    text = "ab ab ab"
    with calling(f"count_pretokens({text!r})"):
        got = P.count_pretokens(text)
    check_counts(got, Counter({b"ab": 1, b" ab": 2}), f"count_pretokens({text!r}) with no special tokens")

    text = oracle.tinystories("valid", 60_000) + " naïve 日本語 🤖  \n"
    expected = Counter(w.encode("utf-8") for w in oracle.pretokens(text, [EOT]))
    with calling("count_pretokens(the first 60,000 characters of TinyStories, special_tokens=['<|endoftext|>'])"):
        got = P.count_pretokens(text, [EOT])
    check_counts(got, expected, "count_pretokens(60,000 characters of TinyStories, ['<|endoftext|>'])")


@pytest.mark.parametrize("specials", [[EOT], []], ids=["with_endoftext", "no_specials"])
@task(points=1, timeout=60, needs=("pretokenize_count",))
def test_pretokenize_count_parallel(specials, oracle):
    """count_pretokens with num_workers=2, 3 or 4 (fork) gives exactly the serial counts."""
    P = pre()
    text = oracle.tinystories("train", 600_000)
    expected = Counter(w.encode("utf-8") for w in oracle.pretokens(text, specials))
    what = f"count_pretokens(600,000 characters of TinyStories, {specials}, num_workers=2)"
    with calling(what, hint='start the workers with multiprocessing.get_context("fork"): phase modules load under '
                            'names that a spawned process cannot import'):
        got = P.count_pretokens(text, specials, num_workers=2)
    hint = ("the parallel counts must add up to exactly the serial ones: deal out whole pieces of text between special "
            "tokens, never cut the text inside a piece (a cut splits a word in two)")
    check_counts(got, expected, what, hint=hint)
    # A short text of one long word, whose equal slices would all fall inside a word.
    text = ("tokenization " * 40 + EOT) * 12 if specials else " ".join(["tokenization"] * 500)
    expected = Counter(w.encode("utf-8") for w in oracle.pretokens(text, specials))
    for workers in (3, 4):
        what = f"count_pretokens({text[:30]!r}... ({len(text):,} characters), {specials}, num_workers={workers})"
        with calling(what):
            got = P.count_pretokens(text, specials, num_workers=workers)
        check_counts(got, expected, what, hint=hint)
