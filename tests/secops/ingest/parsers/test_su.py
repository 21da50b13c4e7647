"""su: util-linux and shadow forms."""

from __future__ import annotations

import pytest

from tests.secops.ingest.conftest import syslog


@pytest.mark.parametrize(
    ("message", "outcome"),
    [
        ("(to root) alice on pts/0", "success"),
        ("FAILED SU (to root) alice on pts/0", "failure"),
        ("+ pts/0 alice:root", "success"),
        ("- pts/0 alice:root", "failure"),
    ],
)
def test_su(message: str, outcome: str) -> None:
    event = syslog("su[3001]", message)
    assert event["event"]["dataset"] == "su"
    assert event["event"]["category"] == ["authentication"]
    assert event["event"]["outcome"] == outcome
    assert event["user"] == {"name": "alice", "effective": {"name": "root"}}
    assert event["su"]["tty"] == "pts/0"


def test_su_pam_session() -> None:
    event = syslog(
        "su[3001]", "pam_unix(su-l:session): session opened for user root(uid=0) by alice(uid=1000)"
    )
    assert event["event"]["dataset"] == "pam"
    assert event["pam"]["service"] == "su-l"
