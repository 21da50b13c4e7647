"""`govsec harden` on fresh lab hosts: level 3 reached, idempotent, check mode, no lock-out."""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.conftest import govsec
from tests.labkit import Lab, lab_up
from tests.secops.audit.test_audit_lab import LOGIN_RECORDS

pytestmark = pytest.mark.lab
SUBNET = "10.213.202.0/24"


def harden(lab: Lab, *extra: str) -> subprocess.CompletedProcess[str]:
    """``govsec harden`` with the three administrators' variables."""
    return lab.harden("-e", str(lab.home / "vars.yml"), *extra, timeout=600)


def upper(lab: Lab, host: str) -> dict[str, tuple[int, int, bytes]]:
    """Every file the host changed since it started, and its content.

    Directories are left out (overlayfs copies a folder up when anything inside it is
    touched, even with nothing changed); deletions show as whiteout devices and count.
    """
    root = lab.home / "lab" / "hosts" / host / "upper"
    found = {}
    for path in sorted(root.rglob("*")):
        relative = str(path.relative_to(root))
        if path.is_dir() and not path.is_symlink():
            continue
        if relative.startswith(LOGIN_RECORDS + BOOKKEEPING) or "/.ansible/" in relative:
            continue
        info = path.lstat()
        content = path.read_bytes() if path.is_file() and not path.is_symlink() else b""
        found[relative] = (info.st_mode, info.st_size, content)
    return found


# written by the tools themselves while they only look: apt's caches and its solver log from
# simulated installs, Ansible's temp folder in the login's home (matched above), /tmp
BOOKKEEPING = ("var/cache/apt/", "var/log/apt/", "tmp/")


def summary(result: subprocess.CompletedProcess[str]) -> dict:  # type: ignore[type-arg]
    assert result.stdout, result.stderr
    found: dict = json.loads(result.stdout)  # type: ignore[type-arg]
    return found


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    with lab_up(tmp_path_factory, "harden", SUBNET, hosts=2) as lab:
        keys = lab.home / "admins"
        keys.mkdir()
        public = {}
        for role in ("sysadmin", "secadmin", "audadmin"):
            subprocess.run(
                ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(keys / role)],
                check=True,
            )
            public[role] = (keys / f"{role}.pub").read_text().strip()
        (lab.home / "vars.yml").write_text(yaml.safe_dump(admin_vars(public)))
        yield lab


def admin_vars(keys: dict[str, str]) -> dict[str, object]:
    """The three-administrator separation, asked for with a key per role."""
    return {
        "mlps_admin_accounts": [
            {"name": role[:3] + "adm1", "role": role, "key": key} for role, key in keys.items()
        ]
    }


@pytest.fixture(scope="module")
def fresh_check(lab: Lab) -> dict:  # type: ignore[type-arg]
    """--check on a fresh host (lab02): what it would change, and the host before and after."""
    before = upper(lab, "lab02")
    result = harden(lab, "--limit", "lab02", "--check")
    return {"result": result, "before": before, "after": upper(lab, "lab02")}


@pytest.fixture(scope="module")
def hardened(lab: Lab, fresh_check: dict) -> dict:  # type: ignore[type-arg]
    first = harden(lab, "--limit", "lab01")
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    audit_dir = lab.home / "audit-after"
    audit = govsec(
        "audit",
        "-i",
        str(lab.inventory),
        "--limit",
        "lab01",
        "--level",
        "3",
        "-o",
        str(audit_dir),
        "--quiet",
        env=lab.env,
        timeout=300,
    )
    assert audit.returncode in (0, 4), audit.stderr
    return {
        "first": summary(first),
        "audit": json.loads((audit_dir / "results.json").read_text()),
        "fresh_changed": summary(fresh_check["result"])["changed"],
    }


def test_check_on_a_fresh_host_reports_changes_and_changes_nothing(
    fresh_check: dict,  # type: ignore[type-arg]
) -> None:
    result = fresh_check["result"]
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert summary(result)["changed"] > 0
    changed = {
        k
        for k in set(fresh_check["before"]) | set(fresh_check["after"])
        if fresh_check["before"].get(k) != fresh_check["after"].get(k)
    }
    assert changed == set()


def test_level_3_makes_every_automated_check_pass(hardened: dict) -> None:  # type: ignore[type-arg]
    host = hardened["audit"]["hosts"][0]
    assert host["reachable"] and host["as_root"]
    failing = [
        (c["check_id"], c["status"], c["message"], c["evidence"])
        for c in host["checks"]
        if c["status"] not in ("pass", "na")
    ]
    assert failing == []
    assert host["score"] == 100
    manual = [c for c in host["controls"] if c["verdict"] == "manual"]
    assert manual  # listed for the assessor, never hidden


def test_the_scanner_finds_the_eicar_test_file_offline(lab: Lab, hardened: dict) -> None:  # type: ignore[type-arg]
    """No vendor signatures here: clamd runs on the site's own, and they really detect."""
    eicar = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
    write = f"open('/tmp/eicar.com', 'w').write({eicar!r})"
    write += "; open('/tmp/clean.txt', 'w').write('hello')"
    assert lab.on("lab01").exec("python3", "-c", write).returncode == 0
    found = lab.on("lab01").exec("clamdscan", "--fdpass", "--no-summary", "/tmp/eicar.com")
    assert found.returncode == 1, found.stdout + found.stderr
    assert "MLPS.Test.EICAR" in found.stdout and "FOUND" in found.stdout
    clean = lab.on("lab01").exec("clamdscan", "--fdpass", "--no-summary", "/tmp/clean.txt")
    assert clean.returncode == 0, clean.stdout + clean.stderr


def failed_logins(lab: Lab, source: str, count: int) -> None:
    """sshd's failure lines for ``source``, through the host's syslog as sshd writes them."""
    for attempt in range(count):
        line = f"Failed password for invalid user probe{attempt} from {source} port 4{attempt:04d}"
        line += " ssh2"
        sent = lab.on("lab01").exec("logger", "-p", "auth.info", "-t", "sshd", "--id=4242", line)
        assert sent.returncode == 0, sent.stderr


def banned(lab: Lab) -> str:
    return lab.on("lab01").exec("fail2ban-client", "status", "sshd").stdout


def test_a_source_of_failed_logins_is_banned_and_the_admin_source_never(
    lab: Lab,
    hardened: dict,  # type: ignore[type-arg]
) -> None:
    admin = SUBNET.rsplit(".", 1)[0] + ".1"  # the machine, where Ansible connects from
    attacker = SUBNET.rsplit(".", 1)[0] + ".250"
    failed_logins(lab, admin, 8)
    failed_logins(lab, attacker, 8)
    deadline = time.monotonic() + 30
    while attacker not in banned(lab) and time.monotonic() < deadline:
        time.sleep(0.5)
    status = banned(lab)
    assert attacker in status, status
    assert admin not in status
    # fail2ban's own table: the host firewall (inet mlps_filter) allows the admin by address
    ruleset = lab.on("lab01").exec("nft", "list", "table", "inet", "f2b-table").stdout
    assert attacker in ruleset and admin not in ruleset
    assert (
        lab.on("lab01").exec("fail2ban-client", "set", "sshd", "unbanip", attacker).returncode == 0
    )
    assert lab.on("lab01").ssh("sudo -n true").returncode == 0


def test_the_runs_and_the_audit_show_in_the_metrics(lab: Lab, hardened: dict) -> None:  # type: ignore[type-arg]
    """What govsec serve exports after these runs: lab01 hardened and passing, lab02 drifting."""
    metrics = govsec("metrics", "--audits", str(lab.home / "audit-after"), env=lab.env)
    assert metrics.returncode == 0, metrics.stderr
    assert 'govsec_harden_last_run_success{host="lab01",level="3"} 1.0' in metrics.stdout
    drift = re.search(r'govsec_harden_drift_tasks\{host="lab02",level="3"\} (\S+)', metrics.stdout)
    assert drift is not None and float(drift[1]) == hardened["fresh_changed"] > 0
    assert 'govsec_compliance_score_ratio{host="lab01",level="3"} 1.0' in metrics.stdout


def test_a_second_run_changes_nothing(lab: Lab, hardened: dict) -> None:  # type: ignore[type-arg]
    again = harden(lab, "--limit", "lab01")
    assert again.returncode == 0, again.stderr[-3000:]
    assert summary(again)["changed"] == 0


def test_check_on_a_hardened_host_changes_nothing(lab: Lab, hardened: dict) -> None:  # type: ignore[type-arg]
    check = harden(lab, "--limit", "lab01", "--check")
    assert check.returncode == 0, check.stderr[-3000:]
    assert summary(check)["changed"] == 0


def test_admin_key_still_works_and_root_password_login_is_refused(
    lab: Lab,
    hardened: dict,  # type: ignore[type-arg]
) -> None:
    assert lab.on("lab01").ssh("sudo -n id -u").stdout.strip() == "0"
    root = lab.on("lab01").ssh(
        "true",
        "-l",
        "root",
        "-o",
        "PreferredAuthentications=password",
        "-o",
        "NumberOfPasswordPrompts=0",
    )
    assert root.returncode == 255
    assert "Permission denied" in root.stderr
    effective = lab.on("lab01").exec("sshd", "-T").stdout.lower().splitlines()
    assert "permitrootlogin no" in effective


def test_a_login_gets_its_private_tmpdir(lab: Lab, hardened: dict) -> None:  # type: ignore[type-arg]
    """pam_tmpdir makes /tmp/user/UID through its setuid helper: with the bit stripped (the
    setuid inventory once did) every login logged "Permission denied" and got no $TMPDIR."""
    login = lab.on("lab01").ssh('printf "%s\\n" "$TMPDIR"; stat -c "%U %a" "$TMPDIR"')
    assert login.returncode == 0, login.stderr
    uid = lab.on("lab01").exec("id", "-u", "labadmin").stdout.strip()
    assert login.stdout.split("\n")[-3:] == [f"/tmp/user/{uid}", "labadmin 700", ""], login.stdout
    log = lab.on("lab01").exec("grep", "-c", "PAM_tmpdir", "/var/log/auth.log")
    assert log.stdout.strip() == "0", "pam_tmpdir complained at a login"


def test_root_with_key_as_the_only_admin_path_is_refused_not_locked_out(
    lab: Lab,
    hardened: dict,  # type: ignore[type-arg]
    tmp_path: Path,
) -> None:
    key = (lab.home / "lab" / "keys" / "admin_ed25519.pub").read_text()
    assert (
        lab.on("lab02")
        .exec(
            "sh",
            "-c",
            "mkdir -p /root/.ssh && cat >> /root/.ssh/authorized_keys"
            " < /home/labadmin/.ssh/authorized_keys",
        )
        .returncode
        == 0
    )
    assert key.split()[1] in lab.on("lab02").exec("cat", "/root/.ssh/authorized_keys").stdout
    inventory = yaml.safe_load(lab.inventory.read_text())
    inventory["all"]["vars"]["ansible_user"] = "root"
    as_root = tmp_path / "hosts.yml"
    as_root.write_text(yaml.safe_dump(inventory))
    before = lab.on("lab02").exec("sshd", "-T").stdout
    result = govsec(
        "harden",
        "-i",
        str(as_root),
        "--limit",
        "lab02",
        "--format",
        "json",
        env=lab.env,
        timeout=600,
    )
    assert result.returncode == 4, result.stdout[-2000:]
    messages = " ".join(m for h in summary(result)["hosts"] for m in h["messages"])
    assert "admin" in messages.lower()
    assert lab.on("lab02").exec("sshd", "-T").stdout == before
    still = lab.on("lab02").ssh("id -u", "-l", "root")
    assert still.returncode == 0 and still.stdout.strip() == "0"


def test_an_unknown_host_key_is_refused_not_learned(lab: Lab, tmp_path: Path) -> None:
    """Mitogen connects with the inventory's ssh arguments: host keys are still checked."""
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    text = lab.inventory.read_text()
    known = str(lab.inventory.with_name("known_hosts"))
    assert known in text
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(text.replace(known, str(empty)))
    result = govsec(
        "harden", "-i", str(inventory), "--limit", "lab01", "--format", "json", env=lab.env
    )
    assert result.returncode == 3, result.stdout[-2000:] + result.stderr[-2000:]
    assert [h["unreachable"] for h in summary(result)["hosts"]] == [True]
    assert empty.read_text() == ""


def test_the_ban_alone_needs_a_syslog_daemon_and_says_so(lab: Lab, hardened: dict) -> None:  # type: ignore[type-arg]
    """fail2ban's sshd jail reads auth.log: on a host with no syslog daemon (lab02 is still
    fresh: only checked and refused above) the tag alone stops before installing anything and
    names the missing log; with the logging area the jail runs on the file rsyslog writes."""
    alone = harden(lab, "--limit", "lab02", "--tags", "login_source_ban", "--format", "json")
    assert alone.returncode == 4, alone.stdout[-2000:]
    messages = " ".join(m for h in summary(alone)["hosts"] for m in h["messages"])
    assert "/var/log/auth.log" in messages and "--tags logging,login_source_ban" in messages
    assert lab.on("lab02").exec("dpkg-query", "-W", "fail2ban").returncode != 0
    with_logs = harden(
        lab, "--limit", "lab02", "--tags", "logging,login_source_ban", "--format", "json"
    )
    assert with_logs.returncode == 0, with_logs.stdout[-3000:]
    jail = lab.on("lab02").exec("fail2ban-client", "status", "sshd")
    assert jail.returncode == 0 and "/var/log/auth.log" in jail.stdout, jail.stdout + jail.stderr
