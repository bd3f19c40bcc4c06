"""``--candidates-changed-since=REF``: which candidates a pull request added or changed.

A candidate is selected when its file is new since REF, or when the candidate itself (id, model,
method, params, kill criteria, requirements) differs from the one with the same id at REF.
Everything is selected when the theorem side changed: anything under the Lean library, a
``conftest.py`` (it may register gates), or this package's gates.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from .candidate import Candidate, CandidateError
from .loader import Schema, load_bytes


@dataclass
class ChangeSet:
    ref: str
    toplevel: Path
    changed: set[Path] = field(default_factory=set)  # files changed since REF, committed or not, plus untracked
    everything: str | None = None  # why every candidate is selected, if so
    _old: dict[Path, dict[str, str]] = field(default_factory=dict, repr=False)

    def selects(self, candidate: Candidate, schema: Schema) -> bool:
        if self.everything is not None or candidate.source.resolve() not in self.changed:
            return self.everything is not None
        before = self._old_candidates(candidate.source, schema)
        return before.get(candidate.id) != fingerprint(candidate)

    def selects_error(self, error: CandidateError) -> bool:
        return self.everything is not None or error.source.resolve() in self.changed

    def _old_candidates(self, path: Path, schema: Schema) -> dict[str, str]:
        cache = self._old
        if path not in cache:
            rel = path.resolve().relative_to(self.toplevel).as_posix()
            proc = _git(self.toplevel, "show", f"{self.ref}:{rel}", check=False)
            old = {}
            if proc.returncode == 0:
                for entry in load_bytes(path, proc.stdout.encode(), schema):
                    if isinstance(entry, Candidate):
                        old[entry.id] = fingerprint(entry)
            cache[path] = old
        return cache[path]


def fingerprint(candidate: Candidate) -> str:
    d = candidate.to_dict()
    for key in ("source", "file_sha256"):
        d.pop(key)
    d["description"] = candidate.description
    return json.dumps(d, sort_keys=True)


def changes_since(ref: str, start: Path, lean_dir: Path) -> ChangeSet:
    """The files changed since ``ref`` in the git work tree holding ``start``; raises UsageError on a bad ref."""
    proc = _git(start, "rev-parse", "--show-toplevel", check=False)
    if proc.returncode != 0:
        raise pytest.UsageError(f"--candidates-changed-since: {start} is not inside a git work tree")
    top = Path(proc.stdout.strip()).resolve()
    if _git(top, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False).returncode != 0:
        raise pytest.UsageError(f"--candidates-changed-since={ref}: not a commit in {top} "
                                "(in CI, fetch the base branch first, e.g. git fetch origin main)")
    names = _git(top, "diff", "--name-only", "--no-renames", ref).stdout.splitlines()
    names += _git(top, "ls-files", "--others", "--exclude-standard").stdout.splitlines()
    changed = {(top / n).resolve() for n in names if n}
    cs = ChangeSet(ref=ref, toplevel=top, changed=changed)
    gates_dir = (Path(__file__).parent / "gates").resolve()
    for path in sorted(changed):
        if path.is_relative_to(lean_dir.resolve()):
            cs.everything = f"the Lean library changed ({path.relative_to(top)})"
        elif path.name == "conftest.py":
            cs.everything = f"{path.relative_to(top)} changed (it may register gates)"
        elif path.is_relative_to(gates_dir):
            cs.everything = f"a built-in gate changed ({path.relative_to(top)})"
        if cs.everything:
            break
    return cs


def _git(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
    except FileNotFoundError:
        raise pytest.UsageError("--candidates-changed-since needs git on PATH") from None
    if check and proc.returncode != 0:
        raise pytest.UsageError(f"git {' '.join(args)} failed: {proc.stderr.strip()}")
    return proc
