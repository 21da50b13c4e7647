"""The same rules through pySigma's SQLite backend, for the throughput benchmark's ratio.

pySigma's ``sqliteBackend`` writes ``SELECT * FROM logs WHERE ...`` over one flat table whose
columns are the (dotted) field names, quoted with backticks (``\\`event.dataset\\```), and
correlations as ``WITH ...`` queries reading a ``timestamp`` column through ``julianday()``.
:func:`run_sqlite_backend` builds that table from our ECS events and times every query.

Flattening: a column holds the value at its dotted path; a list met on the way (``event.type``,
``auditd.records``) contributes all its values, and a column with several values holds them
joined by a newline. SQL then sees one text where govsec's engine tests each value: equality
on a multi-valued field (``auditd.records.type`` of a SYSCALL+EXECVE event) cannot hold in
SQLite, ``LIKE '%x%'`` can. SQLite's ``=`` is case-sensitive and its ``LIKE`` is not (ASCII).
These differences are the backend's; the per-rule match counts show them.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

from sigma.backends.sqlite.sqlite import sqliteBackend
from sigma.correlations import SigmaCorrelationRule
from sigma.exceptions import SigmaError
from sigma.rule import SigmaDetection, SigmaDetectionItem, SigmaRule

from secops.detect.export import rule_label
from secops.detect.files import load_collection
from secops.detect.mapping import linux_pipeline

BATCH = 10_000  # rows per executemany


@dataclass
class SqliteRun:
    """Timings and results of one run."""

    seconds_load: float
    seconds_query: float
    matches_per_rule: dict[str, int]  # "id title" -> rows the rule's query returned
    rows: int = 0
    errors: dict[str, str] = field(default_factory=dict)  # rules the backend cannot convert
    stopped: dict[str, float] = field(default_factory=dict)  # queries cut at the time limit
    seconds_per_rule: dict[str, float] = field(default_factory=dict)


def convert_sqlite(rule_paths: Iterable[str | Path]) -> tuple[dict[str, str], dict[str, str]]:
    """Each rule's SQLite query (after the linux pipeline), and the rules that failed."""
    collection, _ = load_collection(rule_paths)
    backend: Any = cast(Any, sqliteBackend)(linux_pipeline())  # the backend is untyped
    backend.init_processing_pipeline("default")
    queries: dict[str, str] = {}
    errors: dict[str, str] = {}
    for rule in collection.rules:
        try:
            if isinstance(rule, SigmaCorrelationRule):
                found = backend.convert_correlation_rule(rule, "default")
            else:
                found = backend.convert_rule(rule, "default")
        except (SigmaError, NotImplementedError) as exc:
            errors[rule_label(rule)] = f"{type(exc).__name__}: {exc}"
            continue
        if found and (not isinstance(rule, SigmaRule) or rule._output):
            queries[rule_label(rule)] = str(found[0])
    return queries, errors


def rule_fields(rule_paths: Iterable[str | Path]) -> list[str]:
    """The ECS fields the rules read after the pipeline: the columns the table needs."""
    collection, _ = load_collection(rule_paths)
    pipeline_fields: set[str] = set()
    for rule in collection.rules:
        if isinstance(rule, SigmaCorrelationRule):
            pipeline_fields |= set(rule.group_by or [])
            fields = getattr(rule.condition, "fieldref", None)
            if fields:
                pipeline_fields |= {fields} if isinstance(fields, str) else set(fields)
            continue
        try:
            linux_pipeline().apply(rule)
        except SigmaError:
            continue
        for detection in rule.detection.detections.values():
            pipeline_fields |= {i.field for i in _walk(detection) if i.field}
    return sorted(pipeline_fields - {"timestamp"})


def _walk(node: SigmaDetection | SigmaDetectionItem) -> Iterator[SigmaDetectionItem]:
    if isinstance(node, SigmaDetection):
        for child in node.detection_items:
            yield from _walk(child)
    else:
        yield node


def _values(doc: Any, parts: list[str]) -> Iterator[Any]:
    if isinstance(doc, list):
        for item in doc:
            yield from _values(item, parts)
    elif not parts:
        if doc is not None:
            yield doc
    elif isinstance(doc, dict):
        yield from _values(doc.get(parts[0]), parts[1:])


def flatten(event: dict[str, Any], path: str) -> str | int | float | None:
    """The column value of ``path`` in ``event`` (see the module docstring)."""
    found = list(_values(event, path.split(".")))
    if not found:
        return None
    if len(found) == 1 and isinstance(found[0], int | float) and not isinstance(found[0], bool):
        return found[0]
    return "\n".join(str(v) for v in found)


def _timestamp(event: dict[str, Any]) -> str | None:
    stamp = event.get("@timestamp")
    if isinstance(stamp, str):
        stamp = datetime.fromisoformat(stamp)
    if not isinstance(stamp, datetime):
        return None
    # julianday() reads "YYYY-MM-DD HH:MM:SS.SSS"; UTC so that every row compares alike
    return stamp.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


@lru_cache(maxsize=1024)
def _pattern(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _regexp(pattern: str, value: object) -> bool:
    """SQLite's ``value REGEXP pattern`` (SQLite has the operator, not the function)."""
    return value is not None and _pattern(pattern).search(str(value)) is not None


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def run_sqlite_backend(
    rule_paths: Iterable[str | Path],
    events: Iterable[dict[str, Any]],
    db_path: str | Path,
    *,
    query_limit: float | None = None,
) -> SqliteRun:
    """Convert the rules with pySigma's SQLite backend, load the events, run every query.

    Args:
        rule_paths: rule files or directories; the same linux pipeline as the engine applies.
        events: ECS events (nested dicts, as the store keeps them).
        db_path: a new SQLite file (replaced if it exists), or ``":memory:"``.
        query_limit: seconds after which a query is interrupted (listed in ``stopped``,
            its time counted as the limit: the backend's total is then a lower bound).
            The backend's nested temporal correlation queries grow faster than linearly:
            199 s for 20,000 events on this machine.
    """
    rule_paths = list(rule_paths)
    queries, errors = convert_sqlite(rule_paths)
    columns = rule_fields(rule_paths)
    if str(db_path) != ":memory:":
        Path(db_path).unlink(missing_ok=True)
    connection = sqlite3.connect(str(db_path), isolation_level=None)
    try:
        connection.execute("PRAGMA journal_mode=OFF")
        connection.execute("PRAGMA synchronous=OFF")
        connection.create_function("REGEXP", 2, _regexp, deterministic=True)
        started = time.perf_counter()
        connection.execute("BEGIN")
        rows = load_events(connection, events, columns)
        connection.execute("COMMIT")
        loaded = time.perf_counter()
        matches: dict[str, int] = {}
        stopped: dict[str, float] = {}
        seconds: dict[str, float] = {}
        for label, query in queries.items():
            began = time.perf_counter()
            # interrupt() from a timer: unlike a progress handler it also stops a long sort
            timer = None
            if query_limit is not None:
                timer = threading.Timer(query_limit, connection.interrupt)
                timer.start()
            try:
                matches[label] = len(connection.execute(query).fetchall())
            except sqlite3.OperationalError as exc:
                if query_limit is not None and time.perf_counter() - began >= query_limit:
                    stopped[label] = query_limit
                else:
                    errors[label] = f"sqlite: {exc}"
            except sqlite3.Error as exc:
                errors[label] = f"sqlite: {exc}"
            finally:
                if timer is not None:
                    timer.cancel()
            seconds[label] = time.perf_counter() - began
        done = time.perf_counter()
    finally:
        connection.close()
    return SqliteRun(loaded - started, done - loaded, matches, rows, errors, stopped, seconds)


def load_events(
    connection: sqlite3.Connection, events: Iterable[dict[str, Any]], columns: list[str]
) -> int:
    """Create ``logs`` (``timestamp`` + ``columns``), insert the events; the row count.

    The caller holds the transaction (one for the whole load).
    """
    names = ["timestamp", *columns]
    connection.execute(f"CREATE TABLE logs ({', '.join(_quote(n) for n in names)})")
    insert = f"INSERT INTO logs VALUES ({', '.join('?' * len(names))})"  # noqa: S608
    rows = 0
    batch: list[tuple[Any, ...]] = []
    for event in events:
        batch.append((_timestamp(event), *(flatten(event, c) for c in columns)))
        if len(batch) >= BATCH:
            connection.executemany(insert, batch)
            rows += len(batch)
            batch.clear()
    connection.executemany(insert, batch)
    return rows + len(batch)
