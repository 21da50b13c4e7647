"""The embedded event store: one SQLite file in WAL mode, FTS5 on the message.

Driven through apsw, which bundles a current SQLite and binds rows for a third of the
stdlib module's overhead (docs/store.md, "Write throughput"). One table holds each event's
JSON beside the columns searches filter on; ``events_fts`` is an external-content FTS5
index over ``message``, fed by :meth:`SqliteStore.put_encoded` in the same transaction (one
``INSERT … SELECT`` per batch costs less than a per-row trigger).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import apsw
import orjson

from secops.files import private_file
from secops.store.base import (
    Event,
    PutResult,
    Refused,
    StoreError,
    StoreStats,
    StoreUnavailable,
    from_micros,
    put_events,
    required_id,
    timestamp_problem,
    to_micros,
)

SCHEMA_VERSION = 2

# WAL + synchronous=NORMAL: a commit is in the WAL file (the OS page cache) before put()
# returns, so a killed process — what the crash test does — loses nothing committed and never
# corrupts the file; only a power cut can drop the last commits, which the readers' checkpoints
# (written after put) then replay. FULL would add an fsync per batch for that power-cut case.
PRAGMAS = (
    # before WAL: a new file takes the page size then. 16 KiB pages hold a dozen events each
    # and write ~25 % faster than 4 KiB ones in bench/store_write.py
    "PRAGMA page_size=16384",
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=OFF",
    "PRAGMA temp_store=MEMORY",
    "PRAGMA cache_size=-65536",  # 64 MiB: the id and time indexes stay in memory while batching
)
# Checkpoints (copying the WAL into the database, then fsync) run in a thread of their own
# once the WAL holds CHECKPOINT_PAGES (256 MiB): the writer goes on parsing while the disk
# syncs, where SQLite's own checkpoint would stop it for the fsync (5 % of the intake's time
# at 50,000 lines/s). A checkpoint that never catches up with a busy writer would let the WAL
# grow for ever, so at WAL_LIMIT_PAGES the writer checkpoints itself before going on.
CHECKPOINT_PAGES = 16384
WAL_LIMIT_PAGES = 65536

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS events (
        seq INTEGER PRIMARY KEY,
        id ANY NOT NULL UNIQUE,
        ts INTEGER NOT NULL,
        host TEXT,
        dataset TEXT,
        category TEXT,
        outcome TEXT,
        message TEXT,
        doc BLOB NOT NULL
    ) STRICT""",
    # One column each: an entry is (value, seq), and seq only grows, so every insert lands
    # at the end of its value's run. (host, ts)-style indexes put each insert wherever its
    # time falls, which dirtied most of their pages per batch: 3x slower at a million
    # events (docs/store.md). A host or category filter with a time range reads one index
    # and checks ts in the rows.
    "CREATE INDEX IF NOT EXISTS events_ts ON events (ts)",
    "CREATE INDEX IF NOT EXISTS events_by_host ON events (host)",
    "CREATE INDEX IF NOT EXISTS events_by_category ON events (category)",
    """CREATE VIRTUAL TABLE IF NOT EXISTS events_fts USING fts5(
        message, content='events', content_rowid='seq', columnsize=0
    )""",  # columnsize=0: no per-row token counts, which only bm25 ranking reads
    # merge 16 segments of a level at a time, not 4: a tenth off every write, for searches
    # that look through a few more segments
    "INSERT INTO events_fts (events_fts, rank) VALUES ('automerge', 16)",
    # events per (dataset, first category), kept by put and purge: stats reads a few rows
    # instead of grouping every event, and no dataset index costs every write ('' = none)
    """CREATE TABLE IF NOT EXISTS counts (
        dataset TEXT NOT NULL,
        category TEXT NOT NULL,
        n INTEGER NOT NULL,
        PRIMARY KEY (dataset, category)
    ) WITHOUT ROWID, STRICT""",
    f"PRAGMA user_version={SCHEMA_VERSION}",
)
# version 1 indexed (host, ts), (dataset, ts) and (category, ts), and had no counts
UPGRADE_1 = (
    *(f"DROP INDEX IF EXISTS events_{name}" for name in ("host", "dataset", "category")),
    *SCHEMA[:-1],
    "DELETE FROM counts",
    "INSERT INTO counts (dataset, category, n) SELECT coalesce(dataset, ''),"
    " coalesce(category, ''), count(*) FROM events GROUP BY 1, 2",
    SCHEMA[-1],
)

INSERT = (
    "INSERT OR IGNORE INTO events (id, ts, host, dataset, category, outcome, message, doc)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
INDEX_NEW = (
    "INSERT INTO events_fts (rowid, message)"
    " SELECT seq, message FROM events WHERE seq > ? AND message IS NOT NULL"
)
COUNT = (  # {} is the rows: "seq > ?" (new ones) or "seq IN temp.doomed" (purged ones)
    "INSERT INTO counts (dataset, category, n)"
    " SELECT coalesce(dataset, ''), coalesce(category, ''), {sign}count(*) FROM events"
    " WHERE {rows} GROUP BY 1, 2"
    " ON CONFLICT (dataset, category) DO UPDATE SET n = n + excluded.n"
)
COUNT_NEW = COUNT.format(sign="", rows="seq > ?")
ADD_COUNT = (
    "INSERT INTO counts (dataset, category, n) VALUES (?, ?, ?)"
    " ON CONFLICT (dataset, category) DO UPDATE SET n = n + excluded.n"
)
COUNT_PURGED = COUNT.format(sign="-", rows="seq IN temp.doomed")
log = logging.getLogger(__name__)

PURGE_CHUNK = 20_000  # rows per transaction, so a large purge never holds the writer for long

Row = tuple[bytes | str, int, str | None, str | None, str | None, str | None, str | None, bytes]


class SqliteStore:
    """The default store: ``<data>/siem/events.db``, safe for one writer and many readers.

    Thread-safe (one lock); other processes may read while this one writes (WAL).
    """

    def __init__(self, path: Path) -> None:
        """Open or create the store at ``path``: missing folders 0700, the file (and its -wal
        and -shm) 0600, or group-readable with ``files.group_read``.

        Raises:
            StoreUnavailable: the file cannot be opened or created.
            StoreError: the file was made by a newer govsec.
        """
        self.path = path
        self._lock = threading.Lock()
        # the last @timestamp encode() read and its micros, as one pair: two pipelines (tail
        # and syslog) may encode at once
        self._last: tuple[object, int] = (self, 0)
        self._checkpointer: threading.Thread | None = None
        self._wake = threading.Event()
        self._closing = False
        # an empty in-memory twin of the index: a query that fails there is the user's mistake,
        # one that fails only on the file is the store's
        self._probe = apsw.Connection(":memory:")
        self._probe.execute("CREATE VIRTUAL TABLE events_fts USING fts5(message)")
        try:
            # made before SQLite opens it: SQLite gives -wal and -shm the mode of the file
            private_file(path)
            self._db = apsw.Connection(str(path))
            self._db.set_busy_timeout(30_000)  # another writer (a purge) holds the lock
        except (OSError, apsw.Error) as exc:
            raise self._unavailable("open", exc) from exc
        try:
            self._migrate()
            self._identity = self._file_identity()
        except (OSError, apsw.Error) as exc:
            self._db.close()
            raise self._unavailable("open", exc) from exc

    def _migrate(self) -> None:
        for pragma in PRAGMAS:
            self._db.execute(pragma)
        version = self._one("PRAGMA user_version")[0]
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"the event store {self.path} has schema version {version}, newer than this"
                f" govsec's {SCHEMA_VERSION}",
                hint="upgrade govsec, or point it at another store",
            )
        if version < SCHEMA_VERSION:
            with self._transaction():
                for statement in UPGRADE_1 if version == 1 else SCHEMA:
                    self._db.execute(statement)

    def _one(self, sql: str, params: tuple[Any, ...] = ()) -> tuple[Any, ...]:
        """The row of a query that always returns one (an aggregate, a pragma)."""
        return cast(tuple[Any, ...], self._db.execute(sql, params).fetchone())

    def _all(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        return cast(list[tuple[Any, ...]], self._db.execute(sql, params).fetchall())

    def _file_identity(self) -> tuple[int, int]:
        stat = self.path.stat()
        return stat.st_dev, stat.st_ino

    def _check_file(self) -> None:
        """Refuse to write into a file that was deleted or replaced under us.

        SQLite would go on writing into the unlinked inode and every event would vanish at
        close; one stat() per batch prevents that.
        """
        try:
            same = self._file_identity() == self._identity
        except OSError as exc:
            raise self._unavailable("write", exc) from exc
        if not same:
            raise StoreUnavailable(
                f"the event store {self.path} was replaced while open",
                hint="restart the ingest so that it opens the new file",
            )

    def _unavailable(self, action: str, exc: BaseException) -> StoreUnavailable:
        return StoreUnavailable(
            f"cannot {action} the event store {self.path}: {exc}",
            hint=f"check the free space and the permissions of {self.path.parent};"
            " nothing already stored is lost, and the batch was not stored",
        )

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        # IMMEDIATE takes the write lock up front, so a concurrent writer waits (busy timeout)
        # instead of failing halfway through the batch.
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def put(self, batch: Sequence[Event]) -> PutResult:
        """Store ``batch`` in one transaction; see :meth:`EventStore.put`.

        Raises:
            StoreUnavailable: the transaction failed (disk full, read-only, removed file).
        """
        return put_events(self, batch)

    def encode(self, event: Event) -> Row:
        """The table row of ``event``; see :meth:`EventStore.encode`.

        Raises:
            Refused: no ``event.id``, an unreadable ``@timestamp``, a value JSON cannot hold.
        """
        meta: Any = event.get("event")
        eid = meta.get("id") if isinstance(meta, dict) else None
        if not isinstance(eid, str) or not eid:
            # the contract's check, which raises Refused; the usual event passes without this
            # call into secops.store.base, which runs as Python even when this module is compiled
            eid = required_id(event)
        stamp = event.get("@timestamp")
        last = self._last
        if stamp is last[0]:  # events of one second share one string: parse it once
            ts = last[1]
        else:
            try:
                moment = datetime.fromisoformat(stamp)  # type: ignore[arg-type]
            except (TypeError, ValueError):
                raise Refused(eid, timestamp_problem(stamp)) from None
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            # exact to the microsecond for ±142 years around 1970, 3x cheaper than timedelta
            ts = round(moment.timestamp() * 1_000_000)
            self._last = (stamp, ts)
        try:
            doc = orjson.dumps(event)
        except TypeError as exc:  # orjson.JSONEncodeError is a TypeError
            raise Refused(eid, f"not serialisable as JSON: {exc}") from None
        host = event.get("host")
        name = (host.get("name") or host.get("hostname")) if isinstance(host, dict) else None
        categories = meta.get("category")
        category = categories[0] if isinstance(categories, list) and categories else categories
        return (
            stored_key(eid),
            ts,
            _text(name),
            _text(meta.get("dataset")),
            _text(category),
            _text(meta.get("outcome")),
            _text(event.get("message")),
            doc,
        )

    def put_encoded(self, items: Sequence[Row]) -> PutResult:
        """Store rows made by :meth:`encode`, in one transaction.

        Raises:
            StoreUnavailable: the transaction failed (disk full, read-only, removed file).
        """
        if not items:
            return PutResult()
        with self._lock:
            self._check_file()
            self._start_checkpoints()
            try:
                with self._transaction():
                    last = self._one("SELECT max(seq) FROM events")[0] or 0
                    before = self._db.total_changes()
                    self._db.executemany(INSERT, items)
                    created = self._db.total_changes() - before
                    if created:
                        # new rows are exactly those above the old maximum: this transaction
                        # holds the only write lock
                        self._db.execute(INDEX_NEW, (last,))
                        self._count(items, created, last)
            except apsw.Error as exc:
                raise self._unavailable("write to", exc) from exc
        return PutResult(created, len(items) - created)

    def _start_checkpoints(self) -> None:
        """Hand checkpoints to a thread, from this store's first write on (readers never)."""
        if self._checkpointer is not None:
            return
        try:
            other = apsw.Connection(str(self.path))
            # a connection that has read nothing does not know the file is in WAL mode, and
            # its checkpoints would do nothing
            other.execute("PRAGMA journal_mode").fetchall()
        except apsw.Error as exc:  # the write that follows reports what is wrong
            log.debug("no checkpoint thread for %s: %s", self.path, exc)
            return
        self._db.set_wal_hook(self._wal_hook)  # replaces SQLite's own autocheckpoint
        self._checkpointer = threading.Thread(
            target=self._checkpoints, args=(other,), name="govsec-checkpoint", daemon=True
        )
        self._checkpointer.start()

    def _wal_hook(self, db: apsw.Connection, name: str, pages: int) -> int:
        """After each commit: wake the checkpoint thread, or checkpoint here past the limit."""
        if pages >= WAL_LIMIT_PAGES:
            with suppress(apsw.Error):  # busy: the thread is at it; the next commit retries
                db.wal_checkpoint(name, apsw.SQLITE_CHECKPOINT_PASSIVE)
        elif pages >= CHECKPOINT_PAGES:
            self._wake.set()
        return apsw.SQLITE_OK

    def _checkpoints(self, db: apsw.Connection) -> None:
        """The checkpoint thread: copy the WAL into the database each time it is woken."""
        try:
            while True:
                self._wake.wait()
                self._wake.clear()
                if self._closing:
                    return
                try:
                    db.wal_checkpoint("main", apsw.SQLITE_CHECKPOINT_PASSIVE)
                except apsw.Error as exc:  # a full disk, a busy writer: the next wake retries
                    log.warning("checkpoint of %s failed: %s", self.path, exc)
        finally:
            db.close()

    def _count(self, rows: Sequence[Row], created: int, last: int) -> None:
        """Add the rows just created to the counts table."""
        if created < len(rows):  # some were duplicates: let SQLite group the new ones
            self._db.execute(COUNT_NEW, (last,))
            return
        tally: dict[tuple[str, str], int] = {}  # all are new: count here, 20x cheaper
        for row in rows:
            key = (row[3] or "", row[4] or "")
            tally[key] = tally.get(key, 0) + 1
        self._db.executemany(ADD_COUNT, [(*key, n) for key, n in tally.items()])

    def search(
        self,
        query: str,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        host: str | None = None,
        limit: int = 100,
    ) -> list[Event]:
        """Events matching ``query`` (SQLite FTS5 syntax), newest first.

        Raises:
            StoreError: ``query`` is not valid FTS5, or ``limit`` is under 1.
            StoreUnavailable: the file cannot be read.
        """
        if limit < 1:
            raise StoreError(f"a search limit must be at least 1, not {limit}")
        clauses: list[str] = []
        params: list[Any] = []
        if query.strip():
            self._check_query(query)
            clauses.append("seq IN (SELECT rowid FROM events_fts WHERE events_fts MATCH ?)")
            params.append(query)
        if since is not None:
            clauses.append("ts >= ?")
            params.append(to_micros(since))
        if until is not None:
            clauses.append("ts < ?")
            params.append(to_micros(until))
        if host is not None:
            clauses.append("host = ?")
            params.append(host)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        sql = f"SELECT doc FROM events {where} ORDER BY ts DESC, seq DESC LIMIT ?"  # noqa: S608 - clauses are constants; values are bound
        with self._lock:
            try:
                docs = self._all(sql, (*params, limit))
            except apsw.Error as exc:
                raise self._unavailable("read", exc) from exc
        return [orjson.loads(doc) for (doc,) in docs]

    def read_after(
        self, seq: int, limit: int, *, since: datetime | None = None
    ) -> list[tuple[int, bytes]]:
        """Up to ``limit`` stored events after position ``seq``, in the order stored: (seq, JSON).

        Detection reads the store this way: ``seq`` only grows, so a reader that keeps the
        last one it saw misses nothing and reads nothing twice.
        """
        sql = "SELECT seq, doc FROM events WHERE seq > ? ORDER BY seq LIMIT ?"
        params: tuple[Any, ...] = (seq, limit)
        if since is not None:
            sql = "SELECT seq, doc FROM events WHERE seq > ? AND ts >= ? ORDER BY seq LIMIT ?"
            params = (seq, to_micros(since), limit)
        with self._lock:
            try:
                rows = self._all(sql, params)
            except apsw.Error as exc:
                raise self._unavailable("read", exc) from exc
        return [(int(s), bytes(doc)) for s, doc in rows]

    def last_seq(self) -> int:
        """The position of the newest stored event (0 when empty)."""
        with self._lock:
            try:
                (last,) = self._one("SELECT coalesce(max(seq), 0) FROM events")
            except apsw.Error as exc:
                raise self._unavailable("read", exc) from exc
        return int(last)

    def _check_query(self, query: str) -> None:
        with self._lock:
            try:
                self._probe.execute(
                    "SELECT rowid FROM events_fts WHERE events_fts MATCH ?", (query,)
                ).fetchall()
            except apsw.Error as exc:
                raise StoreError(
                    f"the search query {query!r} is not valid: {exc}",
                    hint='SQLite FTS5 syntax: words, "a phrase", prefix*, AND, OR, NOT,'
                    ' (groups); put text with punctuation inside double quotes ("a""b" for a")',
                ) from exc

    def stats(self) -> StoreStats:
        """Counts per dataset and first category, size on disk, oldest and newest event.

        Raises:
            StoreUnavailable: the file cannot be read.
        """
        with self._lock:
            try:
                oldest, newest = self._one("SELECT min(ts), max(ts) FROM events")
                counts = self._all("SELECT dataset, category, n FROM counts")
            except apsw.Error as exc:
                raise self._unavailable("read", exc) from exc
        total = 0
        by_dataset: dict[str, int] = {}
        by_category: dict[str, int] = {}
        for dataset, category, n in counts:
            total += n
            if dataset:
                by_dataset[dataset] = by_dataset.get(dataset, 0) + n
            if category:
                by_category[category] = by_category.get(category, 0) + n
        return StoreStats(
            total=total,
            by_dataset=by_dataset,
            by_category=by_category,
            unparsed=by_dataset.get("unparsed", 0),
            size_bytes=self._size(),
            oldest=None if oldest is None else from_micros(oldest),
            newest=None if newest is None else from_micros(newest),
        )

    def _size(self) -> int:
        return store_size(self.path)

    def purge(self, before: datetime) -> int:
        """Delete events older than ``before``, in chunks; the number deleted.

        Raises:
            StoreUnavailable: the file cannot be written (chunks already done stay done).
        """
        cutoff = to_micros(before)
        deleted = 0
        with self._lock:
            self._check_file()
            self._start_checkpoints()
            try:
                self._db.execute("CREATE TEMP TABLE IF NOT EXISTS doomed (seq INTEGER PRIMARY KEY)")
                while True:
                    with self._transaction():
                        self._db.execute("DELETE FROM temp.doomed")
                        self._db.execute(
                            "INSERT INTO temp.doomed SELECT seq FROM events WHERE ts < ? LIMIT ?",
                            (cutoff, PURGE_CHUNK),
                        )
                        found = self._db.changes()
                        if found:
                            # an external-content index forgets a row only when told its text
                            self._db.execute(
                                "INSERT INTO events_fts (events_fts, rowid, message)"
                                " SELECT 'delete', seq, message FROM events"
                                " WHERE seq IN temp.doomed AND message IS NOT NULL"
                            )
                            self._db.execute(COUNT_PURGED)
                            self._db.execute("DELETE FROM counts WHERE n <= 0")
                            self._db.execute("DELETE FROM events WHERE seq IN temp.doomed")
                    deleted += found
                    if found < PURGE_CHUNK:
                        return deleted
            except apsw.Error as exc:
                raise self._unavailable("purge", exc) from exc

    def close(self) -> None:
        """Close the file (the last connection checkpoints the WAL); further calls fail."""
        with self._lock:
            if self._checkpointer is not None:
                self._closing = True
                self._wake.set()
                self._checkpointer.join()
                self._db.set_wal_hook(None)
            # a read-only or vanished file cannot be optimised; closing still works
            with suppress(apsw.Error):
                self._db.execute("PRAGMA optimize")
            self._db.close()
            self._probe.close()

    def __enter__(self) -> SqliteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def store_size(path: Path) -> int:
    """Bytes a store takes on disk: its file and its write-ahead log."""
    size = 0
    for suffix in ("", "-wal"):
        try:
            size += os.stat(f"{path}{suffix}").st_size  # noqa: PTH116 - str concat
        except FileNotFoundError:
            continue
    return size


def stored_key(eid: str) -> bytes | str:
    """The 16-byte form of a 32-hex-digit id (half the index), else the id as text."""
    if len(eid) == 32:
        try:
            raw = bytes.fromhex(eid)
        except ValueError:
            return eid
        if raw.hex() == eid:  # fromhex also takes upper case and spaces: keep one form only
            return raw
    return eid


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None
