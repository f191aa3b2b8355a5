"""Grader for bpe.Tokenizer: round trips on arbitrary Unicode, ids identical to tiktoken's with GPT-2's
files (tricky strings, TinyStories), special tokens, decode, and streaming with encode_iterable.

The Tokenizer is built from GPT-2's files as read by the grader (conftest.py), so these tasks do
not depend on your vocab_files.py.
"""

from __future__ import annotations

import random

import numpy as np

from common import load, under_test
from common.checks import assert_equal, calling, require
from grader import task

EOT = "<|endoftext|>"
ENCODE_HINT = ("where the token boundaries differ, the pre-tokens differ: split on the special tokens first, then use "
               "GPT2_PATTERN unchanged with the regex module (not re); where the boundaries agree but the tokens differ, "
               "the merge order is wrong: in each pre-token merge the adjacent pair of lowest rank (the merge learned "
               "first), and repeat until no adjacent pair is a merge")


def drain(ids) -> list:
    """list(ids), taken where the code under test runs: one request, not one per id, in isolated grading."""
    return under_test("common.stand_ins").drain(ids)


def bpe():
    return load(3, "bpe")


def random_unicode(rng: random.Random, n: int) -> str:
    """A string of ``n`` pieces drawn from every kind of character a tokenizer meets (no surrogates)."""
    kinds = [
        lambda: rng.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;:!?'\"-()_²½Ⅻ٣"),
        lambda: rng.choice([" ", "  ", "   ", "\n", "\n\n", "\t", "\r\n", "\u00a0", "\u2003", "\u3000", " \n "]),
        lambda: rng.choice(["'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "’"]),
        lambda: chr(rng.randint(0x4E00, 0x9FFF)),  # CJK
        lambda: chr(rng.randint(0x1F300, 0x1FAFF)),  # emoji and pictographs
        lambda: rng.choice(["\u200d", "\ufe0f", "\u0301", "\u0308", "\u20e3"]),  # joiners and combining marks
        lambda: chr(rng.randint(0xC0, 0x24F)),  # Latin with accents
        lambda: chr(rng.randint(0x0370, 0x04FF)),  # Greek, Cyrillic
        lambda: chr(rng.choice([rng.randint(0, 31), 127, rng.randint(0x80, 0x9F)])),  # control characters
        lambda: chr(rng.choice([rng.randint(0x10000, 0xD7FFF), rng.randint(0xE000, 0x10FFFF)])),  # anything
    ]
    return "".join(rng.choice(kinds)() for _ in range(n))


def check_ids(oracle, got, expected, vocab, text, what, hint):
    try:
        got = [int(i) for i in got]
    except (TypeError, ValueError):
        raise AssertionError(f"{what} should return a list of ints, got {got!r:.100}") from None
    message = oracle.show_ids_difference(got, expected, vocab, what)
    if message:
        raise AssertionError(f"{message}\n  input: {text!r:.300}\nHint: {hint}")


_BUILT: dict = {}


def gpt2_tokenizer(oracle):
    """Your Tokenizer on GPT-2's vocabulary and merges (read by the grader), built once per module version."""
    module = bpe()
    if _BUILT.get("module") is not module:
        with calling("Tokenizer(GPT-2's vocab, GPT-2's merges, special_tokens=['<|endoftext|>'])"):
            _BUILT.update(module=module, tok=oracle.learner_gpt2_tokenizer(module))
    return _BUILT["tok"]


@task(points=2, timeout=60, needs=("bpe_decode", "pretokenize_split_on_special"))
def test_bpe_round_trip(oracle):
    """decode(encode(s)) == s for random Unicode: emoji, CJK, combining marks, whitespace runs, control characters."""
    gpt2_tok = gpt2_tokenizer(oracle)
    text = oracle.tinystories("train", 4000) + " naïve café 日本語 🤖 e\u0301"
    vocab, merges, _ = oracle.slow_train(text, 256 + 120)
    with calling("Tokenizer(a 376-token vocabulary trained by the grader, its merges)"):
        small = bpe().Tokenizer(vocab, merges)
    rng = random.Random(3)
    for name, tok in [("GPT-2's tokenizer", gpt2_tok), ("a small trained tokenizer", small)]:
        for trial in range(60):
            s = random_unicode(rng, rng.randint(0, 80))
            with calling(f"{name}: encode then decode of {s!r}"):
                ids = tok.encode(s)
                back = tok.decode(ids)
            if back != s:
                k = next((i for i, (a, b) in enumerate(zip(back, s)) if a != b), min(len(back), len(s)))
                raise AssertionError(
                    f"{name}: decode(encode(s)) != s for s = {s!r}: first difference at character {k}: "
                    f"expected {s[k:k + 5]!r}, got {back[k:k + 5]!r}"
                    "\nHint: every character must fall in some pre-token (GPT2_PATTERN's alternatives cover any text; a "
                    "pattern of your own may skip characters such as '_'), and decode joins all the bytes before decoding "
                    "them once") from None
        with calling(f"{name}: encode('')"):
            assert_equal(list(tok.encode("")), [], what=f"{name}: encode('')")

    # Ids are whatever the vocabulary says: a merged token's id need not be 256 + its rank, nor follow rank order.
    vocab = {**{i: bytes([i]) for i in range(256)}, 300: b"ab", 280: b"abc", 290: b" ab"}
    merges = [(b"a", b"b"), (b"ab", b"c"), (b" ", b"ab")]
    what = "Tokenizer({bytes at 0..255, 300: b'ab', 280: b'abc', 290: b' ab'}, merges [(a, b), (ab, c), (' ', ab)])"
    with calling(f"{what}.encode('abc ab abab')"):
        tok = bpe().Tokenizer(vocab, merges)
        got = tok.encode("abc ab abab")
    # By hand: "abc" -> [ab, c] -> [abc] = 280; " ab" -> [' ', ab] -> [' ab'] = 290; " abab" -> [' ab', ab] = [290, 300].
    assert_equal([int(i) for i in got], [280, 290, 290, 300], what=f"{what}.encode('abc ab abab')",
                 hint="a merge's result has the id vocab gives it (look up a + b in a bytes -> id map), not 256 + its rank: "
                      "ids need not follow the order of the merges, and may leave gaps")
    with calling(f"{what}.decode([280, 290, 290, 300])"):
        assert_equal(tok.decode([280, 290, 290, 300]), "abc ab abab", what=f"{what}.decode([280, 290, 290, 300])")


TRICKY = [
    "I'm sure it's fine, you're right, we've won, they'll see, he'd go, don't.",
    "IT'S LOUD. He'S here. I'M DONE. WE'LL SEE. SHE'D. YOU'RE. THEY'VE.",
    "'s 't 're 've 'm 'll 'd 'x '' ' s",
    "Numbers: 0 1 12 123 1234 12345 3.14159 1,000,000 2024-01-01 x2 7th 10%",
    "spaces:  two   three    four     five      six",
    "   leading spaces", "trailing spaces   ", "\n\n\nnewlines\n\n\n", " \n \n mixed \t\t whitespace \r\n CRLF\r\n",
    "tabs\tand\t\ttabs", "\u00a0no-break\u00a0space \u3000ideographic\u3000space",
    "end of a story.<|endoftext|>Once upon a time",
    "<|endoftext|><|endoftext|>", " <|endoftext|> ", "\n<|endoftext|>\n", "<|endoftext|>x", "x<|endoftext|>",
    "almost <|endoftext| special <|endoftext and |endoftext|>",
    "naïve café résumé Ångström Straße", "日本語のテキストと、中文，한국어", "Ελληνικά Русский עברית العربية हिन्दी",
    "emoji 🤖🎉 family 👩‍👩‍👧 flag 🇫🇷 keycap 1️⃣ skin 👍🏽", "e\u0301 combining a\u0308 marks \u20e3",
    "control \x00\x01\x07\x1b[31m chars\x7f", "!!!??? ... --- ((( ))) $$$ @@@ ### <<< >>>",
    "https://example.com/path?query=1&x=2#frag", "def f(x):\n    return x**2  # comment\n",
    "snake_case __init__ _x_", "x² ½ Ⅻ ٣٤ ³rd", "abc123def 4you",
    "a", " ", "", "\n", "Ġ Ċ ĉ",
]


@task(points=3, timeout=60, needs=("pretokenize_split_on_special",))
def test_bpe_encode_gpt2_tricky(oracle):
    """With GPT-2's files, encode gives tiktoken's ids on contractions, numbers, whitespace runs, specials and Unicode."""
    gpt2_tok = gpt2_tokenizer(oracle)
    for text in TRICKY:
        what = f"Tokenizer(GPT-2).encode({text!r:.60})"
        with calling(what):
            got = gpt2_tok.encode(text)
        check_ids(oracle, got, oracle.gpt2_ids(text), oracle.gpt2()[0], text, what,
                  hint=ENCODE_HINT)


@task(points=2, timeout=60, needs=("pretokenize_split_on_special",))
def test_bpe_encode_gpt2_tinystories(oracle):
    """With GPT-2's files, encode gives tiktoken's ids on 200 KB of TinyStories."""
    gpt2_tok = gpt2_tokenizer(oracle)
    text = oracle.tinystories("valid", 200_000)
    what = "Tokenizer(GPT-2).encode(the first 200,000 characters of TinyStories' validation sample)"
    with calling(what):
        got = gpt2_tok.encode(text)
    expected = oracle.gpt2_ids(text)
    vocab = oracle.gpt2()[0]
    got = [int(i) for i in got]
    if got != expected:
        k = next((i for i, (a, b) in enumerate(zip(got, expected)) if a != b), min(len(got), len(expected)))
        start = len(b"".join(vocab[i] for i in expected[:k]).decode("utf-8", errors="replace"))
        snippet = text[max(0, start - 30): start + 30]
        check_ids(oracle, got, expected, vocab, snippet, what,
                  hint=ENCODE_HINT)


@task(points=1, timeout=60, needs=("pretokenize_split_on_special",))
def test_bpe_encode_special_tokens(oracle):
    """Special tokens are one id each, never merged with their neighbours; new ones get new ids; None means none."""
    B = bpe()
    vocab, merges = oracle.gpt2()
    text = "Hello<|endoftext|>World <|pad|><|endoftext|><|pad|>!"
    with calling("Tokenizer(GPT-2's vocab, merges, special_tokens=['<|endoftext|>', '<|pad|>'])"):
        tok = B.Tokenizer(dict(vocab), list(merges), ["<|endoftext|>", "<|pad|>"])
        got = tok.encode(text)
    # <|pad|> is not in GPT-2's vocabulary: it gets the next id, 50257.
    enc = oracle.gpt2_ids
    expected = enc("Hello") + [50256] + enc("World ") + [50257, 50256, 50257] + enc("!")
    check_ids(oracle, got, expected, {**vocab, 50257: b"<|pad|>"}, text, f"Tokenizer(..., ['<|endoftext|>', '<|pad|>']).encode({text!r})",
              hint="a special token absent from vocab gets the id after the largest one; split the text on the specials "
                   "before pre-tokenizing, and map each special to its id")
    assert_equal(tok.decode(got), text, what="decode(encode(text)) with two special tokens")

    doubled = "<|endoftext|><|endoftext|>"
    with calling(f"Tokenizer(..., special_tokens=['<|endoftext|>', {doubled!r}])"):
        tok = B.Tokenizer(dict(vocab), list(merges), [EOT, doubled])
        got = tok.encode(doubled * 2 + EOT)
    assert_equal(list(got), [50257, 50257, 50256], what=f"encode({doubled * 2 + EOT!r}) with specials {EOT!r} and {doubled!r}",
                 hint="when one special token starts another, try the longer one first")

    # A vocabulary with gaps: the new special's id is one more than the largest id, not len(vocab).
    gapped = {**{i: bytes([i]) for i in range(256)}, 300: b"ab"}
    what = "Tokenizer({bytes at 0..255, 300: b'ab'}, [(b'a', b'b')], special_tokens=['<|endoftext|>'])"
    with calling(f"{what}.encode('ab<|endoftext|>a')"):
        tok = B.Tokenizer(gapped, [(b"a", b"b")], [EOT])
        got = tok.encode("ab<|endoftext|>a")
    assert_equal([int(i) for i in got], [300, 301, 97], what=f"{what}.encode('ab<|endoftext|>a')",
                 hint="ids 256..299 are free but taken by nobody: a special token absent from vocab gets max(vocab) + 1 "
                      "(here 301), not len(vocab) (257)")
    assert_equal(tok.vocab_size, 302, what=f"{what}.vocab_size",
                 hint="vocab_size is the number of ids an embedding table needs: max(vocab) + 1 (here 302), not len(vocab)")

    with calling("Tokenizer(GPT-2's vocab, merges, special_tokens=None)"):
        tok = B.Tokenizer(dict(vocab), list(merges), None)
        got = tok.encode(text)
    check_ids(oracle, got, oracle.gpt2_ids(text, special=False), vocab, text, "Tokenizer(..., special_tokens=None).encode(text)",
              hint="with no special tokens, <|endoftext|> is ordinary text: pre-tokens '<|', 'endoftext', '|>'")


@task(points=1, timeout=60)
def test_bpe_decode(oracle):
    """decode replaces invalid UTF-8 with U+FFFD instead of raising; decode_bytes gives raw bytes; unknown ids are named."""
    gpt2_tok = gpt2_tokenizer(oracle)
    vocab = oracle.gpt2()[0]
    by_bytes = {token: i for i, token in vocab.items()}
    robot = "🤖".encode()  # 4 bytes: F0 9F A4 96
    cases = [
        ("half an emoji", [by_bytes[robot[:1]], by_bytes[robot[1:2]]]),
        ("a lone continuation byte then text", [by_bytes[b"\x96"], by_bytes[b"ok"] if b"ok" in by_bytes else by_bytes[b"o"]]),
        ("byte 0xFF", [by_bytes[b"\xff"]]),
    ]
    for name, ids in cases:
        raw = b"".join(vocab[i] for i in ids)
        with calling(f"decode_bytes({ids}) ({name})"):
            assert_equal(gpt2_tok.decode_bytes(ids), raw, what=f"decode_bytes({ids}) ({name})",
                         hint="join the tokens' bytes: b''.join(vocab[i] for i in ids)")
        with calling(f"decode({ids}) ({name})",
                     hint="a token is bytes, not always whole characters: .decode('utf-8', errors='replace')"):
            text = gpt2_tok.decode(ids)
        assert_equal(text, raw.decode("utf-8", errors="replace"), what=f"decode({ids}) ({name})",
                     hint="decode the joined bytes once, with errors='replace' (never decode token by token)")
    split = [by_bytes[robot[:2]], by_bytes[robot[2:]]] if robot[:2] in by_bytes and robot[2:] in by_bytes else \
        [by_bytes[robot[:1]], by_bytes[robot[1:2]], by_bytes[robot[2:3]], by_bytes[robot[3:]]]
    assert_equal(gpt2_tok.decode(split), "🤖", what=f"decode({split}), the 4 bytes of 🤖 in pieces",
                 hint="join all the bytes first, then decode: a character may span tokens")
    ids = oracle.gpt2_ids("Once upon a time 🤖")
    with calling("decode(iter(ids)), the ids given as an iterator (a generator may be read only once)"):
        text = gpt2_tok.decode(iter(ids))
    assert_equal(text, "Once upon a time 🤖", what="decode(iter(ids of 'Once upon a time 🤖'))",
                 hint="ids may be any iterable, read only once: check each id while joining (or make a list of ids first), "
                      "never one pass to check and another to join")
    for bad in (50300, -1):
        what = f"decode([464, {bad}])"
        try:
            gpt2_tok.decode([464, bad])
        except NotImplementedError:
            raise
        except (KeyError, ValueError) as exc:
            require(str(bad) in str(exc), f"{what} raised {type(exc).__name__}: {exc}; the message should name the id {bad}")
        except Exception as exc:  # noqa: BLE001
            raise AssertionError(f"{what} should raise KeyError or ValueError naming the id, but raised "
                                 f"{type(exc).__name__}: {exc}") from None
        else:
            raise AssertionError(f"{what} returned normally, but {bad} is not an id of GPT-2's vocabulary",
                                 ) from None


CUT_TEXT = "It's   here!\n\nWe'll see<|endoftext|>Once upon a time,  she'd   <|endoftext|>  don't 日本 🤖\n"


def vocab_of(oracle):
    return oracle.gpt2()[0]


CHUNK_HINT = ("a chunk may end inside a word, a run of spaces or a special token: keep the end of the text back until "
              "more arrives, and encode only up to a place that no pre-token or special token spans (careful: a run of "
              "whitespace at the end of a text is one pre-token, but followed by a word it is not)")


@task(points=2, timeout=90, needs=("bpe_encode_gpt2_tinystories",))
def test_bpe_encode_iterable(oracle, tmp_path):
    """encode_iterable yields encode("".join(chunks)) for chunks cut anywhere, and streams a file in bounded memory."""
    gpt2_tok = gpt2_tokenizer(oracle)
    vocab = vocab_of(oracle)
    expected = oracle.gpt2_ids(CUT_TEXT)
    with calling(f"encode({CUT_TEXT!r})"):
        whole = gpt2_tok.encode(CUT_TEXT)
    if [int(i) for i in whole] != expected:
        raise AssertionError(f"encode({CUT_TEXT!r}) itself gives other ids than tiktoken: fix encode first "
                             "(see bpe_encode_gpt2_tricky), then encode_iterable")
    # A long first chunk, so that a buffer of up to 40,000 characters is full when the cut comes.
    story = oracle.tinystories("valid", 40_000)
    prefix = story[: story.rindex("\n") + 1]
    expected_long = oracle.gpt2_ids(prefix) + expected
    for k in range(len(CUT_TEXT) + 1):  # two chunks, cut at every position
        for head, want in (("", expected), (prefix, expected_long)):
            chunks = [head + CUT_TEXT[:k], CUT_TEXT[k:]]
            what = (f"list(encode_iterable([{'<' + str(len(prefix)) + ' characters> + ' if head else ''}"
                    f"{CUT_TEXT[:k][-14:]!r}, {chunks[1][:14]!r}...])) (cut at character {k} of {CUT_TEXT!r})")
            with calling(what):
                got = drain(gpt2_tok.encode_iterable(iter(chunks)))
            check_ids(oracle, got, want, vocab, CUT_TEXT, what, hint=CHUNK_HINT)
    # One special token starts another: the cut must not fall after the shorter one when the longer may follow.
    doubled = EOT + EOT
    with calling(f"Tokenizer(GPT-2's vocab, merges, special_tokens=[{EOT!r}, {doubled!r}])"):
        tok = bpe().Tokenizer(dict(vocab), list(oracle.gpt2()[1]), [EOT, doubled])
    text = f"Hi {doubled} there{EOT}"
    want = oracle.gpt2_ids(prefix + "Hi ") + [50257] + oracle.gpt2_ids(" there") + [50256]
    for k in range(len("Hi "), len("Hi ") + len(doubled) + 1):
        chunks = [prefix + text[:k], text[k:]]
        what = (f"list(encode_iterable([<{len(prefix)} characters> + {text[:k][-14:]!r}, {text[k:][:14]!r}...])) with specials "
                f"[{EOT!r}, {doubled!r}] (cut at character {k} of {text!r})")
        with calling(what):
            got = drain(tok.encode_iterable(iter(chunks)))
        check_ids(oracle, got, want, {**vocab, 50257: doubled.encode()}, text, what,
                  hint="a special token at the end of the buffer may be the start of a longer one: keep back the last "
                       "len(longest special) - 1 characters, and cut before any special token that reaches into them")
    rng = random.Random(5)
    for trial in range(20):
        text = "".join(rng.choice(TRICKY) for _ in range(6))
        cuts = sorted(rng.sample(range(len(text) + 1), 10))
        chunks = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)])]
        with calling(f"encode_iterable(10 chunks of {text!r:.40}...)"):
            got = drain(gpt2_tok.encode_iterable(chunks))
        check_ids(oracle, got, oracle.gpt2_ids(text), vocab, text, f"list(encode_iterable({chunks!r:.200}))", hint=CHUNK_HINT)

    # A 3 MB file from a few hundred words: encode_iterable must not hold all of it, or all its ids.
    words = oracle.tinystories("valid", 20_000).split()[:600]
    lines, size = [], 0
    while size < 3_000_000:
        line = " ".join(rng.choice(words) for _ in range(rng.randint(0, 14))) + rng.choice(["\n", "\n\n", "\n" + EOT + "\n"])
        lines.append(line)
        size += len(line)
    path = tmp_path / "corpus.txt"
    path.write_text("".join(lines), encoding="utf-8")
    expected = np.asarray(oracle.gpt2_ids("".join(lines)), dtype=np.int64)
    del lines
    with calling("encode_iterable(an open 3 MB file, line by line)"):
        got, n, peak = under_test("common.stand_ins").stream_file(gpt2_tok, path, len(expected) + 1)
    if n != len(expected) or not np.array_equal(got[:n], expected):
        got, expected = got[: min(n, len(got))].tolist(), expected.tolist()
        k = next((i for i, (x, y) in enumerate(zip(got, expected)) if x != y), min(len(got), len(expected)))
        snippet = b"".join(vocab[i] for i in expected[max(0, k - 12): k + 12]).decode("utf-8", errors="replace")
        check_ids(oracle, got, expected, vocab, f"... {snippet} ...", "list(encode_iterable(an open 3 MB file, read line by line))",
                  hint=CHUNK_HINT)
    require(peak < size / 4, f"encode_iterable(a {size / 1e6:.1f} MB file) used {peak / 1e6:.1f} MB of memory at its peak; "
            f"a stream should hold only a bounded piece of the text (the limit here is {size / 4e6:.2f} MB)",
            hint="do not read or join the whole input, and yield ids as you go instead of building one list")
