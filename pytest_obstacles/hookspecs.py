"""Hook specifications of pytest-obstacles.

Implement these in a ``conftest.py`` or a plugin to add gates, methods and measurements;
the built-in gates and methods register through the very same hooks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

import pytest

if TYPE_CHECKING:
    from .candidate import Candidate
    from .gate import Gate
    from .measurement import Measurement
    from .method import Method
    from .trust import GateTrust
    from .verdict import Verdict


@pytest.hookspec
def pytest_obstacles_gates(config: pytest.Config) -> Iterable["Gate"]:
    """Return the gates this plugin contributes. Called once per session.

    Every gate's ``covers`` is asked about every candidate; a gate whose params a
    candidate does not state does not apply to it.
    """


@pytest.hookspec
def pytest_obstacles_methods(config: pytest.Config) -> Iterable["Method"]:
    """Return the compression methods (:class:`~pytest_obstacles.method.Method`) this plugin can measure.

    Called at collection, so it must stay cheap: do not import torch here. A candidate
    whose ``method`` no plugin names is reported as bad input.
    """


@pytest.hookspec(firstresult=True)
def pytest_obstacles_measure(candidate: "Candidate", config: pytest.Config) -> "Measurement | None":
    """Run the compression measurement for a candidate no theorem kills.

    Return a :class:`~pytest_obstacles.measurement.Measurement`, or None when this plugin
    does not measure the candidate's method (the next implementation is asked). Heavy
    imports (torch, transformers) belong inside the implementation.
    """


@pytest.hookspec(firstresult=True)
def pytest_obstacles_gate_trust(gate: "Gate", config: pytest.Config) -> "GateTrust | None":
    """Say whether a gate's theorem is checked (by Lean, as locked) and so may kill.

    Return a :class:`~pytest_obstacles.trust.GateTrust`. A gate that is not trusted never
    kills: its candidates go on to their experiment and the gate is reported unverified.
    """


@pytest.hookspec
def pytest_obstacles_verdict(candidate: "Candidate | None", verdict: "Verdict", config: pytest.Config) -> None:
    """Called with every final verdict (theorem-killed, experiment-killed, survived, error).

    ``candidate`` is None for bad input that never became a candidate.
    """
