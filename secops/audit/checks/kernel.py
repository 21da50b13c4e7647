"""Kernel and network settings (入侵防范, 剩余信息保护) read through sysctl.

Each evaluator is registered under its check id in
``secops/catalog/checks/kernel.yaml``.
"""

from __future__ import annotations

from secops.audit.checks.base import (
    Outcome,
    Params,
    ev,
    evaluator,
    installed,
    listing,
    na,
    sysctl_check,
    verdict,
)
from secops.audit.facts import Facts, Setting


@evaluator
def sysctl_kptr_restrict(facts: Facts, params: Params) -> Outcome:
    return sysctl_check(facts, ["kernel.kptr_restrict"], params["allowed"])


@evaluator
def sysctl_dmesg_restrict(facts: Facts, params: Params) -> Outcome:
    return sysctl_check(facts, ["kernel.dmesg_restrict"], params["allowed"])


@evaluator
def sysctl_randomize_va_space(facts: Facts, params: Params) -> Outcome:
    return sysctl_check(facts, ["kernel.randomize_va_space"], params["allowed"])


@evaluator
def sysctl_rp_filter(facts: Facts, params: Params) -> Outcome:
    keys = ["net.ipv4.conf.all.rp_filter", "net.ipv4.conf.default.rp_filter"]
    return sysctl_check(facts, keys, params["allowed"])


@evaluator
def sysctl_accept_redirects(facts: Facts, params: Params) -> Outcome:
    keys = [
        f"net.ipv4.conf.{s}.{k}"
        for k in ("accept_redirects", "secure_redirects")
        for s in ("all", "default")
    ] + [f"net.ipv6.conf.{s}.accept_redirects" for s in ("all", "default")]
    return sysctl_check(facts, keys, params["allowed"])


@evaluator
def sysctl_send_redirects(facts: Facts, params: Params) -> Outcome:
    keys = [f"net.ipv4.conf.{s}.send_redirects" for s in ("all", "default")]
    return sysctl_check(facts, keys, params["allowed"])


@evaluator
def sysctl_accept_source_route(facts: Facts, params: Params) -> Outcome:
    keys = [
        f"net.{v}.conf.{s}.accept_source_route"
        for v in ("ipv4", "ipv6")
        for s in ("all", "default")
    ]
    return sysctl_check(facts, keys, params["allowed"])


@evaluator
def sysctl_ip_forward(facts: Facts, params: Params) -> Outcome:
    """No packet forwarding, except on container hosts and routers, which need it."""
    runtimes = installed(facts, params.get("exempt_packages", []))
    if runtimes:
        found = [ev(listing([n for n, _ in runtimes]), "packages", "no container runtime")]
        return na("a container host forwards packets by design", found)
    return sysctl_check(
        facts, ["net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding"], params["allowed"]
    )


@evaluator
def sysctl_tcp_syncookies(facts: Facts, params: Params) -> Outcome:
    return sysctl_check(facts, ["net.ipv4.tcp_syncookies"], params["allowed"])


@evaluator
def unused_kernel_modules_disabled(facts: Facts, params: Params) -> Outcome:
    """Removable storage and rarely used protocols cannot be loaded (modprobe ``install``)."""
    disabled: dict[str, Setting] = {}
    for line in facts.lines(["/etc/modprobe.d/*.conf"]):
        words = line.value.split()
        if len(words) >= 3 and words[0] == "install" and words[2] in MODPROBE_REFUSE:
            disabled.setdefault(words[1].replace("-", "_"), line)
    missing = [m for m in params["modules"] if m.replace("-", "_") not in disabled]
    evidence = [
        ev(disabled[key].value, disabled[key].source, f"install {m} /bin/false")
        for m in params["modules"]
        if (key := m.replace("-", "_")) in disabled
    ]
    if missing:
        evidence.append(ev(listing(missing), "/etc/modprobe.d", "install MODULE /bin/false"))
    return verdict(not missing, evidence, f"loadable on demand: {listing(missing)}")


# what an ``install`` line may run instead of loading the module
MODPROBE_REFUSE = frozenset({"/bin/false", "/usr/bin/false", "/bin/true", "/usr/bin/true"})
