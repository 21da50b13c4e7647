"""What the lab benchmarks share: a lab of their own, and Lynis inside a host."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from secops import config


def lab_workspace(prefix: str, subnet: str) -> tuple[Path, dict[str, str]]:
    """A fresh data dir on ``subnet`` that shares this machine's base cache; needs root."""
    if os.geteuid() != 0:
        raise SystemExit("the lab needs root")
    work = Path(tempfile.mkdtemp(prefix=prefix))
    usual = config.cache_dir({k: v for k, v in os.environ.items() if k != "GOVSEC_HOME"})
    env = dict(
        os.environ,
        GOVSEC_HOME=str(work / "home"),
        GOVSEC_CACHE_DIR=str(usual),
        GOVSEC_LAB_SUBNET=subnet,
        GOVSEC_LANG="en",
    )
    return work, env


def lab_status(env: dict[str, str]) -> dict[str, Any]:
    """``govsec lab status --format json`` of the lab ``env`` names ({} when it says nothing)."""
    result = subprocess.run(
        [sys.executable, "-m", "secops", "lab", "status", "--format", "json"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return dict(json.loads(result.stdout or "{}"))


def lynis(env: dict[str, str], host: str) -> subprocess.CompletedProcess[str] | None:
    """Install Lynis in ``host`` through the lab's proxy and run its quick audit there."""
    lab = [sys.executable, "-m", "secops", "lab", "exec", host, "--"]
    for step in (
        ["apt-get", "-q", "update"],
        ["apt-get", "-q", "install", "-y", "--no-install-recommends", "lynis"],
    ):
        if subprocess.run([*lab, *step], env=env, capture_output=True, check=False).returncode:
            return None
    return subprocess.run(
        [*lab, "lynis", "audit", "system", "--quick", "--no-colors"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def timed(env: dict[str, str], *args: str, ok: tuple[int, ...] | None = (0,)) -> tuple[float, int]:
    """Wall time and exit status of one ``govsec`` command run as a user runs it.

    Stops the benchmark on an exit status not in ``ok`` (None: any status is reported).
    """
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "secops", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    if ok is not None and result.returncode not in ok:
        raise SystemExit(f"govsec {' '.join(args)} exited {result.returncode}")
    return time.monotonic() - started, result.returncode
