"""The runner over a real SQLite store: restarts mid-window, crashes mid-batch, --since."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from secops.alerts.store import AlertStore
from secops.detect.engine import load_rules
from secops.detect.runner import POSITION_KEY, Runner
from secops.store.sqlite import SqliteStore
from tests.secops.detect.test_engine import BRUTE, failures

START = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    path = tmp_path / "rules" / "brute.yml"
    path.parent.mkdir()
    path.write_text(textwrap.dedent(BRUTE), encoding="utf-8")
    return path


def run_once(db: Path, rules: Path, **kwargs: object) -> Runner:
    store = SqliteStore(db)
    alerts = AlertStore(db)
    try:
        runner = Runner(store, alerts, load_rules([rules]), **kwargs)  # type: ignore[arg-type]
        runner.run()
        return runner
    finally:
        alerts.close_store()
        store.close()


def put(db: Path, docs: list[dict]) -> None:
    store = SqliteStore(db)
    try:
        store.put(docs)
    finally:
        store.close()


def alert_counts(db: Path) -> list[tuple[str, int]]:
    alerts = AlertStore(db)
    try:
        return [(a.rule_title, a.count) for a in alerts.list(limit=100)]
    finally:
        alerts.close_store()


def test_correlation_begun_before_a_restart_fires_after_it_once(
    tmp_path: Path, rules: Path
) -> None:
    """Acceptance: restart mid-window — the correlation still fires; no alert twice."""
    db = tmp_path / "events.db"
    docs = failures("203.0.113.50", START, 8)
    put(db, docs[:5])
    first = run_once(db, rules)
    assert first.report.events == 5 and first.report.detections == 0
    put(db, docs[5:])
    second = run_once(db, rules)  # a new process: windows and position from the store
    assert second.report.events == 3 and second.report.detections == 1
    assert alert_counts(db) == [("SSH brute force", 8)]
    third = run_once(db, rules)  # nothing new: nothing read, nothing raised again
    assert third.report.events == 0
    assert alert_counts(db) == [("SSH brute force", 8)]


def test_a_batch_that_fails_is_replayed_whole(
    tmp_path: Path, rules: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "events.db"
    put(db, failures("203.0.113.51", START, 8) + failures("203.0.113.52", START, 8))
    store, alerts = SqliteStore(db), AlertStore(db)
    runner = Runner(store, alerts, load_rules([rules]))
    real = alerts.record
    calls = 0

    def flaky(detection, now):  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        if calls == 2:  # the second alert of the batch: the first is already written
            raise OSError("disk full")
        return real(detection, now)

    monkeypatch.setattr(alerts, "record", flaky)
    with pytest.raises(OSError, match="disk full"):
        runner.step()
    assert alerts.load_state(POSITION_KEY) is None  # nothing of the batch committed
    assert alerts.list(limit=10) == []
    runner.run()  # the same runner goes on from what was committed
    assert sorted(a.group["source.ip"] for a in alerts.list(limit=10)) == [
        "203.0.113.51",
        "203.0.113.52",
    ]
    assert all(a.count == 8 for a in alerts.list(limit=10))
    alerts.close_store()
    store.close()


def test_since_scan_leaves_the_saved_position_alone(tmp_path: Path, rules: Path) -> None:
    db = tmp_path / "events.db"
    put(db, failures("203.0.113.60", START - timedelta(days=2), 8))
    put(db, failures("203.0.113.61", START, 8))
    scan = run_once(db, rules, since=START - timedelta(hours=1))
    assert scan.report.events == 8 and scan.report.detections == 1
    alerts = AlertStore(db)
    assert alerts.load_state(POSITION_KEY) is None
    alerts.close_store()
    full = run_once(db, rules)
    assert full.report.events == 16


def test_killed_follow_run_resumes_without_double_alerts(tmp_path: Path, rules: Path) -> None:
    """SIGKILL a `detect run --follow` between batches: the next run raises nothing twice."""
    db = tmp_path / "events.db"
    sources = [f"198.18.0.{i}" for i in range(1, 41)]
    put(db, [d for ip in sources for d in failures(ip, START, 8)])
    env = dict(os.environ, GOVSEC_HOME=str(tmp_path / "home"))
    cmd = [
        sys.executable,
        "-m",
        "secops",
        "detect",
        "run",
        "--rules",
        str(rules),
        "--store",
        f"sqlite://{db}",
        "--follow",
        "--quiet",
    ]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(alert_counts(db)) < 40:
        time.sleep(0.1)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    put(db, failures("198.18.1.1", START, 8))
    subprocess.run([*cmd[:-2], "--quiet"], env=env, check=True, timeout=120)
    counts = alert_counts(db)
    assert len(counts) == 41
    assert all(n == 8 for _, n in counts)


def test_events_fold_by_their_own_time_never_across_years(tmp_path: Path) -> None:
    # one failure of 2015 and one of 2012 in the same batch, then one read late that happened
    # ten minutes before the 2015 one: the late one belongs with 2015, 2012 stays alone
    rules = tmp_path / "failed.yml"  # the single-event rule alone: it alerts by itself
    rules.write_text(textwrap.dedent(BRUTE).split("---")[0], encoding="utf-8")
    db = tmp_path / "events.db"
    late = datetime(2015, 6, 1, 8, 0, tzinfo=UTC)
    early = datetime(2012, 6, 1, 8, 0, tzinfo=UTC)
    put(db, failures("198.51.100.7", late, 1) + failures("198.51.100.7", early, 1))
    run_once(db, rules)
    put(db, failures("198.51.100.7", late - timedelta(minutes=10), 1))
    run_once(db, rules)
    alerts = AlertStore(db)
    try:
        found = sorted(
            (a.first_seen, a.last_seen, a.count)
            for a in alerts.list(limit=100)
            if a.rule_title == "SSH failed login"
        )
    finally:
        alerts.close_store()
    assert found == [(early, early, 1), (late - timedelta(minutes=10), late, 2)]
