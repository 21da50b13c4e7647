"""AliCloud adapter: VPC + vSwitch zones on a CEN transit router, SLS, ActionTrail, KMS, Config.

Property choices the MLPS policies read (infra/policies.py):

- security group rules: ``type`` ingress, ``ipProtocol``, ``portRange`` "from/to", ``cidrIp``,
  ``policy`` accept, ``nicType`` intranet; no egress rules (AliCloud's default egress allow,
  inter-zone traffic is filtered at the destination's group and ACL);
- network ACLs: ``resources`` = every vSwitch of the zone; ``vpc/networkAclEntries`` holds the
  declared ingress entries and a final ``drop`` of 0.0.0.0/0;
- flow logs: ``vpc/flowLog`` ``resourceType`` VPC per VPC, ``cen/flowLog`` on the transit router;
- NAT / EIP / SNAT only in the DMZ VPC; other VPCs route 0.0.0.0/0 to their transit-router
  attachment (``vpc/routeEntry`` nexthopType Attachment) and each zone-class route table on the
  hub sends 0.0.0.0/0 to the DMZ attachment;
- every resource that takes ``tags`` has them, the others carry them in a description field.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi_alicloud as ali

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

#: ``compliancePackName`` of the provider's own MLPS packs (Cloud Config templates).
MLPS_PACK_NAMES = {2: "等保二级预检合规包", 3: "等保三级预检合规包"}
ALL = "0.0.0.0/0"


def _proto(protocol: str) -> str:
    return "all" if protocol in ("all", "any", "-1") else protocol


class AliCloudProvider:
    """Real ``pulumi_alicloud`` resources for the landing-zone components."""

    name = "alicloud"

    def __init__(
        self,
        *,
        region: str,
        availability_zones: Sequence[str],
        image_id: str = "aliyun_3_x64_20G_alibase_20240819.vhd",
        instance_type: str = "ecs.g7.large",
        compliance_pack_template_id: str | None = None,
    ) -> None:
        self.region = region
        self.azs = list(availability_zones) or [f"{region}-a"]
        self.image_id = image_id
        self.instance_type = instance_type
        self.compliance_pack_template_id = compliance_pack_template_id
        self.not_offered: dict[str, str] = {}
        self._account: pulumi.Output[str] | None = None

    def _opts(self, parent: pulumi.Resource, **kw: Any) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=parent, **kw)

    def account_id(self) -> pulumi.Output[str]:
        if self._account is None:
            self._account = ali.get_account_output().apply(lambda r: str(r.id))
        return self._account

    # -- zones ---------------------------------------------------------------------------------
    def network(
        self, name: str, *, cidr: str, zone_class: str, tags: Tags, parent: pulumi.Resource
    ) -> Net:
        vpc = ali.vpc.Network(
            name,
            vpc_name=name,
            cidr_block=cidr,
            description=describe(tags, f"{zone_class} zone"),
            tags=dict(tags),
            opts=self._opts(parent),
        )
        return Net(vpc, vpc.id, cidr, zone_class, name)

    def subnet(
        self, name: str, *, net: Net, cidr: str, az: str, tags: Tags, parent: pulumi.Resource
    ) -> Sub:
        vsw = ali.vpc.Switch(
            name,
            vswitch_name=name,
            vpc_id=net.id,
            cidr_block=cidr,
            zone_id=az,
            description=describe(tags),
            tags=dict(tags),
            opts=self._opts(parent),
        )
        return Sub(vsw, vsw.id, cidr, az, name)

    def security_group(
        self,
        name: str,
        *,
        net: Net,
        tags: Tags,
        parent: pulumi.Resource,
        role: str = "zone",
    ) -> Group:
        sg = ali.ecs.SecurityGroup(
            name,
            security_group_name=name,
            security_group_type="normal",
            inner_access_policy="Accept",
            vpc_id=net.id,
            description=describe(tags, f"{role} group, default deny"),
            tags={**tags, "role": role},
            opts=self._opts(parent),
        )
        return Group(sg, sg.id, name)

    def ingress_rule(
        self, name: str, *, group: Group, rule: Rule, tags: Tags, parent: pulumi.Resource
    ) -> pulumi.CustomResource:
        return ali.ecs.SecurityGroupRule(
            name,
            security_group_id=group.id,
            type="ingress",
            ip_protocol=_proto(rule.protocol),
            port_range=rule.port_range,
            cidr_ip=rule.cidr,
            policy="accept",
            priority=1,
            nic_type="intranet",
            description=describe(tags, rule.description),
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
        acl = ali.vpc.NetworkAcl(
            name,
            network_acl_name=name,
            vpc_id=net.id,
            description=describe(tags, "zone ACL, default deny"),
            resources=[
                ali.vpc.NetworkAclResourceArgs(resource_id=s.id, resource_type="VSwitch")
                for s in subnets
            ],
            tags=dict(tags),
            opts=self._opts(parent),
        )
        return AclRef(acl, acl.id, name)

    def acl_entries(
        self,
        name: str,
        *,
        acl: AclRef,
        ingress: Sequence[Rule],
        tags: Tags,
        parent: pulumi.Resource,
    ) -> list[pulumi.CustomResource]:
        assert acl.id is not None  # noqa: S101 - an AliCloud ACL always has an id
        ins = [
            ali.vpc.NetworkAclEntriesIngressArgs(
                name=f"allow-{i}",
                entry_type="custom",
                source_cidr_ip=r.cidr,
                protocol=_proto(r.protocol),
                port=r.port_range,
                policy="accept",
                description=r.description,
            )
            for i, r in enumerate(ingress)
        ]
        ins.append(
            ali.vpc.NetworkAclEntriesIngressArgs(
                name="deny-all",
                entry_type="custom",
                source_cidr_ip=ALL,
                protocol="all",
                port="-1/-1",
                policy="drop",
                description="default deny",
            )
        )
        outs = [
            ali.vpc.NetworkAclEntriesEgressArgs(
                name="egress",
                entry_type="custom",
                destination_cidr_ip=ALL,
                protocol="all",
                port="-1/-1",
                policy="accept",
                description="egress; internet only via the DMZ NAT (routes)",
            )
        ]
        return [
            ali.vpc.NetworkAclEntries(
                name,
                network_acl_id=acl.id,
                ingresses=ins,
                egresses=outs,
                opts=self._opts(parent),
            )
        ]

    def flow_log(
        self, name: str, *, net: Net, log: LogRef | None, tags: Tags, parent: pulumi.Resource
    ) -> pulumi.CustomResource | None:
        if log is None:
            return None
        return ali.vpc.FlowLog(
            name,
            flow_log_name=name,
            resource_type="VPC",
            resource_id=net.id,
            traffic_type="All",
            project_name=log.project_name,
            log_store_name=log.store_name,
            status="Active",
            description=describe(tags),
            tags=dict(tags),
            opts=self._opts(parent, depends_on=[log.store]),
        )

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
        cen = ali.cen.Instance(
            f"{name}-cen",
            cen_instance_name=f"{name}-cen",
            protection_level="REDUCED",
            description=describe(tags, "transit hub"),
            tags=dict(tags),
            opts=self._opts(parent),
        )
        tr = ali.cen.TransitRouter(
            f"{name}-tr",
            cen_id=cen.id,
            transit_router_name=f"{name}-tr",
            transit_router_description=describe(tags),
            tags=dict(tags),
            opts=self._opts(parent),
        )
        hub = HubRef(tr, tr.id, cidr, extra={"cen": cen})
        for zc in zone_classes:
            t = tags_for_class[zc]
            hub.route_tables[zc] = ali.cen.TransitRouterRouteTable(
                f"{name}-rt-{zc}",
                transit_router_id=tr.id,
                transit_router_route_table_name=f"{name}-rt-{zc}",
                transit_router_route_table_description=describe(t, f"route table of {zc} zones"),
                tags=dict(t),
                opts=self._opts(parent),
            )
        return hub

    def hub_flow_log(
        self, name: str, *, hub: HubRef, log: LogRef | None, tags: Tags, parent: pulumi.Resource
    ) -> pulumi.CustomResource | None:
        if log is None:
            return None
        return ali.cen.FlowLog(
            name,
            flow_log_name=name,
            cen_id=hub.extra["cen"].id,
            transit_router_id=hub.id,
            project_name=log.project_name,
            log_store_name=log.store_name,
            status="Active",
            description=describe(tags),
            tags=dict(tags),
            opts=self._opts(parent, depends_on=[log.store]),
        )

    def hub_firewall(
        self, name: str, *, hub: HubRef, rules: Sequence[Rule], tags: Tags, parent: pulumi.Resource
    ) -> list[pulumi.CustomResource]:
        net = ipaddress.ip_network(hub.cidr)
        subs = list(net.subnets(new_prefix=min(net.prefixlen + 4, 28)))
        slave = self.azs[1] if len(self.azs) > 1 else self.azs[0]
        return [
            ali.cloudfirewall.VpcCenTrFirewall(
                name,
                cen_id=hub.extra["cen"].id,
                transit_router_id=hub.id,
                firewall_name=name,
                firewall_description=describe(tags, "transit hub firewall"),
                region_no=self.region,
                route_mode="managed",
                firewall_vpc_cidr=str(net),
                firewall_subnet_cidr=str(subs[0]),
                tr_attachment_master_cidr=str(subs[1]),
                tr_attachment_master_zone=self.azs[0],
                tr_attachment_slave_cidr=str(subs[2]),
                tr_attachment_slave_zone=slave,
                opts=self._opts(parent),
            )
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
        by_az: dict[str, Sub] = {}
        for s in subnets:
            by_az.setdefault(s.az, s)
        att = ali.cen.TransitRouterVpcAttachment(
            name,
            cen_id=hub.extra["cen"].id,
            transit_router_id=hub.id,
            vpc_id=net.id,
            zone_mappings=[
                ali.cen.TransitRouterVpcAttachmentZoneMappingArgs(zone_id=az, vswitch_id=s.id)
                for az, s in by_az.items()
            ],
            transit_router_vpc_attachment_name=name,
            transit_router_attachment_description=describe(tags),
            auto_publish_route_enabled=False,
            route_table_association_enabled=False,
            route_table_propagation_enabled=False,
            tags=dict(tags),
            opts=self._opts(parent),
        )
        ali.cen.TransitRouterRouteTableAssociation(
            f"{name}-assoc",
            transit_router_attachment_id=att.id,
            transit_router_route_table_id=hub.route_tables[net.zone_class].id,
            opts=self._opts(parent),
        )
        for zc in propagate_to:
            ali.cen.TransitRouterRouteTablePropagation(
                f"{name}-prop-{zc}",
                transit_router_attachment_id=att.id,
                transit_router_route_table_id=hub.route_tables[zc].id,
                opts=self._opts(parent),
            )
        return Attachment(att, att.id, net.zone_class)

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
        vpc = net.resource
        assert isinstance(vpc, ali.vpc.Network)  # noqa: S101
        return [
            ali.vpc.RouteEntry(
                name,
                route_table_id=vpc.route_table_id,
                destination_cidrblock=ALL,
                nexthop_type="Attachment",
                nexthop_id=attachment.id,
                description=describe(tags, "internet egress via the hub and the DMZ NAT"),
                opts=self._opts(parent),
            )
        ]

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
        return [
            ali.cen.TransitRouterRouteEntry(
                f"{name}-{zc}",
                transit_router_route_table_id=hub.route_tables[zc].id,
                transit_router_route_entry_name=f"{name}-{zc}",
                transit_router_route_entry_destination_cidr_block=ALL,
                transit_router_route_entry_next_hop_type="Attachment",
                transit_router_route_entry_next_hop_id=edge_attachment.id,
                transit_router_route_entry_description=describe(tags, "egress via DMZ NAT"),
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
        nat = ali.vpc.NatGateway(
            f"{name}-nat",
            nat_gateway_name=f"{name}-nat",
            vpc_id=net.id,
            vswitch_id=subnets[0].id,
            nat_type="Enhanced",
            network_type="internet",
            payment_type="PayAsYouGo",
            description=describe(tags, "the only internet egress"),
            tags=dict(tags),
            opts=self._opts(parent),
        )
        eip = ali.ecs.EipAddress(
            f"{name}-eip",
            address_name=f"{name}-eip",
            bandwidth="100",
            internet_charge_type="PayByTraffic",
            payment_type="PayAsYouGo",
            description=describe(tags),
            tags=dict(tags),
            opts=self._opts(parent),
        )
        assoc = ali.ecs.EipAssociation(
            f"{name}-eip-nat",
            allocation_id=eip.id,
            instance_id=nat.id,
            instance_type="Nat",
            opts=self._opts(parent),
        )
        for i, src in enumerate(dict.fromkeys(snat_sources)):
            ali.vpc.SnatEntry(
                f"{name}-snat-{i}",
                snat_table_id=nat.snat_table_ids,
                source_cidr=src,
                snat_ip=eip.ip_address,
                snat_entry_name=f"{name}-snat-{i}",
                opts=self._opts(parent, depends_on=[assoc]),
            )
        if firewall:
            vpc = net.resource
            assert isinstance(vpc, ali.vpc.Network)  # noqa: S101
            ali.cloudfirewall.NatFirewall(
                f"{name}-natfw",
                nat_gateway_id=nat.id,
                vpc_id=net.id,
                proxy_name=f"{name}-natfw",
                region_no=self.region,
                firewall_switch="open",
                vswitch_auto="true",
                strict_mode=1,
                nat_route_entry_lists=[
                    ali.cloudfirewall.NatFirewallNatRouteEntryListArgs(
                        destination_cidr=ALL,
                        nexthop_id=nat.id,
                        nexthop_type="NatGateway",
                        route_table_id=vpc.route_table_id,
                    )
                ],
                opts=self._opts(parent),
            )
            for i, r in enumerate(public_ingress):
                ali.cloudfirewall.ControlPolicy(
                    f"{name}-in-{i}",
                    direction="in",
                    acl_action="accept",
                    source=r.cidr,
                    source_type="net",
                    destination=net.cidr,
                    destination_type="net",
                    proto=r.protocol.upper(),
                    dest_port=r.port_range,
                    dest_port_type="port",
                    application_name="ANY",
                    description=describe(tags, r.description),
                    opts=self._opts(parent),
                )
            ali.cloudfirewall.ControlPolicy(
                f"{name}-in-deny",
                direction="in",
                acl_action="drop",
                source=ALL,
                source_type="net",
                destination=ALL,
                destination_type="net",
                proto="ANY",
                dest_port="0/0",
                dest_port_type="port",
                application_name="ANY",
                description=describe(tags, "default deny from the internet"),
                opts=self._opts(parent),
            )
        return EdgeRef(nat, eip.ip_address)

    # -- services ------------------------------------------------------------------------------
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
        inst = ali.bastionhost.Instance(
            name,
            description=f"{name} {describe(tags)}"[:60],
            license_code="bhah_ent_50_asset",
            plan_code="cloudbastion",
            storage="5",
            bandwidth="5",
            period=1,
            vswitch_id=subnet.id,
            security_group_ids=[group.id],
            enable_public_access=True,
            public_white_lists=list(allowed_sources),
            tags=dict(tags),
            opts=self._opts(parent),
        )
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
        project = ali.log.Project(
            name,
            project_name=name,
            description=describe(tags, "central log audit"),
            tags=dict(tags),
            opts=self._opts(parent),
        )
        store_name = "audit"
        encrypt = None
        if key is not None:
            encrypt = ali.log.StoreEncryptConfArgs(
                enable=True,
                encrypt_type="m4",  # SM4
                user_cmk_info=ali.log.StoreEncryptConfUserCmkInfoArgs(
                    cmk_key_id=key.id,
                    arn=self.account_id().apply(
                        lambda a: f"acs:ram::{a}:role/aliyunlogdefaultrole"
                    ),
                    region_id=self.region,
                ),
            )
        store = ali.log.Store(
            f"{name}-{store_name}",
            project_name=project.project_name,
            logstore_name=store_name,
            retention_period=retention_days,
            shard_count=2,
            auto_split=True,
            max_split_shard_count=64,
            append_meta=True,
            encrypt_conf=encrypt,
            opts=self._opts(parent),
        )
        return LogRef(project, store, name, store_name)

    def audit_trail(
        self, name: str, *, log: LogRef | None, tags: Tags, parent: pulumi.Resource
    ) -> pulumi.CustomResource | None:
        arn = self.account_id().apply(
            lambda a: f"acs:log:{self.region}:{a}:project/{log.project_name if log else ''}"
        )
        role = self.account_id().apply(lambda a: f"acs:ram::{a}:role/aliyunactiontraildefaultrole")
        return ali.actiontrail.Trail(
            name,
            trail_name=name,
            event_rw="All",
            trail_region="All",
            status="Enable",
            sls_project_arn=arn,
            sls_write_role_arn=role,
            opts=self._opts(parent, depends_on=[log.store] if log else []),
        )

    def kms_key(
        self,
        name: str,
        *,
        algorithm: str,
        rotation_days: int,
        tags: Tags,
        parent: pulumi.Resource,
    ) -> KeyRef | None:
        key = ali.kms.Key(
            name,
            description=describe(tags, "landing-zone data key"),
            key_spec="Aliyun_SM4" if algorithm.upper() == "SM4" else "Aliyun_AES_256",
            key_usage="ENCRYPT/DECRYPT",
            automatic_rotation="Enabled",
            rotation_interval=f"{rotation_days * 86400}s",
            status="Enabled",
            deletion_protection="Enabled",
            pending_window_in_days=30,
            tags=dict(tags),
            opts=self._opts(parent),
        )
        return KeyRef(key, key.id)

    def compliance_pack(
        self, name: str, *, mlps_level: int, tags: Tags, parent: pulumi.Resource
    ) -> pulumi.CustomResource | None:
        return ali.cfg.CompliancePack(
            name,
            compliance_pack_name=MLPS_PACK_NAMES.get(mlps_level, MLPS_PACK_NAMES[3]),
            compliance_pack_template_id=self.compliance_pack_template_id,
            description=describe(tags, f"MLPS level {mlps_level} pre-check pack"),
            risk_level=1,
            opts=self._opts(parent),
        )

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
        instance = ali.ecs.Instance(
            name,
            instance_name=name,
            host_name=name,
            image_id=self.image_id,
            instance_type=self.instance_type,
            vswitch_id=subnet.id,
            private_ip=ip,
            security_groups=[group.id],
            internet_max_bandwidth_out=0,
            system_disk_category="cloud_essd",
            system_disk_encrypted=key is not None,
            system_disk_kms_key_id=key.id if key else None,
            system_disk_encrypt_algorithm="sm4-128" if key else None,
            description=describe(tags),
            tags=dict(tags),
            volume_tags=dict(tags),
            opts=self._opts(parent),
        )
        if public:
            eip = ali.ecs.EipAddress(
                f"{name}-eip",
                address_name=f"{name}-eip",
                internet_charge_type="PayByTraffic",
                bandwidth="10",
                description=describe(tags, f"public address of {name}"),
                tags=dict(tags),
                opts=self._opts(parent),
            )
            ali.ecs.EipAssociation(
                f"{name}-eip",
                allocation_id=eip.id,
                instance_id=instance.id,
                instance_type="EcsInstance",
                opts=self._opts(parent),
            )
        return instance

    def department(self, dept: str, *, tags: Tags, parent: pulumi.Resource) -> None:
        """One account: departments are separated by VPCs and tags (no project resource)."""
        return None

    def share(
        self, name: str, *, net: Net, project: Any, tags: Tags, parent: pulumi.Resource
    ) -> None:
        return None
