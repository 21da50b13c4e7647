"""Lynis's hardening index of one lab host hardened to MLPS level 3, and its top suggestions.

Ups one fresh lab host, runs `govsec harden --level 3` on it, installs Debian's lynis inside
it through the lab's apt proxy, runs `lynis audit system --quick --no-colors` and prints the
hardening index (target >= 88) with Lynis's suggestions. Takes the lab down at the end.

    sudo .venv/bin/python bench/lynis.py [--vars FILE] [--subnet CIDR] [--top 15]
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

from labbench import lab_workspace, lynis, timed  # beside this script

LAB = [sys.executable, "-m", "secops", "lab", "exec"]

SUBNET = "10.213.234.0/24"


def suggestions(report: str) -> list[str]:
    """Lynis's suggestions (``* text [TEST-ID]``), in its order."""
    section = report.split("Suggestions (", 1)[1] if "Suggestions (" in report else ""
    section = section.split("Follow-up:", 1)[0]
    found = re.findall(r"^\s*\*\s+(.+?)\s*$", section, flags=re.MULTILINE)
    tests = re.findall(r"\[([A-Z]+-\d+)\]", section)
    return found if found else tests


def lost_points(log: str) -> list[str]:
    """Each test that scored fewer hardening points than it could: Lynis's index counts only
    these (AddHP), never its suggestions. Read from the host's /var/log/lynis.log."""
    lost, test = [], ""
    for line in log.splitlines():
        found = re.search(r"Performing test ID (\S+) \((.*)\)", line)
        if found:
            test = f"{found.group(1)} {found.group(2)}"
        partial = re.search(r"assigned partial number of hardening points \((\d+) of (\d+)\)", line)
        if partial:
            lost.append(f"{test}: {partial.group(1)} of {partial.group(2)}")
    return lost


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--vars", type=Path, help="extra variables file for govsec harden")
    parser.add_argument("--subnet", default=SUBNET)
    parser.add_argument("--top", type=int, default=15, help="suggestions printed")
    options = parser.parse_args()
    work, env = lab_workspace("govsec-bench-lynis-", options.subnet)
    inventory = work / "inventory" / "hosts.yml"
    extra = ["-e", str(options.vars)] if options.vars else []
    try:
        timed(env, "lab", "up", "--hosts", "1", "--quiet", "--inventory", str(inventory))
        seconds, rc = timed(
            env, "harden", "-i", str(inventory), "--level", "3", "--quiet", *extra, ok=None
        )
        result = lynis(env, "lab01")
        log = subprocess.run(
            [*LAB, "lab01", "--", "cat", "/var/log/lynis.log"],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        ).stdout
    finally:
        timed(env, "lab", "down", "--quiet", ok=None)
        shutil.rmtree(work, ignore_errors=True)
    report = result.stdout if result else ""
    index = re.search(r"Hardening index\s*:\s*(\d+)", report)
    print(f"harden --level 3: {seconds:.1f} s, exit {rc}")
    print(f"Lynis hardening index: {index.group(1) if index else 'not found'}  (target >= 88)")
    found = suggestions(report)
    print(f"Suggestions: {len(found)}")
    for line in found[: options.top]:
        print(f"  - {line}")
    lost = lost_points(log)
    print(f"Tests that scored less than their maximum: {len(lost)}")
    for line in lost:
        print(f"  - {line}")


if __name__ == "__main__":
    main()
