"""高风险: the items of the public 高风险判定指引 that govsec's evidence can decide.

The guide (T/ISEAA 001-2020, 网络安全等级保护测评高风险判定实施指引, and its later editions) lists
situations an assessor rates as high risk, each with conditions and compensating factors. Its
official numbering could not be consulted here: each rule below names the guide's area and
control point, the situation in the project's own words, the evidence that decides it, and the
compensating measures an assessor may accept (docs/assess.md).

A rule is **determined** on the objects where its evidence shows the situation, **not
determined** where the evidence shows it absent, and **undecided** where the evidence is
missing (a host not audited, a questionnaire item unanswered) — undecided is listed as open,
never as clear. A determined rule with a compensating measure in evidence is listed as
compensated: the assessor weighs it (the conclusion treats it as 中风险, not 高风险).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from secops.assess.judge import Cell, Evidence, ItemResult
from secops.assess.scoring import RISK_RANK
from secops.assess.sources import HostEvidence

State = str  # determined | compensated | clear | undecided


@dataclass(frozen=True)
class Rule:
    id: str
    control: str  # the catalog item the situation breaks
    levels: tuple[int, ...]
    decide: Callable[[Evidence, dict[str, ItemResult]], Decision]


@dataclass
class Decision:
    state: State
    objects: list[str] = field(default_factory=list)  # where it is determined
    compensation: str = ""  # label key of the compensating measure found
    detail: str = ""  # the failing checks / policies, as ids


@dataclass
class HighRisk:
    rule: Rule
    decision: Decision

    @property
    def state(self) -> str:
        return self.decision.state


def _hosts_failing(evidence: Evidence, checks: Iterable[str]) -> tuple[list[str], list[str], int]:
    """Hosts where any of ``checks`` failed, the failed check ids, and hosts with evidence."""
    wanted = set(checks)
    objects: list[str] = []
    failed: set[str] = set()
    decided = 0
    for name, found in sorted(evidence.hosts.items()):
        if not found.host.reachable:
            continue
        decided += 1
        bad = {c.check_id for c in found.host.checks if c.check_id in wanted and c.status == "fail"}
        if bad:
            objects.append(name)
            failed |= bad
    return objects, sorted(failed), decided


def _check_passes(found: HostEvidence, check_id: str) -> bool:
    return any(c.check_id == check_id and c.status == "pass" for c in found.host.checks)


def _policies(evidence: Evidence, ids: Iterable[str]) -> tuple[list[str], list[str]]:
    """Of the policies ``ids``: the violated ones and the ones that passed."""
    if evidence.cloud is None:
        return [], []
    wanted = set(ids)
    outcomes = [p for p in evidence.cloud.policies if p.id in wanted]
    return [p.id for p in outcomes if p.status == "violated"], [
        p.id for p in outcomes if p.status == "passed"
    ]


def _host_rule(
    checks: tuple[str, ...],
    compensated: Callable[[Evidence, list[str]], str] | None = None,
) -> Callable[[Evidence, dict[str, ItemResult]], Decision]:
    def decide(evidence: Evidence, items: dict[str, ItemResult]) -> Decision:
        objects, failed, decided = _hosts_failing(evidence, checks)
        if not decided:
            return Decision("undecided")
        if not objects:
            return Decision("clear")
        measure = compensated(evidence, objects) if compensated else ""
        state = "compensated" if measure else "determined"
        return Decision(state, objects, measure, ", ".join(failed))

    return decide


def _weak_password_compensated(evidence: Evidence, objects: list[str]) -> str:
    """Complexity rules missing but a second factor enforced on every such host (never for an
    empty password, which the rule's checks decide on their own)."""
    weak_only = all(
        not any(
            c.check_id in _EMPTY_PASSWORD and c.status == "fail"
            for c in evidence.hosts[name].host.checks
        )
        and _check_passes(evidence.hosts[name], "mfa_enforced")
        for name in objects
    )
    return "hr.comp.mfa" if weak_only else ""


def _one_factor_compensated(evidence: Evidence, objects: list[str]) -> str:
    """Administration only through the bastion (cloud policies 04, 05 pass; each host admits
    SSH only from the management network) and the bastion's two factors answered with evidence."""
    _, passed = _policies(evidence, ("mlps-cloud-04", "mlps-cloud-05"))
    restricted = all(_check_passes(evidence.hosts[n], "mgmt_source_restricted") for n in objects)
    bastion = [
        a
        for a in evidence.questionnaire.answers
        if a.item == "ce.ia.d" and a.answer == "compliant" and a.attachments and a.objects
    ]
    if len(passed) == 2 and restricted and bastion:
        return "hr.comp.bastion"
    return ""


def _ports_compensated(evidence: Evidence, objects: list[str]) -> str:
    """The boundary admits only declared flows and nothing from the internet (01, 02, 14)."""
    violated, passed = _policies(evidence, ("mlps-cloud-01", "mlps-cloud-02", "mlps-cloud-14"))
    return "hr.comp.boundary" if len(passed) == 3 and not violated else ""


def _vulnerability_compensated(evidence: Evidence, objects: list[str]) -> str:
    """Not reachable from the internet (no public address outside the DMZ, no ingress)."""
    violated, passed = _policies(evidence, ("mlps-cloud-02", "mlps-cloud-06"))
    return "hr.comp.internal" if len(passed) == 2 and not violated else ""


def _malware_compensated(evidence: Evidence, objects: list[str]) -> str:
    """Trusted verification (file integrity with a baseline) on every such host."""
    ok = all(
        _check_passes(evidence.hosts[n], "aide_database_present")
        and _check_passes(evidence.hosts[n], "aide_scheduled")
        for n in objects
    )
    return "hr.comp.integrity" if ok else ""


def _cloud_rule(policies: tuple[str, ...]) -> Callable[[Evidence, dict[str, ItemResult]], Decision]:
    def decide(evidence: Evidence, items: dict[str, ItemResult]) -> Decision:
        if evidence.cloud is None:
            return Decision("undecided")
        violated, passed = _policies(evidence, policies)
        if violated:
            return Decision("determined", [evidence.cloud.topology.name], "", ", ".join(violated))
        return Decision("clear") if passed else Decision("undecided")

    return decide


def _retention(evidence: Evidence, items: dict[str, ItemResult]) -> Decision:
    """Logs kept under six months: the SIEM's retention, the hosts' log rotation, the cloud's
    log store (policy 10)."""
    objects, failed, decided = _hosts_failing(evidence, ("log_retention", "audit_log_retention"))
    ops = next((f for f in evidence.operations if f.item == "mc.cm.d"), None)
    if ops is not None and ops.met is False:
        objects.append("govsec")
        failed.append("ops.retention")
    violated, _ = _policies(evidence, ("mlps-cloud-10",))
    if violated and evidence.cloud is not None:
        objects.append(evidence.cloud.topology.name)
        failed += violated
    if objects:
        return Decision("determined", objects, "", ", ".join(failed))
    return Decision("clear") if decided or ops is not None else Decision("undecided")


def _backup(evidence: Evidence, items: dict[str, ItemResult]) -> Decision:
    """No local backup of important data: decided by the questionnaire (ce.br.a)."""
    item = items.get("ce.br.a")
    if item is None:
        return Decision("undecided")
    bad = [c.target for c in item.cells if c.verdict == "noncompliant"]
    if bad:
        return Decision("determined", bad, "", "ce.br.a")
    if any(c.verdict == "open" or not c.target for c in item.cells):
        return Decision("undecided")  # unanswered, or no object to answer it for
    return Decision("clear")


_EMPTY_PASSWORD = frozenset({"accounts_no_empty_password", "sshd_permit_empty_passwords"})

RULES: tuple[Rule, ...] = (
    Rule(
        "HR-CE-IA-1",
        "ce.ia.a",
        (2, 3),
        _host_rule(
            (*sorted(_EMPTY_PASSWORD), "pwquality_minlen", "pwquality_dictcheck"),
            _weak_password_compensated,
        ),
    ),
    Rule(
        "HR-CE-IA-2",
        "ce.ia.c",
        (2, 3),
        _host_rule(("telnet_server_absent", "rsh_server_absent", "sshd_protocol_2")),
    ),
    Rule("HR-CE-IA-3", "ce.ia.d", (3,), _host_rule(("mfa_enforced",), _one_factor_compensated)),
    Rule("HR-CE-AU-1", "ce.au.a", (2, 3), _host_rule(("auditd_installed", "auditd_running"))),
    Rule(
        "HR-CE-IP-1", "ce.ip.b", (2, 3), _host_rule(("high_risk_ports_closed",), _ports_compensated)
    ),
    Rule(
        "HR-CE-IP-2",
        "ce.ip.e",
        (2, 3),
        _host_rule(("security_updates_applied",), _vulnerability_compensated),
    ),
    Rule(
        "HR-CE-MW-1", "ce.mw.a", (2, 3), _host_rule(("antimalware_present",), _malware_compensated)
    ),
    Rule(
        "HR-AB-AC-1",
        "ab.ac.a",
        (2, 3),
        _cloud_rule(("mlps-cloud-01", "mlps-cloud-02", "mlps-cloud-03", "mlps-cloud-14")),
    ),
    Rule("HR-CX-NA-1", "cx.na.b", (2, 3), _cloud_rule(("mlps-cloud-15", "mlps-cloud-16"))),
    Rule("HR-MC-CM-1", "mc.cm.d", (3,), _retention),
    Rule("HR-CE-BR-1", "ce.br.a", (2, 3), _backup),
)


def determine(evidence: Evidence, items: list[ItemResult]) -> list[HighRisk]:
    """Every rule of the level, decided; determined ones first, then compensated, undecided."""
    by_id = {item.id: item for item in items}
    found = [
        HighRisk(rule, rule.decide(evidence, by_id))
        for rule in RULES
        if evidence.level in rule.levels
    ]
    order = {"determined": 0, "compensated": 1, "undecided": 2, "clear": 3}
    return sorted(found, key=lambda r: order[r.state])


def risk_of(item: ItemResult, cell: Cell, risks: list[HighRisk]) -> str:
    """高 where a determined rule of the item covers the object (中 when compensated); else 中
    for a 不符合 cell with a high- or medium-severity failure, 低 for any other finding."""
    if cell.verdict not in ("noncompliant", "partial"):
        return ""
    for risk in risks:
        if risk.rule.control == item.id and cell.target in risk.decision.objects:
            return "high" if risk.state == "determined" else "medium"
    if cell.verdict == "noncompliant" and cell.severity in ("high", "medium"):
        return "medium"
    return "low"


def worst_risk(items: list[ItemResult], risks: list[HighRisk]) -> str:
    """The worst risk among every finding; "high" whenever a rule is determined."""
    if any(r.state == "determined" for r in risks):
        return "high"
    found = {risk_of(item, cell, risks) for item in items for cell in item.cells}
    return max(found, key=RISK_RANK.__getitem__, default="")
