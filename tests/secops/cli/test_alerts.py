"""`govsec alerts` as an analyst runs it: list, show, ack, assign, note, close, send, outbox."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from secops.alerts.model import os_account
from secops.alerts.store import AlertStore
from secops.store.sqlite import SqliteStore
from tests.conftest import govsec
from tests.secops.alerts.conftest import RULE, T0, detection
from tests.secops.store.events import event

HOSTILE = "evil\x1b[31m[red]boom[/red]\x07"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    found = dict(os.environ, GOVSEC_HOME=str(tmp_path / "home"), GOVSEC_LANG="en", COLUMNS="250")
    for name in ("GOVSEC_STORE", "GOVSEC_CONFIG", "GOVSEC_ALERTMANAGER"):
        found.pop(name, None)
    return found


@pytest.fixture
def seeded(tmp_path: Path) -> tuple[str, list[str]]:
    """A store with two stored events and two alerts: one ordinary, one full of hostile text."""
    path = tmp_path / "events.db"
    events = [event(1, message=f"Failed password for {HOSTILE}"), event(2)]
    with SqliteStore(path) as store:
        store.put(events)
    ids = [e["event"]["id"] for e in events]
    with AlertStore(path) as alerts:
        plain = alerts.record(replace(detection(), event_ids=ids, count=2), T0)[0]
        hostile_rule = replace(RULE, id="hostile", title=f"title {HOSTILE}", level="critical")
        hostile = alerts.record(
            detection(rule=hostile_rule, host=HOSTILE, group={"user.name": HOSTILE}), T0
        )[0]
    return f"sqlite://{path}", [plain.id, hostile.id]


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return govsec("alerts", *args, env=env)


def as_json(result: subprocess.CompletedProcess[str]) -> Any:
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout)


def test_list_in_json_and_table(env: dict[str, str], seeded: tuple[str, list[str]]) -> None:
    store, (plain, hostile) = seeded
    listed = as_json(run(env, "list", "--store", store, "--format", "json"))
    assert {a["id"] for a in listed} == {plain, hostile}
    only = as_json(run(env, "list", "--store", store, "--severity", "critical", "--format", "json"))
    assert [a["id"] for a in only] == [hostile]
    table = run(env, "list", "--store", store)
    assert table.returncode == 0 and plain in table.stdout and "2 alert(s)" in table.stdout


def test_hostile_values_are_printed_escaped(
    env: dict[str, str], seeded: tuple[str, list[str]]
) -> None:
    store, (plain, hostile) = seeded
    for args in (("list",), ("show", hostile), ("show", plain)):
        result = run(env, *args, "--store", store)
        assert result.returncode == 0, result.stderr
        assert "\x1b" not in result.stdout and "\x07" not in result.stdout
        assert "\\x1b" in result.stdout and "[red]boom[/red]" in result.stdout
    shown = as_json(run(env, "show", hostile, "--store", store, "--format", "json"))
    assert shown["host"] == HOSTILE  # JSON keeps the value, escaped by JSON itself


def test_show_gives_history_and_the_events_that_raised_it(
    env: dict[str, str], seeded: tuple[str, list[str]]
) -> None:
    store, (plain, _) = seeded
    shown = as_json(run(env, "show", plain, "--store", store, "--format", "json"))
    assert shown["rule"]["id"] == RULE.id and shown["count"] == 2
    assert [e["action"] for e in shown["history"]] == ["created"]
    assert len(shown["events"]) == 2 and shown["missing_events"] == []
    table = run(env, "show", plain, "--store", store)
    assert "history" in table.stdout and "2 event(s) that raised it" in table.stdout


def test_the_workflow_from_the_command_line(
    env: dict[str, str], seeded: tuple[str, list[str]]
) -> None:
    store, (plain, _) = seeded
    assign = run(
        env, "assign", plain, "carol", "--by", "alice", "--note", "yours", "--store", store
    )
    me = os_account()  # the actor is who ran it; --by is only whom they acted for
    assert assign.returncode == 0
    assert f"{plain} assigned to carol by {me} (on behalf of alice)" in assign.stdout
    acked = as_json(run(env, "ack", plain, "--by", "carol", "--store", store, "--format", "json"))
    assert acked["status"] == "acknowledged" and acked["assignee"] == "carol"
    again = run(env, "ack", plain, "--store", store)
    assert again.returncode == 1
    assert "is acknowledged: only an open alert can be acknowledged" in again.stderr
    bad = run(env, "close", plain, "--reason", "bored", "--store", store)
    assert bad.returncode == 1 and "expected one of true_positive" in bad.stderr
    closed = run(
        env, "close", plain, "--reason", "true_positive", "--by", "carol", "--store", store
    )
    assert closed.returncode == 0
    assert f"closed by {me} (on behalf of carol) (true_positive)" in closed.stdout
    noted = run(env, "note", plain, "reported", "--by", "carol", "--store", store)
    assert noted.returncode == 0
    shown = as_json(run(env, "show", plain, "--store", store, "--format", "json"))
    assert [(e["actor"], e["on_behalf_of"], e["action"]) for e in shown["history"]] == [
        ("govsec-detect", None, "created"),
        (me, "alice", "assigned"),
        (me, "carol", "acknowledged"),
        (me, "carol", "closed"),
        (me, "carol", "noted"),
    ]
    assert as_json(run(env, "list", "--store", store, "--format", "json"))[0]["id"] != plain
    closed_list = as_json(
        run(env, "list", "--status", "closed", "--store", store, "--format", "json")
    )
    assert [a["id"] for a in closed_list] == [plain]


def test_unknown_ids_and_values_are_errors_that_say_why(
    env: dict[str, str], seeded: tuple[str, list[str]]
) -> None:
    store, _ = seeded
    missing = run(env, "show", "A-0000000000", "--store", store)
    assert missing.returncode == 1 and "no alert has the id 'A-0000000000'" in missing.stderr
    status = run(env, "list", "--status", "done", "--store", store)
    assert status.returncode == 1 and "expected one of live, open" in status.stderr
    es = run(env, "list", "--store", "https://127.0.0.1:9")
    assert es.returncode == 1 and "SQLite store for now" in es.stderr


def test_send_without_alertmanager_and_with_one_that_is_down(
    env: dict[str, str], seeded: tuple[str, list[str]]
) -> None:
    store, _ = seeded
    unset = run(env, "send", "--store", store)
    assert unset.returncode == 1 and "no Alertmanager is configured" in unset.stderr
    secret = run(env, "send", "--alertmanager", "http://u:p@127.0.0.1:9", "--store", store)
    assert secret.returncode == 1 and "holds credentials" in secret.stderr
    down = run(env, "send", "--alertmanager", "http://127.0.0.1:9", "--store", store)
    assert down.returncode == 1 and "delivered 0, waiting 2" in down.stdout
    assert "not taking alerts" in down.stderr
    env_url = dict(env, GOVSEC_ALERTMANAGER="http://127.0.0.1:9")
    result = govsec("alerts", "send", "--store", store, "--format", "json", env=env_url)
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["delivered"] == 0 and report["waiting"] == 2
    rows = as_json(run(env, "outbox", "--store", store, "--format", "json"))
    assert len(rows) == 2 and {r["attempts"] for r in rows} == {2}  # `send` tries at once
    assert all("did not answer" in r["last_error"] for r in rows)
