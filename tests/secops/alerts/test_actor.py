"""Issue 17.6: the actor of a workflow change is who ran it; ``--by`` is only "on behalf of"."""

from __future__ import annotations

import json
import os
import pwd
import subprocess
from pathlib import Path

import apsw
import pytest

from secops.alerts.model import os_account
from secops.alerts.store import AlertStore
from tests.conftest import govsec
from tests.secops.alerts.conftest import T0, detection

ME = pwd.getpwuid(os.geteuid()).pw_name


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """What an impostor controls: the environment says mallory."""
    found = {k: v for k, v in os.environ.items() if not k.startswith("GOVSEC_")}
    found.update(
        {
            "GOVSEC_HOME": str(tmp_path / "home"),
            "GOVSEC_LANG": "en",
            "COLUMNS": "250",
            "USER": "mallory",
            "LOGNAME": "mallory",
            "LNAME": "mallory",
            "USERNAME": "mallory",
        }
    )
    return found


@pytest.fixture
def alert(tmp_path: Path) -> tuple[str, str]:
    path = tmp_path / "events.db"
    with AlertStore(path) as alerts:
        raised = alerts.record(detection(), T0)[0]
    return f"sqlite://{path}", raised.id


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    result = govsec("alerts", *args, env=env)
    assert result.returncode == 0, result.stderr
    return result


def test_the_account_that_ran_it_is_the_actor_whatever_by_or_user_say(
    env: dict[str, str], alert: tuple[str, str]
) -> None:
    store, alert_id = alert
    assert os_account() == ME
    acked = run(env, "ack", alert_id, "--by", "mallory", "--store", store)
    assert f"acknowledged by {ME} (on behalf of mallory)" in acked.stdout
    run(env, "note", alert_id, "seen", "--store", store)  # no --by; USER=mallory
    run(env, "close", alert_id, "--reason", "false_positive", "--by", "bob", "--store", store)
    shown = json.loads(run(env, "show", alert_id, "--store", store, "--format", "json").stdout)
    assert [(e["action"], e["actor"], e["on_behalf_of"]) for e in shown["history"]] == [
        ("created", "govsec-detect", None),
        ("acknowledged", ME, "mallory"),
        ("noted", ME, None),
        ("closed", ME, "bob"),
    ]
    table = run(env, "show", alert_id, "--store", store).stdout
    assert f"{ME} (on behalf of mallory)" in table and f"{ME} (on behalf of bob)" in table
    zh = govsec("--lang", "zh", "alerts", "show", alert_id, "--store", store, env=env).stdout
    assert f"{ME}（代表 mallory）" in zh


def test_history_written_before_the_annotation_still_loads(tmp_path: Path) -> None:
    """A store from before ``on_behalf_of``: its rows load as they were, new ones gain it."""
    path = tmp_path / "events.db"
    with AlertStore(path) as alerts:
        alert_id = alerts.record(detection(), T0)[0].id
    db = apsw.Connection(str(path))
    db.execute("ALTER TABLE alert_history DROP COLUMN on_behalf_of")
    db.execute(
        "INSERT INTO alert_history (alert, time, actor, action, detail, note)"
        " VALUES (?, 1, 'carol', 'noted', '', 'from an older govsec')",
        (alert_id,),
    )
    db.close()
    with AlertStore(path) as alerts:
        old = alerts.get(alert_id).history
        assert [(e.actor, e.action, e.on_behalf_of) for e in old] == [
            ("govsec-detect", "created", None),
            ("carol", "noted", None),
        ]
        alerts.ack(alert_id, "alice", on_behalf_of="dave", now=T0)
        assert alerts.get(alert_id).history[-1].on_behalf_of == "dave"
    with AlertStore(path) as alerts:  # opened again: nothing left to add
        assert alerts.get(alert_id).history[-1].actor == "alice"
