"""Package access for lab hosts: a private apt-cacher-ng on the lab bridge.

Lab hosts have no route out, yet hardening installs Debian packages. This machine runs an
apt-cacher-ng bound to its bridge address only, that serves nothing but the Debian
repositories named in this machine's apt sources (``ForceManaged``), and passes no CONNECT
tunnel through. Its cache outlives the lab, so a second run installs from disk.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

from secops.i18n import t
from secops.lab.proc import MARKER, LabError, ProcRef, ref
from secops.lab.sources import AptSource

ACNG = "apt-cacher-ng"
SUPPORT_DIR = Path("/usr/lib/apt-cacher-ng")


def config_text(cache: Path, logs: Path, address: str, port: int, sources: list[AptSource]) -> str:
    """acng.conf for the lab: one Remap line per Debian repository of this machine."""
    lines = [
        "# Written by govsec lab up; see secops/lab/proxy.py.",
        f"CacheDir: {cache}",
        f"LogDir: {logs}",
        f"SupportDir: {SUPPORT_DIR}",
        f"Port: {port}",
        f"BindAddress: {address}",
        f"SocketPath: {logs / 'socket'}",
        "ForeGround: 1",
        "ForceManaged: 1",
        "PassThroughPattern: ^govsec-lab-allows-no-tunnel$",
        "UnbufferLogs: 1",
        "ExThreshold: 4",
    ]
    seen: dict[str, str] = {}
    for source in sources:
        seen.setdefault(source.host_path, source.uri.rstrip("/") + "/")
    for number, (host_path, uri) in enumerate(seen.items()):
        lines.append(f"Remap-govsec{number}: {host_path} ; {uri}")
    return "\n".join(lines) + "\n"


def start(
    home: Path, cache: Path, address: str, port: int, sources: list[AptSource], lab_id: str
) -> ProcRef:
    """Start the proxy and wait until it accepts connections."""
    binary = shutil.which(ACNG) or (
        f"/usr/sbin/{ACNG}" if Path(f"/usr/sbin/{ACNG}").exists() else None
    )
    if binary is None:
        raise LabError(
            t("lab.missing_tools", tools=ACNG), t("lab.missing_tools.hint", packages=ACNG)
        )
    home.mkdir(parents=True, exist_ok=True)
    cache.mkdir(parents=True, exist_ok=True)
    (home / "acng.conf").write_text(config_text(cache, home, address, port, sources))
    log = home / "console.log"
    with log.open("ab") as out:
        process = subprocess.Popen(
            [binary, "-c", str(home)],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), MARKER: lab_id},
            start_new_session=True,
        )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            with socket.create_connection((address, port), timeout=0.5):
                found = ref(process.pid)
                if found is not None:
                    return found
        except OSError:
            time.sleep(0.02)
    process.kill()
    raise LabError(t("lab.proxy_failed", address=address, port=port, log=log))
