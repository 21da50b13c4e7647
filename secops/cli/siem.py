"""``govsec siem``: take logs in (files, stdin, syslog, tails), search them, count them, purge.

The store is ``--store URL``, else ``GOVSEC_STORE``, else ``siem.store`` in govsec.yaml, else
SQLite under the data dir (docs/siem.md). Everything a log line holds is data: it is printed
escaped (control characters as ``\\xNN`` by the parsers, Rich markup escaped here).
"""

from __future__ import annotations

import json
import re
import threading
from contextlib import suppress
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from secops.errors import GovsecError
from secops.i18n import t

if TYPE_CHECKING:  # the store and the pipeline load sqlite3/orjson: only when a command runs
    from secops.ingest.pipeline import Counters, Pipeline
    from secops.store.base import EventStore

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

DEFAULT_SYSLOG_PORT = 5514  # unprivileged; hardened hosts forward to <collector>:5514
# "15m", "2h", "1w ago", "3 days ago", as the help says
_RELATIVE = re.compile(
    r"^(\d{1,9})\s*(s|sec|secs|seconds?|m|min|mins|minutes?|h|hours?|d|days?|w|weeks?)"
    r"(?:\s+ago)?$",
    re.IGNORECASE,
)
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


HELP_KEYS = (
    "siem.store",
    "siem.tz",
    "siem.ingest.files",
    "siem.listen.syslog",
    "siem.listen.tail",
    "siem.search.query",
    "siem.since",
    "siem.until",
    "siem.search.host",
    "siem.purge.keep",
    "siem.purge.force",
)


class Format(StrEnum):
    table = "table"
    json = "json"


class SiemError(GovsecError):
    """A siem command's input is wrong (a time, an address, a file)."""


def build() -> typer.Typer:
    """The ``siem`` command group."""
    group = typer.Typer(help=t("siem.help"), no_args_is_help=True)
    h = {key: t(key) for key in HELP_KEYS}  # option help, in the language settled at start
    store_opt = typer.Option(None, "--store", help=h["siem.store"], metavar="URL")
    tz_opt = typer.Option(None, "--tz", help=h["siem.tz"], metavar="ZONE")

    @group.command("ingest", help=t("siem.ingest.help"))
    def ingest(
        files: list[Path] = typer.Argument(..., help=h["siem.ingest.files"]),
        store: str | None = store_opt,
        tz: str | None = tz_opt,
        output_format: Format = typer.Option(Format.table, "--format"),
    ) -> None:
        counters = _ingest(files, store, tz)
        _print_counters(counters, output_format)

    @group.command("listen", help=t("siem.listen.help"))
    def listen(
        syslog: str | None = typer.Option(
            None, "--syslog", help=h["siem.listen.syslog"], metavar="HOST:PORT"
        ),
        tail: list[Path] = typer.Option([], "--tail", help=h["siem.listen.tail"], metavar="PATH"),
        store: str | None = store_opt,
        tz: str | None = tz_opt,
        quiet: bool = typer.Option(False, "--quiet", "-q"),
    ) -> None:
        if syslog is None and not tail:
            syslog = f"127.0.0.1:{DEFAULT_SYSLOG_PORT}"
        counters = _listen(syslog, tail, store, tz, quiet)
        if not quiet:
            _print_counters(counters, Format.table)

    @group.command("search", help=t("siem.search.help"))
    def search(
        query: str = typer.Argument("", help=h["siem.search.query"]),
        since: str | None = typer.Option(None, "--since", help=h["siem.since"], metavar="WHEN"),
        until: str | None = typer.Option(None, "--until", help=h["siem.until"], metavar="WHEN"),
        host: str | None = typer.Option(None, "--host", help=h["siem.search.host"]),
        limit: int = typer.Option(50, "--limit", min=1, max=100_000),
        store: str | None = store_opt,
        output_format: Format = typer.Option(Format.table, "--format"),
    ) -> None:
        now = datetime.now(UTC)
        with OpenedStore(store) as opened:
            found = opened.search(
                query,
                since=parse_when(since, now) if since else None,
                until=parse_when(until, now) if until else None,
                host=host,
                limit=limit,
            )
        if output_format is Format.json:
            out.print_json(json.dumps(found, ensure_ascii=False))
            return
        _print_events(found)

    @group.command("stats", help=t("siem.stats.help"))
    def stats(
        store: str | None = store_opt,
        output_format: Format = typer.Option(Format.table, "--format"),
    ) -> None:
        with OpenedStore(store) as opened:
            summary = opened.stats()
        data = asdict(summary)
        data["unparsed_share"] = summary.unparsed / summary.total if summary.total else 0.0
        if output_format is Format.json:
            out.print_json(json.dumps(data, default=str))
            return
        _print_stats(data)

    @group.command("purge", help=t("siem.purge.help"))
    def purge(
        keep_days: int = typer.Option(180, "--keep-days", help=h["siem.purge.keep"]),
        force: bool = typer.Option(False, "--force", help=h["siem.purge.force"]),
        store: str | None = store_opt,
    ) -> None:
        from secops.store.base import purge_cutoff

        cutoff = purge_cutoff(keep_days, force=force)
        with OpenedStore(store) as opened:
            deleted = opened.purge(cutoff)
        out.print(escape(t("siem.purged", count=deleted, before=cutoff.isoformat())))

    return group


# -- store and time ----------------------------------------------------------------------------


def store_url(flag: str | None) -> str | None:
    """``--store``, else GOVSEC_STORE / govsec.yaml ``siem.store``; None: the default SQLite."""
    if flag:
        from urllib.parse import urlsplit

        if urlsplit(flag).password is not None:  # it would show in ps and shell history
            raise SiemError(t("siem.secret_in_flag"), t("siem.secret_in_flag.hint"))
        return flag
    from secops.config import load_settings

    return load_settings().siem.store


class OpenedStore:
    """The configured store, closed on the way out."""

    def __init__(self, flag: str | None) -> None:
        self.flag = flag
        self.store: EventStore | None = None

    def __enter__(self) -> EventStore:
        from secops.store import open_store

        self.store = open_store(store_url(self.flag))
        return self.store

    def __exit__(self, *exc: object) -> None:
        if self.store is not None:
            self.store.close()


def parse_when(text: str, now: datetime) -> datetime:
    """``15m``, ``2h``, ``7d``, ``1w`` (``ago`` or not, units spelt out or not), or an ISO 8601
    time (a naive one is UTC).

    Raises:
        SiemError: none of those, or further back than the calendar goes.
    """
    relative = _RELATIVE.match(text.strip())
    try:
        if relative:
            unit = _UNITS[relative.group(2)[0].lower()]
            return now - timedelta(seconds=int(relative.group(1)) * unit)
        moment = datetime.fromisoformat(text.strip())
    except (ValueError, OverflowError):
        raise SiemError(t("siem.bad_when", value=text), t("siem.bad_when.hint")) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_address(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[v6]:PORT`` too) into its parts."""
    host, sep, port = text.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise SiemError(t("siem.bad_address", value=text), t("siem.bad_address.hint"))
    return host, int(port)


# -- readers -----------------------------------------------------------------------------------


def _pipeline(store: str | None, tz: str | None, *, tails: bool) -> Pipeline:
    from secops.ingest.checkpoint import Checkpoints
    from secops.ingest.checkpoint import default_path as checkpoints_path
    from secops.ingest.pipeline import Pipeline, tune_gc
    from secops.store import open_store

    tune_gc()
    return Pipeline(
        open_store(store_url(store)),
        checkpoints=Checkpoints(checkpoints_path()) if tails else None,
        tz=_zone(tz),
    )


def _zone(name: str | None) -> Any:
    if not name:
        return None
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise SiemError(t("siem.bad_tz", value=name), t("siem.bad_tz.hint")) from None


def _ingest(files: list[Path], store: str | None, tz: str | None) -> Counters:
    from secops.ingest.pipeline import import_paths

    for path in files:
        if str(path) != "-" and not path.is_file():
            raise SiemError(t("siem.no_file", path=path))
    pipeline = _pipeline(store, tz, tails=False)
    try:
        import_paths(pipeline, files, threading.Event())
    finally:
        pipeline.store.close()
    return pipeline.counters


def _listen(
    syslog: str | None, tails: list[Path], store: str | None, tz: str | None, quiet: bool
) -> Counters:
    """Receive syslog in this thread's event loop and follow files in another, until a signal.

    Each reader has its own pipeline and store handle: a pipeline is driven by one loop.
    """
    import asyncio

    from secops.ingest.pipeline import Counters, follow
    from secops.ingest.status import StatusWriter, status_path

    address = parse_address(syslog) if syslog else None
    stop = threading.Event()
    worker: threading.Thread | None = None
    tail_pipeline = _pipeline(store, tz, tails=True) if tails else None
    syslog_pipeline = _pipeline(store, tz, tails=False) if address is not None else None
    pipelines = [p for p in (syslog_pipeline, tail_pipeline) if p is not None]
    status = StatusWriter(status_path(store_url(store)), lambda: _snapshot(pipelines)).start()
    if tail_pipeline is not None:
        worker = threading.Thread(
            target=follow, args=(tail_pipeline, tails, stop), name="siem-tail", daemon=True
        )
        worker.start()
    total = Counters()
    try:
        if address is not None and syslog_pipeline is not None:
            from secops.ingest.syslog_server import serve

            if not quiet:
                err.print(escape(t("siem.listening", host=address[0], port=address[1])))
            try:
                asyncio.run(
                    serve(
                        syslog_pipeline, host=address[0], tcp_port=address[1], udp_port=address[1]
                    )
                )
            except OSError as exc:
                raise SiemError(
                    t("siem.bind_failed", host=address[0], port=address[1], error=exc)
                ) from None
            finally:
                syslog_pipeline.store.close()
            total.add(syslog_pipeline.counters)
        else:
            _wait_for_signal(stop)
    finally:
        stop.set()
        if worker is not None and tail_pipeline is not None:
            worker.join()
            tail_pipeline.store.close()
            total.add(tail_pipeline.counters)
        status.stop()
    return total


def _snapshot(pipelines: list[Pipeline]) -> tuple[Counters, int]:
    """The listener's counters summed over its pipelines, and its stores' spool depth."""
    from secops.ingest.pipeline import Counters

    total = Counters()
    spool = 0
    for pipeline in pipelines:
        total.add(pipeline.counters)
        spooled = getattr(pipeline.store, "spooled", None)
        if callable(spooled):
            with suppress(OSError, ValueError):  # the count is for a gauge: never fatal
                spool += int(spooled())
    return total, spool


def _wait_for_signal(stop: threading.Event) -> None:
    import signal

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    while not stop.wait(0.5):
        pass


# -- output ------------------------------------------------------------------------------------


def _print_counters(counters: Counters, output_format: Format) -> None:
    data = asdict(counters)
    if output_format is Format.json:
        out.print_json(json.dumps(data))
        return
    table = Table(title=t("siem.counters.title"))
    for name in ("lines", "events", "created", "duplicates", "quarantined"):
        table.add_column(t(f"siem.col.{name}"), justify="right")
    table.add_row(
        *(str(data[n]) for n in ("lines", "events", "created", "duplicates", "quarantined"))
    )
    out.print(table)
    for reason, count in sorted(counters.reasons.items()):
        out.print(escape(t("siem.quarantine_reason", reason=reason, count=count)))


def _print_events(events: list[dict[str, Any]]) -> None:
    from secops.cli.app import safe  # a log line's control characters as \xNN, never raw

    table = Table(title=t("siem.search.title", count=len(events)))
    for key in ("time", "host", "dataset", "action", "outcome", "message"):
        table.add_column(t(f"siem.col.{key}"), overflow="fold")
    for event in events:
        meta = event.get("event")
        meta = meta if isinstance(meta, dict) else {}
        host = event.get("host")
        host = host if isinstance(host, dict) else {}
        table.add_row(
            *(
                safe(value or "")
                for value in (
                    event.get("@timestamp"),
                    host.get("name"),
                    meta.get("dataset"),
                    meta.get("action"),
                    meta.get("outcome"),
                    event.get("message"),
                )
            )
        )
    out.print(table)


def _print_stats(data: dict[str, Any]) -> None:
    from secops.cli.app import safe

    out.print(
        safe(
            t(
                "siem.stats.summary",
                total=data["total"],
                unparsed=data["unparsed"],
                share=f"{100 * data['unparsed_share']:.1f}",
                size=data["size_bytes"],
                oldest=data["oldest"] or "-",
                newest=data["newest"] or "-",
            )
        )
    )
    for title, counts in (
        (t("siem.col.dataset"), data["by_dataset"]),
        (t("siem.col.category"), data["by_category"]),
    ):
        table = Table(title=title)
        table.add_column(title)
        table.add_column(t("siem.col.events"), justify="right")
        for name, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
            table.add_row(safe(name), str(count))
        out.print(table)
