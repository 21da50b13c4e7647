"""Alerts, their history, the Alertmanager outbox and the detection state, in the events' file.

``AlertStore`` opens the same SQLite file as :class:`secops.store.sqlite.SqliteStore`, on a
connection of its own (WAL: readers never wait; writers wait up to the busy timeout). Its
tables carry their own schema version in ``alerts_meta``: ``PRAGMA user_version`` belongs to
the event store. Everything the detection runner does for one batch — alerts recorded, the
outbox filled, its state and position saved — can go in one :meth:`AlertStore.transaction`,
so a crash replays a batch, never half of one.
"""

from __future__ import annotations

import builtins
import secrets
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import apsw
import orjson

from secops.alerts.alertmanager import payload
from secops.alerts.model import (
    LIVE,
    SEVERITIES,
    STATUSES,
    Alert,
    AlertError,
    HistoryEntry,
    UnknownAlert,
    dedup_key,
)
from secops.store.base import StoreError, StoreUnavailable, from_micros, to_micros

if TYPE_CHECKING:
    from secops.detect.model import Detection

SCHEMA_VERSION = 1
# alert_history.on_behalf_of (``--by``; the actor is the account that ran the command) came
# later: added where missing, in a way older govsec still reads and writes (named columns)
ADD_ON_BEHALF_OF = "ALTER TABLE alert_history ADD COLUMN on_behalf_of TEXT"

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS alerts (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        dedup_key TEXT NOT NULL,
        rule_id TEXT NOT NULL,
        rule_title TEXT NOT NULL,
        description TEXT NOT NULL,
        severity TEXT NOT NULL,
        controls TEXT NOT NULL,
        techniques TEXT NOT NULL,
        host TEXT,
        grp TEXT NOT NULL,
        first_seen INTEGER NOT NULL,
        last_seen INTEGER NOT NULL,
        count INTEGER NOT NULL,
        event_ids TEXT NOT NULL,
        status TEXT NOT NULL,
        reason TEXT,
        assignee TEXT,
        created INTEGER NOT NULL,
        updated INTEGER NOT NULL,
        delivered INTEGER
    ) STRICT""",
    # a detection looks up the live alert of its key; closed ones are never merged into
    "CREATE INDEX IF NOT EXISTS alerts_live ON alerts (dedup_key) WHERE status != 'closed'",
    "CREATE INDEX IF NOT EXISTS alerts_by_last_seen ON alerts (last_seen)",
    """CREATE TABLE IF NOT EXISTS alert_history (
        seq INTEGER PRIMARY KEY,
        alert TEXT NOT NULL,
        time INTEGER NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        detail TEXT NOT NULL,
        note TEXT,
        on_behalf_of TEXT
    ) STRICT""",
    "CREATE INDEX IF NOT EXISTS alert_history_by_alert ON alert_history (alert, seq)",
    # one row per alert: a newer payload replaces a pending one (Alertmanager only needs the
    # latest state of an alert); 'rejected' rows (a 4xx answer) stay until the alert changes
    """CREATE TABLE IF NOT EXISTS alert_outbox (
        alert TEXT PRIMARY KEY,
        payload BLOB NOT NULL,
        resolved INTEGER NOT NULL,
        version INTEGER NOT NULL,
        queued INTEGER NOT NULL,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        next_try INTEGER NOT NULL,
        last_error TEXT
    ) STRICT""",
    "CREATE INDEX IF NOT EXISTS alert_outbox_due ON alert_outbox (state, next_try)",
    "CREATE TABLE IF NOT EXISTS detect_state (key TEXT PRIMARY KEY, value BLOB NOT NULL) STRICT",
    "CREATE TABLE IF NOT EXISTS alerts_meta (key TEXT PRIMARY KEY, value ANY NOT NULL) STRICT",
    "INSERT OR REPLACE INTO alerts_meta (key, value) VALUES ('schema_version', "  # noqa: S608
    f"{SCHEMA_VERSION})",
)

COLUMNS = (
    "id, dedup_key, rule_id, rule_title, description, severity, controls, techniques, host,"
    " grp, first_seen, last_seen, count, event_ids, status, reason, assignee, created, updated"
)
INSERT_ALERT = f"INSERT INTO alerts ({COLUMNS}) VALUES ({', '.join('?' * 19)})"  # noqa: S608 - constant
UPDATE_ALERT = (
    "UPDATE alerts SET first_seen = ?, last_seen = ?, count = ?, event_ids = ?, status = ?,"
    " reason = ?, assignee = ?, updated = ? WHERE id = ?"
)
ENQUEUE = """INSERT INTO alert_outbox
        (alert, payload, resolved, version, queued, state, attempts, next_try, last_error)
    VALUES (?, ?, ?, 1, ?, 'pending', 0, ?, NULL)
    ON CONFLICT (alert) DO UPDATE SET
        payload = excluded.payload,
        resolved = excluded.resolved,
        version = version + 1,
        queued = excluded.queued,
        -- a pending row keeps its backoff (Alertmanager is still down); a rejected one
        -- starts afresh, since what was rejected has changed
        attempts = CASE WHEN state = 'rejected' THEN 0 ELSE attempts END,
        next_try = CASE WHEN state = 'rejected' THEN excluded.next_try ELSE next_try END,
        last_error = CASE WHEN state = 'rejected' THEN NULL ELSE last_error END,
        state = 'pending'"""

BACKOFF_BASE = timedelta(seconds=5)
BACKOFF_CAP = timedelta(minutes=5)


@dataclass(frozen=True)
class OutboxRow:
    """One alert's payload waiting for Alertmanager (or rejected by it)."""

    alert_id: str
    payload: dict[str, Any]
    resolved: bool
    version: int
    queued: datetime
    state: str  # pending | rejected
    attempts: int
    next_try: datetime
    last_error: str | None


@dataclass(frozen=True)
class AlertEvents:
    """The stored events that raised an alert, and the ids no longer stored (purged)."""

    found: list[dict[str, Any]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failure in a row: 5 s, 10 s, 20 s … at most 5 min."""
    factor: int = 2 ** min(max(attempts - 1, 0), 16)
    return min(BACKOFF_CAP, BACKOFF_BASE * factor)


class AlertStore:
    """Alerts and their workflow in the events' SQLite file. Thread-safe (one lock)."""

    def __init__(self, path: Path) -> None:
        """Open (creating if needed) the alert tables in the event store at ``path``.

        Raises:
            StoreUnavailable: the file cannot be opened or created.
            StoreError: its alert tables were made by a newer govsec.
        """
        from secops.store.sqlite import SqliteStore

        self.path = path
        # the event store makes the file as it wants it (page size, WAL, its tables), so
        # events_of can always read, whichever of the two opened the file first
        SqliteStore(path).close()
        self._lock = threading.RLock()
        self._depth = 0
        try:
            self._db = apsw.Connection(str(path))
            self._db.set_busy_timeout(30_000)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._migrate()
        except apsw.Error as exc:
            raise self._unavailable("open", exc) from exc

    def _migrate(self) -> None:
        has_meta = self._one(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'alerts_meta'"
        )[0]
        if has_meta:
            row = self._db.execute(
                "SELECT value FROM alerts_meta WHERE key = 'schema_version'"
            ).fetchone()
            version = int(row[0]) if row else 0
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"the alert tables of {self.path} have schema version {version}, newer than"
                    f" this govsec's {SCHEMA_VERSION}",
                    hint="upgrade govsec, or point it at another store",
                )
            if version == SCHEMA_VERSION and self._has_on_behalf_of():
                return
        with self.transaction():
            # checked inside the transaction: another process may have added it meanwhile
            if self._one("SELECT count(*) FROM pragma_table_info('alert_history')")[0] and (
                not self._has_on_behalf_of()
            ):
                self._db.execute(ADD_ON_BEHALF_OF)  # the rows there keep NULL: no annotation
            for statement in SCHEMA:
                self._db.execute(statement)

    def _has_on_behalf_of(self) -> bool:
        return bool(
            self._one(
                "SELECT count(*) FROM pragma_table_info('alert_history')"
                " WHERE name = 'on_behalf_of'"
            )[0]
        )

    def _unavailable(self, action: str, exc: BaseException) -> StoreUnavailable:
        return StoreUnavailable(
            f"cannot {action} the alerts in {self.path}: {exc}",
            hint=f"check the free space and the permissions of {self.path.parent}",
        )

    def _one(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...]:
        return cast(tuple[Any, ...], self._db.execute(sql, params).fetchone())

    def _all(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return cast(list[tuple[Any, ...]], self._db.execute(sql, params).fetchall())

    # -- transactions ---------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction; a nested call joins it (as a savepoint) and commits with it.

        An exception rolls back what its block wrote: the whole transaction at the outermost
        level, only the inner block's writes when an inner block fails and the outer goes on.
        """
        with self._lock:
            depth = self._depth
            savepoint = f"govsec_alerts_{depth}"
            try:
                self._db.execute("BEGIN IMMEDIATE" if depth == 0 else f"SAVEPOINT {savepoint}")
            except apsw.Error as exc:
                raise self._unavailable("write", exc) from exc
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                with suppress(apsw.Error):
                    if depth == 0:
                        self._db.execute("ROLLBACK")
                    else:
                        self._db.execute(f"ROLLBACK TO {savepoint}; RELEASE {savepoint}")
                raise
            self._depth -= 1
            try:
                self._db.execute("COMMIT" if depth == 0 else f"RELEASE {savepoint}")
            except apsw.Error as exc:
                if depth == 0 and self._db.in_transaction:
                    with suppress(apsw.Error):
                        self._db.execute("ROLLBACK")
                raise self._unavailable("write", exc) from exc

    # -- detections -----------------------------------------------------------------------

    def record(self, detection: Detection, now: datetime) -> tuple[Alert, bool]:
        """Merge ``detection`` into its live alert, or raise a new one; ``(alert, created)``.

        It merges into the newest open or acknowledged alert with its dedup key whose span,
        widened by ``rule.suppress`` on both sides, the detection's events touch — by their
        own time, so events read out of order fold where they belong and events years apart
        never do; otherwise, or when every alert of that key is closed, a new alert is made.
        Either way the alert's payload is queued for Alertmanager (a replayed detection that
        adds nothing queues nothing).
        """
        key = dedup_key(detection.rule.id, detection.host, detection.group)
        gap = detection.rule.suppress
        with self.transaction():
            row = self._db.execute(
                f"SELECT {COLUMNS} FROM alerts WHERE dedup_key = ? AND status != 'closed'"  # noqa: S608 - constant
                " AND first_seen <= ? AND last_seen >= ? ORDER BY seq DESC LIMIT 1",
                (
                    key,
                    to_micros(detection.last_seen + gap),
                    to_micros(detection.first_seen - gap),
                ),
            ).fetchone()
            if row is not None:
                alert = self._with_history(_alert(row))
                before = len(alert.history)
                if alert.merge(detection, now):
                    self._save(alert, before)
                    self._enqueue(alert, now)
                return alert, False
            alert = Alert.from_detection(self._new_id(), detection, now)
            self._db.execute(INSERT_ALERT, _row(alert))
            self._write_history(alert, 0)
            self._enqueue(alert, now)
            return alert, True

    def _new_id(self) -> str:
        while True:
            candidate = f"A-{secrets.token_hex(5)}"
            if not self._db.execute("SELECT 1 FROM alerts WHERE id = ?", (candidate,)).fetchone():
                return candidate

    def load_state(self, key: str) -> bytes | None:
        """The detection engine's saved blob under ``key``, or None."""
        with self._lock:
            row = self._db.execute(
                "SELECT value FROM detect_state WHERE key = ?", (key,)
            ).fetchone()
        return None if row is None else bytes(row[0])

    def save_state(self, key: str, blob: bytes) -> None:
        """Keep ``blob`` under ``key`` (in the current transaction, if any)."""
        with self.transaction():
            self._db.execute(
                "INSERT INTO detect_state (key, value) VALUES (?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, blob),
            )

    # -- reading --------------------------------------------------------------------------

    def get(self, alert_id: str) -> Alert:
        """The alert ``alert_id`` with its history.

        Raises:
            UnknownAlert: no alert has this id.
        """
        with self._lock:
            row = self._db.execute(
                f"SELECT {COLUMNS} FROM alerts WHERE id = ?",  # noqa: S608 - constant
                (alert_id,),
            ).fetchone()
            if row is None:
                raise UnknownAlert(alert_id)
            return self._with_history(_alert(row))

    def list(
        self,
        *,
        status: str | Sequence[str] | None = LIVE,
        severity: str | None = None,
        rule: str | None = None,
        host: str | None = None,
        since: datetime | None = None,
        limit: int = 100,
    ) -> list[Alert]:
        """Alerts, last seen first, with their history.

        Args:
            status: one status, several, or None for all; default open and acknowledged.
            severity: the lowest severity shown (``high``: high and critical).
            rule: a rule id. host: a host name. since: last seen at or after.
            limit: at most this many.

        Raises:
            AlertError: an unknown status or severity, or a limit under 1.
        """
        clauses: list[str] = []
        params: list[Any] = []
        if status is not None:
            wanted = (status,) if isinstance(status, str) else tuple(status)
            for name in wanted:
                if name not in STATUSES:
                    raise AlertError(
                        f"unknown alert status {name!r}: expected one of {', '.join(STATUSES)}"
                    )
            clauses.append(f"status IN ({', '.join('?' * len(wanted))})")
            params.extend(wanted)
        if severity is not None:
            if severity not in SEVERITIES:
                raise AlertError(
                    f"unknown severity {severity!r}: expected one of {', '.join(SEVERITIES)}"
                )
            levels = SEVERITIES[SEVERITIES.index(severity) :]
            clauses.append(f"severity IN ({', '.join('?' * len(levels))})")
            params.extend(levels)
        for column, value in (("rule_id", rule), ("host", host)):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        if since is not None:
            clauses.append("last_seen >= ?")
            params.append(to_micros(since))
        if limit < 1:
            raise AlertError(f"a list limit must be at least 1, not {limit}")
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        sql = f"SELECT {COLUMNS} FROM alerts {where} ORDER BY last_seen DESC, seq DESC LIMIT ?"  # noqa: S608 - clauses are constants; values are bound
        with self._lock:
            alerts = [_alert(row) for row in self._all(sql, (*params, limit))]
            return [self._with_history(alert) for alert in alerts]

    def _with_history(self, alert: Alert) -> Alert:
        alert.history = [
            HistoryEntry(from_micros(time), actor, action, detail, note, on_behalf_of)
            for time, actor, action, detail, note, on_behalf_of in self._all(
                "SELECT time, actor, action, detail, note, on_behalf_of FROM alert_history"
                " WHERE alert = ? ORDER BY seq",
                (alert.id,),
            )
        ]
        return alert

    def events_of(self, alert: Alert) -> AlertEvents:
        """The stored events behind ``alert``, in its order; ids of purged ones in ``missing``."""
        from secops.store.sqlite import stored_key

        found: builtins.list[dict[str, Any]] = []
        missing: builtins.list[str] = []
        with self._lock:
            for eid in alert.event_ids:
                row = self._db.execute(
                    "SELECT doc FROM events WHERE id = ?", (stored_key(eid),)
                ).fetchone()
                if row is None:
                    missing.append(eid)
                else:
                    found.append(orjson.loads(row[0]))
        return AlertEvents(found, missing)

    # -- workflow -------------------------------------------------------------------------

    def ack(
        self,
        alert_id: str,
        actor: str,
        *,
        note: str | None = None,
        now: datetime | None = None,
        on_behalf_of: str | None = None,
    ) -> Alert:
        """Acknowledge an open alert; ``actor`` did it, ``on_behalf_of`` is only a remark.

        Raises:
            UnknownAlert: no such alert. BadTransition: it is not open.
        """
        return self._change(
            alert_id, now, lambda a, at: a.acknowledge(actor, at, note, on_behalf_of)
        )

    def close(
        self,
        alert_id: str,
        reason: str,
        actor: str,
        *,
        note: str | None = None,
        now: datetime | None = None,
        on_behalf_of: str | None = None,
    ) -> Alert:
        """Close an open or acknowledged alert with a reason; Alertmanager gets it resolved.

        Raises:
            UnknownAlert: no such alert. BadTransition: already closed, or an unknown reason.
        """
        return self._change(
            alert_id, now, lambda a, at: a.close(reason, actor, at, note, on_behalf_of)
        )

    def assign(
        self,
        alert_id: str,
        user: str,
        actor: str,
        *,
        note: str | None = None,
        now: datetime | None = None,
        on_behalf_of: str | None = None,
    ) -> Alert:
        """Give an open or acknowledged alert to ``user``.

        Raises:
            UnknownAlert: no such alert. BadTransition: it is closed.
        """
        return self._change(
            alert_id, now, lambda a, at: a.assign(user, actor, at, note, on_behalf_of)
        )

    def note(
        self,
        alert_id: str,
        actor: str,
        text: str,
        *,
        now: datetime | None = None,
        on_behalf_of: str | None = None,
    ) -> Alert:
        """Add a note to an alert, whatever its status.

        Raises:
            UnknownAlert: no such alert. BadTransition: an empty note.
        """
        return self._change(alert_id, now, lambda a, at: a.add_note(actor, at, text, on_behalf_of))

    def _change(
        self, alert_id: str, now: datetime | None, step: Callable[[Alert, datetime], None]
    ) -> Alert:
        at = now or datetime.now(UTC)
        with self.transaction():
            alert = self.get(alert_id)
            before = len(alert.history)
            status = alert.status
            step(alert, at)
            self._save(alert, before)
            # Alertmanager shows status and assignee as annotations, and closing resolves;
            # only a note on an alert closed before changes nothing there
            if not (status == "closed" and alert.status == "closed"):
                self._enqueue(alert, at)
            return alert

    def _save(self, alert: Alert, history_before: int) -> None:
        self._db.execute(
            UPDATE_ALERT,
            (
                to_micros(alert.first_seen),
                to_micros(alert.last_seen),
                alert.count,
                _json(alert.event_ids),
                alert.status,
                alert.reason,
                alert.assignee,
                to_micros(alert.updated),
                alert.id,
            ),
        )
        self._write_history(alert, history_before)

    def _write_history(self, alert: Alert, before: int) -> None:
        if len(alert.history) == before and alert.history:  # a merge replaced the last entry
            last = alert.history[-1]
            self._db.execute(
                "UPDATE alert_history SET time = ?, detail = ? WHERE seq ="
                " (SELECT max(seq) FROM alert_history WHERE alert = ?)",
                (to_micros(last.time), last.detail, alert.id),
            )
            return
        self._db.executemany(
            "INSERT INTO alert_history (alert, time, actor, action, detail, note, on_behalf_of)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (alert.id, to_micros(e.time), e.actor, e.action, e.detail, e.note, e.on_behalf_of)
                for e in alert.history[before:]
            ],
        )

    # -- outbox ---------------------------------------------------------------------------

    def _enqueue(self, alert: Alert, now: datetime) -> None:
        resolved = alert.status == "closed"
        self._db.execute(
            ENQUEUE,
            (
                alert.id,
                orjson.dumps(payload(alert, resolved_at=alert.updated if resolved else None)),
                int(resolved),
                to_micros(now),
                to_micros(now),
            ),
        )

    def outbox(
        self, *, due: datetime | None = None, limit: int | None = None
    ) -> builtins.list[OutboxRow]:
        """Rows waiting for Alertmanager (and rejected ones), oldest first.

        With ``due``, only pending rows whose next try is at or before it.
        """
        sql = (
            "SELECT alert, payload, resolved, version, queued, state, attempts, next_try,"
            " last_error FROM alert_outbox"
        )
        params: builtins.list[Any] = []
        if due is not None:
            sql += " WHERE state = 'pending' AND next_try <= ?"
            params.append(to_micros(due))
        sql += " ORDER BY queued, alert"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        with self._lock:
            rows = self._all(sql, params)
        return [
            OutboxRow(
                alert,
                orjson.loads(body),
                bool(resolved),
                version,
                from_micros(queued),
                state,
                attempts,
                from_micros(next_try),
                error,
            )
            for alert, body, resolved, version, queued, state, attempts, next_try, error in rows
        ]

    def next_try(self) -> datetime | None:
        """When the earliest pending row is due, or None when nothing is pending."""
        with self._lock:
            (value,) = self._one("SELECT min(next_try) FROM alert_outbox WHERE state = 'pending'")
        return None if value is None else from_micros(value)

    def delivered(self, rows: Sequence[OutboxRow], now: datetime) -> None:
        """Forget rows Alertmanager took, unless a newer payload replaced them meanwhile."""
        with self.transaction():
            for row in rows:
                self._db.execute(
                    "DELETE FROM alert_outbox WHERE alert = ? AND version = ?",
                    (row.alert_id, row.version),
                )
                self._db.execute(
                    "UPDATE alerts SET delivered = ? WHERE id = ?", (to_micros(now), row.alert_id)
                )

    def postpone(self, rows: Sequence[OutboxRow], error: str, now: datetime) -> None:
        """Count a failed try on each row and set its next try (capped exponential backoff)."""
        with self.transaction():
            for row in rows:
                self._db.execute(
                    "UPDATE alert_outbox SET attempts = attempts + 1, last_error = ?,"
                    " next_try = ? + (CASE WHEN attempts + 1 > 16 THEN ? ELSE"
                    " min(?, ? * (1 << attempts)) END)"
                    " WHERE alert = ? AND state = 'pending'",
                    (
                        error,
                        to_micros(now),
                        _us(BACKOFF_CAP),
                        _us(BACKOFF_CAP),
                        _us(BACKOFF_BASE),
                        row.alert_id,
                    ),
                )

    def reject(self, row: OutboxRow, error: str, now: datetime) -> None:
        """Keep a row Alertmanager refused (4xx) as ``rejected``, with its answer."""
        with self.transaction():
            self._db.execute(
                "UPDATE alert_outbox SET state = 'rejected', attempts = attempts + 1,"
                " last_error = ?, next_try = ? WHERE alert = ? AND version = ?",
                (error, to_micros(now), row.alert_id, row.version),
            )

    def retry_rejected(self, now: datetime) -> int:
        """Make every rejected row pending again (after fixing the cause); how many."""
        with self.transaction():
            self._db.execute(
                "UPDATE alert_outbox SET state = 'pending', attempts = 0, next_try = ?"
                " WHERE state = 'rejected'",
                (to_micros(now),),
            )
            return self._db.changes()

    def refresh(self, now: datetime, older_than: timedelta) -> int:
        """Queue again live alerts last delivered before ``now - older_than``; how many.

        Firing alerts reach Alertmanager with an end time (see :mod:`alertmanager`); this
        keeps them firing there for as long as they are open here.
        """
        cutoff = to_micros(now - older_than)
        stale = (
            "FROM alerts WHERE status != 'closed' AND delivered IS NOT NULL AND delivered < ?"
            " AND id NOT IN (SELECT alert FROM alert_outbox)"
        )
        # every delivery pass asks (5 a second under detect --follow): take the write lock
        # only when there is something to queue, not to find out
        if not self._one(f"SELECT EXISTS (SELECT 1 {stale})", (cutoff,))[0]:
            return 0
        with self.transaction():
            rows = self._all(f"SELECT {COLUMNS} {stale}", (cutoff,))
            for row in rows:
                self._enqueue(_alert(row), now)
        return len(rows)

    def close_store(self) -> None:
        """Close the connection; further calls fail."""
        with self._lock:
            self._db.close()

    def __enter__(self) -> AlertStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close_store()


def _us(delta: timedelta) -> int:
    return delta // timedelta(microseconds=1)


def _json(value: object) -> str:
    return orjson.dumps(value).decode()


def _row(alert: Alert) -> tuple[Any, ...]:
    return (
        alert.id,
        alert.dedup_key,
        alert.rule_id,
        alert.rule_title,
        alert.description,
        alert.severity,
        _json(list(alert.controls)),
        _json(list(alert.techniques)),
        alert.host,
        _json(alert.group),
        to_micros(alert.first_seen),
        to_micros(alert.last_seen),
        alert.count,
        _json(alert.event_ids),
        alert.status,
        alert.reason,
        alert.assignee,
        to_micros(alert.created),
        to_micros(alert.updated),
    )


def _alert(row: tuple[Any, ...]) -> Alert:
    (
        alert_id,
        key,
        rule_id,
        title,
        description,
        severity,
        controls,
        techniques,
        host,
        group,
        first_seen,
        last_seen,
        count,
        event_ids,
        status,
        reason,
        assignee,
        created,
        updated,
    ) = row
    return Alert(
        id=alert_id,
        dedup_key=key,
        rule_id=rule_id,
        rule_title=title,
        description=description,
        severity=severity,
        controls=tuple(orjson.loads(controls)),
        techniques=tuple(orjson.loads(techniques)),
        host=host,
        group=orjson.loads(group),
        first_seen=from_micros(first_seen),
        last_seen=from_micros(last_seen),
        count=count,
        event_ids=orjson.loads(event_ids),
        created=from_micros(created),
        updated=from_micros(updated),
        status=status,
        reason=reason,
        assignee=assignee,
    )
