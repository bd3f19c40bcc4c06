"""The plugin end to end through pytester: collection, verdicts, summary, strict mode, junitxml, xdist."""

import textwrap
import xml.etree.ElementTree as ET

import pytest

from conftest import TRUST_ALL_CONFTEST

CRIT = '[{metric: kl_mean, op: ">", threshold: 0.05}]'

DEPTH_FILE = f"""
candidates:
  - id: boundary
    model: m
    method: lowrank
    params: {{layers: 3, tolerance: 0.331, per_layer_error: 0.1}}
    kill_criteria: {CRIT}
  - id: past-boundary
    model: m
    method: lowrank
    params: {{layers: 3, tolerance: 0.331, per_layer_error: 0.1000001}}
    kill_criteria: {CRIT}
  - id: olmoe
    model: m
    method: lowrank
    params: {{tolerance: 0.05}}
    sweep: {{layers: [16], per_layer_error: [0.003, 0.004]}}
    kill_criteria: {CRIT}
"""


def write(pytester, name, text):
    path = pytester.path / "candidates" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def test_float_arithmetic_gets_the_boundary_wrong():
    # The reason verdicts are exact: in floats the boundary candidate looks killed.
    assert (1 + 0.1) ** 3 - 1 > 0.331


def test_covered_candidates_end_as_theorem_killed(trusting_pytester):
    write(trusting_pytester, "depth.yaml", DEPTH_FILE)
    result = trusting_pytester.runpytest("--candidates=candidates", "-m", "theorem_only", "-rK")
    result.assert_outcomes(deselected=2)
    result.stdout.fnmatch_lines([
        "*KILLED candidates/depth.yaml::past-boundary",
        "*Obstacles.kills_iff_pow_exceeds (class L, gate depth-composition)",
        "*(1+ε)^L = 1.3310004 > 1+τ = 1.331*",
        "*KILLED candidates/depth.yaml::olmoe[[]layers=16,per_layer_error=0.004[]]",
        "*per-layer error must be ≤ 0.003054 for L=16, τ=0.05*",
        "*2 theorem-killed*",
    ])
    assert "::boundary" not in result.stdout.str().split("theorem-killed (2)")[1]
    assert result.ret == 0


def test_verbose_shows_the_verdict_word(trusting_pytester):
    write(trusting_pytester, "depth.yaml", DEPTH_FILE)
    result = trusting_pytester.runpytest("--candidates=candidates", "-m", "theorem_only", "-v")
    result.stdout.fnmatch_lines(["*::past-boundary THEOREM-KILLED*", "*Obstacles.kills_iff_pow_exceeds*"])


def test_uncovered_candidates_are_slow_experiments_that_need_a_measurement(trusting_pytester):
    write(trusting_pytester, "depth.yaml", DEPTH_FILE)
    result = trusting_pytester.runpytest("--candidates=candidates", "-m", "slow and experiment")
    result.assert_outcomes(failed=2, deselected=2)
    # the built-in engine measures lowrank; model 'm' is no built-in name and no cached hub id
    result.stdout.fnmatch_lines(["*candidate 'boundary': experiment could not run: model 'm' is not a built-in name*"])
    assert result.ret == 1


def test_strict_mode_fails_the_run_on_a_theorem_kill(trusting_pytester):
    write(trusting_pytester, "depth.yaml", DEPTH_FILE)
    result = trusting_pytester.runpytest("--candidates=candidates", "-m", "theorem_only", "--obstacles-strict")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*KILLED candidates/depth.yaml::past-boundary", "*Obstacles.kills_iff_pow_exceeds*",
                                 "--obstacles-strict: 2 theorem-killed candidate(s) fail the run", "*2 theorem-killed*"])


def test_strict_mode_passes_when_nothing_is_killed(trusting_pytester):
    write(trusting_pytester, "ok.yaml", f"""
        id: fine
        model: m
        method: lowrank
        params: {{layers: 16, tolerance: 0.05, per_layer_error: 0.001}}
        kill_criteria: {CRIT}
    """)
    result = trusting_pytester.runpytest("--candidates=candidates", "-m", "theorem_only", "--obstacles-strict")
    assert result.ret == pytest.ExitCode.OK  # all deselected: nothing killed is success, not "no tests"
    result.stdout.fnmatch_lines(["*1 deselected*"])


def test_ini_options(trusting_pytester):
    write(trusting_pytester, "depth.yaml", DEPTH_FILE)
    trusting_pytester.makeini("[pytest]\ncandidates = candidates\nobstacles_strict = true\n")
    result = trusting_pytester.runpytest("-m", "theorem_only")
    assert result.ret == 1
    result.stdout.fnmatch_lines(["*2 theorem-killed*"])


def test_without_the_option_nothing_is_collected(pytester):
    write(pytester, "depth.yaml", DEPTH_FILE)
    pytester.makepyfile(test_plain="def test_one():\n    pass\n")
    result = pytester.runpytest()
    result.assert_outcomes(passed=1)


def test_explicit_test_args_run_beside_candidates(trusting_pytester):
    write(trusting_pytester, "depth.yaml", DEPTH_FILE)
    trusting_pytester.makepyfile(test_plain="def test_one():\n    pass\n")
    result = trusting_pytester.runpytest("test_plain.py", "--candidates=candidates", "-m", "theorem_only or not slow")
    result.stdout.fnmatch_lines(["*1 passed*2 theorem-killed*"])


def test_missing_candidate_dir_is_a_usage_error(pytester):
    result = pytester.runpytest("--candidates=nowhere")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--candidates*nowhere: no such file or directory*"])


def test_bad_inputs_fail_alone_and_everything_else_runs(trusting_pytester):
    write(trusting_pytester, "depth.yaml", DEPTH_FILE)
    write(trusting_pytester, "broken.yaml", "id: [oops\n")
    write(trusting_pytester, "empty.json", "")
    write(trusting_pytester, "bad.toml", "id = 'x'\nmodel = 'm'\nmethod = 'lowrank'\nparams = { layers = 0 }\n"
                                         "kill_criteria = [{metric = 'k', op = '>', threshold = 1}]\n")
    result = trusting_pytester.runpytest("--candidates=candidates", "-m", "theorem_only")
    result.assert_outcomes(failed=3, deselected=2)
    result.stdout.fnmatch_lines([
        "*bad candidate input:*bad.toml, candidate 'x', field 'params.layers': layers must be >= 1, got 0*",
        "*bad candidate input:*broken.yaml: invalid YAML*",
        "*bad candidate input:*empty.json: file is empty*",
        "*3 failed, 2 deselected, 2 theorem-killed*",
    ])


def test_duplicate_ids_across_files_name_both_files(trusting_pytester):
    one = f"id: same\nmodel: m\nmethod: quant\nparams: {{bits: 4}}\nkill_criteria: {CRIT}\n"
    write(trusting_pytester, "a.yaml", one)
    write(trusting_pytester, "b.yaml", one)
    result = trusting_pytester.runpytest("--candidates=candidates", "-m", "theorem_only")
    result.assert_outcomes(failed=1, deselected=1)
    result.stdout.fnmatch_lines(["*b.yaml, candidate 'same', field 'id': duplicate candidate id 'same': also defined in *a.yaml*"])


def test_junitxml_shows_the_kill_with_theorem_and_class(trusting_pytester):
    write(trusting_pytester, "depth.yaml", DEPTH_FILE)
    result = trusting_pytester.runpytest("--candidates=candidates", "-m", "theorem_only", "--junitxml=out.xml")
    assert result.ret == 0
    root = ET.parse(trusting_pytester.path / "out.xml").getroot()
    cases = {c.get("name"): c for c in root.iter("testcase")}
    killed = cases["past-boundary"]
    skipped = killed.find("skipped")
    assert skipped is not None and "theorem-killed" in skipped.get("message")
    assert "Obstacles.kills_iff_pow_exceeds" in skipped.get("message")
    props = {p.get("name"): p.get("value") for p in killed.iter("property")}
    assert props["obstacles_verdict"] == "theorem-killed"
    assert props["obstacles_theorem"] == "Obstacles.kills_iff_pow_exceeds"
    assert props["obstacles_class"] == "L"


def test_junitxml_strict_kill_is_a_failure(trusting_pytester):
    write(trusting_pytester, "depth.yaml", DEPTH_FILE)
    trusting_pytester.runpytest("--candidates=candidates", "-m", "theorem_only", "--junitxml=out.xml", "--obstacles-strict")
    root = ET.parse(trusting_pytester.path / "out.xml").getroot()
    failures = [c for c in root.iter("testcase") if c.find("failure") is not None]
    assert len(failures) == 2
    assert "Obstacles.kills_iff_pow_exceeds" in failures[0].find("failure").get("message")


def test_xdist_gives_the_same_verdicts(trusting_pytester):
    pytest.importorskip("xdist")
    write(trusting_pytester, "depth.yaml", DEPTH_FILE)
    result = trusting_pytester.runpytest_subprocess("--candidates=candidates", "-m", "theorem_only", "-n", "2", "-rK")
    result.stdout.fnmatch_lines(["*KILLED candidates/depth.yaml::past-boundary*", "*2 theorem-killed*"])
    assert result.ret == 0
    strict = trusting_pytester.runpytest_subprocess("--candidates=candidates", "-m", "theorem_only", "-n", "2",
                                                    "--obstacles-strict")
    assert strict.ret == 1


def test_theorem_only_never_imports_torch(trusting_pytester):
    write(trusting_pytester, "depth.yaml", DEPTH_FILE)
    conftest = TRUST_ALL_CONFTEST + textwrap.dedent("""
        import sys
        def pytest_sessionfinish(session):
            heavy = sorted(m for m in ("torch", "transformers", "numpy") if m in sys.modules)
            (session.config.rootpath / "heavy.txt").write_text(",".join(heavy))
    """)
    trusting_pytester.makeconftest(conftest)
    result = trusting_pytester.runpytest_subprocess("--candidates=candidates", "-m", "theorem_only")
    result.stdout.fnmatch_lines(["*2 theorem-killed*"])
    assert (trusting_pytester.path / "heavy.txt").read_text() == ""


def test_untrusted_gates_never_kill(pytester):
    # No trust plugin vouches for the gate here: the candidate goes on to its experiment.
    write(pytester, "depth.yaml", DEPTH_FILE)
    result = pytester.runpytest("--candidates=candidates", "-m", "theorem_only")
    result.stdout.fnmatch_lines(["*4 deselected*"])
    strict = pytester.runpytest("--candidates=candidates", "-m", "theorem_only", "--obstacles-strict")
    assert strict.ret == 1
    strict.stdout.fnmatch_lines(["*--obstacles-strict: gate depth-composition would kill but its theorem "
                                 "Obstacles.kills_iff_pow_exceeds is unverified*"])


def test_a_conftest_adds_gates_methods_and_measurements(pytester):
    pytester.makeconftest(TRUST_ALL_CONFTEST + textwrap.dedent('''
        from fractions import Fraction
        from pytest_obstacles import Gate, Param, Method, Measurement
        from pytest_obstacles.gate import ratio

        class SparsityGate(Gate):
            name = "sparsity"
            obstacle_class = "X"
            theorem = "My.sparsity_kills"
            decision = "My.sparsityKills"
            params = (Param("sparsity", "fraction of zeroed weights", minimum=Fraction(0), maximum=Fraction(1)),)
            def lean_args(self, values):
                return ratio(values["sparsity"])
            def decide(self, n, d):
                return 2 * n > d
            def explain(self, values):
                return f"sparsity {values['sparsity']} > 1/2", {}

        def pytest_obstacles_gates(config):
            return [SparsityGate()]

        def pytest_obstacles_methods(config):
            return [Method("magnitude", ("sparsity",))]

        def pytest_obstacles_measure(candidate, config):
            if candidate.method != "magnitude":
                return None
            return Measurement(metrics={"kl_mean": float(candidate.params["sparsity"]) / 4})
    '''))
    crit = '[{metric: kl_mean, op: ">", threshold: 0.05}]'
    write(pytester, "s.yaml", f"""
        id: mag
        model: m
        method: magnitude
        params: {{}}
        sweep: {{sparsity: [0.1, 0.3, 0.9]}}
        kill_criteria: {crit}
    """)
    result = pytester.runpytest("--candidates=candidates", "-rK")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines([
        "*killed by experiment, criterion kl_mean > 0.05: measured kl_mean = 0.075, kill threshold kl_mean > 0.05*",
        "*KILLED candidates/s.yaml::mag[[]sparsity=0.9[]]*",
        "*My.sparsity_kills (class X, gate sparsity)*",
        "*1 failed, 1 passed, 1 theorem-killed*",
    ])
