"""Run the catalog's checks on one host's facts: check results, control verdicts and a score.

Rules (also in docs/catalog.md):

- Every check selected at the level runs its evaluator with the check's parameters for that
  level. A fact that was not collected gives ``error`` with the reason; any other exception
  gives ``error`` with "internal error: …" and the run goes on; a check without an evaluator
  is an ``error`` too.
- A control's verdict at the level: ``manual`` for manual controls (their supporting checks
  are listed but decide nothing); for automated ones ``na`` when none of its checks applies,
  ``compliant`` when all applicable checks pass, ``noncompliant`` when none passes, otherwise
  ``partial``. An error counts as not passing.
- The host's score is 100 x pass / (pass + fail + error) over its checks, None when that sum
  is 0; the fleet's score is the mean of its reachable hosts' scores.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from secops.audit.checks import EVALUATORS, Evaluator
from secops.audit.facts import FactMissing, Facts
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
        return CheckResult(check.id, "error", message="no evaluator for this check")
    try:
        outcome = evaluate(facts, check.params_for(level))
    except FactMissing as missing:
        return CheckResult(check.id, "error", message=f"{missing.section}: {missing.reason}")
    except Exception as exc:  # one broken check must not stop the audit
        return CheckResult(
            check.id, "error", message=f"internal error: {type(exc).__name__}: {exc}"
        )
    return CheckResult(check.id, outcome.status, list(outcome.evidence), outcome.message)


def control_verdict(control: Control, results: Iterable[CheckResult]) -> Verdict:
    """The verdict of one control from the results of its checks at the level."""
    if control.kind == "manual":
        return "manual"
    applicable = [r for r in results if r.status != "na"]
    if not applicable:
        return "na"
    passed = sum(r.status == "pass" for r in applicable)
    if passed == len(applicable):
        return "compliant"
    return "noncompliant" if passed == 0 else "partial"


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
    by_id = {result.check_id: result for result in checks}
    controls = []
    for control in catalog.controls_at(level, scope="host"):
        mine = [by_id[c.id] for c in catalog.checks_of(control.id, level)]
        verdict = control_verdict(control, mine)
        controls.append(ControlResult(control.id, verdict, [r.check_id for r in mine]))
    return HostEvaluation(checks, controls, host_score(checks))
