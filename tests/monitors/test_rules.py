"""Prometheus alerting and recording rules: promtool checks and corpus checks over every file.

promtool (Debian's ``prometheus`` package) validates the rule files and runs their unit tests
under ``monitors/rules/tests/``; the corpus checks hold every alert to the monitoring contract
(docs/monitoring-design.md): its names, its label vocabulary, metrics that exist, and a test
where it fires and one where it does not.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from monitors.metrics import BY_NAME, SAMPLE_NAMES
from secops.catalog.model import load_catalog

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "monitors" / "rules"
TESTS = RULES / "tests"
CONTRACT = ROOT / "docs" / "monitoring-design.md"
RULE_FILES = sorted(RULES.glob("*.yml"))
TEST_FILES = sorted(TESTS.glob("*_test.yml"))

SEVERITIES = {"critical", "high", "medium", "low", "informational"}
AREAS = {"ce", "mc", "cn", "ab"}  # MLPS area ids (computing environment, management centre, ...)
# The only templated mlps_area allowed: the check's area label on compliance series.
AREA_TEMPLATE = "{{ $labels.area }}"
# Alerts about one host's health: a NodeDown of the same host inhibits them (contract, `scope`).
HOST_HEALTH = {
    "NodeDown",
    "ClockNotSynchronised",
    "ClockSkewed",
    "LogDiskFilling",
    "LogDiskAlmostFull",
    "AuditdNotRunning",
    "RsyslogNotRunning",
    "SiemHostSilent",
    "MLPSAuditStale",
    "MLPSAuditHostUnreachable",
    "MLPSComplianceScoreLow",
}
# Detection-style alerts are never inhibited by a host being down.
NEVER_HOST_SCOPED = {"AuthFailuresSurge", "CriticalAlertsOpen", "MLPSCheckRegressed"}

# Words in an expression that are not metric names: aggregations and their modifiers,
# binary keywords, functions, and the number literals Inf and NaN.
_PROMQL_WORDS = """
sum min max avg group stddev stdvar count count_values bottomk topk quantile
by without on ignoring group_left group_right bool and or unless offset
abs absent absent_over_time ceil changes clamp clamp_max clamp_min day_of_month day_of_week
day_of_year days_in_month delta deriv exp floor histogram_quantile holt_winters hour idelta
increase irate label_join label_replace ln log2 log10 minute month predict_linear rate resets
round scalar sgn sort sort_desc sqrt time timestamp vector year avg_over_time min_over_time
max_over_time sum_over_time count_over_time quantile_over_time stddev_over_time
stdvar_over_time last_over_time present_over_time inf nan
"""
PROMQL_WORDS = frozenset(_PROMQL_WORDS.split())
IDENTIFIER = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")


@dataclass(frozen=True)
class Rule:
    """One rule as written, with the file it came from."""

    file: str
    group: str
    body: dict[str, Any]

    @property
    def name(self) -> str:
        return str(self.body.get("alert") or self.body.get("record"))

    @property
    def is_alert(self) -> bool:
        return "alert" in self.body


def load_rules(paths: list[Path]) -> list[Rule]:
    """Every rule of ``paths``, parsed with PyYAML (not promtool: this is the corpus view)."""
    rules = []
    for path in paths:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for group in data["groups"]:
            rules += [Rule(path.name, group["name"], body) for body in group["rules"]]
    return rules


ALL_RULES = load_rules(RULE_FILES)
ALERTS = [rule for rule in ALL_RULES if rule.is_alert]
RECORDS = [rule for rule in ALL_RULES if not rule.is_alert]


def strip_strings_and_selectors(expr: str) -> str:
    """``expr`` without string literals, label matchers, ``by (...)`` lists and durations."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`', '""', expr)
    expr = re.sub(r"\{[^}]*\}", "", expr)  # label matchers
    # label lists of by/without/on/ignoring/group_left/group_right
    expr = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", r"\1", expr)
    expr = re.sub(r"\[[^\]]*\]", "", expr)  # range and subquery durations
    return re.sub(r"\b\d+(\.\d+)?(e[+-]?\d+)?[smhdwy]?\b", "0", expr)  # numbers, durations


def metric_names(expr: str) -> set[str]:
    """The metric (and recording rule) names ``expr`` selects."""
    bare = strip_strings_and_selectors(expr)
    names = set()
    for match in IDENTIFIER.finditer(bare):
        word = match.group()
        following = bare[match.end() :].lstrip()
        if word.lower() in PROMQL_WORDS or following.startswith("("):
            continue  # a keyword, or a function call
        names.add(word)
    return names


@cache
def contract() -> str:
    return CONTRACT.read_text(encoding="utf-8")


def contract_alert_names() -> set[str]:
    """Alert names of the contract's section "Alert names"."""
    section = contract().split("## Alert names", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"`([A-Z][A-Za-z0-9]+)`", section))


def contract_exporter_metrics() -> set[str]:
    """node_exporter and blackbox_exporter names the contract allows in rules."""
    paragraph = contract().split("Node basics come from", 1)[1].split("\n\n", 1)[0]
    return {re.match(r"\w+", token).group() for token in re.findall(r"`([a-z_]+)[^`]*`", paragraph)}


def catalog_ids() -> tuple[set[str], set[str]]:
    """(control ids, family ids) of the MLPS catalog."""
    controls = set(load_catalog().controls)
    return controls, {control.rsplit(".", 1)[0] for control in controls}


# promtool ------------------------------------------------------------------------------------


def promtool() -> str:
    found = shutil.which("promtool") or (
        "/usr/bin/promtool" if Path("/usr/bin/promtool").exists() else None
    )
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("promtool is missing (apt-get install prometheus)")
        pytest.skip("promtool not installed (Debian package prometheus)")
    return found


def run_promtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [promtool(), *args], capture_output=True, text=True, timeout=120, check=False
    )


def test_files_present() -> None:
    assert [p.name for p in RULE_FILES] == [
        "compliance.yml",
        "node.yml",
        "security.yml",
        "siem.yml",
    ]
    assert [p.name for p in TEST_FILES] == [f"{p.stem}_test.yml" for p in RULE_FILES]


def test_promtool_check_rules() -> None:
    result = run_promtool("check", "rules", *map(str, RULE_FILES))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", TEST_FILES, ids=lambda p: p.name)
def test_promtool_test_rules(path: Path) -> None:
    result = run_promtool("test", "rules", str(path))
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_check_rejects_a_typo(tmp_path: Path) -> None:
    """The check above can fail: a misspelt function in a rule file is refused."""
    broken = tmp_path / "broken.yml"
    text = (RULES / "node.yml").read_text(encoding="utf-8")
    broken.write_text(text.replace("predict_linear(", "predict_liner(", 1), encoding="utf-8")
    assert run_promtool("check", "rules", str(broken)).returncode != 0


# corpus: alerts ------------------------------------------------------------------------------


def test_names_unique() -> None:
    names = [rule.name for rule in ALL_RULES]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)


def test_every_contract_alert_is_defined() -> None:
    expected = contract_alert_names()
    assert len(expected) >= 25, "the contract's alert section moved or changed format"
    defined = {rule.name for rule in ALERTS}
    assert expected - defined == set(), "alerts named in the contract but not defined"
    assert defined - expected == set(), "alerts defined but not in the contract"


@pytest.mark.parametrize("rule", ALERTS, ids=lambda r: r.name)
def test_alert_labels(rule: Rule) -> None:
    labels = rule.body.get("labels", {})
    controls, families = catalog_ids()
    assert labels.get("severity") in SEVERITIES
    area = labels.get("mlps_area")
    if area == AREA_TEMPLATE:
        # templated from the series: only on metrics that carry an `area` label
        used = metric_names(rule.body["expr"])
        assert used and all("area" in BY_NAME[name].labels for name in used if name in BY_NAME)
    else:
        assert area in families | AREAS, f"mlps_area {area!r} is not a catalog family or area"
    control = labels.get("mlps_control")
    if control is not None:
        assert control in controls, f"mlps_control {control!r} is not in the catalog"
        assert control.startswith(f"{area}."), "mlps_control must lie within mlps_area"
    if rule.name in HOST_HEALTH:
        assert labels.get("scope") == "host"
    if rule.name in NEVER_HOST_SCOPED:
        assert "scope" not in labels
    assert set(labels.get("scope", "host").split()) == {"host"}


@pytest.mark.parametrize("rule", ALERTS, ids=lambda r: r.name)
def test_alert_annotations(rule: Rule) -> None:
    annotations = rule.body.get("annotations", {})
    assert annotations.get("summary", "").strip()
    description = annotations.get("description", "")
    # runbook-style: says what to do first
    assert re.search(r"\bFirst\b", description), "description must say what to do first"


def test_contract_specifics() -> None:
    by_name = {rule.name: rule.body for rule in ALERTS}
    low = by_name["MLPSComplianceScoreLow"]
    assert low["expr"].strip() == "govsec_compliance_score_ratio < 0.7"
    assert "for" not in low
    assert low["labels"] == {"severity": "high", "mlps_area": "ce", "scope": "host"}
    for needed in ("$labels.host", "$labels.level", "humanizePercentage"):
        assert needed in low["annotations"]["summary"] + low["annotations"]["description"]
    critical = by_name["CriticalAlertsOpen"]
    assert critical["expr"].strip() == 'sum(govsec_alerts_open{severity="critical"}) > 0'
    assert "for" not in critical
    assert critical["labels"]["severity"] == "critical"
    assert critical["labels"]["mlps_control"] == "ce.ip.f"
    assert by_name["NodeDown"]["expr"].strip() == 'up{job="node"} == 0'
    assert 'up{job="govsec"}' in by_name["GovsecExporterDown"]["expr"]
    assert by_name["MLPSCheckRegressed"]["labels"]["mlps_area"] == AREA_TEMPLATE


# corpus: metrics -----------------------------------------------------------------------------


def test_metric_extraction() -> None:
    """The extractor sees metrics and recording rules, not functions, labels or durations."""
    expr = (
        'sum without (instance, host) (rate(govsec_siem_auth_failures_total{job="x"}[5m]))'
        ' > 3 * govsec:siem_auth_failures:rate1d and on (host) up{job="node"} == 1'
        " or max_over_time(foo_bar[1d] offset 1h) > 1e3"
        ' unless label_replace(a, "b", "$1", "c", "(.*)")'
    )
    assert metric_names(expr) == {
        "govsec_siem_auth_failures_total",
        "govsec:siem_auth_failures:rate1d",
        "up",
        "foo_bar",
        "a",
    }


def test_contract_exporter_metrics_parsed() -> None:
    assert contract_exporter_metrics() >= {
        "up",
        "node_timex_sync_status",
        "probe_ssl_earliest_cert_expiry",
    }


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.name)
def test_expr_metrics_exist(rule: Rule) -> None:
    allowed = SAMPLE_NAMES | contract_exporter_metrics() | {r.name for r in RECORDS}
    used = metric_names(rule.body["expr"])
    assert used, "no metric found in the expression"
    assert used <= allowed, f"unknown metrics: {sorted(used - allowed)}"


@pytest.mark.parametrize("rule", RECORDS, ids=lambda r: r.name)
def test_recording_rule_names(rule: Rule) -> None:
    """level:metric:operations, e.g. govsec:siem_auth_failures:rate5m."""
    assert re.fullmatch(r"[a-z_]+:[a-z0-9_]+:[a-z0-9_]+", rule.name)
    assert "labels" not in rule.body or "severity" not in rule.body["labels"]


def test_recording_rules_used_only_after_defined() -> None:
    """An alert reading a recording rule sits in the same file, so promtool tests exercise it."""
    records = {r.name: r.file for r in RECORDS}
    for rule in ALERTS:
        for name in metric_names(rule.body["expr"]) & set(records):
            assert records[name] == rule.file, f"{rule.name} uses {name} from {records[name]}"


# corpus: tests -------------------------------------------------------------------------------


def promtool_cases() -> Iterator[tuple[Path, dict[str, Any], dict[str, Any]]]:
    """(test file, its document, one alert_rule_test case) for every case of every test file."""
    for path in TEST_FILES:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        for group in document.get("tests", []):
            for case in group.get("alert_rule_test", []):
                yield path, document, case


def test_test_files_point_at_their_rule_file() -> None:
    for path in TEST_FILES:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert document["rule_files"] == [f"../{path.stem.removesuffix('_test')}.yml"]
        assert "evaluation_interval" in document


@pytest.mark.parametrize("rule", ALERTS, ids=lambda r: r.name)
def test_alert_has_firing_and_quiet_test(rule: Rule) -> None:
    firing = quiet = 0
    for path, _document, case in promtool_cases():
        if case.get("alertname") != rule.name:
            continue
        assert path.name == rule.file.replace(".yml", "_test.yml"), f"tested in {path.name}"
        expected = case.get("exp_alerts") or []
        if expected:
            firing += 1
            for alert in expected:
                assert (
                    alert.get("exp_labels", {}).get("severity") == rule.body["labels"]["severity"]
                )
                assert set(alert.get("exp_annotations", {})) == set(rule.body["annotations"])
        else:
            quiet += 1
    assert firing, f"{rule.name}: no promtool case where it fires"
    assert quiet, f"{rule.name}: no promtool case where it stays quiet"


@pytest.mark.parametrize("rule", RECORDS, ids=lambda r: r.name)
def test_recording_rule_has_expr_test(rule: Rule) -> None:
    exprs = []
    for path in TEST_FILES:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        for group in document.get("tests", []):
            exprs += [case["expr"] for case in group.get("promql_expr_test", [])]
    assert any(rule.name in metric_names(expr) for expr in exprs), f"{rule.name} untested"


def test_docs_table_lists_every_rule() -> None:
    text = (ROOT / "docs" / "monitoring-rules.md").read_text(encoding="utf-8")
    missing = [rule.name for rule in ALL_RULES if f"`{rule.name}`" not in text]
    assert missing == []
