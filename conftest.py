"""Shared test fixtures. Kept light: this file also loads for `pytest --candidates=...` runs."""

from __future__ import annotations

import os
import textwrap

import pytest

# A conftest for pytester runs that trusts every gate, standing in for a checked Lean lock.
# The trust chain itself (lock, hashes, Lean) is tested on its own in tests/test_lock*.py.
TRUST_ALL_CONFTEST = textwrap.dedent(
    """
    import pytest
    from pytest_obstacles import GateTrust

    @pytest.hookimpl(tryfirst=True)
    def pytest_obstacles_gate_trust(gate, config):
        return GateTrust(True, "trusted by the test's conftest")
    """
)


@pytest.fixture
def trusting_pytester(pytester: pytest.Pytester) -> pytest.Pytester:
    """A pytester whose gates are all trusted, with a ``candidates/`` folder ready."""
    pytester.makeconftest(TRUST_ALL_CONFTEST)
    pytester.mkdir("candidates")
    return pytester


# CI guard: with PYTEST_OBSTACLES_NO_SKIPS=1 (set by `.ci/run`) a skipped test fails the run.
# Locally, tests that need torch or Lean skip with a reason when those are missing or not selected;
# in CI everything is installed and selected, so a skip there would hide a test that never ran. Only test
# items count: a theorem-killed candidate is reported as a skip by design.

_skipped: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and report.nodeid.startswith("tests/") and not hasattr(report, "wasxfail"):
        _skipped.append(f"{report.nodeid}: {report.longrepr[2] if isinstance(report.longrepr, tuple) else ''}")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if os.environ.get("PYTEST_OBSTACLES_NO_SKIPS") and _skipped and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    if os.environ.get("PYTEST_OBSTACLES_NO_SKIPS") and _skipped:
        terminalreporter.section("skipped tests are failures here (PYTEST_OBSTACLES_NO_SKIPS=1)", red=True)
        for line in _skipped:
            terminalreporter.line(line)
