"""``govsec assess``: one assessment of the system, from every source, signed.

:func:`assess` reads ``system.yaml``, the newest verified host audits, the cloud check, the
questionnaire and the operations evidence; judges every item of the level on every object
(:mod:`secops.assess.judge`); decides the 高风险 rules (:mod:`secops.assess.high_risk`); scores
and concludes (:mod:`secops.assess.scoring`); and writes, in the output folder:

- ``assessment.json`` — everything above as data;
- ``evidence.jsonl`` + ``evidence.sig.json`` — a hash chain (SHA-256 and SM3) of what it relied
  on (each source's digests, each item's verdicts) ending with the digests of assessment.json,
  its head signed with SM2 by the assessing account's key (``govsec report verify`` checks it);
- the reports (:mod:`secops.assess.report`).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from secops.assess.high_risk import HighRisk, determine, risk_of, worst_risk
from secops.assess.judge import (
    OPERATIONS_TARGET,
    Cell,
    Evidence,
    ItemResult,
    Said,
    Target,
    judge_items,
)
from secops.assess.labels import alabel
from secops.assess.questionnaire import EMPTY, Questionnaire, load_questionnaire
from secops.assess.scoring import Score, conclude
from secops.assess.sources import (
    AuditSource,
    CloudSource,
    OperationsFact,
    SourceError,
    check_cloud,
    check_operations,
    read_audits,
)
from secops.assess.system import System, load_system
from secops.catalog.model import Catalog, Localized, load_catalog
from secops.files import private_dir, write_atomic
from secops.report.bundle import BUNDLE_NAME, BundleWriter, digests
from secops.report.evidence import results_digests, sign_bundle
from secops.report.signing import SigningKey

ASSESSMENT_NAME = "assessment.json"
ASSESSMENT_FORMAT = 1


@dataclass
class Assessment:
    system: System
    catalog: Catalog  # the one the items were judged with: the report reads its checks
    level: int
    started: str
    finished: str
    seconds: float
    targets: list[Target]
    audits: list[AuditSource]
    cloud: CloudSource | None
    operations: list[OperationsFact]
    questionnaire: Questionnaire
    items: list[ItemResult]
    high_risks: list[HighRisk]
    score: Score
    records: dict[str, int] = field(default_factory=dict)  # item id -> its bundle record
    previous: dict[str, str] = field(default_factory=dict)  # item id -> verdict before
    signature: dict[str, Any] = field(default_factory=dict)

    def risk_of(self, item: ItemResult, cell: Cell) -> str:
        return risk_of(item, cell, self.high_risks)


def targets_of(system: System, cloud: CloudSource | None) -> list[Target]:
    """The assessment objects: inventory hosts, the landing zone, listed objects, govsec."""
    from secops.audit.inventory import load_targets

    found = [
        Target("host", t.name, Localized(en=t.name, zh=t.name), "inventory")
        for t in load_targets(system.inventory)
    ]
    if system.cloud is not None:
        name = system.cloud.topology.stem
        found.append(
            Target(
                "cloud_tenant",
                name,
                Localized(en=f"Landing zone {name}", zh=f"云上租户 {name}"),
                "topology",
            )
        )
        found.append(
            Target("cloud_platform", system.cloud.provider, system.cloud.platform, "topology")
        )
    for entry in system.objects:
        shown = entry.description or Localized(en=entry.name, zh=entry.name)
        found.append(Target(entry.kind, entry.name, shown, "listed"))
    if system.operations is not None:
        found.append(
            Target(
                "security_device",
                OPERATIONS_TARGET,
                Localized(en="govsec security operations platform", zh="govsec 安全运营平台"),
                "operations",
            )
        )
    names = [t.name for t in found]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise SourceError(alabel("error.object_twice", names=", ".join(twice)))
    return found


def assess(
    system_file: Path,
    *,
    trusted: dict[str, str],
    allow_unverified: bool = False,
    catalog: Catalog | None = None,
    audits: list[Path] | None = None,
) -> Assessment:
    """Join every source of ``system_file`` into one assessment (nothing written yet)."""
    begun = time.perf_counter()
    started = datetime.now(UTC).isoformat(timespec="seconds")
    system = load_system(system_file)
    catalog = catalog or load_catalog()
    read, hosts = read_audits(audits or system.evidence.audits, trusted, allow_unverified)
    cloud = (
        check_cloud(system.cloud.topology, system.cloud.provider)
        if system.cloud is not None
        else None
    )
    ops = system.operations
    operations = (
        check_operations(
            ops.prometheus_rules, ops.alertmanager, ops.detection_rules, ops.log_retention_days
        )
        if ops is not None
        else []
    )
    questionnaire = (
        load_questionnaire(system.evidence.questionnaire, catalog)
        if system.evidence.questionnaire is not None
        else EMPTY
    )
    targets = targets_of(system, cloud)
    evidence = Evidence(catalog, system.level, hosts, cloud, operations, questionnaire)
    items = judge_items(evidence, targets)
    risks = determine(evidence, items)
    assessment = Assessment(
        system,
        catalog,
        system.level,
        started,
        "",
        0.0,
        targets,
        read,
        cloud,
        operations,
        questionnaire,
        items,
        risks,
        conclude(items, worst_risk(items, risks)),
    )
    assessment.finished = datetime.now(UTC).isoformat(timespec="seconds")
    assessment.seconds = round(time.perf_counter() - begun, 3)
    return assessment


def compare(assessment: Assessment, previous: Path) -> None:
    """Remember each item's verdict in the assessment at ``previous`` (a folder or file)."""
    path = previous / ASSESSMENT_NAME if previous.is_dir() else previous
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        assessment.previous = {i["id"]: i["verdict"] for i in raw["items"]}
    except OSError as exc:
        raise SourceError(alabel("error.read", path=path, problem=exc.strerror)) from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise SourceError(alabel("error.previous", path=path, problem=exc)) from exc


def write_assessment(assessment: Assessment, folder: Path, key: SigningKey) -> Path:
    """assessment.json and its signed evidence chain in ``folder``."""
    private_dir(folder)
    bundle = folder / BUNDLE_NAME
    with BundleWriter(bundle) as writer:
        for record in source_records(assessment):
            writer.add(record)
        for item in assessment.items:
            assessment.records[item.id] = writer.seq + 1
            writer.add(
                {
                    "kind": "assess-item",
                    "item": item.id,
                    "verdict": item.verdict,
                    "cells": {c.target: c.verdict for c in item.cells},
                }
            )
        text = json.dumps(to_json(assessment), ensure_ascii=False, indent=1)
        writer.add(
            {
                "kind": "results",
                "level": assessment.level,
                "started": assessment.started,
                "finished": assessment.finished,
                "fleet_score": assessment.score.overall,
                "conclusion": assessment.score.conclusion,
                "hosts": len(assessment.targets),
                "results": results_digests(text),
            }
        )
        target = folder / ASSESSMENT_NAME
        write_atomic(target, text)
        assessment.signature = sign_bundle(bundle, key, writer=writer)
    return target


def source_records(assessment: Assessment) -> list[dict[str, Any]]:
    """What the assessment relied on, as bundle records (digests, not copies)."""
    system = assessment.system
    records: list[dict[str, Any]] = [
        {
            "kind": "assess-system",
            "path": str(system.path),
            "record_number": system.record_number,
            "level": assessment.level,
            **digests(system.path.read_bytes()),
        }
    ]
    for audit in assessment.audits:
        records.append(
            {
                "kind": "assess-audit",
                "folder": str(audit.folder),
                "verified": audit.verified,
                "problems": audit.problems,
                "signer": audit.signer,
                "key_fingerprint": audit.key_fingerprint,
                "head_sm3": audit.head_sm3,
                "results": audit.results,
            }
        )
    if assessment.cloud is not None:
        cloud = assessment.cloud
        records.append(
            {
                "kind": "assess-cloud",
                "topology": str(cloud.topology),
                "provider": cloud.provider,
                **cloud.digests,
                "policies": {p.id: p.status for p in cloud.policies},
            }
        )
    q = assessment.questionnaire
    if q.path is not None:
        records.append(
            {
                "kind": "assess-questionnaire",
                "path": str(q.path),
                "sha256": q.sha256,
                "sm3": q.sm3,
                "attachments": [
                    {"path": a.path, "sha256": a.sha256, "sm3": a.sm3, "size": a.size}
                    for answer in q.answers
                    for a in answer.attachments
                ],
            }
        )
    for fact in assessment.operations:
        records.append(
            {
                "kind": "assess-operations",
                "item": fact.item,
                "met": fact.met,
                "finding": fact.key,
                "fields": {k: str(v) for k, v in fact.fields.items()},
                "digests": fact.digests,
            }
        )
    return records


def _said(said: Said) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for name, value in said.fields.items():
        if isinstance(value, Localized):
            fields[name] = {"en": value.en, "zh": value.zh}
        elif isinstance(value, Said):
            fields[name] = _said(value)
        else:
            fields[name] = value
    return {"key": said.key, "fields": fields}


def to_json(assessment: Assessment) -> dict[str, Any]:
    system = assessment.system
    return {
        "format": ASSESSMENT_FORMAT,
        "system": {
            "name": system.name.model_dump(),
            "record_number": system.record_number,
            "unit": system.unit.model_dump(),
            "grade": system.grade.code(),
            "level": assessment.level,
        },
        "started": assessment.started,
        "finished": assessment.finished,
        "seconds": assessment.seconds,
        "targets": [
            {"kind": t.kind, "name": t.name, "source": t.source} for t in assessment.targets
        ],
        "score": {
            "overall": assessment.score.overall,
            "conclusion": assessment.score.conclusion,
            "worst_risk": assessment.score.worst_risk,
            "families": [
                {"family": f.family, "score": f.score, "items": f.items, "counts": f.counts}
                for f in assessment.score.families
            ],
        },
        "high_risks": [
            {
                "id": r.rule.id,
                "item": r.rule.control,
                "state": r.state,
                "objects": r.decision.objects,
                "compensation": r.decision.compensation,
                "detail": r.decision.detail,
            }
            for r in assessment.high_risks
        ],
        "items": [
            {
                "id": item.id,
                "verdict": item.verdict,
                "score": item.score,
                "record": assessment.records.get(item.id),
                "cells": [
                    {
                        "target": c.target,
                        "verdict": c.verdict,
                        "way": c.way,
                        "risk": assessment.risk_of(item, c),
                        "reason": _said(c.reason),
                        "evidence": c.evidence,
                        "failing": c.failing,
                        "unverified": c.unverified,
                    }
                    for c in item.cells
                ],
            }
            for item in assessment.items
        ],
        "previous": assessment.previous,
    }
