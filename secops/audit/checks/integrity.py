"""可信验证 (ce.tv.*): AIDE, the boot loader, package digests.

Each evaluator is registered under its check id in
``secops/catalog/checks/integrity.yaml``.
"""

from __future__ import annotations

from secops.audit.checks.base import (
    Outcome,
    Params,
    debian_family,
    ev,
    evaluator,
    installed,
    listing,
    mode_outcome,
    na,
    verdict,
)
from secops.audit.facts import Facts
from secops.audit.messages import either, msg


@evaluator
def aide_installed(facts: Facts, params: Params) -> Outcome:
    found = installed(facts, params["packages"])
    seen = listing([f"{n} {v}" for n, v in found]) or msg("not_installed")
    return verdict(bool(found), [ev(seen, msg("src.packages"), "aide")], msg("tv.no_checker"))


@evaluator
def aide_database_present(facts: Facts, params: Params) -> Outcome:
    modes = facts.modes()
    paths = [p for p in params["paths"] if p in modes and modes[p].kind.startswith("regular")]
    seen = listing(paths) or msg("tv.no_database")
    return verdict(
        bool(paths),
        [ev(seen, "/var/lib/aide", msg("tv.baseline"))],
        msg("tv.no_baseline"),
    )


@evaluator
def aide_scheduled(facts: Facts, params: Params) -> Outcome:
    """AIDE runs on a schedule: a cron job or an enabled systemd timer."""
    scheduled = msg("tv.scheduled")
    found = [
        ev(msg("tv.runs_aide"), path, scheduled)
        for path in params["cron_files"]
        if "aide" in (facts.file(path) or "").lower()
    ]
    found += [ev(s.value, s.source, scheduled) for s in facts.cron_lines("aide")]
    section = facts.section("cmd:systemctl_timers")
    if section is not None and section.rc == 0:
        found += [
            ev(msg("tv.timer_enabled", timer=f"{t}.timer"), "systemctl", scheduled)
            for t, on in facts.timers().items()
            if on and t in params["timers"]
        ]
    none = ev(msg("tv.no_schedule"), msg("tv.cron_timers"), scheduled)
    return verdict(bool(found), found or [none], msg("tv.never_runs"))


@evaluator
def grub_password(facts: Facts, params: Params) -> Outcome:
    lines = facts.grub_password_lines()
    if lines is None:
        return na(msg("tv.no_grub"))
    found = ev(msg("tv.password_lines", count=lines), "/boot/grub/grub.cfg", msg("tv.superuser"))
    return verdict(lines >= 1, [found], msg("tv.console_boot"))


@evaluator
def grub_cfg_permissions(facts: Facts, params: Params) -> Outcome:
    return mode_outcome(facts, params, ["/boot/grub/grub.cfg", "/boot/grub2/grub.cfg"], "grub.cfg")


@evaluator
def package_files_verified(facts: Facts, params: Params) -> Outcome:
    """Installed files are checked against their packages' digests on a schedule.

    RPM verifies itself (``rpm -Va``); Debian needs debsums, with its cron check on.
    """
    if not debian_family(facts):
        return na(msg("tv.rpm_verifies"))
    found = installed(facts, params["packages"])
    if not found:
        seen = ev(msg("not_installed"), msg("src.packages"), listing(params["packages"]))
        return verdict(False, [seen], msg("tv.nothing_verifies"))
    evidence = [ev(f"{found[0][0]} {found[0][1]}", msg("src.packages"), msg("installed"))]
    setting = facts.key_values(DEBSUMS_DEFAULTS).get("CRON_CHECK")
    value = setting.value.strip().strip("\"'") if setting else "never"
    where = setting.source if setting else DEBSUMS_DEFAULTS
    evidence.append(ev(value, where, either(params["schedules"])))
    return verdict(value in params["schedules"], evidence, msg("tv.debsums_never"))


DEBSUMS_DEFAULTS = "/etc/default/debsums"
