"""The README states what the plugin does: gate assumptions and params stay in sync with the code.

Run this file (``python tests/test_docs.py``) to regenerate the README's assumptions section
from ``lean/assumptions.toml``.
"""

import tomllib
from pathlib import Path

from pytest_obstacles.builtin import pytest_obstacles_gates

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text(encoding="utf-8")


def test_every_gate_assumption_is_in_the_readme():
    gates = tomllib.loads((REPO / "lean" / "assumptions.toml").read_text(encoding="utf-8"))["gates"]
    for theorem, entry in gates.items():
        assert theorem in README
        for assumption in entry["assumptions"]:
            assert assumption in README, (f"README misses an assumption of {theorem}: {assumption}; "
                                          "regenerate with: python tests/test_docs.py")


def test_every_builtin_gate_has_assumptions_and_documented_params():
    gates = tomllib.loads((REPO / "lean" / "assumptions.toml").read_text(encoding="utf-8"))["gates"]
    for gate in pytest_obstacles_gates(None):
        entry = gates[gate.theorem]
        assert entry["class"] == gate.obstacle_class and entry["decision"] == gate.decision
        assert entry["assumptions"], gate.theorem
        for p in gate.params:
            assert f"`{p.name}`" in README, f"README does not document param {p.name} of {gate.name}"


def test_verbose_kills_show_the_assumptions(pytester):
    from conftest import TRUST_ALL_CONFTEST

    pytester.makeconftest(TRUST_ALL_CONFTEST)
    (pytester.path / "c").mkdir()
    (pytester.path / "c" / "a.yaml").write_text(
        "id: deep\nmodel: m\nmethod: lowrank\nparams: {layers: 16, tolerance: 0.05, per_layer_error: 0.01}\n"
        "kill_criteria: [{metric: kl_mean, op: '>', threshold: 0.05}]\n")
    result = pytester.runpytest("--candidates=c", f"--obstacles-lean={REPO / 'lean'}", "-m", "theorem_only", "-vv")
    result.stdout.fnmatch_lines(["*assumes: Scalar/list model: each layer is a scalar gain*"])


def readme_commands() -> list[str]:
    section = README.split("## The two commands", 1)[1].split("\n## ", 1)[0]
    return [block.split("```", 1)[0].strip() for block in section.split("```bash\n")[1:]]


def test_ci_runs_the_readme_test_command_verbatim():
    setup, test = readme_commands()
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert test in ci, f".ci/run must run the README's test command as written:\n{test}"
    assert "pytest --candidates=candidates/" in setup


def assumptions_section() -> str:
    gates = tomllib.loads((REPO / "lean" / "assumptions.toml").read_text(encoding="utf-8"))["gates"]
    out = ["<!-- assumptions:begin -->", "### Modelling assumptions (what Lean does not prove)", "",
           "Every theorem-killed verdict carries its gate's assumptions (shown with `-vv`, stored in the ledger",
           "and the JSON report). They live in one machine-readable place, `lean/assumptions.toml`, which the",
           "plugin reads; `tests/test_docs.py` keeps this section equal to it.", ""]
    for theorem, entry in gates.items():
        out += [f"**{entry['class']}, {entry['name']}** (`{theorem}`): {entry['statement']}", ""]
        out += [f"- {a}" for a in entry["assumptions"]] + [""]
    return "\n".join(out).rstrip() + "\n<!-- assumptions:end -->"


if __name__ == "__main__":
    head, rest = README.split("<!-- assumptions:begin -->", 1)
    tail = rest.split("<!-- assumptions:end -->", 1)[1]
    (REPO / "README.md").write_text(head + assumptions_section() + tail, encoding="utf-8")
