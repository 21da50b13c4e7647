"""The evidence an assessment joins: host audits, the cloud check, govsec's own operations.

Each source is read once and summarised as plain data with its digests, so the assessment can
cite it (the audit bundle's record, the topology's SM3) and sign what it relied on.

- **Host audits**: the newest audit of each host among the folders ``system.yaml`` names. An
  audit counts only when its evidence verifies (chain, SM2 signature by a trusted key, and
  results.json equal to the verdicts the signed chain holds); otherwise the assessment refuses,
  or with ``allow_unverified`` uses it and marks every verdict taken from it.
- **The cloud check**: the landing-zone topology planned under Pulumi's mocks and checked by
  every policy of :mod:`infra.policies`; a policy the provider cannot offer (OpenStack has no
  flow logs, no managed audit trail, ...) is *unavailable*, which is not the same as passing.
- **Operations**: the Prometheus rules and Alertmanager routing govsec ships and runs
  (集中监测), the detection rules and their routing (安全事件识别、报警和分析), and the SIEM's
  log retention (≥ 180 days, Cybersecurity Law art. 21).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from secops.assess.labels import alabel
from secops.audit.results import AuditRun, HostResult
from secops.errors import GovsecError
from secops.report.build import RESULTS_NAME, bundle_beside, load_results
from secops.report.bundle import digests
from secops.report.evidence import check_evidence

RETENTION_DAYS = 180  # Cybersecurity Law art. 21(3): network logs kept at least six months


class SourceError(GovsecError):
    """Evidence the assessment cannot use."""


# -- host audits ---------------------------------------------------------------------------------


@dataclass
class AuditSource:
    """One audit run the assessment read: where, whether its evidence holds, its digests."""

    folder: Path
    run: AuditRun
    verified: bool
    problems: list[str]
    signer: str
    key_fingerprint: str
    head_sm3: str
    results: dict[str, str]  # digests of results.json
    verdict_seqs: dict[str, int]  # host -> seq of its verdicts record in the audit's bundle


@dataclass
class HostEvidence:
    """The newest audit of one host."""

    host: HostResult
    audit: AuditSource


def audit_folders(paths: list[Path]) -> list[Path]:
    """Every folder holding a results.json among ``paths`` and their sub-folders (sorted)."""
    found: set[Path] = set()
    for path in paths:
        if not path.is_dir():
            raise SourceError(alabel("error.no_audits", path=path))
        if (path / RESULTS_NAME).is_file():
            found.add(path)
        found.update(p.parent for p in path.rglob(RESULTS_NAME))
    if not found:
        raise SourceError(alabel("error.no_audits", path=", ".join(str(p) for p in paths)))
    return sorted(found)


def read_audits(
    paths: list[Path], trusted: dict[str, str], allow_unverified: bool
) -> tuple[list[AuditSource], dict[str, HostEvidence]]:
    """Every audit under ``paths``, checked; and per host the newest one that reached it."""
    sources: list[AuditSource] = []
    for folder in audit_folders(paths):
        results = folder / RESULTS_NAME
        run = load_results(results)
        check = check_evidence(bundle_beside(results), trusted, results)
        if not check.ok and not allow_unverified:
            raise SourceError(
                alabel("error.audit_unverified", path=folder, problem="; ".join(check.problems)),
            )
        sources.append(
            AuditSource(
                folder,
                run,
                check.ok,
                list(check.problems),
                check.signer,
                check.key_fingerprint,
                check.chain.head_sm3,
                digests(results.read_bytes()),
                check.verdict_seqs,
            )
        )
    newest: dict[str, HostEvidence] = {}
    # verified audits before unverified ones, then the newest: an edited file never wins
    for source in sorted(sources, key=lambda s: (s.verified, s.run.finished or s.run.started)):
        for host in source.run.hosts:
            if host.reachable or host.name not in newest:
                newest[host.name] = HostEvidence(host, source)
    return sources, newest


# -- the cloud check -----------------------------------------------------------------------------


@dataclass
class PolicyOutcome:
    id: str
    control: str
    title: str
    title_zh: str
    status: str  # passed | violated | unavailable
    violations: list[str] = field(default_factory=list)  # "resource: message", at most a few


@dataclass
class CloudSource:
    topology: Path
    provider: str
    resources: int
    digests: dict[str, str]
    policies: list[PolicyOutcome]

    def of(self, control: str) -> list[PolicyOutcome]:
        return [p for p in self.policies if p.control == control]


def check_cloud(topology: Path, provider: str) -> CloudSource:
    """Plan ``topology`` on ``provider`` under Pulumi's mocks and run every cloud policy."""
    from infra.plan import plan
    from infra.policies import POLICIES, evaluate
    from infra.topology import load

    try:
        data = topology.read_bytes()
    except OSError as exc:
        raise SourceError(alabel("error.read", path=topology, problem=exc.strerror)) from exc
    planned = plan(load(topology), provider)
    violations = evaluate(planned)
    outcomes = []
    for policy in POLICIES:
        found = [v for v in violations if v.policy == policy.id]
        if planned.provider not in policy.providers:
            status = "unavailable"
        else:
            status = "violated" if found else "passed"
        shown = [f"{v.resource or '-'}: {v.message}" for v in found[:3]]
        outcomes.append(
            PolicyOutcome(policy.id, policy.control, policy.title, policy.title_zh, status, shown)
        )
    return CloudSource(topology, planned.provider, len(planned.resources), digests(data), outcomes)


# -- operations ----------------------------------------------------------------------------------


@dataclass
class OperationsFact:
    """One thing govsec's operations evidence says about an item, with what it looked at."""

    item: str  # catalog id
    met: bool | None  # None: partly
    key: str  # label key of the finding (secops.assess.labels), with fields
    fields: dict[str, Any]
    digests: dict[str, str]


def check_operations(
    rules: Path, alertmanager: Path, detection: Path, retention_days: int
) -> list[OperationsFact]:
    """集中管控 c (running state watched), d (logs kept 180 days), f (events detected, routed)."""
    alerts, rule_digest = _prometheus_alerts(rules)
    routes, am_digest = _alert_routes(alertmanager)
    sigma, sigma_digest = _sigma_rules(detection)
    watched = sorted(alerts & {"NodeDown", "GovsecExporterDown", "SiemListenerDown"})
    routed = bool(routes)
    facts = [
        OperationsFact(
            "mc.cm.c",
            True if watched and routed else None if watched or routed else False,
            "ops.monitoring",
            {"alerts": len(alerts), "watched": ", ".join(watched) or "-", "routes": len(routes)},
            {"rules": rule_digest, "alertmanager": am_digest},
        ),
        OperationsFact(
            "mc.cm.d",
            retention_days >= RETENTION_DAYS,
            "ops.retention",
            {"days": retention_days, "required": RETENTION_DAYS},
            {},
        ),
        OperationsFact(
            "mc.cm.f",
            True if sigma and "critical" in routes else None if sigma or routes else False,
            "ops.detection",
            {"rules": sigma, "routes": ", ".join(sorted(routes)) or "-"},
            {"sigma": sigma_digest, "alertmanager": am_digest},
        ),
    ]
    return facts


def _prometheus_alerts(folder: Path) -> tuple[set[str], str]:
    names: set[str] = set()
    hashed = hashlib.sha256()
    for path in sorted(folder.glob("*.yml")) if folder.is_dir() else []:
        raw = _yaml(path)
        hashed.update(path.name.encode() + b"\0" + path.read_bytes())
        for group in raw.get("groups", []) if isinstance(raw, dict) else []:
            for rule in group.get("rules", []) if isinstance(group, dict) else []:
                if isinstance(rule, dict) and isinstance(rule.get("alert"), str):
                    names.add(rule["alert"])
    return names, hashed.hexdigest()


def _alert_routes(path: Path) -> tuple[set[str], str]:
    """The severities Alertmanager routes to a receiver ("any" for a catch-all root)."""
    if not path.is_file():
        return set(), ""
    raw = _yaml(path)
    severities: set[str] = set()
    route = raw.get("route") if isinstance(raw, dict) else None
    if isinstance(route, dict) and route.get("receiver"):
        severities.add("any")
    stack = list(route.get("routes", [])) if isinstance(route, dict) else []
    while stack:
        child = stack.pop()
        if not isinstance(child, dict):
            continue
        stack.extend(child.get("routes", []) or [])
        if not child.get("receiver"):
            continue
        for matcher in child.get("matchers", []) or []:
            text = str(matcher).replace(" ", "")
            if text.startswith("severity="):
                severities.update(text.split("=", 1)[1].strip("\"'~").split("|"))
    return severities, hashlib.sha256(path.read_bytes()).hexdigest()


def _sigma_rules(folder: Path) -> tuple[int, str]:
    count = 0
    hashed = hashlib.sha256()
    for path in sorted(folder.rglob("*.yml")) if folder.is_dir() else []:
        hashed.update(path.name.encode() + b"\0" + path.read_bytes())
        # a file may hold several documents: a rule and the correlation built on it
        for document in _yaml(path, every=True):
            if isinstance(document, dict) and (
                "detection" in document or "correlation" in document
            ):
                count += 1
    return count, hashed.hexdigest()


def _yaml(path: Path, every: bool = False) -> Any:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        data = path.read_bytes()
        if every:
            return list(yaml.load_all(data, Loader=loader))
        return yaml.load(data, Loader=loader)  # noqa: S506 - a safe loader
    except OSError as exc:
        raise SourceError(alabel("error.read", path=path, problem=exc.strerror)) from exc
    except yaml.YAMLError as exc:
        raise SourceError(alabel("error.yaml", path=path, problem=exc)) from exc
