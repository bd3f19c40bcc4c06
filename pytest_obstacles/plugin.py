"""The pytest plugin (entry point ``pytest11: obstacles``).

Without ``--candidates`` (or the ``candidates`` ini option) it only registers its markers
and hook specifications: it collects nothing and imports nothing heavy.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from . import hookspecs
from .session import STASH_KEY, ObstacleSession
from .verdict import ERROR, THEOREM_KILLED

MARKERS = {
    "theorem_only": "candidate decided by theorems alone (theorem-killed, or bad input); never imports torch",
    "slow": "candidate that needs its compression measurement (torch + transformers)",
    "experiment": "candidate that runs its pre-registered experiment",
    "lean": "test that runs Lean (minutes); the fast suite deselects it with -m 'not lean', CI runs it",
}
KILLED_STATUS = ("theorem-killed", "K", "THEOREM-KILLED")


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    pluginmanager.add_hookspecs(hookspecs)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("obstacles", "pytest-obstacles: theorem gates in front of compression experiments")
    group.addoption("--candidates", action="append", dest="obstacles_candidates", metavar="DIR", default=None,
                    help="collect every *.yaml, *.yml, *.toml, *.json under DIR as candidates (may repeat)")
    group.addoption("--obstacles-strict", action="store_true", dest="obstacles_strict", default=None,
                    help="fail the run when any candidate is theorem-killed or a gate it meets is unverified")
    group.addoption("--obstacles-lean", dest="obstacles_lean", metavar="DIR", default=None,
                    help="the Lean theorem library (default: ini obstacles_lean, else ./lean)")
    group.addoption("--lean-check", action="store_true", dest="obstacles_lean_check", default=False,
                    help="re-check the Lean library (changed modules only) and rewrite its obstacles.lock.json "
                         "before the run; without --candidates, exit with the check's status")
    group.addoption("--candidates-changed-since", dest="obstacles_changed_since", metavar="REF", default=None,
                    help="evaluate only candidates added or changed since git REF (all of them when lean/, a "
                         "conftest.py or a built-in gate changed)")
    group.addoption("--obstacles-report", dest="obstacles_report", metavar="PATH", default=None,
                    help="write the obstacle report (schema: pytest_obstacles/report_schema.json) as JSON to PATH")
    group.addoption("--obstacles-device", dest="obstacles_device", metavar="DEVICE", default=None,
                    help="experiment device: cpu, cuda, cuda:N (default: CUDA when available, one GPU per xdist worker)")
    group.addoption("--obstacles-ledger", dest="obstacles_ledger", metavar="PATH", default=None,
                    help="append every verdict as a JSON line to PATH (default .obstacles/ledger.jsonl; 'none': off)")
    group.addoption("--obstacles-allow-download", action="store_true", dest="obstacles_allow_download", default=False,
                    help="let experiments download a model named by hub id (default: local Hugging Face cache only)")
    parser.addini("obstacles_device", default="", help="as --obstacles-device")
    parser.addini("obstacles_ledger", default="", help="as --obstacles-ledger")
    parser.addini("candidates", type="paths", default=[], help="candidate folders (as --candidates)")
    parser.addini("obstacles_strict", type="bool", default=False, help="as --obstacles-strict")
    parser.addini("obstacles_lean", type="paths", default=[], help="the Lean theorem library folder")


def pytest_configure(config: pytest.Config) -> None:
    for name, doc in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {doc}")
    if config.getoption("obstacles_lean_check") and not hasattr(config, "workerinput"):
        from .lean.pytest_check import LeanCheckPlugin

        config.pluginmanager.register(LeanCheckPlugin(config, _lean_dir(config)), "obstacles-lean-check")
    roots = _candidate_roots(config)
    if not roots:
        return
    strict = config.getoption("obstacles_strict") or config.getini("obstacles_strict")
    state = ObstacleSession(config, roots, bool(strict), _lean_dir(config))
    config.stash[STASH_KEY] = state
    ref = config.getoption("obstacles_changed_since")
    if ref:
        from .changes import changes_since

        state.changes = changes_since(ref, roots[0] if roots[0].is_dir() else roots[0].parent, state.lean_dir)
    if not hasattr(config, "workerinput"):  # the report is built where reports arrive: the xdist controller
        from .report import ObstacleReport

        state.report = ObstacleReport(strict=state.strict, changed_since=ref)
        config.pluginmanager.register(ReportCollector(state.report), "obstacles-report")
    from . import builtin, lock

    config.pluginmanager.register(builtin, "obstacles-builtin")
    config.pluginmanager.register(lock, "obstacles-lock")  # gate trust from lean/obstacles.lock.json
    from .experiments import plugin as experiments
    from .ledger import LedgerPlugin

    config.pluginmanager.register(experiments, "obstacles-experiments")
    config.pluginmanager.register(LedgerPlugin.from_config(config), "obstacles-ledger")
    # Collect the candidate folders: in place of the default test paths, or beside explicit args.
    if config.args_source != pytest.Config.ArgsSource.ARGS:
        config.args = [str(r) for r in roots]
    else:
        config.args = list(config.args) + [str(r) for r in roots if not _covered(r, config)]


def _candidate_roots(config: pytest.Config) -> list[Path]:
    given = config.getoption("obstacles_candidates") or []
    roots = [Path(d).resolve() for d in given] if given else [Path(p).resolve() for p in config.getini("candidates")]
    for root in roots:
        if not root.exists():
            raise pytest.UsageError(f"--candidates {root}: no such file or directory")
    return roots


def _lean_dir(config: pytest.Config) -> Path:
    given = config.getoption("obstacles_lean")
    if given:
        return Path(given).resolve()
    ini = config.getini("obstacles_lean")
    return Path(ini[0]).resolve() if ini else (config.rootpath / "lean").resolve()


def _covered(root: Path, config: pytest.Config) -> bool:
    for arg in config.args:
        base = Path(arg.split("::")[0]).resolve()
        if root == base or root.is_relative_to(base):
            return True
    return False


def pytest_collect_file(file_path: Path, parent: pytest.Collector):
    state = parent.config.stash.get(STASH_KEY, None)
    if state is None or file_path.suffix.lower() not in (".yaml", ".yml", ".toml", ".json"):
        return None
    if not state.owns(file_path):
        return None
    from .items import CandidateFile

    return CandidateFile.from_parent(parent, path=file_path)


def pytest_report_header(config: pytest.Config) -> list[str] | None:
    state: ObstacleSession | None = config.stash.get(STASH_KEY, None)
    if state is None:
        return None
    lines = [f"obstacles: candidates from {', '.join(map(str, state.roots))}; lean library {state.lean_dir}"
             + ("; strict" if state.strict else "")]
    if state.changes is not None:
        why = state.changes.everything or f"{len(state.changes.changed)} changed files"
        lines.append(f"obstacles: candidates changed since {state.changes.ref} ({why})")
    return lines


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    state: ObstacleSession | None = config.stash.get(STASH_KEY, None)
    if state is None or state.changes is None:
        return
    from .items import BadInputItem, CandidateItem

    keep, drop = [], []
    for item in items:
        if isinstance(item, CandidateItem):
            selected = state.changes.selects(item.candidate, state.schema)
        elif isinstance(item, BadInputItem):
            selected = state.changes.selects_error(item.error)
        else:
            selected = True
        (keep if selected else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    record = getattr(item, "record", None)
    if record is not None and (call.when == "call" or (call.when == "setup" and report.skipped)):
        if record["outcome"] is None:
            record["outcome"] = "skipped" if report.skipped else ERROR
            if call.excinfo is not None:
                record["reason"] = str(call.excinfo.value)
        report.obstacles = record  # final now: the item's record travels with its report (and to xdist's controller)
    verdict = getattr(item, "theorem_verdict", None)
    if call.when != "call" or call.excinfo is not None or verdict is None:
        return report
    report.obstacles_outcome = THEOREM_KILLED
    text = f"theorem-killed: {verdict.headline()}"
    if item.config.stash[STASH_KEY].strict:
        report.outcome = "failed"
        report.longrepr = f"--obstacles-strict: {text}"
    else:
        report.outcome = "skipped"
        report.longrepr = (str(item.path), 0, text)
    return report


def pytest_report_teststatus(report: pytest.TestReport, config: pytest.Config):
    if getattr(report, "obstacles_outcome", None) == THEOREM_KILLED and report.when == "call":
        return KILLED_STATUS
    return None


class ReportCollector:
    """Registered on the controller: feeds every candidate item's record into the run's report."""

    def __init__(self, report) -> None:
        self.report = report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        record = getattr(report, "obstacles", None)
        if record is not None:
            self.report.add(record, report.duration)


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    state: ObstacleSession | None = config.stash.get(STASH_KEY, None)
    if state is None:
        return
    if state.report is not None and state.report.records:
        terminalreporter.write_sep("-", "obstacles per class")
        for line in state.report.table_lines(state.costs()):
            terminalreporter.write_line(line)
        for gate in state.report.unverified_gates.values():
            terminalreporter.write_line(f"UNVERIFIED gate {gate['gate']} ({gate['theorem']}, class {gate['class']}): "
                                        f"{gate['why']}", yellow=True)
    killed = terminalreporter.stats.get("theorem-killed", [])
    chars = config.option.reportchars or ""
    if killed and (state.strict or "K" in chars or "a" in chars or "A" in chars or config.option.verbose > 0):
        terminalreporter.write_sep("=", f"theorem-killed ({len(killed)})", yellow=True)
        for report in killed:
            v = report.obstacles
            terminalreporter.write_line(f"KILLED {report.nodeid}")
            terminalreporter.write_line(f"    {v['theorem']} (class {v['obstacle_class']}, gate {v['gate']})")
            terminalreporter.write_line(f"    {v['reason']}")
            if config.option.verbose > 1:
                for a in v.get("assumptions", []):
                    terminalreporter.write_line(f"    assumes: {a}")
    if killed and state.strict:
        terminalreporter.write_line(f"--obstacles-strict: {len(killed)} theorem-killed candidate(s) fail the run", red=True)
    if state.strict:
        for gate, trust in state.untrusted():
            terminalreporter.write_line(f"--obstacles-strict: gate {gate.name} ({gate.theorem}, class "
                                        f"{gate.obstacle_class}) is unverified and fails the run: {trust.why}", red=True)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    state: ObstacleSession | None = session.config.stash.get(STASH_KEY, None)
    if state is None:
        return
    # Candidates collected but all deselected (e.g. -m theorem_only and nothing killed) is not an error.
    if exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED and (state.seen_ids or session.testscollected):
        session.exitstatus = pytest.ExitCode.OK
    if state.strict and state.untrusted() and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    path = session.config.getoption("obstacles_report")
    if path and state.report is not None:
        state.report.write(Path(path), state.costs())
