"""Stack outputs to an Ansible inventory: ``govsec inventory from-stack``.

The landing zone's Pulumi program exports ``inventory`` (shape in docs/infra-topology.md)::

    {"inventory": {"bastion": {"name": "bastion", "public_ip": "203.0.113.5",
                               "private_ip": "10.254.0.5"} | null,
                   "mlps_level": 3,
                   "hosts": [{"name": "fin-app-1", "dept": "finance", "zone": "business",
                              "ip": "10.1.0.10", "subnet": "app-h", "az": "cn-hangzhou-h"}]}}

:func:`build_inventory` turns it into an Ansible YAML inventory grouped by department
(``dept_finance``), zone class (``zone_business``) and both (``finance_business``), every host
reached on its private address through the bastion (``ProxyJump``). Every value is validated
(names, addresses), so nothing in the file can be read by Ansible or a shell as more than a value.
"""

from __future__ import annotations

import ipaddress
import json
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from infra.topology import HOST_PATTERN, ID_PATTERN, SUBNET_PATTERN, field_path
from secops import files
from secops.errors import GovsecError

SHARED = "shared"  # ``dept`` of hosts in the shared zones (dmz, extranet edge, management)
BASTION_GROUP = "bastions"  # not "bastion": Ansible warns when a group and a host share a name


class InventoryError(GovsecError):
    """Stack outputs that cannot become an inventory, or an inventory that cannot be written."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BastionOutput(_Model):
    """The bastion of the security management zone, as the stack exports it."""

    name: str = Field(pattern=HOST_PATTERN)
    public_ip: ipaddress.IPv4Address | None = None
    private_ip: ipaddress.IPv4Address


class HostOutput(_Model):
    """One instance, as the stack exports it."""

    name: str = Field(pattern=HOST_PATTERN)
    dept: str = Field(pattern=ID_PATTERN)  # a department id, or "shared"
    zone: Literal["dmz", "extranet", "business", "data", "management"]
    ip: ipaddress.IPv4Address
    subnet: str = Field(pattern=SUBNET_PATTERN)
    az: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")


class InventoryOutput(_Model):
    """``outputs["inventory"]`` of a govsec landing-zone stack."""

    bastion: BastionOutput | None = None
    mlps_level: Literal[2, 3]
    hosts: list[HostOutput] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique(self) -> InventoryOutput:
        seen: set[str] = set()
        for index, host in enumerate(self.hosts):
            if host.name in seen:
                raise ValueError(f"hosts[{index}].name: {host.name!r} appears twice")
            seen.add(host.name)
        return self


class StackOutputs(BaseModel):
    """``pulumi stack output --json``: other outputs are ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    inventory: InventoryOutput


@dataclass(frozen=True)
class Built:
    """An inventory ready to write, and what it holds."""

    data: dict[str, Any]
    hosts: int
    groups: list[str]
    bastion: str | None


def read_outputs(path: Path, text: str | None = None) -> InventoryOutput:
    """Read and validate ``pulumi stack output --json`` from ``path`` (or ``text`` read from it).

    Raises:
        InventoryError: naming the file and the JSON path of the first problem.
    """
    if text is None:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InventoryError(f"{path}: cannot read: {exc}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InventoryError(
            f"{path}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}",
            "expected the output of `pulumi stack output --json`",
        ) from exc
    if not isinstance(data, dict):
        raise InventoryError(
            f"{path}: (top level): expected a JSON object of stack outputs",
            "expected the output of `pulumi stack output --json`",
        )
    try:
        return StackOutputs.model_validate(data).inventory
    except ValidationError as exc:
        error = exc.errors()[0]
        where = field_path(error["loc"])
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] == "missing":
            message = "required field missing"
        elif error["type"] == "extra_forbidden":
            message = "unknown field"
        elif error["type"] == "string_pattern_mismatch":
            message = f"expected a name matching {error['ctx']['pattern']} (got {error['input']!r})"
        elif message.startswith("Input should be"):
            message = "expected" + message.removeprefix("Input should be")
        raise InventoryError(
            f"{path}: {where}: {message}",
            "the shape govsec expects is in docs/infra-topology.md (stack outputs)",
        ) from None


def group_name(*parts: str) -> str:
    """An Ansible group name: ``-`` is not allowed there, so ``dept-001`` → ``dept_001``."""
    return "_".join(part.replace("-", "_") for part in parts)


def build_inventory(inventory: InventoryOutput) -> Built:
    """The Ansible YAML inventory of ``inventory``: groups per department, zone, and both."""
    jump: list[str] = []
    bastion = inventory.bastion
    if bastion is not None:
        address = bastion.public_ip or bastion.private_ip
        jump_arg = shlex.quote(f"ProxyJump={address}")
        jump = [f"-o {jump_arg}"]
    groups: dict[str, dict[str, Any]] = {}
    parents: dict[str, set[str]] = {}

    def host_vars(host: HostOutput) -> dict[str, Any]:
        values: dict[str, Any] = {
            "ansible_host": str(host.ip),
            "govsec_dept": host.dept,
            "govsec_zone": host.zone,
            "govsec_subnet": host.subnet,
            "govsec_az": host.az,
            "mlps_level": inventory.mlps_level,
        }
        if jump and (bastion is None or host.name != bastion.name):
            values["ansible_ssh_common_args"] = " ".join(jump)
        return values

    def add(host: HostOutput, values: dict[str, Any]) -> None:
        leaf = group_name(host.dept, host.zone)
        groups.setdefault(leaf, {"hosts": {}})["hosts"][host.name] = values
        parents.setdefault(group_name("dept", host.dept), set()).add(leaf)
        parents.setdefault(group_name("zone", host.zone), set()).add(leaf)

    for host in inventory.hosts:
        if bastion is None or host.name != bastion.name:
            add(host, host_vars(host))
    if bastion is not None:
        # the bastion is reached directly, on its public address when it has one
        listed = next((h for h in inventory.hosts if h.name == bastion.name), None)
        host = listed or HostOutput.model_construct(
            name=bastion.name, dept=SHARED, zone="management", ip=bastion.private_ip,
            subnet="", az="",
        )  # fmt: skip
        values = host_vars(host)
        values["ansible_host"] = str(bastion.public_ip or bastion.private_ip)
        values["govsec_private_ip"] = str(bastion.private_ip)
        if listed is None:
            del values["govsec_subnet"], values["govsec_az"]
        add(host, values)
        groups[BASTION_GROUP] = {"hosts": {bastion.name: {}}}
    clash = sorted(set(groups) & set(parents))
    if clash:
        raise InventoryError(
            f"group {clash[0]!r} would be both a department/zone group and a host group",
            "rename the department whose id makes the clash (e.g. a department called 'zone')",
        )
    children: dict[str, Any] = {
        name: {"children": {leaf: {} for leaf in sorted(leaves)}}
        for name, leaves in sorted(parents.items())
    }
    children.update(dict(sorted(groups.items())))
    data = {"all": {"vars": {"mlps_level": inventory.mlps_level}, "children": children}}
    names = {h.name for h in inventory.hosts} | ({bastion.name} if bastion else set())
    return Built(data, len(names), sorted(children), bastion.name if bastion else None)


def render(built: Built, source: str) -> str:
    """The inventory file's text, with a header saying where it came from."""
    header = (
        f"# Generated by `govsec inventory from-stack` from {source}: do not edit by hand,\n"
        "# re-run it after `pulumi up`. Groups: dept_<dept>, zone_<zone>, <dept>_<zone>.\n"
    )
    body = yaml.safe_dump(built.data, sort_keys=False, allow_unicode=True, width=1000)
    return header + body


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` in one step: a reader sees the old file or the new, never half.

    Raises:
        InventoryError: the folder cannot be created or written.
    """
    try:
        files.write_atomic(path, text)
    except OSError as exc:
        raise InventoryError(f"{path}: cannot write: {exc.strerror or exc}") from exc
