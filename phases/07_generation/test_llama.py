"""Grader for llama_tokenizer.py and for generation on a real model: llama2.c's stories260K.

The encoder is checked on hand-worked cases and against the graders' own implementation of the
handout's four steps, on TinyStories text and on characters the vocabulary lacks (byte
fallback). Greedy decoding from BOS must reproduce, token for token, the 200 tokens llama2.c
publishes for this model (its test suite's expected output, quoted below); greedy continuations
of prompts encoded with your encoder must equal the PyTorch twin's.
"""

from __future__ import annotations

from common.checks import assert_equal, calling, require
from common.data import stories260k_files, tinystories
from common.llama2c import STORIES260K_GREEDY
from grader import task

PUBLISHED = STORIES260K_GREEDY  # llama2.c's test suite: `run stories260K.bin -z tok512.bin -t 0.0 -n 200`

PROMPTS = ["Once upon a time", "Lily and Tom went to the park", "The little dog was sad because",
           "One day, a big bird"]


def tokenizer(kit):
    with calling("LlamaTokenizer.from_file(tok512.bin)"):
        return kit.p7("llama_tokenizer").LlamaTokenizer.from_file(stories260k_files()[1])


def encode(tok, text, what, **kw):
    with calling(what):
        ids = tok.encode(text, **kw)
    return [int(i) for i in ids]


def encode_hint(kit, tok, text, kw, got) -> str | None:
    """Name the classic encoding mistake that ``got`` matches, if any: the one your encoder also follows on
    two more texts."""
    rule = ("among all adjacent pairs whose concatenated piece is in the vocabulary, merge the one whose merged piece "
            "has the highest score (the leftmost on a tie), and repeat until no pair merges")
    variants = [(dict(dummy=False), "start with the piece ' ' (SentencePiece's dummy prefix) before the text's first "
                                    "character, when the text is not empty"),
                (dict(pick="lowest"), f"you merged the pair with the lowest score first: {rule}"),
                (dict(pick="first"), f"you merged the first pair that merges, from the left, whatever its score: "
                                     f"{rule}"),
                (dict(pick="rightmost"), f"on a tie (the same best piece can merge at two places, as 'oo' in ' sooo') "
                                         f"merge the leftmost pair, not the rightmost: {rule}")]
    probes = []
    for probe in ("sooo", "The little dog was happy. He wagged his tail."):
        try:
            probes.append((probe, [int(i) for i in tok.encode(probe)]))
        except Exception:  # noqa: BLE001 - no hint from an encoder that fails
            return None
    if got == kit.t_encode(text, **kw):
        return None
    for options, hint in variants:
        if got == kit.t_encode(text, **kw, **options) and all(ids == kit.t_encode(p, **options) for p, ids in probes):
            return hint
    return None


@task(points=3, timeout=60)
def test_tok512_encode(kit):
    """encode follows llama2.c: BOS, the leading space, pieces or byte fallback, highest-score merges first."""
    tok = tokenizer(kit)
    hand = [("", dict(), [1], "an empty text is BOS alone: the space is added only when the text is not empty"),
            ("", dict(bos=False), [], "no BOS asked, nothing to encode"),
            ("t", dict(), [1, 259], "the text begins with the piece ' ' (SentencePiece's dummy prefix), and ' ' + 't' "
                                    "merge into the piece ' t' (id 259)"),
            ("t", dict(bos=False, eos=True), [259, 2], "EOS (id 2) comes last when eos=True"),
            ("\u00e9", dict(), [1, 410, 485], "'é' is a piece of its own (485); ' ' is 410, and ' é' is not a piece"),
            ("\U0001F600", dict(), [1, 410, 0xF0 + 3, 0x9F + 3, 0x98 + 3, 0x80 + 3],
             "a character without a piece becomes its UTF-8 bytes, byte b as id b + 3"),
            ("sooo", dict(), [1, 262, 347, 414],
             "' ' 's' 'o' 'o' 'o': ' s' (score -3) merges first; then 'oo' (-88) beats ' so' (-125) and can merge at "
             "two places: the leftmost wins, giving ' s' 'oo' 'o', and ' s'+'oo' and 'oo'+'o' are not pieces")]
    for text, kw, want, hint in hand:
        what = f"encode({text!r}{''.join(f', {k}={v}' for k, v in kw.items())})"
        got = encode(tok, text, what, **kw)
        assert_equal(got, want, what=what, hint=encode_hint(kit, tok, text, kw, got) or hint)
    texts = [line for line in tinystories("valid", which="sample").read_text(encoding="utf-8").splitlines()[:40]
             if line.strip() and line != "<|endoftext|>"][:12]
    texts += ["Tom's café served crème brûlée 🍰 — très bien!", "  two spaces, a tab\tand a newline\n",
              "MIXED case Words", "1234567890 !?"]
    for text in texts:
        what = f"encode({text[:60]!r}{'...' if len(text) > 60 else ''})"
        got = encode(tok, text, what)
        want = kit.t_encode(text)
        if got != want:
            at = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
            pieces, _ = kit.tok512()
            hint = encode_hint(kit, tok, text, {}, got) or (
                "repeat: among all adjacent pairs whose concatenated piece is in the vocabulary, merge the one whose "
                "merged piece has the highest score (the leftmost on a tie); stop when no pair merges")
            raise AssertionError(f"{what}: token {at} on differs: got {got[at:at + 6]} = "
                                 f"{[pieces[i] for i in got[at:at + 6] if 0 <= i < len(pieces)]}, expected "
                                 f"{want[at:at + 6]} = {[pieces[i] for i in want[at:at + 6]]}.\nHint: {hint}")


@task(points=1, timeout=30, needs=("tok512_encode",))
def test_tok512_decode(kit):
    """decode: byte tokens are their byte, a piece right after BOS loses its space, 0-2 are no text; it inverts encode."""
    tok = tokenizer(kit)
    cases = [([1, 403, 407], "Once upon", "after BOS the piece ' Once' loses its leading space (llama2.c's rule)"),
             ([403, 407], " Once upon", "without BOS before it, a piece keeps its space"),
             ([1, 410, 0xC3 + 3, 0xA9 + 3], "\u00e9", "tokens 3..258 are the bytes 0x00..0xFF: <0xC3> is the byte C3"),
             ([1, 259, 2, 0, 1, 259], "tt", "ids 0, 1 and 2 (<unk>, BOS, EOS) decode to no text; the piece after "
                                            "the second BOS loses its space too")]
    for ids, want, hint in cases:
        with calling(f"decode({ids})"):
            got = tok.decode(ids)
        assert_equal(got, want, what=f"decode({ids})", hint=hint)
    for text in ["Once upon a time, Lily saw a bird.", "Tom's café 😀", "a\nb"]:
        with calling(f"decode(encode({text!r}))"):
            got = tok.decode(tok.encode(text))
        assert_equal(got, text, what=f"decode(encode({text!r}))",
                     hint="encode adds BOS and a leading space; decode drops the space that follows BOS")


@task(points=3, timeout=120, needs=("generate_greedy", "utf8_stream", "tok512_decode"))
def test_stories260k_greedy(kit):
    """Greedy decoding of stories260K from BOS, with your cache, streamed, prints llama2.c's published 200 tokens."""
    model, _, cfg = kit.stories_model()
    G, S = kit.p7("generate"), kit.p7("stream")
    tok = tokenizer(kit)
    printed, prev = [], [1]
    stream = S.Utf8Stream()

    def on_token(row, t):
        printed.append(stream.push(tok.token_bytes(prev[-1], t)))
        prev.append(t)

    what = "generate(stories260K, [[1]], 200, temperature=0, on_token=stream)"
    with calling(what):
        out = G.generate(model, [[1]], 200, temperature=0, on_token=on_token)
        printed.append(stream.flush())
    ids = [int(t) for t in out[0]]
    text = kit.t_decode_bytes([1] + ids).decode("utf-8", errors="replace")
    if text != PUBLISHED:
        at = next((i for i, (a, b) in enumerate(zip(text, PUBLISHED)) if a != b), min(len(text), len(PUBLISHED)))
        raise AssertionError(f"{what}: the story differs from llama2.c's at character {at}: got ...{text[max(0, at - 30):at + 30]!r}, "
                             f"expected ...{PUBLISHED[max(0, at - 30):at + 30]!r}.\nHint: tasks cached_llama and "
                             f"generate_greedy check the same steps on small models: fix those first")
    assert_equal("".join(printed), PUBLISHED, what=f"{what}: the text streamed through Utf8Stream",
                 hint="stream.push(token_bytes(previous, token)) for each new token, then stream.flush()")


@task(points=2, timeout=120, needs=("tok512_encode", "generate_greedy", "generate_batch"))
def test_stories260k_prompts(kit):
    """Greedy continuations of prompts encoded with your tokenizer equal the PyTorch twin's, token for token."""
    model, P, cfg = kit.stories_model()
    G = kit.p7("generate")
    tok = tokenizer(kit)
    prompts = []
    for text in PROMPTS:
        got = encode(tok, text, f"encode({text!r})")
        require(got == kit.t_encode(text), f"encode({text!r}) gave {got}, expected {kit.t_encode(text)}",
                hint="task tok512_encode checks the encoder: fix it first")
        prompts.append(got)
    want = kit.t_generate(P, cfg, prompts, 40, temperature=0)
    what = f"generate(stories260K, the {len(PROMPTS)} prompts {PROMPTS} encoded, 40, temperature=0)"
    with calling(what):
        out = G.generate(model, prompts, 40, temperature=0)
    got = [[int(t) for t in row] for row in out]
    for b, (g_row, w_row) in enumerate(zip(got, want)):
        if g_row != w_row:
            raise AssertionError(f"{what}: the continuation of {PROMPTS[b]!r} is "
                                 f"{kit.t_decode_bytes(g_row).decode('utf-8', 'replace')!r}, expected "
                                 f"{kit.t_decode_bytes(w_row).decode('utf-8', 'replace')!r}.\nHint: prompts of "
                                 f"different lengths are padded on the right; each row continues from its own last "
                                 f"token (task generate_batch)")
