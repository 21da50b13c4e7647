"""Parser coverage and speed on the loghub corpora (issue 5), and the worst hostile line.

For each file: lines, the share that yields a recognised event (anything but ``unparsed``),
the share whose program has a parser (neither ``syslog`` nor ``unparsed``), the share with a
specific event.category, and lines per second (best of --runs). Then parse alone over the
OpenSSH corpus replicated to --lines lines (1,000,000: the issue's throughput corpus), one
core, events dropped as made: lines/s by the wall clock and per CPU second (the second is
what other load on the machine disturbs least), and the peak RSS. Never asserts a figure.

    .venv/bin/python bench/ingest_parse.py [--corpus tests/files/corpora/loghub] [--runs 3]
        [--lines 1000000]
"""

from __future__ import annotations

import argparse
import resource
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from secops.ingest.parse import parse_line

FILES = ("OpenSSH_2k.log", "Linux_2k.log", "Apache_2k.log")
RECEIVED = datetime(2026, 11, 21, tzinfo=UTC)  # fixed, so year inference is reproducible


def measure(lines: list[bytes], runs: int) -> tuple[list[dict[str, Any]], float]:
    """The events of ``lines`` and the best lines/s over ``runs`` passes."""
    best = float("inf")
    events: list[dict[str, Any]] = []
    for _ in range(runs):
        start = time.perf_counter()
        events = [parse_line(line, received=RECEIVED, tz=UTC) for line in lines]
        best = min(best, time.perf_counter() - start)
    return events, len(lines) / best


def replicated(lines: list[bytes], count: int) -> tuple[float, float]:
    """Wall and CPU lines/s parsing ``lines`` repeated up to ``count`` lines, once.

    Every line is parsed in full: nothing is cached per line or per message, so repeating
    the corpus costs what as many fresh lines of the same shapes would.
    """
    corpus = (lines * (count // len(lines) + 1))[:count]
    start, cpu = time.perf_counter(), time.process_time()
    for line in corpus:
        parse_line(line, received=RECEIVED, tz=UTC)
    took, cpu = time.perf_counter() - start, time.process_time() - cpu
    return count / took, count / cpu


def hostile(runs: int) -> tuple[float, str]:
    """The slowest of a few 1 MB adversarial lines, in seconds."""
    samples = {
        "1 MB invalid UTF-8": b"\xff" * 1_048_576,
        "1 MB sshd 'from' repeats": b"Nov 21 07:59:01 h sshd[1]: Failed password for"
        + b" from x" * 150_000,
        "1 MB firewall IN= repeats": b"Nov 21 07:59:01 h kernel: " + b"IN=" * 350_000,
        "1 MB spaces after Started": b"Nov 21 07:59:01 h systemd[1]: Started" + b" " * 1_048_576,
    }
    worst, name = 0.0, ""
    for label, line in samples.items():
        for _ in range(runs):
            start = time.perf_counter()
            parse_line(line, received=RECEIVED, tz=UTC)
            took = time.perf_counter() - start
            if took > worst:
                worst, name = took, label
    return worst, name


# the public logs the tests use, kept in the repository with their notices
CORPORA = Path(__file__).resolve().parents[1] / "tests" / "files" / "corpora"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPORA / "loghub")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--lines", type=int, default=1_000_000)
    options = parser.parse_args()
    print(f"{'file':<16}{'lines':>7}{'parsed':>9}{'source':>9}{'category':>10}{'lines/s':>10}")
    for name in FILES:
        lines = (options.corpus / name).read_bytes().split(b"\n")
        lines = [line for line in lines if line]
        events, rate = measure(lines, options.runs)
        datasets = Counter(e["event"]["dataset"] for e in events)
        parsed = 1 - datasets["unparsed"] / len(events)
        source = 1 - (datasets["unparsed"] + datasets["syslog"]) / len(events)
        category = sum(1 for e in events if e["event"].get("category")) / len(events)
        print(
            f"{name:<16}{len(events):>7}{parsed:>9.1%}{source:>9.1%}{category:>10.1%}{rate:>10,.0f}"
        )
        print(f"{'':<16}datasets: " + ", ".join(f"{d} {n}" for d, n in datasets.most_common()))
    openssh = [line for line in (options.corpus / FILES[0]).read_bytes().split(b"\n") if line]
    wall, cpu = replicated(openssh, options.lines)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB
    print(
        f"parse only, {FILES[0]} replicated to {options.lines:,} lines:"
        f" {wall:,.0f} lines/s wall, {cpu:,.0f} per CPU second; peak RSS {peak / 2**20:,.0f} MiB"
    )
    worst, label = hostile(options.runs)
    print(f"slowest hostile 1 MB line: {worst * 1000:.1f} ms ({label})")


if __name__ == "__main__":
    main()
