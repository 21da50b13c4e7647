"""入侵防范 (ce.ip.*): minimal installation, services, ports, management sources, updates.

Each evaluator is registered under its check id in
``secops/catalog/checks/intrusion.yaml``.
"""

from __future__ import annotations

import re

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
from secops.audit.facts import FactMissing, Facts, Setting
from secops.audit.results import Evidence


def sshd_config_blocks(facts: Facts) -> list[tuple[str, Setting]]:
    """Every sshd_config line with the Match criteria it sits under ("" outside Match)."""
    out: list[tuple[str, Setting]] = []
    criteria, current = "", ""
    for setting in facts.lines([SSHD_CONFIG, "/etc/ssh/sshd_config.d/*.conf"]):
        path = setting.source.rsplit(":", 1)[0]
        if path != current:  # a Match block ends with its file
            criteria, current = "", path
        word, _, rest = setting.value.replace("\t", " ").partition(" ")
        if word.lower() == "match":
            criteria = "" if rest.strip().lower() == "all" else rest.strip()
            continue
        out.append((criteria, setting))
    return out
















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


def tcp_wrapped(facts: Facts) -> list[Evidence]:
    """hosts.allow naming sshd clients, with hosts.deny refusing everybody else."""
    deny = [
        s
        for s in facts.lines(["/etc/hosts.deny"])
        if re.match(r"^(ALL|sshd)\s*:\s*ALL\b", s.value, re.IGNORECASE)
    ]
    allow = [
        s
        for s in facts.lines(["/etc/hosts.allow"])
        if re.match(r"^(ALL|sshd)\s*:\s*(?!ALL\b)\S", s.value, re.IGNORECASE)
    ]
    if not deny or not allow:
        return []
    return [
        ev(allow[0].value, allow[0].source, "sshd clients by address (libwrap)"),
        ev(deny[0].value, deny[0].source, "everything else denied"),
    ]


@evaluator
def mgmt_source_restricted(facts: Facts, params: Params) -> Outcome:
    """SSH accepted only from given addresses: user@address, Match Address, libwrap or nft."""
    both = sshd_settings(facts)
    if both is None:
        return na("sshd is not installed")
    live, _ = both
    found: list[Evidence] = []
    users = live.get("allowusers")
    if users and any("@" in u for u in users.value.split()):
        found.append(ev(f"AllowUsers {users.value}", "sshd -T", "user@address patterns"))
    for criteria, setting in sshd_config_blocks(facts):
        limits = setting.value.split()[0].lower() in (
            "allowusers",
            "allowgroups",
            "denyusers",
            "denygroups",
        )
        if "address" in criteria.lower() and limits:
            found.append(ev(f"Match {criteria}: {setting.value}", setting.source, "Match Address"))
    found += tcp_wrapped(facts)
    ports = (live.get("port") or Setting("22", "")).value.split()
    try:
        rules = facts.nft_ruleset()
    except FactMissing:
        if not found:
            raise  # the firewall might be the restriction: cannot judge without it
        rules = None
    for line in rules or []:
        words = line.replace(",", " ").replace("{", " ").replace("}", " ").split()
        if "saddr" in words and "dport" in words and any(p in words for p in (*ports, "ssh")):
            found.append(ev(line, "nft list ruleset", "SSH accepted from given sources"))
    none = ev(
        "no address restriction",
        "sshd_config, hosts.allow, nftables",
        "management access limited to given addresses",
    )
    return verdict(bool(found), found or [none], "SSH is open to every address")


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
