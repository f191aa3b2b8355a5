"""Grader for bpe.train_bpe: merges worked out by hand on tiny corpora, special tokens, agreement merge
for merge with the grader's slow trainer (a full recount before every merge), parallel counting,
and speed on the TinyStories sample.
"""

from __future__ import annotations

import time

import pytest

from common import load
from common.checks import assert_equal, calling, expect_raises, require
from grader import task

EOT = "<|endoftext|>"
TIE_HINT = ("on a tie in count, merge the greatest pair, comparing (a, b) as a tuple of bytes: a first, then b; "
            "compare the tokens' bytes, not their ids")


def bpe():
    return load(3, "bpe")


def train(text, vocab_size, specials=(), **kwargs):
    extra = "".join(f", {k}={v}" for k, v in kwargs.items())
    what = f"train_bpe({text[:40]!r}{'...' if len(text) > 40 else ''}, vocab_size={vocab_size}, special_tokens={list(specials)}{extra})"
    with calling(what):
        result = bpe().train_bpe(text, vocab_size, list(specials), **kwargs)
    require(isinstance(result, tuple) and len(result) == 2, f"{what} should return a tuple (vocab, merges), got {type(result).__name__}")
    vocab, merges = result
    require(isinstance(vocab, dict), f"{what}: vocab should be a dict id -> bytes, got {type(vocab).__name__}")
    merges = [tuple(m) for m in merges]
    return vocab, merges, what


def unweighted_merges(oracle, text: str, n: int) -> list[tuple[bytes, bytes]]:
    """The first ``n`` merges of a trainer that counts every distinct pre-token once (a learner's bug)."""
    words = {tuple(bytes([b]) for b in p.encode("utf-8")): 1 for p in oracle.pretokens(text)}
    merges = []
    while len(merges) < n:
        pairs = oracle.pair_counts(words)
        if not pairs:
            break
        best = max(pairs, key=lambda p: (pairs[p], p))
        merges.append(best)
        words = {oracle.merged_word(w, best): 1 for w in words}
    return merges


def diagnose(oracle, got, step, text):
    """A hint naming the mistake behind a wrong merge ``got[step - 1]`` on ``text``, or None."""
    a, b = got[step - 1]
    if not any(a + b in p.encode("utf-8") for p in oracle.pretokens(text)):
        return (f"{(a, b)} spans two pre-tokens ({a + b!r} occurs in no pre-token of the text): pre-tokenize first and count "
                "pairs inside each pre-token only, never across the boundary between two of them")
    if got[:step] == unweighted_merges(oracle, text, step):
        return ("your merges are those of a count that takes every distinct pre-token once: weight each pre-token's "
                "pairs by how often the pre-token occurs in the text (\" hug\" x2 counts its pairs twice)")
    return None


def check_merges(got, expected, what, counts=None, hint=TIE_HINT, why=None, text=None, oracle=None):
    """Compare merge lists step by step; name the first wrong step."""
    for step, (g, e) in enumerate(zip(got, expected), 1):
        if g != e:
            hint = (oracle is not None and diagnose(oracle, got, step, text)) or hint
            count = f" (count {counts[step - 1]})" if counts else ""
            reason = f"\n  Why {e}: {why[step - 1]}" if why else ""
            before = list(expected[max(0, step - 5):step - 1])
            right = (f"The {step - 1} merges before it were right" + (f" (the last ones: {before})" if before else "")
                     if step > 1 else "It is the first merge")
            raise AssertionError(f"{what}: merge {step} should be {e}{count}, got {g}. {right}.{reason}\nHint: {hint}")
    require(len(got) == len(expected),
            f"{what}: expected {len(expected)} merges, got {len(got)}: "
            + (f"extra merges {got[len(expected):][:5]}" if len(got) > len(expected) else f"missing {expected[len(got):][:5]}"),
            hint="merge until vocab_size is reached or no adjacent pair is left")


def check_vocab_layout(vocab, merges, specials, what):
    """ids 0..255 the bytes, then one per merge (a + b), then the specials."""
    n = 256 + len(merges) + len(specials)
    assert_equal(sorted(vocab), list(range(n)), what=f"{what}: the ids of vocab",
                 hint="ids 0..255 for the bytes, then one id per merge, then the special tokens: no gaps")
    for i in range(256):
        if vocab[i] != bytes([i]):
            raise AssertionError(f"{what}: vocab[{i}] should be the single byte {bytes([i])!r}, got {vocab[i]!r}")
    for k, (a, b) in enumerate(merges):
        require(vocab[256 + k] == a + b, f"{what}: vocab[{256 + k}] should be merge {k}'s result {a + b!r}, got {vocab[256 + k]!r}",
                hint="the token made by merge k gets id 256 + k")
    for k, s in enumerate(specials):
        i = 256 + len(merges) + k
        require(vocab[i] == s.encode("utf-8"), f"{what}: vocab[{i}] should be the special token {s.encode()!r}, got {vocab[i]!r}",
                hint="special tokens come last, as their UTF-8 bytes, in the order given")


# Corpus 1. Pre-tokens: "hug" x1, " hug" x2, " pug" x2, " bun" x1. Pair counts, by hand:
#   (u,g) = 1 + 2 + 2 = 5, (h,u) = 3, (' ',h) = (' ',p) = (p,u) = 2, (' ',b) = (b,u) = (u,n) = 1
#   1. (u,g) 5                  -> hug = [h,ug], " hug" = [' ',h,ug], " pug" = [' ',p,ug]
#   2. (h,ug) 1 + 2 = 3         -> [hug], [' ',hug], [' ',p,ug]
#   3. tie at 2: (' ',hug) (' ',p) (p,ug): greatest first element b'p' > b' '  -> (p,ug)
#   4. tie at 2: (' ',hug) (' ',pug): same first element, b'pug' > b'hug'      -> (' ',pug)
#   5. (' ',hug) 2
#   6. tie at 1: (' ',b) (b,u) (u,n): b'u' is the greatest first element       -> (u,n)
#   7. tie at 1: (' ',b) (b,un): b'b' > b' '                                   -> (b,un)
#   8. (' ',bun) 1; then no pair is left.
CORPUS_1 = "hug hug hug pug pug bun"
MERGES_1 = [(b"u", b"g"), (b"h", b"ug"), (b"p", b"ug"), (b" ", b"pug"), (b" ", b"hug"), (b"u", b"n"), (b"b", b"un"), (b" ", b"bun")]
WHY_1 = ["(u,g) occurs 5 times: in hug once and in each of the 4 other words", "(h,ug) occurs 3 times",
         "(' ',hug), (' ',p) and (p,ug) occur twice each; b'p' > b' '", "(' ',hug) and (' ',pug) tie; b'pug' > b'hug'",
         "(' ',hug) is the only pair left with count 2", "(' ',b), (b,u) and (u,n) tie at 1; b'u' is the greatest first part",
         "(' ',b) and (b,un) tie at 1; b'b' > b' '", "the last pair"]

# Corpus 2 tells bytes from ids. Pre-tokens "aaaa" x1, " aaaa" x1, " zy" x2.
#   1. (a,a) 3 + 3 = 6          -> [aa,aa], [' ',aa,aa], [' ',z,y]
#   2. tie at 2: (aa,aa) (' ',z) (z,y): by bytes b'z' > b'aa' > b' '  -> (z,y)
#      (by ids, aa = 256 would beat z = 122: comparing ids is wrong)
#   3. tie at 2: (aa,aa) (' ',zy): b'aa' > b' '                         -> (aa,aa)
#   4. (' ',zy) 2;  5. (' ',aaaa) 1.
CORPUS_2 = "aaaa aaaa zy zy"
MERGES_2 = [(b"a", b"a"), (b"z", b"y"), (b"aa", b"aa"), (b" ", b"zy"), (b" ", b"aaaa")]
WHY_2 = ["(a,a) occurs 3 times in each of the two words (overlapping positions count)",
         "(aa,aa), (' ',z) and (z,y) tie at 2; b'z' > b'aa' (compare bytes, not ids: aa's id 256 > z's 122)",
         "(aa,aa) and (' ',zy) tie at 2; b'aa' > b' '", "(' ',zy) occurs twice", "the last pair"]

# Corpus 3: a prefix. Pre-tokens "aa" x5, "aab" x2, "azz" x2, "\n" x9 (no pairs).
#   1. (a,a) 5 + 2 = 7          -> [aa], [aa,b], [a,z,z]
#   2. tie at 2: (aa,b) (a,z) (z,z): b'z' is the greatest first part   -> (z,z)
#   3. tie at 2: (aa,b) (a,zz): b'aa' > b'a' (a prefix sorts first)    -> (aa,b)
#      (comparing the joined bytes, b'aab' < b'azz', would pick (a,zz): wrong)
#   4. (a,zz) 2.
CORPUS_3 = "aa\naa\naa\naa\naa\naab\naab\nazz\nazz\n"
MERGES_3 = [(b"a", b"a"), (b"z", b"z"), (b"aa", b"b"), (b"a", b"zz")]
WHY_3 = ["(a,a) occurs 5 + 2 = 7 times", "(aa,b), (a,z) and (z,z) tie at 2; b'z' is the greatest first part",
         "(aa,b) and (a,zz) tie at 2; compare first parts: b'aa' > b'a' (a prefix sorts before its extensions; "
         "compare the pair as a tuple, not a + b joined)",
         "the last pair"]

HAND = {"corpus_1": (CORPUS_1, MERGES_1, WHY_1), "corpus_2": (CORPUS_2, MERGES_2, WHY_2), "corpus_3": (CORPUS_3, MERGES_3, WHY_3)}


@pytest.mark.parametrize("case", list(HAND))
@task(points=3, timeout=30, needs=("pretokenize_count",))
def test_bpe_train_by_hand(case, oracle):
    """train_bpe learns the merges worked out by hand, ties broken towards the greatest pair of bytes."""
    text, expected, why = HAND[case]
    vocab, merges, what = train(text, 300)
    check_merges(merges, expected, what, why=why, text=text, oracle=oracle)
    check_vocab_layout(vocab, merges, [], what)
    # Stopping at vocab_size: only the first three merges fit.
    vocab, merges, what = train(text, 259)
    check_merges(merges, expected[:3], what, why=why, text=text, oracle=oracle)
    check_vocab_layout(vocab, merges, [], what)
    with expect_raises(ValueError, f"train_bpe({text!r}, vocab_size=256, special_tokens=['<|endoftext|>'])",
                       hint="vocab_size must hold the 256 bytes and every special token: raise ValueError"):
        bpe().train_bpe(text, 256, [EOT])
    # The smallest vocab_size allowed: the bytes and the special token, no merge at all.
    what = f"train_bpe({text!r}, vocab_size=257, special_tokens=['<|endoftext|>'])"
    with calling(what, hint="vocab_size = 256 + len(special_tokens) is allowed: it means no merge, just the 256 bytes and "
                            "the special tokens (raise ValueError only when vocab_size < 256 + len(special_tokens))"):
        vocab, merges = bpe().train_bpe(text, 257, [EOT])
    assert_equal([tuple(m) for m in merges], [], what=f"{what}: the merges", hint="vocab_size leaves room for no merge")
    check_vocab_layout(vocab, [], [EOT], what)


@task(points=1, timeout=30, needs=("pretokenize_count",))
def test_bpe_train_special_tokens():
    """Special tokens get the last ids, are never merged, and no pair is counted across them."""
    # Pre-tokens, specials cut out first: "ab" x3, "xy" x1, "yx" x1 ("xy<|endoftext|>yx" never joins y and y).
    #   1. (a,b) 3;  2. tie at 1: (x,y) (y,x): b'y' > b'x' -> (y,x);  3. (x,y) 1.
    text = "ab<|endoftext|>ab<|endoftext|>ab<|endoftext|>xy<|endoftext|>yx<|endoftext|>"
    expected = [(b"a", b"b"), (b"y", b"x"), (b"x", b"y")]
    vocab, merges, what = train(text, 300, [EOT, "<|pad|>"])
    check_merges(merges, expected, what, hint="split the text on the special tokens first and drop them; "
                 "pre-tokenize and count only the text between them")
    check_vocab_layout(vocab, merges, [EOT, "<|pad|>"], what)
    for a, b in merges:
        require(b"<|" not in a + b and b"|>" not in a + b, f"{what}: merge {(a, b)} is made of a special token's bytes",
                hint="special tokens are removed before counting: they are never merged")
    # vocab_size = 256 + 2 specials + 2 merges: the third possible merge does not fit.
    vocab, merges, what = train(text, 260, [EOT, "<|pad|>"])
    sizes = "vocab_size counts the bytes, the merges and the special tokens: n_merges = vocab_size - 256 - len(special_tokens)"
    assert_equal(len(vocab), 260, what=f"len(vocab) of {what}", hint=sizes)
    check_merges(merges, expected[:2], what, hint=sizes)


@task(points=2, timeout=60, needs=("pretokenize_count",))
def test_bpe_train_matches_slow_trainer(oracle):
    """On a real text, train_bpe agrees merge for merge with a slow trainer that recounts every pair before each merge."""
    text = oracle.tinystories("train", 15_000) + " naïve café 日本語 🤖🤖 e\u0301 Ελληνικά\n\n\t  42 42"
    vocab_size = 256 + 250 + 1
    exp_vocab, exp_merges, exp_counts = oracle.slow_train(text, vocab_size, [EOT])
    vocab, merges, what = train(text, vocab_size, [EOT])
    check_merges(merges, exp_merges, what, counts=exp_counts,
                 hint=TIE_HINT + "; after each merge, the counts of the pairs around every merged occurrence change")
    check_vocab_layout(vocab, merges, [EOT], what)
    again, again_merges, _ = train(text, vocab_size, [EOT])
    require(again == vocab and again_merges == merges, f"{what} gave a different result the second time",
            hint="training must be deterministic: never let the order of a set or dict decide a tie")


@task(points=1, timeout=90, needs=("pretokenize_count_parallel", "bpe_train_matches_slow_trainer"))
def test_bpe_train_parallel(oracle):
    """train_bpe with num_workers=2 learns exactly what it learns with num_workers=1."""
    text = oracle.tinystories("train", 400_000)
    serial, serial_merges, what1 = train(text, 256 + 300 + 1, [EOT])
    vocab, merges, what = train(text, 256 + 300 + 1, [EOT], num_workers=2)
    check_merges(merges, serial_merges, f"{what} compared with num_workers=1",
                 hint="the parallel counts must add up to exactly the serial ones: cut the text only at special tokens")
    assert_equal(vocab, serial, what=f"{what}: the vocabulary, compared with num_workers=1")


LIMIT = 30.0


@task(points=1, timeout=120, needs=("bpe_train_matches_slow_trainer",))
def test_bpe_train_speed(oracle):
    """train_bpe learns 10,000 tokens from the 7.5 MB TinyStories sample in seconds (an incremental trainer)."""
    text = oracle.tinystories("train")
    start = time.perf_counter()
    vocab, merges, what = train(text, 10_000, [EOT])
    seconds = time.perf_counter() - start
    require(len(vocab) == 10_000, f"{what} returned {len(vocab)} tokens, expected 10,000")
    require(seconds <= LIMIT, f"{what} took {seconds:.1f} s; an incremental trainer takes a few seconds (limit {LIMIT:g} s)",
            hint="don't recount every pair after each merge: keep pair -> count and pair -> the pre-tokens holding it, "
                 "update only the pre-tokens a merge touches, and find the best pair with a heap (handout: 'Training fast')")
