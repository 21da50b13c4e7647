"""Kernel messages: segfaults and traps, module loads that taint, firewall log lines,
OOM kills, promiscuous mode; ``audit:`` records go to the auditd parser.

Firewall lines are what iptables' LOG and nftables' ``log`` targets write:
``[UFW BLOCK] IN=eth0 OUT= MAC=... SRC=10.0.0.9 DST=10.0.0.1 ... PROTO=TCP SPT=5555 DPT=22``.
"""

from __future__ import annotations

import re

from secops.ingest.ecs import Fields, address, kind, to_int

DATASET = "kernel"

_UPTIME = re.compile(r"\[\s*\d+\.\d+\] ")
_SEGFAULT = re.compile(
    r"(\S+?)\[(\d+)\]: segfault at (\w+) ip (\w+) sp (\w+) error (\w+)(?: in (\S+?)\[)?"
)
_TRAP = re.compile(r"traps: (\S+?)\[(\d+)\] (.+?) ip:\w+ sp:\w+ error:\w+(?: in (\S+?)\[)?")
_MODULE = re.compile(
    r"(\S+): (module verification failed: .*|loading out-of-tree module taints kernel\.?"
    r"|module license '.*' taints kernel\.?|module is from the staging directory.*)$"
)
_OOM = re.compile(r"Out of memory: Kill(?:ed)? process (\d+) \((.*?)\)")
_PROMISC = re.compile(r"device (\S+) (entered|left) promiscuous mode")
# no \S* here: on "IN=IN=IN=..." it would rescan the rest of the line from every match
_FIREWALL = re.compile(r"\bIN=([^\s=]*) OUT=([^\s=]*)(?: |$)")
_FW_KV = re.compile(r"([A-Z]{2,10})=(\S*)")
_DENY = re.compile(r"BLOCK|DROP|DENY|REJECT|INVALID", re.IGNORECASE)
_ALLOW = re.compile(r"ALLOW|ACCEPT|AUDIT|LIMIT", re.IGNORECASE)


def strip_uptime(message: str) -> str:
    """The message without the ``[ 12.345678] `` uptime stamp dmesg-style lines carry."""
    m = _UPTIME.match(message)
    return message if m is None else message[m.end() :]


def parse(message: str, subsystem: str | None = None) -> Fields | None:
    """ECS fields for a kernel message, or None."""
    message = strip_uptime(message)
    if (m := _SEGFAULT.match(message)) is not None:
        name, pid, addr, ip, _sp, error, where = m.groups()
        return kind("process", "end", "segfault", "failure") | {
            "process.name": name,
            "process.pid": to_int(pid),
            "kernel.fault.address": addr,
            "kernel.fault.ip": ip,
            "kernel.fault.error": error,
            "kernel.fault.object": where,
        }
    if (m := _TRAP.match(message)) is not None:
        name, pid, trap, where = m.groups()
        return kind("process", "end", "trap", "failure") | {
            "process.name": name,
            "process.pid": to_int(pid),
            "kernel.fault.trap": trap,
            "kernel.fault.object": where,
        }
    if (m := _MODULE.match(message)) is not None:
        action = "module_unsigned" if "verification" in m.group(2) else "module_tainted"
        return kind("driver", "info", action) | {"kernel.module": m.group(1)}
    return _other(message)


def _other(message: str) -> Fields | None:
    if (m := _OOM.match(message)) is not None:
        return kind("process", "end", "oom_kill") | {
            "process.pid": to_int(m.group(1)),
            "process.name": m.group(2),
        }
    if (m := _PROMISC.match(message)) is not None:
        return kind("network", "change", f"promiscuous_{m.group(2)}") | {
            "observer.ingress.interface.name": m.group(1)
        }
    if (m := _FIREWALL.search(message)) is not None:
        return _firewall(message[: m.start()].strip(), message[m.start() :])
    return None


def _firewall(prefix: str, rest: str) -> Fields:
    values = dict(_FW_KV.findall(rest))
    verdict = "denied" if _DENY.search(prefix) else "allowed" if _ALLOW.search(prefix) else "info"
    proto = values.get("PROTO")
    fields = kind("network", f"connection {verdict}", "firewall_" + verdict)
    fields |= address("source", values.get("SRC"), values.get("SPT"))
    fields |= address("destination", values.get("DST"), values.get("DPT"))
    return fields | {
        "rule.name": prefix.strip("[]: ") or None,
        "network.transport": proto.lower() if proto and not proto.isdigit() else None,
        "network.iana_number": proto if proto and proto.isdigit() else None,
        "observer.ingress.interface.name": values.get("IN") or None,
        "observer.egress.interface.name": values.get("OUT") or None,
        "kernel.firewall": values,
    }
