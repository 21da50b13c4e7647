"""nginx and Apache httpd: access logs (common and combined format) and error logs.

Access lines look alike in both servers, so the dataset comes from the caller's hint (or
the syslog tag) and defaults to nginx. Error logs differ: nginx writes
``2026/11/21 08:00:00 [error] 12#12: *5 ...``; Apache 2.4 writes ``[Sat Nov 21
08:00:00.123456 2026] [core:error] [pid 12:tid 34] [client 10.0.0.1:5555] AH00126: ...``
and 2.2 and older ``[Sun Dec 04 04:47:44 2005] [error] [client 10.0.0.1] ...``.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone, tzinfo

from secops.ingest.ecs import Fields, address, kind, to_int, user
from secops.ingest.syslog import MONTHS

_QUOTED = r'"((?:[^"\\]|\\.)*)"'
_ACCESS = re.compile(
    r"(\S+) (\S+) (\S+) \[(\d{2})/(\w{3})/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-]\d{4})\] "
    + _QUOTED
    + r" (\d{3}) (\d+|-)(?: "
    + _QUOTED
    + " "
    + _QUOTED
    + ")?"
)
_REQUEST = re.compile(r"([A-Z][A-Z_-]{0,19}) (\S+) (HTTP/[\d.]{1,5})$")
_NGINX_ERROR = re.compile(
    r"(\d{4})/(\d{2})/(\d{2}) (\d{2}):(\d{2}):(\d{2}) \[(\w+)\] (\d+)#(\d+): (?:\*(\d+) )?"
)
_NGINX_CONTEXT = re.compile(r", (client|server|request|upstream|host|referrer): (\"[^\"]*\"|[^,]*)")
_APACHE_ERROR = re.compile(
    r"\[\w{3} (\w{3}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))? (\d{4})\] "
    r"\[(?:([\w-]{1,32}):)?(\w{1,16})\] (?:\[pid (\d+)(?::tid (\d+))?\] )?"
    r"(?:\[client (\S+?)(?::(\d+))?\] )?(?:(AH\d{5}): )?"
)
_LEVELS_FAILED = frozenset({"error", "crit", "alert", "emerg"})


def parse_access(line: str, tz: tzinfo | None = None) -> Fields | None:
    """ECS fields for an access line in common or combined format, or None."""
    m = _ACCESS.match(line)
    if m is None:
        return None
    client, _ident, name, day, mon, year, hh, mm, ss, offset = m.groups()[:10]
    request, status, size, referrer, agent = m.groups()[10:]
    zone = _offset(offset)
    month = MONTHS.get(mon) if zone is not None else None
    stamp = _stamp(int(year), month, int(day), int(hh), int(mm), int(ss), 0, zone)
    code = int(status)
    fields = kind("web", "access", "http_request", "success" if code < 400 else "failure")
    fields |= address("source", client) | user(name)
    fields |= {
        "@timestamp": stamp,
        "http.response.status_code": code,
        "http.response.body.bytes": to_int(size),
        "http.request.referrer": None if referrer in (None, "-") else referrer,
        "user_agent.original": None if agent in (None, "-") else agent,
    }
    return fields | _request(request)


def _request(request: str) -> Fields:
    m = _REQUEST.match(request)
    if m is None:
        return {"url.original": request or None}
    method, target, version = m.groups()
    path, _, query = target.partition("?")
    return {
        "http.request.method": method,
        "url.original": target,
        "url.path": path,
        "url.query": query or None,
        "http.version": version.removeprefix("HTTP/"),
    }


def parse_nginx_error(line: str, tz: tzinfo | None = None) -> Fields | None:
    """ECS fields for an nginx error-log line, or None."""
    m = _NGINX_ERROR.match(line)
    if m is None:
        return None
    year, month, day, hh, mm, ss = (int(g) for g in m.groups()[:6])
    level, pid, tid, connection = m.groups()[6:]
    message = line[m.end() :]
    context = {key: value.strip('"') for key, value in _NGINX_CONTEXT.findall(message)}
    fields = _error_kind(level) | address("source", context.get("client"))
    fields |= {
        "@timestamp": _stamp(year, month, day, hh, mm, ss, 0, tz),
        "log.level": level,
        "process.pid": to_int(pid),
        "process.thread.id": to_int(tid),
        "nginx.error.connection_id": to_int(connection),
        "url.domain": context.get("host"),
        "message": message,
    }
    if "request" in context:
        fields |= _request(context["request"])
    return fields


def parse_apache_error(line: str, tz: tzinfo | None = None) -> Fields | None:
    """ECS fields for an Apache httpd error-log line (1.3 to 2.4), or None."""
    m = _APACHE_ERROR.match(line)
    if m is None:
        return None
    mon, day, hh, mm, ss, micro, year, module, level, pid, tid, client, port, code = m.groups()
    stamp = _stamp(
        int(year), MONTHS.get(mon), int(day), int(hh), int(mm), int(ss),
        int((micro or "0").ljust(6, "0")), tz,
    )  # fmt: skip
    fields = _error_kind(level) | address("source", client, port)
    return fields | {
        "@timestamp": stamp,
        "log.level": level,
        "log.logger": module,
        "process.pid": to_int(pid),
        "process.thread.id": to_int(tid),
        "error.code": code,
        "message": line[m.end() :],
    }


def _error_kind(level: str) -> Fields:
    if level in _LEVELS_FAILED:
        return kind("web", "error", "http_error", "failure")
    return kind("web", "info", "http_" + level.lower())


def _offset(text: str) -> timezone | None:
    sign = -1 if text[0] == "-" else 1
    try:
        return timezone(sign * timedelta(hours=int(text[1:3]), minutes=int(text[3:5])))
    except ValueError:  # +9999 and the like: no zone rather than a wrong one
        return None


def _stamp(
    year: int, month: int | None, day: int, hh: int, mm: int, ss: int, micro: int, tz: tzinfo | None
) -> datetime | None:
    if month is None:
        return None
    try:
        naive = datetime(year, month, day, hh, mm, ss, micro)
    except ValueError:
        return None
    return naive.replace(tzinfo=tz) if tz is not None else naive.astimezone()
