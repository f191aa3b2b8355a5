"""Grader for the real GPU: your model, optimizer and train_step on CuPy give what they give on
NumPy (float32, TF32 off), and mixed precision learns. On a machine without a GPU the task first
makes sure the step is written (on the CPU), then is skipped with a message: it counts neither
for nor against you there.
"""

from __future__ import annotations

import numpy as np
import pytest

from common import backend, load, under_test
from common.checks import assert_close, calling, require
from grader import task


@task(points=3, timeout=300, needs=("train_step_fp32", "train_step_mixed_precision", "to_device"))
def test_gpu_training(kit):
    """On a GPU: three float32 steps equal the CPU's; forty mixed-precision steps learn a batch by heart."""
    D, S, A, P = kit.p8("device"), kit.p8("step"), kit.p8("accumulation"), kit.p8("precision")
    adamw = load(6, "adamw")
    cfg = kit.gpt_config(vocab_size=97, block_size=32, n_layer=2, n_head=4, n_embd=64, norm="rmsnorm", mlp="swiglu",
                         position="rope", bias=False, tie_weights=False)
    x, y = kit.batch(cfg.vocab_size, 8, cfg.block_size, seed=9)

    def steps(device: str, n: int):
        model = kit.gpt(cfg, seed=3)
        D.to_device(model, device)
        opt = adamw.AdamW(adamw.param_groups(model, 0.1), lr=1e-3)
        micro = A.split_batch(D.to_device(x, device), D.to_device(y, device), 2)
        losses = [float(S.train_step(model, opt, micro, lr=1e-3, grad_clip=1.0)["loss"]) for _ in range(n)]
        return losses, {name: backend.to_numpy(p.data) for name, p in model.named_parameters()}

    with calling("three train_steps on the CPU"):
        cpu_losses, cpu_params = steps("cpu", 3)                 # a stub fails here, on any machine
    if backend.gpu_faked() or not backend.gpu_available():
        pytest.skip("no GPU here: this task runs on a machine with one (make gpu-check)")
    under_test("common.backend").set_tf32(False)
    with calling("three train_steps on the GPU"):
        gpu_losses, gpu_params = steps("cuda", 3)
    assert_close(gpu_losses, cpu_losses, what="the losses of three float32 steps on the GPU against the CPU",
                 rtol=1e-4, atol=1e-5, hint="the same code on CuPy: only the order of floating-point sums differs")
    for name, value in cpu_params.items():
        assert_close(gpu_params[name], value, what=f"{name} after three steps on the GPU", rtol=1e-3, atol=1e-5)
    model = kit.gpt(cfg, seed=4)
    with calling("forty mixed-precision train_steps on the GPU"):
        D.to_device(model, "cuda")
        master, scaler = P.MasterWeights(model.parameters()), P.LossScaler()
        opt = adamw.AdamW(master.param_groups(adamw.param_groups(model, 0.0)), lr=3e-3)
        micro = [(D.to_device(x, "cuda"), D.to_device(y, "cuda"))]
        outs = [S.train_step(model, opt, micro, lr=3e-3, grad_clip=1.0, scaler=scaler, master=master)
                for _ in range(40)]
    losses = [float(o["loss"]) for o in outs if not o["skipped"]]
    require(len(losses) >= 30 and losses[-1] < 0.5 * losses[0],
            f"forty mixed-precision steps on one batch should at least halve its loss; the clean steps went "
            f"{losses[:1]} ... {losses[-1:]} ({40 - len(losses)} skipped)",
            hint="the scale removed from the gradients, the masters stepped and cast back into the model")
    require(all(p.data.dtype == np.float16 for p in model.parameters()), "the model must stay float16")
