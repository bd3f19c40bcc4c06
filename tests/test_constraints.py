"""The constraints command: exact bounds, safe side by construction."""

import json
from fractions import Fraction

import pytest
from hypothesis import given, settings, strategies as st

from pytest_obstacles.builtin import pytest_obstacles_gates
from pytest_obstacles.cli import main
from pytest_obstacles.constraints import admissible_regions

GATES = list(pytest_obstacles_gates(None))
BY_NAME = {g.name: g for g in GATES}


def bounded(facts, places=7):
    return {c.gate: c for c in admissible_regions(GATES, facts, places) if c.status == "bounded"}


def test_depth_bound_for_the_issue_example():
    c = bounded({"layers": 16, "tolerance": Fraction(1, 20)})["depth-composition"]
    assert c.relation == "<=" and c.bound_text() == "0.0030540"
    gate = BY_NAME["depth-composition"]
    assert not gate.kills({"layers": 16, "tolerance": Fraction(1, 20), "per_layer_error": c.bound})
    assert gate.kills({"layers": 16, "tolerance": Fraction(1, 20), "per_layer_error": c.bound + Fraction(1, 10**7)})


def test_exact_boundary_is_printed_exactly_and_admissible():
    # (1 + 0.1)^3 - 1 = 0.331: the boundary is exactly 0.1, which is admissible.
    c = bounded({"layers": 3, "tolerance": Fraction(331, 1000)})["depth-composition"]
    assert c.bound == Fraction(1, 10)
    assert c.exact_interval == (Fraction(1, 10), Fraction(1, 10) + Fraction(1, 10**7))


def fact_strategy(gate):
    """Facts for all but one monotone param of a gate, drawn within each param's range."""
    def value(p):
        if p.integer:
            hi = int(p.maximum) if p.maximum is not None else 4096
            return st.integers(max(1, int(p.minimum or 0)), min(hi, 4096))
        hi = Fraction(p.maximum) if p.maximum is not None else Fraction(100)
        return st.fractions(Fraction(1, 10**4), hi, max_denominator=10**4)
    return st.sampled_from(sorted(gate.monotone)).flatmap(
        lambda free: st.fixed_dictionaries({p.name: value(p) for p in gate.params if p.name != free}).map(
            lambda facts: (free, facts)))


@pytest.mark.parametrize("gate", GATES, ids=lambda g: g.name)
@settings(max_examples=60, deadline=None)
@given(data=st.data(), places=st.integers(0, 9))
def test_at_the_bound_not_killed_one_step_past_killed(gate, data, places):
    free, facts = data.draw(fact_strategy(gate))
    [c] = [c for c in admissible_regions([gate], facts, places)]
    param = next(p for p in gate.params if p.name == free)
    step = Fraction(1) if param.integer else Fraction(1, 10**places)
    if c.status != "bounded" or c.exact_interval is None:
        return
    assert not gate.kills({**facts, free: c.bound})
    past = c.bound + step if c.relation == "<=" else c.bound - step
    assert gate.kills({**facts, free: past})


def test_cli_prints_json_and_a_prompt_block(capsys):
    assert main(["constraints", "--L", "16", "--tau", "0.05"]) == 0
    out = capsys.readouterr().out
    doc = json.loads(out[: out.index("\n}\n") + 2])
    [depth] = [c for c in doc["constraints"] if c["gate"] == "depth-composition"]
    assert depth["bound"] == "0.0030540" and depth["relation"] == "<="
    assert depth["boundary_in"] == {"low": "0.0030540", "high": "0.0030541", "low_closed": True, "high_closed": False}
    assert "Propose variants with per-layer error ≤ 0.0030540 for L = 16, τ = 0.05." in out


def test_cli_rejects_bad_facts(capsys):
    assert main(["constraints", "--L", "0", "--tau", "0.05"]) == 2
    assert "layers must be >= 1, got 0" in capsys.readouterr().err
    assert main(["constraints", "--fact", "nonsense=3"]) == 2
