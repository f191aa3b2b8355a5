"""Grader for llama2c.py: checkpoints written here from llama2.c's ``export.py`` layout (versions 0
and 1, head shared or not, grouped-query heads, float32 weights drawn at random) read back into the
learner's GPT with every tensor in place and PyTorch's logits; headers parsed exactly; truncated,
padded, foreign and version-2 files refused with a ValueError naming the file; and the bundled
stories260K.bin, read by the learner's reader, tells llama2.c's published greedy story.
"""

from __future__ import annotations

import struct

import numpy as np

from common import load
from common.checks import assert_close, assert_equal, calling, expect_raises, require
from common.data import stories260k_files
from common.llama2c import STORIES260K_GREEDY, decode_pieces, read_tokenizer
from grader import task

FIELDS = ("dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads", "vocab_size", "seq_len")


SIZE_HINT = ("a file is exactly its header (28 bytes in version 0, 256 in version 1) and 4 bytes for every number of "
             "the handout's table; version 0 also holds the RoPE tables (cos and sin, seq_len x D/2 each, read and "
             "skipped) before the head")


MAGIC_HINT = ("a version-1 file begins with the magic 0x616b3432, read as a little-endian uint32 ('<I'), then the "
              "version (int32) and the seven int32")


def header_bytes(version: int, ints, shared: bool) -> bytes:
    if version == 0:
        h = list(ints)
        h[5] = h[5] if shared else -h[5]
        return struct.pack("<7i", *h)
    top = struct.pack("<Ii7iB", 0x616B3432, version, *ints, int(shared))
    return top + b"\0" * (256 - len(top))


@task(points=2, timeout=60)
def test_llama2c_header(kit):
    """Both versions' headers: the seven sizes, the shared flag (vocab_size's sign in version 0, a byte in version 1), where the arrays start; bad headers refused."""
    L = kit.p10("llama2c")
    ints = (64, 172, 5, 8, 4, 512, 512)
    for version in (0, 1):
        for shared in (True, False):
            raw = header_bytes(version, ints, shared) + b"\0" * 64
            what = f"read_header(a version-{version} header, shared={shared})"
            with calling(what, hint=MAGIC_HINT if version == 1 else "in version 0 a negative vocab_size means the "
                         "head is not shared: keep its size positive" if not shared else None):
                got = L.read_header(raw, "x.bin")
            require(isinstance(got, tuple) and len(got) == 4, f"{what} must return (fields, shared, version, offset)")
            fields, sh, ver, offset = got
            assert_equal((ver, offset), (version, 28 if version == 0 else 256), what=f"{what}: (version, offset)",
                         hint=MAGIC_HINT if version == 1 and ver != 1 else "the arrays start at byte 28 in version 0 (after the seven "
                         "int32) and at byte 256 in version 1 (its header is padded with zeros)")
            assert_equal(dict(fields), dict(zip(FIELDS, ints)), what=f"{what}: fields",
                         hint="in version 0 a negative vocab_size means the head is not shared: keep its size positive"
                         if version == 0 and not shared else None)
            assert_equal(bool(sh), shared, what=f"{what}: shared",
                         hint="version 0: shared when vocab_size > 0; version 1: the byte after the seven ints")
    for version in (0, 1):             # the smallest file read_header accepts: the header alone
        raw = header_bytes(version, ints, False)
        what = f"read_header(a version-{version} header alone, exactly its {len(raw)} bytes)"
        with calling(what, hint=f"{len(raw)} bytes are enough: refuse a header only when the file has fewer"):
            fields, sh, ver, offset = L.read_header(raw, "x.bin")
        assert_equal((dict(fields), bool(sh), ver, offset), (dict(zip(FIELDS, ints)), False, version, len(raw)),
                     what=f"{what}: (fields, shared, version, offset)")
    bad = {
        "20 bytes": b"\0" * 20,
        "a version-1 magic and 100 bytes": header_bytes(1, ints, True)[:100],
        "version 2 (int8 weights)": header_bytes(2, ints, True),
        "dim 60 over 8 heads": header_bytes(0, (60, 172, 5, 8, 4, 512, 512), True),
        "8 heads over 3 kv heads": header_bytes(0, (64, 172, 5, 8, 3, 512, 512), True),
        "n_layers 0": header_bytes(1, (64, 172, 0, 8, 4, 512, 512), True),
        "an odd head size (dim 24, 8 heads)": header_bytes(0, (24, 172, 5, 8, 4, 512, 512), True),
        "seq_len -5": header_bytes(0, (64, 172, 5, 8, 4, 512, -5), True),
    }
    for label, raw in bad.items():
        with expect_raises(ValueError, f"read_header({label}, 'x.bin')") as caught:
            L.read_header(raw, "x.bin")
        require("x.bin" in str(caught[0]), f"read_header({label}, 'x.bin'): the error must name the file: "
                f"{caught[0]}")


def check_state(cfg, got_cfg, state, got, what):
    for field in ("vocab_size", "block_size", "n_layer", "n_head", "n_kv_head", "n_embd", "hidden", "norm", "mlp",
                  "position", "bias", "tie_weights"):
        assert_equal(getattr(got_cfg, field), getattr(cfg, field), what=f"{what}: config.{field}")
    assert_equal(sorted(got), sorted(state), what=f"{what}: the state's names")
    for name, value in state.items():
        g = np.asarray(got[name])
        transposed = "the file stores matrices (out, in), as PyTorch does: transpose them to (in, out)"
        if g.shape == value.T.shape and g.shape != value.shape:
            raise AssertionError(f"{what}: {name} has shape {g.shape}, expected {value.shape}.\nHint: {transposed}")
        require(g.dtype == np.float32, f"{what}: {name} must be float32, got {g.dtype}")
        if g.ndim == 2 and g.shape[0] == g.shape[1] and np.array_equal(g, value.T) and not np.array_equal(g, value):
            raise AssertionError(f"{what}: {name} holds its matrix transposed.\nHint: {transposed}")
        assert_close(g, value, what=f"{what}: {name}", rtol=0, atol=0,
                     hint="the arrays come in the file's order (the handout's table): count the elements of each "
                     "one to find the next")


@task(points=3, timeout=90, needs=("llama2c_header",))
def test_llama2c_weights(kit, tmp_path):
    """Versions 0 and 1, head shared or not: every tensor in its place, and the model's logits equal PyTorch's on the same weights."""
    L = kit.p10("llama2c")
    for version in (0, 1):
        for tied in (True, False):
            # 4 query heads over 1, 2 or 4 key/value heads: n_kv_head is the file's n_kv_heads, not a group size
            kv = {(0, True): 1, (0, False): 2, (1, True): 4, (1, False): 2}[version, tied]
            cfg = kit.llama_config(tie_weights=tied, n_layer=2 + version, n_kv_head=kv)
            state = kit.llama_state(cfg, seed=10 * version + tied)
            path = tmp_path / f"v{version}_{tied}.bin"
            kit.write_llama2c(path, cfg, state, version)
            what = f"read_llama2c(a version-{version} file, {'shared' if tied else 'separate'} head, {kit.describe(cfg)})"
            with calling(what, hint=SIZE_HINT):
                got_cfg, got = L.read_llama2c(path)
            check_state(cfg, got_cfg, state, got, what)
            model = L.load_llama2c(path)
            ids = np.random.default_rng(version).integers(0, cfg.vocab_size, (2, cfg.block_size))
            with calling(f"load_llama2c(version-{version} file)(ids {ids.shape})"):
                logits = np.asarray(model(ids).data)
            want = kit.t_gpt(kit.torch_P(state), ids, cfg).detach().numpy()
            assert_close(logits, want, what=f"load_llama2c(version-{version} file) logits against PyTorch's",
                         rtol=1e-4, atol=1e-4)


@task(points=2, timeout=60, needs=("llama2c_header",))
def test_llama2c_errors(kit, tmp_path):
    """A file cut short, one with bytes left over, a text file and a header alone: ValueError naming the file."""
    L = kit.p10("llama2c")
    cfg = kit.llama_config()
    state = kit.llama_state(cfg)
    cases = {
        "cut 4 bytes short (version 0)": dict(version=0, cut=4),
        "cut 1 byte short (version 1)": dict(version=1, cut=1),
        "4 bytes left over (version 1)": dict(version=1, extra=b"\0" * 4),
        "whose header says the head is separate (vocab_size < 0) but holds none (version 0)":
            dict(version=0, shared=False, cut=4 * cfg.vocab_size * cfg.n_embd),
    }
    with_head = {**state, "lm_head.weight": state["wte.weight"].T}
    for label, kw in cases.items():
        path = tmp_path / "model.bin"
        kit.write_llama2c(path, cfg, with_head, **kw)
        with expect_raises(ValueError, f"read_llama2c(a checkpoint {label})") as caught:
            L.read_llama2c(path)
        require(str(path) in str(caught[0]) or path.name in str(caught[0]),
                f"read_llama2c(a checkpoint {label}): the error must name the file: {caught[0]}")
    text = tmp_path / "notes.txt"
    text.write_text("Once upon a time there was a checkpoint that was not one.\n" * 20)
    with expect_raises(ValueError, "read_llama2c(a text file)"):
        L.read_llama2c(text)
    header = tmp_path / "header.bin"
    header.write_bytes(header_bytes(1, (16, 20, 2, 4, 2, 29, 10), True))
    with expect_raises(ValueError, "read_llama2c(a version-1 header and no weights)"):
        L.read_llama2c(header)


@task(points=2, timeout=120, needs=("llama2c_weights",))
def test_llama2c_stories(kit):
    """stories260K.bin through your reader, your phase-07 generate: llama2.c's published 200 greedy tokens."""
    L, G = kit.p10("llama2c"), load(7, "generate")
    path = stories260k_files()[0]
    with calling("load_llama2c(stories260K.bin)"):
        model = L.load_llama2c(path)
    with calling("generate(load_llama2c(stories260K.bin), [[1]], 200, temperature=0)"):
        out = G.generate(model, [[1]], 200, temperature=0)
    pieces = read_tokenizer(stories260k_files()[1])[0]
    text = decode_pieces([1] + [int(t) for t in out[0]], pieces).decode("utf-8", errors="replace")
    at = next((i for i, (a, b) in enumerate(zip(text, STORIES260K_GREEDY)) if a != b),
              min(len(text), len(STORIES260K_GREEDY)))
    require(text == STORIES260K_GREEDY, f"stories260K through read_llama2c tells a different story from character "
            f"{at}: got ...{text[max(0, at - 30):at + 30]!r}, llama2.c prints ...{STORIES260K_GREEDY[max(0, at - 30):at + 30]!r}")
