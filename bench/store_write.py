"""SQLite put() throughput alone on OpenSSH events built in advance (the store's share of intake).

Parses the loghub OpenSSH corpus once, then writes ``--events`` copies of its events (each
with its own id and a rising @timestamp) in batches of ``--batch`` into a fresh store, and
prints events/s for put() alone and the peak RSS. Never asserts a figure.

    .venv/bin/python bench/store_write.py [--events 500000] [--batch 5000] [--runs 3]
"""

from __future__ import annotations

import argparse
import copy
import resource
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from secops.ingest.parse import parse_line
from secops.ingest.readers import Line, event_id
from secops.store.sqlite import SqliteStore

CORPUS = (
    Path(__file__).resolve().parents[1]
    / "tests"
    / "files"
    / "corpora"
    / "loghub"
    / "OpenSSH_2k.log"
)
RECEIVED = datetime(2026, 11, 21, tzinfo=UTC)


def events(count: int, corpus: Path) -> list[dict[str, Any]]:
    """``count`` parsed OpenSSH events with distinct ids and timestamps, built before timing."""
    lines = [line for line in corpus.read_bytes().split(b"\n") if line]
    parsed = [parse_line(line, received=RECEIVED, tz=UTC) for line in lines]
    start = datetime(2026, 1, 1, tzinfo=UTC)
    out = []
    for n in range(count):
        event = copy.deepcopy(parsed[n % len(parsed)])
        event["event"]["id"] = event_id(Line(b"", "file:1:2", n * 120))  # as for a file's lines
        event["@timestamp"] = (start + timedelta(milliseconds=n)).isoformat()
        out.append(event)
    return out


def run(batch: list[dict[str, Any]], size: int) -> tuple[float, float, int]:
    """Wall and CPU seconds to put() everything into a fresh store, and the file size."""
    with tempfile.TemporaryDirectory(prefix="govsec-bench-store-") as work:
        store = SqliteStore(Path(work) / "events.db")
        start, cpu = time.perf_counter(), time.process_time()
        created = 0
        for first in range(0, len(batch), size):
            created += store.put(batch[first : first + size]).created
        took, cpu = time.perf_counter() - start, time.process_time() - cpu
        assert created == len(batch), created
        size_bytes = store.stats().size_bytes
        store.close()
    return took, cpu, size_bytes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=500_000)
    parser.add_argument("--batch", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    options = parser.parse_args()
    batch = events(options.events, options.corpus)
    best = best_cpu = float("inf")
    size_bytes = 0
    for _ in range(options.runs):
        took, cpu, size_bytes = run(batch, options.batch)
        best, best_cpu = min(best, took), min(best_cpu, cpu)
        print(f"  run: {len(batch) / took:,.0f} events/s wall, {len(batch) / cpu:,.0f} per CPU s")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(
        f"SQLite put: {len(batch):,} events in batches of {options.batch:,}:"
        f" {len(batch) / best:,.0f} events/s wall, {len(batch) / best_cpu:,.0f} per CPU second"
        f" (best of {options.runs}),"
        f" {size_bytes / len(batch):,.0f} bytes/event on disk,"
        f" peak RSS {peak / 2**20:,.0f} MiB (events held in memory included)"
    )


if __name__ == "__main__":
    main()
