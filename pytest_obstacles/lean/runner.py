"""LeanRunner: compile a library to ``.olean`` in import order, in a staging copy under the cache.

The staging copy holds the very bytes that were hashed (read once, hashed, written), so what
Lean checks is what the lock names. Each ``.olean`` carries a stamp: the sha256 of its module's
source closure and the toolchain. An output whose stamp does not match is deleted before
anything runs, so a renamed or edited module can never be imported stale.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import shutil
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from .backends import DEFAULT_TIMEOUT, Backend
from .library import LeanLibrary
from .messages import LeanRun

CHECK_DIR = "PytestObstaclesCheck"  # generated check files live here, never in the library
OUTPUT_SUFFIXES = (".olean", ".olean.private", ".olean.server", ".ilean", ".ir", ".c", ".stamp")


@dataclass
class CompileResult:
    module: str
    status: str  # "compiled", "failed" (Lean rejected it) or "blocked" (an import failed)
    run: LeanRun | None = None
    blocked_by: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == "compiled"


class LeanRunner:
    def __init__(self, library: LeanLibrary, backend: Backend, cache: Path, *, timeout: float = DEFAULT_TIMEOUT,
                 progress: Callable[[str], None] | None = None) -> None:
        self.library = library
        self.backend = backend
        root = str(Path(library.root).resolve())
        self.work = Path(cache) / "work" / f"{Path(root).name}-{hashlib.sha256(root.encode()).hexdigest()[:16]}"
        self.src = self.work / "src"
        self.build_dir = self.work / "build"
        self.timeout = timeout
        self.progress = progress or (lambda msg: None)

    # -- keys and outputs -----------------------------------------------------------------
    def module_key(self, name: str) -> str:
        doc = {"closure": self.library.closure_hashes(name), "toolchain": self.backend.identity}
        return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()

    def olean(self, name: str) -> Path:
        return self.build_dir / (self.library.modules[name].path[: -len(".lean")] + ".olean")

    def _stamp(self, name: str) -> Path:
        return self.olean(name).with_suffix(".stamp")

    def has_output(self, name: str) -> bool:
        try:
            return self.olean(name).is_file() and self._stamp(name).read_text().strip() == self.module_key(name)
        except OSError:
            return False

    def _remove_outputs(self, name: str) -> None:
        base = str(self.olean(name))[: -len(".olean")]
        for suffix in OUTPUT_SUFFIXES:
            Path(base + suffix).unlink(missing_ok=True)

    # -- the staging copy -----------------------------------------------------------------
    @contextlib.contextmanager
    def locked(self):
        """Hold the working copy exclusively (two checks of one library never interleave)."""
        self.work.mkdir(parents=True, exist_ok=True)
        with open(self.work / ".lock", "a+") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield self
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def sync(self) -> None:
        """Write the hashed sources into the staging copy and delete every stale output."""
        self.src.mkdir(parents=True, exist_ok=True)
        self.build_dir.mkdir(parents=True, exist_ok=True)
        wanted = {}
        for mod in self.library.modules.values():
            target = self.src / mod.path
            wanted[target] = mod.source
        for extra in ("lean-toolchain", "lakefile.toml", "lakefile.lean", "lake-manifest.json"):  # for elan / lake env
            p = Path(self.library.root) / extra
            if p.is_file():
                wanted[self.src / extra] = p.read_bytes()
        for path in list(self.src.rglob("*.lean")):
            if path not in wanted and CHECK_DIR not in path.relative_to(self.src).parts:
                path.unlink()
        for target, data in wanted.items():
            if not target.is_file() or target.read_bytes() != data:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
        by_base = {str(self.olean(n))[: -len(".olean")]: n for n in self.library.modules}
        for path in list(self.build_dir.rglob("*")):
            if not path.is_file():
                continue
            base = str(path)
            for suffix in OUTPUT_SUFFIXES:
                if base.endswith(suffix):
                    base = base[: -len(suffix)]
                    break
            name = by_base.get(base)
            if name is None or not self.has_output(name):
                path.unlink()

    # -- compiling ------------------------------------------------------------------------
    def build(self, names: Iterable[str], jobs: int = 1) -> dict[str, CompileResult]:
        """Compile ``names`` (always) and any import of theirs without a valid output, deps first."""
        names = set(names)
        targets = [m for m in self.library.order(names) if m in names or not self.has_output(m)]
        results: dict[str, CompileResult] = {}
        pending = list(targets)
        running: dict[Future, str] = {}
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            while pending or running:
                for name in list(pending):
                    deps = self.library.local_imports(name)
                    if any(d in pending or d in running.values() for d in deps):
                        continue
                    pending.remove(name)
                    missing = self.library.missing_imports(name)
                    bad = [d for d in deps if d in results and not results[d].ok] + missing
                    if bad:
                        self._remove_outputs(name)
                        results[name] = CompileResult(name, "blocked", blocked_by=bad)
                        self.progress(f"lean: {name} not compiled: import {', '.join(bad)} "
                                      f"{'is missing' if missing else 'failed'}")
                        continue
                    running[pool.submit(self._compile, name)] = name
                if not running:
                    continue
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for fut in done:
                    name = running.pop(fut)
                    results[name] = fut.result()
        return results

    def _compile(self, name: str) -> CompileResult:
        mod = self.library.modules[name]
        self._remove_outputs(name)
        self.progress(f"lean: compiling {name} ({self.backend.name}) ...")
        run = self.backend.run(mod.path, self.src, self.build_dir, olean=self.olean(name), timeout=self.timeout)
        ok = run.ok and self.olean(name).is_file()
        if ok:
            self._stamp(name).write_text(self.module_key(name) + "\n")
        else:
            self._remove_outputs(name)
        warnings = sum(1 for m in run.messages if m.severity == "warning")
        self.progress(f"lean: {name} {'compiled' if ok else 'FAILED'} in {run.seconds:.0f} s"
                      + (f" ({len(run.errors)} errors)" if run.errors else "")
                      + (f" ({warnings} warnings)" if warnings else ""))
        return CompileResult(name, "compiled" if ok else "failed", run=run)

    def run_check_file(self, stem: str, text: str) -> LeanRun:
        """Run Lean on a generated file (no ``.olean``) that imports compiled library modules."""
        rel = f"{CHECK_DIR}/{stem}.lean"
        path = self.src / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        self.progress(f"lean: running {rel} ({self.backend.name}) ...")
        run = self.backend.run(rel, self.src, self.build_dir, olean=None, timeout=self.timeout)
        self.progress(f"lean: {rel} {'ok' if run.ok else 'has errors'} in {run.seconds:.0f} s")
        return run

    def clean(self) -> None:
        """Forget every output (``--from-scratch``)."""
        shutil.rmtree(self.build_dir, ignore_errors=True)
