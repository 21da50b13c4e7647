"""The assessment report an assessor reads, in one language, as HTML and (executive part) PDF.

Layout: a cover with the system's identity and the conclusion; an executive page (conclusion,
score, the 高风险 list, counts per area, what changed since the previous assessment); the
findings (every 不符合 / 部分符合 item with its objects, the reason, the evidence record it
cites and the remediation with a priority); the open items; the matrix of items × objects;
appendices (control-point scores, sources and their verification, the questionnaire, the cloud
policies). ``executive=True`` renders the cover, executive page and findings summary only:
that is the PDF an assessor circulates (≤ 10 pages for a 20-host system).

The gap list (差距分析) and remediation plan (整改计划) reuse :mod:`secops.report.gaps`' HTML
and XLSX writers, one row per finding.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from secops.assess.judge import Cell, ItemResult, Said
from secops.assess.labels import alabel
from secops.assess.run import Assessment
from secops.catalog.model import Localized
from secops.files import private_dir, write_atomic
from secops.i18n import Lang
from secops.report.gaps import GapRow, Gaps, render_gaps_html, write_gaps_xlsx
from secops.report.labels import label

VERDICT_COLORS = {
    "compliant": "#2e7d32",
    "partial": "#f9a825",
    "noncompliant": "#c62828",
    "na": "#9e9e9e",
    "open": "#5c6bc0",
}
_VERDICT_ORDER = {"noncompliant": 0, "partial": 1}
_RISK_ORDER = {"high": 0, "medium": 1, "low": 2, "": 3}


def say(said: Said | dict[str, Any], lang: Lang) -> str:
    """A reason in ``lang``; fields that are texts in both languages are said in ``lang``."""
    key, fields = (
        (said.key, said.fields) if isinstance(said, Said) else (said["key"], said["fields"])
    )
    shown: dict[str, Any] = {}
    for name, value in fields.items():
        if isinstance(value, Localized):
            shown[name] = value.get(lang)
        elif isinstance(value, Said):
            shown[name] = say(value, lang)
        else:
            shown[name] = value
    return alabel(key, lang, **shown)


@dataclass
class CellView:
    target: str
    verdict: str
    risk: str
    reason: str
    evidence: list[str]
    unverified: bool


@dataclass
class FindingView:
    number: int
    id: str
    clause: str
    area: str
    family: str
    title: str
    requirement: str
    verdict: str
    risk: str
    record: int | None
    cells: list[CellView]
    remediation: list[str]


@dataclass
class View:
    lang: Lang
    a: Assessment
    level: int
    findings: list[FindingView] = field(default_factory=list)
    open_items: list[tuple[str, str, int, str]] = field(default_factory=list)
    areas: list[tuple[str, dict[str, int]]] = field(default_factory=list)
    families: list[tuple[str, str, float | None, dict[str, int]]] = field(default_factory=list)
    matrix: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    changes: list[tuple[str, str, str, str]] = field(default_factory=list)
    executive: bool = False


def build_view(assessment: Assessment, lang: Lang, executive: bool = False) -> View:
    view = View(lang, assessment, assessment.level, executive=executive)
    level = assessment.level
    shown_name = {t.name: t.shown.get(lang) for t in assessment.targets}
    findings = []
    for item in assessment.items:
        control = item.control
        if any(c.verdict in ("noncompliant", "partial") for c in item.cells):
            cells = [
                CellView(
                    shown_name.get(c.target, c.target),
                    c.verdict,
                    assessment.risk_of(item, c),
                    say(c.reason, lang),
                    c.evidence,
                    c.unverified,
                )
                for c in item.cells
                if c.verdict in ("noncompliant", "partial")
            ]
            risk = min((c.risk for c in cells), key=lambda r: _RISK_ORDER[r], default="")
            findings.append(
                FindingView(
                    0,
                    item.id,
                    control.clauses[level],
                    control.area.get(lang),
                    control.family.get(lang),
                    control.title.get(lang),
                    control.requirement.get(lang),
                    item.verdict,
                    risk,
                    assessment.records.get(item.id),
                    cells,
                    _remediation(assessment, item, lang),
                )
            )
        opened = [c for c in item.cells if c.verdict == "open"]
        if opened:
            view.open_items.append(
                (
                    control.clauses[level],
                    control.title.get(lang),
                    len(opened),
                    say(opened[0].reason, lang),
                )
            )
    findings.sort(key=lambda f: (_RISK_ORDER[f.risk], _VERDICT_ORDER[f.verdict], f.clause))
    for number, finding in enumerate(findings, start=1):
        finding.number = number
    view.findings = findings
    areas: dict[str, dict[str, int]] = {}
    for item in assessment.items:
        counts = areas.setdefault(item.control.area.get(lang), {})
        counts[item.verdict] = counts.get(item.verdict, 0) + 1
    view.areas = list(areas.items())
    controls = assessment.items
    first = {i.id.rsplit(".", 1)[0]: i.control for i in controls}
    view.families = [
        (first[f.family].area.get(lang), first[f.family].family.get(lang), f.score, f.counts)
        for f in assessment.score.families
    ]
    view.matrix = [
        (
            item.control.clauses[level],
            item.control.title.get(lang),
            {c.target: c.verdict for c in item.cells},
        )
        for item in controls
    ]
    for item in controls:
        before = assessment.previous.get(item.id)
        if before is not None and before != item.verdict:
            view.changes.append(
                (item.control.clauses[level], item.control.title.get(lang), before, item.verdict)
            )
    return view


def _remediation(assessment: Assessment, item: ItemResult, lang: Lang) -> list[str]:
    """Each failing cell's advice, once (dict keys keep the first-seen order)."""
    checks = assessment.catalog.checks
    found = (cell for cell in item.cells if cell.verdict in ("noncompliant", "partial"))
    return list(dict.fromkeys(line for cell in found for line in _fix(cell, checks, item, lang)))


def _fix(cell: Cell, checks: dict[str, Any], item: ItemResult, lang: Lang) -> list[str]:
    if cell.way == "checks":
        return [checks[c].remediation.get(lang) for c in cell.failing if c in checks] or [
            alabel("fix.requirement", lang, requirement=item.control.requirement.get(lang))
        ]
    if cell.way == "cloud" and cell.reason.key == "reason.cloud_unavailable":
        asked = item.control.evidence or item.control.requirement
        return [alabel("fix.alternative", lang, asked=asked.get(lang))]
    if cell.way == "cloud":
        return [alabel("fix.cloud", lang, requirement=item.control.requirement.get(lang))]
    asked = item.control.evidence or item.control.requirement
    return [
        alabel(
            "fix.questionnaire",
            lang,
            requirement=item.control.requirement.get(lang),
            asked=asked.get(lang),
        )
    ]


def render(view: View) -> str:
    from secops.report.html import render_template

    return render_template(
        "assess.html.j2", view.lang, v=view, a=view.a, colors=VERDICT_COLORS, kinds=_kinds(view.a)
    )


def _kinds(assessment: Assessment) -> list[tuple[str, list[tuple[str, Localized]]]]:
    groups: dict[str, list[tuple[str, Localized]]] = {}
    for target in assessment.targets:
        groups.setdefault(target.kind, []).append((target.name, target.shown))
    return list(groups.items())


def gaps_of(view: View) -> Gaps:
    """The findings as gap rows for :mod:`secops.report.gaps`' writers."""
    lang = view.lang
    rows = [
        GapRow(
            f.number,
            f.id,
            f.clause,
            f.area,
            f.family,
            f.title,
            f.verdict,
            alabel(f"verdict.{f.verdict}", lang),
            f.risk,
            label(f"priority.{f.risk or 'low'}", lang),
            [c.target for c in f.cells],
            [f"{c.target}: {c.reason}" for c in f.cells],
            f.remediation,
        )
        for f in view.findings
    ]
    return Gaps(lang, view.level, view.a.finished, rows)


def write_reports(
    assessment: Assessment, folder: Path, langs: tuple[Lang, ...], pdf: bool
) -> list[Path]:
    """report.<lang>.html (+ .pdf, the executive part) and the gap list per language."""
    written: list[Path] = []
    private_dir(folder)
    for lang in langs:
        view = build_view(assessment, lang)
        html = folder / f"report.{lang}.html"
        write_atomic(html, render(view))
        written.append(html)
        gaps = gaps_of(view)
        gaps_html = folder / f"gaps.{lang}.html"
        write_atomic(gaps_html, render_gaps_html(gaps))
        gaps_xlsx = folder / f"gaps.{lang}.xlsx"
        write_gaps_xlsx(gaps, gaps_xlsx)
        written += [gaps_html, gaps_xlsx]
        if pdf:
            from secops.report.pdf import write_pdf

            target = folder / f"report.{lang}.pdf"
            write_pdf(render(build_view(assessment, lang, executive=True)), target)
            written.append(target)
    return written
