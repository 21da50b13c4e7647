"""Every metric govsec exports: name, type, labels and help, in one place.

The collectors build their families from this table, and the rules, dashboards and their
tests check their expressions against it, so a renamed metric fails the tests instead of
silently emptying a panel or an alert.

Names follow Prometheus' conventions (base units, ``_total`` for counters, ``_seconds``,
``_bytes``, ``_ratio``). Labels are bounded: host names come from the inventory or from
the hosts that send logs (capped at ``secops.ingest.pipeline.MAX_HOSTS``), never users or
addresses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["gauge", "counter"]


@dataclass(frozen=True)
class Metric:
    """One metric family as exposed (counters without their ``_total`` suffix in ``name``)."""

    name: str
    kind: Kind
    help: str
    labels: tuple[str, ...] = ()
    collector: str = ""

    @property
    def sample(self) -> str:
        """The name samples carry: counters gain ``_total``."""
        return f"{self.name}_total" if self.kind == "counter" else self.name


def _family(collector: str, *metrics: tuple[str, Kind, str, tuple[str, ...]]) -> list[Metric]:
    return [Metric(name, kind, help_, labels, collector) for name, kind, help_, labels in metrics]


METRICS: tuple[Metric, ...] = (
    *_family(
        "self",
        (
            "govsec_collector_up",
            "gauge",
            "1 when the collector read its source on this scrape, 0 when the source failed",
            ("collector",),
        ),
        (
            "govsec_collector_scrape_duration_seconds",
            "gauge",
            "time the collector took on this scrape",
            ("collector",),
        ),
        ("govsec_build_info", "gauge", "govsec's version, always 1", ("version",)),
    ),
    *_family(
        "compliance",
        (
            "govsec_compliance_score_ratio",
            "gauge",
            "share of automated checks judged that passed in the newest audit of the host"
            " at the level (0-1)",
            ("host", "level"),
        ),
        (
            "govsec_compliance_checks",
            "gauge",
            "checks of the newest audit per MLPS area and status (pass, fail, na, error, manual)",
            ("host", "level", "area", "status"),
        ),
        (
            "govsec_compliance_check_passed",
            "gauge",
            "1 when the check passed in the newest audit, 0 when it failed (other statuses absent)",
            ("host", "level", "check", "area"),
        ),
        (
            "govsec_compliance_last_audit_timestamp_seconds",
            "gauge",
            "when the newest audit of the host at the level finished (Unix time)",
            ("host", "level"),
        ),
        (
            "govsec_compliance_host_reachable",
            "gauge",
            "1 when the newest audit reached the host, 0 when it could not",
            ("host", "level"),
        ),
        (
            "govsec_compliance_audit_files_invalid",
            "gauge",
            "results.json files under the audit folder that could not be read",
            (),
        ),
        (
            "govsec_compliance_audit_files_unverified",
            "gauge",
            "results.json files left out because they do not match their signed evidence"
            " (edited, unsigned, signed by an untrusted key)",
            (),
        ),
    ),
    *_family(
        "harden",
        (
            "govsec_harden_last_run_timestamp_seconds",
            "gauge",
            "when the newest hardening run (not --check) on the host finished (Unix time)",
            ("host", "level"),
        ),
        (
            "govsec_harden_last_run_success",
            "gauge",
            "1 when the newest hardening run on the host had no failed task and reached it",
            ("host", "level"),
        ),
        (
            "govsec_harden_last_run_tasks",
            "gauge",
            "tasks of the newest hardening run on the host per outcome (ok, changed, failed,"
            " skipped)",
            ("host", "outcome"),
        ),
        (
            "govsec_harden_drift_tasks",
            "gauge",
            "tasks the newest --check run would change on the host: drift from the baseline",
            ("host", "level"),
        ),
        (
            "govsec_harden_last_check_timestamp_seconds",
            "gauge",
            "when the newest --check run on the host finished (Unix time)",
            ("host", "level"),
        ),
    ),
    *_family(
        "siem",
        (
            "govsec_siem_listener_up",
            "gauge",
            "1 when a govsec siem listen wrote its status in the last 30 s and is running",
            (),
        ),
        (
            "govsec_siem_lines",
            "counter",
            "lines the listener received (since it started)",
            (),
        ),
        (
            "govsec_siem_events_ingested",
            "counter",
            "events the listener parsed, per event.dataset (since it started)",
            ("dataset",),
        ),
        (
            "govsec_siem_unparsed_lines",
            "counter",
            "lines no parser recognised, kept as dataset unparsed (since the listener started)",
            (),
        ),
        (
            "govsec_siem_quarantined_lines",
            "counter",
            "lines the store refused, kept in quarantine, per reason (since it started)",
            ("reason",),
        ),
        (
            "govsec_siem_store_errors",
            "counter",
            "times the listener found the store unavailable and retried (since it started)",
            (),
        ),
        (
            "govsec_siem_auth_failures",
            "counter",
            "authentication events with outcome failure the listener parsed (since it started)",
            (),
        ),
        (
            "govsec_siem_spool_events",
            "gauge",
            "events waiting in the disk spool for an unreachable Elasticsearch",
            (),
        ),
        (
            "govsec_siem_host_last_event_timestamp_seconds",
            "gauge",
            "when the listener last received a line from the host (Unix time, listener clock)",
            ("host",),
        ),
        (
            "govsec_siem_hosts_dropped",
            "counter",
            "events from hosts not tracked per host because the cap of hosts was reached",
            (),
        ),
        (
            "govsec_siem_store_up",
            "gauge",
            "1 when the event store answered this scrape",
            (),
        ),
        (
            "govsec_siem_events_stored",
            "gauge",
            "events in the store per event.dataset",
            ("dataset",),
        ),
        ("govsec_siem_store_size_bytes", "gauge", "size of the event store on disk", ()),
        (
            "govsec_siem_newest_event_timestamp_seconds",
            "gauge",
            "@timestamp of the newest stored event (Unix time)",
            (),
        ),
    ),
    *_family(
        "detect",
        (
            "govsec_alerts_open",
            "gauge",
            "alerts not closed (open or acknowledged), per severity",
            ("severity", "status"),
        ),
        (
            "govsec_alerts_outbox_pending",
            "gauge",
            "alert notifications waiting for Alertmanager (queued or retrying)",
            (),
        ),
        (
            "govsec_detect_lag_events",
            "gauge",
            "stored events detection has not processed yet",
            (),
        ),
        (
            "govsec_detect_lag_seconds",
            "gauge",
            "@timestamp of the newest stored event minus that of the last one detection"
            " processed (0 when caught up)",
            (),
        ),
        (
            "govsec_detect_rules_loaded",
            "gauge",
            "rules and correlations the last detect run loaded",
            (),
        ),
        (
            "govsec_detect_rule_errors",
            "gauge",
            "rule files or rules the last detect run could not load",
            (),
        ),
        (
            "govsec_detect_last_run_timestamp_seconds",
            "gauge",
            "when detect run last processed a batch or checked for one (Unix time)",
            (),
        ),
    ),
    *_family(
        "notify",
        (
            "govsec_notifications_received",
            "counter",
            "alert notifications the webhook recorded, per status (firing, resolved);"
            " replays not counted",
            ("status",),
        ),
        (
            "govsec_notifications_replays",
            "counter",
            "notifications the webhook received again and ignored (same group and fingerprint)",
            (),
        ),
        (
            "govsec_notifications_forward_failures",
            "counter",
            "failed attempts to forward a notification downstream, per forwarder",
            ("forwarder",),
        ),
        (
            "govsec_notifications_forward_pending",
            "gauge",
            "recorded notifications not yet forwarded (Alertmanager will retry them)",
            ("forwarder",),
        ),
    ),
)

BY_NAME: dict[str, Metric] = {metric.name: metric for metric in METRICS}
SAMPLE_NAMES: frozenset[str] = frozenset(metric.sample for metric in METRICS)
COLLECTORS: tuple[str, ...] = ("compliance", "harden", "siem", "detect", "notify")
