"""访问控制 (ce.ac.*): accounts, root, su/sudo, the three
administrators, file permissions, MAC, banners.

Each evaluator is registered under its check id in
``secops/catalog/checks/access.yaml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fnmatch import fnmatchcase

from secops.audit.checks.base import (
    LOGIN_DEFS,
    SHADOW_SOURCE,
    SSHD_CONFIG,
    Outcome,
    Params,
    Range,
    Unjudged,
    all_accounts,
    as_int,
    clip,
    distinct,
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
    unset,
    verdict,
    with_password,
)
from secops.audit.facts import (
    Facts,
    FileInventory,
    FileMode,
    Privileges,
    Setting,
    admin_wrappers,
    sudo_caller,
    sudo_privileges,
)
from secops.audit.messages import Msg, Part, either, msg


def uid_min(facts: Facts) -> int:
    value = as_int(facts.login_defs().get("UID_MIN", Setting("1000", "")).value)
    return 1000 if value is None else value


@evaluator
def accounts_only_root_uid0(facts: Facts, params: Params) -> Outcome:
    zero = [a.name for a in all_accounts(facts) if a.uid == 0]
    return verdict(
        zero == ["root"],
        [ev(listing(zero) or msg("none_paren"), "/etc/passwd", msg("ac.root_only"))],
        msg("ac.uid0_not_root_only"),
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
    seen = listing(shells) if shells else msg("ac.system_no_shell")
    return verdict(
        not shells,
        [ev(seen, "/etc/passwd", msg("ac.uid_below_nologin", limit=limit))],
        msg("ac.system_shell"),
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
        msg("note.useradd_never"),
    )
    late = [
        f"{a.name} ({'' if a.inactive_days is None else a.inactive_days})"
        for a in with_password(facts)
        if a.inactive_days not in want
    ]
    existing = ev(
        listing(late) or msg("ac.all_comply"), SHADOW_SOURCE, msg("ac.inactive", want=want.said())
    )
    return verdict(ok and not late, [default, existing], msg("ac.expired_usable"))


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
        found = ev(msg("absent"), "/etc/pam.d/su", "auth required pam_wheel.so")
        return verdict(False, [found], msg("ac.su_anyone"))
    group = lines[0].arg("group") or "wheel"
    members = facts.groups().get(group)
    who = (
        msg(
            "ac.group_members",
            group=group,
            members=",".join(members.members) or msg("ac.no_members"),
        )
        if members
        else msg("ac.group_absent", group=group)
    )
    evidence = [
        ev(" ".join(lines[0].args) or msg("no_options"), lines[0].source, "pam_wheel.so"),
        ev(who, "/etc/group", msg("ac.su_group")),
    ]
    return verdict(True, evidence, msg("ac.su_anyone"))


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
            raise Unjudged(
                f"file:{setting.source.rsplit(':', 1)[0]}",
                msg("ac.not_sudoers", where=setting.source, line=clip(line)[:40]),
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


# -- H1: effective sudo privileges (sudo -ll -U per account, groups from id -Gn) -----------
# The checks below judge what sudo lets each account run, resolved by sudo itself, and which
# groups it is in: never the sudoers lines. Which commands amount to root is data, the check's
# `vectors` parameter (GTFOBins, https://gtfobins.github.io: the "Sudo" function of each binary):
# `any_arguments` escape to a shell whatever their arguments (editors, pagers, interpreters),
# `free_arguments` do so when the caller chooses the arguments (package managers, chown, last).

_WILDCARD = re.compile(r"[*?\[]")
SUDO_SOURCE = msg("ac.sudo_source")


def escalation(command: str, vectors: Params) -> str | Msg | None:
    """Why a granted command amounts to root (a GTFOBins vector), or None when it does not."""
    if command.startswith("!"):
        return None  # an exclusion grants nothing
    if command == "ALL" or command.startswith("ALL "):
        return "ALL"
    path, _, args = command.partition(" ")
    base = path.rsplit("/", 1)[-1]
    if _WILDCARD.search(path):
        return msg("ac.wildcard", path=path)
    if base in vectors["any_arguments"] or re.fullmatch(r"python[0-9.]*|perl[0-9.]*", base):
        return msg("ac.shell_escape", path=path)
    if base in vectors["free_arguments"] and (not args.strip() or _WILDCARD.search(args)):
        return msg("ac.free_arguments", path=path)
    return None


def automation_accounts(facts: Facts, params: Params) -> set[str]:
    """The automation account: the one the audit logs in as and runs sudo through (the same
    admin path govsec harden uses), plus any the parameters declare."""
    caller = sudo_caller(facts)
    return ({caller} if caller and caller != "root" else set()) | set(params.get("automation", []))


def root_equivalent(privileges: Privileges, vectors: Params) -> list[str | Msg]:
    """The commands an account may run as root that amount to a root shell."""
    return [
        reason
        for entry in privileges.entries
        if entry.as_root
        for command in entry.commands
        if (reason := escalation(command, vectors)) is not None
    ]


@evaluator
def sudo_no_unrestricted_all(facts: Facts, params: Params) -> Outcome:
    """Only root, the automation account (and, at level 2, the administrators' groups) may run
    every command as root, or a command that amounts to it, as sudo resolves it per account."""
    if facts.file("/etc/sudoers") is None:
        return na(msg("sudo_absent"))
    everyone = sudo_privileges(facts)
    automation = automation_accounts(facts, params)
    groups = {g.lstrip("%") for g in params["allowed_groups"]}
    broad, excepted = [], []
    for name, privileges in sorted(everyone.items()):
        found = root_equivalent(privileges, params["vectors"])
        if not found or name == "root":
            continue
        if name in automation:
            excepted.append(name)
        elif not groups & set(privileges.groups):
            broad.append(msg("ac.who_why", who=name, why=listing(distinct(found))))
    allowed = ["root", *sorted(automation)] + [f"%{g}" for g in sorted(groups)]
    evidence = [
        ev(listing(broad) or msg("none"), SUDO_SOURCE, msg("ac.root_powers_only", who=allowed)),
        ev(listing(excepted) or msg("none"), SUDO_SOURCE, msg("ac.automation_exception")),
    ]
    return verdict(not broad, evidence, msg("ac.others_become_root"))


@evaluator
def sudo_authenticate_required(facts: Facts, params: Params) -> Outcome:
    """sudo asks every account for its password (no NOPASSWD, no Defaults !authenticate), but
    the automation account, which has none and logs in with its key."""
    if facts.file("/etc/sudoers") is None:
        return na(msg("sudo_absent"))
    automation = automation_accounts(facts, params)
    silent = [
        name
        for name, privileges in sorted(sudo_privileges(facts).items())
        if privileges.entries and privileges.no_authentication and name != "root"
    ]
    others = [name for name in silent if name not in automation]
    evidence = [
        ev(listing(others) or msg("none"), SUDO_SOURCE, msg("ac.sudo_asks")),
        ev(
            listing([n for n in silent if n in automation]) or msg("none"),
            SUDO_SOURCE,
            msg("ac.automation_key_login"),
        ),
    ]
    return verdict(not others, evidence, msg("ac.sudo_no_password"))


@evaluator
def admin_roles_separated(facts: Facts, params: Params) -> Outcome:
    """Three roles, each confined to its own wrapper: a role member holds no other role's or a
    privileged group, runs no command that amounts to root nor another role's wrapper, and the
    wrappers (and the folders above them) are root's alone."""
    roles: dict[str, str] = params["role_groups"]
    wrappers: dict[str, str] = params["wrappers"]
    privileged = set(params["privileged_groups"])
    rules = sudo_rules(facts)
    if rules is None:
        found = ev(msg("ac.sudo_not_installed"), "/etc/sudoers", msg("ac.scoped_roles"))
        return verdict(False, [found], msg("ac.no_delegation"))
    granted = {p.lstrip("%") for r in rules for p in r.principals if p.startswith("%")}
    missing = sorted(g for g in roles.values() if g not in granted)
    problems: list[str | Msg] = [msg("ac.no_sudo_rule", group=f"%{g}") for g in missing]
    everyone = sudo_privileges(facts)
    used = {c.partition(" ")[0] for p in everyone.values() for e in p.entries for c in e.commands}
    problems += _wrapper_problems(admin_wrappers(facts), set(wrappers.values()) & used)
    members = 0
    for name, privileges in sorted(everyone.items()):
        held = [role for role, group in roles.items() if group in privileges.groups]
        if not held:
            continue
        members += 1
        problems += _member_problems(name, held, privileges, params)
    evidence = [
        ev(
            msg("ac.role_groups", groups=len(roles) - len(missing), members=members),
            ["/etc/sudoers", SUDO_SOURCE],
            msg(
                "ac.min_roles",
                count=int(params["min_roles"]),
                groups=[f"%{g}" for g in roles.values()],
            ),
        ),
        ev(
            listing(problems) or msg("none"),
            msg("ac.roles_source", sudo=SUDO_SOURCE),
            msg("ac.own_wrapper_only", groups=sorted(privileged)),
        ),
    ]
    ok = not problems and len(roles) - len(missing) >= int(params["min_roles"])
    return verdict(ok, evidence, msg("ac.role_escapes"))


def _member_problems(
    name: str, held: list[str], privileges: Privileges, params: Params
) -> list[str | Msg]:
    """What lets one role member out of its role."""
    wrappers = params["wrappers"]
    problems: list[str | Msg] = []
    if len(held) > 1:
        problems.append(msg("ac.several_roles", name=name, roles=held))
    extra = sorted(set(privileges.groups) & set(params["privileged_groups"]))
    if extra:
        problems.append(msg("ac.in_groups", name=name, groups=extra))
    own = {wrappers[role] for role in held}
    others = set(wrappers.values()) - own
    for entry in privileges.entries:
        for command in entry.commands:
            if command.startswith("!"):
                continue
            path, _, args = command.partition(" ")
            reason = escalation(command, params["vectors"])
            if path in others:
                problems.append(msg("ac.other_role_wrapper", name=name, path=path))
            elif reason is not None:
                problems.append(msg("ac.name_reason", name=name, reason=reason))
            elif path not in own and not args.strip():
                problems.append(msg("ac.not_a_wrapper", name=name, path=path))
    return problems


def _wrapper_problems(found: dict[str, FileMode], granted: set[str]) -> list[str | Msg]:
    """A granted wrapper, or a folder above it, that someone other than root could change."""
    problems: list[str | Msg] = []
    for path in sorted(granted):
        chain = [path, *_parents(path)]
        for item in chain:
            mode = found.get(item)
            if mode is None:
                problems.append(msg("ac.path_missing", path=item))
                break
            if mode.owner != "root" or mode.mode & 0o022:
                shown = f"{mode.mode & 0o7777:04o} {mode.owner}:{mode.group}"
                problems.append(msg("ac.others_may_change", path=item, mode=shown))
    return distinct(problems)


def _parents(path: str) -> list[str]:
    parts = path.rstrip("/").split("/")[:-1]
    return ["/".join(parts[:i]) or "/" for i in range(len(parts), 0, -1)]


@evaluator
def umask_restrictive(facts: Facts, params: Params) -> Outcome:
    """Every default umask (login.defs for PAM and new homes, shell start-up files) masks 027."""
    mask = octal(params["mask"])
    expected = msg("ac.masks_at_least", mask=f"{mask:03o}")
    found: list[tuple[str, Part]] = [
        (s.value, s.source) for s in [facts.login_defs().get("UMASK")] if s
    ] or [("022", unset(LOGIN_DEFS, msg("note.shadow")))]
    for setting in facts.profile():
        match = re.match(r"^umask\s+(\S+)", setting.value)
        if match:
            found.append((match.group(1).rstrip(";"), setting.source))
    ok = all(re.fullmatch(r"[0-7]{3,4}", v) and octal(v) & mask == mask for v, _ in found)
    return verdict(ok, [ev(v, s, expected) for v, s in found], msg("ac.files_readable"))


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
                msg("mode.owner", mode=f"{limit:04o}", owner=account.name),
            )
        )
    if not evidence:
        seen = msg("ac.no_home")
        return Outcome("pass", [ev(seen, "/etc/passwd", msg("range.max", high=f"{limit:04o}"))])
    return verdict(ok, evidence, msg("ac.homes_open"))


@evaluator
def shadow_file_permissions(facts: Facts, params: Params) -> Outcome:
    ok, evidence = mode_check(
        facts, ["/etc/shadow", "/etc/gshadow"], octal(params["max_mode"]), groups=params["groups"]
    )
    return verdict(ok, evidence, msg("ac.hashes_readable"))


@evaluator
def passwd_file_permissions(facts: Facts, params: Params) -> Outcome:
    ok, evidence = mode_check(
        facts, ["/etc/passwd", "/etc/group"], octal(params["max_mode"]), groups=["root"]
    )
    return verdict(ok, evidence, msg("ac.accounts_writable"))


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
        return na(msg("ac.cron_absent"))
    return verdict(ok_tab and ok_dirs, tab + dirs, msg("ac.cron_open"))


@evaluator
def world_writable_files(facts: Facts, params: Params) -> Outcome:
    found = facts.world_writable()
    seen = listing(found) if found else msg("none")
    return verdict(
        not found,
        [ev(seen, "/etc /usr /bin /sbin /boot", msg("ac.no_world_writable"))],
        msg("ac.world_writable"),
    )


@evaluator
def mac_enabled(facts: Facts, params: Params) -> Outcome:
    """Mandatory access control in force: AppArmor profiles enforcing, or SELinux enforcing."""
    modules = facts.lsm()
    if modules is None:
        return na(msg("ac.no_securityfs"))
    evidence = [
        ev(
            ",".join(modules) or msg("none_paren"),
            "/sys/kernel/security/lsm",
            either(["apparmor", "selinux"]),
        )
    ]
    if "apparmor" in modules:
        enforced = [n for n, mode in facts.apparmor_profiles().items() if mode == "enforce"]
        seen = msg("ac.profiles_enforcing", count=len(enforced))
        evidence.append(ev(seen, msg("ac.apparmor_profiles"), msg("range.min", low=1)))
        return verdict(bool(enforced), evidence, msg("ac.no_apparmor_enforced"))
    if "selinux" in modules:
        ok, found = judge_choice(
            facts.selinux_config().get("SELINUX"), "/etc/selinux/config", ["enforcing"], None, None
        )
        return verdict(ok, [*evidence, found], msg("ac.selinux_not_enforcing"))
    return verdict(False, evidence, msg("ac.no_mac"))


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
        seen: Part = (
            msg("ac.empty_or_missing")
            if not text
            else (msg("ac.reveals", what=leaks) if leaks else text)
        )
        evidence.append(ev(seen, path, msg("ac.warning_notice")))
        ok = ok and good
    return verdict(ok, evidence, msg("ac.banner_bad"))


# -- file inventory and the SSH environment (issue 15 item 8) --------------------------------

INVENTORY_ROOTS = "find -xdev /etc /usr /bin /sbin /boot /opt /tmp /var/tmp /dev/shm"


def _usr_path(path: str) -> str:
    """The merged-/usr name of a path (/bin/su and /usr/bin/su are one file on Debian 12)."""
    for old, new in (("/bin/", "/usr/bin/"), ("/sbin/", "/usr/sbin/"), ("/lib/", "/usr/lib/")):
        if path.startswith(old):
            return new + path[len(old) :]
    return path


def _inventory(facts: Facts) -> FileInventory:
    return facts.file_inventory()


def _walked(inventory: FileInventory, offenders: list[str], what: Msg) -> None:
    """A walk cut short by its time bound proves nothing absent: error, unless it found some."""
    if not offenders and not inventory.complete:
        raise Unjudged("cmd:file_inventory", msg("ac.walk_cut", what=what))


def _shown(found: FileMode) -> str:
    return f"{found.path} ({found.mode & 0o7777:04o} {found.owner}:{found.group})"


@evaluator
def suid_sgid_inventory(facts: Facts, params: Params) -> Outcome:
    """Every setuid/setgid file of the system folders is an expected program owned by root."""
    inventory = _inventory(facts)
    allowed = [str(p) for p in params["allowed"]]
    unexpected = [
        _shown(f)
        for f in inventory.privileged
        if f.owner != "root" or not any(fnmatchcase(_usr_path(f.path), p) for p in allowed)
    ]
    _walked(inventory, unexpected, msg("ac.suid_files"))
    seen = listing(unexpected) or msg("ac.suid_all_expected", count=len(inventory.privileged))
    return verdict(
        not unexpected,
        [ev(seen, INVENTORY_ROOTS, msg("ac.suid_expected"))],
        msg("ac.suid_unexpected"),
    )


@evaluator
def unowned_files(facts: Facts, params: Params) -> Outcome:
    """No file of the system folders belongs to a uid or gid that no account has."""
    inventory = _inventory(facts)
    found = [_shown(f) for f in inventory.unowned]
    _walked(inventory, found, msg("ac.unowned_files"))
    return verdict(
        not found,
        [ev(listing(found) or msg("none"), INVENTORY_ROOTS, msg("ac.every_file_owned"))],
        msg("ac.unowned"),
    )


@evaluator
def sticky_world_writable_dirs(facts: Facts, params: Params) -> Outcome:
    """Folders anyone may write to carry the sticky bit (only owners delete their files)."""
    inventory = _inventory(facts)
    found = [_shown(f) for f in inventory.open_dirs]
    _walked(inventory, found, msg("ac.open_dirs"))
    return verdict(
        not found,
        [ev(listing(found) or msg("none"), INVENTORY_ROOTS, msg("ac.sticky"))],
        msg("ac.not_sticky"),
    )


@evaluator
def sshd_permit_user_environment(facts: Facts, params: Params) -> Outcome:
    return sshd_choice(facts, "permituserenvironment", ["no"], "no")
