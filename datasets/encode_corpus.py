#!/usr/bin/env python3
"""Tokenize a text file into a flat ``uint16`` token file with the phase-03 BPE tokenizer.

    python datasets/encode_corpus.py SRC DST [--vocab V --merges M] [--special "<|endoftext|>"]
                                     [--impl phases|solutions]

The tokenizer is phase 03's ``Tokenizer`` — yours (``--impl phases``, the default) or the
reference (``--impl solutions``) — loaded with GPT-2's BPE files (``datasets/gpt2/``) unless
``--vocab``/``--merges`` name others. Phase 03's ``corpus.encode_file`` streams SRC through
it and writes DST atomically: two bytes per token, little-endian, no header. ``make tokens``
runs this on the TinyStories train and valid text.

A script, not a module: ``datasets/`` is deliberately not a Python package.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `common` without an installed package, e.g. from a plain checkout
    sys.path.insert(1, str(ROOT))

EXIT_FAILED, EXIT_UNFINISHED = 1, 2


class Unfinished(Exception):
    """The learner's phase 03 is not far enough along to tokenize a corpus."""


def _unwritten(exc: NotImplementedError, impl: str) -> str:
    """Which phase-03 function raised NotImplementedError, as a message a learner can act on."""
    from common import source_dir

    folder = source_dir(3).resolve()
    tb, hit = exc.__traceback__, None
    while tb is not None:  # the innermost frame in the phase's own folder is the unwritten stub
        if Path(tb.tb_frame.f_code.co_filename).resolve().parent == folder:
            hit = tb
        tb = tb.tb_next
    name, where = "code", ""
    if hit is not None:
        code = hit.tb_frame.f_code
        name = f"`{getattr(code, 'co_qualname', code.co_name)}`"
        where = f" ({Path(code.co_filename).name}, line {hit.tb_lineno})"
    if impl == "solutions":
        return f"the reference phase-03 {name} raises NotImplementedError{where}: check solutions/03_tokenization."
    return (f"your phase-03 {name} is not written yet{where}; finish it (see phases/03_tokenization/README.md), "
            f"or run with --impl solutions (`make tokens IMPL=solutions`) to use the reference tokenizer.")


def load_tokenizer(vocab: Path, merges: Path, special: list[str], impl: str):
    """Phase 03's ``Tokenizer`` from BPE files, via ``common.load`` (IMPL chosen by ``impl``)."""
    os.environ["SCRATCHGPT_IMPL"] = impl
    from common import load

    try:
        bpe = load(3, "bpe")
    except ModuleNotFoundError as exc:
        raise Unfinished(f"{exc}. Phase 03 must be in place first; or run with --impl solutions.") from exc
    try:
        return bpe.Tokenizer.from_files(vocab, merges, special_tokens=tuple(special))
    except NotImplementedError as exc:
        raise Unfinished(_unwritten(exc, impl)) from exc


def encode(src: Path, dst: Path, tokenizer, impl: str, progress: bool = True) -> int:
    from common import load

    corpus = load(3, "corpus")
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        return corpus.encode_file(tokenizer, src, dst, progress=progress)
    except NotImplementedError as exc:
        raise Unfinished(_unwritten(exc, impl)) from exc


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Tokenize a text file into a uint16 token file (phase 03's BPE).")
    p.add_argument("src", type=Path, help="UTF-8 text file")
    p.add_argument("dst", type=Path, help="token file to write (uint16, little-endian)")
    p.add_argument("--vocab", type=Path, default=None, help="vocab.json (default: GPT-2's, datasets/gpt2/)")
    p.add_argument("--merges", type=Path, default=None, help="merges.txt (default: GPT-2's, datasets/gpt2/)")
    p.add_argument("--special", action="append", default=None, metavar="TOKEN",
                   help='a special token, never split (repeatable; default: "<|endoftext|>")')
    p.add_argument("--impl", choices=["phases", "solutions"], default=None,
                   help="whose phase-03 code: 'phases' (yours, default) or 'solutions' (the reference)")
    p.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")
    args = p.parse_args(argv)
    impl = args.impl or os.environ.get("SCRATCHGPT_IMPL") or "phases"
    special = ["<|endoftext|>"] if args.special is None else args.special

    from common.data import gpt2_files

    try:
        if args.vocab is None or args.merges is None:
            default_vocab, default_merges = gpt2_files()
            args.vocab, args.merges = args.vocab or default_vocab, args.merges or default_merges
        for path in (args.src, args.vocab, args.merges):
            if not path.is_file():
                raise FileNotFoundError(f"{path} does not exist")
        tokenizer = load_tokenizer(args.vocab, args.merges, special, impl)
        start = time.perf_counter()
        n = encode(args.src, args.dst, tokenizer, impl, progress=args.progress)
    except Unfinished as exc:
        print(f"encode_corpus: {exc}", file=sys.stderr)
        return EXIT_UNFINISHED
    except (FileNotFoundError, ValueError) as exc:
        print(f"encode_corpus: {exc}", file=sys.stderr)
        return EXIT_FAILED
    seconds = time.perf_counter() - start
    size = args.src.stat().st_size
    print(f"{args.src} → {args.dst}: {n:,} tokens ({size / max(n, 1):.2f} bytes per token, "
          f"{n / max(seconds, 1e-9):,.0f} tokens/s, {impl}/03_tokenization)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
