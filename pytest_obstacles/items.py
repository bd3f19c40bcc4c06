"""pytest collectors and items: a candidate file, a candidate, and a bad-input item."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .candidate import Candidate, CandidateError
from .loader import load_file
from .measurement import CriterionNotMeasured, judge
from .session import STASH_KEY, Decision, ObstacleSession
from .verdict import ERROR, EXPERIMENT_KILLED, Verdict


class ObstacleFailure(Exception):
    """A failure whose message is complete by itself (no traceback is shown)."""

    def __init__(self, message: str, verdict: Verdict | None = None) -> None:
        super().__init__(message)
        self.verdict = verdict


class CandidateFile(pytest.File):
    def collect(self):
        state: ObstacleSession = self.config.stash[STASH_KEY]
        for entry in load_file(self.path, state.schema):
            if isinstance(entry, CandidateError):
                yield BadInputItem.from_parent(self, name=entry.name, error=entry)
                continue
            first = state.seen_ids.get(entry.id)
            if first is not None:
                dup = CandidateError(self.path, entry.id, "id",
                                     f"duplicate candidate id {entry.id!r}: also defined in {first}; ids must be unique "
                                     "across the session")
                yield BadInputItem.from_parent(self, name=f"{entry.id}@{self.path.name}", error=dup)
                continue
            state.seen_ids[entry.id] = self.path
            yield CandidateItem.from_parent(self, name=entry.id, candidate=entry, decision=state.decide(entry),
                                            strict=state.strict)


#: one mark object shared by every item (10,000 items need not make 10,000 copies)
MARKS = {name: getattr(pytest.mark, name) for name in ("theorem_only", "slow", "experiment")}


class CandidateItem(pytest.Item):
    def __init__(self, *, candidate: Candidate, decision: Decision, strict: bool, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.candidate = candidate
        self.decision = decision
        self.strict = strict
        verdict = decision.verdict
        #: the plain record this item's report carries (see report.py)
        self.record: dict[str, Any] = {
            "candidate": candidate.id, "file": str(candidate.source), "file_sha256": candidate.file_sha256,
            "method": candidate.method, "model": candidate.model, "outcome": None,
            "classes": tuple(sorted({g.obstacle_class for g in decision.applicable})),
            "unverified": tuple({"gate": g.name, "theorem": g.theorem, "class": g.obstacle_class, "why": t.why}
                                for g, t in decision.unverified),
        }
        if verdict is not None:
            self.add_marker(MARKS["theorem_only"])
            self.user_properties += [("obstacles_verdict", verdict.outcome), ("obstacles_theorem", verdict.theorem),
                                     ("obstacles_class", verdict.obstacle_class), ("obstacles_reason", verdict.reason)]
        elif decision.unverified and strict:
            self.add_marker(MARKS["theorem_only"])  # a fast verdict: strict mode fails on an unverified gate
        else:
            self.add_marker(MARKS["slow"])
            self.add_marker(MARKS["experiment"])
        for gate, trust in decision.unverified:
            self.user_properties.append(("obstacles_unverified_gate", f"{gate.name} ({gate.theorem}): {trust.why}"))

    @property
    def theorem_verdict(self) -> Verdict | None:
        """The theorem kill decided at collection; the plugin's report hook turns the item into it."""
        return self.decision.verdict

    def runtest(self) -> None:
        candidate = self.candidate
        if self.decision.verdict is not None:
            # Ends at once, without raising: the report hook makes this call a theorem-killed
            # outcome (an exception per item would cost a traceback and its reference cycles).
            self._announce(self.decision.verdict)
            return
        if self.decision.unverified:
            notes = "; ".join(f"gate {g.name} would kill but its theorem {g.theorem} is unverified: {t.why}"
                              for g, t in self.decision.unverified)
            if self.strict:
                raise ObstacleFailure(f"--obstacles-strict: {notes}")
            self.add_report_section("call", "obstacles", notes)
        try:
            measurement = self.config.hook.pytest_obstacles_measure(candidate=candidate, config=self.config)
            if measurement is None:
                raise ObstacleFailure(
                    f"no theorem kills {candidate.id!r} and no measurement is registered for method "
                    f"{candidate.method!r}: implement pytest_obstacles_measure for it (see the README, 'Extending')")
            try:
                verdict = judge(candidate, measurement)
            except CriterionNotMeasured as exc:
                raise ObstacleFailure(f"{candidate.source}, candidate {candidate.id!r}: {exc}") from None
        except Exception as exc:  # an error is a final verdict too (skips are BaseException and pass through)
            self._announce(Verdict(outcome=ERROR, candidate_id=candidate.id,
                                   reason=str(exc) or type(exc).__name__))
            raise
        self.user_properties += [("obstacles_verdict", verdict.outcome), ("obstacles_device", measurement.device)]
        self.record["device"] = measurement.device
        self._announce(verdict)
        if verdict.outcome == EXPERIMENT_KILLED:
            self.user_properties.append(("obstacles_criterion", verdict.criterion))
            raise ObstacleFailure(f"{verdict.headline()}", verdict)

    def _announce(self, verdict: Verdict) -> None:
        self.record.update(outcome=verdict.outcome, reason=verdict.reason, gate=verdict.gate, theorem=verdict.theorem,
                           obstacle_class=verdict.obstacle_class, criterion=verdict.criterion,
                           assumptions=verdict.assumptions)
        self.config.hook.pytest_obstacles_verdict(candidate=self.candidate, verdict=verdict, config=self.config)

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, ObstacleFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"candidate {self.candidate.id} ({self.candidate.method} on {self.candidate.model})"


class BadInputItem(pytest.Item):
    """One failing item per bad file or candidate; every other candidate still runs."""

    def __init__(self, *, error: CandidateError, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.error = error
        self.record: dict[str, Any] = {"candidate": error.name, "file": str(error.source), "outcome": ERROR,
                                       "reason": error.describe(), "method": None, "model": None, "classes": [],
                                       "unverified": []}
        self.add_marker(MARKS["theorem_only"])
        self.add_marker(MARKS["experiment"])

    def runtest(self) -> None:
        verdict = Verdict(outcome=ERROR, candidate_id=self.error.name, reason=self.error.describe())
        self.config.hook.pytest_obstacles_verdict(candidate=None, verdict=verdict, config=self.config)
        raise ObstacleFailure(f"bad candidate input: {self.error.describe()}")

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, ObstacleFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"bad input: {self.error.name}"

