"""Verdicts per requirement item and assessment object, by documented rules (docs/assess.md).

Every item of the system's level is judged on every object of the system whose kind the item
applies to (the catalog's ``targets``), by the first way of evidencing it that the object has:

==========================  =======================================================================
object                      evidence, in order
==========================  =======================================================================
a host of the inventory     its newest verified audit (the control's verdict over its checks); a
                            control the audit leaves to manual review goes to the questionnaire
the cloud tenant            the cloud policies carrying the item's id, on the planned landing zone
govsec's own platform       operations evidence (集中管控 c, d, f)
any object                  the questionnaire (an answer for that object, else one for all)
==========================  =======================================================================

Verdicts: 符合 compliant, 部分符合 partial, 不符合 noncompliant, 不适用 na (with the reason),
and *open* (待核查) where the evidence is missing — an open cell never counts as passing.

- A cloud policy the provider cannot offer is not 不适用: the requirement still applies. The
  cell is 不符合 (none of the item's policies could be checked) or 部分符合 (some passed), and
  asks for the alternative evidence, unless the questionnaire supplies it.
- A questionnaire answer of 符合 without an attachment is capped at 部分符合.
- An item whose kinds match no object of the system is 不适用 "no such object in scope".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from secops.assess.questionnaire import Questionnaire
from secops.assess.sources import CloudSource, HostEvidence, OperationsFact, PolicyOutcome
from secops.audit.results import HostResult, describe_error
from secops.catalog.model import Catalog, Control, Localized

SCORES = {"compliant": 1.0, "partial": 0.5, "noncompliant": 0.0, "open": 0.0}
VERDICTS = ("compliant", "partial", "noncompliant", "na", "open")
_SEVERITY_RANK = {"high": 0, "medium": 1, "low": 2, "": 3}

OPERATIONS_TARGET = "govsec"  # the name of govsec's own platform among the objects


@dataclass(frozen=True)
class Target:
    """One assessment object (测评对象)."""

    kind: str  # a catalog TargetKind
    name: str
    shown: Localized  # how the report names it
    source: str  # inventory | topology | listed | operations


@dataclass
class Said:
    """A sentence of the report catalog (secops.assess.labels) and its fields.

    A field may be a :class:`Localized` text; it is shown in the report's language.
    """

    key: str
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass
class Cell:
    """One item on one object: the verdict, how it was reached, what it cites."""

    target: str
    verdict: str
    way: str  # checks | cloud | operations | questionnaire | none
    reason: Said
    evidence: list[str] = field(default_factory=list)  # citations into the evidence
    failing: list[str] = field(default_factory=list)  # failing check / policy ids
    severity: str = ""  # the worst severity behind a failing cell: high | medium | low
    unverified: bool = False  # decided from an audit whose evidence did not verify

    @property
    def score(self) -> float | None:
        return SCORES.get(self.verdict)


@dataclass
class ItemResult:
    control: Control
    cells: list[Cell]
    verdict: str
    score: float | None  # the mean over objects (na excluded); None when all are na

    @property
    def id(self) -> str:
        return self.control.id


@dataclass
class Evidence:
    """Everything the judging reads."""

    catalog: Catalog
    level: int
    hosts: dict[str, HostEvidence]
    cloud: CloudSource | None
    operations: list[OperationsFact]
    questionnaire: Questionnaire


def judge_items(evidence: Evidence, targets: list[Target]) -> list[ItemResult]:
    """Every item at the level, judged on every object it applies to, in catalog order."""
    results = []
    for control in evidence.catalog.items_at(evidence.level):
        kinds = set(control.targets)
        ways = set(control.evidenced_by)
        cells = [
            judge_cell(evidence, control, target)
            for target in targets
            # govsec's own platform answers for the items its operations data evidences
            if (target.kind in kinds and target.source != "operations")
            or (target.source == "operations" and "operations" in ways)
        ]
        if not cells:
            shown = ", ".join(control.targets)
            cells = [Cell("", "na", "none", Said("reason.no_object", {"kinds": shown}))]
        results.append(_item(control, cells))
    return results


def _item(control: Control, cells: list[Cell]) -> ItemResult:
    judged = [c for c in cells if c.verdict != "na"]
    if not judged:
        return ItemResult(control, cells, "na", None)
    verdicts = {c.verdict for c in judged}
    decided = verdicts - {"open"}
    if decided == {"compliant"} and "open" not in verdicts:
        verdict = "compliant"
    elif not decided - {"compliant"}:
        verdict = "open"  # nothing found wrong, but not every object is evidenced yet
    elif verdicts == {"noncompliant"}:
        verdict = "noncompliant"
    else:
        verdict = "partial"
    score = sum(SCORES[c.verdict] for c in judged) / len(judged)
    return ItemResult(control, cells, verdict, round(score, 4))


def judge_cell(evidence: Evidence, control: Control, target: Target) -> Cell:
    ways = control.evidenced_by
    if target.source == "operations":
        return _operations(evidence, control, target)
    if target.kind == "host" and control.scope == "host":  # audited, manual ones included
        cell = _host(evidence, control, target)
        if cell is not None:
            return cell
    if target.kind == "cloud_tenant" and "cloud" in ways and evidence.cloud is not None:
        cell = _cloud(evidence, evidence.cloud, control, target)
        if cell is not None:
            return cell
    if "questionnaire" in ways:
        return _answered(evidence.questionnaire, control, target)
    return Cell(target.name, "open", "none", Said("reason.no_way", {"kind": target.kind}))


def _host(evidence: Evidence, control: Control, target: Target) -> Cell | None:
    """The host's audit verdict for the control; None to ask the questionnaire instead."""
    found = evidence.hosts.get(target.name)
    if found is None:
        return Cell(target.name, "open", "checks", Said("reason.not_audited"))
    host, audit = found.host, found.audit
    if not host.reachable:
        return Cell(
            target.name,
            "open",
            "checks",
            Said("reason.unreachable", {"problem": _host_error(host)}),
            [f"{audit.folder.name}/results.json"],
        )
    result = next((c for c in host.controls if c.control_id == control.id), None)
    if result is None:
        return Cell(
            target.name, "open", "checks", Said("reason.not_judged", {"level": audit.run.level})
        )
    seq = audit.verdict_seqs.get(host.name)
    cite = [f"{audit.folder.name}/evidence.jsonl#{seq}" if seq else f"{audit.folder.name}"]
    statuses = {c.check_id: c for c in host.checks}
    failing = [cid for cid in result.checks if statuses.get(cid) and statuses[cid].status != "pass"]
    failing = [cid for cid in failing if statuses[cid].status in ("fail", "error")]
    if result.verdict == "manual":
        if not failing:
            return None  # the assessor's answer decides
        return _manual_but_failing(evidence, control, target, failing, cite, audit.verified)
    severity = _worst_severity(evidence.catalog, failing)
    verdict: str = result.verdict  # the audit's own: compliant, partial, noncompliant or na
    if verdict == "compliant":
        said = Said("reason.checks_pass", {"n": len(result.checks)})
    elif verdict == "na":
        said = Said("reason.checks_na")
    elif failing:
        said = Said(
            "reason.checks_fail",
            {"checks": _titles(evidence.catalog, failing), "n": len(result.checks)},
        )
    else:
        said = Said("reason.checks_partial", {"checks": _titles(evidence.catalog, result.reasons)})
        severity = severity or "low"
    return Cell(
        target.name,
        verdict,
        "checks",
        said,
        cite,
        failing,
        severity if verdict in ("partial", "noncompliant") else "",
        unverified=not audit.verified,
    )


def _manual_but_failing(
    evidence: Evidence,
    control: Control,
    target: Target,
    failing: list[str],
    cite: list[str],
    verified: bool,
) -> Cell:
    """A manual control whose supporting checks fail on the host: no answer can make it 符合.

    The audit saw what is missing (no anti-malware, no integrity baseline): the cell is
    不符合 when a failing check is essential for the control, else 部分符合 at best; an
    answer that is worse still (不符合) stands.
    """
    checks = evidence.catalog.checks
    essential = any(control.id in checks[c].essential_for for c in failing if c in checks)
    verdict = "noncompliant" if essential else "partial"
    answered = evidence.questionnaire.answer_for(control.id, target.name)
    if answered is not None and answered.answer == "noncompliant":
        verdict = "noncompliant"
    severity = _worst_severity(evidence.catalog, failing)
    return Cell(
        target.name,
        verdict,
        "checks",
        Said("reason.manual_checks_fail", {"checks": _titles(evidence.catalog, failing)}),
        cite,
        failing,
        severity or "low",
        unverified=not verified,
    )


def _cloud(evidence: Evidence, cloud: CloudSource, control: Control, target: Target) -> Cell | None:
    outcomes = cloud.of(control.id)
    if not outcomes:
        return None
    cite = [f"{cloud.topology.name} SM3:{cloud.digests['sm3'][:16]}"]
    passed = [p for p in outcomes if p.status == "passed"]
    violated = [p for p in outcomes if p.status == "violated"]
    missing = [p for p in outcomes if p.status == "unavailable"]
    ids = _policy_titles(violated + missing)
    if violated:
        verdict = "partial" if passed else "noncompliant"
        return Cell(
            target.name,
            verdict,
            "cloud",
            Said("reason.cloud_violated", {"policies": _policy_titles(violated)}),
            cite,
            [p.id for p in violated],
            "high" if any(p.control.startswith(("ab.ac", "cx.")) for p in violated) else "medium",
        )
    if missing:
        answered = evidence.questionnaire.answer_for(control.id, target.name)
        if answered is not None:
            cell = _answered(evidence.questionnaire, control, target)
            cell.reason = Said("reason.cloud_alternative", {"inner": cell.reason})
            return cell
        asked = control.evidence or control.requirement
        return Cell(
            target.name,
            "partial" if passed else "noncompliant",
            "cloud",
            Said(
                "reason.cloud_unavailable",
                {"policies": ids, "provider": cloud.provider, "asked": asked},
            ),
            cite,
            [p.id for p in missing],
            "medium",
        )
    return Cell(
        target.name,
        "compliant",
        "cloud",
        Said("reason.cloud_passed", {"policies": _policy_titles(passed)}),
        cite,
    )


def _operations(evidence: Evidence, control: Control, target: Target) -> Cell:
    fact = next((f for f in evidence.operations if f.item == control.id), None)
    if fact is None:
        if "questionnaire" in control.evidenced_by:
            return _answered(evidence.questionnaire, control, target)
        return Cell(target.name, "open", "operations", Said("reason.no_operations"))
    verdict = "compliant" if fact.met is True else "partial" if fact.met is None else "noncompliant"
    cite = [f"{name} SHA-256:{value[:16]}" for name, value in fact.digests.items() if value]
    return Cell(
        target.name,
        verdict,
        "operations",
        Said(fact.key, dict(fact.fields)),
        cite,
        [] if verdict == "compliant" else [fact.key],
        "" if verdict == "compliant" else "medium",
    )


def _answered(questionnaire: Questionnaire, control: Control, target: Target) -> Cell:
    answered = questionnaire.answer_for(control.id, target.name)
    if answered is None:
        asked = control.evidence or control.requirement
        return Cell(
            target.name, "open", "questionnaire", Said("reason.unanswered", {"asked": asked})
        )
    cite = [f"questionnaire#{answered.line}"] + [
        f"{a.path} SM3:{a.sm3[:16]}" for a in answered.attachments
    ]
    note = answered.note
    if answered.answer == "na":
        return Cell(
            target.name,
            "na",
            "questionnaire",
            Said("reason.answered_na", {"why": answered.justification}),
            cite,
        )
    if answered.answer == "compliant" and not answered.attachments:
        return Cell(
            target.name,
            "partial",
            "questionnaire",
            Said("reason.no_attachment", {"note": note or "-"}),
            cite,
            ["questionnaire"],
            "low",
        )
    severity = {"compliant": "", "partial": "low", "noncompliant": "medium"}[answered.answer]
    return Cell(
        target.name,
        answered.answer,
        "questionnaire",
        Said(f"reason.answered_{answered.answer}", {"note": note or "-"}),
        cite,
        [] if answered.answer == "compliant" else ["questionnaire"],
        severity,
    )


def _worst_severity(catalog: Catalog, check_ids: list[str]) -> str:
    """The highest severity among the checks ("" for none the catalog knows)."""
    found = [catalog.checks[c].severity for c in check_ids if c in catalog.checks]
    return min(found, key=_SEVERITY_RANK.__getitem__, default="")


def _titles(catalog: Catalog, check_ids: list[str]) -> Localized:
    """The checks' titles in both languages (an id the catalog lacks is shown as it is)."""
    checks = [catalog.checks.get(i) for i in check_ids]
    en = [c.title.en if c else i for c, i in zip(checks, check_ids, strict=True)]
    zh = [c.title.zh if c else i for c, i in zip(checks, check_ids, strict=True)]
    return Localized(en="; ".join(en) or "-", zh="；".join(zh) or "-")


def _policy_titles(policies: list[PolicyOutcome]) -> Localized:
    return Localized(
        en="; ".join(f"{p.id} {p.title}" for p in policies) or "-",
        zh="；".join(f"{p.id} {p.title_zh}" for p in policies) or "-",
    )


def _host_error(host: HostResult) -> Localized | str:
    if not host.error_key:
        return host.error or "-"
    return Localized(
        en=describe_error("en", host.error_key, host.error_fields),
        zh=describe_error("zh", host.error_key, host.error_fields),
    )
