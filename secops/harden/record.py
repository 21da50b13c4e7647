"""The newest hardening run per host, kept for the exporter: ``<data>/harden/hosts.json``.

Each ``govsec harden`` merges its hosts into the file (under a lock, replaced atomically):
for every host, its newest applying run and its newest ``--check`` run, so Prometheus can
tell a failed run, a host never hardened, and drift (what a check run would change).
"""

from __future__ import annotations

import fcntl
import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from secops.files import write_atomic
from secops.harden.runner import HardenRun

FILE = "hosts.json"


@dataclass(frozen=True)
class RunRecord:
    """One host in one run."""

    finished: float  # Unix time
    ident: str
    level: int
    ok: int
    changed: int
    failed: int
    skipped: int
    unreachable: bool
    status: str  # the run's, ansible-runner's: successful, failed, timeout, canceled

    @property
    def success(self) -> bool:
        """This host finished without a failed task. A run that "failed" because another
        host did is a success here; one cut short (timeout, canceled) is not."""
        return not self.unreachable and self.failed == 0 and self.status in ("successful", "failed")


@dataclass(frozen=True)
class HostRecord:
    """A host's newest applying run and newest --check run (either may be missing)."""

    applied: RunRecord | None = None
    checked: RunRecord | None = None


def records_path(data: Path) -> Path:
    return data / "harden" / FILE


def record_run(data: Path, run: HardenRun, *, finished: float | None = None) -> None:
    """Merge ``run``'s hosts into ``<data>/harden/hosts.json``.

    Raises:
        OSError: the file cannot be written.
    """
    finished = time.time() if finished is None else finished
    path = records_path(data)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with (path.parent / f".{FILE}.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            records = read_records(path)
        except ValueError:
            records = {}  # a damaged file is rebuilt from the runs to come
        for host in run.hosts:
            entry = RunRecord(
                finished=finished,
                ident=run.ident,
                level=run.level,
                ok=host.ok,
                changed=host.changed,
                failed=host.failed,
                skipped=host.skipped,
                unreachable=host.unreachable,
                status=run.status,
            )
            old = records.get(host.name, HostRecord())
            records[host.name] = (
                HostRecord(old.applied, entry) if run.check else HostRecord(entry, old.checked)
            )
        write_atomic(
            path, json.dumps({name: asdict(r) for name, r in sorted(records.items())}, indent=1)
        )


def read_records(path: Path) -> dict[str, HostRecord]:
    """Every host's record; empty when no run was recorded yet.

    Raises:
        OSError: the file exists and cannot be read.
        ValueError: the file is not one this govsec wrote (names the host and field).
    """
    try:
        raw: Any = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not JSON ({exc})") from None
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: expected an object of hosts")
    records: dict[str, HostRecord] = {}
    for name, entry in raw.items():
        try:
            records[name] = HostRecord(
                **{kind: None if v is None else RunRecord(**v) for kind, v in entry.items()}
            )
        except (TypeError, AttributeError) as exc:
            raise ValueError(f"{path}: host {name!r}: {exc}") from None
    return records
