"""Grader for checkpoint.py: a checkpointed block gives the same output and, after backward, the
same gradients as the block itself (to the bit: the same operations in the same order), with
dropout drawing the same masks again and the generator left where an ordinary run leaves it; the
parameters get their gradients even when the input needs none; and a checkpointed GPT gives the
same logits and gradients with a fraction of the peak memory (measured with tracemalloc, where the
code runs).
"""

from __future__ import annotations

import numpy as np

from common import load, under_test
from common.checks import assert_close, calling, require
from grader import task


def run(kit, make_model, x, y, *, checkpointed: bool, what: str):
    """(loss, grads by name, the generators' next draws, peak bytes) of one forward and backward."""
    C, F = kit.p9("checkpoint"), load(2, "functional")
    model = make_model()
    model.train()
    forward, args = (C.forward_checkpointed, (model, x)) if checkpointed else (model, (x,))
    with calling(what):
        logits, loss, peak = under_test("common.stand_ins").traced_step(forward, args, F.cross_entropy, y)
    grads = {n: (None if p.grad is None else np.array(p.grad)) for n, p in model.named_parameters()}
    draws = [float(g.random()) for g in C.generators(model)]
    return float(loss.item()), grads, draws, peak, np.array(logits.data)


@task(points=3, timeout=60)
def test_checkpoint(kit):
    """Same output, same gradients to the bit, dropout masks replayed, the generator left as without it."""
    C, tensor = kit.p9("checkpoint"), load(2, "tensor")
    M = load(5, "model")
    cfg = M.GPTConfig(vocab_size=20, block_size=8, n_layer=1, n_head=2, n_embd=16, dropout=0.3)
    g = np.random.default_rng(4)
    x0 = g.standard_normal((3, 8, 16)).astype(np.float32)
    dy = g.standard_normal((3, 8, 16)).astype(np.float32)
    results = {}
    for ck in (False, True):
        block = load(5, "layers").Block(cfg, rng=np.random.default_rng(11))
        block.train()
        x = tensor.Tensor(x0.copy(), requires_grad=True)
        what = "checkpoint(Block with dropout 0.3, x)" if ck else "Block(x)"
        with calling(what):
            out = C.checkpoint(block, x, None) if ck else block(x, None)
            if ck:
                require(isinstance(out, tensor.Tensor) and out.requires_grad,
                        "checkpoint must return a Tensor that requires grad (its parents: x and the block's parameters)")
            C.generators(block)[0].random(5)              # later layers draw from the same generator
            out.backward(dy)
        results[ck] = (np.array(out.data), np.array(x.grad), {n: np.array(p.grad) for n, p in block.named_parameters()},
                       float(C.generators(block)[0].random()))
    plain, ckpt = results[False], results[True]
    assert_close(ckpt[0], plain[0], what="checkpoint(block, x): the output", rtol=0, atol=0,
                 hint="the same block on the same input, with the same dropout draws")
    same_x = np.array_equal(ckpt[1], plain[1])
    hint = None
    if not same_x and np.allclose(ckpt[1], 2 * plain[1], rtol=1e-6, atol=1e-7):
        hint = ("x.grad is counted twice: recomputed on x itself, the block's backward adds into x.grad and the "
                "checkpoint node adds what it returns again: recompute on a fresh leaf, Tensor(x.data, "
                "requires_grad=True), and return its .grad")
    elif not same_x:
        hint = ("the recomputation drew other dropout masks: wind the generators back to their state before the "
                "block's forward, then recompute")
    assert_close(ckpt[1], plain[1], what="checkpoint: x.grad", rtol=0, atol=0, hint=hint)
    for name, w in plain[2].items():
        assert_close(ckpt[2][name], w, what=f"checkpoint: {name}.grad", rtol=0, atol=0,
                     hint="the recomputed block's backward adds into the parameters' .grad; return None for them")
    require(ckpt[3] == plain[3],
            "after forward and backward the block's generator is not where it is without checkpointing: put it back "
            "as it was when backward began, so the rest of the run draws what it would have drawn")
    # the parameters learn even when the input needs no gradient
    block = load(5, "layers").Block(cfg, rng=np.random.default_rng(12))
    block.eval()
    with calling("checkpoint(block, x) with an x that does not require grad",
                 hint="the block's parameters are parents of the checkpoint node too"):
        out = C.checkpoint(block, tensor.Tensor(x0.copy()), None)
        out.backward(dy)
    missing = [n for n, p in block.named_parameters() if p.grad is None]
    require(not missing, f"with an input that needs no gradient, the parameters {missing[:3]} got none: the block's "
                         "parameters are parents of the checkpoint node too")


@task(points=3, timeout=120, needs=("checkpoint",))
def test_checkpointed_gpt(kit):
    """The same logits and gradients as GPT.forward, and a peak memory well below it."""
    M = load(5, "model")
    for kw in (dict(), dict(norm="rmsnorm", mlp="swiglu", position="rope", bias=False, tie_weights=False, n_kv_head=2)):
        cfg = M.GPTConfig(vocab_size=50, block_size=64, n_layer=6, n_head=4, n_embd=64, dropout=0.1, **kw)
        g = np.random.default_rng(5)
        x, y = g.integers(0, 50, (8, 64)), g.integers(0, 50, (8, 64))

        def make():
            return M.GPT(cfg, rng=np.random.default_rng(2))

        label = f"GPT({', '.join(f'{k}={v}' for k, v in kw.items()) or 'GPT-2 style'}, 6 layers, dropout 0.1)"
        plain = run(kit, make, x, y, checkpointed=False, what=f"{label} forward and backward")
        ckpt = run(kit, make, x, y, checkpointed=True, what=f"forward_checkpointed({label}) and backward")
        assert_close(ckpt[4], plain[4], what=f"forward_checkpointed({label}): logits", rtol=0, atol=0,
                     hint="the embeddings, dropout, final norm and head exactly as GPT.forward; only the blocks change")
        for name, w in plain[1].items():
            require(ckpt[1][name] is not None, f"forward_checkpointed({label}): {name} got no gradient")
            assert_close(ckpt[1][name], w, what=f"forward_checkpointed({label}): {name}.grad", rtol=0, atol=0)
        require(ckpt[2] == plain[2], f"forward_checkpointed({label}): the model's generator ends elsewhere than "
                                     "without checkpointing")
        ratio = ckpt[3] / plain[3]
        require(ratio < 0.6, f"forward_checkpointed({label}): peak memory {ckpt[3] / 2**20:.1f} MiB against "
                             f"{plain[3] / 2**20:.1f} MiB without checkpointing ({ratio:.0%}); expected well under 60 %",
                hint="run each block's forward under no_grad, so that none of its activations is kept")
