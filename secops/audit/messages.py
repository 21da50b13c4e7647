"""What a check says, in English and Chinese: its outcome's sentence and its evidence words.

An evaluator writes no sentence and no word of a language: it names a message of
:data:`TEXTS` with its fields, ``msg("sshd_absent")`` or ``msg("default", value="99999",
note=msg("note.shadow"))``. A field is a :data:`Part`: host data as found (a path, a value, an
account name), a message of its own, or a list of those. results.json keeps the English text
(JUnit and older readers use it) and beside it the key and fields; a report says them in its own
language with :func:`say`. The texts are registered in :mod:`secops.i18n` under ``check.``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from secops.i18n import MESSAGES, Lang, register

PREFIX = "check."
SEP = PREFIX + "sep"  # between the items of a list, in each language
ITEMS = PREFIX + "items"  # a list said as one value
MAX_DEPTH = 24  # nested messages a report follows (an "or" of n items nests n deep)


@dataclass(frozen=True)
class Msg:
    """A message of the catalog and its fields, said in a language only when shown."""

    key: str
    fields: dict[str, Part] = field(default_factory=dict)

    def say(self, lang: Lang) -> str:
        """The message in ``lang``; raises KeyError for a key or field the catalog lacks."""
        return _say(lang, self.key, self.fields, 0)

    def __str__(self) -> str:
        return self.say("en")


# host data (a str), a message, or a list of either, joined as a list in the language
Part = str | Msg | list[str | Msg]
# what an evaluator may pass as a part: numbers become their digits, sequences lists
Text = str | int | Msg | Sequence[str | Msg]


def part(value: Text) -> Part:
    """``value`` as a message part (see :data:`Text`)."""
    if isinstance(value, str | Msg):
        return value
    if isinstance(value, int):
        return str(value)
    return list(value)


def msg(key: str, /, **fields: Text) -> Msg:
    """The message ``key`` of :data:`TEXTS` with its fields."""
    if PREFIX + key not in MESSAGES:
        raise KeyError(f"no check message {key!r}")
    return Msg(PREFIX + key, {name: part(value) for name, value in fields.items()})


def either(items: Sequence[str | Msg]) -> Part:
    """``a or b or c`` in the language (a lone item as it is)."""
    if len(items) <= 1:
        return items[0] if items else ""
    return msg("or", left=items[0], right=either(items[1:]))


def each(items: Sequence[Msg]) -> Msg | None:
    """``a; b; c``: separate findings, each a sentence of its own (None for none)."""
    if len(items) <= 1:
        return items[0] if items else None
    return msg("then", first=items[0], rest=each(items[1:]) or "")


def english(part: Part) -> str:
    """A part as results.json keeps it: in English."""
    return _part("en", part, 0)


def say(lang: Lang, key: str, fields: Mapping[str, object], fallback: str) -> str:
    """A stored message in ``lang``; ``fallback`` (the stored English) when it cannot be said.

    Results come from files: an unknown key (a newer tool's, or none), a missing field or a
    malformed one gives the English the file kept, never an exception.
    """
    if not key.startswith(PREFIX) or key not in MESSAGES:
        return fallback
    try:
        return _say(lang, key, fields, 0)
    except (KeyError, IndexError, ValueError, TypeError, AttributeError):
        return fallback


def _say(lang: Lang, key: str, fields: Mapping[str, object], depth: int) -> str:
    if depth > MAX_DEPTH or not key.startswith(PREFIX):
        raise ValueError("message nested too deep")
    texts = MESSAGES[key]
    said = {name: _part(lang, value, depth + 1) for name, value in fields.items()}
    return texts.get(lang, texts["en"]).format_map(said)


def _part(lang: Lang, value: object, depth: int) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, Msg):
        return _say(lang, value.key, value.fields, depth)
    if isinstance(value, list):
        if any(isinstance(v, list) for v in value):
            raise TypeError("a list inside a list")
        return MESSAGES[SEP][lang].join(_part(lang, v, depth + 1) for v in value)
    if isinstance(value, dict):  # a message read back from JSON without a schema
        return _say(lang, str(value["key"]), value.get("fields") or {}, depth)
    raise TypeError(f"not a message part: {type(value).__name__}")


def parts(raw: Mapping[str, object]) -> dict[str, Part]:
    """Fields of a message read from results.json: nested ``{key, fields}`` become :class:`Msg`."""
    return {name: _from_json(value) for name, value in raw.items()}


def _from_json(value: object) -> Part:
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        return Msg(str(value["key"]), parts(value.get("fields") or {}))
    if isinstance(value, list):
        return [_item(v) for v in value]
    raise TypeError(f"not a message part: {type(value).__name__}")


def _item(value: object) -> str | Msg:
    found = _from_json(value)
    if isinstance(found, list):
        raise TypeError("a list inside a list")
    return found


def described(check_id: str, what: str) -> Part:
    """What a declared check looks at (the catalog's English ``what``), as its message
    ``what.<check id>`` when there is one."""
    key = f"{PREFIX}what.{check_id}"
    return Msg(key) if key in MESSAGES else what


# FactMissing reasons of secops.audit.facts, said as messages (the module words them in
# English): exact reasons, then reasons with a value in them
FACT_REASONS = {
    "not collected": "reason.not_collected",
    "the tool is not installed on the host": "reason.tool_absent",
    "needs root": "reason.needs_root",
    "unreadable (needs root)": "reason.unreadable_root",
    "unreadable": "reason.unreadable",
    "missing": "reason.missing",
    "the walk was cut short": "reason.walk_cut",
    "no account ids to compare owners with": "reason.no_ids",
    "output is not the walk's records": "reason.walk_garbage",
    "grub.cfg unreadable (needs root)": "reason.grub_root",
    "no nftables list in the output": "reason.no_nft_list",
    "no listing for root": "reason.no_root_listing",
}
FACT_PATTERNS = (
    (re.compile(r"failed with status (-?[0-9]+)"), "reason.status", "status"),
    (re.compile(r"not a timestamp: (.*)", re.S), "reason.not_timestamp", "value"),
    (re.compile(r"not JSON: (.*)", re.S), "reason.not_json", "detail"),
)


def fact_reason(reason: str) -> Part:
    """Why a fact is missing, as a message when facts.py's wording is known, else as it is."""
    key = FACT_REASONS.get(reason)
    if key is not None:
        return msg(key)
    for pattern, found, name in FACT_PATTERNS:
        match = pattern.fullmatch(reason)
        if match:
            return msg(found, **{name: match.group(1)})
    return reason


T = dict[Lang, str]

TEXTS: dict[str, T] = {}  # filled below, family by family, then registered

# -- said by every family: lists, ranges, defaults, services, modes --------------------------
COMMON: dict[str, T] = {
    "sep": {"en": ", ", "zh": "、"},
    "items": {"en": "{items}", "zh": "{items}"},
    "or": {"en": "{left} or {right}", "zh": "{left} 或 {right}"},
    "then": {"en": "{first}; {rest}", "zh": "{first}；{rest}"},
    "more": {"en": "{items} (+{count} more)", "zh": "{items}（另有 {count} 项）"},
    "range.eq": {"en": "= {value}", "zh": "= {value}"},
    "range.between": {"en": "{low}..{high}", "zh": "{low} 至 {high}"},
    "range.min": {"en": ">= {low}", "zh": "≥ {low}"},
    "range.max": {"en": "<= {high}", "zh": "≤ {high}"},
    "range.any": {"en": "any value", "zh": "任意值"},
    "a_number": {"en": "a number {want}", "zh": "数值 {want}"},
    "not_set": {"en": "(not set)", "zh": "（未设置）"},
    "default": {"en": "{value} (not set: {note})", "zh": "{value}（未设置：{note}）"},
    "empty": {"en": "(empty)", "zh": "（空）"},
    "absent": {"en": "(absent)", "zh": "（不存在）"},
    "missing": {"en": "missing", "zh": "不存在"},
    "none": {"en": "none", "zh": "无"},
    "none_paren": {"en": "(none)", "zh": "（无）"},
    "no_options": {"en": "(no options)", "zh": "（无选项）"},
    "not_installed": {"en": "not installed", "zh": "未安装"},
    "not_reported": {"en": "(not reported)", "zh": "（未输出）"},
    "note.shadow": {"en": "shadow-utils default", "zh": "shadow-utils 默认值"},
    "note.openssh": {"en": "OpenSSH default", "zh": "OpenSSH 默认值"},
    "note.kernel": {"en": "kernel default", "zh": "内核默认值"},
    "note.pwquality": {"en": "pam_pwquality default", "zh": "pam_pwquality 默认值"},
    "note.faillock": {"en": "pam_faillock default", "zh": "pam_faillock 默认值"},
    "note.pwhistory": {"en": "pam_pwhistory default", "zh": "pam_pwhistory 默认值"},
    "note.useradd_never": {"en": "useradd default: never", "zh": "useradd 默认值：永不"},
    "note.auditd": {"en": "auditd default", "zh": "auditd 默认值"},
    "note.systemd": {"en": "systemd default", "zh": "systemd 默认值"},
    "lab.not_judged": {"en": "not judged (lab host)", "zh": "未判定（实验主机）"},
    "lab.machine_state": {
        "en": "the live state of a lab host belongs to the machine; its configuration is judged",
        "zh": "实验主机的运行状态属于宿主机；仅判定其配置",
    },
    "svc.enabled_running": {"en": "{names} enabled and running", "zh": "{names} 已启用并运行"},
    "svc.enabled": {"en": "enabled", "zh": "已启用"},
    "svc.not_enabled": {"en": "not enabled", "zh": "未启用"},
    "svc.running": {"en": "running", "zh": "运行中"},
    "svc.is_running": {"en": "{name} running", "zh": "{name} 运行中"},
    "svc.is_not_running": {"en": "{name} not running", "zh": "{name} 未运行"},
    "svc.is_unknown": {"en": "{name} unknown", "zh": "{name} 状态未知"},
    "src.services": {"en": "services", "zh": "服务列表"},
    "src.service_status": {"en": "service status", "zh": "服务状态"},
    "src.packages": {"en": "packages", "zh": "软件包列表"},
    "sshd_absent": {"en": "sshd is not installed", "zh": "未安装 sshd"},
    "sudo_absent": {"en": "sudo is not installed", "zh": "未安装 sudo"},
    "sshd.prints_all": {
        "en": "sshd -T prints every option it knows",
        "zh": "sshd -T 会输出其支持的每个选项",
    },
    "sshd.not": {"en": "sshd {key} is not {allowed}", "zh": "sshd 的 {key} 不是 {allowed}"},
    "sysctl.is": {"en": "{key} = {value}", "zh": "{key} = {value}"},
    "key_eq": {"en": "{key}={value}", "zh": "{key}={value}"},
    "sysctl.unset_build": {
        "en": "{key} (not set: depends on the kernel build)",
        "zh": "{key}（未设置：取决于内核编译选项）",
    },
    "sysctl.no_ipv6": {"en": "{key} absent (IPv6 disabled)", "zh": "{key} 不存在（IPv6 已禁用）"},
    "sysctl.wrong": {
        "en": "{keys} not {want} in configuration and kernel",
        "zh": "{keys} 在配置或内核中不为 {want}",
    },
    "mode.owner": {"en": "<= {mode}, owner {owner}", "zh": "≤ {mode}，属主 {owner}"},
    "mode.owner_group": {
        "en": "<= {mode}, owner {owner}, group {group}",
        "zh": "≤ {mode}，属主 {owner}，属组 {group}",
    },
    "mode.none_exists": {"en": "{what}: none of {paths} exists", "zh": "{what}：{paths} 均不存在"},
    "mode.too_open": {
        "en": "{what} too permissive or not root-owned",
        "zh": "{what} 权限过宽或属主不是 root",
    },
    # why a check could not be judged (secops.audit.evaluate)
    "no_evaluator": {"en": "no evaluator for this check", "zh": "此检查项没有判定程序"},
    "fact_missing": {"en": "{section}: {reason}", "zh": "{section}：{reason}"},
    "internal_error": {
        "en": "internal error: {kind}: {detail}",
        "zh": "内部错误：{kind}：{detail}",
    },
    "reason.not_collected": {"en": "not collected", "zh": "未采集"},
    "reason.tool_absent": {
        "en": "the tool is not installed on the host",
        "zh": "主机上未安装该工具",
    },
    "reason.needs_root": {"en": "needs root", "zh": "需要 root 权限"},
    "reason.unreadable_root": {"en": "unreadable (needs root)", "zh": "无法读取（需要 root 权限）"},
    "reason.unreadable": {"en": "unreadable", "zh": "无法读取"},
    "reason.missing": {"en": "missing", "zh": "不存在"},
    "reason.walk_cut": {"en": "the walk was cut short", "zh": "文件遍历未完成（超时中止）"},
    "reason.no_ids": {
        "en": "no account ids to compare owners with",
        "zh": "没有可用于比对属主的账户 ID",
    },
    "reason.walk_garbage": {
        "en": "output is not the walk's records",
        "zh": "输出不是文件遍历的记录",
    },
    "reason.grub_root": {
        "en": "grub.cfg unreadable (needs root)",
        "zh": "grub.cfg 无法读取（需要 root 权限）",
    },
    "reason.no_nft_list": {
        "en": "no nftables list in the output",
        "zh": "输出中没有 nftables 列表",
    },
    "reason.no_root_listing": {"en": "no listing for root", "zh": "没有 root 的权限列表"},
    "reason.status": {"en": "failed with status {status}", "zh": "执行失败，状态码 {status}"},
    "reason.not_timestamp": {"en": "not a timestamp: {value}", "zh": "不是时间戳：{value}"},
    "reason.not_json": {"en": "not JSON: {detail}", "zh": "不是 JSON：{detail}"},
    "reason.no_account_line": {"en": "no valid account line", "zh": "没有有效的账户行"},
}

# -- 访问控制 (access.py) -------------------------------------------------------------------
ACCESS: dict[str, T] = {
    "ac.root_only": {"en": "root only", "zh": "仅 root"},
    "ac.sudo_source": {"en": "sudo -ll -U <account>", "zh": "sudo -ll -U <账户>"},
    "ac.uid0_not_root_only": {
        "en": "an account other than root has UID 0",
        "zh": "存在 UID 为 0 的非 root 账户",
    },
    "ac.system_no_shell": {
        "en": "all system accounts have no login shell",
        "zh": "所有系统账户均无登录 shell",
    },
    "ac.uid_below_nologin": {
        "en": "uid < {limit}: nologin or false",
        "zh": "UID < {limit}：nologin 或 false",
    },
    "ac.system_shell": {"en": "system accounts can open a shell", "zh": "系统账户可以打开 shell"},
    "ac.all_comply": {
        "en": "all accounts with a password comply",
        "zh": "所有设有口令的账户均符合",
    },
    "ac.inactive": {"en": "inactive {want}", "zh": "口令过期后停用天数 {want}"},
    "ac.expired_usable": {"en": "expired accounts stay usable", "zh": "口令过期的账户仍可使用"},
    "ac.su_anyone": {
        "en": "any user may try su to root",
        "zh": "任何用户都可以尝试 su 到 root",
    },
    "ac.group_members": {"en": "{group}: {members}", "zh": "{group}：{members}"},
    "ac.no_members": {"en": "(no members)", "zh": "（无成员）"},
    "ac.group_absent": {"en": "{group}: absent", "zh": "{group}：不存在"},
    "ac.su_group": {"en": "the group allowed to su", "zh": "允许 su 的组"},
    "ac.not_sudoers": {
        "en": "not sudoers syntax at {where}: {line}",
        "zh": "{where} 处不是 sudoers 语法：{line}",
    },
    "ac.wildcard": {"en": "{path}: wildcard in the command", "zh": "{path}：命令中含通配符"},
    "ac.shell_escape": {
        "en": "{path}: shell escape (GTFOBins)",
        "zh": "{path}：可逃逸到 shell（GTFOBins）",
    },
    "ac.free_arguments": {
        "en": "{path} with free arguments (GTFOBins)",
        "zh": "{path} 参数不受限（GTFOBins）",
    },
    "ac.who_why": {"en": "{who} ({why})", "zh": "{who}（{why}）"},
    "ac.root_powers_only": {
        "en": "root's powers only for {who}",
        "zh": "仅 {who} 拥有 root 权限",
    },
    "ac.automation_exception": {
        "en": "the automation account (explicit exception)",
        "zh": "自动化账户（明确的例外）",
    },
    "ac.others_become_root": {
        "en": "accounts other than the administrators can become root",
        "zh": "管理员以外的账户可以获得 root 权限",
    },
    "ac.sudo_asks": {
        "en": "sudo asks for the password (authenticate)",
        "zh": "sudo 要求输入口令（authenticate）",
    },
    "ac.automation_key_login": {
        "en": "the automation account (explicit exception: key login, no password)",
        "zh": "自动化账户（明确的例外：密钥登录，无口令）",
    },
    "ac.sudo_no_password": {
        "en": "sudo runs commands as root without asking who is there",
        "zh": "sudo 不验证身份即以 root 执行命令",
    },
    "ac.sudo_not_installed": {"en": "sudo not installed", "zh": "未安装 sudo"},
    "ac.scoped_roles": {"en": "scoped admin roles", "zh": "权限受限的管理员角色"},
    "ac.no_delegation": {"en": "no delegated administration at all", "zh": "完全没有委派管理"},
    "ac.no_sudo_rule": {"en": "no sudo rule for {group}", "zh": "{group} 没有 sudo 规则"},
    "ac.role_groups": {
        "en": "{groups} role groups with a sudo rule, {members} members",
        "zh": "{groups} 个角色组有 sudo 规则，共 {members} 名成员",
    },
    "ac.min_roles": {"en": ">= {count} roles: {groups}", "zh": "≥ {count} 个角色：{groups}"},
    "ac.roles_source": {
        "en": "{sudo}, id -Gn, stat of the wrappers",
        "zh": "{sudo}、id -Gn、包装脚本的 stat",
    },
    "ac.own_wrapper_only": {
        "en": "each role runs its own wrapper only; no privileged group ({groups})",
        "zh": "每个角色只能运行自己的包装脚本；不属于特权组（{groups}）",
    },
    "ac.role_escapes": {
        "en": "a role can reach root, another role's powers or the audit records",
        "zh": "某一角色可获得 root 权限、其他角色的权限或审计记录",
    },
    "ac.several_roles": {
        "en": "{name} holds several roles ({roles})",
        "zh": "{name} 同时担任多个角色（{roles}）",
    },
    "ac.in_groups": {"en": "{name} is in {groups}", "zh": "{name} 属于 {groups}"},
    "ac.other_role_wrapper": {
        "en": "{name} may run another role's {path}",
        "zh": "{name} 可以运行其他角色的 {path}",
    },
    "ac.name_reason": {"en": "{name}: {reason}", "zh": "{name}：{reason}"},
    "ac.not_a_wrapper": {
        "en": "{name}: {path} with free arguments (not a role wrapper)",
        "zh": "{name}：{path} 参数不受限（不是角色包装脚本）",
    },
    "ac.path_missing": {"en": "{path} missing", "zh": "{path} 不存在"},
    "ac.others_may_change": {
        "en": "{path} {mode}: others than root may change it",
        "zh": "{path} {mode}：root 以外的用户可以修改",
    },
    "ac.masks_at_least": {"en": "masks at least {mask}", "zh": "至少屏蔽 {mask}"},
    "ac.files_readable": {
        "en": "new files are readable by others",
        "zh": "新建文件可被其他用户读取",
    },
    "ac.no_home": {"en": "no user home folder", "zh": "没有用户主目录"},
    "ac.homes_open": {
        "en": "user home folders are open to other users",
        "zh": "用户主目录对其他用户开放",
    },
    "ac.hashes_readable": {
        "en": "password hashes are readable by too many",
        "zh": "口令哈希可被过多用户读取",
    },
    "ac.accounts_writable": {
        "en": "the account databases are writable by others",
        "zh": "账户数据库文件可被其他用户写入",
    },
    "ac.cron_absent": {"en": "cron is not installed", "zh": "未安装 cron"},
    "ac.cron_open": {
        "en": "cron jobs are visible or writable to others",
        "zh": "cron 任务对其他用户可见或可写",
    },
    "ac.no_world_writable": {"en": "no world-writable file", "zh": "没有全局可写文件"},
    "ac.world_writable": {
        "en": "system files are writable by everybody",
        "zh": "系统文件可被所有用户写入",
    },
    "ac.no_securityfs": {
        "en": "securityfs is not visible: the security modules belong to the machine",
        "zh": "securityfs 不可见：安全模块属于宿主机",
    },
    "ac.profiles_enforcing": {
        "en": "{count} profiles enforcing",
        "zh": "{count} 个配置处于强制模式",
    },
    "ac.apparmor_profiles": {"en": "apparmor profiles", "zh": "AppArmor 配置"},
    "ac.no_apparmor_enforced": {
        "en": "no AppArmor profile is enforced",
        "zh": "没有处于强制模式的 AppArmor 配置",
    },
    "ac.selinux_not_enforcing": {
        "en": "SELinux is not enforcing",
        "zh": "SELinux 未处于强制模式",
    },
    "ac.no_mac": {
        "en": "no mandatory access control module is active",
        "zh": "没有启用强制访问控制模块",
    },
    "ac.empty_or_missing": {"en": "(empty or missing)", "zh": "（为空或不存在）"},
    "ac.reveals": {"en": "reveals {what}", "zh": "泄露了 {what}"},
    "ac.warning_notice": {
        "en": "a warning notice without system details",
        "zh": "不含系统信息的警示声明",
    },
    "ac.banner_bad": {
        "en": "login banners are missing or reveal the system",
        "zh": "登录提示缺失或泄露系统信息",
    },
    "ac.walk_cut": {
        "en": "the walk was cut short: {what} not judged",
        "zh": "文件遍历未完成：未判定{what}",
    },
    "ac.suid_files": {"en": "setuid/setgid files", "zh": "setuid/setgid 文件"},
    "ac.suid_all_expected": {
        "en": "{count} setuid/setgid files, all expected",
        "zh": "{count} 个 setuid/setgid 文件，均在预期之内",
    },
    "ac.suid_expected": {
        "en": "only the expected setuid/setgid programs, owned by root",
        "zh": "只有预期的 setuid/setgid 程序，属主为 root",
    },
    "ac.suid_unexpected": {
        "en": "unexpected setuid or setgid programs can run with another identity",
        "zh": "存在预期之外的 setuid/setgid 程序，可以其他身份运行",
    },
    "ac.unowned_files": {"en": "unowned files", "zh": "无属主文件"},
    "ac.every_file_owned": {
        "en": "every file owned by an account and group",
        "zh": "每个文件都属于某个账户和组",
    },
    "ac.unowned": {
        "en": "files belong to no account: the next account given that id owns them",
        "zh": "文件不属于任何账户：下一个分配到该 ID 的账户将拥有它们",
    },
    "ac.open_dirs": {"en": "world-writable folders", "zh": "全局可写目录"},
    "ac.sticky": {
        "en": "world-writable folders sticky (+t)",
        "zh": "全局可写目录设置粘滞位（+t）",
    },
    "ac.not_sticky": {
        "en": "any user can delete or replace others' files in a world-writable folder",
        "zh": "任何用户都可以删除或替换全局可写目录中他人的文件",
    },
}

# -- 身份鉴别 (identification.py) -----------------------------------------------------------
IDENTIFICATION: dict[str, T] = {
    "ia.key_not": {"en": "{key} is not {want}", "zh": "{key} 不是 {want}"},
    "ia.key_want": {"en": "{key} {want}", "zh": "{key} {want}"},
    "ia.pwquality_required": {
        "en": "pam_pwquality.so required in the password stack",
        "zh": "口令管理栈中必须启用 pam_pwquality.so",
    },
    "ia.pwquality_absent_key": {
        "en": "pam_pwquality is not in the password stack: {key} unused",
        "zh": "口令管理栈中没有 pam_pwquality：{key} 未生效",
    },
    "ia.pwquality_key_not": {
        "en": "pam_pwquality {key} is not {want}",
        "zh": "pam_pwquality 的 {key} 不是 {want}",
    },
    "ia.pwquality_unchecked": {
        "en": "passwords are not checked by pam_pwquality",
        "zh": "口令未经 pam_pwquality 检查",
    },
    "ia.pwquality_absent": {
        "en": "pam_pwquality is not in the password stack",
        "zh": "口令管理栈中没有 pam_pwquality",
    },
    "ia.faillock_required": {
        "en": "pam_faillock.so preauth and authfail in the auth stack",
        "zh": "认证栈中配置 pam_faillock.so 的 preauth 与 authfail",
    },
    "ia.login_stack": {"en": "a login PAM stack", "zh": "登录用的 PAM 栈"},
    "ia.no_login_stack": {"en": "no login stack", "zh": "没有登录 PAM 栈"},
    "ia.faillock_absent_key": {
        "en": "pam_faillock is not in every login stack: {key} unused",
        "zh": "并非每个登录栈都调用 pam_faillock：{key} 未生效",
    },
    "ia.faillock_key_not": {
        "en": "pam_faillock {key} is not as required",
        "zh": "pam_faillock 的 {key} 不符合要求",
    },
    "ia.unset_note": {"en": "(not set: {note})", "zh": "（未设置：{note}）"},
    "ia.weak": {"en": "weak: {items}", "zh": "弱算法：{items}"},
    "ia.only_strong": {"en": "only strong {key}", "zh": "{key} 仅含强算法"},
    "ia.weak_offered": {"en": "sshd offers weak {key}", "zh": "sshd 的 {key} 含弱算法"},
    "ia.ageing_weaker": {
        "en": "existing accounts keep weaker password ageing",
        "zh": "现有账户的口令有效期设置较弱",
    },
    "ia.classes_by_credits": {
        "en": "{count} classes required by credits ({keys})",
        "zh": "信用值参数要求 {count} 类字符（{keys}）",
    },
    "ia.negative_credits": {"en": ">= {need} negative credits", "zh": "≥ {need} 个负信用值"},
    "ia.few_classes": {
        "en": "fewer than {need} character classes required",
        "zh": "要求的字符类别少于 {need} 类",
    },
    "ia.set": {"en": "set", "zh": "已设置"},
    "ia.unset_off": {"en": "(not set: off by default)", "zh": "（未设置：默认关闭）"},
    "ia.root_weak": {
        "en": "root may set passwords that fail the quality rules",
        "zh": "root 可设置不符合复杂度规则的口令",
    },
    "ia.remembers_few": {
        "en": "pam_pwhistory remembers fewer than {count} passwords",
        "zh": "pam_pwhistory 记住的历史口令少于 {count} 个",
    },
    "ia.reuse": {"en": "old passwords may be reused", "zh": "旧口令可被重复使用"},
    "ia.unix_absent": {"en": "(pam_unix.so absent)", "zh": "（无 pam_unix.so）"},
    "ia.method_applies": {
        "en": "(no option: ENCRYPT_METHOD applies)",
        "zh": "（无选项：沿用 ENCRYPT_METHOD）",
    },
    "ia.weak_hash_new": {
        "en": "passwords hashed with a weak algorithm",
        "zh": "口令使用弱哈希算法",
    },
    "ia.hashes_strong": {
        "en": "every stored hash uses a strong algorithm",
        "zh": "所有已存储的口令哈希均使用强算法",
    },
    "ia.weak_hash_stored": {
        "en": "some passwords are stored with a weak hash",
        "zh": "部分口令以弱哈希存储",
    },
    "ia.never_or_min": {"en": "0 (never) or >= {need}", "zh": "0（不自动解锁）或 ≥ {need}"},
    "ia.readonly": {"en": "readonly", "zh": "只读"},
    "ia.not_readonly": {"en": "not readonly", "zh": "非只读"},
    "ia.idle_shells": {
        "en": "idle shells are not logged out as required",
        "zh": "空闲 shell 未按要求自动退出",
    },
    "ia.client_alive": {
        "en": "ClientAliveInterval {interval}, ClientAliveCountMax {count}",
        "zh": "ClientAliveInterval {interval}，ClientAliveCountMax {count}",
    },
    "ia.by_default": {"en": "{value} (default)", "zh": "{value}（默认值）"},
    "ia.alive_product": {
        "en": "interval > 0, count > 0, interval x count <= {limit}",
        "zh": "间隔 > 0，次数 > 0，间隔 × 次数 ≤ {limit}",
    },
    "ia.dead_sessions": {
        "en": "dead SSH sessions are not dropped within {limit} s",
        "zh": "无响应的 SSH 会话未在 {limit} 秒内断开",
    },
    "ia.seconds": {"en": "{want} s", "zh": "{want} 秒"},
    "ia.grace_time": {"en": "LoginGraceTime is not {want}", "zh": "LoginGraceTime 不是 {want}"},
    "ia.start_full": {
        "en": "start <= {start}, full <= {full}",
        "zh": "起始值 ≤ {start}，上限 ≤ {full}",
    },
    "ia.max_startups": {
        "en": "MaxStartups allows too many pending logins",
        "zh": "MaxStartups 允许过多未完成认证的连接",
    },
    "ia.protocol_builtin": {
        "en": "(not set: only protocol 2 is built in)",
        "zh": "（未设置：仅内置协议版本 2）",
    },
    "ia.protocol_1": {"en": "sshd accepts SSH protocol 1", "zh": "sshd 接受 SSH 协议版本 1"},
    "ia.name_twice": {"en": "name {name}", "zh": "用户名 {name}"},
    "ia.uid_shared": {"en": "uid {uid}: {who}", "zh": "UID {uid}：{who}"},
    "ia.all_distinct": {"en": "{count} accounts, all distinct", "zh": "{count} 个账户，均不重复"},
    "ia.unique_ids": {"en": "unique names and UIDs", "zh": "用户名与 UID 唯一"},
    "ia.shared_identity": {"en": "accounts share an identity", "zh": "存在共用身份的账户"},
    "ia.no_empty_password": {
        "en": "no account with an empty password",
        "zh": "没有空口令账户",
    },
    "ia.no_missing_field": {
        "en": "no account without a password field",
        "zh": "没有缺少口令字段的账户",
    },
    "ia.no_password_login": {
        "en": "accounts log in without a password",
        "zh": "存在无需口令即可登录的账户",
    },
    "ia.no_ban": {
        "en": "nothing bans sources of repeated failed logins",
        "zh": "没有机制封禁多次登录失败的来源地址",
    },
    "ia.jail_default": {"en": "false (jail.conf default)", "zh": "false（jail.conf 默认值）"},
    "ia.fail2ban_stopped": {"en": "fail2ban is not running", "zh": "fail2ban 未运行"},
    "ia.jail_off": {"en": "the {jail} jail is off", "zh": "fail2ban 的 {jail} 规则未启用"},
    "ia.no_execstart": {"en": "(no ExecStart)", "zh": "（无 ExecStart）"},
    "ia.with_force": {
        "en": "{commands} ; SYSTEMD_SULOGIN_FORCE={value}",
        "zh": "{commands} ; SYSTEMD_SULOGIN_FORCE={value}",
    },
    "ia.sulogin_asks": {
        "en": "sulogin asks root's password (no force)",
        "zh": "sulogin 要求输入 root 口令（未强制跳过）",
    },
    "ia.single_user_open": {
        "en": "single-user mode gives a root shell without a password",
        "zh": "单用户模式无需口令即可获得 root shell",
    },
    "ia.no_single_user": {
        "en": "no single-user mode: no systemd rescue/emergency unit and no /etc/inittab",
        "zh": "没有单用户模式：既无 systemd rescue/emergency 单元，也无 /etc/inittab",
    },
    "ia.no_force": {"en": "sulogin without --force", "zh": "sulogin 不带 --force"},
    "ia.no_single_entry": {"en": "(no single-user entry)", "zh": "（无单用户模式条目）"},
    "ia.pubkey": {"en": "SSH public key ({families})", "zh": "SSH 公钥（{families}）"},
    "ia.pubkey_off": {"en": "public-key authentication off", "zh": "公钥认证已关闭"},
    "ia.key_pair": {"en": "a key pair: the cryptographic factor", "zh": "密钥对：密码技术鉴别因素"},
    "ia.weak_types": {"en": "weak key types: {types}", "zh": "弱密钥类型：{types}"},
    "ia.no_weak_types": {"en": "no SHA-1 or DSA key type", "zh": "无 SHA-1 或 DSA 密钥类型"},
    "ia.none_of": {"en": "none of {items}", "zh": "不含 {items}"},
    "ia.pubkey_every_list": {
        "en": "publickey (or gssapi-with-mic) in every method list",
        "zh": "每个认证方法列表都含 publickey（或 gssapi-with-mic）",
    },
    "ia.transport": {
        "en": "transport: {first} first of {count}",
        "zh": "传输加密：{count} 个算法中首选 {first}",
    },
    "ia.no_ciphers": {"en": "(no ciphers)", "zh": "（无加密算法）"},
    "ia.judged_by": {"en": "judged by {check}", "zh": "由 {check} 判定"},
    "ia.sm_offered": {
        "en": "SM (Chinese national) algorithms offered: {items}",
        "zh": "提供国密算法：{items}",
    },
    "ia.no_sm": {
        "en": "no SM2/SM3/SM4 algorithm in this OpenSSH",
        "zh": "此 OpenSSH 不提供 SM2/SM3/SM4 算法",
    },
    "ia.sm_where_offered": {
        "en": "SM2/SM3/SM4 where the OpenSSH build offers them (GB/T 39786-2021)",
        "zh": "OpenSSH 版本支持时使用 SM2/SM3/SM4（GB/T 39786-2021）",
    },
    "ia.no_strong_key": {
        "en": "SSH logins do not all rest on a strong key pair",
        "zh": "并非所有 SSH 登录都基于强密钥对",
    },
    "ia.missing_or_empty": {"en": "missing or empty: {files}", "zh": "不存在或为空：{files}"},
    "ia.dict_size": {"en": "{file} {size} bytes", "zh": "{file} {size} 字节"},
    "ia.dictpath": {"en": "dictpath in pwquality.conf", "zh": "pwquality.conf 中的 dictpath"},
    "ia.libcrack_default": {"en": "libcrack2 default", "zh": "libcrack2 默认值"},
    "ia.packed_dict": {
        "en": "the packed dictionary (.pwd, .pwi, .hwm)",
        "zh": "打包的字典文件（.pwd、.pwi、.hwm）",
    },
    "ia.cracklib_absent": {"en": "cracklib-check not installed", "zh": "未安装 cracklib-check"},
    "ia.cracklib_probe": {
        "en": "cracklib-check (fixed word 'password')",
        "zh": "cracklib-check（固定测试词 'password'）",
    },
    "ia.dictionary_word": {
        "en": "it is based on a dictionary word",
        "zh": "cracklib-check 判定其为字典词",
    },
    "ia.dict_off": {
        "en": "dictionary words are not refused (dictcheck off, or the dictionary does not load)",
        "zh": "未拒绝字典词（dictcheck 关闭，或字典无法加载）",
    },
}

# -- 安全审计 (audit.py) --------------------------------------------------------------------
AUDIT: dict[str, T] = {
    "au.not_running": {"en": "{name} is not enabled and running", "zh": "{name} 未启用或未运行"},
    "au.no_auditctl_rules": {
        "en": "auditctl not installed: no rules loaded",
        "zh": "未安装 auditctl：未加载任何规则",
    },
    "au.missing": {"en": "missing: {items}", "zh": "缺少：{items}"},
    "au.all_present": {"en": "all present", "zh": "全部存在"},
    "au.rules_incomplete": {"en": "audit rules incomplete: {what}", "zh": "审计规则不完整：{what}"},
    "au.conf_missing": {
        "en": "(file missing: auditd not installed)",
        "zh": "（文件不存在：未安装 auditd）",
    },
    "au.not_configured": {"en": "auditd is not configured", "zh": "auditd 未配置"},
    "au.key_not": {"en": "auditd {key} is not {allowed}", "zh": "auditd 的 {key} 不是 {allowed}"},
    "au.auditd_absent": {"en": "auditd is not installed", "zh": "未安装 auditd"},
    "au.lab_no_boot": {
        "en": "a lab host has no boot loader: its kernel is the machine's",
        "zh": "实验主机没有引导程序：其内核属于宿主机",
    },
    "au.no_kernel_options": {"en": "(no kernel options)", "zh": "（无内核参数）"},
    "au.no_default_grub": {"en": "(no /etc/default/grub)", "zh": "（无 /etc/default/grub）"},
    "au.cmdline_outside": {
        "en": "the command line is set outside the host; the running one is judged",
        "zh": "内核命令行在主机之外设置；判定当前运行的命令行",
    },
    "au.no_audit_1": {"en": "no audit=1", "zh": "无 audit=1"},
    "au.early_unaudited": {
        "en": "processes started before auditd are not audited",
        "zh": "auditd 启动前的进程未被审计",
    },
    "au.backlog_default": {
        "en": "(not set: kernel default 64)",
        "zh": "（未设置：内核默认值 64）",
    },
    "au.auditctl_absent": {"en": "auditctl not installed", "zh": "未安装 auditctl"},
    "au.backlog_not": {
        "en": "audit backlog limit is not {want}",
        "zh": "审计积压队列上限不是 {want}",
    },
    "au.no_rules": {"en": "(no rules)", "zh": "（无规则）"},
    "au.e2_last": {"en": "-e 2 as the last rule", "zh": "最后一条规则为 -e 2"},
    "au.rules_mutable": {
        "en": "the audit rules can be changed without a reboot",
        "zh": "无需重启即可修改审计规则",
    },
    "au.tools": {"en": "audit tools", "zh": "审计工具"},
    "au.records_open": {
        "en": "audit records or their configuration are open to others",
        "zh": "审计记录或其配置对其他用户开放",
    },
    "au.no_syslog": {"en": "no syslog daemon keeps logs", "zh": "没有 syslog 守护进程保存日志"},
    "au.forwarded_tcp_relp": {
        "en": "{selector} forwarded over TCP or RELP",
        "zh": "{selector} 经 TCP 或 RELP 转发",
    },
    "au.sent_to": {"en": "{protocol} to {target}", "zh": "{protocol} 发往 {target}"},
    "au.discarded": {"en": "discarded: {rule}", "zh": "被丢弃：{rule}"},
    "au.no_forwarding": {"en": "no forwarding rule", "zh": "无转发规则"},
    "au.not_forwarded": {
        "en": "logs are not forwarded off the host over TCP",
        "zh": "日志未经 TCP 转发到主机之外",
    },
    "au.rotation_unread": {
        "en": "rotated by size, or no period or count that can be read",
        "zh": "按大小轮转，或无法读取周期与份数",
    },
    "au.rotation": {"en": "{period} x rotate {rotate}", "zh": "{period} × rotate {rotate}"},
    "au.rotation_maxage": {
        "en": "{period} x rotate {rotate}, maxage {maxage}",
        "zh": "{period} × rotate {rotate}，maxage {maxage}",
    },
    "au.kept_days": {"en": "{how} = {days} days", "zh": "{how} = {days} 天"},
    "au.kept_always": {"en": "{how} = never removed", "zh": "{how} = 永不删除"},
    "au.min_days": {"en": ">= {need} days", "zh": "≥ {need} 天"},
    "au.no_rotation": {
        "en": "(no rotation rule for the system logs)",
        "zh": "（系统日志无轮转规则）",
    },
    "au.retention_unset": {
        "en": "system log retention is not configured",
        "zh": "未配置系统日志保存期限",
    },
    "au.files_kept": {"en": "{files}: {kept}", "zh": "{files}：{kept}"},
    "au.logs_short": {
        "en": "system logs are kept less than {need} days",
        "zh": "系统日志保存不足 {need} 天",
    },
    "au.strftime": {"en": "a strftime format", "zh": "strftime 时间格式"},
    "au.no_timestamps": {"en": "shell history has no timestamps", "zh": "shell 历史记录没有时间戳"},
    "au.from_forwarded": {
        "en": "{selector} from {program} forwarded over TCP",
        "zh": "来自 {program} 的 {selector} 经 TCP 转发",
    },
    "au.no_input": {"en": "no imuxsock/imjournal input", "zh": "无 imuxsock/imjournal 输入"},
    "au.local_input": {"en": "local input", "zh": "本地输入"},
    "au.no_rule_takes": {"en": "no forwarding rule takes them", "zh": "没有转发规则处理这些记录"},
    "au.filter_unknown": {
        "en": "filter not understood: {rule}",
        "zh": "无法解析的过滤规则：{rule}",
    },
    "au.remote_auditd": {"en": "a remote auditd", "zh": "远程 auditd"},
    "au.no_remote_server": {"en": "(no remote_server)", "zh": "（无 remote_server）"},
    "au.active": {"en": "active: {program}", "zh": "已启用：{program}"},
    "au.no_plugin": {
        "en": "no active syslog or remote plugin",
        "zh": "没有已启用的 syslog 或远程插件",
    },
    "au.dispatcher": {"en": "auditd's dispatcher", "zh": "auditd 的分发器"},
    "au.not_collected": {
        "en": "audit records do not reach the central collector",
        "zh": "审计记录未送达集中采集端",
    },
    "au.logs_not_kept": {"en": "audit logs are not kept", "zh": "未保存审计日志"},
    "au.free_at": {
        "en": "{free} KiB free at {rate} KiB/day = {days} days",
        "zh": "剩余 {free} KiB，按每天 {rate} KiB 计 = {days} 天",
    },
    "au.rate_unknown": {
        "en": "less than a day of records: rate not measurable yet",
        "zh": "记录不足一天：尚无法测算增长速度",
    },
    "au.nothing_deleted": {
        "en": "nothing deleted; space watched by space_left",
        "zh": "不删除记录；由 space_left 监视磁盘空间",
    },
    "au.files_at": {
        "en": "{count} x {size} MiB at {rate} KiB/day = {days} days",
        "zh": "{count} × {size} MiB，按每天 {rate} KiB 计 = {days} 天",
    },
    "au.files_no_rate": {
        "en": "{count} x {size} MiB, rate not measurable",
        "zh": "{count} × {size} MiB，无法测算增长速度",
    },
    "au.log_folder_lab": {
        "en": "/var/log/audit (auditd does not run)",
        "zh": "/var/log/audit（auditd 未运行）",
    },
    "au.audit_logs_short": {
        "en": "audit logs may be kept less than {need} days",
        "zh": "审计日志可能保存不足 {need} 天",
    },
    "au.no_collector": {"en": "(no collector)", "zh": "（无采集端）"},
    "au.collector": {"en": "collector (rsyslog forwarding)", "zh": "采集端（rsyslog 转发）"},
    "au.siem_keeps": {
        "en": "the SIEM keeps events >= {need} days: govsec store retention_days / "
        "Elasticsearch ILM delete phase (shown on the SIEM, not judged from the host)",
        "zh": "SIEM 保存事件 ≥ {need} 天：govsec 存储的 retention_days / Elasticsearch ILM "
        "删除阶段（在 SIEM 上查看，不在主机上判定）",
    },
    "au.disk_full_stops": {
        "en": "auditd stops recording when its disk is full or fails",
        "zh": "磁盘满或故障时 auditd 停止记录",
    },
    "au.access_refused": {
        "en": "file access refused (EACCES, EPERM) audited",
        "zh": "审计被拒绝的文件访问（EACCES、EPERM）",
    },
    "au.mac_changes": {
        "en": "changes to the mandatory access control policy audited",
        "zh": "审计对强制访问控制策略的修改",
    },
}

# -- who reaches sshd, from where, with how many factors (sshd_access.py) --------------------
SSHD_ACCESS: dict[str, T] = {
    "sa.one_of_required": {"en": "one of {modules}, required", "zh": "必须启用 {modules} 之一"},
    "sa.skippable": {"en": "can be skipped", "zh": "可被跳过"},
    "sa.every_path": {"en": "required on every path", "zh": "每条认证路径都必须通过"},
    "sa.lines_how": {"en": "{lines}: {how}", "zh": "{lines}：{how}"},
    "sa.otp_required": {
        "en": "the one-time code required: no path through the auth stack succeeds without it",
        "zh": "必须通过一次性口令：认证栈中没有不经它即可成功的路径",
    },
    "sa.nullok_undeclared": {
        "en": "nullok, no enrolment period declared",
        "zh": "nullok，未声明注册过渡期",
    },
    "sa.nullok_date": {"en": "nullok, date {date}", "zh": "nullok，日期 {date}"},
    "sa.no_nullok_or_period": {
        "en": "no nullok (or an enrolment period not yet over)",
        "zh": "无 nullok（或注册过渡期尚未结束）",
    },
    "sa.valid_date": {"en": "a valid YYYY-MM-DD", "zh": "有效的日期（YYYY-MM-DD）"},
    "sa.nullok_after": {
        "en": "nullok after the enrolment period ({date})",
        "zh": "注册过渡期（{date}）结束后仍有 nullok",
    },
    "sa.no_nullok": {"en": "no nullok", "zh": "无 nullok"},
    "sa.nullok_until": {
        "en": "nullok until {date}: users without a secret still log in with one factor",
        "zh": "nullok 至 {date}：未注册密钥的用户仍可单因素登录",
    },
    "sa.period_declared": {
        "en": "enrolment period declared by the operator",
        "zh": "运维人员声明的注册过渡期",
    },
    "sa.nullok_lets_in": {
        "en": "nullok lets users without a one-time code in",
        "zh": "nullok 使没有一次性口令的用户也能登录",
    },
    "sa.every_list_two": {
        "en": "every list: the one-time code and another factor",
        "zh": "每个方法列表：一次性口令加另一种鉴别因素",
    },
    "sa.one_factor": {
        "en": "sshd accepts one factor ({methods})",
        "zh": "sshd 接受单因素登录（{methods}）",
    },
    "sa.user_from": {
        "en": "{user} from {address}: {methods}",
        "zh": "{user} 自 {address}：{methods}",
    },
    "sa.explicit_exception": {
        "en": "the explicit exception: one named account, management sources only",
        "zh": "明确的例外：单个指名账户，仅限管理网段来源",
    },
    "sa.too_many_exempt": {
        "en": "{count} accounts are exempt from the second factor (at most {limit})",
        "zh": "{count} 个账户免除第二因素（至多 {limit} 个）",
    },
    "sa.exception_mgmt_only": {
        "en": "exception used from management sources only",
        "zh": "例外仅从管理网段使用",
    },
    "sa.two_for_every_user": {
        "en": "two factors for every admitted user",
        "zh": "每个允许登录的用户都使用双因素",
    },
    "sa.some_one_factor": {"en": "some users log in with one factor", "zh": "部分用户以单因素登录"},
    "sa.key_totp": {
        "en": "SSH key (publickey) + TOTP (RFC 6238, HMAC)",
        "zh": "SSH 密钥（publickey）+ TOTP（RFC 6238，HMAC）",
    },
    "sa.key_only": {"en": "SSH key only", "zh": "仅 SSH 密钥"},
    "sa.one_crypto_factor": {
        "en": "at least one cryptographic factor (the key)",
        "zh": "至少一种密码技术鉴别因素（密钥）",
    },
    "sa.no_input_chain": {"en": "no input chain", "zh": "无 input 链"},
    "sa.every_address": {"en": "every address", "zh": "所有地址"},
    "sa.every_family": {"en": "every {family} address", "zh": "所有 {family} 地址"},
    "sa.admits": {"en": "admits {users} from {address}", "zh": "允许 {users} 自 {address} 登录"},
    "sa.not_probed": {"en": "not probed", "zh": "未探测"},
    "sa.no_outside_login": {
        "en": "no login from outside the management networks",
        "zh": "不允许从管理网段之外登录",
    },
    "sa.refuses_probe": {
        "en": "refuses the outside probe, by a rule not read as addresses",
        "zh": "拒绝了外部探测，但所依据的规则无法解读为地址",
    },
    "sa.mgmt_logins_only": {
        "en": "logins only from the management networks",
        "zh": "仅允许从管理网段登录",
    },
    "sa.none_declared": {"en": "(none declared)", "zh": "（未声明）"},
    "sa.sources_param": {
        "en": "{file}, check parameter networks",
        "zh": "{file}、检查项参数 networks",
    },
    "sa.mgmt_networks": {"en": "the management networks", "zh": "管理网段"},
    "sa.nft_absent": {"en": "nftables not installed", "zh": "未安装 nftables"},
    "sa.reachable_mgmt_only": {
        "en": "sshd reachable from the management networks only",
        "zh": "仅管理网段可以访问 sshd",
    },
    "sa.no_network_declared": {
        "en": "no management network is declared to judge against",
        "zh": "未声明管理网段，无法判定",
    },
    "sa.firewall_and_sshd": {"en": "firewall and sshd together", "zh": "防火墙与 sshd 综合"},
    "sa.none_outside": {
        "en": "none outside the management networks",
        "zh": "管理网段之外没有来源",
    },
    "sa.outside_logins": {
        "en": "SSH logins are possible from outside the management networks",
        "zh": "可以从管理网段之外进行 SSH 登录",
    },
    "sa.drop_by_default": {
        "en": "an input chain that drops by default",
        "zh": "默认丢弃的 input 链",
    },
    "sa.no_firewall": {"en": "no host firewall", "zh": "没有主机防火墙"},
    "sa.input_drop": {"en": "input policy drop", "zh": "input 链默认策略为 drop"},
    "sa.accepted_from": {"en": "accepted from {sources}", "zh": "接受来自 {sources} 的连接"},
    "sa.unnamed_port_dropped": {
        "en": "{proto} to a port no rule names: dropped",
        "zh": "发往未被任何规则指定端口的 {proto} 连接：丢弃",
    },
    "sa.accepts_any_port": {
        "en": "the firewall accepts {protos} to any port",
        "zh": "防火墙接受发往任意端口的 {protos} 连接",
    },
}

# -- 入侵防范 (intrusion.py) ----------------------------------------------------------------
INTRUSION: dict[str, T] = {
    "svc.enabled_and_running": {"en": "enabled running", "zh": "已启用，运行中"},
    "installed": {"en": "installed", "zh": "已安装"},
    "ip.none_active": {"en": "none enabled or running", "zh": "均未启用或运行"},
    "ip.no_unneeded": {"en": "none of the unneeded services", "zh": "不启用任何不必要的服务"},
    "ip.unneeded_active": {
        "en": "unneeded services are enabled or running",
        "zh": "不必要的服务已启用或正在运行",
    },
    "ip.none_exposed": {"en": "none exposed", "zh": "均未暴露"},
    "ip.ports_closed": {"en": "none of {ports} exposed", "zh": "{ports} 均未对外暴露"},
    "ip.ports_open": {"en": "high-risk ports are open to the network", "zh": "高危端口对网络开放"},
    "ip.everybody": {"en": "(not set: everybody)", "zh": "（未设置：所有人）"},
    "ip.anyone_ssh": {"en": "any account may log in over SSH", "zh": "任何账户都可以通过 SSH 登录"},
    "ip.apt_only": {
        "en": "pending security updates are read from apt's lists (Debian family only)",
        "zh": "待安装的安全更新从 apt 软件源列表读取（仅限 Debian 系）",
    },
    "ip.no_security_repo": {
        "en": "no security repository in apt's lists",
        "zh": "apt 软件源列表中没有安全更新源",
    },
    "ip.security_fetched": {"en": "a security source fetched", "zh": "已获取安全更新源"},
    "ip.no_security_updates": {
        "en": "the host does not receive security updates",
        "zh": "主机收不到安全更新",
    },
    "ip.no_packages": {
        "en": "no installed package could be read",
        "zh": "无法读取任何已安装的软件包",
    },
    "ip.pending": {"en": "{count} pending: {items}", "zh": "{count} 个待安装：{items}"},
    "ip.none_pending": {"en": "0 pending", "zh": "0 个待安装"},
    "ip.apt_security": {"en": "apt lists (security)", "zh": "apt 软件源列表（安全更新）"},
    "ip.at_most_pending": {"en": "<= {limit} pending", "zh": "待安装 ≤ {limit} 个"},
    "ip.updates_pending": {"en": "security updates are pending", "zh": "有待安装的安全更新"},
    "ip.apt_lists_debian": {
        "en": "apt's lists exist on Debian-family hosts only",
        "zh": "只有 Debian 系主机才有 apt 软件源列表",
    },
    "ip.age_days": {"en": "age {want} days", "zh": "时效 {want} 天"},
    "ip.never_fetched": {"en": "never fetched", "zh": "从未获取"},
    "ip.never_fetched_lists": {
        "en": "apt has never fetched its lists",
        "zh": "apt 从未获取软件源列表",
    },
    "ip.days_old": {"en": "{age} days old", "zh": "已有 {age} 天"},
    "ip.stale": {"en": "apt's lists are stale", "zh": "apt 软件源列表已过时"},
    "ip.not_installed": {"en": "{name} is not installed", "zh": "未安装 {name}"},
    "ip.no_timer": {"en": "no timer enabled", "zh": "没有启用的定时器"},
    "ip.dnf_unscheduled": {
        "en": "dnf-automatic is not scheduled",
        "zh": "dnf-automatic 未定时运行",
    },
    "ip.unset_never": {"en": "(not set: never)", "zh": "（未设置：从不）"},
    "ip.uu_never": {"en": "unattended-upgrades never runs", "zh": "unattended-upgrades 从不运行"},
    "ip.every_day": {"en": "at least every 1 day(s)", "zh": "至少每 1 天一次"},
}

# -- checks declared as data (kinds.py), and what each declared check looks at ---------------
KINDS: dict[str, T] = {
    "listener": {"en": "{socket} on {address}", "zh": "{address} 上的 {socket}"},
    "listener_by": {
        "en": "{socket} on {address} ({process})",
        "zh": "{address} 上的 {socket}（{process}）",
    },
    "kd.none_installed": {"en": "none installed", "zh": "均未安装"},
    "kd.no_package": {"en": "no {what} package", "zh": "不安装软件包：{what}"},
    "kd.nothing_on": {"en": "nothing on {ports}", "zh": "{ports} 上无监听"},
    "kd.none_listening": {"en": "none listening", "zh": "无监听"},
    "kd.installed_or_listening": {
        "en": "a {what} is installed or listening",
        "zh": "{what}已安装或正在监听",
    },
    # the catalog's args.what of each declared check (its English is the catalog's)
    "what.audit_rules_identity": {
        "en": "writes to account files watched",
        "zh": "监视对账户文件的写入",
    },
    "what.audit_rules_sudoers": {"en": "writes to sudoers watched", "zh": "监视对 sudoers 的写入"},
    "what.audit_rules_logins": {
        "en": "login records and lock files watched",
        "zh": "监视登录记录与锁定文件",
    },
    "what.audit_rules_privileged_commands": {
        "en": "privileged commands audited on execution",
        "zh": "审计特权命令的执行",
    },
    "what.audit_rules_modules": {
        "en": "kernel module loading audited",
        "zh": "审计内核模块的加载",
    },
    "what.audit_rules_time": {
        "en": "clock and time zone changes audited",
        "zh": "审计对时钟与时区的修改",
    },
    "what.audit_rules_deletions": {
        "en": "file deletion and renaming audited",
        "zh": "审计文件的删除与重命名",
    },
    "what.audit_rules_audit_config": {
        "en": "changes to the audit configuration audited",
        "zh": "审计对审计配置的修改",
    },
    "what.audit_rules_perm_mod": {
        "en": "changes of permissions, owners and extended attributes audited",
        "zh": "审计对权限、属主与扩展属性的修改",
    },
    "what.audit_rules_network": {
        "en": "host name, hosts, banners and network configuration changes audited",
        "zh": "审计对主机名、hosts、登录提示与网络配置的修改",
    },
    "what.telnet_server_absent": {"en": "telnet server", "zh": "telnet 服务端"},
    "what.rsh_server_absent": {"en": "rsh/rlogin server", "zh": "rsh/rlogin 服务端"},
    "what.ftp_server_absent": {"en": "FTP server", "zh": "FTP 服务端"},
    "what.tftp_server_absent": {"en": "TFTP server", "zh": "TFTP 服务端"},
    "what.nis_server_absent": {"en": "NIS server", "zh": "NIS 服务端"},
    "what.xserver_absent": {"en": "graphical display server", "zh": "图形显示服务"},
}

# -- 可信验证, kernel, 恶意代码防范, 安全管理中心, 剩余信息保护 ---------------------------------
OTHERS: dict[str, T] = {
    "tv.no_checker": {"en": "no file integrity checker", "zh": "没有文件完整性校验工具"},
    "tv.no_database": {"en": "no database", "zh": "无数据库"},
    "tv.baseline": {"en": "an AIDE baseline database", "zh": "AIDE 基线数据库"},
    "tv.no_baseline": {
        "en": "AIDE has no baseline to compare with",
        "zh": "AIDE 没有可供比对的基线",
    },
    "tv.scheduled": {"en": "a scheduled AIDE run", "zh": "定时运行 AIDE"},
    "tv.runs_aide": {"en": "runs aide", "zh": "运行 aide"},
    "tv.timer_enabled": {"en": "{timer} enabled", "zh": "{timer} 已启用"},
    "tv.no_schedule": {"en": "no schedule", "zh": "未定时运行"},
    "tv.cron_timers": {"en": "cron, systemd timers", "zh": "cron、systemd 定时器"},
    "tv.never_runs": {"en": "AIDE never runs by itself", "zh": "AIDE 从不自动运行"},
    "tv.no_grub": {
        "en": "no GRUB configuration: the boot loader is outside the host",
        "zh": "没有 GRUB 配置：引导程序在主机之外",
    },
    "tv.password_lines": {"en": "{count} password lines", "zh": "{count} 行口令设置"},
    "tv.superuser": {"en": ">= 1 (superuser password)", "zh": "≥ 1（超级用户口令）"},
    "tv.console_boot": {
        "en": "anyone at the console can change the boot",
        "zh": "任何能接触控制台的人都可以修改启动参数",
    },
    "tv.rpm_verifies": {
        "en": "rpm -V verifies installed files against the package database",
        "zh": "rpm -V 依据软件包数据库校验已安装文件",
    },
    "tv.nothing_verifies": {
        "en": "nothing verifies installed files",
        "zh": "没有工具校验已安装文件",
    },
    "tv.debsums_never": {"en": "debsums never runs", "zh": "debsums 从不运行"},
    "kn.no_runtime": {"en": "no container runtime", "zh": "无容器运行时"},
    "kn.container_host": {
        "en": "a container host forwards packets by design",
        "zh": "容器主机按设计需要转发数据包",
    },
    "kn.install_false": {"en": "install MODULE /bin/false", "zh": "install 模块名 /bin/false"},
    "kn.loadable": {"en": "loadable on demand: {modules}", "zh": "可按需加载：{modules}"},
    "mw.one_of": {"en": "one of {names}", "zh": "{names} 之一"},
    "mw.none_active": {
        "en": "no anti-malware or allow-listing product is active",
        "zh": "没有运行中的防恶意代码或白名单产品",
    },
    "mw.vendor_sets": {"en": "vendor sets: {sets}", "zh": "厂商特征库：{sets}"},
    "mw.site_only": {"en": "site signatures only: {sets}", "zh": "仅有本地特征库：{sets}"},
    "mw.no_database": {"en": "no signature database", "zh": "无特征库"},
    "mw.vendor_current": {
        "en": "the vendor's main and daily sets, kept current",
        "zh": "厂商的 main.cvd 与 daily.cvd 特征库，保持最新",
    },
    "mc.unset_off": {"en": "(not set: off)", "zh": "（未设置：关闭）"},
    "mc.sudo_unrecorded": {
        "en": "sudo sessions are not recorded as required",
        "zh": "sudo 会话未按要求记录",
    },
    "mc.time_sources": {"en": "time sources", "zh": "时间源"},
    "mc.time_service": {"en": "time service", "zh": "时间服务"},
    "mc.no_time_source": {"en": "no time source configured", "zh": "未配置时间源"},
    "mc.not_synchronised_common": {
        "en": "the clock is not synchronised with a common source",
        "zh": "时钟未与统一时间源同步",
    },
    "mc.lab_clock": {"en": "a lab host's clock is the machine's", "zh": "实验主机的时钟属于宿主机"},
    "mc.not_synchronised": {"en": "the clock is not synchronised", "zh": "时钟未同步"},
    "mc.leap": {"en": "leap status {status}", "zh": "闰秒状态：{status}"},
    "mc.chronyd_unsynchronised": {"en": "chronyd is not synchronised", "zh": "chronyd 未同步"},
    "mc.synchronised_daemon": {"en": "a synchronised time daemon", "zh": "已同步的时间守护进程"},
    "mc.chronyd_stopped": {
        "en": "chronyd is installed but not running",
        "zh": "已安装 chronyd 但未运行",
    },
    "mc.no_daemon": {"en": "no time daemon running", "zh": "没有运行中的时间守护进程"},
    "mc.nothing_synchronises": {
        "en": "nothing keeps the clock synchronised",
        "zh": "没有任何机制保持时钟同步",
    },
    "mc.cannot_report": {
        "en": "{daemon} runs but cannot report its state here",
        "zh": "{daemon} 正在运行，但无法在此报告其同步状态",
    },
    "ri.unlimited": {"en": "(not set: unlimited hard limit)", "zh": "（未设置：硬限制为无限制）"},
    "ri.dumps": {"en": "processes may dump memory to disk", "zh": "进程可将内存转储到磁盘"},
    "ri.no_coredump": {
        "en": "systemd-coredump is not installed: core limits and fs.suid_dumpable apply",
        "zh": "未安装 systemd-coredump：由核心转储大小限制与 fs.suid_dumpable 决定",
    },
    "ri.keeps_images": {
        "en": "systemd-coredump keeps memory images",
        "zh": "systemd-coredump 会保存内存映像",
    },
}

FAMILIES = (COMMON, ACCESS, IDENTIFICATION, AUDIT, SSHD_ACCESS, INTRUSION, KINDS, OTHERS)
for family in FAMILIES:
    TEXTS.update(family)
register({PREFIX + key: texts for key, texts in TEXTS.items()})
