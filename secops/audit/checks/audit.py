"""安全审计 (ce.au.*): auditd, its rules and logs, rsyslog, forwarding, retention.

Each evaluator is registered under its check id in
``secops/catalog/checks/audit.yaml``.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from secops.audit.checks.base import (
    Outcome,
    Params,
    as_int,
    clip,
    ev,
    evaluator,
    installed,
    judge_choice,
    lab_note,
    listing,
    mode_check,
    mode_outcome,
    na,
    octal,
    rng,
    service_state,
    shell_assignments,
    sshd_choice,
    verdict,
)
from secops.audit.facts import NOT_INSTALLED, Facts, Setting
from secops.audit.results import Evidence


def service_check(facts: Facts, names: Sequence[str], lab_config_only: bool = False) -> Outcome:
    """A service enabled and running; on a lab host optionally only enabled (see module doc)."""
    live = not (lab_config_only and facts.in_lab)
    ok, evidence = service_state(facts, names, live=live)
    if not live:
        evidence.append(lab_note("service status"))
    return verdict(ok, evidence, f"{names[0]} is not enabled and running")


@dataclass(frozen=True)
class AuditRule:
    """One audit rule, from rules.d or ``auditctl -l``."""

    text: str
    source: str
    action: str = ""  # always,exit
    watch: str = ""  # -w path
    perms: str = ""  # -p rwxa or -F perm=
    syscalls: frozenset[str] = frozenset()
    fields: Mapping[str, str] = field(default_factory=dict)  # -F name=value (any operator)
    control: tuple[str, str] = ("", "")  # -e 2, -b 8192, -D …

    def watches(self, path: str, perms: str) -> bool:
        target = self.watch or self.fields.get("path", "") or self.fields.get("dir", "")
        granted = self.perms or self.fields.get("perm", "")
        return (
            "never" not in self.action
            and canonical(target) == canonical(path)
            and set(perms) <= set(granted)
        )


def canonical(path: str) -> str:
    """Paths that name the same file on a merged-/usr Debian (/bin → /usr/bin, /var/run → /run)."""
    path = path.rstrip("/") or "/"
    for old, new in (("/var/run/", "/run/"), ("/bin/", "/usr/bin/"), ("/sbin/", "/usr/sbin/")):
        if path.startswith(old):
            return new + path[len(old) :]
    return path


def parse_rule(text: str, source: str) -> AuditRule:
    try:
        words = shlex.split(text)
    except ValueError:  # unbalanced quotes: still read what is there
        words = text.split()
    action = watch = perms = ""
    syscalls: set[str] = set()
    fields: dict[str, str] = {}
    control = ("", "")
    pairs = zip(words, [*words[1:], ""], strict=True)
    for flag, value in pairs:
        if flag in ("-a", "-A"):
            action = value
        elif flag == "-w":
            watch = value
        elif flag == "-p":
            perms = value
        elif flag == "-S":
            syscalls.update(value.split(","))
        elif flag == "-F":
            parts = re.split(r"[=!<>&]+", value, maxsplit=1)  # auid>=1000, perm=x, key=…
            if len(parts) == 2:
                fields.setdefault(parts[0], parts[1])
        elif flag in ("-e", "-b", "-D", "-f", "-r"):
            control = (flag, value)
    return AuditRule(text, source, action, watch, perms, frozenset(syscalls), fields, control)


def config_rules(facts: Facts) -> list[AuditRule]:
    return [parse_rule(s.value, s.source) for s in facts.audit_rules_files()]


def live_rules(facts: Facts) -> list[AuditRule] | None:
    """Rules loaded in the kernel; None when auditctl is not installed (nothing is loaded)."""
    section = facts.section("cmd:auditctl_l")
    if section is not None and section.rc == NOT_INSTALLED:
        return None
    return [parse_rule(line, "auditctl -l") for line in facts.audit_rules_live()]


def audit_rules_check(
    facts: Facts, missing: Callable[[list[AuditRule]], list[str]], what: str
) -> Outcome:
    """Rules present in rules.d and loaded (``auditctl -l``); lab hosts: rules.d only."""
    evidence: list[Evidence] = []
    ok = True
    sets: list[tuple[str, list[AuditRule] | None]] = [("/etc/audit/rules.d", config_rules(facts))]
    if not facts.in_lab:
        sets.append(("auditctl -l", live_rules(facts)))
    for source, rules in sets:
        if rules is None:
            evidence.append(ev("auditctl not installed: no rules loaded", source, what))
            ok = False
            continue
        gaps = missing(rules)
        evidence.append(ev(f"missing: {listing(gaps)}" if gaps else "all present", source, what))
        ok = ok and not gaps
    if facts.in_lab:
        evidence.append(lab_note("auditctl -l"))
    return verdict(ok, evidence, f"audit rules incomplete: {what}")


def missing_watches(paths: Sequence[str], perms: str) -> Callable[[list[AuditRule]], list[str]]:
    def gaps(rules: list[AuditRule]) -> list[str]:
        return [p for p in paths if not any(r.watches(p, perms) for r in rules)]

    return gaps


def missing_syscalls(names: Sequence[str]) -> Callable[[list[AuditRule]], list[str]]:
    def gaps(rules: list[AuditRule]) -> list[str]:
        covered: set[str] = set()
        for rule in rules:
            if "exit" in rule.action and "never" not in rule.action:
                covered |= rule.syscalls
        return [n for n in names if n not in covered and "all" not in covered]

    return gaps


def auditd_conf_choice(facts: Facts, key: str, allowed: Sequence[str], default: str) -> Outcome:
    if facts.file("/etc/audit/auditd.conf") is None:
        found = ev("(file missing: auditd not installed)", "/etc/audit/auditd.conf", key)
        return verdict(False, [found], "auditd is not configured")
    ok, found = judge_choice(
        facts.auditd_conf().get(key), "/etc/audit/auditd.conf", allowed, default, "auditd default"
    )
    return verdict(ok, [found], f"auditd {key} is not {' or '.join(allowed)}")


@evaluator
def auditd_installed(facts: Facts, params: Params) -> Outcome:
    found = installed(facts, params["packages"])
    seen = listing([f"{n} {v}" for n, v in found]) or "not installed"
    return verdict(
        bool(found),
        [ev(seen, "packages", " or ".join(params["packages"]))],
        "auditd is not installed",
    )


@evaluator
def auditd_running(facts: Facts, params: Params) -> Outcome:
    return service_check(facts, ["auditd"], lab_config_only=True)


@evaluator
def audit_enabled_at_boot(facts: Facts, params: Params) -> Outcome:
    """audit=1 on the kernel command line: processes started before auditd are audited too."""
    defaults = facts.grub_defaults()
    if not defaults and facts.in_lab:
        return na("a lab host has no boot loader: its kernel is the machine's")
    evidence, ok = [], True
    if defaults:
        words = " ".join(
            defaults[k].value
            for k in ("GRUB_CMDLINE_LINUX", "GRUB_CMDLINE_LINUX_DEFAULT")
            if k in defaults
        )
        where = defaults.get("GRUB_CMDLINE_LINUX", Setting("", "/etc/default/grub")).source
        ok = "audit=1" in words.split()
        evidence.append(ev(words or "(no kernel options)", where, "audit=1"))
    else:
        evidence.append(
            ev(
                "(no /etc/default/grub)",
                "/etc/default/grub",
                "the command line is set outside the host; the running one is judged",
            )
        )
    if facts.in_lab:
        evidence.append(lab_note("/proc/cmdline"))
    else:
        live = "audit=1" in facts.kernel_cmdline()
        evidence.append(ev("audit=1" if live else "no audit=1", "/proc/cmdline", "audit=1"))
        ok = ok and live
    return verdict(ok, evidence, "processes started before auditd are not audited")


@evaluator
def audit_backlog_limit(facts: Facts, params: Params) -> Outcome:
    """The kernel's audit queue is deep enough not to drop records in bursts."""
    want = rng(params)
    sizes = [r.control[1] for r in config_rules(facts) if r.control[0] == "-b"]
    grub = " ".join(s.value for s in facts.grub_defaults().values())
    boot = re.findall(r"\baudit_backlog_limit=(\S+)", grub)
    configured = sizes[-1:] + boot
    ok = any(as_int(v) in want for v in configured)
    evidence = [
        ev(
            listing(configured) or "(not set: kernel default 64)",
            "/etc/audit/rules.d (-b), /etc/default/grub",
            str(want),
        )
    ]
    if facts.in_lab:
        evidence.append(lab_note("auditctl -s"))
    else:
        section = facts.section("cmd:auditctl_s")
        live = (
            None
            if section is not None and section.rc == NOT_INSTALLED
            else (facts.audit_status().get("backlog_limit"))
        )
        evidence.append(ev(live or "auditctl not installed", "auditctl -s", str(want)))
        ok = ok and live is not None and as_int(live) in want
    return verdict(ok, evidence, f"audit backlog limit is not {want}")


@evaluator
def audit_rules_identity(facts: Facts, params: Params) -> Outcome:
    return audit_rules_check(
        facts, missing_watches(params["paths"], "wa"), "writes to account files watched"
    )


@evaluator
def audit_rules_sudoers(facts: Facts, params: Params) -> Outcome:
    return audit_rules_check(
        facts, missing_watches(params["paths"], "wa"), "writes to sudoers watched"
    )


@evaluator
def audit_rules_logins(facts: Facts, params: Params) -> Outcome:
    return audit_rules_check(
        facts, missing_watches(params["paths"], "wa"), "login records and lock files watched"
    )


@evaluator
def audit_rules_privileged_commands(facts: Facts, params: Params) -> Outcome:
    return audit_rules_check(
        facts, missing_watches(params["commands"], "x"), "privileged commands audited on execution"
    )


@evaluator
def audit_rules_modules(facts: Facts, params: Params) -> Outcome:
    return audit_rules_check(
        facts, missing_syscalls(params["syscalls"]), "kernel module loading audited"
    )


@evaluator
def audit_rules_time(facts: Facts, params: Params) -> Outcome:
    syscalls, watches = missing_syscalls(params["syscalls"]), missing_watches(params["paths"], "wa")
    return audit_rules_check(
        facts, lambda rules: syscalls(rules) + watches(rules), "clock and time zone changes audited"
    )


@evaluator
def audit_rules_deletions(facts: Facts, params: Params) -> Outcome:
    return audit_rules_check(
        facts, missing_syscalls(params["syscalls"]), "file deletion and renaming audited"
    )


@evaluator
def audit_rules_audit_config(facts: Facts, params: Params) -> Outcome:
    return audit_rules_check(
        facts, missing_watches(params["paths"], "wa"), "changes to the audit configuration audited"
    )


@evaluator
def audit_rules_immutable(facts: Facts, params: Params) -> Outcome:
    """The rules end with -e 2: nobody can change them until reboot."""
    rules = config_rules(facts)
    last = rules[-1] if rules else None
    ok = last is not None and last.control == ("-e", "2")
    evidence = [
        ev(
            last.text if last else "(no rules)",
            last.source if last else "/etc/audit/rules.d",
            "-e 2 as the last rule",
        )
    ]
    if facts.in_lab:
        evidence.append(lab_note("auditctl -s"))
    else:
        section = facts.section("cmd:auditctl_s")
        live = (
            None
            if section is not None and section.rc == NOT_INSTALLED
            else (facts.audit_status().get("enabled"))
        )
        evidence.append(
            ev(f"enabled {live}" if live else "auditctl not installed", "auditctl -s", "enabled 2")
        )
        ok = ok and live == "2"
    return verdict(ok, evidence, "the audit rules can be changed without a reboot")


@evaluator
def auditd_max_log_file_action(facts: Facts, params: Params) -> Outcome:
    return auditd_conf_choice(facts, "max_log_file_action", params["allowed"], "ROTATE")


@evaluator
def auditd_space_left_action(facts: Facts, params: Params) -> Outcome:
    return auditd_conf_choice(facts, "space_left_action", params["allowed"], "SYSLOG")


@evaluator
def auditd_admin_space_left_action(facts: Facts, params: Params) -> Outcome:
    return auditd_conf_choice(facts, "admin_space_left_action", params["allowed"], "SUSPEND")


@evaluator
def audit_tools_permissions(facts: Facts, params: Params) -> Outcome:
    tools = [f"{d}/{t}" for d in ("/sbin", "/usr/sbin") for t in params["tools"]]
    return mode_outcome(facts, params, tools, "audit tools")


@evaluator
def audit_log_permissions(facts: Facts, params: Params) -> Outcome:
    """Audit records and configuration reachable by root (or the audit group) only."""
    ok, evidence = mode_check(
        facts, ["/var/log/audit", "/etc/audit"], octal(params["max_mode"]), groups=params["groups"]
    )
    return verdict(ok, evidence, "audit records or their configuration are open to others")


@evaluator
def rsyslog_installed(facts: Facts, params: Params) -> Outcome:
    found = installed(facts, params["packages"])
    seen = listing([f"{n} {v}" for n, v in found]) or "not installed"
    return verdict(
        bool(found),
        [ev(seen, "packages", " or ".join(params["packages"]))],
        "no syslog daemon keeps logs",
    )


@evaluator
def rsyslog_running(facts: Facts, params: Params) -> Outcome:
    return service_check(facts, ["rsyslog"])


_ACTION = re.compile(r"\baction\s*\((.*?)\)", re.DOTALL | re.IGNORECASE)


_LEGACY_FORWARD = re.compile(r"^\S+\s+(@{1,2})(\(\S*\))?\[?([^\]:\s;]+)")


LOCAL_TARGETS = ("127.", "localhost", "::1", "0.0.0.0")  # noqa: S104 - not a bind


def rsyslog_forwards(path: str, text: str) -> list[tuple[str, str, str]]:
    """(protocol, target, path:line) of each forwarding rule in one rsyslog file."""
    live = "\n".join("" if ln.lstrip().startswith("#") else ln for ln in text.splitlines())
    found = []
    for match in _ACTION.finditer(live):  # action(type="omfwd" target="…" protocol="tcp")
        options = dict(re.findall(r'([\w.]+)\s*=\s*"([^"]*)"', match.group(1)))
        kind = options.get("type", "").lower()
        where = f"{path}:{live[: match.start()].count(chr(10)) + 1}"
        if kind in ("omfwd", "omrelp"):
            protocol = "relp" if kind == "omrelp" else options.get("protocol", "udp").lower()
            found.append((protocol, options.get("target", ""), where))
    for number, line in enumerate(live.splitlines(), start=1):  # *.* @@host:port (legacy)
        legacy = _LEGACY_FORWARD.match(line.strip())
        if legacy:
            protocol = "tcp" if legacy.group(1) == "@@" else "udp"
            found.append((protocol, legacy.group(3), f"{path}:{number}"))
    return found


@evaluator
def rsyslog_remote_tcp(facts: Facts, params: Params) -> Outcome:
    """System logs forwarded off the host over TCP or RELP (UDP loses records silently)."""
    files = [("/etc/rsyslog.conf", facts.file("/etc/rsyslog.conf") or "")]
    forwards = [
        f
        for path, text in [*files, *facts.files("/etc/rsyslog.d/*.conf")]
        for f in rsyslog_forwards(path, text)
    ]
    remote = [f for f in forwards if f[1] and not f[1].startswith(LOCAL_TARGETS)]
    good = [f for f in remote if f[0] in ("tcp", "relp")]
    expected = "forwarding over TCP or RELP"
    evidence = [ev(f"{p} to {t}", s, expected) for p, t, s in remote] or [
        ev("no forwarding rule", "/etc/rsyslog.conf, /etc/rsyslog.d", expected)
    ]
    return verdict(bool(good), evidence, "logs are not forwarded off the host over TCP")


PERIOD_DAYS = {"hourly": 1 / 24, "daily": 1, "weekly": 7, "monthly": 30, "yearly": 365}


SYSLOG_ROTATIONS = ("/etc/logrotate.d/rsyslog", "/etc/logrotate.d/syslog")


def logrotate_stanzas(facts: Facts, path: str) -> list[tuple[str, dict[str, Setting]]]:
    """(log files, directives) of each stanza in ``path``."""
    out: list[tuple[str, dict[str, Setting]]] = []
    current: dict[str, Setting] | None = None
    files: list[str] = []
    for setting in facts.lines([path]):
        line = setting.value
        if current is None and line.endswith("{"):
            files.append(line[:-1].strip())
            current = {}
        elif current is None:
            files.append(line)  # a file list may span several lines before "{"
        elif line.startswith("}"):
            out.append((" ".join(files), current))
            current, files = None, []
        else:
            word, _, rest = line.replace("\t", " ").partition(" ")
            current[word] = Setting(rest.strip(), setting.source)
    return out


def logrotate_defaults(facts: Facts) -> dict[str, Setting]:
    """Global directives of logrotate.conf (outside any stanza)."""
    found: dict[str, Setting] = {}
    depth = 0
    for setting in facts.lines(["/etc/logrotate.conf"]):
        depth += setting.value.count("{") - setting.value.count("}")
        if depth == 0 and "{" not in setting.value and "}" not in setting.value:
            word, _, rest = setting.value.replace("\t", " ").partition(" ")
            found[word] = Setting(rest.strip(), setting.source)
    return found


def retention_days(
    defaults: Mapping[str, Setting], stanza: Mapping[str, Setting]
) -> tuple[float | None, str]:
    """How long rotated logs are kept: rotations x period (the stanza's own first), maxage caps."""
    merged = {**defaults, **stanza}
    period = next((p for p in PERIOD_DAYS if p in stanza), None) or next(
        (p for p in PERIOD_DAYS if p in defaults), None
    )
    rotate = as_int(merged["rotate"].value) if "rotate" in merged else 0
    maxage = as_int(merged["maxage"].value) if "maxage" in merged else None
    if "size" in stanza or period is None or rotate is None:
        return None, "rotated by size, or no period or count that can be read"
    days = float("inf") if rotate < 0 else PERIOD_DAYS[period] * rotate  # -1: never removed
    if maxage is not None and maxage > 0:
        days = min(days, maxage)
    return days, f"{period} x rotate {rotate}" + (f", maxage {maxage}" if maxage else "")


@evaluator
def log_retention(facts: Facts, params: Params) -> Outcome:
    """Rotated system logs kept at least min_days (Cybersecurity Law art. 21: six months)."""
    need = int(params["min_days"])
    defaults = logrotate_defaults(facts)
    stanzas = [(path, s) for path in SYSLOG_ROTATIONS for s in logrotate_stanzas(facts, path)]
    if not stanzas:
        found = ev("(no rotation rule for the system logs)", "/etc/logrotate.d", f">= {need} days")
        return verdict(False, [found], "system log retention is not configured")
    evidence, ok = [], True
    for path, (files, directives) in stanzas:
        days, how = retention_days(defaults, directives)
        good = days is not None and days >= need
        shown = f"{clip(files)}: {how}" + ("" if days is None else f" = {days:g} days")
        evidence.append(ev(shown, path, f">= {need} days"))
        ok = ok and good
    return verdict(ok, evidence, f"system logs are kept less than {need} days")


@evaluator
def histtimeformat(facts: Facts, params: Params) -> Outcome:
    values, _ = shell_assignments(facts, "HISTTIMEFORMAT")
    good = [(v, s) for v, s in values if "%" in v]
    evidence = [ev(v or "(empty)", s.source, "a strftime format") for v, s in values] or [
        ev("(not set)", "/etc/profile, /etc/profile.d/*.sh", "a strftime format")
    ]
    return verdict(bool(good), evidence, "shell history has no timestamps")


@evaluator
def sshd_log_level(facts: Facts, params: Params) -> Outcome:
    return sshd_choice(facts, "loglevel", params["allowed"], "INFO")
