"""The HTML report in a real browser (Debian's chromium, headless): no error, no request out.

Set GOVSEC_REPORT_SHOTS=<folder> to keep full-page screenshots of the sample report.
"""

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from secops.i18n import Lang
from secops.report.html import render_html
from tests.secops.report.conftest import require_tool
from tests.secops.report.sample import HOSTILE_HOST, catalog, sample_run

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Dialog

playwright = pytest.importorskip("playwright.sync_api")

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator["Browser"]:
    require_tool(CHROMIUM)
    with playwright.sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_loads_without_console_errors(browser: "Browser", tmp_path: Path, lang: Lang) -> None:
    path = tmp_path / f"report-{lang}.html"
    path.write_text(render_html(sample_run(hostile=True), catalog(), lang), encoding="utf-8")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    requests: list[str] = []

    def console(message: "ConsoleMessage") -> None:
        if message.type == "error":
            problems.append(f"console: {message.text}")

    def dialog(opened: "Dialog") -> None:  # an alert() from data that ran as script
        problems.append(f"dialog: {opened.message}")
        opened.dismiss()

    page.on("console", console)
    page.on("pageerror", lambda error: problems.append(f"pageerror: {error}"))
    page.on("dialog", dialog)
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.as_uri(), wait_until="load")
    assert problems == []
    assert requests == [path.as_uri()]  # self-contained: nothing else fetched
    title = "等保2.0合规核查报告" if lang == "zh" else "MLPS 2.0 compliance report"
    assert page.inner_text("h1") == title
    assert page.locator("svg.chart").count() == 4
    assert page.locator("script, img").count() == 0  # hostile markup stayed text
    assert HOSTILE_HOST in page.inner_text("#matrix")
    shots = os.environ.get("GOVSEC_REPORT_SHOTS")
    if shots:
        Path(shots).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(shots) / f"report-{lang}.png"), full_page=True)
    page.close()
