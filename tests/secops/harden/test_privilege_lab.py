"""三权分立 attacked: the escalation suite against the three administrator roles of a hardened
lab host, and the checks turning to FAIL when a role is widened on purpose.

The lab host is the one hardened once for the session (`shared_host`, tests/labkit.py: `govsec
harden --level 3` with an account per role, each with a key and a password — sudo asks for it:
no NOPASSWD but the automation account's); what a test changes it restores. Each attempt
runs as the role's user — a login session of that account (`runuser -u`, so the user's own
groups and credentials, exactly what sudo judges) — with the password on sudo's standard input,
and tries a known escape technique (GTFOBins: option injection, path traversal, local packages,
package hooks, environment, setuid copies, group self-assignment, log readers pointed at secrets,
shell syntax in arguments). Every attempt must be refused, and afterwards the host shows that it
was: no root-owned marker file, /etc/shadow not read, groups unchanged, audit files intact.

The attempts run in one batch (one `lab exec` of RUNNER, the password and the attempts on its
standard input): for each attempt the runner takes the evidence before it (markers cleared,
digests of the audit files, sudoers, group and shadow, the role users' groups), prepares it,
runs its steps, reads what the test looks at afterwards and takes the evidence again — exactly
what one attempt and its `lab exec` calls did, without a round trip each. Every technique is
still a test of its own, asserting on its own record.

The widening tests write a sudoers drop-in (checked with `visudo -cf` first) or a group
membership, show that the technique then really works where it can be shown, run
`govsec audit --level 3` and expect the relevant check FAIL and the control not compliant, and
undo the widening.
"""

from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest

from tests.labkit import (
    ROLE_PASSWORD,
    ROLE_USERS,
    SHARED_GATEWAY,
    Hardened,
    Lab,
    checks,
    controls,
)

pytestmark = pytest.mark.lab
PASSWORD = ROLE_PASSWORD  # the role accounts of this run
WRAPPER = "/usr/local/sbin/mlps-{}"
USERS = ROLE_USERS
ADMIN_SOURCE = SHARED_GATEWAY  # the machine, where Ansible connects from
# files whose digests must not change whatever a role tries (the audit records and their rules)
AUDIT_FILES = "/etc/audit /var/log/audit /etc/sudoers /etc/sudoers.d /etc/group /etc/shadow"


def sudo(lab: Lab, user: str, *argv: str, extra: str = "") -> subprocess.CompletedProcess[str]:
    """``sudo`` as ``user`` in a session of its own, the password on standard input."""
    return lab.exec(
        "runuser", "-u", user, "--", "sudo", "-S", "-p", "", *argv, stdin=PASSWORD + "\n" + extra
    )


def check(host: dict[str, Any], check_id: str) -> str:
    return str(checks(host)[check_id]["status"])


def verdict(host: dict[str, Any], control_id: str) -> str:
    return str(controls(host)[control_id]["verdict"])


@pytest.fixture(scope="module")
def lab(shared_host: Hardened) -> Lab:
    return shared_host.lab


@pytest.fixture(scope="module")
def baseline(lab: Lab) -> dict[str, Any]:
    return lab.audit("baseline")


DIGESTS = (
    f"find {AUDIT_FILES} -type f -exec sha256sum {{}} + 2>/dev/null | sort; "
    + 'for u in sysadm1 secadm1 audadm1 labadmin; do id -nG "$u"; done'
)
MARKERS = "/tmp/pwned* /root/pwned* /root/x /etc/pwned*"
BEFORE = f"rm -rf {MARKERS}; mkdir -p /tmp/evil && chmod 0777 /tmp/evil; {DIGESTS}"
AFTER = f"{DIGESTS}; echo MARKERS; ls -d {MARKERS} 2>/dev/null || true"

# Run as root in the host by `python3 -c`; reads {"password", "attempts"} on standard input and
# prints one record per attempt. A step is sudo as a role user (`runuser -u USER -- sudo -S`,
# the password then `extra` on its stdin) or, with "script", a shell script run by the user.
RUNNER = r"""
import json, subprocess, sys
job = json.load(sys.stdin)
def run(argv, stdin=""):
    try:
        done = subprocess.run(argv, input=stdin, capture_output=True, text=True,
                              errors="replace", timeout=120)
        return {"rc": done.returncode, "stdout": done.stdout, "stderr": done.stderr}
    except subprocess.TimeoutExpired:
        return {"rc": None, "stdout": "", "stderr": "timed out"}
def root(script):
    return run(["sh", "-c", script])
records = {}
for attempt in job["attempts"]:
    record = {"before": root(job["before"])}
    record["setup"] = root(attempt["setup"]) if attempt["setup"] else None
    record["steps"] = []
    for step in attempt["steps"]:
        user = ["runuser", "-u", step["user"], "--"]
        if "script" in step:
            argv = user + ["sh", "-c", step["script"], "sh"] + step["argv"]
        else:
            argv = user + ["sudo", "-S", "-p", ""] + step["argv"]
        record["steps"].append(run(argv, job["password"] + "\n" + step.get("extra", "")))
    record["post"] = root(attempt["post"]) if attempt["post"] else None
    record["after"] = root(job["after"])
    records[attempt["id"]] = record
print(json.dumps(records))
"""


def attempt(
    setup: str = "", post: str = "", steps: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    return {"setup": setup, "post": post, "steps": steps or []}


def step(user: str, *argv: str, script: str | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {"user": user, "argv": list(argv)}
    if script is not None:
        found["script"] = script
    return found


def untouched(record: dict[str, Any]) -> None:
    """Around the attempt: the audit files, sudoers, groups and shadow stay as they were, and
    no marker file a payload would create as root appears."""
    before, after = record["before"], record["after"]
    assert before["rc"] == 0 and after["rc"] == 0, (before, after)
    digests, _, markers = after["stdout"].partition("MARKERS\n")
    assert digests == before["stdout"]
    assert markers.strip() == "", markers


def refused(found: dict[str, Any] | subprocess.CompletedProcess[str]) -> None:
    if isinstance(found, subprocess.CompletedProcess):
        found = {"rc": found.returncode, "stdout": found.stdout, "stderr": found.stderr}
    assert found["rc"] is not None, "timed out"
    assert found["rc"] != 0, found["stdout"] + found["stderr"]
    assert "uid=0" not in found["stdout"]


def ran(record: dict[str, Any], part: str) -> str:
    """What the attempt's root ``part`` (setup, post) printed; it must have succeeded."""
    found = record[part]
    assert found["rc"] == 0, found["stdout"] + found["stderr"]
    return str(found["stdout"])


# -- a hardened host: the three roles pass, each can do its job ------------------------------


def test_the_roles_pass_on_the_hardened_host(baseline: dict[str, Any]) -> None:
    for check_id in (
        "admin_roles_separated",
        "sudo_no_unrestricted_all",
        "sudo_authenticate_required",
    ):
        assert check(baseline, check_id) == "pass", check_id
    for control_id in ("mc.sa.a", "mc.sa.b"):
        assert verdict(baseline, control_id) == "compliant", control_id


def test_each_role_does_its_job_through_its_wrapper(lab: Lab) -> None:
    status = sudo(lab, "sysadm1", WRAPPER.format("sysadmin"), "service", "status", "ssh")
    assert "refused" not in status.stderr, status.stderr
    made = sudo(lab, "secadm1", WRAPPER.format("secadmin"), "account", "create", "clerk1")
    assert made.returncode == 0, made.stderr
    locked = sudo(lab, "secadm1", WRAPPER.format("secadmin"), "account", "lock", "clerk1")
    assert locked.returncode == 0, locked.stderr
    assert "clerk1 L " in lab.root("passwd -S clerk1")
    lab.root("userdel -r clerk1")
    logins = sudo(lab, "audadm1", WRAPPER.format("audadmin"), "logins")
    assert logins.returncode == 0 and "wtmp begins" in logins.stdout, logins.stderr


def test_a_block_outlasts_a_reboot_and_lifting_it_too(lab: Lab) -> None:
    """The security admin's block is written where nftables.conf loads it at boot; loading
    the file again (a reboot, or nftables reloaded) gives the same table, not a second one."""
    wrapper = WRAPPER.format("secadmin")
    kept = "/etc/govsec/mlps-block.nft"
    reboot = (
        f"nft delete table inet mlps_block; nft -f {kept} && nft -f {kept}"
        " && nft list table inet mlps_block"
    )
    try:
        blocked = sudo(lab, "secadm1", wrapper, "firewall", "block", "192.0.2.77")
        assert blocked.returncode == 0, blocked.stderr
        assert "192.0.2.77" in lab.root(f"cat {kept}")
        after = lab.root(reboot)
        assert "192.0.2.77" in after and after.count("ip saddr @blocked4 drop") == 1, after
        assert lab.root(f"stat -c '%a %U' {kept}").strip() == "600 root"
    finally:
        lifted = sudo(lab, "secadm1", wrapper, "firewall", "unblock", "192.0.2.77")
    assert lifted.returncode == 0, lifted.stderr
    assert "192.0.2.77" not in lab.root(reboot)


# -- the escalation attempts, by role: each its setup, its steps and what is read afterwards ---

ATTEMPTS: dict[str, dict[str, Any]] = {}

# no role runs another role's wrapper or a shell
for _own, _user in USERS.items():
    ATTEMPTS[f"other wrapper or shell: {_user}"] = attempt(
        steps=[step(_user, WRAPPER.format(role)) for role in USERS if role != _own]
        + [
            step(_user, *argv)
            for argv in (
                ["-i"], ["-s"], ["/bin/sh", "-c", "id"], ["su", "-"], ["sudoedit", "/etc/motd"]
            )
        ]
    )  # fmt: skip

# -- system administrator

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
for _name in sorted(SYSADMIN_ATTEMPTS):
    ATTEMPTS[f"sysadmin: {_name}"] = attempt(
        setup="printf '#!/bin/sh\\ntouch /tmp/pwned\\n' > /tmp/evil/x; chmod 0755 /tmp/evil/x; "
        "printf 'not a package' > /tmp/evil/evil.deb",
        steps=[step("sysadm1", WRAPPER.format("sysadmin"), *SYSADMIN_ATTEMPTS[_name])],
        post="dpkg -l auditd sudo",
    )

RAW_TOOLS = {
    "apt-get": ["/usr/bin/apt-get", "update", "-o", "APT::Update::Pre-Invoke::=touch /tmp/pwned"],
    "dpkg": ["/usr/bin/dpkg", "-i", "/tmp/evil/evil.deb"],
    "service": ["/usr/sbin/service", "../../tmp/evil/x", "start"],
    "systemctl": ["/usr/bin/systemctl", "status"],
}
for _tool, _argv in RAW_TOOLS.items():
    ATTEMPTS[f"raw tool: {_tool}"] = attempt(steps=[step("sysadm1", *_argv)])

# PYTHONPATH/PYTHONSTARTUP, APT_CONFIG and LD_PRELOAD set by the caller, and `sudo VAR=`
ATTEMPTS["environment"] = attempt(
    setup='printf \'import os\\nopen("/tmp/pwned-py", "w")\\n\' > /tmp/evil/subprocess.py; '
    "printf 'APT::Update::Pre-Invoke {\"touch /tmp/pwned-apt\";};\\n' > /tmp/evil/apt.conf; "
    "chmod 0644 /tmp/evil/*",
    steps=[
        step(
            "sysadm1",
            WRAPPER.format("sysadmin"),
            "pkg",
            "update",
            script="read -r pw; export PYTHONPATH=/tmp/evil PYTHONSTARTUP=/tmp/evil/subprocess.py "
            "APT_CONFIG=/tmp/evil/apt.conf LD_PRELOAD=/tmp/evil/none.so PAGER='sh -c id' "
            'EDITOR=/tmp/evil/x; printf "%s\\n" "$pw" | sudo -S -p "" "$@"',
        ),
        step(
            "sysadm1", "APT_CONFIG=/tmp/evil/apt.conf", WRAPPER.format("sysadmin"), "pkg", "update"
        ),
    ],
)

# -- security administrator

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
        ADMIN_SOURCE,
    ],
}
for _name in sorted(SECADMIN_ATTEMPTS):
    ATTEMPTS[f"secadmin: {_name}"] = attempt(
        setup="cp /bin/sh /tmp/evil/sh && chown secadm1 /tmp/evil/sh",
        steps=[step("secadm1", *SECADMIN_ATTEMPTS[_name])],
        post="stat -c '%a %U' /tmp/evil/sh; id -nG secadm1; "
        "nft list table inet mlps_block 2>&1 || true",
    )

# -- audit administrator

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
for _name in sorted(AUDADMIN_ATTEMPTS):
    ATTEMPTS[f"audadmin: {_name}"] = attempt(
        setup="awk -F: '$1==\"sysadm1\"{print $2}' /etc/shadow",
        steps=[step("audadm1", *AUDADMIN_ATTEMPTS[_name])],
    )

# no role can stop or change the audit
ATTEMPTS["stop or change the audit"] = attempt(
    steps=[
        step("sysadm1", WRAPPER.format("sysadmin"), "pkg", "remove", "auditd"),
        step("sysadm1", WRAPPER.format("sysadmin"), "service", "reload", "rsyslog"),
        step("secadm1", WRAPPER.format("secadmin"), "mode", "/var/log/audit", "0777"),
        step("secadm1", WRAPPER.format("secadmin"), "mode", "/etc/audit/auditd.conf", "0666"),
        step("audadm1", WRAPPER.format("audadmin"), "status", "-e", "0"),
        step("audadm1", "/usr/sbin/service", "auditd", "stop"),
    ]
)


@pytest.fixture(scope="module")
def tried(lab: Lab) -> dict[str, dict[str, Any]]:
    """Every attempt above, in one `lab exec`: its evidence before, setup, steps, post, after."""
    job = {
        "password": PASSWORD,
        "before": BEFORE,
        "after": AFTER,
        "attempts": [{"id": key, **value} for key, value in ATTEMPTS.items()],
    }
    found = lab.exec("python3", "-c", RUNNER, stdin=json.dumps(job), timeout=1200)
    assert found.returncode == 0, found.stdout[-3000:] + found.stderr[-3000:]
    records: dict[str, dict[str, Any]] = json.loads(found.stdout)
    assert set(records) == set(ATTEMPTS)
    return records


@pytest.mark.parametrize("user", sorted(USERS.values()))
def test_no_role_runs_another_roles_wrapper_or_a_shell(
    tried: dict[str, dict[str, Any]], user: str
) -> None:
    record = tried[f"other wrapper or shell: {user}"]
    assert len(record["steps"]) == len(USERS) - 1 + 5
    for found in record["steps"]:
        refused(found)
    untouched(record)


@pytest.mark.parametrize("name", sorted(SYSADMIN_ATTEMPTS))
def test_the_system_admin_cannot_escape(tried: dict[str, dict[str, Any]], name: str) -> None:
    record = tried[f"sysadmin: {name}"]
    ran(record, "setup")
    [found] = record["steps"]
    refused(found)
    assert "ii  auditd" in ran(record, "post")
    untouched(record)


@pytest.mark.parametrize("tool", list(RAW_TOOLS))
def test_the_system_admin_has_no_raw_tool(tried: dict[str, dict[str, Any]], tool: str) -> None:
    record = tried[f"raw tool: {tool}"]
    [found] = record["steps"]
    refused(found)
    untouched(record)


def test_the_callers_environment_never_reaches_the_wrappers(
    tried: dict[str, dict[str, Any]],
) -> None:
    """PYTHONPATH/PYTHONSTARTUP, APT_CONFIG and LD_PRELOAD set by the caller, and `sudo VAR=`."""
    record = tried["environment"]
    ran(record, "setup")
    _, sudo_var = record["steps"]
    refused(sudo_var)
    untouched(record)


@pytest.mark.parametrize("name", sorted(SECADMIN_ATTEMPTS))
def test_the_security_admin_cannot_escape(tried: dict[str, dict[str, Any]], name: str) -> None:
    record = tried[f"secadmin: {name}"]
    ran(record, "setup")
    [found] = record["steps"]
    refused(found)
    post = ran(record, "post").splitlines()
    mode, owner = post[0].split()
    assert owner == "secadm1" and int(mode, 8) & 0o6000 == 0  # no setuid copy
    assert post[1].split() == ["secadm1", "mlps_secadmin", "mlps_ssh"]
    assert ADMIN_SOURCE not in "\n".join(post[2:])  # the admin source is never blocked
    untouched(record)


def test_a_password_cannot_smuggle_a_second_account(lab: Lab) -> None:
    """chpasswd reads NAME:PASSWORD lines: only one line of the caller's input is used."""
    lab.root("useradd -m clerk2")
    root_before = lab.root("grep '^root:' /etc/shadow")
    try:
        set_it = sudo(
            lab,
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


@pytest.mark.parametrize("name", sorted(AUDADMIN_ATTEMPTS))
def test_the_audit_admin_cannot_escape(tried: dict[str, dict[str, Any]], name: str) -> None:
    record = tried[f"audadmin: {name}"]
    secret = ran(record, "setup").strip()
    assert secret.startswith("$6$")
    [found] = record["steps"]
    refused(found)
    assert secret[3:19] not in found["stdout"] + found["stderr"]  # the salt: no shadow fragment
    untouched(record)


def test_no_role_can_stop_or_change_the_audit(tried: dict[str, dict[str, Any]]) -> None:
    record = tried["stop or change the audit"]
    assert len(record["steps"]) == 6
    for found in record["steps"]:
        refused(found)
    untouched(record)


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


def failing(host: dict[str, Any], check_ids: list[str], control_ids: list[str]) -> None:
    for check_id in check_ids:
        assert check(host, check_id) == "fail", check_id
    for control_id in control_ids:
        assert verdict(host, control_id) in ("noncompliant", "partial"), control_id


def test_a_role_member_in_the_sudo_group_fails(lab: Lab, baseline: dict[str, Any]) -> None:
    lab.root("usermod -aG sudo secadm1")
    try:
        root = sudo(lab, "secadm1", "/usr/bin/id", "-u")
        assert root.stdout.strip() == "0"  # the widening is real: a root shell
        host = lab.audit("sudo-group")
        failing(
            host,
            ["admin_roles_separated", "sudo_no_unrestricted_all"],
            ["ce.ac.d", "mc.sa.a", "mc.sa.b"],
        )
    finally:
        narrow(lab)


def test_raw_apt_get_for_the_system_admin_fails(lab: Lab, baseline: dict[str, Any]) -> None:
    widen(lab, "%mlps_sysadmin ALL=(root) /usr/bin/apt-get")
    try:
        sudo(
            lab,
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


def test_chown_for_the_security_admin_fails(lab: Lab, baseline: dict[str, Any]) -> None:
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


def test_no_password_for_a_role_fails(lab: Lab, baseline: dict[str, Any]) -> None:
    widen(lab, "Defaults:sysadm1 !authenticate")
    try:
        host = lab.audit("authenticate")
        failing(host, ["sudo_authenticate_required"], ["ce.ac.d", "mc.sa.a"])
    finally:
        narrow(lab)


def test_last_for_the_audit_admin_fails(lab: Lab, baseline: dict[str, Any]) -> None:
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
    baseline: dict[str, Any],
    tool: str,
) -> None:
    rule, controls = WIDENINGS[tool]
    widen(lab, rule)
    try:
        host = lab.audit(f"raw-{tool}")
        failing(host, ["admin_roles_separated", "sudo_no_unrestricted_all"], controls)
    finally:
        narrow(lab)


def test_the_checks_pass_again_once_narrowed(lab: Lab, baseline: dict[str, Any]) -> None:
    host = lab.audit("narrowed")
    for check_id in (
        "admin_roles_separated",
        "sudo_no_unrestricted_all",
        "sudo_authenticate_required",
    ):
        assert check(host, check_id) == "pass", check_id
