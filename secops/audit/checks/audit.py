"""安全审计 (ce.au.*): auditd, its rules and logs, rsyslog, forwarding, retention.

Each evaluator is registered under its check id in
``secops/catalog/checks/audit.yaml``.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from secops.audit import rsyslog
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
from secops.audit.messages import Msg, Part, either, msg
from secops.audit.results import Evidence


def service_check(facts: Facts, names: Sequence[str], lab_config_only: bool = False) -> Outcome:
    """A service enabled and running; on a lab host optionally only enabled (see module doc)."""
    live = not (lab_config_only and facts.in_lab)
    ok, evidence = service_state(facts, names, live=live)
    if not live:
        evidence.append(lab_note(msg("src.service_status")))
    return verdict(ok, evidence, msg("au.not_running", name=names[0]))


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
    """Rules as configured (rules.d), parsed once per host: a dozen checks read them."""
    return facts.derived(
        ("config_rules",),
        lambda: [parse_rule(s.value, s.source) for s in facts.audit_rules_files()],
    )


def live_rules(facts: Facts) -> list[AuditRule] | None:
    """Rules loaded in the kernel; None when auditctl is not installed (nothing is loaded)."""
    section = facts.section("cmd:auditctl_l")
    if section is not None and section.rc == NOT_INSTALLED:
        return None
    return facts.derived(
        ("live_rules",),
        lambda: [parse_rule(line, "auditctl -l") for line in facts.audit_rules_live()],
    )


def audit_rules_check(
    facts: Facts, missing: Callable[[list[AuditRule]], list[str]], what: Part
) -> Outcome:
    """Rules present in rules.d and loaded (``auditctl -l``); lab hosts: rules.d only."""
    evidence: list[Evidence] = []
    ok = True
    sets: list[tuple[str, list[AuditRule] | None]] = [("/etc/audit/rules.d", config_rules(facts))]
    if not facts.in_lab:
        sets.append(("auditctl -l", live_rules(facts)))
    for source, rules in sets:
        if rules is None:
            evidence.append(ev(msg("au.no_auditctl_rules"), source, what))
            ok = False
            continue
        gaps = missing(rules)
        seen = msg("au.missing", items=listing(gaps)) if gaps else msg("au.all_present")
        evidence.append(ev(seen, source, what))
        ok = ok and not gaps
    if facts.in_lab:
        evidence.append(lab_note("auditctl -l"))
    return verdict(ok, evidence, msg("au.rules_incomplete", what=what))


def missing_watches(paths: Sequence[str], perms: str) -> Callable[[list[AuditRule]], list[str]]:
    def gaps(rules: list[AuditRule]) -> list[str]:
        return [p for p in paths if not any(r.watches(p, perms) for r in rules)]

    return gaps


# Fields that narrow a rule to some files or outcomes: ``auditctl -l`` prints ``-S all`` for
# every path rule (-F path=/usr/bin/sudo -F perm=x), which audits no other syscall.
NARROWING = ("path", "dir", "perm", "exit", "success", "inode", "obj_type")


def missing_syscalls(names: Sequence[str]) -> Callable[[list[AuditRule]], list[str]]:
    def gaps(rules: list[AuditRule]) -> list[str]:
        covered: set[str] = set()
        for rule in rules:
            if "exit" in rule.action and "never" not in rule.action:
                narrowed = rule.watch or any(f in rule.fields for f in NARROWING)
                covered |= rule.syscalls - ({"all"} if narrowed else set())
        return [n for n in names if n not in covered and "all" not in covered]

    return gaps


def auditd_conf_choice(facts: Facts, key: str, allowed: Sequence[str], default: str) -> Outcome:
    if facts.file("/etc/audit/auditd.conf") is None:
        found = ev(msg("au.conf_missing"), "/etc/audit/auditd.conf", key)
        return verdict(False, [found], msg("au.not_configured"))
    ok, found = judge_choice(
        facts.auditd_conf().get(key), "/etc/audit/auditd.conf", allowed, default, msg("note.auditd")
    )
    return verdict(ok, [found], msg("au.key_not", key=key, allowed=either(allowed)))


@evaluator
def auditd_installed(facts: Facts, params: Params) -> Outcome:
    found = installed(facts, params["packages"])
    seen = listing([f"{n} {v}" for n, v in found]) or msg("not_installed")
    return verdict(
        bool(found),
        [ev(seen, msg("src.packages"), either(params["packages"]))],
        msg("au.auditd_absent"),
    )


@evaluator
def auditd_running(facts: Facts, params: Params) -> Outcome:
    return service_check(facts, ["auditd"], lab_config_only=True)


@evaluator
def audit_enabled_at_boot(facts: Facts, params: Params) -> Outcome:
    """audit=1 on the kernel command line: processes started before auditd are audited too."""
    defaults = facts.grub_defaults()
    if not defaults and facts.in_lab:
        return na(msg("au.lab_no_boot"))
    evidence, ok = [], True
    if defaults:
        words = " ".join(
            defaults[k].value
            for k in ("GRUB_CMDLINE_LINUX", "GRUB_CMDLINE_LINUX_DEFAULT")
            if k in defaults
        )
        where = defaults.get("GRUB_CMDLINE_LINUX", Setting("", "/etc/default/grub")).source
        ok = "audit=1" in words.split()
        evidence.append(ev(words or msg("au.no_kernel_options"), where, "audit=1"))
    else:
        evidence.append(
            ev(msg("au.no_default_grub"), "/etc/default/grub", msg("au.cmdline_outside"))
        )
    if facts.in_lab:
        evidence.append(lab_note("/proc/cmdline"))
    else:
        live = "audit=1" in facts.kernel_cmdline()
        seen: Part = "audit=1" if live else msg("au.no_audit_1")
        evidence.append(ev(seen, "/proc/cmdline", "audit=1"))
        ok = ok and live
    return verdict(ok, evidence, msg("au.early_unaudited"))


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
            listing(configured) or msg("au.backlog_default"),
            "/etc/audit/rules.d (-b), /etc/default/grub",
            want.said(),
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
        evidence.append(ev(live or msg("au.auditctl_absent"), "auditctl -s", want.said()))
        ok = ok and live is not None and as_int(live) in want
    return verdict(ok, evidence, msg("au.backlog_not", want=want.said()))


@evaluator
def audit_rules_immutable(facts: Facts, params: Params) -> Outcome:
    """The rules end with -e 2: nobody can change them until reboot."""
    rules = config_rules(facts)
    last = rules[-1] if rules else None
    ok = last is not None and last.control == ("-e", "2")
    evidence = [
        ev(
            last.text if last else msg("au.no_rules"),
            last.source if last else "/etc/audit/rules.d",
            msg("au.e2_last"),
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
        seen = f"enabled {live}" if live else msg("au.auditctl_absent")
        evidence.append(ev(seen, "auditctl -s", "enabled 2"))
        ok = ok and live == "2"
    return verdict(ok, evidence, msg("au.rules_mutable"))


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
    return mode_outcome(facts, params, tools, msg("au.tools"))


@evaluator
def audit_log_permissions(facts: Facts, params: Params) -> Outcome:
    """Audit records and configuration reachable by root (or the audit group) only."""
    ok, evidence = mode_check(
        facts, ["/var/log/audit", "/etc/audit"], octal(params["max_mode"]), groups=params["groups"]
    )
    return verdict(ok, evidence, msg("au.records_open"))


@evaluator
def rsyslog_installed(facts: Facts, params: Params) -> Outcome:
    found = installed(facts, params["packages"])
    seen = listing([f"{n} {v}" for n, v in found]) or msg("not_installed")
    return verdict(
        bool(found),
        [ev(seen, msg("src.packages"), either(params["packages"]))],
        msg("au.no_syslog"),
    )


@evaluator
def rsyslog_running(facts: Facts, params: Params) -> Outcome:
    return service_check(facts, ["rsyslog"])


# the system logs an assessor looks for first: logins (authpriv) and services (daemon)
SYSTEM_MESSAGES = (
    rsyslog.Message("authpriv", rsyslog.SEVERITIES["info"], "sshd"),
    rsyslog.Message("daemon", rsyslog.SEVERITIES["info"], "systemd"),
)


@evaluator
def rsyslog_remote_tcp(facts: Facts, params: Params) -> Outcome:
    """System logs forwarded off the host over TCP or RELP (UDP loses records silently).

    Judged on rsyslog's effective rules (includes in order, filters, stop rules): login and
    service messages must each reach a remote TCP/RELP forwarding.
    """
    files = rsyslog_files(facts)
    evidence: list[Evidence] = []
    ok = True
    for message in SYSTEM_MESSAGES:
        found = rsyslog.route(files, message)
        want = msg("au.forwarded_tcp_relp", selector=f"{message.facility}.info")
        shown = [r for r in found.forwards if r.target]
        evidence += [ev(sent_to(r.protocol, r.target), r.where, want) for r in shown]
        if found.stopped_by is not None and not found.remote:
            stop = found.stopped_by
            evidence.append(ev(msg("au.discarded", rule=clip(stop.text)), stop.where, want))
        elif not shown:
            seen = msg("au.no_forwarding")
            evidence.append(ev(seen, "/etc/rsyslog.conf, /etc/rsyslog.d", want))
        ok = ok and bool(found.remote)
    return verdict(ok, evidence, msg("au.not_forwarded"))


def sent_to(protocol: str, target: str) -> Msg:
    """``tcp to 10.0.9.5``: where a forwarding rule sends records."""
    return msg("au.sent_to", protocol=protocol, target=target)


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
) -> tuple[float | None, Part]:
    """How long rotated logs are kept: rotations x period (the stanza's own first), maxage caps."""
    merged = {**defaults, **stanza}
    period = next((p for p in PERIOD_DAYS if p in stanza), None) or next(
        (p for p in PERIOD_DAYS if p in defaults), None
    )
    rotate = as_int(merged["rotate"].value) if "rotate" in merged else 0
    maxage = as_int(merged["maxage"].value) if "maxage" in merged else None
    if "size" in stanza or period is None or rotate is None:
        return None, msg("au.rotation_unread")
    days = float("inf") if rotate < 0 else PERIOD_DAYS[period] * rotate  # -1: never removed
    if maxage is not None and maxage > 0:
        days = min(days, maxage)
    if maxage:
        return days, msg("au.rotation_maxage", period=period, rotate=rotate, maxage=maxage)
    return days, msg("au.rotation", period=period, rotate=rotate)


def kept(how: Part, days: float | None) -> Part:
    """``weekly x rotate 4 = 28 days``: a rotation and how long it keeps logs."""
    if days is None:
        return how
    if days == float("inf"):
        return msg("au.kept_always", how=how)
    return msg("au.kept_days", how=how, days=f"{days:g}")


@evaluator
def log_retention(facts: Facts, params: Params) -> Outcome:
    """Rotated system logs kept at least min_days (Cybersecurity Law art. 21: six months)."""
    need = int(params["min_days"])
    defaults = logrotate_defaults(facts)
    stanzas = [(path, s) for path in SYSLOG_ROTATIONS for s in logrotate_stanzas(facts, path)]
    expected = msg("au.min_days", need=need)
    if not stanzas:
        found = ev(msg("au.no_rotation"), "/etc/logrotate.d", expected)
        return verdict(False, [found], msg("au.retention_unset"))
    evidence, ok = [], True
    for path, (files, directives) in stanzas:
        days, how = retention_days(defaults, directives)
        good = days is not None and days >= need
        shown = msg("au.files_kept", files=clip(files), kept=kept(how, days))
        evidence.append(ev(shown, path, expected))
        ok = ok and good
    return verdict(ok, evidence, msg("au.logs_short", need=need))


@evaluator
def histtimeformat(facts: Facts, params: Params) -> Outcome:
    values, _ = shell_assignments(facts, "HISTTIMEFORMAT")
    good = [(v, s) for v, s in values if "%" in v]
    expected = msg("au.strftime")
    evidence = [ev(v or msg("empty"), s.source, expected) for v, s in values] or [
        ev(msg("not_set"), "/etc/profile, /etc/profile.d/*.sh", expected)
    ]
    return verdict(bool(good), evidence, msg("au.no_timestamps"))


@evaluator
def sshd_log_level(facts: Facts, params: Params) -> Outcome:
    return sshd_choice(facts, "loglevel", params["allowed"], "INFO")


# -- the audit chain off the host (安全审计 c, 集中管控 d) -----------------------------------------
# auditd hands every record to its dispatcher plugins: the syslog plugin (audispd-plugins)
# passes them to rsyslog, whose forwarding carries them to the collector with the system logs
# (one TCP connection, one disk-assisted queue); audisp-remote sends them to a remote auditd.

PLUGIN_FOLDERS = ("/etc/audit/plugins.d/*.conf", "/etc/audisp/plugins.d/*.conf")
REMOTE_CONFS = ("/etc/audit/audisp-remote.conf", "/etc/audisp/audisp-remote.conf")
AUDIT_PROGRAM = "audispd"  # the syslog tag of the plugin's records (its openlog ident)


def audit_plugins(facts: Facts) -> list[tuple[str, dict[str, Setting]]]:
    """(path, settings) of each dispatcher plugin file, keys lower-case."""
    found = []
    for pattern in PLUGIN_FOLDERS:
        for path, _ in facts.files(pattern):
            settings: dict[str, Setting] = {}
            for line in facts.lines([path]):
                key, sep, value = line.value.partition("=")
                if sep:
                    settings[key.strip().lower()] = Setting(value.strip(), line.source)
            found.append((path, settings))
    return found


def plugin_message(settings: Mapping[str, Setting]) -> rsyslog.Message:
    """The facility and priority the syslog plugin logs with (args: priority [facility])."""
    words = [w.upper() for w in settings.get("args", Setting("", "")).value.split()]
    severity, facility = rsyslog.SEVERITIES["info"], "user"  # the plugin's defaults
    for word in words:
        name = word.removeprefix("LOG_").lower()
        if name in rsyslog.SEVERITIES:
            severity = rsyslog.SEVERITIES[name]
        elif name in rsyslog.FACILITIES:
            facility = name
    return rsyslog.Message(facility, severity, AUDIT_PROGRAM)


def rsyslog_files(facts: Facts) -> dict[str, str]:
    files = dict(facts.files("/etc/rsyslog.d/*"))
    main = facts.file("/etc/rsyslog.conf")
    if main is not None:
        files["/etc/rsyslog.conf"] = main
    return files


def syslog_route(
    facts: Facts, source: str, message: rsyslog.Message
) -> tuple[bool, list[Evidence]]:
    """Do ``message`` s reach a remote TCP/RELP forwarding in rsyslog's effective rules?"""
    expected = msg(
        "au.from_forwarded",
        selector=f"{message.facility}.{message.severity}",
        program=AUDIT_PROGRAM,
    )
    found = rsyslog.route(rsyslog_files(facts), message)
    evidence: list[Evidence] = []
    if not found.inputs:
        evidence.append(ev(msg("au.no_input"), "/etc/rsyslog.conf", msg("au.local_input")))
    if found.remote:
        evidence += [ev(sent_to(r.protocol, r.target), r.where, expected) for r in found.remote]
    elif found.stopped_by is not None:
        stop = found.stopped_by
        evidence.append(ev(msg("au.discarded", rule=clip(stop.text)), stop.where, expected))
    else:
        evidence.append(ev(msg("au.no_rule_takes"), source, expected))
    evidence += [
        ev(msg("au.filter_unknown", rule=clip(u.text)), u.where, expected)
        for u in found.unknown[:3]
    ]
    return bool(found.remote) and bool(found.inputs), evidence


def audit_remote(facts: Facts, path: str) -> tuple[bool, list[Evidence]]:
    """audisp-remote with a remote_server that is not this host."""
    for conf in REMOTE_CONFS:
        server = facts.key_values(conf).get("remote_server")
        if server is not None:
            ok = bool(server.value) and not server.value.startswith(rsyslog.LOCAL_TARGETS)
            return ok, [ev(server.value or msg("empty"), server.source, msg("au.remote_auditd"))]
    seen = msg("au.no_remote_server")
    return False, [ev(seen, either(REMOTE_CONFS), msg("au.remote_auditd"))]


@evaluator
def audit_records_forwarded(facts: Facts, params: Params) -> Outcome:
    """auditd's records leave the host: an active dispatcher plugin whose path reaches a collector.

    The syslog plugin counts only when rsyslog's effective rules forward its facility and tag
    over TCP/RELP (a ``stop`` before the forwarding or a selector leaving the facility out
    fails); audisp-remote counts with a remote server. Lab hosts: configuration only (auditd
    does not run there).
    """
    evidence: list[Evidence] = []
    ok = False
    active = [
        (path, s)
        for path, s in audit_plugins(facts)
        if s.get("active", Setting("no", path)).value.lower() == "yes"
        and s.get("direction", Setting("out", path)).value.lower() == "out"
    ]
    for path, settings in active:
        program = settings.get("path", Setting("", path)).value
        name = program.rsplit("/", 1)[-1]
        if name in ("audisp-syslog", "builtin_syslog"):
            good, seen = syslog_route(facts, path, plugin_message(settings))
        elif name == "audisp-remote":
            good, seen = audit_remote(facts, path)
        else:
            continue
        evidence.append(
            ev(msg("au.active", program=program), settings["active"].source, "active = yes")
        )
        evidence += seen
        ok = ok or good
    if not evidence:
        folders = ", ".join(p.rsplit("/", 1)[0] for p in PLUGIN_FOLDERS)
        evidence.append(ev(msg("au.no_plugin"), folders, "active = yes"))
    if facts.in_lab:
        evidence.append(lab_note(msg("au.dispatcher")))
    return verdict(ok, evidence, msg("au.not_collected"))


def audit_log_files(
    facts: Facts,
) -> tuple[list[tuple[int, int, str]], int | None, tuple[int, int] | None]:
    """(size, mtime, path) of the audit logs, the oldest record's time, (free KiB, size KiB)."""
    section = facts.section("cmd:audit_logs")
    if section is None or section.rc == 1:  # not collected, or no /var/log/audit
        return [], None, None
    logs: list[tuple[int, int, str]] = []
    first: int | None = None
    space: tuple[int, int] | None = None
    for line in facts.text("cmd:audit_logs").splitlines():
        parts = line.split("|", 2)
        numbers = [as_int(p) for p in parts[:2]]
        if parts[0] == "first" and len(parts) == 2:
            first = as_int(parts[1])
        elif parts[0] == "df" and len(parts) == 3:
            free, size = as_int(parts[1]), as_int(parts[2])
            space = (free, size) if free is not None and size is not None else None
        elif len(parts) == 3 and numbers[0] is not None and numbers[1] is not None:
            logs.append((numbers[0], numbers[1], parts[2]))
    return logs, first, space


def audit_rotation_days(facts: Facts) -> tuple[float | None, Part, str] | None:
    """A logrotate stanza for the audit logs, if any: (days kept, how, where)."""
    for path in ("/etc/logrotate.d/auditd", "/etc/logrotate.d/audit"):
        for files, directives in logrotate_stanzas(facts, path):
            if "/var/log/audit" in files:
                days, how = retention_days(logrotate_defaults(facts), directives)
                return days, how, path
    return None


@evaluator
def audit_log_retention(facts: Facts, params: Params) -> Outcome:
    """audit.log kept at least min_days on the host (Cybersecurity Law art. 21: six months).

    keep_logs never deletes a file: the space left decides, and when a day of records or more
    can be measured, the free space (above admin_space_left) at the measured rate must hold
    min_days. ROTATE deletes the oldest of num_logs files: their capacity at the measured rate
    must hold min_days (unmeasurable: fails). A logrotate stanza for the audit logs must keep
    min_days. The collector's own retention is out of the host's sight: the evidence names the
    setting the SIEM must show (govsec's store refuses less than 180 days).
    """
    need = int(params["min_days"])
    expected = msg("au.min_days", need=need)
    if facts.file("/etc/audit/auditd.conf") is None:
        found = ev(msg("au.conf_missing"), "/etc/audit/auditd.conf", expected)
        return verdict(False, [found], msg("au.logs_not_kept"))
    conf = facts.auditd_conf()
    action = conf.get("max_log_file_action", Setting("ROTATE", ""))
    mode = action.value.lower()
    logs, first, space = audit_log_files(facts)
    now = facts.now()
    rate = None  # bytes a day
    if logs and first is not None and now - first >= 86400:
        rate = sum(size for size, _, _ in logs) / ((now - first) / 86400)
    source: Part = action.source or msg("note.auditd")
    seen = msg("sysctl.is", key="max_log_file_action", value=action.value)
    evidence = [ev(seen, source, either(["keep_logs", "rotate"]))]
    ok = True
    if mode == "keep_logs":
        if rate and space:
            reserve = (as_int(conf.get("admin_space_left", Setting("50", "")).value) or 50) * 1024
            days = (space[0] - reserve) * 1024 / rate
            free = msg("au.free_at", free=space[0], rate=f"{rate / 1024:.0f}", days=f"{days:.0f}")
            evidence.append(ev(free, "/var/log/audit (df)", expected))
            ok = days >= need
        else:
            seen = msg("au.rate_unknown")
            evidence.append(ev(seen, "/var/log/audit", msg("au.nothing_deleted")))
    elif mode == "rotate":
        count = as_int(conf.get("num_logs", Setting("5", "")).value) or 0
        size = as_int(conf.get("max_log_file", Setting("8", "")).value) or 0
        capacity = count * size * 1024 * 1024
        if rate:
            days = capacity / rate
            seen = msg(
                "au.files_at", count=count, size=size, rate=f"{rate / 1024:.0f}", days=f"{days:.0f}"
            )
            evidence.append(ev(seen, "/etc/audit/auditd.conf", expected))
            ok = days >= need
        else:
            seen = msg("au.files_no_rate", count=count, size=size)
            evidence.append(ev(seen, "/etc/audit/auditd.conf", expected))
            ok = False
    else:  # ignore, syslog, suspend, single, halt: records stop being written when full
        ok = False
    rotation = audit_rotation_days(facts)
    if rotation is not None:
        days_kept, how, where = rotation
        evidence.append(ev(kept(how, days_kept), where, expected))
        ok = ok and days_kept is not None and days_kept >= need
    evidence.append(siem_retention(facts, need))
    if facts.in_lab:
        evidence.append(lab_note(msg("au.log_folder_lab")))
    return verdict(ok, evidence, msg("au.audit_logs_short", need=need))


def siem_retention(facts: Facts, need: int) -> Evidence:
    """Where the records also go, and what the collector's side must show (not judged here)."""
    targets = sorted(
        {
            f"{r.target} ({r.protocol})"
            for r in rsyslog.route(
                rsyslog_files(facts), rsyslog.Message("local6", 6, AUDIT_PROGRAM)
            ).remote
        }
    )
    return ev(
        listing(targets) or msg("au.no_collector"),
        msg("au.collector"),
        msg("au.siem_keeps", need=need),
    )


@evaluator
def auditd_disk_full_action(facts: Facts, params: Params) -> Outcome:
    """A full or failing audit disk never silently stops auditing (single or halt)."""
    allowed = params["allowed"]
    full = auditd_conf_choice(facts, "disk_full_action", allowed, "SUSPEND")
    error = auditd_conf_choice(facts, "disk_error_action", allowed, "SUSPEND")
    ok = full.status == "pass" and error.status == "pass"
    return verdict(ok, [*full.evidence, *error.evidence], msg("au.disk_full_stops"))


# -- more audit rules (issue 15 item 8): permissions, failed access, network, MAC --------------

ERRNO = {"EACCES": "13", "EPERM": "1"}


def missing_failed_syscalls(
    names: Sequence[str], exits: Sequence[str]
) -> Callable[[list[AuditRule]], list[str]]:
    """Syscalls not audited when they fail with each of ``exits`` (-F exit=-EACCES …)."""

    def gaps(rules: list[AuditRule]) -> list[str]:
        found = []
        for code in exits:
            wanted = {f"-{code}", f"-{ERRNO.get(code, code)}"}
            covered: set[str] = set()
            for rule in rules:
                counted = "exit" in rule.action and "never" not in rule.action
                if counted and rule.fields.get("exit") in wanted:
                    covered |= rule.syscalls
            found += [f"{n} ({code})" for n in names if n not in covered and "all" not in covered]
        return found

    return gaps


def missing_any_watches(
    groups: Sequence[Sequence[str]], perms: str
) -> Callable[[list[AuditRule]], list[str]]:
    """Watches complete for one of ``groups`` (AppArmor's folders, or SELinux's)."""

    def gaps(rules: list[AuditRule]) -> list[str]:
        per_group = [missing_watches(g, perms)(rules) for g in groups]
        return [] if any(not g for g in per_group) else min(per_group, key=len)

    return gaps


@evaluator
def audit_rules_access_failures(facts: Facts, params: Params) -> Outcome:
    return audit_rules_check(
        facts,
        missing_failed_syscalls(params["syscalls"], params["exits"]),
        msg("au.access_refused"),
    )


@evaluator
def audit_rules_mac_policy(facts: Facts, params: Params) -> Outcome:
    return audit_rules_check(
        facts,
        missing_any_watches(params["path_groups"], "wa"),
        msg("au.mac_changes"),
    )
