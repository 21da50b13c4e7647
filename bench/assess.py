"""How long `govsec assess` takes for a system of 20 audited lab hosts + the example topology.

Target from issue 16: ≤ 10 s wall for 20 hosts and the provincial landing zone (planned under
Pulumi's mocks, every cloud policy), with the example questionnaire and operations evidence,
writing assessment.json, the signed evidence chain and both languages' reports and gap lists.
Runs the CLI as a user does, on a lab of its own (subnet 10.213.232.0/24) that it takes down at
the end; the audit is real (one SSH session per host, signed evidence). Prints the median and
minimum of ``--runs`` runs, without and with ``--pdf`` (the executive PDF in both languages).

    sudo .venv/bin/python bench/assess.py [--runs 3] [--hosts 20]
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

import yaml
from labbench import lab_workspace, timed  # beside this script

import secops

SUBNET = "10.213.232.0/24"
ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--hosts", type=int, default=20)
    options = parser.parse_args()
    compileall.compile_dir(Path(secops.__file__).parent, quiet=1)
    work, env = lab_workspace("govsec-bench-assess-", SUBNET)
    inventory = work / "inventory" / "hosts.yml"
    plain: list[float] = []
    with_pdf: list[float] = []
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
        timed(
            env,
            "audit",
            "-i",
            str(inventory),
            "--level",
            "3",
            "--quiet",
            "-o",
            str(work / "audits" / "a1"),
            ok=(0, 4),
        )
        system = _system(work, inventory)
        for run in range(options.runs):
            out = work / f"out{run}"
            plain.append(timed(env, "assess", str(system), "-o", str(out), "--format", "json")[0])
            out = work / f"pdf{run}"
            with_pdf.append(
                timed(env, "assess", str(system), "-o", str(out), "--pdf", "--format", "json")[0]
            )
        result = json.loads((work / "out0" / "assessment.json").read_text())
        pages = {lang: _pages(work / "pdf0" / f"report.{lang}.pdf") for lang in ("zh", "en")}
        verify = subprocess.run(
            [sys.executable, "-m", "secops", "report", "verify", str(work / "out0")],
            env=env, capture_output=True, check=False,
        )  # fmt: skip
    finally:
        timed(env, "lab", "down", "--quiet", ok=None)
        shutil.rmtree(work, ignore_errors=True)
    objects = len(result["targets"])
    cells = sum(len(i["cells"]) for i in result["items"])
    print(f"govsec assess — {platform.node()}, {os.cpu_count()} cores, Linux {platform.release()}")
    print(
        f"system: {options.hosts} audited lab hosts + province.yaml (openstack), {objects} objects,"
    )
    print(f"        {len(result['items'])} items at level 3, {cells} item × object verdicts")
    print(f"conclusion {result['score']['conclusion']}, score {result['score']['overall']}")
    print(f"evidence verifies: {'yes' if verify.returncode == 0 else 'NO'}")
    print(f"executive PDF pages: zh {pages['zh']}, en {pages['en']}  (target ≤ 10)")
    print(
        f"assess (HTML zh+en, gap lists):   median {statistics.median(plain):.2f} s,"
        f" min {min(plain):.2f} s  (target ≤ 10 s)"
    )
    print(
        f"assess --pdf (+ executive PDFs):  median {statistics.median(with_pdf):.2f} s,"
        f" min {min(with_pdf):.2f} s"
    )


def _pages(pdf: Path) -> str:
    """Pages of a PDF, by poppler's pdfinfo (the PDF's objects are compressed)."""
    if shutil.which("pdfinfo") is None:
        return "? (pdfinfo not installed: apt-get install poppler-utils)"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=False)
    found = re.search(r"^Pages:\s+(\d+)", info.stdout, re.MULTILINE)
    return found.group(1) if found else "?"


def _system(work: Path, inventory: Path) -> Path:
    """The example system.yaml with the bench's inventory and audits (absolute paths)."""
    example = ROOT / "inventories" / "example"
    system = yaml.safe_load((example / "system.yaml").read_text(encoding="utf-8"))
    system["inventory"] = str(inventory)
    system["cloud"]["topology"] = str(ROOT / "infra" / "topologies" / "province.yaml")
    system["evidence"] = {
        "audits": [str(work / "audits")],
        "questionnaire": str(example / "questionnaire.yaml"),
    }
    for key in ("prometheus_rules", "alertmanager", "detection_rules"):
        system["operations"][key] = str((example / system["operations"][key]).resolve())
    path = work / "system.yaml"
    path.write_text(yaml.safe_dump(system, allow_unicode=True), encoding="utf-8")
    return path


if __name__ == "__main__":
    main()
