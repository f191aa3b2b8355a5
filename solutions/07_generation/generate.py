"""Generate continuations of a batch of prompts, with or without the key/value cache.

**The context.** The model reads at most ``block_size`` tokens. A row's *context* is the
tail of its tokens that the model reads: at first the whole prompt (its last ``block_size``
tokens if it is longer). When one more token would make the context longer than
``block_size``, the context restarts as the row's last ``block_size // 2`` tokens (at least
one), which are read again from position 0 (a new prefill of that row). The cached and the
uncached paths follow this same rule, so they give the same logits at every step.

**Stopping.** A row stops after ``max_new_tokens`` tokens, or as soon as it emits ``eos_id``
(which is kept as its last token). A stopped row draws no more random numbers and costs no
more work; the others go on.

**Randomness.** ``rng`` is one Generator (each step draws one uniform for every row still
running, in row order) or a list of one Generator per prompt (each row draws from its own,
so a row's tokens do not depend on its batch). ``temperature = 0`` is greedy and draws nothing.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from common import load

from .kv_cache import KVCache, forward_cached
from .sampling import sample_next

_tensor = load(2, "tensor")


def restart_length(block_size: int) -> int:
    """How many tokens a full context keeps when it restarts: ``max(1, block_size // 2)``."""
    return max(1, block_size // 2)


def check_prompts(prompts, vocab_size: int) -> list[list[int]]:
    """The prompts as lists of Python ints; ValueError naming the first empty prompt or the first
    id outside ``[0, vocab_size)``."""
    if isinstance(prompts, np.ndarray) or not isinstance(prompts, (list, tuple)) or not prompts:
        raise ValueError("prompts must be a non-empty list of lists of token ids")
    out = []
    for b, p in enumerate(prompts):
        ids = [int(i) for i in p]
        if not ids:
            raise ValueError(f"prompt {b} is empty: give every prompt at least one token (e.g. BOS)")
        bad = [i for i in ids if not 0 <= i < vocab_size]
        if bad:
            raise ValueError(f"prompt {b} holds id {bad[0]}, outside [0, {vocab_size})")
        out.append(ids)
    return out


def generate(model, prompts, max_new_tokens: int, *, rng=None, temperature: float = 1.0, top_k: int | None = None,
             top_p: float = 1.0, min_p: float = 0.0, eos_id: int | None = None, use_cache: bool = True,
             on_token: Callable[[int, int], None] | None = None) -> list[list[int]]:
    """The new tokens of each prompt: a list of ``B`` lists of ints (the prompts not included).

    ``model``: a phase-05 ``GPT`` (put in eval mode here). ``prompts``: ``B`` lists of token
    ids, of any lengths. The sampling arguments are :func:`~sampling.sample_next`'s.
    ``on_token(row, id)`` is called for every new token as soon as it is chosen (to stream it).
    ``use_cache=False`` runs the whole context through ``model`` at every step instead.
    """
    cfg = model.config
    prompts = check_prompts(prompts, cfg.vocab_size)
    if not (isinstance(max_new_tokens, (int, np.integer)) and max_new_tokens >= 0):
        raise ValueError(f"max_new_tokens must be an int >= 0, got {max_new_tokens!r}")
    model.eval()
    B, block = len(prompts), cfg.block_size
    seqs = [list(p) for p in prompts]
    out: list[list[int]] = [[] for _ in range(B)]
    # ctx[b]: the length of row b's context (its last ctx[b] tokens).
    ctx = [min(len(p), block) for p in prompts]
    running = list(range(B))
    if not (rng is None or isinstance(rng, np.random.Generator) or (isinstance(rng, (list, tuple)) and len(rng) == B)):
        raise ValueError(f"rng must be None, a Generator, or a list of {B} Generators (one per prompt)")
    if max_new_tokens == 0:
        return out
    # Keep the logits of each running row's last token. Each step: choose, append, drop the rows
    # that emitted eos_id, grow (or restart) each context, and compute the next logits.
    ### BEGIN SOLUTION
    cache = KVCache(cfg, B, dtype=model.wte.weight.data.dtype) if use_cache else None
    last = _prefill(model, cache, seqs, ctx, running) if use_cache else _uncached(model, seqs, ctx, running)
    for step in range(max_new_tokens):
        r = rng if rng is None or isinstance(rng, np.random.Generator) else [rng[b] for b in running]
        ids = sample_next(last, r, temperature=temperature, top_k=top_k, top_p=top_p, min_p=min_p)
        for b, tok in zip(running, ids.tolist()):
            seqs[b].append(tok)
            out[b].append(tok)
            if on_token is not None:
                on_token(b, tok)
        running = [b for b, tok in zip(running, ids.tolist()) if tok != eos_id]
        if not running or step == max_new_tokens - 1:
            break
        restarted = [b for b in running if ctx[b] == block]
        for b in running:
            ctx[b] = restart_length(block) if ctx[b] == block else ctx[b] + 1
        if not use_cache:
            last = _uncached(model, seqs, ctx, running)
            continue
        logits = {}
        if restarted:                                    # read the shortened contexts again from position 0
            logits.update(zip(restarted, _prefill(model, cache, seqs, ctx, restarted)))
        grown = [b for b in running if b not in restarted]
        if grown:                                        # one new token per row, at position ctx - 1
            idx = np.array([[seqs[b][-1]] for b in grown])
            start = np.array([ctx[b] - 1 for b in grown])
            logits.update(zip(grown, forward_cached(model, idx, cache, start, rows=np.array(grown))[:, -1]))
        last = np.stack([logits[b] for b in running])
    return out
    ### END SOLUTION


def _prefill(model, cache: KVCache, seqs, ctx, rows) -> np.ndarray:
    """Read the contexts of ``rows`` into the cache from position 0, right-padded to the longest
    (the padding id is 0: no query sees it). Returns the logits ``(len(rows), V)`` at each row's
    last context token."""
    lengths = [ctx[b] for b in rows]
    idx = np.zeros((len(rows), max(lengths)), dtype=np.int64)
    for i, b in enumerate(rows):
        idx[i, :lengths[i]] = seqs[b][-lengths[i]:]
    logits = forward_cached(model, idx, cache, np.zeros(len(rows), dtype=np.int64), rows=np.array(rows))
    return logits[np.arange(len(rows)), np.array(lengths) - 1]


def _uncached(model, seqs, ctx, rows) -> np.ndarray:
    """The logits ``(len(rows), V)`` after each row's context, one full forward pass per row."""
    with _tensor.no_grad():
        return np.stack([np.asarray(model(np.array([seqs[b][-ctx[b]:]])).data[0, -1]) for b in rows])
