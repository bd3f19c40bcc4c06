"""Candidate files: exact numbers, sweeps, and a clear error for every kind of bad input."""

from fractions import Fraction
from pathlib import Path

import pytest

from pytest_obstacles.builtin import pytest_obstacles_gates, pytest_obstacles_methods
from pytest_obstacles.candidate import Candidate, CandidateError
from pytest_obstacles.loader import Schema, load_file

CRITERIA = '[{metric: kl_mean, op: ">", threshold: 0.05}]'


@pytest.fixture
def schema() -> Schema:
    gate_params: dict = {}
    for gate in pytest_obstacles_gates(None):
        for p in gate.params:
            gate_params.setdefault(p.name, []).append(p)
    return Schema(methods={m.name: m for m in pytest_obstacles_methods(None)}, gate_params=gate_params)


def load(tmp_path: Path, schema: Schema, name: str, text: str):
    path = tmp_path / name
    path.write_text(text)
    return load_file(path, schema)


def one_error(entries) -> CandidateError:
    errors = [e for e in entries if isinstance(e, CandidateError)]
    assert len(errors) == 1, entries
    return errors[0]


def test_single_candidate_file(tmp_path, schema):
    [c] = load(tmp_path, schema, "a.yaml", f"""
id: c1
model: olmoe-tiny
method: lowrank
params: {{rank: 64, layers: 16, tolerance: 0.05, per_layer_error: 0.003}}
kill_criteria: {CRITERIA}
""")
    assert isinstance(c, Candidate)
    assert c.params == {"rank": 64, "layers": 16, "tolerance": Fraction(1, 20), "per_layer_error": Fraction(3, 1000)}
    assert c.kill_criteria[0].threshold == Fraction(1, 20)
    assert len(c.file_sha256) == 64


@pytest.mark.parametrize("name,text", [
    ("a.yaml", "id: c\nmodel: m\nmethod: lowrank\nparams: {tolerance: 0.331}\nkill_criteria: [{metric: k, op: '>', threshold: 1}]\n"),
    ("a.toml", "id = 'c'\nmodel = 'm'\nmethod = 'lowrank'\nparams = { tolerance = 0.331 }\nkill_criteria = [{metric = 'k', op = '>', threshold = 1}]\n"),
    ("a.json", '{"id": "c", "model": "m", "method": "lowrank", "params": {"tolerance": 0.331}, "kill_criteria": [{"metric": "k", "op": ">", "threshold": 1}]}'),
])
def test_decimals_are_exact_in_every_format(tmp_path, schema, name, text):
    [c] = load(tmp_path, schema, name, text)
    assert c.params["tolerance"] == Fraction(331, 1000)


def test_sweep_expands_to_the_cartesian_product_with_readable_ids(tmp_path, schema):
    entries = load(tmp_path, schema, "s.yaml", f"""
candidates:
  - id: olmoe-lowrank
    model: olmoe-tiny
    method: lowrank
    params: {{tolerance: 0.05, per_layer_error: 0.001}}
    sweep: {{rank: [32, 64], layers: [16, 32]}}
    kill_criteria: {CRITERIA}
""")
    assert [c.id for c in entries] == [
        "olmoe-lowrank[rank=32,layers=16]", "olmoe-lowrank[rank=32,layers=32]",
        "olmoe-lowrank[rank=64,layers=16]", "olmoe-lowrank[rank=64,layers=32]",
    ]
    assert entries[3].params["layers"] == 32 and entries[3].sweep_point == {"rank": 64, "layers": 32}


def test_a_bad_sweep_point_fails_alone(tmp_path, schema):
    entries = load(tmp_path, schema, "s.yaml", f"""
id: x
model: m
method: lowrank
params: {{tolerance: 0.05, per_layer_error: 0.001}}
sweep: {{layers: [0, 4]}}
kill_criteria: {CRITERIA}
""")
    assert isinstance(entries[0], CandidateError) and entries[0].candidate == "x[layers=0]"
    assert isinstance(entries[1], Candidate) and entries[1].params["layers"] == 4


BAD_INPUTS = {
    "invalid yaml": ("a.yaml", "id: [unclosed\n", None, "invalid YAML"),
    "invalid toml": ("a.toml", "id = \n", None, "invalid TOML"),
    "invalid json": ("a.json", '{"id": ', None, "invalid JSON"),
    "empty file": ("a.yaml", "\n  \n", None, "file is empty"),
    "yaml with only a comment": ("a.yaml", "# nothing\n", None, "holds no data"),
    "top level list": ("a.yaml", "- 1\n- 2\n", None, "top level is a list"),
    "missing id": ("a.yaml", f"model: m\nmethod: lowrank\nkill_criteria: {CRITERIA}\n", "id", "missing required field 'id'"),
    "unknown method": ("a.yaml", f"id: c\nmodel: m\nmethod: lowrnk\nkill_criteria: {CRITERIA}\n", "method",
                       "unknown method 'lowrnk' (did you mean 'lowrank'?)"),
    "id of wrong type": ("a.yaml", f"id: 12\nmodel: m\nmethod: lowrank\nkill_criteria: {CRITERIA}\n", "id",
                         "must be a non-empty string, got int"),
    "params of wrong type": ("a.yaml", f"id: c\nmodel: m\nmethod: lowrank\nparams: [1]\nkill_criteria: {CRITERIA}\n",
                             "params", "must be a mapping"),
    "layers of wrong type": ("a.yaml", f"id: c\nmodel: m\nmethod: lowrank\nparams: {{layers: sixteen}}\nkill_criteria: {CRITERIA}\n",
                             "params.layers", "expected a number, got 'sixteen'"),
    "fractional layers": ("a.yaml", f"id: c\nmodel: m\nmethod: lowrank\nparams: {{layers: 2.5}}\nkill_criteria: {CRITERIA}\n",
                          "params.layers", "layers must be an integer"),
    "nan": ("a.yaml", f"id: c\nmodel: m\nmethod: lowrank\nparams: {{per_layer_error: .nan}}\nkill_criteria: {CRITERIA}\n",
            "params.per_layer_error", "finite"),
    "inf": ("a.yaml", f"id: c\nmodel: m\nmethod: lowrank\nparams: {{tolerance: .inf}}\nkill_criteria: {CRITERIA}\n",
            "params.tolerance", "finite"),
    "nan in json": ("a.json", '{"id": "c", "model": "m", "method": "lowrank", "params": {"tolerance": NaN}, "kill_criteria": []}',
                    None, "invalid JSON"),
    "inf in toml": ("a.toml", "id = 'c'\nmodel = 'm'\nmethod = 'lowrank'\nparams = { tolerance = inf }\n", None, "invalid TOML"),
    "nan in a knob": ("a.yaml", f"id: c\nmodel: m\nmethod: lowrank\nparams: {{energy: .nan}}\nkill_criteria: {CRITERIA}\n",
                      "params.energy", "finite"),
    "zero layers": ("a.yaml", f"id: c\nmodel: m\nmethod: lowrank\nparams: {{layers: 0}}\nkill_criteria: {CRITERIA}\n",
                    "params.layers", "layers must be >= 1, got 0"),
    "negative layers": ("a.yaml", f"id: c\nmodel: m\nmethod: lowrank\nparams: {{layers: -3}}\nkill_criteria: {CRITERIA}\n",
                        "params.layers", "layers must be >= 1, got -3"),
    "zero tolerance": ("a.yaml", f"id: c\nmodel: m\nmethod: lowrank\nparams: {{tolerance: 0}}\nkill_criteria: {CRITERIA}\n",
                       "params.tolerance", "tolerance must be > 0, got 0"),
    "negative tolerance": ("a.yaml", f"id: c\nmodel: m\nmethod: lowrank\nparams: {{tolerance: -0.1}}\nkill_criteria: {CRITERIA}\n",
                           "params.tolerance", "tolerance must be > 0, got -0.1"),
    "negative per-layer error": ("a.yaml", f"id: c\nmodel: m\nmethod: lowrank\nparams: {{per_layer_error: -0.01}}\nkill_criteria: {CRITERIA}\n",
                                 "params.per_layer_error", "per_layer_error must be >= 0"),
    "sweep over unknown key": ("a.yaml", f"id: c\nmodel: m\nmethod: lowrank\nsweep: {{rnak: [1, 2]}}\nkill_criteria: {CRITERIA}\n",
                               "sweep.rnak", "sweep over unknown key 'rnak' (did you mean 'rank'?)"),
    "sweep values not a list": ("a.yaml", f"id: c\nmodel: m\nmethod: lowrank\nsweep: {{rank: 4}}\nkill_criteria: {CRITERIA}\n",
                                "sweep.rank", "non-empty list"),
    "unknown param": ("a.yaml", f"id: c\nmodel: m\nmethod: lowrank\nparams: {{per_layer_eror: 0.1}}\nkill_criteria: {CRITERIA}\n",
                      "params.per_layer_eror", "did you mean 'per_layer_error'?"),
    "unknown field": ("a.yaml", f"id: c\nmodel: m\nmethod: lowrank\nkill_critera: {CRITERIA}\n", "kill_critera",
                      "did you mean 'kill_criteria'?"),
    "missing kill criteria": ("a.yaml", "id: c\nmodel: m\nmethod: lowrank\n", "kill_criteria", "pre-register"),
    "bad operator": ("a.yaml", "id: c\nmodel: m\nmethod: lowrank\nkill_criteria: [{metric: k, op: '=>', threshold: 1}]\n",
                     "kill_criteria[0].op", "must be one of"),
    "threshold nan": ("a.yaml", "id: c\nmodel: m\nmethod: lowrank\nkill_criteria: [{metric: k, op: '>', threshold: .nan}]\n",
                      "kill_criteria[0].threshold", "finite"),
    "unknown requirement": ("a.yaml", f"id: c\nmodel: m\nmethod: lowrank\nrequires: tpu\nkill_criteria: {CRITERIA}\n",
                            "requires", "unknown requirement 'tpu'"),
    "id with a slash": ("a.yaml", f"id: a/b\nmodel: m\nmethod: lowrank\nkill_criteria: {CRITERIA}\n", "id", "may not contain"),
}


@pytest.mark.parametrize("case", BAD_INPUTS, ids=list(BAD_INPUTS))
def test_bad_input_names_file_candidate_and_field(tmp_path, schema, case):
    name, text, field, message = BAD_INPUTS[case]
    error = one_error(load(tmp_path, schema, name, text))
    assert error.source == tmp_path / name
    assert error.field == field
    assert message in error.message, error.message
    described = error.describe()
    assert str(tmp_path / name) in described
    if field is not None and field != "id":
        assert "candidate 'c'" in described


def test_one_bad_candidate_does_not_hide_the_others(tmp_path, schema):
    entries = load(tmp_path, schema, "mix.yaml", f"""
candidates:
  - {{id: good1, model: m, method: quant, params: {{bits: 4}}, kill_criteria: {CRITERIA}}}
  - {{id: bad, model: m, method: nope, kill_criteria: {CRITERIA}}}
  - {{id: good2, model: m, method: quant, params: {{bits: 8}}, kill_criteria: {CRITERIA}}}
""")
    assert [type(e).__name__ for e in entries] == ["Candidate", "CandidateError", "Candidate"]
