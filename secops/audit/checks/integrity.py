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


@evaluator
def aide_installed(facts: Facts, params: Params) -> Outcome:
    found = installed(facts, params["packages"])
    seen = listing([f"{n} {v}" for n, v in found]) or "not installed"
    return verdict(bool(found), [ev(seen, "packages", "aide")], "no file integrity checker")


@evaluator
def aide_database_present(facts: Facts, params: Params) -> Outcome:
    modes = facts.modes()
    paths = [p for p in params["paths"] if p in modes and modes[p].kind.startswith("regular")]
    seen = listing(paths) or "no database"
    return verdict(
        bool(paths),
        [ev(seen, "/var/lib/aide", "an AIDE baseline database")],
        "AIDE has no baseline to compare with",
    )


@evaluator
def aide_scheduled(facts: Facts, params: Params) -> Outcome:
    """AIDE runs on a schedule: a cron job or an enabled systemd timer."""
    found = [
        ev("runs aide", path, "a scheduled AIDE run")
        for path in params["cron_files"]
        if "aide" in (facts.file(path) or "").lower()
    ]
    found += [ev(s.value, s.source, "a scheduled AIDE run") for s in facts.cron_lines("aide")]
    section = facts.section("cmd:systemctl_timers")
    if section is not None and section.rc == 0:
        found += [
            ev(f"{t}.timer enabled", "systemctl", "a scheduled AIDE run")
            for t, on in facts.timers().items()
            if on and t in params["timers"]
        ]
    none = ev("no schedule", "cron, systemd timers", "a scheduled AIDE run")
    return verdict(bool(found), found or [none], "AIDE never runs by itself")


@evaluator
def grub_password(facts: Facts, params: Params) -> Outcome:
    lines = facts.grub_password_lines()
    if lines is None:
        return na("no GRUB configuration: the boot loader is outside the host")
    found = ev(f"{lines} password lines", "/boot/grub/grub.cfg", ">= 1 (superuser password)")
    return verdict(lines >= 1, [found], "anyone at the console can change the boot")


@evaluator
def grub_cfg_permissions(facts: Facts, params: Params) -> Outcome:
    return mode_outcome(facts, params, ["/boot/grub/grub.cfg", "/boot/grub2/grub.cfg"], "grub.cfg")


@evaluator
def package_files_verified(facts: Facts, params: Params) -> Outcome:
    """Installed files are checked against their packages' digests on a schedule.

    RPM verifies itself (``rpm -Va``); Debian needs debsums, with its cron check on.
    """
    if not debian_family(facts):
        return na("rpm -V verifies installed files against the package database")
    found = installed(facts, params["packages"])
    if not found:
        seen = ev("not installed", "packages", listing(params["packages"]))
        return verdict(False, [seen], "nothing verifies installed files")
    evidence = [ev(f"{found[0][0]} {found[0][1]}", "packages", "installed")]
    setting = facts.key_values(DEBSUMS_DEFAULTS).get("CRON_CHECK")
    value = setting.value.strip().strip("\"'") if setting else "never"
    where = setting.source if setting else DEBSUMS_DEFAULTS
    evidence.append(ev(value, where, " or ".join(params["schedules"])))
    return verdict(value in params["schedules"], evidence, "debsums never runs")


DEBSUMS_DEFAULTS = "/etc/default/debsums"
