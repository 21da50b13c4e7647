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
from secops.audit.messages import msg


@evaluator
def sysctl_ip_forward(facts: Facts, params: Params) -> Outcome:
    """No packet forwarding, except on container hosts and routers, which need it."""
    runtimes = installed(facts, params.get("exempt_packages", []))
    if runtimes:
        seen = listing([n for n, _ in runtimes])
        found = [ev(seen, msg("src.packages"), msg("kn.no_runtime"))]
        return na(msg("kn.container_host"), found)
    return sysctl_check(
        facts, ["net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding"], params["allowed"]
    )


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
        evidence.append(ev(listing(missing), "/etc/modprobe.d", msg("kn.install_false")))
    return verdict(not missing, evidence, msg("kn.loadable", modules=listing(missing)))


# what an ``install`` line may run instead of loading the module
MODPROBE_REFUSE = frozenset({"/bin/false", "/usr/bin/false", "/bin/true", "/usr/bin/true"})
