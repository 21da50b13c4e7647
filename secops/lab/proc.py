"""Processes of the lab: running tools, telling our processes apart, stopping them for sure.

Every process the lab starts on this machine carries ``GOVSEC_LAB_ID=<id>`` in its
environment, so leftovers of a crashed run are found by scanning ``/proc`` even when the state
file is gone. A process is known by pid *and* start time, so a recycled pid is never killed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from secops.errors import GovsecError

MARKER = "GOVSEC_LAB_ID"
PROC = Path("/proc")


class LabError(GovsecError):
    """The lab could not do what was asked; nothing half-made is left behind."""


@dataclass(frozen=True)
class ProcRef:
    """A process as pid plus kernel start time (clock ticks since boot)."""

    pid: int
    start: int

    def alive(self) -> bool:
        """True while this very process (not a later one with its pid) exists."""
        return start_time(self.pid) == self.start


def run(
    argv: list[str],
    *,
    stdin: str | None = None,
    env: Mapping[str, str] | None = None,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    """Run a tool (never through a shell); a failure raises LabError with its stderr."""
    result = subprocess.run(argv, input=stdin, capture_output=True, text=True, env=env, check=False)
    if check and result.returncode != 0:
        raise LabError(f"{argv[0]} failed (exit {result.returncode}): {result.stderr.strip()}")
    return result


def start_time(pid: int) -> int | None:
    """The start time of ``pid`` from /proc/PID/stat, or None when it does not exist."""
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # the command name (field 2) may hold spaces and parentheses: split after its last ')'
    fields = stat[stat.rindex(")") + 2 :].split()
    return int(fields[19])


def ref(pid: int) -> ProcRef | None:
    """A ProcRef for a live pid."""
    start = start_time(pid)
    return None if start is None else ProcRef(pid, start)


def children(pid: int) -> list[int]:
    """Direct children of ``pid``."""
    found: list[int] = []
    task_dir = PROC / str(pid) / "task"
    try:
        tasks = list(task_dir.iterdir())
    except OSError:
        return found
    for task in tasks:
        try:
            found += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def marked(lab_id: str) -> list[int]:
    """Pids whose environment carries this lab's marker."""
    needle = f"{MARKER}={lab_id}".encode()
    found = []
    for entry in PROC.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if needle in environ.split(b"\0"):
            found.append(int(entry.name))
    return found


def tree(roots: Iterable[int]) -> set[int]:
    """``roots`` and all their descendants."""
    seen: set[int] = set()
    todo = list(roots)
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        todo += children(pid)
    return seen


def kill_all(refs: Iterable[ProcRef], timeout: float = 10.0) -> list[ProcRef]:
    """SIGKILL each live ref and wait until all are gone; returns those still alive."""
    targets = [r for r in refs if r.alive()]
    for target in targets:
        with contextlib.suppress(ProcessLookupError):
            os.kill(target.pid, signal.SIGKILL)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        targets = [r for r in targets if r.alive()]
        if not targets:
            break
        time.sleep(0.02)
    return targets
