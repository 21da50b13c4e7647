"""The entry point: one raw line in, one ECS-shaped event out, whatever the line holds.

``parse_line`` decodes, frames (RFC 3164 / 5424), picks a parser by program name, and for
unframed lines tries the audit and web formats. What nothing recognises is kept as an
``unparsed`` event; a parser that fails on a line costs that line its fields, never the
line itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from typing import Any

from secops.ingest import syslog
from secops.ingest.ecs import Event, Fields, expand, finish, to_int
from secops.ingest.parsers import (
    accounts,
    auditd,
    cron,
    kernel,
    pam,
    sshd,
    su,
    sudo,
    systemd,
    web,
)
from secops.ingest.text import MAX_LINE_CHARS, decode, decode_line

Parser = Callable[[str, str | None], Fields | None]

PROGRAMS: dict[str, tuple[str, Parser]] = {
    "sshd": (sshd.DATASET, sshd.parse),
    "sshd-session": (sshd.DATASET, sshd.parse),  # OpenSSH 9.8+ logs from its session binary
    "sshd-auth": (sshd.DATASET, sshd.parse),
    "sudo": (sudo.DATASET, sudo.parse),
    "su": (su.DATASET, su.parse),
    "kernel": (kernel.DATASET, kernel.parse),
    **{name: (accounts.DATASET, accounts.parse) for name in accounts.PROGRAMS},
    **{name: (cron.DATASET, cron.parse) for name in cron.PROGRAMS},
    **{name: (systemd.DATASET, systemd.parse) for name in systemd.PROGRAMS},
}
WEB_PROGRAMS = {"nginx": "nginx", "apache2": "apache", "httpd": "apache", "apache": "apache"}
AUDIT_PROGRAMS = frozenset({"auditd", "audispd", "audisp-syslog", "audit"})
DATASETS = frozenset(
    {d for d, _ in PROGRAMS.values()}
    | {pam.DATASET, auditd.DATASET, "nginx.access", "nginx.error", "apache.access"}
    | {"apache.error", "syslog", "unparsed"}
)

_REPEATED = re.compile(r"message repeated (\d{1,9}) times: \[ ?(.*)\]$")


def parse_line(
    line: str | bytes,
    *,
    host: str | None = None,
    received: datetime | None = None,
    tz: tzinfo | None = None,
    source: str | None = None,
) -> dict[str, Any]:
    """Parse one raw log line into an ECS-shaped event; never raises.

    Args:
        line: the line as read (bytes or text, with or without its newline).
        host: the host it came from, when the line does not say (the line's own wins).
        received: when it was read; the reference for year inference. Default: now.
        tz: the zone of timestamps that carry none. Default: the machine's local zone.
        source: a hint naming the format of unframed lines: a dataset such as
            ``nginx.access``, ``apache.error`` or ``auditd``.

    Returns:
        The event; ``event.original`` always holds the (decoded) line.
    """
    reference = received or datetime.now(UTC)
    if reference.tzinfo is None:
        reference = reference.astimezone()
    try:
        return _parse(line, host, reference, tz, source)
    except Exception:  # a parser bug must cost one line its fields, never the line
        text = decode_line(line if isinstance(line, str | bytes) else repr(line))
        event = _base(text.text, [*text.tags, "unparsed", "parser_error"], host)
        event["event"]["dataset"] = "unparsed"
        return finish(_received(event, reference, tz))


def _parse(
    line: str | bytes, host: str | None, reference: datetime, tz: tzinfo | None, source: str | None
) -> Event:
    text, tags = decode(line)
    if source is None or not source.lower().startswith(("nginx", "apache", "audit")):
        header = syslog.split(text, reference, tz)
        if header is not None:
            event = _framed(text, list(tags), host, header, tz)
            return finish(
                event if header.timestamp is not None else _received(event, reference, tz)
            )
    event = _base(text, list(tags), host)
    if not _unframed(event, text, tz, (source or "").lower()):
        event["event"]["dataset"] = "unparsed"
        event["tags"].append("unparsed")
    return finish(_received(event, reference, tz))


def _base(text: str, tags: list[str], host: str | None) -> Event:
    # "@timestamp" first, as events show it; _received() fills it if nothing else does
    event: Event = {
        "@timestamp": None,
        "event": {"kind": "event", "original": text},
        "message": text,
        "tags": tags,
    }
    if host:
        event["host"] = {"hostname": host, "name": host}
    return event


def _received(event: Event, reference: datetime, tz: tzinfo | None) -> Event:
    """Time the event by its receipt when the line gave no time."""
    if event["@timestamp"] is None:
        event["@timestamp"] = reference.astimezone(tz) if tz is not None else reference.astimezone()
    return event


def _framed(
    text: str, tags: list[str], host: str | None, framed: syslog.Header, tz: tzinfo | None
) -> Event:
    """The event of a framed line: _base() with the header's time, host and message."""
    message, stamp, hostname, appname, _, subsystem, *_, iso = framed
    if stamp is None:
        tags.append("no_timestamp")
    about: dict[str, Any] = {"kind": "event", "original": text}
    event: Event = {"@timestamp": iso or stamp, "event": about, "message": message, "tags": tags}
    if host := hostname or host:  # the line's own host wins over the reader's
        event["host"] = {"hostname": host, "name": host}
    _put_syslog(event, framed)
    repeated = _REPEATED.match(message) if message.startswith("message repeated ") else None
    if repeated is not None:
        event["labels"] = {"repeated": repeated.group(1)}
        message = repeated.group(2)
    dataset, fields = _dispatch(appname, subsystem, message, tz)
    if fields is None:
        about["dataset"] = dataset
        return event
    about["dataset"] = fields.pop("event.dataset", dataset)
    if "process.command_line" in fields and "process" in event:
        # sudo and cron log the command they start: the logger is its parent
        event["process"] = {"parent": event["process"]}
    return expand(event, fields)


def _put_syslog(event: Event, framed: syslog.Header) -> None:
    """The framing fields: process.name/pid, log.syslog.*, log.level.

    Built as nested dicts directly (every framed line has them), in the order and with the
    skipping of empty values that ``expand`` of the dotted names would give.
    """
    _, _, hostname, appname, procid, _, msgid, priority, version, structured, _ = framed
    pid = to_int(procid)
    if appname:
        event["process"] = {"name": appname, "pid": pid} if pid is not None else {"name": appname}
    elif pid is not None:
        event["process"] = {"pid": pid}
    header: dict[str, Any]
    if version is None and appname and procid and hostname:  # "host app[pid]:", the usual
        header = {"appname": appname, "procid": procid, "hostname": hostname}
    else:
        values = (appname, procid, msgid, hostname, None if version is None else str(version))
        names = ("appname", "procid", "msgid", "hostname", "version")
        header = {name: value for name, value in zip(names, values, strict=True) if value}
        if structured:
            header["structured_data"] = structured
    if priority is None:
        if header:
            event["log"] = {"syslog": header}
        return
    facility, severity = priority >> 3, priority & 7
    header["priority"] = priority
    header["facility"] = {"code": facility, "name": syslog.FACILITIES[facility]}
    header["severity"] = {"code": severity, "name": syslog.SEVERITIES[severity]}
    event["log"] = {"syslog": header, "level": syslog.SEVERITIES[severity]}


def _dispatch(
    appname: str | None, subsystem: str | None, message: str, tz: tzinfo | None
) -> tuple[str, Fields | None]:
    app = appname or ""
    if not app.islower():  # most are: spare the copy
        app = app.lower()
    if app == "kernel":
        message = kernel.strip_uptime(message)
    if app in AUDIT_PROGRAMS or message.startswith("audit: type="):
        return auditd.DATASET, _audit_fields(message, tz)
    known = PROGRAMS.get(app)
    if known is not None:
        dataset, parser = known
        return dataset, parser(message, subsystem)
    if app in WEB_PROGRAMS:
        return _web(message, tz, WEB_PROGRAMS[app])
    found = pam.parse(message, subsystem)
    if found is not None:
        return pam.DATASET, found
    return "syslog", None


def _unframed(event: Event, text: str, tz: tzinfo | None, hint: str) -> bool:
    fields = _audit_fields(text, tz) if not hint.startswith(("nginx", "apache")) else None
    dataset = auditd.DATASET
    if fields is None:
        server = "apache" if hint.startswith("apache") else "nginx"
        dataset, fields = _web(text, tz, server)
    if fields is None:
        return False
    event["event"]["dataset"] = fields.pop("event.dataset", dataset)
    event["message"] = fields.pop("message", text)
    expand(event, fields)
    return True


def _web(text: str, tz: tzinfo | None, server: str) -> tuple[str, Fields | None]:
    found = web.parse_access(text, tz)
    if found is not None:
        return f"{server}.access", found
    found = web.parse_nginx_error(text, tz)
    if found is not None:
        return "nginx.error", found
    found = web.parse_apache_error(text, tz)
    if found is not None:
        return "apache.error", found
    return f"{server}.access", None


def _audit_fields(text: str, tz: tzinfo | None) -> Fields | None:
    record = auditd.parse_record(text)
    if record is None:
        return None
    audit = auditd.event_from([record], tz)
    fields: Fields = {"event.dataset": auditd.DATASET}
    for key, value in audit.items():
        if key == "event":
            fields |= {f"event.{k}": v for k, v in value.items() if k != "original"}
        elif key != "message":
            fields[key] = value
    return fields


__all__ = ["DATASETS", "MAX_LINE_CHARS", "PROGRAMS", "parse_line"]
