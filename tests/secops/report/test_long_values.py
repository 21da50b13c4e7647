"""A long unbroken value costs linear time: it is cut, says so and where the whole value is.

An audited host chooses its own files' contents; a 20,000-character line once held the PDF for
minutes (issue 17). No test here times anything: the PDF of a 100,000-character value is built
in a subprocess whose generous timeout fails a regression instead.
"""

from __future__ import annotations

import html
import re
import subprocess
import sys
from pathlib import Path

import pytest

from secops.audit.results import AuditRun
from secops.i18n import Lang
from secops.report.bundle import BundleWriter
from secops.report.html import MAX_SHOWN, RUN, breakable, render_html
from secops.report.pdf import write_pdf
from secops.report.view import BundleSummary
from tests.secops.report.conftest import require_tool
from tests.secops.report.sample import catalog, sample_run

ROOT = Path(__file__).resolve().parents[3]
LONG = 100_000
BUILD_TIMEOUT = 60  # seconds; the build takes a few: before the fix it did not end in minutes


def long_run(length: int = LONG) -> AuditRun:
    """The sample run with one value of web01 ``length`` characters long, without a space."""
    run = sample_run()
    web01 = next(h for h in run.hosts if h.name == "web01")
    failing = next(c for c in web01.checks if c.status == "fail")
    failing.evidence[0].seen = "".join(f"{i:08x}" for i in range(length // 8 + 1))[:length]
    failing.message = "汉" * length  # CJK text breaks anywhere: as costly as one long word
    return run


def write_bundle(folder: Path) -> BundleSummary:
    """A bundle holding web01's raw facts as records 2 and 3."""
    path = folder / "evidence.jsonl"
    with BundleWriter(path) as bundle:
        bundle.add({"kind": "audit", "level": 3})
        for section in ("file:/etc/profile", "file:/etc/sudoers"):
            bundle.add({"kind": "fact", "host": "web01", "section": section, "rc": 0})
        bundle.add({"kind": "fact", "host": "db01", "section": "file:/etc/profile", "rc": 0})
    return BundleSummary(str(path), True, 4, "0" * 64, "0" * 64, "")


def build(folder: str, lang: Lang) -> None:
    """Write report.html and report.pdf of :func:`long_run` in ``folder`` (run in a subprocess)."""
    out = Path(folder)
    page = render_html(long_run(), catalog(), lang, bundle=write_bundle(out))
    (out / "report.html").write_text(page, encoding="utf-8")
    write_pdf(page, out / "report.pdf")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_pdf_of_a_100000_character_value(tmp_path: Path, lang: Lang) -> None:
    require_tool("pdftotext")
    code = f"from {__name__} import build; build({str(tmp_path)!r}, {lang!r})"
    subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, check=True, timeout=BUILD_TIMEOUT
    )  # a regression fails here, by timeout
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(tmp_path / "report.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    flat = re.sub(r"\s+", "", text)
    if lang == "en":
        assert "[cut:thefirst1,000of100,000characters;thewholevalue:results.json" in flat
        assert "therawfactsreadonweb01:evidence.jsonl,records2to3]" in flat
    else:
        assert "（已截断：共100,000个字符，仅显示前1,000个；完整内容见results.json" in flat
        assert "web01上读取的原始数据：证据包evidence.jsonl第2至3条记录）" in flat
    assert "0000000000000001" in flat  # the value's start is shown
    assert f"{LONG // 8 - 1:08x}" not in flat  # its end is not


def test_html_cuts_long_values_and_names_the_whole(tmp_path: Path) -> None:
    page = render_html(long_run(), catalog(), "en", bundle=write_bundle(tmp_path))
    assert len(page) < 400_000  # the value is not repeated whole anywhere
    assert page.count("[cut: the first 1,000 of 100,000 characters") >= 2  # seen and message
    assert "the raw facts read on web01: evidence.jsonl, records 2 to 3" in page


def test_without_a_bundle_the_whole_value_is_in_the_results() -> None:
    page = render_html(long_run(), catalog(), "en")
    assert "the whole value: results.json and the JSON report]" in page
    assert "evidence.jsonl" not in page


def test_a_value_at_the_limit_is_shown_whole() -> None:
    run = long_run(MAX_SHOWN)
    page = render_html(run, catalog(), "en")
    assert "[cut:" not in page
    web01 = next(h for h in run.hosts if h.name == "web01")
    seen = next(c for c in web01.checks if c.status == "fail").evidence[0].seen
    assert seen[-RUN:] in page


def test_breakable_bounds_every_run_and_keeps_the_text() -> None:
    value = "a" * 100 + " <b>&" + "x" * 45 + "\n" + "短" * 90
    shown = str(breakable(value))
    pieces = [html.unescape(piece) for piece in shown.split("<wbr>")]
    assert all(len(word) <= RUN for piece in pieces for word in re.split(r"\s", piece))
    escaped = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert shown.replace("<wbr>", "") == escaped  # a <wbr> is no character


def test_short_values_are_left_alone() -> None:
    assert str(breakable("PermitRootLogin no")) == "PermitRootLogin no"
    assert str(breakable("<= 90")) == "&lt;= 90"
