"""`govsec alerts notifications`: what the webhook recorded, as an operator lists it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from monitors.webhook import NotificationStore, WebhookReceiver
from tests.conftest import govsec
from tests.monitors.test_webhook import alert, body, payload

HOSTILE = "evil\x1b[31m[red]boom[/red]"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    found = dict(os.environ, GOVSEC_HOME=str(tmp_path / "home"), GOVSEC_LANG="en", COLUMNS="250")
    for name in ("GOVSEC_CONFIG", "GOVSEC_DINGTALK_URL", "GOVSEC_DINGTALK_SECRET"):
        found.pop(name, None)
    return found


def seed(path: Path) -> None:
    with NotificationStore(path) as store:
        receiver = WebhookReceiver(store)
        receiver.handle(body(payload(alert("a"))))
        receiver.handle(body(payload(alert("a", status="resolved"))))
        receiver.handle(body(payload(alert("b", host=HOSTILE, alertname="NodeDown"))))


def test_lists_the_default_store_newest_first(env: dict[str, str], tmp_path: Path) -> None:
    seed(tmp_path / "home" / "serve" / "notifications.db")
    result = govsec("alerts", "notifications", "--format", "json", env=env)
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [(r["labels"]["alertname"], r["status"]) for r in rows] == [
        ("NodeDown", "firing"),
        ("AuditdNotRunning", "resolved"),
        ("AuditdNotRunning", "firing"),
    ]
    assert rows[0]["labels"]["host"] == HOSTILE
    assert rows[0]["receiver"] == "govsec"

    table = govsec("alerts", "notifications", "--limit", "2", env=env)
    assert table.returncode == 0, table.stderr
    assert "2 notification(s)" in table.stdout
    assert "NodeDown" in table.stdout
    assert "\x1b" not in table.stdout
    assert "\\x1b[31m[red]boom[/red]" in table.stdout


def test_another_store_path_and_chinese(env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "elsewhere.db"
    seed(path)
    result = govsec(
        "alerts", "notifications", "--store-path", str(path), env={**env, "GOVSEC_LANG": "zh"}
    )
    assert result.returncode == 0, result.stderr
    assert "3 条通知" in result.stdout
    assert "接收时间" in result.stdout


def test_no_store_yet_lists_nothing_and_creates_nothing(
    env: dict[str, str], tmp_path: Path
) -> None:
    result = govsec("alerts", "notifications", "--format", "json", env=env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []
    assert not (tmp_path / "home" / "serve").exists()
