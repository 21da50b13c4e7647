"""systemd and systemd-logind: units started, stopped and failed; login sessions.

systemd 252 (Debian 12) names the unit first: ``Started ssh.service - OpenBSD Secure Shell
server.``; older releases give only the description, which is kept either way.
"""

from __future__ import annotations

import re

from secops.ingest.ecs import Fields, kind, user

DATASET = "systemd"
PROGRAMS = frozenset({"systemd", "systemd-logind", "init"})

_UNIT = r"([\w@:.\\-]{1,200}\.(?:service|socket|timer|target|mount|slice|scope|path|swap|device))"
_VERB = re.compile(
    r"(Started|Starting|Stopped|Stopping|Reloading|Reloaded|Finished|Failed to start) (.*)"
)
_NAMED = re.compile(_UNIT + r"(?: - (.*))?$")
_UNIT_STATE = re.compile(
    _UNIT + r": (Deactivated successfully|Failed with result '([^']*)'|Main process exited, "
    r"code=(\w+), status=(\S+)|Scheduled restart job|Succeeded|Consumed)"
)
_NEW_SESSION = re.compile(r"New session (\S+) of user (\S+?)\.?\s*$")
_REMOVED_SESSION = re.compile(r"Removed session (\S+?)\.?\s*$")
_LOGGED_OUT = re.compile(r"Session (\S+) logged out")
_ACTIONS = {
    "Started": ("start", "service_started", "success"),
    "Starting": ("start", "service_starting", None),
    "Stopped": ("end", "service_stopped", "success"),
    "Stopping": ("end", "service_stopping", None),
    "Reloading": ("change", "service_reloading", None),
    "Reloaded": ("change", "service_reloaded", "success"),
    "Finished": ("end", "service_finished", "success"),
    "Failed to start": ("start", "service_start_failed", "failure"),
}


def parse(message: str, subsystem: str | None = None) -> Fields | None:
    """ECS fields for a systemd message, or None."""
    if (m := _VERB.match(message)) is not None:
        types, action, outcome = _ACTIONS[m.group(1)]
        what = m.group(2).rstrip().removesuffix(".")
        named = _NAMED.match(what)
        unit, description = named.groups() if named is not None else (None, what)
        fields = kind("process", types, action, outcome)
        return fields | {"systemd.unit": unit, "systemd.description": description}
    if (m := _UNIT_STATE.match(message)) is not None:
        return _unit_state(m)
    return _session(message)


def _unit_state(m: re.Match[str]) -> Fields:
    unit, state, result, code, status = m.groups()
    fields: Fields = {"systemd.unit": unit}
    if state.startswith("Failed"):
        return (
            fields
            | kind("process", "end", "service_failed", "failure")
            | {"systemd.result": result}
        )
    if state.startswith("Main process exited"):
        ok = code == "exited" and status.startswith("0/")
        outcome = "success" if ok else "failure"
        return (
            fields
            | kind("process", "end", "service_exited", outcome)
            | {
                "process.exit_code": int(status.split("/")[0]) if status[:1].isdigit() else None,
                "systemd.code": code,
            }
        )
    if state.startswith("Scheduled"):
        return fields | kind("process", "start", "service_restart_scheduled")
    if state.startswith("Consumed"):
        return fields | kind("process", "info", "service_resources")
    return fields | kind("process", "end", "service_deactivated", "success")


def _session(message: str) -> Fields | None:
    if (m := _NEW_SESSION.match(message)) is not None:
        fields = kind("session", "start", "logind_session_new", "success")
        return fields | user(m.group(2)) | {"systemd.session": m.group(1)}
    if (m := _LOGGED_OUT.match(message)) is not None:
        return kind("session", "end", "logind_logged_out") | {"systemd.session": m.group(1)}
    if (m := _REMOVED_SESSION.match(message)) is not None:
        return kind("session", "end", "logind_session_removed") | {"systemd.session": m.group(1)}
    return None
