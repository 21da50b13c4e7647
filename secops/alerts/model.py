"""An alert: what one rule saw on one host (and group), kept until an analyst closes it.

Its workflow is ``open → acknowledged → closed`` (or ``open → closed``) with a reason. A
closed alert is never reopened: a later detection with the same dedup key raises a new
alert. Anyone may assign an alert or add a note while it is open or acknowledged; a closed
alert still takes notes (what was found afterwards belongs with it) but no new assignee.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from secops.detect.model import LEVELS, MAX_EVENT_IDS
from secops.errors import GovsecError

if TYPE_CHECKING:
    from secops.detect.model import Detection

STATUSES = ("open", "acknowledged", "closed")
LIVE = ("open", "acknowledged")
REASONS = ("true_positive", "false_positive", "duplicate")
SEVERITIES = LEVELS  # an alert's severity is its rule's Sigma level
DETECTOR = "govsec-detect"
"""The actor of the history entries the detection engine writes."""


def os_account() -> str:
    """The account running this process, by its user id (``$USER`` is whatever the caller
    set): the actor of a workflow change made from the command line."""
    import pwd

    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:  # no passwd entry (a bare container)
        return f"uid:{os.geteuid()}"


class AlertError(GovsecError):
    """The root of the alerts' errors: an unknown alert, a transition the workflow forbids."""


class UnknownAlert(AlertError):  # noqa: N818 - names the situation, as StoreUnavailable does
    """No alert has this id."""

    def __init__(self, alert_id: str) -> None:
        """``alert_id``: the id asked for."""
        super().__init__(
            f"no alert has the id {alert_id!r}",
            hint="ids look like A-1f2e3d4c5b; `govsec alerts list --status all` shows them",
        )
        self.alert_id = alert_id


class BadTransition(AlertError):  # noqa: N818 - a verdict on one request
    """The workflow does not allow this step from the alert's status."""


def dedup_key(rule_id: str, host: str | None, group: dict[str, str]) -> str:
    """sha256 of the rule id, the host and the group-by values (sorted by name), in hex."""
    sha = hashlib.sha256()
    for part in (rule_id, host or "", *(f"{k}={v}" for k, v in sorted(group.items()))):
        sha.update(part.encode("utf-8", "surrogateescape") + b"\0")
    return sha.hexdigest()


@dataclass(frozen=True)
class HistoryEntry:
    """One step in an alert's life: who did what, when, with an optional note."""

    time: datetime
    actor: str
    action: str  # created | merged | acknowledged | assigned | noted | closed
    detail: str
    note: str | None = None
    on_behalf_of: str | None = None
    """Whom the actor said they acted for (``--by``): an annotation, never the actor."""


@dataclass
class Alert:
    """An alert as stored; change it through the methods, which keep its history."""

    id: str
    dedup_key: str
    rule_id: str
    rule_title: str
    description: str
    severity: str
    controls: tuple[str, ...]
    techniques: tuple[str, ...]
    host: str | None
    group: dict[str, str]
    first_seen: datetime
    last_seen: datetime
    count: int
    event_ids: list[str]
    created: datetime
    updated: datetime
    status: str = "open"
    reason: str | None = None
    assignee: str | None = None
    history: list[HistoryEntry] = field(default_factory=list)

    @classmethod
    def from_detection(cls, alert_id: str, detection: Detection, now: datetime) -> Alert:
        """A new open alert for ``detection``, its history starting with ``created``."""
        rule = detection.rule
        alert = cls(
            id=alert_id,
            dedup_key=dedup_key(rule.id, detection.host, detection.group),
            rule_id=rule.id,
            rule_title=rule.title,
            description=rule.description,
            severity=rule.level,
            controls=tuple(rule.controls),
            techniques=tuple(rule.techniques),
            host=detection.host,
            group=dict(detection.group),
            first_seen=detection.first_seen,
            last_seen=detection.last_seen,
            count=detection.count,
            event_ids=list(dict.fromkeys(detection.event_ids))[-MAX_EVENT_IDS:],
            created=now,
            updated=now,
        )
        alert.history.append(HistoryEntry(now, DETECTOR, "created", f"{detection.count} event(s)"))
        return alert

    @property
    def live(self) -> bool:
        """Open or acknowledged: new detections with its key merge into it."""
        return self.status in LIVE

    @property
    def notes(self) -> list[HistoryEntry]:
        """The history entries that carry a note, oldest first."""
        return [entry for entry in self.history if entry.note]

    def as_dict(self) -> dict[str, Any]:
        """The alert as JSON-ready data (times in ISO 8601), history included."""
        return {
            "id": self.id,
            "status": self.status,
            "reason": self.reason,
            "assignee": self.assignee,
            "severity": self.severity,
            "rule": {"id": self.rule_id, "title": self.rule_title, "description": self.description},
            "controls": list(self.controls),
            "techniques": list(self.techniques),
            "host": self.host,
            "group": dict(self.group),
            "first_seen": self.first_seen.isoformat(),
            "last_seen": self.last_seen.isoformat(),
            "count": self.count,
            "event_ids": list(self.event_ids),
            "dedup_key": self.dedup_key,
            "created": self.created.isoformat(),
            "updated": self.updated.isoformat(),
            "history": [
                {
                    "time": e.time.isoformat(),
                    "actor": e.actor,
                    "action": e.action,
                    "detail": e.detail,
                    "note": e.note,
                    "on_behalf_of": e.on_behalf_of,
                }
                for e in self.history
            ],
        }

    def merge(self, detection: Detection, now: datetime) -> bool:
        """Fold a later detection in; False when it adds nothing (a replayed detection).

        Events already among the alert's ids are not counted again, so overlapping
        correlation windows and replays do not inflate ``count``.
        """
        known = set(self.event_ids)
        new_ids = [eid for eid in dict.fromkeys(detection.event_ids) if eid not in known]
        added = detection.count - (len(set(detection.event_ids)) - len(new_ids))
        if added <= 0 and not new_ids:
            return False
        self.count += max(added, 0)
        self.first_seen = min(self.first_seen, detection.first_seen)
        self.last_seen = max(self.last_seen, detection.last_seen)
        self.event_ids = [*self.event_ids, *new_ids][-MAX_EVENT_IDS:]
        self.updated = now
        entry = HistoryEntry(
            now, DETECTOR, "merged", f"count {self.count}, last seen {self.last_seen.isoformat()}"
        )
        # a burst of firings is one step in the history, not thousands: consecutive merges
        # are kept as one entry, the latest
        if self.history and self.history[-1].action == "merged":
            self.history[-1] = entry
        else:
            self.history.append(entry)
        return True

    def acknowledge(
        self, actor: str, now: datetime, note: str | None = None, on_behalf_of: str | None = None
    ) -> None:
        """open → acknowledged."""
        if self.status != "open":
            raise BadTransition(
                f"alert {self.id} is {self.status}: only an open alert can be acknowledged",
                hint="`govsec alerts show` gives its history"
                if self.status == "acknowledged"
                else "a closed alert stays closed; a new detection raises a new alert",
            )
        self._step("acknowledged", actor, now, "open → acknowledged", note, on_behalf_of)

    def close(
        self,
        reason: str,
        actor: str,
        now: datetime,
        note: str | None = None,
        on_behalf_of: str | None = None,
    ) -> None:
        """open or acknowledged → closed, with a reason from :data:`REASONS`."""
        if reason not in REASONS:
            raise BadTransition(
                f"{reason!r} is not a reason to close an alert: expected one of"
                f" {', '.join(REASONS)}"
            )
        if self.status == "closed":
            raise BadTransition(
                f"alert {self.id} is already closed ({self.reason})",
                hint="a closed alert is never reopened; add a note to it instead",
            )
        before = self.status
        self._step("closed", actor, now, f"{before} → closed ({reason})", note, on_behalf_of)
        self.reason = reason

    def assign(
        self,
        user: str,
        actor: str,
        now: datetime,
        note: str | None = None,
        on_behalf_of: str | None = None,
    ) -> None:
        """Give the alert to ``user`` (open or acknowledged alerts only)."""
        if not user.strip():
            raise BadTransition("an assignee must be a non-empty user name")
        if self.status == "closed":
            raise BadTransition(
                f"alert {self.id} is closed: there is nothing left to assign",
                hint="add a note to it instead",
            )
        before = self.assignee or "-"
        self.assignee = user
        self.updated = now
        detail = f"{before} → {user}"
        self.history.append(HistoryEntry(now, actor, "assigned", detail, note, on_behalf_of))

    def add_note(
        self, actor: str, now: datetime, text: str, on_behalf_of: str | None = None
    ) -> None:
        """Append a note, in any status."""
        if not text.strip():
            raise BadTransition("a note must not be empty")
        self.updated = now
        self.history.append(HistoryEntry(now, actor, "noted", "", text, on_behalf_of))

    def _step(
        self,
        status: str,
        actor: str,
        now: datetime,
        detail: str,
        note: str | None,
        on_behalf_of: str | None,
    ) -> None:
        self.status = status
        self.updated = now
        self.history.append(HistoryEntry(now, actor, status, detail, note or None, on_behalf_of))
