"""Phase 02 benchmark: one training step of an MLP on our autograd engine against PyTorch (CPU, eager).

    python bench/autograd_mlp.py [--impl solutions|phases] [--width 512] [--batch 64] [--steps 50] [--threads N]

The model is four Linear layers, width -> width -> width -> width -> 10 with ReLU between,
in float32. One step is forward, cross-entropy, backward and an Adam update. Both sides
start from the same weights and see the same batches; after a warm-up, the median time of
a step is reported for each, with their ratio; the two take turns in blocks of 10 steps.
Both libraries keep their default thread counts, printed first: NumPy's BLAS (OpenBLAS) and
PyTorch's intra-op pool; ``--threads N`` sets both to N (``--threads 1`` gives steadier
numbers on a busy machine). Last comes each side's peak memory during a step, measured in a
process of its own (``bench/peak.py``; ``--no-memory`` skips it).
"""

from __future__ import annotations

import argparse
import ctypes
import os
import statistics
import time

import numpy as np
from peak import add_peak_option, child_peaks, print_peaks, report_peak

N_CLASSES = 10


def _openblas():
    """NumPy's OpenBLAS library (found among the loaded shared objects), or None."""
    try:
        with open("/proc/self/maps") as f:
            paths = sorted({line.split()[-1] for line in f if "openblas" in line.lower() and line.split()[-1].startswith("/")})
        return ctypes.CDLL(paths[0]) if paths else None
    except OSError:
        return None


def _blas_call(suffix: str, *args):
    lib = _openblas()
    for prefix in ("scipy_openblas_", "openblas_"):
        for end in ("64_", ""):
            fn = getattr(lib, f"{prefix}{suffix}{end}", None) if lib is not None else None
            if fn is not None:
                return fn(*args)
    return None


def blas_threads() -> str:
    """The thread count of the OpenBLAS that NumPy loaded (read through its C API), if it can be found."""
    n = _blas_call("get_num_threads")
    return str(n) if n is not None else f"unknown (OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')})"


def time_steps(steps: dict, warmup: int, repeats: int, block: int = 10) -> dict[str, list[float]]:
    """Run each named step function ``warmup`` times, then ``repeats`` timed times, in blocks of
    ``block`` steps taking turns (ours, theirs, ours, ...): a busy moment of the machine slows
    both alike, and neither library's idle worker threads, still spinning for a moment after
    its last step, sit in the other's way more than once per block."""
    for name, step in steps.items():
        for i in range(warmup):
            step(i)
    times: dict[str, list[float]] = {name: [] for name in steps}
    for first in range(0, repeats, block):
        for name, step in steps.items():
            for i in range(first, min(first + block, repeats)):
                start = time.perf_counter()
                step(warmup + i)
                times[name].append(time.perf_counter() - start)
    return times


def add_step_options(p: argparse.ArgumentParser, *, warmup: int, steps: int) -> None:
    """The options every training-step benchmark shares: which code, how many steps, threads."""
    p.add_argument("--impl", default="solutions", choices=["solutions", "phases"])
    p.add_argument("--warmup", type=int, default=warmup)
    p.add_argument("--steps", type=int, default=steps)
    p.add_argument("--threads", type=int, default=0,
                   help="set both NumPy's BLAS and PyTorch to this many threads (default: leave both as they are)")
    add_peak_option(p)


def measure_peaks(args, our_step, their_step) -> None:
    """``--peak-of``: report one engine's peak and stop (the child); otherwise print both, measured in children."""
    if args.peak_of:
        report_peak({"ours": our_step, "theirs": their_step}[args.peak_of])
    elif not args.no_memory:
        print_peaks(child_peaks(["ours", "theirs"]), {"ours": "ours", "theirs": "PyTorch"})


def start(args) -> None:
    """Point ``common.load`` at ``--impl`` and apply ``--threads`` to both libraries."""
    os.environ["SCRATCHGPT_IMPL"] = args.impl
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
        _blas_call("set_num_threads", args.threads)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--width", type=int, default=512)
    p.add_argument("--batch", type=int, default=64)
    add_step_options(p, warmup=10, steps=50)
    args = p.parse_args()
    start(args)
    import torch

    from common import load

    nn, F, optim, tensor = load(2, "nn"), load(2, "functional"), load(2, "optim"), load(2, "tensor")
    width, batch = args.width, args.batch
    sizes = [width, width, width, width, N_CLASSES]

    rng = np.random.default_rng(0)
    layers = []
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers += [nn.Linear(fan_in, fan_out, rng=rng)] + ([nn.ReLU()] if i < len(sizes) - 2 else [])
    ours = nn.Sequential(*layers)
    ours_opt = optim.Adam(ours.parameters(), lr=1e-3)

    ref_layers = []
    for layer in ours.modules():
        if isinstance(layer, nn.Linear):
            lin = torch.nn.Linear(layer.in_features, layer.out_features)
            with torch.no_grad():
                lin.weight.copy_(torch.from_numpy(layer.weight.data.T.copy()))
                lin.bias.copy_(torch.from_numpy(layer.bias.data))
            ref_layers.append(lin)
    theirs = torch.nn.Sequential(*[m for lin in ref_layers for m in (lin, torch.nn.ReLU())][:-1])
    theirs_opt = torch.optim.Adam(theirs.parameters(), lr=1e-3)

    n_batches = args.warmup + args.steps
    xs = rng.standard_normal((n_batches, batch, width)).astype(np.float32)
    ys = rng.integers(0, N_CLASSES, (n_batches, batch))
    txs, tys = torch.from_numpy(xs), torch.from_numpy(ys)

    losses: dict[str, list[float]] = {"ours": [], "theirs": []}

    def our_step(i: int) -> None:
        loss = F.cross_entropy(ours(tensor.Tensor(xs[i])), ys[i])
        ours_opt.zero_grad()
        loss.backward()
        ours_opt.step()
        losses["ours"].append(loss.item())

    def their_step(i: int) -> None:
        loss = torch.nn.functional.cross_entropy(theirs(txs[i]), tys[i])
        theirs_opt.zero_grad()
        loss.backward()
        theirs_opt.step()
        losses["theirs"].append(loss.item())

    if args.peak_of:
        return measure_peaks(args, our_step, their_step)
    print(f"one training step (forward, cross-entropy, backward, Adam) of an MLP {' -> '.join(map(str, sizes))} "
          f"(ReLU), batch {batch}, float32")
    how = f"both set by --threads {args.threads}" if args.threads else "defaults of both"
    print(f"threads: NumPy/OpenBLAS {blas_threads()}, PyTorch {torch.get_num_threads()} ({how})")
    times = time_steps({"ours": our_step, "theirs": their_step}, args.warmup, args.steps)
    t_ours, t_theirs = times["ours"], times["theirs"]
    dtypes = sorted({str(p.data.dtype) for p in ours.parameters()})
    gap = max(abs(a - b) for a, b in zip(losses["ours"][:5], losses["theirs"][:5]))
    print(f"same computation: largest loss difference over the first 5 steps {gap:.2e}; our parameters are {', '.join(dtypes)}")
    m_ours, m_theirs = statistics.median(t_ours), statistics.median(t_theirs)
    print(f"{'':22} {'median ms':>10} {'min ms':>8} {'max ms':>8}")
    print(f"{'ours (' + args.impl + ')':22} {m_ours * 1e3:>10.3f} {min(t_ours) * 1e3:>8.3f} {max(t_ours) * 1e3:>8.3f}")
    print(f"{'PyTorch CPU eager':22} {m_theirs * 1e3:>10.3f} {min(t_theirs) * 1e3:>8.3f} {max(t_theirs) * 1e3:>8.3f}")
    print(f"ours / PyTorch = {m_ours / m_theirs:.2f}x (median over {args.steps} steps after {args.warmup} warm-up steps)")
    measure_peaks(args, our_step, their_step)


if __name__ == "__main__":
    main()
