"""Fixtures for the ingest tests: a fixed zone and receive time, and a parse shortcut."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from secops.ingest.parse import parse_line
from tests.conftest import CORPORA

CST = timezone(timedelta(hours=8), "CST")  # China Standard Time, what the fleet runs in
RECEIVED = datetime(2026, 11, 21, 8, 0, 0, tzinfo=CST)
FILES = Path(__file__).resolve().parents[2] / "files" / "ingest"
LOGHUB = CORPORA / "loghub"


def parse(line: str | bytes, **kwargs: Any) -> dict[str, Any]:
    """parse_line with the tests' zone and receive time."""
    return parse_line(line, received=RECEIVED, tz=CST, **kwargs)


def syslog(program: str, message: str, host: str = "lab01") -> dict[str, Any]:
    """Parse ``message`` framed as rsyslog writes it to /var/log/auth.log."""
    return parse(f"Nov 21 07:59:01 {host} {program}: {message}")


@pytest.fixture
def loghub() -> Path:
    if not LOGHUB.is_dir():
        pytest.skip(f"the loghub corpus is not at {LOGHUB}")
    return LOGHUB
