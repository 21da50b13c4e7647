"""``govsec harden``: take an inventory to the MLPS level-2 or level-3 baseline.

Exit codes a CI can gate on: 0 every host done; 3 a host was unreachable; 4 a task failed on a
host (the preflight refusing an unsafe run is such a failure); 1 the run could not start;
2 usage. With ``--check`` nothing changes on the hosts and the counts say what would.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from enum import StrEnum
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from secops.config import data_dir
from secops.i18n import t

EXIT_UNREACHABLE = 3
EXIT_FAILED = 4

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

COLOURS = {
    "ok": "green",
    "changed": "yellow",
    "failed": "red",
    "skipped": "dim",
    "unreachable": "red",
}


class Format(StrEnum):
    table = "table"
    json = "json"


# The options' help in the current language: this module is imported once the language is set
_INVENTORY = typer.Option(..., "--inventory", "-i", help=t("opt.inventory"))
_LEVEL = typer.Option(3, "--level", min=2, max=3, help=t("opt.level"))
_CHECK = typer.Option(False, "--check", help=t("harden.opt.check"))
_DIFF = typer.Option(False, "--diff", help=t("harden.opt.diff"))
_TAGS = typer.Option(None, "--tags", help=t("harden.opt.tags"))
_LIMIT = typer.Option(None, "--limit", "-l", help=t("opt.limit"))
_EXTRA_VARS = typer.Option([], "--extra-vars", "-e", help=t("harden.opt.extra_vars"))
_FORMAT = typer.Option(Format.table, "--format", help=t("opt.format"))
_QUIET = typer.Option(False, "--quiet", "-q", help=t("opt.quiet"))


def harden(
    inventory: Path = _INVENTORY,
    level: int = _LEVEL,
    check: bool = _CHECK,
    diff: bool = _DIFF,
    tags: str | None = _TAGS,
    limit: str | None = _LIMIT,
    extra_vars: list[Path] = _EXTRA_VARS,
    output: Format = _FORMAT,
    quiet: bool = _QUIET,
) -> None:
    """Harden hosts to the MLPS baseline with the mlps_baseline Ansible role."""
    from secops.harden.record import record_run
    from secops.harden.runner import Progress, run_harden

    live = output is Format.table and not quiet

    def show(progress: Progress) -> None:
        if live and (progress.outcome != "skipped" or err.is_terminal):
            colour = COLOURS[progress.outcome]
            err.print(
                f"[{colour}]{progress.outcome:>11}[/] {escape(progress.host)}  "
                f"{escape(progress.task)}"
            )

    run = run_harden(
        inventory,
        data_dir(),
        level=level,
        check=check,
        diff=diff,
        tags=tags,
        limit=limit,
        extra_vars_files=tuple(extra_vars),
        on_progress=show,
    )
    try:
        record_run(data_dir(), run)  # for govsec serve's metrics: a failure costs only those
    except OSError as exc:
        err.print(f"[yellow]{escape(t('harden.record_failed', error=exc))}[/]")
    if output is Format.json:
        out.print_json(json.dumps({**asdict(run), "changed": run.changed}))
    elif not quiet:
        table = Table(title=t("harden.title", level=level) + (" (--check)" if check else ""))
        for column in ("host", "ok", "changed", "failed", "skipped", "unreachable"):
            table.add_column(column, justify="left" if column == "host" else "right")
        for host in run.hosts:
            table.add_row(
                escape(host.name),
                str(host.ok),
                str(host.changed),
                str(host.failed),
                str(host.skipped),
                "yes" if host.unreachable else "",
            )
        out.print(table)
        for host in run.hosts:
            for message in host.messages:
                err.print(f"[red]{escape(host.name)}[/]: {escape(message)}")
        err.print(t("harden.artifacts", path=escape(run.artifacts)))
    if any(h.unreachable for h in run.hosts):
        raise typer.Exit(EXIT_UNREACHABLE)
    if any(h.failed for h in run.hosts) or run.status != "successful":
        raise typer.Exit(EXIT_FAILED)
