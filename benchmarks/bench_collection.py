"""Collection + verdict cost: 10,000 candidates under -m theorem_only vs 10,000 trivial parametrized tests.

Both sessions run in this one process's run, interleaved, several rounds; the figure reported is
the ratio of median per-item times, each net of an empty pytest session's start-up cost.
Usage: python benchmarks/bench_collection.py [--n 10000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TRUST_ALL = (
    "import pytest\nfrom pytest_obstacles import GateTrust\n\n@pytest.hookimpl(tryfirst=True)\n"
    "def pytest_obstacles_gate_trust(gate, config):\n    return GateTrust(True, 'benchmark')\n"
)


def write_candidates(folder: Path, n: int, per_file: int = 100) -> None:
    folder.mkdir()
    for f in range(n // per_file):
        lines = ["candidates:"]
        for i in range(per_file):
            k = f * per_file + i
            # Every candidate is killed by the depth gate (eps > (1.05)^(1/16) - 1), so every item runs.
            lines.append(
                f"  - {{id: c{k}, model: olmoe-tiny, method: lowrank, params: {{rank: {8 + k % 56}, layers: 16, "
                f"tolerance: 0.05, per_layer_error: 0.{4 + k % 5:03d}}}, kill_criteria: [{{metric: kl_mean, op: '>', threshold: 0.05}}]}}"
            )
        (folder / f"batch_{f:03d}.yaml").write_text("\n".join(lines) + "\n")


def run(args: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args], cwd=cwd,
                          capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 5):
        raise SystemExit(f"pytest {' '.join(args)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "conftest.py").write_text(TRUST_ALL)
        (root / "pytest.ini").write_text("[pytest]\n")
        write_candidates(root / "candidates", opts.n)
        trivial = root / "trivial"
        trivial.mkdir()
        (trivial / "test_trivial.py").write_text(
            f"import pytest\n\n@pytest.mark.parametrize('i', range({opts.n}))\ndef test_trivial(i):\n    pass\n")
        (root / "empty").mkdir()
        cand, triv, base = [], [], []
        for _ in range(opts.rounds):
            base.append(run(["empty"], root))
            cand.append(run(["--candidates=candidates", "-m", "theorem_only"], root))
            triv.append(run(["trivial"], root))
        b = statistics.median(base)
        per_candidate = (statistics.median(cand) - b) / opts.n
        per_trivial = (statistics.median(triv) - b) / opts.n
    ratio = per_candidate / per_trivial
    print(f"items: {opts.n} candidates (all theorem-killed) vs {opts.n} trivial parametrized tests, "
          f"{opts.rounds} interleaved rounds, medians")
    print(f"empty session: {b:.3f} s")
    print(f"per candidate item: {per_candidate * 1e6:.1f} µs")
    print(f"per trivial test:   {per_trivial * 1e6:.1f} µs")
    print(f"ratio candidate/trivial: {ratio:.2f}x (target <= 1.5x)")


if __name__ == "__main__":
    main()
