"""Sigma correlation rules over the event stream: sliding windows per group, bounded, saved.

Each correlation keeps, per group-by key, only what its condition needs:

- ``event_count`` ≥ N: the last N-1 matching events (time, id) inside the timespan;
- ``value_count`` ≥ N: the newest time of each of at most N distinct values;
- ``temporal``: the newest time each referenced rule matched;
- ``temporal_ordered``: for each step, the start of the latest chain that reached it.

A window slides on the events' own ``@timestamp`` (so importing last week's logs finds last
week's brute force), and when the condition is met the correlation fires once and its window
starts empty: eight more failures are needed for the next firing, which the alert then counts
(a storm of 800 failures is one alert with count 800, not 793 firings). Groups are bounded
(``max_groups``, the least recently active dropped first, counted in ``evicted``) and groups
whose window has passed are swept, so memory does not grow with the number of attackers.
``state()``/``restore()`` carry everything across a restart.
"""

from __future__ import annotations

import bisect
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from secops.detect.model import MAX_EVENT_IDS

MAX_GROUPS = 20_000
SWEEP_EVERY = 4096  # feeds between sweeps of groups whose window has passed

# (event time in epoch seconds, event id, host)
Hit = tuple[float, str, str | None]


@dataclass(slots=True)
class Fired:
    """A correlation's condition met for one group."""

    group: tuple[str, ...]
    hits: list[Hit]  # the events behind it, oldest first
    count: int


class Window:
    """What one correlation needs to know; subclasses keep their groups' state."""

    kind = "window"  # overridden by a subclass's __init__ (mypyc: no class-level overrides)

    def __init__(
        self, span: float, threshold: int, steps: int, max_groups: int = MAX_GROUPS
    ) -> None:
        self.span = span  # seconds
        self.threshold = threshold  # count the condition asks for (event_count, value_count)
        self.steps = steps  # referenced rules (temporal kinds)
        self.max_groups = max_groups
        self.groups: OrderedDict[tuple[str, ...], Any] = OrderedDict()
        self.evicted = 0
        self.newest = 0.0
        self.feeds = 0

    def feed(self, step: int, group: tuple[str, ...], hit: Hit, value: str | None) -> Fired | None:
        raise NotImplementedError

    def _group(self, key: tuple[str, ...], fresh: Any) -> Any:
        """The state of ``key``, made when new; most recently used last; bounded."""
        self.feeds += 1
        if self.feeds % SWEEP_EVERY == 0:
            self._sweep()
        state = self.groups.get(key)
        if state is None:
            state = fresh
            self.groups[key] = state
            if len(self.groups) > self.max_groups:
                self.groups.popitem(last=False)
                self.evicted += 1
        else:
            self.groups.move_to_end(key)
        return state

    def _sweep(self) -> None:
        horizon = self.newest - self.span
        stale = [k for k, v in self.groups.items() if self._latest(v) < horizon]
        for key in stale:
            del self.groups[key]

    def _latest(self, state: Any) -> float:
        raise NotImplementedError

    def dump(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "evicted": self.evicted,
            "newest": self.newest,
            "groups": [[list(k), self._dump(v)] for k, v in self.groups.items()],
        }

    def load(self, data: dict[str, Any]) -> None:
        if data.get("kind") != self.kind:
            return  # the rule changed kind since the state was saved: start afresh
        self.evicted = int(data.get("evicted", 0))
        self.newest = float(data.get("newest", 0.0))
        for key, value in data.get("groups", []):
            self.groups[tuple(key)] = self._load(value)

    def _dump(self, state: Any) -> Any:
        return state

    def _load(self, value: Any) -> Any:
        return value


def _hits(raw: list[Any]) -> list[Hit]:
    hits: list[Hit] = []
    for when, eid, host in raw:
        hits.append((float(when), str(eid), None if host is None else str(host)))
    return hits


def _add(hits: list[Hit], hit: Hit) -> None:
    """Keep ``hits`` in time order (events may arrive a little out of order)."""
    if not hits or hits[-1][0] <= hit[0]:
        hits.append(hit)
    else:
        bisect.insort(hits, hit)


def _trim(hits: list[Hit], horizon: float) -> list[Hit]:
    start = 0
    while start < len(hits) and hits[start][0] < horizon:
        start += 1
    return hits[start:] if start else hits


class EventCount(Window):
    def __init__(
        self, span: float, threshold: int, steps: int, max_groups: int = MAX_GROUPS
    ) -> None:
        super().__init__(span, threshold, steps, max_groups)
        self.kind = "event_count"

    def feed(self, step: int, group: tuple[str, ...], hit: Hit, value: str | None) -> Fired | None:
        self.newest = max(self.newest, hit[0])
        hits: list[Hit] = self._group(group, [])
        _add(hits, hit)
        hits = _trim(hits, hits[-1][0] - self.span)
        if len(hits) >= self.threshold:
            self.groups[group] = []
            return Fired(group, hits[-MAX_EVENT_IDS:], len(hits))
        self.groups[group] = hits[-self.threshold :]
        return None

    def _latest(self, state: Any) -> float:
        return float(state[-1][0]) if state else 0.0

    def _load(self, value: Any) -> Any:
        return _hits(value)


class ValueCount(Window):
    def __init__(
        self, span: float, threshold: int, steps: int, max_groups: int = MAX_GROUPS
    ) -> None:
        super().__init__(span, threshold, steps, max_groups)
        self.kind = "value_count"

    def feed(self, step: int, group: tuple[str, ...], hit: Hit, value: str | None) -> Fired | None:
        self.newest = max(self.newest, hit[0])
        state: dict[str, Any] = self._group(group, {"values": {}, "hits": []})
        horizon = max(hit[0], self.newest) - self.span
        hits = state["hits"]
        _add(hits, hit)
        state["hits"] = _trim(hits, horizon)[-MAX_EVENT_IDS:]
        values: dict[str, float] = state["values"]
        if value is not None:
            values[value] = max(values.get(value, hit[0]), hit[0])
        for old in [v for v, t in values.items() if t < horizon]:
            del values[old]
        if len(values) >= self.threshold:
            fired = Fired(group, list(state["hits"]), len(values))
            self.groups[group] = {"values": {}, "hits": []}
            return fired
        return None

    def _latest(self, state: Any) -> float:
        return max(state["values"].values(), default=0.0)

    def _load(self, value: Any) -> Any:
        return {
            "values": {str(k): float(v) for k, v in value["values"].items()},
            "hits": _hits(value["hits"]),
        }


class Temporal(Window):
    """Every referenced rule matched, in any order, within the timespan."""

    def __init__(
        self, span: float, threshold: int, steps: int, max_groups: int = MAX_GROUPS
    ) -> None:
        super().__init__(span, threshold, steps, max_groups)
        self.kind = "temporal"

    def feed(self, step: int, group: tuple[str, ...], hit: Hit, value: str | None) -> Fired | None:
        self.newest = max(self.newest, hit[0])
        state: dict[str, Any] = self._group(group, {"last": {}, "hits": []})
        horizon = hit[0] - self.span
        last: dict[str, float] = state["last"]
        last[str(step)] = max(last.get(str(step), hit[0]), hit[0])
        for old in [s for s, t in last.items() if t < horizon]:
            del last[old]
        _add(state["hits"], hit)
        state["hits"] = _trim(state["hits"], horizon)[-MAX_EVENT_IDS:]
        if len(last) >= self.steps:
            fired = Fired(group, list(state["hits"]), len(state["hits"]))
            self.groups[group] = {"last": {}, "hits": []}
            return fired
        return None

    def _latest(self, state: Any) -> float:
        return max(state["last"].values(), default=0.0)

    def _load(self, value: Any) -> Any:
        return {
            "last": {str(k): float(v) for k, v in value["last"].items()},
            "hits": _hits(value["hits"]),
        }


class TemporalOrdered(Window):
    """The referenced rules matched in the order given, all within the timespan.

    ``starts[j]``: the start time of the latest chain that has reached step ``j``. An event
    of step ``j`` extends the chain of step ``j - 1`` when that chain started within the
    timespan; keeping only the latest start per step is enough, as a later start can only
    leave more room for the steps still to come.
    """

    def __init__(
        self, span: float, threshold: int, steps: int, max_groups: int = MAX_GROUPS
    ) -> None:
        super().__init__(span, threshold, steps, max_groups)
        self.kind = "temporal_ordered"

    def feed(self, step: int, group: tuple[str, ...], hit: Hit, value: str | None) -> Fired | None:
        self.newest = max(self.newest, hit[0])
        fresh: dict[str, Any] = {"starts": [None] * self.steps, "hits": []}
        state: dict[str, Any] = self._group(group, fresh)
        starts: list[float | None] = state["starts"]
        horizon = hit[0] - self.span
        for j, start in enumerate(starts):
            if start is not None and start < horizon:
                starts[j] = None
        if step == 0:
            starts[0] = hit[0]
        else:
            before = starts[step - 1]
            if before is None:
                return None  # out of order: this step's event starts nothing
            current = starts[step]
            starts[step] = before if current is None else max(current, before)
        _add(state["hits"], hit)
        state["hits"] = _trim(state["hits"], horizon)[-MAX_EVENT_IDS:]
        if starts[-1] is not None:
            fired = Fired(group, list(state["hits"]), len(state["hits"]))
            self.groups[group] = {"starts": [None] * self.steps, "hits": []}
            return fired
        return None

    def _latest(self, state: Any) -> float:
        return max((h[0] for h in state["hits"]), default=0.0)

    def _load(self, value: Any) -> Any:
        return {
            "starts": [None if s is None else float(s) for s in value["starts"]],
            "hits": _hits(value["hits"]),
        }


KINDS: dict[str, type[Window]] = {
    "event_count": EventCount,
    "value_count": ValueCount,
    "temporal": Temporal,
    "temporal_ordered": TemporalOrdered,
}
