"""Account management: shadow-utils 4.13 messages (Debian 12)."""

from __future__ import annotations

import pytest

from tests.secops.ingest.conftest import syslog


def test_useradd_new_user() -> None:
    event = syslog(
        "useradd[2201]",
        "new user: name=x, UID=1001, GID=1001, home=/home/x, shell=/bin/bash, from=/dev/pts/1",
    )
    assert event["event"]["dataset"] == "accounts"
    assert event["event"]["category"] == ["iam"]
    assert event["event"]["type"] == ["user", "creation"]
    assert event["user"]["target"] == {"name": "x", "id": "1001", "group": {"id": "1001"}}
    assert event["accounts"] == {"home": "/home/x", "shell": "/bin/bash", "from": "/dev/pts/1"}
    assert event["related"]["user"] == ["x"]


def test_groupadd_new_group() -> None:
    event = syslog("groupadd[2202]", "new group: name=ops, GID=1002")
    assert event["event"]["type"] == ["group", "creation"]
    assert event["group"] == {"name": "ops", "id": "1002"}
    event = syslog("groupadd[2202]", "group added to /etc/group: name=ops, GID=1002")
    assert event["group"] == {"name": "ops", "id": "1002"}


@pytest.mark.parametrize(
    ("program", "message", "action", "types"),
    [
        ("usermod", "add 'x' to group 'sudo'", "user_added_to_group", ["group", "change"]),
        ("usermod", "add 'x' to shadow group 'sudo'", "user_added_to_group", ["group", "change"]),
        ("userdel", "delete 'x' from group 'sudo'", "user_removed_from_group", ["group", "change"]),
        ("userdel", "delete user 'x'", "user_deleted", ["user", "deletion"]),
        ("usermod", "change user 'x' shell from '/bin/sh' to '/bin/bash'", "user_shell_changed",
         ["user", "change"]),
        ("usermod", "lock user 'x' password", "user_locked", ["user", "change"]),
        ("usermod", "change user name 'y' to 'x'", "user_renamed", ["user", "change"]),
        ("passwd", "password for 'x' changed by 'root'", "password_changed", ["user", "change"]),
        ("chage", "changed password expiry for x", "password_expiry_changed", ["user", "change"]),
        ("gpasswd", "user x added by root to group sudo", "user_added_to_group",
         ["group", "change"]),
    ],
)  # fmt: skip
def test_user_changes(program: str, message: str, action: str, types: list[str]) -> None:
    event = syslog(f"{program}[2203]", message)
    assert event["event"]["dataset"] == "accounts"
    assert event["event"]["action"] == action
    assert event["event"]["type"] == types
    assert event["user"]["target"]["name"] == "x"


def test_group_removed() -> None:
    event = syslog("userdel[2204]", "removed group 'x' owned by 'x'")
    assert event["event"]["type"] == ["group", "deletion"]
    assert event["group"]["name"] == "x"
    event = syslog("groupdel[2205]", "group 'ops' removed from /etc/group")
    assert event["group"]["name"] == "ops"


def test_changed_values_are_kept() -> None:
    event = syslog("usermod[2203]", "change user 'x' home from '/home/x' to '/srv/x'")
    assert event["accounts"] == {"old_value": "/home/x", "new_value": "/srv/x"}
