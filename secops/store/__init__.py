"""Event stores: SQLite (default, embedded) and Elasticsearch, behind one interface.

    from secops.store import open_store

    store = open_store()                      # sqlite under <data>/siem/events.db
    store = open_store("sqlite:///var/lib/govsec/events.db")
    store = open_store("https://es.example:9200")

The contract is :class:`secops.store.base.EventStore` (docs/siem-design.md, "Stores").
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from secops import config, native
from secops.store.base import (
    RETENTION_DAYS,
    Event,
    EventStore,
    PutResult,
    StoreError,
    StoreStats,
    StoreUnavailable,
    purge_cutoff,
    redact,
)

native.activate(__name__, __path__)  # the compiled SQLite store, when built

__all__ = [
    "RETENTION_DAYS",
    "Event",
    "EventStore",
    "PutResult",
    "StoreError",
    "StoreStats",
    "StoreUnavailable",
    "default_path",
    "open_store",
    "purge_cutoff",
    "sqlite_path",
]


def default_path(environ: Mapping[str, str] | None = None) -> Path:
    """``<data dir>/siem/events.db``."""
    return config.data_dir(environ) / "siem" / "events.db"


def open_store(url: str | None = None, *, environ: Mapping[str, str] | None = None) -> EventStore:
    """The store a URL names: ``sqlite:///abs/path`` or ``http(s)://host:port`` (Elasticsearch).

    ``None``, ``""`` and ``sqlite://`` give the default SQLite file. The Elasticsearch store
    spools under ``<data dir>/siem/spool/`` while the cluster is unreachable.

    Raises:
        StoreError: the URL's scheme is unknown.
        StoreUnavailable: the store cannot be opened.
    """
    from secops.store.sqlite import SqliteStore  # sqlite3 and orjson only when a store opens

    path = sqlite_path(url, environ=environ)
    if path is not None:
        return SqliteStore(path)
    from secops.store.elasticsearch import ElasticsearchStore

    return ElasticsearchStore(str(url), spool_dir=config.data_dir(environ) / "siem" / "spool")


def sqlite_path(url: str | None, *, environ: Mapping[str, str] | None = None) -> Path | None:
    """The SQLite file a store URL names (``None``, ``""``, ``sqlite://``: the default one);
    None when it names Elasticsearch.

    Raises:
        StoreError: the URL's scheme is unknown.
    """
    if not url or url == "sqlite://":
        return default_path(environ)
    if url.startswith("sqlite://"):
        return Path(url.removeprefix("sqlite://")).expanduser()
    if url.startswith(("http://", "https://")):
        return None
    raise StoreError(
        f"unknown store URL {redact(url)!r}",
        hint="use sqlite:///path/to/events.db or http(s)://host:9200 (Elasticsearch)",
    )
