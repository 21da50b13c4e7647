"""`govsec audit` on real lab hosts: findings, read-only, hostile data, failures recorded."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.conftest import Fleet, govsec

pytestmark = pytest.mark.lab

# written by sshd's login accounting and by sudo itself whenever anyone logs in and elevates,
# not by the audit (Debian's sudo leaves ~/.sudo_as_admin_successful on first use)
LOGIN_RECORDS = (
    "var/log/wtmp",
    "var/log/btmp",
    "var/log/lastlog",
    "var/lib/sudo/",
    "home/labadmin/.sudo_as_admin_successful",
)


def upper_tree(fleet: Fleet, name: str) -> dict[str, str]:
    """Every file the host changed since it started (its overlay upper layer), hashed."""
    upper = fleet.home / "lab" / "hosts" / name / "upper"
    found = {}
    for path in sorted(upper.rglob("*")):
        relative = str(path.relative_to(upper))
        if relative.startswith(LOGIN_RECORDS):
            continue
        info = path.lstat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "-"
        found[relative] = f"{oct(info.st_mode)} {info.st_uid} {info.st_size} {digest}"
    return found


def audit(fleet: Fleet, out: Path, *extra: str, inventory: Path | None = None):  # type: ignore[no-untyped-def]
    return govsec(
        "audit",
        "-i",
        str(inventory or fleet.inventory),
        "-o",
        str(out),
        "--quiet",
        *extra,
        env=fleet.env,
        timeout=300,
    )


@pytest.fixture(scope="module")
def level3(fleet: Fleet, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:  # type: ignore[type-arg]
    out = tmp_path_factory.mktemp("audit-l3")
    before = {name: upper_tree(fleet, name) for name in fleet.names}
    packages = fleet.exec(fleet.names[0], "dpkg-query", "-W").stdout
    result = audit(fleet, out, "--level", "3")
    assert result.returncode in (0, 4), result.stderr
    yield {
        "out": out,
        "before": before,
        "packages": packages,
        "run": json.loads((out / "results.json").read_text()),
    }


def check(run: dict, host: str, check_id: str) -> dict:  # type: ignore[type-arg]
    found = next(h for h in run["hosts"] if h["name"] == host)
    return next(c for c in found["checks"] if c["check_id"] == check_id)


def test_every_host_is_audited_as_root(fleet: Fleet, level3: dict) -> None:  # type: ignore[type-arg]
    run = level3["run"]
    assert [h["name"] for h in run["hosts"]] == fleet.names
    for host in run["hosts"]:
        assert host["reachable"] and host["as_root"]
        assert host["os"] == "Debian GNU/Linux 12 (bookworm)"
        assert 0 <= host["score"] < 100
        statuses = {c["status"] for c in host["checks"]}
        assert "fail" in statuses and "pass" in statuses
        assert not [c for c in host["checks"] if "internal error" in c["message"]]


def test_debian_default_password_age_fails_with_the_value_seen(level3: dict) -> None:  # type: ignore[type-arg]
    result = check(level3["run"], "lab01", "pass_max_days")
    assert result["status"] == "fail"
    seen = [e for e in result["evidence"] if e["source"].startswith("/etc/login.defs")]
    assert seen and seen[0]["seen"] == "99999"
    assert "90" in seen[0]["expected"]


def test_the_audit_changes_nothing_on_the_hosts(fleet: Fleet, level3: dict) -> None:  # type: ignore[type-arg]
    for name in fleet.names:
        assert upper_tree(fleet, name) == level3["before"][name], name
    assert fleet.exec(fleet.names[0], "dpkg-query", "-W").stdout == level3["packages"]


def test_output_folder_holds_results_evidence_and_report(fleet: Fleet, level3: dict) -> None:  # type: ignore[type-arg]
    out = level3["out"]
    assert (out / "report.html").stat().st_size > 1000
    records = [json.loads(line) for line in (out / "evidence.jsonl").read_text().splitlines()]
    sections = {r["record"]["section"] for r in records if r["record"].get("kind") == "fact"}
    assert "file:/etc/login.defs" in sections
    assert records[-1]["record"]["kind"] == "results"  # the verdicts close the chain
    # signed with the key of the account that ran the audit (its GOVSEC_HOME)
    verify = govsec("report", "verify", str(out / "evidence.jsonl"), env=fleet.env)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "signed by" in verify.stdout and "verdicts match" in verify.stdout
    # anyone else does not trust that key until given it
    stranger = govsec(
        "report", "verify", str(out), env={**fleet.env, "GOVSEC_HOME": str(out / "x")}
    )
    assert stranger.returncode == 1 and "does not trust" in stranger.stderr


def test_level_2_selects_fewer_checks(fleet: Fleet, level3: dict, tmp_path: Path) -> None:  # type: ignore[type-arg]
    result = audit(fleet, tmp_path, "--level", "2", "--limit", fleet.names[0])
    assert result.returncode in (0, 4)
    run = json.loads((tmp_path / "results.json").read_text())
    assert run["level"] == 2 and len(run["hosts"]) == 1
    assert len(run["hosts"][0]["checks"]) < len(level3["run"]["hosts"][0]["checks"])


def test_unreachable_host_and_refused_key_are_recorded_and_the_run_goes_on(
    fleet: Fleet, tmp_path: Path
) -> None:
    inventory = yaml.safe_load(fleet.inventory.read_text())
    hosts = inventory["all"]["children"]["lab"]["hosts"]
    hosts["nowhere"] = {"ansible_host": "127.0.0.1", "ansible_port": 1}
    hosts["wrongkey"] = {
        "ansible_host": fleet.address(fleet.names[1]),
        "ansible_ssh_private_key_file": str(tmp_path / "no-such-key"),
    }
    path = tmp_path / "hosts.yml"
    path.write_text(yaml.safe_dump(inventory))
    result = audit(fleet, tmp_path / "out", inventory=path)
    assert result.returncode == 3, result.stderr
    run = json.loads((tmp_path / "out" / "results.json").read_text())
    by_name = {h["name"]: h for h in run["hosts"]}
    assert by_name["nowhere"]["reachable"] is False
    assert "cannot reach 127.0.0.1:1" in by_name["nowhere"]["error"]
    assert by_name["wrongkey"]["reachable"] is False
    assert by_name["wrongkey"]["error"]
    assert all(by_name[n]["reachable"] for n in fleet.names)


HOSTILE = {
    "/etc/profile.d/zz-hostile.sh": b"#!/bin/sh\nexport TMOUT=$(touch /tmp/govsec-pwned)\n"
    b"`touch /tmp/govsec-pwned2`\nalias x='; rm -rf / ;'\n",
    "/etc/sysctl.d/99-hostile.conf": b"kernel.dmesg_restrict = $(reboot)\n"
    b"\xff\xfe garbage \x00 line\n",
    "/etc/security/limits.d/hostile.conf": b"* hard core 99999999999999999999999\n\xc3\x28 junk\n",
}
WRITE = "import sys; open(sys.argv[1], 'wb').write(bytes.fromhex(sys.argv[2]))"


@pytest.fixture
def hostile_files(fleet: Fleet) -> Iterator[str]:
    """Files full of shell syntax and broken bytes, written as bytes: no shell sees them."""
    name = fleet.names[1]
    for path, content in HOSTILE.items():
        assert fleet.exec(name, "python3", "-c", WRITE, path, content.hex()).returncode == 0
    assert fleet.exec(name, "test", "-e", "/tmp/govsec-pwned").returncode == 1
    yield name
    fleet.exec(name, "rm", "-f", *HOSTILE)


def test_hostile_names_and_facts_break_nothing_and_run_nothing(
    fleet: Fleet, hostile_files: str, tmp_path: Path
) -> None:
    inventory = yaml.safe_load(fleet.inventory.read_text())
    hosts = inventory["all"]["children"]["lab"]["hosts"]
    hosts["a;touch /tmp/govsec-x"] = {"ansible_host": fleet.address(hostile_files)}
    hosts["../../etc/evil$(id)"] = {"ansible_host": fleet.address(hostile_files)}
    hosts["<img src=x onerror=alert(1)>"] = {"ansible_host": fleet.address(hostile_files)}
    path = tmp_path / "hosts.yml"
    path.write_text(yaml.safe_dump(inventory))
    result = audit(fleet, tmp_path / "out", inventory=path)
    assert result.returncode in (0, 4), result.stderr
    run = json.loads((tmp_path / "out" / "results.json").read_text())
    assert {"a;touch /tmp/govsec-x", "../../etc/evil$(id)"} <= {h["name"] for h in run["hosts"]}
    assert all(h["reachable"] for h in run["hosts"])
    for leftover in ("/tmp/govsec-x", "/tmp/govsec-pwned", "/tmp/govsec-pwned2"):
        assert not Path(leftover).exists()
        assert fleet.exec(hostile_files, "test", "-e", leftover).returncode == 1
    assert not Path("/etc/evil$(id)").exists()
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "evidence.jsonl",
        "evidence.sig.json",
        "report.html",
        "results.json",
    ]
    report = (tmp_path / "out" / "report.html").read_text()
    assert "a;touch /tmp/govsec-x" in report  # shown, as text
    assert "&lt;img src=x onerror=alert(1)&gt;" in report
    assert "<img src=x" not in report


def test_local_audit_with_no_arguments(tmp_path: Path) -> None:
    env = {**os.environ, "GOVSEC_HOME": str(tmp_path / "home"), "GOVSEC_LANG": "en"}
    result = govsec("audit", "--quiet", env=env, timeout=120)
    assert result.returncode in (0, 4), result.stderr
    latest = tmp_path / "home" / "audits" / "latest"
    run = json.loads((latest / "results.json").read_text())
    assert run["inventory"] == "" and len(run["hosts"]) == 1
    assert run["hosts"][0]["reachable"]
    assert (latest / "report.html").exists()
