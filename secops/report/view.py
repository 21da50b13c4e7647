"""What a report says, as plain data: one model behind the HTML, PDF, JSON and JUnit writers.

:func:`build_view` joins an audit's results with the control catalog (titles, clauses,
requirements, remediation) in one language. What a check said (its message, the tool's words in
its evidence) is said in that language too, from the message keys results.json keeps beside the
English (older results without them show their English). Every string that came from a host
passes through :func:`clean` first, so no writer meets a lone surrogate; how control characters
are shown is each writer's business (JSON keeps them, HTML and XML make them visible).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime

from secops.audit.messages import Part, say
from secops.audit.results import (
    STATUSES,
    VERDICTS,
    AuditRun,
    CheckResult,
    Evidence,
    HostResult,
    describe_error,
)
from secops.catalog.model import Catalog, Check, Control
from secops.i18n import Lang
from secops.report.labels import label

# kept as they are when shown: line structure is part of a value like a config excerpt
_KEEP = frozenset("\n\t")


def clean(value: str) -> str:
    """``value`` with lone surrogates (undecodable bytes) replaced by U+FFFD, so it encodes."""
    if value.isascii() or not any(_surrogate(ch) for ch in value):
        return value
    return "".join("\ufffd" if _surrogate(ch) else ch for ch in value)


def _surrogate(ch: str) -> bool:
    return "\ud800" <= ch <= "\udfff"


def printable(value: str) -> str:
    """``value`` with control and format characters written as ``\\xNN``/``\\uNNNN``.

    Hostile evidence can carry terminal escapes, NULs that XML cannot hold, or bidi overrides
    that reorder what a reader sees; an assessor should see that they are there.
    """
    # isprintable() is False for every Cc, Cf and Cs character (and for some harmless ones,
    # e.g. a newline or a non-ASCII space): when True there is nothing to show
    if value.isprintable() or all(
        ch in _KEEP or unicodedata.category(ch) not in ("Cc", "Cf", "Cs") for ch in value
    ):
        return value
    return "".join(_visible(ch) for ch in value)


def _visible(ch: str) -> str:
    if ch in _KEEP:
        return ch
    category = unicodedata.category(ch)
    if category == "Cs":
        return "\ufffd"
    if category in ("Cc", "Cf"):
        code = ord(ch)
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
    return ch


@dataclass
class EvidenceView:
    """One observation in the report's language; ``recorded`` is it as results.json keeps it
    (English, with its message keys): what the JSON report gives other tools."""

    seen: str
    source: str
    expected: str
    recorded: Evidence


@dataclass
class CheckView:
    """One check's result on one host, with what the catalog says about the check."""

    id: str
    title: str
    status: str
    status_label: str
    severity: str
    evidence: list[EvidenceView]
    message: str  # in the report's language
    remediation: str
    known: bool  # false when the loaded catalog has no such check
    # the message as results.json keeps it (English, key, fields): for the JSON report
    message_en: str = ""
    message_key: str = ""
    message_fields: dict[str, Part] = field(default_factory=dict)


@dataclass
class PartialReason:
    """A passing check that is only partial evidence, and why (the catalog's words)."""

    check_id: str
    title: str
    reason: str


@dataclass
class HostVerdict:
    host: str
    verdict: str  # a VERDICTS code, or "none" when the host did not judge the control
    label: str
    checks: list[CheckView]
    # why a verdict is capped at partial although its checks pass (empty otherwise)
    reasons: list[PartialReason] = field(default_factory=list)


@dataclass
class ControlView:
    """One control: what it asks and its verdict on each audited host."""

    id: str
    area: str
    family: str
    title: str
    requirement: str
    clause: str
    kind: str
    evidence_required: str  # manual controls: what the assessor attaches
    known: bool
    verdicts: list[HostVerdict]

    def verdict_on(self, host: str) -> HostVerdict | None:
        """The verdict on ``host``, if that host judged this control."""
        return next((v for v in self.verdicts if v.host == host), None)


@dataclass
class HostView:
    name: str
    address: str
    reachable: bool
    error: str
    os: str
    as_root: bool
    started: str
    seconds: float
    score: float | None
    statuses: dict[str, int]
    verdicts: dict[str, int]


@dataclass
class HostFinding:
    """What one host showed for a check that failed or could not be judged there."""

    host: str
    evidence: list[EvidenceView]
    message: str  # in the report's language
    message_en: str = ""  # as results.json keeps it, with its key and fields
    message_key: str = ""
    message_fields: dict[str, Part] = field(default_factory=dict)


@dataclass
class Finding:
    """A check that failed (or errored) on at least one host."""

    id: str
    title: str
    severity: str
    status: str
    controls: list[str]
    remediation: str
    hosts: list[HostFinding]


@dataclass
class ManualItem:
    """A control left to the assessor, with the evidence to attach and the hosts it concerns."""

    id: str
    clause: str
    title: str
    requirement: str
    evidence_required: str
    hosts: list[str]


@dataclass
class BundleSummary:
    """The evidence bundle beside the results, as verified when the report was built."""

    file: str
    ok: bool  # chain, signature by a trusted key and verdicts all hold
    records: int
    head_sha256: str
    head_sm3: str
    problem: str  # empty when ok, else every problem found
    signer: str = ""
    signed_at: str = ""
    key_fingerprint: str = ""
    public_key: str = ""


@dataclass
class Totals:
    hosts: int
    reachable: int
    verdicts: dict[str, int]
    statuses: dict[str, int]
    manual_controls: int


@dataclass
class ReportView:
    """Everything a report shows, in one language."""

    lang: Lang
    level: int
    tool_version: str
    catalog_version: str  # the audit's
    catalog_loaded: str  # the catalog titles and remediation come from
    started: str
    finished: str
    inventory: str
    generated: str
    fleet_score: float | None
    totals: Totals
    hosts: list[HostView]
    controls: list[ControlView]
    failed: list[Finding]
    errors: list[Finding]
    manual: list[ManualItem]
    bundle: BundleSummary | None = None
    unreachable: list[HostView] = field(default_factory=list)

    @property
    def catalog_matches(self) -> bool:
        return self.catalog_version == self.catalog_loaded


def build_view(
    run: AuditRun,
    catalog: Catalog,
    lang: Lang,
    *,
    bundle: BundleSummary | None = None,
    now: datetime | None = None,
) -> ReportView:
    """The report of ``run`` in ``lang``, with the catalog's words for every id."""
    hosts = [_host_view(h, lang) for h in run.hosts]
    controls = _control_views(run, catalog, lang)
    return ReportView(
        lang=lang,
        level=run.level,
        tool_version=clean(run.tool_version),
        catalog_version=clean(run.catalog_version),
        catalog_loaded=catalog.version,
        started=clean(run.started),
        finished=clean(run.finished),
        inventory=clean(run.inventory),
        generated=(now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        fleet_score=run.fleet_score,
        totals=_totals(run, catalog),
        hosts=hosts,
        controls=controls,
        failed=_findings(run, catalog, lang, "fail"),
        errors=_findings(run, catalog, lang, "error"),
        manual=_manual_items(run, catalog, controls),
        bundle=bundle,
        unreachable=[h for h in hosts if not h.reachable],
    )


def _host_view(host: HostResult, lang: Lang) -> HostView:
    verdicts: dict[str, int] = dict.fromkeys(VERDICTS, 0)
    for control in host.controls:
        verdicts[control.verdict] += 1
    return HostView(
        name=clean(host.name),
        address=clean(host.address),
        reachable=host.reachable,
        # said in the report's language when the run kept the message's key
        error=clean(
            describe_error(lang, host.error_key, host.error_fields)
            if host.error_key
            else host.error
        ),
        os=clean(host.os),
        as_root=host.as_root,
        started=clean(host.started),
        seconds=host.seconds,
        score=host.score,
        statuses=host.counts(),
        verdicts=verdicts,
    )


def _totals(run: AuditRun, catalog: Catalog) -> Totals:
    verdicts: dict[str, int] = dict.fromkeys(VERDICTS, 0)
    statuses: dict[str, int] = dict.fromkeys(STATUSES, 0)
    for host in run.hosts:
        for control in host.controls:
            verdicts[control.verdict] += 1
        for status, count in host.counts().items():
            statuses[status] += count
    manual = sum(1 for c in catalog.controls_at(run.level, scope="host") if c.kind == "manual")
    return Totals(
        hosts=len(run.hosts),
        reachable=sum(1 for h in run.hosts if h.reachable),
        verdicts=verdicts,
        statuses=statuses,
        manual_controls=manual,
    )


def _control_ids(run: AuditRun, catalog: Catalog) -> list[str]:
    """The level's controls in catalog order, then any the results name that the catalog lacks."""
    ids = [c.id for c in catalog.controls_at(run.level, scope="host")]
    seen = set(ids)
    for host in run.hosts:
        for result in host.controls:
            if result.control_id not in seen:
                seen.add(result.control_id)
                ids.append(result.control_id)
    return ids


def _control_views(run: AuditRun, catalog: Catalog, lang: Lang) -> list[ControlView]:
    views = []
    for control_id in _control_ids(run, catalog):
        control = catalog.controls.get(control_id)
        verdicts = [
            _host_verdict(host, control_id, catalog, run.level, lang)
            for host in run.hosts
            if host.reachable
        ]
        views.append(_control_view(control_id, control, run.level, lang, verdicts))
    return views


def _control_view(
    control_id: str, control: Control | None, level: int, lang: Lang, verdicts: list[HostVerdict]
) -> ControlView:
    if control is None:
        unknown = label("unknown_to_catalog", lang)
        return ControlView(
            clean(control_id), "", "", unknown, "", "", "automated", "", False, verdicts
        )
    return ControlView(
        id=control.id,
        area=control.area.get(lang),
        family=control.family.get(lang),
        title=control.title.get(lang),
        requirement=control.requirement.get(lang),
        clause=control.clauses.get(level, ""),
        kind=control.kind,
        evidence_required=control.evidence.get(lang) if control.evidence else "",
        known=True,
        verdicts=verdicts,
    )


def _host_verdict(
    host: HostResult, control_id: str, catalog: Catalog, level: int, lang: Lang
) -> HostVerdict:
    result = next((c for c in host.controls if c.control_id == control_id), None)
    by_id = {c.check_id: c for c in host.checks}
    if result is None:
        return HostVerdict(clean(host.name), "none", label("verdict.none", lang), [])
    # the checks that decided the verdict; older results may leave the list empty
    ids = result.checks or [c.id for c in catalog.checks_of(control_id, level)]
    checks = [_check_view(by_id[i], catalog.checks.get(i), lang) for i in ids if i in by_id]
    return HostVerdict(
        clean(host.name),
        result.verdict,
        label(f"verdict.{result.verdict}", lang),
        checks,
        [_partial_reason(i, catalog.checks.get(i), lang) for i in result.reasons],
    )


def _partial_reason(check_id: str, check: Check | None, lang: Lang) -> PartialReason:
    if check is None:
        unknown = label("unknown_to_catalog", lang)
        return PartialReason(clean(check_id), unknown, unknown)
    why = check.partial_evidence.get(lang) if check.partial_evidence else ""
    return PartialReason(clean(check_id), check.title.get(lang), why)


def said(lang: Lang, text: str, key: str, fields: dict[str, Part]) -> str:
    """What a check said, in ``lang`` when its message key was kept, else as it was kept."""
    return clean(say(lang, key, fields, text) if key else text)


def evidence_view(found: Evidence, lang: Lang) -> EvidenceView:
    """One observation, the tool's words in ``lang`` and the host's as they were found."""
    return EvidenceView(
        said(lang, found.seen, found.seen_key, found.seen_fields),
        said(lang, found.source, found.source_key, found.source_fields),
        said(lang, found.expected, found.expected_key, found.expected_fields),
        found,
    )


def _check_view(result: CheckResult, check: Check | None, lang: Lang) -> CheckView:
    return CheckView(
        id=clean(result.check_id),
        title=check.title.get(lang) if check else label("unknown_to_catalog", lang),
        status=result.status,
        status_label=label(f"status.{result.status}", lang),
        severity=check.severity if check else "",
        evidence=[evidence_view(e, lang) for e in result.evidence],
        message=said(lang, result.message, result.message_key, result.message_fields),
        remediation=check.remediation.get(lang) if check else "",
        known=check is not None,
        message_en=clean(result.message),
        message_key=result.message_key,
        message_fields=result.message_fields,
    )


def _findings(run: AuditRun, catalog: Catalog, lang: Lang, status: str) -> list[Finding]:
    """Checks in ``status`` on at least one host, in catalog order, each with its hosts."""
    found: dict[str, Finding] = {}
    for host in run.hosts:
        for result in host.checks:
            if result.status != status:
                continue
            check = catalog.checks.get(result.check_id)
            if result.check_id not in found:
                view = _check_view(result, check, lang)
                found[result.check_id] = Finding(
                    view.id,
                    view.title,
                    view.severity,
                    status,
                    list(check.controls) if check else [],
                    view.remediation,
                    [],
                )
            view = _check_view(result, check, lang)
            found[result.check_id].hosts.append(
                HostFinding(
                    clean(host.name),
                    view.evidence,
                    view.message,
                    view.message_en,
                    view.message_key,
                    view.message_fields,
                )
            )
    order = {check_id: i for i, check_id in enumerate(catalog.checks)}
    severity = {"high": 0, "medium": 1, "low": 2}
    return sorted(
        found.values(),
        key=lambda f: (severity.get(f.severity, 3), order.get(f.id, len(order)), f.id),
    )


def _manual_items(run: AuditRun, catalog: Catalog, controls: list[ControlView]) -> list[ManualItem]:
    """Manual controls of the level, and any control a host left for manual review."""
    items = []
    reachable = [clean(h.name) for h in run.hosts if h.reachable]
    for view in controls:
        control = catalog.controls.get(view.id)
        pending = [v.host for v in view.verdicts if v.verdict == "manual"]
        if not pending and (control is None or control.kind != "manual"):
            continue
        items.append(
            ManualItem(
                id=view.id,
                clause=view.clause,
                title=view.title,
                requirement=view.requirement,
                evidence_required=view.evidence_required,
                hosts=pending or reachable,
            )
        )
    return items
