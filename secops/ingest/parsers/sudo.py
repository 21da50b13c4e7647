"""sudo: commands run, wrong passwords, users not in sudoers, commands not allowed.

``alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/id`` with an optional
problem before the key/value list (``3 incorrect password attempts ;``, ``user NOT in
sudoers ;``). COMMAND comes last and may itself hold `` ; ``, so it is cut off first.
"""

from __future__ import annotations

import re

from secops.ingest.ecs import Fields, kind, user
from secops.ingest.parsers import pam

DATASET = "sudo"

_HEAD = re.compile(r"\s*(\S+) : ")
_KEY = re.compile(r"([A-Z]{2,16})=(.*)")
_WRONG = re.compile(r"(\d+) incorrect password attempts?")
_DENIED = {
    "user NOT in sudoers": "sudo_not_in_sudoers",
    "user NOT authorized on host": "sudo_not_in_sudoers",
    "command not allowed": "sudo_command_not_allowed",
    "a password is required": "sudo_password_required",
}


def parse(message: str, subsystem: str | None = None) -> Fields | None:
    """ECS fields for a sudo message, or None."""
    found = pam.parse(message, subsystem)
    if found is not None:
        return found
    head = _HEAD.match(message)
    if head is None:
        return None
    rest = message[head.end() :]
    command = None
    if (at := rest.find("COMMAND=")) >= 0:
        rest, command = rest[:at], rest[at + len("COMMAND=") :]
    keys: dict[str, str] = {}
    problems: list[str] = []
    for part in rest.split(" ; "):
        part = part.strip(" ;")
        if (kv := _KEY.fullmatch(part)) is not None:
            keys[kv.group(1)] = kv.group(2)
        elif part:
            problems.append(part)
    if command is None and "TTY" not in keys:
        return None
    fields = _verdict(problems) | user(head.group(1)) | user(keys.get("USER"), "user.effective")
    fields |= {"process.working_directory": keys.get("PWD"), "sudo.tty": keys.get("TTY")}
    fields |= {"group.name": keys.get("GROUP"), "sudo.problem": "; ".join(problems) or None}
    if command is not None:
        fields |= {
            "process.command_line": command,
            "process.executable": command.split(" ", 1)[0],
            "process.name": command.split(" ", 1)[0].rsplit("/", 1)[-1],
            "process.args": command.split(),
        }
    return fields


def _verdict(problems: list[str]) -> Fields:
    for problem in problems:
        if _WRONG.match(problem) is not None:
            return kind("authentication", "start", "sudo_wrong_password", "failure")
        for text, action in _DENIED.items():
            if problem.startswith(text):
                return kind("process", "start", action, "failure")
    if problems:
        return kind("process", "start", "sudo_error", "failure")
    return kind("process", "start", "sudo_command", "success")
