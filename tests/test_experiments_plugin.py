"""Experiments through pytest: the kill path, survivors, GPU skips, error verdicts, the ledger, xdist."""

from __future__ import annotations

import json
import textwrap

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

QUANT = """
candidates:
  - id: llama-8bit
    model: llama-tiny
    method: quant
    params: {bits: 8, group_size: 32}
    kill_criteria:
      - {metric: kl_mean, op: ">", threshold: 0.01}
      - {metric: top1_agreement, op: "<", threshold: 0.9}
  - id: llama-2bit
    model: llama-tiny
    method: quant
    params: {bits: 2, group_size: 32}
    kill_criteria:
      - {metric: kl_mean, op: ">", threshold: 0.01}
"""


@pytest.fixture(autouse=True, scope="module")
def warm_imports():
    """In-process pytester runs drop modules first imported inside them; import what the runs use up front."""
    from pytest_obstacles.experiments.engine import measure

    measure("llama-tiny", "quant", {"bits": 8, "group_size": 32}, device="cpu")


def write(pytester, name, text):
    path = pytester.path / "candidates" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def ledger_lines(pytester, name=".obstacles/ledger.jsonl"):
    path = pytester.path / name
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_kill_path_and_survivor(pytester):
    src = write(pytester, "quant.yaml", QUANT)
    result = pytester.runpytest("--candidates=candidates", "--obstacles-device=cpu", "-rA")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines([
        "*killed by experiment, criterion kl_mean > 0.01: measured kl_mean = *, kill threshold kl_mean > 0.01*",
        "PASSED candidates/quant.yaml::llama-8bit",
        "FAILED candidates/quant.yaml::llama-2bit*",
    ])
    records = {r["candidate"]: r for r in ledger_lines(pytester)}
    assert set(records) == {"llama-8bit", "llama-2bit"}
    killed, survived = records["llama-2bit"], records["llama-8bit"]
    assert killed["outcome"] == "experiment-killed" and killed["criterion"] == "kl_mean > 0.01"
    assert killed["metrics"]["kl_mean"] > 0.01 and killed["device"] == "cpu"
    assert survived["outcome"] == "survived" and survived["metrics"]["top1_agreement"] >= 0.9
    for r in records.values():
        assert r["file_sha256"] == r["file_sha256_at_verdict"] and not r["file_edited_since_collection"]
        assert r["source"] == str(src) and r["experiment_seconds"] > 0 and r["worker"] == "main"
        assert "layer_rel_error" in r["details"] and "stable_rank" in r["details"]


def test_gpu_candidate_is_skipped_with_a_reason_on_cpu(pytester):
    write(pytester, "gpu.yaml", """
        id: big-gpu-run
        model: llama-tiny
        method: quant
        requires: [gpu]
        kill_criteria: [{metric: kl_mean, op: ">", threshold: 0.1}]
    """)
    result = pytester.runpytest("--candidates=candidates", "--obstacles-device=cpu", "-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*big-gpu-run: the candidate requires a GPU and the experiment device is cpu*"])
    assert ledger_lines(pytester) == []  # a skip is not a verdict


def test_errors_are_verdicts_in_the_ledger(pytester):
    write(pytester, "bad.yaml", """
        candidates:
          - id: wrong-metric
            model: llama-tiny
            method: quant
            kill_criteria: [{metric: routing_mass_lost, op: ">", threshold: 0.1}]
          - id: bad-knob
            model: llama-tiny
            method: quant
            params: {bits: 40}
            kill_criteria: [{metric: kl_mean, op: ">", threshold: 0.1}]
    """)
    ledger_path = pytester.path / "out" / "my.jsonl"
    result = pytester.runpytest("--candidates=candidates", f"--obstacles-ledger={ledger_path}")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(["*names metric 'routing_mass_lost', which the 'quant' measurement does not produce*",
                                 "*experiment could not run: quant on llama-tiny: knob 'bits' must be <= 16, got 40*"])
    records = [json.loads(line) for line in ledger_path.read_text().splitlines()]
    assert [r["outcome"] for r in records] == ["error", "error"]
    assert "routing_mass_lost" in records[0]["reason"]
    off = pytester.runpytest("--candidates=candidates", "--obstacles-ledger=none")
    off.assert_outcomes(failed=2)
    assert not (pytester.path / ".obstacles").exists()


def test_theorem_kills_are_ledgered_too(trusting_pytester):
    write(trusting_pytester, "depth.yaml", """
        id: too-deep
        model: llama-tiny
        method: quant
        params: {layers: 32, tolerance: 0.05, per_layer_error: 0.01}
        kill_criteria: [{metric: kl_mean, op: ">", threshold: 0.1}]
    """)
    trusting_pytester.runpytest("--candidates=candidates")
    (record,) = ledger_lines(trusting_pytester)
    assert record["outcome"] == "theorem-killed" and record["theorem"] == "Obstacles.kills_iff_pow_exceeds"
    assert record["metrics"] == {} and record["experiment_seconds"] is None


@pytest.mark.slow
def test_xdist_workers_share_one_ledger(pytester):
    write(pytester, "quant.yaml", QUANT)
    write(pytester, "more.yaml", """
        candidates:
          - id: gpt2-8bit
            model: gpt2-tiny
            method: quant
            params: {bits: 8}
            kill_criteria: [{metric: kl_mean, op: ">", threshold: 0.01}]
          - id: olmoe-keep4
            model: olmoe-tiny
            method: prune_experts
            params: {keep_experts: 4}
            kill_criteria: [{metric: routing_mass_lost, op: ">", threshold: 0.3}]
    """)
    result = pytester.runpytest_subprocess("--candidates=candidates", "-n", "2", "--obstacles-device=cpu", "-p",
                                           "xdist")
    result.assert_outcomes(passed=2, failed=2)
    records = ledger_lines(pytester)
    assert sorted(r["candidate"] for r in records) == ["gpt2-8bit", "llama-2bit", "llama-8bit", "olmoe-keep4"]
    assert {r["worker"] for r in records} <= {"gw0", "gw1"}
    assert len({r["run"] for r in records}) == 1  # the controller hands one run id to every worker


def test_a_conftest_method_reuses_the_engine(pytester):
    """The docs/experiments.md example: a user's method measured by the built-in engine."""
    pytester.makeconftest(textwrap.dedent('''
        import pytest
        from pytest_obstacles import Method

        @pytest.hookimpl
        def pytest_obstacles_methods(config):
            return [Method("my_sparsify", ("sparsity",))]

        @pytest.hookimpl
        def pytest_obstacles_measure(candidate, config):
            if candidate.method != "my_sparsify":
                return None
            from pytest_obstacles.experiments.engine import run_experiment
            from pytest_obstacles.experiments.methods.base import BASE_BITS, MethodResult
            def compress(ctx):
                numel = 0
                for m in ctx.matrices:
                    w = m.get(); numel += w.numel()
                    m.set(w * (w.abs() > w.abs().quantile(float(ctx.params["sparsity"]))))
                return MethodResult(bits=BASE_BITS * numel, original_numel=numel)
            return run_experiment(candidate, config, compress=compress)
    '''))
    write(pytester, "mine.yaml", """
        candidates:
          - id: sparse-10
            model: llama-tiny
            method: my_sparsify
            params: {sparsity: 0.1, targets: mlp}
            kill_criteria: [{metric: max_layer_rel_error, op: ">", threshold: 0.2}]
          - id: sparse-90
            model: llama-tiny
            method: my_sparsify
            params: {sparsity: 0.9}
            kill_criteria: [{metric: max_layer_rel_error, op: ">", threshold: 0.2}]
    """)
    result = pytester.runpytest("--candidates=candidates", "--obstacles-device=cpu")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*killed by experiment, criterion max_layer_rel_error > 0.2*"])
