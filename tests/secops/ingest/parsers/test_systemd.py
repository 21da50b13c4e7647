"""systemd and logind."""

from __future__ import annotations

from tests.secops.ingest.conftest import syslog


def test_started_with_unit_name() -> None:
    event = syslog("systemd[1]", "Started ssh.service - OpenBSD Secure Shell server.")
    assert event["event"]["dataset"] == "systemd"
    assert event["event"]["action"] == "service_started"
    assert event["systemd"] == {"unit": "ssh.service", "description": "OpenBSD Secure Shell server"}


def test_started_old_style_description_only() -> None:
    event = syslog("systemd[1]", "Started Session 3 of user alice.")
    assert event["systemd"] == {"description": "Session 3 of user alice"}


def test_unit_failure() -> None:
    event = syslog(
        "systemd[1]", "ssh.service: Main process exited, code=exited, status=255/EXCEPTION"
    )
    assert event["event"]["outcome"] == "failure"
    assert event["process"]["exit_code"] == 255
    event = syslog("systemd[1]", "ssh.service: Failed with result 'exit-code'.")
    assert event["event"]["action"] == "service_failed"
    assert event["systemd"]["result"] == "exit-code"


def test_logind_sessions() -> None:
    event = syslog("systemd-logind[400]", "New session 3 of user alice.")
    assert event["event"]["category"] == ["session"]
    assert event["user"]["name"] == "alice"
    assert event["systemd"]["session"] == "3"
    event = syslog("systemd-logind[400]", "Removed session 3.")
    assert event["event"]["type"] == ["end"]
    assert event["systemd"]["session"] == "3"
