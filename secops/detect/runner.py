"""``govsec detect run``: the rules over the stored events, alerts recorded, exactly once.

The runner reads the SQLite store in the order events were stored (``seq``), a batch at a
time. For each batch, in **one** transaction on the same file: the alerts its detections
raise or update, the correlation windows, and the position of the last event read. A crash
or a kill anywhere replays at most the batch whose transaction did not commit, from the
windows as they were before it — so a correlation begun before a restart completes after
it, and no alert is raised twice.

Without ``since``, a run goes on from the saved position (the first run: the start of the
store). With ``since``, it is a one-off scan of events stored with a ``@timestamp`` from then
on, with fresh windows, leaving the saved position and windows alone — to try a new rule on
last week's logs; its alerts merge into live ones as any detection does.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson

from secops.alerts.model import dedup_key
from secops.alerts.store import AlertStore
from secops.detect.engine import Engine, RuleSet
from secops.detect.model import Detection
from secops.store.base import StoreError
from secops.store.sqlite import SqliteStore

BATCH = 5000
POLL = 0.2  # seconds between looks at the store when it has nothing new (--follow)
POSITION_KEY = "detect.position"
WINDOWS_KEY = "detect.windows"
# what the exporter shows of detection: {"rules": n, "problems": n, "updated": Unix time}
STATUS_KEY = "detect.status"


@dataclass
class RunReport:
    events: int = 0
    detections: int = 0
    alerts_new: int = 0
    alerts_updated: int = 0
    position: int = 0
    groups: int = 0
    evicted: int = 0
    malformed: int = 0
    seconds: float = 0.0


class Runner:
    """One detection loop over one store."""

    def __init__(
        self,
        store: SqliteStore,
        alerts: AlertStore,
        ruleset: RuleSet,
        *,
        since: datetime | None = None,
        batch: int = BATCH,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self.alerts = alerts
        self.ruleset = ruleset
        self.since = since
        self.batch = batch
        self.now = now
        self.persist = since is None
        self.report = RunReport()
        self._held: dict[str, Detection] = {}  # alert key -> the batch's detections, folded
        self._load()

    def _load(self) -> None:
        """Position and windows as last committed (fresh ones for a --since scan)."""
        if self.persist:
            saved = self.alerts.load_state(POSITION_KEY)
            self.position = int(saved.decode()) if saved else 0
            self.engine = Engine(self.ruleset, self.alerts.load_state(WINDOWS_KEY))
        else:
            self.position = 0
            self.engine = Engine(self.ruleset)

    def _hold(self, detection: Detection, now: datetime) -> None:
        """Fold a detection into the batch's earlier one of the same alert key, when the
        alert would merge them anyway (within the rule's suppression window): a noisy rule's
        thousand firings in a batch cost one alert update, not a thousand."""
        key = dedup_key(detection.rule.id, detection.host, detection.group)
        held = self._held.get(key)
        if held is not None and detection.near(
            held.first_seen, held.last_seen, detection.rule.suppress
        ):
            held.fold(detection)
            return
        if held is not None:
            self._record(held, now)
        self._held[key] = detection

    def _flush(self, now: datetime) -> None:
        for detection in self._held.values():
            self._record(detection, now)
        self._held.clear()

    def _record(self, detection: Detection, now: datetime) -> None:
        _, created = self.alerts.record(detection, now)
        if created:
            self.report.alerts_new += 1
        else:
            self.report.alerts_updated += 1

    def step(self) -> int:
        """Read and judge one batch; the number of events it held (0: nothing new)."""
        rows = self.store.read_after(self.position, self.batch, since=self.since)
        if not rows:
            return 0
        report = self.report
        try:
            with self.alerts.transaction():
                now = self.now()
                for _, doc in rows:
                    try:
                        event = orjson.loads(doc)
                    except orjson.JSONDecodeError:
                        report.malformed += 1  # cannot happen through put(); counted if it does
                        continue
                    for detection in self.engine.process(event):
                        report.detections += 1
                        self._hold(detection, now)
                self._flush(now)
                if self.persist:
                    self.alerts.save_state(WINDOWS_KEY, self.engine.state())
                    self.alerts.save_state(POSITION_KEY, str(rows[-1][0]).encode())
        except BaseException:
            self._held.clear()
            self._load()  # the windows in memory went past what was committed
            raise
        self.position = rows[-1][0]
        report.events += len(rows)
        report.position = self.position
        report.groups = self.engine.groups()
        report.evicted = self.engine.evicted()
        return len(rows)

    def run(
        self,
        *,
        follow: bool = False,
        stop: threading.Event | None = None,
        on_batch: Callable[[RunReport], None] | None = None,
    ) -> RunReport:
        """Every event after the position; with ``follow``, then new ones until ``stop``."""
        stop = stop or threading.Event()
        started = time.perf_counter()
        while not stop.is_set():
            try:
                n = self.step()
            except StoreError:
                if not follow:
                    raise
                stop.wait(1.0)  # the store is busy or gone for a moment: try again
                continue
            if n and on_batch is not None:
                on_batch(self.report)
            if n < self.batch:
                if not follow:
                    break
                stop.wait(POLL)
        self.report.seconds = time.perf_counter() - started
        return self.report
