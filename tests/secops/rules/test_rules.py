"""Every rule in secops/rules/linux: loads, is tagged and levelled, carries its own cases, and
those cases behave; and every detection the MLPS baseline expects has a rule."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
import yaml
from sigma.collection import SigmaCollection
from sigma.correlations import SigmaCorrelationRule
from sigma.rule import SigmaRule

from secops.detect.engine import load_rules
from secops.detect.testing import CaseResult, cases_of, run_tests
from secops.rules import RULES_DIR

CONTROLS_FILE = Path(__file__).parents[3] / "secops" / "catalog" / "controls.yaml"
RULE_FILES = sorted(RULES_DIR.glob("*.yml"))
TECHNIQUE = re.compile(r"t\d{4}(\.\d{3})?")

# The detections a government SOC expects on Linux servers (the baseline's list, see
# docs/rules.md): each item and the rules (ids) that cover it. An item without a rule, or a
# rule id that no longer exists, fails test_baseline_coverage.
BASELINE_COVERAGE: dict[str, list[str]] = {
    "SSH brute force": ["54845842-6471-4a45-992e-d04c7e2a95ce"],  # ssh_brute_force
    "password spray": ["7a8013bf-0f18-43a8-93f4-55776e4f21a7"],  # ssh_password_spray
    "failures then success": ["7f2f340d-b7a3-40c5-b17b-72d8c803bd1e"],
    "login by system account": [
        "cbe60280-5807-41dd-8d47-9c726fc56405",  # ssh_login_system_account
        "03840424-b840-420a-8c5e-d9a957a8df33",  # ssh_login_root
    ],
    "sudo failures": ["92f4435d-0f54-45ef-a745-4d9ea7da31cf"],  # sudo_wrong_password
    "sudo to root by unexpected users": ["69022bc1-4fef-40b1-ae6c-f01efae6ca76"],
    "su to root failures": ["f2f699f0-31e9-4259-8fff-68e03ea50a50"],
    "new UID 0 user": ["3c7b1961-7a92-41a3-ac50-5907999f65f3"],
    "user added to a privileged group": ["a9704d3d-f361-419a-a60d-450dd4b30470"],
    "sudoers or passwd/shadow changed": [
        "b47d9d5c-8b99-46ab-a6e7-4310800cc4f7",  # sudoers_modified
        "ffbad5ad-c007-4767-8bad-629fed7512f9",  # identity_files_modified
    ],
    "audit rules deleted": ["359cadb5-ebc7-4952-b2e5-38a8876717ba"],
    "auditd stopped": [
        "76af7d65-969d-499e-b544-f8313a07f97d",  # auditd_stopped (DAEMON_END)
        "e5184549-22e8-4765-96f8-9d48418e1dd5",  # security_service_stopped (systemd)
    ],
    "audit or syslog config changed": ["7de4a7a8-32da-4f69-8c2b-78c94c5272b3"],
    "logs cleared": [
        "376eefdf-297c-4873-bd28-85fb3732f169",  # log_files_deleted
        "883cb4ac-e6f7-48a9-9a55-cb541812e2de",  # log_clearing_command
    ],
    "shell history tampering": [
        "b9dbc6d8-1563-45ad-a955-14030bcf1538",  # shell_history_tampering
        "95e6d9cd-925c-4f2b-926f-c62a5959b659",  # shell_history_deleted
    ],
    "cron persistence": [
        "39d7c104-e111-46b5-82e5-4c45c91c9f0d",  # cron_job_changed
        "33e341f9-7501-483e-a100-d1a6a204aefb",  # cron_files_modified
    ],
    "new systemd service": [
        "823fe68c-4fe4-448f-a498-aa4feb0be17e",  # systemd_unit_file_written
        "345db413-2c6a-4bc0-838d-55c6082eeccf",  # systemd_service_enabled
    ],
    "authorized_keys changed": ["c184d238-19e6-43c9-a7f2-bfd2cd587d48"],
    "ld.so.preload changed": ["43c1e72e-ffa1-4afc-b0dc-24d395323079"],
    "kernel module loaded": [
        "2e5b1bc9-6c4a-469e-baf2-2e13e71b7979",  # kernel_module_loaded
        "083748d3-f2c9-49e8-b059-2e2ca21619b6",  # kernel_module_tainted
    ],
    "reverse shell": ["c9ff8e0b-d3f9-4f6e-a6c3-9c64f1eb517c"],
    "web server spawning a shell": ["9bc1376a-26cd-4944-89c2-ea81c2f54394"],
    "execution from /tmp or /dev/shm": ["6e8ab91f-790d-41c7-b0e3-c5078a496cfe"],
    "firewall or SELinux/AppArmor disabled": [
        "e95809f6-3e1a-45f0-86a1-69ca2e14e78f",  # firewall_disabled
        "f42a3da7-216b-461d-9637-9ac05977ecfb",  # mac_disabled
        "9016d5fb-f48a-46a6-9eb8-69e318bedecb",  # selinux_permissive
    ],
    "time changed": ["bf9fc65c-03b0-4c09-8128-0f8299b6b705"],
}


@cache
def control_ids() -> frozenset[str]:
    """The MLPS control ids of the catalog."""
    entries = yaml.safe_load(CONTROLS_FILE.read_text(encoding="utf-8"))
    return frozenset(str(entry["id"]) for entry in entries)


def load(path: Path) -> SigmaCollection:
    """The file's rules, references resolved, pySigma errors collected rather than raised."""
    collection = SigmaCollection.from_yaml(path.read_text(encoding="utf-8"), collect_errors=True)
    collection.resolve_rule_references()
    return collection


def output_rules(collection: SigmaCollection) -> Iterator[SigmaRule | SigmaCorrelationRule]:
    """The rules that raise detections: not the base rules a correlation counts."""
    for rule in collection.rules:
        counted = [
            c
            for c in collection.rules
            if isinstance(c, SigmaCorrelationRule)
            and any(ref.rule is rule for ref in c.rules or [])
            and not c.generate
        ]
        if not counted:
            yield rule


@cache
def case_results() -> dict[str, list[CaseResult]]:
    """Every case of every rule file, run once through the parsers and the engine."""
    by_file: dict[str, list[CaseResult]] = {}
    for result in run_tests(RULE_FILES):
        by_file.setdefault(Path(result.path).name, []).append(result)
    return by_file


def test_rules_exist() -> None:
    assert len(RULE_FILES) >= len(BASELINE_COVERAGE)


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.name)
def test_rule_loads(path: Path) -> None:
    collection = load(path)
    assert collection.rules, "no rule in the file"
    errors = [f"{r.title}: {e}" for r in collection.rules for e in r.errors]
    assert not errors


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.name)
def test_rule_metadata(path: Path) -> None:
    for rule in load(path).rules:
        tags = [f"{t.namespace}.{t.name}".lower() for t in rule.tags]
        techniques = [t for t in tags if t.startswith("attack.") and TECHNIQUE.fullmatch(t[7:])]
        controls = [t[5:] for t in tags if t.startswith("mlps.")]
        assert techniques, f"{rule.title}: no attack.tNNNN tag"
        assert controls, f"{rule.title}: no mlps.<control> tag"
        assert set(controls) <= control_ids(), (
            f"{rule.title}: unknown {set(controls) - control_ids()}"
        )
        assert rule.level is not None, f"{rule.title}: no level"
        assert rule.author == "govcloud-secops"
        assert rule.status is not None and rule.status.name.lower() in ("experimental", "test")
        assert uuid.UUID(str(rule.id)).version == 4, f"{rule.title}: id is not a uuid4"
        assert rule.description, f"{rule.title}: no description"


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.name)
def test_rule_has_cases(path: Path) -> None:
    found = {(rule_id, expect): cases for rule_id, _, expect, cases in cases_of(path)}
    for rule in output_rules(load(path)):
        assert found.get((str(rule.id), "match")), f"{rule.title}: no match case"
        assert found.get((str(rule.id), "nomatch")), f"{rule.title}: no nomatch case"


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.name)
def test_rule_cases_behave(path: Path) -> None:
    results = case_results().get(path.name, [])
    assert results, "no case ran"
    failed = [
        f"{r.title}: {r.expect}[{r.index}] matched {r.matched} {r.problem}".rstrip()
        for r in results
        if not r.passed
    ]
    assert not failed


def test_rules_compile_in_the_engine() -> None:
    ruleset = load_rules(RULE_FILES)
    assert not ruleset.problems
    assert len(ruleset.rules) + len(ruleset.correlations) >= len(RULE_FILES)


def test_ids_and_names_unique() -> None:
    ids: list[str] = []
    names: list[str] = []
    for path in RULE_FILES:
        for rule in load(path).rules:
            ids.append(str(rule.id))
            names += [rule.name] if rule.name else []
    assert len(ids) == len(set(ids))
    assert len(names) == len(set(names))


def test_baseline_coverage() -> None:
    outputs = {str(r.id) for path in RULE_FILES for r in output_rules(load(path))}
    assert len(BASELINE_COVERAGE) == 25  # the items of the baseline list
    for item, rule_ids in BASELINE_COVERAGE.items():
        assert rule_ids, f"{item}: no rule"
        missing = set(rule_ids) - outputs
        assert not missing, f"{item}: rules {missing} do not exist or raise nothing"
