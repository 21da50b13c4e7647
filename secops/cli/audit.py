"""``govsec audit``: the MLPS audit of an inventory, or of this machine.

Exit codes a CI can gate on: 0 every host audited (and the fleet score at least
``--fail-under``); 3 at least one host could not be audited; 4 every host audited but the
fleet score is under ``--fail-under``; 1 the audit itself could not run; 2 usage.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from secops.audit.results import AuditRun, HostResult
from secops.config import cache_dir, data_dir
from secops.files import write_atomic
from secops.i18n import current_lang, t

if TYPE_CHECKING:
    from secops.audit.inventory import Target
    from secops.catalog.model import Catalog

EXIT_UNREACHABLE = 3
EXIT_UNDER = 4

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


class Format(StrEnum):
    table = "table"
    json = "json"
    junit = "junit"


def default_out_dir(level: int) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return data_dir() / "audits" / f"{stamp}-l{level}"


# The options' help in the current language: this module is imported once the language is set
_INVENTORY = typer.Option(None, "--inventory", "-i", help=t("audit.opt.inventory"))
_LIMIT = typer.Option(None, "--limit", "-l", help=t("opt.limit"))
_LEVEL = typer.Option(3, "--level", min=2, max=3, help=t("opt.level"))
_FORMAT = typer.Option(Format.table, "--format", help=t("opt.format"))
_OUT_DIR = typer.Option(None, "--output-dir", "-o", help=t("audit.opt.output_dir"))
_FAIL_UNDER = typer.Option(None, "--fail-under", min=0, max=100, help=t("audit.opt.fail_under"))
_QUIET = typer.Option(False, "--quiet", "-q", help=t("opt.quiet"))


def audit(
    inventory: Path | None = _INVENTORY,
    limit: str | None = _LIMIT,
    level: int = _LEVEL,
    output: Format = _FORMAT,
    out_dir: Path | None = _OUT_DIR,
    fail_under: float | None = _FAIL_UNDER,
    quiet: bool = _QUIET,
) -> None:
    """Audit hosts against the MLPS catalog; write results, evidence and a report."""
    targets = _targets(inventory, limit) if inventory else None
    from secops.audit.runner import EVIDENCE, RESULTS, run_audit

    folder = out_dir or default_out_dir(level)
    from secops.report.signing import ensure_key

    key = ensure_key()  # before any host is asked: a run that cannot sign stops here
    if key.created:
        err.print(t("audit.key_created", path=escape(str(key.path)), fingerprint=key.fingerprint))
    loud = output is Format.table and not quiet and err.is_terminal
    total = len(targets) if targets is not None else 1
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        disable=not loud,
    ) as progress:
        task = progress.add_task(t("audit.progress", level=level), total=total)

        def advance(result: HostResult) -> None:
            progress.advance(task)

        run = run_audit(
            targets,
            _prepare,
            level,
            folder,
            inventory=str(inventory.absolute()) if inventory else "",
            on_host=advance,
            key=key,
        )
    from secops.catalog.model import load_catalog
    from secops.report.html import render_html
    from secops.report.junit import render_junit

    catalog = load_catalog()
    report = folder / "report.html"
    write_atomic(report, render_html(run, catalog, current_lang()), sync=False)
    _link_latest(folder)
    if output is Format.json:
        out.print((folder / RESULTS).read_text(encoding="utf-8"), markup=False)
    elif output is Format.junit:
        out.print(render_junit(run, catalog), markup=False)
    elif not quiet:
        _print_table(run)
        err.print(
            t(
                "audit.written",
                results=escape(str(folder / RESULTS)),
                report=escape(str(report)),
                evidence=escape(str(folder / EVIDENCE)),
                fingerprint=key.fingerprint,
            )
        )
    raise typer.Exit(exit_code(run, fail_under))


def _targets(inventory: Path, limit: str | None) -> list[Target]:
    """The inventory's hosts: remembered from the last run when the inventory is static,
    else read by Ansible in a forked process while this one loads paramiko (two cores)."""
    from secops.audit.inventory import cached_targets, load_targets

    cache = cache_dir() / "audit-inventory"
    found = cached_targets(inventory, limit, cache)
    if found is not None:
        return found
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("fork")) as pool:
        pending = pool.submit(load_targets, inventory, limit, cache)
        import secops.audit.transport  # noqa: F401 - paramiko loads meanwhile

        return pending.result()


def _prepare() -> Catalog:
    """What evaluation and the report need, loaded while the hosts are being collected."""
    from secops.audit.evaluate import evaluate_host  # noqa: F401 - the checks and the catalog
    from secops.catalog.model import load_catalog
    from secops.report.html import warm_up

    warm_up()
    return load_catalog()


def exit_code(run: AuditRun, fail_under: float | None) -> int:
    """3 when a host was not audited, 4 when the fleet score is under the bar, else 0."""
    if any(not host.reachable for host in run.hosts):
        return EXIT_UNREACHABLE
    if fail_under is not None and (run.fleet_score is None or run.fleet_score < fail_under):
        return EXIT_UNDER
    return 0


def _print_table(run: AuditRun) -> None:
    table = Table(title=t("audit.title", level=run.level))
    numbers = ("score", "pass", "fail", "error", "na", "manual")
    for column in ("host", "address", *numbers, "note"):
        table.add_column(t(f"audit.col.{column}"), justify="right" if column in numbers else "left")
    for host in run.hosts:
        if not host.reachable:
            table.add_row(
                escape(host.name),
                escape(host.address),
                "-",
                "",
                "",
                "",
                "",
                "",
                f"[red]{escape(host.error)}[/]",
            )
            continue
        counts = host.counts()
        score = "-" if host.score is None else f"{host.score:.1f}"
        note = "" if host.as_root else t("audit.not_root")
        # manual items are controls left to the assessor (checks are never manual)
        manual = sum(1 for control in host.controls if control.verdict == "manual")
        table.add_row(
            escape(host.name),
            escape(host.address),
            score,
            str(counts["pass"]),
            str(counts["fail"]),
            str(counts["error"]),
            str(counts["na"]),
            str(manual),
            note,
        )
    out.print(table)
    fleet = "-" if run.fleet_score is None else f"{run.fleet_score:.1f}"
    out.print(t("audit.fleet", score=fleet, hosts=len(run.hosts)))


def _link_latest(folder: Path) -> None:
    """``<data>/audits/latest`` names the newest audit written under the data dir."""
    audits = data_dir() / "audits"
    if folder.parent != audits:
        return
    link = audits / "latest"
    temporary = audits / ".latest.tmp"
    temporary.unlink(missing_ok=True)
    temporary.symlink_to(folder.name)
    temporary.replace(link)
