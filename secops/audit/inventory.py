"""Audit targets from an Ansible inventory, read with Ansible's own inventory code.

Using Ansible's parser means every inventory an ops engineer already has works as it is: INI
or YAML, group_vars, host patterns for ``--limit``. Only connection variables are read; their
values are data for paramiko, never shell.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from secops.errors import GovsecError


class InventoryError(GovsecError):
    """An inventory that cannot be read, or a --limit that matches nothing."""


@dataclass(frozen=True)
class Target:
    """One host to audit and how to reach it."""

    name: str  # inventory name: data, possibly hostile, never a path or shell word
    address: str
    port: int
    user: str
    key_file: Path | None
    known_hosts: tuple[Path, ...]
    become: bool  # collect through `sudo -n` when the login user is not root


DEFAULT_KNOWN_HOSTS = (Path("~/.ssh/known_hosts").expanduser(),)


def load_targets(inventory: Path, limit: str | None = None) -> list[Target]:
    """The hosts of ``inventory`` matching ``limit`` (an Ansible host pattern)."""
    if not inventory.exists():
        raise InventoryError(f"{inventory}: no such inventory")
    # imported here: Ansible's modules take a quarter second to load, the local audit needs none
    from ansible.errors import AnsibleError
    from ansible.inventory.manager import InventoryManager
    from ansible.parsing.dataloader import DataLoader
    from ansible.template import Templar
    from ansible.vars.manager import VariableManager

    loader = DataLoader()
    try:
        manager = InventoryManager(loader=loader, sources=[str(inventory)])
        variables = VariableManager(loader=loader, inventory=manager)
        hosts = manager.get_hosts(pattern=limit or "all")
    except AnsibleError as exc:
        raise InventoryError(f"{inventory}: {exc}") from exc
    if not manager.hosts:
        raise InventoryError(f"{inventory}: no hosts (expected an Ansible INI or YAML inventory)")
    if not hosts:
        raise InventoryError(f"{inventory}: --limit {limit!r} matches no host")
    targets = []
    for host in hosts:
        found = variables.get_vars(host=host)
        templar = Templar(loader=loader, variables=found)
        targets.append(_target(host.name, found, templar, inventory))
    return targets


def _target(name: str, found: dict[str, Any], templar: Any, inventory: Path) -> Target:
    def value(key: str, default: str = "") -> str:
        raw = found.get(key, default)
        if isinstance(raw, str) and "{{" in raw:
            raw = templar.template(raw)
        return str(raw) if raw is not None else default

    address = value("ansible_host") or name
    port_text = value("ansible_port", "22") or "22"
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise InventoryError(
            f"{inventory}: host {name!r}: ansible_port: expected 1-65535, got {port_text!r}"
        )
    user = value("ansible_user") or "root"
    key = value("ansible_ssh_private_key_file") or value("ansible_private_key_file")
    known = _known_hosts(value("ansible_ssh_common_args") + " " + value("ansible_ssh_extra_args"))
    explicit = value("govsec_known_hosts")
    if explicit:
        known = (Path(explicit).expanduser(), *known)
    return Target(
        name=name,
        address=address,
        port=int(port_text),
        user=user,
        key_file=Path(key).expanduser() if key else None,
        known_hosts=known or DEFAULT_KNOWN_HOSTS,
        become=user != "root",
    )


def _known_hosts(ssh_args: str) -> tuple[Path, ...]:
    """UserKnownHostsFile values named in ssh arguments (``-o UserKnownHostsFile=…``)."""
    try:
        words = shlex.split(ssh_args)
    except ValueError:
        return ()
    found: list[Path] = []
    for word in words:
        key, sep, rest = word.partition("=")
        if sep and key.strip().lower() == "userknownhostsfile":
            found += [Path(p).expanduser() for p in rest.split() if p != "/dev/null"]
    return tuple(found)
