"""The ``pytest-obstacles`` console command: a dispatcher over small subcommand modules.

Each entry of :data:`SUBCOMMANDS` names a module exposing ``add_arguments(parser)`` and
``run(args) -> int``; modules import only when their subcommand runs.
"""

from __future__ import annotations

import argparse
import importlib
import sys

#: subcommand -> (module, one-line help)
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "constraints": ("pytest_obstacles.constraints_cli", "print every gate's admissible region for given facts"),
    "unexplained": ("pytest_obstacles.unexplained", "list experiment kills no theorem explains, grouped"),
    "killmap": ("pytest_obstacles.killmap", "draw a sweep's verdicts with each theorem's boundary (PNG/SVG)"),
    "profile": ("pytest_obstacles.experiments.profile",
                "measure a model once (stable ranks, spectra, readout energy) into a profile of gate facts"),
    "lean-check": ("pytest_obstacles.lean.check_cli",
                   "re-check the Lean library (changed modules only) and rewrite lean/obstacles.lock.json"),
    "lean-install": ("pytest_obstacles.lean.wasm_install", "install the WebAssembly Lean toolchain into the cache"),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pytest-obstacles", description="theorem gates for ML compression candidates")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    argv = sys.argv[1:] if argv is None else argv
    chosen = next((a for a in argv if not a.startswith("-")), None)
    for name, (module, help_text) in SUBCOMMANDS.items():
        p = sub.add_parser(name, help=help_text)
        if name == chosen:  # only the chosen subcommand's module is imported
            importlib.import_module(module).add_arguments(p)
    args = parser.parse_args(argv)
    return int(importlib.import_module(SUBCOMMANDS[args.command][0]).run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
