"""How long `govsec audit` takes on the lab: 20 hosts and one host, full level-3 catalog,
and Lynis's quick audit of one host for comparison.

Targets from issue 15: the fleet of 20 <= 5 s wall, one host <= 1 s. Runs the CLI as a user
does, on a lab of its own (subnet 10.213.231.0/24) that it takes down at the end. Besides the
wall time it prints the CPU seconds spent by the CLI (the auditor) and inside the lab hosts
(the collector, sshd, sudo): on a shared machine those move less than the wall time does, and
on a machine of N cores the fleet cannot finish in less than their sum / N.

    sudo .venv/bin/python bench/audit.py [--runs 3]
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import resource
import shutil
import statistics
import time
from pathlib import Path

from labbench import lab_status, lab_workspace, lynis, timed  # beside this script

import secops

SUBNET = "10.213.231.0/24"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--hosts", type=int, default=20)
    options = parser.parse_args()
    # pip writes the bytecode when it installs govsec; a checkout run with
    # PYTHONDONTWRITEBYTECODE (CI, shared trees) would compile every module from source on
    # every run, ~0.2 s that no installed govsec pays
    compileall.compile_dir(Path(secops.__file__).parent, quiet=1)
    work, env = lab_workspace("govsec-bench-audit-", SUBNET)
    inventory = work / "inventory" / "hosts.yml"
    fleet: list[float] = []
    single: list[float] = []
    cpu: dict[str, list[tuple[float, float]]] = {"fleet": [], "one": []}
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
        hosts = lab_pids(env)
        for run in range(options.runs):
            # exit 4 (under --fail-under) is fine here: fresh hosts fail checks
            with Cpu(hosts) as used:
                fleet.append(timed(env, *audit, "-o", str(work / f"fleet{run}"), ok=(0, 4))[0])
            cpu["fleet"].append(used.seconds)
            with Cpu(hosts) as used:
                single.append(
                    timed(
                        env, *audit, "--limit", "lab01", "-o", str(work / f"one{run}"), ok=(0, 4)
                    )[0]
                )
            cpu["one"].append(used.seconds)
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
    for case, key in ((f"fleet of {options.hosts}", "fleet"), ("one host (--limit)", "one")):
        cli = statistics.median(c for c, _ in cpu[key])
        lab = statistics.median(h for _, h in cpu[key])
        print(
            f"{'CPU s, ' + case:<28} {cli:>9.2f} auditor + {lab:.2f} lab hosts = {cli + lab:.2f}"
            f" (at least {(cli + lab) / (os.cpu_count() or 1):.2f} s wall on "
            f"{os.cpu_count()} cores)"
        )
    print(f"load average when done: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if lynis is not None:
        print(
            f"{'lynis audit system --quick':<28} {lynis:>9.2f}   on lab01, "
            f"{lynis / statistics.median(single):.1f}x the govsec one-host audit"
        )
    else:
        print("lynis: could not be installed in the lab host (see above)")


def lab_pids(env: dict[str, str]) -> list[int]:
    """The init pid of each lab host (``lab status``): their pid namespaces hold the hosts."""
    return [h["pid"] for h in lab_status(env).get("hosts", []) if h.get("pid")]


def namespace_cpu(pids: list[int]) -> float:
    """CPU seconds used so far by every process in the pid namespaces of ``pids`` (with the
    children they reaped): what the lab hosts spent, sshd and the collector included."""
    spaces = set()
    for pid in pids:
        try:
            spaces.add(str(Path(f"/proc/{pid}/ns/pid").readlink()))
        except OSError:
            continue
    ticks = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if str((entry / "ns" / "pid").readlink()) not in spaces:
                continue
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
    return ticks / os.sysconf("SC_CLK_TCK")


class Cpu:
    """CPU seconds of the commands run inside the block: (auditor, lab hosts)."""

    def __init__(self, pids: list[int]) -> None:
        self.pids = pids
        self.seconds = (0.0, 0.0)

    def __enter__(self) -> Cpu:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.start = (usage.ru_utime + usage.ru_stime, namespace_cpu(self.pids))
        return self

    def __exit__(self, *exc: object) -> None:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        now = (usage.ru_utime + usage.ru_stime, namespace_cpu(self.pids))
        self.seconds = (now[0] - self.start[0], now[1] - self.start[1])


def lynis_quick(env: dict[str, str]) -> float | None:
    """Lynis's quick audit of lab01, timed (installing it is not counted)."""
    lynis(env, "lab01")  # installs it
    started = time.monotonic()
    return None if lynis(env, "lab01") is None else time.monotonic() - started


if __name__ == "__main__":
    main()
