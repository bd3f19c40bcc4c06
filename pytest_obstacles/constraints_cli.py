"""``pytest-obstacles constraints``: admissible regions as JSON and as a prompt-ready text block."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .constraints import admissible_regions, prompt_block
from .exact import NotExact, exact
from .gate import Gate

ALIASES = {"L": "layers", "tau": "tolerance", "eps": "per_layer_error"}
SCHEMA_VERSION = 1


def builtin_gates() -> list[Gate]:
    from .builtin import pytest_obstacles_gates

    return list(pytest_obstacles_gates(None))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    seen = set()
    for gate in builtin_gates():
        for p in gate.params:
            if p.name not in seen:
                seen.add(p.name)
                parser.add_argument(f"--{p.name.replace('_', '-')}", dest=p.name, metavar="VALUE", help=p.describe())
    for alias, name in ALIASES.items():
        parser.add_argument(f"--{alias}", dest=name, metavar="VALUE", help=f"alias of --{name.replace('_', '-')}")
    parser.add_argument("--fact", action="append", default=[], metavar="NAME=VALUE",
                        help="any other fact a registered gate reads")
    parser.add_argument("--places", type=int, default=7, help="decimal places of non-integer bounds (default 7)")
    parser.add_argument("--format", choices=("text", "json", "both"), default="both")
    parser.add_argument("--lean", type=Path, default=Path("lean"), help="the Lean library, for trust status")


def run(args: argparse.Namespace) -> int:
    gates = builtin_gates()
    names = {p.name: p for g in gates for p in g.params}
    raw = {k: v for k, v in vars(args).items() if k in names and v is not None}
    for item in args.fact:
        key, sep, value = item.partition("=")
        if not sep or key not in names:
            print(f"--fact {item!r}: expected NAME=VALUE with NAME one of {', '.join(sorted(names))}", file=sys.stderr)
            return 2
        raw[key] = value
    if not raw:
        print("give at least one fact, e.g. --L 16 --tau 0.05", file=sys.stderr)
        return 2
    facts = {}
    for key, value in raw.items():
        try:
            facts[key] = names[key].convert(exact(value))
        except (ValueError, NotExact) as exc:
            print(f"--{key.replace('_', '-')}: {exc}", file=sys.stderr)
            return 2
    constraints = admissible_regions(gates, facts, places=args.places)
    trust = gate_trust(gates, args.lean)
    if args.format in ("json", "both"):
        doc = {"schema_version": SCHEMA_VERSION, "facts": {k: str(v) for k, v in facts.items()}, "places": args.places,
               "constraints": [{**c.to_dict(), "trust": trust.get(c.gate)} for c in constraints]}
        print(json.dumps(doc, indent=2))
    if args.format in ("text", "both"):
        if args.format == "both":
            print()
        print(prompt_block(constraints, facts, {g: t for g, t in trust.items() if not t.startswith("verified")}))
    return 0


def gate_trust(gates: list[Gate], lean_dir: Path) -> dict[str, str]:
    """'verified' or 'UNVERIFIED: why' per gate, from the lock (empty when no lock support)."""
    try:
        from .lock import trust_from_lock  # provided by the trust chain
    except ImportError:
        return {}
    out = {}
    for gate in gates:
        t = trust_from_lock(gate, lean_dir)
        out[gate.name] = "verified" if t.trusted else f"UNVERIFIED: {t.why}"
    return out
