"""The system assessment end to end on crafted evidence: verdict rules, score, signature."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from secops.assess.questionnaire import QuestionnaireError, load_questionnaire
from secops.assess.run import Assessment, assess, write_assessment
from secops.assess.scoring import conclude
from secops.assess.sources import SourceError
from secops.assess.system import SystemFileError, load_system
from secops.catalog.model import Catalog
from secops.report.evidence import check_evidence
from secops.report.labels import label
from secops.report.signing import SigningKey, trusted_keys
from tests.secops.assess.conftest import write_audit, write_system

HOSTS = ["web-1", "db-1-host"]


def _assess(folder: Path, **kwargs: Any) -> Assessment:
    return assess(folder / "system.yaml", trusted=trusted_keys(), **kwargs)


def _cells(assessment: Assessment, item: str) -> dict[str, str]:
    found = next(i for i in assessment.items if i.id == item)
    return {c.target: c.verdict for c in found.cells}


def _item(assessment: Assessment, item: str) -> Any:
    return next(i for i in assessment.items if i.id == item)


@pytest.fixture
def clean(tmp_path: Path, catalog: Catalog, key: SigningKey) -> Path:
    """Two hosts passing every check, the province landing zone on OpenStack, no answers."""
    write_system(tmp_path, HOSTS)
    write_audit(tmp_path / "audits" / "a1", catalog, {h: {} for h in HOSTS}, key)
    return tmp_path


def test_every_item_of_the_level_is_judged_on_its_objects(clean: Path, catalog: Catalog) -> None:
    assessment = _assess(clean)
    assert [i.id for i in assessment.items] == [c.id for c in catalog.items_at(3)]
    for item in assessment.items:
        kinds = set(item.control.targets)
        for cell in item.cells:
            target = next((t for t in assessment.targets if t.name == cell.target), None)
            if target is not None and target.source != "operations":
                assert target.kind in kinds, (item.id, cell.target)
    # host items on the hosts come from the audit
    assert _cells(assessment, "ce.ia.a")["web-1"] == "compliant"
    assert _item(assessment, "ce.ia.a").cells[0].way == "checks"


def test_a_missing_openstack_service_is_never_not_applicable(clean: Path) -> None:
    assessment = _assess(clean)
    tenant = "province"
    unavailable = [p for p in assessment.cloud.policies if p.status == "unavailable"]  # type: ignore[union-attr]
    assert unavailable, "OpenStack lacks flow logs, an audit trail, a log store and KMS"
    for policy in unavailable:
        cell = next(c for c in _item(assessment, policy.control).cells if c.target == tenant)
        assert cell.verdict in ("noncompliant", "partial"), (policy.id, cell.verdict)
        assert cell.reason.key == "reason.cloud_unavailable"  # asks for the alternative
    # flow logs are ab.au.a's only policy: nothing passed, so 不符合
    assert _cells(assessment, "ab.au.a")[tenant] == "noncompliant"


def test_alternative_evidence_answers_a_missing_service(
    tmp_path: Path, catalog: Catalog, key: SigningKey
) -> None:
    (tmp_path / "flowlogs.txt").write_text("sFlow collector export, 2026-11\n")
    answers = [
        {
            "item": "ab.au.a",
            "answer": "compliant",
            "objects": ["province"],
            "note": {"zh": "边界防火墙记录流量日志。", "en": "The boundary firewall logs flows."},
            "attachments": ["flowlogs.txt"],
        }
    ]
    write_system(tmp_path, HOSTS, answers=answers)
    write_audit(tmp_path / "audits" / "a1", catalog, {h: {} for h in HOSTS}, key)
    cell = next(c for c in _item(_assess(tmp_path), "ab.au.a").cells if c.target == "province")
    assert cell.verdict == "compliant"
    assert cell.reason.key == "reason.cloud_alternative"
    assert any("SM3:" in e for e in cell.evidence)


def test_an_unanswered_item_is_open_and_never_counts_as_passing(clean: Path) -> None:
    assessment = _assess(clean)
    policy = (
        _item(assessment, "sp.ps.a") if any(i.id == "sp.ps.a" for i in assessment.items) else None
    )
    manual = [i for i in assessment.items if set(i.control.evidenced_by) == {"questionnaire"}]
    assert manual, "the catalog has questionnaire-only items"
    for item in manual:
        assert item.verdict in ("open", "na"), item.id
        for cell in item.cells:
            assert cell.verdict != "compliant"
            assert cell.score in (0.0, None)
    del policy
    assert assessment.score.overall is not None and assessment.score.overall < 90
    assert assessment.score.conclusion not in ("excellent",)


def test_answers_count_once_given_and_compliant_needs_an_attachment(
    tmp_path: Path, catalog: Catalog, key: SigningKey
) -> None:
    item = next(i for i in catalog.items_at(3) if set(i.evidenced_by) == {"questionnaire"})
    (tmp_path / "proof.pdf").write_bytes(b"%PDF-1.4 proof\n")
    write_system(
        tmp_path,
        HOSTS,
        answers=[{"item": item.id, "answer": "compliant", "attachments": ["proof.pdf"]}],
    )
    write_audit(tmp_path / "audits" / "a1", catalog, {h: {} for h in HOSTS}, key)
    answered = _item(_assess(tmp_path), item.id)
    assert {c.verdict for c in answered.cells} == {"compliant"}
    write_system(tmp_path, HOSTS, answers=[{"item": item.id, "answer": "compliant"}])
    bare = _item(_assess(tmp_path), item.id)
    assert {c.verdict for c in bare.cells} == {"partial"}
    assert bare.cells[0].reason.key == "reason.no_attachment"


def test_not_applicable_needs_a_justification(tmp_path: Path, catalog: Catalog) -> None:
    path = tmp_path / "q.yaml"
    path.write_text("- item: ce.br.a\n  answer: compliant\n- item: ce.br.b\n  answer: na\n")
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire(path, catalog)
    assert str(path) in str(caught.value) and " 2" in str(caught.value)
    assert "justification" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- item: no.such.x\n  answer: compliant\n", "no.such.x"),
        ("- item: ce.br.a\n  answer: yes-please\n", "answer"),
        ("- item: ce.br.a\n  answer: compliant\n  attachments: [missing.pdf]\n", "missing.pdf"),
        ("item: ce.br.a\n", "list"),
    ],
)
def test_a_bad_questionnaire_is_named(
    tmp_path: Path, catalog: Catalog, text: str, expected: str
) -> None:
    path = tmp_path / "q.yaml"
    path.write_text(text)
    with pytest.raises(QuestionnaireError, match=expected.replace(".", r"\.")):
        load_questionnaire(path, catalog)


def test_a_bad_system_file_names_the_field(tmp_path: Path) -> None:
    path = write_system(tmp_path, HOSTS)
    path.write_text(path.read_text().replace("s: 3", "s: 7"))
    with pytest.raises(SystemFileError, match=r"system\.yaml.*grade\.s"):
        load_system(path)


def test_an_unreachable_or_unaudited_host_is_open(
    tmp_path: Path, catalog: Catalog, key: SigningKey
) -> None:
    write_system(tmp_path, [*HOSTS, "new-1"])
    write_audit(tmp_path / "audits" / "a1", catalog, {"web-1": {}}, key, unreachable=("db-1-host",))
    cells = _cells(_assess(tmp_path), "ce.ia.a")
    assert cells["web-1"] == "compliant"
    assert cells["db-1-host"] == "open"
    assert cells["new-1"] == "open"


def test_the_newest_audit_of_each_host_is_used(
    tmp_path: Path, catalog: Catalog, key: SigningKey
) -> None:
    write_system(tmp_path, HOSTS)
    failing = {"pass_max_days": "fail"}
    write_audit(tmp_path / "audits" / "old", catalog, {h: failing for h in HOSTS}, key,
                finished="2026-12-01T00:00:00+00:00")  # fmt: skip
    write_audit(tmp_path / "audits" / "new", catalog, {"web-1": {}}, key,
                finished="2026-12-07T00:00:00+00:00")  # fmt: skip
    cells = _cells(_assess(tmp_path), "ce.ia.a")
    assert cells == {"web-1": "compliant", "db-1-host": "partial"} | {
        k: v for k, v in cells.items() if k not in HOSTS
    }


def test_an_edited_audit_is_refused_or_marked(
    tmp_path: Path, catalog: Catalog, key: SigningKey
) -> None:
    write_system(tmp_path, HOSTS)
    audit = write_audit(
        tmp_path / "audits" / "a1", catalog, {h: {"pass_max_days": "fail"} for h in HOSTS}, key
    )
    results = audit / "results.json"
    run = json.loads(results.read_text())
    for host in run["hosts"]:
        for check in host["checks"]:
            check["status"] = "pass"
        for control in host["controls"]:
            control["verdict"] = (
                "compliant" if control["verdict"] == "partial" else control["verdict"]
            )
    results.write_text(json.dumps(run))
    with pytest.raises(SourceError, match="allow-unverified"):
        _assess(tmp_path)
    marked = _assess(tmp_path, allow_unverified=True)
    cell = next(c for c in _item(marked, "ce.ia.a").cells if c.target == "web-1")
    assert cell.unverified


def test_the_assessment_is_signed_and_an_edit_is_caught(clean: Path, key: SigningKey) -> None:
    assessment = _assess(clean)
    out = clean / "out"
    written = write_assessment(assessment, out, key)
    check = check_evidence(out / "evidence.jsonl", trusted_keys(), written)
    assert check.ok, check.problems
    assert check.results_match and check.signature_valid
    data = json.loads(written.read_text())
    data["score"]["conclusion"] = "excellent"
    data["items"][0]["verdict"] = "compliant"
    written.write_text(json.dumps(data, ensure_ascii=False, indent=1))
    edited = check_evidence(out / "evidence.jsonl", trusted_keys(), written)
    assert not edited.ok and not edited.results_match


def test_a_re_hashed_assessment_bundle_fails_on_the_signature(clean: Path, key: SigningKey) -> None:
    from secops.report.bundle import GENESIS, canonical, link

    out = clean / "out"
    written = write_assessment(_assess(clean), out, key)
    bundle = out / "evidence.jsonl"
    entries = [json.loads(line) for line in bundle.read_text().splitlines()]
    for entry in entries:
        if entry["record"].get("kind") == "assess-item":
            entry["record"]["verdict"] = "compliant"
    heads = {"sha256": GENESIS, "sm3": GENESIS}
    lines = []
    for entry in entries:  # the attacker recomputes both chains: no key, no new signature
        heads = {a: link(a, entry["seq"], heads[a], entry["record"]) for a in heads}  # type: ignore[arg-type]
        lines.append(canonical({"record": entry["record"], "seq": entry["seq"], **heads}))
    bundle.write_bytes(b"\n".join(lines) + b"\n")
    check = check_evidence(bundle, trusted_keys(), written)
    assert not check.ok
    assert check.chain.ok  # the chain itself replays: only the signature catches it
    assert label("evidence.rehashed") in check.problems  # named: edited and re-hashed


def test_one_high_risk_caps_the_conclusion(
    tmp_path: Path, catalog: Catalog, key: SigningKey
) -> None:
    write_system(tmp_path, HOSTS)
    write_audit(
        tmp_path / "audits" / "a1",
        catalog,
        {"web-1": {"accounts_no_empty_password": "fail"}, "db-1-host": {}},
        key,
    )
    assessment = _assess(tmp_path)
    determined = [r for r in assessment.high_risks if r.state == "determined"]
    assert "HR-CE-IA-1" in {r.rule.id for r in determined}
    assert assessment.high_risks[0].state == "determined"  # listed first
    assert assessment.score.worst_risk == "high"
    assert assessment.score.conclusion == "poor"
    # even a perfect score cannot conclude 优 or 良 with a high risk
    perfect = [i for i in assessment.items]
    for item in perfect:
        item.score = 1.0
    assert conclude(perfect, "high").conclusion == "poor"
    assert conclude(perfect, "medium").conclusion == "good"
    assert conclude(perfect, "").conclusion == "excellent"


def test_a_clean_copy_of_the_inputs_gives_the_same_verdicts(
    clean: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    first = _assess(clean)
    copy = tmp_path_factory.mktemp("copy")
    shutil.copytree(clean, copy, dirs_exist_ok=True)
    second = _assess(copy)
    assert [(i.id, i.verdict) for i in first.items] == [(i.id, i.verdict) for i in second.items]


def test_an_answer_cannot_lift_what_the_audit_found_missing(
    tmp_path: Path, catalog: Catalog, key: SigningKey
) -> None:
    """ce.mw.a and ce.ac.g are manual (an assessor judges them) but the audit sees part of
    them: no anti-malware on a host is 不符合 and no MAC is 部分符合 at best, whatever the
    questionnaire says for every object."""
    (tmp_path / "av.pdf").write_bytes(b"%PDF-1.4 licence\n")
    answers = [
        {"item": item, "answer": "compliant", "attachments": ["av.pdf"]}
        for item in ("ce.mw.a", "ce.ac.g")
    ]
    write_system(tmp_path, HOSTS, answers=answers)
    failing = {"antimalware_present": "fail", "mac_enabled": "fail"}
    write_audit(tmp_path / "audits" / "a1", catalog, {"web-1": failing, "db-1-host": {}}, key)
    assessment = _assess(tmp_path)
    malware = _cells(assessment, "ce.mw.a")
    assert malware["web-1"] == "noncompliant"  # antimalware_present is essential for it
    assert malware["db-1-host"] == "compliant"  # nothing failing: the answer decides
    assert _cells(assessment, "ce.ac.g")["web-1"] == "partial"
    cell = next(c for c in _item(assessment, "ce.mw.a").cells if c.target == "web-1")
    assert cell.reason.key == "reason.manual_checks_fail" and cell.failing == [
        "antimalware_present"
    ]
