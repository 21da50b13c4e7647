"""Debian's real Alertmanager still delivers to the hardened webhook, basic auth included.

govsec serve with a web config holding ``basic_auth_users`` (mode 0600); the shipped tree with
its ``http_config.basic_auth.password_file`` pointed at the plain password (monitors.stack);
an alert posted to Alertmanager's API. What Alertmanager sends — ``application/json``, the
URL's ``Host``, no Origin, the credentials — passes every check of issue 17, and the alert is
recorded once.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import bcrypt
import pytest

from monitors.stack import LocalStack, StackError, free_port
from monitors.webhook import NotificationStore
from tests.monitors.test_e2e import wait_for

PASSWORD = "webhook pass 1"  # noqa: S105 - a test value
ALERT = "WebhookAuthProbe"


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """govsec serve with basic auth on a free loopback port: (HOST:PORT, notification store)."""
    hashed = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()
    config = tmp_path / "web.yml"
    config.write_text(f"basic_auth_users:\n  alertmanager: '{hashed}'\n")
    config.chmod(0o600)
    notifications = tmp_path / "serve" / "notifications.db"
    port = free_port()
    log = (tmp_path / "serve.log").open("ab")
    process = subprocess.Popen(
        [
            sys.executable, "-m", "secops", "serve", "--listen", f"127.0.0.1:{port}",
            "--web-config", str(config), "--notifications", str(notifications),
            "--audits", str(tmp_path / "audits"),
        ],
        env={**os.environ, "GOVSEC_HOME": str(tmp_path / "home")},
        stdout=subprocess.DEVNULL,
        stderr=log,
    )  # fmt: skip
    try:
        wait_for("govsec serve", notifications.exists, timeout=60)
        yield f"127.0.0.1:{port}", notifications
    finally:
        process.terminate()
        process.wait(timeout=30)


def probes(path: Path) -> list[str]:
    with NotificationStore(path) as store:
        return [n.status for n in store.list(limit=100) if n.labels.get("alertname") == ALERT]


def test_real_alertmanager_delivers_with_basic_auth(
    serve: tuple[str, Path], tmp_path: Path
) -> None:
    address, notifications = serve
    try:
        stack = LocalStack(tmp_path / "stack", address, webhook_password=PASSWORD).start()
    except StackError as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(str(exc))
    try:
        alert = [{"labels": {"alertname": ALERT, "severity": "low", "host": "web-1"}}]
        request = urllib.request.Request(  # noqa: S310 - loopback
            f"{stack.alertmanager_url}/api/v2/alerts",
            data=json.dumps(alert).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - loopback
            assert answer.status == 200
        wait_for("the notification at the webhook", lambda: bool(probes(notifications)), 60)
        time.sleep(4)  # two group intervals: replays are not rows
        assert probes(notifications) == ["firing"]
    finally:
        stack.stop()
    log = (tmp_path / "serve.log").read_text()
    assert "refused" not in log, log
