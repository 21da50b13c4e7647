"""访问控制 (ce.ac.*): accounts, root, su/sudo, the three
administrators, file permissions, MAC, banners.

Each evaluator is registered under its check id in
``secops/catalog/checks/access.yaml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from secops.audit.checks.base import (
    LOGIN_DEFS,
    SHADOW_SOURCE,
    SSHD_CONFIG,
    Outcome,
    Params,
    Range,
    all_accounts,
    as_int,
    clip,
    ev,
    evaluator,
    judge_choice,
    judge_number,
    listing,
    mode_check,
    mode_outcome,
    module_lines,
    na,
    octal,
    sshd_choice,
    verdict,
    with_password,
)
from secops.audit.facts import FactMissing, Facts, Setting


def uid_min(facts: Facts) -> int:
    value = as_int(facts.login_defs().get("UID_MIN", Setting("1000", "")).value)
    return 1000 if value is None else value


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
