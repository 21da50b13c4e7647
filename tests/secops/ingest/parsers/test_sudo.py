"""sudo: commands, wrong passwords, users not in sudoers."""

from __future__ import annotations

from tests.secops.ingest.conftest import syslog


def test_command() -> None:
    event = syslog(
        "sudo", "   alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/id -u"
    )
    assert event["event"]["dataset"] == "sudo"
    assert event["event"]["category"] == ["process"]
    assert event["event"]["outcome"] == "success"
    assert event["user"] == {"name": "alice", "effective": {"name": "root"}}
    assert event["process"]["command_line"] == "/usr/bin/id -u"
    assert event["process"]["executable"] == "/usr/bin/id"
    assert event["process"]["name"] == "id"
    assert event["process"]["args"] == ["/usr/bin/id", "-u"]
    assert event["process"]["working_directory"] == "/home/alice"
    assert event["process"]["parent"] == {"name": "sudo"}
    assert event["related"]["user"] == ["alice", "root"]


def test_command_with_semicolons_is_kept_whole() -> None:
    event = syslog(
        "sudo[42]", "alice : TTY=pts/0 ; PWD=/ ; USER=root ; COMMAND=/bin/sh -c echo a ; id"
    )
    assert event["process"]["command_line"] == "/bin/sh -c echo a ; id"
    assert event["process"]["parent"] == {"name": "sudo", "pid": 42}


def test_wrong_password() -> None:
    event = syslog(
        "sudo",
        "alice : 3 incorrect password attempts ; TTY=pts/0 ; PWD=/home/alice ; USER=root ;"
        " COMMAND=/usr/bin/id",
    )
    assert event["event"]["category"] == ["authentication"]
    assert event["event"]["action"] == "sudo_wrong_password"
    assert event["event"]["outcome"] == "failure"
    assert event["sudo"]["problem"] == "3 incorrect password attempts"


def test_not_in_sudoers() -> None:
    event = syslog(
        "sudo",
        "bob : user NOT in sudoers ; TTY=pts/1 ; PWD=/home/bob ; USER=root ; COMMAND=/bin/bash",
    )
    assert event["event"]["action"] == "sudo_not_in_sudoers"
    assert event["event"]["outcome"] == "failure"
    assert event["user"]["name"] == "bob"


def test_pam_auth_failure_from_sudo() -> None:
    event = syslog(
        "sudo",
        "pam_unix(sudo:auth): authentication failure; logname=alice uid=1000 euid=0"
        " tty=/dev/pts/0 ruser=alice rhost=  user=alice",
    )
    assert event["event"]["dataset"] == "pam"
    assert event["user"]["name"] == "alice"
    assert "source" not in event or "ip" not in event["source"]


def test_unknown_sudo_message() -> None:
    event = syslog("sudo", "unable to resolve host lab01: Name or service not known")
    assert event["event"]["dataset"] == "sudo"
    assert "category" not in event["event"]
