"""What the evaluators of every family share: the outcome, the registry, small helpers.

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
- Every sentence and every word of evidence the tool itself writes is a message of
  :mod:`secops.audit.messages` (``msg("sshd_absent")``), so a report says it in its language;
  host data goes into evidence and message fields as it was found.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any, Literal

from secops.audit.facts import NOT_INSTALLED, Account, FactMissing, Facts, PamLine, Setting
from secops.audit.messages import Msg, Part, Text, either, english, msg, part
from secops.audit.results import Evidence

OutcomeStatus = Literal["pass", "fail", "na"]


Params = Mapping[str, Any]


@dataclass(frozen=True)
class Outcome:
    """What an evaluator found: a status, the observations behind it, and why (a message)."""

    status: OutcomeStatus
    evidence: list[Evidence] = field(default_factory=list)
    message: Msg | None = None


class Unjudged(FactMissing):
    """A fact an evaluator cannot judge, with the reason as a message rather than English."""

    def __init__(self, section: str, reason: Msg) -> None:
        super().__init__(section, english(reason))
        self.said = reason


Evaluator = Callable[[Facts, Params], Outcome]


EVALUATORS: dict[str, Evaluator] = {}


def evaluator(function: Evaluator) -> Evaluator:
    """Register ``function`` as the evaluator of the check that has its name."""
    if function.__name__ in EVALUATORS:
        raise ValueError(f"two evaluators named {function.__name__}")
    EVALUATORS[function.__name__] = function
    return function


MAX_SEEN = 160  # evidence values are host data: keep them short in reports


MAX_ITEMS = 10  # offenders listed one by one before the rest are counted


_INT = re.compile(r"[+-]?[0-9]{1,30}")  # longer digit runs are garbage, not settings


def clip(text: str) -> str:
    """Host text made safe to show: printable characters only, at most MAX_SEEN of them."""
    shown = text.strip()
    if not shown.isprintable():  # most host text is: then there is nothing to replace
        shown = "".join(c if c.isprintable() else "?" for c in shown)
    return shown if len(shown) <= MAX_SEEN else shown[: MAX_SEEN - 1] + "…"


def clipped(text: Part) -> Part:
    """``text`` with every piece of host text in it clipped (see :func:`clip`)."""
    if isinstance(text, str):
        return clip(text)
    if isinstance(text, list):
        return [clip(p) if isinstance(p, str) else _clipped(p) for p in text]
    return _clipped(text)


def _clipped(said: Msg) -> Msg:
    return Msg(said.key, {name: clipped(value) for name, value in said.fields.items()})


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

    def said(self) -> Msg:
        """The range as evidence shows it: ``1..90``, ``>= 8``, ``<= 90``, ``= 0``."""
        if self.low is not None and self.high is not None:
            if self.low == self.high:
                return msg("range.eq", value=self.low)
            return msg("range.between", low=self.low, high=self.high)
        if self.low is not None:
            return msg("range.min", low=self.low)
        if self.high is not None:
            return msg("range.max", high=self.high)
        return msg("range.any")

    def __str__(self) -> str:
        return english(self.said())


def ev(seen: Text, source: Text, expected: Text) -> Evidence:
    """One observation; host text in ``seen`` clipped, tool words said by their messages."""
    found = Evidence.of(clipped(part(seen)), part(source), part(expected))
    found.seen = clip(found.seen)
    return found


def verdict(
    ok: bool, evidence: list[Evidence], failed: Msg | None, passed: Msg | None = None
) -> Outcome:
    return Outcome("pass" if ok else "fail", evidence, passed if ok else failed)


def na(message: Msg, evidence: list[Evidence] | None = None) -> Outcome:
    return Outcome("na", evidence or [], message)


def unset(default: object, why: Msg) -> Msg:
    """``99999 (not set: shadow-utils default)``: a missing setting judged by its default."""
    return msg("default", value=str(default), note=why)


def judge_number(
    setting: Setting | None, where: Part, want: Range, default: int | None, why: Msg | None
) -> tuple[bool, Evidence]:
    """Judge one numeric setting; a missing one is judged by its documented ``default``."""
    if setting is None:
        if default is None or why is None:
            return False, ev(msg("not_set"), where, want.said())
        return default in want, ev(unset(default, why), where, want.said())
    value = as_int(setting.value)
    if value is None:
        seen = setting.value or msg("empty")
        return False, ev(seen, setting.source, msg("a_number", want=want.said()))
    return value in want, ev(setting.value, setting.source, want.said())


def judge_choice(
    setting: Setting | None,
    where: Part,
    allowed: Sequence[str],
    default: str | None,
    why: Msg | None,
) -> tuple[bool, Evidence]:
    """Judge one word setting (case-insensitive); a missing one is judged by its default."""
    expected = either(allowed)
    wanted = {a.lower() for a in allowed}
    if setting is None:
        if default is None or why is None:
            return False, ev(msg("not_set"), where, expected)
        return default.lower() in wanted, ev(unset(default, why), where, expected)
    return setting.value.strip().lower() in wanted, ev(setting.value, setting.source, expected)


def listing(items: Sequence[str | Msg]) -> Part:
    """Offenders as one evidence value: the first few, then how many more ([] when none)."""
    shown = list(items[:MAX_ITEMS])
    if len(items) <= MAX_ITEMS:
        return shown
    return msg("more", items=shown, count=len(items) - MAX_ITEMS)


def distinct(items: Iterable[str | Msg]) -> list[str | Msg]:
    """``items`` without repeats, in the order of their English (as evidence lists them)."""
    found: dict[str, str | Msg] = {}
    for item in items:
        found.setdefault(english(item), item)
    return [found[key] for key in sorted(found)]


def listener(socket: str, address: str, process: str = "") -> Msg:
    """``tcp/21 on 0.0.0.0 (vsftpd)``: a listening socket, and its program when known."""
    if process:
        return msg("listener_by", socket=socket, address=address, process=process)
    return msg("listener", socket=socket, address=address)


def lab_note(source: Part) -> Evidence:
    return Evidence.of(msg("lab.not_judged"), source, msg("lab.machine_state"))


def rng(params: Params, low: str = "min", high: str = "max") -> Range:
    return Range(
        int(params[low]) if low in params else None, int(params[high]) if high in params else None
    )


def octal(text: object) -> int:
    return int(str(text), 8)


def installed(facts: Facts, patterns: Iterable[str]) -> list[tuple[str, str]]:
    """(package, version) of installed packages matching any of the glob patterns."""
    wanted = list(patterns)
    # most patterns are plain names: looked up, not matched against every package
    exact = {p for p in wanted if not any(c in p for c in "*?[")}
    globs = [p for p in wanted if p not in exact]
    return sorted(
        (name, version)
        for name, version in facts.packages().items()
        if name in exact or any(fnmatchcase(name, p) for p in globs)
    )


def debian_family(facts: Facts) -> bool:
    release = facts.os_release
    return "debian" in f"{release.get('ID', '')} {release.get('ID_LIKE', '')}".lower().split()


def service_state(
    facts: Facts, names: Sequence[str], live: bool = True
) -> tuple[bool, list[Evidence]]:
    """Whether one of ``names`` is enabled (and, when ``live``, running), with the evidence."""
    services = facts.services()
    found = next((services[n] for n in names if n in services), None)
    if found is None:
        expected = msg("svc.enabled_running", names=either(names))
        return False, [ev(msg("not_installed"), msg("src.services"), expected)]
    seen = msg("svc.enabled") if found.enabled else msg("svc.not_enabled")
    evidence = [ev(seen, found.source, msg("svc.enabled"))]
    ok = bool(found.enabled)
    if live:
        state = {
            True: msg("svc.is_running", name=found.name),
            False: msg("svc.is_not_running", name=found.name),
            None: msg("svc.is_unknown", name=found.name),
        }[found.running]
        evidence.append(ev(state, msg("src.service_status"), msg("svc.running")))
        ok = ok and bool(found.running)
    return ok, evidence


LOGIN_DEFS = "/etc/login.defs"


SHADOW_SOURCE = "/etc/shadow"


# sm3: libxcrypt's $sm3$ (openEuler), the 国密 hash GB/T 39786-2021 asks for
HASHED = (
    "yescrypt",
    "gost-yescrypt",
    "scrypt",
    "bcrypt",
    "sha512",
    "sm3",
    "sha256",
    "md5",
    "other",
)


def require_shadow(facts: Facts) -> None:
    """The shadow metadata, or FactMissing with the collector's reason (usually: needs root)."""
    if not facts.has_shadow:
        facts.text("shadow:meta")  # raises with the reason
        raise Unjudged("shadow:meta", msg("reason.unreadable"))


def all_accounts(facts: Facts) -> list[Account]:
    """Every account; a passwd with no valid line cannot be judged (it would pass vacuously)."""
    accounts = facts.accounts()
    if not accounts:
        raise Unjudged("file:/etc/passwd", msg("reason.no_account_line"))
    return accounts


def with_password(facts: Facts) -> list[Account]:
    """Accounts that can log in with a password (a hash, not locked, not empty)."""
    require_shadow(facts)
    return [a for a in all_accounts(facts) if a.password in HASHED]


def module_lines(lines: Iterable[PamLine], module: str) -> list[PamLine]:
    return [line for line in lines if line.module.rsplit("/", 1)[-1] == module]


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


SSHD_CONFIG = "/etc/ssh/sshd_config"


SSHD_DEFAULT_NOTE = msg("note.openssh")


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
    failed: Msg,
    live_may_omit: bool = False,
) -> Outcome:
    """Judge an sshd option live and as configured; ``judge(setting, where)``.

    ``sshd -T`` prints every option it knows, so a missing one means the output is not what
    it seems and fails, unless ``live_may_omit`` (an option newer OpenSSH no longer prints).
    """
    both = sshd_settings(facts)
    if both is None:
        return na(msg("sshd_absent"))
    live, conf = both
    if key in live or not live_may_omit:
        ok_live, seen_live = (
            judge(live.get(key), "sshd -T")
            if key in live
            else (False, ev(msg("not_reported"), "sshd -T", msg("sshd.prints_all")))
        )
    else:
        ok_live, seen_live = judge(None, "sshd -T")
    ok_conf, seen_conf = judge(conf.get(key), SSHD_CONFIG)
    return verdict(ok_live and ok_conf, [seen_live, seen_conf], failed)


def sshd_choice(facts: Facts, key: str, allowed: Sequence[str], default: str) -> Outcome:
    return sshd_both(
        facts,
        key,
        lambda s, where: judge_choice(s, where, allowed, default, SSHD_DEFAULT_NOTE),
        msg("sshd.not", key=key, allowed=either(allowed)),
    )


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
    expected = either([str(v) for v in want])
    configured = facts.sysctl_files()
    judged_live = [k for k in keys if k.startswith("net.") or not facts.in_lab]
    live = facts.sysctl() if judged_live else {}
    evidence: list[Evidence] = []
    ok = True
    for key in keys:
        setting = configured.get(key)
        if setting is None:
            value: int | None = SYSCTL_DEFAULTS.get(key)
            seen = (
                msg("sysctl.unset_build", key=key)
                if value is None
                else msg("sysctl.is", key=key, value=unset(value, msg("note.kernel")))
            )
            evidence.append(ev(seen, "sysctl.d", expected))
        else:
            value = as_int(setting.value)
            evidence.append(
                ev(msg("sysctl.is", key=key, value=setting.value), setting.source, expected)
            )
        ok = ok and value in want
        if key not in judged_live:
            continue
        now = live.get(key)
        if now is None and key.startswith("net.ipv6."):
            evidence.append(ev(msg("sysctl.no_ipv6", key=key), "sysctl -a", expected))
            continue
        shown = now.value if now else msg("absent")
        evidence.append(ev(msg("sysctl.is", key=key, value=shown), "sysctl -a", expected))
        ok = ok and now is not None and as_int(now.value) in want
    if len(judged_live) < len(keys):
        evidence.append(lab_note("sysctl -a"))
    return verdict(ok, evidence, msg("sysctl.wrong", keys=list(keys), want=expected))


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
    mode, owner = f"{max_mode:04o}", "/".join(owners)
    expected = (
        msg("mode.owner_group", mode=mode, owner=owner, group="/".join(groups))
        if groups
        else msg("mode.owner", mode=mode, owner=owner)
    )
    ok, evidence = True, []
    for path in paths:
        found = modes.get(path)
        if found is None:
            if required:
                ok = False
                evidence.append(ev(msg("missing"), path, expected))
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


def mode_outcome(facts: Facts, params: Params, paths: Sequence[str], what: Part) -> Outcome:
    ok, evidence = mode_check(
        facts,
        paths,
        octal(params["max_mode"]),
        tuple(params.get("owners", ["root"])),
        tuple(params["groups"]) if "groups" in params else None,
        required=False,
    )
    if not evidence:
        return na(msg("mode.none_exists", what=what, paths=list(paths)))
    return verdict(ok, evidence, msg("mode.too_open", what=what))
