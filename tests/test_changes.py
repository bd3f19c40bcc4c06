"""--candidates-changed-since in a real two-commit git repository."""

import subprocess

import pytest

from conftest import TRUST_ALL_CONFTEST

CRIT = '[{metric: kl_mean, op: ">", threshold: 0.05}]'


def git(path, *args):
    subprocess.run(["git", *args], cwd=path, check=True, capture_output=True)


def cand(cid, eps):
    return (f"  - {{id: {cid}, model: m, method: lowrank, params: {{layers: 16, tolerance: 0.05, "
            f"per_layer_error: {eps}}}, kill_criteria: {CRIT}}}\n")


@pytest.fixture
def repo(pytester):
    pytester.makeconftest(TRUST_ALL_CONFTEST)
    (pytester.path / "candidates").mkdir()
    (pytester.path / "lean").mkdir()
    (pytester.path / "lean" / "README.md").write_text("library\n")
    (pytester.path / "candidates" / "a.yaml").write_text("candidates:\n" + cand("old-killed", "0.004") + cand("old-ok", "0.001"))
    (pytester.path / "candidates" / "b.yaml").write_text("candidates:\n" + cand("b-untouched", "0.01"))
    git(pytester.path, "init", "-q", "-b", "main")
    git(pytester.path, "config", "user.email", "t@example.com")
    git(pytester.path, "config", "user.name", "t")
    git(pytester.path, "add", ".")
    git(pytester.path, "commit", "-qm", "base")
    # Second commit: one candidate changed, one added; a new file; b.yaml untouched.
    (pytester.path / "candidates" / "a.yaml").write_text(
        "candidates:\n" + cand("old-killed", "0.004") + cand("old-ok", "0.002") + cand("new-ok", "0.0025"))
    (pytester.path / "candidates" / "c.yaml").write_text("candidates:\n" + cand("c-new-killed", "0.02"))
    git(pytester.path, "add", ".")
    git(pytester.path, "commit", "-qm", "pr")
    return pytester


def test_picks_exactly_the_changed_candidates(repo):
    result = repo.runpytest("--candidates=candidates", "--candidates-changed-since=HEAD~1", "--collect-only", "-q")
    names = sorted(l.split("::")[1] for l in result.stdout.lines if "::" in l)
    assert names == ["c-new-killed", "new-ok", "old-ok"]
    result.stdout.fnmatch_lines(["*3/5 tests collected (2 deselected)*"])


def test_uncommitted_and_untracked_changes_count(repo):
    (repo.path / "candidates" / "b.yaml").write_text("candidates:\n" + cand("b-untouched", "0.03"))
    (repo.path / "candidates" / "d.yaml").write_text("candidates:\n" + cand("d-draft", "0.001"))
    result = repo.runpytest("--candidates=candidates", "--candidates-changed-since=HEAD", "--collect-only", "-q")
    names = sorted(l.split("::")[1] for l in result.stdout.lines if "::" in l)
    assert names == ["b-untouched", "d-draft"]


def test_strict_fails_when_a_new_candidate_is_theorem_killed(repo):
    result = repo.runpytest("--candidates=candidates", "--candidates-changed-since=HEAD~1", "-m", "theorem_only",
                            "--obstacles-strict")
    assert result.ret == 1
    result.stdout.fnmatch_lines([
        "*KILLED candidates/c.yaml::c-new-killed", "*Obstacles.kills_iff_pow_exceeds*",
        "*per-layer error must be ≤ 0.003054 for L=16, τ=0.05*",
    ])
    assert "old-killed" not in result.stdout.str()  # killed before the PR: not this PR's business


def test_strict_passes_when_the_new_candidates_survive_the_theorems(repo):
    (repo.path / "candidates" / "c.yaml").unlink()
    git(repo.path, "commit", "-qam", "drop c")
    result = repo.runpytest("--candidates=candidates", "--candidates-changed-since=HEAD~2", "-m", "theorem_only",
                            "--obstacles-strict")
    assert result.ret == 0, result.stdout.str()


def test_a_lean_change_selects_everything(repo):
    (repo.path / "lean" / "README.md").write_text("library, changed\n")
    result = repo.runpytest("--candidates=candidates", "--candidates-changed-since=HEAD", "--collect-only", "-q")
    result.stdout.fnmatch_lines(["*5 tests collected*"])
    header = repo.runpytest("--candidates=candidates", "--candidates-changed-since=HEAD", "--collect-only")
    header.stdout.fnmatch_lines(["obstacles: candidates changed since HEAD (the Lean library changed (lean/README.md))"])


def test_strict_fails_on_an_unverified_gate_even_with_no_kill(repo):
    (repo.path / "conftest.py").write_text("")  # no trust: every gate unverified
    git(repo.path, "commit", "-qam", "drop trust")
    (repo.path / "candidates" / "e.yaml").write_text("candidates:\n" + cand("e-fine", "0.001"))
    result = repo.runpytest("--candidates=candidates", "--candidates-changed-since=HEAD", "-m", "theorem_only",
                            "--obstacles-strict")
    assert result.ret == 1
    result.stdout.fnmatch_lines(["*--obstacles-strict: gate depth-composition (Obstacles.kills_iff_pow_exceeds, "
                                 "class L) is unverified and fails the run*"])


def test_bad_ref_is_a_usage_error(repo):
    result = repo.runpytest("--candidates=candidates", "--candidates-changed-since=no-such-ref")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--candidates-changed-since=no-such-ref: not a commit*"])
