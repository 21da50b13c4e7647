"""How long the HTML + PDF report of a 20-host audit takes, and with one 100,000-character value.

Target from issue 17: ≤ 30 s for the whole PDF of 20 hosts, and a long unbroken value (a whole
file where one line was expected) costing no more than a short one. Two fleets:

- made from test cases (default, no lab): host N answers every check of the real catalog as
  that check's N-th test case does (tests/files/checks, the project's own evaluators), cycling
  through the cases. A worst case: neighbours differ in nearly every check, and most cases are
  failures. Prints the wall and CPU time of rendering the HTML and of the PDF, per language.
- ``--lab``: a real audit of ``--hosts`` lab hosts, the first ``--harden`` of them hardened
  to level 3 first (needs root; its own lab on 10.213.233.0/24, taken down at the end). Times
  ``govsec report build DIR --pdf`` as a user runs it, per language, median of ``--runs``.

    .venv/bin/python bench/report_pdf.py [--hosts 20] [--lang zh en] [--long 100000]
    sudo .venv/bin/python bench/report_pdf.py --lab [--hosts 20] [--harden 10] [--runs 3]
"""

from __future__ import annotations

import argparse
import copy
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUBNET = "10.213.233.0/24"


def fleet(hosts: int) -> object:
    """An audit run of ``hosts`` hosts made from the checks' test cases."""
    from tests.secops.report.test_language import case_run

    run, _ = case_run()
    cases = run.hosts
    run = copy.deepcopy(run)
    run.hosts = []
    for n in range(hosts):
        host = copy.deepcopy(cases[n % len(cases)])
        host.name, host.address = f"host{n + 1:02d}", f"10.20.{n // 250}.{n % 250 + 1}"
        run.hosts.append(host)
    return run


def with_long_value(run: object, length: int) -> object:
    """``run`` with the first evidence value of its first host ``length`` characters long."""
    run = copy.deepcopy(run)
    first = next(c for c in run.hosts[0].checks if c.evidence)  # type: ignore[attr-defined]
    first.evidence[0].seen = "".join(f"{i:08x}" for i in range(length // 8 + 1))[:length]
    return run


def measure(run: object, lang: str, folder: Path) -> tuple[float, float, float, int]:
    """Seconds to render the HTML, wall and CPU seconds of the PDF, and its page count."""
    from secops.report.html import render_html
    from secops.report.pdf import write_pdf
    from tests.secops.report.test_language import catalog

    start = time.perf_counter()
    html = render_html(run, catalog(), lang)  # type: ignore[arg-type]
    rendered = time.perf_counter()
    cpu = time.process_time()
    target = folder / f"report-{lang}.pdf"
    write_pdf(html, target)
    done = time.perf_counter()
    info = subprocess.run(["pdfinfo", str(target)], capture_output=True, text=True).stdout
    pages = next((int(x.split()[1]) for x in info.splitlines() if x.startswith("Pages:")), 0)
    return rendered - start, done - rendered, time.process_time() - cpu, pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hosts", type=int, default=20)
    parser.add_argument("--lang", nargs="+", default=["zh", "en"], choices=["zh", "en"])
    parser.add_argument("--long", type=int, default=100_000, help="the long value's length")
    parser.add_argument("--lab", action="store_true", help="a real audit of lab hosts")
    parser.add_argument("--harden", type=int, default=10, help="lab hosts hardened first")
    parser.add_argument("--runs", type=int, default=3, help="report builds per language")
    options = parser.parse_args()
    if options.lab:
        lab(options.hosts, options.harden, options.lang, options.runs)
        return
    sys.path.insert(0, str(ROOT))  # the test cases the hosts answer with
    run = fleet(options.hosts)
    checks = sum(len(h.checks) for h in run.hosts)  # type: ignore[attr-defined]
    print(f"{options.hosts} hosts, {checks} check results")
    with tempfile.TemporaryDirectory(prefix="govsec-bench-report-") as folder:
        for name, variant in (
            ("as audited", run),
            (f"one value of {options.long:,} characters", with_long_value(run, options.long)),
        ):
            for lang in options.lang:
                html, wall, cpu, pages = measure(variant, lang, Path(folder))
                print(
                    f"{lang} {name}: HTML {html:.2f} s, PDF {wall:.1f} s wall "
                    f"({cpu:.1f} s CPU), {pages} pages",
                    flush=True,
                )


def lab(hosts: int, harden: int, langs: list[str], runs: int) -> None:
    """Audit ``hosts`` lab hosts (the first ``harden`` hardened) and time the report builds."""
    from labbench import lab_workspace, timed  # beside this script

    work, env = lab_workspace("govsec-bench-report-", SUBNET)
    inventory = work / "inventory" / "hosts.yml"
    audit = work / "audit"
    try:
        up, _ = timed(
            env, "lab", "up", "--hosts", str(hosts), "--quiet", "--inventory", str(inventory)
        )
        print(f"lab of {hosts} hosts up in {up:.0f} s", flush=True)
        if harden:
            names = ",".join(f"lab{n + 1:02d}" for n in range(harden))
            took, rc = timed(
                env, "harden", "-i", str(inventory), "--level", "3", "--quiet", "--limit", names,
                ok=None,
            )  # fmt: skip
            print(f"{harden} hosts hardened in {took:.0f} s (exit {rc})", flush=True)
        took, rc = timed(
            env, "audit", "-i", str(inventory), "--level", "3", "--quiet", "-o", str(audit),
            ok=(0, 4),
        )  # fmt: skip
        print(f"audit of {hosts} hosts in {took:.1f} s (exit {rc})", flush=True)
        for lang in langs:
            times = []
            for run in range(runs):
                html = work / f"report-{lang}-{run}.html"
                build = ("report", "build", str(audit), "--pdf", "--lang", lang, "-o", str(html))
                times.append(timed(env, *build)[0])
            info = subprocess.run(
                ["pdfinfo", str(html.with_suffix(".pdf"))], capture_output=True, text=True
            ).stdout
            pages = next((x.split()[1] for x in info.splitlines() if x.startswith("Pages:")), "?")
            print(
                f"{lang} report build --pdf: median {statistics.median(times):.1f} s,"
                f" min {min(times):.1f} s, {pages} pages  (target ≤ 30 s)",
                flush=True,
            )
    finally:
        timed(env, "lab", "down", "--quiet", ok=None)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
