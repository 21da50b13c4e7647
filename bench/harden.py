"""How long `govsec harden` takes, and what Lynis thinks of the result.

Fresh lab host to MLPS level 3 (target <= 120 s), 10 fresh hosts in parallel (target <= 5 min),
and Lynis's hardening index inside a host before and after (target after >= 88). Runs the CLI
as a user does, on a lab of its own (10.213.232.0/24) that it takes down at the end.

    sudo .venv/bin/python bench/harden.py [--fleet 10] [--vars FILE]
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
from pathlib import Path

from labbench import lab_workspace, lynis, timed  # beside this script

SUBNET = "10.213.232.0/24"


def lynis_index(env: dict[str, str], host: str) -> int | None:
    """Lynis's hardening index of ``host``."""
    result = lynis(env, host)
    found = re.search(r"Hardening index\s*:\s*(\d+)", result.stdout) if result else None
    return int(found.group(1)) if found else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fleet", type=int, default=10)
    parser.add_argument("--vars", type=Path, help="extra variables file for govsec harden")
    options = parser.parse_args()
    work, env = lab_workspace("govsec-bench-harden-", SUBNET)
    inventory = work / "inventory" / "hosts.yml"
    extra = ["-e", str(options.vars)] if options.vars else []
    harden = ["harden", "-i", str(inventory), "--level", "3", "--quiet", *extra]
    try:
        timed(env, "lab", "up", "--hosts", "2", "--quiet", "--inventory", str(inventory))
        before = lynis_index(env, "lab02")
        one, one_rc = timed(env, *harden, "--limit", "lab01", ok=None)
        again, again_rc = timed(env, *harden, "--limit", "lab01", ok=None)
        after = lynis_index(env, "lab01")
        # a fleet of fresh hosts: the two above are hardened or carry Lynis
        timed(env, "lab", "down", "--quiet")
        timed(
            env,
            "lab",
            "up",
            "--hosts",
            str(options.fleet),
            "--quiet",
            "--inventory",
            str(inventory),
        )
        fleet, fleet_rc = timed(env, *harden, ok=None)
    finally:
        timed(env, "lab", "down", "--quiet", ok=None)
        shutil.rmtree(work, ignore_errors=True)

    print(f"govsec harden — {platform.node()}, {os.cpu_count()} cores, Linux {platform.release()}")
    print(f"fresh host to level 3        {one:7.1f} s  (target 120)  exit {one_rc}")
    print(f"second run, same host        {again:7.1f} s               exit {again_rc}")
    print(f"{options.fleet} fresh hosts in parallel  {fleet:7.1f} s  (target 300)  exit {fleet_rc}")
    print(f"Lynis hardening index        before {before}  after {after}  (target after >= 88)")


if __name__ == "__main__":
    main()
