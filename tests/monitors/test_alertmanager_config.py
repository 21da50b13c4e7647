"""monitors/alertmanager/ and monitors/prometheus/: the configurations load, every routing
case of routes.yml reaches exactly its receivers, and the inhibition rules hold in a real
Alertmanager on 127.0.0.1 (Debian's prometheus-alertmanager 0.25 and prometheus 2.42).

Nothing here talks to anything but an Alertmanager the test starts: the real-server test
strips every receiver's integrations, so no mail, WeCom or webhook is ever sent.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from monitors import stack

ROOT = Path(__file__).resolve().parents[2]
AM_DIR = ROOT / "monitors" / "alertmanager"
AM_CONFIG = AM_DIR / "alertmanager.yml"
ROUTES = AM_DIR / "routes.yml"
PROM_CONFIG = ROOT / "monitors" / "prometheus" / "prometheus.yml"
WEBHOOK_URL = "http://127.0.0.1:9713/webhook/alertmanager"
LOCAL = "127.0.0.1"
SEVERITIES = ("critical", "high", "medium", "low", "informational")


def binary(*names: str) -> str:
    """The first of ``names`` on PATH; skip without it (fail under CI)."""
    try:
        return stack.binary(*names)
    except stack.StackError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"CI must have it: {exc}")
        pytest.skip(str(exc))


def run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv, capture_output=True, text=True, timeout=30, check=False, stdin=subprocess.DEVNULL
    )


def config() -> dict[str, Any]:
    return dict(yaml.safe_load(AM_CONFIG.read_text(encoding="utf-8")))


def cases() -> list[dict[str, Any]]:
    return list(yaml.safe_load(ROUTES.read_text(encoding="utf-8"))["cases"])


def route_test(*args: str) -> subprocess.CompletedProcess[str]:
    return run(binary("amtool"), "config", "routes", "test", f"--config.file={AM_CONFIG}", *args)


# -- the configuration loads ---------------------------------------------------------------------


def test_amtool_accepts_the_configuration_and_its_templates() -> None:
    result = run(binary("amtool"), "check-config", str(AM_CONFIG))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 inhibit rules" in result.stdout and "FAILED" not in result.stdout


def test_check_config_fails_on_a_broken_template(tmp_path: Path) -> None:
    # the check above would be worthless if amtool did not parse the templates it globs
    copy = tmp_path / "alertmanager"
    shutil.copytree(AM_DIR, copy)
    with (copy / "templates" / "govsec.tmpl").open("a", encoding="utf-8") as broken:
        broken.write('{{ define "broken" }}{{ if }}{{ end }}\n')
    result = run(binary("amtool"), "check-config", str(copy / "alertmanager.yml"))
    assert result.returncode != 0 and "missing value for if" in result.stdout


def test_promtool_accepts_the_example_prometheus_config() -> None:
    result = run(binary("promtool"), "check", "config", str(PROM_CONFIG))
    assert result.returncode == 0, result.stdout + result.stderr


def test_prometheus_config_scrapes_and_alerts_as_the_contract_says() -> None:
    prom = yaml.safe_load(PROM_CONFIG.read_text(encoding="utf-8"))
    jobs = {job["job_name"]: job for job in prom["scrape_configs"]}
    assert jobs["govsec"]["static_configs"][0]["targets"] == ["127.0.0.1:9713"]
    # govsec's series carry their own host: a target label would rename it exported_host
    assert "relabel_configs" not in jobs["govsec"]
    assert jobs["node"]["file_sd_configs"] and jobs["node"]["honor_labels"] is True
    assert any(r.get("target_label") == "host" for r in jobs["node"]["relabel_configs"])
    assert "../rules/*.yml" in prom["rule_files"]
    targets = prom["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"]
    assert targets == ["127.0.0.1:9093"]


class Exporter(BaseHTTPRequestHandler):
    """Answers every scrape with one sample, so Prometheus talks only to the test."""

    def do_GET(self) -> None:
        body = b"test_up 1\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def exporter() -> Iterator[str]:
    server = ThreadingHTTPServer((LOCAL, 0), Exporter)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"{LOCAL}:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_prometheus_sets_host_from_the_target_address(tmp_path: Path, exporter: str) -> None:
    """The real Prometheus, our relabel rules: host = the address without its port, or the
    host a file_sd entry names; every scrape goes to a stand-in exporter on 127.0.0.1."""
    prom = yaml.safe_load(PROM_CONFIG.read_text(encoding="utf-8"))
    del prom["alerting"], prom["rule_files"]
    jobs = {job["job_name"]: job for job in prom["scrape_configs"]}
    jobs["govsec"]["static_configs"] = [{"targets": [exporter]}]
    jobs["node"]["file_sd_configs"] = [{"files": [str(tmp_path / "node.yml")]}]
    jobs["blackbox-tls"]["file_sd_configs"] = [{"files": [str(tmp_path / "tls.yml")]}]
    assert jobs["blackbox-tls"]["relabel_configs"][-1]["replacement"] == "127.0.0.1:9115"
    jobs["blackbox-tls"]["relabel_configs"][-1]["replacement"] = exporter
    # node: the address is the stand-in's, so name it; the port is stripped all the same
    (tmp_path / "node.yml").write_text(
        yaml.safe_dump(
            [{"targets": [exporter]}, {"targets": [exporter], "labels": {"host": "web-1"}}]
        )
    )
    (tmp_path / "tls.yml").write_text(yaml.safe_dump([{"targets": ["gw-1.example:443"]}]))
    config_file = tmp_path / "prometheus.yml"
    config_file.write_text(yaml.safe_dump(prom), encoding="utf-8")
    binary("prometheus")
    port = stack.free_port()
    url = f"http://{LOCAL}:{port}"
    process, log = stack.launch_prometheus(config_file, tmp_path, port, log_level="warn")
    try:
        deadline = time.monotonic() + 30
        found: set[tuple[str, str, str]] = set()
        while time.monotonic() < deadline and len(found) < 4:
            try:
                with urllib.request.urlopen(f"{url}/api/v1/targets", timeout=2) as answer:  # noqa: S310
                    targets = json.loads(answer.read())["data"]["activeTargets"]
            except OSError:
                time.sleep(0.2)
                continue
            found = {
                (t["labels"]["job"], t["labels"].get("host", ""), t["labels"]["instance"])
                for t in targets
            }
            time.sleep(0.2)
    finally:
        stack.stop_process(process)
    assert found == {
        ("govsec", "", exporter),
        ("node", LOCAL, exporter),
        ("node", "web-1", exporter),
        ("blackbox-tls", "gw-1.example", "gw-1.example:443"),
    }, log.read_text()


# -- routing -------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", cases(), ids=lambda case: case["name"])
def test_route(case: dict[str, Any]) -> None:
    expected = ",".join(case["receivers"])
    labels = [f"{name}={value}" for name, value in case["labels"].items()]
    result = route_test(f"--verify.receivers={expected}", *labels)
    assert result.returncode == 0, (
        f"{case['labels']} went to {result.stdout.strip()}, expected {expected}\n{result.stderr}"
    )


def test_a_wrong_expectation_fails() -> None:
    # amtool must exit non-zero on a mismatch, or every case above would pass whatever the tree
    result = route_test(
        "--verify.receivers=govsec-webhook,ops-email", "severity=critical", "mlps_area=ce"
    )
    assert result.returncode != 0


def test_cases_cover_every_receiver_severity_and_area() -> None:
    used = {receiver for case in cases() for receiver in case["receivers"]}
    assert used == {receiver["name"] for receiver in config()["receivers"]}
    severities = {case["labels"].get("severity") for case in cases()}
    assert set(SEVERITIES) <= severities
    areas = ",".join(case["labels"].get("mlps_area", "") for case in cases())
    for area in ("ce", "mc", "cn", "ab"):
        assert any(item.split(".")[0] == area for item in areas.split(","))


def test_every_case_reaches_the_govsec_webhook_first() -> None:
    for case in cases():
        assert case["receivers"][0] == "govsec-webhook", case["name"]


def test_the_first_route_catches_every_alert_and_goes_on() -> None:
    first = config()["route"]["routes"][0]
    assert first["receiver"] == "govsec-webhook"
    assert first["continue"] is True
    assert not first.get("matchers") and not first.get("match") and not first.get("match_re")


def test_grouping_leaves_detection_ids_out() -> None:
    route = config()["route"]
    assert route["group_by"] == ["alertname", "host", "mlps_area"]
    for child in [route, *route["routes"]]:
        # one notification per detection would flood every receiver
        assert "alert_id" not in child.get("group_by", [])
    critical = next(r for r in route["routes"] if r.get("matchers") == ['severity="critical"'])
    assert critical["repeat_interval"] in ("15m", "30m", "1h")


# -- receivers and secrets -----------------------------------------------------------------------


def receiver(name: str) -> dict[str, Any]:
    return next(r for r in config()["receivers"] if r["name"] == name)


def test_the_webhook_goes_to_govsec_serve_with_basic_auth_from_a_file() -> None:
    (hook,) = receiver("govsec-webhook")["webhook_configs"]
    assert hook["url"] == WEBHOOK_URL and hook["send_resolved"] is True
    auth = hook["http_config"]["basic_auth"]
    assert auth["password_file"].startswith("/") and "password" not in auth


def test_no_secret_is_in_the_file_in_clear() -> None:
    conf = config()
    glob = conf["global"]
    assert "smtp_auth_password" not in glob and glob["smtp_auth_password_file"].startswith("/")
    # 0.25 has no api_secret_file: a placeholder envsubst fills at install time
    assert glob["wechat_api_secret"] == "${GOVSEC_WECOM_API_SECRET}"  # noqa: S105
    for rec in conf["receivers"]:
        for email in rec.get("email_configs", []):
            assert "auth_password" not in email and "auth_secret" not in email
        for wechat in rec.get("wechat_configs", []):
            assert "api_secret" not in wechat
            assert "govsec.wechat.message" in wechat["message"]


def test_receivers_use_the_govsec_templates() -> None:
    for rec in config()["receivers"]:
        for email in rec.get("email_configs", []):
            assert "govsec.email.html" in email["html"] and "govsec.email.text" in email["text"]
            assert "govsec.email.subject" in email["headers"]["Subject"]


# -- templates -----------------------------------------------------------------------------------

DATA: dict[str, Any] = {
    "receiver": "oncall-wecom",
    "status": "firing",
    "alerts": [
        {
            "status": "firing",
            "labels": {
                "alertname": "NodeDown",
                "severity": "critical",
                "host": "web-1",
                "mlps_area": "ce",
                "scope": "host",
            },
            "annotations": {"summary": "web-1 is down", "description": "no answer for 5m"},
            "startsAt": "2024-05-01T08:00:00Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://127.0.0.1:9090/graph",
            "fingerprint": "1",
        },
        {
            "status": "resolved",
            "labels": {
                "alertname": "ssh_brute_force",
                "severity": "high",
                "host": "web-1",
                "mlps_area": "ce.ia,mc.am",
                "mlps_control": "ce.ia.b",
                "rule": "r-1",
                "attack_technique": "T1110",
            },
            "annotations": {"summary": "SSH brute force on web-1"},
            "startsAt": "2024-05-01T08:00:00Z",
            "endsAt": "2024-05-01T09:00:00Z",
            "generatorURL": "",
            "fingerprint": "2",
        },
    ],
    "groupLabels": {"alertname": "NodeDown", "host": "web-1"},
    "commonLabels": {"host": "web-1"},
    "commonAnnotations": {},
    "externalURL": "http://127.0.0.1:9093",
}


def render(tmp_path: Path, name: str, kind: str = "text") -> str:
    data = tmp_path / "data.json"
    data.write_text(json.dumps(DATA), encoding="utf-8")
    result = run(
        binary("amtool"),
        "template",
        "render",
        f"--template.glob={AM_DIR / 'templates' / '*.tmpl'}",
        f"--template.data={data}",
        f"--template.type={kind}",
        f'--template.text={{{{ template "{name}" . }}}}',
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("govsec.wechat.message", "text"),
        ("govsec.email.text", "text"),
        ("govsec.email.html", "html"),
    ],
)
def test_messages_name_alert_severity_host_area_and_summary_in_both_languages(
    tmp_path: Path, name: str, kind: str
) -> None:
    out = render(tmp_path, name, kind)
    for text in (
        "NodeDown",
        "ssh_brute_force",
        "紧急 / critical",
        "高 / high",
        "web-1",
        "安全计算环境",
        "安全计算环境、安全管理中心 (ce.ia,mc.am)",
        "ce.ia.b",
        "web-1 is down",
        "no answer for 5m",
        "SSH brute force on web-1",
        "r-1",
        "已恢复",
        "2024-05-01 08:00:00 UTC",
    ):
        assert text in out, f"{text!r} missing from {name}:\n{out}"


def test_subject_counts_firing_alerts(tmp_path: Path) -> None:
    assert render(tmp_path, "govsec.email.subject") == "[告警 FIRING:1] NodeDown @ web-1"


def test_wechat_message_lists_at_most_five_alerts(tmp_path: Path) -> None:
    many = [{**DATA["alerts"][0], "fingerprint": str(i)} for i in range(8)]
    data = tmp_path / "data.json"
    data.write_text(json.dumps({**DATA, "alerts": many}), encoding="utf-8")
    result = run(
        binary("amtool"),
        "template",
        "render",
        f"--template.glob={AM_DIR / 'templates' / '*.tmpl'}",
        f"--template.data={data}",
        '--template.text={{ template "govsec.wechat.message" . }}',
    )
    assert result.stdout.count("NodeDown") == 6  # the heading and five alerts
    assert "共 8 条" in result.stdout


# -- inhibition ----------------------------------------------------------------------------------


def inhibit_rule(source: str) -> dict[str, Any]:
    found = [r for r in config()["inhibit_rules"] if source in r["source_matchers"]]
    assert len(found) == 1, f"one inhibit rule with source {source}"
    return dict(found[0])


def test_node_down_inhibits_the_host_scope_of_the_same_host() -> None:
    rule = inhibit_rule('alertname="NodeDown"')
    assert rule["equal"] == ["host"]
    assert 'scope="host"' in rule["target_matchers"]


def test_listener_down_inhibits_silence_of_every_host() -> None:
    rule = inhibit_rule('alertname="SiemListenerDown"')
    assert rule["target_matchers"] == ['alertname="SiemHostSilent"'] and rule["equal"] == []


def test_a_nearly_full_log_disk_inhibits_the_filling_one_on_the_same_mount() -> None:
    rule = inhibit_rule('alertname="LogDiskAlmostFull"')
    assert rule["equal"] == ["host", "mountpoint"]


def test_critical_inhibits_lower_severities_of_the_same_alert_and_host() -> None:
    rule = inhibit_rule('severity="critical"')
    assert rule["equal"] == ["alertname", "host"]
    assert rule["target_matchers"] == ['severity=~"high|medium|low|informational"']


class Alertmanager:
    """The shipped tree on a real Alertmanager, receivers stripped: nothing is ever sent."""

    def __init__(self, home: Path) -> None:
        binary("prometheus-alertmanager", "alertmanager")
        conf = config()
        # names only: routing and inhibition stay as written, nothing is ever sent
        conf["receivers"] = [{"name": r["name"]} for r in conf["receivers"]]
        conf.pop("templates")
        self.config = home / "alertmanager.yml"
        self.config.write_text(yaml.safe_dump(conf), encoding="utf-8")
        port = stack.free_port()
        self.url = f"http://{LOCAL}:{port}"
        self.process, self.log = stack.launch_alertmanager(
            self.config, home, port, log_level="warn"
        )

    def wait_ready(self) -> None:
        stack.wait_ready(self.url, self.process, self.log, timeout=20)

    def post(self, *label_sets: dict[str, str]) -> None:
        now = datetime.now(UTC)
        body = [
            {
                "labels": labels,
                "annotations": {"summary": "test"},
                "startsAt": now.isoformat(),
                "endsAt": (now + timedelta(hours=1)).isoformat(),
            }
            for labels in label_sets
        ]
        request = urllib.request.Request(  # noqa: S310 - our own server on 127.0.0.1
            f"{self.url}/api/v2/alerts",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310
            assert answer.status == 200

    def alerts(self) -> dict[str, dict[str, Any]]:
        """Alerts by their `id` label (a label the test adds to tell them apart)."""
        with urllib.request.urlopen(f"{self.url}/api/v2/alerts", timeout=5) as answer:  # noqa: S310
            return {a["labels"]["id"]: a for a in json.loads(answer.read())}

    def stop(self) -> None:
        stack.stop_process(self.process)


@pytest.fixture
def alertmanager(tmp_path: Path) -> Iterator[Alertmanager]:
    am = Alertmanager(tmp_path)
    try:
        am.wait_ready()
        yield am
    finally:
        am.stop()


SUPPRESSED = {
    "node-disk": {"alertname": "LogDiskFilling", "scope": "host", "host": "x", "mlps_area": "ce"},
    "silent-y": {"alertname": "SiemHostSilent", "scope": "host", "host": "y", "mlps_area": "mc"},
    "cert-high": {"alertname": "CertificateExpiring", "severity": "high", "host": "x"},
    "disk-15": {"alertname": "LogDiskFilling", "host": "z", "mountpoint": "/var/log"},
}
ACTIVE = {
    "node-down": {"alertname": "NodeDown", "scope": "host", "host": "x", "severity": "critical"},
    "listener": {"alertname": "SiemListenerDown", "severity": "critical", "mlps_area": "mc"},
    # detections on the down host are never inhibited: they carry no scope
    "detection": {
        "alertname": "ssh_brute_force",
        "severity": "high",
        "host": "x",
        "rule": "r-1",
        "alert_id": "a-1",
        "mlps_area": "ce.ia,ce.au",
    },
    # the same host health alert on a host that is up
    "disk-z": {"alertname": "LogDiskFilling", "scope": "host", "host": "z", "mlps_area": "ce"},
    "cert-critical": {"alertname": "CertificateExpiring", "severity": "critical", "host": "x"},
    # the critical twin inhibits only on its own host
    "cert-high-z": {"alertname": "CertificateExpiring", "severity": "high", "host": "z"},
    "disk-10": {"alertname": "LogDiskAlmostFull", "host": "z", "mountpoint": "/var/log"},
    # ... on its own mount point only
    "disk-15-other": {"alertname": "LogDiskFilling", "host": "z", "mountpoint": "/var"},
}


def test_inhibition_in_a_real_alertmanager(alertmanager: Alertmanager) -> None:
    everything = {**SUPPRESSED, **ACTIVE}
    alertmanager.post(*({**labels, "id": key} for key, labels in everything.items()))
    deadline = time.monotonic() + 15
    while True:
        seen = alertmanager.alerts()
        states = {key: seen[key]["status"]["state"] for key in seen}
        wanted = {key: "suppressed" for key in SUPPRESSED} | {key: "active" for key in ACTIVE}
        if states == wanted or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert states == wanted
    by_fingerprint = {a["fingerprint"]: key for key, a in seen.items()}
    inhibitors = {
        key: {by_fingerprint[f] for f in seen[key]["status"]["inhibitedBy"]} for key in SUPPRESSED
    }
    assert inhibitors == {
        "node-disk": {"node-down"},
        "silent-y": {"listener"},
        "cert-high": {"cert-critical"},
        "disk-15": {"disk-10"},
    }
    # the server routes as amtool does
    receivers = sorted(r["name"] for r in seen["detection"]["receivers"])
    assert receivers == ["govsec-webhook", "security-wecom", "soc-email"]
