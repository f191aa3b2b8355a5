"""Where a training step's time goes: seconds per operation of phase 02's graph, forward and backward.

Every operation ends with ``Tensor._make``; while :func:`profiled` is active that function is
wrapped so that the time since the previous operation finished is charged to this one's forward,
and its backward rule is timed when backward calls it. On a GPU each charge first waits for the
device (``backend.synchronize``), so the seconds are the kernels' and not the launches'; the waits
slow the step down, which is the price of knowing. Time outside the graph (the optimizer, data) is
charged to nothing: :class:`Profile` keeps the block's wall time beside the per-operation sums.
Profile one forward and backward per block: work done between a backward and the next forward
would be charged to that forward's first operation.

    with profiled() as prof:
        loss = lm_loss(model, x, y); loss.backward(); optimizer.step()
    prof.table()          # [(op, forward s, backward s), ...], the largest first
"""

from __future__ import annotations

import contextlib
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterator

from common import backend, load


@dataclass
class Profile:
    forward: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    backward: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    calls: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    wall: float = 0.0

    def table(self) -> list[tuple[str, float, float]]:
        """``(op, forward seconds, backward seconds)`` for every op seen, the costliest first."""
        ops = set(self.forward) | set(self.backward)
        rows = [(op, self.forward.get(op, 0.0), self.backward.get(op, 0.0)) for op in ops]
        return sorted(rows, key=lambda r: -(r[1] + r[2]))

    def accounted(self) -> float:
        return sum(self.forward.values()) + sum(self.backward.values())


@contextlib.contextmanager
def profiled(sync: bool | None = None) -> Iterator[Profile]:
    """Profile the graph operations run inside the block (see the module's docstring). ``sync``:
    wait for the device at every charge (default: when a GPU or the stand-in is in use)."""
    Tensor = load(2, "tensor").Tensor
    plain = Tensor.__dict__["_make"]
    make = plain.__func__ if isinstance(plain, staticmethod) else plain
    prof = Profile()
    sync = backend.has_gpu() if sync is None else sync
    wait = backend.synchronize if sync else (lambda: None)
    last = [time.perf_counter()]

    def timed_make(data, parents, backward, op):
        wait()
        now = time.perf_counter()
        prof.forward[op] += now - last[0]
        prof.calls[op] += 1

        def timed_backward(g):
            wait()
            start = time.perf_counter()
            grads = backward(g)
            wait()
            end = time.perf_counter()
            prof.backward[op] += end - start
            last[0] = end
            return grads

        out = make(data, parents, timed_backward, op)
        last[0] = time.perf_counter()
        return out

    Tensor._make = staticmethod(timed_make)
    start = time.perf_counter()
    try:
        yield prof
    finally:
        wait()
        prof.wall = time.perf_counter() - start
        Tensor._make = plain
