"""The landing-zone topology: departments, zones and allowed flows, as a typed schema.

A topology file (``infra/topologies/*.yaml``, format in docs/infra-topology.md) declares a
provincial "one cloud, one network": the shared zones (transit ``hub``, internet-edge ``dmz``,
政务外网 ``extranet`` edge, security ``management`` zone), each department's ``business`` /
``data`` / ``extranet`` slices with their subnets and hosts, and the flows allowed between them
(everything else is denied). :func:`load` reads it through pydantic models (``extra="forbid"``)
and, when ``strict``, checks what a schema cannot: overlapping CIDRs, subnets outside their
zone, flows naming unknown zones, public exposure outside the DMZ, log retention under 180 days.

Every problem names the file, the YAML line when known, and the dotted field::

    topology.yaml:42: departments[2].zones.data.cidr: overlaps
        departments[0].zones.business.cidr (10.1.0.0/20)

(one line in real messages).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Literal, get_args

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from secops.errors import GovsecError

ZoneClass = Literal["dmz", "extranet", "business", "data", "management"]
"""The fixed zone classes (MLPS zoning); ``hub`` is transit, not a zone."""
DeptZoneClass = Literal["business", "data", "extranet"]
"""The classes a department may hold a slice of."""
ZoneKind = Literal["dmz", "extranet", "business", "data", "management", "hub", "internet"]
"""What :attr:`Zone.zone_class` can be: a zone class, or ``hub`` / ``internet``."""

Service = Literal["bastion", "log_audit", "siem", "kms"]
SERVICES: tuple[Service, ...] = ("bastion", "log_audit", "siem", "kms")
ZONE_CLASSES: tuple[str, ...] = get_args(ZoneClass)
DEPT_ZONE_CLASSES: tuple[str, ...] = get_args(DeptZoneClass)
SHARED_ZONES: tuple[str, ...] = ("dmz", "extranet", "management")
INTERNET = "internet"
MIN_RETENTION_DAYS = 180  # Cybersecurity Law art. 21(3): network logs kept at least six months
MANDATORY_TAGS: tuple[str, ...] = ("dept", "zone", "mlps_level", "owner")

ID_PATTERN = r"^[a-z][a-z0-9-]{1,30}$"
SUBNET_PATTERN = r"^[a-z][a-z0-9-]{0,30}$"
# a valid Ansible inventory name and DNS label: nothing a shell or YAML could read twice
HOST_PATTERN = r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"
Network = ipaddress.IPv4Network
Address = ipaddress.IPv4Address
Loc = tuple[str | int, ...]


class TopologyError(GovsecError):
    """A topology file that does not match the schema or breaks a zoning rule.

    ``problems`` holds every problem found (the message shows the first).
    """

    def __init__(self, message: str, hint: str | None = None, problems: Sequence[str] = ()) -> None:
        super().__init__(message, hint)
        self.problems: list[str] = list(problems) or [message]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class PortRule(_Model):
    """A port the internet may reach in the DMZ."""

    port: int = Field(ge=1, le=65535)
    protocol: Literal["tcp", "udp"] = "tcp"


class Subnet(_Model):
    """A subnet (AliCloud vSwitch, OpenStack subnet) of one zone, in one availability zone."""

    name: str = Field(pattern=SUBNET_PATTERN)
    cidr: Network
    az: str = Field(min_length=1)
    public: bool = False  # addresses reachable from the internet: the DMZ only


class Host(_Model):
    """An instance the inventory should know about (emitted in the stack outputs)."""

    name: str = Field(pattern=HOST_PATTERN)
    subnet: str = Field(pattern=SUBNET_PATTERN)
    ip: Address
    public: bool = False  # an EIP / floating IP: the DMZ only


class _ZoneBody(_Model):
    """What every zone holds: its CIDR, subnets and hosts."""

    cidr: Network
    subnets: list[Subnet] = Field(default_factory=list)
    hosts: list[Host] = Field(default_factory=list)

    @field_validator("subnets")
    @classmethod
    def _unique_subnets(cls, value: list[Subnet]) -> list[Subnet]:
        seen: set[str] = set()
        for subnet in value:
            if subnet.name in seen:
                raise ValueError(f"subnet name {subnet.name!r} used twice in this zone")
            seen.add(subnet.name)
        return value

    @model_validator(mode="after")
    def _host_subnets(self) -> _ZoneBody:
        names = {s.name for s in self.subnets}
        for host in self.hosts:
            if host.subnet not in names:
                raise ValueError(
                    f"host {host.name!r}: subnet {host.subnet!r} is not a subnet of this zone"
                    f" (expected one of: {', '.join(sorted(names)) or 'none declared'})"
                )
        return self


class Hub(_Model):
    """The transit hub: AliCloud CEN + transit router, OpenStack core router."""

    cidr: Network
    firewall: bool = True


class Dmz(_ZoneBody):
    """The internet edge: the only zone with public addresses, and the NAT for egress."""

    public_ingress: list[PortRule] = Field(default_factory=list)
    nat: bool = True
    firewall: bool = True


class Extranet(_ZoneBody):
    """The 政务外网 (government extranet) edge."""


class Bastion(_Model):
    """The bastion (堡垒机) of the security management zone."""

    name: str = Field(default="bastion", pattern=HOST_PATTERN)
    allowed_sources: list[Network] = Field(min_length=1)


class Management(_ZoneBody):
    """The security management zone (安全管理中心): bastion, log audit, SIEM, key management."""

    bastion: Bastion | None = None
    services: list[Service] = Field(default_factory=lambda: list(SERVICES))


class DeptZone(_ZoneBody):
    """A department's slice of one zone class."""


class Department(_Model):
    """One department (厅局委办) of the province."""

    id: str = Field(pattern=ID_PATTERN)
    title: str = Field(min_length=1, max_length=64)
    owner: str | None = Field(default=None, min_length=1, max_length=64)
    zones: dict[DeptZoneClass, DeptZone] = Field(min_length=1)


class Flow(_Model):
    """An allowed flow between zones; everything not declared is denied."""

    from_: str = Field(alias="from", min_length=1)
    to: str = Field(min_length=1)
    protocol: Literal["tcp", "udp", "icmp"] = "tcp"
    ports: list[int] = Field(default_factory=list)
    description: str | None = None

    @field_validator("ports")
    @classmethod
    def _ports(cls, value: list[int]) -> list[int]:
        for port in value:
            if not 1 <= port <= 65535:
                raise ValueError(f"expected ports between 1 and 65535, got {port}")
        return value

    @model_validator(mode="after")
    def _ports_needed(self) -> Flow:
        if self.protocol != "icmp" and not self.ports:
            raise ValueError(f"a {self.protocol} flow needs ports (e.g. ports: [443])")
        if self.protocol == "icmp" and self.ports:
            raise ValueError("an icmp flow takes no ports")
        return self


class Logging(_Model):
    """Log retention and collection."""

    retention_days: int = Field(ge=1)
    flow_logs: bool = True
    audit_trail: bool = True


class Keys(_Model):
    """Key management (KMS)."""

    algorithm: Literal["SM4", "AES256"] = "SM4"
    rotation_days: int = Field(ge=1)  # > 365 is left to the cloud policy (mlps-cloud-13)


@dataclass(frozen=True)
class Zone:
    """One concrete zone: a shared zone, or a department's slice of a zone class.

    ``ref`` is how flows name it (``dmz``, ``finance.business``); ``field`` is where the
    topology file declares it (``departments[0].zones.business``), for error messages.
    """

    ref: str
    zone_class: ZoneKind
    dept: str | None
    cidr: Network
    subnets: tuple[Subnet, ...]
    hosts: tuple[Host, ...]
    field: str

    @property
    def name(self) -> str:
        """A resource-friendly name: ``dmz``, ``finance-business``."""
        return self.ref.replace(".", "-")


INTERNET_ZONE = Zone(INTERNET, "internet", None, Network("0.0.0.0/0"), (), (), "")


class Topology(_Model):
    """A whole landing zone, as declared in one topology file."""

    name: str = Field(pattern=ID_PATTERN)
    cloud: Literal["alicloud", "openstack"] = "alicloud"
    region: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{1,40}$")
    availability_zones: list[str] = Field(min_length=1)
    mlps_level: Literal[2, 3] = 3
    owner: str = Field(min_length=1, max_length=64)
    tags: dict[str, str] = Field(default_factory=dict)
    hub: Hub
    dmz: Dmz
    extranet: Extranet | None = None
    management: Management
    departments: list[Department] = Field(min_length=1)
    flows: list[Flow] = Field(default_factory=list)
    logging: Logging
    keys: Keys

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: dict[str, str]) -> dict[str, str]:
        reserved = sorted(set(value) & set(MANDATORY_TAGS))
        if reserved:
            raise ValueError(f"{', '.join(reserved)}: set by govsec on every resource, not here")
        return value

    @field_validator("departments")
    @classmethod
    def _unique_departments(cls, value: list[Department]) -> list[Department]:
        seen: set[str] = set()
        for dept in value:
            if dept.id in seen:
                raise ValueError(f"department id {dept.id!r} used twice")
            seen.add(dept.id)
        return value

    @cached_property
    def _by_id(self) -> dict[str, Department]:
        return {d.id: d for d in self.departments}

    @cached_property
    def _zones(self) -> tuple[Zone, ...]:
        return tuple(_zones(self))

    @cached_property
    def _by_ref(self) -> dict[str, Zone]:
        return {z.ref: z for z in self._zones}

    def department(self, dept_id: str) -> Department:
        """The department ``dept_id``; :class:`TopologyError` when there is none."""
        try:
            return self._by_id[dept_id]
        except KeyError:
            raise TopologyError(f"{self.name}: no department {dept_id!r}") from None

    def zones(self) -> list[Zone]:
        """Every concrete zone: ``dmz``, ``extranet`` (if declared), ``management``, then each
        department's zones in file order (business, data, extranet as declared). Not the hub."""
        return list(self._zones)

    def hub_zone(self) -> Zone:
        """The transit hub as a :class:`Zone` (class ``hub``), e.g. for its tags and CIDR."""
        return Zone("hub", "hub", None, self.hub.cidr, (), (), "hub")

    def resolve(self, ref: str) -> list[Zone]:
        """The zones a flow endpoint names; ``[]`` when it names none.

        ``dmz``, ``extranet``, ``management``: the shared zone. ``internet``: a pseudo-zone of
        class ``internet`` (0.0.0.0/0). ``<dept>.<zone>``, ``*.<zone>``, ``<dept>.*``, and ``*``
        (every zone of :meth:`zones`).
        """
        if ref == INTERNET:
            return [INTERNET_ZONE]
        if ref == "*":
            return self.zones()
        dept, dot, zone_class = ref.partition(".")
        if not dot:
            zone = self._by_ref.get(ref)
            return [zone] if zone is not None and zone.dept is None else []
        if dept != "*" and zone_class != "*":
            zone = self._by_ref.get(ref)
            return [zone] if zone is not None else []
        return [
            z
            for z in self._zones
            if z.dept is not None
            and (dept == "*" or z.dept == dept)
            and (zone_class == "*" or z.zone_class == zone_class)
        ]

    def tags_for(self, dept: str | None, zone_class: str) -> dict[str, str]:
        """The tags of a resource of ``dept`` (``None``: shared) in ``zone_class``.

        The mandatory ``dept`` (or ``shared``), ``zone``, ``mlps_level`` and ``owner`` (the
        department's owner when it names one), over ``topology.tags``.
        """
        owner = self.owner if dept is None else (self.department(dept).owner or self.owner)
        return {
            **self.tags,
            "dept": dept or "shared",
            "zone": zone_class,
            "mlps_level": str(self.mlps_level),
            "owner": owner,
        }

    def hosts(self) -> Iterator[tuple[Zone, Host]]:
        """Every declared host with its zone."""
        for zone in self._zones:
            for host in zone.hosts:
                yield zone, host


def _zones(topology: Topology) -> Iterator[Zone]:
    shared: list[tuple[str, _ZoneBody | None]] = [
        ("dmz", topology.dmz),
        ("extranet", topology.extranet),
        ("management", topology.management),
    ]
    for ref, body in shared:
        if body is not None:
            kind: ZoneKind = ref  # type: ignore[assignment]
            yield Zone(ref, kind, None, body.cidr, tuple(body.subnets), tuple(body.hosts), ref)
    for index, dept in enumerate(topology.departments):
        for zone_class, body in dept.zones.items():
            yield Zone(
                f"{dept.id}.{zone_class}",
                zone_class,
                dept.id,
                body.cidr,
                tuple(body.subnets),
                tuple(body.hosts),
                f"departments[{index}].zones.{zone_class}",
            )


# --- loading ---------------------------------------------------------------------------------


def load(path: Path, *, strict: bool = True) -> Topology:
    """Load and validate the topology file at ``path``.

    Args:
        path: a topology YAML file.
        strict: also run the zoning checks (overlaps, flows, public exposure, retention);
            ``False`` checks the schema only, to plan a deliberately broken topology.

    Raises:
        TopologyError: naming the file, line and field of the first problem.
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise TopologyError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    try:
        data = yaml.load(raw, Loader=_LOADER)  # noqa: S506 (a safe loader, C when available)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(exc, "problem", None) or str(exc)
        raise TopologyError(f"{where}: not valid YAML: {problem}") from exc
    return parse(data, source=str(path), strict=strict, raw=raw)


def parse(
    data: Any, *, source: str = "<topology>", strict: bool = True, raw: bytes | None = None
) -> Topology:
    """Validate already-loaded topology data (e.g. from :mod:`infra.generate`).

    ``source`` names it in messages; ``raw``, the YAML text, adds line numbers.
    """
    if not isinstance(data, dict):
        raise TopologyError(f"{source}: expected a mapping (name:, cloud:, departments: …)")
    try:
        topology = Topology.model_validate(data)
    except ValidationError as exc:
        found = [(_loc(e["loc"]), _expected(e)) for e in exc.errors()]
        raise _error(source, raw, found) from None
    if strict:
        problems = check(topology)
        if problems:
            raise _error(source, raw, problems)
    return topology


_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _loc(loc: Iterable[Any]) -> Loc:
    # pydantic adds the validator kind to union / literal-key locations: keep the data path
    return tuple(
        p for p in loc if isinstance(p, int) or not (p.startswith("function-") or p == "[key]")
    )


def _expected(error: Any) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "unknown field (not in the topology schema, see docs/infra-topology.md)"
    if kind == "missing":
        return "required field missing"
    message = str(error["msg"])
    message = message.removeprefix("Value error, ")
    if message.startswith("Input should be"):
        message = "expected" + message.removeprefix("Input should be")
    if kind == "string_pattern_mismatch":
        message = f"expected a name matching {error['ctx']['pattern']}"
    elif kind == "ip_v4_network":
        message = "expected an IPv4 CIDR like 10.1.0.0/20, with no host bits set"
    elif kind == "ip_v4_address":
        message = "expected an IPv4 address like 10.1.0.10"
    shown = kind.startswith("literal") or kind.startswith("ip_v4") or kind.endswith("mismatch")
    return f"{message} (got {error['input']!r})" if shown else message


def field_path(loc: Iterable[str | int]) -> str:
    """``("departments", 2, "zones", "data", "cidr")`` → ``departments[2].zones.data.cidr``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def _error(source: str, raw: bytes | None, problems: Sequence[tuple[Loc, str]]) -> TopologyError:
    lines = _line_finder(raw)
    texts = []
    for loc, message in problems:
        line = lines(loc)
        where = f"{source}:{line}" if line else source
        texts.append(f"{where}: {field_path(loc)}: {message}")
    hint = "see docs/infra-topology.md for the format"
    if len(texts) > 1:
        more = "\n".join(f"  {t}" for t in texts[1:10])
        extra = f"\n  … and {len(texts) - 10} more" if len(texts) > 10 else ""
        hint = f"{len(texts) - 1} more problem(s):\n{more}{extra}\n{hint}"
    return TopologyError(texts[0], hint, texts)


def _line_finder(raw: bytes | None) -> Any:
    """A function from a data path to its 1-based YAML line (0 when unknown).

    Composes the YAML only on the error path: loading stays one C-parser pass.
    """
    root: yaml.Node | None = None
    if raw is not None:
        try:
            root = yaml.compose(raw, Loader=_LOADER)
        except yaml.YAMLError:
            root = None

    def line(loc: Loc) -> int:
        node = root
        if node is None:
            return 0
        for part in loc:
            child: yaml.Node | None = None
            if isinstance(node, yaml.MappingNode):
                child = next((v for k, v in node.value if k.value == str(part)), None)
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
                child = node.value[part] if 0 <= part < len(node.value) else None
            if child is None:
                break
            node = child
        return int(node.start_mark.line) + 1

    return line


# --- zoning checks (strict) -----------------------------------------------------------------


def check(topology: Topology) -> list[tuple[Loc, str]]:
    """Every zoning problem of ``topology``, as (data path, what was expected)."""
    problems: list[tuple[Loc, str]] = []
    problems += _check_overlaps(topology)
    problems += _check_subnets_and_hosts(topology)
    problems += _check_flows(topology)
    problems += _check_exposure(topology)
    if topology.logging.retention_days < MIN_RETENTION_DAYS:
        problems.append(
            (
                ("logging", "retention_days"),
                f"expected at least {MIN_RETENTION_DAYS} days (Cybersecurity Law art. 21),"
                f" got {topology.logging.retention_days}",
            )
        )
    return problems


def _parse_loc(field: str) -> Loc:
    """``departments[0].zones.data`` → ``("departments", 0, "zones", "data")``."""
    loc: list[str | int] = []
    for part in field.split("."):
        name, _, rest = part.partition("[")
        if name:
            loc.append(name)
        if rest:
            loc.append(int(rest.rstrip("]")))
    return tuple(loc)


def _non_overlapping(items: Sequence[tuple[Network, Loc]]) -> list[tuple[Loc, str]]:
    """Overlaps among ``items`` (in file order) in O(n log n): sorted by start address, each
    against the widest range so far; the one declared later is the one reported."""
    problems: list[tuple[Loc, str]] = []
    ordered = sorted(
        range(len(items)), key=lambda i: (int(items[i][0].network_address), items[i][0].prefixlen)
    )
    widest: int | None = None
    for index in ordered:
        net = items[index][0]
        if widest is not None and int(net.network_address) <= int(
            items[widest][0].broadcast_address
        ):
            first, second = items[min(index, widest)], items[max(index, widest)]
            problems.append(
                ((*second[1], "cidr"), f"overlaps {field_path(first[1])}.cidr ({first[0]})")
            )
        if widest is None or int(net.broadcast_address) > int(items[widest][0].broadcast_address):
            widest = index
    return problems


def _check_overlaps(topology: Topology) -> list[tuple[Loc, str]]:
    items: list[tuple[Network, Loc]] = [(topology.hub.cidr, ("hub",))]
    items += [(z.cidr, _parse_loc(z.field)) for z in topology.zones()]
    problems = _non_overlapping(items)
    for net, loc in items:
        if not net.is_private:
            problems.append(((*loc, "cidr"), f"expected a private range (RFC 1918), got {net}"))
    return problems


def _check_subnets_and_hosts(topology: Topology) -> list[tuple[Loc, str]]:
    problems: list[tuple[Loc, str]] = []
    azs = set(topology.availability_zones)
    host_names: dict[str, str] = {}
    host_ips: dict[Address, str] = {}
    for zone in topology.zones():
        base = _parse_loc(zone.field)
        subnets: list[tuple[Network, Loc]] = []
        by_name: dict[str, Subnet] = {}
        for i, subnet in enumerate(zone.subnets):
            loc = (*base, "subnets", i)
            by_name[subnet.name] = subnet
            if not subnet.cidr.subnet_of(zone.cidr):
                problems.append(
                    ((*loc, "cidr"), f"{subnet.cidr} is outside its zone's cidr {zone.cidr}")
                )
            subnets.append((subnet.cidr, loc))
            if subnet.az not in azs:
                problems.append(
                    (
                        (*loc, "az"),
                        f"expected one of availability_zones ({', '.join(sorted(azs))}),"
                        f" got {subnet.az!r}",
                    )
                )
        problems += _non_overlapping(subnets)
        for i, host in enumerate(zone.hosts):
            loc = (*base, "hosts", i)
            here = field_path(loc)
            if host.name in host_names:
                problems.append(
                    (
                        (*loc, "name"),
                        f"host name {host.name!r} also used by {host_names[host.name]}",
                    )
                )
            host_names.setdefault(host.name, here)
            if host.ip in host_ips:
                problems.append(((*loc, "ip"), f"{host.ip} also used by {host_ips[host.ip]}"))
            host_ips.setdefault(host.ip, here)
            net = by_name[host.subnet].cidr
            if host.ip not in net or host.ip in (net.network_address, net.broadcast_address):
                problems.append(
                    (
                        (*loc, "ip"),
                        f"{host.ip} is not a host address of subnet {host.subnet} ({net})",
                    )
                )
    return problems


def _check_flows(topology: Topology) -> list[tuple[Loc, str]]:
    problems: list[tuple[Loc, str]] = []
    for i, flow in enumerate(topology.flows):
        for key, ref in (("from", flow.from_), ("to", flow.to)):
            loc: Loc = ("flows", i, key)
            if ref == INTERNET and key == "to":
                problems.append(
                    (loc, "internet is only a source: egress goes through the DMZ NAT, not a flow")
                )
            elif not topology.resolve(ref):
                problems.append((loc, _unknown_ref(topology, ref)))
        if flow.from_ == INTERNET and flow.to != "dmz":
            problems.append(
                (
                    ("flows", i, "to"),
                    f"public exposure outside the DMZ: a flow from internet may only go to dmz,"
                    f" got {flow.to!r}",
                )
            )
    return problems


def _unknown_ref(topology: Topology, ref: str) -> str:
    depts = ", ".join(d.id for d in topology.departments[:5])
    more = ", …" if len(topology.departments) > 5 else ""
    return (
        f"{ref!r} names no zone; expected dmz, extranet, management, internet (as from),"
        f" <dept>.<zone>, *.<zone>, <dept>.* or * (departments: {depts}{more};"
        f" zone classes: {', '.join(DEPT_ZONE_CLASSES)})"
    )


def _check_exposure(topology: Topology) -> list[tuple[Loc, str]]:
    problems: list[tuple[Loc, str]] = []
    for zone in topology.zones():
        if zone.zone_class == "dmz":
            continue
        base = _parse_loc(zone.field)
        for i, subnet in enumerate(zone.subnets):
            if subnet.public:
                problems.append(
                    ((*base, "subnets", i, "public"), "public exposure outside the DMZ")
                )
        for i, host in enumerate(zone.hosts):
            if host.public:
                problems.append(((*base, "hosts", i, "public"), "public exposure outside the DMZ"))
    bastion = topology.management.bastion
    if bastion is not None:
        for i, source in enumerate(bastion.allowed_sources):
            if source.prefixlen == 0:
                problems.append(
                    (
                        ("management", "bastion", "allowed_sources", i),
                        "the bastion may not be open to the whole internet: expected an"
                        " allow-listed range such as 203.0.113.0/24",
                    )
                )
    return problems
