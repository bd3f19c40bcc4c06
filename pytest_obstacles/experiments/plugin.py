"""The pytest side of the experiments: the built-in ``pytest_obstacles_measure`` implementation.

Registered by :mod:`pytest_obstacles.plugin` when candidates are collected. It answers only
for the built-in methods (``trylast``: a user's own implementation is asked first) and imports
torch only when it actually measures.
"""

from __future__ import annotations

import pytest

from ..method import BUILTIN_METHODS

BUILTIN_NAMES = frozenset(m.name for m in BUILTIN_METHODS)


@pytest.hookimpl(trylast=True)
def pytest_obstacles_measure(candidate, config):
    if candidate.method not in BUILTIN_NAMES:
        return None
    from ..items import ObstacleFailure
    from .engine import ExperimentError, NeedsGPU, run_experiment

    try:
        return run_experiment(candidate, config)
    except NeedsGPU as exc:
        pytest.skip(f"{candidate.id}: {exc}")
    except ExperimentError as exc:
        raise ObstacleFailure(f"{candidate.source}, candidate {candidate.id!r}: experiment could not run: {exc}") from None
