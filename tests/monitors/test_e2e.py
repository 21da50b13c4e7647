"""End to end with Debian's real Prometheus and Alertmanager on loopback.

A critical alert open in the store → govsec serve's /metrics → Prometheus evaluates
monitors/rules/security.yml (CriticalAlertsOpen) → Alertmanager routes it with the shipped
tree → the webhook of govsec serve records it once; the alert closed → the resolved
notification, once. Mail and WeCom receivers point at a closed loopback port (monitors.stack).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

from monitors.stack import LocalStack, StackError, free_port
from monitors.webhook import Notification, NotificationStore
from secops.alerts.store import AlertStore
from tests.monitors.test_collectors import CRITICAL
from tests.secops.alerts.conftest import T0, detection

ALERT = "CriticalAlertsOpen"


def wait_for(what: str, check: Callable[[], bool], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[tuple[str, Path, Path]]:
    """govsec serve on a free loopback port: (HOST:PORT, events store, notification store)."""
    store = tmp_path / "siem" / "events.db"
    notifications = tmp_path / "serve" / "notifications.db"
    port = free_port()
    with AlertStore(store):
        pass  # the store exists, empty, before serve reads it
    log = (tmp_path / "serve.log").open("ab")
    process = subprocess.Popen(
        [
            sys.executable, "-m", "secops", "serve", "--listen", f"127.0.0.1:{port}",
            "--store", f"sqlite://{store}", "--notifications", str(notifications),
            "--audits", str(tmp_path / "audits"),
        ],
        env={**os.environ, "GOVSEC_HOME": str(tmp_path / "home")},
        stdout=subprocess.DEVNULL,
        stderr=log,
    )  # fmt: skip
    try:
        wait_for("govsec serve", lambda: notifications.exists(), timeout=60)
        yield f"127.0.0.1:{port}", store, notifications
    finally:
        process.terminate()
        process.wait(timeout=30)


def rows(path: Path, status: str) -> list[Notification]:
    with NotificationStore(path) as store:
        return [
            n
            for n in store.list(limit=1000)
            if n.labels.get("alertname") == ALERT and n.status == status
        ]


def test_a_critical_alert_reaches_the_webhook_once_and_resolves_once(
    serve: tuple[str, Path, Path], tmp_path: Path
) -> None:
    address, store, notifications = serve
    try:
        stack = LocalStack(tmp_path / "stack", address).start()
    except StackError as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(str(exc))
    try:
        with AlertStore(store) as alerts:
            alert, _ = alerts.record(detection(T0, host="db01", rule=CRITICAL), T0)
        wait_for("the firing notification", lambda: bool(rows(notifications, "firing")))
        # several group intervals (2 s) and evaluations later, still one: replays are not rows
        time.sleep(8)
        (firing,) = rows(notifications, "firing")
        assert firing.receiver == "govsec-webhook"
        assert firing.labels == {
            "alertname": ALERT,
            "severity": "critical",
            "mlps_area": "ce.ip",
            "mlps_control": "ce.ip.f",
        }
        assert "Critical govsec alerts open" in firing.annotations["summary"]
        assert rows(notifications, "resolved") == []

        with AlertStore(store) as alerts:
            alerts.close(alert.id, "true_positive", "alice")
        wait_for("the resolved notification", lambda: bool(rows(notifications, "resolved")))
        time.sleep(6)
        (resolved,) = rows(notifications, "resolved")
        assert resolved.fingerprint == firing.fingerprint
        assert resolved.labels == firing.labels
        assert len(rows(notifications, "firing")) == 1
    finally:
        stack.stop()


def test_the_local_stack_sends_nothing_off_this_machine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    am, prom = LocalStack(Path("relative"), "127.0.0.1:9713").write_configs()
    config = yaml.safe_load(am.read_text())
    assert config["global"]["smtp_smarthost"].startswith("127.0.0.1:")
    assert config["global"]["wechat_api_url"].startswith("http://127.0.0.1:")
    destinations = []
    for receiver in config["receivers"]:
        for hook in receiver.get("webhook_configs", []):
            destinations.append(hook["url"])
            password = Path(hook["http_config"]["basic_auth"]["password_file"])
            assert password.is_absolute() and password.is_file()  # read relative to the config
        destinations += [m["smarthost"] for m in receiver.get("email_configs", [])]
        destinations += [w["api_url"] for w in receiver.get("wechat_configs", [])]
    assert len(destinations) == len(config["receivers"]) > 3
    assert all(d.removeprefix("http://").startswith("127.0.0.1:") for d in destinations)
    assert yaml.safe_load(prom.read_text())["rule_files"], "every rule file is loaded"
