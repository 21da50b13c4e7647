"""export_rules: Lucene skips correlations with a reason, ES|QL converts them, NDJSON parses."""

from __future__ import annotations

import json
from pathlib import Path

from secops.detect.export import Target, export_rules
from tests.conftest import CORPORA

BRUTE_YAML = """\
title: SSH failed login
id: 11111111-1111-4111-8111-111111111111
name: ssh_failed
status: test
logsource:
    product: linux
    service: sshd
detection:
    selection:
        event.action: ssh_login
        event.outcome: failure
    condition: selection
level: low
govsec:
    suppress: 30m
---
title: SSH brute force
id: 22222222-2222-4222-8222-222222222222
status: test
correlation:
    type: event_count
    rules:
        - ssh_failed
    group-by:
        - source.ip
    timespan: 120s
    condition:
        gte: 8
level: high
"""
CORPUS = CORPORA / "sigma-linux" / "rules" / "linux" / "auditd" / "syscall"
BRUTE = "22222222-2222-4222-8222-222222222222 SSH brute force"


def brute_file(directory: Path) -> Path:
    """The correlation fixture (a base rule + an event_count correlation) as a file."""
    path = directory / "brute.yml"
    path.write_text(BRUTE_YAML)
    return path


def test_lucene_skips_correlation_with_reason(tmp_path: Path) -> None:
    result = export_rules([brute_file(tmp_path)], Target.LUCENE)
    assert BRUTE not in result.converted
    reasons = dict(result.skipped)
    assert "use --target esql" in reasons[BRUTE]
    assert "SSH brute force" in result.text  # named in the header, never dropped silently


def test_esql_converts_correlation_with_bucket_caveat(tmp_path: Path) -> None:
    result = export_rules([brute_file(tmp_path)], "esql")
    assert result.converted == [BRUTE]
    assert "date_trunc(120seconds, @timestamp)" in result.text
    assert "by timebucket, source.ip" in result.text
    assert "not in a sliding window" in result.text
    assert 'event.dataset=="sshd"' in result.text


def test_kibana_ndjson_is_json_lines_of_detection_rules() -> None:
    result = export_rules([CORPUS], Target.KIBANA_NDJSON)
    lines = result.text.splitlines()
    assert len(lines) == len(result.converted) > 5
    rules = [json.loads(line) for line in lines]
    assert all(r["language"] == "lucene" and r["type"] == "query" for r in rules)
    assert all(r["query"].startswith("event.dataset:auditd AND") for r in rules)
    assert rules[0]["index"] == ["logs-govsec.*-*"]


def test_lucene_queries_name_ecs_fields_and_warn_on_unindexed() -> None:
    result = export_rules([CORPUS], "lucene")
    assert "process.executable:" in result.text and "exe:" not in result.text
    assert any("auditd.records." in why for _, why in result.warnings)
