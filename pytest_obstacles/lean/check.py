"""``lean-check``: audit and compile the library, bind every gate theorem, write the lock.

1. Scan the library (sha256 of every ``.lean``) and audit every module's source for trust breakers.
2. Compile, in import order, each module whose source closure (or the toolchain) changed since the
   lock; reuse the lock's record for the rest ("unchanged modules are not rechecked").
3. For each gate theorem whose closure changed, compile one generated file in which each line names
   one fact: the theorem exists and is a proposition, the decision theorem exists, the decision
   function has type ``Nat → … → Bool`` with the gate's arity. An error on a line fails that fact.
4. With native Lean, ``#print axioms`` each bound theorem from a non-module file.
5. Write ``obstacles.lock.json``: a theorem is ``checked`` only when every module it depends on
   compiled with no error, no ``sorry`` and no trust breaker, and every binding fact held.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from ..lock import CHECKED, UNTRUSTED, Lock, LockEntry, LockError, ModuleRecord, lock_path, read_lock, write_lock
from .audit import disallowed_axioms, parse_axioms, scan
from .backends import DEFAULT_TIMEOUT, Backend, find_backend
from .library import GateSpec, LeanLibrary, gate_specs
from .messages import LeanRun
from .runner import CompileResult, LeanRunner
from .wasm_install import cache_dir

NO_TOOLCHAIN = "none"


@dataclass
class CheckReport:
    lock: Lock
    lock_path: Path
    compiled: list[str] = field(default_factory=list)  # modules Lean compiled in this run
    reused: list[str] = field(default_factory=list)  # modules whose lock record still held
    bound: list[str] = field(default_factory=list)  # theorems whose binding Lean checked in this run
    written: bool = False
    seconds: float = 0.0
    backend: str | None = None  # the toolchain used, None when nothing needed Lean
    notes: list[str] = field(default_factory=list)

    @property
    def untrusted_modules(self) -> dict[str, ModuleRecord]:
        return {n: r for n, r in self.lock.modules.items() if r.status != CHECKED}

    @property
    def untrusted_theorems(self) -> dict[str, LockEntry]:
        return {n: e for n, e in self.lock.theorems.items() if e.status != CHECKED}

    @property
    def ok(self) -> bool:
        return not self.untrusted_modules and not self.untrusted_theorems

    def lines(self) -> list[str]:
        """A human summary: one line per theorem, then every module problem."""
        out = []
        for name, e in sorted(self.lock.theorems.items()):
            if e.status == CHECKED:
                out.append(f"checked    {name}  ({e.module}; decided by {e.decision}/{e.decision_arity}, "
                           f"{e.decision_theorem})")
            else:
                out.append(f"UNTRUSTED  {name}: {'; '.join(e.why)}")
        for name, r in sorted(self.untrusted_modules.items()):
            for p in r.problems:
                out.append(f"module {name}: {p}")
        out.extend(f"note: {n}" for n in self.notes)
        how = (f"Lean ({self.backend}) compiled {len(self.compiled)} module(s), bound {len(self.bound)} theorem(s)"
               if self.backend else "no Lean needed")
        out.append(f"lean-check: {len(self.lock.theorems) - len(self.untrusted_theorems)}/{len(self.lock.theorems)} "
                   f"gate theorems checked; {len(self.reused)} module(s) unchanged; {how}; {self.seconds:.2f} s; "
                   f"lock {'written' if self.written else 'unchanged'}: {self.lock_path}")
        return out


def lean_check(lean_dir: Path, gates: Iterable[Any] = (), *, cache: Path | None = None, jobs: int = 1,
               from_scratch: bool = False, backend: str | Backend | None = None, write: bool = True,
               timeout: float = DEFAULT_TIMEOUT, progress: Callable[[str], None] | None = None) -> CheckReport:
    """Check the library at ``lean_dir`` and (unless ``write`` is False) rewrite its lock."""
    start = time.perf_counter()
    progress = progress or (lambda msg: None)
    cache = Path(cache) if cache is not None else cache_dir()
    library = LeanLibrary.scan(Path(lean_dir))
    specs = gate_specs(library, gates)
    path = lock_path(library.root)
    report_notes: list[str] = []
    old: Lock | None = None
    if not from_scratch and path.is_file():
        try:
            old = read_lock(path)
        except LockError as exc:
            report_notes.append(f"ignoring the old lock ({exc}); everything is rechecked")
    findings = {name: [str(f) for f in scan(mod.text(), mod.path)] for name, mod in library.modules.items()}

    tool: Backend | None = backend if isinstance(backend, Backend) else find_backend(
        backend, cache, install_missing=False, cwd=library.root, progress=progress)
    plan = _Plan(library, specs, old, tool.identity if tool else None)
    if plan.modules or plan.theorems:
        if tool is None:
            tool = find_backend(backend, cache, install_missing=True, cwd=library.root, progress=progress)
            plan = _Plan(library, specs, old, tool.identity)
    results: dict[str, CompileResult] = {}
    binding: dict[str, list[str]] = {}
    axioms: dict[str, list[str] | None] = {}
    if plan.modules or plan.theorems:
        assert tool is not None
        runner = LeanRunner(library, tool, cache, timeout=timeout, progress=progress)
        with runner.locked():
            if from_scratch:
                runner.clean()
            runner.sync()
            needed = {m for s in plan.theorems for m in library.closure(s.module)}
            targets = set(plan.modules) | {m for m in needed if not runner.has_output(m)}
            results = runner.build(targets, jobs=jobs)
            bindable = [s for s in plan.theorems if all(runner.has_output(m) for m in library.closure(s.module))]
            for s in plan.theorems:
                if s not in bindable:
                    binding[s.theorem] = [f"not bound: {s.module} or an import of it did not compile"]
                    axioms[s.theorem] = None
            if bindable:
                binding.update(_bind(runner, library, bindable))
                if tool.axiom_audit:
                    axioms.update(_axioms(runner, library, [s for s in bindable if not binding[s.theorem]]))
            for s in bindable:
                axioms.setdefault(s.theorem, None)

    lean_version = tool.version if tool else (old.lean_version if old else NO_TOOLCHAIN)
    backend_name = tool.name if tool else (old.backend if old else NO_TOOLCHAIN)
    lock = Lock(backend=backend_name, lean_version=lean_version)
    for name in library.order():
        mod = library.modules[name]
        if name in results:
            lock.modules[name] = _fresh_record(library, name, results[name], findings[name], backend_name,
                                               lean_version)
        else:
            prev = old.modules[name]  # unchanged, so the plan kept it
            lock.modules[name] = ModuleRecord(path=mod.path, sha256=mod.sha256, imports=library.local_imports(name),
                                              closure=library.closure_hashes(name), compiled=prev.compiled,
                                              errors=prev.errors, sorries=prev.sorries, breakers=findings[name],
                                              backend=prev.backend, lean_version=prev.lean_version)
    for spec in specs:
        prev = old.theorems.get(spec.theorem) if old else None
        if spec.theorem in binding:
            entry_binding, entry_axioms, b, v = binding[spec.theorem], axioms.get(spec.theorem), backend_name, lean_version
        elif prev is not None and spec not in plan.theorems:
            entry_binding, entry_axioms, b, v = prev.binding, prev.axioms, prev.backend, prev.lean_version
        else:
            entry_binding, entry_axioms, b, v = [], None, backend_name, lean_version
        lock.theorems[spec.theorem] = _entry(library, spec, lock.modules, entry_binding, entry_axioms, b, v)

    report = CheckReport(lock=lock, lock_path=path, compiled=sorted(n for n, r in results.items() if r.run),
                         reused=sorted(n for n in library.modules if n not in results),
                         bound=sorted(binding), backend=tool.identity if (tool and (results or binding)) else None,
                         notes=report_notes)
    if write:
        report.written = write_lock(path, lock)
    report.seconds = time.perf_counter() - start
    return report


class _Plan:
    """What must be rechecked: modules whose closure or toolchain changed, theorems bound to them."""

    def __init__(self, library: LeanLibrary, specs: list[GateSpec], old: Lock | None, toolchain: str | None) -> None:
        def same_toolchain(backend: str, version: str) -> bool:
            return toolchain is None or f"{backend}: {version}" == toolchain

        self.modules: list[str] = []
        for name in library.order():
            rec = old.modules.get(name) if old else None
            if not (rec and rec.sha256 == library.modules[name].sha256 and rec.closure == library.closure_hashes(name)
                    and same_toolchain(rec.backend, rec.lean_version)):
                self.modules.append(name)
        self.theorems: list[GateSpec] = []
        for spec in specs:
            if spec.module not in library.modules:
                continue  # nothing for Lean to check; _entry says why
            e = old.theorems.get(spec.theorem) if old else None
            current = (e is not None and e.module == spec.module and e.decision == spec.decision
                       and e.decision_arity == spec.arity and e.decision_theorem == spec.decision_theorem
                       and e.soundness_theorem == spec.soundness_theorem
                       and e.sources == library.closure_hashes(spec.module) and same_toolchain(e.backend, e.lean_version)
                       and not set(library.closure(spec.module)) & set(self.modules))
            if not current:
                self.theorems.append(spec)


def _fresh_record(library: LeanLibrary, name: str, result: CompileResult, breakers: list[str], backend: str,
                  version: str) -> ModuleRecord:
    mod = library.modules[name]
    errors: list[str] = []
    sorries: list[str] = []
    if result.status == "blocked":
        errors.append(f"not compiled: import {', '.join(result.blocked_by)} failed or is missing")
    if result.run is not None:
        if result.status == "failed":
            errors.extend(result.run.failure_lines())
        sorries = [f"{m.where()}: {m.first_line()}" for m in result.run.sorries]
    return ModuleRecord(path=mod.path, sha256=mod.sha256, imports=library.local_imports(name),
                        closure=library.closure_hashes(name), compiled=result.ok, errors=errors, sorries=sorries,
                        breakers=breakers, backend=backend, lean_version=version)


def _entry(library: LeanLibrary, spec: GateSpec, records: dict[str, ModuleRecord], binding: list[str],
           axioms: list[str] | None, backend: str, version: str) -> LockEntry:
    why: list[str] = []
    sources: dict[str, str] = {}
    if spec.module is None:
        why.append(f"no module of the library declares theorem {spec.theorem.split('.')[-1]} (missing or renamed?); "
                   "name its module in assumptions.toml if it is generated")
    elif spec.module not in library.modules:
        why.append(f"module {spec.module} (declared for {spec.theorem}) is not in the library")
    else:
        sources = library.closure_hashes(spec.module)
        for m in library.closure(spec.module):
            why.extend(f"{m}: {p}" for p in records[m].problems)
        why.extend(binding)
        if axioms is not None:
            bad = disallowed_axioms(axioms)
            if bad:
                why.append(f"depends on axioms beyond propext, Classical.choice, Quot.sound: {', '.join(bad)}")
    if not spec.decision:
        why.append("no decision function declared (assumptions.toml `decision`)")
    if not spec.decision_theorem:
        why.append("no decision theorem declared (assumptions.toml `decision_theorem`)")
    if spec.decision and spec.arity is None:
        why.append(f"arity of {spec.decision} unknown (no gate mirrors it and its signature is not `(… : Nat) : Bool`)")
    return LockEntry(theorem=spec.theorem, module=spec.module, status=UNTRUSTED if why else CHECKED, why=why,
                     sources=sources, decision=spec.decision, decision_arity=spec.arity,
                     decision_theorem=spec.decision_theorem, obstacle_class=spec.obstacle_class, binding=binding,
                     axioms=axioms, backend=backend, lean_version=version, soundness_theorem=spec.soundness_theorem)


# -- binding: one generated file, one fact per line -------------------------------------------
def binding_file(library: LeanLibrary, specs: list[GateSpec]) -> tuple[str, dict[int, tuple[str, str]]]:
    """The check file's text and {line: (theorem, fact)} for each fact line."""
    imports = sorted({s.module for s in specs if s.module})
    lines = ["module", "", "prelude"] + [f"public import {m}" for m in imports] + [""]
    facts: dict[int, tuple[str, str]] = {}

    def fact(theorem: str, what: str, code: str) -> None:
        lines.append(code)
        facts[len(lines)] = (theorem, what)

    for s in specs:
        lines.append(f"-- {s.theorem}")
        fact(s.theorem, f"theorem {s.theorem} exists", f"example := @{s.theorem}")
        fact(s.theorem, f"{s.theorem} is a theorem (its type is a Prop)", f"example : Prop := type_of% @{s.theorem}")
        for kind, name in (("decision theorem", s.decision_theorem), ("soundness theorem", s.soundness_theorem)):
            if name:
                fact(s.theorem, f"{kind} {name} exists", f"example := @{name}")
                fact(s.theorem, f"{name} is a theorem", f"example : Prop := type_of% @{name}")
        if s.decision:
            if s.arity is not None:
                sig = " → ".join(["Nat"] * s.arity + ["Bool"])
                fact(s.theorem, f"decision function {s.decision} : {sig}", f"example : {sig} := @{s.decision}")
            else:
                fact(s.theorem, f"decision function {s.decision} exists", f"example := @{s.decision}")
    return "\n".join(lines) + "\n", facts


def _bind(runner: LeanRunner, library: LeanLibrary, specs: list[GateSpec]) -> dict[str, list[str]]:
    text, facts = binding_file(library, specs)
    run = runner.run_check_file("Bindings", text)
    problems: dict[str, list[str]] = {s.theorem: [] for s in specs}
    for msg in run.errors:
        if msg.line in facts:
            theorem, what = facts[msg.line]
            problems[theorem].append(f"Lean could not confirm that {what}: {msg.first_line()}")
        else:
            for s in specs:
                problems[s.theorem].append(f"binding check failed: {msg.where()}: {msg.first_line()}")
    if not run.ok and not run.errors:
        for s in specs:
            problems[s.theorem].extend(run.failure_lines())
    return problems


def _axioms(runner: LeanRunner, library: LeanLibrary, specs: list[GateSpec]) -> dict[str, list[str] | None]:
    """``#print axioms`` from a non-module file (native Lean only)."""
    if not specs:
        return {}
    names = {s.theorem: [n for n in (s.theorem, s.decision_theorem, s.soundness_theorem) if n] for s in specs}
    lines = ["prelude"] + [f"import {m}" for m in sorted({s.module for s in specs if s.module})]
    lines += [f"#print axioms {n}" for ns in names.values() for n in ns]
    run: LeanRun = runner.run_check_file("Axioms", "\n".join(lines) + "\n")
    printed = parse_axioms(run.output)
    out: dict[str, list[str] | None] = {}
    for theorem, ns in names.items():
        if any(n not in printed for n in ns):
            out[theorem] = ["<axiom audit printed nothing>"]  # not an allowed axiom: the theorem stays untrusted
        else:
            out[theorem] = sorted({a for n in ns for a in printed[n]})
    return out


def compare_locks(committed: Lock, fresh: Lock) -> list[str]:
    """Differences that matter for trust (toolchain fields are ignored)."""
    diffs: list[str] = []
    for name in sorted(set(committed.theorems) | set(fresh.theorems)):
        a, b = committed.theorems.get(name), fresh.theorems.get(name)
        if a is None or b is None:
            diffs.append(f"theorem {name}: {'missing from' if a is None else 'not produced by'} the "
                         f"{'committed lock' if a is None else 'fresh check'}")
            continue
        for attr in ("module", "status", "sources", "decision", "decision_arity", "decision_theorem",
                     "soundness_theorem"):
            if getattr(a, attr) != getattr(b, attr):
                diffs.append(f"theorem {name}: {attr} is {getattr(a, attr)!r} in the lock, {getattr(b, attr)!r} "
                             "when checked now")
    for name in sorted(set(committed.modules) | set(fresh.modules)):
        a, b = committed.modules.get(name), fresh.modules.get(name)
        if a is None or b is None:
            diffs.append(f"module {name}: {'missing from' if a is None else 'no longer in'} the "
                         f"{'committed lock' if a is None else 'library'}")
        elif (a.sha256, a.status) != (b.sha256, b.status):
            diffs.append(f"module {name}: sha256/status {a.sha256[:12]}/{a.status} in the lock, "
                         f"{b.sha256[:12]}/{b.status} now")
    return diffs
