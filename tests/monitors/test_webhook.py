"""The Alertmanager webhook: dedup, payload checks, answers, the store, and a fake DingTalk."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import logging
import shutil
import socket
import stat
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import apsw
import pytest

from monitors.webhook import (
    DINGTALK_TEXT_LIMIT,
    MAX_BODY,
    DingTalkForwarder,
    DingTalkSettings,
    ForwardError,
    Notification,
    NotificationStore,
    NotificationStoreError,
    WebhookError,
    WebhookReceiver,
    dingtalk_message,
    dingtalk_sign,
    load_dingtalk,
    markdown_escape,
)
from tests.conftest import as_nobody, require_root

TOKEN = "tok3n-5ecret-4cce55"  # noqa: S105 - a test value
SECRET = "SECf00dfeedc0ffee"  # noqa: S105 - a test value
T0 = "2024-05-01T08:00:00.123456789Z"


def alert(fingerprint: str = "fp-1", status: str = "firing", **labels: str) -> dict[str, Any]:
    return {
        "status": status,
        "labels": {
            "alertname": "AuditdNotRunning",
            "severity": "high",
            "host": "web-1",
            "mlps_area": "ce.au",
            "mlps_control": "ce.au.c",
            "scope": "host",
            **labels,
        },
        "annotations": {"summary": "auditd is not running on web-1"},
        "startsAt": T0,
        "endsAt": "2024-05-01T09:00:00Z" if status == "resolved" else "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus:9090/graph?g0.expr=up",
        "fingerprint": fingerprint,
    }


def payload(*alerts: dict[str, Any], group_key: str = '{}:{alertname="X"}') -> dict[str, Any]:
    alerts = alerts or (alert(),)
    return {
        "version": "4",
        "groupKey": group_key,
        "truncatedAlerts": 0,
        "status": "firing" if any(a["status"] == "firing" for a in alerts) else "resolved",
        "receiver": "govsec",
        "groupLabels": {"alertname": "AuditdNotRunning"},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager:9093",
        "alerts": list(alerts),
    }


def body(data: object) -> bytes:
    return json.dumps(data).encode()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[NotificationStore]:
    with NotificationStore(tmp_path / "serve" / "notifications.db") as opened:
        yield opened


# -- a fake DingTalk ---------------------------------------------------------------------------


@dataclass
class FakeDingTalk:
    """A DingTalk robot on 127.0.0.1 that checks the token and the signature as DingTalk does."""

    mode: str = "ok"  # ok | 500 | hang | text | ratelimit
    secret: str = SECRET
    messages: list[dict[str, Any]] = field(default_factory=list)
    attempts: int = 0
    released: threading.Event = field(default_factory=threading.Event)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/robot/send?access_token={TOKEN}"

    def verdict(self, query: dict[str, list[str]]) -> tuple[int, dict[str, Any] | str]:
        if query.get("access_token") != [TOKEN]:
            return 200, {"errcode": 300001, "errmsg": "token is not exist"}
        stamp, sign = query.get("timestamp", [""])[0], query.get("sign", [""])[0]
        if not stamp.isdigit() or abs(int(stamp) - time.time() * 1000) > 3600_000:
            return 200, {"errcode": 310000, "errmsg": "sign not match, timestamp is invalid"}
        expected = base64.b64encode(
            hmac.new(
                self.secret.encode(), f"{stamp}\n{self.secret}".encode(), hashlib.sha256
            ).digest()
        ).decode()
        if not hmac.compare_digest(sign, expected):
            return 200, {"errcode": 310000, "errmsg": "sign not match"}
        if self.mode == "500":
            return 500, "<html>internal error</html>"
        if self.mode == "text":
            return 200, "<html>gateway</html>"
        if self.mode == "ratelimit":
            return 200, {"errcode": 130101, "errmsg": "send too fast"}
        return 200, {"errcode": 0, "errmsg": "ok"}


@pytest.fixture
def dingtalk() -> Iterator[FakeDingTalk]:
    fake = FakeDingTalk()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            message = json.loads(self.rfile.read(length))
            fake.attempts += 1
            if fake.mode == "hang":
                fake.released.wait(10)
                return
            status, answer = fake.verdict(parse_qs(urlsplit(self.path).query))
            if status == 200 and isinstance(answer, dict) and answer["errcode"] == 0:
                fake.messages.append(message)
            data = answer.encode() if isinstance(answer, str) else json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    fake.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        fake.released.set()
        server.shutdown()
        server.server_close()


def forwarder(fake: FakeDingTalk, secret: str | None = SECRET) -> DingTalkForwarder:
    return DingTalkForwarder(fake.url, secret, timeout=0.5)


# -- dedup -------------------------------------------------------------------------------------


def test_a_replay_is_counted_not_recorded(store: NotificationStore) -> None:
    receiver = WebhookReceiver(store)
    assert receiver.handle(body(payload())) == (200, {"recorded": 1, "replays": 0})
    assert receiver.handle(body(payload())) == (200, {"recorded": 0, "replays": 1})
    rows = store.list()
    assert len(rows) == 1
    assert rows[0].replays == 1
    assert rows[0].labels["alertname"] == "AuditdNotRunning"
    assert rows[0].receiver == "govsec"
    stats = store.stats()
    assert stats.received == {"firing": 1, "resolved": 0}
    assert stats.replays == 1


def test_the_same_alert_in_another_group_is_another_row(store: NotificationStore) -> None:
    receiver = WebhookReceiver(store)
    receiver.handle(body(payload(group_key="a")))
    assert receiver.handle(body(payload(group_key="b")))[1]["recorded"] == 1
    assert len(store.list()) == 2


def test_firing_then_resolved_makes_two_rows(store: NotificationStore) -> None:
    receiver = WebhookReceiver(store)
    receiver.handle(body(payload(alert())))
    status, answer = receiver.handle(body(payload(alert(status="resolved"))))
    assert (status, answer) == (200, {"recorded": 1, "replays": 0})
    rows = store.list()
    assert [r.status for r in rows] == ["resolved", "firing"]
    assert rows[0].ends_at == "2024-05-01T09:00:00Z"
    assert store.stats().received == {"firing": 1, "resolved": 1}


def test_a_new_start_of_the_same_fingerprint_is_a_new_row(store: NotificationStore) -> None:
    receiver = WebhookReceiver(store)
    receiver.handle(body(payload(alert())))
    again = {**alert(), "startsAt": "2024-05-02T08:00:00Z"}
    assert receiver.handle(body(payload(again)))[1] == {"recorded": 1, "replays": 0}


def test_unknown_fields_are_ignored_and_kept_in_the_raw_alert(store: NotificationStore) -> None:
    data = payload({**alert(), "silencedBy": [], "someFutureField": {"x": 1}})
    data["someTopLevelNovelty"] = True
    data["status2"] = "whatever"
    assert WebhookReceiver(store).handle(body(data)) == (200, {"recorded": 1, "replays": 0})
    row = store.list()[0]
    assert row.alert["someFutureField"] == {"x": 1}
    assert row.annotations == {"summary": "auditd is not running on web-1"}


# -- bad payloads ------------------------------------------------------------------------------


def _without(data: dict[str, Any], *path: str | int) -> dict[str, Any]:
    data = copy.deepcopy(data)
    node: Any = data
    for part in path[:-1]:
        node = node[part]
    del node[path[-1]]
    return data


def _with(data: dict[str, Any], value: Any, *path: str | int) -> dict[str, Any]:
    data = copy.deepcopy(data)
    node: Any = data
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return data


THREE = payload(alert("a"), alert("b"), alert("c"))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"{not json", "the body is not JSON"),
        (b"\xff\xfe", "the body is not JSON"),
        (b"[]", "body: "),
        (
            body(_without(THREE, "alerts", 2, "fingerprint")),
            "alerts[2].fingerprint: Field required",
        ),
        (body(_with(THREE, "", "alerts", 1, "fingerprint")), "alerts[1].fingerprint: "),
        (body(_with(THREE, "3", "version")), "version: "),
        (body(_with(THREE, 4, "version")), "version: "),
        (body(_without(THREE, "version")), "version: Field required"),
        (body(_without(THREE, "groupKey")), "groupKey: Field required"),
        (body(_with(THREE, "pending", "alerts", 0, "status")), "alerts[0].status: "),
        (body(_with(THREE, 5, "alerts", 0, "labels", "severity")), "alerts[0].labels.severity: "),
        (body(_with(THREE, "yesterday", "alerts", 0, "startsAt")), "alerts[0].startsAt: "),
        (body(_with(THREE, {"a": 1}, "alerts")), "alerts: "),
    ],
)
def test_a_bad_payload_is_a_400_naming_the_field(
    store: NotificationStore, raw: bytes, expected: str
) -> None:
    status, answer = WebhookReceiver(store).handle(raw)
    assert status == 400
    assert answer["error"].startswith(expected), answer
    assert store.list() == []


def test_an_oversize_body_is_a_413(store: NotificationStore) -> None:
    big = payload(alert(summary="x" * (MAX_BODY + 1)))
    status, answer = WebhookReceiver(store).handle(body(big))
    assert status == 413
    assert str(MAX_BODY) in answer["error"]
    assert store.list() == []


def test_handle_never_raises(store: NotificationStore) -> None:
    class Broken:
        name = "broken"

        def send(self, alerts: object) -> None:
            raise RuntimeError("a bug")

    status, answer = WebhookReceiver(store, [Broken()]).handle(body(payload()))  # type: ignore[list-item]
    assert status == 500
    assert "internal error" in answer["error"]
    assert len(store.list()) == 1  # recorded before forwarding: Alertmanager's retry forwards


# -- the store ---------------------------------------------------------------------------------


def test_the_store_is_private(tmp_path: Path) -> None:
    path = tmp_path / "data" / "serve" / "notifications.db"
    with NotificationStore(path) as opened:
        WebhookReceiver(opened).handle(body(payload()))
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    for name in ("notifications.db", "notifications.db-wal", "notifications.db-shm"):
        if (path.parent / name).exists():
            assert stat.S_IMODE((path.parent / name).stat().st_mode) == 0o600, name


def test_a_closed_store_is_a_503(store: NotificationStore) -> None:
    store.close()
    status, answer = WebhookReceiver(store).handle(body(payload()))
    assert status == 503
    assert "closed" in answer["error"]


def test_a_locked_store_is_a_503_and_the_retry_records(tmp_path: Path) -> None:
    path = tmp_path / "notifications.db"
    with NotificationStore(path, busy_timeout=0.1) as opened:
        receiver = WebhookReceiver(opened)
        other = apsw.Connection(str(path))
        other.execute("BEGIN EXCLUSIVE")
        status, answer = receiver.handle(body(payload()))
        assert status == 503
        assert "cannot write" in answer["error"]
        other.execute("ROLLBACK")
        other.close()
        assert receiver.handle(body(payload())) == (200, {"recorded": 1, "replays": 0})


READ_ONLY_SCRIPT = """
import json, pathlib, sys
from monitors.webhook import NotificationStore, NotificationStoreError, WebhookReceiver
folder = pathlib.Path(sys.argv[1])
try:
    store = NotificationStore(folder / "notifications.db")
except NotificationStoreError as exc:
    print(json.dumps(["refused", str(exc)]))
else:
    print(json.dumps(["answered", WebhookReceiver(store).handle((folder / "body").read_bytes())]))
"""


def test_a_store_it_may_not_write_is_refused_or_a_503() -> None:
    """As a user who may read the store but not write it (root may write anything)."""
    require_root()
    folder = Path(tempfile.mkdtemp(prefix="govsec-ro-"))
    try:
        folder.chmod(0o755)
        path = folder / "notifications.db"
        NotificationStore(path).close()
        path.chmod(0o644)
        (folder / "body").write_bytes(body(payload()))
        (folder / "body").chmod(0o644)
        result = as_nobody("-c", READ_ONLY_SCRIPT, str(folder))
        assert result.returncode == 0, result.stderr
        verdict, detail = json.loads(result.stdout)
        if verdict == "refused":  # govsec serve would not start, naming the store
            assert str(path) in detail
        else:
            assert detail[0] == 503, detail
        with NotificationStore(path) as store:
            assert store.list() == []  # nothing half-written
    finally:
        shutil.rmtree(folder)


def test_a_store_that_cannot_be_made_says_where(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(NotificationStoreError, match="cannot open the notification store"):
        NotificationStore(tmp_path / "file" / "notifications.db")


def test_concurrent_replays_make_one_row_and_one_message(
    store: NotificationStore, dingtalk: FakeDingTalk
) -> None:
    receiver = WebhookReceiver(store, [forwarder(dingtalk)])
    raw = body(payload())
    answers: list[tuple[int, dict[str, Any]]] = []
    start = threading.Barrier(20)

    def post() -> None:
        start.wait()
        answers.append(receiver.handle(raw))

    threads = [threading.Thread(target=post) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [status for status, _ in answers] == [200] * 20
    assert sum(a["recorded"] for _, a in answers) == 1
    assert sum(a["replays"] for _, a in answers) == 19
    rows = store.list()
    assert len(rows) == 1
    assert rows[0].replays == 19
    assert len(dingtalk.messages) == 1


# -- forwarding to DingTalk --------------------------------------------------------------------


def test_a_signed_message_reaches_dingtalk(
    store: NotificationStore, dingtalk: FakeDingTalk
) -> None:
    receiver = WebhookReceiver(store, [forwarder(dingtalk)])
    assert receiver.handle(body(payload())) == (200, {"recorded": 1, "replays": 0})
    (message,) = dingtalk.messages
    assert message["msgtype"] == "markdown"
    text = message["markdown"]["text"]
    for expected in ("AuditdNotRunning", "high", "web-1", "ce.au / ce.au.c", "FIRING"):
        assert expected in text
    assert "auditd is not running on web\\-1" in text or "auditd is not running on web-1" in text
    row = store.list()[0]
    assert row.deliveries["dingtalk"].state == "delivered"
    assert row.deliveries["dingtalk"].attempts == 1
    assert store.stats().pending == {"dingtalk": 0}


def test_only_new_alerts_of_a_group_are_forwarded(
    store: NotificationStore, dingtalk: FakeDingTalk
) -> None:
    receiver = WebhookReceiver(store, [forwarder(dingtalk)])
    receiver.handle(body(payload(alert("a", host="first-host"))))
    answer = receiver.handle(body(payload(alert("a", host="first-host"), alert("b", host="web-9"))))
    assert answer == (200, {"recorded": 1, "replays": 1})
    assert len(dingtalk.messages) == 2
    assert "web\\-9" in dingtalk.messages[1]["markdown"]["text"] or "web-9" in str(
        dingtalk.messages[1]
    )
    assert "first" not in dingtalk.messages[1]["markdown"]["text"]


@pytest.mark.parametrize(
    ("mode", "secret", "reason"),
    [
        ("ok", "SECwrong", "errcode 310000"),
        ("500", SECRET, "HTTP 500"),
        ("text", SECRET, "no errcode"),
        ("ratelimit", SECRET, "errcode 130101"),
        ("hang", SECRET, "did not answer"),
    ],
)
def test_a_downstream_failure_is_a_503_and_the_retry_forwards_once(
    store: NotificationStore,
    dingtalk: FakeDingTalk,
    caplog: pytest.LogCaptureFixture,
    mode: str,
    secret: str,
    reason: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    dingtalk.mode = mode
    receiver = WebhookReceiver(store, [forwarder(dingtalk, secret)])
    status, answer = receiver.handle(body(payload()))
    assert status == 503
    assert reason in answer["error"]
    assert answer["recorded"] == 1
    row = store.list()[0]
    assert row.deliveries["dingtalk"].state == "pending"
    assert reason in (row.deliveries["dingtalk"].last_error or "")
    for text in (answer["error"], row.deliveries["dingtalk"].last_error or "", caplog.text):
        assert TOKEN not in text
        assert secret not in text
    assert store.stats().forward_failures == {"dingtalk": 1}
    assert store.stats().pending == {"dingtalk": 1}
    assert dingtalk.messages == []

    # DingTalk recovers (or the secret is fixed); Alertmanager retries the same notification
    dingtalk.mode = "ok"
    dingtalk.released.set()
    fixed = WebhookReceiver(store, [forwarder(dingtalk)])
    assert fixed.handle(body(payload())) == (200, {"recorded": 0, "replays": 1})
    assert fixed.handle(body(payload())) == (200, {"recorded": 0, "replays": 1})
    assert len(dingtalk.messages) == 1
    rows = store.list()
    assert len(rows) == 1
    assert rows[0].deliveries["dingtalk"].state == "delivered"
    assert rows[0].deliveries["dingtalk"].attempts == 2
    stats = store.stats()
    assert stats.pending == {"dingtalk": 0}
    assert stats.forward_failures == {"dingtalk": 1}
    assert stats.received == {"firing": 1, "resolved": 0}


def test_a_refused_connection_hides_the_token(store: NotificationStore) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/robot/send?access_token={TOKEN}"
    robot = DingTalkForwarder(url, SECRET, timeout=0.5)
    status, answer = WebhookReceiver(store, [robot]).handle(body(payload()))
    assert status == 503
    assert "did not answer" in answer["error"]
    assert TOKEN not in answer["error"]
    assert "access_token=***" in answer["error"] or "?***" in answer["error"]


def test_a_resolution_supersedes_an_undelivered_firing(
    store: NotificationStore, dingtalk: FakeDingTalk
) -> None:
    dingtalk.mode = "500"
    receiver = WebhookReceiver(store, [forwarder(dingtalk)])
    assert receiver.handle(body(payload(alert())))[0] == 503
    dingtalk.mode = "ok"
    assert receiver.handle(body(payload(alert(status="resolved"))))[0] == 200
    (message,) = dingtalk.messages
    assert "RESOLVED" in message["markdown"]["text"]
    assert "FIRING" not in message["markdown"]["text"]
    assert store.stats().pending == {"dingtalk": 0}


def test_forward_error_is_a_webhook_error() -> None:
    assert issubclass(ForwardError, WebhookError)
    assert issubclass(NotificationStoreError, WebhookError)


# -- the DingTalk message and signature --------------------------------------------------------


def test_the_signature_matches_dingtalks_algorithm() -> None:
    # an independent published vector (the dingding crate's test), before URL encoding
    assert dingtalk_sign("secret", 1700000000000) == "OuzzJR5+xZ4/EYwqtNt6sMYZQMTa/HEGvc9miJe7XzY="
    robot = DingTalkForwarder("https://oapi.dingtalk.com/robot/send?access_token=x", "secret")
    assert robot.signed_url(1700000000000).endswith(
        "&timestamp=1700000000000&sign=OuzzJR5%2BxZ4%2FEYwqtNt6sMYZQMTa%2FHEGvc9miJe7XzY%3D"
    )
    unsigned = DingTalkForwarder("https://oapi.dingtalk.com/robot/send?access_token=x")
    assert unsigned.signed_url() == "https://oapi.dingtalk.com/robot/send?access_token=x"


def test_label_values_cannot_inject_markdown() -> None:
    hostile = "evil\n# heading [link](http://x) **bold** <b>html</b>"
    escaped = markdown_escape(hostile)
    assert "\n" not in escaped
    assert "\\[link\\]" in escaped
    assert "\\*\\*bold\\*\\*" in escaped
    assert "<b>" not in escaped


def _row(i: int, summary: str) -> Notification:
    from datetime import UTC, datetime

    return Notification(
        id=i,
        group_key="g",
        fingerprint=f"fp{i}",
        status="firing",
        starts_at=T0,
        ends_at=None,
        receiver="govsec",
        labels={"alertname": f"Alert{i}", "severity": "low", "host": "h"},
        annotations={"summary": summary},
        generator_url="",
        alert={},
        received=datetime.now(UTC),
        replays=0,
    )


def test_a_large_group_is_cut_to_dingtalks_size_with_a_note() -> None:
    rows = [_row(i, "告警" * 300) for i in range(200)]
    message = dingtalk_message(rows)
    text = message["markdown"]["text"]
    assert len(text.encode()) <= DINGTALK_TEXT_LIMIT
    assert "more alert(s) not shown" in text
    assert "Alert0" in text
    assert len(json.dumps(message, ensure_ascii=False).encode()) < 20_000


def test_a_bad_robot_url_is_refused_without_its_token() -> None:
    with pytest.raises(WebhookError) as caught:
        DingTalkForwarder(f"ftp://example/robot/send?access_token={TOKEN}")
    assert TOKEN not in str(caught.value)


# -- settings ----------------------------------------------------------------------------------


def _secret(path: Path, text: str, mode: int = 0o600) -> Path:
    path.write_text(text + "\n")
    path.chmod(mode)
    return path


def test_load_dingtalk_from_files_and_environment(tmp_path: Path) -> None:
    assert load_dingtalk({}, DingTalkSettings()) is None
    url = "https://oapi.dingtalk.com/robot/send?access_token=abc"
    settings = DingTalkSettings(
        url_file=_secret(tmp_path / "url", url), secret_file=_secret(tmp_path / "secret", SECRET)
    )
    robot = load_dingtalk({}, settings)
    assert robot is not None
    assert (robot.url, robot.secret) == (url, SECRET)
    from_env = load_dingtalk({"GOVSEC_DINGTALK_URL": url, "GOVSEC_DINGTALK_SECRET": "SECenv"})
    assert from_env is not None
    assert from_env.secret == "SECenv"  # noqa: S105 - a test value
    unsigned = load_dingtalk({"GOVSEC_DINGTALK_URL": url})
    assert unsigned is not None
    assert unsigned.secret is None


def test_load_dingtalk_refuses_a_secret_file_others_can_read(tmp_path: Path) -> None:
    settings = DingTalkSettings(
        url_file=_secret(tmp_path / "url", "https://oapi.dingtalk.com/robot/send?access_token=a"),
        secret_file=_secret(tmp_path / "secret", SECRET, 0o640),
    )
    with pytest.raises(WebhookError, match="open to group or others") as caught:
        load_dingtalk({}, settings)
    assert "chmod 600" in str(caught.value)
    assert SECRET not in str(caught.value)


def test_load_dingtalk_refuses_a_secret_without_a_url(tmp_path: Path) -> None:
    with pytest.raises(WebhookError, match="no robot URL"):
        load_dingtalk({"GOVSEC_DINGTALK_SECRET": SECRET})
    with pytest.raises(WebhookError, match="cannot read"):
        load_dingtalk({}, DingTalkSettings(url_file=tmp_path / "missing"))
