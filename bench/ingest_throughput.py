"""Parse + store into SQLite, end to end in one process: lines/s and peak memory.

The OpenSSH corpus replicated to 1,000,000 lines (target >= 50,000 lines/s on one core),
read from a file by the same reader, pipeline and store `govsec siem ingest` uses. Every line
sits at its own offset, so each is its own event: nothing is collapsed as a duplicate.

    .venv/bin/python bench/ingest_throughput.py [--lines 1000000] [--batch 5000]
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import threading
import time
from pathlib import Path

from secops.ingest.pipeline import Pipeline, Quarantine, run_lines
from secops.ingest.readers import read_file
from secops.store.sqlite import SqliteStore

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "loghub" / "OpenSSH_2k.log"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=5000)
    options = parser.parse_args()
    corpus = CORPUS if CORPUS.is_file() else Path("/work/shared/corpora/loghub/OpenSSH_2k.log")
    source = [line + b"\n" for line in corpus.read_bytes().splitlines()]
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, as the target says
    with tempfile.TemporaryDirectory(prefix="govsec-bench-ingest-") as work:
        log = Path(work) / "openssh-1m.log"
        with log.open("wb") as out:
            for i in range(options.lines):
                out.write(source[i % len(source)])
        store = SqliteStore(Path(work) / "events.db")
        pipeline = Pipeline(
            store, quarantine=Quarantine(Path(work) / "quarantine"), batch_size=options.batch
        )
        wall, cpu = time.perf_counter(), time.process_time()
        run_lines(pipeline, read_file(log), threading.Event())
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        stats = store.stats()
        store.close()
        size = (Path(work) / "events.db").stat().st_size
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    counters = pipeline.counters
    n = options.lines
    print(f"parse + store into SQLite, {n:,} OpenSSH lines, one core (batch {options.batch})")
    print(f"  {n / wall:>10,.0f} lines/s wall   {n / cpu:>10,.0f} lines per CPU second")
    print(
        f"  stored {counters.created:,}, duplicates {counters.duplicates:,}, "
        f"quarantined {counters.quarantined:,}; store holds {stats.total:,}"
    )
    print(f"  peak RSS {peak:,.0f} MiB; database {size / 2**20:,.0f} MiB")


if __name__ == "__main__":
    main()
