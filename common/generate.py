"""``python -m common.generate [SOURCE]``: tell a story with a trained model (also ``make generate``).

    python -m common.generate                                   # the phase-06 demo run, runs/demo
    python -m common.generate runs/my_run --prompt "Tom had a" --temperature 0.8 --top-p 0.9
    python -m common.generate datasets/stories260K/stories260K.bin --prompt "Lily" --seed 7
    python -m common.generate --impl solutions                  # the reference phase-07 code

``SOURCE`` is a phase-06 run folder (its ``ckpt.safetensors`` and tokenizer) or a llama2.c
checkpoint (``.bin``, with ``tok512.bin`` beside it or ``--tokenizer``). The story is streamed
to stdout as it is generated, the prompt first; the speed goes to stderr at the end.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from common.phases import add_code_options, use_code

EOT = "<|endoftext|>"


class SourceError(Exception):
    """A checkpoint or tokenizer that cannot be used, in one sentence."""


def load_run(folder: Path):
    """``(model, tokenizer, eos_id)`` from a phase-06 run folder: the weights of ``ckpt.safetensors``
    in a phase-05 GPT (eval mode) and the run's phase-03 tokenizer, checked against the one the
    checkpoint was trained with."""
    import numpy as np

    from common import load
    from common.data import gpt2_files

    ckpt = folder / "ckpt.safetensors"
    if not ckpt.is_file():
        hint = " (`make demo` trains it)" if folder.name == "demo" else ""
        raise SourceError(f"{ckpt} does not exist{hint}; or give a run folder or a llama2.c .bin file")
    io = load(1, "io")
    meta = io.load_metadata(ckpt)
    info, config = json.loads(meta.get("info", "{}")), json.loads(meta["model_config"])
    run_cfg = info.get("config", {})
    vocab, merges = (gpt2_files() if run_cfg.get("tokenizer") == "gpt2"
                     else (folder / "tokenizer" / "vocab.json", folder / "tokenizer" / "merges.txt"))
    if not (vocab.is_file() and merges.is_file()):
        raise SourceError(f"{folder}: the run's tokenizer ({vocab.name}, {merges.name}) is missing")
    tok_id = load(6, "data").tokenizer_id(vocab, merges)
    if info.get("tokenizer") not in (None, tok_id):
        raise SourceError(f"{ckpt} was trained with another tokenizer than the one in {vocab.parent}")
    M = load(5, "model")
    model = M.GPT(M.GPTConfig(**config), rng=np.random.default_rng(0))
    model.load_state_dict({k[len("model."):]: v for k, v in io.load(ckpt).items() if k.startswith("model.")})
    tokenizer = load(3, "bpe").Tokenizer.from_files(vocab, merges, special_tokens=[EOT])
    eos = tokenizer.encode(EOT)
    return model.eval(), tokenizer, (eos[0] if len(eos) == 1 else None)


def load_llama2c(path: Path, tokenizer_path: Path | None):
    """``(model, tokenizer, eos_id)`` from a llama2.c checkpoint and its ``tok512``-style tokenizer.
    Its stories end where the model starts the next one (BOS, id 1), as in llama2.c's ``run``."""
    from common import load

    tok_path = tokenizer_path or path.with_name("tok512.bin")
    if not tok_path.is_file():
        raise SourceError(f"no tokenizer for {path}: put tok512.bin beside it or pass --tokenizer")
    model, _ = load(7, "llama2c").load_llama2c(path)
    tokenizer = load(7, "llama_tokenizer").LlamaTokenizer.from_file(tok_path)
    if tokenizer.vocab_size != model.config.vocab_size:
        raise SourceError(f"{tok_path} has {tokenizer.vocab_size} tokens but {path} expects {model.config.vocab_size}")
    return model, tokenizer, 1


def token_bytes(tokenizer):
    """A function ``(previous id, id) -> bytes`` for either kind of tokenizer."""
    if hasattr(tokenizer, "token_bytes"):
        return tokenizer.token_bytes
    return lambda prev, tok: tokenizer.decode_bytes([tok])


def encode_prompt(tokenizer, prompt: str, eos_id) -> list[int]:
    """The prompt's ids; a phase-03 tokenizer's story starts after ``<|endoftext|>``, llama2.c's after BOS."""
    if hasattr(tokenizer, "token_bytes"):
        return tokenizer.encode(prompt, bos=True)
    return ([eos_id] if eos_id is not None else []) + list(tokenizer.encode(prompt))


def tell(model, tokenizer, prompt: str, max_new_tokens: int, *, eos_id=None, seed: int = 0, temperature: float = 0.8,
         top_k: int | None = None, top_p: float = 1.0, min_p: float = 0.0, use_cache: bool = True,
         out=sys.stdout) -> dict:
    """Stream a continuation of ``prompt`` to ``out`` with phase 07's ``generate`` and
    ``Utf8Stream``; returns ``{"ids": new ids, "text": the text printed, "seconds": ..., "tokens": ...}``."""
    import numpy as np

    from common import load

    generate, stream = load(7, "generate"), load(7, "stream").Utf8Stream()
    piece = token_bytes(tokenizer)
    ids = encode_prompt(tokenizer, prompt, eos_id)
    printed = [prompt]
    out.write(prompt)
    out.flush()
    prev = [ids[-1]]

    def on_token(row, tok):
        if tok != eos_id:
            text = stream.push(piece(prev[-1], tok))
            printed.append(text)
            out.write(text)
            out.flush()
        prev.append(tok)

    t0 = time.perf_counter()
    new = generate.generate(model, [ids], max_new_tokens, rng=np.random.default_rng(seed), temperature=temperature,
                            top_k=top_k, top_p=top_p, min_p=min_p, eos_id=eos_id, use_cache=use_cache,
                            on_token=on_token)[0]
    seconds = time.perf_counter() - t0
    printed.append(stream.flush())
    out.write(printed[-1] + "\n")
    out.flush()
    return {"ids": new, "text": "".join(printed), "seconds": seconds, "tokens": len(new)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m common.generate", description="Tell a story with a trained model.")
    p.add_argument("source", nargs="?", default="runs/demo",
                   help="a phase-06 run folder (default runs/demo) or a llama2.c .bin checkpoint")
    p.add_argument("--prompt", default="Once upon a time", help="the story's beginning (default: %(default)r)")
    p.add_argument("--max-new-tokens", type=int, default=200, help="at most this many new tokens (default 200)")
    p.add_argument("--temperature", type=float, default=0.8, help="0 is greedy (default 0.8)")
    p.add_argument("--top-k", type=int, default=None, help="keep the k most likely tokens")
    p.add_argument("--top-p", type=float, default=1.0, help="nucleus: keep the most likely tokens up to mass p")
    p.add_argument("--min-p", type=float, default=0.0, help="keep tokens at least min-p times as likely as the best")
    p.add_argument("--seed", type=int, default=0, help="the generator's seed: the same seed tells the same story")
    p.add_argument("--no-cache", action="store_true", help="run the whole context at every step (slow; to compare)")
    p.add_argument("--tokenizer", type=Path, default=None, help="a llama2.c tokenizer (default: tok512.bin beside SOURCE)")
    add_code_options(p, 7)
    args = p.parse_args(argv)

    use_code(7, args.impl, args.prior)
    source = Path(args.source)
    try:
        if source.is_dir() or source.suffix != ".bin":
            model, tokenizer, eos_id = load_run(source)
        else:
            if not source.is_file():
                raise SourceError(f"{source} does not exist")
            model, tokenizer, eos_id = load_llama2c(source, args.tokenizer)
        result = tell(model, tokenizer, args.prompt, args.max_new_tokens, eos_id=eos_id, seed=args.seed,
                      temperature=args.temperature, top_k=args.top_k, top_p=args.top_p, min_p=args.min_p,
                      use_cache=not args.no_cache)
    except NotImplementedError as exc:
        print(f"\ngenerate: {exc}\n(the reference runs with --impl solutions, or `make generate IMPL=solutions`)",
              file=sys.stderr)
        return 2
    except (SourceError, ValueError, FileNotFoundError) as exc:
        print(f"generate: {exc}", file=sys.stderr)
        return 2
    rate = result["tokens"] / result["seconds"] if result["seconds"] > 0 else float("inf")
    print(f"[{result['tokens']} tokens in {result['seconds']:.2f} s: {rate:.0f} tokens/s"
          f"{', without the cache' if args.no_cache else ''}]", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
