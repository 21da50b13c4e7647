"""The event store contract (docs/siem-design.md, "Stores"): types, errors, event accessors.

Both stores implement :class:`EventStore`; readers and the CLI depend on this module only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from secops.errors import GovsecError

Event = dict[str, Any]

RETENTION_DAYS = 180
"""The shortest retention allowed without ``force`` (Cybersecurity Law art. 21(3): six months)."""

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US = timedelta(microseconds=1)


class StoreError(GovsecError):
    """A store that cannot do what was asked: a bad URL, a malformed query, a broken file."""


class StoreUnavailable(StoreError):  # noqa: N818 - the contract names it so
    """Nothing could be written (or read): the caller keeps its batch and its checkpoint."""


class Refused(StoreError):  # noqa: N818 - a verdict on one event, not a failure of the store
    """An event a store cannot take as it is: no id, a timestamp it cannot read, not JSON."""

    def __init__(self, eid: str, reason: str) -> None:
        """``eid``: the event's id (``""`` if none); ``reason``: why, for the quarantine."""
        super().__init__(f"event {eid or '(no id)'} refused: {reason}")
        self.eid = eid
        self.reason = reason


@dataclass(frozen=True)
class PutResult:
    """What became of a batch: new events, events already stored, and events refused."""

    created: int = 0
    duplicates: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    """``(event id, reason)`` for each event the store refused; ``""`` when it had no id."""
    spooled: int = 0
    """Events kept on disk to send when the cluster is back (Elasticsearch); not an error."""


@dataclass(frozen=True)
class StoreStats:
    """A summary of a store's content."""

    total: int
    by_dataset: dict[str, int]
    """Events per ``event.dataset``; events without one are not counted here."""
    by_category: dict[str, int]
    """Events per first ``event.category``; events without one are not counted here."""
    unparsed: int
    """Events of the dataset ``unparsed`` (no parser recognised the line)."""
    size_bytes: int
    oldest: datetime | None
    newest: datetime | None


class EventStore(Protocol):
    """Where parsed events are kept: idempotent on ``event.id``, searchable, purgeable."""

    def put(self, batch: Sequence[Event]) -> PutResult:
        """Store ``batch``; an event whose id is already stored counts as a duplicate.

        Raises:
            StoreUnavailable: nothing could be written; the caller keeps the batch.
        """
        ...

    def encode(self, event: Event) -> Any:
        """The store's own form of ``event`` (a row, a bulk document) for :meth:`put_encoded`.

        The pipeline encodes each event as soon as it is parsed and holds only these: the
        event's dicts are freed while still in the CPU's cache, and a batch is a few compact
        objects, not thousands of dicts (docs/store.md, "Write throughput").

        Raises:
            Refused: the event cannot be stored (the pipeline quarantines it).
        """
        ...

    def put_encoded(self, items: Sequence[Any]) -> PutResult:
        """:meth:`put` for what :meth:`encode` made.

        Raises:
            StoreUnavailable: nothing could be written; the caller keeps the batch.
        """
        ...

    def search(
        self,
        query: str,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        host: str | None = None,
        limit: int = 100,
    ) -> list[Event]:
        """Events whose message matches ``query`` ("" matches all), newest first.

        ``since`` is inclusive and ``until`` exclusive; ``host`` is ``host.name`` exactly.

        Raises:
            StoreError: the query is malformed (the message says why).
            StoreUnavailable: the store cannot be read.
        """
        ...

    def stats(self) -> StoreStats:
        """Counts, size and time span of what is stored."""
        ...

    def purge(self, before: datetime) -> int:
        """Delete events whose ``@timestamp`` is older than ``before``; the count deleted."""
        ...

    def close(self) -> None:
        """Release files and connections; the store is unusable afterwards."""
        ...


def put_events(store: EventStore, batch: Sequence[Event]) -> PutResult:
    """:meth:`EventStore.put` as encode-then-put_encoded; refused events count as failed."""
    items: list[Any] = []
    refused: list[tuple[str, str]] = []
    for event in batch:
        try:
            items.append(store.encode(event))
        except Refused as exc:
            refused.append((exc.eid, exc.reason))
    result = store.put_encoded(items)
    return PutResult(
        result.created, result.duplicates, refused + result.failed, spooled=result.spooled
    )


def redact(url: str) -> str:
    """``url`` without its ``user:password@`` part, for messages and logs."""
    return re.sub(r"(?<=://)[^/@]*@", "***@", url)


def purge_cutoff(
    days: int = RETENTION_DAYS, *, force: bool = False, now: datetime | None = None
) -> datetime:
    """The ``before`` for :meth:`EventStore.purge` that keeps ``days`` days.

    Raises:
        StoreError: ``days`` is under 180 without ``force``, or not positive.
    """
    if days < 1:
        raise StoreError(f"a retention of {days} days would delete everything")
    if days < RETENTION_DAYS and not force:
        raise StoreError(
            f"a retention of {days} days is under the {RETENTION_DAYS} days the law requires",
            hint="Cybersecurity Law art. 21(3) asks for six months of logs; --force overrides.",
        )
    return (now or datetime.now(UTC)) - timedelta(days=days)


def event_id(event: Mapping[str, Any]) -> str | None:
    """``event.id`` when it is a non-empty string."""
    meta = event.get("event")
    value = meta.get("id") if isinstance(meta, dict) else None
    return value if isinstance(value, str) and value else None


def required_id(event: Mapping[str, Any]) -> str:
    """:func:`event_id`, for a store's ``encode``.

    Raises:
        Refused: the event has no id.
    """
    eid = event_id(event)
    if eid is None:
        raise Refused("", "no event.id")
    return eid


def to_micros(moment: datetime) -> int:
    """Microseconds since the epoch, exactly (a naive datetime is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - EPOCH) // _ONE_US


def from_micros(micros: int) -> datetime:
    """The UTC datetime of epoch microseconds."""
    return EPOCH + timedelta(microseconds=micros)


def timestamp_micros(event: Mapping[str, Any]) -> int | None:
    """``@timestamp`` as epoch microseconds, or None when it is missing or not ISO 8601."""
    value = event.get("@timestamp")
    if not isinstance(value, str):
        return None
    try:
        return to_micros(datetime.fromisoformat(value))
    except ValueError:
        return None


def timestamp_problem(stamp: object) -> str:
    """Why ``stamp`` is no usable ``@timestamp`` (the reason put() gives)."""
    if not isinstance(stamp, str):
        return "no @timestamp"
    return f"@timestamp {stamp[:40]!r} is not ISO 8601"


def event_host(event: Mapping[str, Any]) -> str | None:
    """``host.name``, else ``host.hostname``."""
    host = event.get("host")
    if not isinstance(host, dict):
        return None
    name = host.get("name") or host.get("hostname")
    return name if isinstance(name, str) else None


def event_fields(event: Mapping[str, Any]) -> tuple[str | None, str | None, str | None]:
    """``(event.dataset, first event.category, event.outcome)``, each None when absent."""
    meta = event.get("event")
    if not isinstance(meta, dict):
        return None, None, None
    dataset = meta.get("dataset")
    categories = meta.get("category")
    category = categories[0] if isinstance(categories, list) and categories else categories
    outcome = meta.get("outcome")
    return (
        dataset if isinstance(dataset, str) else None,
        category if isinstance(category, str) else None,
        outcome if isinstance(outcome, str) else None,
    )
