"""The HTML report: one self-contained file (inline CSS and SVG, no script, no external URL).

The same HTML feeds the PDF (its print rules are in the same stylesheet). Jinja2 escapes
every value: results carry hostile data (file contents, banners, user names).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

from jinja2 import (
    BytecodeCache,
    Environment,
    FileSystemBytecodeCache,
    FileSystemLoader,
    StrictUndefined,
)
from markupsafe import Markup

from secops import __version__
from secops.audit.results import STATUSES, VERDICTS, AuditRun
from secops.catalog.model import Catalog
from secops.config import cache_dir
from secops.i18n import Lang
from secops.report import charts
from secops.report.labels import label, labels_for
from secops.report.view import (
    BundleSummary,
    CheckView,
    ControlView,
    EvidenceView,
    HostVerdict,
    HostView,
    ReportView,
    build_view,
    printable,
)

TEMPLATES = Path(__file__).parent / "templates"
MATRIX_COLUMNS = 6  # hosts per verdict table: what an A4 page holds legibly
CHART_ROWS = 30  # hosts per bar chart: an SVG cannot break across pages, 30 bars fit one


@dataclass
class Group:
    """Consecutive controls of one area and family, as the standard orders them."""

    area: str
    family: str
    controls: list[ControlView]


@dataclass
class Row:
    """One line of a control's evidence table; cells spanning lines appear on the first only."""

    verdict: HostVerdict | None  # set on the host's first line
    host_span: int
    check: CheckView | None  # set on the check's first line
    check_span: int
    evidence: EvidenceView | None
    empty: bool = False  # the host's verdict rests on no check (a manual control)


def render_html(
    run: AuditRun,
    catalog: Catalog,
    lang: Lang,
    *,
    bundle: BundleSummary | None = None,
    now: datetime | None = None,
) -> str:
    """The report of ``run`` as one HTML document in ``lang``."""
    return render_view(build_view(run, catalog, lang, bundle=bundle, now=now))


def render_view(view: ReportView) -> str:
    """The HTML document of an already built report view."""
    template = _environment().get_template("report.html.j2")
    return template.render(
        v=view,
        L=labels_for(view.lang),
        t=lambda key, **fields: label(key, view.lang, **fields),
        charts=_charts(view),
        groups=groups(view.controls),
        audited=[h for h in view.hosts if h.reachable],
        verdict_colors=charts.VERDICT_COLORS,
        status_colors=charts.STATUS_COLORS,
        verdicts=VERDICTS,
        # checks are never "manual" today (manual items are controls, counted with the
        # verdicts): a legend and columns of zeros beside "待人工核查 45" only mislead
        statuses=tuple(s for s in STATUSES if s != "manual" or view.totals.statuses.get(s)),
        version=__version__,
        matrix_columns=MATRIX_COLUMNS,
    )


def warm_up() -> None:
    """Compile the template ahead of time (the audit does it while hosts answer)."""
    _environment().get_template("report.html.j2")


def _bytecode_cache() -> BytecodeCache | None:
    """Compiled templates kept under the cache dir (keyed by their source's checksum):
    compiling the report template takes longer than auditing a host."""
    folder = cache_dir() / "report-templates"
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError:
        return None
    return FileSystemBytecodeCache(str(folder))


def environment() -> Environment:
    """The report templates' Jinja environment (autoescaped, ``|shown``), made once."""
    return _environment()


@cache
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,  # every template here is HTML, whatever its file name
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        bytecode_cache=_bytecode_cache(),
    )
    env.filters["shown"] = printable
    env.filters["score"] = _score
    env.globals["rows"] = rows
    env.globals["score_color"] = charts.score_color
    return env


def _score(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def groups(controls: list[ControlView]) -> list[Group]:
    """``controls`` cut where the area or family changes, order kept."""
    found: list[Group] = []
    for control in controls:
        if not found or (found[-1].area, found[-1].family) != (control.area, control.family):
            found.append(Group(control.area, control.family, []))
        found[-1].controls.append(control)
    return found


def rows(control: ControlView) -> list[Row]:
    """The lines of ``control``'s table: one per evidence, per check, per host."""
    lines: list[Row] = []
    for verdict in control.verdicts:
        first = len(lines)
        for check in verdict.checks:
            items: list[EvidenceView | None] = list(check.evidence) or [None]
            for index, evidence in enumerate(items):
                lines.append(Row(None, 0, check if index == 0 else None, len(items), evidence))
        if len(lines) == first:
            lines.append(Row(None, 0, None, 1, None, empty=True))
        lines[first].verdict = verdict
        lines[first].host_span = len(lines) - first
    return lines


def _charts(view: ReportView) -> dict[str, list[Markup]]:
    """Every chart of the report; per-host charts come in pieces of CHART_ROWS hosts."""
    lang = view.lang
    names_v = {code: label(f"verdict.{code}", lang) for code in charts.VERDICT_COLORS}
    names_s = {code: label(f"status.{code}", lang) for code in charts.STATUS_COLORS}
    audited = [h for h in view.hosts if h.reachable]
    no_data = label("none.evidence", lang)
    return {
        "scores": [
            charts.score_bars(
                part,
                label("chart.scores", lang),
                label("chart.unreachable", lang),
                label("chart.no_score", lang),
            )
            for part in _pieces(view.hosts)
        ],
        "verdicts": [
            charts.donut(
                view.totals.verdicts,
                charts.VERDICT_COLORS,
                names_v,
                label("chart.verdicts", lang),
                label("figure.host_controls", lang),
            )
        ],
        "statuses": [
            charts.stacked_bars(
                [(label("chart.all", lang), view.totals.statuses)],
                charts.STATUS_COLORS,
                names_s,
                label("chart.statuses", lang),
                no_data,
            )
        ],
        "host_verdicts": [
            charts.stacked_bars(
                [(h.name, h.verdicts) for h in part],
                charts.VERDICT_COLORS,
                names_v,
                label("chart.host_verdicts", lang),
                no_data,
            )
            for part in _pieces(audited)
        ],
    }


def _pieces(hosts: list[HostView]) -> list[list[HostView]]:
    return [hosts[i : i + CHART_ROWS] for i in range(0, len(hosts), CHART_ROWS)] or [[]]
