"""Differential testing: a gate's Python mirror against its Lean decision function.

Every case becomes a claim ``<decision> <args> = <mirror's answer>``; chunks of claims become lines
``example : (claim) ∧ (claim) ∧ … := by decide +kernel`` of a single generated Lean file, checked in
one Lean run. A rejected line is re-checked one case per line in a second run, so every
disagreement names its case. One extra line deliberately claims the opposite of a mirror answer
(the control): a run is only believed when Lean rejects exactly that line too.

Exact boundaries are found generically, from the mirror alone: for a rational param, a
Stern–Brocot search finds the rational where the decision flips (when it is rational; else a
tight bracket); for an integer param or a raw Nat argument, bisection finds adjacent values
``k, k+1`` with different answers.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any, Callable, Mapping

from .messages import LeanMessage, LeanRun

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
@dataclass(frozen=True)
class Encoding:
    """How cases are written as Lean: each case is a ``claim``; ``chunk`` claims share one
    ``example`` (their conjunction, one physical line) proved by ``proof``.

    One ``example`` per case costs the WebAssembly Lean ~0.3 s of fixed overhead, a conjunction
    of 32 claims little more than one claim, so cases are chunked; a chunk Lean rejects is
    re-checked one case per line (see :func:`check`), so a disagreement still names its case.
    """

    claim: str = "{decision} {args} = {answer}"
    proof: str = "by decide +kernel"
    chunk: int = 32

    def line(self, claims: list[str]) -> str:
        body = claims[0] if len(claims) == 1 else " ∧ ".join(f"({c})" for c in claims)
        return f"example : {body} := {self.proof}"

    def claim_of(self, case: Case, answer: bool) -> str:
        return self.claim.format(decision=case.decision, args=" ".join(map(str, case.args)), answer=str(answer).lower())


KERNEL = Encoding()
NARROW_LIMIT = 16  # rejected chunks re-checked case by case; more than this many means the mirror is plainly wrong


def render(cases: list[Case], imports: list[str], encoding: Encoding = KERNEL, prelude: bool = False,
           control: bool = True) -> tuple[str, dict[int, tuple[int, ...]], int | None]:
    """The Lean file, {line: indices of the cases it claims}, and the control line.

    The control line repeats the first chunk with its first claim flipped (a deliberately false
    claim among true ones): Lean must reject it, or nothing the run says is believed.
    """
    lines = ["module", ""] + (["prelude"] if prelude else []) + [f"public import {m}" for m in imports]
    lines += ["", "-- generated by pytest-obstacles' differential test: each claim is the Python mirror's answer"]
    where: dict[int, tuple[int, ...]] = {}
    control_line = None
    size = max(1, encoding.chunk)
    if control and cases:
        first = cases[:size]
        lines.append("-- control: the first chunk with its first claim flipped; Lean must reject this line")
        lines.append(encoding.line([encoding.claim_of(first[0], not first[0].expected)]
                                   + [encoding.claim_of(c, c.expected) for c in first[1:]]))
        control_line = len(lines)
    for start in range(0, len(cases), size):
        group = range(start, min(start + size, len(cases)))
        lines.append(encoding.line([encoding.claim_of(cases[i], cases[i].expected) for i in group]))
        where[len(lines)] = tuple(group)
    return "\n".join(lines) + "\n", where, control_line


@dataclass
class DifferentialResult:
    cases: list[Case]
    runs: list[LeanRun]
    disagreements: list[tuple[Case, LeanMessage]] = field(default_factory=list)  # named: Lean rejected this case
    suspects: list[tuple[tuple[Case, ...], LeanMessage]] = field(default_factory=list)  # rejected chunks not narrowed
    control_rejected: bool = False
    unexplained: list[LeanMessage] = field(default_factory=list)  # errors on no case line, or inconsistent ones

    @property
    def believable(self) -> bool:
        """Lean ran, rejected every control line, and reported nothing off the case lines."""
        return self.control_rejected and not self.unexplained

    def by_gate(self, gate: str) -> list[tuple[Case, LeanMessage]]:
        return [(c, m) for c, m in self.disagreements if c.gate == gate]

    def suspects_of(self, gate: str) -> list[Case]:
        return [c for group, _ in self.suspects for c in group if c.gate == gate]


def judge(cases: list[Case], run: LeanRun, where: dict[int, tuple[int, ...]],
          control_line: int | None) -> DifferentialResult:
    result = DifferentialResult(cases=cases, runs=[run])
    seen: set[int] = set()
    for msg in run.errors:
        if msg.line == control_line:
            result.control_rejected = True
        elif msg.line in where and msg.line not in seen:
            seen.add(msg.line)
            group = tuple(cases[i] for i in where[msg.line])
            if len(group) == 1:
                result.disagreements.append((group[0], msg))
            else:
                result.suspects.append((group, msg))
        elif msg.line not in where:
            result.unexplained.append(msg)
    if control_line is None:
        result.control_rejected = True
    return result


def check(cases: list[Case], imports: list[str], run_file: Callable[[str, str], LeanRun],
          encoding: Encoding = KERNEL, prelude: bool = False) -> DifferentialResult:
    """Check every case in one Lean run (``run_file(stem, text)``); when Lean rejects a chunk,
    a second run re-checks the cases of up to :data:`NARROW_LIMIT` rejected chunks one per line,
    so each disagreement names its case."""
    text, where, control = render(cases, imports, encoding, prelude)
    result = judge(cases, run_file("Differential", text), where, control)
    if not (result.suspects and result.believable):
        return result
    narrowed, rest = result.suspects[:NARROW_LIMIT], result.suspects[NARROW_LIMIT:]
    suspects = [c for group, _ in narrowed for c in group]
    text, where, control = render(suspects, imports, replace(encoding, chunk=1), prelude)
    again = judge(suspects, run_file("DifferentialNarrowed", text), where, control)
    result.runs += again.runs
    result.control_rejected = result.control_rejected and again.control_rejected
    result.unexplained += again.unexplained
    result.disagreements += again.disagreements
    result.suspects = rest
    named = {id(c) for c, _ in again.disagreements}
    for group, msg in narrowed:
        if not any(id(c) in named for c in group):  # Lean rejected the chunk but none of its cases alone
            result.unexplained.append(msg)
    return result
