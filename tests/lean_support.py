"""Helpers for the trust-chain tests: the fixture library, its toy gate, a fake Lean backend,
and the switch that keeps Lean-running tests out of the fast suite.

Tests that run Lean carry ``@pytest.mark.lean`` and the ``lean_backend`` fixture, which skips
them unless they are selected (``pytest -m lean``) or ``PYTEST_OBSTACLES_LEAN=1`` is set (CI).
"""

from __future__ import annotations

import os
import shutil
from fractions import Fraction
from pathlib import Path

import pytest

from pytest_obstacles.gate import Gate, Param
from pytest_obstacles.lean.backends import Backend, find_backend
from pytest_obstacles.lean.messages import LeanMessage, LeanRun
from pytest_obstacles.lean.wasm_install import ToolchainError

TESTS = Path(__file__).resolve().parent
REPO_LEAN = TESTS.parent / "lean"
FIXTURE_LEAN = TESTS / "lean_fixture"


def lean_selected(config: pytest.Config) -> bool:
    return bool(os.environ.get("PYTEST_OBSTACLES_LEAN")) or "lean" in (config.getoption("markexpr") or "")


@pytest.fixture(scope="session")
def lean_backend(pytestconfig: pytest.Config) -> Backend:
    """The real Lean backend (native if on PATH, else WASM, installed on demand)."""
    if not lean_selected(pytestconfig):
        pytest.skip("runs Lean (minutes): select with `pytest -m lean` or set PYTEST_OBSTACLES_LEAN=1")
    try:
        backend = find_backend(install_missing=True)
    except ToolchainError as exc:
        pytest.fail(f"no Lean toolchain: {exc}")
    assert backend is not None
    return backend


def copy_library(src: Path, dst: Path) -> Path:
    """A copy of a Lean library's sources (no lock, no build outputs)."""
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns(".lake", "build", "*.olean", "obstacles.lock.json"))
    return dst


class FixGate(Gate):
    """The fixture library's toy gate: kills when a > b (Lean: ``Fix.fixKills a b``)."""

    name = "fix"
    obstacle_class = "X"
    theorem = "Fix.fix_gate"
    decision = "Fix.fixKills"
    params = (Param("a", "the left number", integer=True, minimum=Fraction(0), maximum=Fraction(10**6)),
              Param("b", "the right number", integer=True, minimum=Fraction(0), maximum=Fraction(10**6)))

    def lean_args(self, values):
        return int(values["a"]), int(values["b"])

    def decide(self, a: int, b: int) -> bool:
        return a > b

    def explain(self, values):
        return f"a = {values['a']} > b = {values['b']}", {"a": str(values["a"]), "b": str(values["b"])}


class MisreadFixGate(FixGate):
    """A wrong mirror of ``Fix.fixKills`` (>= for >): the differential test must catch it."""

    name = "fix-misread"

    def decide(self, a: int, b: int) -> bool:
        return a >= b


class FakeBackend(Backend):
    """Stands in for Lean where the Lean run is not what a test is about.

    Accepts every file (writes an empty ``.olean``) unless told otherwise: ``errors`` and
    ``sorries`` map a file path to the line of a fake error / `sorry` warning. Records calls.
    """

    name = "fake"

    def __init__(self, version: str = "fake Lean 0", errors: dict[str, int] | None = None,
                 sorries: dict[str, int] | None = None) -> None:
        self._version = version
        self.errors = errors or {}
        self.sorries = sorries or {}
        self.calls: list[str] = []

    @property
    def version(self) -> str:
        return self._version

    def run(self, file, cwd, build, olean=None, timeout=0):
        self.calls.append(file)
        messages = []
        if file in self.sorries:
            messages.append(LeanMessage("warning", "declaration uses `sorry`", file, self.sorries[file], 0))
        if file in self.errors:
            messages.append(LeanMessage("error", "fake type mismatch", file, self.errors[file], 0))
        code = 1 if file in self.errors else 0
        if olean is not None and code == 0:
            olean.parent.mkdir(parents=True, exist_ok=True)
            olean.write_bytes(b"fake olean")
        return LeanRun(file=file, returncode=code, messages=messages)

    def compiled(self) -> list[str]:
        return [c for c in self.calls if not c.startswith("PytestObstaclesCheck/")]
