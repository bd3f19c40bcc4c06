"""The built-in gates and methods, registered through the same hooks a user's conftest.py uses."""

from __future__ import annotations

import pytest

from .gates.depth import DepthCompositionGate
from .method import BUILTIN_METHODS


@pytest.hookimpl
def pytest_obstacles_gates(config):
    return [DepthCompositionGate()]


@pytest.hookimpl
def pytest_obstacles_methods(config):
    return BUILTIN_METHODS
