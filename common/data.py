"""Where the course's data files are: the bundled samples, or the full TinyStories once fetched.

    from common.data import tinystories, gpt2_files
    text_path = tinystories("train")        # the full file when `make data` has run, else the sample
    vocab_json, merges_txt = gpt2_files()

Every function returns a :class:`~pathlib.Path` that exists, or raises ``FileNotFoundError``
naming the missing file and the command that brings it back.

``SCRATCHGPT_FULL_DATA`` (optional) is the folder holding the full TinyStories files
(default ``datasets/full``), for keeping the 2 GB on another disk; ``make data`` downloads
into it when it is set.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from common.phases import repo_root

SPLITS = ("train", "valid")
FULL_NAMES = {"train": "TinyStories-train.txt", "valid": "TinyStories-valid.txt"}
SAMPLE_NAMES = {"train": "train-sample.txt", "valid": "valid-sample.txt"}

_announced: set[tuple[str, Path]] = set()


def datasets_dir() -> Path:
    """The repository's ``datasets/`` folder."""
    return repo_root() / "datasets"


def full_dir() -> Path:
    """The folder of the downloaded TinyStories files: ``SCRATCHGPT_FULL_DATA`` or ``datasets/full``."""
    env = os.environ.get("SCRATCHGPT_FULL_DATA")
    return Path(env).expanduser().resolve() if env else datasets_dir() / "full"


def _check_split(split: str) -> str:
    if split not in SPLITS:
        raise ValueError(f"TinyStories split {split!r}: expected one of {', '.join(SPLITS)}")
    return split


def _bundled(relative: str) -> Path:
    """A file committed under ``datasets/``; a clear error when a checkout lost it."""
    path = datasets_dir() / relative
    if not path.is_file():
        folder = relative.split("/")[0]
        raise FileNotFoundError(
            f"{path} is missing. It is part of the repository; restore it with "
            f"`git checkout -- datasets/{folder}` (see datasets/README.md).")
    return path


def _announce(split: str, path: Path, full: bool) -> None:
    """Say once per process and split which TinyStories file is in use."""
    if (split, path) in _announced:
        return
    _announced.add((split, path))
    size = f"{path.stat().st_size / 1e6:,.1f} MB"
    if full:
        msg = f"using the full TinyStories {split} set ({size}, {path})"
    else:
        msg = f"using the bundled TinyStories {split} sample ({size}); run `make data` for the full set"
    print(f"[scratchgpt] {msg}", file=sys.stderr)


def tinystories_full(split: str) -> Path:
    """Where the full TinyStories file of ``split`` is (or would be) after ``make data``."""
    return full_dir() / FULL_NAMES[_check_split(split)]


def tinystories_sample(split: str) -> Path:
    """The bundled TinyStories sample of ``split`` (``datasets/tinystories/*-sample.txt``)."""
    return _bundled(f"tinystories/{SAMPLE_NAMES[_check_split(split)]}")


def tinystories(split: str = "train", *, which: str = "auto", quiet: bool = False) -> Path:
    """The TinyStories text of ``split`` ("train" or "valid").

    ``which="auto"`` gives the full file when ``make data`` has fetched it, else the bundled
    sample; ``"sample"`` always the sample (graders and tests use it, so that a downloaded
    full set never changes what they measure); ``"full"`` the full file or a
    ``FileNotFoundError`` saying to run ``make data``. The first call for a split says on
    stderr which file it uses, unless ``quiet``.
    """
    if which not in ("auto", "full", "sample"):
        raise ValueError(f"which={which!r}: expected 'auto', 'full' or 'sample'")
    full = tinystories_full(split)
    if which == "full" and not full.is_file():
        raise FileNotFoundError(
            f"{full} does not exist: the full TinyStories set has not been downloaded. "
            f"Fetch it with `make data` (about 2 GB; `make data ONLY={split}` for this split only).")
    use_full = which != "sample" and full.is_file()
    path = full if use_full else tinystories_sample(split)
    if not quiet:
        _announce(split, path, use_full)
    return path


def gpt2_files() -> tuple[Path, Path]:
    """GPT-2's BPE files: ``(datasets/gpt2/vocab.json, datasets/gpt2/merges.txt)``."""
    return _bundled("gpt2/vocab.json"), _bundled("gpt2/merges.txt")


def stories260k_files() -> tuple[Path, Path]:
    """llama2.c's small TinyStories model: ``(stories260K.bin, tok512.bin)`` in ``datasets/stories260K/``."""
    return _bundled("stories260K/stories260K.bin"), _bundled("stories260K/tok512.bin")


def tokens_dir() -> Path:
    """Where ``make tokens`` writes the tokenized corpus: ``datasets/tokens``."""
    return datasets_dir() / "tokens"


def token_file(split: str, tokenizer: str = "gpt2") -> Path:
    """The ``uint16`` token file of ``split`` written by ``make tokens`` (``datasets/tokens/{split}.gpt2.u16``)."""
    path = tokens_dir() / f"{_check_split(split)}.{tokenizer}.u16"
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} does not exist yet. Write it with `make tokens` (your phase-03 tokenizer) or "
            f"`make tokens IMPL=solutions` (the reference one).")
    return path
