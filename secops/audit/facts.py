"""Facts about one host: the collector's raw sections, and typed views of them for the checks.

The collector (collect.sh) sends raw sections — file contents and command outputs — and all
parsing happens here, on the auditor's side, as pure functions that tests feed directly. Every
value comes with where it was found (``path:line`` or the command), so a result can show its
evidence. Host data is hostile: it is decoded with replacement characters, never evaluated,
and never passed to a shell.

A view whose section is missing or unreadable raises :class:`FactMissing`, which a check
turns into an ``error`` result with the reason (e.g. "needs root").
"""

from __future__ import annotations

import base64
import binascii
import fnmatch
import json
import re
import shlex
from collections.abc import Callable, Iterable
from copy import copy
from dataclasses import dataclass, field
from functools import cached_property, wraps
from pathlib import PurePosixPath
from typing import Any, TypeVar, cast

from debian.debian_support import Version

# where a world-writable file is a finding (/tmp and the like are for everybody)
SYSTEM_FOLDERS = ("/etc/", "/usr/", "/bin/", "/sbin/", "/boot/")
# exit statuses the collector gives a file section
FILE_READ, FILE_MISSING, FILE_UNREADABLE = 0, 1, 2
NOT_INSTALLED = 127
# the order fail2ban reads its jail files in (jail.conf, not collected, sets every jail off)
FAIL2BAN_JAILS = (
    "/etc/fail2ban/jail.d/*.conf",
    "/etc/fail2ban/jail.local",
    "/etc/fail2ban/jail.d/*.local",
)
_APT_SETTING = re.compile(r'^([A-Za-z0-9:_-]+)\s+"([^"]*)"\s*;')
View = TypeVar("View", bound=Callable[..., Any])
T = TypeVar("T")


class FactMissing(Exception):  # noqa: N818 - the name is the public API of the checks
    """A fact a check needs was not collected; ``reason`` says why."""

    def __init__(self, section: str, reason: str) -> None:
        super().__init__(f"{section}: {reason}")
        self.section = section
        self.reason = reason


@dataclass(frozen=True)
class Section:
    """One raw section: its name (``file:/etc/login.defs``, ``cmd:sysctl``), status, bytes."""

    name: str
    rc: int
    data: bytes

    @property
    def text(self) -> str:
        return self.data.decode("utf-8", errors="replace")


@dataclass(frozen=True)
class Setting:
    """A value and where it was found."""

    value: str
    source: str


@dataclass(frozen=True)
class PamLine:
    kind: str  # auth, account, password, session
    control: str  # required, requisite, [success=1 default=ignore], …
    module: str  # pam_pwquality.so
    args: tuple[str, ...]
    source: str

    def arg(self, name: str) -> str | None:
        """``name=value`` → value; a bare flag → ""; absent → None."""
        for item in self.args:
            key, sep, value = item.partition("=")
            if key == name:
                return value if sep else ""
        return None


@dataclass(frozen=True)
class Account:
    name: str
    uid: int
    gid: int
    home: str
    shell: str
    password: str | None  # empty, locked, sha512, yescrypt, …; None without /etc/shadow
    last_change: int | None  # days since 1970-01-01
    min_days: int | None
    max_days: int | None
    warn_days: int | None
    inactive_days: int | None
    expire: int | None
    source: str = "/etc/passwd"

    @property
    def can_log_in(self) -> bool:
        """Has a usable password or an interactive shell (keys may still log in)."""
        return not self.shell.endswith(("nologin", "/false")) and self.shell != ""


@dataclass(frozen=True)
class Group:
    name: str
    gid: int
    members: tuple[str, ...]


@dataclass(frozen=True)
class Limit:
    domain: str
    kind: str  # hard, soft, -
    item: str
    value: str
    source: str


@dataclass(frozen=True)
class Service:
    name: str
    enabled: bool | None  # None: unknown
    running: bool | None
    source: str


@dataclass(frozen=True)
class Listener:
    proto: str  # tcp, udp
    address: str
    port: int
    process: str  # program name when known (needs root), else ""


@dataclass(frozen=True)
class FileMode:
    path: str
    mode: int
    owner: str
    group: str
    kind: str  # "regular file", "directory", …


@dataclass(frozen=True)
class FileInventory:
    """What the bounded walk of the system folders found (``cmd:file_inventory``)."""

    privileged: tuple[FileMode, ...]  # setuid or setgid regular files
    unowned: tuple[FileMode, ...]  # owner or group without an account
    open_dirs: tuple[FileMode, ...]  # world-writable folders without the sticky bit
    writable: tuple[FileMode, ...]  # world-writable regular files
    complete: bool  # False when the walk hit its time bound


@dataclass(frozen=True)
class Mount:
    device: str
    point: str
    fstype: str
    options: tuple[str, ...]


@dataclass(frozen=True)
class Upgrade:
    package: str
    installed: str
    available: str


@dataclass(frozen=True)
class SshdProbe:
    """What ``sshd -T -C`` decides for one user connecting from one address."""

    user: str
    address: str
    settings: dict[str, Setting]


def _view(method: View) -> View:
    """Compute a parsed view once per host: facts do not change once collected, and a host's
    checks read the same views again and again (sysctl -a, the audit rules, the packages…).
    A list, dict or set comes back as a shallow copy, so one check cannot alter what the next
    one reads; a FactMissing is raised again each time, never kept."""

    @wraps(method)
    def memoized(self: Facts, *args: Any) -> Any:
        return self.derived((method.__name__, *args), lambda: method(self, *args))

    return cast(View, memoized)


@dataclass
class Facts:
    """Everything collected from one host."""

    sections: dict[str, Section] = field(default_factory=dict)
    _views: dict[tuple[object, ...], object] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def derived(self, key: tuple[object, ...], compute: Callable[[], T]) -> T:
        """``compute()``, once per host and ``key`` (views of the checks' own modules too)."""
        try:
            value = cast(T, self._views[key])
        except KeyError:
            value = compute()
            self._views[key] = value
        return copy(value) if isinstance(value, list | dict | set) else value

    # -- construction ------------------------------------------------------------------

    @classmethod
    def from_output(cls, raw: bytes, boundary: str) -> Facts:
        """Parse the collector's output; damaged sections are kept as unreadable, not fatal."""
        sections: dict[str, Section] = {}
        marker = boundary.encode()
        lines = raw.split(b"\n")
        i = 0
        while i < len(lines):
            line = lines[i]
            if line.startswith(marker + b" ") and line != marker + b" END":
                name = line[len(marker) + 1 :].decode("utf-8", errors="replace")
                data_line = lines[i + 1] if i + 1 < len(lines) else b""
                trailer = lines[i + 2] if i + 2 < len(lines) else b""
                rc = _trailer_rc(trailer, marker)
                try:
                    data = base64.b64decode(data_line, validate=True)
                except (binascii.Error, ValueError):
                    data, rc = b"", -1
                sections[name] = Section(name, rc, data)
                i += 3
                continue
            i += 1
        return cls(sections)

    @classmethod
    def from_texts(cls, texts: dict[str, str | tuple[int, str]]) -> Facts:
        """Facts from ``{section name: text}`` (or ``(rc, text)``): for tests and fixtures."""
        sections = {}
        for name, value in texts.items():
            rc, text = value if isinstance(value, tuple) else (0, value)
            sections[name] = Section(name, rc, text.encode())
        return cls(sections)

    # -- raw access --------------------------------------------------------------------

    def section(self, name: str) -> Section | None:
        return self.sections.get(name)

    def text(self, name: str) -> str:
        """The text of a command section; raises FactMissing when it failed or is absent."""
        found = self.sections.get(name)
        if found is None:
            raise FactMissing(name, "not collected")
        if found.rc == NOT_INSTALLED:
            raise FactMissing(name, "the tool is not installed on the host")
        if found.rc != 0:
            reason = "needs root" if not self.is_root else f"failed with status {found.rc}"
            raise FactMissing(name, reason)
        return found.text

    def file(self, path: str) -> str | None:
        """A file's text; None when the file does not exist; FactMissing when unreadable."""
        name = f"file:{path}"
        found = self.sections.get(name)
        if found is None or found.rc == FILE_MISSING:
            return None
        if found.rc != FILE_READ:
            raise FactMissing(name, "unreadable (needs root)" if not self.is_root else "unreadable")
        return found.text

    @_view
    def files(self, pattern: str) -> list[tuple[str, str]]:
        """(path, text) of every collected file matching a glob, in name order."""
        found = []
        for name in sorted(self.sections):
            if name.startswith("file:") and fnmatch.fnmatchcase(name[5:], pattern):
                text = self.file(name[5:])
                if text is not None:
                    found.append((name[5:], text))
        return found

    def lines(self, paths: Iterable[str]) -> list[Setting]:
        """Non-comment, non-blank lines of files (globs allowed), with path:line."""
        return self._lines(tuple(paths))

    @_view
    def _lines(self, paths: tuple[str, ...]) -> list[Setting]:
        out: list[Setting] = []
        for pattern in paths:
            for path, text in self.files(pattern) if "*" in pattern else self._one(pattern):
                for number, raw in enumerate(text.splitlines(), start=1):
                    line = raw.strip()
                    if line and not line.startswith("#"):
                        out.append(Setting(line, f"{path}:{number}"))
        return out

    def texts(self, pattern: str) -> list[tuple[str, str]]:
        """(path, text) of the files a path or a glob names, in name order."""
        return self.files(pattern) if "*" in pattern else self._one(pattern)

    def _one(self, path: str) -> list[tuple[str, str]]:
        text = self.file(path)
        return [] if text is None else [(path, text)]

    # -- the host ----------------------------------------------------------------------

    @cached_property
    def is_root(self) -> bool:
        found = self.sections.get("meta:id")
        return found is not None and found.text.strip() == "0"

    @cached_property
    def in_lab(self) -> bool:
        """A govsec lab host (no systemd, no audit subsystem, no kernel sysctls)."""
        found = self.sections.get("file:/etc/govsec-lab")
        return found is not None and found.rc == FILE_READ

    @cached_property
    def os_release(self) -> dict[str, str]:
        text = self.file("/etc/os-release") or ""
        return {k: v for k, v in _assignments(text)}

    @cached_property
    def init(self) -> str:
        found = self.sections.get("meta:init")
        return found.text.strip() if found is not None and found.rc == 0 else ""

    # -- identification and authentication -----------------------------------------------

    @_view
    def login_defs(self) -> dict[str, Setting]:
        """/etc/login.defs as KEY -> value (first value wins, as shadow-utils reads it)."""
        found: dict[str, Setting] = {}
        for setting in self.lines(["/etc/login.defs"]):
            parts = setting.value.split(None, 1)
            if len(parts) == 2:
                found.setdefault(parts[0], Setting(parts[1].strip(), setting.source))
        return found

    def key_values(self, path: str) -> dict[str, Setting]:
        """A shell-style ``KEY=value`` file (/etc/default/*) as KEY -> value."""
        return _key_values(self.lines([path]), "=")

    def useradd_defaults(self) -> dict[str, Setting]:
        """/etc/default/useradd as KEY -> value."""
        return _key_values(self.lines(["/etc/default/useradd"]), "=")

    @_view
    def pam(self, service: str) -> list[PamLine]:
        """The PAM stack of /etc/pam.d/<service>, with @include expanded."""
        return self._pam(service, depth=0)

    def _pam(self, service: str, depth: int) -> list[PamLine]:
        path = f"/etc/pam.d/{service}"
        text = self.file(path)
        if text is None or depth > 8:
            return []
        out: list[PamLine] = []
        for number, raw in enumerate(_joined(text), start=1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            if line.startswith("@include"):
                out += self._pam(line.split(None, 1)[1].strip() if " " in line else "", depth + 1)
                continue
            parsed = _pam_line(line, f"{path}:{number}")
            if parsed is not None and parsed.control in ("include", "substack"):
                # `auth include system-auth` brings in that file's lines of the same type
                included = self._pam(PurePosixPath(parsed.module).name, depth + 1)
                out += [found for found in included if found.kind == parsed.kind]
            elif parsed is not None:
                out.append(parsed)
        return out

    def pam_module(self, service: str, module: str, kind: str | None = None) -> list[PamLine]:
        """Lines of a stack that call ``module`` (e.g. ``pam_faillock.so``)."""
        return [
            line
            for line in self.pam(service)
            if PurePosixPath(line.module).name == module and (kind is None or line.kind == kind)
        ]

    @_view
    def pwquality(self) -> dict[str, Setting]:
        """pwquality.conf then pwquality.conf.d/*.conf (later files win); flags map to ""."""
        return _key_values(
            self.lines(["/etc/security/pwquality.conf", "/etc/security/pwquality.conf.d/*.conf"]),
            "=",
            last_wins=True,
            flags=True,  # enforce_for_root and local_users_only are bare words
        )

    def faillock_conf(self) -> dict[str, Setting]:
        """/etc/security/faillock.conf; bare words (``even_deny_root``) map to ""."""
        return _key_values(
            self.lines(["/etc/security/faillock.conf"]), "=", last_wins=True, flags=True
        )

    @_view
    def limits(self) -> list[Limit]:
        found = []
        for setting in self.lines(["/etc/security/limits.conf", "/etc/security/limits.d/*.conf"]):
            parts = setting.value.split()
            if len(parts) >= 4:
                found.append(Limit(parts[0], parts[1], parts[2], parts[3], setting.source))
        return found

    @_view
    def accounts(self) -> list[Account]:
        """/etc/passwd joined with the shadow metadata (never the hashes)."""
        passwd = self.file("/etc/passwd")
        if passwd is None:
            raise FactMissing("file:/etc/passwd", "missing")
        shadow: dict[str, list[str]] = {}
        meta = self.sections.get("shadow:meta")
        if meta is not None and meta.rc == 0:
            for line in meta.text.splitlines():
                fields = line.split(":")
                if len(fields) == 8:
                    shadow[fields[0]] = fields[1:]
        found = []
        for number, line in enumerate(passwd.splitlines(), start=1):
            fields = line.split(":")
            if len(fields) != 7 or not fields[2].isdigit() or not fields[3].isdigit():
                continue
            extra = shadow.get(fields[0])
            found.append(
                Account(
                    name=fields[0],
                    uid=int(fields[2]),
                    gid=int(fields[3]),
                    home=fields[5],
                    shell=fields[6],
                    password=extra[0] if extra else None,
                    last_change=_int(extra[1]) if extra else None,
                    min_days=_int(extra[2]) if extra else None,
                    max_days=_int(extra[3]) if extra else None,
                    warn_days=_int(extra[4]) if extra else None,
                    inactive_days=_int(extra[5]) if extra else None,
                    expire=_int(extra[6]) if extra else None,
                    source=f"/etc/passwd:{number}",
                )
            )
        return found

    @property
    def has_shadow(self) -> bool:
        meta = self.sections.get("shadow:meta")
        return meta is not None and meta.rc == 0

    @_view
    def groups(self) -> dict[str, Group]:
        text = self.file("/etc/group")
        if text is None:
            raise FactMissing("file:/etc/group", "missing")
        found = {}
        for line in text.splitlines():
            fields = line.split(":")
            if len(fields) == 4 and fields[2].isdigit():
                members = tuple(m for m in fields[3].split(",") if m)
                found[fields[0]] = Group(fields[0], int(fields[2]), members)
        return found

    @_view
    def sshd(self) -> dict[str, Setting]:
        """sshd's effective settings from ``sshd -T`` (keys lower-case; repeated keys joined)."""
        text = self.text("cmd:sshd_T")
        found: dict[str, list[str]] = {}
        for line in text.splitlines():
            key, _, value = line.strip().partition(" ")
            if key:
                found.setdefault(key.lower(), []).append(value.strip())
        return {key: Setting(" ".join(values), "sshd -T") for key, values in found.items()}

    @_view
    def sshd_config(self) -> dict[str, Setting]:
        """sshd_config as written (first value wins; Include of sshd_config.d; Match ignored)."""
        found: dict[str, Setting] = {}
        for setting in self._sshd_lines("/etc/ssh/sshd_config", depth=0):
            key, _, value = setting.value.replace("\t", " ").partition(" ")
            if "=" in key:
                key, _, rest = setting.value.partition("=")
                value = rest
            found.setdefault(key.strip().lower(), Setting(value.strip(), setting.source))
        return found

    def _sshd_lines(self, path: str, depth: int) -> list[Setting]:
        out: list[Setting] = []
        for setting in self.lines([path]):
            word = setting.value.split(None, 1)
            if word[0].lower() == "match":
                break  # conditional blocks apply to some connections only
            if word[0].lower() == "include" and len(word) == 2 and depth < 4:
                for pattern in word[1].split():
                    target = pattern if pattern.startswith("/") else f"/etc/ssh/{pattern}"
                    for included, _ in self.files(target):
                        out += self._sshd_lines(included, depth + 1)
                continue
            out.append(setting)
        return out

    @_view
    def profile(self) -> list[Setting]:
        """Lines of the login shell start-up files."""
        return self.lines(["/etc/profile", "/etc/profile.d/*.sh", "/etc/bash.bashrc"])

    @_view
    def sudoers(self) -> list[Setting]:
        return self.lines(["/etc/sudoers", "/etc/sudoers.d/*"])

    def fail2ban_option(self, jail: str, key: str) -> Setting | None:
        """A fail2ban jail option, [DEFAULT] included, as fail2ban reads its files.

        jail.conf (every jail off) is not collected; then jail.d/*.conf, jail.local and
        jail.d/*.local, the last file read winning; a jail's own value beats any [DEFAULT].
        """
        found: dict[str, Setting] = {}
        for pattern in FAIL2BAN_JAILS:
            for path, text in self.texts(pattern):
                section = ""
                for number, raw in enumerate(text.splitlines(), start=1):
                    line = raw.split("#", 1)[0].split(";", 1)[0].strip()
                    if line.startswith("[") and line.endswith("]"):
                        section = line[1:-1].strip()
                    elif "=" in line and section in ("DEFAULT", jail):
                        name, value = (part.strip() for part in line.split("=", 1))
                        if name.lower() == key:
                            found[section] = Setting(value, f"{path}:{number}")
        return found.get(jail) or found.get("DEFAULT")

    # -- audit, logs, time ---------------------------------------------------------------

    @_view
    def auditd_conf(self) -> dict[str, Setting]:
        """/etc/audit/auditd.conf with lower-case keys."""
        found = _key_values(self.lines(["/etc/audit/auditd.conf"]), "=", last_wins=True)
        return {key.lower(): value for key, value in found.items()}

    @_view
    def audit_rules_files(self) -> list[Setting]:
        """Rules as configured: rules.d/*.rules, else audit.rules."""
        rules = self.lines(["/etc/audit/rules.d/*.rules"])
        return rules or self.lines(["/etc/audit/audit.rules"])

    @_view
    def audit_rules_live(self) -> list[str]:
        """Rules loaded in the kernel (``auditctl -l``; needs root and the audit subsystem)."""
        text = self.text("cmd:auditctl_l")
        return [
            line.strip()
            for line in text.splitlines()
            if line.strip() and line.strip() != "No rules"
        ]

    def audit_status(self) -> dict[str, str]:
        """``auditctl -s``: enabled, failure, backlog_limit, …"""
        found = {}
        for line in self.text("cmd:auditctl_s").splitlines():
            key, _, value = line.strip().partition(" ")
            if key:
                found[key] = value.strip()
        return found

    @_view
    def rsyslog(self) -> list[Setting]:
        return self.lines(["/etc/rsyslog.conf", "/etc/rsyslog.d/*.conf"])

    def logrotate(self) -> list[Setting]:
        return self.lines(["/etc/logrotate.conf", "/etc/logrotate.d/*"])

    def timedatectl(self) -> dict[str, str]:
        return {k: v for k, v in _assignments(self.text("cmd:timedatectl"))}

    # -- kernel ----------------------------------------------------------------------------

    @_view
    def sysctl(self) -> dict[str, Setting]:
        """Live kernel settings (``sysctl -a``), values with single spaces."""
        found = {}
        for line in self.text("cmd:sysctl").splitlines():
            key, sep, value = line.partition("=")
            if sep:
                found[key.strip()] = Setting(" ".join(value.split()), "sysctl -a")
        return found

    @_view
    def sysctl_files(self) -> dict[str, Setting]:
        """Kernel settings as configured, in systemd-sysctl's order (later wins).

        Files from /usr/lib, /run and /etc/sysctl.d are read by name, a file in /etc
        hiding one of the same name elsewhere; /etc/sysctl.conf comes last.
        """
        by_name: dict[str, str] = {}
        for folder in ("/usr/lib/sysctl.d", "/run/sysctl.d", "/etc/sysctl.d"):
            for path, _ in self.files(f"{folder}/*.conf"):
                by_name[PurePosixPath(path).name] = path
        ordered = [by_name[name] for name in sorted(by_name)] + ["/etc/sysctl.conf"]
        found: dict[str, Setting] = {}
        for setting in self.lines(ordered):
            key, sep, value = setting.value.lstrip("-").partition("=")
            if sep:
                found[key.strip().replace("/", ".")] = Setting(
                    " ".join(value.split()), setting.source
                )
        return found

    def modprobe(self) -> list[Setting]:
        return self.lines(["/etc/modprobe.d/*.conf"])

    def mounts(self) -> list[Mount]:
        found = []
        for line in self.text("cmd:mounts").splitlines():
            parts = line.split()
            if len(parts) >= 4:
                found.append(
                    Mount(parts[0], _unescape_mount(parts[1]), parts[2], tuple(parts[3].split(",")))
                )
        return found

    # -- software and services -----------------------------------------------------------

    @_view
    def packages(self) -> dict[str, str]:
        """Installed packages -> version."""
        found = {}
        for line in self.text("cmd:packages").splitlines():
            parts = line.split("\t")
            if len(parts) == 3 and parts[1].startswith("ii"):
                found[parts[0].split(":")[0]] = parts[2]
        return found

    @_view
    def pending_security_updates(self) -> list[Upgrade]:
        """Installed packages older than the security repository's version.

        A version that does not parse (a damaged list, a hostile host) is skipped, not fatal.
        """
        packages = self.packages()
        available: dict[str, Version] = {}
        for line in self.text("cmd:security_index").splitlines():
            name, _, text = line.partition("\t")
            if name not in packages:  # only installed packages can be pending
                continue
            version = _version(text)
            if name and version is not None:
                current = available.get(name)
                if current is None or version > current:
                    available[name] = version
        pending = []
        for name, installed in sorted(packages.items()):
            newer = available.get(name)
            current = _version(installed) if newer is not None else None
            if newer is not None and current is not None and newer > current:
                pending.append(Upgrade(name, installed, str(newer)))
        return pending

    @_view
    def services(self) -> dict[str, Service]:
        """Services with enabled/running state, from systemd or from sysv-rc."""
        if self.init == "systemd":
            return self._systemd_services()
        return self._sysv_services()

    def service(self, name: str) -> Service:
        """One service (``ssh``, ``auditd``…); unknown ones are neither enabled nor running."""
        return self.services().get(name, Service(name, False, False, "not installed"))

    def _systemd_services(self) -> dict[str, Service]:
        enabled: dict[str, bool] = {}
        for line in self.text("cmd:systemctl_units").splitlines():
            parts = line.split()
            if len(parts) >= 2 and parts[0].endswith(".service"):
                enabled[parts[0][: -len(".service")]] = parts[1] in (
                    "enabled",
                    "static",
                    "enabled-runtime",
                )
        running = set()
        for line in self.text("cmd:systemctl_running").splitlines():
            parts = line.split()
            if parts and parts[0].endswith(".service"):
                running.add(parts[0][: -len(".service")])
        names = set(enabled) | running
        return {n: Service(n, enabled.get(n), n in running, "systemctl") for n in names}

    def _sysv_services(self) -> dict[str, Service]:
        enabled = set()
        for line in self.text("cmd:rc2d").splitlines():
            match = re.match(r"^S\d\d(.+)$", line.strip())
            if match:
                enabled.add(match.group(1))
        running: dict[str, bool] = {}
        status = self.sections.get("cmd:service_status")
        if status is not None and status.rc == 0:
            for line in status.text.splitlines():
                match = re.match(r"^\s*\[\s*([+-?])\s*\]\s+(\S+)", line)
                if match:
                    running[match.group(2)] = match.group(1) == "+"
        names = enabled | set(running)
        return {n: Service(n, n in enabled, running.get(n), "/etc/rc2.d") for n in names}

    @_view
    def processes(self) -> list[tuple[str, str, str]]:
        """(user, command name, full command line) of every process."""
        found = []
        for line in self.text("cmd:ps").splitlines():
            parts = line.split(None, 2)
            if len(parts) >= 2:
                found.append((parts[0], parts[1], parts[2] if len(parts) == 3 else ""))
        return found

    @_view
    def listening(self) -> list[Listener]:
        """Listening TCP and bound UDP sockets (``ss -tulnp``)."""
        found = []
        for line in self.text("cmd:listening").splitlines():
            parts = line.split()
            if len(parts) < 5:
                continue
            address, _, port = parts[4].rpartition(":")
            if not port.isdigit():
                continue
            process = ""
            match = re.search(r'users:\(\("([^"]+)"', line)
            if match:
                process = match.group(1)
            found.append(Listener(parts[0], address.strip("[]"), int(port), process))
        return found

    def apt_setting(self, key: str) -> Setting | None:
        """A flat ``Key "value";`` apt setting; files are read in name order, the last wins."""
        found = None
        for line in self.lines(["/etc/apt/apt.conf.d/*"]):
            match = _APT_SETTING.match(line.value)
            if match and match.group(1).lower() == key.lower():
                found = Setting(match.group(2), line.source)
        return found

    # -- files -------------------------------------------------------------------------

    @_view
    def modes(self) -> dict[str, FileMode]:
        """Mode, owner and type of the paths the collector stats."""
        found = {}
        for line in self.text("cmd:stat").splitlines():
            parts = line.split("|", 4)
            if len(parts) == 5:
                try:
                    mode = int(parts[0], 8)
                except ValueError:
                    continue
                found[parts[4]] = FileMode(parts[4], mode, parts[1], parts[2], parts[3])
        return found

    def world_writable(self) -> list[str]:
        """Files anyone may write in /etc, /usr, /bin, /sbin, /boot.

        From the file inventory's walk when collected (one walk for every file check), else
        from the older ``cmd:world_writable`` section.
        """
        if "cmd:file_inventory" in self.sections:
            inventory = self.file_inventory()
            found = [f.path for f in inventory.writable if f.path.startswith(SYSTEM_FOLDERS)]
            if not found and not inventory.complete:
                raise FactMissing("cmd:file_inventory", "the walk was cut short")
            return found
        section = self.sections.get("cmd:world_writable")
        if section is None:
            raise FactMissing("cmd:world_writable", "not collected")
        return [p.decode("utf-8", errors="replace") for p in section.data.split(b"\0") if p]

    @_view
    def file_inventory(self) -> FileInventory:
        """Setuid/setgid files, unowned files and world-writable folders without the sticky
        bit, from one bounded walk of the system folders (``cmd:file_inventory``)."""
        section = self.sections.get("cmd:file_inventory")
        if section is None:
            raise FactMissing("cmd:file_inventory", "not collected")
        if section.rc != 0:
            raise FactMissing("cmd:file_inventory", "no account ids to compare owners with")
        found: dict[str, list[FileMode]] = {"S": [], "U": [], "W": [], "F": []}
        complete, garbage = True, 0
        for record in section.data.split(b"\0"):
            parts = record.decode("utf-8", errors="replace").split("|", 4)
            if parts[0] == "T":
                complete = False
                continue
            if len(parts) != 5 or parts[0] not in found or not parts[4].startswith("/"):
                garbage += bool(record)  # a record cut by the size bound, or not a record
                continue
            try:
                mode = int(parts[1], 8)
            except ValueError:
                garbage += 1
                continue
            found[parts[0]].append(FileMode(parts[4], mode, parts[2], parts[3], parts[0]))
        if garbage > 1 or (garbage and not any(found.values())):
            raise FactMissing("cmd:file_inventory", "output is not the walk's records")
        return FileInventory(
            tuple(sorted(set(found["S"]), key=lambda f: f.path)),
            tuple(sorted(set(found["U"]), key=lambda f: f.path)),
            tuple(sorted(set(found["W"]), key=lambda f: f.path)),
            tuple(sorted(set(found["F"]), key=lambda f: f.path)),
            complete,
        )

    def grub_password_lines(self) -> int | None:
        """How many password lines the boot loader config has; None without grub."""
        section = self.sections.get("cmd:grub_password")
        if section is None:
            raise FactMissing("cmd:grub_password", "not collected")
        if section.rc == 1:
            return None
        if section.rc not in (0,) and not section.text.strip().isdigit():
            raise FactMissing("cmd:grub_password", "grub.cfg unreadable (needs root)")
        value = section.text.strip().splitlines()
        return int(value[0]) if value and value[0].isdigit() and len(value[0]) < 10 else 0

    # -- added for the checks: time, boot, schedules, mandatory access control --------------

    def now(self) -> int:
        """The host's clock when collected, in seconds since 1970 (``date +%s``)."""
        value = self.text("meta:date").strip()
        if not value.isdigit():
            raise FactMissing("meta:date", f"not a timestamp: {value[:40]!r}")
        return int(value)

    def apt_lists(self) -> list[tuple[int, str]]:
        """(modification time, path) of apt's Release files: when each source was fetched."""
        found = []
        for line in self.text("cmd:apt_lists").splitlines():
            stamp, _, path = line.partition("|")
            if stamp.strip().isdigit() and path:
                found.append((int(stamp), path))
        return found

    def pwhistory_conf(self) -> dict[str, Setting]:
        """/etc/security/pwhistory.conf (pam_pwhistory ≥ 1.5); bare words map to ""."""
        return _key_values(
            self.lines(["/etc/security/pwhistory.conf"]), "=", last_wins=True, flags=True
        )

    def kernel_cmdline(self) -> list[str]:
        """The running kernel's command line, as words (``/proc/cmdline``)."""
        return self.text("cmd:cmdline").split()

    def grub_defaults(self) -> dict[str, Setting]:
        """/etc/default/grub then /etc/default/grub.d/*.cfg (later files win)."""
        return _key_values(
            self.lines(["/etc/default/grub", "/etc/default/grub.d/*.cfg"]), "=", last_wins=True
        )

    def timers(self) -> dict[str, bool]:
        """systemd timer units -> enabled (``systemctl list-unit-files --type=timer``)."""
        found = {}
        for line in self.text("cmd:systemctl_timers").splitlines():
            parts = line.split()
            if len(parts) >= 2 and parts[0].endswith(".timer"):
                found[parts[0][: -len(".timer")]] = parts[1] in ("enabled", "static")
        return found

    def cron_lines(self, word: str) -> list[Setting]:
        """Lines of the system and root crontabs that mention ``word`` (the collector greps)."""
        found = []
        for line in self.text("cmd:cron_aide").splitlines():
            path, sep, rest = line.partition(":")
            if sep and word in rest.lower() and not rest.lstrip().startswith("#"):
                found.append(Setting(rest.strip(), path))
        return found

    def lsm(self) -> list[str] | None:
        """Active Linux security modules; None when securityfs is not visible to the host."""
        section = self.sections.get("cmd:lsm")
        if section is None:
            raise FactMissing("cmd:lsm", "not collected")
        if section.rc == 1:
            return None
        return [m for m in self.text("cmd:lsm").strip().split(",") if m]

    def apparmor_profiles(self) -> dict[str, str]:
        """Loaded AppArmor profiles -> mode (enforce, complain, …); needs root."""
        found = {}
        for line in self.text("cmd:apparmor_profiles").splitlines():
            name, _, mode = line.strip().rpartition(" (")
            if name and mode.endswith(")"):
                found[name] = mode[:-1]
        return found

    def selinux_config(self) -> dict[str, Setting]:
        return _key_values(self.lines(["/etc/selinux/config"]), "=", last_wins=True)

    def chrony_tracking(self) -> dict[str, str]:
        """``chronyc -c tracking`` as named fields (the CSV order of chronyc(1))."""
        fields = self.text("cmd:chrony_tracking").strip().split(",")
        names = (
            "ref_id",
            "ref_name",
            "stratum",
            "ref_time",
            "system_offset",
            "last_offset",
            "rms_offset",
            "frequency",
            "residual_frequency",
            "skew",
            "root_delay",
            "root_dispersion",
            "update_interval",
            "leap_status",
        )
        return dict(zip(names, fields, strict=False))

    def chrony_sources(self) -> list[Setting]:
        """server/pool/peer lines of chrony's configuration and sources.d files."""
        lines = self.lines(
            [
                "/etc/chrony/chrony.conf",
                "/etc/chrony.conf",
                "/etc/chrony/conf.d/*.conf",
                "/etc/chrony/sources.d/*.sources",
            ]
        )
        return [s for s in lines if s.value.split()[0] in ("server", "pool", "peer")]

    def ntp_sources(self) -> list[Setting]:
        """server/pool/peer lines of ntpd's or ntpsec's configuration."""
        lines = self.lines(["/etc/ntp.conf", "/etc/ntpsec/ntp.conf"])
        return [s for s in lines if s.value.split()[0] in ("server", "pool", "peer")]

    def timesyncd_conf(self) -> dict[str, Setting]:
        """systemd-timesyncd's [Time] settings, drop-ins last."""
        return _key_values(
            self.lines(["/etc/systemd/timesyncd.conf", "/etc/systemd/timesyncd.conf.d/*.conf"]),
            "=",
            last_wins=True,
        )

    def coredump_conf(self) -> dict[str, Setting]:
        """systemd-coredump's [Coredump] settings, drop-ins last."""
        return _key_values(
            self.lines(["/etc/systemd/coredump.conf", "/etc/systemd/coredump.conf.d/*.conf"]),
            "=",
            last_wins=True,
        )

    # -- H2: sshd per user and address, the firewall as JSON, declared management networks --

    @_view
    def sshd_probes(self) -> list[SshdProbe]:
        """``sshd -T -C user=…,addr=…`` for the users and addresses the collector probed."""
        found: list[SshdProbe] = []
        user, address = "", ""
        settings: dict[str, Setting] = {}
        for line in self.text("cmd:sshd_probes").splitlines():
            if line.startswith("== "):
                if user:
                    found.append(SshdProbe(user, address, settings))
                parts = line[3:].split()
                user, address = (parts[0], parts[1]) if len(parts) == 2 else ("", "")
                settings = {}
                continue
            key, _, value = line.strip().partition(" ")
            if user and key:
                source = f"sshd -T -C user={user},addr={address}"
                old = settings.get(key.lower())
                joined = f"{old.value} {value.strip()}" if old else value.strip()
                settings[key.lower()] = Setting(joined, source)
        if user:
            found.append(SshdProbe(user, address, settings))
        return found

    @_view
    def nft_json(self) -> list[dict[str, object]] | None:
        """The objects of ``nft -j list ruleset``; None when nft is not installed."""
        section = self.sections.get("cmd:nft_json")
        if section is not None and section.rc == NOT_INSTALLED:
            return None
        text = self.text("cmd:nft_json").strip()
        if not text:
            return []
        try:
            parsed = json.loads(text)
        except ValueError as exc:
            raise FactMissing("cmd:nft_json", f"not JSON: {exc}") from exc
        items = parsed.get("nftables") if isinstance(parsed, dict) else None
        if not isinstance(items, list):
            raise FactMissing("cmd:nft_json", "no nftables list in the output")
        return [item for item in items if isinstance(item, dict)]

    def declared_sources(self, path: str = "/etc/govsec/mgmt-sources") -> list[Setting]:
        """The management networks a file declares, one address or CIDR a line."""
        return [
            Setting(s.value.split()[0], s.source) for s in self.lines([path]) if s.value.split()
        ]


# -- helpers ------------------------------------------------------------------------------


def _trailer_rc(trailer: bytes, marker: bytes) -> int:
    prefix = marker + b"= "
    if trailer.startswith(prefix) and trailer[len(prefix) :].strip().lstrip(b"-").isdigit():
        return int(trailer[len(prefix) :].strip())
    return -1


def _version(text: str) -> Version | None:
    text = text.strip()
    if len(text) > 200:  # no real version is this long; huge digit runs break comparisons
        return None
    try:
        return Version(text)
    except ValueError:  # not a Debian version
        return None


def _int(value: str) -> int | None:
    return int(value) if value.strip().lstrip("-").isdigit() else None


def _joined(text: str) -> list[str]:
    """Lines with backslash continuations joined, numbered as their first physical line."""
    out: list[str] = []
    pending = ""
    for line in text.splitlines():
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        out.append(pending + line)
        pending = ""
    if pending:
        out.append(pending)
    return out


def _pam_line(line: str, source: str) -> PamLine | None:
    kind_match = re.match(r"^-?(auth|account|password|session)\s+", line)
    if kind_match is None:
        return None
    rest = line[kind_match.end() :]
    if rest.startswith("["):
        end = rest.find("]")
        if end < 0:
            return None
        control, rest = rest[: end + 1], rest[end + 1 :]
    else:
        parts = rest.split(None, 1)  # Debian separates the fields with tabs
        control, rest = (parts[0], parts[1]) if len(parts) == 2 else ("", "")
    words = rest.split()
    if not words:
        return None
    return PamLine(kind_match.group(1), control.strip(), words[0], tuple(words[1:]), source)


def _key_values(
    lines: list[Setting], sep: str, last_wins: bool = False, flags: bool = False
) -> dict[str, Setting]:
    found: dict[str, Setting] = {}
    for setting in lines:
        key, has_sep, value = setting.value.partition(sep)
        if not has_sep and not flags:
            continue
        key = key.strip()
        parsed = Setting(value.strip().strip('"'), setting.source)
        if last_wins or key not in found:
            found[key] = parsed
    return found


def _assignments(text: str) -> list[tuple[str, str]]:
    found = []
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip() and not key.strip().startswith("#"):
            try:
                words = shlex.split(value)
            except ValueError:
                words = [value]
            found.append((key.strip(), words[0] if words else ""))
    return found


def _unescape_mount(path: str) -> str:
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), path)


# -- H1: effective sudo privileges and group memberships (cmd:sudo_privileges) ---------------
# `sudo -ll -U <user>` for every account, as sudo itself resolves sudoers (aliases, groups,
# Defaults, includes), so a check judges what an account can run, never the lines granting it.


@dataclass(frozen=True)
class SudoEntry:
    """One sudoers entry as ``sudo -ll`` lists it for a user."""

    runas_users: tuple[str, ...]  # empty: root only
    runas_groups: tuple[str, ...]
    options: tuple[str, ...]  # !authenticate (NOPASSWD), noexec, …
    commands: tuple[str, ...]  # full command lines; "ALL"; negated ones start with "!"

    @property
    def as_root(self) -> bool:
        return not self.runas_users or bool({"ALL", "root", "#0"} & set(self.runas_users))


@dataclass(frozen=True)
class Privileges:
    """What sudo grants one account, and the groups it is in (``id -Gn``)."""

    user: str
    groups: tuple[str, ...]
    defaults: tuple[str, ...]  # options of the Defaults that match the user (all scopes)
    entries: tuple[SudoEntry, ...]

    @property
    def no_authentication(self) -> bool:
        """sudo never asks this account for a password (NOPASSWD or Defaults !authenticate)."""
        # a wrapped Defaults line may carry a command before the option: compare words
        if any("!authenticate" in option.split() for option in self.defaults):
            return True
        return any("!authenticate" in entry.options for entry in self.entries)


def sudo_privileges(facts: Facts) -> dict[str, Privileges]:
    """Every account's sudo privileges; FactMissing when they could not be collected."""
    return facts.derived(("sudo_privileges",), lambda: _sudo_privileges(facts))


def _sudo_privileges(facts: Facts) -> dict[str, Privileges]:
    found: dict[str, Privileges] = {}
    for block in re.split(r"(?m)^@@user ", facts.text("cmd:sudo_privileges"))[1:]:
        name, _, rest = block.partition("\n")
        groups_line, _, listing = rest.partition("\n")
        groups = groups_line.removeprefix("@@groups ").split()
        defaults, entries = _sudo_defaults(listing), _sudo_entries(listing)
        found[name] = Privileges(name, tuple(groups), defaults, entries)
    if "root" not in found:  # every host has root: without it, this is not sudo's listing
        raise FactMissing("cmd:sudo_privileges", "no listing for root")
    return found


def sudo_caller(facts: Facts) -> str:
    """The account the audit ran sudo as (SUDO_USER), "" when it logged in as root."""
    found = facts.section("meta:sudo_user")
    name = found.text.strip() if found is not None and found.rc == 0 else ""
    return name if re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.@-]{0,63}", name) else ""


def admin_wrappers(facts: Facts) -> dict[str, FileMode]:
    """Owner and mode of the role wrappers and the folders above them (cmd:admin_wrappers)."""
    found: dict[str, FileMode] = {}
    for line in facts.text("cmd:admin_wrappers").splitlines():
        parts = line.split("|", 4)
        if len(parts) == 5 and re.fullmatch(r"[0-7]{1,5}", parts[0]):
            mode, owner, group, kind, path = parts
            found[path] = FileMode(path, int(mode, 8), owner, group, kind)
    return found


def _sudo_defaults(listing: str) -> tuple[str, ...]:
    """Options of the 'Matching Defaults' and 'Command-specific defaults' blocks."""
    options: list[str] = []
    block = False
    for line in listing.splitlines():
        if line.startswith(("Matching Defaults entries", "Runas and Command-specific defaults")):
            block = True
            continue
        if not line.startswith((" ", "\t")):
            block = False
            continue
        if block:
            text = re.sub(r"^\s*Defaults\S*\s+", "", line)  # Defaults!cmd, Defaults>user, …
            options += [o.strip() for o in re.split(r"(?<!\\),", text) if o.strip()]
    return tuple(options)


def _sudo_entries(listing: str) -> tuple[SudoEntry, ...]:
    """The 'Sudoers entry:' blocks of ``sudo -ll``: key: value lines, then indented commands."""
    entries: list[SudoEntry] = []
    for block in re.split(r"(?m)^Sudoers entry:.*$", listing)[1:]:
        fields: dict[str, tuple[str, ...]] = {}
        commands: list[str] = []
        in_commands = False
        for line in block.splitlines():
            if not line.startswith((" ", "\t")):
                if line.strip():
                    break  # the next block of the listing
                continue
            key, sep, value = line.strip().partition(":")
            if in_commands and line.startswith("\t"):
                commands.append(line.strip())
            elif sep and key in ("RunAsUsers", "RunAsGroups", "Options"):
                fields[key] = tuple(v.strip() for v in value.split(",") if v.strip())
            elif key == "Commands" and sep:
                in_commands = True
        entries.append(
            SudoEntry(
                fields.get("RunAsUsers", ()),
                fields.get("RunAsGroups", ()),
                fields.get("Options", ()),
                tuple(commands),
            )
        )
    return tuple(entries)
