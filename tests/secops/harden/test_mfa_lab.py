"""MFA and management sources on a hardened lab host, tried as an assessor would.

The host is the one hardened at level 3 once for the session (``shared_host``,
tests/labkit.py); every harden here passes its variables too. An ordinary user is enrolled
with a known TOTP secret; logins are driven with paramiko (publickey, then keyboard-interactive
answering the code computed here, RFC 6238 with the standard library). A second address of the
lab subnet on this machine's bridge is the "non-management" source. Weakening tests change the
host through `govsec lab exec` and restore it afterwards.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import socket
import struct
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import paramiko
import pytest

from tests.conftest import govsec
from tests.labkit import SHARED_SUBNET, Hardened, Lab, checks, controls, hardened_ok

pytestmark = pytest.mark.lab
PREFIX = SHARED_SUBNET.rsplit(".", 1)[0]
USER = "mfauser"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105 - base32 TOTP secret, test-only
PASSWORD = "Lab-only pass 4 MFA!"  # noqa: S105 - a lab user's password, never real
OUTSIDE = f"{PREFIX}.250"  # a second address of this machine: not a management source


def totp(secret: str, at: float | None = None, step: int = 30) -> str:
    """RFC 6238 TOTP (HMAC-SHA1, 6 digits), as pam_google_authenticator computes it."""
    key = base64.b32decode(secret)
    counter = int((time.time() if at is None else at) // step)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = (struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000
    return f"{code:06d}"


def audit(lab: Lab, name: str) -> dict[str, dict]:  # type: ignore[type-arg]
    host = lab.audit(name)
    return {"checks": checks(host), "controls": controls(host)}


def connect(lab: Lab, source: str | None = None, timeout: float = 8) -> paramiko.Transport:
    """An SSH transport to the host, its host key checked against the lab's known_hosts."""
    address = lab.address()
    sock = socket.create_connection(
        (address, 22), timeout=timeout, source_address=(source, 0) if source else None
    )
    transport = paramiko.Transport(sock)
    transport.start_client(timeout=timeout)
    known = paramiko.HostKeys(str(lab.inventory.with_name("known_hosts")))
    offered = transport.get_remote_server_key()
    keys = known.lookup(address)
    assert keys is not None and keys.get(offered.get_name()) == offered, "unknown host key"
    return transport


@pytest.fixture(scope="module")
def lab(shared_host: Hardened) -> Lab:
    return shared_host.lab


@pytest.fixture(scope="module")
def variables(shared_host: Hardened) -> Path:
    """The variables the shared host was hardened with: every harden here passes them."""
    return shared_host.variables


@pytest.fixture(scope="module")
def hardened(lab: Lab) -> Lab:
    return lab


@pytest.fixture(scope="module")
def user_key(hardened: Lab) -> paramiko.Ed25519Key:
    """An ordinary SSH user with a key, a password and an enrolled TOTP secret."""
    key_file = hardened.home / "user_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key_file)], check=True)
    public = key_file.with_suffix(".pub").read_text()
    hashed = subprocess.run(
        ["openssl", "passwd", "-6", "-stdin"], input=PASSWORD, capture_output=True, text=True,
        check=True,
    ).stdout.strip()  # fmt: skip
    steps = [
        (["useradd", "-m", "-s", "/bin/bash", "-G", "mlps_ssh", USER], None),
        (["sh", "-c", 'IFS= read -r h; usermod -p "$h" "$1"', "sh", USER], hashed + "\n"),
        (["install", "-d", "-m", "700", "-o", USER, "-g", USER, f"/home/{USER}/.ssh"], None),
        (["sh", "-c", 'umask 077; cat > "$1"', "sh", f"/home/{USER}/.ssh/authorized_keys"], public),
        # as `google-authenticator --time-based` writes it: the secret, then its options; without
        # TOTP_AUTH the module takes the secret for a counter (HOTP) one and refuses TOTP codes
        (["sh", "-c", 'umask 077; cat > "$1"', "sh", f"/home/{USER}/.google_authenticator"],
         SECRET + '\n" TOTP_AUTH\n'),
        (["chown", "-R", f"{USER}:{USER}", f"/home/{USER}"], None),
    ]  # fmt: skip
    for argv, stdin in steps:
        done = hardened.exec(*argv, stdin=stdin)
        assert done.returncode == 0, (argv, done.stderr)
    return paramiko.Ed25519Key.from_private_key_file(str(key_file))


def code_handler(code: str) -> Callable[[str, str, list[tuple[str, bool]]], list[str]]:
    """Answer every keyboard-interactive prompt with ``code``."""

    def answer(title: str, instructions: str, prompts: list[tuple[str, bool]]) -> list[str]:
        return [code for _ in prompts]

    return answer


def key_then(lab: Lab, key: paramiko.PKey, code: str | None) -> bool:
    """Log in as the user with the key, then (if asked) the code; True when it got a shell."""
    transport = connect(lab)
    try:
        remaining = transport.auth_publickey(USER, key)
        if transport.is_authenticated():
            return True
        assert "keyboard-interactive" in remaining, remaining
        if code is None:
            return False
        try:
            transport.auth_interactive(USER, code_handler(code))
        except paramiko.AuthenticationException:
            return False
        if not transport.is_authenticated():
            return False
        channel = transport.open_session()
        channel.exec_command("id -un")
        return channel.makefile().read().decode().strip() == USER
    finally:
        transport.close()


def test_a_key_alone_is_refused(lab: Lab, user_key: paramiko.PKey) -> None:
    assert key_then(lab, user_key, None) is False


def test_a_password_alone_is_refused(lab: Lab, user_key: paramiko.PKey) -> None:
    transport = connect(lab)
    try:
        with pytest.raises(paramiko.BadAuthenticationType) as refused:
            transport.auth_password(USER, PASSWORD)
        assert refused.value.allowed_types == ["publickey"]
        with pytest.raises((paramiko.BadAuthenticationType, paramiko.AuthenticationException)):
            transport.auth_interactive(USER, code_handler(PASSWORD))
        assert not transport.is_authenticated()
    finally:
        transport.close()


def test_a_key_and_the_right_code_log_in(lab: Lab, user_key: paramiko.PKey) -> None:
    assert key_then(lab, user_key, totp(SECRET)) is True


def test_a_key_and_a_wrong_code_are_refused(lab: Lab, user_key: paramiko.PKey) -> None:
    right = totp(SECRET)
    wrong = f"{(int(right) + 500_000) % 1_000_000:06d}"
    assert key_then(lab, user_key, wrong) is False
    assert lab.exec("faillock", "--user", USER, "--reset").returncode == 0


def test_the_automation_account_still_logs_in_with_its_key(hardened: Lab) -> None:
    ssh = hardened.ssh("sudo -n id -u")
    assert ssh.returncode == 0 and ssh.stdout.strip() == "0", ssh.stderr


def test_the_audit_reports_mfa_the_exception_and_the_sources(hardened: Lab) -> None:
    found = audit(hardened, "audit-hardened")
    checks, controls = found["checks"], found["controls"]
    for check in ("mfa_enforced", "mgmt_source_restricted", "host_firewall_default_deny"):
        assert checks[check]["status"] == "pass", checks[check]
    seen = " ".join(e["seen"] for e in checks["mfa_enforced"]["evidence"])
    assert "Match User labadmin Address" in seen and "SSH key (publickey) + TOTP" in seen
    assert controls["ce.ia.d"]["verdict"] == "compliant"
    assert controls["ce.ip.c"]["verdict"] == "compliant"


@pytest.fixture
def second_source(hardened: Lab) -> Iterator[str]:
    """OUTSIDE as a second address of this machine on the lab bridge, for `ssh -b`."""
    added = subprocess.run(
        ["ip", "addr", "add", f"{OUTSIDE}/24", "dev", hardened.bridge],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    try:
        yield OUTSIDE
    finally:
        subprocess.run(["ip", "addr", "del", f"{OUTSIDE}/24", "dev", hardened.bridge], check=False)


def reaches(lab: Lab, source: str | None) -> bool:
    """Whether a TCP connection and the SSH handshake from ``source`` get through."""
    try:
        connect(lab, source, timeout=4).close()
    except (OSError, paramiko.SSHException):
        return False
    return True


def test_ssh_from_a_management_source_works_and_from_another_is_dropped(
    hardened: Lab, second_source: str
) -> None:
    assert reaches(hardened, None)  # the machine's own address, the management source
    assert not reaches(hardened, second_source)


def test_mfa_weakened_is_found(hardened: Lab, user_key: paramiko.PKey) -> None:
    """AuthenticationMethods any, then nullok with no enrolment period: FAIL, not compliant."""
    conf = "/etc/ssh/sshd_config.d/00-mlps-baseline.conf"
    saved = hardened.exec("cat", conf).stdout
    pam = hardened.exec("cat", "/etc/pam.d/sshd").stdout
    try:
        weak = saved.replace(
            "AuthenticationMethods publickey,keyboard-interactive", "AuthenticationMethods any"
        )
        assert weak != saved
        assert hardened.exec("sh", "-c", 'cat > "$1"', "sh", conf, stdin=weak).returncode == 0
        assert hardened.exec("sh", "-c", "kill -HUP $(cat /run/sshd.pid)").returncode == 0
        time.sleep(1)
        assert key_then(hardened, user_key, None) is True  # the weakening is real: key alone
        found = audit(hardened, "audit-any")
        assert found["checks"]["mfa_enforced"]["status"] == "fail"
        assert found["controls"]["ce.ia.d"]["verdict"] in ("noncompliant", "partial")
        assert "any" in found["checks"]["mfa_enforced"]["message"]
    finally:
        hardened.exec("sh", "-c", 'cat > "$1"', "sh", conf, stdin=saved)
        hardened.exec("sh", "-c", "kill -HUP $(cat /run/sshd.pid)")
    try:
        nullok = pam.replace(
            "pam_google_authenticator.so", "pam_google_authenticator.so nullok"
        ).replace("[success=2 default=ignore]", "[success=2 ignore=2 default=ignore]")
        assert nullok != pam
        assert (
            hardened.exec(
                "sh", "-c", 'cat > "$1"', "sh", "/etc/pam.d/sshd", stdin=nullok
            ).returncode
            == 0
        )
        found = audit(hardened, "audit-nullok")
        check = found["checks"]["mfa_enforced"]
        assert check["status"] == "fail", check
        assert any("nullok" in e["seen"] for e in check["evidence"])
        assert found["controls"]["ce.ia.d"]["verdict"] != "compliant"
    finally:
        hardened.exec("sh", "-c", 'cat > "$1"', "sh", "/etc/pam.d/sshd", stdin=pam)
    time.sleep(1)
    assert key_then(hardened, user_key, None) is False  # restored


def test_ssh_opened_to_everyone_while_fail2ban_bans_is_found(
    hardened: Lab, second_source: str
) -> None:
    conf = "/etc/ssh/sshd_config.d/00-mlps-baseline.conf"
    saved = hardened.exec("cat", conf).stdout
    banned = f"{PREFIX}.99"
    try:
        assert hardened.exec("fail2ban-client", "set", "sshd", "banip", banned).returncode == 0
        opened = saved.split("\n# Management terminals only")[0]
        if "\n# The one exception" in saved:
            opened += "\n# The one exception" + saved.split("\n# The one exception", 1)[1]
        assert "Match Address" not in opened
        assert hardened.exec("sh", "-c", 'cat > "$1"', "sh", conf, stdin=opened).returncode == 0
        assert hardened.exec("sh", "-c", "kill -HUP $(cat /run/sshd.pid)").returncode == 0
        assert hardened.exec("nft", "delete", "table", "inet", "mlps_filter").returncode == 0
        time.sleep(1)
        assert reaches(hardened, second_source)  # now really open to a non-management address
        ruleset = hardened.exec("nft", "list", "ruleset").stdout
        assert "@addr-set-sshd" in ruleset and banned in ruleset
        found = audit(hardened, "audit-open")
        check = found["checks"]["mgmt_source_restricted"]
        assert check["status"] == "fail", check
        assert found["checks"]["host_firewall_default_deny"]["status"] == "fail"
        assert found["controls"]["ce.ip.c"]["verdict"] in ("noncompliant", "partial")
    finally:
        hardened.exec("sh", "-c", 'cat > "$1"', "sh", conf, stdin=saved)
        hardened.exec("sh", "-c", "kill -HUP $(cat /run/sshd.pid)")
        hardened.exec("nft", "-f", "/etc/govsec/mlps-filter.nft")
        hardened.exec("fail2ban-client", "set", "sshd", "unbanip", banned)
    time.sleep(1)
    assert not reaches(hardened, second_source)


def harden_mfa(lab: Lab, variables: Path, *extra: str) -> None:
    done = govsec(
        "harden", "-i", str(lab.inventory), "--level", "3", "--tags", "mfa_enforced",
        "--format", "json", "-e", str(variables), *extra, env=lab.env, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


def test_an_enrolment_period_lets_an_unenrolled_user_in_until_the_role_ends_it(
    hardened: Lab, variables: Path, user_key: paramiko.PKey
) -> None:
    """nullok only with a declared date: the audit says so; without the date it is gone."""
    period = hardened.home / "enrolment.yml"
    period.write_text("mlps_mfa_enrolment_until: '2099-12-31'\n")
    secret = f"/home/{USER}/.google_authenticator"
    harden_mfa(hardened, variables, "-e", str(period))
    try:
        assert hardened.exec("mv", secret, f"{secret}.off").returncode == 0
        assert key_then(hardened, user_key, "") is True  # not enrolled: the key alone, for now
        check = audit(hardened, "audit-enrolment")["checks"]["mfa_enforced"]
        assert check["status"] == "pass", check
        assert any(e["seen"].startswith("nullok until 2099-12-31") for e in check["evidence"])
    finally:
        hardened.exec("mv", f"{secret}.off", secret)
        harden_mfa(hardened, variables)
    assert "nullok" not in hardened.exec("cat", "/etc/pam.d/sshd").stdout
    assert hardened.exec("test", "-e", "/etc/govsec/mfa-enrolment-until").returncode == 1
    assert key_then(hardened, user_key, "") is False
    assert hardened.exec("faillock", "--user", USER, "--reset").returncode == 0


def test_harden_runs_again_through_the_exception(hardened: Lab, variables: Path) -> None:
    hardened_ok(hardened.harden("--level", "3", "-e", str(variables)))
