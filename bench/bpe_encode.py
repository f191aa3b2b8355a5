"""Phase 03: encoding with GPT-2's BPE — the reference ``Tokenizer`` against tiktoken, same files.

    python bench/bpe_encode.py [--impl solutions|phases] [--text PATH]

Both encoders are built from ``datasets/gpt2/vocab.json`` and ``merges.txt`` (tiktoken's
offline, from the vocabulary's bytes and GPT-2's pattern: no download) and encode the bundled
TinyStories validation sample once, on one thread, from a fresh object (so the reference's
pre-token cache starts empty). Prints tokens per second, the ratio, and whether the ids are
identical.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPECIAL = "<|endoftext|>"
def timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--impl", default="solutions", choices=["solutions", "phases"])
    p.add_argument("--text", type=Path, default=ROOT / "datasets" / "tinystories" / "valid-sample.txt")
    args = p.parse_args()
    os.environ["SCRATCHGPT_IMPL"] = args.impl
    sys.path.insert(0, str(ROOT))
    from common import load
    from common.data import gpt2_files
    from common.gpt2_bpe import tiktoken_encoding

    vocab_path, merges_path = gpt2_files()
    text = args.text.read_text(encoding="utf-8")
    Tokenizer = load(3, "bpe").Tokenizer
    ref, ref_load = timed(lambda: Tokenizer.from_files(vocab_path, merges_path, special_tokens=(SPECIAL,)))
    enc, tt_load = timed(lambda: tiktoken_encoding(vocab_path))
    ref_ids, ref_s = timed(lambda: ref.encode(text))
    tt_ids, tt_s = timed(lambda: enc.encode(text, allowed_special={SPECIAL}))
    import tiktoken

    n = len(tt_ids)
    print(f"GPT-2 BPE encoding of {args.text.name} ({len(text.encode()) / 1e6:.2f} MB, {n:,} tokens), "
          f"one thread, one run each from a fresh encoder")
    print(f"{'':44} {'load s':>7} {'encode s':>9} {'tokens/s':>11} {'MB/s':>6}")
    mb = len(text.encode()) / 1e6
    for name, load_s, s, ids in ((f"Tokenizer.encode ({args.impl}/03_tokenization)", ref_load, ref_s, ref_ids),
                                 (f"tiktoken {tiktoken.__version__} Encoding.encode", tt_load, tt_s, tt_ids)):
        print(f"{name:44} {load_s:>7.2f} {s:>9.3f} {len(ids) / s:>11,.0f} {mb / s:>6.2f}")
    print(f"tiktoken / reference speed = {ref_s / tt_s:.1f}×")
    if ref_ids == tt_ids:
        print(f"ids identical: yes ({n:,} tokens)")
    else:
        first = next((i for i, (a, b) in enumerate(zip(ref_ids, tt_ids)) if a != b), min(len(ref_ids), n))
        print(f"ids identical: NO — {len(ref_ids):,} vs {n:,} tokens, first difference at index {first}")
        sys.exit(1)


if __name__ == "__main__":
    main()
