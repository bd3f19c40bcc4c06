"""The ledger: atomic appends under concurrent writers, torn lines, edited-file detection."""

from __future__ import annotations

import json
import multiprocessing as mp
import os

from pytest_obstacles import ledger

WRITERS = 6
RECORDS = 40


def _writer(path: str, writer: int) -> None:
    for i in range(RECORDS):
        # sizes up to ~150 kB: far past PIPE_BUF, so only the lock + single write keep lines whole
        payload = "x" * ((writer * 7919 + i * 104729) % 150_000)
        ledger.append(path, {"writer": writer, "seq": i, "payload": payload, "nan": float("nan")})


def test_concurrent_writers_never_interleave(tmp_path):
    path = tmp_path / "deep" / "ledger.jsonl"
    ctx = mp.get_context("fork" if hasattr(os, "fork") else "spawn")
    procs = [ctx.Process(target=_writer, args=(str(path), w)) for w in range(WRITERS)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == WRITERS * RECORDS
    records = [json.loads(line) for line in lines]  # every line parses on its own
    for w in range(WRITERS):
        seqs = [r["seq"] for r in records if r["writer"] == w]
        assert seqs == list(range(RECORDS))  # each writer's lines in its order, none lost
    assert all(r["nan"] == "nan" for r in records)  # strict JSON: non-finite floats become strings


def test_read_skips_a_torn_last_line(tmp_path):
    path = tmp_path / "l.jsonl"
    ledger.append(path, {"candidate": "a"})
    ledger.append(path, {"candidate": "b"})
    with open(path, "a", encoding="utf-8") as fh:
        fh.write('{"candidate": "c", "metr')  # a writer killed mid-line (not possible with append(), but be robust)
    assert [r["candidate"] for r in ledger.read(path)] == ["a", "b"]
    ledger.append(path, {"candidate": "d"})  # the next run's first line is not glued to the torn one
    assert [r["candidate"] for r in ledger.read(path)] == ["a", "b", "d"]


def test_read_survives_a_line_torn_inside_a_character_and_a_missing_ledger(tmp_path):
    path = tmp_path / "l.jsonl"
    ledger.append(path, {"candidate": "é-first"})
    with open(path, "ab") as fh:
        fh.write('{"candidate": "ü'.encode()[:-1])  # cut inside the two bytes of ü
    ledger.append(path, {"candidate": "after"})
    with open(path, "a", encoding="utf-8") as fh:
        fh.write("[1, 2]\n")  # valid JSON, not a record
    assert [r["candidate"] for r in ledger.read(path)] == ["é-first", "after"]
    assert list(ledger.read(tmp_path / "none.jsonl")) == []


def test_read_by_outcome_skips_other_lines_whatever_their_spacing(tmp_path):
    path = tmp_path / "l.jsonl"
    ledger.append(path, {"candidate": "a", "outcome": "theorem-killed", "reason": "not survived"})
    ledger.append(path, {"candidate": "b", "outcome": "survived"})
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps({"candidate": "c", "outcome": "experiment-killed"}, indent=None) + "\n")  # ", " / ": "
        fh.write(json.dumps({"candidate": "d", "outcome": "error", "note": "survived"}) + "\n")
    measured = ledger.read(path, outcomes=("survived", "experiment-killed"))
    assert [r["candidate"] for r in measured] == ["b", "c"]


def _killable_writer(path: str) -> None:
    i = 0
    while True:
        ledger.append(path, {"seq": i, "payload": "y" * 200_000})
        i += 1


def test_a_writer_killed_mid_run_loses_at_most_the_line_in_flight(tmp_path):
    import signal
    import time

    path = tmp_path / "l.jsonl"
    ctx = mp.get_context("fork" if hasattr(os, "fork") else "spawn")
    proc = ctx.Process(target=_killable_writer, args=(str(path),))
    proc.start()
    deadline = time.time() + 30
    while time.time() < deadline and (not path.exists() or path.read_bytes().count(b"\n") < 5):
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.join(10)
    ledger.append(path, {"seq": "after"})
    seqs = [r["seq"] for r in ledger.read(path)]
    assert seqs[-1] == "after"
    assert seqs[:-1] == list(range(len(seqs) - 1)) and len(seqs) >= 6  # every completed line survives, in order


def test_edited_since_finds_files_changed_after_their_verdict(tmp_path):
    cand = tmp_path / "c.yaml"
    cand.write_text("threshold: 0.1\n")
    rec = {"candidate": "c", "source": str(cand), "file_sha256_at_verdict": ledger.file_sha256(cand)}
    assert ledger.edited_since([rec]) == []
    cand.write_text("threshold: 0.5\n")  # criteria loosened after the result
    assert ledger.edited_since([rec]) == [rec]


def test_every_verdict_is_on_disk_when_reported_and_a_rotated_ledger_is_reopened(tmp_path):
    from pytest_obstacles.ledger import LedgerPlugin
    from pytest_obstacles.verdict import Verdict

    path = tmp_path / "l.jsonl"
    plugin = LedgerPlugin(path, "run", "main")

    def verdict(cid, outcome):
        plugin.pytest_obstacles_verdict(None, Verdict(outcome=outcome, candidate_id=cid, reason="r"), None)

    def ids(p=path):
        return [r["candidate"] for r in ledger.read(p)]

    verdict("k1", "theorem-killed")
    assert ids() == ["k1"]  # readable by another process at once: nothing waits in a buffer
    verdict("m1", "survived")
    verdict("k2", "theorem-killed")
    assert ids() == ["k1", "m1", "k2"]
    path.rename(tmp_path / "l.1.jsonl")  # rotated by the user mid-session
    verdict("k3", "theorem-killed")
    assert ids() == ["k3"] and ids(tmp_path / "l.1.jsonl") == ["k1", "m1", "k2"]
    path.unlink()  # deleted mid-session
    verdict("k4", "error")
    assert ids() == ["k4"]
    plugin.pytest_unconfigure()
    verdict("k5", "theorem-killed")  # a verdict after the file was closed reopens it
    assert ids() == ["k4", "k5"]
