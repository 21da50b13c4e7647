"""govsec's Prometheus collectors: compliance, hardening, the SIEM pipeline, detection, alerts.

One :class:`GovsecCollector` reads govsec's own files on every scrape and never writes any:
audit results (``results.json``, only when they match their signed evidence), the hardening
record, the listener's status file, the
event store and its alert tables (opened read-only, read in one snapshot) and the webhook's
notification store. Each part runs on its own: a part whose source fails is reported as
``govsec_collector_up{collector=…} 0`` and its metrics are left out, the others go on —
``collect()`` never raises (../shared/STYLE.md rule 6).

Inputs are parameters (:class:`Sources`, ``clock``), as client_python's own collectors take
them, so tests build a fresh registry over a fake tree.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import apsw
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from monitors.metrics import BY_NAME, COLLECTORS
from secops import __version__
from secops.report.bundle import BUNDLE_NAME
from secops.report.evidence import check_evidence, signature_beside
from secops.store.sqlite import store_size

if TYPE_CHECKING:
    from monitors.webhook import NotificationStore

log = logging.getLogger(__name__)

Family = CounterMetricFamily | GaugeMetricFamily
RESULTS = "results.json"
MAX_DEPTH = 4  # <audits>/<run>/<nested run>/results.json, as the demo writes them


class PartFailed(Exception):  # noqa: N818 - a verdict carried to collect(), never raised out
    """A part's source failed after it had something to show (``govsec_siem_store_up 0``)."""

    def __init__(self, reason: str, families: list[Family]) -> None:
        super().__init__(reason)
        self.families = families


@dataclass(frozen=True)
class Sources:
    """Where each part reads.

    Attributes:
        audits: a folder holding audit runs (``<data>/audits``); every ``results.json`` under
            it, up to four levels deep, counts; per host and level the newest wins.
        harden: the hardening record (``<data>/harden/hosts.json``).
        store: the SQLite event store (``events.db``); None when the store is Elasticsearch.
        listener: the status file ``govsec siem listen`` writes for that store.
        notifications: the webhook's notification store, when this process serves it.
    """

    audits: Path
    harden: Path
    store: Path | None
    listener: Path
    notifications: NotificationStore | None = None


def family(name: str, labels: Iterable[str] | None = None) -> Family:
    """An empty family for a metric of :mod:`monitors.metrics` (a typo fails here, in tests)."""
    metric = BY_NAME[name]
    cls = CounterMetricFamily if metric.kind == "counter" else GaugeMetricFamily
    return cls(name, metric.help, labels=list(metric.labels if labels is None else labels))


class Unverified(Exception):  # noqa: N818 - a verdict on one audit, counted, never raised out
    """Results that do not match their signed evidence: their scores are not exported."""


class _ResultsCache:
    """Parsed and verified ``results.json`` files, by the state of the results, the evidence
    beside them and the keys trusted: a scrape re-reads and re-verifies only what changed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[Path, tuple[object, list[_HostAudit] | str]] = {}

    def hosts(self, path: Path, trusted: dict[str, str]) -> list[_HostAudit]:
        """The hosts of the audit at ``path``.

        Raises:
            OSError, ValueError: the file cannot be read or is not an audit's results.
            Unverified: the results do not match their signed evidence (why, in the message).
        """
        bundle = path.with_name(BUNDLE_NAME)
        key = (_state(path), _state(bundle), _state(signature_beside(bundle)), frozenset(trusted))
        with self._lock:
            cached = self._entries.get(path)
        if cached is None or cached[0] != key:
            parsed = _parse_results(path)  # unreadable results are invalid, not unverified
            found: list[_HostAudit] | str = _verify(path, trusted) or parsed
            cached = (key, found)
            with self._lock:
                self._entries[path] = cached
        if isinstance(cached[1], str):
            raise Unverified(cached[1])
        return cached[1]


def _state(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return (stat.st_mtime_ns, stat.st_size)


def _verify(path: Path, trusted: dict[str, str]) -> str:
    """Why the results at ``path`` cannot be trusted, or "" when their signed evidence holds."""
    bundle = path.with_name(BUNDLE_NAME)
    if not bundle.exists():
        return f"no evidence bundle beside {path}"
    check = check_evidence(bundle, trusted, path)
    return "; ".join(check.problems)


@dataclass(frozen=True)
class _HostAudit:
    host: str
    level: int
    finished: float
    reachable: bool
    score: float | None
    checks: tuple[tuple[str, str, tuple[str, ...]], ...]  # (check id, status, areas)


def _parse_results(path: Path) -> list[_HostAudit]:
    """The hosts of one audit run.

    Raises:
        OSError, ValueError: the file cannot be read or is not an audit's results.
    """
    from datetime import datetime

    from secops.audit.results import AuditRun

    try:
        run = AuditRun.from_json(path.read_text(encoding="utf-8"))
    except (KeyError, TypeError) as exc:
        raise ValueError(f"{path}: not audit results ({exc})") from None
    finished = datetime.fromisoformat(run.finished).timestamp()
    found: list[_HostAudit] = []
    for host in run.hosts:
        areas: dict[str, set[str]] = {}
        for control in host.controls:
            area = control.control_id.rpartition(".")[0]
            for check in control.checks:
                areas.setdefault(check, set()).add(area)
        checks = tuple(
            (c.check_id, c.status, tuple(sorted(areas.get(c.check_id, ())))) for c in host.checks
        )
        found.append(_HostAudit(host.name, run.level, finished, host.reachable, host.score, checks))
    return found


class GovsecCollector(Collector):
    """Every govsec metric, read from :class:`Sources` at each scrape."""

    def __init__(self, sources: Sources, *, clock: Callable[[], float] = time.time) -> None:
        self.sources = sources
        self.clock = clock
        self._results = _ResultsCache()
        self._failures: dict[str, str] = {}
        self._lock = threading.Lock()
        self._parts: dict[str, Callable[[], list[Family]]] = {
            "compliance": self._compliance,
            "harden": self._harden,
            "siem": self._siem,
            "detect": self._detect,
            "notify": self._notify,
        }
        assert tuple(self._parts) == COLLECTORS  # noqa: S101 - the table and the code agree

    def describe(self) -> Iterable[Metric]:
        """Nothing: the families vary with the sources, so the registry does not pin names."""
        return []

    def collect(self) -> Iterable[Metric]:
        """Every family; a part whose source fails shows as ``govsec_collector_up 0``."""
        up = family("govsec_collector_up")
        took = family("govsec_collector_scrape_duration_seconds")
        families: list[Family] = []
        for name, part in self._parts.items():
            started = time.perf_counter()
            try:
                families.extend(part())
                ok = 1.0
            except PartFailed as exc:
                self._failed(name, exc)
                families.extend(exc.families)
                ok = 0.0
            except Exception as exc:  # a bug or a source we did not foresee: still never raise
                self._failed(name, exc)
                ok = 0.0
            else:
                self._failures.pop(name, None)
            up.add_metric([name], ok)
            took.add_metric([name], time.perf_counter() - started)
        info = family("govsec_build_info")
        info.add_metric([__version__], 1.0)
        return [info, up, took, *families]

    def _failed(self, name: str, exc: BaseException) -> None:
        """Log a part's failure once, not at every scrape, until it changes or clears."""
        text = str(exc)
        with self._lock:
            if self._failures.get(name) == text:
                return
            self._failures[name] = text
        log.warning("govsec metrics: the %s collector failed: %s", name, text)

    # -- compliance -----------------------------------------------------------------------

    def _compliance(self) -> list[Family]:
        from secops.report.signing import trusted_keys

        newest: dict[tuple[str, int], _HostAudit] = {}
        invalid = unverified = 0
        trusted = trusted_keys()  # the keys of the account govsec serve runs as
        for path in _results_files(self.sources.audits):
            try:
                hosts = self._results.hosts(path, trusted)
            except Unverified as exc:
                log.warning("govsec metrics: leaving out %s: %s", path, exc)
                unverified += 1
                continue
            except (OSError, ValueError) as exc:
                log.warning("govsec metrics: skipping %s: %s", path, exc)
                invalid += 1
                continue
            for audit in hosts:
                key = (audit.host, audit.level)
                if key not in newest or audit.finished > newest[key].finished:
                    newest[key] = audit
        score = family("govsec_compliance_score_ratio")
        checks = family("govsec_compliance_checks")
        passed = family("govsec_compliance_check_passed")
        last = family("govsec_compliance_last_audit_timestamp_seconds")
        reachable = family("govsec_compliance_host_reachable")
        for (host, level), audit in sorted(newest.items()):
            labels = [host, str(level)]
            last.add_metric(labels, audit.finished)
            reachable.add_metric(labels, 1.0 if audit.reachable else 0.0)
            if audit.score is not None:
                score.add_metric(labels, audit.score / 100)
            per_area: dict[tuple[str, str], int] = {}
            for check, status, areas in audit.checks:
                for area in areas or ("",):
                    per_area[(area, status)] = per_area.get((area, status), 0) + 1
                if status in ("pass", "fail"):
                    passed.add_metric(
                        [*labels, check, areas[0] if areas else ""],
                        1.0 if status == "pass" else 0.0,
                    )
            for (area, status), count in sorted(per_area.items()):
                checks.add_metric([*labels, area, status], count)
        bad = family("govsec_compliance_audit_files_invalid")
        bad.add_metric([], invalid)
        forged = family("govsec_compliance_audit_files_unverified")
        forged.add_metric([], unverified)
        return [score, checks, passed, last, reachable, bad, forged]

    # -- hardening ------------------------------------------------------------------------

    def _harden(self) -> list[Family]:
        from secops.harden.record import read_records

        records = read_records(self.sources.harden)
        finished = family("govsec_harden_last_run_timestamp_seconds")
        success = family("govsec_harden_last_run_success")
        tasks = family("govsec_harden_last_run_tasks")
        drift = family("govsec_harden_drift_tasks")
        checked = family("govsec_harden_last_check_timestamp_seconds")
        for host, record in sorted(records.items()):
            if record.applied is not None:
                run = record.applied
                finished.add_metric([host, str(run.level)], run.finished)
                success.add_metric([host, str(run.level)], 1.0 if run.success else 0.0)
                for outcome in ("ok", "changed", "failed", "skipped"):
                    tasks.add_metric([host, outcome], getattr(run, outcome))
            if record.checked is not None and not record.checked.unreachable:
                check = record.checked
                drift.add_metric([host, str(check.level)], check.changed)
                checked.add_metric([host, str(check.level)], check.finished)
        return [finished, success, tasks, drift, checked]

    # -- SIEM pipeline --------------------------------------------------------------------

    def _siem(self) -> list[Family]:
        families = self._listener()
        store_up = family("govsec_siem_store_up")
        if self.sources.store is None:
            return families  # Elasticsearch: its own monitoring shows the cluster
        try:
            with _snapshot(self.sources.store) as db:
                counts = _all(db, "SELECT dataset, sum(n) FROM counts GROUP BY dataset")
                newest = _value(db, "SELECT max(ts) FROM events")
        except (apsw.Error, OSError) as exc:
            store_up.add_metric([], 0.0)
            raise PartFailed(f"the event store: {exc}", [*families, store_up]) from exc
        store_up.add_metric([], 1.0)
        stored = family("govsec_siem_events_stored")
        for dataset, n in sorted(counts, key=lambda row: str(row[0])):
            stored.add_metric([dataset or "none"], n)
        size = family("govsec_siem_store_size_bytes")
        size.add_metric([], store_size(self.sources.store))
        families += [store_up, stored, size]
        if newest is not None:
            newest_family = family("govsec_siem_newest_event_timestamp_seconds")
            newest_family.add_metric([], newest / 1_000_000)
            families.append(newest_family)
        return families

    def _listener(self) -> list[Family]:
        from secops.ingest.status import read_status

        status = read_status(self.sources.listener)
        up = family("govsec_siem_listener_up")
        up.add_metric([], 1.0 if status is not None and status.alive(self.clock()) else 0.0)
        if status is None:
            return [up]
        counters = status.counters
        families: list[Family] = [up]
        for name, value in (
            ("govsec_siem_lines", counters.lines),
            ("govsec_siem_unparsed_lines", counters.datasets.get("unparsed", 0)),
            ("govsec_siem_store_errors", counters.store_retries),
            ("govsec_siem_auth_failures", counters.auth_failures),
            ("govsec_siem_hosts_dropped", counters.hosts_dropped),
            ("govsec_siem_spool_events", status.spool),
        ):
            single = family(name)
            single.add_metric([], value)
            families.append(single)
        labelled_values: tuple[tuple[str, dict[str, int] | dict[str, float]], ...] = (
            ("govsec_siem_events_ingested", counters.datasets),
            ("govsec_siem_quarantined_lines", counters.reasons),
            ("govsec_siem_host_last_event_timestamp_seconds", counters.hosts),
        )
        for name, values in labelled_values:
            labelled = family(name)
            for label in sorted(values):
                labelled.add_metric([label], float(values[label]))
            families.append(labelled)
        return families

    # -- detection and alerts -------------------------------------------------------------

    def _detect(self) -> list[Family]:
        if self.sources.store is None:
            return []
        with _snapshot(self.sources.store) as db:
            if not _has_table(db, "alerts"):
                return []  # detect never ran on this store
            live = _all(
                db,
                "SELECT severity, status, count(*) FROM alerts WHERE status != 'closed'"
                " GROUP BY 1, 2",
            )
            pending = _value(db, "SELECT count(*) FROM alert_outbox WHERE state = 'pending'")
            state: dict[str, bytes] = {
                str(key): bytes(value)
                for key, value in _all(
                    db,
                    "SELECT key, value FROM detect_state WHERE key IN (?, ?)",
                    ("detect.position", "detect.status"),
                )
            }
            position = int(state.get("detect.position", b"0").decode() or 0)
            lag = _value(db, "SELECT count(*) FROM events WHERE seq > ?", (position,))
            newest = _value(db, "SELECT ts FROM events ORDER BY seq DESC LIMIT 1")
            done = _value(
                db, "SELECT ts FROM events WHERE seq <= ? ORDER BY seq DESC LIMIT 1", (position,)
            )
            if done is None:  # nothing processed, or purged since: the oldest waiting event
                done = _value(
                    db, "SELECT ts FROM events WHERE seq > ? ORDER BY seq LIMIT 1", (position,)
                )
        from secops.alerts.model import SEVERITIES

        open_ = family("govsec_alerts_open")
        counts = {(str(s), str(st)): n for s, st, n in live}
        for severity in SEVERITIES:  # zeros too: a rule "> 0" needs the series to exist
            for status in ("open", "acknowledged"):
                open_.add_metric([severity, status], counts.pop((severity, status), 0))
        for (severity, status), n in sorted(counts.items()):
            open_.add_metric([severity, status], n)
        outbox = family("govsec_alerts_outbox_pending")
        outbox.add_metric([], pending)
        lag_events = family("govsec_detect_lag_events")
        lag_events.add_metric([], lag)
        lag_seconds = family("govsec_detect_lag_seconds")
        behind: float = 0.0
        if lag and newest is not None and done is not None:
            behind = max(0.0, (newest - done) / 1_000_000)
        lag_seconds.add_metric([], behind)
        families: list[Family] = [open_, outbox, lag_events, lag_seconds]
        if "detect.status" in state:
            noted: Any = json.loads(state["detect.status"])
            for name, value in (
                ("govsec_detect_rules_loaded", noted["rules"]),
                ("govsec_detect_rule_errors", noted["problems"]),
                ("govsec_detect_last_run_timestamp_seconds", noted["updated"]),
            ):
                single = family(name)
                single.add_metric([], float(value))
                families.append(single)
        return families

    # -- the webhook's notifications ------------------------------------------------------

    def _notify(self) -> list[Family]:
        store = self.sources.notifications
        if store is None:
            return []
        stats = store.stats()
        received = family("govsec_notifications_received")
        for status in ("firing", "resolved"):
            received.add_metric([status], stats.received.get(status, 0))
        replays = family("govsec_notifications_replays")
        replays.add_metric([], stats.replays)
        failures = family("govsec_notifications_forward_failures")
        for name, n in sorted(stats.forward_failures.items()):
            failures.add_metric([name], n)
        pending = family("govsec_notifications_forward_pending")
        for name, n in sorted(stats.pending.items()):
            pending.add_metric([name], n)
        return [received, replays, failures, pending]


def _results_files(root: Path) -> list[Path]:
    """Every results.json under ``root`` (not following links out of it), newest last."""
    found: list[Path] = []
    if not root.is_dir():
        return found
    stack = [(root, 0)]
    while stack:
        folder, depth = stack.pop()
        for entry in folder.iterdir():
            if entry.name == RESULTS and entry.is_file():
                found.append(entry)
            elif depth < MAX_DEPTH and entry.is_dir() and not entry.is_symlink():
                stack.append((entry, depth + 1))
    return sorted(found)


@contextmanager
def _snapshot(path: Path) -> Iterator[apsw.Connection]:
    """A read-only connection to the store holding one read transaction (one snapshot).

    Raises:
        OSError: the store file does not exist (read-only opening would not create it).
        apsw.Error: it cannot be opened or read.
    """
    if not path.is_file():
        raise FileNotFoundError(f"no event store at {path}")
    db = apsw.Connection(str(path), flags=apsw.SQLITE_OPEN_READONLY)
    try:
        db.set_busy_timeout(5_000)
        db.execute("BEGIN")
        try:
            yield db
        finally:
            db.execute("COMMIT")
    finally:
        db.close()


def _one(db: apsw.Connection, sql: str, params: tuple[Any, ...] = ()) -> tuple[Any, ...] | None:
    return cast(tuple[Any, ...] | None, db.execute(sql, params).fetchone())


def _all(db: apsw.Connection, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    return cast(list[tuple[Any, ...]], db.execute(sql, params).fetchall())


def _value(db: apsw.Connection, sql: str, params: tuple[Any, ...] = ()) -> Any:
    """The first column of the query's first row; None when it has no row."""
    row = _one(db, sql, params)
    return None if row is None else row[0]


def _has_table(db: apsw.Connection, name: str) -> bool:
    row = _one(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?", (name,))
    return bool(row and row[0])
