"""``govsec report``: build the auditor's report, verify an evidence bundle."""

from __future__ import annotations

import json
from dataclasses import asdict
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from secops.errors import GovsecError
from secops.i18n import LANGS, Lang, current_lang, parse_lang
from secops.report.labels import label

if TYPE_CHECKING:  # the writers load Jinja, WeasyPrint and the catalog: only when a command runs
    from secops.catalog.model import Catalog
    from secops.report.build import Built
    from secops.report.bundle import BundleCheck

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


class Format(StrEnum):
    table = "table"
    json = "json"


def build() -> typer.Typer:
    """The ``report`` command group."""
    group = typer.Typer(help=label("cli.help"), no_args_is_help=True)

    @group.command("build", help=label("cli.build.help"))
    def build_(
        results: Path = typer.Argument(..., help="results.json, or the audit folder holding it"),
        output: Path | None = typer.Option(
            None,
            "--output",
            "-o",
            help="the HTML file to write (default: report.html beside the results); "
            "<stem>.json, <stem>.junit.xml and <stem>.pdf go beside it",
        ),
        lang: str | None = typer.Option(
            None,
            "--lang",
            help="language of the report (default: the global one)",
            metavar="|".join(LANGS),
        ),
        pdf: bool = typer.Option(False, "--pdf", help="also write <stem>.pdf"),
        catalog_dir: Path | None = typer.Option(
            None, "--catalog", help="control catalog folder (default: the one govsec ships)"
        ),
        output_format: Format = typer.Option(Format.table, "--format"),
    ) -> None:
        from secops.report.build import build_reports, bundle_beside, load_results, results_file

        language = _language(lang)
        run = load_results(results)
        source = results_file(results)
        catalog = _catalog(catalog_dir)
        if run.catalog_version != catalog.version:
            err.print(
                escape(
                    label(
                        "cli.catalog_mismatch",
                        results=source,
                        used=run.catalog_version,
                        loaded=catalog.version,
                    )
                )
            )
        html = output or source.parent / "report.html"
        built = build_reports(run, catalog, html, language, pdf=pdf, bundle=bundle_beside(results))
        bundle = built.view.bundle
        if bundle is not None and not bundle.ok:
            err.print(escape(label("cli.bundle_altered", path=bundle.file, problem=bundle.problem)))
        if output_format is Format.json:
            out.print_json(json.dumps(_built_json(built)))
        else:
            _print_built(built)

    @group.command("verify", help=label("cli.verify.help"))
    def verify(
        bundle: Path = typer.Argument(..., help="the evidence bundle (evidence.jsonl)"),
        output_format: Format = typer.Option(Format.table, "--format"),
    ) -> None:
        from secops.report.bundle import verify_bundle

        check = verify_bundle(bundle)
        if output_format is Format.json:
            out.print_json(json.dumps({"path": str(bundle), **asdict(check)}))
        else:
            _print_check(bundle, check)
        if not check.ok:
            if output_format is Format.table:
                err.print(f"[red]{escape(_altered(check, 'cli.verify.altered', path=bundle))}[/]")
            raise typer.Exit(1)

    return group


def _language(value: str | None) -> Lang:
    if value is None:
        return current_lang()
    try:
        return parse_lang(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--lang") from None


def _catalog(folder: Path | None) -> Catalog:
    from secops.catalog.model import HERE as CATALOG_HOME
    from secops.catalog.model import load_catalog
    from secops.report.errors import ReportError

    try:
        return load_catalog() if folder is None else load_catalog(folder)
    except GovsecError:
        raise
    except OSError as exc:
        where = folder or CATALOG_HOME
        problem = f"{exc.strerror}: {exc.filename}" if exc.filename else exc.strerror
        raise ReportError(label("error.catalog", path=where, problem=problem)) from exc


def _built_json(built: Built) -> dict[str, object]:
    bundle = built.view.bundle
    return {
        "html": str(built.html),
        "json": str(built.json),
        "junit": str(built.junit),
        "pdf": str(built.pdf) if built.pdf else None,
        "lang": built.view.lang,
        "fleet_score": built.view.fleet_score,
        "catalog_matches": built.view.catalog_matches,
        "bundle": asdict(bundle) if bundle else None,
    }


def _print_built(built: Built) -> None:
    written = label("cli.written")
    for kind, path in (
        ("html", built.html),
        ("json", built.json),
        ("junit", built.junit),
        ("pdf", built.pdf),
    ):
        if path is not None:
            out.print(f"{written} {kind:<5} {escape(str(path))}")


def _altered(check: BundleCheck, key: str, **fields: object) -> str:
    return label(key, seq=check.first_bad_seq, line=check.line, reason=check.reason, **fields)


def _print_check(path: Path, check: BundleCheck) -> None:
    table = Table(show_header=False, box=None)
    table.add_column(style="bold")
    table.add_column()
    state = (
        f"[green]{label('bundle.intact')}[/]"
        if check.ok
        else f"[red]{escape(_altered(check, 'bundle.altered'))}[/]"
    )
    table.add_row(label("col.file"), escape(str(path)))
    table.add_row(label("col.state"), state)
    table.add_row(label("col.records"), str(check.records))
    table.add_row(label("col.head_sha256"), check.head_sha256)
    table.add_row(label("col.head_sm3"), check.head_sm3)
    out.print(table)
