"""``govsec report``: build the auditor's report, verify an evidence bundle."""

from __future__ import annotations

import json
from dataclasses import asdict
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.cells import cell_len
from rich.console import Console

from secops.cli.app import safe
from secops.errors import GovsecError
from secops.i18n import LANGS, Lang, current_lang, parse_lang
from secops.report.labels import label

if TYPE_CHECKING:  # the writers load Jinja, WeasyPrint and the catalog: only when a command runs
    from secops.catalog.model import Catalog
    from secops.report.build import Built
    from secops.report.evidence import EvidenceCheck

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


class Format(StrEnum):
    table = "table"
    json = "json"


def build() -> typer.Typer:
    """The ``report`` command group."""
    group = typer.Typer(help=label("cli.help"), no_args_is_help=True)
    keys_opt = typer.Option([], "--key", help=label("cli.key.help"), show_default=False)
    unverified_opt = typer.Option(
        False, "--allow-unverified", help=label("cli.allow_unverified.help")
    )
    bundle_arg = typer.Argument(..., help=label("cli.verify.bundle.help"))
    results_arg = typer.Argument(..., help=label("cli.opt.results"))
    output_opt = typer.Option(None, "--output", "-o", help=label("cli.opt.output"))
    lang_opt = typer.Option(None, "--lang", help=label("cli.opt.lang"), metavar="|".join(LANGS))
    pdf_opt = typer.Option(False, "--pdf", help=label("cli.opt.pdf"))
    catalog_opt = typer.Option(None, "--catalog", help=label("cli.opt.catalog"))
    format_opt = typer.Option(Format.table, "--format", help=label("cli.opt.format"))
    retest_opt = typer.Option(None, "--retest", help=label("cli.opt.retest"))

    @group.command("build", help=label("cli.build.help"))
    def build_(
        results: Path = results_arg,
        output: Path | None = output_opt,
        lang: str | None = lang_opt,
        pdf: bool = pdf_opt,
        catalog_dir: Path | None = catalog_opt,
        output_format: Format = format_opt,
        keys: list[Path] = keys_opt,
        allow_unverified: bool = unverified_opt,
        retest: Path | None = retest_opt,
    ) -> None:
        from secops.report.build import build_reports, bundle_beside, load_results, results_file
        from secops.report.errors import ReportError
        from secops.report.evidence import check_evidence
        from secops.report.signing import trusted_keys

        language = _language(lang)
        run = load_results(results)
        source = results_file(results)
        beside = bundle_beside(results)
        trusted = trusted_keys(keys)
        # --lang is the language of the whole run (secops.cli.app): CLI and report say the same
        evidence = check_evidence(beside, trusted, source) if beside.exists() else None
        if evidence is not None and not evidence.ok and not allow_unverified:
            problems = label("list.sep").join(evidence.problems)
            raise ReportError(
                label("error.unverified", path=source, problems=problems),
                label("error.unverified.hint"),
            )
        catalog = _catalog(catalog_dir)
        if run.catalog_version != catalog.version:
            err.print(
                safe(
                    label(
                        "cli.catalog_mismatch",
                        results=source,
                        used=run.catalog_version,
                        loaded=catalog.version,
                    )
                )
            )
        html = output or source.parent / "report.html"
        later = load_results(retest) if retest is not None else None
        built = build_reports(
            run, catalog, html, language, pdf=pdf, evidence=evidence, retest=later
        )
        bundle = built.view.bundle
        if bundle is not None and not bundle.ok:
            problem = label("list.sep").join(evidence.problems if evidence else [])
            err.print(safe(label("cli.bundle_altered", path=bundle.file, problem=problem)))
        elif bundle is None:
            err.print(safe(label("cli.no_bundle", path=source)))
        if output_format is Format.json:
            out.print_json(json.dumps(_built_json(built)))
        else:
            _print_built(built)

    @group.command("verify", help=label("cli.verify.help"))
    def verify(
        bundle: Path = bundle_arg,
        output_format: Format = format_opt,
        keys: list[Path] = keys_opt,
    ) -> None:
        from secops.report.build import RESULTS_NAME
        from secops.report.bundle import BUNDLE_NAME
        from secops.report.evidence import check_evidence
        from secops.report.signing import trusted_keys

        if bundle.is_dir():
            bundle = bundle / BUNDLE_NAME
        results = bundle.with_name(RESULTS_NAME)
        if not results.is_file():  # a system assessment's folder (govsec assess)
            from secops.assess.run import ASSESSMENT_NAME

            results = bundle.with_name(ASSESSMENT_NAME)
        check = check_evidence(bundle, trusted_keys(keys), results if results.is_file() else None)
        if output_format is Format.json:
            out.print_json(json.dumps({"path": str(bundle), "ok": check.ok, **asdict(check)}))
        else:
            _print_check(bundle, check)
        if not check.ok:
            if output_format is Format.table:
                for problem in check.problems:
                    said = label("cli.verify.problem", path=bundle, problem=problem)
                    err.print(f"[red]{safe(said)}[/]")
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
        "gaps_html": str(built.gaps_html) if built.gaps_html else None,
        "gaps_xlsx": str(built.gaps_xlsx) if built.gaps_xlsx else None,
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
        ("gaps", built.gaps_html),
        ("gaps", built.gaps_xlsx),
    ):
        if path is not None:
            out.print(f"{written} {kind:<5} {safe(str(path))}")


def _print_check(path: Path, check: EvidenceCheck) -> None:
    """One ``label  value`` line each: hashes and keys whole, however narrow the terminal."""
    chain = check.chain
    verified = label("evidence.ok")
    failed = label("evidence.not_verified", problems=label("list.sep").join(check.problems))
    state = f"[green]{safe(verified)}[/]" if check.ok else f"[red]{safe(failed)}[/]"
    rows = [
        (label("col.file"), safe(str(path))),
        (label("col.state"), state),
        (label("col.records"), str(chain.records)),
        (label("col.head_sha256"), chain.head_sha256),
        (label("col.head_sm3"), chain.head_sm3),
    ]
    if check.signed:
        rows += [
            (label("col.signer"), safe(check.signer)),
            (label("col.signed_at"), safe(check.signed_at)),
            (label("col.fingerprint"), safe(check.key_fingerprint)),
        ]
    if check.results_checked:
        rows.append((label("col.verdicts"), label("yes" if check.results_match else "no")))
    width = max(cell_len(name) for name, _ in rows)
    for name, value in rows:
        out.print(f"[bold]{safe(name)}[/]{' ' * (width - cell_len(name) + 2)}{value}")
