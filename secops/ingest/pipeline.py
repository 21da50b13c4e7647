"""The intake pipeline: lines -> events with ids -> batches -> the store -> checkpoints.

    pipeline = Pipeline(open_store(url), checkpoints=Checkpoints(path), quarantine=Quarantine(dir))
    tailer = FileTailer(Path("/var/log/auth.log"), pipeline.checkpoints)
    pipeline.committers.append(tailer.committed)
    run_tail(pipeline, [Source(tailer)], stop)

Order is what makes it crash-safe (docs/siem-design.md): a batch goes to
``EventStore.put`` first, its refused events to the quarantine (fsynced), and only then do
the readers' checkpoints move and get committed. A crash anywhere replays at most the batch
in flight; ids make the replay land on the events already stored.

Quarantine: a line beyond the readers' hard limit (:data:`~secops.ingest.readers.
MAX_LINE_BYTES`) and an event the store refuses are not stored; each becomes one JSON line in
``<data>/siem/quarantine/<YYYYMMDD>.jsonl`` with its reason, id, source, position, length
and the line's head, escaped as the parsers escape (``\\xNN``). Every line read is either
stored (created or duplicate), spooled by the store for later delivery, or quarantined, and
counted. A whole file's last line still being written is not read yet: it is counted as held
back (:class:`~secops.ingest.readers.FileReader`), for a later import to take whole.

``python -m secops.ingest.worker`` runs one reader with this pipeline (tests and
benchmarks drive it as a process they can kill; users run ``govsec siem``).
"""

from __future__ import annotations

import gc
import json
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any

from secops import config
from secops.ingest.checkpoint import Checkpoints
from secops.ingest.parse import parse_line
from secops.ingest.parsers.auditd import AuditAssembler, parse_record
from secops.ingest.readers import (
    OVERSIZE,
    QUIET,
    FileReader,
    FileTailer,
    Line,
    Unreadable,
    event_id,
    read_stream,
)
from secops.ingest.text import decode_line
from secops.store.base import Event, EventStore, Refused, StoreUnavailable

BATCH_SIZE = 20_000  # at most: a quiet source flushes after FLUSH_MS; a busy one fills it
FLUSH_MS = 200
AUDIT_IDLE = 2.0  # seconds an audit event may wait for its EOE before it goes as it is
QUARANTINE_HEAD = 64 * 1024  # bytes of a quarantined line kept (escaped) for the analyst
RETRY_MAX = 5.0
# per-host "last heard" series (govsec_siem_host_last_event_timestamp_seconds) stop growing at
# this many hosts: a syslog sender names itself, and must not grow the listener or Prometheus
MAX_HOSTS = 5000
MAX_HOST_NAME = 255

log = logging.getLogger(__name__)


@dataclass
class Counters:
    """What a pipeline did; ``lines == created + duplicates + spooled + quarantined`` for plain
    lines (an audit event assembled from several lines counts once among ``events``).

    ``created`` and ``duplicates`` include events an Elasticsearch store had spooled earlier
    and delivered with this pipeline's batches, so they can exceed what this pipeline read.
    """

    lines: int = 0
    events: int = 0
    created: int = 0
    duplicates: int = 0
    quarantined: int = 0
    spooled: int = 0
    """Events the store kept on disk for later delivery (its cluster was unreachable)."""
    held: int = 0
    """Last lines without their newline not read yet: their file is still being written."""
    reasons: dict[str, int] = field(default_factory=dict)
    batches: int = 0
    store_retries: int = 0
    datasets: dict[str, int] = field(default_factory=dict)
    """Events per ``event.dataset`` (``unparsed``: lines no parser recognised)."""
    auth_failures: int = 0
    """Events of category authentication with outcome failure."""
    hosts: dict[str, float] = field(default_factory=dict)
    """``host.name`` -> when its last event was stored (Unix time); at most MAX_HOSTS."""
    hosts_dropped: int = 0
    """Events from hosts not tracked in ``hosts`` because MAX_HOSTS already were."""

    def add(self, other: Counters) -> None:
        """Count what ``other`` (another pipeline's counters) counted too.

        ``other`` may be a running pipeline's: its dicts are copied (atomically) before reading.
        """
        for name in (
            "lines",
            "events",
            "created",
            "duplicates",
            "quarantined",
            "spooled",
            "held",
            "batches",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.store_retries += other.store_retries
        self.auth_failures += other.auth_failures
        self.hosts_dropped += other.hosts_dropped
        for reason, count in dict(other.reasons).items():
            self.reasons[reason] = self.reasons.get(reason, 0) + count
        for dataset, count in dict(other.datasets).items():
            self.datasets[dataset] = self.datasets.get(dataset, 0) + count
        for host, seen in dict(other.hosts).items():
            self.hosts[host] = max(seen, self.hosts.get(host, 0.0))


def tune_gc() -> None:
    """Collect reference cycles rarely, for a process whose work is the intake.

    Events are acyclic dicts, freed by reference counting; at the default thresholds the
    cycle collector ran every ~50 events and walked the whole batch waiting to be stored:
    a tenth of the intake's time (docs/store.md, "Write throughput").
    """
    gc.freeze()  # what start-up loaded (modules, regexes) is never walked again
    gc.set_threshold(100_000, 50, 100)


def quarantine_dir(environ: Mapping[str, str] | None = None) -> Path:
    """``<data dir>/siem/quarantine``."""
    return config.data_dir(environ) / "siem" / "quarantine"


class Quarantine:
    """Lines and events that could not be stored, kept on disk with why."""

    def __init__(self, directory: Path) -> None:
        """Write under ``directory`` (created, mode 0700, on first use)."""
        self.directory = directory
        self._pending: list[str] = []

    def add(self, reason: str, *, line: Line | None, eid: str, original: str | None = None) -> None:
        """Hold one record; :meth:`sync` writes it before the checkpoint moves past it."""
        if line is not None:
            head = decode_line(line.raw[:QUARANTINE_HEAD], max_chars=QUARANTINE_HEAD).text
            length = line.length if line.length >= 0 else len(line.raw)
        else:
            head, length = decode_line(original or "", max_chars=QUARANTINE_HEAD).text, -1
        record = {
            "time": datetime.now(UTC).isoformat(timespec="microseconds"),
            "reason": reason,
            "id": eid,
            "source": None if line is None else line.source,
            "position": None if line is None else line.position,
            "length": length,
            "head": head,
        }
        # ensure_ascii: the file holds no raw control or non-ASCII byte, whatever the line had
        self._pending.append(json.dumps(record, ensure_ascii=True))

    def sync(self) -> None:
        """Append the held records and fsync them.

        Raises:
            OSError: the quarantine cannot be written; the checkpoint must not move then.
        """
        if not self._pending:
            return
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = self.directory / f"{datetime.now(UTC):%Y%m%d}.jsonl"
        data = ("\n".join(self._pending) + "\n").encode("ascii")
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        self._pending.clear()


@dataclass
class _Audit:
    """One audit source's assembler and the first line of each event it holds."""

    assembler: AuditAssembler
    firsts: dict[tuple[str | None, str, str], Line] = field(default_factory=dict)
    last: float = 0.0
    end: int = -1
    last_line: Line | None = None


class Pipeline:
    """Turns lines into stored events, in batches, and moves checkpoints after the store.

    Not thread-safe: one reader loop (or one event loop) drives it.
    """

    def __init__(
        self,
        store: EventStore,
        *,
        checkpoints: Checkpoints | None = None,
        quarantine: Quarantine | None = None,
        tz: tzinfo | None = None,
        batch_size: int = BATCH_SIZE,
        flush_ms: int = FLUSH_MS,
        audit_idle: float = AUDIT_IDLE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Build a pipeline in front of ``store``.

        Args:
            store: where events go (``put`` is idempotent on ``event.id``).
            checkpoints: committed after each stored batch; None for readers without offsets.
            quarantine: where refused lines go; default ``<data>/siem/quarantine``.
            tz: the zone of timestamps that carry none (default: the machine's).
            batch_size: events per ``put``.
            flush_ms: the longest a line waits in a partial batch.
            audit_idle: seconds an incomplete audit event waits for more records.
            clock: monotonic seconds (tests pass a fake).
        """
        self.store = store
        self.checkpoints = checkpoints
        self.quarantine = quarantine or Quarantine(quarantine_dir())
        self.tz = tz
        self.batch_size = batch_size
        self.flush_after = flush_ms / 1000
        self.audit_idle = audit_idle
        self.counters = Counters()
        self.committers: list[Callable[[Mapping[str, int]], None]] = []
        self._clock = clock
        self._batch: list[Any] = []
        self._lines: dict[str, Line] = {}
        self._ends: dict[str, int] = {}
        self._audits: dict[str, _Audit] = {}
        self._since: float | None = None
        self._hosts: set[str] = set()  # host.name of the batch's events

    @property
    def pending(self) -> int:
        """Events and offsets waiting for the next :meth:`flush`."""
        return len(self._batch) + len(self._ends)

    def add(self, line: Line, *, audit: bool = False, hint: str | None = None) -> None:
        """Parse ``line`` into its event (or hold it, for an audit event still incomplete).

        Args:
            line: what a reader read.
            audit: the line comes from an audit.log: group records into events.
            hint: ``parse_line``'s format hint for unframed lines (``nginx.access``…).
        """
        self.counters.lines += 1
        if self._since is None:
            self._since = self._clock()
        if OVERSIZE in line.tags:
            self._quarantine(OVERSIZE, line, event_id(line))
        elif audit:
            for first, event in self._audit(line):
                self._append(first, event)
        else:
            event = parse_line(
                line.raw, host=line.host, received=line.received, tz=self.tz, source=hint
            )
            self._append(line, event)
        if line.end >= 0:
            self._note_end(line.source, line.end)

    def due(self) -> bool:
        """Whether the batch is full or its oldest line has waited ``flush_ms``."""
        if len(self._batch) >= self.batch_size:
            return True
        return self._since is not None and self._clock() - self._since >= self.flush_after

    def full(self) -> bool:
        """Whether the batch holds ``batch_size`` events (whatever its lines have waited)."""
        return len(self._batch) >= self.batch_size

    def expire(self) -> None:
        """Let audit events that waited ``audit_idle`` for their EOE go as they are."""
        now = self._clock()
        for source, state in self._audits.items():
            if state.firsts and now - state.last >= self.audit_idle:
                self._drain(source, state)

    def flush(self) -> None:
        """Store the batch, quarantine what the store refused, then commit checkpoints.

        Raises:
            StoreUnavailable: nothing was written; the batch and checkpoints stay as they
                were, for the caller to retry.
        """
        if self._batch:
            result = self.store.put_encoded(self._batch)
            for eid, reason in result.failed:
                self._quarantine(reason, self._lines.get(eid), eid)
            self.counters.created += result.created
            self.counters.duplicates += result.duplicates
            self.counters.spooled += result.spooled
            self.counters.batches += 1
            self._stamp_hosts()
        self.quarantine.sync()
        offsets = self._safe_offsets()
        for committer in self.committers:
            committer(offsets)
        if self.checkpoints is not None:
            self.checkpoints.commit()
        self._batch.clear()
        self._lines.clear()
        self._since = None

    def finish(self) -> None:
        """Emit every audit event still incomplete, then flush.

        Raises:
            StoreUnavailable: as :meth:`flush`.
        """
        for source, state in self._audits.items():
            self._drain(source, state)
        self.flush()

    def _drain(self, source: str, state: _Audit) -> None:
        if state.last_line is None:  # nothing was fed, nothing waits
            return
        for event in state.assembler.flush():
            self._append(self._first_of(state, event, state.last_line), event)
        state.firsts.clear()
        if state.end >= 0:
            self._note_end(source, state.end)

    def _append(self, line: Line, event: Event) -> None:
        eid = event_id(line)
        event["event"]["id"] = eid
        if line.tags:
            event["tags"] = list(dict.fromkeys([*event.get("tags", []), *line.tags]))
        self._count(event)
        try:
            # the batch holds the store's encoding, not the event (EventStore.encode)
            self._batch.append(self.store.encode(event))
        except Refused as exc:
            self._quarantine(exc.reason, line, eid)
            return
        self._lines[eid] = line

    def _count(self, event: Event) -> None:
        counters = self.counters
        counters.events += 1
        meta = event["event"]
        dataset = meta.get("dataset")
        if isinstance(dataset, str):
            counters.datasets[dataset] = counters.datasets.get(dataset, 0) + 1
        if meta.get("outcome") == "failure" and "authentication" in meta.get("category", ()):
            counters.auth_failures += 1
        host = event.get("host")
        name = host.get("name") if isinstance(host, dict) else None
        if isinstance(name, str) and name:
            self._hosts.add(name)

    def _stamp_hosts(self) -> None:
        """The batch's hosts were heard from now (a syslog sender names itself: capped)."""
        now = time.time()
        hosts = self.counters.hosts
        for name in self._hosts:
            if name in hosts or (len(hosts) < MAX_HOSTS and len(name) <= MAX_HOST_NAME):
                hosts[name] = now
            else:
                self.counters.hosts_dropped += 1
        self._hosts.clear()

    def _quarantine(self, reason: str, line: Line | None, eid: str) -> None:
        self.quarantine.add(reason, line=line, eid=eid)
        self.counters.quarantined += 1
        self.counters.reasons[reason] = self.counters.reasons.get(reason, 0) + 1

    def _note_end(self, source: str, end: int) -> None:
        # re-inserted so the dict's order is the order sources were last seen: a truncated
        # file's new generation then comes after its old one
        self._ends.pop(source, None)
        self._ends[source] = end

    def _audit(self, line: Line) -> list[tuple[Line, Event]]:
        record = parse_record(decode_line(line.raw).text)
        if record is None:
            return [(line, parse_line(line.raw, received=line.received, tz=self.tz))]
        state = self._audits.get(line.source)
        if state is None:
            state = self._audits[line.source] = _Audit(AuditAssembler(tz=self.tz, host=line.host))
        if record.type != "EOE":
            state.firsts.setdefault(record.key, line)
        state.last, state.end, state.last_line = self._clock(), line.end, line
        return [(self._first_of(state, e, line), e) for e in state.assembler.feed(line.raw)]

    @staticmethod
    def _first_of(state: _Audit, event: Event, default: Line) -> Line:
        """The line an audit event's id comes from: the first of its records."""
        first_record = str(event["event"].get("original", "")).split("\n", 1)[0]
        record = parse_record(first_record)
        found = state.firsts.pop(record.key, None) if record is not None else None
        return default if found is None else found

    def _safe_offsets(self) -> dict[str, int]:
        """Per source, the offset every line before which is stored or quarantined."""
        offsets: dict[str, int] = {}
        for source, end in self._ends.items():
            state = self._audits.get(source)
            if state is not None and state.firsts:
                # an audit event still waiting for records must be read again after a crash
                end = min(end, *(line.position for line in state.firsts.values()))
            offsets[source] = end
        self._ends.clear()
        return offsets


def flush_retrying(pipeline: Pipeline, stop: threading.Event, *, final: bool = False) -> bool:
    """Flush, waiting out a store that is unavailable (backoff up to 5 s) until ``stop``.

    Returns:
        Whether the batch was stored; False when stopped first (its checkpoint did not move).
    """
    delay = 0.1
    while True:
        try:
            if final:
                pipeline.finish()
            else:
                pipeline.flush()
            return True
        except StoreUnavailable as exc:
            pipeline.counters.store_retries += 1
            log.warning("store unavailable, retrying in %.1f s: %s", delay, exc)
            if stop.wait(delay):
                return False
            delay = min(delay * 2, RETRY_MAX)


@dataclass
class Source:
    """A tailed path and how its lines are parsed."""

    tailer: FileTailer
    audit: bool = False
    hint: str | None = None


def is_audit_log(path: Path) -> bool:
    """``audit.log`` and its rotations hold audit records, grouped by serial."""
    return path.name.startswith("audit.log")


def run_tail(
    pipeline: Pipeline,
    sources: Sequence[Source],
    stop: threading.Event,
    *,
    poll_interval: float = 0.1,
    budget: int = 1024 * 1024,
) -> None:
    """Follow ``sources`` until ``stop`` is set, then flush what was read."""
    for source in sources:
        pipeline.committers.append(source.tailer.committed)
    while not stop.is_set():
        got = 0
        for source in sources:
            for line in source.tailer.poll(budget):
                pipeline.add(line, audit=source.audit, hint=source.hint)
                got += 1
                if pipeline.due() and not flush_retrying(pipeline, stop):
                    return
        pipeline.expire()
        # an idle reader flushes at once: a lone line waits for no one
        if (pipeline.due() or (not got and pipeline.pending)) and not flush_retrying(
            pipeline, stop
        ):
            return
        if not got:
            stop.wait(poll_interval)
    flush_retrying(pipeline, stop)


def run_lines(
    pipeline: Pipeline,
    lines: Iterable[Line],
    stop: threading.Event,
    *,
    audit: bool = False,
    hint: str | None = None,
    whole: bool = False,
) -> None:
    """Put every line of a finite reader (a whole file, stdin) through the pipeline.

    ``whole``: the reader has every line at hand (a regular file read to its end), so a batch
    goes when full, not after ``flush_ms``: no line waits on a quiet source, and a timed
    flush only cut the batches to what one machine parses in 200 ms (5,000 events on a slow
    one instead of 20,000), each commit rewriting the indexes' last pages and adding an FTS5
    segment to merge (docs/store.md, "Write throughput"). A stream (stdin) may go quiet: it
    flushes by time too.
    """
    for line in lines:
        if stop.is_set():
            return
        pipeline.add(line, audit=audit, hint=hint)
        if (pipeline.full() if whole else pipeline.due()) and not flush_retrying(pipeline, stop):
            return
    flush_retrying(pipeline, stop, final=True)


def follow(
    pipeline: Pipeline, paths: Sequence[Path], stop: threading.Event, *, poll_interval: float = 0.1
) -> None:
    """Tail ``paths`` (audit.log* assembled by serial) until ``stop``; the files are closed after.

    The pipeline must have checkpoints: they are where each file resumes.
    """
    if pipeline.checkpoints is None:
        raise ValueError("following files needs a pipeline with checkpoints")
    sources = [Source(FileTailer(p, pipeline.checkpoints), is_audit_log(p)) for p in paths]
    try:
        run_tail(pipeline, sources, stop, poll_interval=poll_interval)
    finally:
        for source in sources:
            source.tailer.close()


def import_paths(
    pipeline: Pipeline, paths: Sequence[Path], stop: threading.Event, *, quiet: float = QUIET
) -> list[Unreadable]:
    """Read whole files (``-``: standard input) through the pipeline, in order.

    A path that is no regular file, or fails to read, is skipped and returned; what was read
    before is stored, and the other paths are read all the same. A file's last line still
    being written (``quiet``: :class:`~secops.ingest.readers.FileReader`) is counted in
    ``held``, not read.
    """
    problems: list[Unreadable] = []
    for path in paths:
        if str(path) == "-":
            run_lines(pipeline, read_stream(sys.stdin.buffer), stop)
            continue
        reader = FileReader(path, quiet=quiet)
        try:
            run_lines(pipeline, reader, stop, audit=is_audit_log(path), whole=True)
        except Unreadable as problem:
            problems.append(problem)
            flush_retrying(pipeline, stop, final=True)  # the lines read before it stay read
        if reader.held is not None:
            pipeline.counters.held += 1
    return problems


__all__ = [
    "Counters",
    "Pipeline",
    "Quarantine",
    "Source",
    "flush_retrying",
    "follow",
    "import_paths",
    "quarantine_dir",
    "run_lines",
    "run_tail",
]
