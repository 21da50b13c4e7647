"""安全管理中心 (mc.*): sudo logging, time synchronisation.

Each evaluator is registered under its check id in
``secops/catalog/checks/management.yaml``.
"""

from __future__ import annotations

from secops.audit.checks.base import (
    Outcome,
    Params,
    Unjudged,
    ev,
    evaluator,
    lab_note,
    listing,
    na,
    service_state,
    verdict,
)
from secops.audit.facts import Facts, Setting
from secops.audit.messages import msg
from secops.audit.results import Evidence


@evaluator
def sudo_logging(facts: Facts, params: Params) -> Outcome:
    """sudo runs commands on a pseudo-terminal and, where required, logs to its own file."""
    if facts.file("/etc/sudoers") is None:
        return na(msg("sudo_absent"))
    options: dict[str, Setting] = {}
    for setting in facts.sudoers():
        word, _, rest = setting.value.replace("\t", " ").partition(" ")
        if word != "Defaults":
            continue
        for option in (o.strip() for o in rest.split(",")):
            name = option.split("=", 1)[0].strip()
            options[name.lstrip("!")] = Setting(option, setting.source)
    evidence, ok = [], True
    for name in params["require"]:
        found = options.get(name)
        good = found is not None and not found.value.startswith("!")
        evidence.append(
            ev(
                found.value if found else msg("mc.unset_off"),
                found.source if found else "/etc/sudoers",
                f"Defaults {name}",
            )
        )
        ok = ok and good
    return verdict(ok, evidence, msg("mc.sudo_unrecorded"))


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
            ev(listing([s.value for s in sources]), sources[0].source, msg("mc.time_sources")),
            *state,
        ]
        if good:
            if not live:
                evidence.append(lab_note(msg("mc.time_service")))
            return Outcome("pass", evidence)
    if not evidence:
        seen = msg("mc.no_time_source")
        evidence = [ev(seen, ["chrony", "ntp", "timesyncd"], msg("mc.time_sources"))]
    return verdict(False, evidence, msg("mc.not_synchronised_common"))


@evaluator
def time_synchronised(facts: Facts, params: Params) -> Outcome:
    """The clock is synchronised now, as systemd or chronyd reports it."""
    if facts.in_lab:
        return na(msg("mc.lab_clock"))
    timedatectl = facts.section("cmd:timedatectl")
    if timedatectl is not None and timedatectl.rc == 0:
        state = facts.timedatectl().get("NTPSynchronized")
        shown = msg("key_eq", key="NTPSynchronized", value=state or msg("absent"))
        found = ev(shown, "timedatectl show", "NTPSynchronized=yes")
        return verdict(state == "yes", [found], msg("mc.not_synchronised"))
    chrony = facts.section("cmd:chrony_tracking")
    if chrony is not None and chrony.rc == 0:
        leap = facts.chrony_tracking().get("leap_status")
        found = ev(msg("mc.leap", status=leap or msg("absent")), "chronyc tracking", "Normal")
        return verdict(leap == "Normal", [found], msg("mc.chronyd_unsynchronised"))
    if chrony is not None and chrony.rc == 3:
        seen = msg("svc.is_not_running", name="chronyd")
        found = ev(seen, "chronyc tracking", msg("mc.synchronised_daemon"))
        return verdict(False, [found], msg("mc.chronyd_stopped"))
    daemons = sorted({name for _, name, _ in facts.processes() if name in TIME_DAEMONS})
    if not daemons:
        expected = msg("mw.one_of", names=sorted(TIME_DAEMONS))
        found = ev(msg("mc.no_daemon"), "ps", expected)
        return verdict(False, [found], msg("mc.nothing_synchronises"))
    raise Unjudged("cmd:timedatectl", msg("mc.cannot_report", daemon=daemons[0]))


TIME_DAEMONS = frozenset({"chronyd", "ntpd", "ntpsec", "systemd-timesyn", "openntpd"})
