"""``govsec lab``: up, status, exec, down."""

from __future__ import annotations

import json
import time
from contextlib import nullcontext
from dataclasses import asdict
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from secops.config import cache_dir, data_dir, load_settings
from secops.errors import GovsecError
from secops.i18n import t

if TYPE_CHECKING:  # the lab's modules load only when a lab command runs
    from secops.lab import Lab, LabStatus

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


class Format(StrEnum):
    table = "table"
    json = "json"


def default_inventory() -> Path:
    """``inventories/lab/hosts.yml`` in a govcloud-secops checkout, else under the data dir."""
    if Path("inventories").is_dir():
        return Path("inventories") / "lab" / "hosts.yml"
    return data_dir() / "inventories" / "lab" / "hosts.yml"


def _lab(subnet: str | None = None) -> Lab:
    from secops.lab import Lab

    settings = load_settings({"lab.subnet": subnet})
    return Lab(data_dir(), cache_dir(), settings.lab)


def build() -> typer.Typer:
    """The ``lab`` command group."""
    group = typer.Typer(help=t("lab.help"), no_args_is_help=True)
    format_opt = typer.Option(Format.table, "--format", help=t("opt.format"))
    quiet_opt = typer.Option(False, "--quiet", "-q", help=t("opt.quiet"))
    hosts_opt = typer.Option(3, "--hosts", "-n", help=t("lab.opt.hosts"))
    subnet_opt = typer.Option(None, "--subnet", help=t("lab.opt.subnet"))
    inventory_opt = typer.Option(None, "--inventory", "-i", help=t("lab.opt.inventory"))
    host_arg = typer.Argument(..., help=t("lab.opt.host"))
    command_arg = typer.Argument(..., help=t("lab.opt.command"))
    purge_opt = typer.Option(False, "--purge", help=t("lab.opt.purge"))

    @group.command("up", help=t("lab.up.help"))
    def up(
        hosts: int = hosts_opt,
        subnet: str | None = subnet_opt,
        inventory: Path | None = inventory_opt,
        output: Format = format_opt,
        quiet: bool = quiet_opt,
    ) -> None:
        lab = _lab(subnet)
        loud = not quiet and output is Format.table
        spinner = (
            err.status(t("lab.starting", n=hosts)) if loud and err.is_terminal else nullcontext()
        )
        started = time.monotonic()
        with spinner:
            state = lab.up(hosts, inventory or default_inventory(), say=_say if loud else _silent)
        elapsed = time.monotonic() - started
        if output is Format.json:
            out.print_json(json.dumps(_status_json(lab.status())))
            return
        if not quiet:
            _print_status(lab.status())
            err.print(
                t(
                    "lab.up.done",
                    n=len(state.hosts),
                    seconds=elapsed,
                    inventory=escape(state.inventory),
                )
            )

    @group.command("status", help=t("lab.status.help"))
    def status(output: Format = format_opt) -> None:
        lab = _lab()
        try:
            current = lab.status()
        except GovsecError:  # no lab is up
            if output is Format.json:
                out.print_json(json.dumps({"up": False, "hosts": []}))
                raise typer.Exit(1) from None
            raise
        if output is Format.json:
            out.print_json(json.dumps(_status_json(current)))
        else:
            _print_status(current)
        if not current.healthy:
            raise typer.Exit(1)

    @group.command(
        "exec",
        help=t("lab.exec.help"),
        context_settings={"allow_interspersed_args": False, "ignore_unknown_options": True},
    )
    def exec_(
        host: str = host_arg,
        command: list[str] = command_arg,
    ) -> None:
        if command and command[0] == "--":  # `lab exec HOST -- CMD…`: the separator is ours
            command = command[1:]
        if not command:
            raise typer.BadParameter(t("lab.exec.no_command"), param_hint="COMMAND")
        raise typer.Exit(_lab().exec(host, command))

    @group.command("down", help=t("lab.down.help"))
    def down(
        purge: bool = purge_opt,
        quiet: bool = quiet_opt,
    ) -> None:
        count = _lab().down(purge=purge)
        if not quiet:
            err.print(t("lab.down.done", n=count))

    return group


def _status_json(current: LabStatus) -> dict[str, object]:
    return {"up": True, "healthy": current.healthy, **asdict(current)}


def _print_status(current: LabStatus) -> None:
    table = Table(title=f"lab {current.lab_id}  {current.subnet}  proxy {current.proxy}")
    for column in ("host", "address", "running", "ssh", "pid"):
        table.add_column(column)
    for h in current.hosts:
        table.add_row(h.name, h.address, _mark(h.running), _mark(h.ssh), str(h.pid or "-"))
    out.print(table)
    out.print(f"inventory: {escape(current.inventory)}")


def _mark(ok: bool) -> str:
    return "[green]yes[/]" if ok else "[red]no[/]"


def _say(message: str) -> None:
    err.print(escape(message))


def _silent(message: str) -> None:
    del message
