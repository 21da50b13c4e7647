"""The alert store: dedup and suppression, workflow persisted, outbox, transactions, state."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import apsw
import pytest

from secops.alerts import open_alert_store
from secops.alerts.model import AlertError, BadTransition, UnknownAlert
from secops.alerts.store import AlertStore, backoff
from secops.store.base import StoreError
from secops.store.sqlite import SqliteStore
from tests.secops.alerts.conftest import RULE, T0, detection, eid
from tests.secops.store.events import event


def test_detections_inside_the_window_merge_into_one_alert(store: AlertStore) -> None:
    first, created = store.record(detection(T0, ids=(1,)), T0)
    assert created
    # 59 minutes after the alert was last seen: inside the 1 h suppression window
    again, created = store.record(detection(T0 + timedelta(minutes=59), ids=(2,)), T0)
    assert not created and again.id == first.id
    stored = store.get(first.id)
    assert (stored.count, stored.last_seen) == (2, T0 + timedelta(minutes=59))
    assert stored.event_ids == [eid(1), eid(2)]
    assert [e.action for e in stored.history] == ["created", "merged"]


def test_a_detection_after_the_window_raises_a_new_alert(store: AlertStore) -> None:
    first, _ = store.record(detection(T0), T0)
    later, created = store.record(detection(T0 + timedelta(hours=1, seconds=1), ids=(2,)), T0)
    assert created and later.id != first.id
    assert store.get(first.id).count == 1
    # the newest live alert of the key takes the next detection
    merged, created = store.record(detection(T0 + timedelta(hours=1, minutes=5), ids=(3,)), T0)
    assert not created and merged.id == later.id


def test_a_closed_alert_is_never_reopened(store: AlertStore) -> None:
    first, _ = store.record(detection(T0), T0)
    store.close(first.id, "true_positive", "alice", now=T0)
    second, created = store.record(detection(T0 + timedelta(minutes=1), ids=(2,)), T0)
    assert created and second.id != first.id
    assert store.get(first.id).status == "closed" and store.get(first.id).count == 1


def test_other_host_group_or_rule_is_another_alert(store: AlertStore) -> None:
    base, _ = store.record(detection(T0), T0)
    for other in (
        detection(T0, host="web02"),
        detection(T0, group={"source.ip": "198.51.100.1"}),
        detection(T0, rule=replace(RULE, id="other")),
    ):
        alert, created = store.record(other, T0)
        assert created and alert.id != base.id


def test_workflow_is_persisted_with_history(store: AlertStore) -> None:
    alert, _ = store.record(detection(), T0)
    store.assign(alert.id, "carol", "alice", note="yours", now=T0)
    store.ack(alert.id, "carol", now=T0)
    store.note(alert.id, "carol", "blocked at the firewall", now=T0)
    store.close(alert.id, "true_positive", "carol", now=T0)
    again = store.get(alert.id)
    assert (again.status, again.reason, again.assignee) == ("closed", "true_positive", "carol")
    assert [(e.actor, e.action) for e in again.history] == [
        ("govsec-detect", "created"),
        ("alice", "assigned"),
        ("carol", "acknowledged"),
        ("carol", "noted"),
        ("carol", "closed"),
    ]
    assert [e.note for e in again.notes] == ["yours", "blocked at the firewall"]
    with pytest.raises(BadTransition, match="already closed"):
        store.close(alert.id, "duplicate", "carol")
    assert len(store.get(alert.id).history) == 5  # the refused step wrote nothing


def test_unknown_ids_and_bad_filters_say_what_was_expected(store: AlertStore) -> None:
    with pytest.raises(UnknownAlert, match="no alert has the id 'A-nope'"):
        store.ack("A-nope", "alice")
    with pytest.raises(AlertError, match="expected one of open, acknowledged, closed"):
        store.list(status="done")
    with pytest.raises(AlertError, match="expected one of informational, low"):
        store.list(severity="urgent")


def test_list_filters(store: AlertStore) -> None:
    low_rule = replace(RULE, id="low-rule", level="low")
    high, _ = store.record(detection(T0), T0)
    low, _ = store.record(detection(T0 + timedelta(hours=2), rule=low_rule, host="db01"), T0)
    assert [a.id for a in store.list()] == [low.id, high.id]  # last seen first
    assert [a.id for a in store.list(severity="medium")] == [high.id]
    assert [a.id for a in store.list(host="db01")] == [low.id]
    assert [a.id for a in store.list(rule=RULE.id)] == [high.id]
    assert [a.id for a in store.list(since=T0 + timedelta(hours=1))] == [low.id]
    store.close(high.id, "duplicate", "alice")
    assert [a.id for a in store.list()] == [low.id]
    assert [a.id for a in store.list(status="closed")] == [high.id]
    assert len(store.list(status=None)) == 2 and len(store.list(status=None, limit=1)) == 1


def test_outbox_keeps_one_row_per_alert_with_the_latest_payload(store: AlertStore) -> None:
    alert, _ = store.record(detection(T0, ids=(1,)), T0)
    store.record(detection(T0 + timedelta(minutes=1), ids=(2,)), T0)
    store.record(detection(T0 + timedelta(minutes=2), ids=(3,)), T0)
    rows = store.outbox()
    assert len(rows) == 1 and rows[0].payload["annotations"]["count"] == "3"
    assert not rows[0].resolved and "endsAt" not in rows[0].payload
    store.close(alert.id, "true_positive", "alice", now=T0 + timedelta(minutes=3))
    (closed,) = store.outbox()
    assert closed.resolved and closed.payload["endsAt"] == "2026-11-21T08:03:00Z"


def test_a_failed_transaction_loses_nothing_and_doubles_nothing(store: AlertStore) -> None:
    alert, _ = store.record(detection(T0, ids=(1,)), T0)
    store.save_state("position", b"10")
    with pytest.raises(RuntimeError, match="crash"), store.transaction():
        store.record(detection(T0 + timedelta(minutes=1), ids=(2,)), T0)
        store.record(detection(T0, host="web02"), T0)
        store.save_state("position", b"20")
        raise RuntimeError("crash mid-batch")
    assert store.load_state("position") == b"10"
    assert [a.id for a in store.list()] == [alert.id] and store.get(alert.id).count == 1
    assert len(store.outbox()) == 1
    # the replayed batch, this time committed, lands exactly once
    with store.transaction():
        store.record(detection(T0 + timedelta(minutes=1), ids=(2,)), T0)
        store.record(detection(T0, host="web02"), T0)
        store.save_state("position", b"20")
    assert store.get(alert.id).count == 2 and len(store.list()) == 2
    assert store.load_state("position") == b"20" and len(store.outbox()) == 2


def test_an_inner_block_that_fails_rolls_back_only_itself(store: AlertStore) -> None:
    with store.transaction():
        store.save_state("a", b"1")
        with pytest.raises(ValueError, match="inner"), store.transaction():
            store.save_state("b", b"2")
            raise ValueError("inner")
        store.save_state("c", b"3")
    assert (store.load_state("a"), store.load_state("b"), store.load_state("c")) == (
        b"1",
        None,
        b"3",
    )


def test_other_connections_see_nothing_until_the_outer_commit(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    with AlertStore(path) as writer, AlertStore(path) as reader:
        with writer.transaction():
            writer.record(detection(), T0)
            with writer.transaction():
                writer.save_state("k", b"v")
            assert reader.list() == [] and reader.load_state("k") is None
        assert len(reader.list()) == 1 and reader.load_state("k") == b"v"


def test_events_of_an_alert_tolerates_purged_events(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    kept, gone = event(1), event(2)
    with SqliteStore(path) as events:
        events.put([kept])
    with AlertStore(path) as store:
        ids = [kept["event"]["id"], gone["event"]["id"]]
        alert, _ = store.record(replace(detection(), event_ids=ids, count=2), T0)
        found = store.events_of(alert)
    assert [e["event"]["id"] for e in found.found] == [kept["event"]["id"]]
    assert found.missing == [gone["event"]["id"]]


def test_tables_sit_beside_the_events_with_their_own_version(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    with AlertStore(path):
        pass
    db = apsw.Connection(str(path))
    tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"events", "alerts", "alert_history", "alert_outbox", "detect_state"} <= tables
    assert db.execute("PRAGMA user_version").fetchone()[0] == 2  # the event store's
    assert db.execute("SELECT value FROM alerts_meta").fetchone()[0] == 1
    db.execute("UPDATE alerts_meta SET value = 99")
    db.close()
    with pytest.raises(StoreError, match="schema version 99, newer than"):
        AlertStore(path)


def test_open_alert_store_urls(tmp_path: Path) -> None:
    with open_alert_store(f"sqlite://{tmp_path / 'x.db'}") as store:
        assert store.path == tmp_path / "x.db"
    with open_alert_store(None, environ={"GOVSEC_HOME": str(tmp_path / "home")}) as store:
        assert store.path == tmp_path / "home" / "siem" / "events.db"
    with pytest.raises(AlertError, match="SQLite store for now"):
        open_alert_store("https://user:secret@es:9200")
    with pytest.raises(AlertError, match=r"unknown store URL 'ftp://x'"):
        open_alert_store("ftp://x")


def test_backoff_doubles_up_to_five_minutes() -> None:
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 7, 8, 100)] == [
        5,
        10,
        20,
        300,
        300,
        300,
    ]


def test_a_detection_folds_by_its_own_time_in_either_direction(store: AlertStore) -> None:
    recent, _ = store.record(detection(T0, ids=(1,)), T0)
    # read later, happened 30 minutes before: inside the window, on the early side
    earlier, created = store.record(detection(T0 - timedelta(minutes=30), ids=(2,)), T0)
    assert not created and earlier.id == recent.id
    assert store.get(recent.id).first_seen == T0 - timedelta(minutes=30)
    # years before: never "within an hour" of an alert last seen now
    old, created = store.record(detection(T0 - timedelta(days=3 * 365), ids=(3,)), T0)
    assert created and old.id != recent.id
    assert store.get(recent.id).count == 2


def test_a_late_detection_joins_the_live_alert_whose_window_it_lies_in(store: AlertStore) -> None:
    first, _ = store.record(detection(T0, ids=(1,)), T0)
    second, created = store.record(detection(T0 + timedelta(hours=3), ids=(2,)), T0)
    assert created
    # between the two, nearer the first: it joins the first, not the newest
    late, created = store.record(detection(T0 + timedelta(minutes=20), ids=(3,)), T0)
    assert not created and late.id == first.id
    assert (store.get(first.id).count, store.get(second.id).count) == (2, 1)
    # in neither window: a third alert
    _, created = store.record(detection(T0 + timedelta(hours=1, minutes=30), ids=(4,)), T0)
    assert created
