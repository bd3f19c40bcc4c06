"""The kill map command draws the example sweep with the theorem's boundary."""

import json
from fractions import Fraction
from pathlib import Path

from pytest_obstacles.builtin import pytest_obstacles_gates
from pytest_obstacles.cli import main
from pytest_obstacles.killmap import boundary_curves

REPO = Path(__file__).resolve().parent.parent


def test_example_sweep_png_and_svg(tmp_path, capsys):
    png, svg = tmp_path / "map.png", tmp_path / "map.svg"
    assert main(["killmap", str(REPO / "candidates" / "depth_lowrank.yaml"), "-o", str(png),
                 "--ledger", str(tmp_path / "none.jsonl")]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "9 sweep points (3 theorem-killed)" in capsys.readouterr().out
    assert main(["killmap", str(REPO / "candidates" / "depth_lowrank.yaml"), "-o", str(svg)]) == 0
    text = svg.read_text()
    assert text.lstrip().startswith("<?xml") and "<svg" in text


def test_ledger_outcomes_colour_the_experiment_points(tmp_path, capsys):
    ledger = tmp_path / "ledger.jsonl"
    ledger.write_text(json.dumps({"candidate_id": "olmoe-lowrank-depth[layers=4,per_layer_error=0.001]",
                                  "outcome": "survived"}) + "\n")
    from pytest_obstacles.killmap import latest_outcomes

    assert latest_outcomes(ledger) == {"olmoe-lowrank-depth[layers=4,per_layer_error=0.001]": "survived"}


def test_boundary_curve_is_the_exact_bound():
    gates = list(pytest_obstacles_gates(None))

    class Sample:
        params = {"rank": 48, "tolerance": Fraction(1, 20)}

    curves = boundary_curves(gates, Sample, "layers", "per_layer_error", [Fraction(4), Fraction(32)])
    [(name, pts)] = curves.items()
    assert "kills_iff_pow_exceeds" in name
    at16 = dict(pts)[16.0]
    assert abs(at16 - (1.05 ** (1 / 16) - 1)) < 1e-8


def test_a_file_without_a_two_key_sweep_is_an_error(tmp_path, capsys):
    f = tmp_path / "one.yaml"
    f.write_text("id: a\nmodel: m\nmethod: quant\nparams: {}\nsweep: {bits: [2, 4]}\n"
                 "kill_criteria: [{metric: k, op: '>', threshold: 1}]\n")
    assert main(["killmap", str(f), "-o", str(tmp_path / "x.png")]) == 2
    assert "need two swept params" in capsys.readouterr().err
