"""入侵防范 (ce.ip.*): minimal installation, services, ports, management sources, updates.

Each evaluator is registered under its check id in
``secops/catalog/checks/intrusion.yaml``.
"""

from __future__ import annotations

from secops.audit.checks import sshd_access
from secops.audit.checks.base import (
    OPENSSH_DEFAULTS,
    SSHD_CONFIG,
    Outcome,
    Params,
    as_int,
    debian_family,
    ev,
    evaluator,
    installed,
    listing,
    na,
    rng,
    sshd_choice,
    sshd_settings,
    verdict,
)
from secops.audit.facts import FactMissing, Facts


@evaluator
def unneeded_services_disabled(facts: Facts, params: Params) -> Outcome:
    services = facts.services()
    active = [
        f"{s.name} ({'enabled' if s.enabled else ''}{' running' if s.running else ''})"
        for name in params["services"]
        if (s := services.get(name)) and (s.enabled or s.running)
    ]
    seen = listing(active) if active else "none enabled or running"
    return verdict(
        not active,
        [ev(seen, "services", "none of the unneeded services")],
        "unneeded services are enabled or running",
    )


def exposed(address: str) -> bool:
    return not address.startswith(("127.", "::1", "localhost", "::ffff:127."))


@evaluator
def high_risk_ports_closed(facts: Facts, params: Params) -> Outcome:
    ports = {int(p) for p in params["ports"]}
    open_ = [
        f"{s.proto}/{s.port} on {s.address}" + (f" ({s.process})" if s.process else "")
        for s in facts.listening()
        if s.port in ports and exposed(s.address)
    ]
    seen = listing(open_) if open_ else "none exposed"
    return verdict(
        not open_,
        [ev(seen, "ss -tuln", f"none of {sorted(ports)} exposed")],
        "high-risk ports are open to the network",
    )


@evaluator
def sshd_access_limited(facts: Facts, params: Params) -> Outcome:
    """sshd admits only named users or groups (AllowUsers / AllowGroups), live and configured."""
    both = sshd_settings(facts)
    if both is None:
        return na("sshd is not installed")
    evidence, ok = [], True
    for settings, where in zip(both, ("sshd -T", SSHD_CONFIG), strict=True):
        found = [f"{k} {settings[k].value}" for k in ("allowusers", "allowgroups") if k in settings]
        source = next(
            (settings[k].source for k in ("allowusers", "allowgroups") if k in settings), where
        )
        evidence.append(
            ev(listing(found) or "(not set: everybody)", source, "AllowUsers or AllowGroups")
        )
        ok = ok and bool(found)
    return verdict(ok, evidence, "any account may log in over SSH")


@evaluator
def mgmt_source_restricted(facts: Facts, params: Params) -> Outcome:
    """The sources that can reach sshd (firewall) AND log in (sshd) are management networks.

    Ban sets and reject rules only remove addresses: they never make an allow-list. The
    rules are in :mod:`secops.audit.checks.sshd_access`.
    """
    return sshd_access.mgmt_outcome(facts, params)


@evaluator
def host_firewall_default_deny(facts: Facts, params: Params) -> Outcome:
    """A new inbound connection to a port no rule names is dropped, from every source."""
    return sshd_access.firewall_outcome(facts, params)


@evaluator
def security_updates_applied(facts: Facts, params: Params) -> Outcome:
    """No security update published for an installed package is left pending (Debian family)."""
    if not debian_family(facts):
        return na("pending security updates are read from apt's lists (Debian family only)")
    section = facts.section("cmd:security_index")
    if section is not None and section.rc == 1:
        found = ev(
            "no security repository in apt's lists",
            "/var/lib/apt/lists",
            "a security source fetched",
        )
        return verdict(False, [found], "the host does not receive security updates")
    if not facts.packages():
        raise FactMissing("cmd:packages", "no installed package could be read")
    pending = facts.pending_security_updates()
    limit = int(params.get("max", 0))
    shown = [f"{u.package} {u.installed} -> {u.available}" for u in pending]
    seen = f"{len(pending)} pending: {listing(shown)}" if pending else "0 pending"
    return verdict(
        len(pending) <= limit,
        [ev(seen, "apt lists (security)", f"<= {limit} pending")],
        "security updates are pending",
    )


@evaluator
def package_index_fresh(facts: Facts, params: Params) -> Outcome:
    """apt fetched its lists recently, so the pending-update check sees current advisories."""
    if not debian_family(facts):
        return na("apt's lists exist on Debian-family hosts only")
    section = facts.section("cmd:apt_lists")
    lists = [] if section is not None and section.rc == 1 else facts.apt_lists()  # 1: no list
    security = [entry for entry in lists if "security" in entry[1]] or lists
    want = rng(params, high="max_days")
    if not security:
        return verdict(
            False,
            [ev("never fetched", "/var/lib/apt/lists", f"age {want} days")],
            "apt has never fetched its lists",
        )
    stamp, path = max(security)
    age = max(facts.now() - stamp, 0) // 86400
    return verdict(
        age in want, [ev(f"{age} days old", path, f"age {want} days")], "apt's lists are stale"
    )


@evaluator
def sshd_forwarding_disabled(facts: Facts, params: Params) -> Outcome:
    """No TCP, agent or X11 forwarding, no tunnels, no compression: an admin shell only."""
    outcomes = [
        sshd_choice(facts, key, [want], OPENSSH_DEFAULTS.get(key, want))
        for key, want in params["settings"].items()
    ]
    if any(o.status == "na" for o in outcomes):
        return outcomes[0]
    failed = [o.message for o in outcomes if o.status != "pass"]
    evidence = [e for o in outcomes for e in o.evidence]
    return verdict(not failed, evidence, "; ".join(failed))


@evaluator
def auto_security_updates(facts: Facts, params: Params) -> Outcome:
    """Security updates install themselves: unattended-upgrades (Debian) or dnf-automatic."""
    if not debian_family(facts):
        if not installed(facts, params["rpm_packages"]):
            seen = ev("not installed", "packages", listing(params["rpm_packages"]))
            return verdict(False, [seen], "dnf-automatic is not installed")
        timers = facts.timers()
        on = [t for t in params["rpm_timers"] if timers.get(t.removesuffix(".timer"))]
        seen = ev(listing(on) or "no timer enabled", "systemctl", listing(params["rpm_timers"]))
        return verdict(bool(on), [seen], "dnf-automatic is not scheduled")
    found = installed(facts, params["packages"])
    if not found:
        seen = ev("not installed", "packages", listing(params["packages"]))
        return verdict(False, [seen], "unattended-upgrades is not installed")
    evidence = [ev(f"{found[0][0]} {found[0][1]}", "packages", "installed")]
    periodic = facts.apt_setting("APT::Periodic::Unattended-Upgrade")
    if periodic is None:
        seen = ev(
            "(not set: never)", "/etc/apt/apt.conf.d", 'APT::Periodic::Unattended-Upgrade "1"'
        )
        evidence.append(seen)
        return verdict(False, evidence, "unattended-upgrades never runs")
    days = as_int(periodic.value)
    evidence.append(ev(periodic.value, periodic.source, "at least every 1 day(s)"))
    return verdict(days is not None and days >= 1, evidence, "unattended-upgrades never runs")
