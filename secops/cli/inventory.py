"""``govsec inventory``: Ansible inventories from what the landing zone deployed."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from secops.errors import GovsecError
from secops.i18n import register, t

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

MESSAGES = {
    "inventory.help": {
        "en": "Ansible inventories from the landing zone's stack outputs.",
        "zh": "根据着陆区（landing zone）的堆栈输出生成 Ansible 清单。",
    },
    "inventory.from_stack.help": {
        "en": "Turn `pulumi stack output --json` into an Ansible inventory grouped by"
        " department and zone, reached through the bastion.",
        "zh": "将 `pulumi stack output --json` 的输出转换为按部门和安全区域分组、经堡垒机访问的"
        " Ansible 清单。",
    },
    "inventory.from_stack.outputs": {
        "en": "the JSON of `pulumi stack output --json` (- reads stdin)",
        "zh": "`pulumi stack output --json` 的 JSON 文件（- 表示从标准输入读取）",
    },
    "inventory.from_stack.output": {
        "en": "the inventory to write (default: inventories/<stack>/hosts.yml)",
        "zh": "要写入的清单文件（默认：inventories/<stack>/hosts.yml）",
    },
    "inventory.from_stack.stack": {
        "en": "the stack's name, for the default output path",
        "zh": "堆栈名称，用于默认输出路径",
    },
    "inventory.need_output": {
        "en": "no output file: give -o FILE or --stack NAME",
        "zh": "未指定输出文件：请给出 -o FILE 或 --stack NAME",
    },
    "inventory.written": {
        "en": "{hosts} hosts in {groups} groups written to {path}{bastion}",
        "zh": "已将 {hosts} 台主机（{groups} 个组）写入 {path}{bastion}",
    },
    "inventory.via_bastion": {
        "en": " (reached through the bastion {name})",
        "zh": "（经堡垒机 {name} 访问）",
    },
}
register(MESSAGES)  # type: ignore[arg-type]


class Format(StrEnum):
    table = "table"
    json = "json"


def build() -> typer.Typer:
    """The ``inventory`` command group."""
    group = typer.Typer(help=t("inventory.help"), no_args_is_help=True)

    outputs_arg = typer.Argument(..., help=t("inventory.from_stack.outputs"))
    output_opt = typer.Option(None, "--output", "-o", help=t("inventory.from_stack.output"))
    stack_opt = typer.Option(None, "--stack", help=t("inventory.from_stack.stack"), metavar="NAME")

    @group.command("from-stack", help=t("inventory.from_stack.help"))
    def from_stack(
        outputs: Path = outputs_arg,
        output: Path | None = output_opt,
        stack: str | None = stack_opt,
        output_format: Format = typer.Option(Format.table, "--format"),
    ) -> None:
        from infra.inventory import build_inventory, read_outputs, render, write_atomic

        target = output or _default_output(stack)
        text = sys.stdin.read() if str(outputs) == "-" else None
        inventory = read_outputs(Path("<stdin>") if text is not None else outputs, text)
        built = build_inventory(inventory)
        write_atomic(target, render(built, "<stdin>" if text is not None else outputs.name))
        if output_format is Format.json:
            summary = {
                "output": str(target),
                "hosts": built.hosts,
                "groups": built.groups,
                "bastion": built.bastion,
            }
            out.print(json.dumps(summary, ensure_ascii=False, indent=2), markup=False)
            return
        via = t("inventory.via_bastion", name=built.bastion) if built.bastion else ""
        err.print(
            escape(
                t(
                    "inventory.written",
                    hosts=built.hosts,
                    groups=len(built.groups),
                    path=target,
                    bastion=via,
                )
            )
        )

    return group


def _default_output(stack: str | None) -> Path:
    import re

    if stack is None:
        raise GovsecError(t("inventory.need_output"))
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}", stack) or ".." in stack:
        raise GovsecError(f"--stack: expected a stack name like dev or zj-prod, got {stack!r}")
    return Path("inventories") / stack / "hosts.yml"
