"""Grader for checkpoint.py: what a checkpoint holds (read back with Hugging Face's ``safetensors``,
not your phase-01 code), a round trip into a fresh model, optimizer and generators that then
step exactly like the originals, and loads refused with every problem named.
"""

from __future__ import annotations

import json

import numpy as np

from common import load
from common.checks import assert_equal, calling, expect_raises, require
from grader import task


def setup(seed: int = 0, n_embd: int = 16, dropout: float = 0.1, steps: int = 3):
    """A small GPT (phase 05, the code of your earlier phases), your AdamW after ``steps`` updates
    with made-up gradients, and two generators part-way through their streams."""
    M, A = load(5, "model"), load(6, "adamw")
    cfg = M.GPTConfig(vocab_size=29, block_size=8, n_layer=2, n_head=2, n_embd=n_embd, dropout=dropout)
    init = np.random.default_rng(seed)
    model = M.GPT(cfg, rng=init)
    g = np.random.default_rng(100 + seed)
    rngs = {"batch": np.random.default_rng([seed, 1]), "dropout0": init}
    rngs["batch"].random(5)
    opt = None
    if steps:
        with calling("AdamW(param_groups(model, 0.1), lr=1e-2) and three steps (your adamw.py)"):
            opt = A.AdamW(A.param_groups(model, 0.1), lr=1e-2)
            for k in range(steps):
                for i, p in enumerate(model.parameters()):
                    # one parameter skips a step: its own step count must survive the round trip
                    p.grad = None if (i == 1 and k == 0) else g.standard_normal(p.shape).astype(p.data.dtype)
                opt.step()
    return model, opt, rngs


def fresh(seed: int = 5):
    model, _, rngs = setup(seed=seed, steps=0)
    A = load(6, "adamw")
    return model, A.AdamW(A.param_groups(model, 0.1), lr=1e-2), rngs


@task(points=3, timeout=60, needs=('adamw_state_dict',))
def test_checkpoint(tmp_path, kit):
    """save_checkpoint writes weights, moments, step, generator states; load_checkpoint restores them all."""
    C = load(6, "checkpoint")
    model, opt, rngs = setup()
    path = tmp_path / "ckpt.safetensors"
    info = {"tokenizer": "sha256:abc", "note": [1, 2]}
    what = "save_checkpoint(path, model, optimizer, step=3, rngs={'batch', 'dropout0'}, info=...)"
    with calling(what):
        C.save_checkpoint(path, model, opt, step=3, rngs=rngs, info=info)

    tensors, meta = kit.read_checkpoint(path)
    params = dict(model.named_parameters())
    for name, p in params.items():
        key = f"model.{name}"
        require(key in tensors, f"{what}: the file has no tensor {key!r}; it has {sorted(tensors)[:8]} ...",
                "each weight is saved as 'model.' + its name in model.named_parameters()")
        assert_equal(tensors[key], np.asarray(p.data), what=f"{what}: tensor {key!r}")
    state = opt.state_dict()
    for i, s in state["state"].items():
        for k in ("m", "v"):
            key = f"adamw.{i}.{k}"
            require(key in tensors, f"{what}: the file has no tensor {key!r} (AdamW's {k} of parameter {i})",
                    "save each stepped parameter's moments as adamw.<i>.m and adamw.<i>.v, i as in state_dict()")
            assert_equal(tensors[key], np.asarray(s[k]), what=f"{what}: tensor {key!r}")
    for key in ("step", "model_config", "adamw", "rng", "info"):
        require(key in meta, f"{what}: __metadata__ has no {key!r}; it has {sorted(meta)}",
                "metadata keys: step, model_config, adamw, rng, info, each a JSON string")
        with calling(f"{what}: json.loads(metadata[{key!r}])"):
            json.loads(meta[key])
    assert_equal(json.loads(meta["step"]), 3, what=f"{what}: metadata 'step'")
    assert_equal(sorted(json.loads(meta["rng"])), ["batch", "dropout0"], what=f"{what}: the generators in 'rng'",
                 hint="save every generator of rngs by its name: {name: rng.bit_generator.state}")
    assert_equal(json.loads(meta["info"]), info, what=f"{what}: metadata 'info'")

    # A round trip into fresh objects, which must then behave exactly like the originals.
    model2, opt2, rngs2 = fresh()
    held = dict(rngs2)
    what2 = "load_checkpoint(path, fresh_model, fresh_optimizer, fresh_rngs)"
    with calling(what2):
        out = C.load_checkpoint(path, model2, opt2, rngs2)
    require(isinstance(out, dict) and type(out.get("step")) is int,
            f"{what2} should return {{'step': 3, 'info': ...}} with the step an int, got {out!r:.120}",
            "the metadata holds JSON strings: json.loads(metadata['step']) gives the int back")
    assert_equal(out, {"step": 3, "info": info}, what=f"{what2} returned")
    for name, p in model2.named_parameters():
        assert_equal(np.asarray(p.data), np.asarray(params[name].data), what=f"{what2}: weight {name}")
    for name, rng in rngs.items():
        require(rngs2[name] is held[name], f"{what2} replaced rngs[{name!r}] by another Generator",
                "set each generator's state in place, rng.bit_generator.state = saved: the model's dropout layers "
                "hold the very object you were given, and a new one would never reach them")
        assert_equal(rngs2[name].random(4), rng.random(4), what=f"{what2}: the next draws of rngs[{name!r}]",
                     hint="restore each generator in place: rng.bit_generator.state = the saved state")
    g = np.random.default_rng(9)
    for p, q in zip(model.parameters(), model2.parameters()):
        p.grad = q.grad = g.standard_normal(p.shape).astype(p.data.dtype)
    opt.step()
    with calling(f"one AdamW step after {what2}"):
        opt2.step()
    for (name, p), q in zip(model.named_parameters(), model2.parameters()):
        assert_equal(np.asarray(q.data), np.asarray(p.data), what=f"{what2}, then one more step: weight {name}",
                     hint="the step after a round trip differs: AdamW's m, v and each parameter's own step count "
                          "(in the 'adamw' metadata) must all come back")


@task(points=2, timeout=60, needs=('checkpoint',))
def test_checkpoint_errors(tmp_path, kit):
    """load_checkpoint refuses another model's config and missing, unexpected or mis-shaped tensors, naming each."""
    from safetensors.numpy import save_file

    C = load(6, "checkpoint")
    model, opt, rngs = setup()
    path = tmp_path / "ckpt.safetensors"
    with calling("save_checkpoint(path, model, optimizer, step=3, rngs=rngs)"):
        C.save_checkpoint(path, model, opt, step=3, rngs=rngs)

    def untouched(target, before, what):
        for (name, p), old in zip(target.named_parameters(), before):
            assert_equal(np.asarray(p.data), old, what=f"{what}: weight {name} after the refused load",
                         hint="check everything first and change nothing when you refuse a checkpoint")

    other, _, _ = setup(seed=1, n_embd=24, dropout=0.2, steps=0)
    before = [np.array(p.data) for p in other.parameters()]
    what = "load_checkpoint(a checkpoint of n_embd=16 and dropout=0.1, a model of n_embd=24 and dropout=0.2)"
    with expect_raises(ValueError, what) as caught:
        C.load_checkpoint(path, other)
    for field, values in (("n_embd", ("16", "24")), ("dropout", ("0.1", "0.2"))):
        require(field in str(caught[0]) and all(v in str(caught[0]) for v in values),
                f"{what}: the message should name every differing field with both its values, here {field} "
                f"{values[0]} and {values[1]}: {caught[0]}",
                "compare every field of the saved model_config with dataclasses.asdict(model.config) and name each "
                "one that differs, not only the first")
    untouched(other, before, what)

    other, _, _ = setup(seed=1, dropout=0.2, steps=0)
    what = "load_checkpoint(a checkpoint of dropout=0.1, a model of dropout=0.2: same shapes)"
    with expect_raises(ValueError, what, hint="compare the saved model_config with dataclasses.asdict(model.config)") \
            as caught:
        C.load_checkpoint(path, other)
    require("dropout" in str(caught[0]), f"{what}: the message should name the field dropout: {caught[0]}")

    tensors, meta = kit.read_checkpoint(path)
    names = [k for k in tensors if k.startswith("model.")]
    gone, bent = names[0], names[2]
    tensors.pop(gone)
    tensors["model.extra.weight"] = np.zeros(3, np.float32)
    tensors[bent] = np.zeros(tensors[bent].shape + (2,), np.float32)
    broken = tmp_path / "broken.safetensors"
    save_file(tensors, str(broken), metadata=meta)
    target, _, _ = setup(seed=2, steps=0)
    before = [np.array(p.data) for p in target.parameters()]
    what = f"load_checkpoint(a file without {gone}, with model.extra.weight, and {bent} of the wrong shape)"
    with expect_raises(ValueError, what, hint="collect every problem, then raise once naming them all") as caught:
        C.load_checkpoint(broken, target)
    for name in (gone, "model.extra.weight", bent):
        require(name.removeprefix("model.") in str(caught[0]),
                f"{what}: the message should name {name}, it says: {caught[0]}",
                "name every missing, unexpected and mis-shaped tensor in one message, not only the first")
    untouched(target, before, what)

    target, target_opt, _ = fresh(seed=3)
    before = [np.array(p.data) for p in target.parameters()]
    what = ("load_checkpoint(path, model, optimizer, rngs={'batch': ..., 'sampler': ...}) for a file without a "
            "generator 'sampler'")
    with expect_raises(KeyError, what):
        C.load_checkpoint(path, target, target_opt, {"batch": np.random.default_rng(0), "sampler": np.random.default_rng(0)})
    hint = ("check that the file holds every generator of rngs before loading anything: a refused load leaves the "
            "model and the optimizer as they were")
    for (name, p), old in zip(target.named_parameters(), before):
        assert_equal(np.asarray(p.data), old, what=f"{what}: weight {name} after the refused load", hint=hint)
    require(not target_opt.state, f"{what}: the optimizer holds loaded moments after the refused load", hint)
