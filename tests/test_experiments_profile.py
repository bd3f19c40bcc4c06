"""``pytest-obstacles profile``: one measurement of a model, as facts gates can read."""

from __future__ import annotations

import json
import math
from fractions import Fraction

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from pytest_obstacles import cli  # noqa: E402
from pytest_obstacles.exact import exact  # noqa: E402
from pytest_obstacles.gates.spectral import SpectralFloorGate  # noqa: E402


def test_profile_command_writes_consistent_facts(tmp_path, capsys):
    out = tmp_path / "profiles" / "gpt2-tiny.json"
    assert cli.main(["profile", "gpt2-tiny", "-o", str(out), "--spectrum", "8"]) == 0
    assert "gpt2-tiny: 8 matrices" in capsys.readouterr().out
    doc = json.loads(out.read_text())
    assert doc["schema"] == 1 and doc["kind"] == "causal" and doc["facts"]["layers"] == "2"
    sranks = [m["stable_rank"] for m in doc["matrices"]]
    for m in doc["matrices"]:
        assert len(m["spectrum_sq"]) == min(8, *m["shape"])
        assert sum(m["spectrum_sq"]) + m["spectrum_tail_sq"] == pytest.approx(m["frobenius_sq"], rel=1e-9)
        assert m["stable_rank"] == pytest.approx(m["frobenius_sq"] / m["spectral_norm_sq"])
        assert 1 <= m["rank_for_energy"]["0.9"] <= m["rank_for_energy"]["0.99"] <= m["rank_for_energy"]["0.999"]
    facts = doc["facts"]
    # exact decimals, rounded down (never above the measurement), within one unit of the 6th place
    top = exact(facts["stable_rank"])
    assert top <= Fraction(max(sranks)) < top + Fraction(1, 10**6)
    assert exact(facts["stable_rank_min"]) <= Fraction(min(sranks))
    lows = [exact(facts[f"pruned_readout_energy@{f}"]) for f in ("0.01", "0.05", "0.1", "0.25", "0.5")]
    assert lows == sorted(lows) and 0 <= lows[0] and lows[-1] <= Fraction(1, 2)
    assert abs(doc["spread_ratio"]["rotated"] - math.sqrt(2 / math.pi)) < 0.02
    # a gate reads a fact directly: rank 4 on the profiled stable rank
    gate = SpectralFloorGate()
    values = {"rank": 4, "stable_rank": gate.params[1].convert(facts["stable_rank"]), "max_rel_sq_error": Fraction(1, 2)}
    assert gate.kills(values)  # 1 - 4/30.4 > 0.5


def test_profile_of_an_unknown_model_fails_without_touching_the_network(capsys):
    assert cli.main(["profile", "no-such-org/no-such-model"]) == 2
    assert "is not a built-in name" in capsys.readouterr().err
