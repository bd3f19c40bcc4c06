"""The ledger: one JSON line per final verdict, appended atomically (safe under pytest-xdist).

Every verdict (theorem-killed, experiment-killed, survived, error) becomes one line with the
candidate id, its file's sha256 as collected and as it is when the verdict is written (so a kill
criterion edited after a result is visible), the metrics, the theorem or criterion, the device
and the timings. Each verdict's line is written the moment the verdict is known, by a single
``os.write`` on an ``O_APPEND`` descriptor while holding an exclusive ``fcntl`` lock: concurrent
workers never interleave, and a run killed mid-way loses at most the candidate in flight. Measured
verdicts are also fsync'd, so they survive the machine going down. A line torn by a kill during
the write is ended by the next append and skipped by :func:`read`.

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

from .candidate import jsonable
from .verdict import EXPERIMENT_KILLED, SURVIVED

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


def encode(record: dict[str, Any]) -> bytes:
    """One ledger line: compact, keys sorted, non-finite floats as strings."""
    try:  # the common case needs no cleaning; NaN/inf or odd keys take the slow path
        text = json.dumps(record, sort_keys=True, allow_nan=False, separators=(",", ":"), default=str)
    except (ValueError, TypeError):
        text = json.dumps(_clean(record), sort_keys=True, allow_nan=False, separators=(",", ":"))
    return (text + "\n").encode("utf-8")


def append(path: Path | str, record: dict[str, Any], durable: bool = True) -> None:
    """Append ``record`` as one line: one write under an exclusive lock, then (``durable``) fsync.

    The write alone survives the writing process being killed; fsync also survives the machine
    going down, at ~0.5 ms a line, so the plugin pays it only for measured verdicts."""
    append_lines(path, encode(record), durable)


def append_lines(path: Path | str, data: bytes, durable: bool = True) -> None:
    """Append whole encoded lines with one write under an exclusive lock (see :func:`append`)."""
    fd = _open(path)
    try:
        _write_locked(fd, data, durable)
    finally:
        os.close(fd)


class Appender:
    """A ledger file kept open for a session: :meth:`write` appends as :func:`append_lines` does,
    without opening the file for every line. A ledger deleted or moved away (rotated) while open
    is noticed before each write and the path reopened, so no line goes to a file nobody reads."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._fd: int | None = None
        self._id: tuple[int, int] = (0, 0)

    def write(self, data: bytes, durable: bool = True) -> None:
        if self._fd is not None:
            try:
                st = os.stat(self.path)
                current = (st.st_dev, st.st_ino) == self._id
            except OSError:
                current = False
            if not current:
                self.close()
        if self._fd is None:
            self._fd = _open(self.path)
            st = os.fstat(self._fd)
            self._id = (st.st_dev, st.st_ino)
        _write_locked(self._fd, data, durable)

    def close(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)


def _open(path: Path | str) -> int:
    try:
        return os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
    except FileNotFoundError:  # the first line of a new ledger
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        return os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)


def _write_locked(fd: int, data: bytes, durable: bool) -> None:
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
        if durable:
            os.fsync(fd)
    finally:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)


def read(path: Path | str, outcomes: tuple[str, ...] | None = None) -> Iterator[dict[str, Any]]:
    """The ledger's records in order. A missing ledger has none; a torn line (from a crash
    mid-write, possibly inside a multi-byte character) and any line that is not a JSON object
    are skipped. With ``outcomes``, only records with one of those outcomes, and lines that
    cannot hold one are not parsed at all (a ledger grows by a line per theorem kill)."""
    marks = tuple(json.dumps(o) for o in outcomes) if outcomes is not None else None  # '"survived"', ...
    try:
        fh = open(path, encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return
    with fh:
        for line in fh:
            line = line.strip()
            if not line or (marks is not None and not any(m in line for m in marks)):
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(record, dict) and (outcomes is None or record.get("outcome") in outcomes):
                yield record


_hashed: dict[str, tuple[tuple[int, ...], str]] = {}


def file_sha256(path: Path | str) -> str | None:
    """The file's sha256, or None when it cannot be read. A file whose inode, size, mtime and
    ctime are all as when it was last hashed is not read again (sweeps share one file)."""
    try:
        st = os.stat(path)
        key = (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
        memo = _hashed.get(str(path))
        if memo is not None and memo[0] == key:
            return memo[1]
        digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None
    _hashed[str(path)] = (key, digest)
    return digest


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
    """Implements ``pytest_obstacles_verdict``: every verdict becomes one ledger line, written
    at once. Measured verdicts (survived, experiment-killed) cost GPU time to redo and are also
    fsync'd; theorem kills and input errors are recomputed in milliseconds and are not (an fsync
    per line would cost more than deciding them)."""

    def __init__(self, path: Path | None, run_id: str, worker: str) -> None:
        self.path = path
        self.run_id = run_id
        self.worker = worker
        self._started: dict[str, float] = {}
        self.host = socket.gethostname()
        self._file = Appender(path) if path is not None else None

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
        if self._file is None:
            return
        line = encode(self.record(candidate, verdict, config))
        self._file.write(line, durable=verdict.outcome in (EXPERIMENT_KILLED, SURVIVED))

    def pytest_unconfigure(self) -> None:
        if self._file is not None:
            self._file.close()

    def record(self, candidate, verdict, config) -> dict[str, Any]:
        measurement = getattr(verdict, "measurement", None) or {}
        started = self._started.pop(verdict.candidate_id, None)
        rec: dict[str, Any] = {
            "schema": SCHEMA,
            "ts": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
            "run": self.run_id,
            "worker": self.worker,
            "host": self.host,
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
                "params": {k: jsonable(v) for k, v in candidate.params.items()},
                "kill_criteria": [c.to_dict() for c in candidate.kill_criteria],
                "requires": list(candidate.requires),
                "source": str(candidate.source),
                "file_sha256": candidate.file_sha256,
                "file_sha256_at_verdict": now,
                "file_edited_since_collection": now != candidate.file_sha256,
            })
        return rec
