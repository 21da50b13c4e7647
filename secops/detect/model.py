"""What the detection engine hands to the alerts: a rule's metadata and one firing of it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

LEVELS = ("informational", "low", "medium", "high", "critical")
DEFAULT_SUPPRESS = timedelta(hours=1)
MAX_EVENT_IDS = 50


@dataclass(frozen=True, slots=True)
class RuleMeta:
    """A rule as alerts and people see it."""

    id: str
    title: str
    level: str  # one of LEVELS
    controls: tuple[str, ...]  # MLPS control ids, from tags "mlps.<id>"
    techniques: tuple[str, ...]  # ATT&CK ids "T1110.001", from tags "attack.t1110.001"
    suppress: timedelta  # govsec.suppress: later firings within it merge into one alert
    description: str
    path: str


@dataclass(slots=True)
class Detection:
    """One firing of a rule: a matching event, or a correlation whose condition was met."""

    rule: RuleMeta
    host: str | None  # host.name of the (last) event
    group: dict[str, str]  # a correlation's group-by values; {} for a single-event rule
    first_seen: datetime  # aware, UTC
    last_seen: datetime
    count: int  # events behind it
    event_ids: list[str] = field(default_factory=list)  # at most MAX_EVENT_IDS, newest kept

    def near(self, first: datetime, last: datetime, gap: timedelta) -> bool:
        """Whether this firing lies within ``gap`` of the span ``first``..``last``, before or
        after it, by the events' own time: an event of 2012 is not "within an hour" of an
        alert last seen in 2015, however late it is read."""
        return self.first_seen <= last + gap and self.last_seen >= first - gap

    def fold(self, later: Detection) -> None:
        """Take in a later firing of the same alert key (count, times, newest ids)."""
        self.count += later.count
        self.first_seen = min(self.first_seen, later.first_seen)
        self.last_seen = max(self.last_seen, later.last_seen)
        self.event_ids = [*self.event_ids, *later.event_ids][-MAX_EVENT_IDS:]
