"""Delivery to Alertmanager: payloads, retries while it is down or failing, 4xx kept.

The end-to-end tests run Debian's real ``prometheus-alertmanager`` on 127.0.0.1 (a port of
their own, no clustering, storage in tmp_path); a small relay on 127.0.0.1 stands in front of
it to answer 5xx for a while and to count what reaches it.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import threading
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from monitors.stack import launch_alertmanager, stop_process, wait_ready
from secops.alerts.alertmanager import (
    FIRING_HOLD,
    AlertmanagerClient,
    AlertmanagerError,
    alertname,
    deliver,
    label_name,
    load_auth,
    payload,
)
from secops.alerts.model import Alert
from secops.alerts.store import AlertStore
from tests.secops.alerts.conftest import RULE, T0, detection

LOCAL = "127.0.0.1"  # the only address these tests bind or connect to


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOCAL, 0))
        return int(sock.getsockname()[1])


class Relay:
    """An HTTP endpoint on 127.0.0.1: fails ``fail`` times with ``status``, then forwards
    to ``upstream`` (or answers 200), remembering every alert it was sent."""

    def __init__(self, upstream: str | None = None) -> None:
        self.upstream = upstream
        self.fail = 0
        self.status = 503
        self.reject_label: str | None = None
        self.posts: list[list[dict[str, Any]]] = []
        relay = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                alerts = json.loads(body)
                relay.posts.append(alerts)
                if relay.fail > 0:
                    relay.fail -= 1
                    self._answer(relay.status, b"try later")
                elif relay.reject_label and any(relay.reject_label in a["labels"] for a in alerts):
                    self._answer(400, b'{"code":400,"message":"bad label"}')
                elif relay.upstream is None:
                    self._answer(200, b"")
                else:
                    request = urllib.request.Request(  # noqa: S310 - 127.0.0.1 only
                        relay.upstream + self.path,
                        data=body,
                        headers={"Content-Type": "application/json"},
                    )
                    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
                        self._answer(answer.status, answer.read())

            def _answer(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer((LOCAL, 0), Handler)
        self.url = f"http://{LOCAL}:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def received(self) -> list[dict[str, Any]]:
        return [alert for post in self.posts for alert in post]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def relay() -> Iterator[Relay]:
    server = Relay()
    yield server
    server.close()


def record_three(store: AlertStore) -> list[Alert]:
    return [store.record(detection(host=f"web0{n}"), T0)[0] for n in range(1, 4)]


# -- payloads ----------------------------------------------------------------------------------


def test_payload_labels_route_on_severity_rule_host_and_controls() -> None:
    alert = Alert.from_detection("A-00000000aa", detection(group={"source.ip": "1.2.3.4"}), T0)
    body = payload(alert)
    assert body["labels"] == {
        "alertname": "ssh_brute_force_from_one_source",
        "rule": RULE.id,
        "severity": "high",
        "host": "web01",
        "mlps_control": "ce.ia.a,ce.au.a",
        "mlps_area": "ce.ia,ce.au",
        "attack_technique": "T1110.001",
        "alert_id": "A-00000000aa",
        "source_ip": "1.2.3.4",
    }
    assert body["startsAt"] == "2026-11-21T08:00:00Z" and "endsAt" not in body
    assert body["annotations"]["summary"] == "SSH brute force from one source on web01"
    assert body["annotations"]["count"] == "1"
    resolved = payload(alert, resolved_at=T0 + timedelta(hours=1))
    assert resolved["endsAt"] == "2026-11-21T09:00:00Z"


def test_label_names_are_sanitised_and_never_hide_ours() -> None:
    assert label_name("source.ip") == "source_ip"
    assert label_name("user-name") == "user_name"
    assert label_name("severity") == "group_severity"
    assert label_name("1st") == "group_1st"
    assert label_name("__meta") == "group___meta"
    alert = Alert.from_detection("A-1", detection(group={"host": "evil", "x": "1"}), T0)
    labels = payload(alert)["labels"]
    assert labels["host"] == "web01" and labels["group_host"] == "evil"


def test_alertname_falls_back_to_the_rule_id_for_a_title_without_latin_letters() -> None:
    rule = replace(RULE, title="暴力破解")
    assert alertname(Alert.from_detection("A-1", detection(rule=rule), T0)) == RULE.id


def test_credentials_come_from_the_environment_or_a_file(tmp_path: Path) -> None:
    secret = tmp_path / "am.auth"
    secret.write_text("govsec:s3cret\n")
    with pytest.raises(AlertmanagerError, match="open to group or others"):
        load_auth(secret, {})  # a credentials file others may read is refused
    secret.chmod(0o600)
    assert load_auth(secret, {}) == ("govsec", "s3cret")
    assert load_auth(secret, {"GOVSEC_ALERTMANAGER_AUTH": "a:b"}) == ("a", "b")
    assert load_auth(None, {}) is None
    secret.write_text("no colon\n")
    with pytest.raises(AlertmanagerError, match="not user:password"):
        load_auth(secret, {})
    with pytest.raises(AlertmanagerError, match="never in the URL"):
        AlertmanagerClient("http://u:p@127.0.0.1:9093")


# -- delivery against a stand-in ---------------------------------------------------------------


def test_5xx_keeps_alerts_queued_with_backoff_then_delivers(
    store: AlertStore, relay: Relay
) -> None:
    alerts = record_three(store)
    client = AlertmanagerClient(relay.url, timeout=5)
    relay.fail = 2
    now = datetime.now(UTC)
    first = deliver(store, client, now)
    assert first.delivered == 0 and first.retrying == 3
    assert first.error is not None and "503" in first.error
    rows = store.outbox()
    assert {r.attempts for r in rows} == {1} and all(r.last_error for r in rows)
    assert first.next_try == now + timedelta(seconds=5)
    assert deliver(store, client, now).delivered == 0  # not due yet: nothing sent
    assert len(relay.posts) == 1
    second = deliver(store, client, now + timedelta(seconds=5))
    assert second.retrying == 3 and {r.attempts for r in store.outbox()} == {2}
    assert second.next_try == now + timedelta(seconds=15)  # 5 s, then 10 s
    third = deliver(store, client, now + timedelta(seconds=15))
    assert (third.delivered, third.error, third.next_try) == (3, None, None)
    assert store.outbox() == []
    last = relay.posts[-1]
    assert sorted(a["labels"]["alert_id"] for a in last) == sorted(a.id for a in alerts)
    # firing alerts are held open for a day from the sending time
    sent = datetime.fromisoformat(last[0]["endsAt"])
    assert sent == now + timedelta(seconds=15) + FIRING_HOLD


def test_a_4xx_is_kept_as_rejected_and_the_others_go_through(
    store: AlertStore, relay: Relay
) -> None:
    good = store.record(detection(host="web01"), T0)[0]
    bad = store.record(detection(host="web02", group={"poison": "1"}), T0)[0]
    relay.reject_label = "poison"
    report = deliver(store, AlertmanagerClient(relay.url))
    assert report.delivered == 1 and [a for a, _ in report.rejected] == [bad.id]
    assert "400" in report.rejected[0][1] and "bad label" in report.rejected[0][1]
    (kept,) = store.outbox()
    assert (kept.alert_id, kept.state) == (bad.id, "rejected")
    assert deliver(store, AlertmanagerClient(relay.url)).rejected == []  # not retried blindly
    assert good.id not in {r.alert_id for r in store.outbox()}
    relay.reject_label = None
    store.retry_rejected(datetime.now(UTC))
    assert deliver(store, AlertmanagerClient(relay.url)).delivered == 1
    assert store.outbox() == []


def test_a_change_after_sending_is_sent_again(store: AlertStore, relay: Relay) -> None:
    alert = store.record(detection(), T0)[0]
    client = AlertmanagerClient(relay.url)
    assert deliver(store, client).delivered == 1
    store.close(alert.id, "false_positive", "alice", now=T0 + timedelta(minutes=5))
    assert deliver(store, client).delivered == 1
    resolved = relay.received[-1]
    assert resolved["endsAt"] == "2026-11-21T08:05:00Z"
    assert resolved["annotations"]["reason"] == "false_positive"


def test_open_alerts_are_refreshed_before_alertmanager_would_resolve_them(
    store: AlertStore, relay: Relay
) -> None:
    store.record(detection(), T0)
    client = AlertmanagerClient(relay.url)
    now = datetime.now(UTC)
    assert deliver(store, client, now).delivered == 1
    assert deliver(store, client, now + timedelta(hours=11)).delivered == 0
    assert deliver(store, client, now + timedelta(hours=12, seconds=1)).delivered == 1


# -- the real Alertmanager ---------------------------------------------------------------------


def alertmanager_binary() -> str:
    found = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("CI must have Debian's prometheus-alertmanager installed")
        pytest.skip("prometheus-alertmanager is not installed")
    return found


class RealAlertmanager:
    """Debian's Alertmanager on 127.0.0.1:<port>, started and stopped at will."""

    def __init__(self, home: Path) -> None:
        self.binary = alertmanager_binary()
        self.home = home
        self.port = free_port()
        self.url = f"http://{LOCAL}:{self.port}"
        self.config = home / "alertmanager.yml"
        self.config.write_text(
            "route:\n  receiver: nobody\n  group_wait: 1h\nreceivers:\n  - name: nobody\n"
        )
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process, log = launch_alertmanager(self.config, self.home, self.port, log_level="warn")
        wait_ready(self.url, self.process, log, timeout=30)

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)
            self.process = None

    def alerts(self) -> list[dict[str, Any]]:
        with urllib.request.urlopen(f"{self.url}/api/v2/alerts", timeout=5) as answer:  # noqa: S310
            return list(json.loads(answer.read()))


@pytest.fixture
def alertmanager(tmp_path: Path) -> Iterator[RealAlertmanager]:
    am = RealAlertmanager(tmp_path)
    yield am
    am.stop()


def test_alerts_wait_while_alertmanager_is_down_and_arrive_once_it_is_up(
    store: AlertStore, alertmanager: RealAlertmanager
) -> None:
    alerts = record_three(store)
    client = AlertmanagerClient(alertmanager.url, timeout=2)
    down = deliver(store, client)
    assert down.delivered == 0 and down.retrying == 3
    assert down.error is not None and "did not answer" in down.error
    assert {(r.state, r.attempts) for r in store.outbox()} == {("pending", 1)}
    alertmanager.start()
    up = deliver(store, client, datetime.now(UTC) + timedelta(seconds=5))
    assert (up.delivered, up.error) == (3, None) and store.outbox() == []
    seen = alertmanager.alerts()
    assert sorted(a["labels"]["alert_id"] for a in seen) == sorted(a.id for a in alerts)
    for got in seen:
        assert got["status"]["state"] == "active"
        assert got["labels"]["severity"] == "high" and got["labels"]["rule"] == RULE.id
        assert got["labels"]["mlps_control"] == "ce.ia.a,ce.au.a"
        assert got["labels"]["mlps_area"] == "ce.ia,ce.au"
    # killed after delivery, a closing waits too, and resolves the alert once it is back
    alertmanager.stop()
    store.close(alerts[0].id, "true_positive", "alice")
    assert deliver(store, client).retrying == 1
    alertmanager.start()  # a fresh process on the same storage
    assert deliver(store, client, datetime.now(UTC) + timedelta(seconds=5)).delivered == 1
    states = {a["labels"]["alert_id"]: a for a in alertmanager.alerts()}
    resolved = states.get(alerts[0].id)
    # Alertmanager's list leaves out resolved alerts, or shows them with a past end time
    assert resolved is None or datetime.fromisoformat(
        resolved["endsAt"].replace("Z", "+00:00")
    ) <= datetime.now(UTC)


def test_alertmanager_behind_503s_gets_every_alert_exactly_once(
    tmp_path: Path, alertmanager: RealAlertmanager
) -> None:
    alertmanager.start()
    front = Relay(upstream=alertmanager.url)
    try:
        with AlertStore(tmp_path / "events.db") as store:
            alerts = record_three(store)
            front.fail = 3
            client = AlertmanagerClient(front.url)
            now = datetime.now(UTC)
            reports = [deliver(store, client, now + timedelta(seconds=s)) for s in (0, 5, 15, 35)]
            assert [r.delivered for r in reports] == [0, 0, 0, 3]
            assert all("503" in (r.error or "") for r in reports[:3])
            assert store.outbox() == []
            forwarded = front.posts[3:]  # the first three never reached Alertmanager
            ids = [a["labels"]["alert_id"] for post in forwarded for a in post]
            assert sorted(ids) == sorted(a.id for a in alerts)  # each sent once
            seen = [a["labels"]["alert_id"] for a in alertmanager.alerts()]
            assert sorted(seen) == sorted(a.id for a in alerts)
    finally:
        front.close()


def test_the_route_in_the_docs_is_valid_and_routes_on_our_labels(tmp_path: Path) -> None:
    import re

    amtool = shutil.which("amtool")
    if amtool is None:
        pytest.skip("amtool (prometheus-alertmanager) is not installed")
    docs = Path(__file__).resolve().parents[3] / "docs" / "alerts.md"
    block = re.search(r"```yaml\n(global:.*?)```", docs.read_text(encoding="utf-8"), re.S)
    assert block is not None, "docs/alerts.md lost its example Alertmanager configuration"
    config = tmp_path / "am.yml"
    config.write_text(block.group(1))
    check = subprocess.run([amtool, "check-config", str(config)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    labels = payload(Alert.from_detection("A-1", detection(), T0))["labels"]
    argv = [amtool, "config", "routes", "test", f"--config.file={config}"]
    routed = subprocess.run(
        [*argv, *(f"{k}={v}" for k, v in labels.items())], capture_output=True, text=True
    )
    assert routed.stdout.strip() == "oncall-pager", routed.stdout + routed.stderr


def test_follow_delivers_until_stopped_and_sleeps_until_the_next_try(
    store: AlertStore, relay: Relay
) -> None:
    from secops.alerts.alertmanager import follow, seconds_until

    record_three(store)
    stop = threading.Event()
    reports = []

    def seen(report: Any) -> None:
        reports.append(report)
        stop.set()

    follow(store, AlertmanagerClient(relay.url), stop, idle=0.1, on_pass=seen)
    assert [r.delivered for r in reports] == [3] and store.outbox() == []
    assert seconds_until(None, T0, 5.0) == 5.0
    assert seconds_until(T0 + timedelta(seconds=2), T0, 5.0) == 2.0
    assert seconds_until(T0 - timedelta(seconds=2), T0, 5.0) == 0.0
