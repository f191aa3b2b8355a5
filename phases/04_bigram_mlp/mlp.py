"""A multi-layer perceptron language model, after Bengio, Ducharme, Vincent and Jauvin (2003).

The bigram model sees one token. This model sees ``block_size`` of them: each token id
becomes a learned vector of ``n_embd`` numbers (the same table for every position), the
vectors of the context are concatenated, and a hidden layer reads them all::

    idx (B, T) --wte--> (B, T, n_embd) --reshape--> (B, T * n_embd)
        --fc, tanh--> (B, n_hidden) --head--> logits (B, V)          T = block_size

Tokens used in similar contexts get similar vectors, so what the model learns about one
carries over to the others: that is what a table of counts cannot do.
"""

from __future__ import annotations

import numpy as np

from common import load

_nn = load(2, "nn")
Module = _nn.Module
Tensor = load(2, "tensor").Tensor


class MLP(Module):
    """``MLP(vocab_size, block_size, n_embd, n_hidden, rng=rng)``: logits of the next token.

    Its parameters, created in this order with the phase-02 layers and ``rng``:

    - ``wte``  ``Embedding(vocab_size, n_embd)``          the token vectors
    - ``fc``   ``Linear(block_size * n_embd, n_hidden)``  the hidden layer, tanh after it
    - ``head`` ``Linear(n_hidden, vocab_size)``           hidden units to logits

    so ``named_parameters()`` gives ``wte.weight``, ``fc.weight``, ``fc.bias``,
    ``head.weight``, ``head.bias``.
    """

    def __init__(self, vocab_size: int, block_size: int, n_embd: int, n_hidden: int, *,
                 rng: np.random.Generator):
        self.vocab_size, self.block_size = vocab_size, block_size
        self.n_embd, self.n_hidden = n_embd, n_hidden
        # After creating head, multiply head.weight.data by 0.1 (in place): the first logits
        # are then close to zero and the first loss close to ln(vocab_size), as it should be
        # for a model that knows nothing yet.
        # YOUR CODE HERE
        raise NotImplementedError("MLP.__init__: not written yet; see its docstring and the handout")

    def forward(self, idx) -> Tensor:
        """``idx`` ``(B, block_size)`` int -> logits ``(B, vocab_size)``, a Tensor.

        ValueError when ``idx`` is not ``(B, block_size)``, naming both shapes.
        """
        # YOUR CODE HERE
        raise NotImplementedError("MLP.forward: not written yet; see its docstring and the handout")
