"""``pytest-obstacles lean-check``: re-check the Lean library and rewrite its lock.

Exit status: 0 when every module and gate theorem is checked (and, with ``--frozen``, the
committed lock matches); 1 on any build error, ``sorry``, trust breaker, missing or unbound
theorem, or lock mismatch; 2 when the check could not run (no toolchain, unreadable library).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..lock import LockError, lock_path, read_lock
from .backends import DEFAULT_TIMEOUT
from .check import compare_locks, lean_check
from .library import LibraryError
from .wasm_install import DEFAULT_CACHE, ToolchainError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lean", type=Path, default=Path("lean"), metavar="DIR",
                        help="the Lean library (default: ./lean)")
    parser.add_argument("--jobs", "-j", type=int, default=1,
                        help="Lean processes at once (default 1; each WASM Lean needs ~3.5 GB)")
    parser.add_argument("--from-scratch", action="store_true",
                        help="ignore the lock and the build cache: recheck every module")
    parser.add_argument("--frozen", action="store_true",
                        help="do not write the lock; fail unless the committed lock matches this check (CI)")
    parser.add_argument("--backend", choices=("auto", "native", "wasm"), default=None,
                        help="native lean on PATH, or the WebAssembly build (default: native when present; "
                             "also $PYTEST_OBSTACLES_LEAN_BACKEND)")
    parser.add_argument("--cache", type=Path, default=None,
                        help=f"toolchain and build cache (default: $PYTEST_OBSTACLES_CACHE or {DEFAULT_CACHE})")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds per Lean process")
    parser.add_argument("--library-only", action="store_true",
                        help="check only the gate theorems <lean>/assumptions.toml declares, not the built-in gates' "
                             "(for a library that does not carry them)")
    parser.add_argument("--quiet", "-q", action="store_true", help="print only the summary")


def builtin_gates() -> list:
    from .. import builtin

    return list(builtin.pytest_obstacles_gates(config=None))


def run(args: argparse.Namespace) -> int:
    def progress(msg: str) -> None:
        if not args.quiet:
            print(msg, flush=True)

    committed = None
    if args.frozen:
        try:
            committed = read_lock(lock_path(args.lean))
        except LockError as exc:
            print(f"lean-check --frozen: {exc}; run `pytest-obstacles lean-check` and commit the lock")
            return 1
    try:
        gates = [] if args.library_only else builtin_gates()
        report = lean_check(args.lean, gates, cache=args.cache, jobs=args.jobs,
                            from_scratch=args.from_scratch, backend=args.backend, write=not args.frozen,
                            timeout=args.timeout, progress=progress)
    except (ToolchainError, LibraryError) as exc:
        print(f"pytest-obstacles lean-check: {exc}", file=sys.stderr)
        return 2
    for line in report.lines():
        print(line)
    status = 0 if report.ok else 1
    if committed is not None:
        diffs = compare_locks(committed, report.lock)
        for d in diffs:
            print(f"LOCK MISMATCH {d}")
        if diffs:
            print(f"lean-check --frozen: the committed {report.lock_path} does not match the library; "
                  "run `pytest-obstacles lean-check` and commit the lock")
            status = 1
        else:
            print(f"lean-check --frozen: the committed lock matches ({len(committed.theorems)} theorems)")
    if not report.ok:
        print("lean-check: FAILED: some gate theorems are not checked; their gates will not kill")
    return status
