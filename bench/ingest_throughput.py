"""Parse + store into SQLite, end to end on one core: lines/s and peak memory (issue 5).

The OpenSSH corpus replicated to 1,000,000 lines (target >= 50,000 lines/s on one core), put
through what ``govsec siem ingest FILE --store sqlite:///…`` runs (the same function, in this
process: the CLI's start-up is not intake): reader, parsers, pipeline with its default batch,
SQLite store with its indexes and full-text index. Every line sits at its own offset, so each
is its own event: nothing is collapsed as a duplicate. The runs go to fresh stores; the best
and the median are printed, with a fixed loop's time on this core to compare days by (parsing
took 7.0 us a line one day and 19 us another, same code). Never asserts a figure.

    .venv/bin/python bench/ingest_throughput.py [--lines 1000000] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path

from secops import native
from secops.cli.siem import _ingest
from secops.store.sqlite import SqliteStore

CORPORA = Path(__file__).resolve().parents[1] / "tests" / "files" / "corpora"
CORPUS = CORPORA / "loghub" / "OpenSSH_2k.log"


def calibrate() -> float:
    """Seconds of a fixed pure-Python loop (best of 3): figures from two days compare only
    through it, the VM's speed varies by more than the intake's changes do."""
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        sum(range(10**7))
        best = min(best, time.process_time() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    corpus = CORPUS
    source = [line + b"\n" for line in corpus.read_bytes().splitlines()]
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})  # one core, as the target says
    n = options.lines
    print(f"parse + store into SQLite: {n:,} OpenSSH lines, one core (cpu {cpu})")
    print(f"  intake modules: {'compiled (mypyc)' if native.active() else 'pure Python'}")
    print(f"  this core today: sum(range(10**7)) in {calibrate() * 1000:,.0f} ms")
    rates: list[float] = []
    with tempfile.TemporaryDirectory(prefix="govsec-bench-ingest-") as work:
        log = Path(work) / "openssh-1m.log"
        with log.open("wb") as out:
            for i in range(n):
                out.write(source[i % len(source)])
        for run in range(options.runs):
            db = Path(work) / f"events-{run}.db"
            wall, used = time.perf_counter(), time.process_time()
            counters = _ingest([log], f"sqlite:///{db}", None)
            wall, used = time.perf_counter() - wall, time.process_time() - used
            with SqliteStore(db) as store:
                total = store.stats().total
            size = sum(p.stat().st_size for p in Path(work).glob(f"events-{run}.db*"))
            rates.append(n / wall)
            print(
                f"  run {run + 1}: {n / wall:>8,.0f} lines/s wall, {n / used:>8,.0f} per CPU s;"
                f" batches {counters.batches:,}; stored {counters.created:,},"
                f" duplicates {counters.duplicates:,},"
                f" quarantined {counters.quarantined:,}; store holds {total:,},"
                f" {size / 2**20:,.0f} MiB"
            )
            for path in Path(work).glob(f"events-{run}.db*"):
                path.unlink()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"  best {max(rates):,.0f} lines/s, median {statistics.median(rates):,.0f} lines/s;"
        f" peak RSS {peak:,.0f} MiB"
    )


if __name__ == "__main__":
    main()
