"""linux_pipeline: Sigma's Linux names become the ECS fields our parsers set."""

from __future__ import annotations

from sigma.collection import SigmaCollection
from sigma.rule import SigmaRule

from secops.detect.mapping import index_conditions, linux_pipeline, logsource_support

PROCESS = """
title: t
logsource: {product: linux, category: process_creation}
detection:
  sel: {Image|endswith: /id, CommandLine|contains: -u, ParentImage: /bin/bash}
  condition: all of them
"""
AUDITD = """
title: a
logsource: {product: linux, service: auditd}
detection:
  sel: {type: EXECVE, a0: id, exe: /usr/bin/id, key: exec, SYSCALL: execve}
  kw: [hello]
  condition: sel or kw
"""


def _rule(text: str) -> SigmaRule:
    rule = SigmaCollection.from_yaml(text).rules[0]
    assert isinstance(rule, SigmaRule)
    linux_pipeline().apply(rule)
    return rule


def _fields(rule: SigmaRule) -> set[str | None]:
    return {
        getattr(i, "field", None)
        for d in rule.detection.detections.values()
        for i in d.detection_items
    }


def test_process_creation_fields_become_ecs_with_category_conditions() -> None:
    rule = _rule(PROCESS)
    assert {"process.executable", "process.command_line", "process.parent.executable"} <= _fields(
        rule
    )
    assert "Image" not in _fields(rule)
    assert index_conditions(rule) == {"event.category": "process", "event.type": "start"}
    # "all of them" must not swallow the added condition (its name starts with "_")
    assert rule.detection.parsed_condition[0].condition.startswith("_govsec_logsource and (")


def test_auditd_fields_and_keywords() -> None:
    rule = _rule(AUDITD)
    fields = _fields(rule)
    assert {"auditd.records.type", "auditd.records.a0", "process.executable", "tags"} <= fields
    assert "auditd.records.SYSCALL" in fields
    assert "event.original" in fields  # keywords search the raw line
    assert index_conditions(rule) == {"event.dataset": "auditd"}


def test_logsource_support() -> None:
    def rule(logsource: str) -> SigmaRule:
        text = f"title: x\nlogsource: {logsource}\ndetection:\n  k: [a]\n  condition: k\n"
        found = SigmaCollection.from_yaml(text).rules[0]
        assert isinstance(found, SigmaRule)
        return found

    assert logsource_support(rule("{product: linux, service: sshd}")) is None
    assert logsource_support(rule("{product: linux, category: process_creation}")) is None
    assert logsource_support(rule("{product: linux, service: clamav}")) == (
        "no govsec parser for service clamav"
    )
    assert "not linux" in (logsource_support(rule("{product: windows, service: security}")) or "")
