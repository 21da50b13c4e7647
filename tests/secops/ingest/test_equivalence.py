"""Events stay byte-for-byte what they were when the parsers were first released.

``tests/files/ingest/equivalence.json`` holds a SHA-256 of the JSON events (key order
included) for each case below, taken from the implementation before it was tuned for speed.
A change that alters any event fails here; when the change is meant, regenerate with
``.venv/bin/python -m tests.secops.ingest.test_equivalence`` and say why in the commit.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from secops.ingest.parse import parse_line
from secops.ingest.parsers.auditd import AuditAssembler
from tests.secops.ingest.conftest import CST, FILES, LOGHUB, RECEIVED
from tests.secops.ingest.test_parse import nasty_lines

DIGESTS = FILES / "equivalence.json"
LOGHUB_FILES = ("OpenSSH_2k.log", "Linux_2k.log", "Apache_2k.log")
EST = timezone(timedelta(hours=-5), "EST")
# just after New Year in UTC, still New Year's Eve in EST: exercises year inference both ways
NEW_YEAR = datetime(2027, 1, 1, 0, 30, tzinfo=UTC)
NEW_YORK = ZoneInfo("America/New_York")  # DST: the loghub Linux lines span June and July


def digest(events: Iterable[dict[str, Any]]) -> str:
    """SHA-256 over the events as JSON lines, key order kept."""
    sha = hashlib.sha256()
    for event in events:
        sha.update(json.dumps(event, ensure_ascii=False, default=repr).encode("utf-8", "replace"))
        sha.update(b"\n")
    return sha.hexdigest()


def lines_of(path: Path) -> list[bytes]:
    """The non-empty lines of ``path``, as bytes (what a reader hands over)."""
    return [line for line in path.read_bytes().split(b"\n") if line]


def _loghub(name: str, received: datetime, zone: tzinfo) -> Callable[[], list[Any]]:
    return lambda: [
        parse_line(line, received=received, tz=zone) for line in lines_of(LOGHUB / name)
    ]


def _audit_assembled() -> list[Any]:
    assembler = AuditAssembler(tz=CST, host="lab01")
    lines = lines_of(FILES / "audit.log")
    return [e for line in lines for e in assembler.feed(line)] + assembler.flush()


def _audit_lines() -> list[Any]:
    return [parse_line(line, received=RECEIVED, tz=CST) for line in lines_of(FILES / "audit.log")]


def _hostile() -> list[Any]:
    return [
        parse_line(line, received=RECEIVED, tz=CST, source=source)
        for source in (None, "nginx.access", "apache.error", "auditd")
        for line in nasty_lines()
    ]


CASES: dict[str, Callable[[], list[Any]]] = {
    **{f"{name} CST": _loghub(name, RECEIVED, CST) for name in LOGHUB_FILES},
    **{f"{name} EST new-year": _loghub(name, NEW_YEAR, EST) for name in LOGHUB_FILES},
    **{f"{name} New York": _loghub(name, RECEIVED, NEW_YORK) for name in LOGHUB_FILES},
    "audit.log assembled": _audit_assembled,
    "audit.log per line": _audit_lines,
    "hostile lines": _hostile,
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_events_unchanged(case: str) -> None:
    if case.endswith(("CST", "new-year", "New York")) and not LOGHUB.is_dir():
        pytest.skip(f"the loghub corpus is not at {LOGHUB}")
    expected = json.loads(DIGESTS.read_text())[case]
    assert digest(CASES[case]()) == expected


if __name__ == "__main__":
    DIGESTS.write_text(json.dumps({c: digest(f()) for c, f in sorted(CASES.items())}, indent=1))
    print(f"wrote {DIGESTS}")
