"""`govsec detect`: rules, test, export and run, as a user runs them."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from secops.rules import RULES_DIR
from tests.conftest import govsec
from tests.secops.detect.test_engine import OPENSSH, SIGMA_LINUX, expected_brute_force_sources

BRUTE_FORCE = RULES_DIR / "ssh_brute_force.yml"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    environ = dict(os.environ, GOVSEC_HOME=str(tmp_path / "home"), GOVSEC_LANG="en")
    environ.pop("GOVSEC_STORE", None)
    environ.pop("GOVSEC_ALERTMANAGER", None)
    return environ


def test_own_rules_all_run_and_all_cases_pass(env: dict[str, str]) -> None:
    listed = govsec("detect", "rules", "--format", "json", env=env, check=True)
    data = json.loads(listed.stdout)
    assert data["problems"] == [] and data["share"] == 100.0
    assert any(r["kind"].startswith("correlation event_count") for r in data["rules"])
    tested = govsec("detect", "test", str(RULES_DIR), "--format", "json", env=env)
    results = json.loads(tested.stdout)
    assert tested.returncode == 0, [r for r in results if not r["passed"]]
    assert {r["expect"] for r in results} == {"match", "nomatch"}


def test_public_corpus_share_is_printed(env: dict[str, str]) -> None:
    shown = govsec("detect", "rules", "--rules", str(SIGMA_LINUX), env=env, check=True)
    assert "214 of 214 rules run (100.0 %)" in shown.stdout
    compat = govsec("detect", "rules", "--compat", "--rules", str(SIGMA_LINUX), env=env, check=True)
    assert "compiled 214 (100.0%)" in compat.stdout
    assert "no govsec parser for service clamav" in compat.stdout


def test_brute_force_sources_of_the_openssh_corpus(env: dict[str, str]) -> None:
    """Acceptance: the brute-force correlation over OpenSSH_2k names exactly the sources with
    eight failures in 120 s (computed here without the engine); the CLI prints them."""
    shown = govsec("detect", "test", str(BRUTE_FORCE), "--log", str(OPENSSH), env=env)
    assert shown.returncode == 0, shown.stderr
    table = govsec("detect", "test", str(BRUTE_FORCE), "--log", str(OPENSSH), env=env)
    detections = json.loads(
        govsec(
            "detect",
            "test",
            str(BRUTE_FORCE),
            "--log",
            str(OPENSSH),
            "--format",
            "json",
            env=env,
            check=True,
        ).stdout
    )
    fired = {d["group"]["source.ip"] for d in detections if d["title"].startswith("SSH brute")}
    expected = expected_brute_force_sources(OPENSSH.read_text(encoding="utf-8").splitlines())
    print("brute-force sources:", ", ".join(sorted(fired)))
    assert fired == expected
    for source in expected:
        assert source in table.stdout


def test_a_failing_case_fails_the_command(tmp_path: Path, env: dict[str, str]) -> None:
    rule = tmp_path / "bad.yml"
    rule.write_text(
        "title: root login\nid: 8b0d4c1e-0000-4000-8000-000000000001\n"
        "logsource: {product: linux, service: sshd}\n"
        "detection: {sel: {user.name: root}, condition: sel}\nlevel: high\n"
        "govsec:\n  tests:\n    match: ['Nov 21 08:00:00 lab01 sshd[1]: Accepted password for"
        " alice from 192.0.2.1 port 1 ssh2']\n    nomatch: []\n",
        encoding="utf-8",
    )
    tested = govsec("detect", "test", str(rule), env=env)
    assert tested.returncode == 1
    assert "FAIL" in tested.stdout and "0 of 1 cases pass" in tested.stdout


def test_broken_rule_file_is_named(tmp_path: Path, env: dict[str, str]) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "broken.yml").write_text("title: x\ndetection: [", encoding="utf-8")
    (tmp_path / "rules" / "good.yml").write_text(BRUTE_FORCE.read_text(), encoding="utf-8")
    shown = govsec(
        "detect",
        "rules",
        "--rules",
        str(tmp_path / "rules"),
        "--format",
        "json",
        env=env,
        check=True,
    )
    problems = json.loads(shown.stdout)["problems"]
    assert len(problems) == 1 and problems[0]["path"].endswith("broken.yml")


def test_export_targets(tmp_path: Path, env: dict[str, str]) -> None:
    lucene = govsec("detect", "export", "--target", "lucene", env=env, check=True)
    assert "event.dataset" in lucene.stdout
    assert "SSH brute force" in lucene.stderr and "esql" in lucene.stderr  # skipped, and why
    esql = govsec(
        "detect", "export", "--target", "esql", "--rules", str(BRUTE_FORCE), env=env, check=True
    )
    assert "stats" in esql.stdout and "source.ip" in esql.stdout
    out = tmp_path / "rules.ndjson"
    govsec("detect", "export", "--target", "kibana-ndjson", "-o", str(out), env=env, check=True)
    lines = [json.loads(line) for line in out.read_text().splitlines() if line.strip()]
    assert lines and all("query" in rule for rule in lines)
    bad = govsec("detect", "export", "--target", "splunk", env=env)
    assert bad.returncode == 1 and "unknown export target 'splunk'" in bad.stderr


def test_run_over_the_store_records_alerts_once(tmp_path: Path, env: dict[str, str]) -> None:
    store = f"sqlite://{tmp_path / 'events.db'}"
    govsec("siem", "ingest", str(OPENSSH), "--store", store, env=env, check=True)
    first = govsec("detect", "run", "--store", store, "--format", "json", env=env, check=True)
    report = json.loads(first.stdout)["run"]
    assert report["events"] == 2000 and report["new"] > 0
    again = json.loads(
        govsec("detect", "run", "--store", store, "--format", "json", env=env, check=True).stdout
    )["run"]
    assert again["events"] == 0 and again["new"] == 0
    alerts = json.loads(
        govsec("alerts", "list", "--store", store, "--format", "json", env=env, check=True).stdout
    )
    brute = {a["group"]["source.ip"] for a in alerts if a["rule"]["title"].startswith("SSH brute")}
    assert brute == expected_brute_force_sources(OPENSSH.read_text().splitlines())
    # what govsec serve exports of it: every event processed, the rules, the open alerts
    metrics = govsec("metrics", "--store", store, env=env, check=True).stdout
    assert "govsec_detect_lag_events 0.0" in metrics
    assert f"govsec_detect_rules_loaded {float(report['rules'])}" in metrics
    assert "govsec_detect_rule_errors 0.0" in metrics
    open_alerts = sum(
        sample.value
        for family in text_string_to_metric_families(metrics)
        if family.name == "govsec_alerts_open"
        for sample in family.samples
    )
    assert open_alerts == len(alerts) > 0
    both = govsec("detect", "run", "--since", "1d", "--follow", "--store", store, env=env)
    assert both.returncode == 1 and "--since" in both.stderr


def test_compat_report_includes_what_the_engine_refused(
    tmp_path: Path, env: dict[str, str]
) -> None:
    rule = tmp_path / "expand.yml"
    rule.write_text(
        "title: admins\nid: 8b0d4c1e-0000-4000-8000-000000000002\n"
        "logsource: {product: linux, service: sshd}\n"
        "detection: {sel: {user.name|expand: '%admins%'}, condition: sel}\nlevel: low\n",
        encoding="utf-8",
    )
    shown = govsec("detect", "rules", "--compat", "--rules", str(rule), env=env, check=True)
    assert "compile error" in shown.stdout
    assert "placeholder %admins%" in shown.stdout
