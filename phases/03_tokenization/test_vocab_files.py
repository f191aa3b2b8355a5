"""Grader for vocab_files.py: GPT-2's byte alphabet, loading GPT-2's own files, saving and loading a
vocabulary (files Hugging Face ``tokenizers`` reads too), and corrupt files refused with VocabError.
"""

from __future__ import annotations

import json

import pytest
from tokenizers import Tokenizer as HFTokenizer
from tokenizers import decoders, models, pre_tokenizers

from common import load, under_test
from common.checks import assert_equal, calling, expect_raises, require
from grader import task

EOT = "<|endoftext|>"


def vf():
    return load(3, "vocab_files")


@task(points=1, timeout=20)
def test_vocab_bytes_to_unicode(oracle):
    """bytes_to_unicode maps the 256 bytes to GPT-2's printable characters: b' ' -> 'Ġ', b'\\n' -> 'Ċ'."""
    with calling("bytes_to_unicode()"):
        table = vf().bytes_to_unicode()
    require(isinstance(table, dict) and sorted(table) == list(range(256)),
            f"bytes_to_unicode() should map each byte 0..255 to a character, got keys {sorted(table)[:5] if isinstance(table, dict) else table!r:.80}...")
    # Worked by hand: bytes 0..32 are the first 33 moved ones (U+0100..U+0120), 127..160 the next 34, 173 the last.
    for b, ch in [(ord("a"), "a"), (ord("!"), "!"), (0, "Ā"), (10, "Ċ"), (32, "Ġ"), (127, "ġ"), (160, "ł"), (173, "Ń"), (255, "ÿ")]:
        assert_equal(table[b], ch, what=f"bytes_to_unicode()[{b}]",
                     hint="printable bytes 33..126, 161..172, 174..255 keep their own character; the other 68, in "
                          "increasing order, get chr(256), chr(257), ...")
    expected = {b: ch for ch, b in oracle.char_to_byte().items()}
    assert_equal(table, expected, what="bytes_to_unicode() (all 256 entries)")


@task(points=2, timeout=60, needs=("vocab_bytes_to_unicode",))
def test_vocab_load_gpt2(oracle):
    """load_vocab reads GPT-2's vocab.json and merges.txt (no #version line), and Tokenizer.from_files uses it."""
    vocab_path, merges_path = oracle.gpt2_paths()
    with calling(f"load_vocab({vocab_path.name}, {merges_path.name}) on GPT-2's files",
                 hint="GPT-2's merges.txt has no #version line: skip only a first line that starts with '#version' "
                      "(the first merge, Ġ t, makes token 256)"):
        vocab, merges = vf().load_vocab(vocab_path, merges_path)
    exp_vocab, exp_merges = oracle.gpt2()
    require(isinstance(vocab, dict) and len(vocab) == 50257, f"load_vocab(GPT-2) should give 50,257 tokens, got {len(vocab)}")
    wrong = [(i, vocab.get(i), t) for i, t in exp_vocab.items() if vocab.get(i) != t]
    if wrong:
        i, g, e = wrong[0]
        raise AssertionError(
            f"load_vocab(GPT-2): {len(wrong)} tokens have the wrong bytes, e.g. id {i} ({oracle.spell(e)!r} in vocab.json) "
            f"should be {e!r}, got {g!r}\nHint: each character of a token string stands for one byte (bytes_to_unicode, "
            "inverted): 'Ġ' is b' ', 'Ċ' is b'\\n'; do not UTF-8-encode the string")
    require(len(merges) == 50000, f"load_vocab(GPT-2) should give 50,000 merges, got {len(merges)}",
            hint="GPT-2's merges.txt has no #version line: skip only a first line that starts with '#version'")
    for k, (g, e) in enumerate(zip(merges, exp_merges)):
        if tuple(g) != e:
            raise AssertionError(f"load_vocab(GPT-2): merge {k} (line {k + 1}) should be {e}, got {tuple(g)}")
    # from_files must give the Tokenizer built from the grader's reading of the same files.
    text = oracle.tinystories("valid", 5000) + " Ġ naïve 🤖<|endoftext|>"
    bpe = load(3, "bpe")
    with calling("Tokenizer.from_files(vocab.json, merges.txt).encode(5,000 characters of TinyStories)"):
        got = bpe.Tokenizer.from_files(vocab_path, merges_path).encode(text)
    with calling("Tokenizer(GPT-2's vocab and merges as the grader reads them, ['<|endoftext|>']).encode(the same text)"):
        expected = oracle.learner_gpt2_tokenizer(bpe).encode(text)
    assert_equal(list(got), list(expected), what="Tokenizer.from_files(GPT-2's files).encode(5,000 characters of TinyStories), "
                 "compared with your Tokenizer built on the grader's reading of the files",
                 hint="from_files = load_vocab + Tokenizer(vocab, merges, special_tokens)")


def small_vocab(oracle):
    """A trained vocabulary with multi-byte and invalid-UTF-8 tokens, and two special tokens."""
    text = oracle.tinystories("train", 3000) + " Ġġ naïve café 日本語 日本 🤖🤖🤖 \x00\x01 " * 3
    vocab, merges, _ = oracle.slow_train(text, 256 + 150 + 2, [EOT, "<|pad|>"])
    return vocab, merges


def hf_tokenizer(vocab_path, merges_path) -> HFTokenizer:
    tok = HFTokenizer(models.BPE.from_file(str(vocab_path), str(merges_path)))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    return tok


@task(points=2, timeout=60, needs=("vocab_bytes_to_unicode",))
def test_vocab_save_load(oracle, tmp_path, monkeypatch):
    """save_vocab writes GPT-2's format (read back by load_vocab and by Hugging Face tokenizers), atomically."""
    V = vf()
    vocab, merges = small_vocab(oracle)
    vp, mp = tmp_path / "vocab.json", tmp_path / "merges.txt"
    with calling("save_vocab(vocab, merges, vocab_path, merges_path)"):
        V.save_vocab(vocab, merges, vp, mp)
    try:
        table = json.loads(vp.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise AssertionError(f"vocab.json written by save_vocab is not JSON: {exc}") from None
    expected_table = {oracle.spell(t): i for i, t in vocab.items()}
    assert_equal(table, expected_table, what="the JSON object in vocab.json written by save_vocab",
                 hint="keys are token strings in GPT-2's alphabet (one character per byte, b' ' -> 'Ġ'), specials as "
                      "their text; values are the ids")
    lines = mp.read_text(encoding="utf-8").splitlines()
    assert_equal(lines[:1], ["#version: 0.2"], what="the first line of merges.txt", hint="start with '#version: 0.2'")
    assert_equal(lines[1:], [f"{oracle.spell(a)} {oracle.spell(b)}" for a, b in merges], what="the merge lines of merges.txt",
                 hint="one merge per line, rank order, the two token strings separated by one space")

    with calling("load_vocab(the files save_vocab wrote)"):
        back_vocab, back_merges = V.load_vocab(vp, mp)
    assert_equal(back_vocab, vocab, what="load_vocab(save_vocab(vocab, merges)): the vocabulary")
    assert_equal([tuple(m) for m in back_merges], merges, what="load_vocab(save_vocab(vocab, merges)): the merges")

    hf = hf_tokenizer(vp, mp)
    sample = "Once upon a time, naïve café 日本語 🤖 the end."
    assert_equal(hf.encode(sample).ids, oracle.slow_encode(vocab, merges, sample),
                 what="Hugging Face tokenizers, loading your files, encoding " + repr(sample),
                 hint="the files must be in GPT-2's format exactly")

    # Atomic: a crash at the final rename leaves the old files whole and no temporary file behind.
    old = {p: p.read_bytes() for p in (vp, mp)}

    def crash(*args, **kwargs):
        raise OSError("simulated crash")

    code_os, code_pathlib = under_test("os"), under_test("pathlib")  # as the code under test sees them
    for target, name in [(code_os, "replace"), (code_os, "rename"), (code_pathlib.Path, "replace"),
                         (code_pathlib.Path, "rename"), (under_test("shutil"), "move")]:
        monkeypatch.setattr(target, name, crash)
    try:
        V.save_vocab({**vocab, len(vocab): b"<|new|>"}, merges, vp, mp)
    except NotImplementedError:
        raise
    except Exception:  # noqa: BLE001 - the files are what count
        pass
    finally:
        monkeypatch.undo()
    for p, content in old.items():
        require(p.read_bytes() == content, f"save_vocab overwrote {p.name} in place: with os.replace failing (a simulated "
                "crash) the old file changed", hint="write a temporary file in the same folder, then os.replace it onto the target")
    left = sorted(p.name for p in tmp_path.iterdir() if p not in old)
    require(not left, f"save_vocab left {left} behind after the simulated crash", hint="remove the temporary file when writing fails")


GOOD_VOCAB = {"a": 0, "b": 1, "c": 2, "Ġ": 3, "ab": 4, "Ġab": 5, "abc": 6, EOT: 7}
GOOD_MERGES = "#version: 0.2\na b\nĠ ab\nab c\n"


def broken(vocab=None, merges=None, vocab_raw=None) -> tuple[str, str]:
    return (vocab_raw if vocab_raw is not None else json.dumps(vocab if vocab is not None else GOOD_VOCAB, ensure_ascii=False),
            merges if merges is not None else GOOD_MERGES)


V_, M_ = "vocab.json", "merges.txt"
CORRUPT = {
    # name: (vocab.json text, merges.txt text, the file to name, what else the message must name, description)
    "json_cut_short": (*broken(vocab_raw='{"a": 0, "b": 1, "ab'), V_, "line", "invalid JSON (cut short)"),
    "json_list": (*broken(vocab_raw='["a", "b"]'), V_, "", "a JSON list, not an object"),
    "id_string": (*broken(vocab={**GOOD_VOCAB, "c": "2"}), V_, "'c'", 'an id given as a string, "c": "2"'),
    "id_negative": (*broken(vocab={**GOOD_VOCAB, "c": -2}), V_, "'c'", 'a negative id, "c": -2'),
    "id_float": (*broken(vocab={**GOOD_VOCAB, "c": 2.0}), V_, "'c'", 'a float id, "c": 2.0'),
    "id_bool": (*broken(vocab={**GOOD_VOCAB, "c": True}), V_, "'c'", 'a boolean id, "c": true'),
    "id_bool_in_place": (*broken(vocab={**GOOD_VOCAB, "b": True}), V_, "'b'",
                         'a boolean id, "b": true, where id 1 belongs (JSON true loads as the bool True, an int '
                         'subclass equal to 1: check not isinstance(i, bool))'),
    "id_twice": (*broken(vocab={**GOOD_VOCAB, "d": 7}), V_, "7", 'two tokens with id 7 ("<|endoftext|>" and "d")'),
    "real_space": (*broken(vocab={**GOOD_VOCAB, "a b": 8}), V_, "'a b'", 'a token with a real space, "a b" (a space is spelled Ġ)'),
    "euro_sign": (*broken(vocab={**GOOD_VOCAB, "€": 8}), V_, "'€'", 'a token "€" (U+20AC is outside the byte alphabet)'),
    "merge_three_parts": (*broken(merges="#version: 0.2\na b\nab c d\n"), M_, "line 3", 'a merges line "ab c d"'),
    "merge_one_part": (*broken(merges="#version: 0.2\na b\nabc\n"), M_, "line 3", 'a merges line "abc"'),
    "merge_two_spaces": (*broken(merges="#version: 0.2\na  b\nĠ ab\nab c\n"), M_, "line 2",
                         'a merges line "a  b" (two spaces: line.split(" ") gives three parts, line.split() would hide '
                         'the extra space)'),
    "merge_part_unknown": (*broken(merges="#version: 0.2\na b\nab d\n"), M_, "line 3", 'a merge "ab d" whose part d is not in the vocabulary'),
    "merge_result_unknown": (*broken(merges="#version: 0.2\na b\nb c\n"), M_, "line 3", 'a merge "b c" whose result bc is not in the vocabulary'),
    "merge_euro_sign": (*broken(merges="a b\na €\n"), M_, "line 2", 'a merges line "a €" (outside the byte alphabet)'),
    "id_gap": (*broken(vocab={**{k: v for k, v in GOOD_VOCAB.items() if v != 7}, EOT: 9}), V_, "7",
               "ids 0-6 and 9: id 7 missing"),
    "id_gap_at_the_end": (*broken(vocab={**{k: v for k, v in GOOD_VOCAB.items() if v != 7}, EOT: 8}), V_, "7",
                          "ids 0-6 and 8: id 7 missing (8 tokens, largest id 8: ids 0..n-1 means max(ids) == n - 1)"),
    "id_huge": (*broken(vocab={**{k: v for k, v in GOOD_VOCAB.items() if v != 7}, EOT: 2**64}), V_, "7",
                "an id of 2**64 (and so id 7 missing)"),
    "empty_token": (*broken(vocab={**GOOD_VOCAB, "": 8}), V_, "empty", 'an empty token, "": 8'),
    "merges_not_utf8": (json.dumps(GOOD_VOCAB, ensure_ascii=False), "#version: 0.2\na b\n".encode() + b"\xe9 b\n", M_,
                        "UTF-8", "a merges.txt holding the byte 0xE9 (Latin-1, not UTF-8)"),
    "pair_mismatch": (*broken(vocab={**GOOD_VOCAB, "cab": 8}), V_, "'cab'",
                      'a token "cab" that no merge makes (the vocab.json of a later save, the merges.txt of an '
                      'earlier one)'),
    "no_vocab_file": (None, GOOD_MERGES, V_, "", "a missing vocab.json"),
    "no_merges_file": (json.dumps(GOOD_VOCAB), None, M_, "", "a missing merges.txt"),
}


@pytest.mark.parametrize("case", list(CORRUPT))
@task(points=2, timeout=20)
def test_vocab_rejects_corrupt(case, tmp_path):
    """load_vocab refuses each kind of broken file with VocabError naming the file and the key or line."""
    V = vf()
    vocab_text, merges_text, file_named, must_name, description = CORRUPT[case]
    vp, mp = tmp_path / "vocab.json", tmp_path / "merges.txt"
    if vocab_text is not None:
        vp.write_text(vocab_text, encoding="utf-8")
    if isinstance(merges_text, bytes):
        mp.write_bytes(merges_text)
    elif merges_text is not None:
        mp.write_text(merges_text, encoding="utf-8")
    what = f"load_vocab(vocab.json, merges.txt) with {description}"
    with expect_raises(V.VocabError, what, hint="check every entry and every line, and raise VocabError(f'{path}: ...')") as caught:
        V.load_vocab(vp, mp)
    message = str(caught[0])
    where = message.replace(str(vp), "vocab.json").replace(str(mp), "merges.txt").replace(str(tmp_path), "")
    require(file_named in message, f"{what}: the VocabError says {message!r}; it should name the file, {file_named}")
    require(must_name in where, f"{what}: the VocabError says {message!r}; it should name {must_name}",
            hint="say where the problem is: the key for vocab.json (repr of the token), 'line N' for merges.txt")


@pytest.mark.parametrize("merges_text", ["a b\nĠ ab\nab c", "#version: 0.2\na b\nĠ ab\nab c\n", "a b\r\nĠ ab\r\nab c\r\n"],
                         ids=["no_header_no_final_newline", "header", "crlf"])
@task(points=1, timeout=20, needs=("vocab_load_gpt2",))
def test_vocab_load_variants(merges_text, tmp_path):
    """load_vocab accepts merges.txt with or without the #version line, a final newline, or Windows line ends."""
    vp, mp = tmp_path / "vocab.json", tmp_path / "merges.txt"
    vp.write_text(json.dumps(GOOD_VOCAB, ensure_ascii=False), encoding="utf-8")
    mp.write_bytes(merges_text.encode("utf-8"))
    with calling(f"load_vocab(vocab.json, merges.txt = {merges_text!r})"):
        vocab, merges = vf().load_vocab(vp, mp)
    assert_equal([tuple(m) for m in merges], [(b"a", b"b"), (b" ", b"ab"), (b"ab", b"c")],
                 what=f"the merges read from {merges_text!r}", hint="strip '\\r' from line ends, skip empty lines and a first '#version' line")
    assert_equal(vocab[7], EOT.encode(), what="vocab[7], the special token <|endoftext|>")
    assert_equal(vocab[5], b" ab", what="vocab[5], spelled 'Ġab' in vocab.json")
