"""The PDF: Chinese on every page, in an embedded CJK font, extractable as text."""

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from secops.i18n import Lang
from secops.report.html import render_html
from secops.report.pdf import write_pdf
from tests.secops.report.conftest import require_tool
from tests.secops.report.sample import catalog, sample_run

ZH_HEADINGS = [
    "等保2.0合规核查报告",
    "概览",
    "各主机得分",
    "控制项核查结论总表",
    "未通过的检查项与整改建议",
    "测评人员人工核查项",
    "控制项与证据",
]


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[Lang, Path]]:
    folder = tmp_path_factory.mktemp("pdf")
    made: dict[Lang, Path] = {}
    for lang in ("zh", "en"):
        made[lang] = folder / f"report-{lang}.pdf"
        write_pdf(render_html(sample_run(hostile=True), catalog(), lang), made[lang])
    yield made


def run_tool(*argv: str) -> str:
    require_tool(argv[0])
    return subprocess.run(argv, capture_output=True, text=True, check=True, timeout=60).stdout


def pages(path: Path) -> int:
    info = run_tool("pdfinfo", str(path))
    return int(next(line.split()[1] for line in info.splitlines() if line.startswith("Pages:")))


def test_cjk_font_embedded(pdfs: dict[Lang, Path]) -> None:
    fonts = run_tool("pdffonts", str(pdfs["zh"])).splitlines()[2:]
    cjk = [line for line in fonts if "WenQuanYi" in line]
    assert cjk, fonts
    for line in cjk:
        emb, _subset, uni = line.split()[-5:-2]
        assert (emb, uni) == ("yes", "yes"), line  # embedded, with a Unicode map for search


def test_chinese_headings_extractable(pdfs: dict[Lang, Path]) -> None:
    text = run_tool("pdftotext", "-enc", "UTF-8", str(pdfs["zh"]), "-")
    for heading in ZH_HEADINGS:
        assert heading in text
    assert "符合" in text and "待人工核查" in text and "不符合" in text
    assert "\ufffd" in text  # a replacement char in the data stays one, not a tofu box


def test_every_page_carries_chinese(pdfs: dict[Lang, Path]) -> None:
    count = pages(pdfs["zh"])
    assert count >= 3
    for page in range(1, count + 1):
        text = run_tool(
            "pdftotext", "-enc", "UTF-8", "-f", str(page), "-l", str(page), str(pdfs["zh"]), "-"
        )
        assert "等保2.0合规核查报告" in text, f"page {page}"  # the running header
        assert re.search(rf"\b{page}\s*/\s*{count}\b", text), f"page {page}"


def test_english_pdf(pdfs: dict[Lang, Path]) -> None:
    text = run_tool("pdftotext", "-enc", "UTF-8", str(pdfs["en"]), "-")
    assert "MLPS 2.0 compliance report" in text and "Failed checks and remediation" in text
    assert "<script>alert('seen')</script>" in text  # hostile markup is printed as text
