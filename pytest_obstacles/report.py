"""The run's obstacle report: a per-class table, the experiment time kills saved, and a JSON file.

Built on the controller from test reports (so ``-n N`` gives the same report): every candidate
item's report carries a plain ``obstacles`` record.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from . import __version__, ledger
from .verdict import ERROR, EXPERIMENT_KILLED, SURVIVED, THEOREM_KILLED

SCHEMA_VERSION = 1
SCHEMA_PATH = Path(__file__).with_name("report_schema.json")
COLUMNS = (THEOREM_KILLED, SURVIVED, EXPERIMENT_KILLED, "unverified")
NO_GATE = "none"  # the row of candidates no gate reads


@dataclass(frozen=True)
class CostSample:
    method: str
    model: str
    seconds: float
    device: str = "cpu"


@dataclass
class CostModel:
    """Measured experiment cost per (method, model), used to estimate what a kill saved."""

    samples: list[CostSample] = field(default_factory=list)

    def estimate(self, method: str, model: str) -> tuple[float | None, str]:
        for basis, picked in (
            (f"{method} on {model}", [s for s in self.samples if s.method == method and s.model == model]),
            (f"{method} on any model", [s for s in self.samples if s.method == method]),
            ("any experiment", self.samples),
        ):
            if picked:
                return statistics.fmean(s.seconds for s in picked), f"mean of {len(picked)} measured runs of {basis}"
        return None, "no measured experiment to estimate from"

    @classmethod
    def from_ledger(cls, path: Path, exclude_run: str | None = None) -> "CostModel":
        """Cost samples from a ledger's measured experiments (missing or unreadable lines are skipped).

        ``exclude_run`` leaves out the current run's lines: its experiments are counted from its reports.
        """
        samples = []
        for entry in ledger.read(path, outcomes=(SURVIVED, EXPERIMENT_KILLED)):
            if exclude_run is not None and entry.get("run") == exclude_run:
                continue
            sample = _ledger_sample(entry)
            if sample is not None:
                samples.append(sample)
        return cls(samples)


def _ledger_sample(entry: dict[str, Any]) -> CostSample | None:
    if entry.get("outcome") not in (SURVIVED, EXPERIMENT_KILLED):
        return None
    seconds = entry.get("experiment_seconds")
    method, model = entry.get("method"), entry.get("model")
    if not isinstance(seconds, (int, float)) or not method or not model:
        return None
    return CostSample(str(method), str(model), float(seconds), str(entry.get("device") or "cpu"))


@dataclass
class ObstacleReport:
    records: list[dict[str, Any]] = field(default_factory=list)
    unverified_gates: dict[str, dict[str, str]] = field(default_factory=dict)
    strict: bool = False
    changed_since: str | None = None
    selection: str | None = None

    def add(self, record: dict[str, Any], duration: float) -> None:
        self.records.append({**record, "duration": round(duration, 6)})
        for u in record.get("unverified", []):
            self.unverified_gates.setdefault(u["gate"], u)

    def class_table(self) -> dict[str, dict[str, int]]:
        table: dict[str, dict[str, int]] = {}

        def bump(cls: str, column: str) -> None:
            table.setdefault(cls, dict.fromkeys(COLUMNS, 0))[column] += 1

        for r in self.records:
            if r["outcome"] == ERROR:
                continue
            for u in r.get("unverified", []):
                bump(u["class"], "unverified")
            if r["outcome"] == THEOREM_KILLED:
                bump(r["obstacle_class"], THEOREM_KILLED)
            elif r["outcome"] in (SURVIVED, EXPERIMENT_KILLED):
                for cls in r.get("classes") or [NO_GATE]:
                    bump(cls, r["outcome"])
        return dict(sorted(table.items(), key=lambda kv: (kv[0] == NO_GATE, kv[0])))

    def totals(self) -> dict[str, int]:
        out = dict.fromkeys((THEOREM_KILLED, SURVIVED, EXPERIMENT_KILLED, ERROR, "skipped"), 0)
        for r in self.records:
            out[r["outcome"]] = out.get(r["outcome"], 0) + 1
        return out

    def time_saved(self, costs: CostModel) -> dict[str, Any]:
        run_samples = [CostSample(r["method"], r["model"], r["duration"], r.get("device") or "cpu") for r in self.records
                       if r["outcome"] in (SURVIVED, EXPERIMENT_KILLED)]
        model = CostModel(costs.samples + run_samples)
        total, unknown, bases = 0.0, 0, set()
        for r in self.records:
            if r["outcome"] != THEOREM_KILLED:
                continue
            seconds, basis = model.estimate(r["method"], r["model"])
            if seconds is None:
                unknown += 1
            else:
                total += seconds
                bases.add(basis.split(" of ", 1)[1] if " of " in basis else basis)
        devices = sorted({s.device for s in model.samples}) or ["unknown"]
        return {"seconds": round(total, 3), "estimate": True, "killed_without_cost_data": unknown,
                "samples": len(model.samples), "devices": devices,
                "basis": "mean measured experiment time per (method, model), falling back to per method, then overall; "
                         "from the ledger and this run's experiments"}

    def to_json(self, costs: CostModel) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "generator": f"pytest-obstacles {__version__}",
            "strict": self.strict,
            "changed_since": self.changed_since,
            "totals": self.totals(),
            "classes": self.class_table(),
            "unverified_gates": sorted(self.unverified_gates.values(), key=lambda u: u["gate"]),
            "time_saved": self.time_saved(costs),
            "candidates": sorted(self.records, key=lambda r: r["candidate"]),
        }

    def write(self, path: Path, costs: CostModel) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(self.to_json(costs), indent=2) + "\n", encoding="utf-8")
        tmp.replace(path)

    def table_lines(self, costs: CostModel) -> Iterable[str]:
        table = self.class_table()
        if not table:
            return []
        head = f"{'class':<8}{'killed':>8}{'survived':>10}{'exp-killed':>12}{'unverified':>12}"
        lines = [head]
        for cls, row in table.items():
            lines.append(f"{cls:<8}{row[THEOREM_KILLED]:>8}{row[SURVIVED]:>10}{row[EXPERIMENT_KILLED]:>12}"
                         f"{row['unverified']:>12}")
        saved = self.time_saved(costs)
        killed = self.totals()[THEOREM_KILLED]
        if killed:
            known = killed - saved["killed_without_cost_data"]
            if known:
                lines.append(f"experiment time saved by {known} theorem kills: ~{saved['seconds']:.3g} s on "
                             f"{'/'.join(saved['devices'])} (ESTIMATE from {saved['samples']} measured runs)")
            if saved["killed_without_cost_data"]:
                lines.append(f"{saved['killed_without_cost_data']} theorem kills have no measured cost to estimate "
                             "from yet (run some experiments to fill the ledger)")
        return lines
