"""Warm `lean-check`: sources unchanged since the lock, so no Lean runs. Target: under 1 s.

Measures, on the repository's own library (lean/) with its committed lock, both
  - in process: `lean_check()` (scan + hash + audit every module, compare with the lock), and
  - end to end: the `pytest-obstacles lean-check` command and `pytest --lean-check`
    (Python start-up included),
as the median of several rounds. It first makes sure the lock is current (a cold check runs Lean
only if it is not). Nothing is written when the lock is already current.
Usage: python benchmarks/bench_lean_check.py [--lean lean] [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pytest_obstacles.lean.check import lean_check  # noqa: E402
from pytest_obstacles.lean.check_cli import builtin_gates  # noqa: E402


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    if "no Lean needed" not in proc.stdout:
        raise SystemExit(f"{' '.join(cmd)} ran Lean: the lock was not current\n{proc.stdout[-2000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lean", type=Path, default=REPO / "lean")
    parser.add_argument("--rounds", type=int, default=5)
    opts = parser.parse_args()
    gates = builtin_gates()
    first = lean_check(opts.lean, gates, progress=print)  # cold if needed; warm otherwise
    print(f"initial check: {first.seconds:.2f} s ({len(first.compiled)} modules compiled, {len(first.bound)} bound)")
    inproc = []
    for _ in range(opts.rounds):
        report = lean_check(opts.lean, gates)
        assert not report.compiled and not report.bound and not report.written, "sources changed during the benchmark"
        inproc.append(report.seconds)
    cli = [timed([sys.executable, "-m", "pytest_obstacles.cli", "lean-check", "--lean", str(opts.lean), "-q"])
           for _ in range(opts.rounds)]
    plug = [timed([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--lean-check",
                   f"--obstacles-lean={opts.lean}"]) for _ in range(opts.rounds)]
    modules = len(report.lock.modules)
    print(f"warm lean-check of {modules} modules / {len(report.lock.theorems)} gate theorems, median of {opts.rounds}:")
    print(f"  in process (lean_check):        {statistics.median(inproc) * 1000:7.1f} ms")
    print(f"  pytest-obstacles lean-check:    {statistics.median(cli) * 1000:7.1f} ms (incl. Python start-up)")
    print(f"  pytest --lean-check:            {statistics.median(plug) * 1000:7.1f} ms (incl. pytest start-up)")
    worst = max(statistics.median(cli), statistics.median(plug))
    print(f"target < 1 s: {'met' if worst < 1.0 else 'MISSED'}")


if __name__ == "__main__":
    main()
