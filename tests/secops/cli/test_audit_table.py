"""`govsec audit`'s table: headers in the user's language, manual items counted as controls."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from rich.console import Console

from secops.audit.results import AuditRun, CheckResult, ControlResult, HostResult
from secops.cli import audit as audit_cli
from secops.i18n import Lang, current_lang, set_lang


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> Iterator[Console]:
    console = Console(record=True, width=200, highlight=False)
    monkeypatch.setattr(audit_cli, "out", console)
    was = current_lang()
    yield console
    set_lang(was)


def run() -> AuditRun:
    host = HostResult(
        "web01",
        "10.0.0.1",
        True,
        as_root=True,
        score=50.0,
        checks=[CheckResult("a", "pass"), CheckResult("b", "fail")],
        controls=[
            ControlResult("ce.ia.a", "partial", ["a", "b"]),
            ControlResult("ce.ia.d", "manual"),
            ControlResult("ce.mw.a", "manual"),
        ],
    )
    return AuditRun(3, "t", "v", "s", "f", "", [host], 50.0)


@pytest.mark.parametrize(
    ("lang", "header", "other"),
    [("zh", "待人工核查", "for the assessor"), ("en", "for the assessor", "待人工核查")],
)
def test_headers_in_the_language_and_manual_controls_counted(
    recorded: Console, lang: Lang, header: str, other: str
) -> None:
    set_lang(lang)
    audit_cli._print_table(run())
    text = recorded.export_text()
    assert header in text and other not in text
    row = next(line for line in text.splitlines() if "web01" in line)
    # score, pass 1, fail 1, error 0, n/a 0, manual controls 2 (checks are never manual)
    cells = [c.strip() for c in row.split("│") if c.strip()]
    assert cells[2:8] == ["50.0", "1", "1", "0", "0", "2"]
