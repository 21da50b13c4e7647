"""The provider adapter protocol the landing-zone components talk to (docs/infra-design.md).

Components never import a cloud SDK: they describe networks, rules and services in the terms
below and a provider adapter (``alicloud.py``, ``openstack.py``) turns them into real Pulumi
resources. A service the cloud does not offer is created as nothing (``None``) and recorded in
``Provider.not_offered`` so the plan can say so instead of passing a policy silently.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import pulumi

Tags = Mapping[str, str]

#: Feature keys used in ``Provider.not_offered`` (and in the stack output ``not_offered``).
FEATURES = (
    "flow_log",
    "hub_flow_log",
    "log_store",
    "audit_trail",
    "kms_key",
    "disk_encryption",
    "compliance_pack",
    "managed_bastion",
)


@dataclass(frozen=True)
class Rule:
    """One allowed flow into a zone: protocol, port range and source CIDR (default deny)."""

    protocol: str  # "tcp" | "udp" | "icmp" | "all"
    port_from: int  # -1 for all / icmp
    port_to: int
    cidr: str
    description: str

    @property
    def port_range(self) -> str:
        """AliCloud style ``"from/to"`` (``"-1/-1"`` for all ports)."""
        return f"{self.port_from}/{self.port_to}"


@dataclass(frozen=True)
class Net:
    """A VPC (AliCloud) or network (OpenStack) of one zone."""

    resource: pulumi.CustomResource
    id: pulumi.Output[str]
    cidr: str
    zone_class: str
    name: str


@dataclass(frozen=True)
class Sub:
    """A vSwitch / subnet."""

    resource: pulumi.CustomResource
    id: pulumi.Output[str]
    cidr: str
    az: str
    name: str


@dataclass(frozen=True)
class Group:
    """A security group."""

    resource: pulumi.CustomResource
    id: pulumi.Output[str]
    name: str


@dataclass
class HubRef:
    """The transit hub: one route table (or router) per zone class."""

    resource: pulumi.CustomResource
    id: pulumi.Output[str]
    cidr: str
    route_tables: dict[str, pulumi.CustomResource] = field(default_factory=dict)
    extra: dict[str, pulumi.CustomResource] = field(default_factory=dict)


@dataclass(frozen=True)
class Attachment:
    """A zone network attached to the hub (AliCloud TR VPC attachment; OpenStack router port)."""

    resource: pulumi.CustomResource
    id: pulumi.Output[str]
    zone_class: str
    port_ids: tuple[pulumi.Output[str], ...] = ()


@dataclass(frozen=True)
class AclRef:
    """A zone's subnet-level ACL (AliCloud network ACL; OpenStack FWaaS on its router ports)."""

    resource: pulumi.CustomResource | None
    id: pulumi.Output[str] | None
    name: str
    port_ids: tuple[pulumi.Output[str], ...] = ()


@dataclass(frozen=True)
class EdgeRef:
    """The internet edge in the DMZ: NAT gateway and its public address."""

    nat: pulumi.CustomResource
    public_ip: pulumi.Output[str] | None


@dataclass(frozen=True)
class BastionRef:
    resource: pulumi.CustomResource
    name: str
    private_ip: str
    public_ip: pulumi.Output[str] | None


@dataclass(frozen=True)
class LogRef:
    project: pulumi.CustomResource
    store: pulumi.CustomResource
    project_name: str
    store_name: str


@dataclass(frozen=True)
class KeyRef:
    resource: pulumi.CustomResource
    id: pulumi.Output[str]


class Provider(Protocol):
    """What a cloud must provide to the landing-zone components.

    Methods returning ``None`` (or ``[]``) create nothing on clouds that do not offer the
    service; such a cloud lists the feature in ``not_offered``.
    """

    name: str
    #: feature (see FEATURES) -> why it is not created on this cloud
    not_offered: dict[str, str]

    def department(
        self, dept: str, *, tags: Tags, parent: pulumi.Resource
    ) -> pulumi.Output[str] | None:
        """The department's project/tenant id, where the cloud separates them so."""
        ...

    def share(
        self,
        name: str,
        *,
        net: Net,
        project: pulumi.Output[str] | None,
        tags: Tags,
        parent: pulumi.Resource,
    ) -> pulumi.CustomResource | None:
        """Share a shared-zone network with a department project (OpenStack RBAC)."""
        ...

    def network(
        self, name: str, *, cidr: str, zone_class: str, tags: Tags, parent: pulumi.Resource
    ) -> Net: ...

    def subnet(
        self, name: str, *, net: Net, cidr: str, az: str, tags: Tags, parent: pulumi.Resource
    ) -> Sub: ...

    def security_group(
        self, name: str, *, net: Net, tags: Tags, parent: pulumi.Resource, role: str = "zone"
    ) -> Group:
        """A security group with no default rules (nothing allowed in)."""
        ...

    def ingress_rule(
        self, name: str, *, group: Group, rule: Rule, tags: Tags, parent: pulumi.Resource
    ) -> pulumi.CustomResource: ...

    def acl(
        self,
        name: str,
        *,
        net: Net,
        subnets: Sequence[Sub],
        attachment: Attachment | None,
        tags: Tags,
        parent: pulumi.Resource,
    ) -> AclRef: ...

    def acl_entries(
        self,
        name: str,
        *,
        acl: AclRef,
        ingress: Sequence[Rule],
        tags: Tags,
        parent: pulumi.Resource,
    ) -> list[pulumi.CustomResource]:
        """The ACL's entries: ``ingress`` accepted, then everything else dropped."""
        ...

    def flow_log(
        self, name: str, *, net: Net, log: LogRef | None, tags: Tags, parent: pulumi.Resource
    ) -> pulumi.CustomResource | None: ...

    def hub(
        self,
        name: str,
        *,
        cidr: str,
        zone_classes: Sequence[str],
        tags_for_class: Mapping[str, Tags],
        tags: Tags,
        parent: pulumi.Resource,
    ) -> HubRef: ...

    def hub_flow_log(
        self, name: str, *, hub: HubRef, log: LogRef | None, tags: Tags, parent: pulumi.Resource
    ) -> pulumi.CustomResource | None: ...

    def hub_firewall(
        self,
        name: str,
        *,
        hub: HubRef,
        rules: Sequence[Rule],
        tags: Tags,
        parent: pulumi.Resource,
    ) -> list[pulumi.CustomResource]: ...

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
        """Attach ``net`` to its zone class's route table only; propagate its routes."""
        ...

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
        """0.0.0.0/0 of a non-DMZ zone towards the hub (never a local NAT)."""
        ...

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
        """0.0.0.0/0 of every zone class's route table towards the DMZ."""
        ...

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
        """NAT + public address (EIP / floating IP) in the DMZ, and its firewall."""
        ...

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
    ) -> BastionRef: ...

    def log_store(
        self,
        name: str,
        *,
        retention_days: int,
        key: KeyRef | None,
        tags: Tags,
        parent: pulumi.Resource,
    ) -> LogRef | None: ...

    def audit_trail(
        self, name: str, *, log: LogRef | None, tags: Tags, parent: pulumi.Resource
    ) -> pulumi.CustomResource | None: ...

    def kms_key(
        self,
        name: str,
        *,
        algorithm: str,
        rotation_days: int,
        tags: Tags,
        parent: pulumi.Resource,
    ) -> KeyRef | None: ...

    def compliance_pack(
        self, name: str, *, mlps_level: int, tags: Tags, parent: pulumi.Resource
    ) -> pulumi.CustomResource | None: ...

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
        """An instance placeholder for a declared host (inventory), disks with ``key``; with
        ``public``, a public address bound to it (EIP / floating IP) — the topology allows
        that in the DMZ only, and policy 6 catches it anywhere else."""
        ...


def describe(tags: Tags, what: str = "") -> str:
    """Tags rendered into a description, for resources that take no tags (contract)."""
    body = " ".join(f"{k}={v}" for k, v in tags.items())
    return f"{what} [{body}]" if what else f"[{body}]"
