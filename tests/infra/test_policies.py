"""The 20 MLPS cloud policies: hand-built compliant and violating resources, the CrossGuard
wrappers, the catalog link, and broken topologies that must trip exactly their policy."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from infra.plan import PlanResource
from infra.policies import POLICIES, Violation, check_resources
from secops.catalog.model import load_catalog
from tests.conftest import FILES

BROKEN = FILES / "topologies" / "broken"
T = {"dept": "finance", "zone": "business", "mlps_level": "3", "owner": "finance-it"}
M = {**T, "dept": "shared", "zone": "management", "owner": "pbdb"}
D = {**T, "dept": "shared", "zone": "dmz", "owner": "pbdb"}
H = {**T, "dept": "shared", "zone": "hub", "owner": "pbdb"}


def desc(tags: dict[str, str]) -> str:
    return "[" + " ".join(f"{k}={v}" for k, v in tags.items()) + "]"


def res(type_: str, rname: str, /, **props: Any) -> PlanResource:
    return PlanResource(type_, rname, f"urn:pulumi:s::p::{type_}::{rname}", None, props)


def ali_rule(
    name: str,
    cidr: str,
    ports: str,
    proto: str = "tcp",
    group: str = "biz-sg_id",
    tags: dict[str, str] = T,
) -> PlanResource:
    return res(
        "alicloud:ecs/securityGroupRule:SecurityGroupRule",
        name,
        type="ingress",
        ipProtocol=proto,
        portRange=ports,
        cidrIp=cidr,
        policy="accept",
        nicType="intranet",
        securityGroupId=group,
        description=desc(tags),
    )


def ali_baseline() -> list[PlanResource]:
    """A small compliant AliCloud landing zone (every policy quiet)."""
    tags = lambda t: {"tags": dict(t)}  # noqa: E731
    return [
        res("alicloud:vpc/network:Network", "mgmt", cidrBlock="10.254.0.0/20", **tags(M)),
        res("alicloud:vpc/network:Network", "biz", cidrBlock="10.1.0.0/20", **tags(T)),
        res("alicloud:vpc/network:Network", "dmz", cidrBlock="10.250.0.0/20", **tags(D)),
        res(
            "alicloud:vpc/switch:Switch",
            "biz-a",
            vpcId="biz_id",
            cidrBlock="10.1.0.0/24",
            **tags(T),
        ),
        res(
            "alicloud:vpc/networkAcl:NetworkAcl",
            "biz-acl",
            vpcId="biz_id",
            resources=[{"resourceId": "biz-a_id", "resourceType": "VSwitch"}],
            **tags(T),
        ),
        res(
            "alicloud:vpc/networkAclEntries:NetworkAclEntries",
            "biz-acl-e",
            networkAclId="biz-acl_id",
            ingresses=[
                {
                    "sourceCidrIp": "10.254.0.0/20",
                    "protocol": "tcp",
                    "port": "22/22",
                    "policy": "accept",
                },
                {"sourceCidrIp": "0.0.0.0/0", "protocol": "all", "port": "-1/-1", "policy": "drop"},
            ],
        ),
        res(
            "alicloud:ecs/securityGroup:SecurityGroup",
            "biz-sg",
            securityGroupName="biz-sg",
            **tags(T),
        ),
        ali_rule("biz-ssh", "10.254.0.0/20", "22/22"),
        ali_rule("dmz-https", "0.0.0.0/0", "443/443", group="dmz-sg_id", tags=D),
        res(
            "alicloud:ecs/securityGroup:SecurityGroup",
            "dmz-sg",
            securityGroupName="dmz-sg",
            **tags(D),
        ),
        res(
            "alicloud:ecs/securityGroup:SecurityGroup",
            "bastion-sg",
            securityGroupName="bastion-sg",
            tags={**M, "role": "bastion", "service": "bastion"},
        ),
        ali_rule(
            "bastion-in",
            "203.0.113.0/24",
            "22/22",
            group="bastion-sg_id",
            tags={**M, "service": "bastion"},
        ),
        res(
            "alicloud:bastionhost/instance:Instance",
            "bastion",
            enablePublicAccess=True,
            publicWhiteLists=["203.0.113.0/24"],
            securityGroupIds=["bastion-sg_id"],
            tags={**M, "service": "bastion"},
        ),
        res(
            "alicloud:ecs/instance:Instance",
            "app-1",
            securityGroups=["biz-sg_id"],
            internetMaxBandwidthOut=0,
            systemDiskEncrypted=True,
            systemDiskKmsKeyId="key_id",
            systemDiskEncryptAlgorithm="sm4-128",
            **tags(T),
        ),
        res(
            "alicloud:ecs/instance:Instance",
            "siem-1",
            securityGroups=["biz-sg_id"],
            systemDiskEncrypted=True,
            systemDiskKmsKeyId="key_id",
            **tags(M),
        ),
        res(
            "alicloud:vpc/flowLog:FlowLog",
            "fl-mgmt",
            resourceType="VPC",
            resourceId="mgmt_id",
            status="Active",
            **tags(M),
        ),
        res(
            "alicloud:vpc/flowLog:FlowLog",
            "fl-biz",
            resourceType="VPC",
            resourceId="biz_id",
            status="Active",
            **tags(T),
        ),
        res(
            "alicloud:vpc/flowLog:FlowLog",
            "fl-dmz",
            resourceType="VPC",
            resourceId="dmz_id",
            status="Active",
            **tags(D),
        ),
        res("alicloud:cen/transitRouter:TransitRouter", "tr", cenId="cen_id", **tags(H)),
        res(
            "alicloud:cen/flowLog:FlowLog",
            "fl-tr",
            cenId="cen_id",
            transitRouterId="tr_id",
            status="Active",
            **tags(H),
        ),
        res(
            "alicloud:cen/transitRouterVpcAttachment:TransitRouterVpcAttachment",
            "biz-att",
            vpcId="biz_id",
            **tags(T),
        ),
        res(
            "alicloud:cen/transitRouterRouteTable:TransitRouterRouteTable",
            "rt-business",
            transitRouterRouteTableDescription="route table of business zones " + desc(H),
            **tags(H),
        ),
        res(
            "alicloud:cen/transitRouterRouteTableAssociation:TransitRouterRouteTableAssociation",
            "biz-assoc",
            transitRouterAttachmentId="biz-att_id",
            transitRouterRouteTableId="rt-business_id",
        ),
        res(
            "alicloud:cloudfirewall/vpcCenTrFirewall:VpcCenTrFirewall",
            "hub-fw",
            transitRouterId="tr_id",
            firewallDescription="hub " + desc(H),
        ),
        res("alicloud:vpc/natGateway:NatGateway", "dmz-nat", vpcId="dmz_id", **tags(D)),
        res("alicloud:ecs/eipAddress:EipAddress", "dmz-eip", **tags(D)),
        res(
            "alicloud:cloudfirewall/natFirewall:NatFirewall",
            "dmz-natfw",
            natGatewayId="dmz-nat_id",
            firewallSwitch="open",
        ),
        res(
            "alicloud:vpc/routeEntry:RouteEntry",
            "biz-default",
            destinationCidrblock="0.0.0.0/0",
            nexthopType="Attachment",
            description=desc(T),
        ),
        res(
            "alicloud:actiontrail/trail:Trail",
            "trail",
            eventRw="All",
            trailRegion="All",
            status="Enable",
        ),
        res("alicloud:log/project:Project", "logs", tags={**M, "service": "log_audit"}),
        res(
            "alicloud:log/store:Store",
            "logs-audit",
            retentionPeriod=180,
            encryptConf={"enable": True, "encryptType": "sm4_gcm"},
        ),
        res(
            "alicloud:kms/key:Key",
            "key",
            keySpec="Aliyun_SM4",
            automaticRotation="Enabled",
            rotationInterval="31536000s",
            status="Enabled",
            tags={**M, "service": "kms"},
        ),
        res(
            "alicloud:cfg/compliancePack:CompliancePack",
            "pack",
            compliancePackName="等保三级预检合规包",
            description=desc(M),
        ),
    ]


def replace(base: list[PlanResource], name: str, **props: Any) -> list[PlanResource]:
    out = []
    for r in base:
        if r.name == name:
            new = {k: v for k, v in {**r.props, **props}.items() if v is not None}
            r = PlanResource(r.type, r.name, r.urn, r.parent, new)
        out.append(r)
    return out


def drop(base: list[PlanResource], *names: str) -> list[PlanResource]:
    return [r for r in base if r.name not in names]


Edit = Callable[[list[PlanResource]], list[PlanResource]]
VIOLATING: dict[int, Edit] = {
    1: lambda b: [*b, ali_rule("x", "0.0.0.0/0", "20/25")],
    2: lambda b: [*b, ali_rule("x", "0.0.0.0/0", "-1/-1", proto="all", tags=D, group="dmz-sg_id")],
    3: lambda b: [*b, ali_rule("x", "0.0.0.0/0", "3306/3306", tags=D, group="dmz-sg_id")],
    4: lambda b: [*b, ali_rule("x", "10.250.0.0/20", "3389/3389")],
    5: lambda b: replace(b, "bastion", publicWhiteLists=["0.0.0.0/0"]),
    6: lambda b: replace(b, "app-1", internetMaxBandwidthOut=10),
    7: lambda b: replace(b, "biz-default", nexthopType="NatGateway"),
    8: lambda b: drop(b, "fl-biz"),
    9: lambda b: replace(b, "trail", eventRw="Write"),
    10: lambda b: replace(b, "logs-audit", retentionPeriod=90),
    11: lambda b: replace(b, "logs-audit", encryptConf=None),
    12: lambda b: replace(b, "app-1", systemDiskEncrypted=False),
    13: lambda b: replace(b, "key", rotationInterval="400d"),
    14: lambda b: replace(
        b,
        "biz-acl-e",
        ingresses=[
            {
                "sourceCidrIp": "10.254.0.0/20",
                "protocol": "tcp",
                "port": "22/22",
                "policy": "accept",
            }
        ],
    ),
    15: lambda b: drop(b, "biz-acl"),
    16: lambda b: replace(b, "dmz", cidrBlock="10.1.8.0/21"),
    17: lambda b: drop(b, "hub-fw"),
    18: lambda b: replace(b, "biz", tags={"dept": "finance", "zone": "business"}),
    19: lambda b: drop(b, "pack"),
    20: lambda b: replace(b, "siem-1", tags={**T}),
}


def fired(resources: list[PlanResource], provider: str = "alicloud") -> set[int]:
    return {int(v.policy[-2:]) for v in check_resources(resources, provider)}


def test_the_compliant_baseline_is_quiet() -> None:
    assert check_resources(ali_baseline(), "alicloud") == []


@pytest.mark.parametrize("number", range(1, 21))
def test_each_policy_fires_alone_on_its_violation(number: int) -> None:
    assert fired(VIOLATING[number](ali_baseline())) == {number}


def test_policies_are_twenty_in_baseline_order_with_cloud_controls() -> None:
    catalog = load_catalog()
    assert [p.number for p in POLICIES] == list(range(1, 21))
    assert [p.id for p in POLICIES] == [f"mlps-cloud-{n:02d}" for n in range(1, 21)]
    for p in POLICIES:
        assert catalog.controls[p.control].scope == "cloud", p.id
        assert p.title and p.description and p.title_zh and p.providers


def test_every_cloud_control_is_judged_by_a_policy() -> None:
    cloud = {c.id for c in load_catalog().controls.values() if c.scope == "cloud"}
    assert cloud == {p.control for p in POLICIES}


def test_openstack_lacks_exactly_the_services_it_does_not_offer() -> None:
    missing = {p.number for p in POLICIES if "openstack" not in p.providers}
    assert missing == {8, 9, 10, 11, 12, 13, 19}


def test_openstack_rules_and_groups() -> None:
    rule = res(
        "openstack:networking/secGroupRule:SecGroupRule",
        "r",
        direction="ingress",
        protocol="tcp",
        portRangeMin=22.0,
        portRangeMax=22.0,
        remoteIpPrefix="0.0.0.0/0",
        securityGroupId="sg_id",
        description=desc(T),
    )
    sg = res(
        "openstack:networking/secGroup:SecGroup",
        "sg",
        name="sg",
        deleteDefaultRules=False,
        tags=[f"{k}={v}" for k, v in T.items()],
    )
    got = check_resources([rule, sg], "openstack")
    assert {v.policy for v in got} >= {"mlps-cloud-01", "mlps-cloud-14"}
    assert not {v.policy for v in got} & {f"mlps-cloud-{n:02d}" for n in (8, 9, 10, 11, 12, 13, 19)}


@pytest.mark.parametrize(
    "props", [{"portRange": "22-x"}, {"cidrIp": "not-a-cidr"}, {"portRange": "70000/70001"}]
)
def test_malformed_rules_are_violations_not_exceptions(props: dict[str, Any]) -> None:
    base = [*ali_baseline(), ali_rule("odd", "10.254.0.0/20", "22/22")]
    got = check_resources(replace(base, "odd", **props), "alicloud")
    assert got and all("odd" in v.resource for v in got)
    assert all("policy failed" not in v.message for v in got)


def test_garbage_props_never_raise() -> None:
    junk = [
        res(
            t,
            f"j{i}",
            **{
                k: object()
                for k in (
                    "cidrBlock",
                    "tags",
                    "ingresses",
                    "resources",
                    "retentionPeriod",
                    "encryptConf",
                    "rotationInterval",
                    "publicWhiteLists",
                )
            },
        )
        for i, t in enumerate({r.type for r in ali_baseline()})
    ]
    got = check_resources([*ali_baseline(), *junk], "alicloud")
    assert not [v for v in got if "policy failed" in v.message]


# -- the CrossGuard pack ------------------------------------------------------------------------


def load_pack() -> Any:
    path = Path(__file__).resolve().parents[2] / "infra" / "policy" / "__main__.py"
    spec = importlib.util.spec_from_file_location("govsec_policy_pack", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # not as __main__: the policy server never starts
    return module


class FakeResource:
    def __init__(self, r: PlanResource) -> None:
        self.resource_type, self.name, self.urn, self.props = r.type, r.name, r.urn, dict(r.props)
        self.parent = None


class FakeArgs:
    def __init__(self, resources: list[PlanResource]) -> None:
        self.resources = [FakeResource(r) for r in resources]


@pytest.mark.parametrize("number", [1, 5, 8, 14, 20])
def test_the_pack_reports_what_evaluate_reports(number: int) -> None:
    pack = load_pack()
    wrappers = pack.policies()
    assert [w.name for w in wrappers] == [p.id for p in POLICIES]
    resources = VIOLATING[number](ali_baseline())
    expected: list[Violation] = [v for v in check_resources(resources, "alicloud")]
    reported: list[tuple[str, str, Any]] = []
    for w, p in zip(wrappers, POLICIES, strict=True):
        w.validate(
            FakeArgs(resources), lambda msg, urn=None, pid=p.id: reported.append((pid, msg, urn))
        )
    assert [(v.policy, v.resource or None) for v in expected] == [(p, u) for p, _, u in reported]
    assert all(m.startswith("[") for _, m, _ in reported)


# -- broken topologies --------------------------------------------------------------------------

BROKEN_FILES = sorted(BROKEN.glob("*.yaml"))
ON_OPENSTACK = {p.number for p in POLICIES if "openstack" in p.providers} - {16}


def test_broken_topologies_exist_for_the_expressible_policies() -> None:
    assert {int(p.name[:2]) for p in BROKEN_FILES} == {1, 3, 4, 5, 6, 8, 9, 10, 12, 13, 16, 17, 20}


@pytest.mark.parametrize("path", BROKEN_FILES, ids=lambda p: p.stem)
def test_planning_a_broken_topology_trips_exactly_its_policy(path: Path) -> None:
    plan_mod = pytest.importorskip("infra.plan")
    from infra import topology
    from infra.policies import evaluate

    number = int(path.name[:2])
    topo = topology.load(path, strict=False)
    for provider in ("alicloud", "openstack"):
        got = {v.policy for v in evaluate(plan_mod.plan(topo, provider))}
        want = (
            {f"mlps-cloud-{number:02d}"}
            if provider == "alicloud" or number in ON_OPENSTACK
            else set()
        )
        if provider == "openstack" and number == 16:
            continue  # OpenStack zone ranges are not resources: only subnets can overlap
        assert got == want, f"{path.name} on {provider}"


def test_the_example_topology_is_compliant_on_both_clouds() -> None:
    plan_mod = pytest.importorskip("infra.plan")
    from infra import topology
    from infra.policies import evaluate

    topo = topology.load(
        Path(__file__).resolve().parents[2] / "infra" / "topologies" / "province.yaml"
    )
    for provider in ("alicloud", "openstack"):
        assert evaluate(plan_mod.plan(topo, provider)) == []
