"""OpenSSH sshd (and sshd-session, 9.8+): logins, failures, invalid users, disconnects.

Covers OpenSSH 5.x (the loghub corpus) to 9.x: ``Accepted publickey for alice from
10.0.0.5 port 50122 ssh2: ED25519 SHA256:...``; PAM messages sshd logs are handed to
:mod:`secops.ingest.parsers.pam`.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from secops.ingest.ecs import Fields, address, kind, user
from secops.ingest.parsers import pam

DATASET = "sshd"

# user names may be empty or hold spaces, so they run up to the last " from "
_AUTH = re.compile(
    r"(Accepted|Failed|Postponed|Partial) (\S+) for (invalid user )?(.*) from (\S+) port (\d+)"
    r"(?: (ssh\d?))?(?:: (\S+)(?: (\S+))?)?"
)
_INVALID = re.compile(r"[Ii]nvalid user (.*) from (\S+)(?: port (\d+))?\s*$")
_INPUT_INVALID = re.compile(r"input_userauth_request: invalid user (.*?)(?: \[preauth\])?$")
_MAX_AUTH = re.compile(
    r"maximum authentication attempts exceeded for (invalid user )?(.*) from (\S+) port (\d+)"
)
_TOO_MANY = re.compile(
    r"Disconnecting(?: (invalid user|authenticating user|user) (.*) (\S+) port (\d+))?:? "
    r"Too many authentication failures(?: for (?:invalid user )?(.*?))?(?: \[preauth\])?$"
)
# the reason runs to the end; a trailing " [preauth]" is cut off after the match, which is
# what a lazy "(.*?)(?: \[preauth\])?$" does at twice the cost
_RECEIVED_DISCONNECT = re.compile(r"Received disconnect from (\S+)(?: port (\d+))?: ?(\d+): (.*)$")
_CLOSED = re.compile(
    r"(Disconnected from|Connection closed by|Connection reset by)"
    r"(?: (invalid user|authenticating user|user) (.*?))? (\S+?)(?: port (\d+))?(?: \[preauth\])?$"
)
_BREAK_IN = re.compile(
    r"(?:reverse mapping checking getaddrinfo for (\S+) \[(\S+)\] failed"
    r"|Address (\S+) maps to (\S+), but this does not map back to the address)"
    r" - POSSIBLE BREAK-IN ATTEMPT!"
)
_NO_IDENT = re.compile(r"Did not receive identification string from (\S+)(?: port (\d+))?")
_BANNER = re.compile(r"banner exchange: Connection from (\S+) port (\d+): (.*)")
_NEGOTIATE = re.compile(r"Unable to negotiate with (\S+) port (\d+): (.*?)(?: \[preauth\])?$")
_CONNECTION = re.compile(r"Connection from (\S+) port (\d+) on (\S+) port (\d+)")
_TIMEOUT = re.compile(r"Timeout before authentication for (?:connection from )?(\S+) port (\d+)")
_LISTENING = re.compile(r"Server listening on (\S+) port (\d+)")
_SIGNAL = re.compile(r"Received signal (\d+); terminating")
_STARTING = re.compile(r"Starting session: (.*) for (\S+) from (\S+) port (\d+)")
_CLOSE_SESSION = re.compile(r"Close session: user (\S+) from (\S+) port (\d+)")
_NET_WORDS = ("kex_exchange_identification:", "ssh_dispatch_run_fatal:")  # _NET_ERROR's
_NET_ERROR = re.compile(
    r"(?:kex_exchange_identification: |ssh_dispatch_run_fatal: |Write failed: |Read error from )"
)


def parse(message: str, subsystem: str | None = None) -> Fields | None:
    """ECS fields for an sshd message, or None."""
    level = None
    if message.startswith(("error: ", "fatal: ")):
        for prefix in ("error: ", "fatal: "):
            if message.startswith(prefix):
                level, message = prefix[:-2], message[len(prefix) :]
    found = None
    if subsystem is not None or message.startswith(("pam_", "PAM ")):  # what pam.parse needs
        found = pam.parse(message, subsystem)
    if found is None:
        found = _first(message)
    if found is not None and level is not None:
        found["log.level"] = level
    return found


def _first(message: str) -> Fields | None:
    space = message.find(" ")
    for rule in _BY_WORD.get(message[:space] if space >= 0 else message, ()):
        found = rule(message)
        if found is not None:
            return found
    return None


def _auth(message: str) -> Fields | None:
    m = _AUTH.match(message)
    if m is None:
        return None
    verdict, method, invalid, name, ip, port, protocol, key_type, fingerprint = m.groups()
    accepted = verdict == "Accepted"
    fields = kind(
        "authentication",
        "start" if verdict != "Postponed" else "info",
        "ssh_login" if verdict != "Postponed" else "ssh_login_postponed",
        "success" if accepted else None if verdict in ("Postponed", "Partial") else "failure",
    )
    fields |= user(name)
    fields |= address("source", ip, port)
    fields["sshd.method"] = method
    fields["network.protocol"] = "ssh" if protocol else None
    if key_type is not None:
        fields |= {"sshd.key.type": key_type, "sshd.key.fingerprint": fingerprint}
    if invalid:
        fields |= {"sshd.invalid_user": True}
    return fields


def _invalid(message: str) -> Fields | None:
    m = _INVALID.match(message)
    if m is not None:
        fields = kind("authentication", "start", "ssh_invalid_user", "failure")
        fields |= user(m.group(1))
        fields |= address("source", m.group(2), m.group(3))
        fields["sshd.invalid_user"] = True
        return fields
    m = _INPUT_INVALID.match(message)
    if m is not None:
        fields = kind("authentication", "start", "ssh_invalid_user", "failure")
        return fields | user(m.group(1)) | {"sshd.invalid_user": True}
    return None


def _too_many(message: str) -> Fields | None:
    m = _MAX_AUTH.match(message)
    if m is not None:
        _, name, ip, port = m.groups()
        fields = kind("authentication", "info", "ssh_too_many_failures", "failure")
        return fields | user(name) | address("source", ip, port)
    m = _TOO_MANY.match(message)
    if m is not None:
        _, name, ip, port, name_for = m.groups()
        fields = kind("authentication", "info", "ssh_too_many_failures", "failure")
        return fields | user(name or name_for) | address("source", ip, port)
    return None


def _disconnect(message: str) -> Fields | None:
    m = _RECEIVED_DISCONNECT.match(message)
    if m is not None:
        ip, port, code, reason = m.groups()
        fields = kind("network", "connection end", "ssh_disconnect")
        fields |= address("source", ip, port)
        reason = reason.removesuffix(" [preauth]")
        fields |= {"sshd.disconnect.code": int(code), "sshd.disconnect.reason": reason}
        return fields
    m = _CLOSED.match(message)
    if m is not None:
        what, _, name, ip, port = m.groups()
        action = "ssh_connection_reset" if "reset" in what else "ssh_disconnect"
        fields = kind("network", "connection end", action)
        return fields | user(name) | address("source", ip, port)
    return None


def _break_in(message: str) -> Fields | None:
    m = _BREAK_IN.match(message)
    if m is None:
        return None
    rev_host, rev_ip, ip, host = m.groups()
    fields = kind("intrusion_detection", "info", "ssh_break_in_attempt")
    fields["event.category"] = ["intrusion_detection", "network"]
    return fields | address("source", rev_ip or ip) | {"source.domain": rev_host or host}


def _connection(message: str) -> Fields | None:
    if (m := _NO_IDENT.match(message)) is not None:
        fields = kind("network", "connection", "ssh_no_identification", "failure")
        return fields | address("source", m.group(1), m.group(2))
    if (m := _BANNER.match(message)) is not None or (m := _NEGOTIATE.match(message)) is not None:
        fields = kind("network", "connection", "ssh_negotiation_failed", "failure")
        return fields | address("source", m.group(1), m.group(2)) | {"error.message": m.group(3)}
    if (m := _CONNECTION.match(message)) is not None:
        fields = kind("network", "connection start", "ssh_connection")
        return (
            fields
            | address("source", m.group(1), m.group(2))
            | address("destination", m.group(3), m.group(4))
        )
    if (m := _TIMEOUT.match(message)) is not None:
        fields = kind("network", "connection end", "ssh_auth_timeout", "failure")
        return fields | address("source", m.group(1), m.group(2))
    if _NET_ERROR.match(message) is not None:
        return kind("network", "connection error", "ssh_connection_error", "failure")
    return None


def _daemon(message: str) -> Fields | None:
    if (m := _LISTENING.match(message)) is not None:
        return kind("network", "start", "ssh_server_listening") | address(
            "server", m.group(1), m.group(2)
        )
    if (m := _SIGNAL.match(message)) is not None:
        return kind("process", "end", "ssh_server_stopped") | {"sshd.signal": int(m.group(1))}
    if (m := _STARTING.match(message)) is not None:
        what, name, ip, port = m.groups()
        return (
            kind("session", "start", "ssh_session_started", "success")
            | user(name)
            | address("source", ip, port)
            | {"sshd.session": what}
        )
    if (m := _CLOSE_SESSION.match(message)) is not None:
        return (
            kind("session", "end", "ssh_session_closed", "success")
            | user(m.group(1))
            | address("source", m.group(2), m.group(3))
        )
    return None


Rule = Callable[[str], Fields | None]

# Each rule with the first words its anchored patterns can start with, in the order the rules
# are tried: a message is offered only to the rules that can match its first word.
_RULES: tuple[tuple[tuple[str, ...], Rule], ...] = (
    (("Accepted", "Failed", "Postponed", "Partial"), _auth),
    (("Invalid", "invalid", "input_userauth_request:"), _invalid),
    (("Received", "Disconnected", "Connection"), _disconnect),
    (("reverse", "Address"), _break_in),
    (("maximum", "Disconnecting", "Disconnecting:"), _too_many),
    (
        ("Did", "banner", "Unable", "Connection", "Timeout", "Write", "Read", *_NET_WORDS),
        _connection,
    ),
    (("Server", "Received", "Starting", "Close"), _daemon),
)


def _by_word(rules: tuple[tuple[tuple[str, ...], Rule], ...]) -> dict[str, tuple[Rule, ...]]:
    index: dict[str, tuple[Rule, ...]] = {}
    for words, rule in rules:
        for word in words:
            index[word] = (*index.get(word, ()), rule)
    return index


_BY_WORD = _by_word(_RULES)
