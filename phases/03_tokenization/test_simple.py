"""Grader for simple.py: the character and word tokenizers, on texts whose answers are worked out by hand."""

from __future__ import annotations

import random

from common import load
from common.checks import assert_equal, calling, expect_raises, require
from grader import task


def simple():
    return load(3, "simple")


def unicode_text(seed: int, n: int = 400) -> str:
    """Text mixing ASCII, accents, CJK, emoji (with joiners), combining marks and odd whitespace."""
    rng = random.Random(seed)
    pools = ["the cat sat on the mat. ", "naïve café ", "日本語のテキスト", "🤖🎉👩‍👩‍👧", "e\u0301 a\u0308 ",
             "\t\n\r\n  \u00a0\u3000", "Ελληνικά Кириллица ", "0123456789", "\x00\x07\x1b"]
    return "".join(rng.choice(rng.choice(pools)) for _ in range(n))


@task(points=1, timeout=20)
def test_simple_char_tokenizer():
    """CharTokenizer: sorted characters as ids, round trips on its own text, unseen characters refused."""
    S = simple()
    text = "hello world"
    with calling(f"CharTokenizer.from_text({text!r})"):
        tok = S.CharTokenizer.from_text(text)
    # sorted distinct characters: ' ' d e h l o r w  ->  ids 0..7
    assert_equal(tok.vocab_size, 8, what=f"CharTokenizer.from_text({text!r}).vocab_size",
                 hint="the vocabulary is the sorted set of distinct characters: ' ', d, e, h, l, o, r, w")
    with calling("tok.encode('hello')"):
        got = tok.encode("hello")
    assert_equal(list(got), [3, 2, 4, 4, 5], what=f"CharTokenizer.from_text({text!r}).encode('hello')",
                 hint="id = position in the sorted list of characters: ' '=0 d=1 e=2 h=3 l=4 o=5 r=6 w=7")
    with calling("tok.decode([7, 5, 6, 4, 1])"):
        assert_equal(tok.decode([7, 5, 6, 4, 1]), "world", what="CharTokenizer.from_text('hello world').decode([7, 5, 6, 4, 1])")

    for seed in range(3):
        text = unicode_text(seed)
        with calling(f"CharTokenizer.from_text(text) on {text[:30]!r}..."):
            tok = S.CharTokenizer.from_text(text)
            back = tok.decode(tok.encode(text))
        assert_equal(tok.vocab_size, len(set(text)), what="CharTokenizer.from_text(text).vocab_size on mixed Unicode",
                     hint="one id per distinct character (a Python str character is a code point)")
        require(back == text, f"decode(encode(text)) != text on mixed Unicode text {text[:40]!r}...; "
                f"first difference at character {next((i for i, (a, b) in enumerate(zip(back, text)) if a != b), min(len(back), len(text)))}")

    tok = S.CharTokenizer.from_text("abc")
    with expect_raises(ValueError, "CharTokenizer.from_text('abc').encode('abcé')",
                       hint="raise ValueError for a character outside the vocabulary") as caught:
        tok.encode("abcé")
    message = str(caught[0])
    require("é" in message and ("00E9" in message.upper() or "233" in message),
            f"the ValueError for the unseen character 'é' says {message!r}; it should name the character and its code point (U+00E9)",
            hint="f\"{ch!r} (U+{ord(ch):04X})\"")


@task(points=2, timeout=20)
def test_simple_word_tokenizer():
    """WordTokenizer: words and punctuation by count then alphabet, <unk> = 0, max_vocab, decode's spacing."""
    S = simple()
    text = "the cat. the dog, the cat!"
    with calling(f"WordTokenizer.from_text({text!r})"):
        tok = S.WordTokenizer.from_text(text)
    # tokens: the the the (3), cat cat (2), then count 1: "!" "," "." "dog" in code-point order
    expected = ["<unk>", "the", "cat", "!", ",", ".", "dog"]
    got = [tok.vocab[i] for i in range(tok.vocab_size)] if hasattr(tok, "vocab") else None
    assert_equal(got, expected, what=f"WordTokenizer.from_text({text!r}).vocab (by id)",
                 hint="<unk> first, then tokens by falling count; equal counts in alphabetical (code-point) order; "
                      "punctuation marks are tokens, whitespace is not")
    with calling("tok.encode('the bird sat, the cat!')"):
        ids = tok.encode("the bird sat, the cat!")
    assert_equal(list(ids), [1, 0, 0, 4, 1, 2, 3], what=f"WordTokenizer.from_text({text!r}).encode('the bird sat, the cat!')",
                 hint="an unknown word (bird, sat) is id 0, <unk>")
    with calling("tok.decode([1, 2, 5, 1, 6, 4, 0, 3])"):
        out = tok.decode([1, 2, 5, 1, 6, 4, 0, 3])
    assert_equal(out, "the cat. the dog, <unk>!", what="WordTokenizer.decode([1, 2, 5, 1, 6, 4, 0, 3])",
                 hint="join with single spaces, but put no space before a punctuation mark")

    with calling(f"WordTokenizer.from_text({text!r}, max_vocab=4)"):
        small = S.WordTokenizer.from_text(text, max_vocab=4)
    assert_equal([small.vocab[i] for i in range(small.vocab_size)], ["<unk>", "the", "cat", "!"],
                 what=f"WordTokenizer.from_text({text!r}, max_vocab=4).vocab",
                 hint="max_vocab counts <unk> too: keep the max_vocab - 1 most frequent tokens")
    with calling("small.encode('the dog.')"):
        assert_equal(list(small.encode("the dog.")), [1, 0, 0], what="WordTokenizer(max_vocab=4).encode('the dog.')",
                     hint="tokens cut from the vocabulary become <unk> (0)")

    text = "Ünïcode wörds: naïve café, 東京!"
    with calling(f"WordTokenizer.from_text({text!r})"):
        tok = S.WordTokenizer.from_text(text)
        words = [tok.vocab[i] for i in tok.encode(text)]
    assert_equal(words, ["Ünïcode", "wörds", ":", "naïve", "café", ",", "東京", "!"],
                 what=f"the tokens of {text!r}",
                 hint=r"a word is a run of \w (Unicode letters, digits, _), a punctuation mark one [^\w\s] character")
