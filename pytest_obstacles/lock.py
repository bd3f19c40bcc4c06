"""The lock (``<lean>/obstacles.lock.json``) and the gate trust it grants.

``pytest-obstacles lean-check`` (or ``pytest --lean-check``) writes the lock after Lean checked
the library; plugin runs only read it and hash a handful of files, never run Lean. A gate may
kill only when its theorem is in the lock as ``checked``, bound to the decision function the
gate mirrors (same name, same arity) and to a decision theorem, and every source file the
theorem depends on still has the sha256 the lock recorded. Anything else answers untrusted,
with the reason, and the gate never kills.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pytest

from .trust import GateTrust

LOCK_NAME = "obstacles.lock.json"
LOCK_FORMAT = 1
CHECKED = "checked"
UNTRUSTED = "untrusted"
HOW_TO_FIX = "run `pytest-obstacles lean-check` (or `pytest --lean-check`)"


class LockError(ValueError):
    """The lock file is unreadable or malformed."""


@dataclass
class ModuleRecord:
    """One Lean module as last checked."""

    path: str
    sha256: str
    imports: list[str]  # library modules it imports
    closure: dict[str, str]  # path -> sha256 of it and everything it imports, transitively
    compiled: bool  # Lean accepted it (exit 0, no error)
    errors: list[str]  # why Lean did not accept it
    sorries: list[str]  # "declaration uses `sorry`" warnings, file:line
    breakers: list[str]  # trust breakers the source audit found (recomputed on every check)
    backend: str
    lean_version: str

    @property
    def problems(self) -> list[str]:
        return ([f"build error: {e}" for e in self.errors] + [f"Lean warns: {s}" for s in self.sorries]
                + [f"trust breaker: {b}" for b in self.breakers] + ([] if self.compiled or self.errors else
                                                                     ["not compiled"]))

    @property
    def status(self) -> str:
        return CHECKED if self.compiled and not self.problems else UNTRUSTED


@dataclass
class LockEntry:
    """One gate theorem: where it lives, what decides it, what it rests on, and whether Lean checked it."""

    theorem: str
    module: str | None
    status: str  # "checked" or "untrusted"
    why: list[str]  # empty when checked
    sources: dict[str, str]  # path -> sha256 of every source file the theorem depends on
    decision: str | None
    decision_arity: int | None
    decision_theorem: str | None
    obstacle_class: str | None
    binding: list[str]  # problems Lean found binding theorem, decision function and decision theorem
    axioms: list[str] | None  # from `#print axioms` (native Lean); None when not audited
    backend: str
    lean_version: str
    soundness_theorem: str | None = None  # decision = true -> obstacle, bound when the library declares one


@dataclass
class Lock:
    backend: str
    lean_version: str
    modules: dict[str, ModuleRecord] = field(default_factory=dict)
    theorems: dict[str, LockEntry] = field(default_factory=dict)
    format: int = LOCK_FORMAT

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "generated_by": "pytest-obstacles lean-check",
            "backend": self.backend,
            "lean_version": self.lean_version,
            "modules": {k: {**asdict(v), "status": v.status} for k, v in sorted(self.modules.items())},
            "theorems": {k: asdict(v) for k, v in sorted(self.theorems.items())},
        }

    def dumps(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"

    @classmethod
    def from_dict(cls, data: Any) -> "Lock":
        if not isinstance(data, dict) or data.get("format") != LOCK_FORMAT:
            found = data.get("format") if isinstance(data, dict) else type(data).__name__
            raise LockError(f"unsupported lock format {found!r} (expected {LOCK_FORMAT})")
        try:
            modules = {}
            for name, m in data.get("modules", {}).items():
                m = {k: v for k, v in m.items() if k != "status"}
                modules[name] = ModuleRecord(**m)
            theorems = {name: LockEntry(**t) for name, t in data.get("theorems", {}).items()}
            return cls(backend=data["backend"], lean_version=data["lean_version"], modules=modules, theorems=theorems)
        except (KeyError, TypeError, AttributeError) as exc:
            raise LockError(f"malformed lock: {exc}") from None


def lock_path(lean_dir: Path) -> Path:
    return Path(lean_dir) / LOCK_NAME


def read_lock(path: Path) -> Lock:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise LockError(f"cannot read {path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise LockError(f"{path} is not valid JSON: {exc}") from None
    return Lock.from_dict(data)


def write_lock(path: Path, lock: Lock) -> bool:
    """Write atomically; returns False (and leaves the file alone) when the content is unchanged."""
    text = lock.dumps()
    path = Path(path)
    try:
        if path.read_text(encoding="utf-8") == text:
            return False
    except OSError:
        pass
    tmp = path.with_name(path.name + f".tmp{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return True


# -- trust ------------------------------------------------------------------------------------
class LockTrust:
    """Answers gate trust from one library's lock; reads the lock and hashes each file once."""

    def __init__(self, lean_dir: Path) -> None:
        self.lean_dir = Path(lean_dir)
        self.path = lock_path(self.lean_dir)
        self._lock: Lock | None = None
        self._error: str | None = None
        self._loaded = False
        self._hashes: dict[str, str | None] = {}

    def lock(self) -> Lock | None:
        if not self._loaded:
            self._loaded = True
            if not self.path.is_file():
                self._error = f"no Lean lock at {self.path}: {HOW_TO_FIX}"
            else:
                try:
                    self._lock = read_lock(self.path)
                except LockError as exc:
                    self._error = f"{exc}; {HOW_TO_FIX}"
        return self._lock

    def _hash(self, rel: str) -> str | None:
        if rel not in self._hashes:
            try:
                self._hashes[rel] = hashlib.sha256((self.lean_dir / rel).read_bytes()).hexdigest()
            except OSError:
                self._hashes[rel] = None
        return self._hashes[rel]

    def trust(self, gate: Any) -> GateTrust:
        lock = self.lock()
        if lock is None:
            return GateTrust(False, self._error or f"no Lean lock: {HOW_TO_FIX}")
        entry = lock.theorems.get(gate.theorem)
        if entry is None:
            return GateTrust(False, f"theorem {gate.theorem} is not in {self.path.name} (missing, renamed, or not "
                                    f"declared in {self.lean_dir.name}/assumptions.toml): {HOW_TO_FIX}")
        if entry.status != CHECKED:
            why = "; ".join(entry.why) or "no reason recorded"
            return GateTrust(False, f"Lean did not check {gate.theorem}: {why}")
        if entry.decision != gate.decision:
            return GateTrust(False, f"gate {gate.name} decides with {gate.decision}, but the lock binds "
                                    f"{gate.theorem} to {entry.decision}")
        arity = decide_arity(gate)
        if entry.decision_arity is None or arity != entry.decision_arity:
            return GateTrust(False, f"gate {gate.name} decides on {arity} arguments, but Lean checked "
                                    f"{entry.decision} with {entry.decision_arity}")
        if not entry.decision_theorem:
            return GateTrust(False, f"no decision theorem links {entry.decision} to {gate.theorem}: declare "
                                    "decision_theorem in assumptions.toml")
        if not entry.sources or entry.module is None:
            return GateTrust(False, f"the lock records no sources for {gate.theorem}: {HOW_TO_FIX}")
        for rel, locked in sorted(entry.sources.items()):
            now = self._hash(rel)
            if now is None:
                return GateTrust(False, f"{rel}, which {gate.theorem} depends on, is gone since Lean checked it: "
                                        f"{HOW_TO_FIX}")
            if now != locked:
                return GateTrust(False, f"stale: {rel} changed since Lean checked {gate.theorem} (sha256 "
                                        f"{now[:12]} on disk, {locked[:12]} in the lock): {HOW_TO_FIX}")
        return GateTrust(True, f"checked by {entry.lean_version} ({entry.backend}); "
                               f"{len(entry.sources)} source files match the lock")


def decide_arity(gate: Any) -> int | None:
    """Number of arguments of ``gate.decide`` (None when it takes ``*args``)."""
    try:
        params = inspect.signature(gate.decide).parameters.values()
    except (TypeError, ValueError):
        return None
    if any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in params):
        return None
    return sum(1 for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD))


def trust_from_lock(gate: Any, lean_dir: Path) -> GateTrust:
    """Trust for one gate from ``<lean_dir>/obstacles.lock.json`` (for tools outside pytest)."""
    return LockTrust(lean_dir).trust(gate)


_TRUST_KEY = pytest.StashKey[dict]()


@pytest.hookimpl(trylast=True)
def pytest_obstacles_gate_trust(gate: Any, config: pytest.Config) -> GateTrust:
    from .session import STASH_KEY

    state = config.stash.get(STASH_KEY, None)
    lean_dir = Path(state.lean_dir) if state is not None else Path(config.rootpath) / "lean"
    cache = config.stash.setdefault(_TRUST_KEY, {})
    if lean_dir not in cache:
        cache[lean_dir] = LockTrust(lean_dir)
    return cache[lean_dir].trust(gate)
