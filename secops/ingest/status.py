"""What a running ``govsec siem listen`` tells the exporter: a small JSON file beside its store.

The listener rewrites the file atomically every :data:`EVERY` seconds and when it stops;
``govsec serve`` reads it on each scrape. A file not rewritten for :data:`STALE` seconds, or
naming a process that is gone, means the listener is down. The per-host "last heard" times
survive a restart of the listener (read back at start), so a host that went silent while it
was down still shows as silent.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from secops import config
from secops.files import write_atomic
from secops.ingest.pipeline import MAX_HOSTS, Counters

log = logging.getLogger(__name__)

EVERY = 5.0
STALE = 30.0
VERSION = 1


@dataclass
class ListenStatus:
    """One snapshot of a listener: who, when, and its counters since it started."""

    pid: int
    started: float
    updated: float
    counters: Counters = field(default_factory=Counters)
    spool: int = 0  # events in the Elasticsearch store's disk spool
    stopped: bool = False  # the listener wrote this as it exited
    version: int = VERSION

    def alive(self, now: float | None = None) -> bool:
        """Whether the listener that wrote this is running and wrote it recently."""
        now = time.time() if now is None else now
        if self.stopped or now - self.updated > STALE:
            return False
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:  # another user's process: it exists
            return True
        return True


def status_path(store_url: str | None) -> Path:
    """Where the listener of ``store_url`` keeps its status.

    Beside a SQLite store (``events.db`` -> ``events.listen.json``), so two listeners with two
    stores never share one; for Elasticsearch, under the data dir, named by the URL's hash.
    """
    from secops.store import sqlite_path

    path = sqlite_path(store_url)
    if path is not None:
        return path.with_name(f"{path.stem}.listen.json")
    digest = hashlib.sha256((store_url or "").encode()).hexdigest()[:12]
    return config.data_dir() / "siem" / f"listen-{digest}.json"


def write_status(path: Path, status: ListenStatus) -> None:
    """Replace ``path`` with ``status`` atomically (readers never see half a file)."""
    # rewritten every 5 s and stale after 30 s anyway: no fsync each time
    write_atomic(path, json.dumps(asdict(status), sort_keys=True), sync=False)


def read_status(path: Path) -> ListenStatus | None:
    """The status at ``path``; None when there is none.

    Raises:
        OSError: the file exists and cannot be read.
        ValueError: the file is not a status this govsec wrote.
    """
    try:
        raw: Any = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not JSON ({exc})") from None
    try:
        counters = Counters(**raw.pop("counters"))
        return ListenStatus(**raw, counters=counters)
    except (TypeError, AttributeError, KeyError) as exc:
        raise ValueError(f"{path}: not a listener status ({exc})") from None


class StatusWriter:
    """Writes a listener's status every :data:`EVERY` seconds from a thread of its own."""

    def __init__(
        self,
        path: Path,
        snapshot: Callable[[], tuple[Counters, int]],
        *,
        every: float = EVERY,
    ) -> None:
        """Args:
        path: the status file (see :func:`status_path`).
        snapshot: the listener's counters now (summed over its pipelines) and spool depth.
        every: seconds between writes.
        """
        self.path = path
        self.snapshot = snapshot
        self.every = every
        self.started = time.time()
        self.previous_hosts = self._previous_hosts()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="siem-status", daemon=True)

    def _previous_hosts(self) -> dict[str, float]:
        try:
            previous = read_status(self.path)
        except (OSError, ValueError):
            return {}
        return dict(list(previous.counters.hosts.items())[:MAX_HOSTS]) if previous else {}

    def write(self, *, stopped: bool = False) -> None:
        """Write the status now.

        Raises:
            OSError: the file cannot be written (the loop logs it and tries again).
        """
        counters, spool = self.snapshot()
        hosts = dict(self.previous_hosts)
        for name, seen in counters.hosts.items():
            if name in hosts or len(hosts) < MAX_HOSTS:
                hosts[name] = max(seen, hosts.get(name, 0.0))
        counters.hosts = hosts
        status = ListenStatus(
            pid=os.getpid(),
            started=self.started,
            updated=time.time(),
            counters=counters,
            spool=spool,
            stopped=stopped,
        )
        write_status(self.path, status)

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            try:
                self.write()
            except OSError as exc:  # a full disk: the next write tries again
                log.warning("cannot write the listener status %s: %s", self.path, exc)

    def start(self) -> StatusWriter:
        try:
            self.write()
        except OSError as exc:
            log.warning("cannot write the listener status %s: %s", self.path, exc)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop the thread and write a last status saying the listener stopped."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        try:
            self.write(stopped=True)
        except OSError as exc:
            log.warning("cannot write the listener status %s: %s", self.path, exc)
