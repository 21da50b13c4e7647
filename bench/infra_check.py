"""``govsec infra check`` on a generated 50-department topology: resources and wall time.

The topology comes from ``infra.generate`` (every department with a zone of each class, the
shared DMZ, extranet edge, management zone and hub, flows as a province declares them). Each
run is the whole command in a fresh process, as an ops engineer runs it: Python start,
topology load, the Pulumi program under mocks, all 20 policies. Target (issue 8): <= 15 s.

    .venv/bin/python bench/infra_check.py [--departments 50] [--runs 3] [--provider alicloud]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from infra.generate import generate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--departments", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--provider", choices=("alicloud", "openstack"), default=None)
    args = parser.parse_args()
    providers = [args.provider] if args.provider else ["alicloud", "openstack"]
    with tempfile.TemporaryDirectory(prefix="govsec-infra-") as tmp:
        path = Path(tmp) / "topology.yaml"
        topology = generate(args.departments)
        path.write_text(yaml.safe_dump(topology, allow_unicode=True, sort_keys=False))
        zones = sum(len(d["zones"]) for d in topology["departments"])
        print(
            f"topology: {args.departments} departments, {zones} department zones"
            f" + shared zones, {len(topology['flows'])} flows"
        )
        for provider in providers:
            walls = []
            for run in range(1, args.runs + 1):
                started = time.perf_counter()
                result = subprocess.run(
                    [sys.executable, "-m", "secops", "infra", "check", "--topology", str(path),
                     "--provider", provider, "--format", "json"],
                    capture_output=True, text=True, check=False,
                )  # fmt: skip
                wall = time.perf_counter() - started
                if result.returncode not in (0, 4):
                    raise SystemExit(f"infra check failed ({result.returncode}): {result.stderr}")
                report = json.loads(result.stdout)
                violated = sum(p["status"] == "violated" for p in report["policies"])
                walls.append(wall)
                print(
                    f"{provider} run {run}: {report['resources']:,} resources,"
                    f" {len(report['policies'])} policies ({violated} violated,"
                    f" {len(report['violations'])} violations): plan + policies"
                    f" {report['seconds']:.1f} s in the command, {wall:.1f} s wall"
                )
            print(f"{provider}: median {statistics.median(walls):.1f} s wall (target <= 15 s)")


if __name__ == "__main__":
    main()
