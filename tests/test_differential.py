"""Differential test: every built-in gate's Python mirror against its Lean decision function.

Per gate: >= 1,000 Hypothesis-generated valid inputs, plus exact-boundary cases (the rational
threshold of each param, adjacent integers where the decision flips, each Nat argument at 0 and
at its flip). All gates' cases go into one generated Lean file, checked in one Lean run; a
disagreement fails the gate's test and names the input.
"""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from lean_support import FIXTURE_LEAN, REPO_LEAN, FixGate, MisreadFixGate, copy_library, lean_backend  # noqa: F401

from pytest_obstacles.lean.check_cli import builtin_gates
from pytest_obstacles.lean.differential import (Case, boundary_cases, case_from_values, judge, nat_cases, param_range,
                                                 rational_threshold, integer_flip, render)
from pytest_obstacles.lean.library import LeanLibrary, gate_specs
from pytest_obstacles.lean.messages import LeanMessage, LeanRun
from pytest_obstacles.lean.runner import LeanRunner
from pytest_obstacles.lean.wasm_install import cache_dir

GATES = builtin_gates()
RANDOM_INPUTS = 1000
BOUNDARY_INPUTS = 60  # small random inputs from which boundaries are searched, param by param


# -- inputs -----------------------------------------------------------------------------------
def param_strategy(p, small: bool = False) -> st.SearchStrategy:
    """Valid values of a Param: its whole range, or (``small``) near its minimum with small denominators."""
    lo, hi = param_range(p)
    if small:
        hi = min(hi, lo + (64 if p.integer else 4))
    if p.integer:
        return st.integers(int(lo), int(hi))

    def scaled(d: int) -> st.SearchStrategy:  # values n/d in range: decimals (d = 10^k) and small fractions
        return st.integers(math.ceil(lo * d), math.floor(hi * d)).map(lambda n: Fraction(n, d))

    def valid(q: Fraction) -> bool:
        try:
            p.convert(q)
            return True
        except ValueError:
            return False

    if small:
        return st.integers(1, 64).flatmap(scaled).filter(valid)
    low = Fraction(p.minimum) if p.minimum is not None else Fraction(0)  # open ends: filtered below
    high = Fraction(p.maximum) if p.maximum is not None else hi
    return st.one_of(st.fractions(min_value=low, max_value=high, max_denominator=10**6),
                     st.sampled_from([10, 100, 1000, 10**6]).flatmap(scaled),
                     st.integers(1, 64).flatmap(scaled)).filter(valid)


def random_inputs(gate, n: int = RANDOM_INPUTS, small: bool = False) -> list[dict]:
    """About ``n`` param dicts with distinct Lean arguments, drawn by Hypothesis (reproducibly)."""
    strategy = st.fixed_dictionaries({p.name: param_strategy(p, small) for p in gate.params})
    seen: set[tuple[int, ...]] = set()
    out: list[dict] = []

    @settings(max_examples=int(n * 1.5), database=None, derandomize=True, phases=[Phase.generate], deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def collect(values):
        args = tuple(gate.lean_args(values))
        if args not in seen:
            seen.add(args)
            out.append(values)

    collect()
    return out


def gate_cases(gate, n: int = RANDOM_INPUTS, boundary_inputs: int = BOUNDARY_INPUTS) -> list[Case]:
    """``n`` random valid inputs over the params' whole ranges, then exact boundaries searched from
    ``boundary_inputs`` small random inputs (small numbers keep the searches cheap for every gate)."""
    cases = [case_from_values(gate, v, "random") for v in random_inputs(gate, n)]
    for values in random_inputs(gate, boundary_inputs, small=True)[:boundary_inputs]:
        found, _ = boundary_cases(gate, values)
        cases += found + nat_cases(gate, tuple(gate.lean_args(values)))
    unique: dict[tuple[int, ...], Case] = {}
    for c in cases:
        unique.setdefault(c.args, c)
    return list(unique.values())


# -- the search itself, without Lean ------------------------------------------------------------
def test_exact_thresholds_are_found_for_rational_boundaries():
    depth = next(g for g in GATES if g.name == "depth-composition")
    t, left, right = rational_threshold(
        lambda tau: depth.kills({"layers": 3, "per_layer_error": Fraction(1, 10), "tolerance": tau}),
        Fraction(1, 10**9), Fraction(1000))
    assert t == Fraction(331, 1000) and left < t == right  # (1.1)^3 - 1 = 0.331 exactly, not a kill
    assert integer_flip(lambda k: k * k > 50, 0, 100) == (7, 8)


def test_irrational_boundaries_get_a_tight_bracket():
    depth = next(g for g in GATES if g.name == "depth-composition")

    def kills(eps):
        return depth.kills({"layers": 2, "per_layer_error": eps, "tolerance": 1})  # (1+eps)^2 > 2 <=> eps > sqrt2-1

    t, left, right = rational_threshold(kills, Fraction(0), Fraction(10))
    assert t is None and not kills(left) and kills(right) and right - left < Fraction(1, 10**20)


@pytest.mark.parametrize("gate", GATES, ids=lambda g: g.name)
def test_every_gate_gets_random_and_exact_boundary_cases(gate):
    cases = gate_cases(gate, n=100, boundary_inputs=8)  # the Lean test draws 1,000 and searches more
    origins = [c.origin for c in cases]
    assert sum(o == "random" for o in origins) >= 100
    assert sum(o.startswith(("exact threshold", "adjacent integers")) for o in origins) >= 3
    assert sum(o.startswith("adjacent Nat values") for o in origins) >= 3
    assert any(c.expected for c in cases) and any(not c.expected for c in cases)
    for c in cases[:50]:
        assert c.expected == gate.decide(*c.args)


def test_lean_errors_map_back_to_the_cases_they_reject():
    gate = FixGate()
    cases = [case_from_values(gate, {"a": a, "b": b}, "random") for a, b in [(1, 2), (3, 3), (5, 4)]]
    text, where, control = render(cases, ["Fix.Gate"])
    lines = text.splitlines()
    assert lines[control - 1] == "example : Fix.fixKills 1 2 = true := by decide +kernel"  # the opposite of false
    assert lines[min(where) - 1] == "example : Fix.fixKills 1 2 = false := by decide +kernel"
    second = sorted(where)[1]
    run = LeanRun("D.lean", 1, [LeanMessage("error", "decide failed", "D.lean", control, 0),
                                LeanMessage("error", "The kernel rejected", "D.lean", second, 0)])
    result = judge(cases, run, where, control)
    assert result.believable and [c.args for c, _ in result.disagreements] == [(3, 3)]
    assert "Fix.fixKills 3 3" in result.disagreements[0][0].describe()
    silent = judge(cases, LeanRun("D.lean", 0, []), where, control)
    assert not silent.believable  # Lean accepted the false control line: nothing this run says counts


# -- with Lean ----------------------------------------------------------------------------------
@pytest.mark.lean
def test_a_wrong_mirror_is_caught_and_named(tmp_path, lean_backend):
    """The fixture library (prelude only, seconds): a right and a wrong mirror of Fix.fixKills."""
    library = LeanLibrary.scan(copy_library(FIXTURE_LEAN, tmp_path / "lean"))
    good, bad = FixGate(), MisreadFixGate()
    pairs = [(a, b) for a in range(0, 6) for b in range(0, 6)] + [(10**12, 10**12), (10**12 + 1, 10**12)]
    cases = [case_from_values(g, {"a": a, "b": b}, "grid") for g in (good, bad) for a, b in pairs]
    runner = LeanRunner(library, lean_backend, cache_dir())
    with runner.locked():
        runner.sync()
        runner.build([m for m in library.closure("Fix.Gate") if not runner.has_output(m)])
        text, where, control = render(cases, ["Fix.Gate"], template="example : Eq ({decision} {args}) {answer} := rfl",
                                      prelude=True)
        run = runner.run_check_file("DifferentialFixture", text)
    result = judge(cases, run, where, control)
    assert result.believable, (run.failure_lines(), result.unexplained)
    assert result.by_gate("fix") == []
    wrong = result.by_gate("fix-misread")
    assert sorted(c.args for c, _ in wrong) == sorted((a, b) for a, b in pairs if a == b)
    assert all("Python says true" in c.describe() for c, _ in wrong)


@pytest.fixture(scope="module")
def differential(lean_backend):
    library = LeanLibrary.scan(REPO_LEAN)
    specs = {s.theorem: s for s in gate_specs(library, GATES)}
    modules = set()
    for g in GATES:
        module = specs[g.theorem].module or next(iter(library.declaring(g.decision, ("def",))), None)
        if module is None:
            pytest.fail(f"no module of {REPO_LEAN} defines {g.decision} (gate {g.name})")
        modules.add(module)
    cases = {g.name: gate_cases(g) for g in GATES}
    everything = [c for cs in cases.values() for c in cs]
    runner = LeanRunner(library, lean_backend, cache_dir(), progress=print)
    with runner.locked():
        runner.sync()
        built = runner.build([m for m in library.order(modules) if not runner.has_output(m)])
        failed = {m: r.run.failure_lines() if r.run else r.blocked_by for m, r in built.items() if not r.ok}
        if failed:
            pytest.fail(f"the Lean library does not compile: {failed}")
        text, where, control = render(everything, sorted(modules))
        run = runner.run_check_file("Differential", text)
    print(f"differential: {len(everything)} cases, one Lean run of {run.seconds:.0f} s "
          f"({runner.src / 'PytestObstaclesCheck' / 'Differential.lean'})")
    return judge(everything, run, where, control), cases, run


@pytest.mark.lean
@pytest.mark.parametrize("gate", GATES, ids=lambda g: g.name)
def test_python_mirror_agrees_with_lean(differential, gate):
    result, cases, run = differential
    assert result.believable, ("the Lean run cannot be believed (control line accepted, or errors off the case "
                               f"lines): {[str(m) for m in result.unexplained[:5]]} {run.failure_lines()}")
    mine = cases[gate.name]
    assert sum(c.origin == "random" for c in mine) >= RANDOM_INPUTS
    assert sum(c.origin.startswith(("exact threshold", "adjacent integers")) for c in mine) >= 20
    wrong = result.by_gate(gate.name)
    assert not wrong, f"{len(wrong)} disagreement(s), e.g.:\n" + "\n".join(
        f"  {c.describe()}; Lean: {m.first_line()}" for c, m in wrong[:10])
