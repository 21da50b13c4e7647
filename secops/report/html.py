"""The HTML report: one self-contained file (inline CSS and SVG, no script, no external URL).

The same HTML feeds the PDF (its print rules are in the same stylesheet). Jinja2 escapes
every value: results carry hostile data (file contents, banners, user names).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import (
    BytecodeCache,
    Environment,
    FileSystemBytecodeCache,
    FileSystemLoader,
    StrictUndefined,
    pass_context,
)
from jinja2.runtime import Context
from markupsafe import Markup, escape

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
    Finding,
    HostFinding,
    HostVerdict,
    HostView,
    ReportView,
    build_view,
    printable,
)

TEMPLATES = Path(__file__).parent / "templates"
MATRIX_COLUMNS = 6  # hosts per verdict table: what an A4 page holds legibly
CHART_ROWS = 30  # hosts per bar chart: an SVG cannot break across pages, 30 bars fit one
# Characters of one value a report shows. Longer values (a whole file where one line was
# expected) are cut, saying so and where the whole value is: the audit keeps values to 160
# characters, so only results made elsewhere meet the cut.
MAX_SHOWN = 1000
# Longest stretch of a value given to the layout without a break opportunity. WeasyPrint's
# line breaking costs the square of an unbreakable run (and of a run of CJK text, every
# character of which may break): a 2,000-character run took 16 s, 20,000 several minutes.
# A <wbr> every RUN characters bounds each run: the cost becomes linear, and copied text is
# unchanged (a <wbr> is no character).
RUN = 40
_LONG_RUN = re.compile(rf"\S{{{RUN + 1},}}")
_AFTER = frozenset("/,;:.=_|&)]}>")  # ASCII a long run is best cut after (not in a-word)
# the report's words for a cut value (labels.py keeps the rest)
_CUT = {
    "en": "… [cut: the first {shown:,} of {total:,} characters; the whole value: {where}]",
    "zh": "……（已截断：共 {total:,} 个字符，仅显示前 {shown:,} 个；完整内容见 {where}）",
}
_RESULTS = {"en": "results.json and the JSON report", "zh": "results.json 及 JSON 报告"}
_FACTS = {
    "en": "results.json; the raw facts read on {host}: {bundle}, records {first} to {last}",
    "zh": "results.json；{host} 上读取的原始数据：证据包 {bundle} 第 {first} 至 {last} 条记录",
}


@dataclass
class Group:
    """Consecutive controls of one area and family, as the standard orders them."""

    area: str
    family: str
    controls: list[ControlView]


@dataclass
class Alike:
    """What one check showed on some hosts, word for word alike: its status, message and
    evidence, and those hosts in audit order."""

    status: str
    message: str
    evidence: list[EvidenceView]
    hosts: list[str]


@dataclass
class StatusHosts:
    """The hosts where a check ended in one status."""

    status: str
    hosts: list[str]


@dataclass
class CheckLine:
    """One check of a control: on which hosts it passed, failed, and so on."""

    check: CheckView  # the first host's result: title, id
    statuses: list[StatusHosts]


@dataclass
class Evidenced:
    """A check that passed (or did not apply) on some hosts, with what those hosts showed."""

    check: CheckView
    outcomes: list[Alike]


@dataclass
class VerdictGroup:
    """Hosts with the same verdict on a control, capped for the same reasons."""

    verdict: HostVerdict  # the first such host's
    hosts: list[str]


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


def render_template(name: str, lang: Lang, **context: Any) -> str:
    """Template ``name`` in ``lang``: every report template gets its words (``L``, ``t``) and
    the tool's version this way, besides its own ``context``."""
    return (
        _environment()
        .get_template(name)
        .render(
            L=labels_for(lang),
            t=lambda key, **fields: label(key, lang, **fields),
            version=__version__,
            **context,
        )
    )


def render_view(view: ReportView) -> str:
    """The HTML document of an already built report view."""
    return render_template(
        "report.html.j2",
        view.lang,
        v=view,
        charts=_charts(view),
        facts=FactRecords(view.bundle.file if view.bundle else None),
        groups=groups(view.controls),
        passing=passing_evidence(view.controls),
        audited=[h for h in view.hosts if h.reachable],
        verdict_colors=charts.VERDICT_COLORS,
        status_colors=charts.STATUS_COLORS,
        verdicts=VERDICTS,
        # checks are never "manual" today (manual items are controls, counted with the
        # verdicts): a legend and columns of zeros beside "待人工核查 45" only mislead
        statuses=tuple(s for s in STATUSES if s != "manual" or view.totals.statuses.get(s)),
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
    env.filters["shown"] = _shown
    env.filters["shown_text"] = shown_text
    env.filters["score"] = _score
    env.globals["check_lines"] = check_lines
    env.globals["verdict_groups"] = verdict_groups
    env.globals["finding_groups"] = finding_groups
    env.globals["score_color"] = charts.score_color
    return env


@dataclass
class FactRecords:
    """Where an audit's bundle keeps each host's raw facts: read only when a value is cut."""

    bundle: str | None
    _seqs: dict[str, list[int]] | None = field(default=None, repr=False)

    def of(self, host: str) -> list[int]:
        """The seq of every ``fact`` record of ``host`` in the bundle's last run."""
        if self._seqs is None:
            self._seqs = _fact_seqs(Path(self.bundle)) if self.bundle else {}
        return self._seqs.get(host, [])


def _fact_seqs(bundle: Path) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    try:
        with bundle.open("rb") as lines:
            for line in lines:
                try:
                    entry = json.loads(line)
                    record, seq = entry["record"], entry["seq"]
                except (ValueError, KeyError, TypeError):
                    continue  # a damaged line: the bundle section says so
                if not isinstance(record, dict) or not isinstance(seq, int):
                    continue
                if record.get("kind") == "audit":  # a folder used twice: its last run counts
                    found = {}
                elif record.get("kind") == "fact" and isinstance(record.get("host"), str):
                    found.setdefault(record["host"], []).append(seq)
    except OSError:
        return {}
    return found


def shown_text(value: str, limit: int = MAX_SHOWN) -> str:
    """``value`` made visible (:func:`printable`) and cut to ``limit`` characters, as text."""
    return printable(value if len(value) <= limit else value[:limit] + "…")


@pass_context
def _shown(context: Context, value: str, host: str = "", limit: int = MAX_SHOWN) -> Markup:
    """A host's ``value`` as the report shows it: control characters visible, at most
    ``limit`` characters (a cut value says where the whole one is, the raw facts of ``host``
    when named), and a break opportunity in every long run, so laying it out costs linear time.
    """
    if len(value) <= limit:
        return breakable(printable(value))
    lang = _lang(context)
    where = _RESULTS[lang]
    seqs = context["facts"].of(host) if host and "facts" in context else []
    if seqs:
        bundle = Path(context["facts"].bundle).name
        where = _FACTS[lang].format(host=host, bundle=bundle, first=min(seqs), last=max(seqs))
    marker = _CUT[lang].format(shown=limit, total=len(value), where=where)
    return breakable(printable(value[:limit])) + Markup('<span class="cut">{}</span>').format(
        breakable(marker)
    )


def _lang(context: Context) -> Lang:
    for name in ("v", "g"):
        lang = getattr(context.get(name), "lang", None)
        if lang in ("zh", "en"):
            return lang  # type: ignore[no-any-return]
    return "en"


def breakable(text: str) -> Markup:
    """``text`` escaped, with a ``<wbr>`` every :data:`RUN` characters of a run without space."""
    if len(text) <= RUN or not _LONG_RUN.search(text):
        return escape(text)
    parts: list[Any] = []
    last = 0
    for run in _LONG_RUN.finditer(text):
        parts.append(escape(text[last : run.start()]))
        parts.append(Markup("<wbr>").join(_word_pieces(run.group())))
        last = run.end()
    parts.append(escape(text[last:]))
    return Markup("").join(parts)


def _word_pieces(word: str) -> list[str]:
    """``word`` in pieces of at most RUN characters, cut where a reader would: beside a CJK
    character or after a separator (``adm、disk`` after the 、, ``/etc/ssh/`` after a /), else
    (a hash, base64) after RUN characters."""
    pieces, start = [], 0
    while len(word) - start > RUN:
        end = start + RUN
        cut = next(
            (i for i in range(end, start, -1) if not _inside(word, i)),
            end,
        )
        pieces.append(word[start:cut])
        start = cut
    pieces.append(word[start:])
    return pieces


def _inside(word: str, i: int) -> bool:
    before, after = word[i - 1], word[i]
    return before.isascii() and after.isascii() and before not in _AFTER


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


# Each piece of evidence is printed once. A check supports several controls and a fleet is
# mostly alike (one image, one hardening role), so a table per control of every check's
# evidence on every host said the same thing many times: the PDF of 20 hosts ran to 423 pages.
# Now a control lists its checks' statuses per host; what a failing check saw is under
# "failed checks", what a passing one saw under "evidence of passing checks", hosts that
# showed the same thing together. Hosts are merged only where status, message and every
# evidence value are equal, so nothing a host showed is lost.
SHOWN_PASSING = ("pass", "na")


def check_lines(control: ControlView) -> list[CheckLine]:
    """``control``'s checks in order, each with its hosts per status."""
    found: dict[str, CheckLine] = {}
    for verdict in control.verdicts:
        for check in verdict.checks:
            line = found.setdefault(check.id, CheckLine(check, []))
            same = next((s for s in line.statuses if s.status == check.status), None)
            if same is None:
                line.statuses.append(StatusHosts(check.status, [verdict.host]))
            else:
                same.hosts.append(verdict.host)
    for line in found.values():
        line.statuses.sort(key=lambda s: STATUSES.index(s.status) if s.status in STATUSES else 99)
    return list(found.values())


def passing_evidence(controls: list[ControlView]) -> list[Evidenced]:
    """Every check that passed or did not apply somewhere, once, in the controls' order, with
    what the hosts showed: one outcome per distinct thing seen."""
    outcomes: dict[str, dict[tuple[object, ...], Alike]] = {}
    counted: set[tuple[str, str]] = set()
    checks: dict[str, CheckView] = {}
    for control in controls:
        for verdict in control.verdicts:
            for check in verdict.checks:
                if check.status not in SHOWN_PASSING or (check.id, verdict.host) in counted:
                    continue
                counted.add((check.id, verdict.host))
                checks.setdefault(check.id, check)
                _add(outcomes.setdefault(check.id, {}), check.status, check, verdict.host)
    return [
        Evidenced(checks[check_id], list(alike.values())) for check_id, alike in outcomes.items()
    ]


def verdict_groups(control: ControlView) -> list[VerdictGroup]:
    """``control``'s verdicts, hosts with the same verdict and reasons together, in order."""
    found: dict[tuple[object, ...], VerdictGroup] = {}
    for verdict in control.verdicts:
        key = (verdict.verdict, tuple(r.check_id for r in verdict.reasons))
        if key in found:
            found[key].hosts.append(verdict.host)
        else:
            found[key] = VerdictGroup(verdict, [verdict.host])
    return list(found.values())


def finding_groups(finding: Finding) -> list[Alike]:
    """The hosts of ``finding``, those that showed the same message and evidence together."""
    found: dict[tuple[object, ...], Alike] = {}
    for host in finding.hosts:
        _add(found, finding.status, host, host.host)
    return list(found.values())


def _add(
    found: dict[tuple[object, ...], Alike], status: str, said: CheckView | HostFinding, host: str
) -> None:
    """Count what ``host`` said in ``found``: with the hosts that said the same, or anew."""
    key = (status, said.message, _said(said.evidence))
    if key in found:
        found[key].hosts.append(host)
    else:
        found[key] = Alike(status, said.message, said.evidence, [host])


def _said(evidence: list[EvidenceView]) -> tuple[tuple[str, str, str], ...]:
    return tuple((e.seen, e.source, e.expected) for e in evidence)


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
