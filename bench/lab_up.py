"""How long `govsec lab up` takes: cold (no cached base), warm with 3 hosts, warm with 20.

Runs the CLI as a user does, in a data dir and cache of its own (a cold run really starts from
nothing: no base, no debootstrap packages, no apt cache), and prints the figures. Targets from
the issue: cold 3 hosts <= 90 s, warm 3 hosts <= 10 s, warm 20 hosts <= 30 s.

    sudo .venv/bin/python bench/lab_up.py [--skip-cold] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from labbench import lab_status, timed  # beside this script

from secops import config

SUBNET = "10.213.230.0/24"
TARGETS = {"cold, 3 hosts": 90.0, "warm, 3 hosts": 10.0, "warm, 20 hosts": 30.0}


def healthy(env: dict[str, str], hosts: int) -> bool:
    status = lab_status(env)
    return bool(status.get("healthy")) and len(status["hosts"]) == hosts


def measure(env: dict[str, str], hosts: int, runs: int, inventory: Path) -> list[float]:
    times = []
    for _ in range(runs):
        times.append(
            timed(
                env, "lab", "up", "--hosts", str(hosts), "--quiet", "--inventory", str(inventory)
            )[0]
        )
        if not healthy(env, hosts):
            raise SystemExit(f"lab up --hosts {hosts} finished but the lab is not healthy")
        timed(env, "lab", "down", "--quiet")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--skip-cold", action="store_true", help="do not rebuild the base")
    parser.add_argument("--runs", type=int, default=3, help="warm runs per size")
    options = parser.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("the lab needs root")

    work = Path(tempfile.mkdtemp(prefix="govsec-bench-"))
    env = dict(
        os.environ, GOVSEC_HOME=str(work / "home"), GOVSEC_LAB_SUBNET=SUBNET, GOVSEC_LANG="en"
    )
    # cold: a cache of its own, empty; warm only: the machine's usual cache, built already
    usual = config.cache_dir({k: v for k, v in os.environ.items() if k != "GOVSEC_HOME"})
    env["GOVSEC_CACHE_DIR"] = str(usual if options.skip_cold else work / "cache")
    inventory = work / "inventory" / "hosts.yml"
    results: dict[str, list[float]] = {}
    try:
        if not options.skip_cold:
            results["cold, 3 hosts"] = measure(env, 3, 1, inventory)
        results["warm, 3 hosts"] = measure(env, 3, options.runs, inventory)
        results["warm, 20 hosts"] = measure(env, 20, options.runs, inventory)
        up_seconds, _ = timed(
            env, "lab", "up", "--hosts", "20", "--quiet", "--inventory", str(inventory)
        )
        down_seconds, _ = timed(env, "lab", "down", "--quiet")
    finally:
        subprocess.run(
            [sys.executable, "-m", "secops", "lab", "down", "--quiet"], env=env, check=False
        )
        shutil.rmtree(work, ignore_errors=True)

    print(
        f"govsec lab up — {platform.node()}, {os.cpu_count()} cores, "
        f"Linux {platform.release()}, Python {platform.python_version()}"
    )
    print(f"{'case':<16} {'runs':>4} {'median s':>9} {'min s':>7} {'max s':>7} {'target s':>9}")
    for case, times in results.items():
        target = TARGETS[case]
        verdict = "ok" if statistics.median(times) <= target else "OVER"
        print(
            f"{case:<16} {len(times):>4} {statistics.median(times):>9.2f} {min(times):>7.2f} "
            f"{max(times):>7.2f} {target:>9.0f}  {verdict}"
        )
    print(
        f"{'down, 20 hosts':<16} {1:>4} {down_seconds:>9.2f}   (after an up of {up_seconds:.2f} s)"
    )


if __name__ == "__main__":
    main()
