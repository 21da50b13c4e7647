"""A rule's own test cases (``govsec.tests``), run through the parsers and the engine.

A rule file may carry, on any of its rules::

    govsec:
      tests:
        match:   ["<one raw log line>", ["<line>", "<line>", ...]]
        nomatch: [...]

A string is one line; a list is a scenario, fed in order. Lines are parsed as the intake
parses them (audit.log records through the assembler, everything else through
``parse_line``) with ``received`` = :data:`RECEIVED` and UTC for stamps without a zone, then
run through a fresh engine holding the whole rule set (a correlation may count another
file's rule). A ``match`` case passes when the rule matches at least one event (a
correlation: fires at least once); a ``nomatch`` case when it never does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from sigma.collection import SigmaCollection
from sigma.exceptions import SigmaError

from secops.detect.compile import EventView
from secops.detect.engine import Engine, RuleSet, load_rules
from secops.detect.files import rule_files
from secops.ingest.parse import parse_line
from secops.ingest.parsers.auditd import AuditAssembler

RECEIVED = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
TEST_HOST = "lab01"


@dataclass(frozen=True, slots=True)
class CaseResult:
    path: str
    rule_id: str
    title: str
    expect: str  # "match" | "nomatch"
    index: int
    passed: bool
    matched: int  # events the rule matched, or firings of a correlation
    lines: int
    problem: str = ""


def parse_case(
    lines: Sequence[str], *, received: datetime = RECEIVED, host: str = TEST_HOST
) -> list[dict[str, Any]]:
    """The events a host would produce from these lines, each with a test id."""
    assembler = AuditAssembler(tz=UTC, host=host)
    events: list[dict[str, Any]] = []
    for line in lines:
        if line.startswith("type=") or line.startswith("node="):
            events.extend(assembler.feed(line))
        else:
            events.append(parse_line(line, host=host, received=received, tz=UTC))
    events.extend(assembler.flush())
    for n, event in enumerate(events):
        event.setdefault("event", {})["id"] = f"test-{n:04d}"
    return events


def cases_of(path: Path) -> list[tuple[str, str, str, list[list[str]]]]:
    """(rule id, title, expect, cases) for each rule in the file that has tests."""
    try:
        collection = SigmaCollection.from_yaml(path.read_text(encoding="utf-8"))
    except (OSError, SigmaError, yaml.YAMLError) as exc:
        raise ValueError(f"{path}: {exc}") from None
    found: list[tuple[str, str, str, list[list[str]]]] = []
    for rule in collection.rules:
        custom = rule.custom_attributes.get("govsec") if rule.custom_attributes else None
        tests = custom.get("tests") if isinstance(custom, dict) else None
        if not isinstance(tests, dict):
            continue
        rule_id = str(rule.id or rule.name or rule.title)
        for expect in ("match", "nomatch"):
            raw = tests.get(expect) or []
            if not isinstance(raw, list):
                raise ValueError(f"{path}: {rule.title}: govsec.tests.{expect}: expected a list")
            cases = []
            for n, case in enumerate(raw):
                if isinstance(case, str):
                    cases.append([case])
                elif isinstance(case, list) and all(isinstance(x, str) for x in case):
                    cases.append(list(case))
                else:
                    raise ValueError(
                        f"{path}: {rule.title}: govsec.tests.{expect}[{n}]: expected a line or a"
                        " list of lines"
                    )
            found.append((rule_id, str(rule.title), expect, cases))
    return found


def run_tests(paths: Iterable[Path], *, ruleset: RuleSet | None = None) -> list[CaseResult]:
    """Every test case of the rules in ``paths``; ``ruleset`` defaults to those rules."""
    files = rule_files(paths)
    rules = ruleset if ruleset is not None else load_rules(files)
    problems = {p.rule_id: p.feature for p in rules.problems}
    results: list[CaseResult] = []
    for path in files:
        for rule_id, title, expect, cases in cases_of(path):
            for index, lines in enumerate(cases):
                if rule_id in problems:
                    results.append(
                        CaseResult(
                            str(path),
                            rule_id,
                            title,
                            expect,
                            index,
                            False,
                            0,
                            len(lines),
                            f"rule not run: {problems[rule_id]}",
                        )
                    )
                    continue
                matched = _matches(rules, rule_id, parse_case(lines))
                if matched is None:
                    results.append(
                        CaseResult(
                            str(path),
                            rule_id,
                            title,
                            expect,
                            index,
                            False,
                            0,
                            len(lines),
                            "rule not in the rule set",
                        )
                    )
                    continue
                passed = (matched > 0) == (expect == "match")
                results.append(
                    CaseResult(
                        str(path), rule_id, title, expect, index, passed, matched, len(lines)
                    )
                )
    return results


def _matches(rules: RuleSet, rule_id: str, events: list[dict[str, Any]]) -> int | None:
    """How often the rule matched (or fired) over these events, in a fresh engine."""
    engine = Engine(rules)
    single = next((r for r in rules.rules if r.meta.id == rule_id), None)
    if single is not None:
        return sum(1 for e in events if single.matcher(EventView(e)))
    if not any(c.meta.id == rule_id for c in rules.correlations):
        return None
    fired = 0
    for event in events:
        fired += sum(1 for d in engine.process(event) if d.rule.id == rule_id)
    return fired
