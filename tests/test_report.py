"""The per-class table, the time-saved estimate and the versioned JSON report."""

import json
import textwrap
from importlib import resources

import pytest

from conftest import TRUST_ALL_CONFTEST

jsonschema = pytest.importorskip("jsonschema")

MEASURE_CONFTEST = TRUST_ALL_CONFTEST + textwrap.dedent('''
    import time
    from pytest_obstacles import Measurement

    def pytest_obstacles_measure(candidate, config):
        time.sleep(0.01)
        # a stand-in experiment: KL grows with the per-layer error
        eps = float(candidate.params.get("per_layer_error", 0))
        return Measurement(metrics={"kl_mean": 10 * eps}, device="cpu", seconds=0.01)
''')
CRIT = '[{metric: kl_mean, op: ">", threshold: 0.025}]'
CANDIDATES = f"""
candidates:
  - id: depth
    model: m
    method: lowrank
    params: {{layers: 16, tolerance: 0.05}}
    sweep: {{per_layer_error: [0.001, 0.003, 0.004, 0.01]}}
    kill_criteria: {CRIT}
  - id: q
    model: m
    method: quant
    params: {{bits: 2, value_range: 1, max_abs_error: 0.01}}
    kill_criteria: {CRIT}
  - id: plain
    model: m
    method: quant
    params: {{bits: 8}}
    kill_criteria: {CRIT}
  - {{id: broken, model: m, method: nope, kill_criteria: {CRIT}}}
"""


@pytest.fixture
def run(pytester):
    pytester.makeconftest(MEASURE_CONFTEST)
    (pytester.path / "candidates").mkdir()
    (pytester.path / "candidates" / "c.yaml").write_text(CANDIDATES)
    return pytester


def schema():
    return json.loads(resources.files("pytest_obstacles").joinpath("report_schema.json").read_text())


def test_table_and_json_report(run):
    result = run.runpytest("--candidates=candidates", "--obstacles-report=out/report.json")
    result.stdout.fnmatch_lines([
        "*obstacles per class*",
        "class     killed  survived  exp-killed  unverified",
        "L              2         1           1           0",
        "Q              1         0           0           0",
        "none           0         1           0           0",
        "experiment time saved by 3 theorem kills: ~* s on cpu (ESTIMATE from 3 measured runs)",
    ])
    doc = json.loads((run.path / "out" / "report.json").read_text())
    jsonschema.validate(doc, schema())
    assert doc["totals"] == {"theorem-killed": 3, "survived": 2, "experiment-killed": 1, "error": 1, "skipped": 0}
    assert doc["classes"]["L"] == {"theorem-killed": 2, "survived": 1, "experiment-killed": 1, "unverified": 0}
    assert doc["time_saved"]["estimate"] is True and doc["time_saved"]["seconds"] > 0
    killed = {c["candidate"]: c for c in doc["candidates"] if c["outcome"] == "theorem-killed"}
    assert killed["q"]["theorem"] == "Obstacles.quant_resolution" and killed["q"]["obstacle_class"] == "Q"


def test_xdist_gives_the_same_report(run):
    pytest.importorskip("xdist")
    run.runpytest_subprocess("--candidates=candidates", "--obstacles-report=serial.json")
    run.runpytest_subprocess("--candidates=candidates", "--obstacles-report=parallel.json", "-n", "2")

    def stable(path):
        doc = json.loads((run.path / path).read_text())
        jsonschema.validate(doc, schema())
        doc.pop("time_saved")
        for c in doc["candidates"]:
            c.pop("duration")
        return doc

    assert stable("serial.json") == stable("parallel.json")


def test_unverified_gates_are_counted(pytester):
    pytester.makeconftest(MEASURE_CONFTEST.replace("@pytest.hookimpl(tryfirst=True)\ndef pytest_obstacles_gate_trust",
                                                   "def _no_trust"))
    (pytester.path / "candidates").mkdir()
    (pytester.path / "candidates" / "c.yaml").write_text(CANDIDATES)
    result = pytester.runpytest("--candidates=candidates", "--obstacles-report=r.json")
    doc = json.loads((pytester.path / "r.json").read_text())
    jsonschema.validate(doc, schema())
    assert doc["classes"]["L"]["unverified"] == 2 and doc["classes"]["Q"]["unverified"] == 1
    assert {g["gate"] for g in doc["unverified_gates"]} == {"depth-composition", "quant-resolution"}
    result.stdout.fnmatch_lines(["UNVERIFIED gate depth-composition (Obstacles.kills_iff_pow_exceeds, class L): *"])
