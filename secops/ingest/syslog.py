"""Syslog framing: RFC 3164 (BSD, as rsyslog writes files) and RFC 5424.

``frame`` splits a line into header fields and the program's message. BSD timestamps carry
no year and no zone: ``infer_timestamp`` takes the year of the reference time (minus one
when that would put the line more than a day in the future, which is what a December line
read in January means; plus one for a January line read just before midnight on New Year's
Eve) and the zone given, else the machine's local zone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import NamedTuple

MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    )
}
FACILITIES = (
    "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron",
    "authpriv", "ftp", "ntp", "security", "console", "solaris-cron",
    "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
)  # fmt: skip
SEVERITIES = ("emerg", "alert", "crit", "err", "warning", "notice", "info", "debug")
FUTURE_SLACK = timedelta(days=1)  # clocks and queues skew; more than this means last year

_PRI = re.compile(r"<(\d{1,3})>")
_BSD_TS = re.compile(r"([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))? +")
_BSD_STAMP = r"[A-Z][a-z]{2} {1,2}\d{1,2} \d{2}:\d{2}:\d{2}(?:\.\d{1,6})?"  # _BSD_TS, ungrouped
# rsyslog's RSYSLOG_FileFormat and journald's short-iso: a full RFC 3339 stamp, its date and
# time apart by "T" or, as RFC 3339 (5.6, NOTE) lets readers take, a space
_ISO_TS = re.compile(
    r"(\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})?) +"
)
# syslog-ng's BSD stamp with the year in front ("2026 Nov 21 08:00:01"): no year to infer
_YEAR_BSD_TS = re.compile(
    r"(\d{4}) ([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))? +"
)
# an application's own log line ("2026-11-21 08:00:01 INFO app: started", Python's and
# Java's loggers) puts its level where syslog puts the host: not a syslog frame, and never
# a host named INFO
_LEVEL = re.compile(
    r"\[?(?:TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|ERR|CRITICAL|CRIT|FATAL|SEVERE)\]?[\s:]"
)
_HOST = re.compile(r"([^\s:\[\]]{1,255}) +")
# tag: "sshd[123]:", "sshd(pam_unix)[123]:", "kernel:", "syslogd 1.4.1: restart."
_TAG = re.compile(
    r"(?P<app>[\w.@/-]{1,64})(?:\((?P<sub>[\w.:-]{1,64})\))?(?:\[(?P<pid>[^\]\s]{1,20})\])?"
    r"(?::(?: |$)|(?= ))"
)
_HOSTLESS = re.compile(r"[\w.@/-]{1,64}(?:\([\w.:-]{1,64}\))?(?:\[[^\]\s]{1,20}\])?:(?: |$)")
# The usual "Mmm dd hh:mm:ss host tag[pid]: " in one match, where _BSD_TS matches, _HOSTLESS
# fails and _HOST then _TAG match: a hostless tag's first run of host characters ends at ":"
# or "[", never at the space _HOST needs, so no lookahead for it is required. Every run is
# possessive (it cannot give back: the character after it is never one it takes), which
# changes no match, only the time.
_BSD_HOST_TAG = re.compile(
    rf"(?P<stamp>{_BSD_STAMP}) ++(?P<host>[^\s:\[\]]{{1,255}}+) ++"
    r"(?P<app>[\w.@/-]{1,64}+)(?:\((?P<sub>[\w.:-]{1,64}+)\))?(?:\[(?P<pid>[^\]\s]{1,20}+)\])?"
    r"(?::(?: |$)|(?= ))"
)
_5424 = re.compile(r"(\d{1,2}) (\S{1,64}) (\S{1,255}) (\S{1,48}) (\S{1,128}) (\S{1,32}) ")
_SD_ID = re.compile(r"\[([^\s\]=\"]{1,32})")
_SD_PARAM = re.compile(r" ([^\s\]=\"]{1,32})=\"((?:[^\"\\\]]|\\.)*)\"")
_SD_UNESCAPE = re.compile(r"\\([\"\\\]])")


@dataclass(frozen=True, slots=True)
class Frame:
    """The syslog header of one line and the message it carries."""

    message: str
    timestamp: datetime | None = None
    hostname: str | None = None
    appname: str | None = None
    procid: str | None = None
    subsystem: str | None = None  # the "pam_unix" of "sshd(pam_unix)[1]:"
    msgid: str | None = None
    priority: int | None = None
    version: int | None = None  # 1 for RFC 5424, None for BSD
    structured_data: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def facility(self) -> int | None:
        return None if self.priority is None else self.priority >> 3

    @property
    def severity(self) -> int | None:
        return None if self.priority is None else self.priority & 7


class Header(NamedTuple):
    """:class:`Frame`'s fields as a plain tuple, plus the timestamp as events show it.

    What :func:`parse_line` reads for every line: a tuple costs a tenth of a frozen dataclass.
    """

    message: str
    timestamp: datetime | None = None
    hostname: str | None = None
    appname: str | None = None
    procid: str | None = None
    subsystem: str | None = None
    msgid: str | None = None
    priority: int | None = None
    version: int | None = None
    structured_data: dict[str, dict[str, str]] | None = None
    iso: str | None = None  # timestamp.isoformat(timespec="microseconds"), when known


def frame(line: str, reference: datetime, tz: tzinfo | None = None) -> Frame | None:
    """Split ``line`` into a syslog header and message, or None if it is not framed.

    Args:
        line: one decoded line.
        reference: when the line was received; gives BSD timestamps their year.
        tz: the zone of BSD timestamps; None means the machine's local zone.
    """
    header = split(line, reference, tz)
    if header is None:
        return None
    return Frame(*header[:9], structured_data=header.structured_data or {})


def split(line: str, reference: datetime, tz: tzinfo | None = None) -> Header | None:
    """:func:`frame`, as a :class:`Header`."""
    priority: int | None = None
    pos = 0
    pri = _PRI.match(line) if line.startswith("<") else None
    if pri is not None and int(pri.group(1)) <= 191:
        priority, pos = int(pri.group(1)), pri.end()
        rfc5424 = _5424.match(line, pos)
        if rfc5424 is not None and rfc5424.group(1) != "0":
            return _frame_5424(line, priority, rfc5424)
    usual = _BSD_HOST_TAG.match(line, pos)
    if usual is not None:
        text, host, app, sub, pid = usual.groups()
        stamp, iso = _bsd_timestamp(text, line, pos, reference, tz) or (None, None)
        message = line[usual.end() :].lstrip(" ")
        # tuple.__new__: the generated Header() costs twice as much, on every framed line
        return tuple.__new__(
            Header, (message, stamp, host, app, pid, sub, None, priority, None, None, iso)
        )
    bsd = _BSD_TS.match(line, pos)
    if bsd is not None:
        text = line[pos : max(bsd.end(5), bsd.end(6))]
        stamp, iso = _bsd_timestamp(text, line, pos, reference, tz) or (None, None)
        return _frame_bsd(line, bsd.end(), priority, stamp, iso)
    iso_stamp = _ISO_TS.match(line, pos)
    if iso_stamp is not None:
        if _LEVEL.match(line, iso_stamp.end()):
            return None
        stamp = parse_iso(iso_stamp.group(1), tz)
        return _frame_bsd(line, iso_stamp.end(), priority, stamp, None)
    year_first = _YEAR_BSD_TS.match(line, pos)
    if year_first is None or _LEVEL.match(line, year_first.end()):
        return None
    return _frame_bsd(line, year_first.end(), priority, _year_bsd(year_first, tz), None)


def _frame_bsd(
    line: str, pos: int, priority: int | None, stamp: datetime | None, iso: str | None
) -> Header:
    hostname: str | None = None
    if _HOSTLESS.match(line, pos) is None:
        host = _HOST.match(line, pos)
        if host is not None:
            hostname, pos = host.group(1), host.end()
    tag = _TAG.match(line, pos)
    if tag is None:
        return Header(line[pos:].strip(), stamp, hostname, priority=priority, iso=iso)
    app, sub, pid = tag.group("app", "sub", "pid")
    message = line[tag.end() :].lstrip(" ")
    return Header(message, stamp, hostname, app, pid, sub, None, priority, None, None, iso)


def _frame_5424(line: str, priority: int, head: re.Match[str]) -> Header | None:
    version, stamp, host, app, procid, msgid = head.groups()
    pos = head.end()
    structured: dict[str, dict[str, str]] = {}
    if line.startswith("-", pos):
        pos += 1
    else:
        parsed = _structured_data(line, pos)
        if parsed is None:
            return None
        structured, pos = parsed
    # rsyslog's RSYSLOG_SyslogProtocol23Format writes " %msg%", and msg keeps the space that
    # followed the legacy tag: the message starts after every leading space, not just one
    message = line[pos:].lstrip(" ")
    return Header(
        message=message.removeprefix("\ufeff").lstrip(" "),  # RFC 5424 marks UTF-8 with a BOM
        timestamp=None if stamp == "-" else parse_iso(stamp, None),
        hostname=_nil(host),
        appname=_nil(app),
        procid=_nil(procid),
        msgid=_nil(msgid),
        priority=priority,
        version=int(version),
        structured_data=structured,
    )


def _structured_data(line: str, pos: int) -> tuple[dict[str, dict[str, str]], int] | None:
    elements: dict[str, dict[str, str]] = {}
    while (sd_id := _SD_ID.match(line, pos)) is not None:
        params: dict[str, str] = {}
        pos = sd_id.end()
        while (param := _SD_PARAM.match(line, pos)) is not None:
            params[param.group(1)] = _SD_UNESCAPE.sub(r"\1", param.group(2))
            pos = param.end()
        if not line.startswith("]", pos):
            return None
        elements[sd_id.group(1)] = params
        pos += 1
    return (elements, pos) if elements else None


def _nil(value: str) -> str | None:
    return None if value == "-" else value


@dataclass(slots=True)
class _Stamps:
    """The BSD stamps seen in one zone, each inferred once.

    A stamp's year depends on the reference only near the edges of a window: an entry holds
    the reference times (epoch seconds) ``[low, high)`` for which the inferred year stays
    the same, so it serves every read of a log until the year turns. A log has many lines a
    second, and the per-line cost of inference (zone arithmetic) is gone for all but one.
    """

    tz: tzinfo | None
    entries: dict[str, tuple[datetime, str, float, float] | None]
    reference: datetime = datetime.min
    epoch: float = 0.0


_MAX_STAMPS = 16384
_UNKNOWN = (datetime.min, "", 0.0, 0.0)  # a cache miss, told apart from None
_stamps = _Stamps(None, {})


def _bsd_timestamp(
    text: str, line: str, pos: int, reference: datetime, tz: tzinfo | None
) -> tuple[datetime, str] | None:
    """:func:`infer_timestamp` of the BSD stamp ``text`` at ``line[pos:]``, and its ISO form."""
    global _stamps
    cache = _stamps
    if cache.tz is not tz:
        cache = _stamps = _Stamps(tz, {})
    if cache.reference is not reference:  # a reader hands over a whole read with one time
        cache.reference, cache.epoch = reference, reference.timestamp()
    known = cache.entries.get(text, _UNKNOWN)
    if known is None:
        return None
    if known[2] <= cache.epoch < known[3]:
        return known[0], known[1]
    match = _BSD_TS.match(line, pos)
    stamp = None if match is None else infer_timestamp(match, reference, tz)
    if len(cache.entries) >= _MAX_STAMPS:
        cache.entries.clear()
    if stamp is None:  # not a date in any year: no reference changes that
        cache.entries[text] = None
        return None
    iso = stamp.isoformat(timespec="microseconds")
    cache.entries[text] = (stamp, iso, *_same_year(match, stamp, tz))  # type: ignore[arg-type]
    return stamp, iso


def _same_year(match: re.Match[str], stamp: datetime, tz: tzinfo | None) -> tuple[float, float]:
    """The references (epoch seconds) for which :func:`infer_timestamp` gives ``stamp``.

    From when ``stamp`` stops being too far ahead, to when the same stamp a later year
    (the next that has the date: Feb 29) stops being too far ahead in turn.
    """
    slack = FUTURE_SLACK.total_seconds()
    low = stamp.timestamp() - slack
    for year in range(stamp.year + 1, stamp.year + 9):
        try:
            later = stamp.replace(year=year, tzinfo=None)
        except ValueError:
            continue
        later = _localize(later, tz)
        return low, later.timestamp() - slack
    return low, low  # unreachable for a real date: never served from the cache


def infer_timestamp(
    match: re.Match[str], reference: datetime, tz: tzinfo | None
) -> datetime | None:
    """The aware datetime of a BSD timestamp match (month, day, h, m, s, fraction).

    The year is the latest that does not put the line more than a day after the reference:
    the reference's own year, the year before for a December line read in January, the year
    after for a January line from a clock a little ahead on New Year's Eve. A Feb 29 goes
    back to the last leap year.
    """
    month = MONTHS.get(match.group(1))
    if month is None:
        return None
    day, hour, minute, second = (int(g) for g in match.group(2, 3, 4, 5))
    micro = int((match.group(6) or "0").ljust(6, "0"))
    ref = reference.astimezone(tz) if tz is not None else reference.astimezone()
    for year in range(ref.year + 1, ref.year - 8, -1):
        try:
            naive = datetime(year, month, day, hour, minute, second, micro)
        except ValueError:
            if month == 2 and day == 29:
                continue
            return None
        stamp = _localize(naive, tz)
        if stamp - reference <= FUTURE_SLACK:
            return stamp
    return None


def _year_bsd(match: re.Match[str], tz: tzinfo | None) -> datetime | None:
    """The aware datetime of a year-first BSD stamp match, in ``tz``; None if no such date."""
    month = MONTHS.get(match.group(2))
    if month is None:
        return None
    year, day, hour, minute, second = (int(g) for g in match.group(1, 3, 4, 5, 6))
    micro = int((match.group(7) or "0").ljust(6, "0"))
    try:
        naive = datetime(year, month, day, hour, minute, second, micro)
    except ValueError:
        return None
    return _localize(naive, tz)


def _localize(naive: datetime, tz: tzinfo | None) -> datetime:
    """A wall-clock time in ``tz``; None is the machine's local zone."""
    return naive.replace(tzinfo=tz) if tz is not None else naive.astimezone()


def parse_iso(text: str, tz: tzinfo | None) -> datetime | None:
    """An RFC 3339 timestamp as an aware datetime; a stamp with no zone takes ``tz``."""
    head, dot, rest = text.partition(".")
    if dot:  # Python takes at most 6 fraction digits
        digits = len(rest) - len(rest.lstrip("0123456789"))
        rest = rest[: min(digits, 6)] + rest[digits:]
        text = f"{head}.{rest}"
    try:
        stamp = datetime.fromisoformat(text)
    except ValueError:
        return None
    if stamp.tzinfo is None:
        stamp = _localize(stamp, tz)
    return stamp
