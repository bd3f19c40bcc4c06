"""Shared test fixtures. Kept light: this file also loads for `pytest --candidates=...` runs."""

from __future__ import annotations

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
