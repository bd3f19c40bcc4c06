"""``pytest --lean-check``: re-check the Lean library and rewrite the lock before collection.

Runs first in the session (before xdist starts workers), so every gate's trust is read from
the fresh lock. With candidates configured the run continues; without, pytest exits with the
check's status (0 all checked, 1 otherwise). Under ``--obstacles-strict`` an unchecked theorem
fails the run. Lean processes at once: ``$PYTEST_OBSTACLES_LEAN_JOBS`` (default 1).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ..session import STASH_KEY
from .check import CheckReport, lean_check
from .library import LibraryError
from .wasm_install import ToolchainError


class LeanCheckPlugin:
    def __init__(self, config: pytest.Config, lean_dir: Path) -> None:
        self.config = config
        self.lean_dir = lean_dir
        self.report: CheckReport | None = None

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        state = self.config.stash.get(STASH_KEY, None)
        if state is not None:
            gates = state.gates
        else:  # no candidates: the built-in gates (not registered in this case) and any a conftest adds
            from .check_cli import builtin_gates

            gates = {g.name: g for g in builtin_gates()}
            for contributed in self.config.hook.pytest_obstacles_gates(config=self.config):
                gates.update({g.name: g for g in contributed or ()})
            gates = list(gates.values())
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")

        def say(msg: str) -> None:
            if reporter is not None:
                reporter.write_line(msg)

        if reporter is not None:
            reporter.write_sep("-", f"lean-check {self.lean_dir}")
        try:
            self.report = lean_check(self.lean_dir, gates, jobs=int(os.environ.get("PYTEST_OBSTACLES_LEAN_JOBS", "1")),
                                     progress=say)
        except (ToolchainError, LibraryError) as exc:
            raise pytest.UsageError(f"--lean-check: {exc}") from None
        for line in self.report.lines():
            say(line)
        if state is None:
            pytest.exit(f"lean-check {'passed' if self.report.ok else 'FAILED'} (no --candidates: nothing else to run)",
                        returncode=0 if self.report.ok else 1)

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        state = self.config.stash.get(STASH_KEY, None)
        if (self.report is not None and not self.report.ok and state is not None and state.strict
                and session.exitstatus == pytest.ExitCode.OK):
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
