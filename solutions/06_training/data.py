"""A run's data: its tokenizer and its two token files, made once and kept in the run's folder.

::

    runs/demo/tokenizer/vocab.json, merges.txt    BPE trained on the training text (phase 03)
    runs/demo/train.u16, valid.u16                 the texts encoded with it (phase 03's corpus)
    runs/demo/data.json                            what they were made from: reused while it matches

The tokenizer's *identity* is the SHA-256 of its two files. A checkpoint records it, so a
run is never resumed on token ids that mean something else. This module is given.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

from common import load
from common.data import gpt2_files, tinystories
from common.files import write_atomic

EOT = "<|endoftext|>"


def text_path(spec: str) -> Path:
    """``"tinystories:train"`` -> the TinyStories file of that split (the full set after `make data`,
    else the bundled sample); ``"tinystories-sample:train"`` -> always the sample; anything else is a path."""
    if spec.startswith(("tinystories:", "tinystories-sample:")):
        kind, split = spec.split(":", 1)
        return tinystories(split, which="sample" if kind == "tinystories-sample" else "auto")
    path = Path(spec)
    if not path.is_file():
        raise FileNotFoundError(f"text file {spec} does not exist")
    return path


def tokenizer_id(vocab_path: Path, merges_path: Path) -> str:
    h = hashlib.sha256()
    for path in (vocab_path, merges_path):
        h.update(path.read_bytes())
    return "sha256:" + h.hexdigest()


def _source(path: Path) -> dict:
    st = path.stat()
    return {"path": str(path.resolve()), "bytes": st.st_size, "mtime_ns": st.st_mtime_ns}


def prepare_data(cfg, out: Path, say=print):
    """``(tokenizer, tokenizer_id, train_path, valid_path)`` for the run in ``out``, made if missing."""
    bpe, vocab_files, corpus = load(3, "bpe"), load(3, "vocab_files"), load(3, "corpus")
    train_src, valid_src = text_path(cfg.train_text), text_path(cfg.valid_text)
    folder = out / "tokenizer"
    vocab_path, merges_path = (gpt2_files() if cfg.tokenizer == "gpt2"
                               else (folder / "vocab.json", folder / "merges.txt"))
    want = {"tokenizer": cfg.tokenizer, "vocab_size": cfg.vocab_size, "bpe_chars": cfg.bpe_chars,
            "train": _source(train_src), "valid": _source(valid_src)}
    record, train_path, valid_path = out / "data.json", out / "train.u16", out / "valid.u16"
    have = json.loads(record.read_text()) if record.is_file() else None
    ready = (have is not None and {k: have.get(k) for k in want} == want and train_path.is_file()
             and valid_path.is_file() and vocab_path.is_file() and merges_path.is_file()
             and have.get("tokenizer_id") == tokenizer_id(vocab_path, merges_path))
    if ready:
        tokenizer = bpe.Tokenizer.from_files(vocab_path, merges_path, special_tokens=[EOT])
        return tokenizer, have["tokenizer_id"], train_path, valid_path

    if cfg.tokenizer == "bpe":
        t0 = time.perf_counter()
        with open(train_src, encoding="utf-8", newline="") as f:
            text = f.read(cfg.bpe_chars)  # a BPE's merges settle long before 2 GB of text
        vocab, merges = bpe.train_bpe(text, cfg.vocab_size, special_tokens=[EOT])
        folder.mkdir(parents=True, exist_ok=True)
        vocab_files.save_vocab(vocab, merges, vocab_path, merges_path)
        say(f"trained a BPE of {len(vocab)} tokens on {len(text):,} characters of {train_src.name} "
            f"in {time.perf_counter() - t0:.1f} s")
        del text
    tokenizer = bpe.Tokenizer.from_files(vocab_path, merges_path, special_tokens=[EOT])
    if tokenizer.vocab_size > cfg.vocab_size:
        raise ValueError(f"the tokenizer has {tokenizer.vocab_size} ids but the model's vocab_size is "
                         f"{cfg.vocab_size}: raise vocab_size")
    t0 = time.perf_counter()
    n_train = corpus.encode_file(tokenizer, train_src, train_path)
    n_valid = corpus.encode_file(tokenizer, valid_src, valid_path)
    say(f"encoded {n_train:,} training and {n_valid:,} validation tokens in {time.perf_counter() - t0:.1f} s")
    tok_id = tokenizer_id(vocab_path, merges_path)
    write_atomic(record, json.dumps({**want, "tokenizer_id": tok_id}, indent=1))
    return tokenizer, tok_id, train_path, valid_path
