"""cron (Debian's cron 3.0pl1 and cronie): jobs run, crontabs replaced, daemon notices.

Every message is ``(WHO) WHAT (DETAIL)``: ``(root) CMD (run-parts /etc/cron.hourly)``.
"""

from __future__ import annotations

import re

from secops.ingest.ecs import Fields, kind, user
from secops.ingest.parsers import pam

DATASET = "cron"
PROGRAMS = frozenset({"cron", "crond", "anacron", "crontab"})

_ENTRY = re.compile(r"\(([^()\s]{1,64})\) ([A-Z][A-Za-z ]{0,30}?) \((.*)\)\s*$")
_CHANGES = {"REPLACE", "RELOAD", "DELETE", "BEGIN EDIT", "END EDIT", "LIST"}


def parse(message: str, subsystem: str | None = None) -> Fields | None:
    """ECS fields for a cron message, or None."""
    found = pam.parse(message, subsystem)
    if found is not None:
        return found
    m = _ENTRY.match(message)
    if m is None:
        return None
    who, what, detail = m.groups()
    fields: Fields = {"cron.operation": what}
    if who not in ("CRON", "*system*"):
        fields |= user(who)
    if what == "CMD":
        return (
            fields
            | kind("process", "start", "cron_command")
            | {
                "process.command_line": detail,
                "process.args": detail.split(),
            }
        )
    if what in _CHANGES:
        types = "info" if what in ("LIST", "BEGIN EDIT") else "change"
        return fields | kind("configuration", types, "crontab_" + what.lower().replace(" ", "_"))
    return (
        fields
        | kind("process", "info", "cron_" + what.lower().replace(" ", "_"))
        | {"cron.detail": detail}
    )
