"""Alerts: dedup and suppression of detections, the analysts' workflow, Alertmanager delivery.

    from secops.alerts import open_alert_store

    with open_alert_store(None) as alerts:          # the default SQLite event store
        with alerts.transaction():
            alert, created = alerts.record(detection, now)
        alerts.ack(alert.id, "alice", note="looking")

User documentation: docs/alerts.md.
"""

from __future__ import annotations

from collections.abc import Mapping

from secops.alerts.model import (
    LIVE,
    REASONS,
    SEVERITIES,
    STATUSES,
    Alert,
    AlertError,
    BadTransition,
    HistoryEntry,
    UnknownAlert,
)
from secops.alerts.store import AlertEvents, AlertStore, OutboxRow

__all__ = [
    "LIVE",
    "REASONS",
    "SEVERITIES",
    "STATUSES",
    "Alert",
    "AlertError",
    "AlertEvents",
    "AlertStore",
    "BadTransition",
    "HistoryEntry",
    "OutboxRow",
    "UnknownAlert",
    "open_alert_store",
]


def open_alert_store(url: str | None, *, environ: Mapping[str, str] | None = None) -> AlertStore:
    """The alerts of the event store ``url`` names: ``sqlite:///path``, or None for the default.

    Raises:
        AlertError: the URL names Elasticsearch (alerts need the SQLite store for now) or
            nothing govsec knows.
        StoreUnavailable: the file cannot be opened.
    """
    from secops.store import sqlite_path
    from secops.store.base import StoreError, redact

    try:
        path = sqlite_path(url, environ=environ)
    except StoreError:
        raise AlertError(
            f"unknown store URL {redact(str(url))!r}",
            hint="use sqlite:///path/to/events.db, or leave it unset for the default",
        ) from None
    if path is None:
        raise AlertError(
            f"alerts are kept in the SQLite store for now, and {redact(str(url))!r}"
            " is Elasticsearch",
            hint="pass --store sqlite:///path/to/events.db (or leave it unset for the default)"
            " to the alert and detect commands",
        )
    return AlertStore(path)
