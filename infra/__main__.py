"""The Pulumi program (``Pulumi.yaml`` points here): stack config -> topology -> landing zone.

Stack config: ``govsec:topology`` (path to a topology file, relative to the repository root),
optional ``govsec:provider`` (defaults to the topology's ``cloud``) and adapter options
``govsec:imageId``, ``govsec:instanceType``, ``govsec:compliancePackTemplateId`` (AliCloud),
``govsec:externalNetworkId``, ``govsec:floatingIpPool``, ``govsec:imageName``,
``govsec:flavorName`` (OpenStack).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pulumi

from infra.program import build
from infra.topology import load

_OPTIONS = {
    "alicloud": {
        "imageId": "image_id",
        "instanceType": "instance_type",
        "compliancePackTemplateId": "compliance_pack_template_id",
    },
    "openstack": {
        "externalNetworkId": "external_network_id",
        "floatingIpPool": "floating_ip_pool",
        "imageName": "image_name",
        "flavorName": "flavor_name",
    },
}


def main() -> None:
    config = pulumi.Config("govsec")
    path = Path(config.require("topology"))
    if not path.is_absolute():
        path = Path(__file__).resolve().parents[1] / path
    topology = load(path, strict=True)
    provider = config.get("provider") or topology.cloud
    options: dict[str, Any] = {}
    for key, arg in _OPTIONS.get(provider, {}).items():
        value = config.get(key)
        if value:
            options[arg] = value
    for name, value in build(topology, provider, **options).items():
        pulumi.export(name, value)


main()
