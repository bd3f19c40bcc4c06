"""Admissible regions for candidate generation: what each gate allows, given the facts.

For a gate whose params are all given but one, and whose kill is monotone in that one, the
region is one-sided. The bound is found by exact bisection on a decimal grid using the gate's
own ``decide`` (the Python mirror of the Lean decision function), so the printed bound is on
the safe side by construction: a candidate at the bound is not killed, one grid step past it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Iterable, Mapping

from .exact import fixed
from .gate import Gate, Param
from .loader import render

#: Search ceiling: a param that is still admissible at 10**12 is reported as unbounded.
CEILING = Fraction(10**12)


@dataclass(frozen=True)
class Constraint:
    """One gate's answer. ``relation`` is ``<=`` (max) or ``>=`` (min) on ``param``.

    ``bound`` is admissible (not killed); the exact boundary lies in ``exact_interval``
    (half-open on the killed side). ``status`` is ``bounded``, ``unbounded``, ``none-admissible``,
    ``killed``/``admissible`` (all params given), or ``underdetermined`` (needs more facts).
    """

    gate: str
    theorem: str
    obstacle_class: str
    status: str
    param: str | None = None
    relation: str | None = None
    bound: Fraction | None = None
    exact_interval: tuple[Fraction, Fraction] | None = None
    places: int = 0
    missing: tuple[str, ...] = ()
    given: tuple[str, ...] = ()

    def bound_text(self) -> str:
        assert self.bound is not None
        return fixed(self.bound, self.places)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"gate": self.gate, "theorem": self.theorem, "class": self.obstacle_class,
                             "status": self.status}
        if self.param is not None:
            d["param"] = self.param
        if self.relation is not None:
            d["relation"] = self.relation
        if self.bound is not None:
            d["bound"] = self.bound_text()
            d["bound_exact"] = f"{self.bound.numerator}/{self.bound.denominator}"
        if self.exact_interval is not None:
            lo, hi = self.exact_interval
            d["boundary_in"] = {"low": fixed(lo, self.places), "high": fixed(hi, self.places),
                                "low_closed": True, "high_closed": False}
        if self.missing:
            d["missing_facts"] = list(self.missing)
        return d


def admissible_regions(gates: Iterable[Gate], facts: Mapping[str, Any], places: int = 7) -> list[Constraint]:
    """Every gate's constraint for the given facts (values already exact)."""
    out = []
    for gate in gates:
        free = [p for p in gate.params if p.name not in facts]
        base = dict(gate=gate.name, theorem=gate.theorem, obstacle_class=gate.obstacle_class)
        if not free:
            values = {p.name: facts[p.name] for p in gate.params}
            out.append(Constraint(**base, status="killed" if gate.kills(values) else "admissible"))
            continue
        if len(free) > 1 or free[0].name not in gate.monotone:
            out.append(Constraint(**base, status="underdetermined", missing=tuple(p.name for p in free),
                                  given=tuple(p.name for p in gate.params if p.name in facts)))
            continue
        out.append(_one_sided(gate, free[0], facts, 0 if free[0].integer else places, base))
    return out


def _one_sided(gate: Gate, param: Param, facts: Mapping[str, Any], places: int, base: dict[str, str]) -> Constraint:
    step = Fraction(1, 10**places)
    direction = gate.monotone[param.name]
    relation = "<=" if direction > 0 else ">="

    def killed(x: Fraction) -> bool:
        return gate.kills({**{p.name: facts[p.name] for p in gate.params if p.name in facts}, param.name: x})

    low = _grid_min(param, step)
    high = Fraction(param.maximum) if param.maximum is not None else None
    if high is not None and not param.maximum_inclusive:
        high -= step
    if direction > 0:  # larger kills more: the largest admissible grid value
        if killed(low):
            return Constraint(**base, status="none-admissible", param=param.name, relation=relation, places=places)
        top = high if high is not None else CEILING
        if not killed(top):
            return Constraint(**base, status="unbounded" if high is None else "bounded", param=param.name,
                              relation=relation, bound=top if high is not None else None, places=places)
        ok, bad = _bisect(low, top, step, lambda x: not killed(x))
        return Constraint(**base, status="bounded", param=param.name, relation=relation, bound=ok,
                          exact_interval=(ok, bad), places=places)
    top = high if high is not None else CEILING
    if killed(top):
        return Constraint(**base, status="none-admissible", param=param.name, relation=relation, places=places)
    if not killed(low):
        return Constraint(**base, status="bounded", param=param.name, relation=relation, bound=low, places=places)
    bad, ok = _bisect(low, top, step, killed)
    return Constraint(**base, status="bounded", param=param.name, relation=relation, bound=ok,
                      exact_interval=(bad, ok), places=places)


def _grid_min(param: Param, step: Fraction) -> Fraction:
    if param.minimum is None:
        return Fraction(0)
    low = Fraction(param.minimum)
    if not param.minimum_inclusive:
        low += step
    return Fraction(-((-low) // step)) * step  # round up onto the grid


def _bisect(low: Fraction, high: Fraction, step: Fraction, holds) -> tuple[Fraction, Fraction]:
    """``holds(low)`` and not ``holds(high)``: the last grid point that holds and the first that does not."""
    lo_i, hi_i = int(low / step), int(high / step)
    while hi_i - lo_i > 1:
        mid = (lo_i + hi_i) // 2
        if holds(mid * step):
            lo_i = mid
        else:
            hi_i = mid
    return lo_i * step, hi_i * step


# -- rendering ---------------------------------------------------------------------------
SYMBOLS = {"layers": "L", "tolerance": "τ", "per_layer_error": "per-layer error"}


def facts_text(facts: Mapping[str, Any]) -> str:
    return ", ".join(f"{SYMBOLS.get(k, k)} = {render(Fraction(v))}" for k, v in facts.items())


def prompt_block(constraints: list[Constraint], facts: Mapping[str, Any], trust: Mapping[str, str] | None = None) -> str:
    """Plain text ready to paste into a candidate generator's prompt."""
    given = facts_text(facts)
    lines = [f"Proved constraints (pytest-obstacles) for {given}:"]
    asks = []
    # Gates none of whose params were given are summarised on one line.
    idle = [c for c in constraints if c.status == "underdetermined" and not c.given]
    for c in constraints:
        if c in idle:
            continue
        note = f" [{trust[c.gate]}]" if trust and c.gate in trust else ""
        cite = f"({c.theorem}, class {c.obstacle_class}){note}"
        name = SYMBOLS.get(c.param or "", c.param or "")
        if c.status == "bounded":
            lines.append(f"- {name} {'≤' if c.relation == '<=' else '≥'} {c.bound_text()} {cite}")
            asks.append(f"{name} {'≤' if c.relation == '<=' else '≥'} {c.bound_text()}")
        elif c.status == "unbounded":
            lines.append(f"- {name}: no bound from this theorem {cite}")
        elif c.status == "none-admissible":
            lines.append(f"- {name}: NO admissible value; every candidate with these facts is killed {cite}")
            asks.append(f"no {name} works: change {given}")
        elif c.status in ("killed", "admissible"):
            lines.append(f"- these facts are {'KILLED' if c.status == 'killed' else 'admissible'} {cite}")
        else:
            lines.append(f"- needs facts {', '.join(c.missing)} {cite}")
    if idle:
        lines.append("- not constrained by these facts: " + "; ".join(
            f"class {c.obstacle_class} (needs {', '.join(c.missing)})" for c in idle))
    if asks:
        lines.append("")
        lines.append(f"Propose variants with {'; '.join(asks)} for {given}.")
    return "\n".join(lines)
