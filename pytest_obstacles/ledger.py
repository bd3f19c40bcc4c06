"""The ledger: one JSON line per final verdict, appended atomically (safe under pytest-xdist).

Every verdict (theorem-killed, experiment-killed, survived, error) becomes one line with the
candidate id, its file's sha256 as collected and as it is when the verdict is written (so a kill
criterion edited after a result is visible), the metrics, the theorem or criterion, the device
and the timings. Each line is written by a single ``os.write`` on an ``O_APPEND`` descriptor
while holding an exclusive ``fcntl`` lock, and fsync'd: concurrent workers never interleave,
and a run killed mid-way loses at most the candidate in flight (a line torn by a kill during the
write is ended by the next append and skipped by :func:`read`).

Path: ``--obstacles-ledger PATH`` (or ini ``obstacles_ledger``); default
``<rootdir>/.obstacles/ledger.jsonl``; ``none`` turns the ledger off.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import socket
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

import pytest

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows: O_APPEND alone
    fcntl = None  # type: ignore[assignment]

SCHEMA = 1
DEFAULT = Path(".obstacles") / "ledger.jsonl"


def _clean(value: Any) -> Any:
    """JSON-safe: non-finite floats become strings ('nan', 'inf', '-inf'); unknown objects their str()."""
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if value is None or isinstance(value, (str, int, bool)):
        return value
    return str(value)


def append(path: Path | str, record: dict[str, Any]) -> None:
    """Append ``record`` as one line: one write under an exclusive lock, then fsync."""
    data = (json.dumps(_clean(record), sort_keys=True, allow_nan=False, separators=(",", ":")) + "\n").encode("utf-8")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            size = os.fstat(fd).st_size
            if size and os.pread(fd, 1, size - 1) != b"\n":
                data = b"\n" + data  # a writer killed mid-line left a torn line: end it, keep ours whole
            view = memoryview(data)
            while view:  # a short write is only possible on odd filesystems; we still hold the lock
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def read(path: Path | str) -> Iterator[dict[str, Any]]:
    """The ledger's records in order. A missing ledger has none; a torn line (from a crash
    mid-write, possibly inside a multi-byte character) and any line that is not a JSON object
    are skipped."""
    try:
        fh = open(path, encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return
    with fh:
        for line in fh:
            line = line.strip()
            if not line:
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(record, dict):
                yield record


def file_sha256(path: Path | str) -> str | None:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


def edited_since(records: Iterator[dict[str, Any]] | list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Records whose candidate file no longer has the hash it had when the verdict was written."""
    out = []
    for r in records:
        src = r.get("source")
        if src and r.get("file_sha256_at_verdict") and file_sha256(src) != r["file_sha256_at_verdict"]:
            out.append(r)
    return out


def ledger_path(config: pytest.Config) -> Path | None:
    given = config.getoption("obstacles_ledger", None)
    if given is None:
        ini = config.getini("obstacles_ledger")
        given = ini or None
    if given is None:
        return (config.rootpath / DEFAULT).resolve()
    if str(given).strip().lower() in ("none", "off", ""):
        return None
    path = Path(given)
    return (path if path.is_absolute() else Path(config.invocation_params.dir) / path).resolve()


class LedgerPlugin:
    """Implements ``pytest_obstacles_verdict``: every verdict becomes one ledger line."""

    def __init__(self, path: Path | None, run_id: str, worker: str) -> None:
        self.path = path
        self.run_id = run_id
        self.worker = worker
        self._started: dict[str, float] = {}

    @classmethod
    def from_config(cls, config: pytest.Config) -> "LedgerPlugin":
        workerinput = getattr(config, "workerinput", None)
        if workerinput is not None:
            run_id = workerinput.get("obstacles_run_id") or uuid.uuid4().hex[:12]
            worker = workerinput.get("workerid", os.environ.get("PYTEST_XDIST_WORKER", "worker"))
        else:
            run_id = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]
            worker = "main"
        return cls(ledger_path(config), run_id, worker)

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node) -> None:  # xdist controller: one run id for all workers
        node.workerinput["obstacles_run_id"] = self.run_id

    @pytest.hookimpl
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        candidate = getattr(item, "candidate", None)
        if candidate is not None:
            self._started[candidate.id] = time.perf_counter()

    @pytest.hookimpl
    def pytest_obstacles_verdict(self, candidate, verdict, config) -> None:
        if self.path is None:
            return
        append(self.path, self.record(candidate, verdict, config))

    def record(self, candidate, verdict, config) -> dict[str, Any]:
        measurement = getattr(verdict, "measurement", None) or {}
        started = self._started.pop(verdict.candidate_id, None)
        rec: dict[str, Any] = {
            "schema": SCHEMA,
            "ts": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
            "run": self.run_id,
            "worker": self.worker,
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "candidate": verdict.candidate_id,
            "outcome": verdict.outcome,
            "reason": verdict.reason,
            "theorem": verdict.theorem,
            "obstacle_class": verdict.obstacle_class,
            "gate": verdict.gate,
            "criterion": verdict.criterion,
            "numbers": dict(verdict.numbers),
            "assumptions": list(verdict.assumptions),
            "metrics": measurement.get("metrics", {}),
            "device": measurement.get("device"),
            "experiment_seconds": measurement.get("seconds"),
            "item_seconds": (time.perf_counter() - started) if started is not None else None,
            "details": measurement.get("details", {}),
        }
        if candidate is not None:
            now = file_sha256(candidate.source)
            rec.update({
                "model": candidate.model,
                "method": candidate.method,
                "params": candidate.to_dict()["params"],
                "kill_criteria": [c.to_dict() for c in candidate.kill_criteria],
                "requires": list(candidate.requires),
                "source": str(candidate.source),
                "file_sha256": candidate.file_sha256,
                "file_sha256_at_verdict": now,
                "file_edited_since_collection": now != candidate.file_sha256,
            })
        return rec
