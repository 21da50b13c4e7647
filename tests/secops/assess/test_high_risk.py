"""Every 高风险 rule decided on crafted evidence, each at least once each way."""

from __future__ import annotations

from pathlib import Path

import pytest

from secops.assess.high_risk import RULES, Decision
from secops.assess.judge import Evidence, Target, judge_items
from secops.assess.questionnaire import EMPTY, Answered, Attachment, Questionnaire
from secops.assess.sources import (
    AuditSource,
    CloudSource,
    HostEvidence,
    OperationsFact,
    PolicyOutcome,
)
from secops.audit.results import AuditRun
from secops.catalog.model import Catalog, Localized
from tests.secops.assess.conftest import host_result

POLICIES = {
    "mlps-cloud-01": "ab.ac.c", "mlps-cloud-02": "ab.ac.b", "mlps-cloud-03": "ab.ac.c",
    "mlps-cloud-04": "mc.cm.b", "mlps-cloud-05": "mc.cm.b", "mlps-cloud-06": "cn.na.d",
    "mlps-cloud-10": "ab.au.c", "mlps-cloud-14": "ab.ac.a", "mlps-cloud-15": "cx.ac.a",
    "mlps-cloud-16": "cx.na.b",
}  # fmt: skip


def cloud(violated: tuple[str, ...] = ()) -> CloudSource:
    outcomes = [
        PolicyOutcome(p, c, p, p, "violated" if p in violated else "passed")
        for p, c in POLICIES.items()
    ]
    return CloudSource(Path("zone.yaml"), "alicloud", 10, {"sha256": "0", "sm3": "0"}, outcomes)


def evidence(
    catalog: Catalog,
    checks: dict[str, str] | None = None,
    *,
    with_cloud: CloudSource | None = None,
    retention: bool | None = True,
    answers: tuple[Answered, ...] = (),
    hosts: bool = True,
) -> Evidence:
    run = AuditRun(3, "t", "v", "s", "f", "")
    audit = AuditSource(Path("a"), run, True, [], "me", "fp", "", {}, {})
    found = {}
    if hosts:
        found = {"h1": HostEvidence(host_result(catalog, "h1", checks or {}), audit)}
    operations = (
        [OperationsFact("mc.cm.d", retention, "ops.retention", {"days": 1, "required": 180}, {})]
        if retention is not None
        else []
    )
    q = Questionnaire(Path("q.yaml"), answers) if answers else EMPTY
    return Evidence(catalog, 3, found, with_cloud, operations, q)


def decide(rule_id: str, ev: Evidence) -> Decision:
    rule = next(r for r in RULES if r.id == rule_id)
    targets = [Target("host", "h1", Localized(en="h1", zh="h1"), "inventory")] if ev.hosts else []
    targets.append(Target("database", "db", Localized(en="db", zh="db"), "listed"))
    items = {i.id: i for i in judge_items(ev, targets)}
    return rule.decide(ev, items)


def answer(
    item: str, verdict: str, objects: tuple[str, ...] = (), attached: bool = True
) -> Answered:
    files = (Attachment("x.pdf", "0", "0", 1),) if attached else ()
    return Answered(item, verdict, objects, None, None, files, "", 1)  # type: ignore[arg-type]


# (rule, failing host checks, cloud violations, expected state); cloud None: no landing zone
HOST_CASES = [
    ("HR-CE-IA-1", {"accounts_no_empty_password": "fail"}, None, "determined"),
    ("HR-CE-IA-1", {"pwquality_minlen": "fail"}, None, "compensated"),  # mfa_enforced passes
    ("HR-CE-IA-1", {"pwquality_minlen": "fail", "mfa_enforced": "fail"}, None, "determined"),
    ("HR-CE-IA-1", {}, None, "clear"),
    ("HR-CE-IA-2", {"telnet_server_absent": "fail"}, None, "determined"),
    ("HR-CE-IA-2", {}, None, "clear"),
    ("HR-CE-IA-3", {"mfa_enforced": "fail"}, (), "determined"),  # no bastion answer
    ("HR-CE-IA-3", {}, None, "clear"),
    ("HR-CE-AU-1", {"auditd_running": "fail"}, None, "determined"),
    ("HR-CE-AU-1", {}, None, "clear"),
    ("HR-CE-IP-1", {"high_risk_ports_closed": "fail"}, None, "determined"),
    ("HR-CE-IP-1", {"high_risk_ports_closed": "fail"}, (), "compensated"),
    ("HR-CE-IP-1", {"high_risk_ports_closed": "fail"}, ("mlps-cloud-14",), "determined"),
    ("HR-CE-IP-1", {}, None, "clear"),
    ("HR-CE-IP-2", {"security_updates_applied": "fail"}, None, "determined"),
    ("HR-CE-IP-2", {"security_updates_applied": "fail"}, (), "compensated"),
    ("HR-CE-IP-2", {}, None, "clear"),
    ("HR-CE-MW-1", {"antimalware_present": "fail", "aide_scheduled": "fail"}, None,
     "determined"),
    ("HR-CE-MW-1", {"antimalware_present": "fail"}, None, "compensated"),
    ("HR-CE-MW-1", {}, None, "clear"),
]  # fmt: skip


@pytest.mark.parametrize(("rule", "checks", "violated", "state"), HOST_CASES)
def test_host_rules(
    catalog: Catalog,
    rule: str,
    checks: dict[str, str],
    violated: tuple[str, ...] | None,
    state: str,
) -> None:
    zone = cloud(violated) if violated is not None else None
    found = decide(rule, evidence(catalog, checks, with_cloud=zone))
    assert found.state == state, found
    if state in ("determined", "compensated"):
        assert found.objects == ["h1"]


def test_one_factor_compensated_by_the_bastion(catalog: Catalog) -> None:
    bastion = answer("ce.ia.d", "compliant", ("bastion-01",))
    ev = evidence(catalog, {"mfa_enforced": "fail"}, with_cloud=cloud(), answers=(bastion,))
    assert decide("HR-CE-IA-3", ev).state == "compensated"
    # the same without the attachment proving the bastion's two factors: determined
    bare = answer("ce.ia.d", "compliant", ("bastion-01",), attached=False)
    ev = evidence(catalog, {"mfa_enforced": "fail"}, with_cloud=cloud(), answers=(bare,))
    assert decide("HR-CE-IA-3", ev).state == "determined"


def test_host_rules_without_evidence_are_undecided(catalog: Catalog) -> None:
    ev = evidence(catalog, hosts=False, retention=None)
    for rule in ("HR-CE-IA-1", "HR-CE-AU-1", "HR-MC-CM-1", "HR-AB-AC-1", "HR-CE-BR-1"):
        assert decide(rule, ev).state == "undecided", rule


@pytest.mark.parametrize(
    ("rule", "violated", "state"),
    [
        ("HR-AB-AC-1", ("mlps-cloud-02",), "determined"),
        ("HR-AB-AC-1", ("mlps-cloud-14",), "determined"),
        ("HR-AB-AC-1", (), "clear"),
        ("HR-CX-NA-1", ("mlps-cloud-16",), "determined"),
        ("HR-CX-NA-1", (), "clear"),
    ],
)
def test_cloud_rules(catalog: Catalog, rule: str, violated: tuple[str, ...], state: str) -> None:
    assert decide(rule, evidence(catalog, with_cloud=cloud(violated))).state == state


def test_log_retention(catalog: Catalog) -> None:
    assert decide("HR-MC-CM-1", evidence(catalog, retention=False)).state == "determined"
    assert decide("HR-MC-CM-1", evidence(catalog, {"log_retention": "fail"})).state == "determined"
    zone = cloud(("mlps-cloud-10",))
    assert decide("HR-MC-CM-1", evidence(catalog, with_cloud=zone)).state == "determined"
    assert decide("HR-MC-CM-1", evidence(catalog, with_cloud=cloud())).state == "clear"


def test_local_backup(catalog: Catalog) -> None:
    missing = answer("ce.br.a", "noncompliant")
    assert decide("HR-CE-BR-1", evidence(catalog, answers=(missing,))).state == "determined"
    present = answer("ce.br.a", "compliant")
    assert decide("HR-CE-BR-1", evidence(catalog, answers=(present,))).state == "clear"
    assert decide("HR-CE-BR-1", evidence(catalog)).state == "undecided"


def test_every_rule_is_tested_both_ways() -> None:
    decided: dict[str, set[str]] = {}
    for rule, _, _, state in HOST_CASES:
        decided.setdefault(rule, set()).add(state)
    tested = set(decided) | {"HR-AB-AC-1", "HR-CX-NA-1", "HR-MC-CM-1", "HR-CE-BR-1"}
    assert tested == {r.id for r in RULES}
    for rule, states in decided.items():
        assert "clear" in states and states & {"determined", "compensated"}, rule
