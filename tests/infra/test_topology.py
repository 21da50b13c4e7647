"""The topology loader: the examples load, every rejection names file, line and field."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from infra.generate import generate
from infra.topology import TopologyError, Zone, load, parse
from tests.conftest import FILES, ROOT

TOPOLOGIES = FILES / "topologies"
INVALID = TOPOLOGIES / "invalid"
EXAMPLES = sorted((ROOT / "infra" / "topologies").glob("*.yaml"))

# file -> (dotted field of the first problem, words its message holds)
SEMANTIC = {
    "overlap": ("departments[1].zones.business.cidr", "overlaps departments[0].zones.data.cidr"),
    "hub-overlap": ("dmz.cidr", "overlaps hub.cidr (10.255.0.0/20)"),
    "public-range": ("management.cidr", "private range"),
    "subnet-outside": ("departments[0].zones.business.subnets[0].cidr", "outside its zone"),
    "subnet-overlap": (
        "departments[0].zones.business.subnets[1].cidr",
        "overlaps departments[0].zones.business.subnets[0].cidr",
    ),
    "subnet-az": ("departments[0].zones.data.subnets[0].az", "availability_zones"),
    "flow-unknown-zone": ("flows[1].to", "'*.bussiness' names no zone"),
    "flow-unknown-dept": ("flows[2].from", "'gamma.business' names no zone"),
    "internet-to-business": ("flows[0].to", "public exposure outside the DMZ"),
    "internet-as-destination": ("flows[3].to", "internet is only a source"),
    "public-subnet": ("departments[0].zones.data.subnets[0].public", "outside the DMZ"),
    "public-host": ("departments[1].zones.business.hosts[0].public", "outside the DMZ"),
    "bastion-open": ("management.bastion.allowed_sources[0]", "whole internet"),
    "retention": ("logging.retention_days", "at least 180 days"),
    "duplicate-host": ("departments[1].zones.business.hosts[0].name", "also used by"),
    "host-outside-subnet": ("departments[0].zones.business.hosts[0].ip", "not a host address"),
}
SCHEMA = {
    "duplicate-dept": ("departments", "'alpha' used twice"),
    "bad-dept-id": ("departments[1].id", "expected a name matching"),
    "unknown-field": ("logging.retension", "unknown field"),
    "bad-cidr": ("departments[0].zones.data.cidr", "no host bits set (got '10.1.16.1/20')"),
    "unknown-zone-class": ("departments[0].zones.database", "'business', 'data' or 'extranet'"),
    "host-unknown-subnet": ("departments[1].zones.business", "subnet 'web' is not a subnet"),
    "duplicate-subnet": ("departments[0].zones.business.subnets", "'app' used twice"),
    "bad-host-name": ("departments[1].zones.business.hosts[0].name", "expected a name matching"),
    "bad-cloud": ("cloud", "expected 'alicloud' or 'openstack' (got 'aws')"),
    "flow-without-ports": ("flows[2]", "needs ports"),
    "reserved-tag": ("tags", "dept: set by govsec"),
}


def _line_of(path: Path) -> int:
    """The line the first message names."""
    found = re.match(r"^\S+?:(\d+): ", _error(path, strict=True))
    assert found is not None
    return int(found.group(1))


def _error(path: Path, *, strict: bool) -> str:
    with pytest.raises(TopologyError) as caught:
        load(path, strict=strict)
    return caught.value.message


def test_every_invalid_file_is_covered() -> None:
    assert {p.stem for p in INVALID.glob("*.yaml")} == set(SEMANTIC) | set(SCHEMA)


def test_minimal_loads() -> None:
    topology = load(TOPOLOGIES / "minimal.yaml")
    assert [z.ref for z in topology.zones()] == [
        "dmz",
        "management",
        "alpha.business",
        "alpha.data",
        "beta.business",
    ]


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_examples_load(path: Path) -> None:
    topology = load(path)
    assert topology.mlps_level == 3
    assert topology.logging.retention_days >= 180
    assert {z.zone_class for z in topology.zones()} == {
        "dmz",
        "extranet",
        "business",
        "data",
        "management",
    }
    assert len(topology.departments) == 5


@pytest.mark.parametrize("name", sorted(SEMANTIC))
def test_semantic_rejections(name: str) -> None:
    path = INVALID / f"{name}.yaml"
    field, words = SEMANTIC[name]
    message = _error(path, strict=True)
    assert message.startswith(f"{path}:"), message
    assert f": {field}: " in message, message
    assert words in message, message
    load(path, strict=False)  # schema only: a broken topology can still be planned


@pytest.mark.parametrize("name", sorted(SCHEMA))
def test_schema_rejections(name: str) -> None:
    path = INVALID / f"{name}.yaml"
    field, words = SCHEMA[name]
    for strict in (True, False):
        message = _error(path, strict=strict)
        assert message.startswith(f"{path}:"), message
        assert f": {field}: " in message, message
        assert words in message, message


def test_message_names_the_yaml_line() -> None:
    path = INVALID / "overlap.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    # beta (departments[1]) business cidr: the first "cidr: 10.2.0.0/20" after "- id: beta"
    beta = lines.index("  - id: beta")
    expected = next(i for i in range(beta, len(lines)) if "cidr: 10.2.0.0/20" in lines[i]) + 1
    assert _line_of(path) == expected
    retention = INVALID / "retention.yaml"
    want = next(
        i for i, line in enumerate(retention.read_text().splitlines(), 1) if "days: 90" in line
    )
    assert _error(retention, strict=True).startswith(f"{retention}:{want}: ")


def test_every_problem_is_listed(tmp_path: Path) -> None:
    text = (INVALID / "retention.yaml").read_text(encoding="utf-8")
    path = tmp_path / "two.yaml"
    path.write_text(text.replace("to: alpha.data", "to: alpha.nothing"), encoding="utf-8")
    with pytest.raises(TopologyError) as caught:
        load(path)
    problems = caught.value.problems
    assert len(problems) == 2
    assert any("flows[2].to" in p for p in problems)
    assert any("logging.retention_days" in p for p in problems)
    assert "1 more problem" in (caught.value.hint or "")


def test_not_yaml_and_not_a_mapping(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed\n", encoding="utf-8")
    assert re.match(rf"{re.escape(str(bad))}:\d+: not valid YAML", _error(bad, strict=True))
    listed = tmp_path / "list.yaml"
    listed.write_text("- a\n", encoding="utf-8")
    assert (
        _error(listed, strict=True)
        == f"{listed}: expected a mapping (name:, cloud:, departments: …)"
    )
    missing = tmp_path / "missing.yaml"
    assert _error(missing, strict=True).startswith(f"{missing}: cannot read")


def test_rotation_over_a_year_is_left_to_the_policy(tmp_path: Path) -> None:
    text = (TOPOLOGIES / "minimal.yaml").read_text(encoding="utf-8")
    path = tmp_path / "rotation.yaml"
    path.write_text(text.replace("rotation_days: 365", "rotation_days: 730"), encoding="utf-8")
    assert load(path).keys.rotation_days == 730


def test_resolve_patterns() -> None:
    topology = load(TOPOLOGIES / "minimal.yaml")

    def refs(ref: str) -> list[str]:
        return [z.ref for z in topology.resolve(ref)]

    assert refs("dmz") == ["dmz"]
    assert refs("management") == ["management"]
    assert refs("extranet") == []  # minimal.yaml declares no extranet edge
    assert refs("alpha.data") == ["alpha.data"]
    assert refs("*.business") == ["alpha.business", "beta.business"]
    assert refs("alpha.*") == ["alpha.business", "alpha.data"]
    assert refs("*") == ["dmz", "management", "alpha.business", "alpha.data", "beta.business"]
    assert refs("beta.data") == []
    assert refs("gamma.*") == []
    assert refs("alpha") == []
    internet = topology.resolve("internet")
    assert [(z.zone_class, str(z.cidr)) for z in internet] == [("internet", "0.0.0.0/0")]


def test_zone_fields() -> None:
    topology = load(TOPOLOGIES / "minimal.yaml")
    zone = topology.resolve("alpha.business")[0]
    assert isinstance(zone, Zone)
    assert (zone.dept, zone.zone_class, str(zone.cidr), zone.name) == (
        "alpha",
        "business",
        "10.1.0.0/20",
        "alpha-business",
    )
    assert zone.field == "departments[0].zones.business"
    assert [s.name for s in zone.subnets] == ["app", "app2"]
    assert [h.name for h in zone.hosts] == ["alpha-app-1"]
    assert topology.hub_zone().zone_class == "hub"
    assert [h.name for _, h in topology.hosts()] == ["alpha-app-1", "beta-app-1"]


def test_tags() -> None:
    topology = load(ROOT / "infra" / "topologies" / "province.yaml")
    assert topology.tags_for("finance", "data") == {
        "project": "one-cloud",
        "cost-center": "pbdb-2024",
        "dept": "finance",
        "zone": "data",
        "mlps_level": "3",
        "owner": "finance-it",
    }
    shared = topology.tags_for(None, "hub")
    assert (shared["dept"], shared["zone"], shared["owner"]) == (
        "shared",
        "hub",
        "provincial-big-data-bureau",
    )
    minimal = load(TOPOLOGIES / "minimal.yaml")
    assert minimal.tags_for("alpha", "business")["owner"] == "test-bureau"  # no owner of its own
    assert minimal.tags_for("beta", "business")["owner"] == "beta-it"
    with pytest.raises(TopologyError, match="no department 'gamma'"):
        minimal.tags_for("gamma", "data")


def test_generated_fifty_departments_is_valid_and_fast() -> None:
    data = generate(50)
    started = time.perf_counter()
    topology = parse(data, source="<generated>")
    elapsed = time.perf_counter() - started
    assert len(topology.departments) == 50
    classes = {z.zone_class for z in topology.zones()}
    assert classes == {"dmz", "extranet", "business", "data", "management"}
    assert len(topology.zones()) == 50 * 3 + 3
    assert elapsed < 0.5, elapsed
    assert len(topology.resolve("*.data")) == 50
    openstack = parse(generate(3, cloud="openstack"))
    assert openstack.cloud == "openstack"


def test_generated_file_loads(tmp_path: Path) -> None:
    target = tmp_path / "g.yaml"
    subprocess.run(
        [sys.executable, "-m", "infra.generate", "50", "-o", str(target)], check=True, cwd=ROOT
    )
    started = time.perf_counter()
    topology = load(target)
    assert time.perf_counter() - started < 1.0
    assert topology.name == "generated-50"
    assert (
        yaml.safe_load(target.read_text(encoding="utf-8"))["departments"][0]["title"] == "部门 001"
    )


def test_generate_refuses_impossible_sizes() -> None:
    with pytest.raises(ValueError, match="departments"):
        generate(0)
    with pytest.raises(ValueError, match="departments"):
        generate(1001)
    with pytest.raises(ValueError, match="cloud"):
        generate(2, cloud="aws")
    assert len(parse(generate(1)).departments) == 1
