"""PAM: pam_unix failures and sessions, pam_faillock and pam_tally2 lockouts."""

from __future__ import annotations

from tests.secops.ingest.conftest import parse, syslog


def test_auth_failure_with_rhost_name() -> None:
    event = parse(
        "Jun 15 02:04:59 combo sshd(pam_unix)[20882]: authentication failure; logname= uid=0"
        " euid=0 tty=NODEVssh ruser= rhost=220-135-151-1.hinet-ip.hinet.net  user=root"
    )
    assert event["event"]["dataset"] == "pam"
    assert event["event"]["outcome"] == "failure"
    assert event["pam"]["module"] == "pam_unix"
    assert event["source"] == {
        "address": "220-135-151-1.hinet-ip.hinet.net",
        "domain": "220-135-151-1.hinet-ip.hinet.net",
    }
    assert event["user"]["name"] == "root"
    assert event["process"] == {"name": "sshd", "pid": 20882}


def test_faillock_lockout() -> None:
    event = syslog(
        "sshd[9]",
        "pam_faillock(sshd:auth): Consecutive login failures for user alice account temporarily"
        " locked",
    )
    assert event["event"]["dataset"] == "pam"
    assert event["event"]["action"] == "account_locked"
    assert event["user"]["name"] == "alice"
    assert event["pam"] == {"module": "pam_faillock", "service": "sshd", "type": "auth"}


def test_tally2_over_deny_is_a_lockout() -> None:
    event = syslog("login[9]", "pam_tally2(login:auth): user bob (1001) tally 4, deny 3")
    assert event["event"]["action"] == "account_locked"
    assert event["user"] == {"name": "bob", "id": "1001"}


def test_session_opened_new_and_old_forms() -> None:
    new = syslog(
        "sudo[9]",
        "pam_unix(sudo:session): session opened for user root(uid=0) by alice(uid=1000)",
    )
    assert new["event"]["category"] == ["session"]
    assert new["event"]["type"] == ["start"]
    assert new["user"] == {"name": "root", "id": "0"}
    assert new["source"]["user"] == {"name": "alice", "id": "1000"}
    old = parse(
        "Jun 15 04:06:18 combo su(pam_unix)[21416]: session opened for user cyrus by (uid=0)"
    )
    assert old["user"]["name"] == "cyrus"
    assert old["event"]["dataset"] == "pam"
    closed = syslog("su[9]", "pam_unix(su:session): session closed for user root")
    assert closed["event"]["type"] == ["end"]


def test_check_pass_user_unknown_and_more_failures() -> None:
    unknown = syslog("sshd[9]", "pam_unix(sshd:auth): check pass; user unknown")
    assert unknown["event"]["action"] == "user_unknown"
    more = syslog(
        "sshd[9]",
        "PAM 2 more authentication failures; logname= uid=0 euid=0 tty=ssh ruser="
        " rhost=183.62.140.253  user=root",
    )
    assert more["pam"]["failures"] == 2
    assert more["source"]["ip"] == "183.62.140.253"


def test_password_changed_by_passwd() -> None:
    event = syslog("passwd[9]", "pam_unix(passwd:chauthtok): password changed for alice")
    assert event["event"]["dataset"] == "pam"
    assert event["event"]["category"] == ["iam"]
    assert event["user"]["target"]["name"] == "alice"


def test_pam_from_any_program() -> None:
    event = syslog("lightdm[9]", "seat0: greeter started")  # not a PAM line at all
    assert event["event"]["dataset"] == "syslog"
    assert "category" not in event["event"]
    event = syslog("lightdm[9]", "pam_unix(lightdm:session): session closed for user carol")
    assert event["event"]["dataset"] == "pam"
    assert event["user"]["name"] == "carol"
