"""common/profile.py: seconds per graph operation of a GPT's training step, forward and backward."""

from __future__ import annotations

import numpy as np
import pytest

from common import load, profile


@pytest.fixture
def reference(monkeypatch):
    monkeypatch.setenv("SCRATCHGPT_IMPL", "solutions")


def step(seed=0):
    M, F = load(5, "model"), load(2, "functional")
    cfg = M.GPTConfig(vocab_size=50, block_size=16, n_layer=2, n_head=2, n_embd=32)
    model = M.GPT(cfg, rng=np.random.default_rng(seed))
    g = np.random.default_rng(1)
    x, y = g.integers(0, 50, (4, 16)), g.integers(0, 50, (4, 16))
    return model, lambda: F.cross_entropy(model(x).reshape(-1, 50), y.reshape(-1))


def test_every_operation_is_charged_and_nothing_twice(reference):
    model, loss_of = step()
    Tensor = load(2, "tensor").Tensor
    plain = Tensor.__dict__["_make"]
    with profile.profiled(sync=False) as prof:
        loss = loss_of()
        loss.backward()
    assert Tensor.__dict__["_make"] is plain, "the wrapper must be taken off after the block"
    ops = {op for op, _, _ in prof.table()}
    assert {"gelu", "attention_weights", "cross_entropy"} <= ops and ("linear" in ops or "@" in ops), ops
    assert all(f >= 0 and b >= 0 for _, f, b in prof.table())
    assert prof.backward["gelu"] > 0 and prof.calls["gelu"] == 2          # one per layer
    assert 0 < prof.accounted() <= prof.wall * 1.01, (prof.accounted(), prof.wall)
    assert all(p.grad is not None for p in model.parameters())            # backward ran as usual


def test_the_wrapper_comes_off_when_the_block_fails(reference):
    Tensor = load(2, "tensor").Tensor
    plain = Tensor.__dict__["_make"]
    with pytest.raises(ZeroDivisionError), profile.profiled(sync=False):
        1 / 0
    assert Tensor.__dict__["_make"] is plain
