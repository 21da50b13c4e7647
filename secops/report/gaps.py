"""差距分析 and 整改计划: what is not met, and the plan to meet it, as assessors exchange them.

One row per control that some host does not meet (不符合 first, then 部分符合; the worst
severity of its failing checks first within each), with the hosts, what was found on each (the
failing checks' values against what was expected) and the catalog's remediation. The plan has
the same rows as tasks with a priority from the severity and the columns a team fills in
(owner, deadline); given a later audit (``--retest``) it says per task whether the hosts now
meet the control. Written as HTML (self-contained, like the report) and as an XLSX workbook
with both sheets (openpyxl), which is what assessment teams pass around.

Values from hosts are data: escaped in HTML, and in the workbook always stored as text (a value
starting with ``=`` is never a formula) with the characters XML cannot carry shown as escapes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from secops.audit.results import AuditRun
from secops.files import atomic_writer
from secops.i18n import Lang
from secops.report.labels import label
from secops.report.view import ControlView, ReportView, printable

if TYPE_CHECKING:  # openpyxl loads only when a workbook is written
    from openpyxl.cell.cell import Cell

# worst first: the order rows are listed in and the priority a task gets
_VERDICT_ORDER = {"noncompliant": 0, "partial": 1}
_SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2, "": 3}
_PRIORITY = {"high": "priority.high", "medium": "priority.medium", "low": "priority.low"}


@dataclass
class GapRow:
    """One control that is not met, with everything both sheets show."""

    number: int
    control_id: str
    clause: str
    area: str
    family: str
    title: str
    verdict: str  # the worst over its hosts: noncompliant or partial
    verdict_label: str
    severity: str  # the worst of its failing checks ("" when none failed: partial evidence)
    priority: str
    hosts: list[str]
    findings: list[str]  # "host: check — seen (source), expected …"
    remediation: list[str]
    retest: str = ""  # with a later audit: met now, still not met on N hosts, not audited


@dataclass
class Gaps:
    lang: Lang
    level: int
    finished: str
    rows: list[GapRow] = field(default_factory=list)
    retest_finished: str = ""  # the later audit's, when one was given


def gap_rows(view: ReportView, later: AuditRun | None = None) -> Gaps:
    """The gaps of ``view``'s audit; with ``later``, each says what the later audit found."""
    rows: list[GapRow] = []
    for control in view.controls:
        row = _row(control, view.lang)
        if row is not None:
            rows.append(row)
    rows.sort(key=lambda r: (_VERDICT_ORDER[r.verdict], _SEVERITY_ORDER[r.severity], r.clause))
    for number, row in enumerate(rows, start=1):
        row.number = number
        if later is not None:
            row.retest = _retest(row, later, view.lang)
    return Gaps(view.lang, view.level, view.finished, rows, later.finished if later else "")


def _row(control: ControlView, lang: Lang) -> GapRow | None:
    short = [v for v in control.verdicts if v.verdict in _VERDICT_ORDER]
    if not short:
        return None
    worst = min((v.verdict for v in short), key=_VERDICT_ORDER.__getitem__)
    severities: list[str] = []
    # the same finding on several hosts is said once, with its hosts: text -> hosts
    found: dict[str, list[str]] = {}
    remediation: list[str] = []
    for verdict in short:
        for check in verdict.checks:
            if check.status != "fail":
                continue
            severities.append(check.severity)
            seen = "; ".join(
                label("gaps.seen", lang, seen=e.seen, source=e.source, expected=e.expected)
                for e in check.evidence
            )
            text = (
                label("gaps.finding", lang, check=check.title, seen=seen) if seen else check.title
            )
            found.setdefault(text, []).append(verdict.host)
            if check.remediation and check.remediation not in remediation:
                remediation.append(check.remediation)
        for reason in verdict.reasons:
            text = label("gaps.partial", lang, check=reason.title, why=reason.reason)
            found.setdefault(text, []).append(verdict.host)
    findings = [
        label("gaps.on_hosts", lang, finding=text, hosts=", ".join(hosts))
        for text, hosts in found.items()
    ]
    severity = min(severities, key=_SEVERITY_ORDER.__getitem__) if severities else ""
    return GapRow(
        number=0,
        control_id=control.id,
        clause=control.clause,
        area=control.area,
        family=control.family,
        title=control.title,
        verdict=worst,
        verdict_label=label(f"verdict.{worst}", lang),
        severity=severity,
        priority=label(_PRIORITY.get(severity, "priority.low"), lang),
        hosts=[v.host for v in short],
        findings=findings,
        remediation=remediation,
    )


def _retest(row: GapRow, later: AuditRun, lang: Lang) -> str:
    """What the later audit found for this control on the row's hosts."""
    verdicts: dict[str, str] = {}
    for host in later.hosts:
        for control in host.controls:
            if control.control_id == row.control_id:
                verdicts[host.name] = control.verdict
    missing = [h for h in row.hosts if h not in verdicts]
    still = [h for h in row.hosts if verdicts.get(h) not in (None, "compliant", "na")]
    if still:
        return label("gaps.retest.still", lang, n=len(still), hosts=", ".join(still))
    if missing:
        return label("gaps.retest.missing", lang, hosts=", ".join(missing))
    return label("gaps.retest.met", lang)


def gap_outputs(html: Path) -> tuple[Path, Path]:
    """Where the gap list goes beside a report: ``<stem>.gaps.html`` and ``<stem>.gaps.xlsx``."""
    stem = html.parent / html.stem
    return stem.with_name(stem.name + ".gaps.html"), stem.with_name(stem.name + ".gaps.xlsx")


def render_gaps_html(gaps: Gaps) -> str:
    """Both sheets as one self-contained HTML page in the gaps' language."""
    from secops.report import charts
    from secops.report.html import render_template

    return render_template("gaps.html.j2", gaps.lang, g=gaps, verdict_colors=charts.VERDICT_COLORS)


def write_gaps_xlsx(gaps: Gaps, path: Path) -> None:
    """The workbook: sheet 差距分析 / Gap analysis and sheet 整改计划 / Remediation plan."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font, PatternFill

    lang = gaps.lang
    book = Workbook()
    book.remove(book.worksheets[0])  # the default sheet: ours are named
    gap_sheet = book.create_sheet(label("gaps.sheet.gaps", lang))
    plan_sheet = book.create_sheet(label("gaps.sheet.plan", lang))
    gap_columns = [
        ("gaps.col.number", 6), ("gaps.col.clause", 12), ("gaps.col.family", 16),
        ("gaps.col.item", 34), ("gaps.col.verdict", 12), ("gaps.col.severity", 10),
        ("gaps.col.hosts", 20), ("gaps.col.findings", 70), ("gaps.col.remediation", 60),
    ]  # fmt: skip
    plan_columns = [
        ("gaps.col.number", 6), ("gaps.col.clause", 12), ("gaps.col.item", 34),
        ("gaps.col.priority", 10), ("gaps.col.hosts", 20), ("gaps.col.remediation", 60),
        ("gaps.col.owner", 14), ("gaps.col.deadline", 14), ("gaps.col.retest", 24),
    ]  # fmt: skip
    gap_values = [
        [row.number, row.clause, row.family, row.title, row.verdict_label,
         label(f"severity.{row.severity}", lang) if row.severity else "",
         "\n".join(row.hosts), "\n".join(row.findings), "\n".join(row.remediation)]
        for row in gaps.rows
    ]  # fmt: skip
    plan_values = [
        [row.number, row.clause, row.title, row.priority, "\n".join(row.hosts),
         "\n".join(row.remediation), "", "", row.retest]
        for row in gaps.rows
    ]  # fmt: skip
    header_fill = PatternFill("solid", fgColor="1F3A5F")
    for sheet, columns, values in (
        (gap_sheet, gap_columns, gap_values),
        (plan_sheet, plan_columns, plan_values),
    ):
        for index, (key, width) in enumerate(columns, start=1):
            cell = sheet.cell(row=1, column=index, value=label(key, lang))
            cell.font = Font(bold=True, color="FFFFFF")
            cell.fill = header_fill
            cell.alignment = Alignment(vertical="center", wrap_text=True)
            sheet.column_dimensions[cell.column_letter].width = width
        for row_index, row in enumerate(values, start=2):
            for index, value in enumerate(row, start=1):
                cell = sheet.cell(row=row_index, column=index)
                _set(cell, value, ILLEGAL_CHARACTERS_RE)
                cell.alignment = Alignment(vertical="top", wrap_text=True)
        sheet.freeze_panes = "B2"
        sheet.auto_filter.ref = sheet.dimensions
    book.properties.creator = "govsec"
    book.properties.title = label("gaps.title", lang)
    try:
        with atomic_writer(path, sync=False) as stream:
            book.save(stream)
    except OSError as exc:
        from secops.report.errors import ReportError

        raise ReportError(label("error.write", path=path, problem=exc.strerror)) from exc


def _set(cell: Cell, value: object, illegal: re.Pattern[str]) -> None:
    """Numbers as numbers; every text as text, never a formula, ``illegal`` (what XML cannot
    carry) shown as escapes."""
    if isinstance(value, int):
        cell.value = value
        return
    text = printable(str(value))
    text = illegal.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    cell.value = text
    cell.data_type = "s"  # "=…" stays text, never a formula a spreadsheet would run
