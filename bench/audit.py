"""How long `govsec audit` takes on the lab: 20 hosts and one host, full level-3 catalog,
and Lynis's quick audit of one host for comparison.

Targets from issue 15: the fleet of 20 <= 5 s wall, one host <= 1 s. Runs the CLI as a user
does, on a lab of its own (subnet 10.213.231.0/24) that it takes down at the end.

    sudo .venv/bin/python bench/audit.py [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import time

from labbench import lab_workspace, lynis, timed  # beside this script

SUBNET = "10.213.231.0/24"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--hosts", type=int, default=20)
    options = parser.parse_args()
    work, env = lab_workspace("govsec-bench-audit-", SUBNET)
    inventory = work / "inventory" / "hosts.yml"
    fleet: list[float] = []
    single: list[float] = []
    try:
        timed(
            env,
            "lab",
            "up",
            "--hosts",
            str(options.hosts),
            "--quiet",
            "--inventory",
            str(inventory),
        )
        audit = ["audit", "-i", str(inventory), "--level", "3", "--quiet"]
        for run in range(options.runs):
            # exit 4 (under --fail-under) is fine here: fresh hosts fail checks
            fleet.append(timed(env, *audit, "-o", str(work / f"fleet{run}"), ok=(0, 4))[0])
            single.append(
                timed(env, *audit, "--limit", "lab01", "-o", str(work / f"one{run}"), ok=(0, 4))[0]
            )
        results = json.loads((work / "fleet0" / "results.json").read_text())
        per_host = [h["seconds"] for h in results["hosts"]]
        checks = len(results["hosts"][0]["checks"])
        lynis = lynis_quick(env)
    finally:
        timed(env, "lab", "down", "--quiet", ok=None)
        shutil.rmtree(work, ignore_errors=True)

    print(f"govsec audit — {platform.node()}, {os.cpu_count()} cores, Linux {platform.release()}")
    print(f"level 3, {checks} checks per host, {options.runs} runs (wall time of the CLI)")
    print(f"{'case':<28} {'median s':>9} {'min s':>7} {'max s':>7} {'target s':>9}")
    for case, times, target in (
        (f"fleet of {options.hosts}", fleet, 5.0),
        ("one host (--limit)", single, 1.0),
    ):
        verdict = "ok" if statistics.median(times) <= target else "OVER"
        print(
            f"{case:<28} {statistics.median(times):>9.2f} {min(times):>7.2f} "
            f"{max(times):>7.2f} {target:>9.0f}  {verdict}"
        )
    print(
        f"{'per host, inside the fleet':<28} {statistics.median(per_host):>9.2f} "
        f"{min(per_host):>7.2f} {max(per_host):>7.2f}   (collect + evaluate)"
    )
    if lynis is not None:
        print(
            f"{'lynis audit system --quick':<28} {lynis:>9.2f}   on lab01, "
            f"{lynis / statistics.median(single):.1f}x the govsec one-host audit"
        )
    else:
        print("lynis: could not be installed in the lab host (see above)")


def lynis_quick(env: dict[str, str]) -> float | None:
    """Lynis's quick audit of lab01, timed (installing it is not counted)."""
    lynis(env, "lab01")  # installs it
    started = time.monotonic()
    return None if lynis(env, "lab01") is None else time.monotonic() - started


if __name__ == "__main__":
    main()
