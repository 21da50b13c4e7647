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
    Unjudged,
    as_int,
    debian_family,
    ev,
    evaluator,
    installed,
    listener,
    listing,
    na,
    rng,
    sshd_choice,
    sshd_settings,
    verdict,
)
from secops.audit.facts import Facts
from secops.audit.messages import Msg, each, either, msg


@evaluator
def unneeded_services_disabled(facts: Facts, params: Params) -> Outcome:
    services = facts.services()
    states = {
        (True, True): msg("svc.enabled_and_running"),
        (True, False): msg("svc.enabled"),
        (False, True): msg("svc.running"),
    }
    active: list[str | Msg] = [
        msg("ac.who_why", who=s.name, why=states[bool(s.enabled), bool(s.running)])
        for name in params["services"]
        if (s := services.get(name)) and (s.enabled or s.running)
    ]
    seen = listing(active) if active else msg("ip.none_active")
    return verdict(
        not active,
        [ev(seen, msg("src.services"), msg("ip.no_unneeded"))],
        msg("ip.unneeded_active"),
    )


def exposed(address: str) -> bool:
    return not address.startswith(("127.", "::1", "localhost", "::ffff:127."))


@evaluator
def high_risk_ports_closed(facts: Facts, params: Params) -> Outcome:
    ports = {int(p) for p in params["ports"]}
    open_: list[str | Msg] = [
        listener(f"{s.proto}/{s.port}", s.address, s.process)
        for s in facts.listening()
        if s.port in ports and exposed(s.address)
    ]
    seen = listing(open_) if open_ else msg("ip.none_exposed")
    return verdict(
        not open_,
        [ev(seen, "ss -tuln", msg("ip.ports_closed", ports=[str(p) for p in sorted(ports)]))],
        msg("ip.ports_open"),
    )


@evaluator
def sshd_access_limited(facts: Facts, params: Params) -> Outcome:
    """sshd admits only named users or groups (AllowUsers / AllowGroups), live and configured."""
    both = sshd_settings(facts)
    if both is None:
        return na(msg("sshd_absent"))
    evidence, ok = [], True
    for settings, where in zip(both, ("sshd -T", SSHD_CONFIG), strict=True):
        found = [f"{k} {settings[k].value}" for k in ("allowusers", "allowgroups") if k in settings]
        source = next(
            (settings[k].source for k in ("allowusers", "allowgroups") if k in settings), where
        )
        seen = listing(found) or msg("ip.everybody")
        evidence.append(ev(seen, source, either(["AllowUsers", "AllowGroups"])))
        ok = ok and bool(found)
    return verdict(ok, evidence, msg("ip.anyone_ssh"))


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
        return na(msg("ip.apt_only"))
    section = facts.section("cmd:security_index")
    if section is not None and section.rc == 1:
        found = ev(msg("ip.no_security_repo"), "/var/lib/apt/lists", msg("ip.security_fetched"))
        return verdict(False, [found], msg("ip.no_security_updates"))
    if not facts.packages():
        raise Unjudged("cmd:packages", msg("ip.no_packages"))
    pending = facts.pending_security_updates()
    limit = int(params.get("max", 0))
    shown = [f"{u.package} {u.installed} -> {u.available}" for u in pending]
    seen = (
        msg("ip.pending", count=len(pending), items=listing(shown))
        if pending
        else msg("ip.none_pending")
    )
    return verdict(
        len(pending) <= limit,
        [ev(seen, msg("ip.apt_security"), msg("ip.at_most_pending", limit=limit))],
        msg("ip.updates_pending"),
    )


@evaluator
def package_index_fresh(facts: Facts, params: Params) -> Outcome:
    """apt fetched its lists recently, so the pending-update check sees current advisories."""
    if not debian_family(facts):
        return na(msg("ip.apt_lists_debian"))
    section = facts.section("cmd:apt_lists")
    lists = [] if section is not None and section.rc == 1 else facts.apt_lists()  # 1: no list
    security = [entry for entry in lists if "security" in entry[1]] or lists
    want = rng(params, high="max_days")
    expected = msg("ip.age_days", want=want.said())
    if not security:
        seen = msg("ip.never_fetched")
        return verdict(
            False, [ev(seen, "/var/lib/apt/lists", expected)], msg("ip.never_fetched_lists")
        )
    stamp, path = max(security)
    age = max(facts.now() - stamp, 0) // 86400
    seen = msg("ip.days_old", age=age)
    return verdict(age in want, [ev(seen, path, expected)], msg("ip.stale"))


@evaluator
def sshd_forwarding_disabled(facts: Facts, params: Params) -> Outcome:
    """No TCP, agent or X11 forwarding, no tunnels, no compression: an admin shell only."""
    outcomes = [
        sshd_choice(facts, key, [want], OPENSSH_DEFAULTS.get(key, want))
        for key, want in params["settings"].items()
    ]
    if any(o.status == "na" for o in outcomes):
        return outcomes[0]
    failed = [o.message for o in outcomes if o.status != "pass" and o.message is not None]
    evidence = [e for o in outcomes for e in o.evidence]
    return verdict(not failed, evidence, each(failed))


@evaluator
def auto_security_updates(facts: Facts, params: Params) -> Outcome:
    """Security updates install themselves: unattended-upgrades (Debian) or dnf-automatic."""
    packages = msg("src.packages")
    if not debian_family(facts):
        if not installed(facts, params["rpm_packages"]):
            seen = ev(msg("not_installed"), packages, listing(params["rpm_packages"]))
            return verdict(False, [seen], msg("ip.not_installed", name="dnf-automatic"))
        timers = facts.timers()
        on = [t for t in params["rpm_timers"] if timers.get(t.removesuffix(".timer"))]
        seen = ev(listing(on) or msg("ip.no_timer"), "systemctl", listing(params["rpm_timers"]))
        return verdict(bool(on), [seen], msg("ip.dnf_unscheduled"))
    found = installed(facts, params["packages"])
    if not found:
        seen = ev(msg("not_installed"), packages, listing(params["packages"]))
        return verdict(False, [seen], msg("ip.not_installed", name="unattended-upgrades"))
    evidence = [ev(f"{found[0][0]} {found[0][1]}", packages, msg("installed"))]
    periodic = facts.apt_setting("APT::Periodic::Unattended-Upgrade")
    if periodic is None:
        seen = ev(
            msg("ip.unset_never"), "/etc/apt/apt.conf.d", 'APT::Periodic::Unattended-Upgrade "1"'
        )
        evidence.append(seen)
        return verdict(False, evidence, msg("ip.uu_never"))
    days = as_int(periodic.value)
    evidence.append(ev(periodic.value, periodic.source, msg("ip.every_day")))
    return verdict(days is not None and days >= 1, evidence, msg("ip.uu_never"))
