"""Where rsyslog sends one kind of message: its effective rules, read in the order it runs them.

The audit asks "do audit records reach the forwarding?" of the configuration as rsyslog reads it
(``/etc/rsyslog.conf`` with its includes expanded in place), not of a line's presence: a
``stop`` before the forwarding rule, a selector that leaves the audit facility out, or a
forwarding inside a ruleset no input uses all keep records on the host.

Understood: legacy selectors (``facility.priority;…`` with ``none``, ``=``, ``!``, ``*``),
property filters (``:programname, isequal, "x"``), ``if <simple comparison> then`` with an
action or a ``{ … }`` block, ``&`` continuations, ``stop`` / ``~``, ``action(type="omfwd" …)``
and ``@@host`` forwarding, ``$IncludeConfig`` and ``include(file=…)``, ``ruleset(){}`` blocks
(skipped: the default ruleset carries local messages). A filter this reader cannot evaluate
counts as unknown, and an unknown rule is never taken as carrying the message.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Literal

FACILITIES = {
    "kern": 0, "user": 1, "mail": 2, "daemon": 3, "auth": 4, "security": 4, "syslog": 5,
    "lpr": 6, "news": 7, "uucp": 8, "cron": 9, "authpriv": 10, "ftp": 11,
    **{f"local{n}": 16 + n for n in range(8)},
}  # fmt: skip
SEVERITIES = {
    "emerg": 0, "panic": 0, "alert": 1, "crit": 2, "err": 3, "error": 3, "warning": 4,
    "warn": 4, "notice": 5, "info": 6, "debug": 7,
}  # fmt: skip
LOCAL_TARGETS = ("127.", "localhost", "::1", "0.0.0.0")  # noqa: S104 - not a bind

Tri = bool | None  # True, False, or None: a filter this reader cannot evaluate


@dataclass(frozen=True)
class Message:
    """The message asked about: its facility, severity (0-7) and program name."""

    facility: str
    severity: int
    program: str


@dataclass(frozen=True)
class Rule:
    """One filter and one action, in the order rsyslog runs them."""

    where: str  # path:line
    text: str
    matches: Callable[[Message], Tri]
    kind: Literal["forward", "stop", "other"]
    protocol: str = ""
    target: str = ""


@dataclass
class Route:
    """What happens to a message: the forwarding it reaches, or the rule that stops it first."""

    forwards: list[Rule] = field(default_factory=list)
    stopped_by: Rule | None = None
    unknown: list[Rule] = field(default_factory=list)  # rules whose filter was not understood
    inputs: list[str] = field(default_factory=list)  # local inputs loaded (imuxsock, imjournal)

    @property
    def remote(self) -> list[Rule]:
        """Forwarding off the host over TCP or RELP (UDP drops records silently)."""
        return [
            r
            for r in self.forwards
            if r.target and not r.target.startswith(LOCAL_TARGETS) and r.protocol in ("tcp", "relp")
        ]


def route(files: dict[str, str], message: Message, main: str = "/etc/rsyslog.conf") -> Route:
    """Follow ``message`` through rsyslog's rules; ``files`` maps path to text (globs resolved)."""
    found = Route()
    for line in _lines(files, main, depth=0):
        module = re.search(r'(?:\$ModLoad\s+|module\s*\(\s*load\s*=\s*")(\w+)', line[1])
        if module and module.group(1) in ("imuxsock", "imjournal"):
            found.inputs.append(module.group(1))
    for rule in rules(files, main):
        hit = rule.matches(message)
        if hit is None:
            found.unknown.append(rule)
            continue
        if not hit:
            continue
        if rule.kind == "forward":
            found.forwards.append(rule)
        elif rule.kind == "stop":
            found.stopped_by = rule
            break
    return found


def rules(files: dict[str, str], main: str = "/etc/rsyslog.conf") -> list[Rule]:
    """Every filter/action pair of the default ruleset, includes expanded in place."""
    out: list[Rule] = []
    previous: Callable[[Message], Tri] | None = None
    statements = list(_statements(_lines(files, main, depth=0)))
    index = 0
    while index < len(statements):
        where, text = statements[index]
        index += 1
        if re.match(r"ruleset\s*\(", text):
            continue  # its block was already skipped by _statements
        if text.startswith("&") and previous is not None:
            out.append(_rule(where, text, previous, text[1:].strip()))
            continue
        parsed = _filter(text)
        if parsed is None:
            continue
        matches, action = parsed
        previous = matches
        if action.startswith("{"):
            for inner_where, inner in _statements(_block_lines(where, action)):
                inner_parsed = _filter(inner)
                if inner_parsed is None:  # a bare action inside the block
                    out.append(_rule(inner_where, inner, matches, inner))
                else:
                    both = _and(matches, inner_parsed[0])
                    out.append(_rule(inner_where, inner, both, inner_parsed[1]))
            continue
        out.append(_rule(where, text, matches, action))
    return out


# -- reading ----------------------------------------------------------------------------------


def _lines(files: dict[str, str], path: str, depth: int) -> Iterator[tuple[str, str]]:
    """(path:line, text) of a file without comments, includes expanded where they stand."""
    if depth > 4:
        return
    for number, raw in enumerate(files.get(path, "").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        include = re.match(r"\$IncludeConfig\s+(\S+)", line) or re.match(
            r'include\s*\(\s*file\s*=\s*"([^"]+)"', line
        )
        if include:
            for name in sorted(p for p in files if fnmatch.fnmatchcase(p, include.group(1))):
                yield from _lines(files, name, depth + 1)
            continue
        yield f"{path}:{number}", line


def _statements(lines: Iterator[tuple[str, str]]) -> Iterator[tuple[str, str]]:
    """Join lines until parentheses and braces balance; skip ruleset blocks."""
    buffer, where, depth = "", "", 0
    skipping = False
    for place, line in lines:
        if not buffer:
            where = place
            skipping = bool(re.match(r"ruleset\s*\(", line))
        buffer = f"{buffer}\n{line}".strip()
        depth = _depth(buffer)
        opens_block = skipping and "{" not in buffer
        if depth > 0 or opens_block or _dangling_if(buffer):
            continue
        if not skipping:
            yield where, buffer
        buffer = ""
    if buffer and not skipping:
        yield where, buffer


def _depth(text: str) -> int:
    unquoted = re.sub(r'"(?:\\.|[^"\\])*"|\'[^\']*\'', "", text)
    return unquoted.count("(") + unquoted.count("{") - unquoted.count(")") - unquoted.count("}")


def _dangling_if(text: str) -> bool:
    """An ``if … then`` whose action is on the next line."""
    return bool(re.match(r"if\b", text)) and bool(re.search(r"\bthen\s*$", text))


def _block_lines(where: str, block: str) -> Iterator[tuple[str, str]]:
    inner = block.strip()[1:]
    inner = inner[: inner.rfind("}")] if "}" in inner else inner
    for line in inner.splitlines():  # a one-line block may hold several actions
        for part in re.split(r"(?<=\))\s+(?=(?:stop|action)\b)|(?<=\S)\s+(?=stop\s*$)", line):
            if part.strip():
                yield where, part.strip()


# -- filters ----------------------------------------------------------------------------------

_SELECTOR = re.compile(r"^((?:[\w*,]+\.[\w*!=]+)(?:;[\w*,]+\.[\w*!=]+)*)\s+(.+)$", re.DOTALL)
_PROPERTY = re.compile(r'^:\s*([\w-]+)\s*,\s*(!?[\w-]+)\s*,\s*"([^"]*)"\s*(.+)$', re.DOTALL)
_IF = re.compile(r"^if\s+(.+?)\s+then\s+(.+)$", re.DOTALL)
_COMPARE = re.compile(
    r"^\(?\s*\$([\w-]+)\s*(==|!=|startswith|contains|<>)\s*(?:'([^']*)'|\"([^\"]*)\")\s*\)?$"
)


def _filter(text: str) -> tuple[Callable[[Message], Tri], str] | None:
    """(filter, action) of a rule line; None for directives, modules, inputs, templates."""
    if re.match(r"(\$|module\s*\(|input\s*\(|template\s*\(|global\s*\(|main_queue\s*\()", text):
        return None
    if text.startswith(("*", "&")) or re.match(r"^[a-z0-9]+[.,]", text):
        selector = _SELECTOR.match(text)
        if selector:
            parts = selector.group(1)
            return (lambda m: selector_matches(parts, m)), selector.group(2)
        return None
    prop = _PROPERTY.match(text)
    if prop:
        name, op, value, action = prop.groups()
        return (lambda m: _compare(name, op, value, m)), action
    cond = _IF.match(text)
    if cond:
        expr, action = cond.groups()
        return (lambda m: _expression(expr, m)), action.strip()
    if re.match(r"(stop|~|action\s*\(|@)", text):
        return (lambda m: True), text  # an action without a filter: every message
    return None


def selector_matches(selector: str, message: Message) -> bool:
    """A legacy ``facility.priority;…`` selector, each later part overriding for its facilities."""
    result = False
    for part in selector.split(";"):
        facilities, _, priority = part.rpartition(".")
        names = [f.strip().lower() for f in facilities.split(",")]
        if "*" not in names and message.facility not in names:
            continue
        priority = priority.strip().lower()
        negate = priority.startswith("!")
        priority = priority.lstrip("!")
        exact = priority.startswith("=")
        priority = priority.lstrip("=")
        if priority == "none":
            result = False
            continue
        level = 7 if priority == "*" else SEVERITIES.get(priority)
        if level is None:
            continue
        hit = message.severity == level if exact else message.severity <= level
        result = (result and not hit) if negate else hit
    return result


PROGRAM_PROPERTIES = ("programname", "app-name", "syslogtag")
FACILITY_PROPERTIES = ("syslogfacility-text",)


def _compare(name: str, op: str, value: str, message: Message) -> Tri:
    name = name.lower()
    if name in PROGRAM_PROPERTIES:
        seen = message.program + (":" if name == "syslogtag" else "")
    elif name in FACILITY_PROPERTIES:
        seen = message.facility
    else:
        return None
    negate = op.startswith("!") or op in ("!=", "<>")
    op = op.lstrip("!")
    if op in ("isequal", "==", "!=", "<>"):
        hit = seen == value
    elif op == "startswith":
        hit = seen.startswith(value)
    elif op == "contains":
        hit = value in seen
    else:
        return None
    return not hit if negate else hit


def _expression(expr: str, message: Message) -> Tri:
    """``$prop op 'value'`` joined by ``and`` / ``or`` (no parentheses inside); else unknown."""
    for joiner, combine in ((" or ", any), (" and ", all)):
        if joiner in expr:
            parts = [_expression(p.strip(), message) for p in expr.split(joiner)]
            if any(p is None for p in parts):
                return None
            return combine(parts)
    compare = _COMPARE.match(expr.strip())
    if compare is None:
        return None
    name, op, single, double = compare.groups()
    return _compare(name, op, single if single is not None else double or "", message)


def _and(
    first: Callable[[Message], Tri], second: Callable[[Message], Tri]
) -> Callable[[Message], Tri]:
    def both(message: Message) -> Tri:
        a, b = first(message), second(message)
        if a is False or b is False:
            return False
        return None if a is None or b is None else True

    return both


# -- actions ----------------------------------------------------------------------------------

_LEGACY_FORWARD = re.compile(r"^(@{1,2})(\(\S*\))?\[?([^\]:\s;]+)")


def _rule(where: str, text: str, matches: Callable[[Message], Tri], action: str) -> Rule:
    action = action.strip()
    if action in ("stop", "~") or action.startswith("stop"):
        return Rule(where, text, matches, "stop")
    legacy = _LEGACY_FORWARD.match(action)
    if legacy:
        protocol = "tcp" if legacy.group(1) == "@@" else "udp"
        return Rule(where, text, matches, "forward", protocol, legacy.group(3))
    call = re.match(r"action\s*\((.*)\)", action, re.DOTALL)
    if call:
        options = {k.lower(): v for k, v in re.findall(r'([\w.]+)\s*=\s*"([^"]*)"', call.group(1))}
        kind = options.get("type", "").lower()
        if kind in ("omfwd", "omrelp"):
            protocol = "relp" if kind == "omrelp" else options.get("protocol", "udp").lower()
            return Rule(where, text, matches, "forward", protocol, options.get("target", ""))
    return Rule(where, text, matches, "other")
