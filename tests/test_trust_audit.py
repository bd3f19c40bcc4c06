"""The trust audit: each trust breaker planted into a copy of the library is caught, and only code counts.

These runs use a fake Lean that accepts everything: the point is that even when Lean says yes
(as it does for `axiom`, `native_decide`, `extern`, ...), the audit keeps the theorem untrusted.
"""

from __future__ import annotations

import pytest
from lean_support import REPO_LEAN, FakeBackend, copy_library

from pytest_obstacles.gates.depth import DepthCompositionGate
from pytest_obstacles.lean.audit import parse_axioms, scan, strip_comments_and_strings
from pytest_obstacles.lean.check import lean_check
from pytest_obstacles.lean.check_cli import builtin_gates
from pytest_obstacles.lock import LockTrust

DEPTH = DepthCompositionGate.theorem
PLANTED = {  # breaker -> (code planted into Obstacles/Depth.lean, label the audit reports)
    "sorry": ("theorem planted : 1 + 1 = 2 := sorry", "sorry"),
    "admit": ("theorem planted : 1 + 1 = 2 := by admit", "admit"),
    "axiom": ("axiom planted : 1 + 1 = 3", "axiom"),
    "native_decide": ("theorem planted : 10 + 10 = 20 := by native_decide", "native_decide"),
    "decide +native": ("theorem planted : 10 + 10 = 20 := by decide +native", "decide +native"),
    "implemented_by": ("@[implemented_by id] def planted (n : Nat) : Nat := n + 1", "implemented_by"),
    "extern": ('@[extern "planted_c"] opaque planted : Nat → Nat', "extern"),
    "unsafe": ("unsafe def planted : Nat := unsafeCast ()", "unsafe"),
    "debug.skipKernelTC": ("set_option debug.skipKernelTC true in\ntheorem planted : 1 + 1 = 3 := rfl",
                           "debug.skipKernelTC"),
    "kernel-weakening option": ("set_option debug.byAsSorry true in\ntheorem planted : 1 + 1 = 2 := by decide",
                                "set_option debug.byAsSorry"),
    "sorryAx": ("theorem planted : 1 + 1 = 3 := sorryAx _ false", "sorryAx"),
    "ofReduceBool": ("theorem planted : true = true := Lean.ofReduceBool true true rfl", "ofReduceBool"),
    "run_cmd": ("run_cmd pure ()", "run_cmd"),
    "#eval": ("#eval (1 : Nat)", "#eval"),
    "elab": ('elab "planted" : tactic => pure ()', "elab"),
}


def check_copy(tmp_path, plant: str | None = None):
    lib = copy_library(REPO_LEAN, tmp_path / "lean")
    if plant is not None:
        depth = lib / "Obstacles" / "Depth.lean"
        depth.write_text(depth.read_text() + "\n" + plant + "\n")
    return lib, lean_check(lib, builtin_gates(), backend=FakeBackend(), cache=tmp_path / "cache")


@pytest.mark.parametrize("breaker", list(PLANTED))
def test_each_planted_breaker_is_caught(tmp_path, breaker):
    code, label = PLANTED[breaker]
    lib, report = check_copy(tmp_path, code)
    entry = report.lock.theorems[DEPTH]
    assert entry.status == "untrusted"
    assert any(w.startswith("Obstacles.Depth: trust breaker: Obstacles/Depth.lean:") and f"`{label}`" in w
               for w in entry.why), entry.why
    assert report.lock.modules["Obstacles.Depth"].status == "untrusted" and not report.ok
    trust = LockTrust(lib).trust(DepthCompositionGate())
    assert not trust.trusted and f"`{label}`" in trust.why
    # A module that does not import Depth is not tainted by it.
    for name, e in report.lock.theorems.items():
        if e.module and "Obstacles/Depth.lean" not in e.sources:
            assert not any("Depth" in w for w in e.why), (name, e.why)


def test_a_breaker_in_an_import_taints_every_theorem_above_it(tmp_path):
    lib = copy_library(REPO_LEAN, tmp_path / "lean")
    basic = lib / "Obstacles" / "Basic.lean"
    basic.write_text(basic.read_text() + "\naxiom planted_basic : False\n")
    report = lean_check(lib, builtin_gates(), backend=FakeBackend(), cache=tmp_path / "cache")
    for name, e in report.lock.theorems.items():
        if e.module:  # every gate module imports Basic
            assert any("Obstacles.Basic: trust breaker" in w and "`axiom`" in w for w in e.why), name


def test_the_untouched_library_has_no_breakers(tmp_path):
    lib, report = check_copy(tmp_path)
    for name, rec in report.lock.modules.items():
        assert rec.breakers == [], (name, rec.breakers)
    assert report.lock.theorems[DEPTH].status == "checked", report.lock.theorems[DEPTH].why


def test_comments_and_strings_mentioning_breakers_are_not_flagged(tmp_path):
    harmless = '''
-- sorry, admit, axiom, native_decide, implemented_by, extern, unsafe, debug.skipKernelTC
/-- A docstring: no `sorry`, no `axiom`, never `native_decide`. /- nested: unsafe -/ still comment: extern -/
/-! set_option debug.skipKernelTC true -/
def plantedText : String := "sorry admit axiom \\"native_decide\\" -- unsafe /- extern -/"
def plantedChar : Char := '"'
def plantedRaw : String := r#"implemented_by "run_cmd" sorry"#
theorem planted_sorry_free : 1 + 1 = 2 := rfl
def axioms_are_listed : Nat := 0
'''
    lib, report = check_copy(tmp_path, harmless)
    assert report.lock.modules["Obstacles.Depth"].breakers == []


def test_interpolated_strings_keep_their_code():
    text = 'def f : String := s!"value {sorry} and {"nested {x}"} done" -- admit\n'
    assert [f.breaker for f in scan(text, "A.lean")] == ["sorry"]


def test_stripping_keeps_lines_and_offsets():
    text = "a /- x\n - y -/ b -- c\n\"s\\\"t\" 'x' h' d"
    out = strip_comments_and_strings(text)
    assert len(out) == len(text) and out.count("\n") == text.count("\n")
    assert out.split() == ["a", "b", "h'", "d"]
    finding = scan("theorem t : True := by\n  trivial\n  -- fine\n  sorry\n", "X.lean")[0]
    assert (finding.line, finding.breaker) == (4, "sorry") and str(finding).startswith("X.lean:4: `sorry`")


def test_axiom_output_is_parsed():
    out = ("'A.t' depends on axioms: [propext, Classical.choice, Quot.sound]\n"
           "'A.u' depends on axioms: [propext,\n sorryAx]\n'A.v' does not depend on any axioms\n")
    assert parse_axioms(out) == {"A.t": ["propext", "Classical.choice", "Quot.sound"], "A.u": ["propext", "sorryAx"],
                                 "A.v": []}
