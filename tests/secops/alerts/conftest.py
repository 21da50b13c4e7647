"""Alert fixtures: a rule, detections of it, and a fresh alert store in tmp_path."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from secops.alerts.store import AlertStore
from secops.detect.model import Detection, RuleMeta

T0 = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)

RULE = RuleMeta(
    id="8b2c7f3e-0000-4000-8000-000000000001",
    title="SSH brute force from one source",
    level="high",
    controls=("ce.ia.a", "ce.au.a"),
    techniques=("T1110.001",),
    suppress=timedelta(hours=1),
    description="8 or more failed SSH logins from one address in 120 s",
    path="secops/rules/linux/ssh_brute_force.yml",
)


def eid(n: int) -> str:
    """A reader-style 32-hex event id."""
    return f"{n:032x}"


def detection(
    at: datetime = T0,
    *,
    ids: tuple[int, ...] = (1,),
    host: str | None = "web01",
    group: dict[str, str] | None = None,
    rule: RuleMeta = RULE,
    span: timedelta = timedelta(0),
) -> Detection:
    """A firing of ``rule`` whose events are ``ids``, seen from ``at - span`` to ``at``."""
    return Detection(
        rule=rule,
        host=host,
        group={"source.ip": "203.0.113.9"} if group is None else group,
        first_seen=at - span,
        last_seen=at,
        count=len(ids),
        event_ids=[eid(n) for n in ids],
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[AlertStore]:
    with AlertStore(tmp_path / "events.db") as opened:
        yield opened
