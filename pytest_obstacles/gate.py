"""Gates: a proved obstacle class turned into an exact decision about a candidate.

A :class:`Gate` names its obstacle class, the Lean theorem behind it and the Lean decision
function it mirrors, declares the params it reads, and decides in exact integer arithmetic on
the same natural-number arguments the Lean function takes. The differential test feeds the
very tuples :meth:`Gate.lean_args` produces to Lean and to :meth:`Gate.decide`.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, ClassVar, Mapping

from .candidate import Candidate
from .exact import NotExact, exact, show
from .verdict import THEOREM_KILLED, Verdict


@dataclass(frozen=True)
class Param:
    """A quantity a gate reads from ``params``, with the range the theorem needs."""

    name: str
    doc: str
    integer: bool = False
    minimum: Fraction | None = None
    minimum_inclusive: bool = True
    maximum: Fraction | None = None
    maximum_inclusive: bool = True

    def convert(self, value: Any) -> int | Fraction:
        """Return the exact value, or raise ValueError with a message that says what to fix."""
        try:
            q = exact(value)
        except NotExact as exc:
            raise ValueError(f"{self.name} ({self.doc}): {exc}") from None
        if self.integer and q.denominator != 1:
            raise ValueError(f"{self.name} must be an integer, got {show(q)}")
        if self.minimum is not None:
            low = Fraction(self.minimum)
            if q < low or (q == low and not self.minimum_inclusive):
                sign = ">=" if self.minimum_inclusive else ">"
                raise ValueError(f"{self.name} must be {sign} {show(low)}, got {show(q)}")
        if self.maximum is not None:
            high = Fraction(self.maximum)
            if q > high or (q == high and not self.maximum_inclusive):
                sign = "<=" if self.maximum_inclusive else "<"
                raise ValueError(f"{self.name} must be {sign} {show(high)}, got {show(q)}")
        return int(q) if self.integer else q

    def describe(self) -> str:
        parts = ["integer" if self.integer else "rational"]
        if self.minimum is not None:
            parts.append(f"{'>=' if self.minimum_inclusive else '>'} {show(Fraction(self.minimum))}")
        if self.maximum is not None:
            parts.append(f"{'<=' if self.maximum_inclusive else '<'} {show(Fraction(self.maximum))}")
        return f"{self.name} ({', '.join(parts)}): {self.doc}"


_MISSING = object()
MEMO_SIZE = 65_536


class Gate:
    """Base class for gates. Subclasses set the class attributes and implement three methods.

    - :meth:`lean_args`: the natural-number arguments of the Lean decision function,
    - :meth:`decide`: the exact Python mirror of that Lean function,
    - :meth:`explain`: the one-line reason with the numbers, for a kill.

    All three must be pure functions of the values :meth:`reads` returns (no state, no I/O):
    :meth:`covers` memoises ``decide`` and ``explain`` per distinct values.
    """

    name: ClassVar[str]
    obstacle_class: ClassVar[str]
    theorem: ClassVar[str]
    decision: ClassVar[str]
    params: ClassVar[tuple[Param, ...]]
    #: For each param the kill is monotone in: +1 if larger values kill more, -1 if smaller do.
    monotone: ClassVar[dict[str, int]] = {}
    assumptions: tuple[str, ...] = ()

    def lean_args(self, values: Mapping[str, Any]) -> tuple[int, ...]:
        raise NotImplementedError

    def decide(self, *args: int) -> bool:
        raise NotImplementedError

    def explain(self, values: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
        raise NotImplementedError

    def reads(self, candidate: Candidate) -> dict[str, Any] | None:
        """The values this gate reads, or None when the candidate does not state them all."""
        values = {}
        for p in self.params:
            if p.name not in candidate.params:
                return None
            values[p.name] = candidate.params[p.name]
        return values

    def kills(self, values: Mapping[str, Any]) -> bool:
        return self.decide(*self.lean_args(values))

    def covers(self, candidate: Candidate) -> Verdict | None:
        """A theorem-killed verdict if this gate's theorem kills the candidate, else None.

        ``decide`` and ``explain`` are pure functions of the values read, so their answers are
        memoised per distinct values (a sweep repeats the values of the params a gate reads)."""
        values = self.reads(candidate)
        if values is None:
            return None
        memo: dict[Any, Any] = self.__dict__.setdefault("_covers_memo", {})
        key = tuple(values.values())
        try:
            found = memo.get(key, _MISSING)
        except TypeError:  # unhashable values: decide afresh
            key, found = None, _MISSING
        if found is _MISSING:
            found = self.explain(values) if self.kills(values) else None
            if key is not None:
                if len(memo) >= MEMO_SIZE:
                    memo.clear()
                memo[key] = found
        if found is None:
            return None
        reason, numbers = found
        return Verdict(
            outcome=THEOREM_KILLED,
            candidate_id=candidate.id,
            reason=reason,
            gate=self.name,
            theorem=self.theorem,
            obstacle_class=self.obstacle_class,
            numbers=numbers,  # shared with the memo: verdicts are never mutated
            assumptions=tuple(self.assumptions),
        )

    def __repr__(self) -> str:
        return f"<Gate {self.name} class={self.obstacle_class} theorem={self.theorem}>"


def ratio(q: Fraction) -> tuple[int, int]:
    """(numerator, denominator) of a nonnegative rational, as Lean's Nat arguments."""
    q = Fraction(q)
    if q < 0:
        raise ValueError(f"a Lean Nat argument cannot be negative: {q}")
    return q.numerator, q.denominator
