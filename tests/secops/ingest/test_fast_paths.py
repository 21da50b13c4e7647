"""The shortcuts parse_line takes for speed agree with the general code they stand in for."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from secops.ingest import ecs, syslog
from secops.ingest.parsers import sshd
from tests.secops.ingest.conftest import CST, RECEIVED

UTC8 = timezone(timedelta(hours=8))


@pytest.mark.parametrize(
    "text",
    [
        "1.2.3.4", "0.10.0.1", "255.255.255.255", "256.1.1.1", "01.2.3.4", "1.2.3.04",
        "1.2.3", "1.2.3.4.5", "1.2.3.4 ", " 1.2.3.4", "1.2.3.4\n", "\u0661.2.3.4", "1..3.4",
        "1.2.3.4%eth0", "::1", "fe80::1%eth0", "::ffff:1.2.3.4", "2001:db8::5", "x:y",
        "ns.example.com", "", "-", "a" * 65,
    ],
)  # fmt: skip
def test_is_ip_agrees_with_ipaddress(text: str) -> None:
    try:
        ipaddress.ip_address(text.split("%", 1)[0])
        expected = 0 < len(text) <= 64
    except ValueError:
        expected = False
    assert ecs.is_ip(text) is expected


@pytest.mark.parametrize("text", ["22", "0", "00022", "65535", "65536", "", "x", "²", None])
def test_to_port_is_to_int_bounded(text: str | None) -> None:
    number = ecs.to_int(text)
    assert ecs.to_port(text) == (number if number is not None and number <= 65535 else None)


def test_address_group_is_what_the_flat_fields_were() -> None:
    event: dict[str, Any] = {}
    ecs.expand(event, ecs.address("source", "10.0.0.1%eth0", "70000"))
    assert event == {"source": {"address": "10.0.0.1%eth0", "ip": "10.0.0.1"}}
    event = {"source": {"user": {"name": "u"}}}
    ecs.expand(event, ecs.address("source", "host.example", "22") | {"source.domain": "x"})
    assert list(event["source"]) == ["user", "address", "domain", "port"]
    assert event["source"]["domain"] == "x"
    assert ecs.address("source", "-") == {}


def test_expand_puts_like_put() -> None:
    fields = {
        "a.b": 1, "a.c.d": 2, "a.c.e": "", "f": None, "g": [], "h.i.": {"j": 3},
        "message": "m", "k.l": False,
    }  # fmt: skip
    by_put: dict[str, Any] = {"a": "not a dict", "message": "old"}
    for name, value in fields.items():
        if value is None or value == "":
            continue
        if name.endswith("."):
            for key, item in value.items():
                ecs.put(by_put, name + key, item)
        else:
            ecs.put(by_put, name, value)
    expanded = ecs.expand({"a": "not a dict", "message": "old"}, fields)
    assert expanded == by_put
    assert list(expanded) == list(by_put)


def test_related_reads_every_related_path() -> None:
    for name, paths in ecs.RELATED.items():
        for path in paths:
            event: dict[str, Any] = {"tags": []}
            ecs.put(event, path, "v")
            assert ecs.finish(event)["related"] == {name: ["v"]}, path


def test_related_keeps_first_occurrences_in_path_order() -> None:
    event: dict[str, Any] = {"tags": ["a", "b", "a"]}
    for path in [p for paths in ecs.RELATED.values() for p in paths]:
        ecs.put(event, path, path.split(".")[0])
    ecs.finish(event)
    assert event["related"] == {
        "user": ["user", "source"],
        "ip": ["source", "destination", "server"],
        "hosts": ["source", "destination"],
    }
    assert event["tags"] == ["a", "b"]
    assert ecs.finish({})["tags"] == []


@pytest.mark.parametrize(
    "line",
    [
        "Nov 21 07:59:01 lab01 sshd[1]: m",
        "Nov 21 07:59:01 sshd[1]: m",  # hostless
        "Nov 21 07:59:01 sshd: m",
        "Nov 21 07:59:01 lab01 sshd(pam_unix)[1]: m",
        "Nov  1 07:59:01.123  lab01  CRON[5]: m",
        "Nov 21 07:59:01 lab01 syslogd 1.4.1: restart.",
        "Nov 21 07:59:01 lab01 : m",
        "Nov 21 07:59:01 lab:01 sshd[1]: m",
        "Nov 21 07:59:01 lab01 sshd[1 2]: m",
        "Nov 21 07:59:01 lab01",
        "Foo 21 07:59:01 lab01 sshd[1]: m",
        "Feb 30 07:59:01 lab01 sshd[1]: m",
    ],
)
def test_one_match_header_agrees_with_the_step_by_step_one(line: str) -> None:
    bsd = syslog._BSD_TS.match(line)
    assert bsd is not None
    stamp = syslog.infer_timestamp(bsd, RECEIVED, CST)
    iso = None if stamp is None else stamp.isoformat(timespec="microseconds")
    expected = syslog._frame_bsd(line, bsd.end(), None, stamp, iso)
    assert syslog.split(line, RECEIVED, CST) == expected


def test_stamp_cache_follows_the_reference_and_the_zone() -> None:
    line = "Dec 31 23:59:59 h p: m"
    new_year = datetime(2027, 1, 1, 0, 5, tzinfo=UTC8)
    before = datetime(2026, 12, 31, 23, 0, tzinfo=UTC8)
    for _ in range(2):  # the second round reads the cache
        for received, zone, year in [(new_year, UTC8, 2026), (before, UTC8, 2026)]:
            framed = syslog.frame(line, received, zone)
            assert framed is not None and framed.timestamp is not None
            assert framed.timestamp.year == year
        framed = syslog.frame("Jan  1 00:00:30 h p: m", before, UTC8)
        assert framed is not None and framed.timestamp is not None
        assert framed.timestamp.year == 2027
        framed = syslog.frame(line, new_year, UTC)  # the same instant is 16:05 on Dec 31 UTC
        assert framed is not None and framed.timestamp is not None
        assert framed.timestamp.utcoffset() == timedelta(0)


def test_every_sshd_rule_is_offered_its_own_first_words() -> None:
    """Each rule's patterns start with literal words; the word index must list them all."""
    for words, rule in sshd._RULES:
        for word in words:
            assert rule in sshd._BY_WORD[word]
    offered = {rule for rules in sshd._BY_WORD.values() for rule in rules}
    assert offered == {rule for _, rule in sshd._RULES}
