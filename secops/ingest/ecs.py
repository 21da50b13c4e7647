"""Small helpers shared by the parsers: ECS field bags and value conversions.

Parsers return ``Fields``, a flat mapping of dotted ECS names to values (easy to read and
to test); :func:`expand` nests them into the event. Keeping the parsers flat means none of
them needs to know how another one shapes the event.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from datetime import datetime
from typing import Any

Event = dict[str, Any]
Fields = dict[str, Any]

RELATED = {
    "user": ("user.name", "user.effective.name", "user.target.name", "source.user.name"),
    "ip": ("source.ip", "destination.ip", "server.ip"),
    "hosts": ("source.domain", "destination.domain"),
}


def kind(category: str, types: str, action: str, outcome: str | None = None) -> Fields:
    """The event.* classification fields; ``types`` is space-separated."""
    fields: Fields = {
        "event.category": [category],
        "event.type": types.split(),
        "event.action": action,
    }
    if outcome is not None:
        fields["event.outcome"] = outcome
    return fields


def put(event: Event, dotted: str, value: Any) -> None:
    """Set ``a.b.c`` in a nested dict, creating the levels on the way."""
    *parents, leaf = dotted.split(".")
    node = event
    for key in parents:
        child = node.get(key)
        if not isinstance(child, dict):
            child = node[key] = {}
        node = child
    node[leaf] = value


def get(event: Mapping[str, Any], dotted: str) -> Any:
    """The value at ``a.b.c``, or None."""
    node: Any = event
    for key in dotted.split("."):
        if not isinstance(node, dict):  # events are plain dicts; abc checks cost a third
            return None
        node = node.get(key)
    return node


def expand(event: Event, fields: Mapping[str, Any]) -> Event:
    """Put every dotted field into ``event``, skipping None and empty strings."""
    for dotted, value in fields.items():
        if value is not None and value != "":
            put(event, dotted, value)
    return event


def to_int(text: str | None) -> int | None:
    """``text`` as an int, or None when it is not a plain decimal number."""
    if text is None or not text.isascii() or not text.isdigit() or len(text) > 19:
        return None
    return int(text)


def to_port(text: str | None) -> int | None:
    """A TCP/UDP port number, or None outside 0..65535."""
    number = to_int(text)
    return number if number is not None and number <= 65535 else None


def is_ip(text: str | None) -> bool:
    """Whether ``text`` is an IPv4 or IPv6 address (a zone index allowed)."""
    if not text or len(text) > 64:
        return False
    try:
        ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return False
    return True


def address(prefix: str, value: str | None, port: str | None = None) -> Fields:
    """``source``/``destination``/``client`` fields for an address that may be a name."""
    if not value or value in ("-", "?", "UNKNOWN", "(null)"):
        return {}
    fields: Fields = {f"{prefix}.address": value}
    if is_ip(value):
        fields[f"{prefix}.ip"] = value.split("%", 1)[0]
    else:
        fields[f"{prefix}.domain"] = value
    if port is not None:
        fields[f"{prefix}.port"] = to_port(port)
    return fields


def user(name: str | None, prefix: str = "user") -> Fields:
    """A user name field unless the log says there was none."""
    if name is None or name in ("", "-", "?", "(unknown)", "(null)", "unset"):
        return {}
    return {f"{prefix}.name": name}


def finish(event: Event) -> Event:
    """Last touches every event gets: ISO @timestamp, related.*, tags without repeats."""
    stamp = event.get("@timestamp")
    if isinstance(stamp, datetime):
        event["@timestamp"] = stamp.isoformat(timespec="microseconds")
    related: dict[str, list[str]] = {}
    for name, paths in RELATED.items():
        values = [v for p in paths if isinstance(v := get(event, p), str) and v]
        if values:
            related[name] = list(dict.fromkeys(values))
    if related:
        event["related"] = related
    event["tags"] = list(dict.fromkeys(event.get("tags", [])))
    return event
