"""Crafted evidence for the assessment: signed audits, a system.yaml, a questionnaire.

An audit here is what ``govsec audit`` writes (results.json, the hash chain with the verdict
records, the SM2 signature by this account's key) for hosts whose check statuses the test
chooses; every other check at the level passes. The catalog is the real one.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from secops.audit.evaluate import host_score, judge_controls
from secops.audit.results import AuditRun, CheckResult, HostResult
from secops.catalog.model import Catalog, load_catalog
from secops.report.bundle import BundleWriter
from secops.report.evidence import sign_bundle, verdict_records
from secops.report.signing import SigningKey, ensure_key

ROOT = Path(__file__).resolve().parents[3]
TOPOLOGY = ROOT / "infra" / "topologies" / "province.yaml"


@pytest.fixture(autouse=True)
def home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data dir of the test's own: the signing key is made there, trusted by this account."""
    folder = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("GOVSEC_HOME", str(folder))
    monkeypatch.setenv("GOVSEC_CACHE_DIR", str(folder / "cache"))
    return folder


@pytest.fixture
def key(home: Path) -> SigningKey:
    return ensure_key()


def host_result(
    catalog: Catalog, name: str, statuses: dict[str, str], level: int = 3
) -> HostResult:
    checks = [
        CheckResult(c.id, statuses.get(c.id, "pass"))  # type: ignore[arg-type]
        for c in catalog.checks_at(level)
    ]
    controls = judge_controls(catalog, level, checks)
    return HostResult(
        name, "10.0.0.1", True, score=host_score(checks), checks=checks, controls=controls
    )


def write_audit(
    folder: Path,
    catalog: Catalog,
    hosts: dict[str, dict[str, str]],
    key: SigningKey,
    *,
    finished: str = "2026-12-07T10:00:00+00:00",
    unreachable: tuple[str, ...] = (),
) -> Path:
    """A signed audit of ``hosts`` (name -> check id -> status) in ``folder``."""
    results = [host_result(catalog, name, statuses) for name, statuses in hosts.items()]
    results += [HostResult(n, "10.0.0.9", False, error="connection refused") for n in unreachable]
    run = AuditRun(
        level=3,
        tool_version="test",
        catalog_version=catalog.version,
        started=finished,
        finished=finished,
        inventory="hosts.yml",
        hosts=results,
    )
    folder.mkdir(parents=True, exist_ok=True)
    text = run.to_json()
    with BundleWriter(folder / "evidence.jsonl") as writer:
        writer.add({"kind": "audit", "level": 3, "started": finished})
        for record in verdict_records(text):
            writer.add(record)
        (folder / "results.json").write_text(text, encoding="utf-8")
        sign_bundle(folder / "evidence.jsonl", key, writer=writer)
    return folder


def write_inventory(path: Path, hosts: list[str]) -> Path:
    inventory = {"all": {"hosts": {h: {"ansible_host": "10.0.0.1"} for h in hosts}}}
    path.write_text(yaml.safe_dump(inventory), encoding="utf-8")
    return path


def write_system(
    folder: Path,
    hosts: list[str],
    *,
    provider: str | None = "openstack",
    answers: list[dict[str, Any]] | None = None,
    retention: int = 180,
    objects: list[dict[str, Any]] | None = None,
) -> Path:
    """system.yaml (and its inventory and questionnaire) in ``folder``; audits in folder/audits."""
    write_inventory(folder / "hosts.yml", hosts)
    (folder / "questionnaire.yaml").write_text(
        yaml.safe_dump(answers or [], allow_unicode=True), encoding="utf-8"
    )
    system: dict[str, Any] = {
        "name": {"zh": "测试系统", "en": "Test system"},
        "record_number": "44000000000-00001",
        "unit": {"zh": "测试单位", "en": "Test unit"},
        "grade": {"s": 3, "a": 3},
        "scope": {"zh": "测试范围。", "en": "Test scope."},
        "inventory": "hosts.yml",
        "objects": objects
        if objects is not None
        else [
            {"kind": "database", "name": "db-1"},
            {"kind": "management", "name": "mgmt"},
            {"kind": "physical", "name": "room"},
        ],
        "evidence": {"audits": ["audits"], "questionnaire": "questionnaire.yaml"},
        "operations": {
            "prometheus_rules": str(ROOT / "monitors" / "rules"),
            "alertmanager": str(ROOT / "monitors" / "alertmanager" / "alertmanager.yml"),
            "detection_rules": str(ROOT / "secops" / "rules"),
            "log_retention_days": retention,
        },
    }
    if provider is not None:
        system["cloud"] = {
            "topology": str(TOPOLOGY),
            "provider": provider,
            "platform": {"zh": "测试云平台", "en": "Test cloud"},
        }
    path = folder / "system.yaml"
    path.write_text(yaml.safe_dump(system, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture
def system_dir(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path
