"""Plain data for an experiment's result, and judging it by the pre-registered kill criteria."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from .candidate import Candidate
from .verdict import EXPERIMENT_KILLED, SURVIVED, Verdict


@dataclass
class Measurement:
    """What an experiment measured. ``metrics`` are the scalars kill criteria can name."""

    metrics: dict[str, float]
    device: str = "cpu"
    seconds: float = 0.0
    details: dict[str, Any] = field(default_factory=dict)


class CriterionNotMeasured(Exception):
    """A kill criterion names a metric the measurement did not produce."""


def judge(candidate: Candidate, measurement: Measurement) -> Verdict:
    """Experiment-killed by the first criterion that fires, else survived.

    Every criterion must name a measured, finite metric: a criterion that cannot be
    evaluated is an error, never a silent pass.
    """
    fired = []
    for criterion in candidate.kill_criteria:
        if criterion.metric not in measurement.metrics:
            raise CriterionNotMeasured(
                f"kill criterion {criterion.describe()!r} names metric {criterion.metric!r}, which the "
                f"{candidate.method!r} measurement does not produce; measured: {', '.join(sorted(measurement.metrics))}"
            )
        value = float(measurement.metrics[criterion.metric])
        if not math.isfinite(value):
            raise CriterionNotMeasured(f"metric {criterion.metric!r} measured as {value}: not finite")
        if criterion.fires(value):
            fired.append((criterion, value))
    numbers = {k: f"{float(v):.6g}" for k, v in measurement.metrics.items()}
    measured = {"metrics": {k: float(v) for k, v in measurement.metrics.items()}, "device": measurement.device,
                "seconds": measurement.seconds, "details": measurement.details}
    if fired:
        criterion, value = fired[0]
        more = f" (and {len(fired) - 1} more criteria fired)" if len(fired) > 1 else ""
        return Verdict(
            outcome=EXPERIMENT_KILLED,
            candidate_id=candidate.id,
            reason=f"measured {criterion.metric} = {value:.6g}, kill threshold {criterion.describe()}{more}",
            criterion=criterion.describe(),
            numbers=numbers,
            measurement=measured,
        )
    checked = "; ".join(f"{c.metric} = {float(measurement.metrics[c.metric]):.6g} (kill if {c.op} "
                        f"{c.describe().split(c.op, 1)[1].strip()})" for c in candidate.kill_criteria)
    return Verdict(outcome=SURVIVED, candidate_id=candidate.id, reason=f"no kill criterion fired: {checked}",
                   numbers=numbers, measurement=measured)
