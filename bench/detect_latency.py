"""Latency from a log line written on a lab host to the alert at Alertmanager (issue 6: p95 ≤ 5 s).

The real path, end to end: a lab host hardened for logging (the role's rsyslog forwarding
RFC 5424 over TCP) → ``govsec siem listen`` → the SQLite store → ``govsec detect run
--follow`` → its outbox → Debian's ``prometheus-alertmanager`` on 127.0.0.1. Each trial writes
eight "Failed password" lines from a new documentation address (192.0.2.x) with ``logger``
on the host, timing the eighth: the SSH brute-force correlation fires on it. The alert is
looked for in Alertmanager's API (``GET /api/v2/alerts``, label ``source_ip``) every 20 ms.
Both clocks are this machine's (a lab host shares its kernel). Needs root. Never asserts.

    sudo .venv/bin/python bench/detect_latency.py [--trials 30]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

SUBNET = "10.213.233.0/24"
GATEWAY = "10.213.233.1"
ROOT = Path(__file__).resolve().parents[1]


def govsec(env: dict[str, str], *args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "secops", *args],
        env=env,
        text=True,
        capture_output=True,
        check=True,
        **kwargs,  # type: ignore[arg-type]
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def alerts_at(url: str) -> list[dict[str, object]]:
    with urllib.request.urlopen(f"{url}/api/v2/alerts", timeout=5) as answer:  # noqa: S310 - loopback
        return list(json.load(answer))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trials", type=int, default=30)
    options = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="govsec-bench-latency-"))
    env = dict(
        os.environ, GOVSEC_HOME=str(work / "home"), GOVSEC_LAB_SUBNET=SUBNET, GOVSEC_LANG="en"
    )
    env.pop("GOVSEC_STORE", None)
    inventory = work / "inventory" / "hosts.yml"
    store = f"sqlite://{work / 'events.db'}"
    am_port = free_port()
    am_url = f"http://127.0.0.1:{am_port}"
    (work / "am").mkdir()
    (work / "am" / "alertmanager.yml").write_text(
        "route: {receiver: soc}\nreceivers: [{name: soc}]\n"
    )
    processes: list[subprocess.Popen[bytes]] = []
    print(f"latency: lab host line -> Alertmanager, {options.trials} trials")
    try:
        govsec(env, "lab", "up", "--hosts", "1", "--quiet", "--inventory", str(inventory))
        binary = shutil.which("prometheus-alertmanager") or "alertmanager"
        processes.append(
            subprocess.Popen(
                [
                    binary,
                    f"--config.file={work / 'am' / 'alertmanager.yml'}",
                    f"--storage.path={work / 'am'}",
                    f"--web.listen-address=127.0.0.1:{am_port}",
                    "--cluster.listen-address=",
                    "--log.level=warn",
                ],
            )
        )
        processes.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "secops",
                    "siem",
                    "listen",
                    "--syslog",
                    f"{GATEWAY}:5514",
                    "--store",
                    store,
                    "--quiet",
                ],
                env=env,
            )
        )
        govsec(env, "harden", "-i", str(inventory), "--tags", "logging", "--quiet", timeout=600)
        processes.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "secops",
                    "detect",
                    "run",
                    "--follow",
                    "--quiet",
                    "--store",
                    store,
                    "--alertmanager",
                    am_url,
                ],
                env=env,
            )
        )
        time.sleep(2)
        latencies: list[float] = []
        for trial in range(options.trials):
            source = f"192.0.2.{trial + 1}"
            line = (
                f"Failed password for invalid user bench{trial} from {source}"
                f" port 4{trial:04d} ssh2"
            )
            # seven lines first, then time the eighth, written inside the host
            script = (
                f'for i in 1 2 3 4 5 6 7; do logger -p auth.info -t sshd "{line}"; done;'
                f' python3 -c "import time; print(repr(time.time()))";'
                f' logger -p auth.info -t sshd "{line}"'
            )
            written = float(
                govsec(env, "lab", "exec", "lab01", "sh", "-c", script).stdout.split()[-1]
            )
            deadline = time.time() + 30
            seen = None
            while time.time() < deadline:
                found = [
                    a for a in alerts_at(am_url) if a.get("labels", {}).get("source_ip") == source
                ]  # type: ignore[union-attr]
                if found:
                    seen = time.time()
                    break
                time.sleep(0.02)
            if seen is None:
                print(f"  trial {trial + 1}: no alert within 30 s")
                continue
            latencies.append(seen - written)
            print(f"  trial {trial + 1:>2}: {seen - written:6.3f} s")
        if latencies:
            ordered = sorted(latencies)
            p95 = ordered[min(len(ordered) - 1, round(0.95 * len(ordered)) - 1)]
            print(
                f"  {len(latencies)}/{options.trials} alerts arrived; median"
                f" {statistics.median(latencies):.3f} s, p95 {p95:.3f} s, max {ordered[-1]:.3f} s"
            )
    finally:
        for process in reversed(processes):
            process.terminate()
            process.wait(timeout=30)
        subprocess.run(
            [sys.executable, "-m", "secops", "lab", "down", "--quiet"], env=env, check=False
        )
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
