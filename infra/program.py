"""The landing-zone program: a topology and a provider name in, stack outputs out.

Used by the real Pulumi program (``infra/__main__.py``) and by ``infra.plan`` under mocks.
"""

from __future__ import annotations

from typing import Any

from infra.components import LandingZone, LandingZoneArgs
from infra.providers import make
from infra.topology import Topology


def inventory(topology: Topology, bastion: dict[str, Any] | None) -> dict[str, Any]:
    """The ``inventory`` stack output (consumed by ``govsec inventory from-stack``)."""
    hosts = []
    for zone, host in topology.hosts():
        subnet = next(s for s in zone.subnets if s.name == host.subnet)
        hosts.append(
            {
                "name": host.name,
                "dept": zone.dept or "shared",
                "zone": zone.zone_class,
                "ip": str(host.ip),
                "subnet": host.subnet,
                "az": subnet.az,
            }
        )
    return {"bastion": bastion, "mlps_level": int(topology.mlps_level), "hosts": hosts}


def build(topology: Topology, provider: str, **options: Any) -> dict[str, Any]:
    """Create the LandingZone of ``topology`` on ``provider``; return the stack outputs.

    ``options`` go to the provider adapter (e.g. ``image_id``, ``external_network_id``).
    """
    adapter = make(
        provider,
        region=topology.region,
        availability_zones=list(topology.availability_zones),
        **options,
    )
    lz = LandingZone(topology.name, LandingZoneArgs(topology, adapter))
    b = lz.management.bastion
    bastion = (
        {"name": b.name, "public_ip": None, "private_ip": b.private_ip} if b is not None else None
    )
    return {
        "name": topology.name,
        "provider": provider,
        "region": topology.region,
        "mlps_level": int(topology.mlps_level),
        "hub_id": lz.hub.hub.id,
        "public_ip": lz.edge.edge.public_ip if lz.edge.edge else None,
        "zones": {
            ref: {"network_id": parts.net.id, "cidr": str(parts.zone.cidr)}
            for ref, parts in lz.zones.items()
        },
        "not_offered": dict(adapter.not_offered),
        "inventory": inventory(topology, bastion),
    }
