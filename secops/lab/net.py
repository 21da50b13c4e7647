"""The lab's network: one bridge on this machine, one veth per host, no route out.

The machine holds the first address of the lab subnet on the bridge; host N gets the address
``network + 10 + N``. Hosts have no default route, and the bridge does not forward: IPv4
forwarding is off on it and IPv6 is disabled, so even a host that adds a route of its own
reaches nothing but this machine's bridge address and its fellow hosts.
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass
from pathlib import Path

from secops.i18n import t
from secops.lab.proc import LabError, run

SYS_NET = Path("/sys/class/net")
PROC_NET = Path("/proc/sys/net")
HOST_OFFSET = 10
BRIDGE_PREFIX = "gvlab"


@dataclass(frozen=True)
class LabNet:
    """Names and addresses of one lab's network."""

    lab_id: str
    subnet: ipaddress.IPv4Network

    @property
    def bridge(self) -> str:
        return f"{BRIDGE_PREFIX}{self.lab_id}"

    @property
    def gateway(self) -> ipaddress.IPv4Address:
        """This machine's address on the bridge (the package proxy listens here)."""
        return self.subnet.network_address + 1

    @property
    def capacity(self) -> int:
        """How many hosts the subnet holds."""
        return self.subnet.num_addresses - HOST_OFFSET - 2

    def veth(self, index: int) -> str:
        return f"gv{self.lab_id}-{index:02d}"

    def address(self, index: int) -> ipaddress.IPv4Address:
        return self.subnet.network_address + HOST_OFFSET + index

    def veth_prefix(self) -> str:
        return f"gv{self.lab_id}-"


def link_exists(name: str) -> bool:
    return (SYS_NET / name).exists()


def links_of(lab: LabNet) -> list[str]:
    """Every link on this machine that belongs to ``lab``."""
    if not SYS_NET.is_dir():
        return []
    return sorted(
        p.name
        for p in SYS_NET.iterdir()
        if p.name == lab.bridge or p.name.startswith(lab.veth_prefix())
    )


def orphan_bridge(name: str) -> bool:
    """A lab bridge no host is attached to: what a lab whose run was killed leaves behind.

    A lab's hosts hold one end of their veth each; when every host is gone (killed, machine
    restarted) the veths go with their namespaces and the bridge is left with no ports, owned by
    no running lab. A bridge that still has a port belongs to a live lab and is never touched.
    """
    if not name.startswith(BRIDGE_PREFIX):
        return False
    ports = SYS_NET / name / "brif"
    return ports.is_dir() and not any(ports.iterdir())


def check_subnet_free(lab: LabNet) -> list[str]:
    """Refuse a subnet that overlaps any route of this machine not made by this lab.

    Orphaned lab bridges on the subnet (see :func:`orphan_bridge`) are removed instead, and
    their names returned so the caller can say so.
    """
    routes = json.loads(run(["ip", "-j", "-4", "route", "show", "table", "all"]).stdout or "[]")
    reclaimed: list[str] = []
    for route in routes:
        dst = route.get("dst", "")
        dev = route.get("dev", "")
        if dst in ("default", "") or dev == lab.bridge or dev in reclaimed:
            continue
        if route.get("type") in ("broadcast", "local") and route.get("dev") == "lo":
            continue
        try:
            other = ipaddress.IPv4Network(dst if "/" in dst else f"{dst}/32", strict=False)
        except ValueError:
            continue
        if other.overlaps(lab.subnet) and orphan_bridge(dev):
            run(["ip", "link", "del", dev])
            reclaimed.append(dev)
        elif other.overlaps(lab.subnet):
            raise LabError(
                t("lab.subnet_in_use", subnet=lab.subnet, other=other, dev=route.get("dev", "?")),
                t("lab.subnet_in_use.hint"),
            )
    return reclaimed


def create_bridge(lab: LabNet) -> None:
    """The bridge with this machine's lab address, forwarding off."""
    run(["ip", "link", "add", "name", lab.bridge, "type", "bridge"])
    _no_forwarding(lab.bridge)
    run(["ip", "addr", "add", f"{lab.gateway}/{lab.subnet.prefixlen}", "dev", lab.bridge])
    run(["ip", "link", "set", lab.bridge, "up"])


def attach(lab: LabNet, hosts: list[tuple[int, int]]) -> None:
    """Give each (index, init pid) host a veth: ``eth0`` inside, bridged outside."""
    batch = []
    for index, pid in hosts:
        veth = lab.veth(index)
        batch.append(f"link add {veth} type veth peer name eth0 netns {pid}")
    run(["ip", "-batch", "-"], stdin="\n".join(batch) + "\n")
    batch = []
    for index, _ in hosts:
        _no_forwarding(lab.veth(index))
        batch.append(f"link set {lab.veth(index)} master {lab.bridge} up")
    run(["ip", "-batch", "-"], stdin="\n".join(batch) + "\n")
    for index, pid in hosts:
        inside = (
            f"addr add {lab.address(index)}/{lab.subnet.prefixlen} dev eth0\n"
            "link set eth0 up\nlink set lo up\n"
        )
        # -n only: the machine's own ip binary, in the host's network namespace
        run(["nsenter", f"--net=/proc/{pid}/ns/net", "ip", "-batch", "-"], stdin=inside)


def remove(lab: LabNet) -> list[str]:
    """Delete the bridge and any veth of this lab left on the machine; returns what went."""
    gone = []
    for name in links_of(lab):
        if run(["ip", "link", "del", name], check=False).returncode == 0 or not link_exists(name):
            gone.append(name)
    still = links_of(lab)
    if still:
        raise LabError(f"could not remove network links: {', '.join(still)}")
    return gone


def _no_forwarding(link: str) -> None:
    (PROC_NET / "ipv4" / "conf" / link / "forwarding").write_text("0")
    v6 = PROC_NET / "ipv6" / "conf" / link / "disable_ipv6"
    if v6.exists():
        v6.write_text("1")
