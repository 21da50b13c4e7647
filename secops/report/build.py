"""From an audit's results.json to the report files: HTML, JSON, JUnit and, if asked, PDF.

The results are validated against their dataclasses (pydantic), so a bad file fails here
naming the file and the field, never halfway through a template.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from secops.audit.results import RESULTS_VERSION, AuditRun
from secops.catalog.model import Catalog
from secops.errors import first_problem
from secops.files import write_atomic
from secops.i18n import Lang
from secops.report.bundle import BUNDLE_NAME
from secops.report.errors import ReportError
from secops.report.evidence import EvidenceCheck
from secops.report.gaps import gap_outputs, gap_rows, render_gaps_html, write_gaps_xlsx
from secops.report.html import render_view
from secops.report.json_report import render_view_json
from secops.report.junit import render_junit
from secops.report.labels import label
from secops.report.pdf import write_pdf
from secops.report.view import BundleSummary, ReportView, build_view

RESULTS_NAME = "results.json"


@dataclass
class Built:
    """The files a build wrote, and what they say."""

    html: Path
    json: Path
    junit: Path
    pdf: Path | None
    view: ReportView
    gaps_html: Path | None = None
    gaps_xlsx: Path | None = None


def results_file(path: Path) -> Path:
    """``path`` itself, or the results.json in the folder ``path``."""
    hint = label("error.results_hint")
    if path.is_dir():
        found = path / RESULTS_NAME
        if not found.is_file():
            raise ReportError(label("error.no_results_in_folder", path=path), hint)
        return found
    if not path.exists():
        raise ReportError(label("error.no_results", path=path), hint)
    return path


def load_results(path: Path) -> AuditRun:
    """The audit run in ``path`` (a results.json or its folder), checked field by field."""
    file = results_file(path)
    hint = label("error.results_hint")
    try:
        text = file.read_bytes().decode("utf-8")
        raw = json.loads(text)
    except OSError as exc:
        raise ReportError(label("error.unreadable", path=file, problem=exc.strerror)) from exc
    except UnicodeDecodeError as exc:
        problem = f"not UTF-8 at byte {exc.start}"
        raise ReportError(label("error.bad_results", path=file, problem=problem), hint) from exc
    except json.JSONDecodeError as exc:
        problem = f"not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        raise ReportError(label("error.bad_results", path=file, problem=problem), hint) from exc
    if not isinstance(raw, dict):
        problem = "expected a JSON object with level, hosts, …"
        raise ReportError(label("error.bad_results", path=file, problem=problem), hint)
    found = raw.get("version", RESULTS_VERSION)
    if found != RESULTS_VERSION:
        raise ReportError(
            label("error.results_version", path=file, found=found, expected=RESULTS_VERSION),
            label("error.results_version.hint"),
        )
    try:
        return _adapter().validate_python(raw)
    except ValidationError as exc:
        where, why = first_problem(exc)
        problem = f"{where}: {why}"
        raise ReportError(label("error.bad_results", path=file, problem=problem), hint) from exc


@cache
def _adapter() -> TypeAdapter[AuditRun]:
    return TypeAdapter(AuditRun)


def bundle_summary(check: EvidenceCheck) -> BundleSummary:
    """The state of the evidence beside the results, as the report shows it."""
    chain = check.chain
    return BundleSummary(
        file=check.bundle,
        ok=check.ok,
        records=chain.records,
        head_sha256=chain.head_sha256,
        head_sm3=chain.head_sm3,
        problem=""
        if check.ok
        else label("evidence.not_verified", problems=label("list.sep").join(check.problems)),
        signer=check.signer if check.signature_valid else "",
        signed_at=check.signed_at if check.signature_valid else "",
        key_fingerprint=check.key_fingerprint if check.signature_valid else "",
        public_key=check.public_key if check.signature_valid else "",
    )


def outputs(html: Path) -> tuple[Path, Path, Path]:
    """Where the JSON, JUnit and PDF files go beside ``html``: same folder, same stem."""
    stem = html.parent / html.stem
    found = (
        stem.with_name(stem.name + ".json"),
        stem.with_name(stem.name + ".junit.xml"),
        stem.with_name(stem.name + ".pdf"),
    )
    if html in found:
        raise ReportError(label("error.write", path=html, problem="name it *.html"))
    return found


def build_reports(
    run: AuditRun,
    catalog: Catalog,
    html: Path,
    lang: Lang,
    *,
    pdf: bool = False,
    evidence: EvidenceCheck | None = None,
    retest: AuditRun | None = None,
) -> Built:
    """Write the HTML report to ``html``, the JSON and JUnit beside it, and the PDF if asked.

    ``evidence`` is the check of the bundle beside the results (None: there is none); the
    report states what it found, and never "intact" unless every part of it held. The gap list
    and remediation plan go beside it too (``<stem>.gaps.html``, ``<stem>.gaps.xlsx``); with
    ``retest`` (a later audit) each task says whether its hosts now meet the control.
    """
    json_path, junit_path, pdf_path = outputs(html)
    summary = bundle_summary(evidence) if evidence is not None else None
    view = build_view(run, catalog, lang, bundle=summary)
    page = render_view(view)
    _write(html, page)
    _write(json_path, render_view_json(view))
    _write(junit_path, render_junit(run, catalog, lang))
    if pdf:
        write_pdf(page, pdf_path)
    gaps = gap_rows(view, retest)
    gaps_html, gaps_xlsx = gap_outputs(html)
    _write(gaps_html, render_gaps_html(gaps))
    write_gaps_xlsx(gaps, gaps_xlsx)
    return Built(html, json_path, junit_path, pdf_path if pdf else None, view, gaps_html, gaps_xlsx)


def bundle_beside(results: Path) -> Path:
    """Where an audit keeps its evidence bundle: beside its results.json."""
    return results_file(results).parent / BUNDLE_NAME


def _write(path: Path, text: str) -> None:
    """Write ``text`` whole or not at all: a reader never sees half a report."""
    try:
        write_atomic(path, text, sync=False)
    except OSError as exc:
        raise ReportError(label("error.write", path=path, problem=exc.strerror)) from exc
