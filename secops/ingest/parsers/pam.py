"""Linux-PAM module messages: pam_unix, pam_faillock, pam_tally2, as any service logs them.

``pam_unix(sshd:auth): authentication failure; logname= uid=0 ... rhost=10.0.0.9  user=root``
and the old form where the module sits in the tag: ``sshd(pam_unix)[1]: ...``.
"""

from __future__ import annotations

import re

from secops.ingest.ecs import Fields, address, kind, user

DATASET = "pam"

_HEAD = re.compile(r"(pam_[\w-]{1,32})\(([^:\s)]{1,64}):(\w{1,16})\): ")
_AUTH_FAILURE = re.compile(
    r"authentication failure; logname=(\S*) uid=(\d*) euid=(\d*) tty=(\S*) ruser=(\S*) "
    r"rhost=(\S*)(?: +user=(\S+))?\s*$"
)
_MORE = re.compile(
    r"PAM (\d+) more authentication failures?; logname=(\S*) uid=(\d*) euid=(\d*) tty=(\S*) "
    r"ruser=(\S*) rhost=(\S*)(?: +user=(\S+))?\s*$"
)
_SESSION_OPENED = re.compile(
    r"session opened for user (\S+?)(?:\(uid=(\d+)\))? by (\S*?)\(uid=(\d+)\)\s*$"
)
_SESSION_CLOSED = re.compile(r"session closed for user (\S+)\s*$")
_FAILLOCK = re.compile(r"Consecutive login failures for user (\S+) account temporarily locked")
_TALLY = re.compile(r"user (\S+) \((\d+)\) tally (\d+), deny (\d+)")
_CHANGED = re.compile(r"password changed for (\S+)\s*$")
_NO_PASSWORD = re.compile(r"auth could not identify password for \[(.*)\]$")
_EXPIRED = re.compile(r"(?:account (\S+) has expired|expired password for user (\S+))")
_IGNORING = re.compile(r"PAM service\((\S+)\) ignoring max retries; (\d+) > (\d+)")


def parse(message: str, subsystem: str | None = None) -> Fields | None:
    """ECS fields for a PAM message, or None.

    Args:
        message: the syslog message.
        subsystem: the module named in an old-style tag (``sshd(pam_unix)``), if any.
    """
    fields: Fields
    head = _HEAD.match(message) if message.startswith("pam_") else None
    if head is not None:
        module, service, facility = head.groups()
        fields = {
            "event.dataset": DATASET,
            "pam.module": module,
            "pam.service": service,
            "pam.type": facility,
        }
        message = message[head.end() :]
    elif subsystem is not None and subsystem.startswith("pam_"):
        fields = {"event.dataset": DATASET, "pam.module": subsystem}
    elif not message.startswith("PAM "):  # the one form with no module named
        return None
    else:
        fields = {"event.dataset": DATASET}
    found = _classify(message)
    if found is None:
        return None
    fields |= found
    return fields


def _classify(message: str) -> Fields | None:
    if (m := _AUTH_FAILURE.match(message)) is not None:
        logname, _uid, _euid, tty, ruser, rhost, name = m.groups()
        fields = kind("authentication", "start", "authentication_failure", "failure")
        fields |= user(name)
        fields |= user(ruser, "source.user")
        fields |= {"pam.tty": tty, "pam.logname": logname}
        fields |= address("source", rhost)
        return fields
    if (m := _MORE.match(message)) is not None:
        count, _logname, _uid, _euid, tty, _ruser, rhost, name = m.groups()
        fields = kind("authentication", "start", "authentication_failure", "failure")
        fields |= user(name)
        fields |= address("source", rhost)
        fields |= {"pam.failures": int(count), "pam.tty": tty}
        return fields
    if message.startswith("check pass; user unknown"):
        return kind("authentication", "start", "user_unknown", "failure")
    if (m := _SESSION_OPENED.match(message)) is not None:
        name, uid, by, by_uid = m.groups()
        return (
            kind("session", "start", "session_opened", "success")
            | user(name)
            | {"user.id": uid}
            | user(by, "source.user")
            | {"source.user.id": by_uid}
        )
    if (m := _SESSION_CLOSED.match(message)) is not None:
        return kind("session", "end", "session_closed", "success") | user(m.group(1))
    return _classify_more(message)


def _classify_more(message: str) -> Fields | None:
    if (m := _FAILLOCK.match(message)) is not None:
        return kind("authentication", "info", "account_locked", "failure") | user(m.group(1))
    if (m := _TALLY.match(message)) is not None:
        name, uid, tally, deny = m.groups()
        locked = int(tally) > int(deny)
        action = "account_locked" if locked else "authentication_failure"
        return kind("authentication", "info", action, "failure") | user(name) | {"user.id": uid}
    if (m := _CHANGED.match(message)) is not None:
        return kind("iam", "user change", "password_changed", "success") | user(
            m.group(1), "user.target"
        )
    if (m := _NO_PASSWORD.match(message)) is not None:
        return kind("authentication", "start", "no_password", "failure") | user(m.group(1))
    if (m := _EXPIRED.match(message)) is not None:
        return kind("authentication", "start", "account_expired", "failure") | user(
            m.group(1) or m.group(2)
        )
    if (m := _IGNORING.match(message)) is not None:
        return kind("authentication", "info", "max_retries_ignored") | {"pam.service": m.group(1)}
    return None
