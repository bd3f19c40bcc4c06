"""Plain data: a compression candidate and the kill criteria it pre-registered."""

from __future__ import annotations

import operator
from collections import abc
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Callable, Mapping

from .exact import decimal_string, show

#: Kill-criterion operators: the criterion fires when ``measured <op> threshold``.
OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
}


@dataclass(frozen=True, slots=True)
class KillCriterion:
    """A pre-registered rule: the candidate is killed when ``metric op threshold`` holds."""

    metric: str
    op: str
    threshold: Fraction

    def fires(self, measured: float) -> bool:
        """Exact comparison of a measured float against the rational threshold."""
        return OPERATORS[self.op](Fraction(measured), self.threshold)

    def describe(self) -> str:
        return f"{self.metric} {self.op} {show(self.threshold)}"

    def to_dict(self) -> dict[str, str]:
        return {"metric": self.metric, "op": self.op, "threshold": str(self.threshold)}


@dataclass(frozen=True, slots=True)
class Candidate:
    """One compression configuration to be judged.

    ``params`` holds method knobs and the quantities gates read; numbers in it are
    ``int`` or exact ``Fraction`` (never float). ``sweep_point`` is the part of the
    params a sweep fixed for this expansion (empty when the candidate has no sweep).
    """

    id: str
    model: str
    method: str
    params: Mapping[str, Any]
    kill_criteria: tuple[KillCriterion, ...]
    source: Path
    file_sha256: str
    requires: tuple[str, ...] = ()
    description: str = ""
    sweep_point: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "model": self.model,
            "method": self.method,
            "params": {k: jsonable(v) for k, v in self.params.items()},
            "kill_criteria": [c.to_dict() for c in self.kill_criteria],
            "source": str(self.source),
            "file_sha256": self.file_sha256,
            "requires": list(self.requires),
        }


@dataclass(frozen=True, slots=True)
class CandidateError:
    """Bad input, reported as one failing item: which file, which candidate, which field, what to fix."""

    source: Path
    candidate: str | None
    field: str | None
    message: str

    @property
    def name(self) -> str:
        return self.candidate if self.candidate else f"<{self.source.name}>"

    def describe(self) -> str:
        where = str(self.source)
        if self.candidate:
            where += f", candidate {self.candidate!r}"
        if self.field:
            where += f", field {self.field!r}"
        return f"{where}: {self.message}"


def jsonable(value: Any) -> Any:
    """Params as JSON: exact rationals become strings such as ``'1/20'`` or ``'0.05'``."""
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return int(value)
        return decimal_string(value) or f"{value.numerator}/{value.denominator}"
    if value is None or isinstance(value, (str, int, float)):
        return value
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, abc.Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    return value
