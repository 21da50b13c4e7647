"""The 20 MLPS cloud policies (MLPS_BASELINE.md "Cloud policies"), as pure checks over a plan.

Each :class:`CloudPolicy` reads :class:`~infra.plan.PlanResource` props as the Pulumi engine
sees them (camelCase type tokens and inputs) and yields :class:`Violation` s that carry the
catalog control id (``secops/catalog/controls.yaml``, scope ``cloud``). The same checks run
under ``govsec infra check`` (:func:`evaluate` over a plan made under mocks) and under the
Pulumi CLI (the CrossGuard pack in ``infra/policy/``). docs/infra-policies.md lists them.

Every check is linear in the resources: one :class:`Index` is built per evaluation and shared
by all policies. A resource whose props cannot be read (a port range that is not a range, a
CIDR that is not a CIDR) is a violation naming the prop, never an exception.

A policy applies only on the providers in its ``providers``: OpenStack offers no flow logs,
log store, audit trail, SM4 keys with rotation, customer-key disk encryption or MLPS config
pack through its Pulumi provider, so policies 8-13 and 19 report nothing there
(:func:`not_applicable` lists them, so a caller can say so instead of passing silently).
"""

from __future__ import annotations

import ipaddress
import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from infra.plan import Plan

ALICLOUD, OPENSTACK = "alicloud", "openstack"
BOTH = frozenset({ALICLOUD, OPENSTACK})
ALI_ONLY = frozenset({ALICLOUD})
MANDATORY_TAGS = ("dept", "zone", "mlps_level", "owner")
ADMIN_PORTS = {22: "SSH", 3389: "RDP"}
DB_PORTS = {
    1433: "SQL Server",
    1521: "Oracle",
    2379: "etcd",
    3306: "MySQL",
    5236: "DM (达梦)",
    5432: "PostgreSQL",
    6379: "Redis",
    9200: "Elasticsearch",
    11211: "Memcached",
    27017: "MongoDB",
    54321: "KingbaseES",
}
MIN_RETENTION_DAYS = 180
MAX_ROTATION_DAYS = 365
Net = ipaddress.IPv4Network | ipaddress.IPv6Network

# -- type tokens --------------------------------------------------------------------------------
A_VPC = "alicloud:vpc/network:Network"
A_SWITCH = "alicloud:vpc/switch:Switch"
A_SG = "alicloud:ecs/securityGroup:SecurityGroup"
A_SG_RULE = "alicloud:ecs/securityGroupRule:SecurityGroupRule"
A_ACL = "alicloud:vpc/networkAcl:NetworkAcl"
A_ACL_ATTACH = "alicloud:vpc/networkAclAttachment:NetworkAclAttachment"
A_ACL_ENTRIES = "alicloud:vpc/networkAclEntries:NetworkAclEntries"
A_FLOW_LOG = "alicloud:vpc/flowLog:FlowLog"
A_CEN_FLOW_LOG = "alicloud:cen/flowLog:FlowLog"
A_TR = "alicloud:cen/transitRouter:TransitRouter"
A_TR_ATTACH = "alicloud:cen/transitRouterVpcAttachment:TransitRouterVpcAttachment"
A_TR_TABLE = "alicloud:cen/transitRouterRouteTable:TransitRouterRouteTable"
A_TR_ASSOC = "alicloud:cen/transitRouterRouteTableAssociation:TransitRouterRouteTableAssociation"
A_ROUTE = "alicloud:vpc/routeEntry:RouteEntry"
A_NAT = "alicloud:vpc/natGateway:NatGateway"
A_EIP = "alicloud:ecs/eipAddress:EipAddress"
A_EIP_ASSOC = "alicloud:ecs/eipAssociation:EipAssociation"
A_ECS = "alicloud:ecs/instance:Instance"
A_DISKS = ("alicloud:ecs/disk:Disk", "alicloud:ecs/ecsDisk:EcsDisk")
A_BASTION = "alicloud:bastionhost/instance:Instance"
A_TRAIL = "alicloud:actiontrail/trail:Trail"
A_LOG_PROJECT = "alicloud:log/project:Project"
A_LOG_STORE = "alicloud:log/store:Store"
A_KMS = "alicloud:kms/key:Key"
A_PACKS = (
    "alicloud:cfg/compliancePack:CompliancePack",
    "alicloud:cfg/aggregateCompliancePack:AggregateCompliancePack",
)
A_HUB_FW = (
    "alicloud:cloudfirewall/vpcCenTrFirewall:VpcCenTrFirewall",
    "alicloud:cloudfirewall/firewallVpcFirewallCen:FirewallVpcFirewallCen",
)
A_EDGE_FW = (
    "alicloud:cloudfirewall/natFirewall:NatFirewall",
    "alicloud:cloudfirewall/instance:Instance",
)
O_NET = "openstack:networking/network:Network"
O_SUBNET = "openstack:networking/subnet:Subnet"
O_SG = "openstack:networking/secGroup:SecGroup"
O_SG_RULE = "openstack:networking/secGroupRule:SecGroupRule"
O_ROUTER = "openstack:networking/router:Router"
O_ROUTER_IF = "openstack:networking/routerInterface:RouterInterface"
O_PORT = "openstack:networking/port:Port"
O_FIP = "openstack:networking/floatingIp:FloatingIp"
O_FIP_ASSOC = "openstack:networking/floatingIpAssociate:FloatingIpAssociate"
O_VM = "openstack:compute/instance:Instance"
O_FW_GROUP = "openstack:firewall/groupV2:GroupV2"
INSTANCES = (A_ECS, O_VM)
# types that take a `tags` input (the others carry the tags in their description, if any)
TAGGABLE = frozenset(
    {
        A_VPC,
        A_SWITCH,
        A_SG,
        A_ACL,
        A_FLOW_LOG,
        A_CEN_FLOW_LOG,
        A_TR,
        A_TR_ATTACH,
        A_TR_TABLE,
        A_NAT,
        A_EIP,
        A_ECS,
        A_BASTION,
        A_LOG_PROJECT,
        A_KMS,
        "alicloud:cen/instance:Instance",
        O_NET,
        O_SUBNET,
        O_SG,
        O_ROUTER,
        O_PORT,
        O_FIP,
        O_VM,
    }
)
DESCRIPTIONS = (
    "description",
    "firewallDescription",
    "transitRouterDescription",
    "transitRouterAttachmentDescription",
    "transitRouterRouteTableDescription",
    "transitRouterRouteEntryDescription",
)
_DESC_TAGS = re.compile(r"\[([^\[\]]*=[^\[\]]*)\]")


class Resource(Protocol):
    """What a policy reads of a resource: :class:`infra.plan.PlanResource` has it."""

    @property
    def type(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def urn(self) -> str: ...
    @property
    def parent(self) -> str | None: ...
    @property
    def props(self) -> Mapping[str, Any]: ...


@dataclass(frozen=True)
class Violation:
    """One resource (or a missing one: ``resource == ""``) that breaks one policy."""

    policy: str  # "mlps-cloud-01"
    control: str  # catalog control id, e.g. "ab.ac.c"
    resource: str  # urn or name of the offending resource ("" for a missing one)
    message: str


@dataclass
class Context:
    """What a check knows besides the resources: provider, MLPS level, optional topology.

    ``topology`` (an :class:`infra.topology.Topology`) is there when evaluating a plan; under
    CrossGuard it is ``None`` and policy 14 checks the rules' shape only.
    """

    provider: str
    mlps_level: int = 3
    topology: Any = None
    _index: tuple[int, Index] | None = field(default=None, repr=False)

    def index(self, resources: Sequence[Resource]) -> Index:
        """The shared :class:`Index` of ``resources`` (built once per evaluation)."""
        if self._index is None or self._index[0] != id(resources):
            self._index = (id(resources), Index(resources))
        return self._index[1]


Check = Callable[[Sequence[Resource], Context], Iterable[Violation]]


@dataclass(frozen=True)
class CloudPolicy:
    """One MLPS cloud policy: its id, control, texts, where it applies and its check."""

    id: str
    number: int
    control: str
    title: str
    title_zh: str
    description: str
    providers: frozenset[str]
    check: Check


# -- reading props ------------------------------------------------------------------------------


def tags_of(props: Mapping[str, Any]) -> dict[str, str]:
    """Tags of a resource: the ``tags`` map (AliCloud), ``key=value`` list (OpenStack), else
    the ``[k=v ...]`` a description carries."""
    tags = props.get("tags")
    if isinstance(tags, Mapping):
        return {str(k): str(v) for k, v in tags.items()}
    if isinstance(tags, list):
        return dict(str(t).partition("=")[::2] for t in tags if "=" in str(t))
    for key in DESCRIPTIONS:
        text = props.get(key)
        if isinstance(text, str):
            match = _DESC_TAGS.search(text)
            if match:
                return dict(p.partition("=")[::2] for p in match.group(1).split() if "=" in p)
    return {}


def _net(value: Any) -> Net | None:
    try:
        return ipaddress.ip_network(str(value), strict=False) if value else None
    except ValueError:
        return None


def _days(value: Any) -> float | None:
    """A rotation interval (``"365d"``, ``"31536000s"``, ``"8760h"``) in days."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", str(value))
    if not match:
        return None
    scale = {"s": 86400.0, "m": 1440.0, "h": 24.0, "d": 1.0, "": 86400.0}[match.group(2)]
    return float(match.group(1)) / scale


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() in ("true", "enabled", "enable", "on", "1")


@dataclass(frozen=True)
class Ingress:
    """One allow/deny rule for traffic into a zone, read from any provider's rule resource."""

    resource: Resource
    source: Net | None  # None: another security group, not an address range
    protocol: str  # tcp | udp | icmp | all
    ports: tuple[int, int] | None  # None: every port
    accept: bool
    group: str | None  # securityGroupId
    error: str = ""

    @property
    def world(self) -> bool:
        return self.source is not None and self.source.prefixlen == 0

    @property
    def every_port(self) -> bool:
        if self.protocol == "icmp":
            return False
        return self.protocol == "all" or self.ports is None or self.ports == (1, 65535)

    def covers(self, ports: Iterable[int]) -> list[int]:
        if self.protocol not in ("tcp", "udp", "all"):
            return []
        if self.ports is None:
            return sorted(ports)
        return sorted(p for p in ports if self.ports[0] <= p <= self.ports[1])


def _port_range(value: Any, sep: str = "/") -> tuple[int, int] | str | None:
    """``"22/22"`` -> (22, 22); ``"-1/-1"`` / missing -> None (every port); else an error."""
    if value in (None, "", "-1/-1", "-1", "0/0", "any"):
        return None
    text = str(value)
    low, _, high = text.replace(":", sep).partition(sep)
    try:
        fa, fb = float(low), float(high or low)  # the engine sends numbers as floats
        a, b = int(fa), int(fb)
        if (a, b) != (fa, fb):
            raise ValueError(text)
    except ValueError:
        return f"cannot read the port range {text!r}"
    if a == -1 and b == -1:
        return None
    if not (1 <= a <= b <= 65535):
        return f"port range {text!r} is out of 1-65535"
    return (a, b)


def _proto(value: Any) -> str:
    text = str(value or "all").lower()
    return "all" if text in ("all", "any", "-1", "") else text


def _ingress_of(r: Resource) -> Iterator[Ingress]:
    p = r.props
    if r.type == A_SG_RULE:
        if str(p.get("type", "")).lower() != "ingress":
            return
        yield _make(
            r,
            p.get("cidrIp") or p.get("ipv6CidrIp"),
            p.get("ipProtocol"),
            p.get("portRange"),
            p.get("policy", "accept"),
            p.get("securityGroupId"),
            by_group=bool(p.get("sourceSecurityGroupId")),
        )
    elif r.type in (A_ACL_ENTRIES, A_ACL):
        entries = p.get("ingresses") if r.type == A_ACL_ENTRIES else p.get("ingressAclEntries")
        if entries is not None and not isinstance(entries, list):
            yield Ingress(r, None, "all", None, True, None, "ingress entries are not a list")
            return
        for entry in entries or []:
            if not isinstance(entry, Mapping):
                yield Ingress(r, None, "all", None, True, None, f"cannot read entry {entry!r}")
                continue
            yield _make(
                r,
                entry.get("sourceCidrIp"),
                entry.get("protocol"),
                entry.get("port"),
                entry.get("policy", "accept"),
                None,
            )
    elif r.type == O_SG_RULE:
        if str(p.get("direction", "")).lower() != "ingress":
            return
        prefix = p.get("remoteIpPrefix")
        if not prefix and not p.get("remoteGroupId"):  # Neutron: no remote at all = anywhere
            prefix = "::/0" if str(p.get("ethertype", "")).lower() == "ipv6" else "0.0.0.0/0"
        low, high = p.get("portRangeMin"), p.get("portRangeMax")
        ports = None if low in (None, 0) and high in (None, 0) else f"{low}/{high or low}"
        ports = ports.replace(".0/", "/").removesuffix(".0") if ports else None
        yield _make(
            r,
            prefix,
            p.get("protocol"),
            ports,
            "accept",
            p.get("securityGroupId"),
            by_group=not prefix,
        )


def _make(
    r: Resource, cidr: Any, proto: Any, ports: Any, policy: Any, group: Any, by_group: bool = False
) -> Ingress:
    accept = str(policy).lower() in ("accept", "allow")
    protocol = _proto(proto)
    source = _net(cidr)
    rng = None if protocol in ("icmp", "all") and ports in (None, "", "-1/-1") else ports
    parsed = _port_range(rng)
    error = parsed if isinstance(parsed, str) else ""
    if source is None and not by_group:
        error = error or f"cannot read the source {cidr!r} (expected a CIDR)"
    port_pair = None if isinstance(parsed, str) else parsed
    return Ingress(r, source, protocol, port_pair, accept, str(group) if group else None, error)


# -- the index ----------------------------------------------------------------------------------


class Index:
    """Everything the policies look up, built in one pass over the resources."""

    def __init__(self, resources: Sequence[Resource]) -> None:
        self.resources = resources
        self.by_type: dict[str, list[Resource]] = {}
        self.by_id: dict[str, Resource] = {}
        self.tags: dict[int, dict[str, str]] = {}
        for r in resources:
            self.by_type.setdefault(r.type, []).append(r)
            self.by_id[f"{r.name}_id"] = r
            rid = r.props.get("id") if isinstance(r.props, Mapping) else None
            if isinstance(rid, str):
                self.by_id[rid] = r

    def of(self, *types: str) -> list[Resource]:
        return [r for t in types for r in self.by_type.get(t, ())]

    def tag(self, r: Resource) -> dict[str, str]:
        key = id(r)
        if key not in self.tags:
            self.tags[key] = tags_of(r.props) if isinstance(r.props, Mapping) else {}
        return self.tags[key]

    def ref(self, value: Any) -> Resource | None:
        return self.by_id.get(value) if isinstance(value, str) else None

    @cached_property
    def rules(self) -> list[Ingress]:
        return [
            i for r in self.of(A_SG_RULE, A_ACL_ENTRIES, A_ACL, O_SG_RULE) for i in _ingress_of(r)
        ]

    def rule_tags(self, rule: Ingress) -> dict[str, str]:
        """The zone tags of a rule: its own, else its security group's, else its ACL's."""
        own = self.tag(rule.resource)
        if own.get("zone"):
            return own
        parent = self.ref(rule.group) or self.ref(rule.resource.props.get("networkAclId"))
        return self.tag(parent) if parent is not None else own

    @cached_property
    def zone_nets(self) -> list[tuple[Net, str, str]]:
        """(CIDR, dept, zone class) of every zone network: VPCs, else subnets (OpenStack)."""
        out = []
        for r in self.of(A_VPC, O_SUBNET):
            net = _net(r.props.get("cidrBlock") or r.props.get("cidr"))
            tags = self.tag(r)
            if net is not None:
                out.append((net, tags.get("dept", ""), tags.get("zone", "")))
        return sorted(out, key=lambda n: (n[0].version, int(n[0].network_address)))

    @cached_property
    def _starts(self) -> list[tuple[int, int]]:
        return [(n.version, int(n.network_address)) for n, _, _ in self.zone_nets]

    def zones_of(self, source: Net) -> set[tuple[str, str]]:
        """The (dept, zone class) whose networks overlap ``source`` (disjoint zones assumed)."""
        end = (source.version, int(source.broadcast_address))
        i = bisect_right(self._starts, end) - 1
        found: set[tuple[str, str]] = set()
        while i >= 0:
            net, dept, zone = self.zone_nets[i]
            if net.version != source.version or int(net.broadcast_address) < int(
                source.network_address
            ):
                break
            found.add((dept, zone))
            i -= 1
        return found

    def management_nets(self) -> list[Net]:
        return [n for n, _, z in self.zone_nets if z == "management"]

    def is_bastion(self, r: Resource) -> bool:
        tags = self.tag(r)
        return r.type == A_BASTION or "bastion" in (tags.get("service"), tags.get("role"))


def _v(policy: str, control: str) -> Callable[[Resource | None, str], Violation]:
    def make(r: Resource | None, message: str) -> Violation:
        return Violation(policy, control, (r.urn or r.name) if r is not None else "", message)

    return make


def _source(rule: Ingress) -> str:
    return str(rule.source) if rule.source is not None else "another security group"


def _ports(rule: Ingress) -> str:
    if rule.protocol == "all":
        return "every protocol"
    if rule.ports is None:
        return f"{rule.protocol} every port"
    a, b = rule.ports
    return f"{rule.protocol}/{a}" if a == b else f"{rule.protocol}/{a}-{b}"


# -- 1-4: who may reach what -------------------------------------------------------------------


def _bad(index: Index, v: Callable[[Resource | None, str], Violation]) -> Iterator[Violation]:
    for rule in index.rules:
        if rule.error:
            yield v(rule.resource, f"{rule.resource.name}: {rule.error}")


def check_world_admin(resources: Sequence[Resource], ctx: Context) -> Iterator[Violation]:
    """1. No 0.0.0.0/0 ingress to 22 or 3389 (an every-port rule is policy 2's)."""
    index, v = ctx.index(resources), _v("mlps-cloud-01", "ab.ac.c")
    yield from _bad(index, v)
    for rule in index.rules:
        if rule.accept and rule.world and not rule.error and not rule.every_port:
            for port in rule.covers(ADMIN_PORTS):
                yield v(
                    rule.resource,
                    f"{rule.resource.name}: {_source(rule)} may reach "
                    f"{ADMIN_PORTS[port]} ({_ports(rule)}); admin ports only via the bastion",
                )


def check_world_all(resources: Sequence[Resource], ctx: Context) -> Iterator[Violation]:
    """2. No world ingress on every port or protocol."""
    index, v = ctx.index(resources), _v("mlps-cloud-02", "ab.ac.b")
    yield from _bad(index, v)
    for rule in index.rules:
        if rule.accept and rule.world and not rule.error and rule.every_port:
            yield v(
                rule.resource,
                f"{rule.resource.name}: {_source(rule)} may reach "
                f"{_ports(rule)}; open only the ports a declared flow needs",
            )


def check_world_db(resources: Sequence[Resource], ctx: Context) -> Iterator[Violation]:
    """3. No world ingress to database and other sensitive ports."""
    index, v = ctx.index(resources), _v("mlps-cloud-03", "ab.ac.c")
    yield from _bad(index, v)
    for rule in index.rules:
        if rule.accept and rule.world and not rule.error and not rule.every_port:
            hits = rule.covers(DB_PORTS)
            if hits:
                names = ", ".join(f"{DB_PORTS[p]} {p}" for p in hits)
                yield v(rule.resource, f"{rule.resource.name}: {_source(rule)} may reach {names}")


def check_admin_from_bastion(resources: Sequence[Resource], ctx: Context) -> Iterator[Violation]:
    """4. Admin ports answer only the management zone (where the bastion is).

    World sources are policy 1's; rules on the bastion's own group (its allow-list) policy 5's.
    """
    index, v = ctx.index(resources), _v("mlps-cloud-04", "mc.cm.b")
    yield from _bad(index, v)
    mgmt = index.management_nets()
    for rule in index.rules:
        if not rule.accept or rule.error or rule.world:
            continue
        group = index.ref(rule.group)
        if group is not None and index.is_bastion(group):
            continue
        hits = rule.covers(ADMIN_PORTS)
        if not hits:
            continue
        if rule.source is None:
            src_group = index.ref(rule.resource.props.get("sourceSecurityGroupId")) or index.ref(
                rule.resource.props.get("remoteGroupId")
            )
            if src_group is None or index.is_bastion(src_group):
                continue
        elif mgmt and {z for _, z in index.zones_of(rule.source)} == {"management"}:
            continue
        names = ", ".join(ADMIN_PORTS[p] for p in hits)
        yield v(
            rule.resource,
            f"{rule.resource.name}: {_source(rule)} may reach {names}; "
            "administration only from the security management zone (bastion)",
        )


# -- 5-7: bastion, public addresses, egress ----------------------------------------------------


def check_bastion(resources: Sequence[Resource], ctx: Context) -> Iterator[Violation]:
    """5. A bastion exists in the security-management zone; its public access is allow-listed."""
    index, v = ctx.index(resources), _v("mlps-cloud-05", "mc.cm.b")
    bastions = [r for r in index.of(A_BASTION, *INSTANCES) if index.is_bastion(r)]
    if not bastions:
        yield v(
            None,
            "no bastion (堡垒机) in the plan: administration needs one in the "
            "security management zone",
        )
    for b in bastions:
        zone = index.tag(b).get("zone")
        if zone != "management":
            yield v(b, f"{b.name}: bastion is in zone {zone or '(untagged)'}, not management")
        if b.type == A_BASTION and _truthy(b.props.get("enablePublicAccess")):
            lists = b.props.get("publicWhiteLists")
            if not isinstance(lists, list) or not lists:
                yield v(b, f"{b.name}: public access without an allow-list (publicWhiteLists)")
                continue
            for entry in lists:
                net = _net(entry)
                if net is None:
                    yield v(b, f"{b.name}: cannot read allow-list entry {entry!r}")
                elif net.prefixlen == 0:
                    yield v(b, f"{b.name}: allow-list admits {net} (the whole internet)")
    for rule in index.rules:
        group = index.ref(rule.group)
        if group is not None and index.is_bastion(group) and rule.accept and rule.world:
            yield v(
                rule.resource,
                f"{rule.resource.name}: the bastion's group admits "
                f"{rule.source} ({_ports(rule)}); allow-list the sources",
            )


def _zone(index: Index, r: Resource | None) -> str:
    return index.tag(r).get("zone", "") if r is not None else ""


def check_public_outside_dmz(resources: Sequence[Resource], ctx: Context) -> Iterator[Violation]:
    """6. No public IP / EIP / floating IP outside the DMZ (the allow-listed bastion is 5's)."""
    index, v = ctx.index(resources), _v("mlps-cloud-06", "cn.na.d")
    for r in index.of(A_EIP, O_FIP):
        if _zone(index, r) != "dmz":
            yield v(r, f"{r.name}: public address in zone {_zone(index, r) or '(untagged)'}")
    for r in index.of(A_EIP_ASSOC, O_FIP_ASSOC):
        target = index.ref(r.props.get("instanceId") or r.props.get("portId"))
        if target is not None and _zone(index, target) != "dmz" and not index.is_bastion(target):
            yield v(
                r,
                f"{r.name}: public address bound to {target.name} in zone "
                f"{_zone(index, target) or '(untagged)'}",
            )
    for r in index.of(A_ECS):
        out = r.props.get("internetMaxBandwidthOut") or 0
        try:
            public = float(out) > 0 or _truthy(r.props.get("allocatePublicIp"))
        except (TypeError, ValueError):
            yield v(r, f"{r.name}: cannot read internetMaxBandwidthOut {out!r}")
            continue
        if public and _zone(index, r) != "dmz":
            yield v(r, f"{r.name}: public IP on an instance in zone {_zone(index, r) or '?'}")


def check_egress_via_dmz(resources: Sequence[Resource], ctx: Context) -> Iterator[Violation]:
    """7. Internet egress only through the DMZ NAT."""
    index, v = ctx.index(resources), _v("mlps-cloud-07", "ab.bp.a")
    for r in index.of(A_NAT):
        if _zone(index, r) != "dmz":
            yield v(r, f"{r.name}: NAT gateway in zone {_zone(index, r) or '(untagged)'}")
    for r in index.of(O_ROUTER):
        if (
            r.props.get("externalNetworkId") or _truthy(r.props.get("enableSnat"))
        ) and "dmz" not in (_zone(index, r), _serves(index, r)):
            yield v(
                r,
                f"{r.name}: router with an internet gateway in zone "
                f"{_zone(index, r) or '(untagged)'}",
            )
    for r in index.of(A_ROUTE):
        dest = _net(r.props.get("destinationCidrblock"))
        hop = str(r.props.get("nexthopType", ""))
        outside = dest is not None and dest.prefixlen == 0 and _zone(index, r) != "dmz"
        if outside and hop not in ("Attachment", "TransitRouter", "VpcPeer"):
            yield v(
                r,
                f"{r.name}: default route to {hop or '?'} outside the DMZ; "
                "send it to the hub, whose route goes to the DMZ NAT",
            )


# -- 8-13: logs, trail, keys (AliCloud) --------------------------------------------------------


def _active(r: Resource) -> bool:
    return str(r.props.get("status", "Active")).lower() not in ("inactive", "disable", "disabled")


def check_flow_logs(resources: Sequence[Resource], ctx: Context) -> Iterator[Violation]:
    """8. Flow logs on every VPC and on the transit hub."""
    index, v = ctx.index(resources), _v("mlps-cloud-08", "ab.au.a")
    logs = [r for r in index.of(A_FLOW_LOG) if _active(r)]
    logged = {str(r.props.get("resourceId")) for r in logs}
    by_zone = {(index.tag(r).get("dept"), index.tag(r).get("zone")) for r in logs}
    for vpc in index.of(A_VPC):
        tags = index.tag(vpc)
        if f"{vpc.name}_id" in logged or vpc.props.get("id") in logged:
            continue
        if (
            not any(index.ref(x) for x in logged)
            and (tags.get("dept"), tags.get("zone")) in by_zone
        ):
            continue  # ids unknown before deployment: matched by the zone tags
        yield v(vpc, f"{vpc.name}: no active flow log (vpc/flowLog resourceType VPC)")
    hub_logs = [r for r in index.of(A_CEN_FLOW_LOG) if _active(r)]
    covered = {str(r.props.get("transitRouterId")) for r in hub_logs}
    for tr in index.of(A_TR):
        if f"{tr.name}_id" not in covered and not (hub_logs and not any(map(index.ref, covered))):
            yield v(tr, f"{tr.name}: transit hub without an active flow log (cen/flowLog)")


def check_audit_trail(resources: Sequence[Resource], ctx: Context) -> Iterator[Violation]:
    """9. Cloud audit trail on, all events, all regions."""
    index, v = ctx.index(resources), _v("mlps-cloud-09", "cx.au.a")
    trails = index.of(A_TRAIL)
    good = False
    for t in trails:
        p = t.props
        problems = [
            f"{k} is {p.get(k)!r}, expected {want!r}"
            for k, want in (("eventRw", "All"), ("trailRegion", "All"))
            if str(p.get(k, "Write" if k == "eventRw" else "")) != want
        ]
        if str(p.get("status", "Enable")).lower() != "enable":
            problems.append(f"status is {p.get('status')!r}")
        for problem in problems:
            yield v(t, f"{t.name}: {problem}")
        good = good or not problems
    if not trails:
        yield v(
            None, "no ActionTrail trail (actiontrail/trail): privileged operations go unaudited"
        )


def check_retention(resources: Sequence[Resource], ctx: Context) -> Iterator[Violation]:
    """10. Audit log retention at least 180 days."""
    index, v = ctx.index(resources), _v("mlps-cloud-10", "ab.au.c")
    stores = index.of(A_LOG_STORE)
    if not stores:
        yield v(None, "no log store (log/store): audit logs are kept nowhere")
    for s in stores:
        raw = s.props.get("retentionPeriod", 30)  # the provider's default
        try:
            days = int(raw)
        except (TypeError, ValueError):
            yield v(s, f"{s.name}: cannot read retentionPeriod {raw!r}")
            continue
        if days < MIN_RETENTION_DAYS:
            yield v(
                s,
                f"{s.name}: retentionPeriod {days} days < {MIN_RETENTION_DAYS} "
                "(Cybersecurity Law art. 21)",
            )


def check_log_encryption(resources: Sequence[Resource], ctx: Context) -> Iterator[Violation]:
    """11. Log stores encrypted."""
    index, v = ctx.index(resources), _v("mlps-cloud-11", "ab.au.c")
    for s in index.of(A_LOG_STORE):
        conf = s.props.get("encryptConf")
        if not isinstance(conf, Mapping) or not _truthy(conf.get("enable")):
            yield v(s, f"{s.name}: log store not encrypted (encryptConf.enable)")


def check_disk_encryption(resources: Sequence[Resource], ctx: Context) -> Iterator[Violation]:
    """12. System and data disks encrypted with a customer key (SM4 where offered)."""
    index, v = ctx.index(resources), _v("mlps-cloud-12", "cx.dc.d")
    for key in index.of(A_KMS):
        spec = str(key.props.get("keySpec", "Aliyun_AES_256"))
        if "SM4" not in spec.upper():
            yield v(key, f"{key.name}: keySpec {spec}; use Aliyun_SM4 (国密)")
    for r in index.of(A_ECS):
        p = r.props
        if not _truthy(p.get("systemDiskEncrypted")) or not p.get("systemDiskKmsKeyId"):
            yield v(r, f"{r.name}: system disk not encrypted with a customer key")
        elif "aes" in str(p.get("systemDiskEncryptAlgorithm", "")).lower():
            yield v(r, f"{r.name}: system disk algorithm {p.get('systemDiskEncryptAlgorithm')}")
        disks = p.get("dataDisks") or []
        for i, d in enumerate(disks if isinstance(disks, list) else [None]):
            if (
                not isinstance(d, Mapping)
                or not _truthy(d.get("encrypted"))
                or not d.get("kmsKeyId")
            ):
                yield v(r, f"{r.name}: dataDisks[{i}] not encrypted with a customer key")
    for d in index.of(*A_DISKS):
        if not _truthy(d.props.get("encrypted")) or not d.props.get("kmsKeyId"):
            yield v(d, f"{d.name}: disk not encrypted with a customer key")


def check_keys(resources: Sequence[Resource], ctx: Context) -> Iterator[Violation]:
    """13. Keys enabled, rotated at most every 365 days."""
    index, v = ctx.index(resources), _v("mlps-cloud-13", "cx.dc.d")
    keys = index.of(A_KMS)
    if not keys:
        yield v(None, "no KMS key (kms/key): data cannot be encrypted with a customer key")
    for k in keys:
        p = k.props
        status = str(p.get("status", p.get("keyState", "Enabled")))
        if status.lower() != "enabled" or p.get("isEnabled") is False:
            yield v(k, f"{k.name}: key status {status}, expected Enabled")
        if str(p.get("automaticRotation", "Disabled")).lower() != "enabled":
            yield v(k, f"{k.name}: automaticRotation is {p.get('automaticRotation')!r}")
            continue
        days = _days(p.get("rotationInterval"))
        if days is None:
            yield v(k, f"{k.name}: cannot read rotationInterval {p.get('rotationInterval')!r}")
        elif days > MAX_ROTATION_DAYS:
            yield v(k, f"{k.name}: rotation every {days:g} days > {MAX_ROTATION_DAYS}")


# -- 14-18: zoning -----------------------------------------------------------------------------


def _declared(topology: Any) -> set[tuple[str, str, str, int]]:
    """(source ref, destination ref, protocol, port) the topology allows; port -1: any/icmp."""
    allowed: set[tuple[str, str, str, int]] = set()
    for flow in topology.flows:
        ports = flow.ports or [-1]
        for s in topology.resolve(flow.from_):
            for d in topology.resolve(flow.to):
                for port in ports:
                    allowed.add((s.ref, d.ref, flow.protocol, port))
    for rule in topology.dmz.public_ingress:
        allowed.add(("internet", "dmz", rule.protocol, rule.port))
    return allowed


def _ref(dept: str | None, zone: str | None) -> str:
    return str(zone) if dept in (None, "", "shared") else f"{dept}.{zone}"


def check_declared_flows(resources: Sequence[Resource], ctx: Context) -> Iterator[Violation]:
    """14. Inter-zone flows only those declared; default deny.

    Every accepting rule's source must be one zone (or the internet into the DMZ, or the
    bastion's allow-list); every ACL ends in a deny; OpenStack groups drop the default rules.
    With a topology (``govsec infra check``), each rule must also be a declared flow.
    """
    index, v = ctx.index(resources), _v("mlps-cloud-14", "ab.ac.a")
    declared = _declared(ctx.topology) if ctx.topology is not None else None
    for rule in index.rules:
        if not rule.accept or rule.error or rule.source is None:
            continue
        tags = index.rule_tags(rule)
        group = index.ref(rule.group)
        if group is not None and index.is_bastion(group):
            continue  # the allow-list: policy 5
        dest = _ref(tags.get("dept"), tags.get("zone"))
        if rule.world:
            sources = {"internet"}
        else:
            zones = index.zones_of(rule.source)
            if len(zones) > 1 and any(n == rule.source for n, _, _ in index.zone_nets):
                continue  # zones sharing one range: policy 16's finding
            if len(zones) != 1:
                what = "no zone" if not zones else f"{len(zones)} zones"
                yield v(
                    rule.resource,
                    f"{rule.resource.name}: source {rule.source} spans "
                    f"{what}; rules name one zone's range",
                )
                continue
            sources = {_ref(*next(iter(zones)))}
        if declared is None or sources == {dest}:
            continue
        protos = ("tcp", "udp", "icmp") if rule.protocol == "all" else (rule.protocol,)
        ports = (
            [-1]
            if rule.ports is None
            else range(rule.ports[0], min(rule.ports[1], rule.ports[0] + 64) + 1)
        )
        src = next(iter(sources))
        if not all((src, dest, pr, pt) in declared for pr in protos for pt in ports):
            yield v(
                rule.resource,
                f"{rule.resource.name}: {src} -> {dest} {_ports(rule)} is not a declared flow",
            )
    for acl in index.of(A_ACL_ENTRIES):
        entries = acl.props.get("ingresses")
        last = entries[-1] if isinstance(entries, list) and entries else None
        if not (
            isinstance(last, Mapping)
            and str(last.get("policy")).lower() == "drop"
            and _proto(last.get("protocol")) == "all"
            and (n := _net(last.get("sourceCidrIp"))) is not None
            and n.prefixlen == 0
        ):
            yield v(acl, f"{acl.name}: ingress entries do not end in a deny of 0.0.0.0/0")
    for sg in index.of(O_SG):
        if not _truthy(sg.props.get("deleteDefaultRules")):
            yield v(sg, f"{sg.name}: deleteDefaultRules is not true: Neutron's default rules stay")


def check_acls_and_groups(resources: Sequence[Resource], ctx: Context) -> Iterator[Violation]:
    """15. Every subnet has an ACL and every instance a non-default security group."""
    index, v = ctx.index(resources), _v("mlps-cloud-15", "cx.ac.a")
    listed: set[str] = set()
    acl_zones: set[tuple[str | None, str | None]] = set()
    for acl in index.of(A_ACL, A_ACL_ATTACH, O_FW_GROUP):
        items = acl.props.get("resources") or acl.props.get("ports") or []
        for item in items if isinstance(items, list) else []:
            listed.add(str(item.get("resourceId") if isinstance(item, Mapping) else item))
        tags = index.tag(acl)
        acl_zones.add((tags.get("dept"), tags.get("zone")))
    for sub in index.of(A_SWITCH, O_SUBNET):
        tags = index.tag(sub)
        if f"{sub.name}_id" in listed or tags.get("zone") == "hub":
            continue
        if (tags.get("dept"), tags.get("zone")) not in acl_zones:
            yield v(sub, f"{sub.name}: subnet without a network ACL / firewall group")
    names = {r.props.get("name") for r in index.of(A_SG, O_SG)}
    for inst in index.of(*INSTANCES, A_BASTION):
        groups = inst.props.get("securityGroups") or inst.props.get("securityGroupIds")
        if not groups and inst.type == O_VM:  # attached through ports: the ports' groups count
            groups = _port_groups(index, inst)
        if not isinstance(groups, list) or not groups:
            yield v(inst, f"{inst.name}: no security group of its own")
            continue
        for g in groups:
            target = index.ref(g)
            name = target.props.get("securityGroupName") if target is not None else g
            if str(name).lower() == "default" or (inst.type == O_VM and g not in names):
                yield v(inst, f"{inst.name}: security group {g!r} is the default or unknown")


def _port_groups(index: Index, inst: Resource) -> list[Any]:
    """The security groups (by name, as instances name theirs) of the ports an OpenStack
    instance is attached through; an id that names no group is kept, and reported unknown."""
    found: list[Any] = []
    networks = inst.props.get("networks")
    for network in networks if isinstance(networks, list) else []:
        port = index.ref(network.get("port")) if isinstance(network, dict) else None
        if port is None or port.type != O_PORT:
            continue
        groups = port.props.get("securityGroupIds")
        for g in groups if isinstance(groups, list) else []:
            group = index.ref(g)
            found.append(group.props.get("name") if group is not None and group.type == O_SG else g)
    return found


def _serves(index: Index, table: Resource) -> str:
    """The zone class a hub route table (or class router) serves."""
    tags = index.tag(table)
    if tags.get("serves"):
        return tags["serves"]
    text = str(
        table.props.get("transitRouterRouteTableDescription")
        or table.props.get("description")
        or ""
    )
    match = re.search(r"(?:route table|hub router) of (\w+) zones", text)
    return match.group(1) if match else tags.get("zone", "")


def check_overlap_and_routes(resources: Sequence[Resource], ctx: Context) -> Iterator[Violation]:
    """16. No CIDR overlap; each VPC attached only to its zone's route table."""
    index, v = ctx.index(resources), _v("mlps-cloud-16", "cx.na.b")
    nets: list[tuple[Net, Resource]] = []
    for r in index.of(A_VPC, O_SUBNET):
        raw = r.props.get("cidrBlock") or r.props.get("cidr")
        net = _net(raw)
        if net is None:
            yield v(r, f"{r.name}: cannot read the CIDR {raw!r}")
        else:
            nets.append((net, r))
    nets.sort(key=lambda n: (n[0].version, int(n[0].network_address)))
    widest: tuple[Net, Resource] | None = None
    for net, r in nets:
        if (
            widest is not None
            and widest[0].version == net.version
            and int(net.network_address) <= int(widest[0].broadcast_address)
        ):
            yield v(r, f"{r.name}: {net} overlaps {widest[1].name} ({widest[0]})")
        if (
            widest is None
            or widest[0].version != net.version
            or int(net.broadcast_address) > int(widest[0].broadcast_address)
        ):
            widest = (net, r)
    assoc_count: dict[str, int] = {}
    for a in index.of(A_TR_ASSOC):
        att_id = str(a.props.get("transitRouterAttachmentId"))
        assoc_count[att_id] = assoc_count.get(att_id, 0) + 1
        att, table = index.ref(att_id), index.ref(a.props.get("transitRouterRouteTableId"))
        if att is not None and table is not None and _zone(index, att) != _serves(index, table):
            yield v(
                a,
                f"{a.name}: {att.name} (zone {_zone(index, att)}) associated with the "
                f"route table of zone {_serves(index, table)}",
            )
    for att in index.of(A_TR_ATTACH):
        if assoc_count.get(f"{att.name}_id", 0) > 1:
            yield v(att, f"{att.name}: associated with more than one route table")
    for ri in index.of(O_ROUTER_IF):
        sub, router = index.ref(ri.props.get("subnetId")), index.ref(ri.props.get("routerId"))
        if sub is not None and router is not None and _zone(index, sub) != _serves(index, router):
            yield v(
                ri,
                f"{ri.name}: subnet {sub.name} (zone {_zone(index, sub)}) plugged into "
                f"the router of zone {_serves(index, router)}",
            )


def check_firewalls(resources: Sequence[Resource], ctx: Context) -> Iterator[Violation]:
    """17. Firewall on the transit hub and the internet edge."""
    index, v = ctx.index(resources), _v("mlps-cloud-17", "ab.ip.a")
    if ctx.provider == OPENSTACK:
        groups = index.of(O_FW_GROUP)
        hub = [g for g in groups if _zone(index, g) == "hub"]
        edge = [
            g
            for g in groups
            if index.tag(g).get("role") == "edge-firewall"
            or ("-fw" in g.name and _zone(index, g) == "dmz")
        ]
        if index.of(O_ROUTER) and not hub:
            yield v(None, "no FWaaS group on the hub routers' transit ports")
        if index.of(O_FIP) and not edge:
            yield v(None, "no FWaaS group on the internet edge (DMZ public entry)")
        return
    fw = index.of(*A_HUB_FW)
    if index.of(A_TR) and not fw:
        yield v(None, "no cloud firewall on the transit hub (cloudfirewall/vpcCenTrFirewall)")
    edge_fw = index.of(*A_EDGE_FW)
    if (index.of(A_NAT) or index.of(A_EIP)) and not edge_fw:
        yield v(None, "no cloud firewall on the internet edge (cloudfirewall/natFirewall)")
    for f in edge_fw:
        if str(f.props.get("firewallSwitch", "open")).lower() != "open":
            yield v(f, f"{f.name}: firewallSwitch is {f.props.get('firewallSwitch')!r}")


def check_tags(resources: Sequence[Resource], ctx: Context) -> Iterator[Violation]:
    """18. Mandatory tags: dept, zone, mlps_level, owner."""
    index, v = ctx.index(resources), _v("mlps-cloud-18", "cn.na.c")
    for r in resources:
        if r.type.startswith(("pulumi:", "govsec:")) or not isinstance(r.props, Mapping):
            continue
        has_desc = any(isinstance(r.props.get(k), str) for k in DESCRIPTIONS)
        if r.type not in TAGGABLE and not has_desc:
            continue  # takes neither tags nor a description
        tags = index.tag(r)
        missing = [t for t in MANDATORY_TAGS if not tags.get(t)]
        if missing:
            yield v(r, f"{r.name}: missing tags {', '.join(missing)}")
        elif tags["mlps_level"] not in ("2", "3"):
            yield v(r, f"{r.name}: mlps_level tag is {tags['mlps_level']!r}, expected 2 or 3")


def check_config_pack(resources: Sequence[Resource], ctx: Context) -> Iterator[Violation]:
    """19. The provider's own MLPS config pack deployed (AliCloud Config 等保三级预检合规包)."""
    index, v = ctx.index(resources), _v("mlps-cloud-19", "mc.cm.e")
    wanted = ("等保三级",) if ctx.mlps_level >= 3 else ("等保三级", "等保二级")
    for pack in index.of(*A_PACKS):
        text = f"{pack.props.get('compliancePackName', '')} {pack.props.get('description', '')}"
        if any(w in text for w in wanted):
            return
    yield v(None, f"no Cloud Config MLPS pack ({' / '.join(w + '预检合规包' for w in wanted)})")


SERVICE_HINTS = {"log_audit": ("log-audit", "logaudit"), "siem": ("siem",), "kms": ()}


def check_management_zone(resources: Sequence[Resource], ctx: Context) -> Iterator[Violation]:
    """20. A separate management zone holding log audit, SIEM and key management.

    The bastion's place is policy 5's; key management only where the cloud offers it.
    """
    index, v = ctx.index(resources), _v("mlps-cloud-20", "mc.cm.a")
    if not any(z == "management" for _, _, z in index.zone_nets):
        yield v(None, "no network of its own for the security management zone")
    found: dict[str, list[Resource]] = {s: [] for s in SERVICE_HINTS}
    for r in resources:
        service = index.tag(r).get("service")
        if service not in found:
            service = next(
                (
                    s
                    for s, hints in SERVICE_HINTS.items()
                    if r.type in INSTANCES and any(h in r.name for h in hints)
                ),
                None,
            )
        if service is None and r.type == A_KMS:
            service = "kms"
        if service is None and r.type == A_LOG_PROJECT:
            service = "log_audit"
        if service in found:
            found[service].append(r)
    for service, where in found.items():
        if service == "kms" and ctx.provider == OPENSTACK:
            continue
        if not where:
            yield v(None, f"no {service} in the security management zone")
        for r in where:
            if _zone(index, r) != "management":
                yield v(
                    r,
                    f"{r.name}: {service} in zone {_zone(index, r) or '(untagged)'}, "
                    "not management",
                )


def _p(
    n: int, control: str, title: str, zh: str, providers: frozenset[str], check: Check
) -> CloudPolicy:
    return CloudPolicy(
        f"mlps-cloud-{n:02d}",
        n,
        control,
        title,
        zh,
        (check.__doc__ or title).strip(),
        providers,
        check,
    )


POLICIES: tuple[CloudPolicy, ...] = (
    _p(
        1,
        "ab.ac.c",
        "No internet ingress to SSH or RDP",
        "禁止互联网访问 22/3389 管理端口",
        BOTH,
        check_world_admin,
    ),
    _p(
        2,
        "ab.ac.b",
        "No internet ingress on every port or protocol",
        "禁止对互联网开放全部端口或协议",
        BOTH,
        check_world_all,
    ),
    _p(
        3,
        "ab.ac.c",
        "No internet ingress to database ports",
        "禁止互联网访问数据库等敏感端口",
        BOTH,
        check_world_db,
    ),
    _p(
        4,
        "mc.cm.b",
        "Admin ports only from the bastion",
        "管理端口只允许堡垒机访问",
        BOTH,
        check_admin_from_bastion,
    ),
    _p(
        5,
        "mc.cm.b",
        "Bastion in the management zone, allow-listed",
        "安全管理区部署堡垒机且公网访问白名单",
        BOTH,
        check_bastion,
    ),
    _p(
        6,
        "cn.na.d",
        "No public address outside the DMZ",
        "DMZ 之外不得有公网地址",
        BOTH,
        check_public_outside_dmz,
    ),
    _p(
        7,
        "ab.bp.a",
        "Internet egress only through the DMZ NAT",
        "互联网出口只经 DMZ NAT",
        BOTH,
        check_egress_via_dmz,
    ),
    _p(
        8,
        "ab.au.a",
        "Flow logs on every VPC and the hub",
        "每个 VPC 与中心枢纽开启流日志",
        ALI_ONLY,
        check_flow_logs,
    ),
    _p(
        9,
        "cx.au.a",
        "Audit trail on: all events, all regions",
        "操作审计覆盖全部事件与地域",
        ALI_ONLY,
        check_audit_trail,
    ),
    _p(
        10,
        "ab.au.c",
        "Audit logs kept at least 180 days",
        "审计日志留存不少于 180 天",
        ALI_ONLY,
        check_retention,
    ),
    _p(11, "ab.au.c", "Log stores encrypted", "日志存储加密", ALI_ONLY, check_log_encryption),
    _p(
        12,
        "cx.dc.d",
        "Disks encrypted with a customer SM4 key",
        "磁盘使用客户自管 SM4 密钥加密",
        ALI_ONLY,
        check_disk_encryption,
    ),
    _p(
        13,
        "cx.dc.d",
        "Keys enabled and rotated within 365 days",
        "密钥启用且轮换周期不超过 365 天",
        ALI_ONLY,
        check_keys,
    ),
    _p(
        14,
        "ab.ac.a",
        "Only declared inter-zone flows; default deny",
        "区域间只允许声明的流量、默认拒绝",
        BOTH,
        check_declared_flows,
    ),
    _p(
        15,
        "cx.ac.a",
        "ACL on every subnet, own group on every instance",
        "每个子网有 ACL、每台实例有专用安全组",
        BOTH,
        check_acls_and_groups,
    ),
    _p(
        16,
        "cx.na.b",
        "No CIDR overlap; each zone on its own route table",
        "地址不重叠、各区域只接入本区域路由表",
        BOTH,
        check_overlap_and_routes,
    ),
    _p(
        17,
        "ab.ip.a",
        "Firewall on the hub and the internet edge",
        "中心枢纽与互联网边界部署防火墙",
        BOTH,
        check_firewalls,
    ),
    _p(
        18,
        "cn.na.c",
        "Mandatory tags dept, zone, mlps_level, owner",
        "必备标签 dept/zone/mlps_level/owner",
        BOTH,
        check_tags,
    ),
    _p(
        19,
        "mc.cm.e",
        "Provider's MLPS config pack deployed",
        "部署云厂商等保合规包",
        ALI_ONLY,
        check_config_pack,
    ),
    _p(
        20,
        "mc.cm.a",
        "Separate management zone with log audit, SIEM, KMS",
        "独立安全管理区承载日志审计、SIEM、密钥管理",
        BOTH,
        check_management_zone,
    ),
)


def context_for(provider: str, resources: Sequence[Resource], topology: Any = None) -> Context:
    """A :class:`Context`; the MLPS level from the topology, else the resources' tags."""
    if topology is not None:
        return Context(provider, int(topology.mlps_level), topology)
    levels = {tags_of(r.props).get("mlps_level") for r in resources[:200]}
    return Context(provider, 2 if levels == {"2"} else 3)


def provider_of(resources: Sequence[Resource]) -> str:
    """``openstack`` when the resources are OpenStack's, else ``alicloud``."""
    return OPENSTACK if any(r.type.startswith("openstack:") for r in resources) else ALICLOUD


def run(policy: CloudPolicy, resources: Sequence[Resource], ctx: Context) -> list[Violation]:
    """One policy's violations (none where it does not apply); a crash is a violation too."""
    if ctx.provider not in policy.providers:
        return []
    try:
        return list(policy.check(resources, ctx))
    except Exception as exc:
        return [Violation(policy.id, policy.control, "", f"policy failed: {exc!r}")]


def check_resources(
    resources: Sequence[Resource], provider: str | None = None, topology: Any = None
) -> list[Violation]:
    """Every policy's violations over ``resources``, in policy order."""
    ctx = context_for(provider or provider_of(resources), resources, topology)
    return [v for policy in POLICIES for v in run(policy, resources, ctx)]


def evaluate(plan: Plan) -> list[Violation]:
    """Every violation of every policy that applies to ``plan.provider``, in policy order."""
    return check_resources(plan.resources, plan.provider, plan.topology)


def not_applicable(provider: str) -> list[CloudPolicy]:
    """The policies that cannot be checked on ``provider`` (the cloud lacks the service)."""
    return [p for p in POLICIES if provider not in p.providers]
