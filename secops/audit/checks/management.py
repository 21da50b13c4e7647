"""安全管理中心 (mc.*): sudo logging, time synchronisation.

Each evaluator is registered under its check id in
``secops/catalog/checks/management.yaml``.
"""

from __future__ import annotations

from secops.audit.checks.base import (
    Outcome,
    Params,
    ev,
    evaluator,
    lab_note,
    listing,
    na,
    service_state,
    verdict,
)
from secops.audit.facts import FactMissing, Facts, Setting
from secops.audit.results import Evidence


@evaluator
def sudo_logging(facts: Facts, params: Params) -> Outcome:
    """sudo runs commands on a pseudo-terminal and, where required, logs to its own file."""
    if facts.file("/etc/sudoers") is None:
        return na("sudo is not installed")
    options: dict[str, Setting] = {}
    for setting in facts.sudoers():
        word, _, rest = setting.value.replace("\t", " ").partition(" ")
        if word != "Defaults":
            continue
        for option in (o.strip() for o in rest.split(",")):
            name = option.split("=", 1)[0].strip()
            options[name.lstrip("!")] = Setting(
                "off" if name.startswith("!") else option, setting.source
            )
    evidence, ok = [], True
    for name in params["require"]:
        found = options.get(name)
        good = found is not None and found.value != "off"
        evidence.append(
            ev(
                found.value if found else "(not set: off)",
                found.source if found else "/etc/sudoers",
                f"Defaults {name}",
            )
        )
        ok = ok and good
    return verdict(ok, evidence, "sudo sessions are not recorded as required")


TIME_SERVICES = {
    "chrony": ("chrony", "chronyd"),
    "ntp": ("ntp", "ntpsec", "ntpd"),
    "systemd-timesyncd": ("systemd-timesyncd",),
}


def time_sources(facts: Facts) -> dict[str, list[Setting]]:
    """Configured time sources per daemon."""
    ntp_setting = facts.timesyncd_conf().get("NTP")
    return {
        "chrony": facts.chrony_sources(),
        "ntp": facts.ntp_sources(),
        "systemd-timesyncd": [ntp_setting] if ntp_setting and ntp_setting.value else [],
    }


@evaluator
def time_sync_configured(facts: Facts, params: Params) -> Outcome:
    """A time daemon with explicit sources, enabled and running (lab hosts: configured only)."""
    live = not facts.in_lab
    evidence: list[Evidence] = []
    for daemon, sources in time_sources(facts).items():
        if not sources:
            continue
        good, state = service_state(facts, TIME_SERVICES[daemon], live=live)
        evidence += [
            ev(listing([s.value for s in sources]), sources[0].source, "time sources"),
            *state,
        ]
        if good:
            if not live:
                evidence.append(lab_note("time service"))
            return Outcome("pass", evidence)
    if not evidence:
        evidence = [ev("no time source configured", "chrony, ntp, timesyncd", "time sources")]
    return verdict(False, evidence, "the clock is not synchronised with a common source")


@evaluator
def time_synchronised(facts: Facts, params: Params) -> Outcome:
    """The clock is synchronised now, as systemd or chronyd reports it."""
    if facts.in_lab:
        return na("a lab host's clock is the machine's")
    timedatectl = facts.section("cmd:timedatectl")
    if timedatectl is not None and timedatectl.rc == 0:
        state = facts.timedatectl().get("NTPSynchronized", "(absent)")
        found = ev(f"NTPSynchronized={state}", "timedatectl show", "NTPSynchronized=yes")
        return verdict(state == "yes", [found], "the clock is not synchronised")
    chrony = facts.section("cmd:chrony_tracking")
    if chrony is not None and chrony.rc == 0:
        leap = facts.chrony_tracking().get("leap_status", "(absent)")
        found = ev(f"leap status {leap}", "chronyc tracking", "Normal")
        return verdict(leap == "Normal", [found], "chronyd is not synchronised")
    if chrony is not None and chrony.rc == 3:
        found = ev("chronyd not running", "chronyc tracking", "a synchronised time daemon")
        return verdict(False, [found], "chronyd is installed but not running")
    daemons = sorted({name for _, name, _ in facts.processes() if name in TIME_DAEMONS})
    if not daemons:
        found = ev("no time daemon running", "ps", f"one of {', '.join(sorted(TIME_DAEMONS))}")
        return verdict(False, [found], "nothing keeps the clock synchronised")
    raise FactMissing("cmd:timedatectl", f"{daemons[0]} runs but cannot report its state here")


TIME_DAEMONS = frozenset({"chronyd", "ntpd", "ntpsec", "systemd-timesyn", "openntpd"})
