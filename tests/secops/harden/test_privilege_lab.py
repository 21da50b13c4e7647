"""三权分立 attacked: the escalation suite against the three administrator roles of a hardened
lab host, and the checks turning to FAIL when a role is widened on purpose.

One lab host is hardened once (`govsec harden --level 3`) with an account per role, each with a
key and a password (sudo asks for it: no NOPASSWD but the automation account's). Each attempt
runs as the role's user — a login session of that account (`runuser -u`, so the user's own
groups and credentials, exactly what sudo judges) — with the password on sudo's standard input,
and tries a known escape technique (GTFOBins: option injection, path traversal, local packages,
package hooks, environment, setuid copies, group self-assignment, log readers pointed at secrets,
shell syntax in arguments). Every attempt must be refused, and afterwards the host shows that it
was: no root-owned marker file, /etc/shadow not read, groups unchanged, audit files intact.

The widening tests write a sudoers drop-in (checked with `visudo -cf` first) or a group
membership, show that the technique then really works where it can be shown, run
`govsec audit --level 3` and expect the relevant check FAIL and the control not compliant, and
undo the widening.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.conftest import govsec, lab_env, require_root

pytestmark = pytest.mark.lab
SUBNET = "10.213.211.0/24"
HOST = "lab01"
PASSWORD = "Rl-" + secrets.token_urlsafe(12) + "!9a"  # the role accounts of this run
WRAPPER = "/usr/local/sbin/mlps-{}"
USERS = {"sysadmin": "sysadm1", "secadmin": "secadm1", "audadmin": "audadm1"}
# files whose digests must not change whatever a role tries (the audit records and their rules)
AUDIT_FILES = "/etc/audit /var/log/audit /etc/sudoers /etc/sudoers.d /etc/group /etc/shadow"


@dataclass(frozen=True)
class Lab:
    env: dict[str, str]
    home: Path
    inventory: Path

    def exec(self, *argv: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "secops", "lab", "exec", HOST, "--", *argv],
            input=stdin,
            capture_output=True,
            text=True,
            env=self.env,
            timeout=180,
            check=False,
        )

    def root(self, script: str) -> str:
        found = self.exec("sh", "-c", script)
        assert found.returncode == 0, found.stdout + found.stderr
        return found.stdout

    def sudo(self, user: str, *argv: str, extra: str = "") -> subprocess.CompletedProcess[str]:
        """``sudo`` as ``user`` in a session of its own, the password on standard input."""
        return self.exec(
            "runuser",
            "-u",
            user,
            "--",
            "sudo",
            "-S",
            "-p",
            "",
            *argv,
            stdin=PASSWORD + "\n" + extra,
        )

    def as_user(self, user: str, script: str, *args: str) -> subprocess.CompletedProcess[str]:
        """A shell script run by ``user`` (its arguments as data), the password on its stdin."""
        return self.exec(
            "runuser", "-u", user, "--", "sh", "-c", script, "sh", *args, stdin=PASSWORD + "\n"
        )

    def audit(self, name: str) -> dict:  # type: ignore[type-arg]
        out = self.home / f"audit-{name}"
        found = govsec(
            "audit",
            "-i",
            str(self.inventory),
            "--level",
            "3",
            "-o",
            str(out),
            "--quiet",
            env=self.env,
            timeout=300,
        )
        assert found.returncode in (0, 4), found.stderr
        host: dict = json.loads((out / "results.json").read_text())["hosts"][0]  # type: ignore[type-arg]
        return host


def check(host: dict, check_id: str) -> str:  # type: ignore[type-arg]
    return next(str(c["status"]) for c in host["checks"] if c["check_id"] == check_id)


def verdict(host: dict, control_id: str) -> str:  # type: ignore[type-arg]
    return next(str(c["verdict"]) for c in host["controls"] if c["control_id"] == control_id)


def password_hash() -> str:
    found = subprocess.run(
        ["openssl", "passwd", "-6", "-stdin"],
        input=PASSWORD,
        capture_output=True,
        text=True,
        check=True,
    )
    return found.stdout.strip()


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    require_root()
    home = tmp_path_factory.mktemp("privilege-home")
    env = lab_env(home, SUBNET)
    inventory = home / "inventory" / "hosts.yml"
    govsec(
        "lab", "up", "--hosts", "1", "--quiet", "--inventory", str(inventory), env=env, check=True
    )
    try:
        keys, accounts, secret = home / "admins", [], password_hash()
        keys.mkdir()
        for role, name in USERS.items():
            subprocess.run(
                ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(keys / role)], check=True
            )
            key = (keys / f"{role}.pub").read_text().strip()
            accounts.append({"name": name, "role": role, "key": key, "password_hash": secret})
        variables = home / "vars.yml"
        variables.write_text(yaml.safe_dump({"mlps_admin_accounts": accounts}))
        hardened = govsec(
            "harden", "-i", str(inventory), "--format", "json", "-e", str(variables),
            env=env, timeout=900,
        )  # fmt: skip
        assert hardened.returncode == 0, hardened.stdout[-3000:] + hardened.stderr[-3000:]
        yield Lab(env, home, inventory)
    finally:
        govsec("lab", "down", "--quiet", env=env)


@pytest.fixture(scope="module")
def baseline(lab: Lab) -> dict:  # type: ignore[type-arg]
    return lab.audit("baseline")


DIGESTS = (
    f"find {AUDIT_FILES} -type f -exec sha256sum {{}} + 2>/dev/null | sort; "
    + 'for u in sysadm1 secadm1 audadm1 labadmin; do id -nG "$u"; done'
)
MARKERS = "/tmp/pwned* /root/pwned* /root/x /etc/pwned*"


@pytest.fixture
def untouched(lab: Lab) -> Iterator[None]:
    """Around each attempt: the audit files, sudoers, groups and shadow stay as they were, and
    no marker file a payload would create as root appears."""
    before = lab.root(f"rm -rf {MARKERS}; mkdir -p /tmp/evil && chmod 0777 /tmp/evil; {DIGESTS}")
    yield
    after = lab.root(f"{DIGESTS}; echo MARKERS; ls -d {MARKERS} 2>/dev/null || true")
    digests, _, markers = after.partition("MARKERS\n")
    assert digests == before
    assert markers.strip() == "", markers


def refused(found: subprocess.CompletedProcess[str]) -> None:
    assert found.returncode != 0, found.stdout + found.stderr
    assert "uid=0" not in found.stdout


# -- a hardened host: the three roles pass, each can do its job ------------------------------


def test_the_roles_pass_on_the_hardened_host(baseline: dict) -> None:  # type: ignore[type-arg]
    for check_id in (
        "admin_roles_separated",
        "sudo_no_unrestricted_all",
        "sudo_authenticate_required",
    ):
        assert check(baseline, check_id) == "pass", check_id
    for control_id in ("mc.sa.a", "mc.sa.b"):
        assert verdict(baseline, control_id) == "compliant", control_id


def test_each_role_does_its_job_through_its_wrapper(lab: Lab) -> None:
    status = lab.sudo("sysadm1", WRAPPER.format("sysadmin"), "service", "status", "ssh")
    assert "refused" not in status.stderr, status.stderr
    made = lab.sudo("secadm1", WRAPPER.format("secadmin"), "account", "create", "clerk1")
    assert made.returncode == 0, made.stderr
    locked = lab.sudo("secadm1", WRAPPER.format("secadmin"), "account", "lock", "clerk1")
    assert locked.returncode == 0, locked.stderr
    assert "clerk1 L " in lab.root("passwd -S clerk1")
    lab.root("userdel -r clerk1")
    logins = lab.sudo("audadm1", WRAPPER.format("audadmin"), "logins")
    assert logins.returncode == 0 and "wtmp begins" in logins.stdout, logins.stderr


@pytest.mark.parametrize("user", sorted(USERS.values()))
def test_no_role_runs_another_roles_wrapper_or_a_shell(
    lab: Lab, user: str, untouched: None
) -> None:
    own = next(role for role, name in USERS.items() if name == user)
    for role in USERS:
        if role != own:
            refused(lab.sudo(user, WRAPPER.format(role)))
    for argv in (["-i"], ["-s"], ["/bin/sh", "-c", "id"], ["su", "-"], ["sudoedit", "/etc/motd"]):
        refused(lab.sudo(user, *argv))


# -- system administrator -------------------------------------------------------------------

SYSADMIN_ATTEMPTS = {
    "apt option injection": ["pkg", "update", "-o", "APT::Update::Pre-Invoke::=touch /tmp/pwned"],
    "apt option as a package": ["pkg", "install", "-oAPT::Update::Pre-Invoke::=touch /tmp/pwned"],
    "option hidden in a name": ["pkg", "install", "hello -o APT::Update::Pre-Invoke::=id"],
    "local package": ["pkg", "install", "/tmp/evil/evil.deb"],
    "local package by name": ["pkg", "install", "evil.deb"],
    "relative local package": ["pkg", "install", "./tmp/evil/evil.deb"],
    "a release pin": ["pkg", "install", "hello/unstable"],
    "service path traversal": ["service", "restart", "../../tmp/evil/x"],
    "service not allowed": ["service", "restart", "rsyslog"],
    "audit service": ["service", "restart", "auditd"],
    "semicolon": ["pkg", "install", "hello;touch /tmp/pwned"],
    "command substitution": ["pkg", "install", "$(touch /tmp/pwned)"],
    "newline": ["pkg", "install", "hello\ntouch /tmp/pwned"],
    "protected package": ["pkg", "remove", "auditd"],
    "sudo removed": ["pkg", "remove", "sudo"],
    "dependency of the audit": ["pkg", "remove", "libauparse0"],
    "unknown action": ["shell"],
}


@pytest.mark.parametrize("attempt", sorted(SYSADMIN_ATTEMPTS))
def test_the_system_admin_cannot_escape(lab: Lab, attempt: str, untouched: None) -> None:
    lab.root(
        "printf '#!/bin/sh\\ntouch /tmp/pwned\\n' > /tmp/evil/x; chmod 0755 /tmp/evil/x; "
        "printf 'not a package' > /tmp/evil/evil.deb"
    )
    refused(lab.sudo("sysadm1", WRAPPER.format("sysadmin"), *SYSADMIN_ATTEMPTS[attempt]))
    assert "ii  auditd" in lab.root("dpkg -l auditd sudo")


@pytest.mark.parametrize(
    "argv",
    [
        ["/usr/bin/apt-get", "update", "-o", "APT::Update::Pre-Invoke::=touch /tmp/pwned"],
        ["/usr/bin/dpkg", "-i", "/tmp/evil/evil.deb"],
        ["/usr/sbin/service", "../../tmp/evil/x", "start"],
        ["/usr/bin/systemctl", "status"],
    ],
    ids=["apt-get", "dpkg", "service", "systemctl"],
)
def test_the_system_admin_has_no_raw_tool(lab: Lab, argv: list[str], untouched: None) -> None:
    refused(lab.sudo("sysadm1", *argv))


def test_the_callers_environment_never_reaches_the_wrappers(lab: Lab, untouched: None) -> None:
    """PYTHONPATH/PYTHONSTARTUP, APT_CONFIG and LD_PRELOAD set by the caller, and `sudo VAR=`."""
    lab.root(
        'printf \'import os\\nopen("/tmp/pwned-py", "w")\\n\' > /tmp/evil/subprocess.py; '
        "printf 'APT::Update::Pre-Invoke {\"touch /tmp/pwned-apt\";};\\n' > /tmp/evil/apt.conf; "
        "chmod 0644 /tmp/evil/*"
    )
    script = (
        "read -r pw; export PYTHONPATH=/tmp/evil PYTHONSTARTUP=/tmp/evil/subprocess.py "
        "APT_CONFIG=/tmp/evil/apt.conf LD_PRELOAD=/tmp/evil/none.so PAGER='sh -c id' "
        'EDITOR=/tmp/evil/x; printf "%s\\n" "$pw" | sudo -S -p "" "$@"'
    )
    lab.as_user("sysadm1", script, WRAPPER.format("sysadmin"), "pkg", "update")
    refused(
        lab.sudo(
            "sysadm1", "APT_CONFIG=/tmp/evil/apt.conf", WRAPPER.format("sysadmin"), "pkg", "update"
        )
    )


# -- security administrator -----------------------------------------------------------------

SECADMIN_ATTEMPTS = {
    "add itself to sudo (raw usermod)": ["/usr/sbin/usermod", "-aG", "sudo", "secadm1"],
    "chown a shell copy": ["/usr/bin/chown", "root:root", "/tmp/evil/sh"],
    "chmod setuid a shell copy": ["/usr/bin/chmod", "4755", "/tmp/evil/sh"],
    "passwd root": ["/usr/bin/passwd", "root"],
    "wrapper: setuid a copy": [WRAPPER.format("secadmin"), "mode", "/tmp/evil/sh", "4755"],
    "wrapper: setuid an allowed path": [WRAPPER.format("secadmin"), "mode", "/etc/passwd", "4644"],
    "wrapper: widen shadow": [WRAPPER.format("secadmin"), "mode", "/etc/shadow", "0644"],
    "wrapper: traversal": [WRAPPER.format("secadmin"), "mode", "/etc/../tmp/evil/sh", "0755"],
    "wrapper: unlock itself": [WRAPPER.format("secadmin"), "account", "unlock", "secadm1"],
    "wrapper: password of another role": [
        WRAPPER.format("secadmin"),
        "account",
        "passwd",
        "sysadm1",
    ],
    "wrapper: lock the automation account": [
        WRAPPER.format("secadmin"),
        "account",
        "lock",
        "labadmin",
    ],
    "wrapper: root": [WRAPPER.format("secadmin"), "account", "passwd", "root"],
    "wrapper: a system account": [WRAPPER.format("secadmin"), "account", "unlock", "daemon"],
    "wrapper: create a privileged group's name": [
        WRAPPER.format("secadmin"),
        "account",
        "create",
        "docker",
    ],
    "wrapper: option as a name": [WRAPPER.format("secadmin"), "account", "create", "-ou0"],
    "wrapper: nft injection": [
        WRAPPER.format("secadmin"),
        "firewall",
        "block",
        "192.0.2.1 } ; flush ruleset",
    ],
    "wrapper: block the admin source": [
        WRAPPER.format("secadmin"),
        "firewall",
        "block",
        "10.213.211.1",
    ],
}


@pytest.mark.parametrize("attempt", sorted(SECADMIN_ATTEMPTS))
def test_the_security_admin_cannot_escape(lab: Lab, attempt: str, untouched: None) -> None:
    lab.root("cp /bin/sh /tmp/evil/sh && chown secadm1 /tmp/evil/sh")
    refused(lab.sudo("secadm1", *SECADMIN_ATTEMPTS[attempt]))
    found = lab.root(
        "stat -c '%a %U' /tmp/evil/sh; id -nG secadm1; nft list table inet mlps_block 2>&1 || true"
    ).splitlines()
    mode, owner = found[0].split()
    assert owner == "secadm1" and int(mode, 8) & 0o6000 == 0  # no setuid copy
    assert found[1].split() == ["secadm1", "mlps_secadmin", "mlps_ssh"]
    assert "10.213.211.1" not in "\n".join(found[2:])  # the admin source is never blocked


def test_a_password_cannot_smuggle_a_second_account(lab: Lab) -> None:
    """chpasswd reads NAME:PASSWORD lines: only one line of the caller's input is used."""
    lab.root("useradd -m clerk2")
    root_before = lab.root("grep '^root:' /etc/shadow")
    try:
        set_it = lab.sudo(
            "secadm1",
            WRAPPER.format("secadmin"),
            "account",
            "passwd",
            "clerk2",
            extra="Clerk-Pass-2026!x\nroot:hacked\n",
        )
        assert set_it.returncode == 0, set_it.stderr
        assert lab.root("grep '^root:' /etc/shadow") == root_before
    finally:
        lab.root("userdel -r clerk2")


# -- audit administrator --------------------------------------------------------------------

AUDADMIN_ATTEMPTS = {
    "raw last -f /etc/shadow": ["/usr/bin/last", "-f", "/etc/shadow"],
    "raw ausearch --checkpoint": ["/usr/sbin/ausearch", "--checkpoint", "/root/x"],
    "raw ausearch -if": ["/usr/sbin/ausearch", "-if", "/etc/shadow"],
    "raw auditctl -D": ["/usr/sbin/auditctl", "-D"],
    "raw journalctl": ["/usr/bin/journalctl"],
    "wrapper: last -f": [WRAPPER.format("audadmin"), "logins", "-f", "/etc/shadow"],
    "wrapper: a file as the name": [WRAPPER.format("audadmin"), "logins", "/etc/shadow"],
    "wrapper: checkpoint": [WRAPPER.format("audadmin"), "search", "--checkpoint", "/root/x"],
    "wrapper: input file": [WRAPPER.format("audadmin"), "search", "-if", "/etc/shadow"],
    "wrapper: input file as a value": [WRAPPER.format("audadmin"), "search", "--key", "-if"],
    "wrapper: input logs": [WRAPPER.format("audadmin"), "report", "summary", "--input-logs"],
    "wrapper: time with a command": [
        WRAPPER.format("audadmin"), "search", "--start", "today;touch /tmp/pwned",
    ],
    "wrapper: delete the rules": [WRAPPER.format("audadmin"), "rules", "-D"],
}  # fmt: skip


@pytest.mark.parametrize("attempt", sorted(AUDADMIN_ATTEMPTS))
def test_the_audit_admin_cannot_escape(lab: Lab, attempt: str, untouched: None) -> None:
    secret = lab.root("awk -F: '$1==\"sysadm1\"{print $2}' /etc/shadow").strip()
    assert secret.startswith("$6$")
    found = lab.sudo("audadm1", *AUDADMIN_ATTEMPTS[attempt])
    refused(found)
    assert secret[3:19] not in found.stdout + found.stderr  # the salt: no fragment of shadow


def test_no_role_can_stop_or_change_the_audit(lab: Lab, untouched: None) -> None:
    attempts = [
        ("sysadm1", [WRAPPER.format("sysadmin"), "pkg", "remove", "auditd"]),
        ("sysadm1", [WRAPPER.format("sysadmin"), "service", "reload", "rsyslog"]),
        ("secadm1", [WRAPPER.format("secadmin"), "mode", "/var/log/audit", "0777"]),
        ("secadm1", [WRAPPER.format("secadmin"), "mode", "/etc/audit/auditd.conf", "0666"]),
        ("audadm1", [WRAPPER.format("audadmin"), "status", "-e", "0"]),
        ("audadm1", ["/usr/sbin/service", "auditd", "stop"]),
    ]
    for user, argv in attempts:
        refused(lab.sudo(user, *argv))


# -- widening a role on purpose turns the checks to FAIL -------------------------------------

DROP_IN = "/etc/sudoers.d/zz-widened"


def widen(lab: Lab, rule: str) -> None:
    lab.root(
        f"printf '%s\\n' '{rule}' > /tmp/widened && visudo -cf /tmp/widened && "
        f"install -m 0440 -o root -g root /tmp/widened {DROP_IN}"
    )


def narrow(lab: Lab) -> None:
    lab.root(
        f"rm -f {DROP_IN} /tmp/widened /tmp/pwned*; gpasswd -d secadm1 sudo 2>/dev/null || true"
    )


def failing(host: dict, check_ids: list[str], control_ids: list[str]) -> None:  # type: ignore[type-arg]
    for check_id in check_ids:
        assert check(host, check_id) == "fail", check_id
    for control_id in control_ids:
        assert verdict(host, control_id) in ("noncompliant", "partial"), control_id


def test_a_role_member_in_the_sudo_group_fails(lab: Lab, baseline: dict) -> None:  # type: ignore[type-arg]
    lab.root("usermod -aG sudo secadm1")
    try:
        root = lab.sudo("secadm1", "/usr/bin/id", "-u")
        assert root.stdout.strip() == "0"  # the widening is real: a root shell
        host = lab.audit("sudo-group")
        failing(
            host,
            ["admin_roles_separated", "sudo_no_unrestricted_all"],
            ["ce.ac.d", "mc.sa.a", "mc.sa.b"],
        )
    finally:
        narrow(lab)


def test_raw_apt_get_for_the_system_admin_fails(lab: Lab, baseline: dict) -> None:  # type: ignore[type-arg]
    widen(lab, "%mlps_sysadmin ALL=(root) /usr/bin/apt-get")
    try:
        lab.sudo(
            "sysadm1",
            "/usr/bin/apt-get",
            "update",
            "-o",
            "APT::Update::Pre-Invoke::=touch /tmp/pwned",
        )
        assert lab.root("stat -c %U /tmp/pwned").strip() == "root"  # the technique works
        host = lab.audit("apt-get")
        failing(host, ["admin_roles_separated", "sudo_no_unrestricted_all"], ["ce.ac.d", "mc.sa.a"])
    finally:
        narrow(lab)


def test_chown_for_the_security_admin_fails(lab: Lab, baseline: dict) -> None:  # type: ignore[type-arg]
    widen(lab, "%mlps_secadmin ALL=(root) /usr/bin/chown")
    try:
        host = lab.audit("chown")
        failing(
            host,
            ["admin_roles_separated", "sudo_no_unrestricted_all"],
            ["ce.ac.d", "mc.sa.a", "mc.sa.b"],
        )
    finally:
        narrow(lab)


def test_no_password_for_a_role_fails(lab: Lab, baseline: dict) -> None:  # type: ignore[type-arg]
    widen(lab, "Defaults:sysadm1 !authenticate")
    try:
        host = lab.audit("authenticate")
        failing(host, ["sudo_authenticate_required"], ["ce.ac.d", "mc.sa.a"])
    finally:
        narrow(lab)


def test_last_for_the_audit_admin_fails(lab: Lab, baseline: dict) -> None:  # type: ignore[type-arg]
    widen(lab, "%mlps_audadmin ALL=(root) /usr/bin/last")
    try:
        host = lab.audit("last")
        failing(host, ["admin_roles_separated", "sudo_no_unrestricted_all"], ["ce.ac.d", "mc.am.a"])
    finally:
        narrow(lab)


# the other techniques of the issue, each granted raw to the role it would tempt
WIDENINGS = {
    "dpkg": ("%mlps_sysadmin ALL=(root) /usr/bin/dpkg", ["ce.ac.d", "mc.sa.a"]),
    "service": ("%mlps_sysadmin ALL=(root) /usr/sbin/service", ["ce.ac.d", "mc.sa.a"]),
    "systemctl": ("%mlps_sysadmin ALL=(root) /usr/bin/systemctl", ["ce.ac.d", "mc.sa.a"]),
    "usermod": ("%mlps_secadmin ALL=(root) /usr/sbin/usermod", ["ce.ac.d", "mc.sa.b"]),
    "chmod": ("%mlps_secadmin ALL=(root) /usr/bin/chmod", ["ce.ac.d", "mc.sa.b"]),
    "ausearch": ("%mlps_audadmin ALL=(root) /usr/sbin/ausearch", ["ce.ac.d", "mc.am.a"]),
}


@pytest.mark.parametrize("tool", sorted(WIDENINGS))
def test_each_raw_tool_granted_to_a_role_fails(
    lab: Lab,
    baseline: dict,  # type: ignore[type-arg]
    tool: str,
) -> None:
    rule, controls = WIDENINGS[tool]
    widen(lab, rule)
    try:
        host = lab.audit(f"raw-{tool}")
        failing(host, ["admin_roles_separated", "sudo_no_unrestricted_all"], controls)
    finally:
        narrow(lab)


def test_the_checks_pass_again_once_narrowed(lab: Lab, baseline: dict) -> None:  # type: ignore[type-arg]
    host = lab.audit("narrowed")
    for check_id in (
        "admin_roles_separated",
        "sudo_no_unrestricted_all",
        "sudo_authenticate_required",
    ):
        assert check(host, check_id) == "pass", check_id
