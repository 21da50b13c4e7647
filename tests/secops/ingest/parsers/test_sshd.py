"""sshd: each kind of line OpenSSH 5.x to 9.x writes, with the fields a rule would read."""

from __future__ import annotations

import pytest

from tests.secops.ingest.conftest import syslog

KEY = "SHA256:Zq0oCjM1dF0pDk7VnUuq3SGlxlEv6lBq6PqGWWbfD2M"


def test_accepted_publickey_carries_key_type_and_fingerprint() -> None:
    event = syslog(
        "sshd[1201]", f"Accepted publickey for alice from 10.0.0.5 port 50122 ssh2: ED25519 {KEY}"
    )
    assert event["event"]["dataset"] == "sshd"
    assert event["event"]["category"] == ["authentication"]
    assert event["event"]["type"] == ["start"]
    assert (event["event"]["action"], event["event"]["outcome"]) == ("ssh_login", "success")
    assert event["user"] == {"name": "alice"}
    assert event["source"]["ip"] == "10.0.0.5"
    assert event["source"]["port"] == 50122
    assert event["sshd"] == {"method": "publickey", "key": {"type": "ED25519", "fingerprint": KEY}}
    assert event["process"] == {"name": "sshd", "pid": 1201}
    assert event["host"]["name"] == "lab01"
    assert event["related"] == {"user": ["alice"], "ip": ["10.0.0.5"]}


@pytest.mark.parametrize("key_type", ["RSA", "ECDSA", "ED25519-SK", "ECDSA-SK", "ED25519-CERT"])
def test_key_types(key_type: str) -> None:
    event = syslog(
        "sshd-session[9]",
        f"Accepted publickey for bob from 2001:db8::5 port 2 ssh2: {key_type} {KEY}",
    )
    assert event["sshd"]["key"]["type"] == key_type
    assert event["source"]["ip"] == "2001:db8::5"
    assert event["event"]["dataset"] == "sshd"


def test_failed_password_for_invalid_user() -> None:
    event = syslog("sshd[77]", "Failed password for invalid user x from 203.0.113.9 port 4711 ssh2")
    assert event["event"]["outcome"] == "failure"
    assert event["event"]["category"] == ["authentication"]
    assert event["user"]["name"] == "x"
    assert event["sshd"]["invalid_user"] is True
    assert event["source"] == {"address": "203.0.113.9", "ip": "203.0.113.9", "port": 4711}


def test_failed_password_for_user_with_spaces_in_name() -> None:
    event = syslog(
        "sshd[77]", "Failed password for invalid user  0101 from 5.188.10.180 port 1 ssh2"
    )
    assert event["user"]["name"] == " 0101"
    assert event["source"]["ip"] == "5.188.10.180"


def test_invalid_user() -> None:
    event = syslog("sshd[77]", "Invalid user admin from 203.0.113.9 port 4711")
    assert event["event"]["action"] == "ssh_invalid_user"
    assert event["event"]["outcome"] == "failure"
    assert (event["user"]["name"], event["source"]["port"]) == ("admin", 4711)


@pytest.mark.parametrize(
    ("message", "ip", "port"),
    [
        ("Received disconnect from 52.80.34.196: 11: Bye Bye [preauth]", "52.80.34.196", None),
        (
            "Received disconnect from 10.0.0.5 port 50122:11: disconnected by user",
            "10.0.0.5",
            50122,
        ),
        ("Disconnected from user alice 10.0.0.5 port 50122", "10.0.0.5", 50122),
        ("Connection closed by 173.234.31.186 [preauth]", "173.234.31.186", None),
        ("Connection closed by invalid user x 10.0.0.9 port 4 [preauth]", "10.0.0.9", 4),
        ("Connection reset by authenticating user root 10.0.0.9 port 4 [preauth]", "10.0.0.9", 4),
    ],
)
def test_disconnects(message: str, ip: str, port: int | None) -> None:
    event = syslog("sshd[5]", message)
    assert event["event"]["category"] == ["network"]
    assert event["event"]["type"] == ["connection", "end"]
    assert event["source"]["ip"] == ip
    assert event["source"].get("port") == port


def test_disconnect_reason_and_code() -> None:
    event = syslog("sshd[5]", "Received disconnect from 52.80.34.196: 11: Bye Bye [preauth]")
    assert event["sshd"]["disconnect"] == {"code": 11, "reason": "Bye Bye"}


def test_error_prefix_sets_log_level() -> None:
    event = syslog(
        "sshd[5]",
        "error: Received disconnect from 1.2.3.4: 3: com.jcraft.jsch.JSchException: Auth fail"
        " [preauth]",
    )
    assert event["log"]["level"] == "error"
    assert event["sshd"]["disconnect"]["reason"] == "com.jcraft.jsch.JSchException: Auth fail"


def test_break_in_attempt() -> None:
    event = syslog(
        "sshd[24200]",
        "reverse mapping checking getaddrinfo for ns.example.com [173.234.31.186] failed"
        " - POSSIBLE BREAK-IN ATTEMPT!",
    )
    assert event["event"]["category"] == ["intrusion_detection", "network"]
    assert event["event"]["action"] == "ssh_break_in_attempt"
    assert event["source"]["ip"] == "173.234.31.186"
    assert event["source"]["domain"] == "ns.example.com"
    assert event["related"]["hosts"] == ["ns.example.com"]


def test_too_many_failures() -> None:
    event = syslog(
        "sshd[5]",
        "Disconnecting authenticating user root 10.0.0.9 port 4: Too many authentication"
        " failures [preauth]",
    )
    assert event["event"]["action"] == "ssh_too_many_failures"
    assert (event["user"]["name"], event["source"]["ip"]) == ("root", "10.0.0.9")
    old = syslog("sshd[5]", "Disconnecting: Too many authentication failures for admin [preauth]")
    assert old["user"]["name"] == "admin"


def test_no_identification_and_negotiation() -> None:
    event = syslog("sshd[5]", "Did not receive identification string from 123.235.32.19")
    assert event["event"]["action"] == "ssh_no_identification"
    assert event["source"]["ip"] == "123.235.32.19"
    event = syslog(
        "sshd[5]",
        "Unable to negotiate with 10.0.0.9 port 22: no matching host key type found."
        " Their offer: ssh-dss [preauth]",
    )
    assert event["event"]["action"] == "ssh_negotiation_failed"


def test_pam_lines_logged_by_sshd_go_to_pam() -> None:
    event = syslog(
        "sshd[5]",
        "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser="
        " rhost=173.234.31.186  user=root",
    )
    assert event["event"]["dataset"] == "pam"
    assert event["process"]["name"] == "sshd"
    assert event["user"]["name"] == "root"
    assert event["source"]["ip"] == "173.234.31.186"


def test_message_repeated_parses_the_inner_message() -> None:
    event = syslog(
        "sshd[24227]",
        "message repeated 5 times: [ Failed password for root from 5.36.59.76 port 42393 ssh2]",
    )
    assert event["labels"] == {"repeated": "5"}
    assert event["event"]["outcome"] == "failure"
    assert event["user"]["name"] == "root"


def test_unknown_sshd_message_keeps_dataset_without_category() -> None:
    event = syslog("sshd[5]", "debug1: something only a developer reads")
    assert event["event"]["dataset"] == "sshd"
    assert "category" not in event["event"]
    assert "unparsed" not in event["tags"]
    assert event["process"]["name"] == "sshd"
