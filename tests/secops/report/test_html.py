import copy
import json
import re
from datetime import UTC, datetime
from xml.etree import ElementTree

import pytest

from secops.audit.results import AuditRun, CheckResult, ControlResult, Evidence, HostResult
from secops.catalog.model import Catalog, load_catalog
from secops.i18n import Lang
from secops.report import charts
from secops.report.html import (
    CHART_ROWS,
    MATRIX_COLUMNS,
    check_lines,
    finding_groups,
    passing_evidence,
    render_html,
)
from secops.report.json_report import render_json
from secops.report.junit import render_junit
from secops.report.view import build_view, printable
from tests.secops.report.sample import (
    HOSTILE_EXPECTED,
    HOSTILE_HOST,
    HOSTILE_SEEN,
    HOSTILE_SOURCE,
)

VERDICT_WORDS = {
    "zh": ["符合", "部分符合", "不符合", "不适用", "待人工核查"],
    "en": ["Compliant", "Partially compliant", "Non-compliant", "Not applicable", "Manual review"],
}
NOW = datetime(2025, 3, 14, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_section_in_both_languages(run: AuditRun, catalog: Catalog, lang: Lang) -> None:
    page = render_html(run, catalog, lang, now=NOW)
    headings = {
        "zh": [
            "等保2.0合规核查报告",
            "概览",
            "各主机得分",
            "未能核查的主机",
            "控制项核查结论总表",
            "未通过的检查项与整改建议",
            "测评人员人工核查项",
            "控制项与证据",
            "已通过检查项的证据",
        ],
        "en": [
            "MLPS 2.0 compliance report",
            "Summary",
            "Score per host",
            "Hosts not audited",
            "Verdicts by control and host",
            "Failed checks and remediation",
            "For the assessor: manual items",
            "Controls and evidence",
            "Evidence of passing checks",
        ],
    }[lang]
    for heading in headings:
        assert heading in page
    for word in VERDICT_WORDS[lang]:
        assert word in page
    assert f'lang="{"zh-CN" if lang == "zh" else "en"}"' in page
    assert "2025-03-14T08:00:00Z" in page  # when the report was made
    assert catalog.version in page


def test_summary_figures_and_scores(run: AuditRun, catalog: Catalog) -> None:
    page = render_html(run, catalog, "en")
    assert f"{run.fleet_score:.1f}" in page
    for host in run.hosts:
        if host.score is not None:
            assert f"{host.score:.1f}" in page
    view = build_view(run, catalog, "en")
    assert view.totals.hosts == 4 and view.totals.reachable == 3
    assert sum(view.totals.verdicts.values()) == 3 * len(catalog.controls_at(3))
    assert view.totals.statuses["fail"] == sum(h.counts()["fail"] for h in run.hosts)


def test_every_control_with_verdict_per_host_and_evidence(run: AuditRun, catalog: Catalog) -> None:
    page = render_html(run, catalog, "zh")
    view = build_view(run, catalog, "zh")
    assert [c.id for c in view.controls] == [c.id for c in catalog.controls_at(3)]
    for control in catalog.controls_at(3):
        assert f'id="c-{control.id}"' in page
        assert control.title.zh in page
        assert control.clauses[3] in page
    ia_a = next(c for c in view.controls if c.id == "ce.ia.a")
    db01 = ia_a.verdict_on("db01")
    assert db01 is not None and db01.verdict == "noncompliant" and db01.label == "不符合"
    assert [c.id for c in db01.checks] == ["pass_max_days", "pam_pwquality_minlen"]
    assert db01.checks[0].evidence[0].seen == "99999"
    for text in ("99999", "/etc/login.defs:165", "&lt;= 90"):
        assert text in page


def test_failed_checks_with_remediation(run: AuditRun, catalog: Catalog) -> None:
    view = build_view(run, catalog, "en")
    failed = {f.id: f for f in view.failed}
    assert set(failed) == {
        "pass_max_days",
        "pam_pwquality_minlen",
        "faillock_deny",
        "shell_tmout",
        "sshd_permit_root_login",
    }
    assert [h.host for h in failed["shell_tmout"].hosts] == ["web01", "db01", "app01"]
    assert view.failed[0].severity == "high"  # the worst first
    page = render_html(run, catalog, "en")
    for check_id in failed:
        assert catalog.checks[check_id].remediation.en in page
    assert [f.id for f in view.errors] == ["auditd_enabled"]
    assert "Operation not permitted" in page


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_manual_items_never_hidden(run: AuditRun, catalog: Catalog, lang: Lang) -> None:
    page = render_html(run, catalog, lang)
    view = build_view(run, catalog, lang)
    manual = {m.id: m for m in view.manual}
    assert {"ce.ia.d", "ce.mc.a"} <= set(manual)
    assert manual["ce.ia.d"].hosts == ["web01", "db01", "app01"]
    for control_id in ("ce.ia.d", "ce.mc.a"):
        evidence = catalog.controls[control_id].evidence
        assert evidence is not None
        assert evidence.get(lang) in page
    # db01 could not judge auditd: left to the assessor too
    assert "ce.au.a" in manual and manual["ce.au.a"].hosts == ["db01"]


def test_no_column_of_manual_checks_beside_the_manual_controls(
    run: AuditRun, catalog: Catalog
) -> None:
    """Manual items are controls (待人工核查 counts them); checks are never manual, so the
    status legend and host table do not show a "Manual: 0" that contradicts that count."""
    page = render_html(run, catalog, "zh")
    assert all(c.status != "manual" for h in run.hosts for c in h.checks)
    assert "待测评人员核查项" in page  # the manual controls are counted
    # the status in the legend and the hosts' table (not the verdict 待人工核查, nor the kind)
    status = re.compile(r'</span>人工核查: |<th class="num">人工核查</th>')
    assert not status.search(page)
    withmanual = copy.deepcopy(run)
    withmanual.hosts[0].checks[0].status = "manual"
    assert status.search(render_html(withmanual, catalog, "zh"))


def test_unreachable_host_and_its_reason(run: AuditRun, catalog: Catalog) -> None:
    page = render_html(run, catalog, "en")
    assert "lab04" in page
    assert "Connection timed out (10 s)" in page
    view = build_view(run, catalog, "en")
    assert [h.name for h in view.unreachable] == ["lab04"]
    assert all(v.host != "lab04" for c in view.controls for v in c.verdicts)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_hostile_values_are_escaped(hostile_run: AuditRun, catalog: Catalog, lang: Lang) -> None:
    page = render_html(hostile_run, catalog, lang)
    for raw in (HOSTILE_SEEN, HOSTILE_SOURCE, HOSTILE_HOST, "<script>", "<img src=x", "<b>evil"):
        assert raw not in page
    assert "&lt;script&gt;alert(&#39;seen&#39;)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "&lt;b&gt;evil&lt;/b&gt;&amp;&#34;host&#39;" in page
    assert HOSTILE_EXPECTED == "<= 90 ]]> & {{ 7*7 }}"
    assert "&lt;= 90 ]]&gt; &amp; {{ 7*7 }}" in page  # data is never a template
    # terminal escapes, NUL and the bidi override are shown, not passed on
    assert "\\x1b[31mWARNING" in page and "\x1b" not in page
    assert "\\u202egnp.exe" in page and "\u202e" not in page
    assert "\\x00" in page and "\x00" not in page
    assert "\ufffd" in page  # undecodable bytes, and the lone surrogate made one
    page.encode("utf-8")  # no lone surrogate left


def test_self_contained_no_script_no_external_url(run: AuditRun, catalog: Catalog) -> None:
    page = render_html(run, catalog, "zh")
    assert "<script" not in page and "<link" not in page and "<iframe" not in page
    urls = re.findall(r"(?:src|href)=\"([^\"]*)\"", page)
    assert urls and all(u.startswith("#") for u in urls)
    assert "@import" not in page and "url(" not in page
    assert set(re.findall(r"https?://[^\s\"'<>]+", page)) == {"http://www.w3.org/2000/svg"}


def test_charts_are_well_formed_svg(hostile_run: AuditRun, catalog: Catalog) -> None:
    view = build_view(hostile_run, catalog, "zh")
    bars = charts.score_bars(view.hosts, "t", "未核查", "无得分")
    svg = ElementTree.fromstring(str(bars))  # noqa: S314 - our own output
    rects = list(svg.iter("{http://www.w3.org/2000/svg}rect"))
    assert len(rects) == len(view.hosts)  # a bar, or a dashed frame, per host
    span = charts.WIDTH - charts.NAME_WIDTH - charts.VALUE_WIDTH
    assert view.hosts[0].score == 90.0
    assert float(rects[0].get("width", "0")) == pytest.approx(span * 0.9, abs=0.1)
    assert rects[3].get("stroke-dasharray")  # lab04: not audited, no bar
    texts = "".join(svg.itertext())
    assert HOSTILE_HOST[:12] in texts  # the name is drawn as text, not markup
    ring = ElementTree.fromstring(  # noqa: S314 - our own output
        str(charts.donut(view.totals.verdicts, charts.VERDICT_COLORS, {}, "t", "c"))
    )
    paths = list(ring.iter("{http://www.w3.org/2000/svg}path"))
    assert len(paths) == sum(1 for n in view.totals.verdicts.values() if n)
    full = charts.donut({"compliant": 3}, charts.VERDICT_COLORS, {}, "t", "c")
    assert "<circle" in str(full)  # one verdict everywhere: a whole ring, not a zero arc
    empty = charts.stacked_bars([("a", {})], charts.STATUS_COLORS, {}, "t", "none")
    assert "none" in str(empty)


def test_catalog_mismatch_and_unknown_ids_do_not_break(run: AuditRun, catalog: Catalog) -> None:
    run.catalog_version = "000000000000"
    web = run.hosts[0]
    web.checks.append(CheckResult("retired_check", "fail", [Evidence("1", "x", "0")], ""))
    web.controls.append(ControlResult("ce.zz.a", "noncompliant", ["retired_check"]))
    page = render_html(run, catalog, "en")
    assert "the audit used catalog 000000000000" in page
    assert "retired_check" in page and "ce.zz.a" in page
    assert "not in the loaded catalog" in page


def test_printable_keeps_text_and_shows_controls() -> None:
    assert printable("中文 text\nline\ttab") == "中文 text\nline\ttab"
    assert printable("a\x1bb\x7f\u200bc\u2066") == "a\\x1bb\\x7f\\u200bc\\u2066"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_runs_with_no_host_audited(catalog: Catalog, lang: Lang) -> None:
    nobody = AuditRun(3, "0.1.0", catalog.version, "", "", "", hosts=[])
    down = AuditRun(
        3,
        "0.1.0",
        catalog.version,
        "",
        "",
        "",
        hosts=[HostResult("lab01", "10.0.0.1", reachable=False, error="key refused")],
    )
    for run in (nobody, down):
        page = render_html(run, catalog, lang)
        assert "—" in page  # no fleet score
        assert catalog.controls["ce.ia.d"].title.get(lang) in page  # manual items still listed
        json.loads(render_json(run, catalog, lang))
        ElementTree.fromstring(render_junit(run, catalog, lang))  # noqa: S314 - our own output
    assert "key refused" in render_html(down, catalog, lang)


def test_large_fleet_splits_matrix_and_charts(run: AuditRun, catalog: Catalog) -> None:
    hosts = []
    for n in range(40):
        host = copy.deepcopy(run.hosts[n % 3])
        host.name = f"host{n:02d}"
        hosts.append(host)
    run.hosts = hosts
    page = render_html(run, catalog, "en")
    assert page.count('<table class="data matrix">') == -(-40 // MATRIX_COLUMNS)
    assert page.count('class="chart"') == 2 + 2 * -(-40 // CHART_ROWS)
    for n in range(40):
        assert f"host{n:02d}" in page


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_capped_verdict_shows_why_in_html_and_json(lang: Lang) -> None:
    """部分符合 although every check passes: the catalog's partial-evidence text is the reason."""
    real = load_catalog()
    host = HostResult("web01", "10.0.0.5", reachable=True, as_root=True)
    host.checks.append(CheckResult("aide_scheduled", "pass", [Evidence("timer", "x", "y")], ""))
    host.controls.append(
        ControlResult("ce.tv.a", "partial", ["aide_scheduled"], ["aide_scheduled"])
    )
    run = AuditRun(3, "0.1.0", real.version, "", "", "", hosts=[host])
    reason = real.checks["aide_scheduled"].partial_evidence
    assert reason is not None
    page = render_html(run, real, lang, now=NOW)
    label = {"zh": "仅为部分证据", "en": "Partial evidence only"}[lang]
    assert label in page and reason.get(lang) in page
    data = json.loads(render_json(run, real, lang, now=NOW))
    control = next(c for c in data["controls"] if c["id"] == "ce.tv.a")
    (verdict,) = control["verdicts"]
    assert verdict["verdict"] == "partial"
    assert verdict["reasons"] == [
        {
            "check_id": "aide_scheduled",
            "title": real.checks["aide_scheduled"].title.get(lang),
            "reason": reason.get(lang),
        }
    ]


def test_hosts_alike_share_a_line_and_a_host_that_differs_keeps_its_own(
    run: AuditRun, catalog: Catalog
) -> None:
    # web01 and app01 answer alike in the sample run, db01 otherwise; app01 now differs from
    # web01 in one value of one passing check only
    run = copy.deepcopy(run)
    app01 = next(h for h in run.hosts if h.name == "app01")
    faillock = next(c for c in app01.checks if c.check_id == "faillock_deny")
    faillock.evidence[0].seen = "deny=4 unlock_time=600"
    view = build_view(run, catalog, "en")
    tmout = next(f for f in view.failed if f.id == "shell_tmout")
    assert [g.hosts for g in finding_groups(tmout)] == [["web01", "app01"], ["db01"]]
    passing = {p.check.id: p for p in passing_evidence(view.controls)}
    assert [o.hosts for o in passing["faillock_deny"].outcomes] == [["web01"], ["app01"]]
    assert [o.hosts for o in passing["pass_max_days"].outcomes] == [["web01", "app01"]]
    assert "audit_log_retention" in passing  # not applicable on db01: its reason is evidence
    assert "shell_tmout" not in passing  # failed everywhere: its evidence is with the findings

    page = render_html(run, catalog, "en")
    failed = page[page.index('<section id="failed">') : page.index('<section id="errors">')]
    passed = page[page.index('<section id="passed">') :]
    assert failed.count("(unset)") == 1 and failed.count("1800") == 1
    assert "web01, app01" in failed
    assert passed.count("deny=5 unlock_time=600") == 1
    assert passed.count("deny=4 unlock_time=600") == 1  # the host that differs is not hidden
    assert "logs forwarded: retention is judged on the log store" in passed


def test_a_control_lists_its_checks_per_host_and_links_to_their_evidence(
    run: AuditRun, catalog: Catalog
) -> None:
    view = build_view(run, catalog, "en")
    ia_a = next(c for c in view.controls if c.id == "ce.ia.a")
    lines = {line.check.id: line for line in check_lines(ia_a)}
    days = [(s.status, s.hosts) for s in lines["pass_max_days"].statuses]
    assert days == [("pass", ["web01", "app01"]), ("fail", ["db01"])]
    page = render_html(run, catalog, "en")
    control = page[page.index('id="c-ce.ia.a"') : page.index('id="c-ce.ia.b"')]
    assert 'href="#e-pass_max_days"' in control and 'href="#f-pass_max_days"' in control
    assert 'id="e-pass_max_days"' in page and 'id="f-pass_max_days"' in page
    audit = next(c for c in view.controls if c.id == "ce.au.a")
    assert 'href="#x-auditd_enabled"' in page and 'id="x-auditd_enabled"' in page
    assert [s.status for s in check_lines(audit)[0].statuses] == ["pass", "error"]
    # each check's evidence once, however many controls it supports
    assert passing_evidence([ia_a, ia_a]) == passing_evidence([ia_a])
