"""su: switches of user, as util-linux (Debian) and shadow su log them.

``(to root) alice on pts/0``, ``FAILED SU (to root) alice on pts/0`` and shadow's
``+ pts/0 alice:root`` / ``- pts/0 alice:root``; PAM lines go to the PAM parser.
"""

from __future__ import annotations

import re

from secops.ingest.ecs import Fields, kind, user
from secops.ingest.parsers import pam

DATASET = "su"

_UTIL_LINUX = re.compile(r"(FAILED SU )?\(to (\S+)\) (\S+) on (\S+)\s*$")
_SHADOW = re.compile(r"([+-]) (\S+) (\S+):(\S+)\s*$")
_SUCCESSFUL = re.compile(r"Successful su for (\S+) by (\S+)")


def parse(message: str, subsystem: str | None = None) -> Fields | None:
    """ECS fields for a su message, or None."""
    found = pam.parse(message, subsystem)
    if found is not None:
        return found
    if (m := _UTIL_LINUX.match(message)) is not None:
        failed, target, name, tty = m.groups()
        ok = failed is None
    elif (m := _SHADOW.match(message)) is not None:
        sign, tty, name, target = m.groups()
        ok = sign == "+"
    elif (m := _SUCCESSFUL.match(message)) is not None:
        target, name = m.groups()
        tty, ok = None, True
    else:
        return None
    fields = kind("authentication", "start", "su", "success" if ok else "failure")
    return fields | user(name) | user(target, "user.effective") | {"su.tty": tty}
