"""身份鉴别 (ce.ia.*): passwords, PAM, failed logins, sessions, SSH authentication.

Each evaluator is registered under its check id in
``secops/catalog/checks/identification.yaml``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from fnmatch import fnmatchcase

from secops.audit.checks import sshd_access
from secops.audit.checks.base import (
    LOGIN_DEFS,
    OPENSSH_DEFAULTS,
    SHADOW_SOURCE,
    SSHD_CONFIG,
    SSHD_DEFAULT_NOTE,
    Outcome,
    Params,
    Range,
    all_accounts,
    as_int,
    ev,
    evaluator,
    installed,
    judge_choice,
    judge_number,
    listing,
    module_lines,
    na,
    require_shadow,
    rng,
    service_state,
    shell_assignments,
    sshd_both,
    sshd_choice,
    sshd_settings,
    unset,
    verdict,
    with_password,
)
from secops.audit.facts import Facts, PamLine, Setting
from secops.audit.messages import Msg, Part, either, msg
from secops.audit.results import Evidence


def login_defs_number(facts: Facts, key: str, want: Range, default: int) -> Outcome:
    ok, found = judge_number(
        facts.login_defs().get(key), LOGIN_DEFS, want, default, msg("note.shadow")
    )
    return verdict(ok, [found], msg("ia.key_not", key=key, want=want.said()))


def pam_stack(facts: Facts, services: Sequence[str], kind: str) -> tuple[str, list[PamLine]]:
    """The first PAM service of ``services`` that exists, and its lines of ``kind``."""
    for service in services:
        if facts.file(f"/etc/pam.d/{service}") is not None:
            return service, [line for line in facts.pam(service) if line.kind == kind]
    return services[0], []


PASSWORD_STACKS = ("passwd", "common-password", "system-auth")


AUTH_STACKS = (("sshd", "password-auth", "common-auth"), ("login", "system-auth", "common-auth"))


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
    seen: Part = (
        " ".join((found[0].control, found[0].module, *found[0].args)) if found else msg("absent")
    )
    return found, ev(seen, source, msg("ia.pwquality_required"))


def pwquality_number(facts: Facts, key: str, want: Range, default: int) -> Outcome:
    lines, module = pwquality_lines(facts)
    if not lines:
        return verdict(False, [module], msg("ia.pwquality_absent_key", key=key))
    setting = pam_setting(lines, key, facts.pwquality())
    ok, found = judge_number(
        setting, "/etc/security/pwquality.conf", want, default, msg("note.pwquality")
    )
    return verdict(ok, [module, found], msg("ia.pwquality_key_not", key=key, want=want.said()))


def faillock_lines(facts: Facts) -> tuple[list[PamLine], list[Evidence]]:
    """pam_faillock auth lines of the login stacks; every existing stack must call it."""
    lines: list[PamLine] = []
    evidence: list[Evidence] = []
    for candidates in AUTH_STACKS:
        service, stack = pam_stack(facts, candidates, "auth")
        if not stack:
            continue
        found = module_lines(stack, "pam_faillock.so")
        options = [" ".join(line.args) or msg("no_options") for line in found]
        seen = listing(options) or msg("absent")
        where = found[0].source if found else f"/etc/pam.d/{service}"
        evidence.append(ev(seen, where, msg("ia.faillock_required")))
        if not found:
            return [], evidence
        lines += found
    return lines, evidence


def faillock_outcome(
    facts: Facts, judge: Callable[[Setting | None], tuple[bool, Evidence]], what: str
) -> Outcome:
    lines, evidence = faillock_lines(facts)
    if not evidence:
        found = ev(msg("none_paren"), "/etc/pam.d", msg("ia.login_stack"))
        return verdict(False, [found], msg("ia.no_login_stack"))
    if not lines:
        return verdict(False, evidence, msg("ia.faillock_absent_key", key=what))
    ok, found = judge(pam_setting(lines, what, facts.faillock_conf()))
    return verdict(ok, [*evidence, found], msg("ia.faillock_key_not", key=what))


def sshd_number(facts: Facts, key: str, want: Range, default: int) -> Outcome:
    return sshd_both(
        facts,
        key,
        lambda s, where: judge_number(s, where, want, default, SSHD_DEFAULT_NOTE),
        msg("sshd.not", key=key, allowed=want.said()),
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
        seen: Part
        if setting is None:
            offered = sshd_algorithms(default, default)
            seen = msg("ia.unset_note", note=SSHD_DEFAULT_NOTE)
        else:
            offered, seen = sshd_algorithms(setting.value, default), setting.value
            where = setting.source
        weak = [a for a in offered if a not in permitted]
        shown = msg("ia.weak", items=listing(weak)) if weak else (seen or msg("empty"))
        return not weak and bool(offered), ev(shown, where, msg("ia.only_strong", key=key))

    return sshd_both(facts, key, judge, msg("ia.weak_offered", key=key))


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
    expected: list[str | Msg] = [
        msg("ia.key_want", key=name, want=want.said()) for name, want in limits.items()
    ]
    seen = listing(offenders) if offenders else msg("ac.all_comply")
    return verdict(not offenders, [ev(seen, SHADOW_SOURCE, expected)], msg("ia.ageing_weaker"))


@evaluator
def pwquality_enabled(facts: Facts, params: Params) -> Outcome:
    lines, module = pwquality_lines(facts)
    return verdict(bool(lines), [module], msg("ia.pwquality_unchecked"))


@evaluator
def pwquality_minlen(facts: Facts, params: Params) -> Outcome:
    return pwquality_number(facts, "minlen", rng(params), 8)


@evaluator
def pwquality_minclass(facts: Facts, params: Params) -> Outcome:
    """minclass, or as many character classes made mandatory by negative credits."""
    lines, module = pwquality_lines(facts)
    if not lines:
        return verdict(False, [module], msg("ia.pwquality_absent"))
    conf, need = facts.pwquality(), int(params["min"])
    minclass = pam_setting(lines, "minclass", conf)
    ok, found = judge_number(
        minclass, "/etc/security/pwquality.conf", Range(need, 4), 0, msg("note.pwquality")
    )
    credits = [
        (k, pam_setting(lines, k, conf)) for k in ("dcredit", "ucredit", "lcredit", "ocredit")
    ]
    required: list[str | Msg] = [
        k for k, s in credits if s is not None and (as_int(s.value) or 0) < 0
    ]
    seen = msg("ia.classes_by_credits", count=len(required), keys=required or [msg("none")])
    by_credits = ev(seen, "/etc/security/pwquality.conf", msg("ia.negative_credits", need=need))
    return verdict(
        ok or len(required) >= need,
        [module, found, by_credits],
        msg("ia.few_classes", need=need),
    )


@evaluator
def pwquality_retry(facts: Facts, params: Params) -> Outcome:
    return pwquality_number(facts, "retry", Range(1, int(params["max"])), 1)


@evaluator
def pwquality_enforce_for_root(facts: Facts, params: Params) -> Outcome:
    lines, module = pwquality_lines(facts)
    setting = pam_setting(lines, "enforce_for_root", facts.pwquality()) if lines else None
    found = ev(
        msg("ia.set") if setting else msg("ia.unset_off"),
        setting.source if setting else "/etc/security/pwquality.conf",
        "enforce_for_root",
    )
    return verdict(bool(lines) and setting is not None, [module, found], msg("ia.root_weak"))


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
            msg("note.pwhistory"),
        )
        return verdict(ok, [found], msg("ia.remembers_few", count=want.low or 0))
    unix = pam_setting(module_lines(lines, "pam_unix.so"), "remember", {})
    ok, found = judge_number(
        unix, "/etc/pam.d (pam_pwhistory.so, pam_unix.so remember=)", want, None, None
    )
    return verdict(ok, [found], msg("ia.reuse"))


HASH_OPTIONS = (
    "md5",
    "bigcrypt",
    "sha256",
    "sha512",
    "blowfish",
    "gost_yescrypt",
    "yescrypt",
    "sm3",  # libxcrypt's SM3 (openEuler), 国密
)


@evaluator
def password_hash_algorithm(facts: Facts, params: Params) -> Outcome:
    """New passwords hashed with a strong algorithm, by PAM and by the shadow tools."""
    allowed = [a.lower() for a in params["allowed"]]
    service, lines = pam_stack(facts, PASSWORD_STACKS, "password")
    unix = module_lines(lines, "pam_unix.so")
    method = facts.login_defs().get("ENCRYPT_METHOD")
    ok_defs, by_defs = judge_choice(method, LOGIN_DEFS, allowed, "DES", msg("note.shadow"))
    chosen = [a for line in unix for a in line.args if a.lower() in HASH_OPTIONS]
    if not unix:
        seen = msg("ia.unix_absent")
        by_pam, ok_pam = ev(seen, f"/etc/pam.d/{service}", "pam_unix.so"), False
    elif chosen:
        ok_pam = chosen[-1].lower() in allowed
        by_pam = ev(chosen[-1], unix[0].source, either(allowed))
    else:  # pam_unix then follows ENCRYPT_METHOD
        ok_pam = ok_defs
        by_pam = ev(msg("ia.method_applies"), unix[0].source, either(allowed))
    return verdict(ok_pam and ok_defs, [by_pam, by_defs], msg("ia.weak_hash_new"))


@evaluator
def password_hashes_existing(facts: Facts, params: Params) -> Outcome:
    allowed = set(params["allowed"])
    weak = [f"{a.name} ({a.password})" for a in with_password(facts) if a.password not in allowed]
    seen = listing(weak) if weak else msg("ia.hashes_strong")
    return verdict(
        not weak,
        [ev(seen, SHADOW_SOURCE, either(sorted(allowed)))],
        msg("ia.weak_hash_stored"),
    )


@evaluator
def faillock_deny(facts: Facts, params: Params) -> Outcome:
    want = Range(1, int(params["max"]))
    return faillock_outcome(
        facts,
        lambda s: judge_number(s, "/etc/security/faillock.conf", want, 3, msg("note.faillock")),
        "deny",
    )


@evaluator
def faillock_unlock_time(facts: Facts, params: Params) -> Outcome:
    """Locked long enough; 0 (never unlock by itself) is stricter and passes."""
    need = int(params["min"])
    expected = msg("ia.never_or_min", need=need)

    def judge(setting: Setting | None) -> tuple[bool, Evidence]:
        if setting is None:
            seen = unset(600, msg("note.faillock"))
            return need <= 600, ev(seen, "faillock.conf", expected)
        value = as_int(setting.value)
        good = value is not None and (value == 0 or value >= need)
        return good, ev(setting.value or msg("empty"), setting.source, expected)

    return faillock_outcome(facts, judge, "unlock_time")


@evaluator
def faillock_deny_root(facts: Facts, params: Params) -> Outcome:
    def judge(setting: Setting | None) -> tuple[bool, Evidence]:
        where = setting.source if setting else "/etc/security/faillock.conf"
        seen = msg("ia.set") if setting else msg("ia.unset_off")
        return setting is not None, ev(seen, where, "even_deny_root")

    return faillock_outcome(facts, judge, "even_deny_root")


@evaluator
def shell_timeout(facts: Facts, params: Params) -> Outcome:
    """TMOUT set everywhere it is set to 1..max seconds, and read-only when required."""
    values, locked = shell_assignments(facts, "TMOUT")
    want = Range(1, int(params["max"]))
    expected = msg("ia.key_want", key="TMOUT", want=want.said())
    evidence = [ev(v, s.source, expected) for v, s in values] or [
        ev(msg("not_set"), "/etc/profile, /etc/profile.d/*.sh", expected)
    ]
    ok = bool(values) and all(as_int(v) in want for v, _ in values)
    if params.get("readonly"):
        seen = msg("ia.readonly") if locked else msg("ia.not_readonly")
        evidence.append(ev(seen, "/etc/profile*", msg("ia.readonly")))
        ok = ok and locked
    return verdict(ok, evidence, msg("ia.idle_shells"))


@evaluator
def sshd_client_alive(facts: Facts, params: Params) -> Outcome:
    """Unresponsive sessions dropped within max_seconds: interval x count (count 0 disables)."""
    limit = int(params["max_seconds"])
    both = sshd_settings(facts)
    if both is None:
        return na(msg("sshd_absent"))
    evidence, ok = [], True
    for settings, where in zip(both, ("sshd -T", SSHD_CONFIG), strict=True):
        interval, count = settings.get("clientaliveinterval"), settings.get("clientalivecountmax")
        i = sshd_seconds(interval.value) if interval else 0  # may be written 5m
        c = as_int(count.value) if count else 3
        shown = msg(
            "ia.client_alive",
            interval=interval.value if interval else msg("ia.by_default", value="0"),
            count=count.value if count else msg("ia.by_default", value="3"),
        )
        source = interval.source if interval else where
        good = i is not None and c is not None and i > 0 and c > 0 and i * c <= limit
        evidence.append(ev(shown, source, msg("ia.alive_product", limit=limit)))
        ok = ok and good
    return verdict(ok, evidence, msg("ia.dead_sessions", limit=limit))


@evaluator
def sshd_login_grace_time(facts: Facts, params: Params) -> Outcome:
    want = Range(1, int(params["max"]))

    seconds = msg("ia.seconds", want=want.said())

    def judge(setting: Setting | None, where: str) -> tuple[bool, Evidence]:
        if setting is None:
            return 120 in want, ev(unset(120, SSHD_DEFAULT_NOTE), where, seconds)
        return sshd_seconds(setting.value) in want, ev(setting.value, setting.source, seconds)

    return sshd_both(facts, "logingracetime", judge, msg("ia.grace_time", want=seconds))


@evaluator
def sshd_max_auth_tries(facts: Facts, params: Params) -> Outcome:
    return sshd_number(facts, "maxauthtries", Range(1, int(params["max"])), 6)


@evaluator
def sshd_max_startups(facts: Facts, params: Params) -> Outcome:
    """MaxStartups start:rate:full with start and full no higher than the limits."""
    start_max, full_max = int(params["max_start"]), int(params["max_full"])
    expected = msg("ia.start_full", start=start_max, full=full_max)

    def judge(setting: Setting | None, where: str) -> tuple[bool, Evidence]:
        text = setting.value if setting else "10:30:100"
        parts = [as_int(p) for p in text.split(":")]
        start, full = (parts[0], parts[0]) if len(parts) == 1 else (parts[0], parts[-1])
        good = len(parts) in (1, 3) and start in Range(1, start_max) and full in Range(1, full_max)
        shown = text if setting else unset("10:30:100", SSHD_DEFAULT_NOTE)
        return good, ev(shown, setting.source if setting else where, expected)

    return sshd_both(facts, "maxstartups", judge, msg("ia.max_startups"))


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
            return True, ev(msg("ia.protocol_builtin"), where, "2")
        return setting.value.strip() == "2", ev(setting.value, setting.source, "2")

    return sshd_both(facts, "protocol", judge, msg("ia.protocol_1"), live_may_omit=True)


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
    twice: list[str | Msg] = [msg("ia.name_twice", name=n) for n, c in names.items() if c > 1]
    twice += [
        msg("ia.uid_shared", uid=uid, who="/".join(w)) for uid, w in uids.items() if len(w) > 1
    ]
    seen = listing(twice) if twice else msg("ia.all_distinct", count=len(accounts))
    return verdict(
        not twice, [ev(seen, "/etc/passwd", msg("ia.unique_ids"))], msg("ia.shared_identity")
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
        ev(listing(empty) or msg("none"), SHADOW_SOURCE, msg("ia.no_empty_password")),
        ev(listing(no_x) or msg("none"), "/etc/passwd", msg("ia.no_missing_field")),
    ]
    return verdict(not empty and not no_x, evidence, msg("ia.no_password_login"))


@evaluator
def mfa_enforced(facts: Facts, params: Params) -> Outcome:
    """Two kinds of factor for every SSH login, judged on sshd -T and the PAM stack together.

    The rules are in :mod:`secops.audit.checks.sshd_access` (shared with 入侵防范 c).
    """
    return sshd_access.mfa_outcome(facts, params)


@evaluator
def login_source_ban(facts: Facts, params: Params) -> Outcome:
    """Addresses that keep failing SSH logins are banned for a while (fail2ban's sshd jail).

    pam_faillock locks an account; this stops one source trying many accounts.
    """
    found = installed(facts, params["packages"])
    if not found:
        seen = ev(msg("not_installed"), msg("src.packages"), listing(params["packages"]))
        return verdict(False, [seen], msg("ia.no_ban"))
    ok, evidence = service_state(facts, params["services"])
    enabled = facts.fail2ban_option(params["jail"], "enabled")
    value = enabled.value if enabled else msg("ia.jail_default")
    evidence.append(ev(value, enabled.source if enabled else "/etc/fail2ban/jail.d", "true"))
    jail_on = enabled is not None and enabled.value.strip().lower() in ("true", "yes", "1")
    failed = msg("ia.fail2ban_stopped") if not ok else msg("ia.jail_off", jail=params["jail"])
    return verdict(ok and jail_on, evidence, failed)


# -- single-user mode and the cryptographic factor (issue 15 items 7 and 8) -------------------

RESCUE_UNITS = ("rescue.service", "emergency.service")


UNIT_DIRS = ("/etc/systemd/system", "/usr/lib/systemd/system", "/lib/systemd/system")


SULOGIN = ("systemd-sulogin-shell", "sulogin")


TRUE_WORDS = ("1", "yes", "true", "on")


def unit_files(facts: Facts, unit: str) -> list[str]:
    """A systemd unit's file (/etc first) and drop-ins (a name in /etc hides the same in /usr)."""
    main = next((f"{d}/{unit}" for d in UNIT_DIRS if facts.file(f"{d}/{unit}") is not None), None)
    if main is None:
        return []
    dropins: dict[str, str] = {}
    for folder in reversed(UNIT_DIRS):
        for path, _ in facts.files(f"{folder}/{unit}.d/*.conf"):
            dropins[path.rsplit("/", 1)[1]] = path
    return [main, *(dropins[name] for name in sorted(dropins))]


def unit_service(facts: Facts, paths: Sequence[str]) -> tuple[list[Setting], dict[str, Setting]]:
    """ExecStart= commands (an empty one resets) and Environment= of a unit's [Service]."""
    commands: list[Setting] = []
    environment: dict[str, Setting] = {}
    section = ""
    for line in facts.lines(paths):
        if line.value.startswith("["):
            section = line.value.strip()
            continue
        key, sep, value = line.value.partition("=")
        if section != "[Service]" or not sep:
            continue
        key, value = key.strip(), value.strip()
        if key == "ExecStart":  # a service that is not oneshot has one: the last one wins
            commands = [Setting(value, line.source)] if value else []
        elif key == "Environment":
            if not value:
                environment = {}
            for word in value.replace('"', " ").split():
                name, _, setting = word.partition("=")
                environment[name] = Setting(setting, line.source)
    return commands, environment


def sulogin_judged(command: str) -> bool:
    """A command that asks root's password: sulogin (or systemd's wrapper), never --force."""
    words = command.lstrip("-@:+!").split()
    return (
        bool(words)
        and words[0].rsplit("/", 1)[-1] in SULOGIN
        and not {"-e", "--force"} & set(words[1:])
    )


def rescue_units(facts: Facts) -> list[tuple[bool, Evidence]] | None:
    """Per systemd rescue/emergency unit: does it authenticate, and its evidence; None when
    the host has none."""
    found: list[tuple[bool, Evidence]] = []
    for unit in RESCUE_UNITS:
        paths = unit_files(facts, unit)
        if not paths:
            continue
        commands, environment = unit_service(facts, paths)
        force = environment.get("SYSTEMD_SULOGIN_FORCE")
        good = bool(commands) and all(sulogin_judged(c.value) for c in commands)
        good = good and not (force and force.value.lower() in TRUE_WORDS)
        shown: Part = " ; ".join(c.value for c in commands) or msg("ia.no_execstart")
        if force:
            shown = msg("ia.with_force", commands=shown, value=force.value)
        where = commands[-1].source if commands else paths[0]
        found.append((good, ev(shown, where, msg("ia.sulogin_asks"))))
    return found or None


@evaluator
def emergency_mode_auth(facts: Facts, params: Params) -> Outcome:
    """Single-user (rescue/emergency) mode asks for root's password: sulogin without force.

    root locked and no force: nobody gets that shell (boot media needed), which is safe;
    SYSTEMD_SULOGIN_FORCE=1 or ``sulogin --force`` give a locked root's shell without a
    password, so they fail.
    """
    units = rescue_units(facts)
    if units is not None:
        ok = all(good for good, _ in units)
        return verdict(ok, [e for _, e in units], msg("ia.single_user_open"))
    lines = [
        line
        for line in facts.lines(["/etc/inittab"])
        if len(fields := line.value.split(":", 3)) == 4 and "S" in fields[1].upper()
    ]
    if facts.file("/etc/inittab") is None:
        return na(msg("ia.no_single_user"))
    good = [line for line in lines if sulogin_judged(line.value.split(":", 3)[3])]
    evidence = [ev(line.value, line.source, msg("ia.no_force")) for line in lines] or [
        ev(msg("ia.no_single_entry"), "/etc/inittab", "~~:S:wait:/sbin/sulogin")
    ]
    return verdict(bool(good) and len(good) == len(lines), evidence, msg("ia.single_user_open"))


CRYPTO_METHODS = ("publickey", "gssapi-with-mic")


SM_ALGORITHMS = ("sm2", "sm3", "sm4")


@evaluator
def ssh_crypto_factor(facts: Facts, params: Params) -> Outcome:
    """Which cryptographic factor SSH logins rest on (身份鉴别 d) and what protects the session
    in transit (数据保密性 a), from ``sshd -T``: passes when a public key (or Kerberos) is
    required by every method list and no SHA-1/DSA key type is accepted."""
    both = sshd_settings(facts)
    if both is None:
        return na(msg("sshd_absent"))
    live = both[0]
    weak_types = set(params["weak_key_types"])
    pubkey = live.get("pubkeyauthentication")
    on = pubkey is not None and pubkey.value.strip().lower() == "yes"
    accepted = live.get("pubkeyacceptedalgorithms") or live.get("pubkeyacceptedkeytypes")
    types = [t for t in (accepted.value.split(",") if accepted else []) if t]
    weak = [t for t in types if t in weak_types]
    methods = live.get("authenticationmethods")
    lists = methods.value.split() if methods and methods.value.strip() != "any" else ["any"]
    required = all(any(m.split(":")[0] in CRYPTO_METHODS for m in x.split(",")) for x in lists)
    families = sorted({t.split("@")[0].replace("-cert-v01", "") for t in types})
    evidence = [
        ev(
            msg("ia.pubkey", families=listing(families)) if on else msg("ia.pubkey_off"),
            "sshd -T pubkeyauthentication, pubkeyacceptedalgorithms",
            msg("ia.key_pair"),
        ),
        ev(
            msg("ia.weak_types", types=listing(weak)) if weak else msg("ia.no_weak_types"),
            "sshd -T pubkeyacceptedalgorithms",
            msg("ia.none_of", items=sorted(weak_types)),
        ),
        ev(" ".join(lists), "sshd -T authenticationmethods", msg("ia.pubkey_every_list")),
    ]
    ciphers = [c for c in (live["ciphers"].value.split(",") if "ciphers" in live else []) if c]
    evidence.append(
        ev(
            msg("ia.transport", first=ciphers[0], count=len(ciphers))
            if ciphers
            else msg("ia.no_ciphers"),
            "sshd -T ciphers",
            msg("ia.judged_by", check="sshd_strong_ciphers"),
        )
    )
    keys = ("ciphers", "macs", "kexalgorithms", "hostkeyalgorithms")
    offered = " ".join(live[k].value for k in keys if k in live)
    sm = sorted(
        {a for a in re.split(r"[\s,]+", offered) if set(re.split(r"[-@.]", a)) & set(SM_ALGORITHMS)}
    )
    evidence.append(
        ev(
            msg("ia.sm_offered", items=listing(sm)) if sm else msg("ia.no_sm"),
            "sshd -T",
            msg("ia.sm_where_offered"),
        )
    )
    return verdict(on and required and not weak, evidence, msg("ia.no_strong_key"))


# -- the password dictionary (H3: issue 15 item 10) ---------------------------------------------

CRACKLIB_PARTS = (".pwd", ".pwi", ".hwm")
CRACKLIB_DEFAULT = "/var/cache/cracklib/cracklib_dict"  # libcrack2's compiled-in path (Debian)


def cracklib_probe(facts: Facts) -> tuple[dict[str, int], str, str | None]:
    """(size of each dictionary file, dictpath, cracklib-check's verdict on a fixed word)."""
    sizes: dict[str, int] = {}
    dictpath, answer = "", None
    for line in facts.text("cmd:cracklib").splitlines():
        kind, _, rest = line.partition("|")
        if kind == "dict":
            size, _, path = rest.partition("|")
            number = as_int(size)
            if number is not None:
                sizes[path] = number
        elif kind == "dictpath":
            dictpath = rest
        elif kind == "check":
            answer = rest.strip()
    return sizes, dictpath, answer


@evaluator
def pwquality_dictcheck(facts: Facts, params: Params) -> Outcome:
    """pam_pwquality refuses dictionary words: dictcheck on and cracklib's dictionary loading.

    The dictionary must load (cracklib-check calls a fixed dictionary word one), and its three
    files exist and are not empty at the path pam_pwquality reads (dictpath, else the default):
    a missing dictionary makes every password change through PAM fail.
    """
    lines, module = pwquality_lines(facts)
    if not lines:
        return verdict(False, [module], msg("ia.pwquality_absent"))
    setting = pam_setting(lines, "dictcheck", facts.pwquality())
    on, found = judge_number(
        setting, "/etc/security/pwquality.conf", Range(1, None), 1, msg("note.pwquality")
    )
    sizes, dictpath, answer = cracklib_probe(facts)
    base = dictpath or CRACKLIB_DEFAULT
    missing = [base + p for p in CRACKLIB_PARTS if sizes.get(base + p, 0) <= 0]
    files = ev(
        msg("ia.missing_or_empty", files=listing(missing))
        if missing
        else msg("ia.dict_size", file=f"{base}.pwd", size=sizes[base + ".pwd"]),
        msg("ia.dictpath") if dictpath else msg("ia.libcrack_default"),
        msg("ia.packed_dict"),
    )
    loads = answer is not None and "dictionary word" in answer
    probe = ev(
        answer if answer is not None else msg("ia.cracklib_absent"),
        msg("ia.cracklib_probe"),
        msg("ia.dictionary_word"),
    )
    if dictpath:  # cracklib-check reads only the default: the files at dictpath decide
        loads = not missing
    return verdict(on and not missing and loads, [module, found, files, probe], msg("ia.dict_off"))
