"""Plain data: what was decided about a candidate, and on what grounds."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

THEOREM_KILLED = "theorem-killed"
EXPERIMENT_KILLED = "experiment-killed"
SURVIVED = "survived"
ERROR = "error"
OUTCOMES = (THEOREM_KILLED, EXPERIMENT_KILLED, SURVIVED, ERROR)


@dataclass(frozen=True, slots=True)
class Verdict:
    """The outcome for one candidate.

    A theorem kill names ``theorem`` and ``obstacle_class``; an experiment kill names
    ``criterion``. ``reason`` is the one-line human explanation with the numbers;
    ``numbers`` keeps the same quantities exactly (as strings) for reports.
    """

    outcome: str
    candidate_id: str
    reason: str
    gate: str | None = None
    theorem: str | None = None
    obstacle_class: str | None = None
    criterion: str | None = None
    numbers: dict[str, str] = field(default_factory=dict)
    assumptions: tuple[str, ...] = ()
    #: experiment verdicts: {"metrics": {name: float}, "device": str, "seconds": float, "details": {...}}
    measurement: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {self.outcome!r}; expected one of {OUTCOMES}")

    def headline(self) -> str:
        if self.outcome == THEOREM_KILLED:
            return f"killed by {self.theorem} (class {self.obstacle_class}): {self.reason}"
        if self.outcome == EXPERIMENT_KILLED:
            return f"killed by experiment, criterion {self.criterion}: {self.reason}"
        return f"{self.outcome}: {self.reason}"

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}  # shallow: the fields are never mutated

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Verdict":
        d = dict(d)
        d["assumptions"] = tuple(d.get("assumptions", ()))
        return cls(**d)
