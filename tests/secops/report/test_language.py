"""A zh report says nothing in English but host data, and an en report nothing in Chinese.

The results come from the project's own evaluation of every test case of every check
(tests/files/checks/<check id>.yaml): host N answers each check as that check's N-th case does,
so every message and evidence word an evaluator can say (and every error it can end in) is in
the report. Host data is what the cases' facts hold and what the checks' parameters name; the
rest of a zh report must be Chinese, apart from names (:data:`english.NAMES`, acronyms).
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

import pytest
import yaml

from secops.audit.evaluate import capping, control_verdict, run_check
from secops.audit.results import AuditRun, CheckResult, ControlResult, HostResult
from secops.catalog.model import Catalog, Check, load_catalog
from secops.i18n import Lang
from secops.report.html import render_html
from secops.report.json_report import render_json
from secops.report.junit import render_junit
from secops.report.view import build_view
from tests.language import cjk_nodes, english_lines, text_nodes, words_of
from tests.secops.audit.test_checks import BASES, build_facts, case_files

LEVEL = 3


@cache
def catalog() -> Catalog:
    return load_catalog()


def _cases() -> dict[str, list[dict[str, Any]]]:
    return {path.stem: yaml.safe_load(path.read_text()) for path in case_files()}


def _facts_text(case: dict[str, Any]) -> list[str]:
    texts: dict[str, Any] = {}
    for name in case.get("base", []):
        texts.update(BASES[name])
    texts.update(case.get("facts") or {})
    return [json.dumps(value) if not isinstance(value, str) else value for value in texts.values()]


def _check_words(check: Check) -> set[str]:
    """What a check names itself: its parameters, and its words in the zh catalog."""
    params = [json.dumps(check.params_for(level)) for level in check.levels]
    said = [check.title.get("zh"), check.remediation.get("zh")]
    return words_of([*params, *said])


@cache
def case_run() -> tuple[AuditRun, dict[tuple[str, str], set[str]]]:
    """The run of every case, and the host data words each (host, check) may show."""
    cat, cases = catalog(), _cases()
    hosts: list[HostResult] = []
    allowed: dict[tuple[str, str], set[str]] = {}
    for n in range(max(len(c) for c in cases.values())):
        name = f"case{n + 1:02d}"
        results: dict[str, CheckResult] = {}
        for check_id, listed in cases.items():
            if n >= len(listed):
                continue
            case, check = listed[n], cat.checks[check_id]
            level = case.get("level", check.levels[0])
            results[check_id] = run_check(check, build_facts(case), level)
            allowed[name, check_id] = words_of(_facts_text(case)) | _check_words(check)
        hosts.append(_host(name, results, cat))
    run = AuditRun(LEVEL, "0.1.0", cat.version, "2026-01-01T00:00:00Z", "2026-01-01T00:01:00Z",
                   "", hosts)  # fmt: skip
    return run, allowed


def _host(name: str, results: dict[str, CheckResult], cat: Catalog) -> HostResult:
    controls = []
    for control in cat.controls_at(LEVEL, scope="host"):
        mine = [results[c.id] for c in cat.checks_of(control.id, LEVEL) if c.id in results]
        partial = {c.id for c in cat.checks_of(control.id, LEVEL) if c.partial_evidence}
        verdict = control_verdict(control, mine, partial)
        reasons = capping(mine, partial) if verdict == "partial" else []
        controls.append(ControlResult(control.id, verdict, [r.check_id for r in mine], reasons))
    return HostResult(name, "10.0.0.1", True, os="Debian GNU/Linux 12 (bookworm)",
                      as_root=True, checks=list(results.values()), controls=controls)  # fmt: skip


def all_host_words() -> set[str]:
    """Every word host data or the catalog's Chinese may show anywhere in the report."""
    _, allowed = case_run()
    found = set().union(*allowed.values())
    cat = catalog()
    texts = [
        text.get("zh")
        for control in cat.controls.values()
        for text in (control.title, control.requirement, control.area, control.family)
    ]
    texts += [c.evidence.get("zh") for c in cat.controls.values() if c.evidence]
    texts += [c.partial_evidence.get("zh") for c in cat.checks.values() if c.partial_evidence]
    return found | words_of(texts) | words_of(["Debian GNU/Linux bookworm"])


def test_every_case_says_its_message_and_evidence_in_chinese() -> None:
    """Check by check: what each says in zh holds no English but that case's own host data."""
    run, allowed = case_run()
    view = build_view(run, catalog(), "zh")
    english = []
    for control in view.controls:
        for verdict in control.verdicts:
            for check in verdict.checks:
                words = allowed[verdict.host, check.id]
                texts = [check.message] + [
                    t for e in check.evidence for t in (e.seen, e.source, e.expected)
                ]
                for node, runs in english_lines(texts, words):
                    english.append(f"{verdict.host} {check.id}: {runs} in {node!r}")
    assert not sorted(set(english))


def test_the_zh_report_body_has_no_english_sentence() -> None:
    run, _ = case_run()
    nodes = text_nodes(render_html(run, catalog(), "zh"))
    found = english_lines(nodes, all_host_words())
    assert not [f"{runs} in {node!r}" for node, runs in found]


def test_the_en_report_has_no_chinese() -> None:
    run, _ = case_run()
    assert not cjk_nodes(text_nodes(render_html(run, catalog(), "en")))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_python_value_is_shown(lang: Lang) -> None:
    """None, True, False, inf or a repr() are Python's words, never a reader's."""
    run, _ = case_run()
    python = re.compile(r"\b(None|True|False|inf|nan)\b|\b[A-Z][a-z]+\(|<[a-z.]+ object at ")
    shown = [node for node in text_nodes(render_html(run, catalog(), lang)) if python.search(node)]
    assert not shown


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_result_is_said_from_its_key(lang: Lang) -> None:
    """Every message and evidence word the cases produce has a key the report can say."""
    run, _ = case_run()
    unsaid = []
    for host in run.hosts:
        for result in host.checks:
            if result.message and not result.message_key:
                unsaid.append(f"{result.check_id}: {result.message}")
    assert not unsaid
    view = build_view(run, catalog(), lang)
    assert all(c.message or c.status == "pass" for c in view.controls[0].verdicts[0].checks)


def test_junit_and_json_keep_the_english_results_json_has() -> None:
    run, _ = case_run()
    failed = next(r for h in run.hosts for r in h.checks if r.status == "fail" and r.evidence)
    junit = render_junit(run, catalog(), "zh")
    assert failed.message in junit.replace("&apos;", "'").replace("&quot;", '"')
    data = json.loads(render_json(run, catalog(), "zh"))
    found = next(f for f in data["failed"] if f["id"] == failed.check_id)
    entry = found["hosts"][0]
    assert entry["message_key"] and not any("\u4e00" <= ch <= "\u9fff" for ch in entry["message"])
    assert {"seen", "seen_key", "seen_fields", "expected_key"} <= set(entry["evidence"][0])
