"""Every message a check can say exists in English and Chinese, with the same fields, and
results.json keeps it so that reports in either language, and older results, can say it."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from string import Formatter

import pytest

from secops.audit import messages
from secops.audit.messages import FACT_PATTERNS, FACT_REASONS, PREFIX, TEXTS, Msg, msg, say
from secops.audit.results import AuditRun, CheckResult, Evidence, HostResult
from secops.catalog.model import load_catalog
from secops.report.build import load_results

AUDIT = Path(messages.__file__).parent
SPEAKERS = sorted([*(AUDIT / "checks").glob("*.py"), AUDIT / "evaluate.py", AUDIT / "messages.py"])
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
HALF_WIDTH = re.compile(r"[,;:()]")  # in a Chinese sentence: ，；：（）


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(text) if name is not None}


def calls() -> list[tuple[str, int, ast.Call]]:
    """Every call of msg() in the code that says something: (file, line, call)."""
    found = []
    for path in SPEAKERS:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "msg":
                found.append((path.name, node.lineno, node))
    return found


def literal_keys() -> dict[str, list[ast.Call]]:
    """Keys named literally by msg(key, ...), with their calls."""
    found: dict[str, list[ast.Call]] = {}
    for _, _, call in calls():
        first = call.args[0] if call.args else None
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            found.setdefault(first.value, []).append(call)
    return found


def declared_whats() -> set[str]:
    """``what.<check id>`` of every check declared as data with a ``what``."""
    return {f"what.{check.id}" for check in load_catalog().checks.values() if "what" in check.args}


def used_keys() -> set[str]:
    return (
        {messages.SEP[len(PREFIX) :], messages.ITEMS[len(PREFIX) :]}
        | set(literal_keys())
        | set(FACT_REASONS.values())
        | {key for _, key, _ in FACT_PATTERNS}
        | declared_whats()
    )


def test_every_call_names_its_key_literally() -> None:
    """Keys are found by reading the code; only messages.py's own helpers pass one along."""
    dynamic = [
        f"{name}:{line}"
        for name, line, call in calls()
        if name != "messages.py" and not (call.args and isinstance(call.args[0], ast.Constant))
    ]
    assert not dynamic


@pytest.mark.parametrize("key", sorted(used_keys()))
def test_every_key_used_is_said_in_both_languages(key: str) -> None:
    texts = TEXTS[key]
    assert set(texts) == {"en", "zh"} and texts["en"].strip() and texts["zh"].strip()
    assert placeholders(texts["en"]) == placeholders(texts["zh"]), key
    assert not CJK.search(texts["en"]), f"{key}: Chinese in the English text"


def test_every_call_fills_the_fields_of_its_key() -> None:
    wrong = []
    for key, found in literal_keys().items():
        wanted = placeholders(TEXTS[key]["en"])
        for call in found:
            given = {k.arg for k in call.keywords}
            if None not in given and given != wanted:  # **fields: checked where it is built
                wrong.append(f"{key} line {call.lineno}: {sorted(given)} != {sorted(wanted)}")
    assert not wrong


def test_no_message_is_unused_or_twice() -> None:
    assert sum(len(family) for family in messages.FAMILIES) == len(TEXTS), "a key twice"
    assert sorted(set(TEXTS) - used_keys()) == []


@pytest.mark.parametrize("key", sorted(TEXTS))
def test_chinese_sentences_use_full_width_punctuation(key: str) -> None:
    zh = re.sub(r"\{[a-z_]+\}", "", TEXTS[key]["zh"])
    if CJK.search(zh):
        assert not HALF_WIDTH.search(zh), f"{key}: {TEXTS[key]['zh']}"


def test_a_message_is_said_in_each_language_with_its_parts() -> None:
    found = msg(
        "default", value="99999", note=msg("note.shadow")
    )  # "99999 (not set: shadow-utils default)"
    assert found.say("en") == "99999 (not set: shadow-utils default)"
    assert found.say("zh") == "99999（未设置：shadow-utils 默认值）"
    listed = msg("more", items=["a", msg("none")], count=3)
    assert (listed.say("en"), listed.say("zh")) == ("a, none (+3 more)", "a、无（另有 3 项）")
    assert messages.either(["a", "b", "c"]) == msg(
        "or", left="a", right=msg("or", left="b", right="c")
    )
    with pytest.raises(KeyError):
        msg("no such message")


@pytest.mark.parametrize(
    ("key", "fields"),
    [
        ("check.no_such", {}),  # a newer tool's key
        ("check.default", {"value": "1"}),  # a field missing
        ("check.default", {"value": "1", "note": {"key": "app.help"}}),  # not a check message
        ("check.default", {"value": "1", "note": 3}),  # not a part
        ("check.default", {"value": "1", "note": [[["deep"]]]}),
        ("audit.err.ssh", {"address": "a", "detail": "b"}),  # not a check's message
    ],
)
def test_a_stored_message_that_cannot_be_said_falls_back_to_its_english(
    key: str, fields: dict[str, object]
) -> None:
    assert say("zh", key, fields, "as kept") == "as kept"


def test_nesting_is_bounded() -> None:
    deep: object = "x"
    for _ in range(messages.MAX_DEPTH + 2):
        deep = {"key": "check.items", "fields": {"items": [deep]}}
    assert say("zh", "check.items", {"items": [deep]}, "kept") == "kept"


def keyed_run() -> AuditRun:
    evidence = Evidence.of(
        msg("default", value="99999", note=msg("note.shadow")), "/etc/login.defs", "<= 90"
    )
    result = CheckResult.said(
        "pass_max_days", "fail", [evidence], msg("ia.key_not", key="K", want="1")
    )
    host = HostResult(
        "web01", "10.0.0.1", True, checks=[result, CheckResult("old", "na", [], "as is")]
    )
    return AuditRun(3, "0.1.0", "abc", "s", "f", "", [host])


def test_results_json_keeps_english_and_the_message_beside_it(tmp_path: Path) -> None:
    run = keyed_run()
    result = run.hosts[0].checks[0]
    assert result.message == "K is not 1" and result.message_key == PREFIX + "ia.key_not"
    seen = result.evidence[0]
    assert seen.seen == "99999 (not set: shadow-utils default)"
    assert seen.seen_key == PREFIX + "default" and seen.source_key == ""
    assert seen.seen_fields["note"] == Msg(PREFIX + "note.shadow")
    text = run.to_json()
    assert AuditRun.from_json(text) == run
    (tmp_path / "results.json").write_text(text)
    assert load_results(tmp_path / "results.json") == run


def test_results_written_before_message_keys_still_load(tmp_path: Path) -> None:
    old = (
        '{"level": 3, "tool_version": "0.1.0", "catalog_version": "abc", "started": "s",'
        ' "finished": "f", "inventory": "", "version": 1, "fleet_score": null, "hosts": [{'
        '"name": "web01", "address": "10.0.0.1", "reachable": true, "checks": [{"check_id":'
        ' "pass_max_days", "status": "fail", "message": "why", "evidence": [{"seen": "99999",'
        ' "source": "/etc/login.defs", "expected": "<= 90"}]}], "controls": []}]}'
    )
    (tmp_path / "results.json").write_text(old)
    for run in (AuditRun.from_json(old), load_results(tmp_path / "results.json")):
        check = run.hosts[0].checks[0]
        assert (check.message, check.message_key, check.evidence[0].seen_key) == ("why", "", "")
