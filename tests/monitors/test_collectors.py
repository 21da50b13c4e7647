"""The collectors over a fake data tree: what each metric says, and a broken source."""

from __future__ import annotations

import hashlib
import json
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prometheus_client import generate_latest
from prometheus_client.registry import CollectorRegistry

from monitors.collectors import GovsecCollector, Sources
from monitors.metrics import BY_NAME, COLLECTORS, SAMPLE_NAMES
from secops.alerts.store import AlertStore
from secops.audit.results import AuditRun, CheckResult, ControlResult, HostResult
from secops.audit.runner import write
from secops.detect.model import RuleMeta
from secops.harden.record import read_records, record_run
from secops.harden.runner import HardenRun, HostSummary
from secops.ingest.pipeline import Counters
from secops.ingest.status import ListenStatus, StatusWriter, read_status, write_status
from secops.report.signing import ensure_key, keys_dir
from secops.store.sqlite import SqliteStore
from tests.secops.alerts.conftest import RULE, T0, detection

CRITICAL = RuleMeta(
    id="8b2c7f3e-0000-4000-8000-000000000002",
    title="Account with UID 0",
    level="critical",
    controls=("ce.ac.a",),
    techniques=("T1136.001",),
    suppress=timedelta(hours=1),
    description="a second account with UID 0",
    path="secops/rules/linux/uid0.yml",
)


def audit_run(finished: str, hosts: dict[str, tuple[float | None, dict[str, str]]]) -> AuditRun:
    """An audit whose hosts have a score and check statuses; checks serve ce.ia.a or ce.au.c."""
    results = []
    for name, (score, checks) in hosts.items():
        ia = [c for c in checks if c.startswith("pass")]
        au = [c for c in checks if c.startswith("audit")]
        results.append(
            HostResult(
                name=name,
                address="10.0.0.1",
                reachable=score is not None,
                score=score,
                checks=[CheckResult(c, s) for c, s in checks.items()],  # type: ignore[arg-type]
                controls=[
                    ControlResult("ce.ia.a", "partial", ia),
                    ControlResult("ce.au.c", "partial", au),
                ],
            )
        )
    return AuditRun(
        level=3,
        tool_version="t",
        catalog_version="c",
        started=finished,
        finished=finished,
        inventory="",
        hosts=results,
    )


def write_audit(root: Path, name: str, run: AuditRun) -> Path:
    """An audit folder as `govsec audit` writes it, signed with this account's key."""
    folder = root / name
    write(run, [], folder, ensure_key(keys_dir()))
    return folder / "results.json"


def scrape(sources: Sources, clock: float | None = None) -> CollectorRegistry:
    registry = CollectorRegistry()
    collector = (
        GovsecCollector(sources) if clock is None else GovsecCollector(sources, clock=lambda: clock)
    )
    registry.register(collector)
    return registry


def value(registry: CollectorRegistry, name: str, **labels: str) -> float | None:
    return registry.get_sample_value(name, labels)


@pytest.fixture
def sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Sources:
    monkeypatch.setenv("GOVSEC_HOME", str(tmp_path / "home"))  # the serving account's keys
    return Sources(
        audits=tmp_path / "audits",
        harden=tmp_path / "harden" / "hosts.json",
        store=tmp_path / "siem" / "events.db",
        listener=tmp_path / "siem" / "events.listen.json",
    )


def up(registry: CollectorRegistry) -> dict[str, float | None]:
    return {c: value(registry, "govsec_collector_up", collector=c) for c in COLLECTORS}


def test_every_metric_is_declared_once_with_conventional_names() -> None:
    assert len(BY_NAME) == len({m.name for m in BY_NAME.values()})
    for metric in BY_NAME.values():
        assert metric.name.startswith("govsec_"), metric.name
        assert not metric.name.endswith("_total"), "counters gain _total when exposed"
        assert metric.help and metric.collector, metric.name
        assert "user" not in metric.labels and "ip" not in metric.labels, metric.name
        if metric.name.endswith("_timestamp_seconds"):
            assert metric.kind == "gauge"


def test_nothing_yet_is_not_an_error_except_the_missing_store(sources: Sources) -> None:
    registry = scrape(sources)
    # no audit, no hardening, no notifications: empty, not failing; no store file: failing
    assert up(registry) == {
        "compliance": 1.0,
        "harden": 1.0,
        "siem": 0.0,
        "detect": 0.0,
        "notify": 1.0,
    }
    assert value(registry, "govsec_siem_store_up") == 0.0
    assert value(registry, "govsec_siem_listener_up") == 0.0
    assert value(registry, "govsec_build_info", version=__import__("secops").__version__) == 1.0
    assert not sources.store or not sources.store.exists(), "a scrape must not create the store"


def test_compliance_takes_the_newest_audit_per_host_and_level(sources: Sources) -> None:
    old = audit_run(
        "2026-11-20T08:00:00+00:00",
        {"web01": (100.0, {"pass_max_days": "pass"}), "db01": (50.0, {"pass_max_days": "fail"})},
    )
    new = audit_run(
        "2026-11-21T08:00:00+00:00",
        {
            "web01": (
                40.0,
                {"pass_max_days": "fail", "pass_min_len": "pass", "audit_rules": "fail"},
            ),
            "gone01": (None, {}),
        },
    )
    write_audit(sources.audits, "20261120-l3", old)
    write_audit(sources.audits / "nested", "20261121-l3", new)  # a run inside a folder
    (sources.audits / "broken").mkdir()
    (sources.audits / "broken" / "results.json").write_text("{not json")
    registry = scrape(sources)
    assert up(registry)["compliance"] == 1.0
    assert value(registry, "govsec_compliance_audit_files_invalid") == 1.0
    assert value(registry, "govsec_compliance_score_ratio", host="web01", level="3") == 0.4
    assert value(registry, "govsec_compliance_score_ratio", host="db01", level="3") == 0.5
    assert value(registry, "govsec_compliance_score_ratio", host="gone01", level="3") is None
    assert value(registry, "govsec_compliance_host_reachable", host="gone01", level="3") == 0.0
    stamp = datetime(2026, 11, 21, 8, tzinfo=UTC).timestamp()
    assert (
        value(registry, "govsec_compliance_last_audit_timestamp_seconds", host="web01", level="3")
        == stamp
    )
    checks = "govsec_compliance_checks"
    assert value(registry, checks, host="web01", level="3", area="ce.ia", status="fail") == 1.0
    assert value(registry, checks, host="web01", level="3", area="ce.ia", status="pass") == 1.0
    assert value(registry, checks, host="web01", level="3", area="ce.au", status="fail") == 1.0
    passed = "govsec_compliance_check_passed"
    labels = {"host": "web01", "level": "3", "area": "ce.ia"}
    assert value(registry, passed, check="pass_max_days", **labels) == 0.0
    assert value(registry, passed, check="pass_min_len", **labels) == 1.0


def test_an_audit_run_again_in_its_folder_is_read_again(sources: Sources) -> None:
    write_audit(sources.audits, "r", audit_run("2026-11-21T08:00:00+00:00", {"a": (10.0, {})}))
    collector = GovsecCollector(sources)
    registry = CollectorRegistry()
    registry.register(collector)
    assert value(registry, "govsec_compliance_score_ratio", host="a", level="3") == 0.1
    # `govsec audit -o r` again: the run is appended to the bundle, signed again
    later = audit_run("2026-11-21T09:00:00+00:00", {"a": (90.0, {})})
    write(later, [], sources.audits / "r", ensure_key(keys_dir()))
    assert value(registry, "govsec_compliance_score_ratio", host="a", level="3") == 0.9
    assert value(registry, "govsec_compliance_audit_files_unverified") == 0.0


def test_results_edited_by_hand_are_left_out(sources: Sources) -> None:
    """A results.json raised to 100 after the audit must not silence the compliance alert."""
    write_audit(sources.audits, "old", audit_run("2026-11-20T08:00:00+00:00", {"a": (30.0, {})}))
    path = write_audit(
        sources.audits, "new", audit_run("2026-11-21T08:00:00+00:00", {"a": (40.0, {})})
    )
    registry = scrape(sources)
    assert value(registry, "govsec_compliance_score_ratio", host="a", level="3") == 0.4
    forged = json.loads(path.read_text())
    forged["hosts"][0]["score"] = 100.0
    path.write_text(json.dumps(forged))
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 1_000_000_000))
    registry = scrape(sources)
    assert value(registry, "govsec_compliance_audit_files_unverified") == 1.0
    # the forged run is ignored: the newest audit that verifies speaks for the host
    assert value(registry, "govsec_compliance_score_ratio", host="a", level="3") == 0.3


def test_unsigned_results_and_an_untrusted_signer_are_left_out(
    sources: Sources, tmp_path: Path
) -> None:
    unsigned = sources.audits / "unsigned"
    unsigned.mkdir(parents=True)
    (unsigned / "results.json").write_text(
        audit_run("2026-11-21T08:00:00+00:00", {"a": (100.0, {})}).to_json()
    )
    stranger = audit_run("2026-11-22T08:00:00+00:00", {"b": (100.0, {})})
    write(stranger, [], sources.audits / "stranger", ensure_key(tmp_path / "other-keys"))
    registry = scrape(sources)
    assert value(registry, "govsec_compliance_audit_files_unverified") == 2.0
    assert value(registry, "govsec_compliance_score_ratio", host="a", level="3") is None
    assert value(registry, "govsec_compliance_score_ratio", host="b", level="3") is None


def test_hardening_keeps_the_newest_run_and_check_run_per_host(
    sources: Sources, tmp_path: Path
) -> None:
    applied = HardenRun(
        "id1",
        "art",
        3,
        False,
        "failed",
        2,
        [HostSummary("web01", ok=50, changed=3, failed=1), HostSummary("db01", ok=54, changed=7)],
    )
    record_run(tmp_path, applied, finished=1000.0)
    checked = HardenRun("id2", "art", 3, True, "successful", 0, [HostSummary("db01", changed=2)])
    record_run(tmp_path, checked, finished=2000.0)
    assert set(read_records(sources.harden)) == {"web01", "db01"}
    registry = scrape(sources)
    assert value(registry, "govsec_harden_last_run_success", host="web01", level="3") == 0.0
    # the run failed because of web01; db01 finished every task
    assert value(registry, "govsec_harden_last_run_success", host="db01", level="3") == 1.0
    assert value(registry, "govsec_harden_last_run_tasks", host="db01", outcome="changed") == 7.0
    assert value(registry, "govsec_harden_drift_tasks", host="db01", level="3") == 2.0
    assert value(registry, "govsec_harden_drift_tasks", host="web01", level="3") is None
    assert (
        value(registry, "govsec_harden_last_run_timestamp_seconds", host="db01", level="3")
        == 1000.0
    )
    good = HardenRun("id3", "art", 3, False, "successful", 0, [HostSummary("web01", ok=54)])
    record_run(tmp_path, good, finished=3000.0)
    cut = HardenRun("id4", "art", 3, False, "timeout", 1, [HostSummary("db01", ok=20)])
    record_run(tmp_path, cut, finished=4000.0)
    registry = scrape(sources)
    assert value(registry, "govsec_harden_last_run_success", host="web01", level="3") == 1.0
    assert value(registry, "govsec_harden_last_run_success", host="db01", level="3") == 0.0
    assert value(registry, "govsec_harden_drift_tasks", host="db01", level="3") == 2.0


def test_a_damaged_hardening_record_fails_only_its_part(sources: Sources) -> None:
    sources.harden.parent.mkdir(parents=True)
    sources.harden.write_text('{"web01": {"applied": {"finished": "x"}}}')
    registry = scrape(sources)
    assert up(registry)["harden"] == 0.0
    assert up(registry)["compliance"] == 1.0


def listener_status(sources: Sources, *, updated: float, pid: int | None = None) -> None:
    counters = Counters(
        lines=120,
        events=118,
        datasets={"sshd": 100, "unparsed": 18},
        reasons={"no_timestamp": 2},
        store_retries=3,
        auth_failures=40,
        hosts={"web01": updated - 5, "db01": updated - 3600},
    )
    write_status(
        sources.listener,
        ListenStatus(
            pid=pid or os.getpid(), started=updated - 60, updated=updated, counters=counters
        ),
    )


def test_the_listener_status_gives_its_counters_and_when_each_host_was_heard(
    sources: Sources,
) -> None:
    now = time.time()
    listener_status(sources, updated=now)
    registry = scrape(sources, clock=now)
    assert value(registry, "govsec_siem_listener_up") == 1.0
    assert value(registry, "govsec_siem_lines_total") == 120.0
    assert value(registry, "govsec_siem_unparsed_lines_total") == 18.0
    assert value(registry, "govsec_siem_events_ingested_total", dataset="sshd") == 100.0
    assert value(registry, "govsec_siem_quarantined_lines_total", reason="no_timestamp") == 2.0
    assert value(registry, "govsec_siem_store_errors_total") == 3.0
    assert value(registry, "govsec_siem_auth_failures_total") == 40.0
    assert (
        value(registry, "govsec_siem_host_last_event_timestamp_seconds", host="db01") == now - 3600
    )
    # 31 s later with no new status, the listener counts as down; its counters still show
    assert value(scrape(sources, clock=now + 31), "govsec_siem_listener_up") == 0.0


def test_a_listener_that_died_is_down_even_with_a_fresh_status(sources: Sources) -> None:
    listener_status(sources, updated=time.time(), pid=2**22 + 12345)  # no such process
    assert value(scrape(sources), "govsec_siem_listener_up") == 0.0


def test_the_status_writer_keeps_hosts_across_restarts_and_says_when_it_stopped(
    tmp_path: Path,
) -> None:
    path = tmp_path / "events.listen.json"
    first = Counters(hosts={"web01": 100.0})
    writer = StatusWriter(path, lambda: (first, 0), every=60).start()
    writer.stop()
    status = read_status(path)
    assert status is not None and status.stopped and not status.alive()
    second = StatusWriter(path, lambda: (Counters(hosts={"db01": 200.0}), 7), every=60).start()
    try:
        status = read_status(path)
        assert status is not None and status.alive() and status.spool == 7
        assert status.counters.hosts == {"web01": 100.0, "db01": 200.0}
    finally:
        second.stop()


def test_store_and_alerts_show_what_detection_left(sources: Sources) -> None:
    assert sources.store is not None
    with SqliteStore(sources.store) as events:
        events.put(
            [
                {
                    "@timestamp": f"2026-11-21T08:00:{n:02d}Z",
                    "event": {"id": f"{n:032x}", "dataset": "sshd"},
                    "host": {"name": "web01"},
                    "message": f"line {n}",
                }
                for n in range(10)
            ]
        )
    with AlertStore(sources.store) as alerts:
        alerts.record(detection(T0), T0)
        alerts.record(detection(T0, host="db01", rule=CRITICAL), T0)
        closed, _ = alerts.record(detection(T0, host="mail01", rule=CRITICAL), T0)
        alerts.close(closed.id, "false_positive", "alice")
        alerts.save_state("detect.position", b"4")
        alerts.save_state(
            "detect.status", json.dumps({"rules": 35, "problems": 1, "updated": 5.0}).encode()
        )
    registry = scrape(sources)
    assert up(registry) == dict.fromkeys(COLLECTORS, 1.0)
    assert value(registry, "govsec_siem_store_up") == 1.0
    assert value(registry, "govsec_siem_events_stored", dataset="sshd") == 10.0
    assert (
        value(registry, "govsec_siem_newest_event_timestamp_seconds")
        == datetime(2026, 11, 21, 8, 0, 9, tzinfo=UTC).timestamp()
    )
    assert value(registry, "govsec_alerts_open", severity="critical", status="open") == 1.0
    assert value(registry, "govsec_alerts_open", severity="high", status="open") == 1.0
    assert value(registry, "govsec_alerts_open", severity="low", status="acknowledged") == 0.0
    assert value(registry, "govsec_alerts_outbox_pending") == 3.0
    assert value(registry, "govsec_detect_lag_events") == 6.0  # seq 5..10 wait
    assert value(registry, "govsec_detect_lag_seconds") == 6.0  # :09 newest, :03 processed
    assert value(registry, "govsec_detect_rules_loaded") == 35.0
    assert value(registry, "govsec_detect_rule_errors") == 1.0
    assert value(registry, "govsec_detect_last_run_timestamp_seconds") == 5.0


@pytest.mark.parametrize("damage", ["garbage", "directory", "truncated"])
def test_a_broken_store_shows_as_store_up_0_and_the_scrape_goes_on(
    sources: Sources, damage: str
) -> None:
    assert sources.store is not None
    write_audit(sources.audits, "r", audit_run("2026-11-21T08:00:00+00:00", {"a": (80.0, {})}))
    sources.store.parent.mkdir(parents=True)
    if damage == "garbage":
        sources.store.write_bytes(b"this is not a database" * 500)
    elif damage == "directory":
        sources.store.mkdir()
    else:
        with SqliteStore(sources.store):
            pass
        data = sources.store.read_bytes()
        sources.store.write_bytes(data[: len(data) // 3])
    registry = scrape(sources)  # never raises
    assert value(registry, "govsec_siem_store_up") == 0.0
    assert up(registry)["siem"] == 0.0 and up(registry)["detect"] == 0.0
    assert up(registry)["compliance"] == 1.0
    assert value(registry, "govsec_compliance_score_ratio", host="a", level="3") == 0.8


def test_a_collector_bug_is_contained(sources: Sources, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(self: object) -> list[object]:
        raise RuntimeError("a bug")

    monkeypatch.setattr(GovsecCollector, "_harden", boom)
    registry = scrape(sources)
    text = generate_latest(registry).decode()
    assert 'govsec_collector_up{collector="harden"} 0.0' in text
    assert up(registry)["compliance"] == 1.0


def tree_digest(root: Path) -> str:
    """Every file under ``root`` with its size, mtime and content."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file():
            stat = path.stat()
            digest.update(f"{path}:{stat.st_size}:{stat.st_mtime_ns}".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def test_exposed_names_are_the_declared_ones(sources: Sources, tmp_path: Path) -> None:
    write_audit(
        sources.audits,
        "r",
        audit_run("2026-11-21T08:00:00+00:00", {"a": (80.0, {"pass_x": "fail"})}),
    )
    listener_status(sources, updated=time.time())
    record_run(tmp_path, HardenRun("i", "a", 3, False, "successful", 0, [HostSummary("a")]))
    assert sources.store is not None
    with AlertStore(sources.store) as alerts:
        alerts.record(detection(T0, rule=RULE), T0)
    text = generate_latest(scrape(sources)).decode()
    exposed = {
        line.split("{")[0].split(" ")[0]
        for line in text.splitlines()
        if line and not line.startswith("#")
    }
    absent = {  # no notification store, no detect run, no --check run, no event stored
        "govsec_notifications_received_total",
        "govsec_notifications_replays_total",
        "govsec_notifications_forward_failures_total",
        "govsec_notifications_forward_pending",
        "govsec_detect_rules_loaded",
        "govsec_detect_rule_errors",
        "govsec_detect_last_run_timestamp_seconds",
        "govsec_harden_drift_tasks",
        "govsec_harden_last_check_timestamp_seconds",
        "govsec_siem_newest_event_timestamp_seconds",
        "govsec_siem_events_stored",
    }
    assert exposed == SAMPLE_NAMES - absent


def test_the_user_guide_lists_every_metric() -> None:
    guide = (Path(__file__).resolve().parents[2] / "docs" / "monitoring.md").read_text()
    missing = sorted(name for name in SAMPLE_NAMES if f"`{name}`" not in guide)
    assert missing == []
