"""Grader for fused_ops.py: each fused operation is one node of the graph whose value and gradients
equal PyTorch's (attention with grouped-query heads, the cross-entropy with ignored rows, both norms
on (B, T, C) inputs with and without bias); a GPT switched by ``fuse`` gives PyTorch's loss and
gradients (the graders' functional GPT on the same weights), and phase 08's training step under
``fused_loss`` reports PyTorch's loss and gradient norm. On a GPU, or on the CPU simulator.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from common import backend, load
from common.checks import assert_close, calling, require
from common.torch_gpt import t_gpt
from grader import task


def op_check(node, parents, what):
    require(node._op != "" and tuple(node._parents) == tuple(parents),
            f"{what} must be one node of the graph whose parents are {len(parents)} inputs, got op "
            f"{node._op!r} with {len(node._parents)} parents",
            hint="Tensor._make(data, parents, backward, op): one node, the kernel doing all the work")


def host(a):
    return backend.to_numpy(a)


@task(points=3, timeout=300, needs=("gpu_flash_backward", "gpu_cross_entropy", "gpu_layernorm", "gpu_rmsnorm"))
def test_fused_ops(kit):
    """flash_attention, fused_cross_entropy, fused_layernorm and fused_rmsnorm: one node each, value and gradients equal PyTorch's."""
    FO = kit.p9("fused_ops")
    Tensor = load(2, "tensor").Tensor
    run, where = kit.device_or_simulator("the fused operations")
    g = np.random.default_rng(12)
    with run:
        xp = kit.device_xp()

        def leaf(a):
            return Tensor(xp.asarray(a.astype(np.float32)), requires_grad=True)

        q, k, v, dout = kit.qkv(2, 4, 2, 37, 8, seed=3)
        tq, tk, tv = (torch.tensor(a.astype(np.float32), dtype=torch.float64, requires_grad=True) for a in (q, k, v))
        want = F.scaled_dot_product_attention(tq, tk, tv, is_causal=True, enable_gqa=True)
        want.backward(torch.tensor(dout.astype(np.float32), dtype=torch.float64))
        lq, lk, lv = leaf(q), leaf(k), leaf(v)
        what = f"flash_attention(q {q.shape}, k and v {k.shape}) on the {where}"
        with calling(what):
            out = FO.flash_attention(lq, lk, lv)
            op_check(out, (lq, lk, lv), what)
            out.backward(xp.asarray(dout.astype(np.float32)))
        assert_close(host(out.data), want.detach().numpy(), what=what, rtol=2e-4, atol=2e-5)
        for name, leaf_, t in (("q", lq, tq), ("k", lk, tk), ("v", lv, tv)):
            require(leaf_.grad is not None, f"{what}: {name} got no gradient")
            assert_close(host(leaf_.grad), t.grad.numpy(), what=f"{what}: gradient of {name}", rtol=5e-4, atol=5e-5,
                         hint="backward returns the three gradients of gpu_flash_backward, in the parents' order")

        z = (g.standard_normal((12, 50)) * 3).astype(np.float32)
        t = g.integers(0, 50, 12)
        t[::4] = -100
        tz = torch.tensor(z, dtype=torch.float64, requires_grad=True)
        want = F.cross_entropy(tz, torch.tensor(t), ignore_index=-100)
        (want * 2.5).backward()
        lz = leaf(z)
        what = f"fused_cross_entropy(logits (12, 50), targets with 3 ignored) on the {where}"
        with calling(what):
            loss = FO.fused_cross_entropy(lz, xp.asarray(t.astype(np.int32)))
            op_check(loss, (lz,), what)
            require(loss.shape == (), f"{what} must hold a 0-d array, got shape {loss.shape}")
            loss.backward(2.5)
        assert_close(float(host(loss.data)), want.item(), what=what, rtol=2e-5, atol=2e-6)
        assert_close(host(lz.grad), tz.grad.numpy(), what=f"{what}: gradient after backward(2.5)", rtol=1e-4, atol=1e-6,
                     hint="backward multiplies the saved dlogits by the incoming gradient g")

        for norm, bias in (("layernorm", True), ("layernorm", False), ("rmsnorm", False)):
            x = (g.standard_normal((2, 5, 24)) * 2 + 1).astype(np.float32)
            w, b, dy = (g.standard_normal(24) + 1).astype(np.float32), g.standard_normal(24).astype(np.float32), \
                g.standard_normal((2, 5, 24)).astype(np.float32)
            tx, tw, tb = (torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in (x, w, b))
            if norm == "layernorm":
                ty = F.layer_norm(tx, (24,), tw, tb if bias else None, 1e-5)
            else:
                ty = tx * torch.rsqrt((tx * tx).mean(-1, keepdim=True) + 1e-5) * tw
            ty.backward(torch.tensor(dy, dtype=torch.float64))
            lx, lw, lb = leaf(x), leaf(w), leaf(b)
            what = f"fused_{norm}(x (2, 5, 24){', bias' if bias else ''}) on the {where}"
            with calling(what, hint="the kernels take rows (N, C): reshape (B, T, C) to (B·T, C) and the result "
                                    "(and dx) back to x's shape"):
                y = FO.fused_layernorm(lx, lw, lb if bias else None) if norm == "layernorm" else FO.fused_rmsnorm(lx, lw)
                op_check(y, (lx, lw) + ((lb,) if bias else ()), what)
                y.backward(xp.asarray(dy))
            assert_close(host(y.data), ty.detach().numpy(), what=what, rtol=2e-4, atol=2e-5,
                         hint="the kernels take rows (N, C): reshape (B, T, C) to (B·T, C) and the result back")
            for name, leaf_, t_ in (("x", lx, tx), ("weight", lw, tw)) + ((("bias", lb, tb),) if bias else ()):
                require(leaf_.grad is not None, f"{what}: {name} got no gradient")
                assert_close(host(leaf_.grad), t_.grad.numpy(), what=f"{what}: gradient of {name}", rtol=2e-4,
                             atol=2e-5, hint="dx has x's shape (B, T, C); dw and db are (C,)")


CONFIGS = {"GPT-2 style": dict(), "Llama style, 2 query heads per key/value head": dict(
    norm="rmsnorm", mlp="swiglu", position="rope", n_kv_head=1, bias=False, tie_weights=False)}


def torch_loss_and_grads(model, x, y):
    P = {n: torch.tensor(host(p.data), dtype=torch.float64, requires_grad=True) for n, p in model.named_parameters()}
    logits = t_gpt(P, x, model.config)
    loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), torch.tensor(y).reshape(-1))
    loss.backward()
    return loss.item(), {n: p.grad.numpy() for n, p in P.items()}


@task(points=2, timeout=300, needs=("fused_ops",))
def test_fused_gpt(kit):
    """fuse(GPT): PyTorch's loss and gradients for GPT-2 and Llama style; phase 08's train_step under fused_loss reports PyTorch's loss and gradient norm."""
    FO, M = kit.p9("fused_ops"), load(5, "model")
    device, step_mod, adamw = load(8, "device"), load(8, "step"), load(6, "adamw")
    run, where = kit.device_or_simulator("the fused GPT")
    g = np.random.default_rng(13)
    with run:
        xp = kit.device_xp()
        for label, kw in CONFIGS.items():
            cfg = M.GPTConfig(vocab_size=23, block_size=8, n_layer=2, n_head=2, n_embd=16, **kw)
            x, y = g.integers(0, 23, (2, 8)), g.integers(0, 23, (2, 8))
            model = M.GPT(cfg, rng=np.random.default_rng(4))
            want_loss, want_grads = torch_loss_and_grads(model, x, y)
            device.to_device(model, "cuda")
            what = f"fuse(GPT {label}) on the {where}"
            with calling(what):
                FO.fuse(model)
                kinds = {type(m).__name__ for m in model.modules()}
                require("FusedAttention" in kinds, f"{what}: the attention was not switched")
                loss = FO.fused_lm_loss(model, xp.asarray(x), xp.asarray(y))
                loss.backward()
            assert_close(float(host(loss.data)), want_loss, what=f"{what}: loss", rtol=1e-5, atol=1e-6)
            for name, p in model.named_parameters():
                require(p.grad is not None, f"{what}: {name} got no gradient")
                assert_close(host(p.grad), want_grads[name], what=f"{what}: gradient of {name}", rtol=2e-3, atol=2e-5)

            model = FO.fuse(device.to_device(M.GPT(cfg, rng=np.random.default_rng(4)), "cuda"))
            opt = adamw.AdamW(model.parameters(), lr=1e-3)
            what = f"train_step(fused GPT {label}, ...) under fused_loss() on the {where}"
            with calling(what), FO.fused_loss():
                out = step_mod.train_step(model, opt, [(xp.asarray(x), xp.asarray(y))], lr=1e-3, grad_clip=1e9)
            norm = float(np.sqrt(sum((gr.astype(np.float64) ** 2).sum() for gr in want_grads.values())))
            assert_close(float(host(out["loss"])), want_loss, what=f"{what}: loss", rtol=1e-5, atol=1e-6,
                         hint="fused_loss() puts fused_lm_loss in phase 08's accumulation.lm_loss while it is active")
            assert_close(out["grad_norm"], norm, what=f"{what}: grad_norm", rtol=1e-4, atol=1e-6)
