"""What a lab hands to its users: an Ansible inventory, known_hosts and an ssh_config.

known_hosts is built from the host keys the lab generated, not scanned from the network, so
host-key checking is real from the first connection (no trust on first use).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path

import yaml

from secops.files import write_atomic
from secops.lab.base import ADMIN_USER

HEADER = "# Written by `govsec lab up`; rewritten on every run, removed by `govsec lab down`.\n"


@dataclass(frozen=True)
class InventoryHost:
    name: str
    address: str
    host_key: str  # "ssh-ed25519 AAAA… comment"


@dataclass(frozen=True)
class InventoryFiles:
    inventory: Path
    known_hosts: Path
    ssh_config: Path

    @classmethod
    def beside(cls, inventory: Path) -> InventoryFiles:
        return cls(inventory, inventory.with_name("known_hosts"), inventory.with_name("ssh_config"))

    def all(self) -> tuple[Path, ...]:
        return (self.inventory, self.known_hosts, self.ssh_config)


def write(
    target: InventoryFiles, hosts: list[InventoryHost], key: Path, collector: str = ""
) -> None:
    """Write all three files, each atomically; ``collector`` is the lab's syslog sink."""
    target.inventory.parent.mkdir(parents=True, exist_ok=True)
    known = target.known_hosts.absolute()
    ssh_args = " ".join(
        [
            "-o",
            f"UserKnownHostsFile={shlex.quote(str(known))}",
            "-o",
            "StrictHostKeyChecking=yes",
            "-o",
            "IdentitiesOnly=yes",
        ]
    )
    inventory = {
        "all": {
            "vars": {
                "ansible_user": ADMIN_USER,
                "ansible_ssh_private_key_file": str(key.absolute()),
                "ansible_ssh_common_args": ssh_args,
                "ansible_python_interpreter": "/usr/bin/python3",
                "govsec_lab": True,
                # where hardened lab hosts forward their logs: this machine, on the lab bridge
                **({"mlps_syslog_collector": collector} if collector else {}),
            },
            "children": {
                "lab": {"hosts": {h.name: {"ansible_host": h.address} for h in hosts}},
            },
        }
    }
    write_atomic(target.inventory, HEADER + yaml.safe_dump(inventory, sort_keys=False))
    lines = []
    for host in hosts:
        key_type, key_data = host.host_key.split()[:2]
        lines.append(f"{host.name},{host.address} {key_type} {key_data}\n")
    write_atomic(target.known_hosts, HEADER + "".join(lines))
    blocks = [HEADER.rstrip("\n") + f"\n# Use: ssh -F {target.ssh_config.absolute()} HOST\n"]
    for host in hosts:
        blocks.append(
            f"Host {host.name}\n"
            f"  HostName {host.address}\n"
            f"  User {ADMIN_USER}\n"
            f'  IdentityFile "{key.absolute()}"\n'
            "  IdentitiesOnly yes\n"
            f'  UserKnownHostsFile "{known}"\n'
            "  StrictHostKeyChecking yes\n"
        )
    write_atomic(target.ssh_config, "\n".join(blocks))


def remove(target: InventoryFiles) -> None:
    for path in target.all():
        path.unlink(missing_ok=True)
