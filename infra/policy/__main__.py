"""The CrossGuard pack ``govsec-mlps``: the 20 cloud policies of ``infra.policies``.

``pulumi preview --policy-pack infra/policy`` runs this module; each
:class:`~infra.policies.CloudPolicy` becomes a mandatory ``StackValidationPolicy`` whose
validator turns ``args.resources`` into :class:`~infra.plan.PlanResource` s and reports each
:class:`~infra.policies.Violation` against its resource. Only running the module as the pack
starts the policy server; tests call :func:`policies` and the validators directly.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run by Pulumi as a script: make `infra` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from pulumi_policy import (
    EnforcementLevel,
    PolicyPack,
    StackValidationArgs,
    StackValidationPolicy,
)

from infra.plan import PlanResource
from infra.policies import (
    POLICIES,
    CloudPolicy,
    Context,
    context_for,
    provider_of,
    run,
)

PACK = "govsec-mlps"
Report = Callable[[str, Any], None]


def resources_of(args: StackValidationArgs) -> list[PlanResource]:
    """The stack's resources as the policies read them."""
    out = []
    for r in args.resources:
        parent = getattr(r, "parent", None)
        props = r.props if isinstance(r.props, dict) else {}
        out.append(
            PlanResource(r.resource_type, r.name, r.urn, getattr(parent, "urn", None), props)
        )
    return out


def validator(policy: CloudPolicy) -> Callable[[StackValidationArgs, Report], None]:
    """A ``validate`` callable running ``policy`` over a stack."""

    def validate(args: StackValidationArgs, report_violation: Report) -> None:
        resources: Sequence[PlanResource] = resources_of(args)
        ctx: Context = context_for(provider_of(resources), resources)
        for violation in run(policy, resources, ctx):
            report_violation(
                f"[{violation.control}] {violation.message}", violation.resource or None
            )

    return validate


def policies() -> list[StackValidationPolicy]:
    """One mandatory stack policy per cloud policy, in MLPS_BASELINE order."""
    return [
        StackValidationPolicy(
            name=p.id,
            description=f"{p.title} ({p.title_zh}); control {p.control}",
            enforcement_level=EnforcementLevel.MANDATORY,
            validate=validator(p),
        )
        for p in POLICIES
    ]


if __name__ == "__main__":
    PolicyPack(name=PACK, policies=list(policies()), enforcement_level=EnforcementLevel.MANDATORY)
