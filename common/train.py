"""``python -m common.train CONFIG``: train a GPT as a TOML config says (also ``make train``).

    python -m common.train configs/demo.toml                      # your phase-06 code
    python -m common.train configs/demo.toml --impl solutions     # the reference
    python -m common.train configs/demo.toml --set lr=1e-3 --set max_steps=500 --resume

The run's folder (``out_dir``) receives the tokenizer, the token files, ``log.jsonl``,
``loss.png`` and ``ckpt.safetensors``; at the end a story is streamed from the model (phase 07's
``generate``, or phase 06's plain sampler while phase 07 is not written).
"""

from __future__ import annotations

import argparse
import shlex
import sys

from common.phases import add_code_options, use_code


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m common.train", description="Train a GPT from a TOML config.")
    p.add_argument("config", nargs="?", help="a TOML file (configs/demo.toml); the defaults when left out")
    add_code_options(p, 6)
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a key of the config (repeatable; one argument may hold several, space-separated)")
    p.add_argument("--resume", action="store_true", help="go on from the run's checkpoint, if it has one")
    p.add_argument("--no-progress", action="store_true", help="no progress bar (for logs and tests)")
    p.add_argument("--no-sample", action="store_true", help="do not print a story at the end")
    args = p.parse_args(argv)

    use_code(6, args.impl, args.prior)
    from common import load

    config = load(6, "config")
    overrides = [item for text in args.set for item in shlex.split(text)]
    try:
        cfg = config.load_config(args.config, overrides)
    except config.ConfigError as exc:
        print(f"train: {exc}", file=sys.stderr)
        return 2
    trainer = load(6, "trainer")
    if config.needs_phase8(cfg):  # a GPU, float16, TF32 or accumulation: phase 08's run
        use_code(8, args.impl, args.prior)
        trainer = load(8, "run")
    try:
        result = trainer.run(cfg, resume=args.resume, progress=not args.no_progress,
                             say=lambda msg: print(msg, file=sys.stderr, flush=True))
    except NotImplementedError as exc:
        print(f"train: {exc}\n(the reference runs with --impl solutions, or `make train IMPL=solutions`)",
              file=sys.stderr)
        return 2
    except (ValueError, FileNotFoundError, RuntimeError) as exc:
        print(f"train: {exc}", file=sys.stderr)
        return 2
    print(f"step {result['step']}: validation loss {result['val_loss']:.4f} after {result['elapsed']:.0f} s "
          f"of training; log {result['log']}, plot {result['plot']}, checkpoint {result['checkpoint']}",
          file=sys.stderr)
    if result["interrupted"]:
        return 130
    if not args.no_sample and cfg.sample_tokens:
        tell_story(result, cfg)
    return 0


def tell_story(result: dict, cfg) -> None:
    """Stream a story from the trained model with phase 07's generate; phase 06's plain sampler
    tells it while phase 07 is not written yet."""
    from common import load
    from common.generate import EOT, tell

    tokenizer = result["tokenizer"]
    eos = tokenizer.encode(EOT)
    print(file=sys.stderr)
    try:
        tell(result["model"], tokenizer, cfg.prompt, cfg.sample_tokens, eos_id=eos[0] if len(eos) == 1 else None,
             seed=cfg.seed, temperature=cfg.temperature, top_k=cfg.top_k or None)
    except NotImplementedError:
        import numpy as np

        print("\n(phase 07's generate is not written yet: phase 06's plain sampler tells the story)\n", file=sys.stderr)
        story = load(6, "trainer").sample(result["model"], tokenizer, cfg.prompt, cfg.sample_tokens,
                                          temperature=cfg.temperature, top_k=cfg.top_k,
                                          rng=np.random.default_rng(cfg.seed))
        print(story.split(EOT)[0].strip())

if __name__ == "__main__":
    sys.exit(main())
