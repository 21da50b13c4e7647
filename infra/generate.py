"""Generate a valid topology of N departments, for benches and scale tests.

Every department gets a slice of each class a department may hold (``business``, ``data``,
``extranet``), so with the shared ``dmz``, ``extranet`` edge and ``management`` zones the
topology covers all five zone classes; "50 departments x 5 zones" means 50 departments in a
topology of the five classes, i.e. 50 x 3 department zones + 3 shared zones (+ the hub).

Address plan: department ``i`` (0-based) owns the ``/18`` number ``i`` of 10.0.0.0/8
(business, data and extranet ``/20`` s inside it, two ``/24`` subnets each across two
availability zones); the shared zones sit at 10.250-10.255, so up to 1000 departments fit.

Usage: ``python -m infra.generate 50 -o /tmp/topology-50.yaml [--cloud openstack]``.
"""

from __future__ import annotations

import argparse
import ipaddress
import sys
from pathlib import Path
from typing import Any

import yaml

from infra.topology import parse

MAX_DEPARTMENTS = 1000  # /18 number 1000 is 10.250.0.0, where the shared zones begin
_BASE = int(ipaddress.IPv4Address("10.0.0.0"))
_SLICE = 1 << 14  # a /18
_CLASS_OFFSETS = {"business": 0, "data": 1, "extranet": 2}  # /20 number within the /18
_PORTS = {"business": 8443, "data": 3306, "extranet": 443}

CLOUDS: dict[str, tuple[str, list[str]]] = {
    "alicloud": ("cn-hangzhou", ["cn-hangzhou-h", "cn-hangzhou-i"]),
    "openstack": ("RegionOne", ["az-1", "az-2"]),
}


def _net(offset: int, prefix: int) -> str:
    return f"{ipaddress.IPv4Address(_BASE + offset)}/{prefix}"


def _zone(dept_index: int, dept_id: str, zone_class: str, azs: list[str]) -> dict[str, Any]:
    start = dept_index * _SLICE + _CLASS_OFFSETS[zone_class] * 4096
    subnets = [
        {"name": f"s{n}", "cidr": _net(start + n * 256, 24), "az": azs[n % len(azs)]}
        for n in range(2)
    ]
    host = {
        "name": f"{dept_id}-{zone_class}-1",
        "subnet": "s0",
        "ip": str(ipaddress.IPv4Address(_BASE + start + 10)),
    }
    return {"cidr": _net(start, 20), "subnets": subnets, "hosts": [host]}


def _department(index: int, azs: list[str]) -> dict[str, Any]:
    dept_id = f"dept-{index + 1:03d}"
    return {
        "id": dept_id,
        "title": f"部门 {index + 1:03d}",
        "owner": f"{dept_id}-it",
        "zones": {cls: _zone(index, dept_id, cls, azs) for cls in _CLASS_OFFSETS},
    }


def _flows(dept_ids: list[str]) -> list[dict[str, Any]]:
    flows: list[dict[str, Any]] = [
        {"from": "internet", "to": "dmz", "protocol": "tcp", "ports": [443]},
        {"from": "management", "to": "*", "protocol": "tcp", "ports": [22]},
        {"from": "*", "to": "management", "protocol": "tcp", "ports": [514]},
    ]
    for i, dept in enumerate(dept_ids):
        flows += [
            {"from": "dmz", "to": f"{dept}.business", "protocol": "tcp", "ports": [443]},
            {"from": f"{dept}.business", "to": f"{dept}.data", "protocol": "tcp", "ports": [3306]},
            {"from": "extranet", "to": f"{dept}.extranet", "protocol": "tcp", "ports": [443]},
            {
                "from": f"{dept}.extranet",
                "to": f"{dept}.business",
                "protocol": "tcp",
                "ports": [_PORTS["business"]],
            },
        ]
        if len(dept_ids) > 1:  # a ring of cross-department API calls
            peer = dept_ids[(i + 1) % len(dept_ids)]
            flows.append(
                {
                    "from": f"{dept}.business",
                    "to": f"{peer}.business",
                    "protocol": "tcp",
                    "ports": [_PORTS["business"]],
                }
            )
    return flows


def _shared(cidr: str, azs: list[str], **extra: Any) -> dict[str, Any]:
    net = ipaddress.IPv4Network(cidr)
    subnets = [
        {"name": f"s{n}", "cidr": str(list(net.subnets(new_prefix=24))[n]), "az": azs[n % len(azs)]}
        for n in range(2)
    ]
    return {"cidr": cidr, "subnets": subnets, **extra}


def generate(departments: int, *, cloud: str = "alicloud") -> dict[str, Any]:
    """A valid topology (as YAML-ready data) of ``departments`` departments on ``cloud``.

    Raises:
        ValueError: ``departments`` outside 1..1000 or an unknown cloud.
    """
    if not 1 <= departments <= MAX_DEPARTMENTS:
        raise ValueError(f"departments: expected 1 to {MAX_DEPARTMENTS}, got {departments}")
    if cloud not in CLOUDS:
        raise ValueError(f"cloud: expected one of {', '.join(CLOUDS)}, got {cloud!r}")
    region, azs = CLOUDS[cloud]
    depts = [_department(i, azs) for i in range(departments)]
    dmz = _shared("10.250.0.0/20", azs, public_ingress=[{"port": 443, "protocol": "tcp"}])
    for subnet in dmz["subnets"]:
        subnet["public"] = True
    return {
        "name": f"generated-{departments}",
        "cloud": cloud,
        "region": region,
        "availability_zones": azs,
        "mlps_level": 3,
        "owner": "provincial-big-data-bureau",
        "tags": {"project": "one-cloud", "generated": "true"},
        "hub": {"cidr": "10.255.0.0/20", "firewall": True},
        "dmz": {**dmz, "nat": True, "firewall": True},
        "extranet": _shared("10.251.0.0/20", azs),
        "management": _shared(
            "10.254.0.0/20",
            azs,
            bastion={"name": "bastion", "allowed_sources": ["203.0.113.0/24"]},
            services=["bastion", "log_audit", "siem", "kms"],
        ),
        "departments": depts,
        "flows": _flows([d["id"] for d in depts]),
        "logging": {"retention_days": 180, "flow_logs": True, "audit_trail": True},
        "keys": {"algorithm": "SM4", "rotation_days": 365},
    }


def dump(data: dict[str, Any]) -> str:
    """``data`` as YAML, Chinese titles kept readable."""
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


def main(argv: list[str] | None = None) -> int:
    """``python -m infra.generate N -o FILE``: write a generated topology (validated first)."""
    parser = argparse.ArgumentParser(prog="python -m infra.generate", description=__doc__)
    parser.add_argument("departments", type=int)
    parser.add_argument("-o", "--output", type=Path, help="the YAML file (default: stdout)")
    parser.add_argument("--cloud", choices=sorted(CLOUDS), default="alicloud")
    args = parser.parse_args(argv)
    try:
        data = generate(args.departments, cloud=args.cloud)
    except ValueError as exc:
        parser.error(str(exc))
    parse(data, source="<generated>")
    text = dump(data)
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
