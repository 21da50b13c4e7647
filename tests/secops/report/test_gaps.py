"""差距分析 and 整改计划: rows, order, retest, and the files (HTML and XLSX) with hostile values."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from secops.audit.results import AuditRun
from secops.audit.runner import write
from secops.catalog.model import Catalog
from secops.report.gaps import gap_rows, render_gaps_html, write_gaps_xlsx
from secops.report.signing import ensure_key
from secops.report.view import build_view
from tests.conftest import govsec
from tests.secops.report.sample import CATALOG_DIR

VERDICT_RANK = {"noncompliant": 0, "partial": 1}
SEVERITY_RANK = {"high": 0, "medium": 1, "low": 2, "": 3}


def test_every_control_not_met_is_a_row_worst_first(run: AuditRun, catalog: Catalog) -> None:
    view = build_view(run, catalog, "en")
    gaps = gap_rows(view)
    short = {
        (c.control_id, h.name)
        for h in run.hosts
        for c in h.controls
        if c.verdict in ("noncompliant", "partial")
    }
    assert short, "the sample must have gaps"
    assert {(r.control_id, host) for r in gaps.rows for host in r.hosts} == short
    ranks = [(VERDICT_RANK[r.verdict], SEVERITY_RANK[r.severity]) for r in gaps.rows]
    assert ranks == sorted(ranks)
    assert [r.number for r in gaps.rows] == list(range(1, len(gaps.rows) + 1))
    failing = next(r for r in gaps.rows if r.verdict == "noncompliant")
    assert failing.findings and failing.remediation
    assert any("expected" in f for f in failing.findings)
    assert failing.priority in ("high", "medium", "low")


def test_the_retest_says_what_a_later_audit_found(run: AuditRun, catalog: Catalog) -> None:
    view = build_view(run, catalog, "zh")
    first = gap_rows(view).rows
    fixed, still = first[0], first[-1]
    later = copy.deepcopy(run)
    for host in later.hosts:
        for control in host.controls:
            if control.control_id == fixed.control_id:
                control.verdict = "compliant"
    later.finished = "2026-12-01T00:00:00Z"
    retested = {r.control_id: r for r in gap_rows(view, later).rows}
    assert retested[fixed.control_id].retest == "已整改"
    if still.control_id != fixed.control_id:
        assert retested[still.control_id].retest.startswith("仍有")
    gone = copy.deepcopy(later)
    gone.hosts = [h for h in gone.hosts if h.name not in fixed.hosts]
    assert gap_rows(view, gone).rows[0].retest.startswith("未复测")


def test_the_workbook_has_both_sheets_and_keeps_hostile_text_as_text(
    hostile_run: AuditRun, catalog: Catalog, tmp_path: Path
) -> None:
    gaps = gap_rows(build_view(hostile_run, catalog, "zh"))
    # a value a spreadsheet would run as a formula if it were stored as one
    gaps.rows[0].findings.append('=HYPERLINK("http://example.invalid","click")')
    gaps.rows[0].findings.append("escape \x1b[31m and NUL \x00 from a host")
    path = tmp_path / "gaps.xlsx"
    write_gaps_xlsx(gaps, path)
    book = load_workbook(path)
    assert book.sheetnames == ["差距分析", "整改计划"]
    gap_sheet, plan_sheet = book["差距分析"], book["整改计划"]
    assert [c.value for c in gap_sheet[1]][:4] == ["序号", "条款", "安全控制点", "要求项"]
    assert [c.value for c in plan_sheet[1]][-3:] == ["责任人", "计划完成日期", "复测结果"]
    assert gap_sheet.max_row == len(gaps.rows) + 1 == plan_sheet.max_row
    cells = [cell for row in gap_sheet.iter_rows(min_row=2) for cell in row]
    assert not any(cell.data_type == "f" for cell in cells)
    texts = "\n".join(str(cell.value) for cell in cells if cell.value is not None)
    assert '=HYPERLINK("http://example.invalid","click")' in texts  # kept, as text
    assert "<script>" in texts  # host values are data, shown as they are
    assert "\x1b" not in texts and "\\x1b[31m" in texts  # control characters made visible
    assert "\x00" not in texts and "\\x00" in texts
    assert all(cell.value in (None, "") for cell in plan_sheet["G"][1:])  # owner: to fill in


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_html_page_is_escaped_and_in_one_language(
    hostile_run: AuditRun, catalog: Catalog, lang: str
) -> None:
    page = render_gaps_html(gap_rows(build_view(hostile_run, catalog, lang)))  # type: ignore[arg-type]
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    if lang == "zh":
        assert "差距分析" in page and "整改计划" in page and "Remediation plan" not in page
    else:
        assert "Gap analysis" in page and "整改计划" not in page


def test_report_build_writes_the_gap_list_and_plan_beside_the_report(
    tmp_path: Path, run: AuditRun
) -> None:
    audit = tmp_path / "audit"
    home = tmp_path / "home"
    write(run, [], audit, ensure_key(home / "keys"))
    later = tmp_path / "later"
    write(run, [], later, ensure_key(home / "keys"))
    env = {"GOVSEC_HOME": str(home), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
    result = govsec(
        "report", "build", str(audit), "--catalog", str(CATALOG_DIR), "--format", "json",
        "--retest", str(later), env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    made = json.loads(result.stdout)
    assert made["gaps_html"] == str(audit / "report.gaps.html")
    assert made["gaps_xlsx"] == str(audit / "report.gaps.xlsx")
    book = load_workbook(audit / "report.gaps.xlsx")
    plan = book["Remediation plan"]
    retests = [row[-1].value for row in plan.iter_rows(min_row=2)]
    assert retests and all(r and r.startswith("still not met") for r in retests)
