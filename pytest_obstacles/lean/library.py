"""The Lean library on disk: its modules, their imports, the sha256 of every source file,
and the gate theorems it declares (``assumptions.toml``) bound to their decision functions.

Read with plain Python: nothing here runs Lean.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from ..lock import decide_arity
from .audit import strip_comments_and_strings

SKIP_DIRS = {"build", "lake-packages"}
SKIP_FILES = {"lakefile.lean"}
ASSUMPTIONS = "assumptions.toml"


class LibraryError(ValueError):
    """The library cannot be read (missing folder, invalid assumptions.toml); the message says what to fix."""


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class LeanModule:
    name: str  # Obstacles.Depth
    path: str  # Obstacles/Depth.lean, relative to the library root, '/'-separated
    sha256: str
    imports: tuple[str, ...]  # every import, as written
    prelude: bool = False  # the file starts with `prelude` (does not import Init implicitly)
    source: bytes = field(default=b"", repr=False, compare=False)

    def text(self) -> str:
        return self.source.decode("utf-8", "replace")


@dataclass(frozen=True)
class GateSpec:
    """A gate theorem as the library declares it: where it lives and what decides it."""

    theorem: str
    module: str | None
    decision: str | None
    decision_theorem: str | None
    arity: int | None  # number of Nat arguments of the decision function
    obstacle_class: str | None = None
    soundness_theorem: str | None = None  # decision = true -> the obstacle, when the library states it


class LeanLibrary:
    def __init__(self, root: Path, modules: dict[str, LeanModule]) -> None:
        self.root = root
        self.modules = modules
        self._roots = {name.split(".")[0] for name in modules}

    @classmethod
    def scan(cls, root: Path) -> "LeanLibrary":
        root = Path(root)
        if not root.is_dir():
            raise LibraryError(f"Lean library {root} does not exist (set --obstacles-lean / --lean, or ini "
                               "obstacles_lean)")
        modules: dict[str, LeanModule] = {}
        for path in sorted(root.rglob("*.lean")):
            rel = path.relative_to(root)
            if rel.name in SKIP_FILES or any(p.startswith(".") or p in SKIP_DIRS for p in rel.parts[:-1]):
                continue
            data = path.read_bytes()
            name = ".".join(rel.with_suffix("").parts)
            imports, prelude = parse_header(data.decode("utf-8", "replace"))
            modules[name] = LeanModule(name=name, path=rel.as_posix(), sha256=sha256(data), imports=tuple(imports),
                                       prelude=prelude, source=data)
        return cls(root, modules)

    # -- the import graph -----------------------------------------------------------------
    def local_imports(self, name: str) -> list[str]:
        return [i for i in self.modules[name].imports if i in self.modules]

    def missing_imports(self, name: str) -> list[str]:
        """Imports that look local (same top-level name as a library module) but have no file."""
        return [i for i in self.modules[name].imports if i not in self.modules and i.split(".")[0] in self._roots]

    def closure(self, name: str) -> list[str]:
        """``name`` and every library module it imports, transitively; dependencies first."""
        order: list[str] = []
        seen: set[str] = set()

        def visit(n: str, stack: tuple[str, ...]) -> None:
            if n in seen:
                return
            if n in stack:
                raise LibraryError(f"import cycle: {' -> '.join(stack + (n,))}")
            for dep in self.local_imports(n):
                visit(dep, stack + (n,))
            seen.add(n)
            order.append(n)

        visit(name, ())
        return order

    def closure_hashes(self, name: str) -> dict[str, str]:
        """path -> sha256 for ``name`` and everything it imports from the library."""
        return {self.modules[m].path: self.modules[m].sha256 for m in sorted(self.closure(name))}

    def order(self, names: Iterable[str] | None = None) -> list[str]:
        """All (or the given) modules and their library imports, dependencies first."""
        out: list[str] = []
        for n in sorted(self.modules if names is None else names):
            for m in self.closure(n):
                if m not in out:
                    out.append(m)
        return out

    def importers(self, name: str) -> list[str]:
        """Modules whose closure contains ``name`` (``name`` included)."""
        return [m for m in sorted(self.modules) if name in self.closure(m)]

    # -- declarations ---------------------------------------------------------------------
    def declaring(self, full_name: str, kinds: tuple[str, ...] = ("theorem", "lemma", "def", "abbrev")) -> list[str]:
        """Modules whose code (comments and strings stripped) declares ``full_name``'s last component."""
        short = re.escape(full_name.split(".")[-1])
        pattern = re.compile(rf"(?<![\w.'!?])(?:{'|'.join(kinds)})\s+(?:[\w.']*\.)?{short}(?![\w'!?])")
        return [name for name, mod in sorted(self.modules.items())
                if pattern.search(strip_comments_and_strings(mod.text()))]

    def nat_arity(self, decision: str, module: str | None) -> int | None:
        """Arity of ``def <decision> (a b ... : Nat) ... : Bool`` as written in the source, if that simple."""
        short = re.escape(decision.split(".")[-1])
        pattern = re.compile(rf"(?<![\w.'!?])def\s+(?:[\w.']*\.)?{short}\s*((?:\([^()]*\)\s*)*):\s*Bool\b")
        names = self.closure(module) if module in self.modules else sorted(self.modules)
        for name in names:
            m = pattern.search(strip_comments_and_strings(self.modules[name].text()))
            if not m:
                continue
            groups = re.findall(r"\(([^()]*)\)", m.group(1))
            count = 0
            for g in groups:
                binder = re.fullmatch(r"\s*([\w'\s]+?)\s*:\s*Nat\s*", g)
                if binder is None:
                    return None
                count += len(binder.group(1).split())
            return count
        return None


def parse_header(text: str) -> tuple[list[str], bool]:
    """The imports of a Lean file's header (``[public] [meta] import [all] X``) and whether it says ``prelude``."""
    tokens = strip_comments_and_strings(text).split()
    imports: list[str] = []
    prelude = False
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok == "module":
            i += 1
        elif tok == "prelude":
            prelude = True
            i += 1
        elif tok in ("public", "private", "meta") and i + 1 < len(tokens) and tokens[i + 1] in ("import", "meta"):
            i += 1
        elif tok == "import":
            i += 1
            if i < len(tokens) and tokens[i] == "all":
                i += 1
            if i < len(tokens):
                imports.append(tokens[i])
            i += 1
        else:
            break
    return imports, prelude


def read_assumptions(root: Path) -> dict[str, dict[str, Any]]:
    """``[gates."<theorem>"]`` tables of ``<root>/assumptions.toml`` (empty when absent)."""
    path = Path(root) / ASSUMPTIONS
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise LibraryError(f"{path}: invalid TOML: {exc}") from None
    gates = data.get("gates", {})
    if not isinstance(gates, dict):
        raise LibraryError(f"{path}: [gates] must be a table of tables keyed by theorem name")
    return {name: dict(entry) for name, entry in gates.items() if isinstance(entry, dict)}


def gate_specs(library: LeanLibrary, gates: Iterable[Any] = ()) -> list[GateSpec]:
    """Gate theorems declared in ``assumptions.toml``, plus those of the given gates, merged by theorem name.

    assumptions.toml (the library's own word) decides module, decision function and decision theorem;
    a gate contributes what the file leaves out, and the arity of its ``decide``.
    """
    declared = read_assumptions(library.root)
    raw: dict[str, dict[str, Any]] = {}
    for theorem, entry in declared.items():
        raw[theorem] = {"module": entry.get("module"), "decision": entry.get("decision"),
                        "decision_theorem": entry.get("decision_theorem"), "class": entry.get("class"), "arity": None,
                        "soundness_theorem": entry.get("soundness_theorem")}
    for gate in gates:
        spec = raw.setdefault(gate.theorem, {"module": None, "decision": None, "decision_theorem": None,
                                             "class": gate.obstacle_class, "arity": None, "soundness_theorem": None})
        spec["decision"] = spec["decision"] or gate.decision
        spec["class"] = spec["class"] or gate.obstacle_class
        if spec["decision"] == gate.decision and spec["arity"] is None:
            spec["arity"] = decide_arity(gate)
    out = []
    for theorem, s in sorted(raw.items()):
        module = s["module"]
        if module is None:
            found = library.declaring(theorem, ("theorem", "lemma"))
            module = found[0] if len(found) == 1 else None
        arity = s["arity"]
        if arity is None and s["decision"]:
            arity = library.nat_arity(s["decision"], module)
        out.append(GateSpec(theorem=theorem, module=module, decision=s["decision"],
                            decision_theorem=s["decision_theorem"], arity=arity, obstacle_class=s["class"],
                            soundness_theorem=s["soundness_theorem"]))
    return out
