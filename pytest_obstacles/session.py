"""Per-run state: the candidate folders, the registered gates and methods, and gate trust."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from .candidate import Candidate
from .gate import Gate, Param
from .loader import Schema
from .method import Method
from .trust import GateTrust
from .verdict import Verdict

STASH_KEY = pytest.StashKey["ObstacleSession"]()


@dataclass(slots=True)
class Decision:
    """What the gates say about one candidate, before anything runs."""

    verdict: Verdict | None  # theorem-killed by a trusted gate, else None
    unverified: tuple[tuple[Gate, GateTrust], ...] = ()  # would kill, but not trusted
    applicable: tuple[Gate, ...] = ()  # gates whose params the candidate states


class ObstacleSession:
    def __init__(self, config: pytest.Config, roots: list[Path], strict: bool, lean_dir: Path) -> None:
        self.config = config
        self.roots = roots
        self.strict = strict
        self.lean_dir = lean_dir
        self.seen_ids: dict[str, Path] = {}
        self._gates: list[Gate] | None = None
        self._schema: Schema | None = None
        self._trust: dict[str, GateTrust] = {}
        self.changes: Any = None  # changes.ChangeSet under --candidates-changed-since
        self.report: Any = None  # report.ObstacleReport on the controller
        self._costs: Any = None

    def costs(self) -> Any:
        """Measured experiment costs (report.CostModel) from the ledger, read once."""
        if self._costs is None:
            from .report import CostModel

            ledger = self.config.pluginmanager.get_plugin("obstacles-ledger")
            path, run = (getattr(ledger, "path", None), getattr(ledger, "run_id", None))
            self._costs = CostModel.from_ledger(path, exclude_run=run) if path is not None else CostModel()
        return self._costs

    # -- registration -------------------------------------------------------------------
    @property
    def gates(self) -> list[Gate]:
        if self._gates is None:
            gates: list[Gate] = []
            names: dict[str, Gate] = {}
            for contributed in self.config.hook.pytest_obstacles_gates(config=self.config):
                for gate in contributed or ():
                    if gate.name in names:
                        raise pytest.UsageError(
                            f"two gates are named {gate.name!r}: {names[gate.name]!r} and {gate!r}; gate names must be unique")
                    names[gate.name] = gate
                    gates.append(gate)
            assumptions = load_assumptions(self.lean_dir)
            for gate in gates:
                if gate.theorem in assumptions and not gate.assumptions:
                    gate.assumptions = tuple(assumptions[gate.theorem])
            self._gates = gates
        return self._gates

    @property
    def schema(self) -> Schema:
        if self._schema is None:
            methods: dict[str, Method] = {}
            for contributed in self.config.hook.pytest_obstacles_methods(config=self.config):
                for method in contributed or ():
                    methods.setdefault(method.name, method)
            gate_params: dict[str, list[Param]] = {}
            for gate in self.gates:
                for p in gate.params:
                    gate_params.setdefault(p.name, [])
                    if p not in gate_params[p.name]:
                        gate_params[p.name].append(p)
            self._schema = Schema(methods=methods, gate_params=gate_params)
        return self._schema

    def trust(self, gate: Gate) -> GateTrust:
        if gate.name not in self._trust:
            answer = self.config.hook.pytest_obstacles_gate_trust(gate=gate, config=self.config)
            self._trust[gate.name] = answer if answer is not None else GateTrust(
                False, "no trust plugin answered for this gate (is pytest_obstacles.lock registered?)")
        return self._trust[gate.name]

    def untrusted(self) -> list[tuple[Gate, GateTrust]]:
        return [(g, self.trust(g)) for g in self.gates if not self.trust(g).trusted]

    def owns(self, path: Path) -> bool:
        return any(path == root or path.is_relative_to(root) for root in self.roots)

    # -- deciding -----------------------------------------------------------------------
    def decide(self, candidate: Candidate) -> Decision:
        # Tuples, not lists: 10,000 items keep their decisions alive, and () allocates nothing.
        applicable: list[Gate] = []
        unverified: list[tuple[Gate, GateTrust]] = []
        killers: list[Verdict] = []
        for gate in self.gates:
            if gate.reads(candidate) is None:
                continue
            applicable.append(gate)
            verdict = gate.covers(candidate)
            if verdict is None:
                continue
            trust = self.trust(gate)
            if trust.trusted:
                killers.append(verdict)
            else:
                unverified.append((gate, trust))
        decision = Decision(verdict=None, unverified=tuple(unverified), applicable=tuple(applicable))
        if killers:
            first = killers[0]
            if len(killers) > 1:
                also = ", ".join(f"{v.theorem} (class {v.obstacle_class})" for v in killers[1:])
                first = Verdict(**{**first.to_dict(), "assumptions": first.assumptions,
                                   "reason": f"{first.reason}; also killed by {also}"})
            decision.verdict = first
        return decision


def load_assumptions(lean_dir: Path) -> dict[str, list[str]]:
    """Modelling assumptions per gate theorem, from ``<lean>/assumptions.toml`` (empty if absent)."""
    path = lean_dir / "assumptions.toml"
    if not path.is_file():
        return {}
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise pytest.UsageError(f"{path}: invalid TOML: {exc}") from None
    return {name: list(entry.get("assumptions", [])) for name, entry in data.get("gates", {}).items()}
