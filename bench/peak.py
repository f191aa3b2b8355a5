"""Peak memory of a training step, each engine measured in a process of its own.

Two engines in one process share one allocator: what one frees stays resident and the other
reuses it, so neither's peak can be read there. ``child_peaks`` runs the same benchmark again,
once per engine, with ``--peak-of NAME``; that child builds everything as the benchmark does,
runs one step of that engine (so that optimizer state and lazily built machinery exist),
hands the allocator's free memory back to the system (glibc's ``malloc_trim``, since both
allocators keep freed buffers for reuse), notes its resident size, resets the kernel's high-water mark (Linux's
``/proc/self/clear_refs``), runs two more steps and prints how far above the noted size it
went: a step's activations, gradients and temporaries, over what is held between steps.

    from peak import add_peak_option, child_peaks, print_peaks, report_peak
    if args.peak_of:                       # in the child
        return report_peak(steps[args.peak_of])
    print_peaks(child_peaks(["ours", "theirs"]), {"ours": "ours", "theirs": "PyTorch"})
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import gc
import re
import resource
import subprocess
import sys
from pathlib import Path
from typing import Callable


def add_peak_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--peak-of", default=None, help=argparse.SUPPRESS)  # set only in the measuring child
    p.add_argument("--no-memory", action="store_true", help="skip the peak-memory measurement (one process per engine)")


def rss_kib(field: str) -> int:
    """``VmRSS`` (now) or ``VmHWM`` (peak) of this process, in KiB, from /proc (Linux); else the peak."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    return peak // 1024 if sys.platform == "darwin" else peak


def report_peak(step: Callable[[int], None], runs: int = 2) -> None:
    """In the child: after one step, print ``peak-bytes N``, the high-water mark of ``runs`` more
    steps above the resident size between steps."""
    step(0)
    gc.collect()
    name = ctypes.util.find_library("c")
    trim = getattr(ctypes.CDLL(name), "malloc_trim", None) if name else None
    if trim is not None:
        trim(0)
    base = rss_kib("VmRSS")
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # reset VmHWM to the current resident size
    for i in range(1, runs + 1):
        step(i)
    print(f"peak-bytes {(rss_kib('VmHWM') - base) * 1024}")


def child_peaks(names: list[str], argv: list[str] | None = None) -> dict[str, int | None]:
    """Run this script again once per name with ``--peak-of name``; each one's peak in bytes (None if unmeasured)."""
    argv = sys.argv if argv is None else argv
    out: dict[str, int | None] = {}
    for name in names:
        try:
            proc = subprocess.run([sys.executable, *argv, "--peak-of", name], capture_output=True, text=True, timeout=600)
        except (OSError, subprocess.TimeoutExpired):
            out[name] = None
            continue
        found = re.search(r"^peak-bytes (\d+)$", proc.stdout, re.M)
        out[name] = int(found.group(1)) if proc.returncode == 0 and found else None
    return out


def print_peaks(peaks: dict[str, int | None], labels: dict[str, str]) -> None:
    """One line: each engine's peak in MiB, and the first's over the second's."""
    if any(v is None for v in peaks.values()):
        print("peak memory: not measured (it needs Linux's /proc/self/clear_refs)")
        return
    parts = ", ".join(f"{labels[k]} {v / 2**20:.1f} MiB" for k, v in peaks.items())
    first, second = list(peaks.values())[:2]
    ratio = f" ({list(labels.values())[0]} / {list(labels.values())[1]} = {first / second:.2f}x)" if second else ""
    print(f"peak memory of a step, above what is held between steps: {parts}{ratio}")
