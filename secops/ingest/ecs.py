"""Small helpers shared by the parsers: ECS field bags and value conversions.

Parsers return ``Fields``, a flat mapping of dotted ECS names to values (easy to read and
to test); :func:`expand` nests them into the event. Keeping the parsers flat means none of
them needs to know how another one shapes the event.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

Event = dict[str, Any]
Fields = dict[str, Any]

# what ipaddress.IPv4Address accepts: four decimal octets, no leading zeros, ASCII digits
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])"
_IPV4 = re.compile(rf"{_OCTET}(?:\.{_OCTET}){{3}}")
_PATHS: dict[str, tuple[str, tuple[str, ...] | None, str | None]] = {}
_MAX_PATHS = 4096

_GROUPS: dict[str, str] = {}
_NO_ADDRESS = frozenset({"-", "?", "UNKNOWN", "(null)"})
_NO_USER = frozenset({"", "-", "?", "(unknown)", "(null)", "unset"})

RELATED = {
    "user": ("user.name", "user.effective.name", "user.target.name", "source.user.name"),
    "ip": ("source.ip", "destination.ip", "server.ip"),
    "hosts": ("source.domain", "destination.domain"),
}


def kind(category: str, types: str, action: str, outcome: str | None = None) -> Fields:
    """The event.* classification fields, as one group; ``types`` is space-separated."""
    group: Fields = {"category": [category], "type": types.split()}
    if action:
        group["action"] = action
    if outcome:
        group["outcome"] = outcome
    return {"event.": group}


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


def _path(dotted: str) -> tuple[str, tuple[str, ...] | None, str | None]:
    """``dotted`` as (first name, names between, last name); a plain name as (name, None, None).

    Field names come from the parsers' code, a few hundred at most: each is split once.
    """
    path = _PATHS.get(dotted)
    if path is None:
        if "." in dotted:
            top, *middle, leaf = dotted.split(".")
            path = (top, tuple(middle), leaf)
        else:
            path = (dotted, None, None)
        if len(_PATHS) < _MAX_PATHS:
            _PATHS[dotted] = path
    return path


def get(event: Mapping[str, Any], dotted: str) -> Any:
    """The value at ``a.b.c``, or None."""
    node: Any = event
    for key in dotted.split("."):
        if not isinstance(node, dict):  # events are plain dicts; abc checks cost a third
            return None
        node = node.get(key)
    return node


def expand(event: Event, fields: Mapping[str, Any]) -> Event:
    """Put every dotted field into ``event``, skipping None and empty strings.

    A name ending in "." (``"source."``) holds a group: a dict of the fields under that
    prefix, put in one step; the dict itself becomes the event's when nothing is there yet.
    :func:`kind` and :func:`address` return groups, fresh, never empty and already without
    empty values: every event has a few of these fields, and one step for several is what
    keeps this loop from being the dearest part of parsing a line.
    """
    paths = _PATHS
    for dotted, value in fields.items():
        if value is None or (not value and isinstance(value, str)):  # == "" costs more
            continue
        top, middle, leaf = paths.get(dotted) or _path(dotted)
        node = event.get(top)
        if node is None and not middle:  # a new object ("user.name", "source."): the usual
            event[top] = {leaf: value} if leaf else value
            continue
        if middle is None:  # a plain name ("message"): replaced
            event[top] = value
            continue
        if not isinstance(node, dict):
            node = event[top] = {}
        for key in middle:
            child = node.get(key)
            if not isinstance(child, dict):
                child = node[key] = {}
            node = child
        if leaf:
            node[leaf] = value
        else:
            node.update(value)
    return event


def to_int(text: str | None) -> int | None:
    """``text`` as an int, or None when it is not a plain decimal number."""
    if text is None or not text.isascii() or not text.isdigit() or len(text) > 19:
        return None
    return int(text)


def to_port(text: str | None) -> int | None:
    """A TCP/UDP port number, or None outside 0..65535."""
    if text is None or not text.isascii() or not text.isdigit() or len(text) > 19:
        return None  # to_int(), inlined
    number = int(text)
    return number if number <= 65535 else None


def is_ip(text: str | None) -> bool:
    """Whether ``text`` is an IPv4 or IPv6 address (a zone index allowed)."""
    if not text or len(text) > 64:
        return False
    text = text.split("%", 1)[0]
    if ":" not in text:  # every IPv6 form has colons; what ipaddress takes as IPv4, this does
        return _IPV4.fullmatch(text) is not None
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def address(prefix: str, value: str | None, port: str | None = None) -> Fields:
    """``source``/``destination``/``client`` fields for an address that may be a name.

    One group (see :func:`expand`): ``{"source.": {"address": ..., "ip": ..., "port": ...}}``.
    """
    if not value or value in _NO_ADDRESS:
        return {}
    group: Fields = {"address": value}
    if len(value) <= 15 and _IPV4.fullmatch(value) is not None:  # is_ip's usual case, first
        group["ip"] = value
    elif is_ip(value):
        group["ip"] = value.split("%", 1)[0]
    else:
        group["domain"] = value
    if port is not None and (number := to_port(port)) is not None:
        group["port"] = number
    return {_GROUPS.get(prefix) or _group(prefix): group}


def _group(prefix: str) -> str:
    name = _GROUPS[prefix] = prefix + "."  # a handful of prefixes, all written in the parsers
    return name


def user(name: str | None, prefix: str = "user") -> Fields:
    """A user name field unless the log says there was none."""
    if name is None or name in _NO_USER:
        return {}
    return {f"{prefix}.name": name}


def finish(event: Event) -> Event:
    """Last touches every event gets: ISO @timestamp, related.*, tags without repeats."""
    stamp = event.get("@timestamp")
    if isinstance(stamp, datetime):
        event["@timestamp"] = stamp.isoformat(timespec="microseconds")
    related = _related(event)
    if related:
        event["related"] = related
    tags = event.get("tags")
    if tags is None:
        event["tags"] = []
    elif len(tags) > 1:
        event["tags"] = list(dict.fromkeys(tags))
    elif tags.__class__ is not list:  # parse_line's own fresh list needs no copy
        event["tags"] = list(tags)
    return event


def _related(event: Event) -> dict[str, list[str]]:
    """``related.*`` from the paths in RELATED, read without the generic :func:`get`.

    Every event passes here, and most lack most of these paths: look at each level once.
    """
    user, source, destination = event.get("user"), event.get("source"), event.get("destination")
    server = event.get("server")
    if user is None and source is None and destination is None and server is None:
        return {}
    users: list[str] = []
    ips: list[str] = []
    hosts: list[str] = []
    if isinstance(user, dict):
        if isinstance(name := user.get("name"), str) and name:  # the first: no repeat to skip
            users.append(name)
        if isinstance(effective := user.get("effective"), dict):
            _add(users, effective.get("name"))
        if isinstance(target := user.get("target"), dict):
            _add(users, target.get("name"))
    if isinstance(source, dict):
        if isinstance(source_user := source.get("user"), dict):
            _add(users, source_user.get("name"))
        if isinstance(ip := source.get("ip"), str) and ip:
            ips.append(ip)
        if isinstance(domain := source.get("domain"), str) and domain:
            hosts.append(domain)
    if isinstance(destination, dict):
        _add(ips, destination.get("ip"))
        _add(hosts, destination.get("domain"))
    if isinstance(server, dict):
        _add(ips, server.get("ip"))
    related: dict[str, list[str]] = {}
    if users:
        related["user"] = users
    if ips:
        related["ip"] = ips
    if hosts:
        related["hosts"] = hosts
    return related


def _add(values: list[str], value: Any) -> None:
    """Append a non-empty string not yet in ``values``."""
    if isinstance(value, str) and value and value not in values:
        values.append(value)
