"""``make gpu-check``: every GPU test and benchmark of phases 08 and later, in one run, with one summary.

    python bench/gpu_check.py [--quick]          # in the course's environment (make gpu-check)
    PYTHONPATH=. python3 bench/gpu_check.py      # on a machine whose python3 already has CuPy and PyTorch

1. ``tests/test_gpu.py``: CuPy refuses what the CPU stand-in refuses; the reference step on CuPy
   equals it on NumPy; float16 training learns.
2. ``bench/gpu_step.py``: tokens/s of the reference against PyTorch eager, float32 and float16,
   at three sizes (CS336's TinyStories model among them).
3. A short TinyStories run (``configs/tinystories-gpu.toml``, the reference, on the bundled
   sample): its tokens/s, MFU and loss.
4. ``bench/gpu_matmul.py``: phase 09's tiled and register-tiled kernels against cuBLAS.
5. ``bench/gpu_attention.py``: phase 09's flash attention kernels against PyTorch's attention and
   unfused CuPy, forward and forward + backward.
6. Phases 08's and 09's graders on the reference, whose GPU tasks run here (phase 08's training
   step on CuPy, phase 09's kernels against PyTorch and ``cupy.matmul``).

Each part has a time limit, the whole under eight minutes on an H100; ``--quick`` shortens parts 2
and 3. Without a GPU it says so and exits 0; ``--stand-in`` runs every part, tiny, on the CPU
stand-in (a check of this script, not of a GPU).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def part(title: str, cmd: list[str], timeout: int, env: dict) -> tuple[bool, str, float]:
    print(f"\n=== {title}\n$ {' '.join(cmd)}", flush=True)
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
        out, ok = proc.stdout + proc.stderr, proc.returncode == 0
    except subprocess.TimeoutExpired as exc:
        out = (exc.stdout or b"").decode(errors="replace") if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        out, ok = out + f"\n(stopped after {timeout} s)", False
    dt = time.perf_counter() - t0
    print(out.rstrip()[-6000:], flush=True)
    print(f"--- {'ok' if ok else 'FAILED'} in {dt:.0f} s", flush=True)
    return ok, out, dt


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="fewer sizes and steps")
    p.add_argument("--stand-in", action="store_true", help="every part, tiny, on the CPU stand-in")
    args = p.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRATCHGPT_")}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    sys.path.insert(0, str(ROOT))
    from common import backend

    if args.stand_in:
        env["SCRATCHGPT_FAKE_GPU"] = os.environ["SCRATCHGPT_FAKE_GPU"] = "1"
    elif not backend.gpu_available():
        print("gpu-check: no GPU here (CuPy missing or no CUDA device): nothing to check.")
        return 0
    print(f"gpu-check on {backend.device_name()}, Python {sys.version.split()[0]}", flush=True)
    t_all = time.perf_counter()
    py = sys.executable
    summary = []
    ok, out, dt = part("1. GPU tests", [py, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_gpu.py"], 180,
                       env)
    summary.append(("GPU tests", ok, (out.strip().splitlines() or ["?"])[-1], dt))
    sizes = "cs336" if args.quick else "small,cs336,medium"
    bench = [py, "bench/gpu_step.py", "--sizes", sizes, "--steps", "10" if args.quick else "20"]
    if args.stand_in:
        bench = [py, "bench/gpu_step.py", "--sizes", "tiny", "--block", "8", "--vocab", "11", "--batch", "2",
                 "--steps", "2", "--warmup", "1"]
    ok, out, dt = part("2. training step, ours against PyTorch eager", bench, 300, env)
    ratio = [line for line in out.splitlines() if line.startswith("ours / PyTorch throughput")]
    summary.append(("benchmark", ok, ratio[0] if ratio else "no ratio printed", dt))
    with tempfile.TemporaryDirectory() as tmp:
        steps = 100 if args.quick else 300
        tiny = " n_layer=1 n_embd=32 n_head=2 mlp_hidden=64 block_size=16 batch_size=4 vocab_size=300" \
            if args.stand_in else ""
        steps = 4 if args.stand_in else steps
        ok, out, dt = part("3. TinyStories run (reference, bundled sample)",
                           [py, "-m", "common.train", "configs/tinystories-gpu.toml", "--impl", "solutions",
                            "--no-progress", "--no-sample", "--set",
                            f"out_dir={tmp}/run max_steps={steps} warmup_steps={min(50, steps)} eval_every={steps} "
                            f"eval_batches=10 log_every={min(25, steps)} checkpoint_every={steps} "
                            f"train_text=tinystories-sample:train valid_text=tinystories-sample:valid{tiny}"], 300, env)
        speed = Path(tmp, "run", "speed.json")
        if ok and speed.is_file():
            s = json.loads(speed.read_text())
            last = [json.loads(line) for line in Path(tmp, "run", "log.jsonl").read_text().splitlines()][-1]
            mfu = f"{s['mfu']:.1%}" if s.get("mfu") is not None else "n/a"
            what = (f"{s['tokens_per_s']:,.0f} tokens/s, MFU {mfu} ({s['arithmetic']}), memory pool "
                    f"{s['memory_bytes'] / 2**20:,.0f} MiB; step {last['step']}: train loss {last['train_loss']:.3f}, "
                    f"val loss {last.get('val_loss', float('nan')):.3f}")
        else:
            what = "did not finish"
        summary.append(("TinyStories run", ok, what, dt))
    if args.stand_in:
        kernels = [py, "bench/gpu_matmul.py", "--sizes", "64"]
    else:
        kernels = [py, "bench/gpu_matmul.py", "--sizes", "1024,4096" if args.quick else "1024,2048,4096"]
    ok, out, dt = part("4. phase 09's matmul kernels against cuBLAS", kernels, 180, env)
    line = [s for s in out.splitlines() if s.startswith(("register-tiled / cuBLAS", "no GPU here"))]
    summary.append(("matmul kernels", ok, line[0] if line else "no ratio printed", dt))
    if args.stand_in:
        attention = [py, "bench/gpu_attention.py", "--stand-in"]
    else:
        attention = [py, "bench/gpu_attention.py", "--T", "1024" if args.quick else "1024,2048"]
    ok, out, dt = part("5. phase 09's attention kernels against PyTorch", attention, 180, env)
    line = [s for s in out.splitlines() if s.startswith(("flash / PyTorch", "(the CPU simulator", "no GPU here"))]
    summary.append(("flash kernels", ok, line[0] if line else "no ratio printed", dt))
    for n in (8, 9):
        ok, out, dt = part(f"{n - 2}. phase 0{n}'s grader on the reference (its GPU task runs here)",
                           [py, "-m", "grader", str(n), "--impl", "solutions"], 300, env)
        total = [s.strip() for s in out.splitlines() if s.strip().startswith("Total:")]
        skipped = [s.strip() for s in out.splitlines() if s.strip().startswith("SKIP")]
        summary.append((f"phase 0{n} grade", ok and "Every task passes" in out,
                        (total[0] if total else "no total") + (f"; {len(skipped)} task(s) skipped" if skipped else ""), dt))
    print("\n=== summary")
    for name, ok, what, dt in summary:
        print(f"{'ok  ' if ok else 'FAIL'} {name:16} {dt:5.0f} s  {what}")
    print(f"gpu-check: {sum(ok for _, ok, _, _ in summary)} of {len(summary)} parts passed in "
          f"{time.perf_counter() - t_all:.0f} s")
    return 0 if all(ok for _, ok, _, _ in summary) else 1


if __name__ == "__main__":
    sys.exit(main())
