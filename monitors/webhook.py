"""Alertmanager's webhook: notifications recorded in SQLite, then forwarded (DingTalk, signed).

``govsec serve`` maps ``POST /webhook/alertmanager`` to :meth:`WebhookReceiver.handle`, which
holds no HTTP of its own: bytes in, ``(status, JSON answer)`` out. The answer tells
Alertmanager what to do next (docs/monitoring-webhook.md):

- 200: every alert is recorded and every forwarder has it;
- 400: the body is not an Alertmanager payload (version "4"); Alertmanager does not retry a
  4xx, and sending the same bad body again would not help;
- 413: the body is over :data:`MAX_BODY`;
- 503: the store cannot write, or a forwarder failed; Alertmanager retries the whole
  notification, and the retry records nothing again (one row per group key, fingerprint,
  status and startsAt) and forwards only what did not go through.

Nothing accepted is lost: an alert is recorded before it is forwarded, and a 200 is only
given once it is recorded. Delivery downstream is at least once: if DingTalk took a message
but its answer was lost, or the store failed to note the delivery, the retry sends it again.
"""

from __future__ import annotations

import base64
import builtins
import hashlib
import hmac
import json
import logging
import os
import re
import stat
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol
from urllib.parse import parse_qsl, quote, quote_plus, unquote, urlsplit, urlunsplit

import apsw
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from secops.errors import GovsecError
from secops.files import file_mode, private_file, read_secret
from secops.i18n import Lang, register, t
from secops.store.base import from_micros, to_micros

if TYPE_CHECKING:
    from pydantic_core import ErrorDetails

log = logging.getLogger(__name__)

MAX_BODY = 4 * 1024 * 1024
"""Bodies above this are refused (413): Alertmanager's largest groups fit well under it."""
MAX_DEPTH = 32
"""JSON nested deeper than this is refused (400) before it is parsed: Alertmanager's payload
is 3 levels deep (payload, alerts, an alert's labels), and Python's parser recurses."""
URL_ENV = "GOVSEC_DINGTALK_URL"
SECRET_ENV = "GOVSEC_DINGTALK_SECRET"  # noqa: S105 - a variable's name
DINGTALK_TEXT_LIMIT = 15_000
"""Bytes of markdown per DingTalk message: under the robot's 20,000-byte cap with room for
the title and the JSON around it."""
FIELD_LIMIT = 500
STATUSES = ("firing", "resolved")
SCHEMA_VERSION = 1

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS notifications (
        id INTEGER PRIMARY KEY,
        group_key TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        status TEXT NOT NULL,
        starts_at TEXT NOT NULL,
        ends_at TEXT,
        receiver TEXT NOT NULL,
        labels TEXT NOT NULL,
        annotations TEXT NOT NULL,
        generator_url TEXT NOT NULL,
        alert TEXT NOT NULL,
        received INTEGER NOT NULL,
        replays INTEGER NOT NULL DEFAULT 0,
        UNIQUE (group_key, fingerprint, status, starts_at)
    ) STRICT""",
    "CREATE INDEX IF NOT EXISTS notifications_by_received ON notifications (received)",
    # one row per notification and forwarder known when it was recorded; state is pending,
    # delivered, or superseded (a firing row never forwarded once its resolution is recorded)
    """CREATE TABLE IF NOT EXISTS deliveries (
        notification INTEGER NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
        forwarder TEXT NOT NULL,
        state TEXT NOT NULL,
        delivered INTEGER,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        PRIMARY KEY (notification, forwarder)
    ) STRICT""",
    "CREATE INDEX IF NOT EXISTS deliveries_pending ON deliveries (forwarder)"
    " WHERE state = 'pending'",
    # cumulative counters for Prometheus: they never go down, whatever is deleted later
    "CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) STRICT",
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value ANY NOT NULL) STRICT",
    "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', "  # noqa: S608
    f"{SCHEMA_VERSION})",
)
COLUMNS = (
    "id, group_key, fingerprint, status, starts_at, ends_at, receiver, labels, annotations,"
    " generator_url, alert, received, replays"
)
BUMP = (
    "INSERT INTO counters (name, value) VALUES (?, ?)"
    " ON CONFLICT (name) DO UPDATE SET value = value + excluded.value"
)


MESSAGES: dict[str, dict[Lang, str]] = {
    "webhook.not_utf8": {
        "en": "the body is not JSON: not UTF-8 text ({problem})",
        "zh": "请求体不是 JSON：不是 UTF-8 文本（{problem}）",
    },
    "webhook.too_deep": {
        "en": "the JSON nests deeper than {limit} levels; refused before parsing",
        "zh": "JSON 嵌套超过 {limit} 层，未解析即拒绝",
    },
}
register(MESSAGES)


class WebhookError(GovsecError):
    """The root of this module's errors."""


class NotificationStoreError(WebhookError):
    """The notification store cannot be opened, read or written (the receiver answers 503)."""


class ForwardError(WebhookError):
    """A forwarder did not deliver: no answer, an HTTP error, or a refusal (errcode != 0)."""


# -- the store ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class IncomingAlert:
    """One alert of a webhook payload, as the store records it."""

    status: str
    fingerprint: str
    starts_at: str
    ends_at: str | None
    labels: dict[str, str]
    annotations: dict[str, str]
    generator_url: str
    raw: dict[str, Any]
    """The alert's JSON as Alertmanager sent it (unknown fields included)."""


@dataclass(frozen=True)
class Delivery:
    """One forwarder's state for one recorded notification."""

    forwarder: str
    state: str  # pending | delivered | superseded
    delivered: datetime | None
    attempts: int
    last_error: str | None


@dataclass(frozen=True)
class Notification:
    """A recorded alert notification (one row)."""

    id: int
    group_key: str
    fingerprint: str
    status: str
    starts_at: str
    ends_at: str | None
    receiver: str
    labels: dict[str, str]
    annotations: dict[str, str]
    generator_url: str
    alert: dict[str, Any]
    received: datetime
    replays: int
    deliveries: dict[str, Delivery] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready view."""
        return {
            "id": self.id,
            "received": self.received.isoformat(),
            "status": self.status,
            "receiver": self.receiver,
            "group_key": self.group_key,
            "fingerprint": self.fingerprint,
            "starts_at": self.starts_at,
            "ends_at": self.ends_at,
            "labels": self.labels,
            "annotations": self.annotations,
            "generator_url": self.generator_url,
            "replays": self.replays,
            "deliveries": {
                name: {
                    "state": d.state,
                    "delivered": None if d.delivered is None else d.delivered.isoformat(),
                    "attempts": d.attempts,
                    "last_error": d.last_error,
                }
                for name, d in sorted(self.deliveries.items())
            },
        }


@dataclass(frozen=True)
class Recorded:
    """What :meth:`NotificationStore.record` did: the ids of new rows and of replayed ones."""

    new: list[int]
    replayed: list[int]

    @property
    def ids(self) -> list[int]:
        """Every row of the notification, new or not."""
        return [*self.new, *self.replayed]


@dataclass(frozen=True)
class NotificationStats:
    """Cumulative counts for the exporter (``govsec_notifications_*``)."""

    received: dict[str, int]
    """Rows recorded per status (firing, resolved); replays not counted."""
    replays: int
    forward_failures: dict[str, int]
    """Failed forwarding attempts per forwarder, since the store was made."""
    pending: dict[str, int]
    """Rows each forwarder has not delivered yet."""


class NotificationStore:
    """Alertmanager's notifications in SQLite (WAL). Thread-safe (one connection, one lock)."""

    def __init__(self, path: Path, *, busy_timeout: float = 5.0) -> None:
        """Open (creating if needed, dir 0700, file 0600) the store at ``path``.

        Raises:
            NotificationStoreError: the file cannot be opened or created, or a newer govsec
                made it.
        """
        self.path = path
        self._lock = threading.RLock()
        self._closed = False
        try:
            _private_file(path)
            self._db = apsw.Connection(str(path))
        except (OSError, apsw.Error) as exc:
            raise self._error("open", exc) from exc
        try:
            self._db.set_busy_timeout(int(busy_timeout * 1000))
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except apsw.Error as exc:
            self._db.close()
            raise self._error("open", exc) from exc

    def _migrate(self) -> None:
        found = self._db.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
        ).fetchone()
        if found and found[0]:
            row = self._db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            version = int(row[0]) if row else 0
            if version > SCHEMA_VERSION:
                raise NotificationStoreError(
                    f"the notification store {self.path} has schema version {version}, newer"
                    f" than this govsec's {SCHEMA_VERSION}",
                    hint="upgrade govsec, or point it at another file",
                )
            if version == SCHEMA_VERSION:
                return
        with self._write():
            for statement in SCHEMA:
                self._db.execute(statement)

    def _error(self, action: str, exc: BaseException) -> NotificationStoreError:
        return NotificationStoreError(
            f"cannot {action} the notification store {self.path}: {exc}",
            hint=f"check the free space and the permissions of {self.path.parent}",
        )

    @contextmanager
    def _write(self) -> Iterator[None]:
        """One write transaction under the lock; every SQLite error becomes ours."""
        with self._lock:
            self._check_open()
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except apsw.Error as exc:
                raise self._error("write", exc) from exc
            try:
                yield
            except BaseException as exc:
                if self._db.in_transaction:
                    try:
                        self._db.execute("ROLLBACK")
                    except apsw.Error:
                        log.debug("rollback failed", exc_info=True)
                if isinstance(exc, apsw.Error):
                    raise self._error("write", exc) from exc
                raise
            try:
                self._db.execute("COMMIT")
            except apsw.Error as exc:
                if self._db.in_transaction:
                    try:
                        self._db.execute("ROLLBACK")
                    except apsw.Error:
                        log.debug("rollback failed", exc_info=True)
                raise self._error("write", exc) from exc

    @contextmanager
    def _read(self) -> Iterator[None]:
        with self._lock:
            self._check_open()
            try:
                yield
            except apsw.Error as exc:
                raise self._error("read", exc) from exc

    def _check_open(self) -> None:
        if self._closed:
            raise NotificationStoreError(
                f"the notification store {self.path} is closed",
                hint="govsec serve is shutting down; Alertmanager will retry",
            )

    # -- writing -----------------------------------------------------------------------------

    def record(
        self,
        receiver: str,
        group_key: str,
        alerts: Sequence[IncomingAlert],
        forwarders: Sequence[str] = (),
        now: datetime | None = None,
    ) -> Recorded:
        """Record each alert once per (group key, fingerprint, status, startsAt).

        A new row gets a pending delivery for each of ``forwarders``; an alert already
        recorded is a replay: its row's replay count goes up and nothing else changes. A
        resolved alert supersedes the pending deliveries of its firing row (the resolution
        says all there is left to say).

        Raises:
            NotificationStoreError: the store cannot write.
        """
        received = to_micros(now or datetime.now(UTC))
        new: list[int] = []
        replayed: list[int] = []
        with self._write():
            for alert in alerts:
                key = (group_key, alert.fingerprint, alert.status, alert.starts_at)
                row = self._db.execute(
                    "SELECT id FROM notifications WHERE group_key = ? AND fingerprint = ?"
                    " AND status = ? AND starts_at = ?",
                    key,
                ).fetchone()
                if row is not None:
                    self._db.execute(
                        "UPDATE notifications SET replays = replays + 1 WHERE id = ?", (row[0],)
                    )
                    replayed.append(int(row[0]))
                    continue
                new.append(self._insert(receiver, group_key, alert, received, forwarders))
            if replayed:
                self._db.execute(BUMP, ("replays", len(replayed)))
        return Recorded(new, replayed)

    def _insert(
        self,
        receiver: str,
        group_key: str,
        alert: IncomingAlert,
        received: int,
        forwarders: Sequence[str],
    ) -> int:
        self._db.execute(
            "INSERT INTO notifications (group_key, fingerprint, status, starts_at, ends_at,"
            " receiver, labels, annotations, generator_url, alert, received)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                group_key,
                alert.fingerprint,
                alert.status,
                alert.starts_at,
                alert.ends_at,
                receiver,
                _dump(alert.labels),
                _dump(alert.annotations),
                alert.generator_url,
                _dump(alert.raw),
                received,
            ),
        )
        row_id = int(self._db.last_insert_rowid())
        for name in dict.fromkeys(forwarders):
            self._db.execute(
                "INSERT INTO deliveries (notification, forwarder, state) VALUES (?, ?, 'pending')",
                (row_id, name),
            )
        if alert.status == "resolved":
            self._db.execute(
                "UPDATE deliveries SET state = 'superseded' WHERE state = 'pending' AND"
                " notification IN (SELECT id FROM notifications WHERE group_key = ? AND"
                " fingerprint = ? AND starts_at = ? AND status = 'firing')",
                (group_key, alert.fingerprint, alert.starts_at),
            )
        self._db.execute(BUMP, (f"received.{alert.status}", 1))
        return row_id

    def mark_delivered(
        self, forwarder: str, ids: Sequence[int], now: datetime | None = None
    ) -> None:
        """``forwarder`` delivered the rows ``ids``.

        Raises:
            NotificationStoreError: the store cannot write.
        """
        when = to_micros(now or datetime.now(UTC))
        with self._write():
            for row_id in ids:
                self._db.execute(
                    "UPDATE deliveries SET state = 'delivered', delivered = ?,"
                    " attempts = attempts + 1, last_error = NULL"
                    " WHERE notification = ? AND forwarder = ?",
                    (when, row_id, forwarder),
                )

    def mark_failed(self, forwarder: str, ids: Sequence[int], error: str) -> None:
        """``forwarder`` failed to deliver the rows ``ids`` (one failed attempt, counted).

        Raises:
            NotificationStoreError: the store cannot write.
        """
        with self._write():
            for row_id in ids:
                self._db.execute(
                    "UPDATE deliveries SET attempts = attempts + 1, last_error = ?"
                    " WHERE notification = ? AND forwarder = ?",
                    (error, row_id, forwarder),
                )
            self._db.execute(BUMP, (f"failures.{forwarder}", 1))

    # -- reading -----------------------------------------------------------------------------

    def pending(self, forwarder: str, ids: Sequence[int] | None = None) -> list[Notification]:
        """The rows ``forwarder`` has still to deliver (among ``ids`` when given), oldest first.

        Raises:
            NotificationStoreError: the store cannot read.
        """
        sql = (
            f"SELECT {COLUMNS} FROM notifications WHERE id IN"  # noqa: S608 - constant
            " (SELECT notification FROM deliveries WHERE forwarder = ? AND state = 'pending')"
        )
        params: list[Any] = [forwarder]
        if ids is not None:
            if not ids:
                return []
            sql += f" AND id IN ({', '.join('?' * len(ids))})"
            params.extend(ids)
        with self._read():
            rows = self._db.execute(sql + " ORDER BY id", params).fetchall()
            return self._with_deliveries(rows)

    def list(
        self, limit: int = 100, *, status: str | None = None, since: datetime | None = None
    ) -> list[Notification]:
        """Recorded rows, newest first.

        Raises:
            NotificationStoreError: the store cannot read.
        """
        clauses: list[str] = []
        params: list[Any] = []
        if status is not None:
            clauses.append("status = ?")
            params.append(status)
        if since is not None:
            clauses.append("received >= ?")
            params.append(to_micros(since))
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        params.append(limit)
        with self._read():
            rows = self._db.execute(
                f"SELECT {COLUMNS} FROM notifications{where}"  # noqa: S608 - constant clauses
                " ORDER BY received DESC, id DESC LIMIT ?",
                params,
            ).fetchall()
            return self._with_deliveries(rows)

    def stats(self) -> NotificationStats:
        """Counts for the exporter.

        Raises:
            NotificationStoreError: the store cannot read.
        """
        with self._read():
            counters: dict[str, int] = dict(
                _pairs(self._db.execute("SELECT name, value FROM counters"))
            )
            pending: dict[str, int] = dict(
                _pairs(
                    self._db.execute(
                        "SELECT forwarder, count(*) FROM deliveries WHERE state = 'pending'"
                        " GROUP BY forwarder"
                    )
                )
            )
            for (name,) in self._db.execute("SELECT DISTINCT forwarder FROM deliveries"):
                pending.setdefault(name, 0)
        failures = {
            name.removeprefix("failures."): int(value)
            for name, value in counters.items()
            if name.startswith("failures.")
        }
        for name in failures:
            pending.setdefault(name, 0)
        return NotificationStats(
            received={status: int(counters.get(f"received.{status}", 0)) for status in STATUSES},
            replays=int(counters.get("replays", 0)),
            forward_failures=failures,
            pending={k: int(v) for k, v in pending.items()},
        )

    def _with_deliveries(self, rows: Sequence[tuple[Any, ...]]) -> builtins.list[Notification]:
        if not rows:
            return []
        ids = [row[0] for row in rows]
        found: dict[int, dict[str, Delivery]] = {row_id: {} for row_id in ids}
        for row_id, name, state, delivered, attempts, error in self._db.execute(
            "SELECT notification, forwarder, state, delivered, attempts, last_error"  # noqa: S608
            f" FROM deliveries WHERE notification IN ({', '.join('?' * len(ids))})",
            ids,
        ):
            found[row_id][name] = Delivery(
                name, state, None if delivered is None else from_micros(delivered), attempts, error
            )
        return [_notification(row, found[row[0]]) for row in rows]

    def close(self) -> None:
        """Close the store; later calls raise :class:`NotificationStoreError`."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._db.close()

    def __enter__(self) -> NotificationStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _pairs(rows: Iterable[tuple[Any, ...]]) -> Iterator[tuple[str, int]]:
    for name, value in rows:
        yield str(name), int(value)


def _private_file(path: Path) -> None:
    """Make ``path``'s missing folders (0700) and the file itself (0600; 0750 and 0640 with
    ``files.group_read``) before SQLite opens it; SQLite gives its -wal and -shm files the
    database file's mode. A file that exists with looser bits is tightened."""
    private_file(path)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & ~file_mode():
        path.chmod(file_mode())


def _dump(value: object) -> str:
    # lone surrogates (a \ud800 escape in the payload) are spelt out, not a failed write
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _notification(row: tuple[Any, ...], deliveries: dict[str, Delivery]) -> Notification:
    (row_id, key, fingerprint, status, starts, ends, receiver, labels, annotations, url) = row[:10]
    alert, received, replays = row[10:]
    return Notification(
        id=row_id,
        group_key=key,
        fingerprint=fingerprint,
        status=status,
        starts_at=starts,
        ends_at=ends,
        receiver=receiver,
        labels=json.loads(labels),
        annotations=json.loads(annotations),
        generator_url=url,
        alert=json.loads(alert),
        received=from_micros(received),
        replays=replays,
        deliveries=deliveries,
    )


# -- the payload -------------------------------------------------------------------------------

_TIME = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"


class _Schema(BaseModel):
    # unknown fields are ignored: a newer Alertmanager may add some
    model_config = ConfigDict(extra="ignore", strict=True, populate_by_name=False)


class AlertIn(_Schema):
    """One alert of Alertmanager's webhook payload."""

    status: Literal["firing", "resolved"]
    labels: dict[str, str]
    annotations: dict[str, str] = Field(default_factory=dict)
    starts_at: str = Field(alias="startsAt", pattern=_TIME)
    ends_at: str | None = Field(default=None, alias="endsAt", pattern=_TIME)
    generator_url: str = Field(default="", alias="generatorURL")
    fingerprint: str = Field(min_length=1, max_length=256)


class PayloadIn(_Schema):
    """Alertmanager's webhook payload, version 4."""

    version: Literal["4"]
    group_key: str = Field(alias="groupKey")
    truncated_alerts: int = Field(default=0, alias="truncatedAlerts", ge=0)
    status: Literal["firing", "resolved"]
    receiver: str
    group_labels: dict[str, str] = Field(default_factory=dict, alias="groupLabels")
    common_labels: dict[str, str] = Field(default_factory=dict, alias="commonLabels")
    common_annotations: dict[str, str] = Field(default_factory=dict, alias="commonAnnotations")
    external_url: str = Field(default="", alias="externalURL")
    alerts: list[AlertIn]


def _where(error: ErrorDetails) -> str:
    """A pydantic error location as a path: ``alerts[2].fingerprint``."""
    path = ""
    for part in error["loc"]:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "body"


# a JSON string, possessively: linear on any input, an unterminated one included
_STRING = re.compile(r'"(?:[^"\\]++|\\.)*+"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


def too_deep(text: str, limit: int = MAX_DEPTH) -> bool:
    """Whether the JSON ``text`` nests arrays and objects deeper than ``limit``.

    Counted on the brackets outside strings, without parsing: ``json.loads`` recurses once
    per level and fails with a RecursionError about a thousand levels down.
    """
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    if len(brackets) <= limit:
        return False
    depth = 0
    for char in brackets:
        if char in "[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def parse(body: bytes) -> tuple[PayloadIn, list[dict[str, Any]]]:
    """The payload in ``body`` and its alerts' raw JSON.

    Raises:
        WebhookError: not UTF-8, nested deeper than :data:`MAX_DEPTH`, not JSON, or not an
            Alertmanager version 4 payload (the first bad field named by its path).
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise WebhookError(t("webhook.not_utf8", problem=exc.reason)) from None
    if too_deep(text):
        raise WebhookError(t("webhook.too_deep", limit=MAX_DEPTH))
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise WebhookError(f"the body is not JSON: {exc}") from None
    try:
        payload = PayloadIn.model_validate(data)
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        raise WebhookError(f"{_where(error)}: {error['msg']}") from None
    return payload, [dict(alert) for alert in data["alerts"]]


# -- forwarders --------------------------------------------------------------------------------


class Forwarder(Protocol):
    """Something that passes recorded alerts on (a chat robot, a pager)."""

    name: str

    def send(self, alerts: Sequence[Notification]) -> None:
        """Deliver ``alerts`` as one message.

        Raises:
            ForwardError: it was not delivered (the reason in the message, no secrets).
        """


class WebhookReceiver:
    """Alertmanager's webhook: validate, record, forward. See the module's docstring."""

    def __init__(self, store: NotificationStore, forwarders: Sequence[Forwarder] = ()) -> None:
        """Record into ``store`` and forward to each of ``forwarders`` (names unique)."""
        names = [f.name for f in forwarders]
        if len(set(names)) != len(names):
            raise WebhookError(f"two forwarders share a name: {', '.join(names)}")
        self.store = store
        self.forwarders = tuple(forwarders)
        # one send at a time per forwarder: concurrent replays of one notification must not
        # each send what is pending (the second finds it delivered)
        self._sending = {name: threading.Lock() for name in names}

    def handle(self, body: bytes) -> tuple[int, dict[str, Any]]:
        """The HTTP status and JSON answer for one webhook ``body``; never raises."""
        try:
            return self._handle(body)
        except Exception:  # an answer Alertmanager retries beats a dropped connection
            log.exception("the webhook failed on a notification")
            return 500, {"error": "internal error (see govsec serve's log)"}

    def _handle(self, body: bytes) -> tuple[int, dict[str, Any]]:
        if len(body) > MAX_BODY:
            return 413, {"error": f"the body has {len(body)} bytes, over the {MAX_BODY} limit"}
        try:
            payload, raws = parse(body)
        except WebhookError as exc:
            log.warning("refused a webhook payload: %s", exc.message)
            return 400, {"error": exc.message}
        alerts = [_incoming(alert, raw) for alert, raw in zip(payload.alerts, raws, strict=True)]
        try:
            recorded = self.store.record(
                payload.receiver, payload.group_key, alerts, [f.name for f in self.forwarders]
            )
        except NotificationStoreError as exc:
            log.error("cannot record a notification: %s", exc.message)
            return 503, {"error": exc.message}
        answer: dict[str, Any] = {"recorded": len(recorded.new), "replays": len(recorded.replayed)}
        errors = []
        for forwarder in self.forwarders:
            try:
                self._forward(forwarder, recorded.ids)
            except (ForwardError, NotificationStoreError) as exc:
                log.error("forwarding to %s failed: %s", forwarder.name, exc.message)
                errors.append(f"{forwarder.name}: {exc.message}")
        if errors:
            return 503, {**answer, "error": "; ".join(errors)}
        return 200, answer

    def _forward(self, forwarder: Forwarder, ids: list[int]) -> None:
        with self._sending[forwarder.name]:
            rows = self.store.pending(forwarder.name, ids)
            if not rows:
                return
            try:
                forwarder.send(rows)
            except ForwardError as exc:
                self.store.mark_failed(forwarder.name, [row.id for row in rows], exc.message)
                raise
            self.store.mark_delivered(forwarder.name, [row.id for row in rows])


def _incoming(alert: AlertIn, raw: dict[str, Any]) -> IncomingAlert:
    return IncomingAlert(
        status=alert.status,
        fingerprint=alert.fingerprint,
        starts_at=alert.starts_at,
        ends_at=alert.ends_at,
        labels=alert.labels,
        annotations=alert.annotations,
        generator_url=alert.generator_url,
        raw=raw,
    )


# -- DingTalk ----------------------------------------------------------------------------------

# what DingTalk's robot answers with errcode != 0, and what to do about it
DINGTALK_HINTS = {
    310000: "the robot's security settings refused it: a wrong signing secret, this machine's"
    " clock more than an hour off, a missing keyword, or an address not on its allow-list",
    130101: "the robot takes at most 20 messages a minute and then pauses for 10 minutes",
    300001: "the access_token in the robot URL is wrong or the robot was removed",
}
# characters DingTalk's markdown would read as markup in a value; newlines are flattened
# first, so a value never starts a line (no headings, lists or quotes from it)
_MARKUP = re.compile(r"([\\`*_\[\]|~])")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")


def markdown_escape(value: object, limit: int = FIELD_LIMIT) -> str:
    """``value`` as inline markdown text: one line, markup escaped, at most ``limit`` chars."""
    text = _CONTROL.sub(" ", str(value)).strip()
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    text = _MARKUP.sub(r"\\\1", text)
    return text.replace("<", "&lt;").replace(">", "&gt;")


def _block(alert: Notification) -> str:
    labels, notes = alert.labels, alert.annotations
    name = labels.get("alertname", "(no alertname)")
    area = labels.get("mlps_area", "")
    control = labels.get("mlps_control", "")
    mlps = " / ".join(v for v in (area, control) if v) or "-"
    lines = [
        f"#### [{alert.status.upper()}] {markdown_escape(name)}",
        f"- **severity**: {markdown_escape(labels.get('severity', '-'))}",
        f"- **host**: {markdown_escape(labels.get('host') or labels.get('instance', '-'))}",
        f"- **MLPS**: {markdown_escape(mlps)}",
        f"- **summary**: {markdown_escape(notes.get('summary') or notes.get('description', '-'))}",
        f"- **since**: {markdown_escape(alert.starts_at)}",
    ]
    if alert.status == "resolved" and alert.ends_at:
        lines.append(f"- **resolved**: {markdown_escape(alert.ends_at)}")
    return "\n".join(lines) + "\n"


def dingtalk_message(alerts: Sequence[Notification]) -> dict[str, Any]:
    """The markdown message for ``alerts``, under :data:`DINGTALK_TEXT_LIMIT` bytes."""
    firing = sum(1 for a in alerts if a.status == "firing")
    resolved = len(alerts) - firing
    parts = [f"{n} {s}" for n, s in ((firing, "firing"), (resolved, "resolved")) if n]
    title = f"govsec: {', '.join(parts)}"
    head = f"### {title}\n\n"
    if len(alerts) == 1:
        name = _CONTROL.sub(" ", alerts[0].labels.get("alertname", ""))
        title = f"govsec [{alerts[0].status.upper()}] {name}"[:100]
        head = f"### govsec [{alerts[0].status.upper()}] {markdown_escape(name, 100)}\n\n"
    text, size, shown = head, len(head.encode()), 0
    room = DINGTALK_TEXT_LIMIT - 200  # the note on what was left out
    for alert in alerts:
        block = _block(alert) + "\n"
        if size + len(block.encode()) > room:
            break
        text += block
        size += len(block.encode())
        shown += 1
    if shown < len(alerts):
        text += (
            f"… {len(alerts) - shown} more alert(s) not shown (DingTalk's size limit):"
            " govsec alerts notifications lists them all\n"
        )
    return {"msgtype": "markdown", "markdown": {"title": title, "text": text}}


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's ``sign``: base64(HMAC-SHA256(key=secret, msg=f"{timestamp}\\n{secret}"))."""
    digest = hmac.new(
        secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode()


_TOKENS = re.compile(r"(access_token|sign)=[^&\s'\")]*")
_SHORTEST_HIDDEN = 6  # a shorter "token" would blank ordinary words of a message
_hidden_in_logs: set[str] = set()


def secret_forms(value: str) -> set[str]:
    """``value`` as it may be echoed back: as given, URL-decoded and URL-encoded."""
    forms = {value, unquote(value), quote(value, safe=""), quote_plus(value)}
    return {form for form in forms if len(form) >= _SHORTEST_HIDDEN}


def hide(text: str, hidden: Iterable[str]) -> str:
    """``text`` with each of ``hidden`` (longest first) and every ``access_token=`` or
    ``sign=`` value replaced by ``***``."""
    for value in sorted(hidden, key=len, reverse=True):
        text = text.replace(value, "***")
    return _TOKENS.sub(r"\1=***", text)


class _HideTokens(logging.Filter):
    """urllib3 logs each request's URL at debug level: the robot's token and sign go too,
    in the query-string form and bare."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        hidden = hide(message, _hidden_in_logs)
        if hidden != message:
            record.msg, record.args = hidden, ()
        return True


def _hide_tokens_in_urllib3_logs() -> None:
    logger = logging.getLogger("urllib3.connectionpool")
    if not any(isinstance(f, _HideTokens) for f in logger.filters):
        logger.addFilter(_HideTokens())


def redact_url(url: str) -> str:
    """``url`` without its query (the robot's access_token) or credentials."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "(a URL that cannot be parsed)"
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "***" if parts.query else "", ""))


class DingTalkForwarder:
    """A DingTalk group's custom robot (自定义机器人), signed when it has a secret."""

    name = "dingtalk"

    def __init__(
        self,
        url: str,
        secret: str | None = None,
        timeout: float = 5.0,
        ca_file: Path | None = None,
    ) -> None:
        """``url``: the robot's webhook, ``https://oapi.dingtalk.com/robot/send?access_token=…``.

        Raises:
            WebhookError: ``url`` is not an http(s) URL with a host.
        """
        import urllib3

        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.username:
            raise WebhookError(
                f"{redact_url(url)!r} is not a DingTalk robot URL",
                hint="expected https://oapi.dingtalk.com/robot/send?access_token=…",
            )
        self.url = url
        self.secret = secret or None
        self.shown_url = redact_url(url)
        self._timeout = urllib3.Timeout(connect=timeout, read=timeout)
        options: dict[str, Any] = {"retries": False}
        if ca_file is not None:
            options.update(cert_reqs="CERT_REQUIRED", ca_certs=str(ca_file))
        self._pool = urllib3.PoolManager(num_pools=1, **options)
        # the token in every form a server may echo it: the query, each value of it bare
        # (DingTalk's "token is not exist" answers, a proxy's error page), and the secret
        self._hidden = {parts.query} if len(parts.query) >= _SHORTEST_HIDDEN else set()
        for _, value in parse_qsl(parts.query, keep_blank_values=True):
            self._hidden |= secret_forms(value)
        if self.secret:
            self._hidden |= secret_forms(self.secret)
        _hidden_in_logs.update(self._hidden)
        _hide_tokens_in_urllib3_logs()

    def _scrub(self, text: str, *also: str) -> str:
        extra = {form for value in also for form in secret_forms(value)}
        return hide(text, self._hidden | extra)

    def signed_url(self, now_ms: int | None = None) -> str:
        """The URL to post to: with ``timestamp`` and ``sign`` when there is a secret."""
        if self.secret is None:
            return self.url
        stamp = int(time.time() * 1000) if now_ms is None else now_ms
        sign = quote_plus(dingtalk_sign(self.secret, stamp))
        return f"{self.url}{'&' if '?' in self.url else '?'}timestamp={stamp}&sign={sign}"

    def send(self, alerts: Sequence[Notification]) -> None:
        """Post ``alerts`` as one markdown message.

        Raises:
            ForwardError: no answer, HTTP other than 200, not JSON, or errcode != 0.
        """
        import urllib3

        body = json.dumps(dingtalk_message(alerts), ensure_ascii=False).encode()
        stamp = int(time.time() * 1000)
        sign = dingtalk_sign(self.secret, stamp) if self.secret else ""

        def scrub(text: str) -> str:
            return self._scrub(text, *([sign] if sign else []))

        try:
            response = self._pool.request(
                "POST",
                self.signed_url(stamp),
                body=body,
                headers={"Content-Type": "application/json;charset=utf-8", "User-Agent": "govsec"},
                timeout=self._timeout,
                retries=False,
                redirect=False,
            )
        except urllib3.exceptions.HTTPError as exc:
            raise ForwardError(
                scrub(f"DingTalk at {self.shown_url} did not answer: {exc}")
            ) from None
        # hidden before it is cut, so a token across the cut cannot leave half of itself
        text = scrub(response.data[:65536].decode("utf-8", "replace").strip())[:500]
        if response.status != 200:
            raise ForwardError(
                scrub(f"DingTalk at {self.shown_url} answered HTTP {response.status}: {text}")
            )
        try:
            answer = json.loads(response.data)
            code = int(answer["errcode"])
        except (ValueError, TypeError, KeyError) as exc:
            raise ForwardError(
                scrub(f"DingTalk at {self.shown_url} answered no errcode ({exc}): {text}")
            ) from None
        if code != 0:
            hint = DINGTALK_HINTS.get(code)
            message = f"DingTalk refused the message: errcode {code} ({answer.get('errmsg', '')})"
            raise ForwardError(scrub(message + (f"; {hint}" if hint else "")))


# -- settings ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DingTalkSettings:
    """Where the robot's URL and signing secret are (files, mode 0600), and how to reach it."""

    url_file: Path | None = None
    secret_file: Path | None = None
    ca_file: Path | None = None
    timeout: float = 5.0


def load_dingtalk(
    environ: Mapping[str, str] | None = None, settings: DingTalkSettings | None = None
) -> DingTalkForwarder | None:
    """The DingTalk forwarder $GOVSEC_DINGTALK_URL / _SECRET or the files describe, or None.

    As with Alertmanager's credentials, the environment comes first, then the files; the
    URL (it holds the robot's access_token) and the secret never come from the command line.

    Raises:
        WebhookError: a file cannot be read, is open to group or others, or the URL is bad.
    """
    env = os.environ if environ is None else environ
    settings = settings or DingTalkSettings()
    url = env.get(URL_ENV) or None
    if url is None and settings.url_file is not None:
        url = read_secret(settings.url_file, "DingTalk robot URL", WebhookError)
    secret = env.get(SECRET_ENV) or None
    if secret is None and settings.secret_file is not None:
        secret = read_secret(settings.secret_file, "DingTalk signing secret", WebhookError)
    if url is None:
        if secret is not None:
            raise WebhookError(
                "a DingTalk signing secret is set but no robot URL",
                hint=f"set {URL_ENV} or name the file holding the robot's webhook URL",
            )
        return None
    return DingTalkForwarder(
        url.strip(), secret, timeout=settings.timeout, ca_file=settings.ca_file
    )
