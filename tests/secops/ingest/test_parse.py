"""parse_line as a whole: dispatch, the unparsed fallback, the corpus, hostile input."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from secops.ingest import parse as parse_module
from secops.ingest.parse import DATASETS, parse_line
from secops.ingest.text import MAX_LINE_CHARS
from tests.secops.ingest.conftest import CST, RECEIVED, parse


def test_event_shape() -> None:
    event = parse(
        "<38>Nov 21 07:59:01 lab01 sshd[123]: Accepted password for alice from 10.0.0.1"
        " port 5555 ssh2"
    )
    assert event["@timestamp"] == "2026-11-21T07:59:01.000000+08:00"
    assert event["event"]["kind"] == "event"
    assert event["log"]["syslog"]["appname"] == "sshd"
    assert event["log"]["syslog"]["facility"]["code"] == 4
    assert event["log"]["syslog"]["severity"]["code"] == 6
    assert event["host"] == {"hostname": "lab01", "name": "lab01"}
    assert event["tags"] == []


def test_unknown_text_is_unparsed_not_dropped() -> None:
    event = parse("something no parser knows", host="lab09")
    assert event["event"]["dataset"] == "unparsed"
    assert event["tags"] == ["unparsed"]
    assert event["event"]["original"] == "something no parser knows"
    assert event["host"]["name"] == "lab09"
    assert event["@timestamp"] == "2026-11-21T08:00:00.000000+08:00"  # the receive time


def test_framed_unknown_program_is_syslog() -> None:
    event = parse("Jun 14 15:16:01 combo ftpd[1]: connection from 10.0.0.1 () at Sun Jul 10")
    assert event["event"]["dataset"] == "syslog"
    assert "category" not in event["event"]
    assert event["process"] == {"name": "ftpd", "pid": 1}


def test_line_host_wins_over_the_hint() -> None:
    assert parse("Nov 21 07:59:01 lab01 sshd[1]: x", host="peer")["host"]["name"] == "lab01"


def test_parser_bug_costs_the_fields_not_the_line(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(message: str, subsystem: str | None) -> None:
        raise RuntimeError("bug")

    monkeypatch.setitem(parse_module.PROGRAMS, "sshd", ("sshd", broken))
    event = parse("Nov 21 07:59:01 lab01 sshd[1]: Accepted password for a from 1.2.3.4 port 1 ssh2")
    assert event["event"]["dataset"] == "unparsed"
    assert set(event["tags"]) == {"unparsed", "parser_error"}
    assert event["event"]["original"].endswith("port 1 ssh2")


def test_datasets_are_the_documented_ones() -> None:
    assert {
        "sshd", "pam", "sudo", "su", "accounts", "auditd", "cron", "systemd", "kernel",
        "nginx.access", "nginx.error", "apache.access", "apache.error", "syslog", "unparsed",
    } == DATASETS  # fmt: skip


def test_default_zone_and_time_do_not_fail() -> None:
    event = parse_line(b"Nov 21 07:59:01 lab01 su[1]: (to root) alice on pts/0")
    assert event["@timestamp"][:5] in {"2025-", "2026-", "2027-"} or event["@timestamp"][4] == "-"
    assert event["event"]["dataset"] == "su"


# -- the loghub corpus -------------------------------------------------------------------


def corpus(path: Path) -> list[tuple[str, dict[str, Any]]]:
    text = path.read_bytes().decode("utf-8")
    return [(line, parse_line(line, tz=CST, received=RECEIVED)) for line in text.splitlines()]


@pytest.mark.parametrize("name", ["OpenSSH_2k.log", "Linux_2k.log", "Apache_2k.log"])
def test_every_corpus_line_yields_its_event(loghub: Path, name: str) -> None:
    events = corpus(loghub / name)
    assert len(events) == 2000
    for line, event in events:
        assert event["event"]["original"] == line
        assert event["event"]["dataset"] in DATASETS
        assert event["@timestamp"]


def test_openssh_corpus_is_categorised(loghub: Path) -> None:
    events = [event for _, event in corpus(loghub / "OpenSSH_2k.log")]
    categorised = [e for e in events if e["event"].get("category")]
    assert len(categorised) / len(events) >= 0.95
    # syslog lines carry no year: Dec 10 read on Nov 21 2026 is from 2025
    assert events[0]["@timestamp"] == "2025-12-10T06:55:46.000000+08:00"
    failed = [e for e in events if e["event"].get("action") == "ssh_login"]
    assert len(failed) >= 500
    assert all(e["source"]["ip"] and e["user"]["name"] for e in failed)


def test_linux_and_apache_corpus_datasets(loghub: Path) -> None:
    linux = [event for _, event in corpus(loghub / "Linux_2k.log")]
    assert sum(e["event"]["dataset"] == "pam" for e in linux) >= 800
    assert not any(e["event"]["dataset"] == "unparsed" for e in linux)
    apache = [event for _, event in corpus(loghub / "Apache_2k.log")]
    assert all(e["event"]["dataset"] == "apache.error" for e in apache)
    assert all(e["event"]["category"] == ["web"] for e in apache)


# -- hostile input ------------------------------------------------------------------------

NASTY_MESSAGES = [
    "%s%n%x%p' OR 1=1; DROP TABLE events; --",
    "\x1b[2J\x1b[31mred\x1b[0m",
    "a\x00b",
    "line\r\nNov 21 07:59:01 lab01 sshd[1]: Accepted password for root from 6.6.6.6 port 1 ssh2",
    "{{7*7}} ${jndi:ldap://x/a} $(id) `id`",
    "Accepted password for " + "a" * 5000,
    "Failed password for invalid user " + " from x" * 3000,
    "Started " + " " * 50000 + "x",
    "Disconnected from user " + "a " * 30000,
    "(x) CMD (" + ") " * 30000,
    "authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=x" + " " * 60000 + "y",
    "type=SYSCALL msg=audit(1.1:1): " + "a=" * 30000,
    "IN=" * 30000,
    "new user: name=" + "b" * 60000 + ",x",
    "b" * 60000 + "=",
    "a=" * 30000 + "'",
    'x="' + "y=z " * 15000,
    "msg='op=" + " a" * 30000,
    '1.2.3.4 - - [21/Nov/2026:00:00:00 +9999] "' + "\\" * 50000,
    "<13>1 2026-11-21T00:00:00Z h a p m [x " + 'a="' * 20000,
    "",
    " ",
    "\ufeff\u202e\u200b",
]
PROGRAMS = ["sshd", "sudo", "su", "useradd", "CRON", "systemd", "kernel", "nginx", "auditd", "x"]


def nasty_lines() -> list[str | bytes]:
    lines: list[str | bytes] = []
    for message in NASTY_MESSAGES:
        lines.append(message)
        lines.extend(f"Nov 21 07:59:01 lab01 {p}[1]: {message}" for p in PROGRAMS)
    lines += [
        b"Nov 21 07:59:01 lab01 sshd[1]: Failed password for \xff\xfe\xc3 from 1.2.3.4 port 2 ssh2",
        b"\xff" * 1_000_000,
        b"A" * 1_048_576 + b"\n",
        "Nov 21 07:59:01 lab01 sshd[1]: " + "x" * 1_048_576,
        b"\x00" * 1000,
        "\udcff\ud800 lone surrogates",
    ]
    return lines


@pytest.mark.timeout(60)  # a hang guard for regex blow-ups, not a speed target (see bench/)
@pytest.mark.parametrize("source", [None, "nginx.access", "apache.error", "auditd"])
def test_hostile_lines_never_crash(source: str | None) -> None:
    for line in nasty_lines():
        event = parse(line, source=source)
        original = event["event"]["original"]
        assert isinstance(original, str)
        assert "\x00" not in original and "\x1b" not in original and "\n" not in original
        if "truncated" not in event["tags"]:
            expected = line if isinstance(line, str) else line.decode("utf-8", "replace")
            assert len(original) >= len(expected.rstrip("\r\n"))
        else:
            assert len(original) <= 4 * MAX_LINE_CHARS
        assert "parser_error" not in event["tags"], line[:80]


def test_forged_second_line_stays_in_the_first() -> None:
    event = parse(
        "Nov 21 07:59:01 lab01 sshd[1]: Invalid user a\nNov 21 07:59:01 lab01 sshd[1]: Accepted"
        " password for root from 6.6.6.6 port 1 ssh2"
    )
    assert event["event"]["dataset"] == "sshd"
    assert event["event"].get("action") != "ssh_login"
    assert "control_chars" in event["tags"]
    assert "\\x0aNov 21" in event["event"]["original"]


def test_invalid_utf8_kept_reversibly() -> None:
    event = parse(b"Nov 21 07:59:01 lab01 sshd[1]: Invalid user \xff\xfe from 1.2.3.4")
    assert event["user"]["name"] == "\\xff\\xfe"
    assert "invalid_utf8" in event["tags"]
