"""``pytest-obstacles killmap``: a sweep's verdicts on a 2-D grid, with each theorem's boundary drawn.

Every sweep point is coloured by what decided it: the theorem that kills it, or, for points the
theorems leave to experiment, the latest experiment verdict in the ledger (or "needs experiment").
The boundary curve is the exact admissible bound of each gate on the y parameter, computed by
:mod:`pytest_obstacles.constraints` at every x.
"""

from __future__ import annotations

import argparse
import sys
from fractions import Fraction
from pathlib import Path
from typing import Any

from . import ledger
from .candidate import Candidate, CandidateError
from .constraints import admissible_regions
from .constraints_cli import builtin_gates
from .loader import Schema, load_file, render
from .verdict import EXPERIMENT_KILLED, SURVIVED

COLOURS = {"theorem-killed": "#c0392b", EXPERIMENT_KILLED: "#e67e22", SURVIVED: "#27ae60",
           "needs experiment": "#95a5a6"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="a candidate file holding a sweep")
    parser.add_argument("--id", dest="base_id", help="the swept candidate's id (default: the first one with a sweep)")
    parser.add_argument("--x", help="sweep param on the x axis (default: the first sweep key)")
    parser.add_argument("--y", help="sweep param on the y axis (default: the second sweep key)")
    parser.add_argument("-o", "--output", type=Path, default=Path("killmap.png"), help="PNG or SVG path")
    parser.add_argument("--ledger", type=Path, default=Path(".obstacles/ledger.jsonl"),
                        help="ledger with experiment verdicts (optional)")


def run(args: argparse.Namespace) -> int:
    gates = builtin_gates()
    from .builtin import pytest_obstacles_methods

    schema = Schema(methods={m.name: m for m in pytest_obstacles_methods(None)},
                    gate_params={p.name: [p] for g in gates for p in g.params})
    entries = load_file(args.file, schema)
    errors = [e for e in entries if isinstance(e, CandidateError)]
    points = [e for e in entries if isinstance(e, Candidate) and e.sweep_point]
    if args.base_id:
        points = [c for c in points if c.id.split("[", 1)[0] == args.base_id]
    elif points:
        first = points[0].id.split("[", 1)[0]
        points = [c for c in points if c.id.split("[", 1)[0] == first]
    if not points:
        why = "; ".join(e.describe() for e in errors) or "no candidate with a sweep"
        print(f"killmap: {args.file}: {why}", file=sys.stderr)
        return 2
    keys = list(points[0].sweep_point)
    x, y = args.x or keys[0], args.y or (keys[1] if len(keys) > 1 else None)
    if y is None or x not in keys or y not in keys:
        print(f"killmap: need two swept params for x and y; this sweep varies {keys}", file=sys.stderr)
        return 2
    ledger = latest_outcomes(args.ledger)
    cells = []
    for c in points:
        killers = [g for g in gates if g.covers(c) is not None]
        if killers:
            status, label = "theorem-killed", killers[0].obstacle_class
        else:
            status, label = ledger.get(c.id, "needs experiment"), ""
        cells.append((Fraction(c.params[x]), Fraction(c.params[y]), status, label))
    curves = boundary_curves(gates, points[0], x, y, [cx for cx, *_ in cells])
    draw(cells, curves, x, y, points[0], args.output)
    killed = sum(1 for *_, s, _ in cells if s == "theorem-killed")
    print(f"killmap: {len(cells)} sweep points ({killed} theorem-killed) -> {args.output}")
    for e in errors:
        print(f"killmap: skipped bad sweep point: {e.describe()}", file=sys.stderr)
    return 0


def latest_outcomes(path: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    for entry in ledger.read(path, outcomes=(SURVIVED, EXPERIMENT_KILLED)):
        cand = entry.get("candidate")
        cid = entry.get("candidate_id") or (cand.get("id") if isinstance(cand, dict) else cand)
        if cid:
            out[str(cid)] = entry["outcome"]
    return out


def boundary_curves(gates, sample: Candidate, x: str, y: str, xs: list[Fraction]) -> dict[str, list[tuple[float, float]]]:
    """For each gate bounding y, the exact admissible y at densely spaced x (drawn as a line)."""
    lo, hi = min(xs), max(xs)
    integer_x = all(v.denominator == 1 for v in xs)
    if integer_x:
        grid = [Fraction(v) for v in range(int(lo), int(hi) + 1)]
    else:
        grid = [lo + (hi - lo) * Fraction(i, 200) for i in range(201)]
    base = {k: v for k, v in sample.params.items() if k not in (x, y)}
    curves: dict[str, list[tuple[float, float]]] = {}
    for gate in gates:
        names = {p.name for p in gate.params}
        if y not in names or x not in names or y not in gate.monotone:
            continue
        for xv in grid:
            [c] = admissible_regions([gate], {**base, x: xv}, places=9)
            if c.status == "bounded" and c.bound is not None:
                curves.setdefault(f"{gate.theorem} (class {gate.obstacle_class})", []).append((float(xv), float(c.bound)))
    return curves


def draw(cells: list[tuple[Fraction, Fraction, str, str]], curves: dict[str, Any], x: str, y: str, sample: Candidate,
         output: Path) -> None:
    try:
        import matplotlib
    except ImportError:
        raise SystemExit("pytest-obstacles killmap draws with matplotlib, which is not installed: "
                         "pip install 'pytest-obstacles[plot]' (or pip install matplotlib)") from None

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 4.8), dpi=120)
    top = max(float(c[1]) for c in cells) * 1.15
    for name, pts in curves.items():
        px, py = [p[0] for p in pts], [p[1] for p in pts]
        ax.plot(px, py, color="#2c3e50", lw=1.6, label=f"boundary: {name}")
        ax.fill_between(px, py, [max(top, v) for v in py], color="#c0392b", alpha=0.07, lw=0)
    seen = set()
    for cx, cy, status, label in cells:
        ax.scatter([float(cx)], [float(cy)], s=180, color=COLOURS[status], edgecolors="black", zorder=3,
                   label=status if status not in seen else None)
        seen.add(status)
        if label:
            ax.annotate(label, (float(cx), float(cy)), ha="center", va="center", fontsize=8, color="white", zorder=4)
    ys = [float(c[1]) for c in cells]
    if min(ys) > 0 and max(ys) / min(ys) > 10:
        ax.set_yscale("log")
    ax.set_ylim(top=top)
    fixed = ", ".join(f"{k}={render(v)}" for k, v in sample.params.items() if k not in (x, y))
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.set_title(f"kill map of {sample.id.split('[', 1)[0]} ({sample.method} on {sample.model})\n{fixed}", fontsize=9)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    output.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(output)
    plt.close(fig)
