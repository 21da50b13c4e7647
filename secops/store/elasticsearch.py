"""The Elasticsearch store: a data stream per dataset, bulk ``create``, a disk spool.

Writes go through elastic-transport (the transport of elasticsearch-py) with plain
``application/json``: elasticsearch-py 8 and 9 rewrite every media type to
``application/vnd.elasticsearch+json; compatible-with=N``, which OpenSearch rejects (406) and
which pins one server major; plain JSON is the current API on Elasticsearch 7.17, 8 and 9.

Each event is created with ``_id = event.id``, so a replay (a reader's at-least-once restart,
or the spool) answers 409 and counts as a duplicate. While the cluster cannot be reached
(connection error, timeout, 5xx or 429 after the retries), put() appends the events to an
fsynced spool under the data dir and returns; the next put() or flush_spool() replays it first.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import os
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import orjson
from elastic_transport import NodeConfig, Transport, TransportError

from secops.files import write_atomic
from secops.store.base import (
    RETENTION_DAYS,
    Event,
    PutResult,
    Refused,
    StoreError,
    StoreStats,
    StoreUnavailable,
    from_micros,
    put_events,
    redact,
    required_id,
    timestamp_micros,
    timestamp_problem,
    to_micros,
)

JSON = {"content-type": "application/json", "accept": "application/json"}
NDJSON = {"content-type": "application/x-ndjson", "accept": "application/json"}
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})  # the cluster is busy or partly down
BULK_BYTES = 8 * 2**20  # a bulk request's size cap, well under http.max_content_length

_UNSAFE = re.compile(r"[^a-z0-9_.]")


class _Unreachable(Exception):  # noqa: N818 - internal signal, never leaves this module
    """The cluster did not answer usefully: spool and try later."""


@dataclass
class _Outcome:
    created: int = 0
    duplicates: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    pending: list[tuple[str, str, bytes]] = field(default_factory=list)


class ElasticsearchStore:
    """An Elasticsearch (7.17+, 8, 9) or OpenSearch cluster as the event store.

    Args:
        url: ``http(s)://[user:password@]host:port[/prefix]``.
        spool_dir: where events wait while the cluster is unreachable.
        prefix: names the template, the policy and the streams ``logs-<prefix>.<dataset>-*``.
        namespace: the data stream namespace (ECS), e.g. a site or tenant.
        retention_days: ILM deletes backing indices this old; under 180 needs ``force``.
        data_streams: write into data streams (the default); False writes into plain indices
            of the same names, for clusters without data streams (osmem-server).
        refresh: make each bulk visible to search at once (tests); else within a second.
        timeout: seconds per HTTP request.
        retries: further attempts of a request that met a connection error, timeout or 5xx.
        backoff: first wait in seconds before retrying 429 or 5xx; doubles up to backoff_cap.
        backoff_attempts: rounds of 429 retries before the remaining items are spooled.
        sleep: how to wait (tests pass a fake).
    """

    def __init__(
        self,
        url: str,
        *,
        spool_dir: Path,
        prefix: str = "govsec",
        namespace: str = "default",
        retention_days: int = RETENTION_DAYS,
        force: bool = False,
        data_streams: bool = True,
        refresh: bool = False,
        timeout: float = 10.0,
        retries: int = 2,
        backoff: float = 0.5,
        backoff_cap: float = 30.0,
        backoff_attempts: int = 6,
        chunk: int = 5000,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if retention_days < RETENTION_DAYS and not force:
            raise StoreError(
                f"a retention of {retention_days} days is under the {RETENTION_DAYS} days"
                " the law requires",
                hint="Cybersecurity Law art. 21(3) asks for six months of logs; --force overrides.",
            )
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise StoreError(f"not an Elasticsearch URL: {redact(url)!r}")
        port = parts.port or 9200
        self.url = f"{parts.scheme}://{parts.hostname}:{port}{parts.path.rstrip('/')}"
        headers = dict(JSON)
        if parts.username is not None:
            token = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
            headers["authorization"] = "Basic " + base64.b64encode(token).decode()
        self._transport = Transport(
            [
                NodeConfig(
                    parts.scheme,
                    parts.hostname,
                    port,
                    path_prefix=parts.path.rstrip("/"),
                    request_timeout=timeout,
                    headers=headers,
                )
            ],
            max_retries=0,  # retries are ours: the spool decides what a failure means
            meta_header=False,
        )
        self.prefix, self.namespace = prefix, namespace
        self.pattern = f"logs-{prefix}.*-{namespace}"
        self.retention_days = retention_days
        self.data_streams, self.refresh = data_streams, refresh
        self.retries, self.backoff, self.backoff_cap = retries, backoff, backoff_cap
        self.backoff_attempts, self.chunk, self._sleep = backoff_attempts, chunk, sleep
        slug = hashlib.sha256(self.url.encode()).hexdigest()[:12]
        self.spool = spool_dir / f"{slug}.ndjson"
        self.rejected = spool_dir / f"{slug}.rejected.ndjson"
        self._offset = spool_dir / f"{slug}.offset"
        self.ilm: bool | None = None  # None until set up; False on clusters without ILM
        self._ready = False
        self._lock = threading.Lock()

    # -- HTTP -----------------------------------------------------------------------------

    def _call(
        self, method: str, target: str, body: Any = None, *, ndjson: bool = False
    ) -> tuple[int, Any]:
        """One request, retried on connection errors and 5xx; (status, body).

        Raises:
            _Unreachable: no useful answer after the retries.
        """
        payload = body if body is None or isinstance(body, bytes) else orjson.dumps(body)
        delay = self.backoff
        for attempt in range(self.retries + 1):
            try:
                response = self._transport.perform_request(
                    method, target, headers=NDJSON if ndjson else JSON, body=payload
                )
            except TransportError as exc:
                problem = f"{type(exc).__name__}: {exc}"
            else:
                status = response.meta.status
                if status not in RETRY_STATUS or status == 429:
                    return status, response.body
                problem = f"HTTP {status}: {_reason(response.body)}"
            if attempt < self.retries:
                self._sleep(delay)
                delay = min(delay * 2, self.backoff_cap)
        raise _Unreachable(f"{self.url} did not answer {method} {target}: {problem}")

    def _setup(self) -> None:
        """Install the lifecycle policy and the index template, once per store."""
        if self._ready:
            return
        name = f"{self.prefix}-logs"
        status, body = self._call("PUT", f"/_ilm/policy/{name}", _policy(self.retention_days))
        if status < 300:
            self.ilm = True
        elif status in (400, 404, 405) and "no handler found" in str(body):
            self.ilm = False  # OpenSearch has ISM, not ILM: retention is purge()'s job there
        else:
            raise StoreError(f"{self.url} refused the lifecycle policy {name}: {_reason(body)}")
        template = _template(self.prefix, name if self.ilm else None, data_stream=self.data_streams)
        status, body = self._call("PUT", f"/_index_template/{name}", template)
        if status >= 300:
            raise StoreError(f"{self.url} refused the index template {name}: {_reason(body)}")
        self._ready = True

    # -- writing --------------------------------------------------------------------------

    def index_of(self, event: Event) -> str:
        """The data stream of an event: ``logs-<prefix>.<dataset>-<namespace>``."""
        meta = event.get("event")
        dataset = meta.get("dataset") if isinstance(meta, dict) else None
        name = _UNSAFE.sub("_", dataset.lower())[:100] if isinstance(dataset, str) else ""
        return f"logs-{self.prefix}.{name.lstrip('._') or 'unknown'}-{self.namespace}"

    def encode(self, event: Event) -> tuple[str, str, bytes]:
        """``(_id, index, JSON)`` of ``event``; see :meth:`EventStore.encode`.

        Raises:
            Refused: no ``event.id``, one over 512 bytes, a bad ``@timestamp``, not JSON.
        """
        eid = required_id(event)
        if len(eid.encode()) > 512:
            raise Refused(eid[:64], "event.id longer than the 512 bytes of an _id")
        if timestamp_micros(event) is None:
            raise Refused(eid, timestamp_problem(event.get("@timestamp")))
        try:
            return eid, self.index_of(event), orjson.dumps(event)
        except TypeError as exc:
            raise Refused(eid, f"not serialisable as JSON: {exc}") from None

    def put(self, batch: Sequence[Event]) -> PutResult:
        """Create each event with ``_id = event.id``; see :meth:`put_encoded`.

        Raises:
            StoreUnavailable: the cluster is unreachable and the spool cannot be written.
            StoreError: the cluster refused the template or policy (a configuration error).
        """
        return put_events(self, batch)

    def put_encoded(self, docs: Sequence[tuple[str, str, bytes]]) -> PutResult:
        """Create documents made by :meth:`encode`; spool what the cluster cannot take now.

        The spool is replayed first, so events arrive in the order they were put; the counts
        include the replayed events.

        Raises:
            StoreUnavailable: the cluster is unreachable and the spool cannot be written.
            StoreError: the cluster refused the template or policy (a configuration error).
        """
        docs = list(docs)
        with self._lock:
            replayed = self._replay() if self._spool_size() else _Outcome()
            outcome = _Outcome() if replayed.pending else self._bulk(docs)
            if replayed.pending:
                outcome.pending = docs  # keep the order: behind what is still spooled
            if outcome.pending:
                self._append(outcome.pending)
        # replayed events were reported as spooled by an earlier put(): counting them here
        # keeps the caller's totals balanced (created + duplicates + failed + spooled = put)
        return PutResult(
            replayed.created + outcome.created,
            replayed.duplicates + outcome.duplicates,
            replayed.failed + outcome.failed,
            spooled=len(outcome.pending),
        )

    def _bulk(self, docs: list[tuple[str, str, bytes]]) -> _Outcome:
        """Send ``docs`` in chunks; what could not be sent comes back in ``pending``."""
        total = _Outcome()
        for first in range(0, len(docs), self.chunk):
            part = self._bulk_chunk(docs[first : first + self.chunk])
            total.created += part.created
            total.duplicates += part.duplicates
            total.failed += part.failed
            if part.pending:
                total.pending = part.pending + docs[first + self.chunk :]
                break
        return total

    def _bulk_chunk(self, docs: list[tuple[str, str, bytes]]) -> _Outcome:
        """One chunk, with 429/5xx items retried after a capped exponential backoff."""
        outcome = _Outcome()
        todo = docs
        delay = self.backoff
        target = "/_bulk?refresh=true" if self.refresh else "/_bulk"
        for attempt in range(self.backoff_attempts + 1):
            retry: list[tuple[str, str, bytes]] = []
            bodies = list(_bodies(todo))
            for number, (body, sent) in enumerate(bodies):
                try:
                    self._setup()
                    status, answer = self._call("POST", target, body, ndjson=True)
                except _Unreachable:
                    # answered items are counted; the rest waits in the spool
                    outcome.pending = retry + [doc for _, rest in bodies[number:] for doc in rest]
                    return outcome
                if status == 429:
                    retry += sent  # the whole request was throttled
                elif status >= 300 or not isinstance(answer, dict):
                    # a malformed bulk is our bug or a proxy's error page: nothing was written
                    raise StoreUnavailable(
                        f"{self.url} refused a bulk request: HTTP {status} {_reason(answer)}"
                    )
                else:
                    retry += _tally(answer, sent, outcome)
            if not retry:
                return outcome
            todo = retry
            if attempt < self.backoff_attempts:
                self._sleep(delay)
                delay = min(delay * 2, self.backoff_cap)
        outcome.pending = todo  # still throttled after every round: the spool keeps them
        return outcome

    # -- spool ----------------------------------------------------------------------------

    @contextmanager
    def _spool_locked(self) -> Iterator[int]:
        """The spool file's descriptor, locked against other processes (flock)."""
        try:
            self.spool.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(self.spool, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        except OSError as exc:
            raise StoreUnavailable(
                f"{self.url} is unreachable and the spool {self.spool} cannot be opened: {exc}",
                hint="the batch was not stored; free space or fix the data dir's permissions",
            ) from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield fd
        finally:
            os.close(fd)

    def _append(self, docs: list[tuple[str, str, bytes]]) -> None:
        data = b"".join(doc + b"\n" for _, _, doc in docs)
        with self._spool_locked() as fd:
            try:
                os.write(fd, data)
                os.fsync(fd)  # put() returning means the events survive a crash
            except OSError as exc:
                raise StoreUnavailable(
                    f"{self.url} is unreachable and the spool {self.spool} cannot be written:"
                    f" {exc}",
                    hint="the batch was not stored; free space on the data dir",
                ) from exc

    def _spool_size(self) -> int:
        try:
            return self.spool.stat().st_size - self._read_offset()
        except OSError:  # none yet, or no spool directory: _append() will say why
            return 0

    def _read_offset(self) -> int:
        try:
            return int(self._offset.read_text())
        except (OSError, ValueError):
            return 0

    def spooled(self) -> int:
        """How many events wait in the spool."""
        with self._lock, self._spool_locked() as fd:
            os.lseek(fd, self._read_offset(), os.SEEK_SET)
            with os.fdopen(os.dup(fd), "rb") as spool:
                return sum(1 for line in spool if line.strip())

    def flush_spool(self) -> PutResult:
        """Replay the spool now; what it created, found already there, or was refused.

        Raises:
            StoreUnavailable: the cluster is still unreachable (the spool is kept).
        """
        with self._lock:
            outcome = self._replay()
        if outcome.pending:
            raise StoreUnavailable(
                f"{self.url} is still unreachable; {self.spool} keeps the events",
                hint="they are replayed by the next put() or flush",
            )
        return PutResult(outcome.created, outcome.duplicates, outcome.failed)

    def _replay(self) -> _Outcome:
        """Send the spool from the saved offset; stop at the first chunk that cannot go."""
        total = _Outcome()
        with self._spool_locked() as fd:
            offset = self._read_offset()
            if offset > os.fstat(fd).st_size:
                offset = 0  # a stale offset from another spool file: resend, 409s are harmless
            os.lseek(fd, offset, os.SEEK_SET)
            with os.fdopen(os.dup(fd), "rb") as spool:
                while True:
                    lines = [spool.readline() for _ in range(self.chunk)]
                    lines = [line for line in lines if line]
                    if not lines:
                        break
                    docs = self._spooled_docs(lines, total)
                    part = self._bulk(docs)
                    total.created += part.created
                    total.duplicates += part.duplicates
                    total.failed += part.failed
                    if part.pending:
                        total.pending = part.pending
                        return total  # the offset stays: done items answer 409 next time
                    offset += sum(len(line) for line in lines)
                    write_atomic(self._offset, str(offset))
            # all sent; appenders wait on the lock we hold. The offset goes first: a crash
            # in between replays the file once more (409s), never skips what comes next
            self._offset.unlink(missing_ok=True)
            os.ftruncate(fd, 0)
        return total

    def _spooled_docs(self, lines: list[bytes], total: _Outcome) -> list[tuple[str, str, bytes]]:
        docs: list[tuple[str, str, bytes]] = []
        for line in lines:
            try:
                event = orjson.loads(line)
                eid = event["event"]["id"]
            except (orjson.JSONDecodeError, KeyError, TypeError):
                # a line torn by a crash mid-append: its put() never returned, so the reader
                # still holds that batch; keep the bytes for the record all the same
                self._reject(line, "torn spool line")
                total.failed.append(("", "torn spool line"))
                continue
            docs.append((eid, self.index_of(event), line.rstrip(b"\n")))
        return docs

    def _reject(self, line: bytes, reason: str) -> None:
        with self.rejected.open("ab") as out:
            out.write(orjson.dumps({"reason": reason, "line": line.decode(errors="replace")}))
            out.write(b"\n")

    # -- reading --------------------------------------------------------------------------

    def _read(self, method: str, target: str, body: Any = None, *, query: str = "") -> Any:
        try:
            status, answer = self._call(method, target, body)
        except _Unreachable as exc:
            raise StoreUnavailable(str(exc), hint="the cluster is down or unreachable") from exc
        if status == 429:
            raise StoreUnavailable(f"{self.url} is overloaded (HTTP 429): {_reason(answer)}")
        if status == 400 and query.strip():
            raise StoreError(
                f"the search query {query!r} is not valid: {_root_cause(answer)}",
                hint="Elasticsearch query_string syntax: quote phrases; escape + - = && || > <"
                ' ! ( ) { } [ ] ^ " ~ * ? : \\ / with a backslash',
            )
        if status >= 300:
            raise StoreError(f"{self.url} answered HTTP {status}: {_reason(answer)}")
        return answer

    def search(
        self,
        query: str,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        host: str | None = None,
        limit: int = 100,
    ) -> list[Event]:
        """Events matching ``query`` (``query_string`` on message), newest first.

        Raises:
            StoreError: the query is not valid query_string syntax, or limit is under 1.
            StoreUnavailable: the cluster cannot be reached.
        """
        if limit < 1:
            raise StoreError(f"a search limit must be at least 1, not {limit}")
        filters: list[dict[str, Any]] = []
        span: dict[str, str] = {}
        if since is not None:
            span["gte"] = _iso(since)
        if until is not None:
            span["lt"] = _iso(until)
        if span:
            filters.append({"range": {"@timestamp": span}})
        if host is not None:
            filters.append({"term": {"host.name": host}})
        must: list[dict[str, Any]] = []
        if query.strip():
            must.append({"query_string": {"query": query, "default_field": "message"}})
        body = {
            "query": {"bool": {"must": must, "filter": filters}},
            "sort": [{"@timestamp": {"order": "desc"}}, {"event.id": {"order": "desc"}}],
            "size": limit,
        }
        answer = self._read("POST", f"/{self.pattern}/_search?{_LENIENT}", body, query=query)
        return [hit["_source"] for hit in answer["hits"]["hits"]]

    def stats(self) -> StoreStats:
        """Counts, size and span; ``by_category`` counts every category of an event.

        Raises:
            StoreUnavailable: the cluster cannot be reached.
        """
        body = {
            "size": 0,
            "track_total_hits": True,
            "aggs": {
                "dataset": {"terms": {"field": "event.dataset", "size": 1000}},
                "category": {"terms": {"field": "event.category", "size": 1000}},
                "oldest": {"min": {"field": "@timestamp"}},
                "newest": {"max": {"field": "@timestamp"}},
            },
        }
        answer = self._read("POST", f"/{self.pattern}/_search?{_LENIENT}", body)
        aggs = answer.get("aggregations", {})
        by_dataset = _buckets(aggs.get("dataset"))
        sizes = self._read("GET", f"/{self.pattern}/_stats/store?{_LENIENT}")
        size = sizes.get("_all", {}).get("total", {}).get("store", {}).get("size_in_bytes", 0)
        total = answer["hits"]["total"]["value"]
        return StoreStats(
            total=total,
            by_dataset=by_dataset,
            by_category=_buckets(aggs.get("category")),
            unparsed=by_dataset.get("unparsed", 0),
            size_bytes=int(size),
            oldest=_millis(aggs.get("oldest")) if total else None,
            newest=_millis(aggs.get("newest")) if total else None,
        )

    def purge(self, before: datetime) -> int:
        """Delete events older than ``before`` (delete_by_query); ILM does it by index age too.

        Raises:
            StoreUnavailable: the cluster cannot be reached.
        """
        body = {"query": {"range": {"@timestamp": {"lt": _iso(before)}}}}
        refresh = "&refresh=true" if self.refresh else ""
        answer = self._read(
            "POST", f"/{self.pattern}/_delete_by_query?conflicts=proceed&{_LENIENT}{refresh}", body
        )
        return int(answer.get("deleted", 0))

    def close(self) -> None:
        """Close the HTTP connections (the spool stays for the next run)."""
        self._transport.close()


_LENIENT = "ignore_unavailable=true&allow_no_indices=true"


def _bodies(
    docs: list[tuple[str, str, bytes]],
) -> Iterator[tuple[bytes, list[tuple[str, str, bytes]]]]:
    """NDJSON bulk bodies of at most BULK_BYTES, each with the docs it carries."""
    lines: list[bytes] = []
    sent: list[tuple[str, str, bytes]] = []
    size = 0
    for doc in docs:
        eid, index, source = doc
        action = orjson.dumps({"create": {"_index": index, "_id": eid}})
        if sent and size + len(action) + len(source) > BULK_BYTES:
            yield b"".join(lines), sent
            lines, sent, size = [], [], 0
        lines += (action, b"\n", source, b"\n")
        sent.append(doc)
        size += len(action) + len(source) + 2
    if sent:
        yield b"".join(lines), sent


def _tally(
    answer: dict[str, Any], sent: list[tuple[str, str, bytes]], outcome: _Outcome
) -> list[tuple[str, str, bytes]]:
    """Count a bulk response's items; the ones to retry (429, 5xx) come back."""
    retry: list[tuple[str, str, bytes]] = []
    for doc, item in zip(sent, answer.get("items", []), strict=False):
        result = next(iter(item.values()))
        status = result.get("status", 0)
        if 200 <= status < 300:
            outcome.created += 1
        elif status == 409:
            outcome.duplicates += 1
        elif status in RETRY_STATUS:
            retry.append(doc)
        else:
            outcome.failed.append((doc[0], _reason(result)))
    return retry


def _reason(body: Any) -> str:
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict):
            return f"{error.get('type', '?')}: {error.get('reason', '')}"[:500]
        return str(error)[:500]
    return str(body)[:500]


def _root_cause(body: Any) -> str:
    error = body.get("error") if isinstance(body, dict) else None
    causes = error.get("root_cause") if isinstance(error, dict) else None
    if isinstance(causes, list) and causes and isinstance(causes[0], dict):
        return str(causes[0].get("reason", ""))[:300]
    return _reason(body)


def _iso(moment: datetime) -> str:
    return from_micros(to_micros(moment)).isoformat().replace("+00:00", "Z")


def _millis(agg: Any) -> datetime | None:
    value = agg.get("value") if isinstance(agg, dict) else None
    return None if value is None else datetime.fromtimestamp(value / 1000, UTC)


def _buckets(agg: Any) -> dict[str, int]:
    if not isinstance(agg, dict):
        return {}
    return {str(b["key"]): int(b["doc_count"]) for b in agg.get("buckets", [])}


def _policy(days: int) -> dict[str, Any]:
    """ILM: roll over daily (or at 50 GB a shard), delete ``days`` after rollover."""
    return {
        "policy": {
            "_meta": {"managed_by": "govsec"},
            "phases": {
                "hot": {
                    "actions": {"rollover": {"max_age": "1d", "max_primary_shard_size": "50gb"}}
                },
                "delete": {"min_age": f"{days}d", "actions": {"delete": {}}},
            },
        }
    }


KEYWORD = {"type": "keyword", "ignore_above": 1024}
EVENT_KEYWORDS = ("id", "kind", "dataset", "category", "type", "action", "outcome", "module")
NOT_INDEXED = {"type": "keyword", "index": False, "doc_values": False}
IP = {"type": "ip", "ignore_malformed": True}
LONG = {"type": "long", "ignore_malformed": True}
OPAQUE = {"type": "object", "enabled": False}  # kept in _source, never mapped


def _template(prefix: str, policy: str | None, *, data_stream: bool) -> dict[str, Any]:
    """The index template: ECS types for the fields govsec writes, keywords for the rest.

    Attacker-chosen keys (syslog structured data, auditd's raw records) are not mapped, so a
    hostile sender cannot blow the field limit.
    """
    endpoint = {"properties": {"ip": IP, "port": LONG, "address": KEYWORD, "domain": KEYWORD}}
    settings: dict[str, Any] = {"index.mapping.total_fields.limit": 2000}
    if policy:
        settings["index.lifecycle.name"] = policy
    template: dict[str, Any] = {
        "index_patterns": [f"logs-{prefix}.*-*"],
        "priority": 200,  # above Elasticsearch's built-in logs-*-* (100)
        "_meta": {"managed_by": "govsec"},
        "template": {
            "settings": settings,
            "mappings": {
                "dynamic_templates": [
                    {"strings": {"match_mapping_type": "string", "mapping": KEYWORD}}
                ],
                "properties": {
                    "@timestamp": {"type": "date"},
                    "message": {"type": "text"},
                    "tags": KEYWORD,
                    "event": {
                        "properties": {
                            **{name: KEYWORD for name in EVENT_KEYWORDS},
                            "original": NOT_INDEXED,
                            "sequence": LONG,
                        }
                    },
                    "host": {"properties": {"name": KEYWORD, "hostname": KEYWORD}},
                    "source": endpoint,
                    "destination": endpoint,
                    "related": {"properties": {"ip": IP, "user": KEYWORD, "hosts": KEYWORD}},
                    "process": {"properties": {"pid": LONG, "command_line": KEYWORD}},
                    "user": {"properties": {"name": KEYWORD, "id": KEYWORD}},
                    "http": {"properties": {"response": {"properties": {"status_code": LONG}}}},
                    "log": {
                        "properties": {
                            "level": KEYWORD,
                            "syslog": {"properties": {"structured_data": OPAQUE}},
                        }
                    },
                    "auditd": {"properties": {"records": OPAQUE}},
                },
            },
        },
    }
    if data_stream:
        template["data_stream"] = {}
    return template
