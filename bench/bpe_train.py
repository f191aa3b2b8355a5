"""Phase 03: training a byte-level BPE — the reference ``train_bpe`` against Hugging Face ``tokenizers``.

    python bench/bpe_train.py [--impl solutions|phases] [--vocab-size 10000] [--text PATH] [--threads 1]

Both learn a 10,000-token vocabulary (``<|endoftext|>`` as special token) from the same text,
the bundled TinyStories training sample by default, with GPT-2's byte-level pre-tokenization.
Each runs once, in its own process, so that its peak resident memory (which also sees the
Rust allocations of ``tokenizers``, invisible to tracemalloc) is its own. Prints wall time,
peak RSS and its growth over the process's RSS before training, the ratios, and how many
merges the two learn in common (they break ties differently, so not all).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from peak import rss_kib

ROOT = Path(__file__).resolve().parent.parent
SPECIAL = "<|endoftext|>"


def train_reference(text: str, vocab_size: int, threads: int) -> list[list[str]]:
    from common import load

    _, merges = load(3, "bpe").train_bpe(text, vocab_size, [SPECIAL], num_workers=threads)
    return [[a.hex(), b.hex()] for a, b in merges]


def train_hf(text: str, vocab_size: int, threads: int) -> list[list[str]]:
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=[SPECIAL], show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    # Stories without the separator, as train_bpe sees them (a trainer does not split specials off).
    tok.train_from_iterator(text.split(SPECIAL), trainer=trainer)
    from common.gpt2_bpe import char_to_byte

    dec = char_to_byte()
    merges = json.loads(tok.to_str())["model"]["merges"]
    pairs = [m.split(" ") if isinstance(m, str) else m for m in merges]
    return [[bytes(dec[c] for c in a).hex(), bytes(dec[c] for c in b).hex()] for a, b in pairs]


def worker(which: str, path: Path, vocab_size: int, threads: int) -> None:
    """Child process: train once, print one JSON line with the measurements."""
    text = path.read_text(encoding="utf-8")
    if which == "reference":  # import before measuring: neither side pays for its imports
        importlib.import_module("common").load(3, "bpe")
    else:
        importlib.import_module("tokenizers")
    before = rss_kib("VmRSS")
    start = time.perf_counter()
    merges = (train_reference if which == "reference" else train_hf)(text, vocab_size, threads)
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "peak_kib": rss_kib("VmHWM"), "before_kib": before, "merges": merges}))


def run_child(which: str, args) -> dict:
    env = {**os.environ, "SCRATCHGPT_IMPL": args.impl, "RAYON_NUM_THREADS": str(args.threads)}
    if args.threads == 1:
        env["TOKENIZERS_PARALLELISM"] = "false"
    proc = subprocess.run([sys.executable, __file__, "--worker", which, "--text", str(args.text),
                           "--vocab-size", str(args.vocab_size), "--threads", str(args.threads)],
                          env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"{which} training failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--impl", default="solutions", choices=["solutions", "phases"])
    p.add_argument("--vocab-size", type=int, default=10_000)
    p.add_argument("--text", type=Path, default=ROOT / "datasets" / "tinystories" / "train-sample.txt")
    p.add_argument("--threads", type=int, default=1, help="worker processes / Rust threads of each (default 1)")
    p.add_argument("--worker", choices=["reference", "tokenizers"], help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        sys.path.insert(0, str(ROOT))
        worker(args.worker, args.text, args.vocab_size, args.threads)
        return

    size = args.text.stat().st_size
    print(f"BPE training, {args.vocab_size:,} tokens (special {SPECIAL}) on {args.text.name} "
          f"({size / 1e6:.1f} MB), {args.threads} thread(s) each, one run each in its own process")
    ref = run_child("reference", args)
    hf = run_child("tokenizers", args)
    import tokenizers

    rows = [(f"train_bpe ({args.impl}/03_tokenization/bpe.py)", ref), (f"tokenizers {tokenizers.__version__} BpeTrainer", hf)]
    print(f"{'':42} {'wall s':>8} {'peak RSS MiB':>13} {'growth MiB':>11} {'merges':>7}")
    for name, r in rows:
        print(f"{name:42} {r['seconds']:>8.2f} {r['peak_kib'] / 1024:>13.0f} "
              f"{(r['peak_kib'] - r['before_kib']) / 1024:>11.0f} {len(r['merges']):>7,}")
    ref_pairs, hf_pairs = list(map(tuple, ref["merges"])), list(map(tuple, hf["merges"]))
    same_prefix = next((i for i, (x, y) in enumerate(zip(ref_pairs, hf_pairs)) if x != y), min(len(ref_pairs), len(hf_pairs)))
    common = len(set(ref_pairs) & set(hf_pairs))
    print(f"time: reference / tokenizers = {ref['seconds'] / hf['seconds']:.1f}×; "
          f"peak RSS: reference / tokenizers = {ref['peak_kib'] / hf['peak_kib']:.2f}×")
    print(f"merges in common: {common:,} of {len(ref_pairs):,}; identical first {same_prefix:,} merges in order")


if __name__ == "__main__":
    main()
