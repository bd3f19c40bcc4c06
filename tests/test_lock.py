"""The lock: what lean-check writes, when it rechecks, and the trust plugin runs read from it.

Lean is faked here (see lean_support.FakeBackend); the real runs are in the `lean`-marked tests.
"""

from __future__ import annotations

import json
import textwrap
import time

import pytest
from lean_support import FIXTURE_LEAN, REPO_LEAN, FakeBackend, FixGate, copy_library

from pytest_obstacles.cli import main as cli_main
from pytest_obstacles.lean.check import compare_locks, lean_check
from pytest_obstacles.lean.check_cli import builtin_gates
from pytest_obstacles.lock import LockError, lock_path, read_lock, trust_from_lock, write_lock


@pytest.fixture
def fixlib(tmp_path):
    lib = copy_library(FIXTURE_LEAN, tmp_path / "lean")
    lean_check(lib, [FixGate()], backend=FakeBackend(), cache=tmp_path / "cache")
    return lib


def test_the_lock_records_theorem_module_hashes_toolchain_and_status(fixlib):
    lock = read_lock(lock_path(fixlib))
    e = lock.theorems["Fix.fix_gate"]
    assert (e.module, e.status, e.decision, e.decision_arity, e.decision_theorem) == (
        "Fix.Gate", "checked", "Fix.fixKills", 2, "Fix.fixKills_iff")
    assert set(e.sources) == {"Fix/Basic.lean", "Fix/Gate.lean"}  # the module and its imports, not the root
    assert (e.backend, e.lean_version) == ("fake", "fake Lean 0") == (lock.backend, lock.lean_version)
    assert lock.modules["Fix.Gate"].imports == ["Fix.Basic"]
    assert json.loads(lock_path(fixlib).read_text())["modules"]["Fix"]["status"] == "checked"


def test_a_checked_theorem_with_matching_hashes_is_trusted(fixlib):
    trust = trust_from_lock(FixGate(), fixlib)
    assert trust.trusted and "fake Lean 0" in trust.why and "2 source files match" in trust.why


@pytest.mark.parametrize("case", ["no lock", "invalid lock", "missing theorem", "unchecked", "stale", "source gone",
                                  "other decision", "other arity", "no decision theorem"])
def test_trust_is_refused_with_the_reason(fixlib, case):
    path = lock_path(fixlib)
    doc = json.loads(path.read_text())
    entry = doc["theorems"]["Fix.fix_gate"]
    expect = {
        "no lock": "no Lean lock", "invalid lock": "not valid JSON", "missing theorem": "is not in obstacles.lock.json",
        "unchecked": "Lean did not check Fix.fix_gate: Fix.Gate: Lean warns", "stale": "stale: Fix/Basic.lean changed",
        "source gone": "Fix/Gate.lean, which Fix.fix_gate depends on, is gone",
        "other decision": "the lock binds Fix.fix_gate to Fix.otherKills", "other arity": "decides on 2 arguments",
        "no decision theorem": "no decision theorem links"}[case]
    if case == "no lock":
        path.unlink()
    elif case == "invalid lock":
        path.write_text("{")
    elif case == "missing theorem":
        del doc["theorems"]["Fix.fix_gate"]
    elif case == "unchecked":
        entry.update(status="untrusted", why=["Fix.Gate: Lean warns: Fix/Gate.lean:9:8: declaration uses `sorry`"])
    elif case == "stale":
        (fixlib / "Fix" / "Basic.lean").write_text((fixlib / "Fix" / "Basic.lean").read_text() + "-- edited\n")
    elif case == "source gone":
        (fixlib / "Fix" / "Gate.lean").unlink()
    elif case == "other decision":
        entry["decision"] = "Fix.otherKills"
    elif case == "other arity":
        entry["decision_arity"] = 3
    elif case == "no decision theorem":
        entry["decision_theorem"] = None
    if case not in ("no lock", "invalid lock"):
        path.write_text(json.dumps(doc))
    trust = trust_from_lock(FixGate(), fixlib)
    assert not trust.trusted and expect in trust.why, trust.why


def test_lock_files_round_trip_and_reject_garbage(fixlib, tmp_path):
    lock = read_lock(lock_path(fixlib))
    assert write_lock(lock_path(fixlib), lock) is False  # same content: the file is left alone
    (tmp_path / "bad.json").write_text('{"format": 99}')
    with pytest.raises(LockError, match="unsupported lock format 99"):
        read_lock(tmp_path / "bad.json")


def test_unchanged_modules_are_not_rechecked(fixlib, tmp_path):
    fake = FakeBackend()
    report = lean_check(fixlib, [FixGate()], backend=fake, cache=tmp_path / "cache")
    assert fake.calls == [] and report.compiled == [] and report.bound == [] and report.ok and not report.written
    gate = fixlib / "Fix" / "Gate.lean"
    gate.write_text(gate.read_text() + "\n-- an edit\n")
    report = lean_check(fixlib, [FixGate()], backend=fake, cache=tmp_path / "cache")
    assert fake.compiled() == ["Fix/Gate.lean", "Fix.lean"]  # Basic is unchanged and its .olean still valid
    assert report.bound == ["Fix.fix_gate"] and report.written and trust_from_lock(FixGate(), fixlib).trusted


def test_a_new_toolchain_or_from_scratch_rechecks_everything(fixlib, tmp_path):
    fake = FakeBackend(version="fake Lean 1")
    lean_check(fixlib, [FixGate()], backend=fake, cache=tmp_path / "cache")
    assert fake.compiled() == ["Fix/Basic.lean", "Fix/Gate.lean", "Fix.lean"]
    assert read_lock(lock_path(fixlib)).lean_version == "fake Lean 1"
    fake.calls.clear()
    lean_check(fixlib, [FixGate()], backend=fake, cache=tmp_path / "cache", from_scratch=True)
    assert fake.compiled() == ["Fix/Basic.lean", "Fix/Gate.lean", "Fix.lean"]


def test_sorry_and_build_errors_make_the_theorem_untrusted(fixlib, tmp_path):
    fake = FakeBackend(sorries={"Fix/Basic.lean": 5}, errors={"Fix/Gate.lean": 7})
    report = lean_check(fixlib, [FixGate()], backend=fake, cache=tmp_path / "cache", from_scratch=True)
    why = report.lock.theorems["Fix.fix_gate"].why
    assert "Fix.Basic: Lean warns: Fix/Basic.lean:5:0: declaration uses `sorry`" in why
    assert "Fix.Gate: build error: Fix/Gate.lean:7:0: fake type mismatch" in why
    assert "not bound: Fix.Gate or an import of it did not compile" in why
    assert report.lock.modules["Fix"].errors == ["not compiled: import Fix.Gate failed or is missing"]


def test_a_theorem_no_module_declares_is_untrusted_without_running_lean(fixlib, tmp_path):
    class Renamed(FixGate):
        theorem = "Fix.fix_gate_v2"

    report = lean_check(fixlib, [Renamed()], backend=FakeBackend(), cache=tmp_path / "cache")
    entry = report.lock.theorems["Fix.fix_gate_v2"]
    assert entry.status == "untrusted" and "no module of the library declares theorem fix_gate_v2" in entry.why[0]


def test_warm_check_of_the_real_library_takes_under_a_second(tmp_path):
    lib = copy_library(REPO_LEAN, tmp_path / "lean")
    lean_check(lib, builtin_gates(), backend=FakeBackend(), cache=tmp_path / "cache")
    start = time.perf_counter()
    report = lean_check(lib, builtin_gates(), backend=FakeBackend(), cache=tmp_path / "cache")
    assert time.perf_counter() - start < 1.0 and report.compiled == [] and report.bound == []


def test_frozen_cli_fails_on_a_lock_that_does_not_match(fixlib, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PYTEST_OBSTACLES_CACHE", str(tmp_path / "no-toolchain"))  # nothing installed:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # a current lock needs no Lean at all
    # The fixture does not carry the built-in gates' theorems: check what its assumptions.toml declares.
    assert cli_main(["lean-check", "--lean", str(fixlib), "--frozen", "-q", "--library-only"]) == 0
    out = capsys.readouterr().out
    assert "checked    Fix.fix_gate" in out and "the committed lock matches" in out
    doc = json.loads(lock_path(fixlib).read_text())
    doc["theorems"]["Fix.fix_gate"].update(status="untrusted", why=["hand-edited"])
    lock_path(fixlib).write_text(json.dumps(doc))
    assert cli_main(["lean-check", "--lean", str(fixlib), "--frozen", "-q", "--library-only"]) == 1
    out = capsys.readouterr().out
    assert "LOCK MISMATCH theorem Fix.fix_gate: status is 'untrusted' in the lock, 'checked' when checked now" in out
    assert json.loads(lock_path(fixlib).read_text()) == doc  # --frozen never writes


def test_compare_locks_ignores_the_toolchain(fixlib):
    a = read_lock(lock_path(fixlib))
    b = read_lock(lock_path(fixlib))
    b.lean_version = b.theorems["Fix.fix_gate"].lean_version = "another Lean"
    assert compare_locks(a, b) == []
    b.theorems["Fix.fix_gate"].status = "untrusted"
    assert compare_locks(a, b) == ["theorem Fix.fix_gate: status is 'checked' in the lock, 'untrusted' when checked now"]


# -- plugin runs: a gate whose theorem is missing, renamed, unchecked or stale never kills ------------------
FIX_CONFTEST = textwrap.dedent('''
    import sys
    sys.path.insert(0, {tests!r})
    from lean_support import FixGate
    from pytest_obstacles import Measurement, Method

    def pytest_obstacles_gates(config):
        return [FixGate()]

    def pytest_obstacles_methods(config):
        return [Method("fixmethod", ())]

    def pytest_obstacles_measure(candidate, config):
        if candidate.method != "fixmethod":
            return None
        print("MEASURED", candidate.id)
        return Measurement(metrics={{"kl_mean": 0.0}}, device="cpu", seconds=0.0)
''')
FIX_CANDIDATES = """
candidates:
  - id: killed-by-fix
    model: m
    method: fixmethod
    params: {a: 3, b: 2}
    kill_criteria: [{metric: kl_mean, op: ">", threshold: 1}]
"""


@pytest.fixture
def fixrun(pytester):
    from lean_support import TESTS

    lib = copy_library(FIXTURE_LEAN, pytester.path / "lean")
    lean_check(lib, [FixGate()], backend=FakeBackend(), cache=pytester.path / "cache")
    pytester.makeconftest(FIX_CONFTEST.format(tests=str(TESTS)))
    (pytester.path / "candidates").mkdir()
    (pytester.path / "candidates" / "c.yaml").write_text(FIX_CANDIDATES)
    return pytester


def test_a_checked_gate_kills(fixrun):
    result = fixrun.runpytest("--candidates=candidates", "-rK")
    result.stdout.fnmatch_lines(["*KILLED*killed-by-fix*", "*Fix.fix_gate (class X, gate fix)*"])
    assert "MEASURED" not in result.stdout.str()


@pytest.mark.parametrize("how", ["missing", "renamed", "unchecked", "stale"])
def test_an_untrusted_gate_never_kills(fixrun, how):
    lib = fixrun.path / "lean"
    gate_src = lib / "Fix" / "Gate.lean"
    if how == "missing":
        lock_path(lib).unlink()
        why = "no Lean lock"
    elif how == "renamed":  # renamed in Lean and re-checked: the gate's theorem is no longer there
        gate_src.write_text(gate_src.read_text().replace("fix_gate", "fix_gate_renamed"))
        toml = lib / "assumptions.toml"
        toml.write_text(toml.read_text().replace('"Fix.fix_gate"', '"Fix.fix_gate_renamed"'))

        lean_check(lib, [], backend=FakeBackend(), cache=fixrun.path / "cache")
        why = "theorem Fix.fix_gate is not in obstacles.lock.json"
    elif how == "unchecked":
        gate_src.write_text(gate_src.read_text() + "\ntheorem planted : Eq (fixKills 0 0) false := sorry\n")
        lean_check(lib, [FixGate()], backend=FakeBackend(), cache=fixrun.path / "cache")
        why = "Lean did not check Fix.fix_gate"
    else:
        gate_src.write_text(gate_src.read_text() + "\n-- edited after the check\n")
        why = "stale: Fix/Gate.lean changed since Lean checked Fix.fix_gate"
    result = fixrun.runpytest("--candidates=candidates", "-s")
    result.stdout.fnmatch_lines(["*MEASURED killed-by-fix*"])  # it went on to its experiment
    assert result.ret == 0 and "KILLED" not in result.stdout.str()
    strict = fixrun.runpytest("--candidates=candidates", "--obstacles-strict")
    assert strict.ret == 1
    strict.stdout.fnmatch_lines([f"*gate fix would kill but its theorem Fix.fix_gate is unverified: *{why}*"])


def test_lean_check_option_without_candidates_checks_and_exits(fixrun, monkeypatch):
    monkeypatch.setenv("PYTEST_OBSTACLES_CACHE", str(fixrun.path / "no-toolchain"))
    monkeypatch.setenv("PATH", str(fixrun.path / "empty"))
    result = fixrun.runpytest("--lean-check", "-p", "no:cacheprovider")
    # The conftest's gate is checked; the built-in gates' theorems are not in this (fixture) library.
    result.stdout.fnmatch_lines(["*lean-check*", "*checked    Fix.fix_gate*",
                                 "*UNTRUSTED  Obstacles.kills_iff_pow_exceeds: no module of the library declares*",
                                 "*lean-check FAILED*"])
    assert result.ret == 1
    assert "Obstacles.readout_collapse" in read_lock(lock_path(fixrun.path / "lean")).theorems
    gate_src = fixrun.path / "lean" / "Fix" / "Gate.lean"
    gate_src.write_text(gate_src.read_text() + "\n-- edited: Lean is needed and none is installed\n")
    result = fixrun.runpytest("--lean-check")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--lean-check: npm was not found on PATH*"])


def test_lean_check_option_rewrites_the_lock_before_candidates_are_judged(fixrun, monkeypatch):
    gate_src = fixrun.path / "lean" / "Fix" / "Gate.lean"
    gate_src.write_text(gate_src.read_text() + "\n-- edited after the check\n")
    assert "stale" in trust_from_lock(FixGate(), fixrun.path / "lean").why
    monkeypatch.setattr("pytest_obstacles.lean.check.find_backend", lambda *a, **k: FakeBackend())
    result = fixrun.runpytest("--candidates=candidates", "--lean-check", "-rK")
    result.stdout.fnmatch_lines(["*lean: compiling Fix.Gate (fake)*", "*checked    Fix.fix_gate*", "*KILLED*killed-by-fix*"])
