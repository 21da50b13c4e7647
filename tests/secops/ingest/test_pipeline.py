"""The pipeline: ids, batches, store then checkpoint, quarantine, audit, hostile input."""

from __future__ import annotations

import io
import json
import os
import random
import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from secops.ingest import worker
from secops.ingest.checkpoint import Checkpoints
from secops.ingest.pipeline import Pipeline, Quarantine, import_paths, run_lines
from secops.ingest.readers import (
    MAX_LINE_BYTES,
    OVERSIZE,
    FileTailer,
    Line,
    event_id,
    read_file,
    read_stream,
)
from secops.store import open_store
from secops.store.base import Event, PutResult, StoreUnavailable
from tests.secops.ingest.conftest import CST, FILES

pytestmark = pytest.mark.timeout(120)


class FakeStore:
    """Idempotent on event.id, like the contract; can be down, can refuse ids."""

    def __init__(self) -> None:
        self.events: dict[str, Event] = {}
        self.puts: list[int] = []
        self.down = False
        self.refuse: set[str] = set()

    def put(self, batch: Sequence[Event]) -> PutResult:
        if self.down:
            raise StoreUnavailable("down")
        self.puts.append(len(batch))
        created, failed = 0, []
        for event in batch:
            eid = event["event"]["id"]
            if eid in self.refuse:
                failed.append((eid, "refused"))
            elif eid not in self.events:
                self.events[eid] = event
                created += 1
        return PutResult(created, len(batch) - created - len(failed), failed)

    def encode(self, event: Event) -> Event:
        return event

    def put_encoded(self, items: Sequence[Event]) -> PutResult:
        return self.put(items)

    def close(self) -> None:
        pass


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def make(tmp_path: Path, store: FakeStore, **kwargs: Any) -> Pipeline:
    return Pipeline(
        store,  # type: ignore[arg-type]  # the fake has only what the pipeline calls
        checkpoints=Checkpoints(tmp_path / "cp.json"),
        quarantine=Quarantine(tmp_path / "quarantine"),
        tz=CST,
        **kwargs,
    )


def quarantined(tmp_path: Path) -> list[dict[str, Any]]:
    return [
        json.loads(line)
        for path in sorted((tmp_path / "quarantine").glob("*.jsonl"))
        for line in path.read_text(encoding="ascii").splitlines()
    ]


def test_events_carry_the_contract_id(tmp_path: Path) -> None:
    store = FakeStore()
    pipeline = make(tmp_path, store)
    line = Line(b"Nov 21 07:59:01 lab01 sshd[1]: Connection closed by 10.0.0.1", "file:1:2", 0)
    pipeline.add(line)
    pipeline.flush()
    [event] = store.events.values()
    assert event["event"]["id"] == event_id(line)
    assert event["event"]["dataset"] == "sshd"


def test_batches_by_size_and_by_time(tmp_path: Path) -> None:
    clock = Clock()
    pipeline = make(tmp_path, FakeStore(), batch_size=3, flush_ms=200, clock=clock)
    assert not pipeline.due()
    pipeline.add(Line(b"a", "stdin:1", 0))
    assert not pipeline.due()
    clock.now = 0.25
    assert pipeline.due()
    pipeline.add(Line(b"b", "stdin:1", 1))
    pipeline.add(Line(b"c", "stdin:1", 2))
    assert pipeline.due()
    pipeline.flush()
    assert not pipeline.due() and pipeline.pending == 0


class Ticking(Clock):
    """A clock a second later at every reading: every batch has waited past flush_ms."""

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


def test_a_whole_file_goes_in_full_batches_a_stream_by_time_too(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(b"".join(b"line %d\n" % n for n in range(7)))
    whole, stream = FakeStore(), FakeStore()
    pipeline = make(tmp_path / "a", whole, batch_size=3, flush_ms=200, clock=Ticking())
    import_paths(pipeline, [log], threading.Event(), quiet=0)
    assert whole.puts == [3, 3, 1]  # every line was at hand: no batch went early
    pipeline = make(tmp_path / "b", stream, batch_size=3, flush_ms=200, clock=Ticking())
    run_lines(pipeline, read_stream(io.BytesIO(log.read_bytes())), threading.Event())
    assert stream.puts == [1] * 7  # a stream may go quiet: each line waited too long
    assert len(whole.events) == len(stream.events) == 7


def test_checkpoint_moves_only_after_the_store_accepts(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(b"one\ntwo\n")
    store = FakeStore()
    pipeline = make(tmp_path, store)
    assert pipeline.checkpoints is not None
    tailer = FileTailer(log, pipeline.checkpoints)
    pipeline.committers.append(tailer.committed)
    for line in tailer.poll():
        pipeline.add(line)
    store.down = True
    with pytest.raises(StoreUnavailable):
        pipeline.flush()
    assert not (tmp_path / "cp.json").exists()  # nothing stored, nothing checkpointed
    assert pipeline.pending == 3  # two events and one offset, kept for the retry
    store.down = False
    pipeline.flush()
    assert len(store.events) == 2
    [mark] = list(Checkpoints(tmp_path / "cp.json"))
    assert mark.offset == 8


def test_a_replay_is_absorbed_by_the_ids(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(b"one\ntwo\n")
    store = FakeStore()
    for _ in range(2):  # the second run replays: its checkpoint was never committed
        pipeline = make(tmp_path / "run", store)
        run_lines(pipeline, read_file(log), threading.Event())
    assert len(store.events) == 2
    assert pipeline.counters.duplicates == 2


def test_refused_and_oversize_lines_are_quarantined_and_counted(tmp_path: Path) -> None:
    store = FakeStore()
    pipeline = make(tmp_path, store)
    refused = Line(b"\x1b[2Jrefused", "file:1:2", 0, end=12)
    store.refuse.add(event_id(refused))
    pipeline.add(refused)
    pipeline.add(Line(b"x" * 10, "file:1:2", 12, end=5000, tags=(OVERSIZE,), length=4987))
    pipeline.add(Line(b"fine", "file:1:2", 5000, end=5005))
    pipeline.flush()
    counters = pipeline.counters
    assert (counters.lines, counters.created, counters.quarantined) == (3, 1, 2)
    assert counters.reasons == {"refused": 1, OVERSIZE: 1}
    records = quarantined(tmp_path)
    assert [r["reason"] for r in records] == [OVERSIZE, "refused"]
    assert records[0]["length"] == 4987 and records[0]["position"] == 12
    assert records[1]["head"] == "\\x1b[2Jrefused"  # escaped, as the parsers escape


def test_audit_records_become_one_event_with_the_first_line_id(tmp_path: Path) -> None:
    store = FakeStore()
    pipeline = make(tmp_path, store)
    lines = list(read_file(FILES / "audit.log"))
    serials: dict[str, Line] = {}
    for line in lines:
        m = re.search(rb"msg=audit\([\d.]+:(\d+)\)", line.raw)
        if m is not None:
            serials.setdefault(m.group(1).decode(), line)
        pipeline.add(line, audit=True)
    pipeline.finish()
    events = list(store.events.values())
    assert len(events) == len(serials)
    for event in events:
        first = serials[str(event["event"]["sequence"])]
        assert event["event"]["id"] == event_id(first)


def test_checkpoint_stops_before_an_incomplete_audit_event(tmp_path: Path) -> None:
    store = FakeStore()
    pipeline = make(tmp_path, store)
    offsets: list[dict[str, int]] = []
    pipeline.committers.append(lambda o: offsets.append(dict(o)))
    syscall = b'type=SYSCALL msg=audit(1763683200.1:9): syscall=59 success=yes pid=1 comm="id"'
    cwd = b'type=CWD msg=audit(1763683200.1:9): cwd="/"'
    eoe = b"type=EOE msg=audit(1763683200.1:9): "
    position = 0
    for raw in (b'type=USER_LOGIN msg=audit(1763683199.0:8): acct="a" res=success', syscall, cwd):
        pipeline.add(Line(raw, "file:1:2", position, end=position + len(raw) + 1), audit=True)
        position += len(raw) + 1
    pipeline.flush()
    syscall_at = offsets[-1]["file:1:2"]
    assert syscall_at == position - len(syscall) - len(cwd) - 2  # waits at the SYSCALL line
    pipeline.add(Line(eoe, "file:1:2", position, end=position + len(eoe) + 1), audit=True)
    pipeline.flush()
    assert offsets[-1]["file:1:2"] == position + len(eoe) + 1
    assert len(store.events) == 2


def test_stdin_through_main(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVSEC_HOME", str(tmp_path))
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"a\nb\n")))
    url = f"sqlite://{tmp_path / 'events.db'}"
    assert worker.main(["--store", url, "stdin"]) == 0
    store = open_store(url)
    try:
        assert store.stats().total == 2
    finally:
        store.close()


def test_stream_ids_differ_per_run(tmp_path: Path) -> None:
    first = list(read_stream(io.BytesIO(b"a\n"), source="stdin:1"))
    second = list(read_stream(io.BytesIO(b"a\n"), source="stdin:2"))
    assert event_id(first[0]) != event_id(second[0])


# --- hostile input (issue 5): 100,000 fuzzed lines, every one stored or quarantined

HOSTILE_LINES = 100_000
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")


def hostile_lines(rng: random.Random) -> list[bytes]:
    specials = [
        b"ansimarker \x1b[31mred\x1b[0m \x1b]0;title\x07 \x1b[2J",
        b"Nov 21 08:00:00 lab01 sshd[1]: Accepted password for root from 1.2.3.4 port 1 ssh2"
        b"\rNov 21 08:00:01 lab01 sshd[1]: forged second line",
        b"nulmarker a\x00b\x00\x00c",
        b"utf8marker \xff\xfe\xc3\x28 \xed\xa0\x80 \xf0\x28\x8c\x28",
        b"sqlmarker '; DROP TABLE events; -- \" OR 1=1 /* */ UNION SELECT * FROM sqlite_master",
        b"fmtmarker %s%s%n%x {0} {__class__} ${jndi:ldap://x} %(name)s \\N{NULL}",
        b'<34>1 2026-11-21T08:00:00Z lab01 app - - [x@1 a="\\"]"] crlf\r',
        b"",
        b"\r",
        "中文 日志 审计".encode(),
    ]
    lines: list[bytes] = []
    for i in range(HOSTILE_LINES):
        kind = i % 20
        if kind < len(specials):
            lines.append(specials[kind])
        else:
            size = rng.randrange(0, 300)
            lines.append(bytes(b for b in rng.randbytes(size) if b != 0x0A))
    for k in range(12):  # 1 MB lines: kept, cut by the parser
        lines[k * 8000 + 11] = b"M" * 1_000_000
    for i in range(3):  # beyond the hard limit: quarantined
        lines[HOSTILE_LINES // 2 + 13 + i] = b"\x1b" * (MAX_LINE_BYTES + 1 + i)
    return lines


def control_free(value: Any) -> bool:
    if isinstance(value, str):
        return _CONTROL.search(value) is None
    if isinstance(value, dict):
        return all(control_free(k) and control_free(v) for k, v in value.items())
    if isinstance(value, list):
        return all(control_free(v) for v in value)
    return True


@pytest.mark.timeout(300)
def test_hostile_input_is_stored_or_quarantined_never_lost(tmp_path: Path) -> None:
    log = tmp_path / "hostile.log"
    with log.open("wb") as fh:
        for raw in hostile_lines(random.Random(5)):  # noqa: S311 - reproducible fuzz
            fh.write(raw + b"\n")
    url = f"sqlite://{tmp_path / 'events.db'}"
    store = open_store(url)
    pipeline = Pipeline(
        store,
        checkpoints=Checkpoints(tmp_path / "cp.json"),
        quarantine=Quarantine(tmp_path / "quarantine"),
        tz=CST,
    )
    assert pipeline.checkpoints is not None
    tailer = FileTailer(log, pipeline.checkpoints)
    pipeline.committers.append(tailer.committed)
    while lines := tailer.poll():
        for line in lines:
            pipeline.add(line)
            if pipeline.due():
                pipeline.flush()
    pipeline.finish()
    tailer.close()

    counters = pipeline.counters
    assert counters.lines == HOSTILE_LINES
    assert counters.created + counters.duplicates + counters.quarantined == HOSTILE_LINES
    assert counters.duplicates == 0  # identical lines at different offsets stay two events
    assert counters.reasons == {OVERSIZE: 3}
    assert len(quarantined(tmp_path)) == counters.quarantined
    assert store.stats().total == counters.created
    [mark] = list(pipeline.checkpoints)
    assert mark.offset == log.stat().st_size

    [ansi] = store.search("ansimarker", limit=2)[:1]
    assert "\\x1b[31mred\\x1b[0m" in ansi["message"] and "\x1b" not in ansi["message"]
    [sql] = store.search("sqlmarker", limit=1)
    assert "DROP TABLE events" in sql["message"]
    events = store.search("", limit=HOSTILE_LINES * 2)
    assert len(events) == counters.created
    assert all(control_free(event) for event in events)
    huge = [e for e in events if "truncated" in e["tags"]]
    assert len(huge) == 12
    store.close()


# --- import: paths that are no file, lines still being written, a spooling store (issue 17)


def test_import_skips_what_is_no_file_keeps_what_was_read_and_counts_held_lines(
    tmp_path: Path,
) -> None:
    from secops.ingest.pipeline import import_paths

    store = FakeStore()
    pipeline = make(tmp_path, store)
    first = tmp_path / "a.log"
    first.write_bytes(b"Nov 21 08:00:00 h app[1]: one\n")
    growing = tmp_path / "b.log"
    growing.write_bytes(b"Nov 21 08:00:00 h app[1]: two\nNov 21 08:00:01 h app[1]: thr")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    problems = import_paths(pipeline, [first, tmp_path, fifo, growing], threading.Event())
    assert [(p.path, p.kind) for p in problems] == [(tmp_path, "directory"), (fifo, "fifo")]
    stored = sorted(e["message"] for e in store.events.values())
    assert stored == ["one", "two"]  # the file after them was read all the same
    counters = pipeline.counters
    assert (counters.lines, counters.created, counters.held) == (2, 2, 1)


class SpoolingStore(FakeStore):
    """A store whose cluster is unreachable: it keeps every event for later (Elasticsearch)."""

    def put(self, batch: Sequence[Event]) -> PutResult:
        self.puts.append(len(batch))
        return PutResult(spooled=len(batch))


def test_events_a_store_spools_are_counted_as_spooled_not_stored(tmp_path: Path) -> None:
    pipeline = make(tmp_path, SpoolingStore())
    lines = [Line(b"Nov 21 08:00:00 h app[1]: %d" % n, "stdin:1", n) for n in range(3)]
    run_lines(pipeline, lines, threading.Event())
    counters = pipeline.counters
    assert (counters.lines, counters.created, counters.duplicates) == (3, 0, 0)
    assert (counters.spooled, counters.quarantined) == (3, 0)
