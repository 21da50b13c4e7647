"""Events for the store tests, shaped like the parsers' output (docs/ingest.md)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

T0 = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)


def eid(n: int, source: str = "file:64769:1234") -> str:
    """A reader-style event id: sha256(source NUL position), 32 hex digits."""
    return hashlib.sha256(f"{source}\0{n * 100}".encode()).hexdigest()[:32]


def event(
    n: int,
    *,
    message: str | None = None,
    host: str = "lab01",
    dataset: str = "sshd",
    category: str | None = "authentication",
    outcome: str | None = "failure",
    at: datetime | None = None,
    ident: str | None = None,
) -> dict[str, Any]:
    """Event ``n``: one second after event ``n - 1`` unless ``at`` says otherwise."""
    stamp = at or T0 + timedelta(seconds=n)
    text = message if message is not None else f"Failed password for user{n} from 10.0.0.{n % 250}"
    meta: dict[str, Any] = {
        "kind": "event",
        "id": ident or eid(n),
        "dataset": dataset,
        "original": f"Nov 21 08:00:00 {host} sshd[1]: {text}",
    }
    if category is not None:
        meta["category"] = [category]
        meta["type"] = ["start"]
    if outcome is not None:
        meta["outcome"] = outcome
    body: dict[str, Any] = {
        "@timestamp": stamp.isoformat(timespec="microseconds"),
        "event": meta,
        "message": text,
        "host": {"hostname": host, "name": host},
        "process": {"name": "sshd", "pid": 1000 + n},
        "tags": ["unparsed"] if dataset == "unparsed" else [],
    }
    return body
