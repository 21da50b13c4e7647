"""Run the catalog's checks on one host's facts: check results, control verdicts and a score.

Rules (also in docs/catalog.md):

- Every check selected at the level runs its evaluator with the check's parameters for that
  level. A fact that was not collected gives ``error`` with the reason; any other exception
  gives ``error`` with "internal error: …" and the run goes on; a check without an evaluator
  is an ``error`` too.
- A control's verdict at the level: ``manual`` for manual controls (their supporting checks
  are listed but decide nothing); for automated ones ``na`` when none of its checks applies,
  ``compliant`` when all applicable checks pass, ``noncompliant`` when none passes, otherwise
  ``partial``. An error counts as not passing. A passing check whose catalog entry has
  ``partial_evidence`` (it shows part of the requirement only, e.g. integrity checking without
  a root of trust) caps the control at ``partial``: all passing is then ``partial`` with those
  checks' ids as the reasons, never ``compliant``.
- The host's score is 100 x pass / (pass + fail + error) over its checks, None when that sum
  is 0; the fleet's score is the mean of its reachable hosts' scores.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from secops.audit.checks import EVALUATORS, Evaluator
from secops.audit.checks.base import Unjudged
from secops.audit.facts import FactMissing, Facts
from secops.audit.messages import fact_reason, msg
from secops.audit.results import CheckResult, ControlResult, Verdict
from secops.catalog.model import Catalog, Check, Control


@dataclass
class HostEvaluation:
    """What the catalog says about one host at one level."""

    checks: list[CheckResult]
    controls: list[ControlResult]
    score: float | None


def run_check(
    check: Check, facts: Facts, level: int, evaluators: Mapping[str, Evaluator] = EVALUATORS
) -> CheckResult:
    """One check on one host; never raises (a failure to judge is an ``error`` result)."""
    evaluate = evaluators.get(check.id)
    if evaluate is None:
        return CheckResult.said(check.id, "error", [], msg("no_evaluator"))
    try:
        outcome = evaluate(facts, check.params_for(level))
    except FactMissing as missing:
        reason = missing.said if isinstance(missing, Unjudged) else fact_reason(missing.reason)
        said = msg("fact_missing", section=missing.section, reason=reason)
        return CheckResult.said(check.id, "error", [], said)
    except Exception as exc:  # one broken check must not stop the audit
        said = msg("internal_error", kind=type(exc).__name__, detail=str(exc))
        return CheckResult.said(check.id, "error", [], said)
    return CheckResult.said(check.id, outcome.status, list(outcome.evidence), outcome.message)


def control_verdict(
    control: Control,
    results: Iterable[CheckResult],
    partial: Collection[str] = (),
    essential: Collection[str] = (),
) -> Verdict:
    """The verdict of one control from the results of its checks at the level.

    Args:
        control: the control judged.
        results: its checks' results on the host.
        partial: ids of checks that are only partial evidence: when all applicable checks
            pass and one of these is among them, the verdict is ``partial``.
        essential: ids of checks that carry a whole sub-requirement of this control: when one
            of them fails or cannot be judged, the verdict is ``noncompliant``.
    """
    if control.kind == "manual":
        return "manual"
    applicable = [r for r in results if r.status != "na"]
    if not applicable:
        return "na"
    passed = sum(r.status == "pass" for r in applicable)
    if any(r.status in ("fail", "error") and r.check_id in essential for r in applicable):
        return "noncompliant"
    if passed == len(applicable):
        return "partial" if capping(applicable, partial) else "compliant"
    return "noncompliant" if passed == 0 else "partial"


def capping(results: Iterable[CheckResult], partial: Collection[str]) -> list[str]:
    """Ids of passing results that are only partial evidence (the reasons a verdict is capped)."""
    return [r.check_id for r in results if r.status == "pass" and r.check_id in partial]


def host_score(results: Iterable[CheckResult]) -> float | None:
    """100 x pass / (pass + fail + error); None when no check could be judged either way."""
    counted = [r.status for r in results if r.status in ("pass", "fail", "error")]
    if not counted:
        return None
    return 100.0 * counted.count("pass") / len(counted)


def fleet_score(scores: Iterable[float | None]) -> float | None:
    """The mean of the reachable hosts' scores (hosts without a score are left out)."""
    known = [s for s in scores if s is not None]
    return sum(known) / len(known) if known else None


def evaluate_host(
    facts: Facts,
    catalog: Catalog,
    level: int,
    evaluators: Mapping[str, Evaluator] = EVALUATORS,
) -> HostEvaluation:
    """Every check and control of ``catalog`` at ``level`` on the host described by ``facts``."""
    checks = [run_check(check, facts, level, evaluators) for check in catalog.checks_at(level)]
    controls = judge_controls(catalog, level, checks)
    return HostEvaluation(checks, controls, host_score(checks))


def judge_controls(
    catalog: Catalog, level: int, checks: Iterable[CheckResult]
) -> list[ControlResult]:
    """Every host control of ``catalog`` at ``level``, judged from the host's check results."""
    by_id = {result.check_id: result for result in checks}
    controls = []
    for control in catalog.controls_at(level, scope="host"):
        served = catalog.checks_of(control.id, level)
        mine = [by_id[c.id] for c in served]
        partial = {c.id for c in served if c.partial_evidence is not None}
        essential = {c.id for c in served if control.id in c.essential_for}
        verdict = control_verdict(control, mine, partial, essential)
        reasons = capping(mine, partial) if verdict == "partial" else []
        controls.append(ControlResult(control.id, verdict, [r.check_id for r in mine], reasons))
    return controls
