"""govsec serve's HTTP side: concurrent scrapes, basic auth, TLS, the webhook route, the CLI."""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import hashlib
import ipaddress
import json
import os
import socket
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import bcrypt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.registry import CollectorRegistry

from monitors.collectors import GovsecCollector, Sources
from monitors.server import (
    MAX_BODY,
    BasicAuth,
    ServeError,
    Server,
    SharedExposition,
    load_web_config,
    make_app,
)
from monitors.webhook import NotificationStore, WebhookReceiver
from secops.alerts.store import AlertStore
from secops.harden.record import record_run
from secops.harden.runner import HardenRun, HostSummary
from tests.conftest import govsec
from tests.monitors.test_collectors import audit_run, listener_status, write_audit
from tests.secops.alerts.conftest import T0, detection

PAYLOAD = {
    "version": "4",
    "groupKey": '{}:{alertname="CriticalAlertsOpen"}',
    "status": "firing",
    "receiver": "govsec",
    "groupLabels": {"alertname": "CriticalAlertsOpen"},
    "commonLabels": {},
    "commonAnnotations": {},
    "externalURL": "http://127.0.0.1:9093",
    "alerts": [
        {
            "status": "firing",
            "labels": {"alertname": "CriticalAlertsOpen", "severity": "critical"},
            "annotations": {"summary": "1 critical alert open"},
            "startsAt": "2026-11-21T08:00:00Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://127.0.0.1:9090/graph",
            "fingerprint": "c0ffee0000000001",
        }
    ],
}


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Sources:
    """A data tree with something in every source; the audit signed by the key of the account
    the server and the CLI run as (``home(tmp_path)``)."""
    monkeypatch.setenv("GOVSEC_HOME", str(tmp_path / "home"))
    sources = Sources(
        audits=tmp_path / "audits",
        harden=tmp_path / "harden" / "hosts.json",
        store=tmp_path / "siem" / "events.db",
        listener=tmp_path / "siem" / "events.listen.json",
    )
    write_audit(
        sources.audits,
        "r1",
        audit_run("2026-11-21T08:00:00+00:00", {"web01": (55.0, {"pass_max_days": "fail"})}),
    )
    record_run(tmp_path, HardenRun("i", "a", 3, False, "successful", 0, [HostSummary("web01")]))
    listener_status(sources, updated=time.time())
    assert sources.store is not None
    with AlertStore(sources.store) as alerts:
        alerts.record(detection(T0), T0)
    return sources


def start(
    sources: Sources,
    notifications: NotificationStore | None = None,
    *,
    auth: BasicAuth | None = None,
    tls: ssl.SSLContext | None = None,
) -> Server:
    registry = CollectorRegistry()
    registry.register(
        GovsecCollector(
            Sources(sources.audits, sources.harden, sources.store, sources.listener, notifications)
        )
    )
    receiver = WebhookReceiver(notifications) if notifications is not None else None
    return Server("127.0.0.1", 0, make_app(registry, receiver, auth=auth), tls).start()


@pytest.fixture
def server(tree: Sources, tmp_path: Path) -> Iterator[Server]:
    with NotificationStore(tmp_path / "serve" / "notifications.db") as notifications:
        running = start(tree, notifications)
        yield running
        running.stop()


def get(url: str, *, headers: dict[str, str] | None = None, **kwargs: object) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - loopback
    try:
        with urllib.request.urlopen(request, timeout=30, **kwargs) as answer:  # type: ignore[arg-type]  # noqa: S310
            return answer.status, answer.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def post(url: str, body: bytes) -> tuple[int, dict[str, object]]:
    request = urllib.request.Request(  # noqa: S310 - loopback
        url, data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def steady(body: bytes) -> list[str]:
    """The exposition without what legitimately moves between scrapes (their durations)."""
    return [
        line
        for line in body.decode().splitlines()
        if "scrape_duration_seconds{" not in line and "listener_up" not in line
    ]


def files_of(root: Path) -> dict[str, str]:
    """Every file's digest, leaving out SQLite's reader bookkeeping: the shared-memory index
    (-shm), which readers map, and an empty -wal, which a reader of a WAL database opens."""
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
        and not path.name.endswith("-shm")
        and not (path.name.endswith("-wal") and path.stat().st_size == 0)
    }


def test_a_hundred_concurrent_scrapes_agree_and_change_nothing(
    server: Server, tmp_path: Path
) -> None:
    before = files_of(tmp_path)
    with ThreadPoolExecutor(max_workers=100) as pool:
        answers = list(pool.map(lambda _: get(f"{server.url}/metrics"), range(100)))
    assert {status for status, _ in answers} == {200}
    first = steady(answers[0][1])
    assert all(steady(body) == first for _, body in answers[1:])
    families = {f.name: f for f in text_string_to_metric_families(answers[0][1].decode())}
    score = families["govsec_compliance_score_ratio"].samples
    assert [(s.labels["host"], s.value) for s in score] == [("web01", 0.55)]
    ups = {s.labels["collector"]: s.value for s in families["govsec_collector_up"].samples}
    assert set(ups.values()) == {1.0}, ups
    assert files_of(tmp_path) == before


def test_health_and_unknown_paths(server: Server) -> None:
    assert get(f"{server.url}/-/healthy")[0] == 200
    assert get(f"{server.url}/-/ready")[0] == 200
    status, body = get(f"{server.url}/no/such/path")
    assert status == 404 and b"no such path" in body


def test_the_webhook_route_records_and_refuses_what_it_should(server: Server) -> None:
    url = f"{server.url}/webhook/alertmanager"
    assert post(url, json.dumps(PAYLOAD).encode()) == (200, {"recorded": 1, "replays": 0})
    assert post(url, json.dumps(PAYLOAD).encode()) == (200, {"recorded": 0, "replays": 1})
    assert get(url)[0] == 405
    status, answer = post(url, b'{"version": "4"}')
    assert status == 400 and "groupKey" in json.dumps(answer)
    # an oversize body is refused on its Content-Length, before a byte of it is read
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as raw:
        raw.sendall(
            f"POST /webhook/alertmanager HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n".encode()
            + b"Content-Type: application/json\r\n"
            + f"Content-Length: {MAX_BODY + 1}\r\n\r\n".encode()
        )
        assert raw.recv(100).startswith(b"HTTP/1.0 413")
    _, metrics = get(f"{server.url}/metrics")
    text = metrics.decode()
    assert 'govsec_notifications_received_total{status="firing"} 1.0' in text
    assert "govsec_notifications_replays_total 1.0" in text


def home(path: Path) -> dict[str, str]:
    return {**os.environ, "GOVSEC_HOME": str(path / "home")}


def web_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "web.yml"
    path.write_text(text)
    path.chmod(0o600)  # it may hold password hashes: a looser file is refused
    return path


def test_basic_auth_from_a_web_config_with_bcrypt_hashes(tree: Sources, tmp_path: Path) -> None:
    hashed = bcrypt.hashpw(b"s3cret pass", bcrypt.gensalt(rounds=4)).decode()
    config = load_web_config(web_config(tmp_path, f"basic_auth_users:\n  prom: '{hashed}'\n"))
    server = start(tree, auth=BasicAuth(config.basic_auth_users))
    try:

        def with_auth(user: str, password: str) -> int:
            token = base64.b64encode(f"{user}:{password}".encode()).decode()
            return get(f"{server.url}/metrics", headers={"Authorization": f"Basic {token}"})[0]

        assert get(f"{server.url}/metrics")[0] == 401
        assert with_auth("prom", "wrong") == 401
        assert with_auth("nobody", "s3cret pass") == 401
        assert with_auth("prom", "s3cret pass") == 200
        assert with_auth("prom", "s3cret pass") == 200  # remembered, same answer
        status, _ = get(f"{server.url}/metrics", headers={"Authorization": "Basic !!notb64"})
        assert status == 401
    finally:
        server.stop()


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("basic_auth_users:\n  prom: plain-password\n", "basic_auth_users.prom"),
        ("tls_server_config:\n  cert_file: a.pem\n", "tls_server_config.key_file"),
        ("basic_auth: {}\n", "basic_auth"),
        ("tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS10\n", "min_ver"),
    ],
)
def test_a_bad_web_config_names_its_field(tmp_path: Path, text: str, field: str) -> None:
    with pytest.raises(ServeError) as raised:
        load_web_config(web_config(tmp_path, text))
    assert field in str(raised.value)


def self_signed(tmp_path: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def test_tls_from_a_web_config(tree: Sources, tmp_path: Path) -> None:
    cert_file, _ = self_signed(tmp_path)
    config = load_web_config(
        web_config(tmp_path, "tls_server_config:\n  cert_file: cert.pem\n  key_file: key.pem\n")
    )
    server = start(tree, tls=config.ssl_context())
    try:
        assert server.url.startswith("https://")
        trusted = ssl.create_default_context(cafile=str(cert_file))
        status, body = get(f"{server.url}/metrics", context=trusted)
        assert status == 200 and b"govsec_collector_up" in body
        with pytest.raises(urllib.error.URLError):  # a client that does not trust it
            get(f"{server.url}/metrics", context=ssl.create_default_context())
        with pytest.raises((urllib.error.URLError, ConnectionError)):  # plain HTTP
            get(server.url.replace("https://", "http://") + "/metrics")
        # a client that never finishes its handshake does not stop the others
        with socket.create_connection(("127.0.0.1", server.port)):
            assert get(f"{server.url}/-/healthy", context=trusted)[0] == 200
    finally:
        server.stop()


def test_serve_refuses_an_open_address_without_auth(tmp_path: Path) -> None:
    result = govsec("serve", "--listen", "0.0.0.0:9713", env=home(tmp_path))
    assert result.returncode != 0
    assert "refusing to listen on 0.0.0.0" in result.stderr


def test_metrics_prints_or_writes_a_textfile(tree: Sources, tmp_path: Path) -> None:
    store = f"sqlite://{tree.store}"
    printed = govsec("metrics", "--store", store, "--audits", str(tree.audits), env=home(tmp_path))
    assert printed.returncode == 0, printed.stderr
    assert 'govsec_compliance_score_ratio{host="web01",level="3"} 0.55' in printed.stdout
    target = tmp_path / "textfile" / "govsec.prom"
    target.parent.mkdir()
    written = govsec(
        "metrics", "--store", store, "--audits", str(tree.audits), "--textfile", str(target),
        env=home(tmp_path),
    )  # fmt: skip
    assert written.returncode == 0, written.stderr
    names = {f.name for f in text_string_to_metric_families(target.read_text())}
    assert {"govsec_compliance_score_ratio", "govsec_alerts_open"} <= names
    assert not list(target.parent.glob("*.tmp*")), "written atomically, nothing left behind"
    wrong = govsec("metrics", "--textfile", str(tmp_path / "govsec.txt"), env=home(tmp_path))
    assert wrong.returncode != 0 and ".prom" in wrong.stderr


class Slow:
    """A collector that counts its collections and takes a while, like a large site's."""

    def __init__(self) -> None:
        self.collections = 0

    def collect(self) -> list[GaugeMetricFamily]:
        self.collections += 1
        time.sleep(0.3)
        gauge = GaugeMetricFamily("govsec_build_info", "h", labels=["version"])
        gauge.add_metric([str(self.collections)], 1.0)
        return [gauge]


def test_concurrent_scrapes_share_one_collection_then_it_expires() -> None:
    slow = Slow()
    registry = CollectorRegistry()
    registry.register(slow)  # type: ignore[arg-type]
    now = [0.0]
    shared = SharedExposition(registry, share_for=1.0, clock=lambda: now[0])
    with ThreadPoolExecutor(max_workers=20) as pool:
        bodies = set(pool.map(lambda _: shared.render("", gzipped=False)[0], range(20)))
    assert slow.collections == 1 and len(bodies) == 1
    now[0] = 0.9
    assert shared.render("", gzipped=False)[0] in bodies  # still shared
    now[0] = 2.0
    assert b'version="2"' in shared.render("", gzipped=False)[0]  # built anew
    assert slow.collections == 2


def test_metrics_negotiate_openmetrics_and_gzip(server: Server) -> None:
    status, body = get(
        f"{server.url}/metrics",
        headers={
            "Accept": "application/openmetrics-text; version=1.0.0",
            "Accept-Encoding": "gzip",
        },
    )
    assert status == 200
    text = gzip.decompress(body).decode()
    assert text.rstrip().endswith("# EOF") and "govsec_collector_up" in text
