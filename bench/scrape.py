"""How long a Prometheus scrape of govsec serve takes on a large site.

Builds a data tree the size of a provincial cloud: a SQLite store of --events events (the
time to build it is not measured), --hosts audited hosts at level 3 (one results.json per
run of 100 hosts, each host with the catalog's ~100 checks), --hosts hardening records,
a listener status naming --hosts hosts, and --alerts open alerts. Then scrapes /metrics of
a real ``govsec serve`` server (in this process, 127.0.0.1) --scrapes times, one at a time
and 100 at once, with detection caught up and with detection --events behind.

    .venv/bin/python bench/scrape.py [--events 1000000] [--hosts 1000] [--scrapes 20]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

from prometheus_client.registry import CollectorRegistry

from monitors.collectors import GovsecCollector, Sources
from monitors.server import SHARE_FOR, Server, make_app
from secops.alerts.store import AlertStore
from secops.audit.results import AuditRun, CheckResult, ControlResult, HostResult
from secops.catalog.model import load_catalog
from secops.detect.model import RuleMeta
from secops.harden.record import record_run
from secops.harden.runner import HardenRun, HostSummary
from secops.ingest.pipeline import Counters
from secops.ingest.status import ListenStatus, write_status
from secops.store.sqlite import SqliteStore

RULE = RuleMeta(
    id="bench-rule",
    title="bench",
    level="high",
    controls=("ce.ia.a",),
    techniques=("T1110",),
    suppress=timedelta(hours=1),
    description="bench",
    path="bench",
)


def build(root: Path, events: int, hosts: int, alerts: int) -> Sources:
    sources = Sources(
        audits=root / "audits",
        harden=root / "harden" / "hosts.json",
        store=root / "siem" / "events.db",
        listener=root / "siem" / "events.listen.json",
    )
    names = [f"host{n:05d}" for n in range(hosts)]
    catalog = load_catalog()
    checks = sorted(catalog.checks)
    controls = catalog.controls
    by_control = {c: [k for k, v in catalog.checks.items() if c in v.controls] for c in controls}
    served = [c for c in controls if by_control[c]]
    finished = datetime.now(UTC).isoformat()
    for start in range(0, hosts, 100):
        run = AuditRun(3, "bench", "bench", finished, finished, "bench")
        for name in names[start : start + 100]:
            run.hosts.append(
                HostResult(
                    name=name,
                    address="10.0.0.1",
                    reachable=True,
                    score=71.0,
                    checks=[
                        CheckResult(c, "pass" if i % 4 else "fail") for i, c in enumerate(checks)
                    ],
                    controls=[ControlResult(c, "partial", by_control[c]) for c in served],
                )
            )
        folder = sources.audits / f"run{start:05d}"
        folder.mkdir(parents=True)
        (folder / "results.json").write_text(run.to_json())
    record_run(
        root,
        HardenRun("bench", "", 3, False, "successful", 0, [HostSummary(n, ok=80) for n in names]),
    )
    now = time.time()
    write_status(
        sources.listener,
        ListenStatus(
            pid=1,
            started=now,
            updated=now,
            counters=Counters(
                lines=events, datasets={"sshd": events}, hosts=dict.fromkeys(names, now)
            ),
        ),
    )
    assert sources.store is not None
    with SqliteStore(sources.store) as store:
        t0 = datetime(2026, 11, 21, tzinfo=UTC)
        for start in range(0, events, 5000):
            store.put(
                [
                    {
                        "@timestamp": (t0 + timedelta(milliseconds=n)).isoformat(),
                        "event": {"id": f"{n:032x}", "dataset": "sshd"},
                        "host": {"name": names[n % hosts]},
                        "message": f"Failed password for root from 10.0.{n % 250}.1 port 22",
                    }
                    for n in range(start, min(events, start + 5000))
                ]
            )
    with AlertStore(sources.store) as store:
        from secops.detect.model import Detection

        with store.transaction():
            for n in range(alerts):
                store.record(
                    Detection(RULE, names[n % hosts], {"source.ip": f"10.9.{n // 250}.{n % 250}"},
                              t0, t0, 1, [f"{n:032x}"]),
                    t0,
                )  # fmt: skip
    return sources


def scrape(url: str) -> float:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=60) as answer:  # noqa: S310 - loopback
        answer.read()
    return time.perf_counter() - started


def fresh(url: str) -> float:
    """A scrape that builds its exposition (none shared from a scrape less than 1 s ago)."""
    time.sleep(SHARE_FOR + 0.1)
    return scrape(url)


def measure(url: str, scrapes: int, label: str) -> None:
    fresh(url)  # warm: results.json parsed once, then cached by mtime
    one = sorted(fresh(url) for _ in range(scrapes))
    time.sleep(SHARE_FOR + 0.1)
    with ThreadPoolExecutor(max_workers=100) as pool:
        started = time.perf_counter()
        list(pool.map(lambda _: scrape(url), range(100)))
        burst = time.perf_counter() - started
    print(
        f"{label}: one scrape median {statistics.median(one) * 1000:.0f} ms,"
        f" max {one[-1] * 1000:.0f} ms; 100 concurrent scrapes done in {burst:.1f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--hosts", type=int, default=1000)
    parser.add_argument("--alerts", type=int, default=2000)
    parser.add_argument("--scrapes", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="govsec-scrape-") as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        sources = build(root, args.events, args.hosts, args.alerts)
        print(
            f"built {args.events:,} events, {args.hosts:,} hosts (audits, hardening, listener),"
            f" {args.alerts:,} open alerts in {time.perf_counter() - started:.0f} s"
        )
        registry = CollectorRegistry()
        registry.register(GovsecCollector(sources))
        server = Server("127.0.0.1", 0, make_app(registry), None).start()
        try:
            url = f"{server.url}/metrics"
            with urllib.request.urlopen(url) as answer:  # noqa: S310 - loopback
                body = answer.read()
            series = sum(1 for line in body.splitlines() if line and not line.startswith(b"#"))
            print(f"/metrics: {len(body):,} bytes, {series:,} series")
            measure(url, args.scrapes, f"detection {args.events:,} events behind")
            assert sources.store is not None
            with AlertStore(sources.store) as store, SqliteStore(sources.store) as events:
                store.save_state("detect.position", str(events.last_seq()).encode())
            measure(url, args.scrapes, "detection caught up")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
