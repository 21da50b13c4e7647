"""Each threshold lives in one place: the hardening role's defaults and the catalog's check
parameters must agree at level 2 and level 3.

The role's defaults (``defaults/main/*.yml``, with the Debian family values of
``vars/Debian.yml``) are rendered with Jinja at each level, the way Ansible would resolve them,
and compared with the catalog parameter they must satisfy. Equality is used wherever the role
sets exactly the catalog's threshold, so changing either side alone fails and names both.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from jinja2.nativetypes import NativeEnvironment, native_concat

from secops.catalog.model import load_catalog

ROLE = Path(__file__).parents[3] / "playbooks" / "roles" / "mlps_baseline"
CATALOG = load_catalog()
FACTS = {"architecture": "x86_64", "os_family": "Debian", "service_mgr": "systemd"}


def _ansible_bool(value: object) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes", "on")


ENV = NativeEnvironment()
ENV.filters["bool"] = _ansible_bool
ENV.filters["int"] = lambda value, default=0: int(value) if str(value).strip() else default


class RoleVars(Mapping[str, Any]):
    """The role's variables at one level, each rendered when first read (as Ansible does)."""

    def __init__(self, level: int) -> None:
        raw: dict[str, Any] = {}
        for path in sorted((ROLE / "defaults" / "main").glob("*.yml")):
            raw.update(yaml.safe_load(path.read_text()) or {})
        raw.update(yaml.safe_load((ROLE / "vars" / "Debian.yml").read_text()) or {})
        raw.update(mlps_level=level, ansible_facts=FACTS)
        self.raw = raw
        self.done: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in self.done:
            self.done[name] = self._render(self.raw[name])
        return self.done[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.raw)

    def __len__(self) -> int:
        return len(self.raw)

    def _render(self, value: Any) -> Any:
        if isinstance(value, str) and "{{" in value:
            template = ENV.from_string(value)
            return native_concat(template.root_render_func(template.new_context(self, True)))
        if isinstance(value, list):
            return [self._render(v) for v in value]
        if isinstance(value, dict):
            return {k: self._render(v) for k, v in value.items()}
        return value


Compare = Callable[[Any, Any], bool]


def flat(value: Any) -> set[str]:
    """Items of a list, or of a list of lists, as a set of strings."""
    items = value if isinstance(value, list) else [value]
    return {str(i) for v in items for i in (v if isinstance(v, list) else [v])}


EQ: Compare = lambda role, cat: int(role) == int(cat)  # noqa: E731 - a table of comparisons
LE: Compare = lambda role, cat: int(role) <= int(cat)  # noqa: E731
GE: Compare = lambda role, cat: int(role) >= int(cat)  # noqa: E731
SAME: Compare = lambda role, cat: flat(role) == flat(cat)  # noqa: E731
SUBSET: Compare = lambda role, cat: flat(role) <= flat(cat)  # noqa: E731
SUPERSET: Compare = lambda role, cat: flat(role) >= flat(cat)  # noqa: E731
IN: Compare = lambda role, cat: str(role).lower() in {str(c).lower() for c in cat}  # noqa: E731
OCTAL: Compare = lambda role, cat: int(str(role), 8) == int(str(cat), 8)  # noqa: E731


@dataclass(frozen=True)
class Row:
    """A role value that a catalog parameter judges: ``compare(role value, parameter)``."""

    variable: str  # a role variable, or "variable[key]" for one key of a dict
    check: str
    param: str
    compare: Compare
    how: str  # the comparison in words, for the failure message
    level2: Compare | None = None  # a different comparison at level 2 (None: the same)
    value: Callable[[Any], Any] | None = None  # derive the compared value from the variable


def kernel(key: str, check: str) -> Row:
    return Row(f"mlps_kernel_sysctl[{key}]", check, "allowed", IN, "is one of")


ROWS = [
    # 身份鉴别 a: passwords
    Row("mlps_pass_max_days", "pass_max_days", "max", EQ, "=="),
    Row("mlps_pass_min_days", "pass_min_days", "min", EQ, "=="),
    Row("mlps_pass_warn_age", "pass_warn_age", "min", EQ, "=="),
    Row("mlps_pass_max_days", "password_ageing_existing", "max_days", EQ, "=="),
    Row("mlps_pass_min_days", "password_ageing_existing", "min_days", EQ, "=="),
    Row("mlps_pass_warn_age", "password_ageing_existing", "warn_days", EQ, "=="),
    Row("mlps_pwquality_minlen", "pwquality_minlen", "min", EQ, "=="),
    Row("mlps_pwquality_minclass", "pwquality_minclass", "min", EQ, "=="),
    Row("mlps_pwquality_retry", "pwquality_retry", "max", EQ, "=="),
    Row("mlps_pwhistory_remember", "pwhistory_remember", "min", EQ, "=="),
    Row("mlps_ia_encrypt_method", "password_hash_algorithm", "allowed", IN, "is one of"),
    # 身份鉴别 b: lock-out and timeouts
    Row("mlps_faillock_deny", "faillock_deny", "max", EQ, "=="),
    Row("mlps_faillock_unlock_time", "faillock_unlock_time", "min", EQ, "== (L2: >=)", GE),
    Row("mlps_shell_tmout", "shell_timeout", "max", EQ, "=="),
    Row("mlps_sshd_max_auth_tries", "sshd_max_auth_tries", "max", EQ, "== (L2: <=)", LE),
    Row("mlps_sshd_login_grace_time", "sshd_login_grace_time", "max", EQ, "=="),
    Row("mlps_sshd_max_sessions", "sshd_max_sessions", "max", EQ, "=="),
    Row(
        "mlps_sshd_max_startups",
        "sshd_max_startups",
        "max_start",
        EQ,
        "== (start of start:rate:full)",
        value=lambda v: str(v).split(":")[0],
    ),
    Row(
        "mlps_sshd_max_startups",
        "sshd_max_startups",
        "max_full",
        EQ,
        "== (full of start:rate:full)",
        value=lambda v: str(v).split(":")[-1],
    ),
    Row("mlps_sshd_log_level", "sshd_log_level", "allowed", IN, "is one of"),
    # 身份鉴别 c: SSH algorithms offered are within the allow-lists
    Row("mlps_sshd_ciphers", "sshd_strong_ciphers", "allowed", SUBSET, "within"),
    Row("mlps_sshd_macs", "sshd_strong_macs", "allowed", SUBSET, "within"),
    Row("mlps_sshd_kex", "sshd_strong_kex", "allowed", SUBSET, "within"),
    # 访问控制
    Row("mlps_account_inactive_days", "account_inactive", "max", EQ, "=="),
    Row("mlps_umask", "umask_restrictive", "mask", OCTAL, "== (octal)"),
    Row("mlps_home_mode", "home_dirs_mode", "max_mode", OCTAL, "== (octal)"),
    Row("mlps_suid_allowed", "suid_sgid_inventory", "allowed", SAME, "same list"),
    # 安全审计
    Row("mlps_audit_backlog_limit", "audit_backlog_limit", "min", EQ, "=="),
    Row("mlps_log_retention_days", "log_retention", "min_days", EQ, "=="),
    Row("mlps_audit_max_log_file_action", "auditd_max_log_file_action", "allowed", IN, "in"),
    Row("mlps_audit_space_left_action", "auditd_space_left_action", "allowed", IN, "in"),
    Row(
        "mlps_audit_admin_space_left_action",
        "auditd_admin_space_left_action",
        "allowed",
        IN,
        "is one of",
    ),
    Row("mlps_audit_watch_identity", "audit_rules_identity", "paths", SAME, "same list"),
    Row("mlps_audit_watch_sudoers", "audit_rules_sudoers", "paths", SAME, "same list"),
    Row("mlps_audit_watch_logins", "audit_rules_logins", "paths", SAME, "same list"),
    Row(
        "mlps_audit_privileged_commands",
        "audit_rules_privileged_commands",
        "commands",
        SUPERSET,
        "covers",
    ),
    Row("mlps_audit_watch_config", "audit_rules_audit_config", "paths", SUPERSET, "covers"),
    Row("mlps_audit_syscalls_modules", "audit_rules_modules", "syscalls", SAME, "same list"),
    Row("mlps_audit_module_commands", "audit_rules_modules", "commands", SAME, "same list"),
    Row("mlps_audit_syscalls_time", "audit_rules_time", "syscalls", SAME, "same list"),
    Row("mlps_audit_syscalls_deletions", "audit_rules_deletions", "syscalls", SAME, "same list"),
    Row("mlps_audit_syscalls_perm_mod", "audit_rules_perm_mod", "syscalls", SAME, "same set"),
    Row("mlps_audit_syscalls_access", "audit_rules_access_failures", "syscalls", SAME, "same list"),
    Row("mlps_audit_access_exits", "audit_rules_access_failures", "exits", SAME, "same list"),
    Row("mlps_audit_syscalls_network", "audit_rules_network", "syscalls", SAME, "same list"),
    Row("mlps_audit_watch_network", "audit_rules_network", "paths", SAME, "same list"),
    Row("mlps_audit_watch_mac", "audit_rules_mac_policy", "path_groups", SAME, "same set"),
    # 入侵防范, kernel, 剩余信息保护
    Row("mlps_services_disabled", "unneeded_services_disabled", "services", SAME, "same list"),
    Row("mlps_kernel_disabled_modules", "unused_kernel_modules_disabled", "modules", SAME, "same"),
    Row("mlps_kernel_rp_filter", "sysctl_rp_filter", "allowed", IN, "is one of"),
    Row("mlps_kernel_ip_forward", "sysctl_ip_forward", "allowed", IN, "is one of"),
    kernel("kernel.kptr_restrict", "sysctl_kptr_restrict"),
    kernel("kernel.dmesg_restrict", "sysctl_dmesg_restrict"),
    kernel("kernel.randomize_va_space", "sysctl_randomize_va_space"),
    kernel("net.ipv4.conf.all.accept_redirects", "sysctl_accept_redirects"),
    kernel("net.ipv4.conf.all.send_redirects", "sysctl_send_redirects"),
    kernel("net.ipv4.conf.all.accept_source_route", "sysctl_accept_source_route"),
    kernel("net.ipv4.tcp_syncookies", "sysctl_tcp_syncookies"),
]


def role_value(role: RoleVars, row: Row) -> Any:
    name, _, key = row.variable.partition("[")
    value = role[name]
    if key:
        value = value[key.rstrip("]")]
    return row.value(value) if row.value else value


ROLES = {level: RoleVars(level) for level in (2, 3)}


@pytest.mark.parametrize("level", [2, 3])
@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"{r.variable}-{r.check}.{r.param}")
def test_role_default_agrees_with_the_catalog(row: Row, level: int) -> None:
    check = CATALOG.checks.get(row.check)
    assert check is not None, f"{row.check}: no such check in the catalog (renamed?)"
    if level not in check.levels:
        pytest.skip(f"{row.check} does not run at level {level}")
    params = check.params_for(level)
    assert row.param in params, f"{row.check}: no parameter {row.param!r} at level {level}"
    role, catalog = role_value(ROLES[level], row), params[row.param]
    compare = row.level2 if level == 2 and row.level2 else row.compare
    assert compare(role, catalog), (
        f"level {level}: role {row.variable} = {role!r} but catalog {row.check}.{row.param} = "
        f"{catalog!r}; expected role {row.how} catalog. Change both sides together "
        "(playbooks/roles/mlps_baseline/defaults/main/*.yml and secops/catalog/checks/*.yaml)."
    )


@pytest.mark.parametrize("level", [2, 3])
def test_sshd_keepalive_drops_dead_sessions_at_the_catalog_limit(level: int) -> None:
    """ClientAliveInterval x ClientAliveCountMax is the catalog's max_seconds at each level."""
    role = ROLES[level]
    seconds = int(role["mlps_sshd_client_alive_interval"]) * int(
        role["mlps_sshd_client_alive_count_max"]
    )
    limit = CATALOG.checks["sshd_client_alive"].params_for(level)["max_seconds"]
    assert seconds == int(limit), (
        f"level {level}: role interval x count = {seconds} s but catalog "
        f"sshd_client_alive.max_seconds = {limit}"
    )


def test_a_one_sided_change_is_caught() -> None:
    """The table catches a role value changed alone (here: faillock deny back to 5 at L3)."""
    row = next(r for r in ROWS if r.variable == "mlps_faillock_deny")
    params = CATALOG.checks[row.check].params_for(3)
    assert row.compare(ROLES[3]["mlps_faillock_deny"], params["max"])
    assert not row.compare(5, params["max"])


def test_level_dependent_defaults_render_per_level() -> None:
    assert (ROLES[2]["mlps_shell_tmout"], ROLES[3]["mlps_shell_tmout"]) == (600, 300)
    assert (ROLES[2]["mlps_faillock_deny"], ROLES[3]["mlps_faillock_deny"]) == (5, 3)
