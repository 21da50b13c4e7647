"""Account management (shadow-utils): useradd, usermod, userdel, groupadd, groupmod,
groupdel, passwd, chage, gpasswd, chpasswd, as Debian 12's shadow 4.13 logs them.

``new user: name=x, UID=1001, GID=1001, home=/home/x, shell=/bin/bash, from=/dev/pts/1``;
the account acted upon is ``user.target`` / ``group`` (ECS's IAM convention).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from secops.ingest.ecs import Fields, kind, user
from secops.ingest.parsers import pam

DATASET = "accounts"
PROGRAMS = frozenset(
    {"useradd", "usermod", "userdel", "groupadd", "groupmod", "groupdel", "passwd", "chage"}
    | {"gpasswd", "chpasswd", "chgpasswd", "newusers", "chfn", "chsh", "adduser", "deluser"}
)

# \b and a bound: findall would otherwise rescan a long word from each of its letters
_KV = re.compile(r"\b(\w{1,32})=([^,]*)(?:, |$)")
_NEW = re.compile(r"new (user|group): ")
_GROUP_ADDED = re.compile(r"group added to (\S+): ")
_MEMBER = re.compile(r"(add|delete) '([^']*)' (?:to|from) (shadow )?group '([^']*)'")
_GPASSWD = re.compile(r"user (\S+) (added|removed) by (\S+) (?:to|from) group (\S+)")
_DELETE_USER = re.compile(r"delete user '([^']*)'")
_REMOVE_GROUP = re.compile(
    r"(?:removed (?:shadow )?group '([^']*)' owned by '([^']*)'|group '([^']*)' removed)"
)
_RENAME = re.compile(r"change user name '([^']*)' to '([^']*)'")
_CHANGE = re.compile(r"change user '([^']*)' (\w+) from '(.*)' to '(.*)'")
_LOCK = re.compile(r"(lock|unlock|change) user '([^']*)' password")
_GROUP_CHANGED = re.compile(r"group changed in (\S+) \(group (\S+?)/(\d+)(?:, (.*))?\)")
_PASSWD = re.compile(r"password for '([^']*)' changed by '([^']*)'")
_CHAGE = re.compile(r"changed password expiry for (\S+)")
_FAILED = re.compile(r"failed adding (user|group) '([^']*)'")


def parse(message: str, subsystem: str | None = None) -> Fields | None:
    """ECS fields for an account-management message, or None."""
    found = pam.parse(message, subsystem)
    if found is not None:
        return found
    for rule in _RULES:
        found = rule(message)
        if found is not None:
            return found
    return None


def _new(message: str) -> Fields | None:
    m = _NEW.match(message) or _GROUP_ADDED.match(message)
    if m is None:
        return None
    values = dict(_KV.findall(message[m.end() :]))
    if m.group(1) == "user":
        return (
            kind("iam", "user creation", "user_created", "success")
            | user(values.get("name"), "user.target")
            | {"user.target.id": values.get("UID"), "user.target.group.id": values.get("GID")}
            | {"accounts.home": values.get("home"), "accounts.shell": values.get("shell")}
            | {"accounts.from": values.get("from")}
        )
    return kind("iam", "group creation", "group_created", "success") | {
        "group.name": values.get("name"),
        "group.id": values.get("GID"),
    }


def _membership(message: str) -> Fields | None:
    if (m := _MEMBER.match(message)) is not None:
        verb, name, _shadow, group = m.groups()
        action = "user_added_to_group" if verb == "add" else "user_removed_from_group"
        fields = kind("iam", "group change", action, "success")
        return fields | user(name, "user.target") | {"group.name": group}
    if (m := _GPASSWD.match(message)) is not None:
        name, verb, by, group = m.groups()
        action = "user_added_to_group" if verb == "added" else "user_removed_from_group"
        fields = kind("iam", "group change", action, "success")
        return fields | user(name, "user.target") | user(by) | {"group.name": group}
    return None


def _deletion(message: str) -> Fields | None:
    if (m := _DELETE_USER.match(message)) is not None:
        return kind("iam", "user deletion", "user_deleted", "success") | user(
            m.group(1), "user.target"
        )
    if (m := _REMOVE_GROUP.match(message)) is not None:
        group = m.group(1) or m.group(3)
        return kind("iam", "group deletion", "group_deleted", "success") | {"group.name": group}
    return None


def _change(message: str) -> Fields | None:
    if (m := _RENAME.match(message)) is not None:
        fields = kind("iam", "user change", "user_renamed", "success")
        return fields | user(m.group(2), "user.target") | {"accounts.old_name": m.group(1)}
    if (m := _CHANGE.match(message)) is not None:
        name, what, old, new = m.groups()
        fields = kind("iam", "user change", f"user_{what}_changed", "success")
        changed = {"accounts.old_value": old, "accounts.new_value": new}
        return fields | user(name, "user.target") | changed
    if (m := _LOCK.match(message)) is not None:
        verb, name = m.groups()
        action = {"lock": "user_locked", "unlock": "user_unlocked"}.get(verb, "password_changed")
        return kind("iam", "user change", action, "success") | user(name, "user.target")
    if (m := _GROUP_CHANGED.match(message)) is not None:
        fields = kind("iam", "group change", "group_changed", "success")
        return fields | {
            "group.name": m.group(2),
            "group.id": m.group(3),
            "accounts.change": m.group(4),
        }
    return None


def _password(message: str) -> Fields | None:
    if (m := _PASSWD.match(message)) is not None:
        fields = kind("iam", "user change", "password_changed", "success")
        return fields | user(m.group(1), "user.target") | user(m.group(2))
    if (m := _CHAGE.match(message)) is not None:
        fields = kind("iam", "user change", "password_expiry_changed", "success")
        return fields | user(m.group(1), "user.target")
    if (m := _FAILED.match(message)) is not None:
        what, name = m.groups()
        fields = kind("iam", f"{what} creation", f"{what}_creation_failed", "failure")
        return fields | ({"group.name": name} if what == "group" else user(name, "user.target"))
    return None


_RULES: tuple[Callable[[str], Fields | None], ...] = (
    _new,
    _membership,
    _deletion,
    _change,
    _password,
)
