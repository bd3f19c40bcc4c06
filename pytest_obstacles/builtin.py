"""The built-in gates and methods, registered through the same hooks a user's conftest.py uses."""

from __future__ import annotations

import pytest

from .gates.budget import BudgetInfeasibleGate
from .gates.depth import DepthCompositionGate
from .gates.quant import QuantResolutionGate
from .gates.readout import ReadoutCollapseGate
from .gates.spectral import SpectralFloorGate
from .method import BUILTIN_METHODS


@pytest.hookimpl
def pytest_obstacles_gates(config):
    return [DepthCompositionGate(), ReadoutCollapseGate(), SpectralFloorGate(), QuantResolutionGate(),
            BudgetInfeasibleGate()]


@pytest.hookimpl
def pytest_obstacles_methods(config):
    return BUILTIN_METHODS
