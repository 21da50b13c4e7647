"""Alerts to Alertmanager (API v2), through the store's outbox, retried while it is down.

Every alert recorded, merged, acknowledged, assigned or closed queues its latest state in
the outbox (one row per alert). :func:`deliver` posts the due rows to ``POST
/api/v2/alerts`` in batches: a 2xx answer removes them; a 5xx answer, a 408/429 or no answer
at all (refused, reset, timed out) leaves them queued with a capped exponential backoff
(5 s, 10 s … 5 min); a 4xx answer keeps the row as ``rejected`` with Alertmanager's answer
for a person to read (``govsec alerts outbox``). Nothing is dropped and, the outbox being in
SQLite, nothing is lost when govsec stops.

**End times.** Alertmanager resolves a firing alert at its ``endsAt``, or ``resolve_timeout``
(5 min by default) after it was received when it has none. A govsec alert should fire there
for as long as it is open or acknowledged here, so a firing alert is sent with ``endsAt`` =
sending time + :data:`FIRING_HOLD` (24 h), and :func:`deliver` queues it again once its last
delivery is :data:`REFRESH_AFTER` (12 h) old. Closing sends it resolved (``endsAt`` = the
closing time). If govsec stops delivering, its alerts resolve themselves a day later at most.
"""

from __future__ import annotations

import base64
import json
import os
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from secops.alerts.model import Alert, AlertError
from secops.files import read_secret
from secops.store.base import redact

if TYPE_CHECKING:
    from secops.alerts.store import AlertStore, OutboxRow

FIRING_HOLD = timedelta(hours=24)
REFRESH_AFTER = timedelta(hours=12)
BATCH = 100
API_PATH = "/api/v2/alerts"
AUTH_ENV = "GOVSEC_ALERTMANAGER_AUTH"
URL_ENV = "GOVSEC_ALERTMANAGER"
OWN_LABELS = ("alertname", "rule", "severity", "host", "mlps_control", "attack_technique")
ALERT_ID_LABEL = "alert_id"
RETRYABLE = (408, 429)
_NOT_LABEL = re.compile(r"[^A-Za-z0-9_]")
_SLUG = re.compile(r"[^a-z0-9]+")


class AlertmanagerError(AlertError):
    """Alertmanager cannot be reached, or its settings (URL, credentials) are wrong."""


class Unreachable(AlertmanagerError):  # noqa: N818 - a state, like StoreUnavailable
    """No HTTP answer: connection refused or reset, a timeout, a TLS failure."""


# -- payloads ----------------------------------------------------------------------------------


def label_name(name: str) -> str:
    """A group-by field as a label name: ``source.ip`` → ``source_ip``.

    A name that would clash with govsec's own labels, or that Alertmanager would not take
    (a leading digit, a reserved ``__`` prefix), gets ``group_`` in front.
    """
    clean = _NOT_LABEL.sub("_", name)
    if (
        not clean
        or clean[0].isdigit()
        or clean.startswith("__")
        or clean in (*OWN_LABELS, ALERT_ID_LABEL)
    ):
        clean = f"group_{clean}"
    return clean


def alertname(alert: Alert) -> str:
    """The rule's title as a slug (``ssh_brute_force``), or its id when the slug is empty."""
    slug = _SLUG.sub("_", alert.rule_title.lower()).strip("_")
    return slug or alert.rule_id


def _text(value: str) -> str:
    # label values must be valid UTF-8: lone surrogates (undecodable bytes) are spelt out
    return value.encode("utf-8", "backslashreplace").decode("utf-8")


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def payload(alert: Alert, *, resolved_at: datetime | None = None) -> dict[str, Any]:
    """The Alertmanager v2 alert for ``alert``; ``endsAt`` only when resolved (see above)."""
    labels = {
        "alertname": alertname(alert),
        "rule": alert.rule_id,
        "severity": alert.severity,
        "host": alert.host or "",
        "mlps_control": ",".join(alert.controls),
        # the catalog families (ce.ia.a -> ce.ia): Alertmanager routes by MLPS area
        "mlps_area": ",".join(
            dict.fromkeys(c.rpartition(".")[0] for c in alert.controls if "." in c)
        ),
        "attack_technique": ",".join(alert.techniques),
        ALERT_ID_LABEL: alert.id,
    }
    for name, value in sorted(alert.group.items()):
        labels.setdefault(label_name(name), value)
    where = f" on {alert.host}" if alert.host else ""
    annotations = {
        "summary": f"{alert.rule_title}{where}",
        "description": alert.description,
        "count": str(alert.count),
        "first_seen": _stamp(alert.first_seen),
        "last_seen": _stamp(alert.last_seen),
        "status": alert.status,
        "assignee": alert.assignee or "",
        "reason": alert.reason or "",
    }
    body: dict[str, Any] = {
        # an empty label is no label to Alertmanager: leave it out
        "labels": {k: _text(v) for k, v in labels.items() if v},
        "annotations": {k: _text(v) for k, v in annotations.items() if v},
        "startsAt": _stamp(alert.first_seen),
    }
    if resolved_at is not None:
        body["endsAt"] = _stamp(max(resolved_at, alert.first_seen))
    return body


def with_end(body: dict[str, Any], now: datetime) -> dict[str, Any]:
    """``body`` as sent at ``now``: a firing alert gets ``endsAt`` = now + FIRING_HOLD."""
    if "endsAt" in body:
        return body
    return {**body, "endsAt": _stamp(now + FIRING_HOLD)}


# -- client ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """Alertmanager's HTTP answer: status and (the start of) its body."""

    status: int
    body: str


def load_auth(
    auth_file: Path | None, environ: Mapping[str, str] | None = None
) -> tuple[str, str] | None:
    """Basic-auth credentials ``user:password`` from $GOVSEC_ALERTMANAGER_AUTH or a file.

    Raises:
        AlertmanagerError: the file cannot be read, is open to group or others, or holds no
            ``user:password`` line.
    """
    env = os.environ if environ is None else environ
    text, source = env.get(AUTH_ENV), AUTH_ENV
    if not text and auth_file is not None:
        text = read_secret(auth_file, "Alertmanager credentials", AlertmanagerError)
        source = str(auth_file)
    if not text:
        return None
    user, sep, password = text.partition(":")
    if not sep or not user:
        raise AlertmanagerError(
            f"the Alertmanager credentials in {source} are not user:password",
            hint="one line, the user name, a colon, the password",
        )
    return user, password


class AlertmanagerClient:
    """Posts alerts to one Alertmanager; no retries of its own (the outbox retries)."""

    def __init__(
        self,
        url: str,
        *,
        auth: tuple[str, str] | None = None,
        ca_file: Path | None = None,
        timeout: float = 10.0,
    ) -> None:
        """``url``: Alertmanager's base URL (``http://127.0.0.1:9093``).

        Raises:
            AlertmanagerError: the URL is not http(s)://host[:port][/prefix].
        """
        import urllib3
        from urllib3.util import parse_url

        try:
            parsed = parse_url(url)
        except ValueError as exc:
            raise AlertmanagerError(f"{url!r} is not a URL: {exc}") from None
        if parsed.scheme not in ("http", "https") or not parsed.host or parsed.auth:
            raise AlertmanagerError(
                f"{redact(url)!r} is not an Alertmanager URL",
                hint="expected http(s)://host:9093, credentials in a file or"
                f" ${AUTH_ENV}, never in the URL",
            )
        self.url = url.rstrip("/")
        self.endpoint = self.url + API_PATH
        self._headers = {"Content-Type": "application/json", "User-Agent": "govsec"}
        if auth is not None:
            token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
            self._headers["Authorization"] = f"Basic {token}"
        self._timeout = urllib3.Timeout(connect=timeout, read=timeout)
        options: dict[str, Any] = {"retries": False}
        if ca_file is not None:
            options.update(cert_reqs="CERT_REQUIRED", ca_certs=str(ca_file))
        self._pool = urllib3.PoolManager(num_pools=2, **options)

    def post(self, alerts: list[dict[str, Any]]) -> Answer:
        """POST ``alerts``; the answer, whatever its status.

        Raises:
            Unreachable: no answer (refused, reset, timed out, TLS failed).
        """
        import urllib3

        try:
            response = self._pool.request(
                "POST",
                self.endpoint,
                body=json.dumps(alerts, ensure_ascii=False).encode(),
                headers=self._headers,
                timeout=self._timeout,
                retries=False,
            )
        except urllib3.exceptions.HTTPError as exc:
            raise Unreachable(f"Alertmanager at {redact(self.url)} did not answer: {exc}") from None
        text = response.data[:2000].decode("utf-8", "replace").strip()
        return Answer(response.status, text)


# -- delivery ----------------------------------------------------------------------------------


@dataclass
class DeliveryReport:
    """What one :func:`deliver` pass did."""

    delivered: int = 0
    retrying: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)
    """``(alert id, Alertmanager's answer)`` for each alert refused in this pass."""
    error: str | None = None
    """Why the pass stopped early (Alertmanager down or answering 5xx)."""
    next_try: datetime | None = None
    """When the earliest queued row is due, or None when nothing waits."""


def deliver(
    store: AlertStore,
    client: AlertmanagerClient,
    now: datetime | None = None,
    *,
    batch: int = BATCH,
    everything: bool = False,
) -> DeliveryReport:
    """Send every due row once (every pending row with ``everything``); quick when none is due.

    Call it outside a store transaction: it holds no lock while it waits for Alertmanager.
    """
    now = now or datetime.now(UTC)
    store.refresh(now, REFRESH_AFTER)
    due = now + timedelta(days=36500) if everything else now
    report = DeliveryReport()
    tried: set[tuple[str, int]] = set()
    while report.error is None:
        rows = [
            row
            for row in store.outbox(due=due, limit=batch + len(tried))
            if (row.alert_id, row.version) not in tried
        ][:batch]
        if not rows:
            break
        tried.update((row.alert_id, row.version) for row in rows)
        _send(store, client, rows, now, due, report)
    report.next_try = store.next_try()
    return report


def _send(
    store: AlertStore,
    client: AlertmanagerClient,
    rows: list[OutboxRow],
    now: datetime,
    due: datetime,
    report: DeliveryReport,
) -> None:
    try:
        answer = client.post([with_end(row.payload, now) for row in rows])
    except Unreachable as exc:
        _stop(store, now, due, report, exc.message)
        return
    if 200 <= answer.status < 300:
        store.delivered(rows, now)
        report.delivered += len(rows)
    elif answer.status >= 500 or answer.status in RETRYABLE:
        _stop(store, now, due, report, f"Alertmanager answered {answer.status}: {answer.body}")
    elif len(rows) > 1:  # one bad alert fails the whole batch: find it
        for row in rows:
            if report.error is None:
                _send(store, client, [row], now, due, report)
    else:
        problem = f"{answer.status}: {answer.body}"
        store.reject(rows[0], problem, now)
        report.rejected.append((rows[0].alert_id, problem))


def _stop(
    store: AlertStore, now: datetime, due: datetime, report: DeliveryReport, error: str
) -> None:
    """Alertmanager is down: every due row waits, so the next pass does not hammer it."""
    waiting = store.outbox(due=due)
    store.postpone(waiting, error, now)
    report.retrying = len(waiting)
    report.error = error


def follow(
    store: AlertStore,
    client: AlertmanagerClient,
    stop: threading.Event,
    *,
    idle: float = 5.0,
    on_pass: Callable[[DeliveryReport], None] | None = None,
) -> None:
    """Deliver until ``stop`` is set, waking when the next row is due (or every ``idle`` s)."""
    while not stop.is_set():
        report = deliver(store, client)
        if on_pass is not None:
            on_pass(report)
        stop.wait(seconds_until(report.next_try, datetime.now(UTC), idle))


def seconds_until(when: datetime | None, now: datetime, idle: float) -> float:
    """Seconds to wait for ``when`` (at most ``idle``; ``idle`` when nothing is queued)."""
    if when is None:
        return idle
    return max(0.0, min(idle, (when - now).total_seconds()))
