"""Grader for device.py: resolve_device on a machine with a GPU (the stand-in), without one, and
with a bad name; to_device on arrays of every dtype, on Tensors with and without gradients and on
modules (the same Parameter objects, tied weights still tied, an optimizer built before the move
still stepping them); and the learner's model, loss and optimizer run on the stand-in.
"""

from __future__ import annotations

import numpy as np

from common import load
from common.checks import assert_close, calling, expect_raises, require
from grader import task


def device(kit):
    return kit.p8("device")


@task(points=2, timeout=20)
def test_resolve_device(kit):
    """"cpu" stays, "cuda" needs a GPU, "auto" falls back to the CPU and says so once."""
    D = device(kit)
    said: list[str] = []
    with kit.fake_gpu():
        for name, want in (("cpu", "cpu"), ("cuda", "cuda"), ("auto", "cuda")):
            with calling(f'resolve_device("{name}") with a GPU'):
                got = D.resolve_device(name, say=said.append)
            require(got == want, f'resolve_device("{name}") with a GPU: expected "{want}", got {got!r}')
        require(not said, f"resolve_device said {said!r} although a GPU is there: say something only when "
                          "\"auto\" falls back to the CPU")
    with kit.fake_gpu("none"):
        with calling('resolve_device("cpu") without a GPU'):
            require(D.resolve_device("cpu", say=said.append) == "cpu", 'resolve_device("cpu") must be "cpu"')
        require(not said, f'resolve_device("cpu") said {said!r}: the CPU was asked for, nothing to explain')
        with calling('resolve_device("auto") without a GPU'):
            got = D.resolve_device("auto", say=said.append)
        require(got == "cpu", f'resolve_device("auto") without a GPU: expected "cpu", got {got!r}')
        require(len(said) == 1 and "cpu" in said[0].lower(),
                f'resolve_device("auto") without a GPU must say once, with say(...), that it trains on the CPU; '
                f"it said {said!r}", hint="use the say argument, not print: the caller decides where messages go")
        with expect_raises(RuntimeError, 'resolve_device("cuda") without a GPU') as caught:
            D.resolve_device("cuda", say=said.append)
        msg = str(caught[0])
        require("gpu" in msg.lower() and "cuda" in msg.lower(),
                f'resolve_device("cuda") without a GPU: the error should say that "cuda" needs a GPU and none is '
                f"there; it says {msg!r}", hint="raise RuntimeError(no_gpu_message())")
    for bad in ("gpu", "CUDA", "", "cuda:0"):
        with expect_raises(ValueError, f"resolve_device({bad!r})") as caught:
            D.resolve_device(bad, say=said.append)
        msg = str(caught[0])
        require(all(d in msg for d in ("auto", "cpu", "cuda")),
                f"resolve_device({bad!r}): the ValueError should name the three allowed values; it says {msg!r}")


@task(points=3, timeout=30)
def test_to_device(kit):
    """Arrays keep values and dtype; Tensors and modules move in place, Parameter objects and ties kept."""
    D = device(kit)
    tensor = load(2, "tensor")
    with kit.fake_gpu():
        for dtype in (np.float16, np.float32, np.float64, np.int64, np.uint16, np.bool_):
            a = (np.arange(12).reshape(3, 4) % 3).astype(dtype)
            with calling(f"to_device(a {dtype.__name__} array, 'cuda')"):
                d = D.to_device(a, "cuda")
            require(isinstance(d, kit.xp.ndarray), f"to_device(NumPy array, 'cuda') must give the device's array "
                    f"type (here {kit.xp.__name__}.ndarray), got {type(d).__name__}",
                    hint="array_module('cuda').asarray(...)")
            require(d.dtype == dtype and d.shape == a.shape and np.array_equal(kit.host(d), a),
                    f"to_device: a {dtype.__name__} {a.shape} array came back {d.dtype} {d.shape} or with other "
                    "values: moving must not convert", hint="no dtype= in the copy: keep the array's own")
            with calling("to_device(device array, 'cuda')"):
                again = D.to_device(d, "cuda")
            require(again is d, "to_device of an array already on the device must return it as it is (no copy)")
            with calling("to_device(device array, 'cpu')"):
                back = D.to_device(d, "cpu")
            require(type(back) is np.ndarray and back.dtype == dtype and np.array_equal(back, a),
                    f"to_device(device array, 'cpu') must give a NumPy array with the same dtype and values, got "
                    f"{type(back).__name__} {getattr(back, 'dtype', '')}", hint="backend.to_numpy(x)")
        h = np.ones(3, dtype=np.float32)
        require(D.to_device(h, "cpu") is h, "to_device of a NumPy array to 'cpu' must return it as it is")

        t = tensor.Tensor(np.arange(6.0, dtype=np.float32).reshape(2, 3), requires_grad=True)
        t.grad = np.full((2, 3), 0.5, dtype=np.float32)
        with calling("to_device(Tensor with a grad, 'cuda')"):
            out = D.to_device(t, "cuda")
        require(out is t, "to_device(tensor, ...) must move the Tensor in place and return the same object",
                hint="set t.data (and t.grad); do not build a new Tensor: the graph and the optimizer hold this one")
        require(isinstance(t.data, kit.xp.ndarray) and t.data.dtype == np.float32,
                f"to_device(tensor, 'cuda'): its data is {type(t.data).__name__} {t.data.dtype}, expected a float32 "
                "device array")
        require(isinstance(t.grad, kit.xp.ndarray) and np.array_equal(kit.host(t.grad), np.full((2, 3), 0.5)),
                f"to_device(tensor, 'cuda') must move its .grad too; the grad is a {type(t.grad).__name__}",
                hint="a grad left on the host makes the optimizer mix host and device arrays")
        bare = tensor.Tensor(np.ones(2, dtype=np.float32))
        with calling("to_device(Tensor without a grad, 'cuda')"):
            D.to_device(bare, "cuda")
        require(bare.grad is None, "to_device gave a gradient to a Tensor that had none: leave grad as None")

        cfg = kit.gpt_config(tie_weights=True)
        model = kit.gpt(cfg, seed=3)
        before = {name: (p, kit.host(p.data)) for name, p in model.named_parameters()}
        sgd = kit.SpyOptimizer(model.parameters(), lr=0.5)
        with calling("to_device(GPT, 'cuda')"):
            moved = D.to_device(model, "cuda")
        require(moved is model, "to_device(module, ...) must move it in place and return the same module")
        for name, p in model.named_parameters():
            was, values = before[name]
            require(p is was, f"to_device(module): parameter {name} is a new object after the move; move its "
                                  "data in place so optimizers and tied layers still hold it")
            require(isinstance(p.data, kit.xp.ndarray) and p.data.dtype == np.float32
                    and np.array_equal(kit.host(p.data), values),
                    f"to_device(module, 'cuda'): parameter {name} is {type(p.data).__name__} {p.data.dtype} or "
                    "changed values; expected the same float32 values on the device")
        require(all(isinstance(p.data, kit.xp.ndarray) for p in model.parameters()),
                "to_device(module): some parameter stayed on the host")
        for p in model.parameters():
            p.grad = kit.xp.ones_like(p.data)
        sgd.step()
        for name, p in model.named_parameters():
            require(np.allclose(kit.host(p.data), before[name][1] - 0.5),
                    f"an optimizer built before to_device did not move {name}: the move replaced what it holds")
        with calling("to_device(GPT, 'cpu')"):
            D.to_device(model, "cpu")
        require(all(type(p.data) is np.ndarray for p in model.parameters()),
                "to_device(module, 'cpu') left parameters on the device")
        with expect_raises(TypeError, "to_device('hello', 'cuda')"):
            D.to_device("hello", "cuda")


@task(points=3, timeout=60)
def test_model_runs_on_the_device(kit):
    """Your GPT, cross-entropy, backward and AdamW (phases 02-06) run on the stand-in, with the CPU's numbers."""
    D = device(kit)
    F, adamw = load(2, "functional"), load(6, "adamw")
    configs = [kit.gpt_config(), kit.gpt_config(norm="rmsnorm", mlp="swiglu", position="rope", bias=False,
                                               tie_weights=False, n_kv_head=2),
               kit.gpt_config(position="sinusoidal")]
    for cfg in configs:
        what = (f"a GPT (position={cfg.position}, norm={cfg.norm}, mlp={cfg.mlp}, tie_weights={cfg.tie_weights}) "
                "on the stand-in")
        x, y = kit.batch(cfg.vocab_size, 3, cfg.block_size, seed=1)
        results = {}
        for dev in ("cpu", "cuda"):
            with kit.fake_gpu():
                model = kit.gpt(cfg, seed=5)
                with kit.on_device(f"{what}: to_device" if dev == "cuda" else f"{what} on the CPU"):
                    D.to_device(model, dev)
                    opt = adamw.AdamW(adamw.param_groups(model, 0.1), lr=1e-2)
                with kit.on_device(f"{what}: forward, cross_entropy and backward"):
                    logits = model(D.to_device(x, dev))
                    B, T, V = logits.shape
                    loss = F.cross_entropy(logits.reshape(B * T, V), D.to_device(y, dev).reshape(B * T))
                    loss.backward()
                with kit.on_device(f"{what}: AdamW.step"):
                    opt.step()
                if dev == "cuda":
                    require(isinstance(logits.data, kit.xp.ndarray) and isinstance(loss.data, kit.xp.ndarray),
                            f"{what}: the logits or the loss came back on the host ({type(logits.data).__name__}, "
                            f"{type(loss.data).__name__}): an operation converted device data to NumPy")
                    stray = [n for n, p in model.named_parameters() if not isinstance(p.data, kit.xp.ndarray)]
                    require(not stray, f"{what}: after AdamW.step these parameters are on the host: {stray[:4]}")
                results[dev] = (kit.host(loss.data), {n: kit.host(p.data) for n, p in model.named_parameters()})
        assert_close(results["cuda"][0], results["cpu"][0], what=f"{what}: the loss", rtol=1e-6, atol=1e-7)
        for name, value in results["cpu"][1].items():
            assert_close(results["cuda"][1][name], value, what=f"{what}: {name} after one AdamW step",
                         rtol=1e-5, atol=1e-7)
