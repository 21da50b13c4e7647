"""check_corpus over the public Sigma Linux rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from secops.detect.compat import CompatEntry, Status, check_corpus, render
from tests.conftest import CORPORA

CORPUS = CORPORA / "sigma-linux"


@pytest.fixture(scope="module")
def report():  # type: ignore[no-untyped-def]
    if not CORPUS.is_dir():
        pytest.skip("no public Sigma corpus on this machine")
    return check_corpus([CORPUS])


def _feature(report, name: str) -> set[str]:  # type: ignore[no-untyped-def]
    return {e.feature for e in report.entries if e.path.endswith(name)}


def test_corpus_share_and_known_findings(report) -> None:  # type: ignore[no-untyped-def]
    assert report.loaded == 214
    assert 0 < report.compiled <= report.loaded
    assert _feature(report, "lnx_clamav_relevant_message.yml") == {
        "no govsec parser for service clamav"
    }
    assert any(
        "ParentImage -> process.parent.executable" in f
        for f in _feature(report, "proc_creation_lnx_susp_java_children.yml")
    )
    assert (
        report.rules()[
            next(k for k in report.rules() if k[2].endswith("lnx_auditd_susp_c2_commands.yml"))
        ]
        is Status.OK
    )
    text = render(report)
    assert "compiled" in text and "no intake" in text


def test_engine_can_add_compile_failures(report) -> None:  # type: ignore[no-untyped-def]
    before = report.compiled
    ok = next(e for e in report.entries if e.status is Status.OK)
    report.add(CompatEntry(ok.rule_id, ok.title, ok.path, Status.COMPILE_ERROR, "modifier |x"))
    assert report.compiled == before - 1
    assert not any(e.status is Status.OK and e.rule_id == ok.rule_id for e in report.entries)


def test_unsupported_modifier_is_named(tmp_path: Path) -> None:
    (tmp_path / "r.yml").write_text(
        "title: bad\nid: 33333333-3333-4333-8333-333333333333\n"
        "logsource: {product: linux, category: process_creation}\n"
        "detection:\n  sel: {CommandLine|nosuchmod: x, Foo: y}\n  condition: sel\n"
    )
    report = check_corpus([tmp_path])
    statuses = {e.status for e in report.entries}
    assert Status.PARSE_ERROR in statuses
    assert report.compiled == 0
