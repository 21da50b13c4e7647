"""Running checks on a host: errors recorded, control verdicts and scores as documented."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest

from secops.audit.checks import Evaluator, Outcome
from secops.audit.evaluate import (
    control_verdict,
    evaluate_host,
    fleet_score,
    host_score,
    run_check,
)
from secops.audit.facts import FactMissing, Facts
from secops.audit.messages import msg
from secops.audit.results import AuditRun, CheckResult, Evidence, Status
from secops.catalog.model import Catalog, Check, Control, load_catalog

SEEN = [Evidence("x", "test", "y")]
WHY = msg("ac.cron_open")


def control(cid: str, kind: str = "automated", levels: tuple[int, ...] = (2, 3)) -> Control:
    text = {"en": "text", "zh": "文本"}
    return Control.model_validate(
        {
            "id": cid,
            "area": text,
            "family": text,
            "item": cid[-1],
            "title": text,
            "requirement": text,
            "clauses": {level: f"{level}.{cid}" for level in levels},
            "kind": kind,
            "evidence": text if kind == "manual" else None,
            "reference": "test",
        }
    )


def check(cid: str, controls: list[str], levels: tuple[int, ...] = (2, 3), **params: Any) -> Check:
    text = {"en": "text", "zh": "文本"}
    return Check.model_validate(
        {
            "id": cid,
            "title": text,
            "controls": controls,
            "levels": list(levels),
            "severity": "low",
            "params": {level: params for level in levels} if params else {},
            "remediation": text,
        }
    )


def returning(status: str) -> Evaluator:
    def evaluate(facts: Facts, params: Mapping[str, Any]) -> Outcome:
        return Outcome(status, list(SEEN), WHY)  # type: ignore[arg-type]

    return evaluate


def missing(facts: Facts, params: Mapping[str, Any]) -> Outcome:
    raise FactMissing("shadow:meta", "needs root")


def broken(facts: Facts, params: Mapping[str, Any]) -> Outcome:
    raise KeyError("max")


def results(*statuses: Status) -> list[CheckResult]:
    return [CheckResult(f"c{i}", status) for i, status in enumerate(statuses)]


# -- one check ---------------------------------------------------------------------------------


def test_a_missing_fact_is_an_error_with_its_reason() -> None:
    result = run_check(check("one", ["ce.ia.a"]), Facts(), 2, {"one": missing})
    assert result.status == "error"
    assert result.message == "shadow:meta: needs root"
    assert result.message_key == "check.fact_missing"
    assert result.message_fields == {"section": "shadow:meta", "reason": msg("reason.needs_root")}


def test_an_exception_is_an_internal_error_and_the_run_goes_on() -> None:
    result = run_check(check("one", ["ce.ia.a"]), Facts(), 2, {"one": broken})
    assert result.status == "error"
    assert result.message.startswith("internal error: KeyError")


def test_a_check_without_evaluator_is_an_error() -> None:
    result = run_check(check("one", ["ce.ia.a"]), Facts(), 2, {})
    assert (result.status, result.message) == ("error", "no evaluator for this check")


def test_the_evaluator_gets_the_parameters_of_the_level() -> None:
    seen: list[Mapping[str, Any]] = []

    def spy(facts: Facts, params: Mapping[str, Any]) -> Outcome:
        seen.append(params)
        return Outcome("pass", list(SEEN))

    item = Check.model_validate(
        {**check("one", ["ce.ia.a"]).model_dump(), "params": {2: {"max": 8}, 3: {"max": 12}}}
    )
    run_check(item, Facts(), 3, {"one": spy})
    assert seen == [{"max": 12}]


def test_outcomes_carry_over_to_results() -> None:
    result = run_check(check("one", ["ce.ia.a"]), Facts(), 2, {"one": returning("fail")})
    assert (result.status, result.evidence, result.message) == ("fail", SEEN, str(WHY))
    assert (result.message_key, result.message_fields) == ("check.ac.cron_open", {})


# -- verdicts and scores -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("statuses", "verdict"),
    [
        (("pass", "pass"), "compliant"),
        (("pass", "na"), "compliant"),
        (("fail", "fail"), "noncompliant"),
        (("fail", "error"), "noncompliant"),
        (("error",), "noncompliant"),
        (("pass", "fail"), "partial"),
        (("pass", "error"), "partial"),
        (("na", "na"), "na"),
        ((), "na"),
    ],
)
def test_automated_verdicts(statuses: tuple[Status, ...], verdict: str) -> None:
    assert control_verdict(control("ce.ia.a"), results(*statuses)) == verdict


def test_manual_controls_stay_manual_whatever_their_supporting_checks_say() -> None:
    assert control_verdict(control("ce.ia.d", "manual"), results("fail")) == "manual"
    assert control_verdict(control("ce.ia.d", "manual"), results("pass")) == "manual"


def test_score_counts_errors_as_not_passing_and_leaves_out_na() -> None:
    assert host_score(results("pass", "pass", "pass", "fail", "na", "na")) == 75.0
    assert host_score(results("pass", "error")) == 50.0
    assert host_score(results("na", "na")) is None
    assert host_score([]) is None


def test_fleet_score_is_the_mean_of_the_hosts_with_a_score() -> None:
    assert fleet_score([100.0, 50.0, None]) == 75.0
    assert fleet_score([None]) is None
    assert fleet_score([]) is None


# -- a whole host --------------------------------------------------------------------------------


def small_catalog() -> Catalog:
    controls = [
        control("ce.ia.a"),
        control("ce.ia.b"),
        control("ce.ia.d", "manual", levels=(3,)),
        control("ce.au.d", levels=(3,)),
    ]
    checks = [
        check("passes", ["ce.ia.a"]),
        check("fails", ["ce.ia.a", "ce.ia.b"]),
        check("root_only", ["ce.ia.b"]),
        check("mfa_module", ["ce.ia.d"], levels=(3,)),
        check("crash", ["ce.au.d"], levels=(3,)),
    ]
    return Catalog({c.id: c for c in controls}, {c.id: c for c in checks}, "test")


EVALUATORS = {
    "passes": returning("pass"),
    "fails": returning("fail"),
    "root_only": missing,
    "mfa_module": returning("fail"),
    "crash": broken,
}


def test_level_2_runs_only_its_checks_and_controls() -> None:
    host = evaluate_host(Facts(), small_catalog(), 2, EVALUATORS)
    assert [r.check_id for r in host.checks] == ["passes", "fails", "root_only"]
    assert {c.control_id: c.verdict for c in host.controls} == {
        "ce.ia.a": "partial",
        "ce.ia.b": "noncompliant",
    }
    assert host.score == pytest.approx(100 / 3)


def test_level_3_adds_its_items_and_records_every_failure() -> None:
    host = evaluate_host(Facts(), small_catalog(), 3, EVALUATORS)
    verdicts = {c.control_id: c.verdict for c in host.controls}
    assert verdicts["ce.ia.d"] == "manual"
    assert verdicts["ce.au.d"] == "noncompliant"
    statuses = {r.check_id: r.status for r in host.checks}
    assert statuses == {
        "passes": "pass",
        "fails": "fail",
        "root_only": "error",
        "mfa_module": "fail",
        "crash": "error",
    }
    assert host.score == 20.0
    decided = {c.control_id: c.checks for c in host.controls}
    assert decided["ce.ia.b"] == ["fails", "root_only"]


def test_the_real_catalog_on_an_empty_host_never_raises() -> None:
    catalog = load_catalog()
    for level in (2, 3):
        host = evaluate_host(Facts(), catalog, level)
        assert len(host.checks) == len(catalog.checks_at(level))
        assert len(host.controls) == len(catalog.controls_at(level))
        internal = [r for r in host.checks if r.message.startswith("internal error")]
        assert not internal, internal


# -- partial evidence ----------------------------------------------------------------------------


def partial_check(cid: str, controls: list[str]) -> Check:
    base = check(cid, controls).model_dump()
    base["partial_evidence"] = {"en": "not a root of trust", "zh": "不是可信根"}
    return Check.model_validate(base)


@pytest.mark.parametrize(
    ("statuses", "verdict"),
    [
        (("pass", "pass"), "partial"),  # all pass, one is partial evidence: capped
        (("pass", "na"), "partial"),
        (("fail", "pass"), "partial"),
        (("fail", "fail"), "noncompliant"),  # the cap never lifts a failure
        (("na", "na"), "na"),
    ],
)
def test_a_passing_partial_check_caps_the_control(
    statuses: tuple[Status, ...], verdict: str
) -> None:
    mine = [CheckResult("weak", statuses[0], SEEN), CheckResult("strong", statuses[1], SEEN)]
    assert control_verdict(control("ce.tv.a"), mine, {"weak"}) == verdict
    assert control_verdict(control("ce.tv.a", "manual"), mine, {"weak"}) == "manual"


def test_a_partial_check_that_fails_or_is_na_caps_nothing() -> None:
    mine = [CheckResult("weak", "na"), CheckResult("strong", "pass", SEEN)]
    assert control_verdict(control("ce.tv.a"), mine, {"weak"}) == "compliant"


def test_the_host_records_which_checks_capped_a_control() -> None:
    controls = [control("ce.tv.a"), control("ce.ia.a")]
    checks = [partial_check("weak", ["ce.tv.a"]), check("passes", ["ce.tv.a", "ce.ia.a"])]
    catalog = Catalog({c.id: c for c in controls}, {c.id: c for c in checks}, "test")
    host = evaluate_host(
        Facts(), catalog, 3, {"weak": returning("pass"), "passes": returning("pass")}
    )
    found = {c.control_id: (c.verdict, c.reasons) for c in host.controls}
    assert found == {"ce.tv.a": ("partial", ["weak"]), "ce.ia.a": ("compliant", [])}
    assert host.score == 100.0  # the checks pass: only the control's verdict is capped


def test_the_real_catalog_marks_checks_that_are_partial_evidence() -> None:
    catalog = load_catalog()
    partial = {c.id for c in catalog.checks.values() if c.partial_evidence}
    # 可信验证 without a root of trust, 剩余信息保护 by core dumps only, 访问控制 c by expiry only
    assert {"aide_scheduled", "grub_password", "package_files_verified"} <= partial
    assert {"core_dumps_disabled", "coredump_storage_none", "account_inactive"} <= partial
    for control_id in ("ce.tv.a", "ce.ri.a"):
        served = catalog.checks_of(control_id, 3)
        assert served and all(c.partial_evidence for c in served), control_id


def test_results_without_reasons_still_load() -> None:
    old = {
        "level": 3,
        "tool_version": "0",
        "catalog_version": "x",
        "started": "",
        "finished": "",
        "inventory": "",
        "fleet_score": None,
        "version": 1,
        "hosts": [
            {
                "name": "h",
                "address": "a",
                "reachable": True,
                "checks": [],
                "controls": [{"control_id": "ce.tv.a", "verdict": "compliant", "checks": []}],
            }
        ],
    }
    run = AuditRun.from_json(json.dumps(old))
    assert run.hosts[0].controls[0].reasons == []
    assert AuditRun.from_json(run.to_json()).hosts[0].controls[0].reasons == []


@pytest.mark.parametrize(
    ("statuses", "verdict"),
    [
        (("pass", "pass", "pass"), "compliant"),
        (("fail", "pass", "pass"), "noncompliant"),  # the sub-requirement itself is missing
        (("error", "pass", "pass"), "noncompliant"),  # and cannot be shown
        (("pass", "fail", "pass"), "partial"),  # another check failing: partly met
        (("na", "fail", "pass"), "partial"),  # the essential check does not apply here
    ],
)
def test_an_essential_check_failing_makes_the_control_noncompliant(
    statuses: tuple[Status, ...], verdict: str
) -> None:
    mine = [CheckResult(cid, s, SEEN) for cid, s in zip(("core", "b", "c"), statuses, strict=True)]
    assert control_verdict(control("ce.au.a"), mine, (), {"core"}) == verdict


def test_the_host_applies_essential_checks_per_control() -> None:
    controls = [control("ce.au.a"), control("ce.ip.a")]
    core = check("core", ["ce.au.a", "ce.ip.a"]).model_copy(update={"essential_for": ["ce.au.a"]})
    checks = [core, check("other", ["ce.au.a", "ce.ip.a"])]
    catalog = Catalog({c.id: c for c in controls}, {c.id: c for c in checks}, "test")
    host = evaluate_host(
        Facts(), catalog, 3, {"core": returning("fail"), "other": returning("pass")}
    )
    found = {c.control_id: c.verdict for c in host.controls}
    assert found == {"ce.au.a": "noncompliant", "ce.ip.a": "partial"}


def test_essential_for_names_only_the_checks_own_controls() -> None:
    text = {"en": "text", "zh": "文本"}
    entry = {
        "id": "core", "title": text, "controls": ["ce.au.a"], "levels": [3], "severity": "low",
        "remediation": text, "essential_for": ["ce.ia.a"],
    }  # fmt: skip
    with pytest.raises(ValueError, match=r"essential_for: ce\.ia\.a is not among its controls"):
        Check.model_validate(entry)


def test_the_real_catalog_marks_the_essential_checks() -> None:
    catalog = load_catalog()
    essential = {c.id: c.essential_for for c in catalog.checks.values() if c.essential_for}
    assert essential["auditd_installed"] == ["ce.au.a"]
    assert essential["mfa_enforced"] == ["ce.ia.d"]
    assert essential["antimalware_present"] == ["ce.mw.a"]
    assert {"telnet_server_absent", "accounts_no_empty_password"} <= set(essential)
