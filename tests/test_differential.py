"""Differential test: every built-in gate's Python mirror against its Lean decision function.

Per gate: >= 1,000 Hypothesis-generated valid inputs, plus exact-boundary cases (the rational
threshold of each param, adjacent integers where the decision flips, each Nat argument at 0 and
at its flip). All gates' cases go into one generated Lean file, checked in one Lean run; a
disagreement fails the gate's test and names the input.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from lean_support import FIXTURE_LEAN, REPO_LEAN, FixGate, MisreadFixGate, copy_library, lean_backend  # noqa: F401

from pytest_obstacles.lean.check_cli import builtin_gates
from pytest_obstacles.lean.differential import (Case, Encoding, boundary_cases, case_from_values, check, integer_flip,
                                                 judge, nat_cases, param_range, rational_threshold, render)
from pytest_obstacles.lean.library import LeanLibrary, gate_specs
from pytest_obstacles.lean.messages import LeanMessage, LeanRun
from pytest_obstacles.lean.runner import LeanRunner
from pytest_obstacles.lean.wasm_install import cache_dir

GATES = builtin_gates()
RANDOM_INPUTS = 1000
BOUNDARY_INPUTS = 60  # small random inputs from which boundaries are searched, param by param
PLANTED = 5  # deliberately wrong claims mixed into the real Lean run
MIN_BOUNDARY = 20  # distinct exact-boundary cases per gate (more small inputs are searched until there are)


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


def gate_cases(gate, n: int = RANDOM_INPUTS, boundary_inputs: int = BOUNDARY_INPUTS,
               min_boundary: int = MIN_BOUNDARY) -> list[Case]:
    """``n`` random valid inputs over the params' whole ranges, then exact boundaries searched from
    at least ``boundary_inputs`` small random inputs (small numbers keep the searches cheap for every
    gate), and from more of them until ``min_boundary`` distinct exact-boundary cases are found."""
    unique: dict[tuple[int, ...], Case] = {}
    for c in (case_from_values(gate, v, "random") for v in random_inputs(gate, n)):
        unique.setdefault(c.args, c)

    def boundaries() -> int:
        return sum(c.origin.startswith(("exact threshold", "adjacent integers")) for c in unique.values())

    for i, values in enumerate(random_inputs(gate, 4 * boundary_inputs, small=True)):
        if i >= boundary_inputs and boundaries() >= min_boundary:
            break
        found, _ = boundary_cases(gate, values)
        for c in found + nat_cases(gate, tuple(gate.lean_args(values))):
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
    cases = gate_cases(gate, n=100, boundary_inputs=8, min_boundary=3)  # the Lean test draws 1,000 and searches more
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
    text, where, control = render(cases, ["Fix.Gate"], Encoding(chunk=1))
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


def test_chunks_conjoin_claims_and_the_control_flips_one_claim():
    gate = FixGate()
    cases = [case_from_values(gate, {"a": a, "b": 2}, "random") for a in range(5)]
    text, where, control = render(cases, ["Fix.Gate"], Encoding(chunk=2))
    lines = text.splitlines()
    assert lines[control - 1] == "example : (Fix.fixKills 0 2 = true) ∧ (Fix.fixKills 1 2 = false) := by decide +kernel"
    assert [where[k] for k in sorted(where)] == [(0, 1), (2, 3), (4,)]
    assert lines[max(where) - 1] == "example : Fix.fixKills 4 2 = true := by decide +kernel"


CLAIM = re.compile(r"Fix\.fixKills (\d+) (\d+) = (true|false)")


def simulated_lean(stem: str, text: str) -> LeanRun:
    """Stands in for Lean on a generated file: rejects each line with a false claim about Fix.fixKills."""
    errors = [LeanMessage("error", "decide failed", f"{stem}.lean", n, 0)
              for n, line in enumerate(text.splitlines(), 1)
              if any((int(a) > int(b)) != (answer == "true") for a, b, answer in CLAIM.findall(line))]
    return LeanRun(f"{stem}.lean", 1 if errors else 0, errors)


def test_a_rejected_chunk_is_narrowed_to_the_case_that_disagrees():
    good, bad = FixGate(), MisreadFixGate()
    cases = [case_from_values(good, {"a": a, "b": b}, "grid") for a in range(8) for b in range(8)]
    cases.insert(37, case_from_values(bad, {"a": 6, "b": 6}, "grid"))  # the wrong mirror says 6 > 6
    stems = []

    def run(stem, text):
        stems.append(stem)
        return simulated_lean(stem, text)

    result = check(cases, ["Fix.Gate"], run, Encoding(chunk=16))
    assert stems == ["Differential", "DifferentialNarrowed"]
    assert result.believable and not result.suspects
    assert [(c.gate, c.args) for c, _ in result.disagreements] == [("fix-misread", (6, 6))]
    clean = check([c for c in cases if c.gate == "fix"], ["Fix.Gate"], run, Encoding(chunk=16))
    assert clean.believable and not clean.disagreements and stems[-1] == "Differential"  # no second run


def test_a_chunk_no_single_case_explains_makes_the_run_unbelievable():
    cases = [case_from_values(FixGate(), {"a": a, "b": 1}, "grid") for a in range(4)]

    def run(stem, text):  # rejects every chunk of two claims, never a single claim
        errors = [LeanMessage("error", "odd", f"{stem}.lean", n, 0) for n, line in enumerate(text.splitlines(), 1)
                  if line.count("Fix.fixKills") > 1 or "0 1 = true" in line]
        return LeanRun(f"{stem}.lean", 1, errors)

    result = check(cases, ["Fix.Gate"], run, Encoding(chunk=2))
    assert not result.believable and not result.disagreements


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
        # prelude only: no `decide` tactic and no `∧` notation, so one `rfl` example per case
        text, where, control = render(cases, ["Fix.Gate"], Encoding("Eq ({decision} {args}) {answer}", "rfl", 1),
                                      prelude=True)
        run = runner.run_check_file("DifferentialFixture", text)
    result = judge(cases, run, where, control)
    assert result.believable, (run.failure_lines(), result.unexplained)
    assert result.by_gate("fix") == []
    wrong = result.by_gate("fix-misread")
    assert sorted(c.args for c, _ in wrong) == sorted((a, b) for a, b in pairs if a == b)
    assert all("Python says true" in c.describe() for c, _ in wrong)


@pytest.mark.lean
def test_python_mirrors_agree_with_lean(lean_backend):
    """Every built-in gate's mirror against its Lean decision function, all gates in one Lean run
    (one test, not one per gate, so that xdist workers do not each repeat the run)."""
    library = LeanLibrary.scan(REPO_LEAN)
    specs = {s.theorem: s for s in gate_specs(library, GATES)}
    modules = set()
    for g in GATES:
        module = specs[g.theorem].module or next(iter(library.declaring(g.decision, ("def",))), None)
        assert module is not None, f"no module of {REPO_LEAN} defines {g.decision} (gate {g.name})"
        modules.add(module)
    cases = {g.name: gate_cases(g) for g in GATES}
    for g in GATES:
        mine = cases[g.name]
        assert sum(c.origin == "random" for c in mine) >= RANDOM_INPUTS, g.name
        assert sum(c.origin.startswith(("exact threshold", "adjacent integers")) for c in mine) >= MIN_BOUNDARY, g.name
    everything = [c for cs in cases.values() for c in cs]
    # Positive controls: a few claims the opposite of the mirror's answer, spread over different
    # chunks. Lean must reject their chunks, and the narrowing run must name exactly these.
    step = len(everything) // PLANTED
    spots = [i * step + step // 2 for i in range(PLANTED)]  # clear of the first chunk, which the control line repeats
    planted = [replace(everything[i], gate="planted", expected=not everything[i].expected,
                       origin="planted: the opposite of the mirror's answer") for i in spots]
    for k, (i, c) in enumerate(zip(spots, planted)):
        everything.insert(i + k + 1, c)  # next to the true claim it contradicts
    runner = LeanRunner(library, lean_backend, cache_dir(), progress=print)
    with runner.locked():
        runner.sync()
        built = runner.build([m for m in library.order(modules) if not runner.has_output(m)])
        failed = {m: r.run.failure_lines() if r.run else r.blocked_by for m, r in built.items() if not r.ok}
        assert not failed, f"the Lean library does not compile: {failed}"
        result = check(everything, sorted(modules), runner.run_check_file)
    print(f"differential: {len(everything)} cases in {len(result.runs)} Lean run(s) of "
          f"{sum(r.seconds for r in result.runs):.0f} s ({runner.src / 'PytestObstaclesCheck'})")
    assert result.believable, ("the Lean run cannot be believed (control line accepted, or errors off the case "
                               f"lines): {[str(m) for m in result.unexplained[:5]]} "
                               f"{[line for r in result.runs for line in r.failure_lines()]}")
    caught = result.by_gate("planted")
    assert sorted(c.args for c, _ in caught) == sorted(c.args for c in planted), (
        f"the planted wrong claims were not all named: {[c.describe() for c, _ in caught]}")
    problems = []
    for g in GATES:
        wrong, suspects = result.by_gate(g.name), result.suspects_of(g.name)
        if wrong or suspects:
            problems.append(f"gate {g.name}: {len(wrong)} disagreement(s)"
                            + (f", {len(suspects)} case(s) in rejected chunks not narrowed" if suspects else "")
                            + ", e.g.:\n" + "\n".join(f"  {c.describe()}; Lean: {m.first_line()}" for c, m in wrong[:10])
                            + "".join(f"\n  (in a rejected chunk) {c.describe()}" for c in suspects[:5]))
    assert not problems, "\n".join(problems)
