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
from secops.i18n import Lang, current_lang, register, t

if TYPE_CHECKING:  # the store and the pipeline load sqlite3/orjson: only when a command runs
    from secops.ingest.pipeline import Counters, Pipeline
    from secops.ingest.readers import Unreadable
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

# `siem ingest` exit codes beyond 0 (every line read is stored, a duplicate or quarantined)
# and 1 (a path could not be read; the others were ingested all the same)
EXIT_SPOOLED = 3  # the store was unreachable: events wait in its spool, not yet searchable
EXIT_HELD = 4  # a file's last line is still being written: held back for a later ingest

MESSAGES: dict[str, dict[Lang, str]] = {
    "siem.ingest.exit": {
        "en": "Exit status: 0 every line read is stored, a duplicate or quarantined;"
        " 1 a path could not be read (the other paths are ingested all the same);"
        " 3 the store is unreachable and events wait in its spool;"
        " 4 a last line still being written was held back for a later ingest.",
        "zh": "退出码：0 表示读到的每一行均已存储、为重复或已隔离；"
        "1 表示有路径无法读取（其余路径照常导入）；"
        "3 表示存储不可达，事件暂存于待发队列；"
        "4 表示仍在写入的最后一行被暂缓，留待下次导入。",
    },
    "siem.ingest.missing": {
        "en": "{path}: no such file",
        "zh": "{path}：文件不存在",
    },
    "siem.ingest.directory": {
        "en": "{path}: is a directory, not a regular file",
        "zh": "{path}：是目录，不是普通文件",
    },
    "siem.ingest.directory.hint": {
        "en": "name the files in it, e.g. {path}/*.log",
        "zh": "请列出其中的文件，例如 {path}/*.log",
    },
    "siem.ingest.fifo": {
        "en": "{path}: is a FIFO (named pipe), not a regular file",
        "zh": "{path}：是 FIFO（命名管道），不是普通文件",
    },
    "siem.ingest.fifo.hint": {
        "en": "read it as a stream: govsec siem ingest - < {path}",
        "zh": "请作为数据流读取：govsec siem ingest - < {path}",
    },
    "siem.ingest.socket": {
        "en": "{path}: is a socket, not a regular file",
        "zh": "{path}：是套接字，不是普通文件",
    },
    "siem.ingest.socket.hint": {
        "en": "to receive syslog, run govsec siem listen --syslog HOST:PORT",
        "zh": "如需接收 syslog，请运行 govsec siem listen --syslog <主机>:<端口>",
    },
    "siem.ingest.device": {
        "en": "{path}: is a device, not a regular file",
        "zh": "{path}：是设备文件，不是普通文件",
    },
    "siem.ingest.device.hint": {
        "en": "read it as a stream: govsec siem ingest - < {path}",
        "zh": "请作为数据流读取：govsec siem ingest - < {path}",
    },
    "siem.ingest.error": {
        "en": "{path}: cannot be read: {detail}",
        "zh": "{path}：无法读取：{detail}",
    },
    "siem.ingest.held": {
        "en": "held back {count} last line(s) without a newline: the file changed in the last"
        " {seconds} s and is still being written; ingest it again to take the line whole",
        "zh": "暂缓 {count} 个无换行符的最后一行：文件在最近 {seconds} 秒内有改动，仍在写入；"
        "请稍后再次导入，以读取完整的行",
    },
    "siem.ingest.spooled": {
        "en": "spooled {count} event(s) for later delivery: the store is unreachable; they are"
        " sent, in order, by the next ingest or listen that reaches it",
        "zh": "已将 {count} 条事件暂存待发：存储不可达；下次能连通存储的导入或接收会按序补发",
    },
    "siem.col.spooled": {"en": "spooled", "zh": "待发"},
    "siem.col.held": {"en": "held back", "zh": "暂缓"},
}
register(MESSAGES)


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

    gap = "" if current_lang() == "zh" else " "  # Chinese sentences run on without a space
    ingest_help = t("siem.ingest.help") + gap + t("siem.ingest.exit")

    @group.command("ingest", help=ingest_help)
    def ingest(
        files: list[Path] = typer.Argument(..., help=h["siem.ingest.files"]),
        store: str | None = store_opt,
        tz: str | None = tz_opt,
        output_format: Format = typer.Option(Format.table, "--format"),
    ) -> None:
        problems: list[Unreadable] = []
        counters = _ingest(files, store, tz, problems)
        for problem in problems:
            _print_unreadable(problem)
        _print_counters(counters, output_format, ingest=True)
        code = ingest_exit_code(counters, problems)
        if code:
            raise typer.Exit(code)

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


def _ingest(
    files: list[Path], store: str | None, tz: str | None, problems: list[Unreadable] | None = None
) -> Counters:
    """Import ``files``; the paths that could not be read go to ``problems``."""
    from secops.ingest.pipeline import import_paths

    pipeline = _pipeline(store, tz, tails=False)
    try:
        skipped = import_paths(pipeline, files, threading.Event())
    finally:
        pipeline.store.close()
    if problems is not None:
        problems += skipped
    return pipeline.counters


def ingest_exit_code(counters: Counters, problems: list[Unreadable]) -> int:
    """1 a path unread, 4 a line held back, 3 events spooled, else 0 (the worst first)."""
    if problems:
        return 1
    if counters.held:
        return EXIT_HELD
    if counters.spooled:
        return EXIT_SPOOLED
    return 0


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


def _print_unreadable(problem: Unreadable) -> None:
    from secops.cli.app import safe

    path = safe(problem.path)
    err.print(
        f"[red]{escape(t('app.error'))}[/]"
        + t(f"siem.ingest.{problem.kind}", path=path, detail=safe(problem.detail))
    )
    hint = f"siem.ingest.{problem.kind}.hint"
    if hint in MESSAGES:
        err.print(f"  {t(hint, path=path)}")


def _print_counters(counters: Counters, output_format: Format, *, ingest: bool = False) -> None:
    data = asdict(counters)
    if output_format is Format.json:
        out.print_json(json.dumps(data))
        return
    names = ["lines", "events", "created", "duplicates", "quarantined"]
    names += ["spooled", "held"] if ingest else []
    table = Table(title=t("siem.counters.title"))
    for name in names:
        table.add_column(t(f"siem.col.{name}"), justify="right")
    table.add_row(*(str(data[n]) for n in names))
    out.print(table)
    for reason, count in sorted(counters.reasons.items()):
        out.print(escape(t("siem.quarantine_reason", reason=reason, count=count)))
    if ingest and counters.spooled:
        out.print(escape(t("siem.ingest.spooled", count=counters.spooled)))
    if ingest and counters.held:
        from secops.ingest.readers import QUIET

        out.print(escape(t("siem.ingest.held", count=counters.held, seconds=f"{QUIET:.0f}")))


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
