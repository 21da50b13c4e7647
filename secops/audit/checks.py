"""One evaluator per catalog check: pure functions from a host's facts and the check's parameters.

An evaluator is registered under its function name, which is the check's id in
``secops/catalog/checks/*.yaml``, the name of its test cases (``tests/files/checks/<id>.yaml``)
and the Ansible tag of the task that remediates it. Every evaluator follows the same rules:

- Numbers are parsed and compared as numbers. A value that is not a number fails and is shown.
- Where a setting has a live state and a configuration (``sshd -T`` and sshd_config,
  ``sysctl -a`` and sysctl.d, ``auditctl`` and rules.d, a service running and enabled), both are
  judged, both appear in the evidence, and the check passes only when both are right.
- A key missing from a configuration counts as its documented default, and the evidence says so.
- On a lab host the audit subsystem and kernel settings outside ``net.*`` are the machine's: only
  their configuration is judged, and an evidence line says the live state was not.
- A fact that was not collected (or needs root) raises :class:`FactMissing`; the caller
  (:mod:`secops.audit.evaluate`) records it as an ``error`` with the reason.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any, Literal

from secops.audit.facts import NOT_INSTALLED, Account, FactMissing, Facts, PamLine, Setting
from secops.audit.results import Evidence

OutcomeStatus = Literal["pass", "fail", "na"]
Params = Mapping[str, Any]


@dataclass(frozen=True)
class Outcome:
    """What an evaluator found: a status, the observations behind it, and why in a sentence."""

    status: OutcomeStatus
    evidence: list[Evidence] = field(default_factory=list)
    message: str = ""


Evaluator = Callable[[Facts, Params], Outcome]
EVALUATORS: dict[str, Evaluator] = {}


def evaluator(function: Evaluator) -> Evaluator:
    """Register ``function`` as the evaluator of the check that has its name."""
    if function.__name__ in EVALUATORS:
        raise ValueError(f"two evaluators named {function.__name__}")
    EVALUATORS[function.__name__] = function
    return function


# -- small helpers shared by the evaluators ------------------------------------------------

MAX_SEEN = 160  # evidence values are host data: keep them short in reports
MAX_ITEMS = 10  # offenders listed one by one before the rest are counted
_INT = re.compile(r"[+-]?[0-9]{1,30}")  # longer digit runs are garbage, not settings


def clip(text: str) -> str:
    """Host text made safe to show: printable characters only, at most MAX_SEEN of them."""
    shown = "".join(c if c.isprintable() else "?" for c in text.strip())
    return shown if len(shown) <= MAX_SEEN else shown[: MAX_SEEN - 1] + "…"


def as_int(text: str) -> int | None:
    """A decimal integer, or None for anything else (``90 # days`` is not a number)."""
    text = text.strip()
    return int(text) if _INT.fullmatch(text) else None


@dataclass(frozen=True)
class Range:
    """An inclusive range of acceptable numbers; either end may be open."""

    low: int | None = None
    high: int | None = None

    def __contains__(self, value: object) -> bool:
        if not isinstance(value, int):
            return False
        return (self.low is None or value >= self.low) and (self.high is None or value <= self.high)

    def __str__(self) -> str:
        if self.low is not None and self.high is not None:
            return f"= {self.low}" if self.low == self.high else f"{self.low}..{self.high}"
        return f">= {self.low}" if self.low is not None else f"<= {self.high}"


def ev(seen: str, source: str, expected: str) -> Evidence:
    return Evidence(clip(seen), source, expected)


def verdict(ok: bool, evidence: list[Evidence], failed: str, passed: str = "") -> Outcome:
    return Outcome("pass" if ok else "fail", evidence, passed if ok else failed)


def na(message: str, evidence: list[Evidence] | None = None) -> Outcome:
    return Outcome("na", evidence or [], message)


def judge_number(
    setting: Setting | None, where: str, want: Range, default: int | None, note: str
) -> tuple[bool, Evidence]:
    """Judge one numeric setting; a missing one is judged by its documented ``default``."""
    if setting is None:
        if default is None:
            return False, ev("(not set)", where, str(want))
        return default in want, ev(f"{default} (not set: {note})", where, str(want))
    value = as_int(setting.value)
    if value is None:
        return False, ev(setting.value or "(empty)", setting.source, f"a number {want}")
    return value in want, ev(setting.value, setting.source, str(want))


def judge_choice(
    setting: Setting | None, where: str, allowed: Sequence[str], default: str | None, note: str
) -> tuple[bool, Evidence]:
    """Judge one word setting (case-insensitive); a missing one is judged by its default."""
    expected = " or ".join(allowed)
    wanted = {a.lower() for a in allowed}
    if setting is None:
        if default is None:
            return False, ev("(not set)", where, expected)
        return default.lower() in wanted, ev(f"{default} (not set: {note})", where, expected)
    return setting.value.strip().lower() in wanted, ev(setting.value, setting.source, expected)


def listing(items: Sequence[str]) -> str:
    """Offenders as one evidence value: the first few, then how many more."""
    shown = ", ".join(items[:MAX_ITEMS])
    return shown if len(items) <= MAX_ITEMS else f"{shown} (+{len(items) - MAX_ITEMS} more)"


def lab_note(source: str) -> Evidence:
    return Evidence(
        "not judged (lab host)",
        source,
        "the live state of a lab host belongs to the machine; its configuration is judged",
    )


def rng(params: Params, low: str = "min", high: str = "max") -> Range:
    return Range(
        int(params[low]) if low in params else None, int(params[high]) if high in params else None
    )


def octal(text: object) -> int:
    return int(str(text), 8)


def installed(facts: Facts, patterns: Iterable[str]) -> list[tuple[str, str]]:
    """(package, version) of installed packages matching any of the glob patterns."""
    wanted = list(patterns)
    return sorted(
        (name, version)
        for name, version in facts.packages().items()
        if any(fnmatchcase(name, p) for p in wanted)
    )


def debian_family(facts: Facts) -> bool:
    release = facts.os_release
    return "debian" in f"{release.get('ID', '')} {release.get('ID_LIKE', '')}".lower().split()


# -- services -------------------------------------------------------------------------------


def service_state(
    facts: Facts, names: Sequence[str], live: bool = True
) -> tuple[bool, list[Evidence]]:
    """Whether one of ``names`` is enabled (and, when ``live``, running), with the evidence."""
    services = facts.services()
    found = next((services[n] for n in names if n in services), None)
    if found is None:
        return False, [ev("not installed", "services", f"{' or '.join(names)} enabled and running")]
    evidence = [ev("enabled" if found.enabled else "not enabled", found.source, "enabled")]
    ok = bool(found.enabled)
    if live:
        state = {True: "running", False: "not running", None: "unknown"}[found.running]
        evidence.append(ev(f"{found.name} {state}", "service status", "running"))
        ok = ok and bool(found.running)
    return ok, evidence


def service_check(facts: Facts, names: Sequence[str], lab_config_only: bool = False) -> Outcome:
    """A service enabled and running; on a lab host optionally only enabled (see module doc)."""
    live = not (lab_config_only and facts.in_lab)
    ok, evidence = service_state(facts, names, live=live)
    if not live:
        evidence.append(lab_note("service status"))
    return verdict(ok, evidence, f"{names[0]} is not enabled and running")


# -- login.defs, accounts, PAM ---------------------------------------------------------------

LOGIN_DEFS = "/etc/login.defs"
SHADOW_SOURCE = "/etc/shadow"
HASHED = ("yescrypt", "gost-yescrypt", "scrypt", "bcrypt", "sha512", "sha256", "md5", "other")


def login_defs_number(facts: Facts, key: str, want: Range, default: int) -> Outcome:
    ok, found = judge_number(
        facts.login_defs().get(key), LOGIN_DEFS, want, default, "shadow-utils default"
    )
    return verdict(ok, [found], f"{key} is not {want}")


def uid_min(facts: Facts) -> int:
    value = as_int(facts.login_defs().get("UID_MIN", Setting("1000", "")).value)
    return 1000 if value is None else value


def require_shadow(facts: Facts) -> None:
    """The shadow metadata, or FactMissing with the collector's reason (usually: needs root)."""
    if not facts.has_shadow:
        facts.text("shadow:meta")  # raises with the reason
        raise FactMissing("shadow:meta", "unreadable")


def all_accounts(facts: Facts) -> list[Account]:
    """Every account; a passwd with no valid line cannot be judged (it would pass vacuously)."""
    accounts = facts.accounts()
    if not accounts:
        raise FactMissing("file:/etc/passwd", "no valid account line")
    return accounts


def with_password(facts: Facts) -> list[Account]:
    """Accounts that can log in with a password (a hash, not locked, not empty)."""
    require_shadow(facts)
    return [a for a in all_accounts(facts) if a.password in HASHED]


def pam_stack(facts: Facts, services: Sequence[str], kind: str) -> tuple[str, list[PamLine]]:
    """The first PAM service of ``services`` that exists, and its lines of ``kind``."""
    for service in services:
        if facts.file(f"/etc/pam.d/{service}") is not None:
            return service, [line for line in facts.pam(service) if line.kind == kind]
    return services[0], []


PASSWORD_STACKS = ("passwd", "common-password", "system-auth")
AUTH_STACKS = (("sshd", "password-auth", "common-auth"), ("login", "system-auth", "common-auth"))


def module_lines(lines: Iterable[PamLine], module: str) -> list[PamLine]:
    return [line for line in lines if line.module.rsplit("/", 1)[-1] == module]


def enforcing(line: PamLine) -> bool:
    """A PAM line whose failure fails the stack (not optional or sufficient)."""
    return line.control not in ("optional", "sufficient")


def pam_setting(lines: Sequence[PamLine], key: str, conf: Mapping[str, Setting]) -> Setting | None:
    """A module option: an argument on its PAM line wins over its configuration file."""
    for line in lines:
        value = line.arg(key)
        if value is not None:
            return Setting(value, line.source)
    return conf.get(key)


def pwquality_lines(facts: Facts) -> tuple[list[PamLine], Evidence]:
    service, lines = pam_stack(facts, PASSWORD_STACKS, "password")
    found = [line for line in module_lines(lines, "pam_pwquality.so") if enforcing(line)]
    source = found[0].source if found else f"/etc/pam.d/{service}"
    seen = " ".join((found[0].control, found[0].module, *found[0].args)) if found else "(absent)"
    return found, ev(seen, source, "pam_pwquality.so required in the password stack")


def pwquality_number(facts: Facts, key: str, want: Range, default: int) -> Outcome:
    lines, module = pwquality_lines(facts)
    if not lines:
        return verdict(False, [module], f"pam_pwquality is not in the password stack: {key} unused")
    setting = pam_setting(lines, key, facts.pwquality())
    ok, found = judge_number(
        setting, "/etc/security/pwquality.conf", want, default, "pam_pwquality default"
    )
    return verdict(ok, [module, found], f"pam_pwquality {key} is not {want}")


def faillock_lines(facts: Facts) -> tuple[list[PamLine], list[Evidence]]:
    """pam_faillock auth lines of the login stacks; every existing stack must call it."""
    lines: list[PamLine] = []
    evidence: list[Evidence] = []
    for candidates in AUTH_STACKS:
        service, stack = pam_stack(facts, candidates, "auth")
        if not stack:
            continue
        found = module_lines(stack, "pam_faillock.so")
        seen = listing([" ".join(line.args) or "(no options)" for line in found]) or "(absent)"
        where = found[0].source if found else f"/etc/pam.d/{service}"
        evidence.append(ev(seen, where, "pam_faillock.so preauth and authfail in the auth stack"))
        if not found:
            return [], evidence
        lines += found
    return lines, evidence


def faillock_outcome(
    facts: Facts, judge: Callable[[Setting | None], tuple[bool, Evidence]], what: str
) -> Outcome:
    lines, evidence = faillock_lines(facts)
    if not evidence:
        return verdict(False, [ev("(none)", "/etc/pam.d", "a login PAM stack")], "no login stack")
    if not lines:
        return verdict(False, evidence, f"pam_faillock is not in every login stack: {what} unused")
    ok, found = judge(pam_setting(lines, what, facts.faillock_conf()))
    return verdict(ok, [*evidence, found], f"pam_faillock {what} is not as required")


_SHELL_ASSIGN = r"^(?:(?:export|readonly|declare|typeset|local)(?:\s+-[a-zA-Z]+)*\s+)*{name}=(\S*)"
_READONLY = r"(?:\breadonly\b|\b(?:declare|typeset)\s+-[a-zA-Z]*r[a-zA-Z]*\b).*\b{name}\b"


def shell_assignments(facts: Facts, name: str) -> tuple[list[tuple[str, Setting]], bool]:
    """Values assigned to a shell variable in the login start-up files, and whether readonly."""
    assign, readonly = (
        re.compile(_SHELL_ASSIGN.format(name=name)),
        re.compile(_READONLY.format(name=name)),
    )
    values, locked = [], False
    for setting in facts.profile():
        match = assign.match(setting.value)
        if match:
            value = match.group(1).split(";", 1)[0].strip("\"'")
            values.append((value, setting))
        locked = locked or bool(readonly.search(setting.value))
    return values, locked


# -- sshd -----------------------------------------------------------------------------------

SSHD_CONFIG = "/etc/ssh/sshd_config"
SSHD_DEFAULT_NOTE = "OpenSSH default"
# OpenSSH 9.x defaults (sshd_config(5)), used when sshd_config is silent or says +/-/^list
OPENSSH_DEFAULTS = {
    "ciphers": "chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,"
    "aes128-gcm@openssh.com,aes256-gcm@openssh.com",
    "macs": "umac-64-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com,"
    "hmac-sha2-512-etm@openssh.com,hmac-sha1-etm@openssh.com,umac-64@openssh.com,"
    "umac-128@openssh.com,hmac-sha2-256,hmac-sha2-512,hmac-sha1",
    "kexalgorithms": "sntrup761x25519-sha512@openssh.com,curve25519-sha256,"
    "curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,"
    "diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,"
    "diffie-hellman-group18-sha512,diffie-hellman-group14-sha256",
    "allowtcpforwarding": "yes",
    "allowagentforwarding": "yes",
    "x11forwarding": "no",
    "permittunnel": "no",
    "compression": "yes",
}


def sshd_settings(facts: Facts) -> tuple[dict[str, Setting], dict[str, Setting]] | None:
    """(effective settings from ``sshd -T``, settings as written); None without sshd."""
    section = facts.section("cmd:sshd_T")
    if section is not None and section.rc == NOT_INSTALLED:
        return None
    return facts.sshd(), facts.sshd_config()


def sshd_both(
    facts: Facts,
    key: str,
    judge: Callable[[Setting | None, str], tuple[bool, Evidence]],
    failed: str,
    live_may_omit: bool = False,
) -> Outcome:
    """Judge an sshd option live and as configured; ``judge(setting, where)``.

    ``sshd -T`` prints every option it knows, so a missing one means the output is not what
    it seems and fails, unless ``live_may_omit`` (an option newer OpenSSH no longer prints).
    """
    both = sshd_settings(facts)
    if both is None:
        return na("sshd is not installed")
    live, conf = both
    if key in live or not live_may_omit:
        ok_live, seen_live = (
            judge(live.get(key), "sshd -T")
            if key in live
            else (False, ev("(not reported)", "sshd -T", "sshd -T prints every option it knows"))
        )
    else:
        ok_live, seen_live = judge(None, "sshd -T")
    ok_conf, seen_conf = judge(conf.get(key), SSHD_CONFIG)
    return verdict(ok_live and ok_conf, [seen_live, seen_conf], failed)


def sshd_number(facts: Facts, key: str, want: Range, default: int) -> Outcome:
    return sshd_both(
        facts,
        key,
        lambda s, where: judge_number(s, where, want, default, SSHD_DEFAULT_NOTE),
        f"sshd {key} is not {want}",
    )


def sshd_choice(facts: Facts, key: str, allowed: Sequence[str], default: str) -> Outcome:
    return sshd_both(
        facts,
        key,
        lambda s, where: judge_choice(s, where, allowed, default, SSHD_DEFAULT_NOTE),
        f"sshd {key} is not {' or '.join(allowed)}",
    )


_SSHD_TIME = re.compile(r"(?:([0-9]{1,9})([smhdwSMHDW]?))+")


def sshd_seconds(text: str) -> int | None:
    """An sshd time value (``90``, ``1m30s``) in seconds."""
    text = text.strip()
    if not _SSHD_TIME.fullmatch(text):
        return None
    unit = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
    return sum(int(n) * unit[u.lower()] for n, u in re.findall(r"([0-9]+)([a-zA-Z]?)", text))


def sshd_algorithms(value: str, default: str) -> list[str]:
    """An algorithm list, resolving OpenSSH's +append, -remove and ^prepend forms."""
    value = value.strip()
    base = [a for a in default.split(",") if a]
    items = [a for a in value[1:].split(",") if a] if value[:1] in "+-^" and value else []
    if value.startswith("+"):
        return base + items
    if value.startswith("^"):
        return items + base
    if value.startswith("-"):
        return [a for a in base if not any(fnmatchcase(a, pattern) for pattern in items)]
    return [a for a in value.split(",") if a]


def strong_algorithms(facts: Facts, key: str, allowed: Sequence[str]) -> Outcome:
    default = OPENSSH_DEFAULTS[key]
    permitted = set(allowed)

    def judge(setting: Setting | None, where: str) -> tuple[bool, Evidence]:
        if setting is None:
            offered, seen = sshd_algorithms(default, default), f"(not set: {SSHD_DEFAULT_NOTE})"
        else:
            offered, seen = sshd_algorithms(setting.value, default), setting.value
            where = setting.source
        weak = [a for a in offered if a not in permitted]
        shown = f"weak: {listing(weak)}" if weak else (seen or "(empty)")
        return not weak and bool(offered), ev(shown, where, f"only strong {key}")

    return sshd_both(facts, key, judge, f"sshd offers weak {key}")


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


# -- kernel settings ---------------------------------------------------------------------------

# Kernel defaults (Documentation/admin-guide/sysctl/*.rst, networking/ip-sysctl.rst, and
# net/ipv4/devinet.c for the per-interface "default" row) for a key no sysctl.d file sets: the
# value it will have after the next boot. None: the default depends on how the kernel was built
# (CONFIG_SECURITY_DMESG_RESTRICT), so only an explicit setting can be judged.
SYSCTL_DEFAULTS: dict[str, int | None] = {
    "kernel.kptr_restrict": 0,
    "kernel.dmesg_restrict": None,
    "kernel.randomize_va_space": 2,
    "fs.suid_dumpable": 0,
    "net.ipv4.ip_forward": 0,
    "net.ipv6.conf.all.forwarding": 0,
    "net.ipv4.conf.all.rp_filter": 0,
    "net.ipv4.conf.default.rp_filter": 0,
    "net.ipv4.conf.all.accept_redirects": 1,
    "net.ipv4.conf.default.accept_redirects": 1,
    "net.ipv4.conf.all.secure_redirects": 1,
    "net.ipv4.conf.default.secure_redirects": 1,
    "net.ipv6.conf.all.accept_redirects": 1,
    "net.ipv6.conf.default.accept_redirects": 1,
    "net.ipv4.conf.all.send_redirects": 1,
    "net.ipv4.conf.default.send_redirects": 1,
    "net.ipv4.conf.all.accept_source_route": 0,
    "net.ipv4.conf.default.accept_source_route": 1,
    "net.ipv6.conf.all.accept_source_route": 0,
    "net.ipv6.conf.default.accept_source_route": 0,
    "net.ipv4.tcp_syncookies": 1,
}


def sysctl_check(facts: Facts, keys: Sequence[str], allowed: Iterable[int]) -> Outcome:
    """Each key configured (sysctl.d, or its kernel default) and live (``sysctl -a``) allowed.

    On a lab host only ``net.*`` keys are per host; the others are judged as configured.
    """
    want = sorted(set(allowed))
    expected = " or ".join(str(v) for v in want)
    configured = facts.sysctl_files()
    judged_live = [k for k in keys if k.startswith("net.") or not facts.in_lab]
    live = facts.sysctl() if judged_live else {}
    evidence: list[Evidence] = []
    ok = True
    for key in keys:
        setting = configured.get(key)
        if setting is None:
            value: int | None = SYSCTL_DEFAULTS.get(key)
            note = "depends on the kernel build" if value is None else "kernel default"
            evidence.append(ev(f"{key} = {value} (not set: {note})", "sysctl.d", expected))
        else:
            value = as_int(setting.value)
            evidence.append(ev(f"{key} = {setting.value}", setting.source, expected))
        ok = ok and value in want
        if key not in judged_live:
            continue
        now = live.get(key)
        if now is None and key.startswith("net.ipv6."):
            evidence.append(ev(f"{key} absent (IPv6 disabled)", "sysctl -a", expected))
            continue
        evidence.append(ev(f"{key} = {now.value if now else '(absent)'}", "sysctl -a", expected))
        ok = ok and now is not None and as_int(now.value) in want
    if len(judged_live) < len(keys):
        evidence.append(lab_note("sysctl -a"))
    return verdict(ok, evidence, f"{', '.join(keys)} not {expected} in configuration and kernel")


# -- audit rules ------------------------------------------------------------------------------


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


# -- file modes --------------------------------------------------------------------------------


def mode_check(
    facts: Facts,
    paths: Sequence[str],
    max_mode: int,
    owners: Sequence[str] = ("root",),
    groups: Sequence[str] | None = None,
    required: bool = True,
) -> tuple[bool, list[Evidence]]:
    """Each path at most ``max_mode`` (no other permission bits), owned as required."""
    modes = facts.modes()
    expected = f"<= {max_mode:04o}, owner {'/'.join(owners)}" + (
        f", group {'/'.join(groups)}" if groups else ""
    )
    ok, evidence = True, []
    for path in paths:
        found = modes.get(path)
        if found is None:
            if required:
                ok = False
                evidence.append(ev("missing", path, expected))
            continue
        good = (
            found.mode & 0o777 & ~max_mode == 0
            and found.owner in owners
            and (groups is None or found.group in groups)
        )
        ok = ok and good
        evidence.append(
            ev(f"{found.mode & 0o7777:04o} {found.owner}:{found.group}", path, expected)
        )
    return ok, evidence


def mode_outcome(facts: Facts, params: Params, paths: Sequence[str], what: str) -> Outcome:
    ok, evidence = mode_check(
        facts,
        paths,
        octal(params["max_mode"]),
        tuple(params.get("owners", ["root"])),
        tuple(params["groups"]) if "groups" in params else None,
        required=False,
    )
    if not evidence:
        return na(f"{what}: none of {', '.join(paths)} exists")
    return verdict(ok, evidence, f"{what} too permissive or not root-owned")


# =============================================================================================
# 身份鉴别 identification and authentication
# =============================================================================================


@evaluator
def pass_max_days(facts: Facts, params: Params) -> Outcome:
    """PASS_MAX_DAYS between 1 and the maximum (99999, the default, means never)."""
    return login_defs_number(facts, "PASS_MAX_DAYS", Range(1, int(params["max"])), 99999)


@evaluator
def pass_min_days(facts: Facts, params: Params) -> Outcome:
    return login_defs_number(facts, "PASS_MIN_DAYS", rng(params), 0)


@evaluator
def pass_warn_age(facts: Facts, params: Params) -> Outcome:
    return login_defs_number(facts, "PASS_WARN_AGE", rng(params), 7)


@evaluator
def password_ageing_existing(facts: Facts, params: Params) -> Outcome:
    """Accounts with a password carry the ageing rules too (login.defs only applies to new ones)."""
    limits = {
        "max_days": Range(1, int(params["max_days"])),
        "min_days": Range(int(params["min_days"]), None),
        "warn_days": Range(int(params["warn_days"]), None),
    }
    offenders = []
    for account in with_password(facts):
        for name, want in limits.items():
            value = getattr(account, name)
            if value not in want:
                offenders.append(f"{account.name} {name}={'' if value is None else value}")
    expected = ", ".join(f"{name} {want}" for name, want in limits.items())
    seen = listing(offenders) if offenders else "all accounts with a password comply"
    return verdict(
        not offenders,
        [ev(seen, SHADOW_SOURCE, expected)],
        "existing accounts keep weaker password ageing",
    )


@evaluator
def pwquality_enabled(facts: Facts, params: Params) -> Outcome:
    lines, module = pwquality_lines(facts)
    return verdict(bool(lines), [module], "passwords are not checked by pam_pwquality")


@evaluator
def pwquality_minlen(facts: Facts, params: Params) -> Outcome:
    return pwquality_number(facts, "minlen", rng(params), 8)


@evaluator
def pwquality_minclass(facts: Facts, params: Params) -> Outcome:
    """minclass, or as many character classes made mandatory by negative credits."""
    lines, module = pwquality_lines(facts)
    if not lines:
        return verdict(False, [module], "pam_pwquality is not in the password stack")
    conf, need = facts.pwquality(), int(params["min"])
    minclass = pam_setting(lines, "minclass", conf)
    ok, found = judge_number(
        minclass, "/etc/security/pwquality.conf", Range(need, 4), 0, "pam_pwquality default"
    )
    credits = [
        (k, pam_setting(lines, k, conf)) for k in ("dcredit", "ucredit", "lcredit", "ocredit")
    ]
    required = [k for k, s in credits if s is not None and (as_int(s.value) or 0) < 0]
    seen = f"{len(required)} classes required by credits ({', '.join(required) or 'none'})"
    by_credits = ev(seen, "/etc/security/pwquality.conf", f">= {need} negative credits")
    return verdict(
        ok or len(required) >= need,
        [module, found, by_credits],
        f"fewer than {need} character classes required",
    )


@evaluator
def pwquality_retry(facts: Facts, params: Params) -> Outcome:
    return pwquality_number(facts, "retry", Range(1, int(params["max"])), 1)


@evaluator
def pwquality_enforce_for_root(facts: Facts, params: Params) -> Outcome:
    lines, module = pwquality_lines(facts)
    setting = pam_setting(lines, "enforce_for_root", facts.pwquality()) if lines else None
    found = ev(
        "set" if setting else "(not set: off by default)",
        setting.source if setting else "/etc/security/pwquality.conf",
        "enforce_for_root",
    )
    return verdict(
        bool(lines) and setting is not None,
        [module, found],
        "root may set passwords that fail the quality rules",
    )


@evaluator
def pwhistory_remember(facts: Facts, params: Params) -> Outcome:
    """pam_pwhistory (or pam_unix remember=) keeps enough old passwords to refuse reuse."""
    _, lines = pam_stack(facts, PASSWORD_STACKS, "password")
    want = rng(params)
    history = [line for line in module_lines(lines, "pam_pwhistory.so") if enforcing(line)]
    if history:
        ok, found = judge_number(
            pam_setting(history, "remember", facts.pwhistory_conf()),
            "/etc/security/pwhistory.conf",
            want,
            10,
            "pam_pwhistory default",
        )
        return verdict(ok, [found], f"pam_pwhistory remembers fewer than {want.low} passwords")
    unix = pam_setting(module_lines(lines, "pam_unix.so"), "remember", {})
    ok, found = judge_number(
        unix, "/etc/pam.d (pam_pwhistory.so, pam_unix.so remember=)", want, None, ""
    )
    return verdict(ok, [found], "old passwords may be reused")


HASH_OPTIONS = ("md5", "bigcrypt", "sha256", "sha512", "blowfish", "gost_yescrypt", "yescrypt")


@evaluator
def password_hash_algorithm(facts: Facts, params: Params) -> Outcome:
    """New passwords hashed with a strong algorithm, by PAM and by the shadow tools."""
    allowed = [a.lower() for a in params["allowed"]]
    service, lines = pam_stack(facts, PASSWORD_STACKS, "password")
    unix = module_lines(lines, "pam_unix.so")
    method = facts.login_defs().get("ENCRYPT_METHOD")
    ok_defs, by_defs = judge_choice(method, LOGIN_DEFS, allowed, "DES", "shadow-utils default")
    chosen = [a for line in unix for a in line.args if a.lower() in HASH_OPTIONS]
    if not unix:
        by_pam, ok_pam = ev("(pam_unix.so absent)", f"/etc/pam.d/{service}", "pam_unix.so"), False
    elif chosen:
        ok_pam = chosen[-1].lower() in allowed
        by_pam = ev(chosen[-1], unix[0].source, " or ".join(allowed))
    else:  # pam_unix then follows ENCRYPT_METHOD
        ok_pam = ok_defs
        by_pam = ev("(no option: ENCRYPT_METHOD applies)", unix[0].source, " or ".join(allowed))
    return verdict(ok_pam and ok_defs, [by_pam, by_defs], "passwords hashed with a weak algorithm")


@evaluator
def password_hashes_existing(facts: Facts, params: Params) -> Outcome:
    allowed = set(params["allowed"])
    weak = [f"{a.name} ({a.password})" for a in with_password(facts) if a.password not in allowed]
    seen = listing(weak) if weak else "every stored hash uses a strong algorithm"
    return verdict(
        not weak,
        [ev(seen, SHADOW_SOURCE, " or ".join(sorted(allowed)))],
        "some passwords are stored with a weak hash",
    )


@evaluator
def faillock_deny(facts: Facts, params: Params) -> Outcome:
    want = Range(1, int(params["max"]))
    return faillock_outcome(
        facts,
        lambda s: judge_number(s, "/etc/security/faillock.conf", want, 3, "pam_faillock default"),
        "deny",
    )


@evaluator
def faillock_unlock_time(facts: Facts, params: Params) -> Outcome:
    """Locked long enough; 0 (never unlock by itself) is stricter and passes."""
    need = int(params["min"])
    expected = f"0 (never) or >= {need}"

    def judge(setting: Setting | None) -> tuple[bool, Evidence]:
        if setting is None:
            return need <= 600, ev("600 (not set: pam_faillock default)", "faillock.conf", expected)
        value = as_int(setting.value)
        good = value is not None and (value == 0 or value >= need)
        return good, ev(setting.value or "(empty)", setting.source, expected)

    return faillock_outcome(facts, judge, "unlock_time")


@evaluator
def faillock_deny_root(facts: Facts, params: Params) -> Outcome:
    def judge(setting: Setting | None) -> tuple[bool, Evidence]:
        where = setting.source if setting else "/etc/security/faillock.conf"
        return setting is not None, ev(
            "set" if setting else "(not set: off by default)", where, "even_deny_root"
        )

    return faillock_outcome(facts, judge, "even_deny_root")


@evaluator
def shell_timeout(facts: Facts, params: Params) -> Outcome:
    """TMOUT set everywhere it is set to 1..max seconds, and read-only when required."""
    values, locked = shell_assignments(facts, "TMOUT")
    want = Range(1, int(params["max"]))
    evidence = [ev(v, s.source, f"TMOUT {want}") for v, s in values] or [
        ev("(not set)", "/etc/profile, /etc/profile.d/*.sh", f"TMOUT {want}")
    ]
    ok = bool(values) and all(as_int(v) in want for v, _ in values)
    if params.get("readonly"):
        evidence.append(ev("readonly" if locked else "not readonly", "/etc/profile*", "readonly"))
        ok = ok and locked
    return verdict(ok, evidence, "idle shells are not logged out as required")


@evaluator
def sshd_client_alive(facts: Facts, params: Params) -> Outcome:
    """Unresponsive sessions dropped within max_seconds: interval x count (count 0 disables)."""
    limit = int(params["max_seconds"])
    both = sshd_settings(facts)
    if both is None:
        return na("sshd is not installed")
    evidence, ok = [], True
    for settings, where in zip(both, ("sshd -T", SSHD_CONFIG), strict=True):
        interval, count = settings.get("clientaliveinterval"), settings.get("clientalivecountmax")
        i = sshd_seconds(interval.value) if interval else 0  # may be written 5m
        c = as_int(count.value) if count else 3
        shown = f"ClientAliveInterval {interval.value if interval else '0 (default)'}, " + (
            f"ClientAliveCountMax {count.value if count else '3 (default)'}"
        )
        source = interval.source if interval else where
        good = i is not None and c is not None and i > 0 and c > 0 and i * c <= limit
        evidence.append(ev(shown, source, f"interval > 0, count > 0, interval x count <= {limit}"))
        ok = ok and good
    return verdict(ok, evidence, f"dead SSH sessions are not dropped within {limit} s")


@evaluator
def sshd_login_grace_time(facts: Facts, params: Params) -> Outcome:
    want = Range(1, int(params["max"]))

    def judge(setting: Setting | None, where: str) -> tuple[bool, Evidence]:
        if setting is None:
            return 120 in want, ev(f"120 (not set: {SSHD_DEFAULT_NOTE})", where, f"{want} s")
        return sshd_seconds(setting.value) in want, ev(setting.value, setting.source, f"{want} s")

    return sshd_both(facts, "logingracetime", judge, f"LoginGraceTime is not {want} s")


@evaluator
def sshd_max_auth_tries(facts: Facts, params: Params) -> Outcome:
    return sshd_number(facts, "maxauthtries", Range(1, int(params["max"])), 6)


@evaluator
def sshd_max_startups(facts: Facts, params: Params) -> Outcome:
    """MaxStartups start:rate:full with start and full no higher than the limits."""
    start_max, full_max = int(params["max_start"]), int(params["max_full"])
    expected = f"start <= {start_max}, full <= {full_max}"

    def judge(setting: Setting | None, where: str) -> tuple[bool, Evidence]:
        text = setting.value if setting else "10:30:100"
        parts = [as_int(p) for p in text.split(":")]
        start, full = (parts[0], parts[0]) if len(parts) == 1 else (parts[0], parts[-1])
        good = len(parts) in (1, 3) and start in Range(1, start_max) and full in Range(1, full_max)
        shown = text if setting else f"10:30:100 (not set: {SSHD_DEFAULT_NOTE})"
        return good, ev(shown, setting.source if setting else where, expected)

    return sshd_both(facts, "maxstartups", judge, "MaxStartups allows too many pending logins")


@evaluator
def sshd_max_sessions(facts: Facts, params: Params) -> Outcome:
    return sshd_number(facts, "maxsessions", Range(0, int(params["max"])), 10)


@evaluator
def sshd_permit_empty_passwords(facts: Facts, params: Params) -> Outcome:
    return sshd_choice(facts, "permitemptypasswords", ["no"], "no")


@evaluator
def sshd_protocol_2(facts: Facts, params: Params) -> Outcome:
    """Only SSH protocol 2; OpenSSH ≥ 7.4 has nothing else and no longer prints the option."""

    def judge(setting: Setting | None, where: str) -> tuple[bool, Evidence]:
        if setting is None:
            return True, ev("(not set: only protocol 2 is built in)", where, "2")
        return setting.value.strip() == "2", ev(setting.value, setting.source, "2")

    return sshd_both(facts, "protocol", judge, "sshd accepts SSH protocol 1", live_may_omit=True)


@evaluator
def sshd_strong_ciphers(facts: Facts, params: Params) -> Outcome:
    return strong_algorithms(facts, "ciphers", params["allowed"])


@evaluator
def sshd_strong_macs(facts: Facts, params: Params) -> Outcome:
    return strong_algorithms(facts, "macs", params["allowed"])


@evaluator
def sshd_strong_kex(facts: Facts, params: Params) -> Outcome:
    return strong_algorithms(facts, "kexalgorithms", params["allowed"])


@evaluator
def accounts_unique_ids(facts: Facts, params: Params) -> Outcome:
    """No two accounts share a name or a UID (a shared UID is a shared identity)."""
    accounts = all_accounts(facts)
    names: dict[str, int] = {}
    uids: dict[int, list[str]] = {}
    for account in accounts:
        names[account.name] = names.get(account.name, 0) + 1
        uids.setdefault(account.uid, []).append(account.name)
    twice = [f"name {n}" for n, count in names.items() if count > 1] + [
        f"uid {uid}: {'/'.join(who)}" for uid, who in uids.items() if len(who) > 1
    ]
    seen = listing(twice) if twice else f"{len(accounts)} accounts, all distinct"
    return verdict(
        not twice, [ev(seen, "/etc/passwd", "unique names and UIDs")], "accounts share an identity"
    )


@evaluator
def accounts_no_empty_password(facts: Facts, params: Params) -> Outcome:
    require_shadow(facts)
    empty = [a.name for a in all_accounts(facts) if a.password == "empty"]  # noqa: S105 - a status
    passwd = facts.file("/etc/passwd") or ""
    no_x = [
        f[0] for f in (line.split(":") for line in passwd.splitlines()) if len(f) == 7 and not f[1]
    ]
    evidence = [
        ev(listing(empty) or "none", SHADOW_SOURCE, "no account with an empty password"),
        ev(listing(no_x) or "none", "/etc/passwd", "no account without a password field"),
    ]
    return verdict(not empty and not no_x, evidence, "accounts log in without a password")


@evaluator
def pam_mfa_module(facts: Facts, params: Params) -> Outcome:
    """A second factor wired into SSH logins: an OTP/U2F/PKCS#11 PAM module or two methods."""
    modules = set(params["modules"])
    both = sshd_settings(facts)
    if both is None:
        return na("sshd is not installed")
    _, stack = pam_stack(facts, ("sshd",), "auth")
    found = [line for line in stack if line.module.rsplit("/", 1)[-1] in modules]
    evidence = [
        ev(
            listing([f"{line.module} ({line.source})" for line in found]) or "(none)",
            "/etc/pam.d/sshd",
            f"one of {', '.join(sorted(modules))}",
        )
    ]
    methods = both[0].get("authenticationmethods")
    two = methods is not None and all("," in m for m in methods.value.split())
    evidence.append(
        ev(
            methods.value if methods else "(any one method)",
            "sshd -T",
            "AuthenticationMethods requiring two methods",
        )
    )
    return verdict(bool(found) or two, evidence, "SSH logins need only one factor")


@evaluator
def login_source_ban(facts: Facts, params: Params) -> Outcome:
    """Addresses that keep failing SSH logins are banned for a while (fail2ban's sshd jail).

    pam_faillock locks an account; this stops one source trying many accounts.
    """
    found = installed(facts, params["packages"])
    if not found:
        seen = ev("not installed", "packages", listing(params["packages"]))
        return verdict(False, [seen], "nothing bans sources of repeated failed logins")
    ok, evidence = service_state(facts, params["services"])
    enabled = facts.fail2ban_option(params["jail"], "enabled")
    value = enabled.value if enabled else "false (jail.conf default)"
    evidence.append(ev(value, enabled.source if enabled else "/etc/fail2ban/jail.d", "true"))
    jail_on = enabled is not None and enabled.value.strip().lower() in ("true", "yes", "1")
    failed = "fail2ban is not running" if not ok else f"the {params['jail']} jail is off"
    return verdict(ok and jail_on, evidence, failed)


# =============================================================================================
# 访问控制 access control
# =============================================================================================


@evaluator
def accounts_only_root_uid0(facts: Facts, params: Params) -> Outcome:
    zero = [a.name for a in all_accounts(facts) if a.uid == 0]
    return verdict(
        zero == ["root"],
        [ev(listing(zero) or "(none)", "/etc/passwd", "root only")],
        "an account other than root has UID 0",
    )


@evaluator
def system_accounts_nologin(facts: Facts, params: Params) -> Outcome:
    """Accounts below UID_MIN (services) have no login shell."""
    exempt, limit = set(params["exempt"]), uid_min(facts)
    shells = [
        f"{a.name} ({a.shell})"
        for a in all_accounts(facts)
        if a.uid < limit and a.name not in exempt and a.can_log_in
    ]
    seen = listing(shells) if shells else "all system accounts have no login shell"
    return verdict(
        not shells,
        [ev(seen, "/etc/passwd", f"uid < {limit}: nologin or false")],
        "system accounts can open a shell",
    )


@evaluator
def account_inactive(facts: Facts, params: Params) -> Outcome:
    """Accounts locked max days after their password expired: the default and existing ones."""
    want = Range(0, int(params["max"]))
    ok, default = judge_number(
        facts.useradd_defaults().get("INACTIVE"),
        "/etc/default/useradd",
        want,
        -1,
        "useradd default: never",
    )
    late = [
        f"{a.name} ({'' if a.inactive_days is None else a.inactive_days})"
        for a in with_password(facts)
        if a.inactive_days not in want
    ]
    existing = ev(
        listing(late) or "all accounts with a password comply", SHADOW_SOURCE, f"inactive {want}"
    )
    return verdict(ok and not late, [default, existing], "expired accounts stay usable")


@evaluator
def sshd_permit_root_login(facts: Facts, params: Params) -> Outcome:
    return sshd_choice(facts, "permitrootlogin", ["no"], "prohibit-password")


@evaluator
def su_restricted(facts: Facts, params: Params) -> Outcome:
    """su requires membership of an administrators' group (pam_wheel)."""
    lines = [
        line
        for line in module_lines(facts.pam("su"), "pam_wheel.so")
        if line.kind == "auth" and line.control in ("required", "requisite")
    ]
    if not lines:
        found = ev("(absent)", "/etc/pam.d/su", "auth required pam_wheel.so")
        return verdict(False, [found], "any user may try su to root")
    group = lines[0].arg("group") or "wheel"
    members = facts.groups().get(group)
    who = (
        f"{group}: {','.join(members.members) or '(no members)'}" if members else f"{group}: absent"
    )
    evidence = [
        ev(" ".join(lines[0].args) or "(no options)", lines[0].source, "pam_wheel.so"),
        ev(who, "/etc/group", "the group allowed to su"),
    ]
    return verdict(True, evidence, "")


@dataclass(frozen=True)
class SudoRule:
    principals: tuple[str, ...]
    commands: tuple[str, ...]
    source: str

    @property
    def unrestricted(self) -> bool:
        """Grants every command (a list with ALL is ALL, whatever follows or is excluded)."""
        return any(re.match(r"ALL\b", command) for command in self.commands)


_SUDO_TAG = re.compile(r"\b[A-Z_]+:")
_SUDO_SPEC = re.compile(r"^((?:[^\s,]+\s*,\s*)*[^\s,]+)\s+(.*=.*)$")  # users, then hosts=…


def sudo_lines(facts: Facts) -> list[Setting]:
    """Lines of sudoers and sudoers.d with backslash continuations joined."""
    joined: list[Setting] = []
    pending: Setting | None = None
    for setting in facts.sudoers():
        text = setting.value if pending is None else f"{pending.value} {setting.value}"
        current = Setting(text, setting.source if pending is None else pending.source)
        pending = Setting(text[:-1], current.source) if text.endswith("\\") else None
        if pending is None:
            joined.append(current)
    return joined


def sudo_rules(facts: Facts) -> list[SudoRule] | None:
    """User specifications of sudoers and sudoers.d; None when sudo is not installed.

    A line that is no sudoers syntax at all means the file was not understood: rather than
    judge what may be a grant to everybody, the check reports it cannot tell.
    """
    if facts.file("/etc/sudoers") is None:
        return None
    rules = []
    for setting in sudo_lines(facts):
        line = setting.value
        first = line.split(None, 1)[0]
        if first.startswith(("Defaults", "@")) or first.endswith("_Alias"):
            continue
        match = _SUDO_SPEC.match(line)
        if match is None:
            raise FactMissing(
                f"file:{setting.source.rsplit(':', 1)[0]}",
                f"not sudoers syntax at {setting.source}: {clip(line)[:40]}",
            )
        who, rest = match.groups()
        commands = rest.split("=", 1)[1]
        commands = re.sub(r"^\s*\([^)]*\)", "", commands)
        commands = _SUDO_TAG.sub("", commands)
        rules.append(
            SudoRule(
                tuple(p.strip() for p in who.split(",") if p.strip()),
                tuple(c.strip() for c in commands.split(",") if c.strip()),
                setting.source,
            )
        )
    return rules


@evaluator
def sudo_no_unrestricted_all(facts: Facts, params: Params) -> Outcome:
    """Only root and the administrators' groups may run every command through sudo."""
    rules = sudo_rules(facts)
    if rules is None:
        return na("sudo is not installed")
    allowed = set(params["allowed"])
    broad = [
        f"{p} ({r.source})"
        for r in rules
        if r.unrestricted
        for p in r.principals
        if p not in allowed
    ]
    seen = listing(broad) if broad else "only " + ", ".join(sorted(allowed)) + " may run ALL"
    return verdict(
        not broad,
        [ev(seen, "/etc/sudoers, /etc/sudoers.d", "ALL only for admins")],
        "ordinary users may run any command as root",
    )


@evaluator
def admin_roles_separated(facts: Facts, params: Params) -> Outcome:
    """Administration split: only root and the admins group have ALL; ≥ min_roles scoped roles."""
    rules = sudo_rules(facts)
    if rules is None:
        return verdict(
            False,
            [ev("sudo not installed", "/etc/sudoers", "scoped admin roles")],
            "no delegated administration at all",
        )
    allowed, need = set(params["allowed_all"]), int(params["min_roles"])
    broad = sorted({p for r in rules if r.unrestricted for p in r.principals} - allowed)
    scoped = sorted({p for r in rules if not r.unrestricted for p in r.principals} - {"root"})
    evidence = [
        ev(
            listing(broad) or "none",
            "/etc/sudoers, /etc/sudoers.d",
            f"ALL only for {listing(sorted(allowed))}",
        ),
        ev(listing(scoped) or "none", "/etc/sudoers, /etc/sudoers.d", f">= {need} scoped roles"),
    ]
    return verdict(
        not broad and len(scoped) >= need,
        evidence,
        "administration is not split between system, security and audit roles",
    )


@evaluator
def umask_restrictive(facts: Facts, params: Params) -> Outcome:
    """Every default umask (login.defs for PAM and new homes, shell start-up files) masks 027."""
    mask = octal(params["mask"])
    expected = f"masks at least {mask:03o}"
    found = [(s.value, s.source) for s in [facts.login_defs().get("UMASK")] if s] or [
        ("022", f"{LOGIN_DEFS} (not set: shadow-utils default)")
    ]
    for setting in facts.profile():
        match = re.match(r"^umask\s+(\S+)", setting.value)
        if match:
            found.append((match.group(1).rstrip(";"), setting.source))
    ok = all(re.fullmatch(r"[0-7]{3,4}", v) and octal(v) & mask == mask for v, _ in found)
    return verdict(ok, [ev(v, s, expected) for v, s in found], "new files are readable by others")


@evaluator
def home_dirs_mode(facts: Facts, params: Params) -> Outcome:
    limit, modes, first = octal(params["max_mode"]), facts.modes(), uid_min(facts)
    evidence, ok = [], True
    for account in all_accounts(facts):
        home = modes.get(account.home)
        if not first <= account.uid < 60000 or home is None or home.kind != "directory":
            continue
        good = home.mode & 0o777 & ~limit == 0 and home.owner == account.name
        ok = ok and good
        evidence.append(
            ev(
                f"{home.mode & 0o7777:04o} {home.owner}",
                home.path,
                f"<= {limit:04o}, owner {account.name}",
            )
        )
    if not evidence:
        return Outcome("pass", [ev("no user home folder", "/etc/passwd", f"<= {limit:04o}")])
    return verdict(ok, evidence, "user home folders are open to other users")


@evaluator
def shadow_file_permissions(facts: Facts, params: Params) -> Outcome:
    ok, evidence = mode_check(
        facts, ["/etc/shadow", "/etc/gshadow"], octal(params["max_mode"]), groups=params["groups"]
    )
    return verdict(ok, evidence, "password hashes are readable by too many")


@evaluator
def passwd_file_permissions(facts: Facts, params: Params) -> Outcome:
    ok, evidence = mode_check(
        facts, ["/etc/passwd", "/etc/group"], octal(params["max_mode"]), groups=["root"]
    )
    return verdict(ok, evidence, "the account databases are writable by others")


@evaluator
def sudoers_permissions(facts: Facts, params: Params) -> Outcome:
    return mode_outcome(facts, params, ["/etc/sudoers"], "sudoers")


@evaluator
def sshd_config_permissions(facts: Facts, params: Params) -> Outcome:
    return mode_outcome(facts, params, [SSHD_CONFIG], "sshd_config")


@evaluator
def cron_permissions(facts: Facts, params: Params) -> Outcome:
    """The system crontab and cron folders are root's alone."""
    paths = [
        "/etc/cron.d",
        "/etc/cron.hourly",
        "/etc/cron.daily",
        "/etc/cron.weekly",
        "/etc/cron.monthly",
    ]
    ok_tab, tab = mode_check(
        facts, ["/etc/crontab"], octal(params["max_file_mode"]), required=False
    )
    ok_dirs, dirs = mode_check(facts, paths, octal(params["max_dir_mode"]), required=False)
    if not tab and not dirs:
        return na("cron is not installed")
    return verdict(ok_tab and ok_dirs, tab + dirs, "cron jobs are visible or writable to others")


@evaluator
def world_writable_files(facts: Facts, params: Params) -> Outcome:
    found = facts.world_writable()
    seen = listing(found) if found else "none"
    return verdict(
        not found,
        [ev(seen, "/etc /usr /bin /sbin /boot", "no world-writable file")],
        "system files are writable by everybody",
    )


@evaluator
def mac_enabled(facts: Facts, params: Params) -> Outcome:
    """Mandatory access control in force: AppArmor profiles enforcing, or SELinux enforcing."""
    modules = facts.lsm()
    if modules is None:
        return na("securityfs is not visible: the security modules belong to the machine")
    evidence = [
        ev(",".join(modules) or "(none)", "/sys/kernel/security/lsm", "apparmor or selinux")
    ]
    if "apparmor" in modules:
        enforced = [n for n, mode in facts.apparmor_profiles().items() if mode == "enforce"]
        evidence.append(ev(f"{len(enforced)} profiles enforcing", "apparmor profiles", ">= 1"))
        return verdict(bool(enforced), evidence, "no AppArmor profile is enforced")
    if "selinux" in modules:
        ok, found = judge_choice(
            facts.selinux_config().get("SELINUX"), "/etc/selinux/config", ["enforcing"], None, ""
        )
        return verdict(ok, [*evidence, found], "SELinux is not enforcing")
    return verdict(False, evidence, "no mandatory access control module is active")


@evaluator
def login_banner(facts: Facts, params: Params) -> Outcome:
    """Login banners state the terms of use and do not reveal the system's identity."""
    release = facts.os_release
    words = f"{release.get('ID', '')} {release.get('NAME', '')}".lower().split()
    names = sorted(set(words))
    escapes = [e for e in params["forbidden_escapes"]]
    evidence, ok = [], True
    for path in ("/etc/issue", "/etc/issue.net"):
        text = (facts.file(path) or "").strip()
        leaks = [e for e in escapes if e in text] + [n for n in names if n in text.lower()]
        good = bool(text) and not leaks
        seen = (
            "(empty or missing)" if not text else (f"reveals {', '.join(leaks)}" if leaks else text)
        )
        evidence.append(ev(seen, path, "a warning notice without system details"))
        ok = ok and good
    return verdict(ok, evidence, "login banners are missing or reveal the system")


# =============================================================================================
# 安全审计 security audit
# =============================================================================================


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


# =============================================================================================
# 入侵防范 intrusion prevention
# =============================================================================================


def absent(facts: Facts, params: Params, what: str) -> Outcome:
    """Neither the server's packages installed nor its ports listening."""
    packages = installed(facts, params["packages"])
    ports = {str(p) for p in params.get("ports", [])}
    sockets = facts.listening() if ports else []
    listeners = [
        f"{s.proto}/{s.port} on {s.address}" for s in sockets if f"{s.proto}/{s.port}" in ports
    ]
    evidence = [
        ev(
            listing([f"{n} {v}" for n, v in packages]) or "none installed",
            "packages",
            f"no {what} package",
        )
    ]
    if ports:
        evidence.append(
            ev(
                listing(listeners) or "none listening",
                "ss -tuln",
                f"nothing on {', '.join(sorted(ports))}",
            )
        )
    return verdict(not packages and not listeners, evidence, f"a {what} is installed or listening")


@evaluator
def telnet_server_absent(facts: Facts, params: Params) -> Outcome:
    return absent(facts, params, "telnet server")


@evaluator
def rsh_server_absent(facts: Facts, params: Params) -> Outcome:
    return absent(facts, params, "rsh/rlogin server")


@evaluator
def ftp_server_absent(facts: Facts, params: Params) -> Outcome:
    return absent(facts, params, "FTP server")


@evaluator
def tftp_server_absent(facts: Facts, params: Params) -> Outcome:
    return absent(facts, params, "TFTP server")


@evaluator
def nis_server_absent(facts: Facts, params: Params) -> Outcome:
    return absent(facts, params, "NIS server")


@evaluator
def xserver_absent(facts: Facts, params: Params) -> Outcome:
    return absent(facts, params, "graphical display server")


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


# =============================================================================================
# kernel settings (入侵防范 b, 恶意代码防范, 剩余信息保护)
# =============================================================================================


@evaluator
def sysctl_kptr_restrict(facts: Facts, params: Params) -> Outcome:
    return sysctl_check(facts, ["kernel.kptr_restrict"], params["allowed"])


@evaluator
def sysctl_dmesg_restrict(facts: Facts, params: Params) -> Outcome:
    return sysctl_check(facts, ["kernel.dmesg_restrict"], params["allowed"])


@evaluator
def sysctl_randomize_va_space(facts: Facts, params: Params) -> Outcome:
    return sysctl_check(facts, ["kernel.randomize_va_space"], params["allowed"])


@evaluator
def sysctl_suid_dumpable(facts: Facts, params: Params) -> Outcome:
    return sysctl_check(facts, ["fs.suid_dumpable"], params["allowed"])


@evaluator
def sysctl_rp_filter(facts: Facts, params: Params) -> Outcome:
    keys = ["net.ipv4.conf.all.rp_filter", "net.ipv4.conf.default.rp_filter"]
    return sysctl_check(facts, keys, params["allowed"])


@evaluator
def sysctl_accept_redirects(facts: Facts, params: Params) -> Outcome:
    keys = [
        f"net.ipv4.conf.{s}.{k}"
        for k in ("accept_redirects", "secure_redirects")
        for s in ("all", "default")
    ] + [f"net.ipv6.conf.{s}.accept_redirects" for s in ("all", "default")]
    return sysctl_check(facts, keys, params["allowed"])


@evaluator
def sysctl_send_redirects(facts: Facts, params: Params) -> Outcome:
    keys = [f"net.ipv4.conf.{s}.send_redirects" for s in ("all", "default")]
    return sysctl_check(facts, keys, params["allowed"])


@evaluator
def sysctl_accept_source_route(facts: Facts, params: Params) -> Outcome:
    keys = [
        f"net.{v}.conf.{s}.accept_source_route"
        for v in ("ipv4", "ipv6")
        for s in ("all", "default")
    ]
    return sysctl_check(facts, keys, params["allowed"])


@evaluator
def sysctl_ip_forward(facts: Facts, params: Params) -> Outcome:
    """No packet forwarding, except on container hosts and routers, which need it."""
    runtimes = installed(facts, params.get("exempt_packages", []))
    if runtimes:
        found = [ev(listing([n for n, _ in runtimes]), "packages", "no container runtime")]
        return na("a container host forwards packets by design", found)
    return sysctl_check(
        facts, ["net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding"], params["allowed"]
    )


@evaluator
def sysctl_tcp_syncookies(facts: Facts, params: Params) -> Outcome:
    return sysctl_check(facts, ["net.ipv4.tcp_syncookies"], params["allowed"])


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
        evidence.append(ev(listing(missing), "/etc/modprobe.d", "install MODULE /bin/false"))
    return verdict(not missing, evidence, f"loadable on demand: {listing(missing)}")


# what an ``install`` line may run instead of loading the module
MODPROBE_REFUSE = frozenset({"/bin/false", "/usr/bin/false", "/bin/true", "/usr/bin/true"})


# =============================================================================================
# 恶意代码防范 malicious code, 可信验证 trusted verification
# =============================================================================================


@evaluator
def antimalware_present(facts: Facts, params: Params) -> Outcome:
    """An anti-malware or allow-listing product installed with its service enabled and running."""
    evidence, ok = [], False
    for product in params["products"]:
        found = installed(facts, [product["package"]])
        if not found:
            continue
        good, seen = service_state(facts, [product["service"]])
        evidence += [ev(f"{found[0][0]} {found[0][1]}", "packages", "installed"), *seen]
        ok = ok or good
    if any(p["package"].startswith("clamav") for p in params["products"]):
        evidence += clamav_databases(facts)
    if not evidence:
        names = ", ".join(p["package"] for p in params["products"])
        evidence = [ev("none installed", "packages", f"one of {names}")]
    return verdict(ok, evidence, "no anti-malware or allow-listing product is active")


CLAMAV_DB = re.compile(r"^[\w.-]+\.(cvd|cld|cud|ndb|hdb|hsb|ldb|mdb|msb)$")


def clamav_databases(facts: Facts) -> list[Evidence]:
    """What ClamAV scans with: the vendor's signed sets, or the site's own signatures only.

    Not judged here (signature currency is the assessor's evidence for ce.mw.a), but shown.
    """
    section = facts.section("cmd:clamav_db")
    if section is None or section.rc != 0:
        return []
    names = [n for n in section.text.split() if CLAMAV_DB.match(n)]
    vendor = [n for n in names if n.split(".")[0] in ("main", "daily")]
    if vendor:
        seen = f"vendor sets: {listing(vendor)}"
    else:
        seen = f"site signatures only: {listing(names)}" if names else "no signature database"
    return [ev(seen, "/var/lib/clamav", "the vendor's main and daily sets, kept current")]


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


# =============================================================================================
# 剩余信息保护 residual information
# =============================================================================================


@evaluator
def core_dumps_disabled(facts: Facts, params: Params) -> Outcome:
    """A hard limit of 0 on core files for everybody (the last matching line wins)."""
    limits = [
        lim
        for lim in facts.limits()
        if lim.domain == "*" and lim.item == "core" and lim.kind in ("hard", "-")
    ]
    if not limits:
        found = ev("(not set: unlimited hard limit)", "/etc/security/limits.conf", "* hard core 0")
        return verdict(False, [found], "processes may dump memory to disk")
    last = limits[-1]
    return verdict(
        as_int(last.value) == 0,
        [ev(f"* {last.kind} core {last.value}", last.source, "* hard core 0")],
        "processes may dump memory to disk",
    )


@evaluator
def coredump_storage_none(facts: Facts, params: Params) -> Outcome:
    """systemd-coredump, when installed, stores nothing."""
    if not installed(facts, ["systemd-coredump"]):
        return na("systemd-coredump is not installed: core limits and fs.suid_dumpable apply")
    conf, where = facts.coredump_conf(), "/etc/systemd/coredump.conf"
    ok_store, store = judge_choice(
        conf.get("Storage"), where, ["none"], "external", "systemd default"
    )
    ok_size, size = judge_number(conf.get("ProcessSizeMax"), where, Range(0, 0), None, "")
    return verdict(ok_store and ok_size, [store, size], "systemd-coredump keeps memory images")


# =============================================================================================
# 安全管理中心 management centre: administrators, central logs, time
# =============================================================================================


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
