"""``pytest-obstacles unexplained``: experiment kills no theorem explains, grouped — theorems waiting to be written.

Reads the ledger, keeps each candidate's latest verdict, and re-asks today's gates about every
experiment kill (a theorem added since may explain it now). What is left is grouped by method,
with the parameter values and fired criteria the kills share, and counts.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from .candidate import Candidate
from .constraints_cli import builtin_gates
from .exact import NotExact, exact
from .ledger import read
from .verdict import EXPERIMENT_KILLED


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--ledger", type=Path, default=Path(".obstacles/ledger.jsonl"))
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--min-share", type=int, default=2, help="list a shared value only if this many kills have it")


def run(args: argparse.Namespace) -> int:
    if not args.ledger.is_file():
        print(f"unexplained: no ledger at {args.ledger}; run experiments first (pytest --candidates=...)",
              file=sys.stderr)
        return 2
    result = unexplained(list(read(args.ledger)), min_share=args.min_share)
    print(json.dumps(result, indent=2) if args.format == "json" else render_text(result))
    return 0


def unexplained(records: list[dict[str, Any]], min_share: int = 2) -> dict[str, Any]:
    latest: dict[str, dict[str, Any]] = {}
    for r in records:
        if r.get("candidate"):
            latest[str(r["candidate"])] = r
    kills = [r for r in latest.values() if r.get("outcome") == EXPERIMENT_KILLED]
    gates = builtin_gates()
    explained, groups = {}, {}
    for r in kills:
        params = _exact_params(r.get("params") or {})
        probe = Candidate(id=str(r["candidate"]), model=str(r.get("model")), method=str(r.get("method")),
                          params=params, kill_criteria=(), source=Path(r.get("source") or "?"), file_sha256="")
        killer = next((g for g in gates if g.covers(probe) is not None), None)
        if killer is not None:
            explained[probe.id] = killer.theorem
            continue
        groups.setdefault(probe.method, []).append(r)
    out_groups = []
    for method, rs in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        shared = Counter((k, json.dumps(v, sort_keys=True)) for r in rs for k, v in (r.get("params") or {}).items())
        out_groups.append({
            "method": method,
            "kills": len(rs),
            "models": dict(Counter(str(r.get("model")) for r in rs).most_common()),
            "shared_params": [{"param": k, "value": json.loads(v), "count": n}
                              for (k, v), n in shared.most_common() if n >= min(min_share, len(rs))],
            "criteria_fired": dict(Counter(str(r.get("criterion")) for r in rs).most_common()),
            "candidates": sorted(str(r["candidate"]) for r in rs),
        })
    return {"experiment_kills": len(kills), "explained_by_theorem": explained,
            "unexplained": sum(g["kills"] for g in out_groups), "groups": out_groups}


def _exact_params(params: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for k, v in params.items():
        try:
            out[k] = exact(v) if isinstance(v, (int, str)) and not isinstance(v, bool) else v
        except NotExact:
            out[k] = v
    return out


def render_text(result: dict[str, Any]) -> str:
    lines = [f"{result['experiment_kills']} experiment kills in the ledger; {len(result['explained_by_theorem'])} "
             f"explained by a theorem today; {result['unexplained']} unexplained (theorems waiting to be written):"]
    for cid, theorem in sorted(result["explained_by_theorem"].items()):
        lines.append(f"  explained: {cid} by {theorem}")
    for g in result["groups"]:
        lines.append("")
        models = ", ".join(f"{m} ×{n}" for m, n in g["models"].items())
        lines.append(f"{g['method']}: {g['kills']} unexplained kill(s) on {models}")
        if g["shared_params"]:
            lines.append("  shared: " + ", ".join(f"{s['param']}={s['value']} ({s['count']}/{g['kills']})"
                                                  for s in g["shared_params"]))
        lines.append("  criteria fired: " + ", ".join(f"{c} ({n})" for c, n in g["criteria_fired"].items()))
        lines.append("  candidates: " + ", ".join(g["candidates"]))
    return "\n".join(lines)
