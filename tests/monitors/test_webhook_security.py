"""The webhook takes only what Alertmanager sends (issue 17), and govsec serve leaks nothing.

A Host of this server, ``application/json``, no browser context (Origin, Sec-Fetch-*,
Cookie), JSON no deeper than :data:`MAX_DEPTH`; security headers and no ``Server`` banner on
every answer; a web config with password hashes readable by others refused; the DingTalk token
hidden in every form a server may echo it; the store and the local stack's files private.
"""

from __future__ import annotations

import json
import logging
import socket
import stat
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import bcrypt
import pytest
from prometheus_client.registry import CollectorRegistry

from monitors.server import SECURITY_HEADERS, HostCheck, ServeError, Server, load_web_config
from monitors.server import make_app as make_server_app
from monitors.stack import LocalStack
from monitors.webhook import MAX_DEPTH, DingTalkForwarder, NotificationStore, WebhookReceiver
from tests.monitors.test_webhook import TOKEN, body, payload

SECRET = "SECdeadbeefcafe0123"  # noqa: S105 - a test value


@pytest.fixture
def store(tmp_path: Path) -> Iterator[NotificationStore]:
    with NotificationStore(tmp_path / "serve" / "notifications.db") as opened:
        yield opened


@pytest.fixture
def server(store: NotificationStore) -> Iterator[Server]:
    app = make_server_app(CollectorRegistry(), WebhookReceiver(store))
    running = Server("127.0.0.1", 0, app, None).start()
    try:
        yield running
    finally:
        running.stop()


def raw_request(port: int, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send ``request`` as it is; the status, the headers (lower-case names) and the body."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
        conn.sendall(request)
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("iso-8859-1").split("\r\n")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(lines[0].split()[1]), headers, rest


def post(
    server: Server,
    data: bytes,
    *,
    host: str | None = None,
    content_type: str | None = "application/json",
    extra: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    headers = {"Host": f"127.0.0.1:{server.port}" if host is None else host, **(extra or {})}
    if content_type is not None:
        headers["Content-Type"] = content_type
    head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    request = (
        f"POST /webhook/alertmanager HTTP/1.1\r\n{head}Content-Length: {len(data)}\r\n"
        "Connection: close\r\n\r\n"
    ).encode() + data
    return raw_request(server.port, request)


# -- what the webhook accepts ------------------------------------------------------------------


def test_alertmanagers_own_request_is_recorded(server: Server, store: NotificationStore) -> None:
    # what Alertmanager 0.25 sends: application/json, Host of the URL, no Origin, no cookie
    status, _, answer = post(server, body(payload()))
    assert (status, json.loads(answer)) == (200, {"recorded": 1, "replays": 0})
    assert len(store.list()) == 1


@pytest.mark.parametrize(
    "host",
    ["x", "evil.example:{port}", "127.0.0.1:1", "localhost.evil.example:{port}", "", "[::1]:x"],
)
def test_a_host_not_this_servers_is_refused(
    server: Server, store: NotificationStore, host: str, caplog: pytest.LogCaptureFixture
) -> None:
    """DNS rebinding: the attacker's name resolved to 127.0.0.1 still says its name."""
    status, headers, answer = post(server, body(payload()), host=host.format(port=server.port))
    assert status == 421
    assert f"127.0.0.1:{server.port}" in json.loads(answer)["error"]
    assert "server" not in headers
    assert store.list() == []
    assert any("is not this server's address" in r.getMessage() for r in caplog.records)


def test_other_names_of_this_server_are_accepted(store: NotificationStore) -> None:
    app = make_server_app(CollectorRegistry(), WebhookReceiver(store))
    running = Server("127.0.0.1", 0, app, None, allowed_hosts=["govsec.example.gov.cn"]).start()
    try:
        for host in ("localhost", "[::1]", "govsec.example.gov.cn", "GOVSEC.example.gov.cn."):
            status, _, _ = post(running, body(payload()), host=f"{host}:{running.port}")
            assert status == 200, host
    finally:
        running.stop()


def test_host_check_rules() -> None:
    wildcard = HostCheck.for_listen("0.0.0.0", 9713)  # noqa: S104 - not bound
    assert wildcard.allows("10.0.8.5:9713")
    assert wildcard.allows("[fd00::5]:9713")
    assert not wildcard.allows("rebind.example:9713")
    assert not wildcard.allows("10.0.8.5:80")
    named = HostCheck.for_listen("10.0.8.5", 80, ["govsec.example"])
    assert named.allows("govsec.example")  # port 80 left out, as HTTP clients do
    assert named.allows("10.0.8.5:80")
    assert not named.allows("localhost:80")  # not a loopback listen
    assert not named.allows(None)


@pytest.mark.parametrize(
    ("content_type", "data"),
    [
        ("text/plain;charset=UTF-8", body(payload())),  # fetch(…, {mode: "no-cors"})
        (
            "application/x-www-form-urlencoded",
            urllib.parse.urlencode({json.dumps(payload())[:-1] + ',"x":"': '"}'}).encode(),
        ),
        ("multipart/form-data; boundary=x", b"--x\r\n\r\n" + body(payload()) + b"\r\n--x--"),
        (None, body(payload())),
        ("application/jsonx", body(payload())),
    ],
)
def test_bodies_a_form_or_no_cors_fetch_can_send_are_refused(
    server: Server, store: NotificationStore, content_type: str | None, data: bytes
) -> None:
    status, _, answer = post(server, data, content_type=content_type)
    assert status == 415
    assert "application/json" in json.loads(answer)["error"]
    assert store.list() == []


def test_json_with_a_charset_is_alertmanagers_too(server: Server) -> None:
    status, _, _ = post(server, body(payload()), content_type="Application/JSON; charset=utf-8")
    assert status == 200


@pytest.mark.parametrize(
    "header",
    [
        {"Origin": "http://127.0.0.1:1"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Mode": "no-cors"},
        {"Cookie": "session=1"},
    ],
)
def test_a_request_from_a_browser_context_is_refused(
    server: Server, store: NotificationStore, header: dict[str, str]
) -> None:
    status, _, answer = post(server, body(payload()), extra=header)
    assert status == 403
    assert next(iter(header)) in json.loads(answer)["error"]
    assert store.list() == []


def test_messages_are_in_chinese_too(server: Server) -> None:
    from secops.i18n import set_lang

    set_lang("zh")
    try:
        status, _, answer = post(server, body(payload()), content_type="text/plain")
    finally:
        set_lang("en")
    assert status == 415
    assert "只接受 application/json" in json.loads(answer)["error"]


# -- deep JSON ---------------------------------------------------------------------------------


@pytest.mark.parametrize("opener", [b"[", b'{"a":'])
def test_deep_json_is_a_400_in_one_log_line_without_traceback(
    server: Server, store: NotificationStore, caplog: pytest.LogCaptureFixture, opener: bytes
) -> None:
    deep = opener * 1000 + b"1" + (b"]" if opener == b"[" else b"}") * 1000
    caplog.set_level(logging.DEBUG)
    status, _, answer = post(server, deep)
    assert status == 400
    assert f"deeper than {MAX_DEPTH}" in json.loads(answer)["error"]
    refusals = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(refusals) == 1
    assert refusals[0].exc_info is None
    assert "\n" not in refusals[0].getMessage()
    assert "Traceback" not in caplog.text
    assert store.list() == []


def test_depth_counts_brackets_outside_strings_only(store: NotificationStore) -> None:
    receiver = WebhookReceiver(store)
    alert = payload()["alerts"][0]
    alert["annotations"]["summary"] = "[" * 5000 + '\\"{' * 100
    assert receiver.handle(body(payload(alert)))[0] == 200
    nested: object = "x"
    for _ in range(MAX_DEPTH):
        nested = [nested]
    at_limit = payload()
    at_limit["extra"] = nested  # an unknown field, ignored: MAX_DEPTH + 1 levels in all
    status, answer = receiver.handle(body(at_limit))
    assert status == 400 and "deeper" in answer["error"]
    at_limit["extra"] = nested[0]  # type: ignore[index]
    assert receiver.handle(body(at_limit))[0] == 200


# -- headers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n", 200),
        (b"GET /-/healthy HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n", 200),
        (b"GET /nowhere HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n", 404),
        (b"GET /metrics HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n", 421),
        (b"GET / HTTP/1.1\r\nX: " + b"a" * 70000 + b"\r\n\r\n", 431),  # the HTTP layer's
        (b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n", 414),
    ],
)
def test_every_answer_has_security_headers_and_no_banner(
    server: Server, request_bytes: bytes, status: int
) -> None:
    request = request_bytes.replace(b"{port}", str(server.port).encode())
    got, headers, _ = raw_request(server.port, request)
    assert got == status
    assert "server" not in headers
    for name, value in SECURITY_HEADERS:
        assert headers.get(name.lower()) == value, name
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"


# -- the web config ----------------------------------------------------------------------------


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604])
def test_a_web_config_with_hashes_open_to_others_is_refused(tmp_path: Path, mode: int) -> None:
    hashed = bcrypt.hashpw(b"pw", bcrypt.gensalt(rounds=4)).decode()
    path = tmp_path / "web.yml"
    path.write_text(f"basic_auth_users:\n  alertmanager: '{hashed}'\n")
    path.chmod(mode)
    with pytest.raises(ServeError) as raised:
        load_web_config(path)
    assert str(path) in raised.value.message
    assert f"{mode:04o}" in raised.value.message
    assert raised.value.hint == f"its password hashes can be cracked offline: chmod 600 {path}"
    path.chmod(0o600)
    assert load_web_config(path).basic_auth_users["alertmanager"] == hashed


def test_a_web_config_without_secrets_may_be_world_readable(tmp_path: Path) -> None:
    path = tmp_path / "web.yml"
    path.write_text("http_server_config: {}\n")
    path.chmod(0o644)
    assert load_web_config(path).basic_auth_users == {}


# -- DingTalk's token --------------------------------------------------------------------------


ECHOES = {
    # a 4xx page naming the token bare, a JSON errmsg echoing it, and percent-encoded
    "http-error": (403, f"<html>access_token {TOKEN} is forbidden</html>"),
    "errmsg": (200, json.dumps({"errcode": 300001, "errmsg": f"token {TOKEN} is not exist"})),
    "encoded": (502, f"bad gateway for {urllib.parse.quote(TOKEN, safe='')}"),
    "secret": (200, json.dumps({"errcode": 310000, "errmsg": f"sign not match {SECRET}"})),
}


@pytest.fixture
def echoing() -> Iterator[tuple[ThreadingHTTPServer, dict[str, str]]]:
    """A robot that echoes the token (and its signing secret) back in its answers."""
    state = {"echo": "errmsg", "signs": ""}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
            state["signs"] += query.get("sign", [""])[0]
            status, text = ECHOES[state["echo"]]
            text += f" sign={query.get('sign', [''])[0]} raw {query.get('sign', [''])[0]}"
            data = text.encode()
            self.send_response(status)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server, state
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("echo", sorted(ECHOES))
def test_the_token_is_hidden_in_every_form_and_place(
    echoing: tuple[ThreadingHTTPServer, dict[str, str]],
    store: NotificationStore,
    caplog: pytest.LogCaptureFixture,
    echo: str,
) -> None:
    server, state = echoing
    state["echo"] = echo
    port = server.server_address[1]
    robot = DingTalkForwarder(
        f"http://127.0.0.1:{port}/robot/send?access_token={TOKEN}", SECRET, timeout=2
    )
    caplog.set_level(logging.DEBUG)
    status, answer = WebhookReceiver(store, [robot]).handle(body(payload()))
    assert status == 503
    (row,) = store.list()
    error = row.deliveries["dingtalk"].last_error or ""
    sign = urllib.parse.unquote_plus(state["signs"])
    assert sign  # the robot saw a signature: it must be hidden as well
    for place in (json.dumps(answer), error, caplog.text):
        for secret in (TOKEN, urllib.parse.quote(TOKEN, safe=""), SECRET, sign):
            assert secret not in place, (echo, secret, place)
        assert "***" in place


# -- files -------------------------------------------------------------------------------------


def test_the_store_is_0600_in_0700_folders_made_for_it(tmp_path: Path) -> None:
    path = tmp_path / "new" / "data" / "serve" / "notifications.db"
    with NotificationStore(path) as opened:
        opened.record("r", "g", [])
    for folder in (tmp_path / "new", tmp_path / "new" / "data", path.parent):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    for file in path.parent.iterdir():
        assert stat.S_IMODE(file.stat().st_mode) == 0o600, file


def test_the_local_stack_writes_private_files(tmp_path: Path) -> None:
    home = tmp_path / "stack" / "home"
    stack = LocalStack(home, "127.0.0.1:9713", webhook_password="pw")  # noqa: S106
    stack.write_configs()
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert stat.S_IMODE(home.parent.stat().st_mode) == 0o700
    files = list(home.iterdir())
    assert {f.name for f in files} >= {"webhook-password", "alertmanager.yml", "prometheus.yml"}
    for file in files:
        assert stat.S_IMODE(file.stat().st_mode) == 0o600, file
