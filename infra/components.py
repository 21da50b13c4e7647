"""The landing-zone ComponentResources (docs/infra-design.md, STYLE rule 10).

``LandingZone`` (root) builds, in order: ``Keys``, ``LogStore``, ``AuditTrail``,
``CompliancePack``, ``TransitHub``, ``InternetEdge`` (DMZ, NAT + public address only here),
``SecurityManagementZone`` (bastion), one ``DepartmentZone`` per department and zone class (and
one for the shared extranet edge), then ``FlowPolicy`` (security-group rules and ACL entries
for the declared flows only: default deny). Components talk to a provider adapter only.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi

from infra.providers.base import (
    AclRef,
    Attachment,
    BastionRef,
    EdgeRef,
    Group,
    HubRef,
    KeyRef,
    LogRef,
    Net,
    Provider,
    Rule,
    Sub,
    Tags,
)
from infra.topology import INTERNET, Topology, Zone

TOKEN = "govsec:landing:"  # noqa: S105 - a Pulumi type token prefix
ALL = "0.0.0.0/0"


# --- flows -> rules (pure) -------------------------------------------------------------------


def _rules_of(protocol: str, ports: Sequence[int], cidr: str, what: str) -> list[Rule]:
    if protocol == "icmp" or not ports:
        return [Rule(protocol, -1, -1, cidr, what)]
    return [Rule(protocol, p, p, cidr, what) for p in sorted(set(ports))]


def ingress_rules(topology: Topology) -> dict[str, list[Rule]]:
    """Zone ref -> the ingress rules its declared flows need (deduplicated, in flow order).

    Linear in the number of (flow, source zone, destination zone) pairs the flows name.
    """
    out: dict[str, dict[tuple[str, int, int, str], Rule]] = {z.ref: {} for z in topology.zones()}
    for flow in topology.flows:
        sources = topology.resolve(flow.from_)
        targets = [z for z in topology.resolve(flow.to) if z.ref in out]
        label = flow.description or f"{flow.from_} -> {flow.to}"
        for src in sources:
            cidr = ALL if src.ref == INTERNET else str(src.cidr)
            rules = _rules_of(flow.protocol, flow.ports, cidr, label)
            for dst in targets:
                bucket = out[dst.ref]
                for r in rules:
                    bucket.setdefault((r.protocol, r.port_from, r.port_to, r.cidr), r)
    dmz = out.get("dmz")
    if dmz is not None:
        for p in topology.dmz.public_ingress:
            r = Rule(p.protocol, p.port, p.port, ALL, "public ingress")
            dmz.setdefault((r.protocol, r.port_from, r.port_to, r.cidr), r)
    return {ref: list(rules.values()) for ref, rules in out.items()}


def class_links(topology: Topology) -> dict[str, set[str]]:
    """Zone class -> the hub route tables its attachments propagate to.

    Its own class, the DMZ (return path of NAT egress) and every class a flow connects it to.
    """
    classes = {z.zone_class for z in topology.zones()}
    links: dict[str, set[str]] = {c: {c, "dmz"} & classes | {c} for c in classes}
    for flow in topology.flows:
        a = {z.zone_class for z in topology.resolve(flow.from_) if z.ref != INTERNET}
        b = {z.zone_class for z in topology.resolve(flow.to)}
        for x in a:
            for y in b:
                links[x].add(y)
                links[y].add(x)
    return links


def _fallback_subnets(topology: Topology, zone: Zone) -> list[tuple[str, str, str]]:
    if zone.subnets:
        return [(s.name, str(s.cidr), s.az) for s in zone.subnets]
    return [("main", str(zone.cidr), topology.availability_zones[0])]


# --- zone building block ---------------------------------------------------------------------


@dataclass
class ZoneParts:
    """What every zone has: network, subnets, security group, attachment, ACL, flow log."""

    zone: Zone
    tags: dict[str, str]
    net: Net
    subnets: dict[str, Sub]
    group: Group
    attachment: Attachment
    acl: AclRef
    flow_log: pulumi.CustomResource | None
    hosts: list[pulumi.CustomResource] = field(default_factory=list)


@dataclass(frozen=True)
class ZoneArgs:
    """Inputs shared by every zone component."""

    topology: Topology
    provider: Provider
    zone: Zone
    hub: HubRef
    propagate_to: Sequence[str]
    log: LogRef | None
    key: KeyRef | None
    project: pulumi.Output[str] | None = None
    share_with: Mapping[str, pulumi.Output[str]] = field(default_factory=dict)


def _build_zone(owner: pulumi.ComponentResource, args: ZoneArgs) -> ZoneParts:
    p, zone, topo = args.provider, args.zone, args.topology
    tags = topo.tags_for(zone.dept, zone.zone_class)
    name = zone.name
    net_kw: dict[str, Any] = {} if args.project is None else {"project": args.project}
    net = p.network(
        name, cidr=str(zone.cidr), zone_class=zone.zone_class, tags=tags, parent=owner, **net_kw
    )
    subnets = {
        sname: p.subnet(f"{name}-{sname}", net=net, cidr=cidr, az=az, tags=tags, parent=owner)
        for sname, cidr, az in _fallback_subnets(topo, zone)
    }
    group = p.security_group(f"{name}-sg", net=net, tags=tags, parent=owner)
    att = p.attach(
        f"{name}-att",
        hub=args.hub,
        net=net,
        subnets=list(subnets.values()),
        propagate_to=sorted(args.propagate_to),
        tags=tags,
        parent=owner,
    )
    if zone.zone_class != "dmz":
        p.default_route(f"{name}-egress", hub=args.hub, net=net, attachment=att, tags=tags,
                        parent=owner)  # fmt: skip
    acl = p.acl(
        f"{name}-acl",
        net=net,
        subnets=list(subnets.values()),
        attachment=att,
        tags=tags,
        parent=owner,
    )
    flow_log = None
    if topo.logging.flow_logs:
        flow_log = p.flow_log(f"{name}-flowlog", net=net, log=args.log, tags=tags, parent=owner)
    for dept, project in args.share_with.items():
        p.share(f"{name}-share-{dept}", net=net, project=project, tags=tags, parent=owner)
    parts = ZoneParts(zone, tags, net, subnets, group, att, acl, flow_log)
    for h in zone.hosts:
        parts.hosts.append(
            p.host(
                h.name,
                net=net,
                subnet=subnets[h.subnet],
                group=group,
                ip=str(h.ip),
                key=args.key,
                tags=tags,
                parent=owner,
                public=h.public,
            )
        )
    return parts


def _zone_outputs(parts: ZoneParts) -> dict[str, Any]:
    return {
        "network_id": parts.net.id,
        "cidr": str(parts.zone.cidr),
        "security_group_id": parts.group.id,
        "subnet_ids": {k: s.id for k, s in parts.subnets.items()},
    }


# --- components ------------------------------------------------------------------------------


class DepartmentZone(pulumi.ComponentResource):
    """One department's slice of a zone class (or the shared extranet edge)."""

    parts: ZoneParts

    def __init__(self, name: str, args: ZoneArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(f"{TOKEN}DepartmentZone", name, None, opts)
        self.parts = _build_zone(self, args)
        self.register_outputs(_zone_outputs(self.parts))


@dataclass(frozen=True)
class InternetEdgeArgs:
    zone: ZoneArgs
    snat_sources: Sequence[str]
    public_ingress: Sequence[Rule]


class InternetEdge(pulumi.ComponentResource):
    """The DMZ: its zone network, the NAT gateway and the only public address."""

    parts: ZoneParts
    edge: EdgeRef | None

    def __init__(
        self, name: str, args: InternetEdgeArgs, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__(f"{TOKEN}InternetEdge", name, None, opts)
        za = args.zone
        self.parts = _build_zone(self, za)
        self.edge = None
        dmz = za.topology.dmz
        if dmz.nat:
            self.edge = za.provider.internet_edge(
                f"{name}",
                hub=za.hub,
                net=self.parts.net,
                subnets=list(self.parts.subnets.values()),
                snat_sources=args.snat_sources,
                public_ingress=args.public_ingress,
                firewall=dmz.firewall,
                tags=self.parts.tags,
                parent=self,
            )
            za.provider.hub_egress(
                f"{name}-default",
                hub=za.hub,
                zone_classes=sorted(za.hub.route_tables),
                edge_attachment=self.parts.attachment,
                edge=self.edge,
                tags=za.topology.tags_for(None, "hub"),
                parent=self,
            )
        self.register_outputs(
            {
                **_zone_outputs(self.parts),
                "public_ip": self.edge.public_ip if self.edge else None,
            }
        )


@dataclass(frozen=True)
class SecurityManagementZoneArgs:
    zone: ZoneArgs


class SecurityManagementZone(pulumi.ComponentResource):
    """安全管理中心: its own zone network holding the bastion, log audit, SIEM and KMS."""

    parts: ZoneParts
    bastion: BastionRef | None

    def __init__(
        self,
        name: str,
        args: SecurityManagementZoneArgs,
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__(f"{TOKEN}SecurityManagementZone", name, None, opts)
        za = args.zone
        topo, p = za.topology, za.provider
        self.parts = _build_zone(self, za)
        self.bastion = None
        spec = topo.management.bastion
        if spec is not None:
            tags = {**self.parts.tags, "service": "bastion"}
            group = p.security_group(
                f"{spec.name}-sg", net=self.parts.net, tags=tags, parent=self, role="bastion"
            )
            for src in spec.allowed_sources:
                for port in (22, 443):
                    p.ingress_rule(
                        f"{spec.name}-in-{src.network_address}-{port}",
                        group=group,
                        rule=Rule("tcp", port, port, str(src), "bastion: allow-listed source"),
                        tags=tags,
                        parent=self,
                    )
            subnet = next(iter(self.parts.subnets.values()))
            self.bastion = p.bastion(
                spec.name,
                net=self.parts.net,
                subnet=subnet,
                group=group,
                allowed_sources=[str(s) for s in spec.allowed_sources],
                private_ip=_free_ip(subnet.cidr, {str(h.ip) for h in za.zone.hosts}),
                key=za.key,
                tags=tags,
                parent=self,
            )
        self.services = self._services(za)
        self.register_outputs(
            {
                **_zone_outputs(self.parts),
                "services": list(topo.management.services),
                "bastion": self.bastion.private_ip if self.bastion else None,
            }
        )

    def _services(self, za: ZoneArgs) -> list[pulumi.CustomResource]:
        """An instance for each service the cloud has no managed form of (SIEM everywhere; log
        audit where there is no log store), unless the topology declares a host for it."""
        topo, p = za.topology, za.provider
        declared = {h.name for h in za.zone.hosts}
        used = {str(h.ip) for h in za.zone.hosts}
        if self.bastion is not None:
            used.add(self.bastion.private_ip)
        made: list[pulumi.CustomResource] = []
        subnet = next(iter(self.parts.subnets.values()))
        for service in topo.management.services:
            name = service.replace("_", "-")
            if service in ("bastion", "kms") or any(h.startswith(name) for h in declared):
                continue
            if service == "log_audit" and "log_store" not in p.not_offered:
                continue  # the log store is the log audit
            ip = _free_ip(subnet.cidr, used)
            used.add(ip)
            made.append(
                p.host(
                    name,
                    net=self.parts.net,
                    subnet=subnet,
                    group=self.parts.group,
                    ip=ip,
                    key=za.key,
                    tags={**self.parts.tags, "service": service},
                    parent=self,
                )
            )
        return made


def _free_ip(cidr: str, used: set[str]) -> str:
    net = ipaddress.ip_network(cidr)
    for offset in range(5, net.num_addresses - 1):
        ip = str(net.network_address + offset)
        if ip not in used:
            return ip
    raise ValueError(f"no free address left in {cidr}")


@dataclass(frozen=True)
class TransitHubArgs:
    topology: Topology
    provider: Provider
    zone_classes: Sequence[str]
    log: LogRef | None
    firewall_rules: Sequence[Rule]


class TransitHub(pulumi.ComponentResource):
    """CEN + transit router (OpenStack: transit network), one route table per zone class."""

    hub: HubRef

    def __init__(self, name: str, args: TransitHubArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(f"{TOKEN}TransitHub", name, None, opts)
        topo, p = args.topology, args.provider
        tags = topo.tags_for(None, "hub")
        self.hub = p.hub(
            name,
            cidr=str(topo.hub.cidr),
            zone_classes=args.zone_classes,
            tags_for_class={zc: {**tags, "route_table": zc} for zc in args.zone_classes},
            tags=tags,
            parent=self,
        )
        if topo.logging.flow_logs:
            p.hub_flow_log(f"{name}-flowlog", hub=self.hub, log=args.log, tags=tags, parent=self)
        if topo.hub.firewall:
            p.hub_firewall(
                f"{name}-fw", hub=self.hub, rules=args.firewall_rules, tags=tags, parent=self
            )
        self.register_outputs({"hub_id": self.hub.id})


@dataclass(frozen=True)
class FlowPolicyArgs:
    provider: Provider
    zones: Sequence[ZoneParts]
    rules: Mapping[str, Sequence[Rule]]


class FlowPolicy(pulumi.ComponentResource):
    """Security-group rules and ACL entries for the declared flows; nothing else is allowed."""

    def __init__(self, name: str, args: FlowPolicyArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(f"{TOKEN}FlowPolicy", name, None, opts)
        p = args.provider
        count = 0
        for parts in args.zones:
            rules = args.rules.get(parts.zone.ref, [])
            for i, rule in enumerate(rules):
                p.ingress_rule(
                    f"{parts.zone.name}-in-{i}",
                    group=parts.group,
                    rule=rule,
                    tags=parts.tags,
                    parent=self,
                )
            count += len(rules)
            p.acl_entries(
                f"{parts.zone.name}-acl-entries",
                acl=parts.acl,
                ingress=rules,
                tags=parts.tags,
                parent=self,
            )
        self.register_outputs({"rules": count})


@dataclass(frozen=True)
class LogStoreArgs:
    provider: Provider
    retention_days: int
    key: KeyRef | None
    tags: Tags


class LogStore(pulumi.ComponentResource):
    """The central log store (SLS project + store) with the topology's retention."""

    log: LogRef | None

    def __init__(self, name: str, args: LogStoreArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(f"{TOKEN}LogStore", name, None, opts)
        self.log = args.provider.log_store(
            name, retention_days=args.retention_days, key=args.key, tags=args.tags, parent=self
        )
        self.register_outputs(
            {"project": self.log.project_name if self.log else None, "offered": bool(self.log)}
        )


@dataclass(frozen=True)
class AuditTrailArgs:
    provider: Provider
    log: LogRef | None
    tags: Tags


class AuditTrail(pulumi.ComponentResource):
    """The cloud audit trail: all events, all regions, into the log store."""

    def __init__(self, name: str, args: AuditTrailArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(f"{TOKEN}AuditTrail", name, None, opts)
        trail = args.provider.audit_trail(name, log=args.log, tags=args.tags, parent=self)
        self.register_outputs({"offered": trail is not None})


@dataclass(frozen=True)
class KeysArgs:
    provider: Provider
    algorithm: str
    rotation_days: int
    tags: Tags


class Keys(pulumi.ComponentResource):
    """The customer key (KMS, SM4 where offered) with automatic rotation."""

    key: KeyRef | None

    def __init__(self, name: str, args: KeysArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(f"{TOKEN}Keys", name, None, opts)
        self.key = args.provider.kms_key(
            name,
            algorithm=args.algorithm,
            rotation_days=args.rotation_days,
            tags=args.tags,
            parent=self,
        )
        self.register_outputs({"key_id": self.key.id if self.key else None})


@dataclass(frozen=True)
class CompliancePackArgs:
    provider: Provider
    mlps_level: int
    tags: Tags


class CompliancePack(pulumi.ComponentResource):
    """The provider's own MLPS config pack, where offered."""

    def __init__(
        self, name: str, args: CompliancePackArgs, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__(f"{TOKEN}CompliancePack", name, None, opts)
        pack = args.provider.compliance_pack(
            name, mlps_level=args.mlps_level, tags=args.tags, parent=self
        )
        self.register_outputs({"offered": pack is not None})


@dataclass(frozen=True)
class LandingZoneArgs:
    topology: Topology
    provider: Provider


class LandingZone(pulumi.ComponentResource):
    """The root: the whole one-cloud-one-network landing zone of one topology."""

    zones: dict[str, ZoneParts]
    edge: InternetEdge
    management: SecurityManagementZone
    hub: TransitHub

    def __init__(
        self, name: str, args: LandingZoneArgs, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__(f"{TOKEN}LandingZone", name, None, opts)
        topo, p = args.topology, args.provider
        child = pulumi.ResourceOptions(parent=self)
        mgmt_tags = topo.tags_for(None, "management")

        keys = Keys(
            "keys",
            KeysArgs(p, topo.keys.algorithm, topo.keys.rotation_days, {**mgmt_tags,
                                                                       "service": "kms"}),
            child,
        )  # fmt: skip
        logs = LogStore(
            "logs",
            LogStoreArgs(p, topo.logging.retention_days, keys.key, {**mgmt_tags,
                                                                     "service": "log_audit"}),
            child,
        )  # fmt: skip
        if topo.logging.audit_trail:
            AuditTrail("trail", AuditTrailArgs(p, logs.log, mgmt_tags), child)
        CompliancePack("mlps-pack", CompliancePackArgs(p, topo.mlps_level, mgmt_tags), child)

        rules = ingress_rules(topo)
        zones = topo.zones()
        classes = sorted({z.zone_class for z in zones})
        union: dict[tuple[str, int, int, str], Rule] = {}
        for rs in rules.values():
            for r in rs:
                union.setdefault((r.protocol, r.port_from, r.port_to, r.cidr), r)
        self.hub = TransitHub(
            "hub", TransitHubArgs(topo, p, classes, logs.log, list(union.values())), child
        )
        hub = self.hub.hub
        links = class_links(topo)
        projects: dict[str, pulumi.Output[str]] = {}
        for d in topo.departments:
            proj = p.department(d.id, tags=topo.tags_for(d.id, "business"), parent=self)
            if proj is not None:
                projects[d.id] = proj

        def zargs(zone: Zone) -> ZoneArgs:
            shared = zone.dept is None and zone.zone_class in ("dmz", "extranet")
            return ZoneArgs(
                topo,
                p,
                zone,
                hub,
                sorted(links.get(zone.zone_class, {zone.zone_class})),
                logs.log,
                keys.key,
                project=projects.get(zone.dept) if zone.dept else None,
                share_with=projects if shared else {},
            )

        by_ref = {z.ref: z for z in zones}
        self.edge = InternetEdge(
            "dmz",
            InternetEdgeArgs(
                zargs(by_ref["dmz"]),
                snat_sources=[str(z.cidr) for z in zones],
                public_ingress=[r for r in rules.get("dmz", []) if r.cidr == ALL],
            ),
            child,
        )
        self.management = SecurityManagementZone(
            "management", SecurityManagementZoneArgs(zargs(by_ref["management"])), child
        )
        self.zones = {"dmz": self.edge.parts, "management": self.management.parts}
        for zone in zones:
            if zone.ref in self.zones:
                continue
            self.zones[zone.ref] = DepartmentZone(zone.name, zargs(zone), child).parts
        FlowPolicy("flows", FlowPolicyArgs(p, list(self.zones.values()), rules), child)
        self.register_outputs(
            {
                "hub_id": hub.id,
                "zones": {ref: _zone_outputs(parts) for ref, parts in self.zones.items()},
            }
        )
