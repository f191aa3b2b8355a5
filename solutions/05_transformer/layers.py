"""The layers of a transformer block: normalisation, the feed-forward network, the block.

A block is two residual branches, each reading a normalised copy of the stream (pre-LN,
as in GPT-2 and Llama)::

    x = x + attn(ln1(x))        tokens exchange information
    x = x + mlp(ln2(x))         each token thinks on its own

The residual stream ``x`` itself is never normalised inside a block, so the gradient has a
clean path from the loss to the embeddings however deep the stack.
"""

from __future__ import annotations

import numpy as np

from common import load

from .attention import MultiHeadAttention

_tensor = load(2, "tensor")
_nn = load(2, "nn")
Tensor = _tensor.Tensor


class LayerNorm(_nn.Module):
    """``(x - mean) / sqrt(var + eps) * weight + bias`` over the last axis (``n_embd``).

    ``var`` is the *biased* variance (divide by ``n``, not ``n - 1``), as in PyTorch.
    ``weight`` ``(n_embd,)`` starts at ones, ``bias`` ``(n_embd,)`` at zeros (None when
    ``bias=False``), both float32.
    """

    def __init__(self, n_embd: int, eps: float = 1e-5, bias: bool = True):
        self.eps = eps
        self.weight = _nn.Parameter(np.ones(n_embd, dtype=np.float32))
        self.bias = _nn.Parameter(np.zeros(n_embd, dtype=np.float32)) if bias else None

    def forward(self, x: Tensor) -> Tensor:
        """``x`` ``(..., n_embd)`` -> same shape."""
        # Tensor ops (mean, subtraction, multiplication, sqrt) are all it takes: autograd does
        # the backward. One node with its own backward is faster, and optional (see the handout).
        ### BEGIN SOLUTION
        # One node where the Tensor ops make eight (mean, x - mean, square, mean, + eps, sqrt,
        # divide, times weight): the same numbers in about half the passes over x. With x̂ the
        # normalised x and rstd = 1 / sqrt(var + eps), the backward in closed form is
        #     dx = rstd * (ĝ - mean(ĝ) - x̂ * mean(ĝ * x̂)),  ĝ = g * weight;
        # the weight's gradient sums g * x̂ over the rows, the bias's sums g. Sums along a row or
        # a column are matrix-vector products: BLAS is several times faster than NumPy's
        # reduction over rows as short as n_embd.
        xp, w, b = x.xp, self.weight, self.bias
        C = x.shape[-1]
        avg = xp.full(C, 1 / C, dtype=x.dtype)
        xc = x.data - (x.data @ avg)[..., None]
        rstd = 1 / xp.sqrt(((xc * xc) @ avg)[..., None] + self.eps)
        xhat = xc
        xhat *= rstd
        out = xhat * w.data
        if b is not None:
            out += b.data

        def backward(g):
            ones = xp.ones(g.size // C, dtype=g.dtype)
            g_xhat = g * xhat
            gw = ones @ g_xhat.reshape(-1, C) if w.requires_grad else None
            gx = None
            if x.requires_grad:                      # mean(ĝ) = g·w / C and mean(ĝ x̂) = (g x̂)·w / C
                shift = xhat * ((g_xhat @ w.data) / C)[..., None]
                shift += ((g @ w.data) / C)[..., None]
                gx = g * w.data
                gx -= shift
                gx *= rstd
            if b is None:
                return gx, gw
            return gx, gw, ones @ g.reshape(-1, C) if b.requires_grad else None

        return Tensor._make(out, (x, w) if b is None else (x, w, b), backward, "layer_norm")
        ### END SOLUTION


class RMSNorm(_nn.Module):
    """``x / sqrt(mean(x²) + eps) * weight`` over the last axis: LayerNorm without centring
    and without bias (Zhang and Sennrich, 2019; Llama). ``weight`` ``(n_embd,)`` starts at ones.

    Llama and llama2.c use ``eps = 1e-5``, added *inside* the square root.
    """

    def __init__(self, n_embd: int, eps: float = 1e-5):
        self.eps = eps
        self.weight = _nn.Parameter(np.ones(n_embd, dtype=np.float32))

    def forward(self, x: Tensor) -> Tensor:
        """``x`` ``(..., n_embd)`` -> same shape."""
        ### BEGIN SOLUTION
        # One node, as for LayerNorm; backward dx = rstd * (ĝ - x̂ * mean(ĝ * x̂)), ĝ = g * weight.
        xp, w = x.xp, self.weight
        C = x.shape[-1]
        rstd = 1 / xp.sqrt(((x.data * x.data) @ xp.full(C, 1 / C, dtype=x.dtype))[..., None] + self.eps)
        xhat = x.data * rstd

        def backward(g):
            g_xhat = g * xhat
            gw = xp.ones(g.size // C, dtype=g.dtype) @ g_xhat.reshape(-1, C) if w.requires_grad else None
            gx = None
            if x.requires_grad:                      # mean(ĝ x̂) = (g x̂)·w / C
                gx = g * w.data
                gx -= xhat * ((g_xhat @ w.data) / C)[..., None]
                gx *= rstd
            return gx, gw

        return Tensor._make(xhat * w.data, (x, w), backward, "rms_norm")
        ### END SOLUTION


class FeedForward(_nn.Module):
    """GPT's feed-forward network: ``drop(proj(gelu(fc(x))))``, ``(..., n_embd)`` -> same shape.

    ``fc`` is ``Linear(n_embd, hidden)``, ``proj`` is ``Linear(hidden, n_embd)`` (with biases
    when ``bias``), GELU is phase 02's tanh approximation, ``drop`` a ``Dropout(dropout)``.
    GPT uses ``hidden = 4 * n_embd``.
    """

    def __init__(self, n_embd: int, hidden: int, *, bias: bool = True, dropout: float = 0.0,
                 rng: np.random.Generator):
        self.fc = _nn.Linear(n_embd, hidden, bias, rng=rng)
        self.proj = _nn.Linear(hidden, n_embd, bias, rng=rng)
        self.drop = _nn.Dropout(dropout, rng=rng)

    def forward(self, x: Tensor) -> Tensor:
        ### BEGIN SOLUTION
        return self.drop(self.proj(self.fc(x).gelu()))
        ### END SOLUTION


class SwiGLU(_nn.Module):
    """Llama's gated feed-forward network: ``drop(w2(silu(w1(x)) * w3(x)))``.

    ``silu(z) = z * sigmoid(z)``. ``w1`` (the gate) and ``w3`` (the up projection) are
    ``Linear(n_embd, hidden)``, ``w2`` (down) is ``Linear(hidden, n_embd)``, created in the
    order w1, w2, w3 and without biases unless ``bias``. Three matrices instead of two, so
    Llama takes ``hidden`` about ``8/3 * n_embd`` to keep the parameter count of a 4x GELU MLP.
    """

    def __init__(self, n_embd: int, hidden: int, *, bias: bool = False, dropout: float = 0.0,
                 rng: np.random.Generator):
        self.w1 = _nn.Linear(n_embd, hidden, bias, rng=rng)
        self.w2 = _nn.Linear(hidden, n_embd, bias, rng=rng)
        self.w3 = _nn.Linear(n_embd, hidden, bias, rng=rng)
        self.drop = _nn.Dropout(dropout, rng=rng)

    def forward(self, x: Tensor) -> Tensor:
        ### BEGIN SOLUTION
        # silu(a) * u as one node, where sigmoid and two products make three. With s = sigmoid(a),
        # d/da = u * s * (1 + a * (1 - s)) and d/du = silu(a) = a * s.
        a, u = self.w1(x), self.w3(x)
        with np.errstate(over="ignore"):            # exp(-a) = inf for a < -88 gives s = 0, as it should
            s = a.xp.exp(-a.data)
        s += 1
        s = a.xp.reciprocal(s, out=s)
        silu = a.data * s

        def backward(g):
            ga = None
            if a.requires_grad:
                ga = 1 - s
                ga *= a.data
                ga += 1
                ga *= s
                ga *= u.data
                ga *= g
            return ga, g * silu if u.requires_grad else None

        return self.drop(self.w2(Tensor._make(silu * u.data, (a, u), backward, "swiglu")))
        ### END SOLUTION


class Block(_nn.Module):
    """One pre-LN transformer block, ``(B, T, n_embd)`` -> ``(B, T, n_embd)``, built from a config.

    Its parts, in this order: ``ln1`` (the norm before attention), ``attn``
    (:class:`~attention.MultiHeadAttention`), ``ln2`` (the norm before the MLP), ``mlp``
    (:class:`FeedForward` or :class:`SwiGLU`). Which norm and MLP, and every size, come from
    ``config`` (a :class:`~model.GPTConfig`).
    """

    def __init__(self, config, *, rng: np.random.Generator):
        c = config
        self.ln1 = make_norm(c)
        self.attn = MultiHeadAttention(c.n_embd, c.n_head, c.n_kv_head, bias=c.bias, dropout=c.dropout,
                                       rope_base=c.rope_base if c.position == "rope" else None, rng=rng)
        self.ln2 = make_norm(c)
        mlp = SwiGLU if c.mlp == "swiglu" else FeedForward
        self.mlp = mlp(c.n_embd, c.hidden, bias=c.bias, dropout=c.dropout, rng=rng)

    def forward(self, x: Tensor, is_pad=None) -> Tensor:
        """``x`` ``(B, T, n_embd)``; ``is_pad`` as for the attention. Two residual branches."""
        ### BEGIN SOLUTION
        x = x + self.attn(self.ln1(x), is_pad)
        return x + self.mlp(self.ln2(x))
        ### END SOLUTION


def make_norm(config) -> LayerNorm | RMSNorm:
    """The normalisation layer a config asks for, of width ``n_embd``."""
    if config.norm == "rmsnorm":
        return RMSNorm(config.n_embd, config.norm_eps)
    return LayerNorm(config.n_embd, config.norm_eps, config.bias)
