"""Syslog framing and BSD timestamp year/zone inference."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from secops.ingest.syslog import _BSD_TS, frame, infer_timestamp
from tests.secops.ingest.conftest import CST, RECEIVED, parse

UTC8 = timezone(timedelta(hours=8))


def test_bsd_line() -> None:
    framed = frame("<38>Nov 21 07:59:01 lab01 sshd[1201]: hello: world", RECEIVED, CST)
    assert framed is not None
    assert (framed.hostname, framed.appname, framed.procid) == ("lab01", "sshd", "1201")
    assert framed.message == "hello: world"
    assert (framed.facility, framed.severity) == (4, 6)
    assert framed.timestamp == datetime(2026, 11, 21, 7, 59, 1, tzinfo=CST)


def test_loghub_variants() -> None:
    framed = frame("Jun 14 15:16:01 combo sshd(pam_unix)[19939]: check pass", RECEIVED, CST)
    assert framed is not None
    assert (framed.appname, framed.subsystem, framed.procid) == ("sshd", "pam_unix", "19939")
    framed = frame("Jul  7 08:06:15 combo syslogd 1.4.1: restart.", RECEIVED, CST)
    assert framed is not None
    assert (framed.appname, framed.message) == ("syslogd", "1.4.1: restart.")
    assert framed.timestamp == datetime(2026, 7, 7, 8, 6, 15, tzinfo=CST)


def test_hostless_and_iso_forms() -> None:
    framed = frame("<13>Nov 21 07:00:00 sudo: x", RECEIVED, CST)
    assert framed is not None
    assert (framed.hostname, framed.appname) == (None, "sudo")
    framed = frame("2026-11-21T07:00:00.123456789+08:00 lab01 CRON[5]: (root) CMD (x)", RECEIVED)
    assert framed is not None
    assert framed.timestamp == datetime(2026, 11, 21, 7, 0, 0, 123456, tzinfo=UTC8)
    assert framed.appname == "CRON"


def test_rfc5424_with_structured_data() -> None:
    line = (
        '<165>1 2026-11-21T08:00:00.5Z lab01 sshd 1201 ID47 [exampleSDID@32473 iut="3"'
        ' eventSource="Application" note="a \\"q\\" \\]"][meta sequenceId="1"] \ufeffBOM msg'
    )
    framed = frame(line, RECEIVED, CST)
    assert framed is not None
    assert framed.version == 1
    assert (framed.hostname, framed.appname, framed.procid, framed.msgid) == (
        "lab01", "sshd", "1201", "ID47"
    )  # fmt: skip
    assert framed.structured_data == {
        "exampleSDID@32473": {"iut": "3", "eventSource": "Application", "note": 'a "q" ]'},
        "meta": {"sequenceId": "1"},
    }
    assert framed.message == "BOM msg"
    assert framed.timestamp == datetime(2026, 11, 21, 8, 0, 0, 500000, tzinfo=UTC)


def test_rfc5424_nil_fields_through_parse_line() -> None:
    event = parse("<34>1 - - su - - - (to root) alice on pts/0")
    assert event["event"]["dataset"] == "su"
    assert "host" not in event
    assert "no_timestamp" in event["tags"]
    assert event["log"]["syslog"]["facility"] == {"code": 4, "name": "auth"}
    assert event["log"]["syslog"]["severity"] == {"code": 2, "name": "crit"}


@pytest.mark.parametrize(
    ("received", "stamp", "expected"),
    [
        (datetime(2027, 1, 1, 0, 5, tzinfo=UTC8), "Dec 31 23:59:59", "2026-12-31T23:59:59"),
        (datetime(2026, 12, 31, 23, 59, tzinfo=UTC8), "Jan  1 00:00:30", "2027-01-01T00:00:30"),
        (datetime(2027, 1, 2, 0, 0, tzinfo=UTC8), "Jan  1 23:00:00", "2027-01-01T23:00:00"),
        (datetime(2026, 11, 21, 8, 0, tzinfo=UTC8), "Nov 22 07:00:00", "2026-11-22T07:00:00"),
        (datetime(2026, 11, 21, 8, 0, tzinfo=UTC8), "Nov 23 07:00:00", "2025-11-23T07:00:00"),
        (datetime(2026, 3, 1, 0, 0, tzinfo=UTC8), "Feb 29 12:00:00", "2024-02-29T12:00:00"),
    ],
)
def test_year_inference(received: datetime, stamp: str, expected: str) -> None:
    """A line more than a day in the future belongs to the year before (New Year's Eve)."""
    framed = frame(f"{stamp} h p: m", received, UTC8)
    assert framed is not None and framed.timestamp is not None
    assert framed.timestamp.isoformat() == expected + "+08:00"


def test_zone_defaults_to_reference_local_and_received_in_other_zone() -> None:
    # received just after midnight UTC is still Dec 31 in UTC-5: the year comes from that zone
    received = datetime(2027, 1, 1, 0, 30, tzinfo=UTC)
    framed = frame("Dec 31 19:00:00 h p: m", received, timezone(timedelta(hours=-5)))
    assert framed is not None and framed.timestamp is not None
    assert framed.timestamp.year == 2026


def test_unframed_returns_none() -> None:
    assert frame("just some text", RECEIVED, CST) is None
    assert frame("<999>Nov 21 07:59:01 h p: m", RECEIVED, CST) is None
    assert frame("<13>1 2026-11-21T08:00:00Z h a p m [broken", RECEIVED, CST) is None


def test_rsyslog_protocol23_format_keeps_no_leading_space() -> None:
    """rsyslog's RSYSLOG_SyslogProtocol23Format puts two spaces before the message."""
    from secops.ingest.parse import parse_line

    line = (
        "<38>1 2026-11-21T09:20:00.123456+00:00 lab01 sshd 123 - -  Accepted publickey for "
        "labadmin from 10.213.203.1 port 50122 ssh2: ED25519 SHA256:xxx"
    )
    event = parse_line(line)
    assert event["message"].startswith("Accepted publickey")
    assert event["event"]["action"] == "ssh_login"
    assert event["user"]["name"] == "labadmin"


def test_a_stamp_seen_before_is_inferred_again_for_another_year() -> None:
    # the stamp cache serves a year only while the reference keeps it the same year
    stamps = ["Dec 31 23:59:59", "Jan  1 00:00:30", "Feb 29 12:00:00", "Nov 22 07:00:00"]
    start = datetime(2023, 12, 30, 12, 0, tzinfo=UTC8)
    references = [start + timedelta(hours=7 * k) for k in range(0, 4000, 37)]
    references += references[::-1]  # time going back too: a replayed old file
    for received in references:
        for stamp in stamps:
            line = f"{stamp} h p: m"
            framed, match = frame(line, received, UTC8), _BSD_TS.match(line)
            assert framed is not None and match is not None
            assert framed.timestamp == infer_timestamp(match, received, UTC8), (received, stamp)


SSH_LOGIN = "sshd[12]: Accepted publickey for alice from 10.0.0.5 port 50122 ssh2"


@pytest.mark.parametrize(
    ("stamp", "expected"),
    [
        # RFC 3339 5.6, NOTE: date and time apart by a space instead of "T"
        ("2026-11-21 08:00:01", "2026-11-21T08:00:01.000000+08:00"),  # no offset: tz
        ("2026-11-21 08:00:01.25+08:00", "2026-11-21T08:00:01.250000+08:00"),
        ("2026-11-21 08:00:01.123456-05:00", "2026-11-21T08:00:01.123456-05:00"),
        ("2026-11-21 00:00:01Z", "2026-11-21T00:00:01.000000+00:00"),
        # syslog-ng with the year in front of a BSD stamp, and its ISO stamp
        ("2026 Nov 21 08:00:01", "2026-11-21T08:00:01.000000+08:00"),
        ("2025 Dec  1 23:59:59", "2025-12-01T23:59:59.000000+08:00"),  # a year no inference gives
        ("2026-11-21T08:00:01+08:00", "2026-11-21T08:00:01.000000+08:00"),
    ],
)
@pytest.mark.parametrize("gap", [" ", "  "])
def test_stamp_forms_give_time_host_and_program(stamp: str, expected: str, gap: str) -> None:
    # issue 18: all but the last were stored unparsed, stamped at import time, with no host
    for line in (f"{stamp}{gap}lab02 {SSH_LOGIN}", f"<38>{stamp}{gap}lab02 {SSH_LOGIN}"):
        event = parse(line)
        assert event["@timestamp"] == expected, line
        assert event["host"]["name"] == "lab02"
        assert event["process"] == {"name": "sshd", "pid": 12}
        assert event["event"]["dataset"] == "sshd"
        assert event["event"]["action"] == "ssh_login"
        assert event["tags"] == []


def test_year_first_stamp_that_is_no_date_is_framed_without_time() -> None:
    event = parse(f"2026 Feb 30 08:00:01 lab02 {SSH_LOGIN}")
    assert event["host"]["name"] == "lab02"
    assert event["tags"] == ["no_timestamp"]
    assert event["@timestamp"] == RECEIVED.isoformat(timespec="microseconds")


@pytest.mark.parametrize(
    "line",
    [
        "2026-11-21 08:00:01 INFO app.main: started",
        "2026-11-21 08:00:01,123 ERROR [worker-1] job failed",
        "2026-11-21T08:00:01+08:00 WARN something: low disk",
        "2026 Nov 21 08:00:01 [DEBUG] cache: miss",
    ],
)
def test_an_application_log_line_is_not_a_syslog_frame_with_a_level_for_host(line: str) -> None:
    header = frame(line, RECEIVED, UTC)
    assert header is None or header.hostname not in {"INFO", "ERROR", "WARN", "[DEBUG]"}
    assert parse(line).get("host", {}).get("name") not in {"INFO", "ERROR", "WARN", "[DEBUG]"}
