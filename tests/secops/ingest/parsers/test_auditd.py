"""auditd: records assembled by serial, hex decoding, the ECS mapping per record type."""

from __future__ import annotations

from typing import Any

import pytest

from secops.ingest.parsers.auditd import AuditAssembler, parse_record
from tests.secops.ingest.conftest import CST, FILES, parse


@pytest.fixture
def events() -> list[dict[str, Any]]:
    assembler = AuditAssembler(tz=CST, host="lab01")
    out: list[dict[str, Any]] = []
    for line in (FILES / "audit.log").read_bytes().splitlines():
        out.extend(assembler.feed(line))
    return out + assembler.flush()


def by_action(events: list[dict[str, Any]], action: str) -> dict[str, Any]:
    found = [e for e in events if e["event"].get("action") == action]
    assert len(found) == 1, [e["event"].get("action") for e in events]
    return found[0]


def test_every_serial_becomes_one_event(events: list[dict[str, Any]]) -> None:
    assert [e["auditd"]["sequence"] for e in events] == [
        456, 457, 458, 459, 460, 461, 462, 463, 9361, 9362
    ]  # fmt: skip
    assert all(e["event"]["dataset"] == "auditd" for e in events)
    assert all(e["host"]["name"] == "lab01" for e in events)


def test_execve_event(events: list[dict[str, Any]]) -> None:
    event = by_action(events, "executed")
    assert event["event"]["category"] == ["process"]
    assert event["event"]["type"] == ["start"]
    assert event["event"]["outcome"] == "success"
    assert event["@timestamp"] == "2025-11-21T08:00:00.123000+08:00"
    assert event["process"]["args"] == ["id", "-u", "a b c"]  # a2 was hex-encoded
    assert event["process"]["command_line"] == "id -u a b c"
    assert event["process"]["title"] == "id -u a b c"  # proctitle: hex with NUL separators
    assert event["process"]["executable"] == "/usr/bin/id"
    assert (event["process"]["pid"], event["process"]["parent"]["pid"]) == (1305, 1201)
    assert event["process"]["working_directory"] == "/home/alice"
    assert event["user"]["name"] == "alice"
    assert event["user"]["audit"] == {"id": "1000", "name": "alice"}
    assert event["file"]["path"] == "/lib64/ld-linux-x86-64.so.2"
    assert event["tags"] == ["exec"]
    assert [r["type"] for r in event["auditd"]["records"]] == [
        "SYSCALL", "EXECVE", "CWD", "PATH", "PATH", "PROCTITLE"
    ]  # fmt: skip
    assert event["event"]["original"].count("\n") == 5


def test_user_auth_failure(events: list[dict[str, Any]]) -> None:
    event = by_action(events, "authenticated")
    assert event["event"]["category"] == ["authentication"]
    assert event["event"]["outcome"] == "failure"
    assert event["user"]["name"] == "mallory"
    assert event["source"]["ip"] == "203.0.113.9"
    assert event["auditd"]["records"][0]["op"] == "PAM:authentication"


def test_user_login_and_cmd(events: list[dict[str, Any]]) -> None:
    login = by_action(events, "logged_in")
    assert login["source"]["ip"] == "10.0.0.5"
    assert login["event"]["outcome"] == "success"
    cmd = by_action(events, "ran_command")
    assert cmd["process"]["command_line"] == "id -u"  # cmd= is hex
    assert cmd["process"]["working_directory"] == "/home/alice"


def test_account_records(events: list[dict[str, Any]]) -> None:
    added = by_action(events, "added_user")
    assert added["event"]["type"] == ["user", "creation"]
    assert added["user"]["name"] == "bob"
    assert added["user"]["audit"]["name"] == "alice"
    assert added["auditd"]["records"][0]["op"] == "adding user"
    assert by_action(events, "added_group")["event"]["type"] == ["group", "creation"]
    assert by_action(events, "deleted_user")["event"]["type"] == ["user", "deletion"]


def test_config_change_with_its_syscall(events: list[dict[str, Any]]) -> None:
    event = by_action(events, "sendto")
    assert [r["type"] for r in event["auditd"]["records"]] == [
        "CONFIG_CHANGE", "SYSCALL", "PROCTITLE"
    ]  # fmt: skip
    assert event["process"]["title"] == "auditctl -w /etc/passwd"


def test_daemon_records(events: list[dict[str, Any]]) -> None:
    start = by_action(events, "started_audit_daemon")
    assert start["event"]["category"] == ["process"]
    assert start["auditd"]["records"][0]["ver"] == "3.0.9"
    assert by_action(events, "stopped_audit_daemon")["event"]["type"] == ["end"]


def test_pending_serials_are_bounded() -> None:
    assembler = AuditAssembler(tz=CST, max_pending=2)
    done = []
    for serial in range(1, 6):
        done += assembler.feed(
            f'type=SYSCALL msg=audit(1763683200.000:{serial}): syscall=59 success=no exe="/x"'
        )
    assert [e["auditd"]["sequence"] for e in done] == [1, 2, 3]
    assert [e["auditd"]["sequence"] for e in assembler.flush()] == [4, 5]
    assert done[0]["event"]["outcome"] == "failure"


def test_lone_config_change_completes_on_flush() -> None:
    assembler = AuditAssembler(tz=CST)
    line = (
        'type=CONFIG_CHANGE msg=audit(1763683206.000:1): auid=1000 ses=3 op=add_rule key="k"'
        " list=4 res=1"
    )
    assert assembler.feed(line) == []
    (event,) = assembler.flush()
    assert event["event"]["category"] == ["configuration"]
    assert event["event"]["outcome"] == "success"


def test_non_audit_line_passes_through() -> None:
    (event,) = AuditAssembler(tz=CST).feed("not an audit record")
    assert event["event"]["dataset"] == "unparsed"


def test_node_prefix_and_kernel_form() -> None:
    record = parse_record("node=lab02 type=EOE msg=audit(1.000:7): ")
    assert record is not None
    assert (record.node, record.type, record.serial) == ("lab02", "EOE", "7")
    event = parse(
        'Nov 21 07:59:01 lab01 kernel: audit: type=1400 audit(1763683200.000:88): apparmor="DENIED"'
        ' operation="open" profile="/usr/sbin/cupsd" name="/etc/shadow" pid=1 comm="cupsd"'
    )
    assert event["event"]["dataset"] == "auditd"
    assert event["event"]["category"] == ["intrusion_detection"]
    assert event["auditd"]["records"][0]["apparmor"] == "DENIED"


def test_single_line_through_parse_line() -> None:
    # not splitlines(): it splits on the \x1d that ENRICHED records carry
    event = parse((FILES / "audit.log").read_text().split("\n")[7])
    assert event["event"]["dataset"] == "auditd"
    assert event["event"]["action"] == "authenticated"
    assert event["event"]["original"].startswith("type=USER_AUTH msg=audit(1763683201.500:457)")


# USER_LOGIN as the Linux audit documentation shows it: user-space fields inside msg='…',
# "?" where the value is unknown
LOGIN_UNKNOWN_ADDR = (
    "type=USER_LOGIN msg=audit(1763683300.123:456): pid=1 uid=0 auid=4294967295"
    ' ses=4294967295 msg=\'op=login acct="root" exe="/usr/sbin/sshd" hostname=? addr=?'
    " terminal=sshd res=failed'"
)
# the older sentence form some PAM and login paths write, values inside "(… , …)"
LOGIN_IN_PARENTHESES = (
    "type=USER_LOGIN msg=audit(1763683300.124:457): pid=1 uid=0 auid=4294967295"
    ' ses=4294967295 msg=\'op=login acct="root" exe="/bin/login"'
    " (hostname=?, addr=?, terminal=pts/0 res=failed)'"
)


@pytest.mark.parametrize("line", [LOGIN_UNKNOWN_ADDR, LOGIN_IN_PARENTHESES])
def test_unknown_address_and_punctuation_are_not_values(line: str) -> None:
    # issue 18: "?," became source.address and "failed)" left the outcome unset
    event = parse(line)
    record = event["auditd"]["records"][0]
    assert (record["hostname"], record["addr"], record["res"]) == ("?", "?", "failed")
    assert "source" not in event
    assert "hosts" not in event.get("related", {})
    assert event["event"]["outcome"] == "failure"
    assert event["user"]["name"] == "root"


def test_parenthesised_values_keep_their_own_parentheses() -> None:
    record = parse_record(
        "type=USER_LOGIN msg=audit(1763683300.125:458): pid=1 uid=0 msg='op=login"
        ' acct="root" (hostname=(none), addr=10.0.0.5, terminal=(none) res=success)\''
    )
    assert record is not None
    assert record.values["hostname"] == "(none)"
    assert record.values["addr"] == "10.0.0.5"
    assert record.values["terminal"] == "(none)"
    assert record.values["res"] == "success"


@pytest.mark.parametrize("indent", [" ", "   ", "\t"])
def test_leading_blanks_before_type(indent: str) -> None:
    # issue 18: a record indented by whatever copied or forwarded it was left unparsed
    event = parse(indent + LOGIN_UNKNOWN_ADDR)
    assert event["event"]["dataset"] == "auditd"
    assert event["event"]["action"] == "logged_in"
    assert event["event"]["original"] == indent + LOGIN_UNKNOWN_ADDR
    (assembled,) = AuditAssembler(tz=CST).feed(indent + LOGIN_UNKNOWN_ADDR)
    assert assembled["auditd"]["sequence"] == 456


@pytest.mark.parametrize(
    "line",
    [
        # auditd.c: a HUP whose sender it could not learn; the configuration is kept
        "type=DAEMON_CONFIG msg=audit(1763683400.000:9400): auditd error getting hup info"
        " - no change, sending auid=? pid=? subj=? res=failed",
        "type=DAEMON_CONFIG msg=audit(1763683400.100:9401): op=reconfigure state=no-change"
        " auid=1000 pid=3190 subj=unconfined res=failed",
    ],
)
def test_daemon_config_that_kept_the_configuration_says_failure(line: str) -> None:
    # what "Audit or syslog configuration changed" (secops/rules/linux) tells them apart by
    event = parse(line)
    assert event["event"]["action"] == "changed_audit_daemon_configuration"
    assert event["event"]["outcome"] == "failure"
