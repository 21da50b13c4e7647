"""The alert workflow on its own: open → acknowledged → closed, and what it refuses."""

from __future__ import annotations

from datetime import timedelta

import pytest

from secops.alerts.model import MAX_EVENT_IDS, Alert, BadTransition, dedup_key
from tests.secops.alerts.conftest import RULE, T0, detection, eid


def new_alert() -> Alert:
    return Alert.from_detection("A-0000000001", detection(ids=(1, 2)), T0)


def test_a_new_alert_carries_the_rule_and_detection() -> None:
    alert = new_alert()
    assert (alert.status, alert.severity, alert.count) == ("open", "high", 2)
    assert alert.controls == RULE.controls and alert.techniques == ("T1110.001",)
    assert alert.group == {"source.ip": "203.0.113.9"} and alert.host == "web01"
    assert [e.action for e in alert.history] == ["created"]


def test_ack_then_close_records_each_step() -> None:
    alert = new_alert()
    alert.acknowledge("alice", T0, "looking")
    alert.close("false_positive", "bob", T0 + timedelta(minutes=1), "a scanner we run")
    assert (alert.status, alert.reason) == ("closed", "false_positive")
    assert [(e.actor, e.action) for e in alert.history[1:]] == [
        ("alice", "acknowledged"),
        ("bob", "closed"),
    ]
    assert [e.note for e in alert.notes] == ["looking", "a scanner we run"]


def test_close_straight_from_open() -> None:
    alert = new_alert()
    alert.close("duplicate", "bob", T0)
    assert alert.status == "closed"


@pytest.mark.parametrize(
    ("steps", "match"),
    [
        (["ack", "ack"], "is acknowledged: only an open alert can be acknowledged"),
        (["close", "ack"], "is closed: only an open alert can be acknowledged"),
        (["close", "close"], "already closed"),
        (["close", "assign"], "is closed: there is nothing left to assign"),
    ],
)
def test_transitions_the_workflow_forbids(steps: list[str], match: str) -> None:
    alert = new_alert()
    do = {
        "ack": lambda: alert.acknowledge("alice", T0),
        "close": lambda: alert.close("true_positive", "alice", T0),
        "assign": lambda: alert.assign("carol", "alice", T0),
    }
    for step in steps[:-1]:
        do[step]()
    before = list(alert.history)
    with pytest.raises(BadTransition, match=match):
        do[steps[-1]]()
    assert alert.history == before  # a refused step leaves no trace


def test_close_needs_a_known_reason() -> None:
    with pytest.raises(BadTransition, match="expected one of true_positive, false_positive"):
        new_alert().close("bored", "alice", T0)


def test_assign_and_note_before_close_note_after_close() -> None:
    alert = new_alert()
    alert.assign("carol", "alice", T0, "yours")
    assert alert.assignee == "carol"
    alert.close("true_positive", "carol", T0)
    alert.add_note("carol", T0, "reported to CNCERT")
    assert alert.history[-1].action == "noted" and alert.status == "closed"
    with pytest.raises(BadTransition, match="must not be empty"):
        alert.add_note("carol", T0, "  ")


def test_merge_counts_new_events_only_and_keeps_the_newest_ids() -> None:
    alert = new_alert()
    assert alert.merge(detection(T0 + timedelta(minutes=1), ids=(2, 3)), T0)
    assert alert.count == 3  # event 2 was already behind it
    assert not alert.merge(detection(T0 + timedelta(minutes=1), ids=(2, 3)), T0)  # a replay
    alert.merge(detection(T0 + timedelta(minutes=2), ids=tuple(range(10, 110))), T0)
    assert alert.count == 103
    assert len(alert.event_ids) == MAX_EVENT_IDS and alert.event_ids[-1] == eid(109)
    # consecutive merges are one history entry, the latest
    assert [e.action for e in alert.history] == ["created", "merged"]
    assert "count 103" in alert.history[-1].detail


def test_dedup_key_ignores_group_order_and_tells_hosts_apart() -> None:
    one = dedup_key("r", "h", {"a": "1", "b": "2"})
    assert one == dedup_key("r", "h", {"b": "2", "a": "1"})
    assert one != dedup_key("r", "h2", {"a": "1", "b": "2"})
    assert one != dedup_key("r", "h", {"a": "1", "b": "3"})
    assert dedup_key("r", None, {}) != dedup_key("r", "", {"": ""})
