"""One SIEM reader as a process: ``python -m secops.ingest.worker tail|import|stdin|listen``.

Tests and benchmarks drive it as a process they can kill (tests/secops/ingest/test_crash.py);
users run ``govsec siem``. Kept apart from :mod:`secops.ingest.pipeline`, which may be a
compiled module (:mod:`secops.native`) that ``python -m`` cannot run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import threading
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from zoneinfo import ZoneInfo

from secops.ingest.checkpoint import Checkpoints
from secops.ingest.checkpoint import default_path as default_checkpoints
from secops.ingest.pipeline import (
    BATCH_SIZE,
    FLUSH_MS,
    Pipeline,
    Quarantine,
    follow,
    import_paths,
    quarantine_dir,
    tune_gc,
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m secops.ingest.worker", description="Run one SIEM reader."
    )
    parser.add_argument("--store", default=None, help="sqlite:///path or http(s)://… (default)")
    parser.add_argument("--batch", type=int, default=BATCH_SIZE)
    parser.add_argument("--flush-ms", type=int, default=FLUSH_MS)
    parser.add_argument("--tz", default=None, help="zone of timestamps without one")
    parser.add_argument("--checkpoints", type=Path, default=None)
    parser.add_argument("--quarantine", type=Path, default=None)
    sub = parser.add_subparsers(dest="command", required=True)
    tail = sub.add_parser("tail", help="follow files")
    tail.add_argument("paths", nargs="+", type=Path)
    tail.add_argument("--poll-ms", type=int, default=100)
    imp = sub.add_parser("import", help="read whole files")
    imp.add_argument("paths", nargs="+", type=Path)
    sub.add_parser("stdin", help="read standard input")
    listen = sub.add_parser("listen", help="syslog receiver")
    listen.add_argument("--bind", default="127.0.0.1")
    listen.add_argument("--tcp", type=int, default=None, help="TCP port")
    listen.add_argument("--udp", type=int, default=None, help="UDP port")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one reader until its input ends or SIGTERM/SIGINT; print the counters as JSON."""
    args = _parser().parse_args(argv)
    from secops.store import open_store

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    tune_gc()
    checkpoints = Checkpoints(args.checkpoints or default_checkpoints())
    pipeline = Pipeline(
        open_store(args.store),
        checkpoints=checkpoints,
        quarantine=Quarantine(args.quarantine or quarantine_dir()),
        tz=ZoneInfo(args.tz) if args.tz else None,
        batch_size=args.batch,
        flush_ms=args.flush_ms,
    )
    stop = threading.Event()
    try:
        if args.command == "listen":
            from secops.ingest.syslog_server import serve

            asyncio.run(serve(pipeline, host=args.bind, tcp_port=args.tcp, udp_port=args.udp))
        else:

            def on_signal(signum: int, frame: object) -> None:
                stop.set()

            for signum in (signal.SIGTERM, signal.SIGINT):
                signal.signal(signum, on_signal)
            _run_readers(args, pipeline, checkpoints, stop)
    finally:
        pipeline.store.close()
    print(json.dumps(asdict(pipeline.counters), sort_keys=True))
    return 0


def _run_readers(
    args: argparse.Namespace, pipeline: Pipeline, checkpoints: Checkpoints, stop: threading.Event
) -> None:
    if args.command == "tail":
        follow(pipeline, args.paths, stop, poll_interval=args.poll_ms / 1000)
    else:
        import_paths(pipeline, args.paths if args.command == "import" else [Path("-")], stop)


if __name__ == "__main__":
    raise SystemExit(main())
