"""OpenStack adapter: Neutron networks per zone, one hub router per zone class, FWaaS v2.

- every zone is a network + subnets in its department's project (``identity.Project``); the
  shared DMZ and extranet networks are shared to each department project (``RbacPolicyV2``
  ``access_as_shared``);
- the hub is a transit network; each zone class has its own router on it (the "route table" of
  that class), zone subnets are plugged into their class router only;
- the internet edge is the DMZ router: the only router with an external gateway (SNAT) and the
  only place with floating IPs; class routers send 0.0.0.0/0 to it;
- security groups are created with ``delete_default_rules`` and get one ingress rule per
  declared flow and one explicit IPv4 egress rule;
- the zone ACL is a FWaaS v2 group on the zone's router port (egress policy = traffic into the
  zone: declared flows then deny), the hub firewall a FWaaS group on the class routers' hub
  ports, the edge firewall a FWaaS group on the edge router's DMZ ports;
- not offered: flow logs, log store, audit trail, KMS-SM4 keys, disk encryption with a
  customer key, the provider's MLPS config pack, a managed bastion (a bastion instance is
  created instead). Nothing is created for them; ``not_offered`` records why.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence

import pulumi
import pulumi_openstack as os_

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
    Rule,
    Sub,
    Tags,
    describe,
)

ALL = "0.0.0.0/0"

NOT_OFFERED = {
    "flow_log": "Neutron offers no VPC flow logs through the Pulumi provider",
    "hub_flow_log": "Neutron offers no flow logs on routers through the Pulumi provider",
    "log_store": "no managed log store with retention on OpenStack",
    "audit_trail": "no cloud audit trail service (ActionTrail equivalent) on OpenStack",
    "kms_key": "Barbican holds secrets but offers no SM4 key with automatic rotation",
    "disk_encryption": "Cinder volume encryption is set by the operator's volume type, "
    "not with a customer SM4 key",
    "compliance_pack": "no provider MLPS level-3 config pack on OpenStack",
    "managed_bastion": "no managed bastion service: a bastion instance is created instead",
}


def _taglist(tags: Tags) -> list[str]:
    return [f"{k}={v}" for k, v in tags.items()]


def _fw_port(rule: Rule) -> str | None:
    if rule.port_from < 0 or rule.protocol in ("all", "icmp"):
        return None
    if rule.port_from == rule.port_to:
        return str(rule.port_from)
    return f"{rule.port_from}:{rule.port_to}"


def _fw_proto(protocol: str) -> str:
    return "any" if protocol in ("all", "any", "-1") else protocol


class OpenStackProvider:
    """Real ``pulumi_openstack`` resources for the landing-zone components."""

    name = "openstack"

    def __init__(
        self,
        *,
        region: str | None = None,
        external_network_id: str = "public",
        floating_ip_pool: str = "public",
        image_name: str = "openEuler-22.03-LTS-SP3",
        flavor_name: str = "m1.large",
    ) -> None:
        self.region = region
        self.external_network_id = external_network_id
        self.pool = floating_ip_pool
        self.image_name = image_name
        self.flavor_name = flavor_name
        self.not_offered: dict[str, str] = dict(NOT_OFFERED)
        self._fw_rules: dict[tuple[str, str, str | None, str], os_.firewall.RuleV2] = {}
        self._allow_all: os_.firewall.PolicyV2 | None = None
        self._hub_ports: list[pulumi.Output[str]] = []
        self._hub_ips: dict[str, str] = {}
        self._transit: tuple[os_.networking.Network, os_.networking.Subnet] | None = None
        self._shared_tags: Tags = {}

    def _opts(self, parent: pulumi.Resource, **kw: object) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=parent, **kw)  # type: ignore[arg-type]

    # -- projects and sharing ------------------------------------------------------------------
    def department(self, dept: str, *, tags: Tags, parent: pulumi.Resource) -> pulumi.Output[str]:
        project = os_.identity.Project(
            f"project-{dept}",
            name=dept,
            description=describe(tags, f"department {dept}"),
            tags=_taglist(tags),
            opts=self._opts(parent),
        )
        return project.id

    def share(
        self,
        name: str,
        *,
        net: Net,
        project: pulumi.Output[str] | None,
        tags: Tags,
        parent: pulumi.Resource,
    ) -> pulumi.CustomResource | None:
        if project is None:
            return None
        return os_.networking.RbacPolicyV2(
            name,
            action="access_as_shared",
            object_type="network",
            object_id=net.id,
            target_tenant=project,
            opts=self._opts(parent),
        )

    # -- zones ---------------------------------------------------------------------------------
    def network(
        self,
        name: str,
        *,
        cidr: str,
        zone_class: str,
        tags: Tags,
        parent: pulumi.Resource,
        project: pulumi.Output[str] | None = None,
    ) -> Net:
        net = os_.networking.Network(
            name,
            name=name,
            admin_state_up=True,
            port_security_enabled=True,
            shared=False,
            tenant_id=project,
            description=describe(tags, f"{zone_class} zone"),
            tags=_taglist(tags),
            opts=self._opts(parent),
        )
        return Net(net, net.id, cidr, zone_class, name)

    def subnet(
        self, name: str, *, net: Net, cidr: str, az: str, tags: Tags, parent: pulumi.Resource
    ) -> Sub:
        sub = os_.networking.Subnet(
            name,
            name=name,
            network_id=net.id,
            cidr=cidr,
            ip_version=4,
            enable_dhcp=True,
            description=describe(tags, f"az {az}"),
            tags=_taglist(tags),
            opts=self._opts(parent),
        )
        return Sub(sub, sub.id, cidr, az, name)

    def security_group(
        self,
        name: str,
        *,
        net: Net,
        tags: Tags,
        parent: pulumi.Resource,
        role: str = "zone",
    ) -> Group:
        sg = os_.networking.SecGroup(
            name,
            name=name,
            delete_default_rules=True,
            stateful=True,
            description=describe(tags, f"{role} group, default deny"),
            tags=[*_taglist(tags), f"role={role}"],
            opts=self._opts(parent),
        )
        os_.networking.SecGroupRule(
            f"{name}-egress",
            security_group_id=sg.id,
            direction="egress",
            ethertype="IPv4",
            remote_ip_prefix=ALL,
            description=describe(tags, "egress; internet only via the DMZ router"),
            opts=self._opts(parent),
        )
        return Group(sg, sg.id, name)

    def ingress_rule(
        self, name: str, *, group: Group, rule: Rule, tags: Tags, parent: pulumi.Resource
    ) -> pulumi.CustomResource:
        ported = rule.port_from >= 0 and rule.protocol in ("tcp", "udp")
        return os_.networking.SecGroupRule(
            name,
            security_group_id=group.id,
            direction="ingress",
            ethertype="IPv4",
            protocol=None if rule.protocol in ("all", "any") else rule.protocol,
            port_range_min=rule.port_from if ported else None,
            port_range_max=rule.port_to if ported else None,
            remote_ip_prefix=rule.cidr,
            description=describe(tags, rule.description),
            opts=self._opts(parent),
        )

    # -- FWaaS ---------------------------------------------------------------------------------
    def _fw_rule(
        self, rule: Rule, action: str, parent: pulumi.Resource, dest: str | None = None
    ) -> os_.firewall.RuleV2:
        key = (_fw_proto(rule.protocol), rule.cidr, _fw_port(rule), f"{action}:{dest}")
        hit = self._fw_rules.get(key)
        if hit is None:
            n = f"fw-rule-{len(self._fw_rules)}"
            hit = os_.firewall.RuleV2(
                n,
                name=n,
                action=action,
                protocol=key[0],
                source_ip_address=None if rule.cidr == ALL else rule.cidr,
                destination_ip_address=dest,
                destination_port=key[2],
                ip_version=4,
                enabled=True,
                description=describe(self._shared_tags, rule.description),
                opts=self._opts(parent),
            )
            self._fw_rules[key] = hit
        return hit

    def _deny_all(self, parent: pulumi.Resource) -> os_.firewall.RuleV2:
        return self._fw_rule(Rule("all", -1, -1, ALL, "default deny"), "deny", parent)

    def _allow_all_policy(self, parent: pulumi.Resource) -> os_.firewall.PolicyV2:
        if self._allow_all is None:
            allow = self._fw_rule(Rule("all", -1, -1, ALL, "leaving the zone"), "allow", parent)
            self._allow_all = os_.firewall.PolicyV2(
                "fw-policy-outbound",
                name="fw-policy-outbound",
                rules=[allow.id],
                audited=True,
                description=describe(self._shared_tags, "traffic leaving a zone"),
                opts=self._opts(parent),
            )
        return self._allow_all

    def _fw_group(
        self,
        name: str,
        *,
        ports: Sequence[pulumi.Input[str]],
        inbound: Sequence[Rule],
        tags: Tags,
        parent: pulumi.Resource,
        dest: str | None = None,
    ) -> os_.firewall.GroupV2:
        rules = [self._fw_rule(r, "allow", parent, dest).id for r in inbound]
        rules.append(self._deny_all(parent).id)
        policy = os_.firewall.PolicyV2(
            f"{name}-in",
            name=f"{name}-in",
            rules=rules,
            audited=True,
            description=describe(tags, "declared flows, then deny"),
            opts=self._opts(parent),
        )
        return os_.firewall.GroupV2(
            name,
            name=name,
            ports=list(ports),
            # a router port's egress is the traffic going into the zone behind it
            egress_firewall_policy_id=policy.id,
            ingress_firewall_policy_id=self._allow_all_policy(parent).id,
            admin_state_up=True,
            description=describe(tags),
            opts=self._opts(parent),
        )

    def acl(
        self,
        name: str,
        *,
        net: Net,
        subnets: Sequence[Sub],
        attachment: Attachment | None,
        tags: Tags,
        parent: pulumi.Resource,
    ) -> AclRef:
        return AclRef(None, None, name, attachment.port_ids if attachment else ())

    def acl_entries(
        self,
        name: str,
        *,
        acl: AclRef,
        ingress: Sequence[Rule],
        tags: Tags,
        parent: pulumi.Resource,
    ) -> list[pulumi.CustomResource]:
        return [self._fw_group(name, ports=acl.port_ids, inbound=ingress, tags=tags, parent=parent)]

    def flow_log(
        self, name: str, *, net: Net, log: LogRef | None, tags: Tags, parent: pulumi.Resource
    ) -> pulumi.CustomResource | None:
        return None

    # -- hub -----------------------------------------------------------------------------------
    def hub(
        self,
        name: str,
        *,
        cidr: str,
        zone_classes: Sequence[str],
        tags_for_class: Mapping[str, Tags],
        tags: Tags,
        parent: pulumi.Resource,
    ) -> HubRef:
        self._shared_tags = tags
        transit = os_.networking.Network(
            f"{name}-transit",
            name=f"{name}-transit",
            admin_state_up=True,
            description=describe(tags, "transit hub"),
            tags=_taglist(tags),
            opts=self._opts(parent),
        )
        tsub = os_.networking.Subnet(
            f"{name}-transit",
            name=f"{name}-transit",
            network_id=transit.id,
            cidr=cidr,
            ip_version=4,
            enable_dhcp=False,
            no_gateway=True,
            description=describe(tags),
            tags=_taglist(tags),
            opts=self._opts(parent),
        )
        self._transit = (transit, tsub)
        hub = HubRef(transit, transit.id, cidr)
        hosts = ipaddress.ip_network(cidr)
        for i, zc in enumerate(zone_classes):
            t = tags_for_class[zc]
            ip = str(hosts.network_address + 10 + i)
            self._hub_ips[zc] = ip
            edge = zc == "dmz"  # the DMZ router is the only one with an internet gateway
            if edge:
                t = {**t, "zone": "dmz"}  # the internet edge router belongs to the DMZ
            router = os_.networking.Router(
                f"{name}-{zc}",
                name=f"{name}-{zc}",
                admin_state_up=True,
                external_network_id=self.external_network_id if edge else None,
                enable_snat=True if edge else None,
                description=describe(t, f"hub router of {zc} zones"),
                tags=_taglist(t),
                opts=self._opts(parent),
            )
            port = os_.networking.Port(
                f"{name}-{zc}-hub",
                name=f"{name}-{zc}-hub",
                network_id=transit.id,
                fixed_ips=[os_.networking.PortFixedIpArgs(subnet_id=tsub.id, ip_address=ip)],
                admin_state_up=True,
                description=describe(t),
                tags=_taglist(t),
                opts=self._opts(parent),
            )
            os_.networking.RouterInterface(
                f"{name}-{zc}-hub",
                router_id=router.id,
                port_id=port.id,
                opts=self._opts(parent),
            )
            self._hub_ports.append(port.id)
            hub.route_tables[zc] = router
        return hub

    def hub_flow_log(
        self, name: str, *, hub: HubRef, log: LogRef | None, tags: Tags, parent: pulumi.Resource
    ) -> pulumi.CustomResource | None:
        return None

    def hub_firewall(
        self, name: str, *, hub: HubRef, rules: Sequence[Rule], tags: Tags, parent: pulumi.Resource
    ) -> list[pulumi.CustomResource]:
        return [
            self._fw_group(name, ports=self._hub_ports, inbound=rules, tags=tags, parent=parent)
        ]

    def attach(
        self,
        name: str,
        *,
        hub: HubRef,
        net: Net,
        subnets: Sequence[Sub],
        propagate_to: Sequence[str],
        tags: Tags,
        parent: pulumi.Resource,
    ) -> Attachment:
        router = hub.route_tables[net.zone_class]
        ports: list[pulumi.Output[str]] = []
        first: os_.networking.RouterInterface | None = None
        for s in subnets:
            ri = os_.networking.RouterInterface(
                f"{name}-{s.name}",
                router_id=router.id,
                subnet_id=s.id,
                opts=self._opts(parent),
            )
            first = first or ri
            ports.append(ri.port_id)
        assert first is not None  # noqa: S101 - every zone has a subnet
        return Attachment(first, first.id, net.zone_class, tuple(ports))

    def default_route(
        self,
        name: str,
        *,
        hub: HubRef,
        net: Net,
        attachment: Attachment,
        tags: Tags,
        parent: pulumi.Resource,
    ) -> list[pulumi.CustomResource]:
        return []  # the zone's gateway is its class router; see hub_egress

    def hub_egress(
        self,
        name: str,
        *,
        hub: HubRef,
        zone_classes: Sequence[str],
        edge_attachment: Attachment,
        edge: EdgeRef,
        tags: Tags,
        parent: pulumi.Resource,
    ) -> list[pulumi.CustomResource]:
        nexthop = self._hub_ips["dmz"]
        return [
            os_.networking.RouterRoute(
                f"{name}-{zc}",
                router_id=hub.route_tables[zc].id,
                destination_cidr=ALL,
                next_hop=nexthop,
                opts=self._opts(parent),
            )
            for zc in zone_classes
            if zc != "dmz"
        ]

    def internet_edge(
        self,
        name: str,
        *,
        hub: HubRef,
        net: Net,
        subnets: Sequence[Sub],
        snat_sources: Sequence[str],
        public_ingress: Sequence[Rule],
        firewall: bool,
        tags: Tags,
        parent: pulumi.Resource,
    ) -> EdgeRef:
        edge = hub.route_tables["dmz"]
        assert isinstance(edge, os_.networking.Router)  # noqa: S101
        # the public entry of the DMZ: a port that a load balancer or proxy takes over
        entry = os_.networking.Port(
            f"{name}-entry",
            name=f"{name}-entry",
            network_id=net.id,
            fixed_ips=[os_.networking.PortFixedIpArgs(subnet_id=subnets[0].id)],
            admin_state_up=True,
            description=describe(tags, "public entry"),
            tags=_taglist(tags),
            opts=self._opts(parent),
        )
        fip = os_.networking.FloatingIp(
            f"{name}-fip",
            pool=self.pool,
            description=describe(tags, "DMZ public entry"),
            tags=_taglist(tags),
            opts=self._opts(parent),
        )
        os_.networking.FloatingIpAssociate(
            f"{name}-fip",
            floating_ip=fip.address,
            port_id=entry.id,
            opts=self._opts(parent),
        )
        if firewall:
            self._fw_group(
                f"{name}-fw",
                ports=[entry.id],
                inbound=public_ingress,
                tags=tags,
                parent=parent,
            )
        return EdgeRef(edge, fip.address)

    # -- services ------------------------------------------------------------------------------
    def _instance(
        self,
        name: str,
        *,
        net: Net,
        ip: str,
        group: Group,
        tags: Tags,
        parent: pulumi.Resource,
    ) -> os_.compute.Instance:
        return os_.compute.Instance(
            name,
            name=name,
            image_name=self.image_name,
            flavor_name=self.flavor_name,
            networks=[os_.compute.InstanceNetworkArgs(uuid=net.id, fixed_ip_v4=ip)],
            security_groups=[group.name],
            metadata=dict(tags),
            tags=_taglist(tags),
            opts=self._opts(parent),
        )

    def bastion(
        self,
        name: str,
        *,
        net: Net,
        subnet: Sub,
        group: Group,
        allowed_sources: Sequence[str],
        private_ip: str,
        key: KeyRef | None,
        tags: Tags,
        parent: pulumi.Resource,
    ) -> BastionRef:
        inst = self._instance(name, net=net, ip=private_ip, group=group, tags=tags, parent=parent)
        return BastionRef(inst, name, private_ip, None)

    def log_store(
        self,
        name: str,
        *,
        retention_days: int,
        key: KeyRef | None,
        tags: Tags,
        parent: pulumi.Resource,
    ) -> LogRef | None:
        return None

    def audit_trail(
        self, name: str, *, log: LogRef | None, tags: Tags, parent: pulumi.Resource
    ) -> pulumi.CustomResource | None:
        return None

    def kms_key(
        self,
        name: str,
        *,
        algorithm: str,
        rotation_days: int,
        tags: Tags,
        parent: pulumi.Resource,
    ) -> KeyRef | None:
        return None

    def compliance_pack(
        self, name: str, *, mlps_level: int, tags: Tags, parent: pulumi.Resource
    ) -> pulumi.CustomResource | None:
        return None

    def host(
        self,
        name: str,
        *,
        net: Net,
        subnet: Sub,
        group: Group,
        ip: str,
        key: KeyRef | None,
        tags: Tags,
        parent: pulumi.Resource,
        public: bool = False,
    ) -> pulumi.CustomResource:
        if not public:
            return self._instance(name, net=net, ip=ip, group=group, tags=tags, parent=parent)
        # a floating IP binds to a port: the host gets its own, with its address and group
        port = os_.networking.Port(
            f"{name}-port",
            name=f"{name}-port",
            network_id=net.id,
            fixed_ips=[os_.networking.PortFixedIpArgs(subnet_id=subnet.id, ip_address=ip)],
            security_group_ids=[group.id],
            description=describe(tags, f"port of {name}"),
            tags=_taglist(tags),
            opts=self._opts(parent),
        )
        instance = os_.compute.Instance(
            name,
            name=name,
            image_name=self.image_name,
            flavor_name=self.flavor_name,
            networks=[os_.compute.InstanceNetworkArgs(port=port.id)],
            metadata=dict(tags),
            tags=_taglist(tags),
            opts=self._opts(parent),
        )
        fip = os_.networking.FloatingIp(
            f"{name}-fip",
            pool=self.pool,
            description=describe(tags, f"public address of {name}"),
            tags=_taglist(tags),
            opts=self._opts(parent),
        )
        os_.networking.FloatingIpAssociate(
            f"{name}-fip", floating_ip=fip.address, port_id=port.id, opts=self._opts(parent)
        )
        return instance
