"""Learning from kills: experiment kills that no theorem explains, grouped with counts."""

import json

from pytest_obstacles.cli import main
from pytest_obstacles.ledger import append
from pytest_obstacles.unexplained import unexplained


def rec(cid, method, params, outcome="experiment-killed", criterion="kl_mean > 0.05", model="olmoe-tiny"):
    return {"candidate": cid, "method": method, "model": model, "params": params, "outcome": outcome,
            "criterion": criterion}


RECORDS = [
    rec("a", "lowrank", {"rank": 8, "energy": "0.9"}),
    rec("b", "lowrank", {"rank": 8}, model="llama-tiny"),
    rec("c", "lowrank", {"rank": 16}, criterion="top1_agreement < 0.9"),
    rec("d", "quant", {"bits": 2}),
    # killed in an experiment before the depth theorem existed: today's gate explains it
    rec("e", "lowrank", {"layers": 16, "tolerance": "0.05", "per_layer_error": "0.004"}),
    rec("f", "quant", {"bits": 4}, outcome="survived", criterion=None),
    rec("g", "quant", {"bits": 3}),
    rec("g", "quant", {"bits": 3}, outcome="survived", criterion=None),  # re-run: the latest verdict counts
]


def test_groups_by_method_with_shared_params_and_counts():
    result = unexplained(RECORDS)
    assert result["experiment_kills"] == 5
    assert result["explained_by_theorem"] == {"e": "Obstacles.kills_iff_pow_exceeds"}
    assert result["unexplained"] == 4
    lowrank, quant = result["groups"]
    assert lowrank["method"] == "lowrank" and lowrank["kills"] == 3
    assert {"param": "rank", "value": 8, "count": 2} in lowrank["shared_params"]
    assert lowrank["criteria_fired"] == {"kl_mean > 0.05": 2, "top1_agreement < 0.9": 1}
    assert lowrank["models"] == {"olmoe-tiny": 2, "llama-tiny": 1}
    assert quant["candidates"] == ["d"]


def test_cli_reads_the_ledger(tmp_path, capsys):
    ledger = tmp_path / "ledger.jsonl"
    for r in RECORDS:
        append(ledger, r)
    assert main(["unexplained", "--ledger", str(ledger)]) == 0
    out = capsys.readouterr().out
    assert "5 experiment kills in the ledger; 1 explained by a theorem today; 4 unexplained" in out
    assert "lowrank: 3 unexplained kill(s) on olmoe-tiny ×2, llama-tiny ×1" in out
    assert "shared: rank=8 (2/3)" in out
    assert main(["unexplained", "--ledger", str(ledger), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["unexplained"] == 4
    assert main(["unexplained", "--ledger", str(tmp_path / "missing.jsonl")]) == 2
