"""``govsec infra plan`` and ``govsec infra check``: the landing zone, offline, before deploying.

Both run the Pulumi program (infra/) under Pulumi's mocks — no Pulumi CLI, no cloud account —
so the plan is exactly what ``pulumi up`` would ask the provider to create. ``check`` then
evaluates the 20 MLPS cloud policies (the validators the CrossGuard pack in infra/policy/
runs under ``pulumi preview --policy-pack``) and exits 4 when any is violated.
"""

from __future__ import annotations

import json
import time
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from secops.i18n import Lang, register, t

if TYPE_CHECKING:
    from infra.plan import Plan
    from infra.policies import Violation

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

EXIT_VIOLATIONS = 4
PROVIDERS = ("alicloud", "openstack")

MESSAGES: dict[str, dict[Lang, str]] = {
    "infra.help": {
        "en": "The landing zone: plan it and check the MLPS cloud policies, offline.",
        "zh": "政务云着陆区：离线生成资源计划并检查等保云上策略。",
    },
    "infra.plan.help": {
        "en": "Run the Pulumi program under mocks and print the resource plan and the zone graph.",
        "zh": "在 Pulumi 模拟环境中运行程序，输出资源计划与区域连通图。",
    },
    "infra.check.help": {
        "en": "Plan, then evaluate every MLPS cloud policy; exit 4 on any violation.",
        "zh": "生成计划并评估全部等保云上策略；有违规时退出码为 4。",
    },
    "infra.opt.topology": {
        "en": "The topology file (departments, zones, flows): docs/infra-topology.md.",
        "zh": "拓扑文件（部门、区域、访问关系），见 docs/infra-topology.md。",
    },
    "infra.opt.provider": {
        "en": "alicloud or openstack (default: the topology's cloud).",
        "zh": "alicloud 或 openstack（默认取拓扑文件中的 cloud）。",
    },
    "infra.plan.title": {
        "en": "{resources} resources on {provider} ({seconds:.1f} s)",
        "zh": "{provider} 上共 {resources} 个资源（用时 {seconds:.1f} 秒）",
    },
    "infra.graph.title": {"en": "allowed flows (default deny)", "zh": "允许的访问关系（默认拒绝）"},
    "infra.not_offered": {
        "en": "not offered by {provider}: {what}",
        "zh": "{provider} 不提供：{what}",
    },
    "infra.check.title": {
        "en": "MLPS cloud policies on {provider}: {failed} of {total} violated",
        "zh": "{provider} 上的等保云上策略：{total} 条中 {failed} 条违规",
    },
    "infra.check.summary": {
        "en": "{violations} violation(s); {resources} resources planned and checked in"
        " {seconds:.1f} s",
        "zh": "共 {violations} 处违规；{resources} 个资源，计划与检查用时 {seconds:.1f} 秒",
    },
}
register(MESSAGES)


class Format(StrEnum):
    table = "table"
    json = "json"


def build() -> typer.Typer:
    """The ``infra`` command group."""
    group = typer.Typer(help=t("infra.help"), no_args_is_help=True)
    topology_opt = typer.Option(..., "--topology", "-t", help=t("infra.opt.topology"))
    provider_opt = typer.Option(None, "--provider", help=t("infra.opt.provider"))
    format_opt = typer.Option(Format.table, "--format")

    @group.command("plan", help=t("infra.plan.help"))
    def plan_command(
        topology: Path = topology_opt,
        provider: str | None = provider_opt,
        output_format: Format = format_opt,
    ) -> None:
        started = time.perf_counter()
        planned = _plan(topology, provider)
        seconds = time.perf_counter() - started
        if output_format is Format.json:
            out.print_json(json.dumps(_plan_json(planned, seconds), ensure_ascii=False))
            return
        _print_plan(planned, seconds)

    @group.command("check", help=t("infra.check.help"))
    def check_command(
        topology: Path = topology_opt,
        provider: str | None = provider_opt,
        output_format: Format = format_opt,
    ) -> None:
        from infra.policies import POLICIES, evaluate

        started = time.perf_counter()
        planned = _plan(topology, provider)
        violations = evaluate(planned)
        seconds = time.perf_counter() - started
        applicable = [p for p in POLICIES if planned.provider in p.providers]
        failed = {v.policy for v in violations}
        if output_format is Format.json:
            out.print_json(
                json.dumps(
                    {
                        "provider": planned.provider,
                        "resources": len(planned.resources),
                        "seconds": round(seconds, 3),
                        "policies": [
                            {
                                "id": p.id,
                                "control": p.control,
                                "title": p.title,
                                "status": (
                                    "not_applicable"
                                    if planned.provider not in p.providers
                                    else "violated"
                                    if p.id in failed
                                    else "passed"
                                ),
                            }
                            for p in POLICIES
                        ],
                        "violations": [_violation_json(v) for v in violations],
                    },
                    ensure_ascii=False,
                )
            )
        else:
            _print_check(planned, violations, seconds, len(applicable))
        if violations:
            raise typer.Exit(EXIT_VIOLATIONS)

    return group


def _plan(path: Path, provider: str | None) -> Plan:
    from infra.plan import plan
    from infra.topology import load

    if provider is not None and provider not in PROVIDERS:
        raise typer.BadParameter(f"expected one of {', '.join(PROVIDERS)}", param_hint="--provider")
    # strict: a topology the loader refuses never reaches the planner
    return plan(load(path), provider)


def _plan_json(planned: Plan, seconds: float) -> dict[str, Any]:
    return {
        "provider": planned.provider,
        "resources": len(planned.resources),
        "seconds": round(seconds, 3),
        "counts": planned.counts(),
        "zone_graph": [
            {"from": source, "to": target, "ports": ports}
            for source, target, ports in planned.zone_graph()
        ],
        "not_offered": list(getattr(planned, "not_offered", ())),
        "outputs": planned.outputs,
    }


def _print_plan(planned: Plan, seconds: float) -> None:
    table = Table(
        title=t(
            "infra.plan.title",
            resources=len(planned.resources),
            provider=planned.provider,
            seconds=seconds,
        )
    )
    table.add_column("type")
    table.add_column("count", justify="right")
    for kind, count in sorted(planned.counts().items()):
        table.add_row(escape(kind), str(count))
    out.print(table)
    graph = Table(title=t("infra.graph.title"))
    for column in ("from", "to", "ports"):
        graph.add_column(column)
    for source, target, ports in planned.zone_graph():
        graph.add_row(escape(source), escape(target), escape(ports))
    out.print(graph)
    not_offered = list(getattr(planned, "not_offered", ()))
    if not_offered:
        err.print(
            escape(t("infra.not_offered", provider=planned.provider, what=", ".join(not_offered)))
        )


def _violation_json(violation: Violation) -> dict[str, str]:
    return {
        "policy": violation.policy,
        "control": violation.control,
        "resource": violation.resource,
        "message": violation.message,
    }


def _print_check(
    planned: Plan, violations: list[Violation], seconds: float, applicable: int
) -> None:
    failed = {v.policy for v in violations}
    title = t("infra.check.title", provider=planned.provider, failed=len(failed), total=applicable)
    table = Table(title=title)
    for column in ("policy", "control", "resource", "message"):
        table.add_column(column, overflow="fold")
    for v in violations:
        where = v.resource.rsplit("::", 1)[-1]  # the logical name; --format json has the urn
        table.add_row(escape(v.policy), escape(v.control), escape(where), escape(v.message))
    if violations:
        out.print(table)
    else:
        out.print(escape(title))
    err.print(
        escape(
            t(
                "infra.check.summary",
                violations=len(violations),
                resources=len(planned.resources),
                seconds=seconds,
            )
        )
    )
