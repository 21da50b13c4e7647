"""cron: jobs and crontab changes."""

from __future__ import annotations

from tests.secops.ingest.conftest import syslog


def test_cmd() -> None:
    event = syslog("CRON[4001]", "(root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)")
    assert event["event"]["dataset"] == "cron"
    assert event["event"]["category"] == ["process"]
    assert event["event"]["action"] == "cron_command"
    assert event["user"]["name"] == "root"
    assert event["process"]["command_line"] == "command -v debian-sa1 > /dev/null && debian-sa1 1 1"
    assert event["process"]["parent"] == {"name": "CRON", "pid": 4001}


def test_crontab_replaced_is_a_configuration_change() -> None:
    event = syslog("crontab[4002]", "(alice) REPLACE (alice)")
    assert event["event"]["category"] == ["configuration"]
    assert event["event"]["type"] == ["change"]
    assert event["event"]["action"] == "crontab_replace"
    assert event["user"]["name"] == "alice"


def test_daemon_notice_and_pam() -> None:
    event = syslog("cron[500]", "(CRON) INFO (Running @reboot jobs)")
    assert event["event"]["action"] == "cron_info"
    assert "user" not in event
    event = syslog(
        "CRON[4003]", "pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)"
    )
    assert event["event"]["dataset"] == "pam"
    assert event["event"]["type"] == ["start"]
