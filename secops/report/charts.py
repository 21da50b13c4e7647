"""Charts as inline SVG, drawn here so the report needs no script, no network and no fonts of its
own: a bar per host for scores, stacked bars and a donut for verdicts and check results.

Every text drawn comes from :func:`markupsafe.escape`, since host names are data from an
inventory. Legends are left to the HTML around a chart, where long Chinese labels can wrap.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from markupsafe import Markup, escape

from secops.report.view import HostView

VERDICT_COLORS: dict[str, str] = {
    "compliant": "#2e7d32",
    "partial": "#e0a000",
    "noncompliant": "#c62828",
    "na": "#9e9e9e",
    "manual": "#1e63b5",
    "none": "#dddddd",
}
STATUS_COLORS: dict[str, str] = {
    "pass": "#2e7d32",
    "fail": "#c62828",
    "na": "#9e9e9e",
    "error": "#7b3fa0",
    "manual": "#1e63b5",
}
FONT = "WenQuanYi Micro Hei, Noto Sans CJK SC, DejaVu Sans, sans-serif"
WIDTH = 680
NAME_WIDTH = 160  # room for a host name on the left of its bar
VALUE_WIDTH = 90  # room for the figure on the right
ROW = 26
MAX_NAME = 20  # characters of a host name drawn; the full name is in the tooltip


def score_color(score: float) -> str:
    """Green from 90, amber from 70, red below: the bands the legend states."""
    if score >= 90:
        return VERDICT_COLORS["compliant"]
    if score >= 70:
        return VERDICT_COLORS["partial"]
    return VERDICT_COLORS["noncompliant"]


def _svg(height: float, body: Sequence[str], title: str, width: int = WIDTH) -> Markup:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {width} {height:.0f}" width="{width}" height="{height:.0f}" '
        f'font-family="{FONT}" font-size="13">'
        f"<title>{escape(title)}</title>"
    )
    return Markup(head + "".join(body) + "</svg>")  # noqa: S704 - every part escaped above


def _short(name: str) -> str:
    return name if len(name) <= MAX_NAME else name[: MAX_NAME - 1] + "…"


def _name(y: float, name: str) -> str:
    return (
        f'<text x="{NAME_WIDTH - 8}" y="{y:.1f}" text-anchor="end" dominant-baseline="middle">'
        f"<title>{escape(name)}</title>{escape(_short(name))}</text>"
    )


def _axis(top: float, bottom: float, span: float) -> list[str]:
    parts = []
    for tick in (0, 25, 50, 75, 100):
        x = NAME_WIDTH + span * tick / 100
        parts.append(
            f'<line x1="{x:.1f}" y1="{top:.1f}" x2="{x:.1f}" y2="{bottom:.1f}" '
            f'stroke="#d0d0d0" stroke-width="1"/>'
            f'<text x="{x:.1f}" y="{bottom + 14:.1f}" text-anchor="middle" fill="#666" '
            f'font-size="11">{tick}</text>'
        )
    return parts


def score_bars(hosts: Sequence[HostView], title: str, not_audited: str, no_score: str) -> Markup:
    """A horizontal bar per host, 0 to 100; hosts without a score say why instead."""
    span = WIDTH - NAME_WIDTH - VALUE_WIDTH
    top = 6.0
    bottom = top + ROW * len(hosts)
    parts = _axis(top, bottom, span)
    for index, host in enumerate(hosts):
        y = top + index * ROW
        middle = y + ROW / 2
        parts.append(_name(middle, host.name))
        if host.score is None:
            text = no_score if host.reachable else not_audited
            parts.append(
                f'<rect x="{NAME_WIDTH}" y="{y + 4:.1f}" width="{span}" height="{ROW - 8}" '
                f'fill="none" stroke="#bbb" stroke-dasharray="4 3"/>'
                f'<text x="{NAME_WIDTH + 8}" y="{middle:.1f}" dominant-baseline="middle" '
                f'fill="#777">{escape(text)}</text>'
            )
            continue
        score = max(0.0, min(100.0, host.score))
        width = span * score / 100
        parts.append(
            f'<rect x="{NAME_WIDTH}" y="{y + 4:.1f}" width="{width:.1f}" height="{ROW - 8}" '
            f'rx="2" fill="{score_color(score)}"><title>{escape(host.name)}: {score:.1f}</title>'
            f"</rect>"
            f'<text x="{NAME_WIDTH + span + 8}" y="{middle:.1f}" dominant-baseline="middle" '
            f'font-weight="bold">{score:.1f}</text>'
        )
    return _svg(bottom + 22, parts, title)


def _segments(
    counts: Mapping[str, int],
    colors: Mapping[str, str],
    names: Mapping[str, str],
    x: float,
    y: float,
    span: float,
) -> list[str]:
    """A stacked bar of ``counts`` from ``x``, each segment labelled when it has room."""
    total = sum(counts.values())
    parts: list[str] = []
    if total == 0:
        return parts
    height = ROW - 8
    for code, count in counts.items():
        if count == 0:
            continue
        width = span * count / total
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{height}" '
            f'fill="{colors[code]}"><title>{escape(names.get(code, code))}: {count}</title></rect>'
        )
        if width >= 8 * len(str(count)) + 6:
            parts.append(
                f'<text x="{x + width / 2:.1f}" y="{y + height / 2:.1f}" text-anchor="middle" '
                f'dominant-baseline="middle" fill="#fff" font-size="12">{count}</text>'
            )
        x += width
    return parts


def stacked_bars(
    rows: Sequence[tuple[str, Mapping[str, int]]],
    colors: Mapping[str, str],
    names: Mapping[str, str],
    title: str,
    empty: str,
) -> Markup:
    """One stacked bar per (name, counts) row, all scaled to full width; a total on the right."""
    span = WIDTH - NAME_WIDTH - VALUE_WIDTH
    parts: list[str] = []
    for index, (name, counts) in enumerate(rows):
        y = 4 + index * ROW
        middle = y + ROW / 2
        parts.append(_name(middle, name))
        total = sum(counts.values())
        if total == 0:
            parts.append(
                f'<text x="{NAME_WIDTH + 8}" y="{middle:.1f}" dominant-baseline="middle" '
                f'fill="#777">{escape(empty)}</text>'
            )
            continue
        parts.extend(_segments(counts, colors, names, NAME_WIDTH, y + 4, span))
        parts.append(
            f'<text x="{NAME_WIDTH + span + 8}" y="{middle:.1f}" dominant-baseline="middle" '
            f'fill="#444">{total}</text>'
        )
    return _svg(8 + ROW * len(rows), parts, title)


def donut(
    counts: Mapping[str, int],
    colors: Mapping[str, str],
    names: Mapping[str, str],
    title: str,
    caption: str,
) -> Markup:
    """A ring of ``counts`` with the total and ``caption`` in its middle."""
    size, outer, inner = 200, 92.0, 58.0
    centre = size / 2
    total = sum(counts.values())
    parts = []
    if total == 0:
        parts.append(_ring(centre, outer, inner, "#dddddd"))
    start = -math.pi / 2  # twelve o'clock, then clockwise
    for code, count in counts.items():
        if count == 0:
            continue
        sweep = 2 * math.pi * count / total
        tip = f"{names.get(code, code)}: {count}"
        if count == total:
            parts.append(_ring(centre, outer, inner, colors[code], tip))
        else:
            parts.append(_arc(centre, outer, inner, start, sweep, colors[code], tip))
        start += sweep
    parts.append(
        f'<text x="{centre}" y="{centre - 6}" text-anchor="middle" font-size="30" '
        f'font-weight="bold" fill="#222">{total}</text>'
        f'<text x="{centre}" y="{centre + 18}" text-anchor="middle" font-size="12" '
        f'fill="#555">{escape(caption)}</text>'
    )
    return _svg(size, parts, title, width=size)


def _ring(centre: float, outer: float, inner: float, color: str, tip: str = "") -> str:
    # a full circle cannot be one arc: draw the ring as a thick circle instead
    radius, thickness = (outer + inner) / 2, outer - inner
    return (
        f'<circle cx="{centre}" cy="{centre}" r="{radius}" fill="none" stroke="{color}" '
        f'stroke-width="{thickness}"><title>{escape(tip)}</title></circle>'
    )


def _arc(
    centre: float, outer: float, inner: float, start: float, sweep: float, color: str, tip: str
) -> str:
    end = start + sweep
    large = 1 if sweep > math.pi else 0

    def at(radius: float, angle: float) -> str:
        return f"{centre + radius * math.cos(angle):.2f} {centre + radius * math.sin(angle):.2f}"

    path = (
        f"M {at(outer, start)} A {outer} {outer} 0 {large} 1 {at(outer, end)} "
        f"L {at(inner, end)} A {inner} {inner} 0 {large} 0 {at(inner, start)} Z"
    )
    return (
        f'<path d="{path}" fill="{color}" stroke="#fff" stroke-width="1">'
        f"<title>{escape(tip)}</title></path>"
    )
