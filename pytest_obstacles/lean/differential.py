"""Differential testing: a gate's Python mirror against its Lean decision function.

Every case becomes one line ``example : <decision> <args> = <mirror's answer> := by decide +kernel``
of a single generated Lean file, checked in one Lean run; an error on a line is a disagreement
and names that case. One extra line deliberately claims the opposite of a mirror answer (the
control): the run is only believed when Lean rejects exactly that line too.

Exact boundaries are found generically, from the mirror alone: for a rational param, a
Stern–Brocot search finds the rational where the decision flips (when it is rational; else a
tight bracket); for an integer param or a raw Nat argument, bisection finds adjacent values
``k, k+1`` with different answers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable, Mapping

from .messages import LeanMessage, LeanRun

DECIDE_TEMPLATE = "example : {decision} {args} = {answer} := by decide +kernel"
K_MAX = 1 << 40  # a Stern–Brocot run this long means the fixed end is the exact threshold
RATIONAL_CAP = Fraction(1000)
INTEGER_CAP = 10_000


@dataclass(frozen=True)
class Case:
    gate: str
    decision: str
    args: tuple[int, ...]
    expected: bool  # the Python mirror's answer
    origin: str  # how the case was made: "random", "exact boundary of tolerance", "Nat flip of arg 3", ...
    values: tuple[tuple[str, str], ...] = ()  # the params, when made from params

    def describe(self) -> str:
        shown = ", ".join(f"{k}={v}" for k, v in self.values)
        return (f"gate {self.gate}: {self.decision} {' '.join(map(str, self.args))} — Python says "
                f"{str(self.expected).lower()} ({self.origin}{'; ' + shown if shown else ''})")


def case_from_values(gate: Any, values: Mapping[str, Any], origin: str) -> Case:
    args = tuple(int(a) for a in gate.lean_args(values))
    return Case(gate.name, gate.decision, args, bool(gate.decide(*args)), origin,
                tuple((k, str(Fraction(v))) for k, v in values.items()))


def case_from_args(gate: Any, args: tuple[int, ...], origin: str) -> Case:
    return Case(gate.name, gate.decision, tuple(args), bool(gate.decide(*args)), origin)


# -- boundaries ----------------------------------------------------------------------------
def param_range(p: Any) -> tuple[Fraction, Fraction]:
    """A closed range of valid values for a Param (open ends nudged in, no maximum capped)."""
    lo = Fraction(p.minimum) if p.minimum is not None else Fraction(0)
    hi = Fraction(p.maximum) if p.maximum is not None else (
        lo + INTEGER_CAP if p.integer else max(RATIONAL_CAP, lo * 10))
    if p.integer:
        lo = Fraction(int(lo) + (0 if (p.minimum_inclusive or p.minimum is None or lo.denominator != 1) else 1))
        hi = Fraction(int(hi) - (0 if (p.maximum_inclusive or p.maximum is None) else 1))
    else:
        if p.minimum is not None and not p.minimum_inclusive:
            lo += Fraction(1, 10**9)
        if p.maximum is not None and not p.maximum_inclusive:
            hi -= Fraction(1, 10**9)
    return lo, hi


def integer_flip(pred: Callable[[int], bool], lo: int, hi: int) -> tuple[int, int] | None:
    """Adjacent ``k, k+1`` in [lo, hi] with ``pred(k) != pred(k+1)``, when pred(lo) != pred(hi)."""
    a, b = pred(lo), pred(hi)
    if a == b:
        return None
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if pred(mid) == a:
            lo = mid
        else:
            hi = mid
    return lo, hi


def rational_threshold(pred: Callable[[Fraction], bool], lo: Fraction, hi: Fraction,
                       iterations: int = 48) -> tuple[Fraction | None, Fraction, Fraction] | None:
    """Where ``pred`` flips between ``lo`` and ``hi`` (0 <= lo < hi, pred(lo) != pred(hi)).

    Returns ``(t, left, right)``: ``t`` the exact rational threshold when the Stern–Brocot
    search reaches it (every rational lies on its path), else None; ``left < right`` a bracket
    with different answers, as tight as ``iterations`` allow.
    """
    base, top = pred(lo), pred(hi)
    if base == top:
        return None

    def flipped(x: Fraction) -> bool:  # False at and below lo, True at and above hi
        return (base if x <= lo else top if x >= hi else pred(x)) != base

    a, b, c, d = 0, 1, 1, 0  # left = a/b (not flipped), right = c/d (flipped; 1/0 is infinity)

    def run(step: Callable[[int], tuple[int, int]], want: bool) -> int:
        """Largest k >= 1 with flipped(step(k)) == want (0 if none), by galloping then bisecting."""
        if flipped(Fraction(*step(1))) != want:
            return 0
        k = 1
        while flipped(Fraction(*step(2 * k))) == want:
            k *= 2
            if k > K_MAX:
                return k
        lo_k, hi_k = k, 2 * k
        while hi_k - lo_k > 1:
            mid = (lo_k + hi_k) // 2
            if flipped(Fraction(*step(mid))) == want:
                lo_k = mid
            else:
                hi_k = mid
        return lo_k

    for _ in range(iterations):
        # move the left end right: (a + k c)/(b + k d) while not flipped
        k = run(lambda k: (a + k * c, b + k * d), False)
        if k > K_MAX and d != 0:
            return Fraction(c, d), Fraction(a + k * c, b + k * d), Fraction(c, d)
        a, b = a + k * c, b + k * d
        # move the right end left: (k a + c)/(k b + d) while flipped
        k = run(lambda k: (k * a + c, k * b + d), True)
        if k > K_MAX:
            return Fraction(a, b), Fraction(a, b), Fraction(k * a + c, k * b + d)
        c, d = k * a + c, k * b + d
        if d == 0:
            break
    left = Fraction(a, b)
    right = Fraction(c, d) if d else hi
    return None, left, right


def boundary_cases(gate: Any, values: Mapping[str, Any]) -> tuple[list[Case], int]:
    """Cases on the decision boundary reached from ``values`` by moving one param at a time.

    Returns (cases, number of exact rational thresholds found).
    """
    cases: list[Case] = []
    exact = 0
    for p in gate.params:
        lo, hi = param_range(p)

        def kills(x: Any, p=p) -> bool:
            return bool(gate.kills({**values, p.name: x}))

        if p.integer:
            flip = integer_flip(kills, int(lo), int(hi))
            if flip:
                for k in flip:
                    cases.append(case_from_values(gate, {**values, p.name: k}, f"adjacent integers where {p.name} "
                                                                               "flips the decision"))
            continue
        found = rational_threshold(kills, lo, hi)
        if not found:
            continue
        t, left, right = found
        if t is not None and lo <= t <= hi:
            exact += 1
            cases.append(case_from_values(gate, {**values, p.name: t}, f"exact threshold of {p.name}"))
        for x in (left, right):
            if lo <= x <= hi:
                cases.append(case_from_values(gate, {**values, p.name: x}, f"bracket of the {p.name} threshold"))
    return cases, exact


def nat_cases(gate: Any, args: tuple[int, ...]) -> list[Case]:
    """Raw Nat arguments: each set to 0 (Lean's zero-denominator branch), and adjacent flips per argument."""
    cases = []
    for i in range(len(args)):
        zeroed = args[:i] + (0,) + args[i + 1:]
        cases.append(case_from_args(gate, zeroed, f"arg {i + 1} set to 0"))

        def at(v: int, i=i) -> bool:
            return bool(gate.decide(*(args[:i] + (v,) + args[i + 1:])))

        flip = integer_flip(at, 0, 2 * args[i] + 16)
        if flip:
            for v in flip:
                cases.append(case_from_args(gate, args[:i] + (v,) + args[i + 1:],
                                            f"adjacent Nat values of arg {i + 1} where the decision flips"))
    return cases


# -- the Lean file and its verdicts ---------------------------------------------------------
def render(cases: list[Case], imports: list[str], template: str = DECIDE_TEMPLATE, prelude: bool = False,
           control: bool = True) -> tuple[str, dict[int, int], int | None]:
    """The Lean file, {line: case index}, and the control line (a deliberately false claim)."""
    lines = ["module", ""] + (["prelude"] if prelude else []) + [f"public import {m}" for m in imports]
    lines += ["", "-- generated by pytest-obstacles' differential test: each line is the Python mirror's answer"]
    where: dict[int, int] = {}
    control_line = None
    if control and cases:
        c = cases[0]
        lines.append("-- control: the opposite of a mirror answer; Lean must reject this line")
        lines.append(template.format(decision=c.decision, args=" ".join(map(str, c.args)),
                                     answer=str(not c.expected).lower()))
        control_line = len(lines)
    for i, c in enumerate(cases):
        lines.append(template.format(decision=c.decision, args=" ".join(map(str, c.args)),
                                     answer=str(c.expected).lower()))
        where[len(lines)] = i
    return "\n".join(lines) + "\n", where, control_line


@dataclass
class DifferentialResult:
    cases: list[Case]
    run: LeanRun
    disagreements: list[tuple[Case, LeanMessage]] = field(default_factory=list)
    control_rejected: bool = False
    unexplained: list[LeanMessage] = field(default_factory=list)  # errors on no case line

    @property
    def believable(self) -> bool:
        """Lean ran, rejected the control line, and reported nothing off the case lines."""
        return self.control_rejected and not self.unexplained

    def by_gate(self, gate: str) -> list[tuple[Case, LeanMessage]]:
        return [(c, m) for c, m in self.disagreements if c.gate == gate]


def judge(cases: list[Case], run: LeanRun, where: dict[int, int], control_line: int | None) -> DifferentialResult:
    result = DifferentialResult(cases=cases, run=run)
    seen: set[int] = set()
    for msg in run.errors:
        if msg.line == control_line:
            result.control_rejected = True
        elif msg.line in where and where[msg.line] not in seen:
            seen.add(where[msg.line])
            result.disagreements.append((cases[where[msg.line]], msg))
        elif msg.line not in where:
            result.unexplained.append(msg)
    if control_line is None:
        result.control_rejected = True
    return result
