"""monitors/dashboards/*.json: Grafana dashboards that load, name only metrics govsec (or the
node_exporter / blackbox ecosystem of the contract) exports, and hold valid PromQL.

Every expression is checked by promtool: the test writes them all, template variables
replaced by plausible values, into a rules file as recording rules and runs
``promtool check rules`` on it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from monitors.metrics import SAMPLE_NAMES

ROOT = Path(__file__).resolve().parents[2]
DASHBOARDS = sorted((ROOT / "monitors" / "dashboards").glob("*.json"))
RULES = ROOT / "monitors" / "rules"
RULE_FILES = ("compliance.yml", "siem.yml", "security.yml", "node.yml")

# docs/monitoring-design.md: node basics from the exporters, and Prometheus' own series
ECOSYSTEM = frozenset(
    {
        "up",
        "scrape_duration_seconds",
        "node_timex_sync_status",
        "node_timex_offset_seconds",
        "node_timex_maxerror_seconds",
        "node_filesystem_avail_bytes",
        "node_filesystem_size_bytes",
        "node_filesystem_readonly",
        "node_systemd_unit_state",
        "probe_ssl_earliest_cert_expiry",
        "node_textfile_scrape_error",
    }
)
RECORDING = re.compile(r"govsec:[a-z0-9_]+:[a-z0-9_]+")
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
# plausible values for Grafana's variables, so the expressions parse as PromQL
VARIABLES = {
    "$__rate_interval": "2m",
    "$__interval": "1m",
    "$__range": "1h",
    "${host}": "web-1",
    "$host": "web-1",
    "${level}": "3",
    "$level": "3",
}

_STRING = re.compile(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|`[^`]*`')
_MATCHERS = re.compile(r"\{[^{}]*\}")
_RANGE = re.compile(r"\[[^\[\]]*\]")
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)")
_NAME = re.compile(r"(?<![\w:.])([A-Za-z_:][A-Za-z0-9_:]*)(?![\w:])(?!\s*\()")
_KEYWORDS = frozenset(
    {"by", "without", "on", "ignoring", "group_left", "group_right", "bool"}
    | {"and", "or", "unless", "offset", "inf", "nan", "atan2"}
)


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression selects (functions, labels, keywords left out)."""
    bare = _STRING.sub('""', expr)
    bare = _MATCHERS.sub("{}", bare)
    bare = _RANGE.sub("[]", bare)
    bare = _GROUPING.sub("", bare)
    return {name for name in _NAME.findall(bare) if name.lower() not in _KEYWORDS}


def substitute(expr: str) -> str:
    for variable, value in VARIABLES.items():
        expr = expr.replace(variable, value)
    assert "$" not in expr, f"a Grafana variable the test does not know: {expr}"
    return expr


def load(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text(encoding="utf-8")))


def panels(board: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every panel, rows' nested panels included, rows themselves left out."""
    for panel in board["panels"]:
        if panel["type"] == "row":
            yield from panel.get("panels", [])
        else:
            yield panel


def exprs(board: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(where, expr) for every panel target and every query variable."""
    for panel in panels(board):
        for target in panel["targets"]:
            yield f"{board['uid']}: {panel['title']} {target['refId']}", target["expr"]
    for var in board["templating"]["list"]:
        if var["type"] == "query":
            query = var["query"]["query"] if isinstance(var["query"], dict) else var["query"]
            match = re.fullmatch(r"label_values\((.+),\s*(\w+)\)", query)
            assert match, f"{board['uid']}: variable {var['name']} is not label_values(...)"
            yield f"{board['uid']}: variable {var['name']}", match.group(1)


def recorded() -> set[str]:
    """Recording rules monitors/rules/*.yml define (the folder may still be being written)."""
    names: set[str] = set()
    for path in sorted(RULES.glob("*.yml")):
        for group in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("groups", []):
            names.update(rule["record"] for rule in group.get("rules", []) if "record" in rule)
    return names


def test_there_are_the_two_dashboards() -> None:
    assert [p.name for p in DASHBOARDS] == ["compliance.json", "siem-health.json"]


def test_uids_and_titles_are_unique() -> None:
    boards = [load(path) for path in DASHBOARDS]
    assert len({b["uid"] for b in boards}) == len(boards)
    assert len({b["title"] for b in boards}) == len(boards)
    for board in boards:
        assert 0 < len(board["uid"]) <= 40 and board["id"] is None


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_dashboard_shape(path: Path) -> None:
    board = load(path)
    assert 36 <= board["schemaVersion"] <= 41
    variables = {var["name"]: var for var in board["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    host = variables["host"]
    assert host["type"] == "query" and host["definition"].startswith("label_values(")
    assert host["datasource"] == DATASOURCE
    ids = [panel["id"] for panel in board["panels"]]
    assert len(ids) == len(set(ids)), "panel ids must be unique"
    for panel in panels(board):
        where = f"{path.name}: {panel['title']}"
        assert panel["datasource"] == DATASOURCE, where
        assert panel["targets"], f"{where} has no query"
        assert panel["gridPos"]["x"] + panel["gridPos"]["w"] <= 24, where
        for target in panel["targets"]:
            assert target["datasource"] == DATASOURCE and target["expr"].strip(), where
        refs = [t["refId"] for t in panel["targets"]]
        assert len(refs) == len(set(refs)), where


@pytest.mark.parametrize(
    ("path", "needed"),
    [
        (
            "compliance.json",
            {
                "govsec_compliance_score_ratio",
                "govsec_compliance_checks",
                "govsec_compliance_last_audit_timestamp_seconds",
                "govsec_harden_last_run_success",
                "govsec_harden_drift_tasks",
            },
        ),
        (
            "siem-health.json",
            {
                "govsec_siem_lines_total",
                "govsec_siem_events_ingested_total",
                "govsec_siem_unparsed_lines_total",
                "govsec_siem_spool_events",
                "govsec_siem_store_up",
                "govsec_siem_listener_up",
                "govsec_siem_host_last_event_timestamp_seconds",
                "govsec_detect_lag_seconds",
                "govsec_alerts_open",
                "govsec_notifications_received_total",
                "govsec_notifications_forward_failures_total",
                "govsec_collector_up",
                "govsec_collector_scrape_duration_seconds",
            },
        ),
    ],
)
def test_dashboard_shows_what_it_is_for(path: str, needed: set[str]) -> None:
    used = {
        name
        for _, expr in exprs(load(ROOT / "monitors/dashboards" / path))
        for name in metric_names(expr)
    }
    assert needed <= used, f"{path} lacks {sorted(needed - used)}"


def test_metric_names_extraction() -> None:
    # the extractor must see through functions, matchers, ranges and grouping, or the test
    # below would pass on anything
    expr = (
        'sum by (area, host) (rate(govsec_siem_lines_total{host=~"a|b", x="y z"}[5m] offset 1h))'
        " / on (host) group_left (level) govsec:x:y > 0.7e-1 or vector(0) unless bogus_name"
    )
    assert metric_names(expr) == {"govsec_siem_lines_total", "govsec:x:y", "bogus_name"}


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_every_metric_is_exported(path: Path) -> None:
    rules = recorded()
    all_rule_files = all((RULES / name).exists() for name in RULE_FILES)
    for where, expr in exprs(load(path)):
        for name in metric_names(expr):
            if name.startswith("govsec:"):
                # a recording rule: once every rule file exists, it must be one of theirs
                assert RECORDING.fullmatch(name), f"{where}: {name} is not level:metric:ops"
                assert name in rules or not all_rule_files, f"{where}: no rule records {name}"
            else:
                assert name in SAMPLE_NAMES | ECOSYSTEM, f"{where}: {name} is not exported"


def promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("CI must have promtool installed (Debian: prometheus)")
        pytest.skip("promtool is not installed")
    return found


def test_every_expression_is_valid_promql(tmp_path: Path) -> None:
    rules = [
        {"record": f"dashboard:expr_{i}:check", "expr": substitute(expr)}
        for i, (_, expr) in enumerate(e for path in DASHBOARDS for e in exprs(load(path)))
    ]
    rule_file = tmp_path / "dashboards.yml"
    rule_file.write_text(yaml.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]}))
    result = subprocess.run(
        [promtool(), "check", "rules", str(rule_file)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(rules)} rules found" in result.stdout


def test_promtool_rejects_bad_promql(tmp_path: Path) -> None:
    # the check above is only worth something if promtool parses the expressions
    rule_file = tmp_path / "bad.yml"
    bad = {"record": "dashboard:bad:check", "expr": "sum by (host (govsec_siem_lines_total)"}
    rule_file.write_text(yaml.safe_dump({"groups": [{"name": "bad", "rules": [bad]}]}))
    result = subprocess.run(
        [promtool(), "check", "rules", str(rule_file)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
