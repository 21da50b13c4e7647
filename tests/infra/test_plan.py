"""The landing-zone program under Pulumi mocks: both providers, security invariants."""

from __future__ import annotations

import importlib
import inspect
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from infra.plan import Plan, PlanResource, plan
from infra.topology import MANDATORY_TAGS, Topology, load

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "infra" / "topologies" / "province.yaml"
PROVIDERS = ("alicloud", "openstack")


@pytest.fixture(scope="module")
def topology() -> Topology:
    return load(EXAMPLE, strict=True)


@pytest.fixture(scope="module", params=PROVIDERS)
def planned(request: pytest.FixtureRequest, topology: Topology) -> Plan:
    return plan(topology, request.param)


def _cloud(p: Plan) -> list[PlanResource]:
    return [r for r in p.resources if not r.type.startswith("govsec:")]


@cache
def _accepts(type_token: str) -> set[str]:
    """The input names (snake_case) the SDK class of ``type_token`` takes."""
    pkg, mod, _ = type_token.split(":")
    module = mod.split("/")[0]
    name = type_token.rsplit(":", 1)[1]
    m = importlib.import_module(f"pulumi_{pkg}.{module}" if module != "index" else f"pulumi_{pkg}")
    klass = getattr(m, name)
    return set(inspect.signature(klass._internal_init).parameters)


def _tag_map(r: PlanResource) -> dict[str, str] | None:
    tags = r.props.get("tags")
    if isinstance(tags, dict):
        return {str(k): str(v) for k, v in tags.items()}
    if isinstance(tags, list):
        return dict(str(t).split("=", 1) for t in tags)
    return None


def test_example_plans_on_both_providers(planned: Plan) -> None:
    counts = planned.counts()
    assert sum(counts.values()) == len(planned.resources) > 100
    assert counts["govsec:landing:LandingZone"] == 1
    for name in ("TransitHub", "InternetEdge", "FlowPolicy", "SecurityManagementZone"):
        assert counts[f"govsec:landing:{name}"] == 1
    assert counts["govsec:landing:DepartmentZone"] == 12  # 11 department zones + extranet edge


def test_every_cloud_resource_carries_the_mandatory_tags(planned: Plan) -> None:
    untagged = []
    for r in _cloud(planned):
        accepts = _accepts(r.type)
        tags = _tag_map(r)
        if "tags" in accepts:
            if tags is None or not set(MANDATORY_TAGS) <= set(tags):
                untagged.append((r.type, r.name, tags))
            continue
        descriptions = [v for k, v in r.props.items() if k.lower().endswith("description")]
        if any("description" in a for a in accepts) and (
            not descriptions or not all(f"{t}=" in descriptions[0] for t in MANDATORY_TAGS)
        ):
            untagged.append((r.type, r.name, descriptions))
    assert not untagged


def _dmz_only(p: Plan, types: set[str]) -> list[PlanResource]:
    return [r for r in p.resources if r.type in types]


def test_public_addresses_and_nat_only_in_the_dmz(planned: Plan) -> None:
    public = {
        "alicloud:ecs/eipAddress:EipAddress",
        "alicloud:vpc/natGateway:NatGateway",
        "openstack:networking/floatingIp:FloatingIp",
    }
    found = _dmz_only(planned, public)
    assert found
    for r in found:
        assert (_tag_map(r) or {})["zone"] == "dmz", r.name
        assert "govsec:landing:InternetEdge$" in r.urn
    for r in planned.resources:
        if r.type == "alicloud:ecs/instance:Instance":
            assert r.props.get("internetMaxBandwidthOut", 0) == 0
        if r.type == "openstack:networking/router:Router" and r.props.get("externalNetworkId"):
            assert (_tag_map(r) or {})["zone"] == "dmz"
        if r.type == "alicloud:vpc/snatEntry:SnatEntry":
            assert r.props["snatTableId"] == "dmz-nat_snat_id"


def test_every_network_has_a_flow_log_on_alicloud(topology: Topology) -> None:
    p = plan(topology, "alicloud")
    vpcs = {f"{r.name}_id" for r in p.resources if r.type == "alicloud:vpc/network:Network"}
    logged = {
        r.props["resourceId"] for r in p.resources if r.type == "alicloud:vpc/flowLog:FlowLog"
    }
    assert vpcs and vpcs == logged
    assert p.counts()["alicloud:cen/flowLog:FlowLog"] == 1
    store = next(r for r in p.resources if r.type == "alicloud:log/store:Store")
    assert store.props["retentionPeriod"] >= 180
    trail = next(r for r in p.resources if r.type == "alicloud:actiontrail/trail:Trail")
    assert (trail.props["eventRw"], trail.props["trailRegion"]) == ("All", "All")
    key = next(r for r in p.resources if r.type == "alicloud:kms/key:Key")
    assert key.props["keySpec"] == "Aliyun_SM4"
    assert key.props["automaticRotation"] == "Enabled"


def _ingress(p: Plan) -> set[tuple[str, str, int]]:
    """(security group, source cidr, port) of every zone ingress rule."""
    out: set[tuple[str, str, int]] = set()
    for r in p.resources:
        if r.type == "alicloud:ecs/securityGroupRule:SecurityGroupRule":
            assert r.props["type"] == "ingress" and r.props["policy"] == "accept"
            port = int(str(r.props["portRange"]).split("/")[0])
            out.add((r.props["securityGroupId"], r.props["cidrIp"], port))
        elif (
            r.type == "openstack:networking/secGroupRule:SecGroupRule"
            and r.props["direction"] == "ingress"
        ):
            props = r.props
            out.add((props["securityGroupId"], props["remoteIpPrefix"], props["portRangeMin"]))
    return out


def test_security_groups_allow_exactly_the_declared_flows(
    planned: Plan, topology: Topology
) -> None:
    expected: set[tuple[str, str, int]] = set()
    for flow in topology.flows:
        for src in topology.resolve(flow.from_):
            for dst in topology.resolve(flow.to):
                for port in flow.ports:
                    expected.add((f"{dst.name}-sg_id", str(src.cidr), port))
    bastion = topology.management.bastion
    assert bastion is not None
    for source in bastion.allowed_sources:
        for port in (22, 443):
            expected.add((f"{bastion.name}-sg_id", str(source), port))
    assert _ingress(planned) == expected
    # a pair that is not declared has no rule: police.data is reached by police.business only
    police_data = {(sg, cidr) for sg, cidr, _ in expected if sg == "police-data-sg_id"}
    assert ("police-data-sg_id", "10.1.0.0/20") not in police_data
    assert not any(sg == "finance-data-sg_id" and cidr == "10.250.0.0/20"
                   for sg, cidr, _ in _ingress(planned))  # fmt: skip


def test_openstack_groups_drop_default_rules(topology: Topology) -> None:
    p = plan(topology, "openstack")
    groups = [r for r in p.resources if r.type == "openstack:networking/secGroup:SecGroup"]
    assert groups and all(g.props["deleteDefaultRules"] is True for g in groups)
    assert p.outputs["not_offered"].keys() >= {"log_store", "audit_trail", "kms_key"}
    fw = [r for r in p.resources if r.type == "openstack:firewall/groupV2:GroupV2"]
    assert fw and all(g.props.get("ports") for g in fw)


def test_components_parent_their_children(planned: Plan) -> None:
    by_urn = {r.urn: r for r in planned.resources}
    roots = [r for r in planned.resources if r.parent is None]
    assert [r.type for r in roots] == ["govsec:landing:LandingZone"]
    for r in planned.resources:
        if r.parent is not None:
            assert by_urn[r.parent].type.startswith("govsec:landing:"), r.name
    for r in _cloud(planned):
        # cloud resources live in a unit component, never directly under the root
        # (OpenStack department projects are the one root-level exception)
        assert r.parent is not None
        if by_urn[r.parent].type == "govsec:landing:LandingZone":
            assert r.type == "openstack:identity/project:Project", r.name


def test_inventory_output_shape(planned: Plan, topology: Topology) -> None:
    inv: dict[str, Any] = planned.outputs["inventory"]
    assert set(inv) == {"bastion", "mlps_level", "hosts"}
    assert inv["mlps_level"] == 3
    b = inv["bastion"]
    assert set(b) == {"name", "public_ip", "private_ip"} and b["name"] == "bastion"
    assert isinstance(b["private_ip"], str)
    hosts = inv["hosts"]
    assert len(hosts) == sum(1 for _ in topology.hosts())
    for h in hosts:
        assert set(h) == {"name", "dept", "zone", "ip", "subnet", "az"}
        assert all(isinstance(v, str) for v in h.values())
    fin = next(h for h in hosts if h["name"] == "fin-db-1")
    assert (fin["dept"], fin["zone"], fin["ip"], fin["subnet"]) == (
        "finance",
        "data",
        "10.1.16.10",
        "db-h",
    )


def test_plan_is_repeatable(topology: Topology) -> None:
    first = plan(topology, "alicloud")
    other = plan(topology, "openstack")
    again = plan(topology, "alicloud")
    assert first.counts() == again.counts()
    assert [r.urn for r in first.resources] == [r.urn for r in again.resources]
    assert other.provider == "openstack" and other.counts() != first.counts()
    assert first.zone_graph() == again.zone_graph()
