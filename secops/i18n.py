"""Messages in English and Chinese (``--lang en|zh``).

Each user-facing sentence has a key; :func:`t` looks it up in the current language and fills
in its fields. The language comes from ``--lang``, then ``GOVSEC_LANG``, then ``govsec.yaml``,
then the locale (``LC_ALL``, ``LC_MESSAGES``, ``LANG``): ``zh*`` gives Chinese, anything else
English. A key missing in Chinese falls back to English, so a new message is never lost.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Literal, get_args

Lang = Literal["en", "zh"]
LANGS: tuple[str, ...] = get_args(Lang)

_current: Lang = "en"

MESSAGES: dict[str, dict[Lang, str]] = {
    # CLI
    "app.help": {
        "en": "govsec: harden, audit, monitor and detect on a government cloud to MLPS 2.0.",
        "zh": "govsec：按等保2.0（GB/T 22239-2019）对政务云进行加固、合规核查、监控与威胁检测。",
    },
    "app.version": {"en": "Print the version and exit.", "zh": "显示版本并退出。"},
    "app.lang": {"en": "Language of messages: en or zh.", "zh": "消息语言：en 或 zh。"},
    "app.error": {"en": "error: ", "zh": "错误："},  # the prefix of an error line
    "app.bad_lang": {
        "en": "unknown language {value!r}: expected one of {choices}",
        "zh": "未知语言 {value!r}：应为 {choices} 之一",
    },
    # lab
    "lab.help": {
        "en": "A disposable fleet of real Linux hosts on this machine, to rehearse on.",
        "zh": "在本机创建一次性的真实 Linux 主机集群，用于演练。",
    },
    "lab.up.help": {
        "en": "Start N lab hosts and write their Ansible inventory.",
        "zh": "启动 N 台实验主机并生成 Ansible 清单。",
    },
    "lab.status.help": {
        "en": "Show the lab hosts and whether each answers on SSH.",
        "zh": "显示实验主机及其 SSH 是否可达。",
    },
    "lab.exec.help": {
        "en": "Run a command as root inside a lab host (no shell: arguments pass as they are).",
        "zh": "以 root 身份在实验主机内执行命令（不经 shell，参数原样传递）。",
    },
    "lab.down.help": {
        "en": "Stop every lab host and remove all the lab made.",
        "zh": "停止所有实验主机并清除实验环境创建的一切。",
    },
    "lab.need_root": {
        "en": "the lab needs root: it creates namespaces, mounts and network links",
        "zh": "实验环境需要 root 权限：它要创建命名空间、挂载点和网络链路",
    },
    "lab.need_root.hint": {
        "en": "run it as root (sudo govsec lab …)",
        "zh": "请以 root 身份运行（sudo govsec lab …）",
    },
    "lab.missing_tools": {
        "en": "missing on this machine: {tools}",
        "zh": "本机缺少：{tools}",
    },
    "lab.missing_tools.hint": {
        "en": "install the Debian packages {packages} (make demo and make test do it)",
        "zh": "请安装 Debian 软件包 {packages}（make demo 和 make test 会自动安装）",
    },
    "lab.no_space": {
        "en": "not enough disk space in {path}: {need} MiB needed, {free} MiB free",
        "zh": "{path} 磁盘空间不足：需要 {need} MiB，仅剩 {free} MiB",
    },
    "lab.building_base": {
        "en": "building the Debian {suite} base with debootstrap from {mirror} (once)",
        "zh": "正在用 debootstrap 从 {mirror} 构建 Debian {suite} 基础镜像（仅首次）",
    },
    "lab.base_failed": {
        "en": "debootstrap failed (exit {code}); its log: {log}",
        "zh": "debootstrap 失败（退出码 {code}）；日志：{log}",
    },
    "lab.starting": {"en": "starting {n} lab hosts", "zh": "正在启动 {n} 台实验主机"},
    "lab.up.done": {
        "en": "{n} lab hosts up in {seconds:.1f} s; inventory: {inventory}",
        "zh": "{n} 台实验主机已启动，用时 {seconds:.1f} 秒；清单：{inventory}",
    },
    "lab.down.done": {
        "en": "lab down: {n} hosts stopped, everything the lab made removed",
        "zh": "实验环境已关闭：停止 {n} 台主机，已清除其创建的全部内容",
    },
    "lab.not_up": {"en": "no lab is up", "zh": "当前没有运行中的实验环境"},
    "lab.not_up.hint": {
        "en": "start one with: govsec lab up --hosts 3",
        "zh": "启动：govsec lab up --hosts 3",
    },
    "lab.unknown_host": {
        "en": "no lab host named {name!r}; hosts: {names}",
        "zh": "没有名为 {name!r} 的实验主机；现有主机：{names}",
    },
    "lab.host_down": {
        "en": "lab host {name} is not running",
        "zh": "实验主机 {name} 未在运行",
    },
    "lab.host_no_ssh": {
        "en": "lab host {name} did not answer on SSH at {address} in {seconds} s; console: {log}",
        "zh": "实验主机 {name}（{address}）在 {seconds} 秒内未响应 SSH；控制台日志：{log}",
    },
    "lab.host_failed": {
        "en": "lab host {name} failed to start; console: {log}\n{tail}",
        "zh": "实验主机 {name} 启动失败；控制台日志：{log}\n{tail}",
    },
    "lab.bad_hosts": {
        "en": "--hosts must be between 1 and {most} for subnet {subnet}, got {n}",
        "zh": "--hosts 取值须在 1 到 {most} 之间（子网 {subnet}），实际为 {n}",
    },
    "lab.subnet_in_use": {
        "en": "subnet {subnet} overlaps {other} already routed on this machine ({dev})",
        "zh": "子网 {subnet} 与本机已有路由 {other}（{dev}）重叠",
    },
    "lab.orphan_removed": {
        "en": "removed bridge {bridge} on {subnet}: a lab left it behind with no host attached",
        "zh": "已删除子网 {subnet} 上的网桥 {bridge}：它是已不存在的实验环境遗留的，没有主机接入",
    },
    "lab.subnet_in_use.hint": {
        "en": "choose another with --subnet or GOVSEC_LAB_SUBNET (or take that lab down first)",
        "zh": "请用 --subnet 或 GOVSEC_LAB_SUBNET 另选子网（或先关闭占用它的实验环境）",
    },
    "lab.bad_path": {
        "en": "the lab cannot live under {path}: overlayfs paths may not contain ',' ':' or spaces",
        "zh": "实验环境不能位于 {path}：overlayfs 路径不能包含 ','、':' 或空格",
    },
    "lab.no_sources": {
        "en": "no Debian {suite} source found in {files}",
        "zh": "在 {files} 中找不到 Debian {suite} 软件源",
    },
    "lab.no_sources.hint": {
        "en": "add one to the machine's apt sources, or set lab.mirror in govsec.yaml",
        "zh": "请在本机 apt 源中添加，或在 govsec.yaml 中设置 lab.mirror",
    },
    "lab.bad_sources": {
        "en": "{file}:{line}: {problem}",
        "zh": "{file}:{line}:{problem}",
    },
    "lab.proxy_failed": {
        "en": "the package proxy (apt-cacher-ng) did not start on {address}:{port}; log: {log}",
        "zh": "软件包代理（apt-cacher-ng）未能在 {address}:{port} 启动；日志：{log}",
    },
    "lab.busy": {
        "en": "another govsec lab command is running on {path}",
        "zh": "另一个 govsec lab 命令正在操作 {path}",
    },
    "lab.cleaned": {
        "en": "removed an earlier lab: {what}",
        "zh": "已清除之前的实验环境：{what}",
    },
    # audit
    "audit.help": {
        "en": "Audit hosts against the MLPS 2.0 catalog; write results, evidence and a report.",
        "zh": "按等保2.0控制项目录核查主机，生成结果、已签名的证据与报告。",
    },
    "audit.progress": {"en": "auditing (level {level})", "zh": "正在核查（第{level}级）"},
    "audit.title": {"en": "MLPS level {level} audit", "zh": "等保第{level}级合规核查"},
    "audit.fleet": {
        "en": "fleet score {score} over {hosts} hosts",
        "zh": "整体得分 {score}（{hosts} 台主机）",
    },
    "audit.col.host": {"en": "host", "zh": "主机"},
    "audit.col.address": {"en": "address", "zh": "地址"},
    "audit.col.score": {"en": "score", "zh": "得分"},
    "audit.col.pass": {"en": "pass", "zh": "通过"},
    "audit.col.fail": {"en": "fail", "zh": "未通过"},
    "audit.col.error": {"en": "error", "zh": "无法判定"},
    "audit.col.na": {"en": "n/a", "zh": "不适用"},
    "audit.col.manual": {"en": "for the assessor", "zh": "待人工核查"},
    "audit.col.note": {"en": "note", "zh": "说明"},
    "audit.not_root": {
        "en": "not root: root-only facts reported as errors",
        "zh": "非 root：需 root 的项目记为错误",
    },
    # options shared by the commands, then each command's own
    "opt.inventory": {"en": "Ansible inventory", "zh": "Ansible 主机清单"},
    "opt.limit": {"en": "Ansible host pattern", "zh": "Ansible 主机匹配模式"},
    "opt.level": {"en": "MLPS level: 2 or 3", "zh": "等保级别：2 或 3"},
    "opt.format": {"en": "output format", "zh": "输出格式"},
    "opt.quiet": {"en": "print nothing but errors", "zh": "只输出错误信息"},
    "audit.opt.inventory": {
        "en": "Ansible inventory; none: this machine",
        "zh": "Ansible 主机清单；不指定则核查本机",
    },
    "audit.opt.output_dir": {
        "en": "where results.json, the signed evidence and the report go",
        "zh": "results.json、已签名的证据与报告的输出目录",
    },
    "audit.opt.fail_under": {
        "en": "exit 4 when the fleet score is lower",
        "zh": "整体得分低于该值时以退出码 4 退出",
    },
    "harden.opt.check": {
        "en": "report what would change; change nothing",
        "zh": "只报告将要做的改动，不做任何改动",
    },
    "harden.opt.diff": {"en": "show the changes made to files", "zh": "显示对文件所做的改动"},
    "harden.opt.tags": {
        "en": "only these areas or check ids",
        "zh": "只处理这些领域或检查项编号",
    },
    "harden.opt.extra_vars": {
        "en": "a YAML/JSON file of variables (repeatable); values never go on the command line",
        "zh": "变量文件（YAML/JSON，可重复指定）；变量值从不出现在命令行上",
    },
    "lab.opt.hosts": {"en": "number of hosts", "zh": "主机数量"},
    "lab.opt.subnet": {
        "en": "lab subnet (default 10.213.0.0/24)",
        "zh": "实验网段（默认 10.213.0.0/24）",
    },
    "lab.opt.inventory": {
        "en": "where to write hosts.yml (known_hosts, ssh_config beside it)",
        "zh": "hosts.yml 的写入位置（known_hosts、ssh_config 写在同一目录）",
    },
    "lab.opt.host": {"en": "lab host name, e.g. lab01", "zh": "实验主机名，如 lab01"},
    "lab.opt.command": {"en": "command and its arguments", "zh": "要执行的命令及其参数"},
    "lab.opt.purge": {
        "en": "also remove the cached base and package cache",
        "zh": "同时删除缓存的基础镜像与软件包缓存",
    },
    "lab.exec.no_command": {
        "en": "give the command to run after the host name",
        "zh": "请在主机名之后给出要执行的命令",
    },
    "audit.written": {
        "en": "results: {results}\nreport: {report}\nevidence: {evidence} (signed, SM2 key "
        "{fingerprint})",
        "zh": "结果：{results}\n报告：{report}\n"
        "证据：{evidence}（已用 SM2 密钥 {fingerprint} 签名）",
    },
    "audit.key_created": {
        "en": "created this account's evidence signing key (SM2): {path}, fingerprint "
        "{fingerprint}; give its .pub.pem to whoever verifies your audits",
        "zh": "已为本账户生成证据签名密钥（SM2）：{path}，指纹 {fingerprint}；"
        "请将同目录的 .pub.pem 公钥交给验证核查结果的人员",
    },
    # why a host could not be audited (kept in results.json as key and fields, so a report
    # in the other language says it in that language)
    "audit.err.host_key_changed": {
        "en": "host key of {address} differs from known_hosts: refused (expected {expected}, "
        "got {got})",
        "zh": "{address} 的主机密钥与 known_hosts 中的不符：已拒绝（应为 {expected}，实为 {got}）",
    },
    "audit.err.auth_refused": {
        "en": "authentication refused for {user}@{address}",
        "zh": "{user}@{address} 的身份认证被拒绝",
    },
    "audit.err.unknown_host": {
        "en": "{address} is not in known_hosts ({files}): refused",
        "zh": "{address} 不在 known_hosts({files}）中：已拒绝",
    },
    "audit.err.ssh": {
        "en": "SSH error with {address}: {detail}",
        "zh": "与 {address} 的 SSH 会话出错：{detail}",
    },
    "audit.err.unreachable": {
        "en": "cannot reach {address}:{port}: {reason}",
        "zh": "无法连接 {address}:{port}：{reason}",
    },
    "audit.err.collector": {
        "en": "the collector did not run: {reason}",
        "zh": "采集脚本未能运行：{reason}",
    },
    "audit.reason.refused": {"en": "connection refused", "zh": "连接被拒绝"},
    "audit.reason.timeout": {"en": "no answer in time", "zh": "超时无响应"},
    "audit.reason.no_route": {"en": "no route to the host", "zh": "没有到该主机的路由"},
    "audit.reason.net_unreachable": {"en": "network unreachable", "zh": "网络不可达"},
    "audit.reason.no_name": {"en": "the name does not resolve", "zh": "主机名无法解析"},
    "audit.reason.closed": {"en": "the connection was closed", "zh": "连接被对方关闭"},
    "audit.reason.no_output": {"en": "no output", "zh": "没有输出"},
    # harden
    "harden.help": {
        "en": "Harden hosts to the MLPS 2.0 level-2 or level-3 baseline (role mlps_baseline).",
        "zh": "用 Ansible 角色 mlps_baseline 将主机加固到等保2.0第二级或第三级基线。",
    },
    "harden.title": {"en": "MLPS level {level} hardening", "zh": "等保第{level}级加固"},
    "harden.record_failed": {
        "en": "could not record this run for the metrics (govsec serve): {error}",
        "zh": "未能记录本次运行供监控指标使用（govsec serve）：{error}",
    },
    "harden.artifacts": {
        "en": "ansible-runner artifacts: {path}",
        "zh": "ansible-runner 运行记录：{path}",
    },
    # siem
    "siem.help": {
        "en": "Take logs in from hosts, files and syslog; search and count them.",
        "zh": "从主机、文件和 syslog 接收日志；检索与统计。",
    },
    "siem.store": {
        "en": "Event store: sqlite:///path or http(s)://host:9200 "
        "(default: GOVSEC_STORE, govsec.yaml, SQLite under the data dir).",
        "zh": "事件存储：sqlite:///路径 或 http(s)://主机:9200"
        "（默认：GOVSEC_STORE、govsec.yaml、数据目录下的 SQLite）。",
    },
    "siem.tz": {
        "en": "Time zone of timestamps that carry none, e.g. Asia/Shanghai "
        "(default: this machine's).",
        "zh": "未带时区的时间戳所用时区，如 Asia/Shanghai（默认：本机时区）。",
    },
    "siem.ingest.help": {
        "en": 'Import whole log files ("-" reads standard input).',
        "zh": "导入完整日志文件（“-” 表示标准输入）。",
    },
    "siem.ingest.files": {
        "en": "Log files; audit.log* are read as audit records.",
        "zh": "日志文件；audit.log* 按审计记录读取。",
    },
    "siem.listen.help": {
        "en": "Receive syslog (TCP and UDP) and follow files until stopped (Ctrl-C).",
        "zh": "接收 syslog(TCP 与 UDP)并跟踪文件，直到停止（Ctrl-C）。",
    },
    "siem.listen.syslog": {
        "en": "Address to receive syslog on, TCP and UDP "
        "(default 127.0.0.1:5514 when nothing else is given).",
        "zh": "接收 syslog 的地址，TCP 与 UDP（未指定其他输入时默认 127.0.0.1:5514）。",
    },
    "siem.listen.tail": {
        "en": "A file to follow across rotations (repeatable).",
        "zh": "跟踪的文件，可跨越轮转（可重复）。",
    },
    "siem.listening": {
        "en": "receiving syslog on {host}:{port} (TCP and UDP); Ctrl-C stops",
        "zh": "正在 {host}:{port} 接收 syslog(TCP 与 UDP);Ctrl-C 停止",
    },
    "siem.bind_failed": {
        "en": "cannot listen on {host}:{port}: {error}",
        "zh": "无法在 {host}:{port} 监听：{error}",
    },
    "siem.search.help": {
        "en": "Search stored events: full text on the message, newest first.",
        "zh": "检索已存储事件：按消息全文匹配，最新在前。",
    },
    "siem.search.query": {
        "en": 'Words to find in the message ("" finds all).',
        "zh": '要在消息中查找的词（"" 表示全部）。',
    },
    "siem.search.host": {"en": "Only events of this host.name.", "zh": "仅此 host.name 的事件。"},
    "siem.search.title": {"en": "{count} events", "zh": "{count} 条事件"},
    "siem.since": {
        "en": "From this time: 15m, 2h, 7d, 1w ago, or ISO 8601.",
        "zh": "起始时间：15m、2h、7d、1w（可加 ago，如“1w ago”），或 ISO 8601 时间。",
    },
    "siem.until": {
        "en": "Before this time (same forms as --since).",
        "zh": "截止时间（格式同 --since）。",
    },
    "siem.stats.help": {
        "en": "Counts by dataset and category, unparsed share, store size.",
        "zh": "按数据集与类别计数、未解析占比、存储大小。",
    },
    "siem.stats.summary": {
        "en": "{total} events, {unparsed} unparsed ({share} %), {size} bytes, "
        "from {oldest} to {newest}",
        "zh": "共 {total} 条事件，未解析 {unparsed} 条（{share}%），{size} 字节，"
        "时间范围 {oldest} 至 {newest}",
    },
    "siem.purge.help": {
        "en": "Delete events older than the retention (180 days unless --force).",
        "zh": "删除超过保存期的事件（除非 --force，否则不少于 180 天）。",
    },
    "siem.purge.keep": {
        "en": "Days of events to keep (the law asks for at least 180).",
        "zh": "保留的天数（法律要求至少 180 天）。",
    },
    "siem.purge.force": {
        "en": "Allow a retention under 180 days.",
        "zh": "允许少于 180 天的保存期。",
    },
    "siem.purged": {
        "en": "{count} events older than {before} deleted",
        "zh": "已删除早于 {before} 的 {count} 条事件",
    },
    "siem.counters.title": {"en": "Intake", "zh": "接收情况"},
    "siem.quarantine_reason": {
        "en": "quarantined ({reason}): {count}",
        "zh": "隔离（{reason}）：{count}",
    },
    "siem.no_file": {"en": "{path}: no such file", "zh": "{path}：文件不存在"},
    "siem.bad_when": {"en": "{value!r} is not a time", "zh": "{value!r} 不是有效时间"},
    "siem.bad_when.hint": {
        "en": "use 15m, 2h, 7d, 1w (ago) or ISO 8601 like 2026-11-21T08:00:00+08:00",
        "zh": "请使用 15m、2h、7d、1w（可加 ago）或 ISO 8601，如 2026-11-21T08:00:00+08:00",
    },
    "siem.bad_address": {"en": "{value!r} is not HOST:PORT", "zh": "{value!r} 不是 主机：端口"},
    "siem.bad_address.hint": {
        "en": "e.g. 127.0.0.1:5514 or [::1]:5514",
        "zh": "例如 127.0.0.1:5514 或 [::1]:5514",
    },
    "siem.bad_tz": {"en": "unknown time zone {value!r}", "zh": "未知时区 {value!r}"},
    "siem.bad_tz.hint": {
        "en": "use an IANA name such as Asia/Shanghai or UTC",
        "zh": "请使用 IANA 名称，如 Asia/Shanghai 或 UTC",
    },
    "siem.secret_in_flag": {
        "en": "--store holds a password: a command line is visible to every user of this machine",
        "zh": "--store 中含有口令：命令行对本机所有用户可见",
    },
    "siem.secret_in_flag.hint": {
        "en": "put the URL in GOVSEC_STORE or siem.store of govsec.yaml (mode 0600)",
        "zh": "请将该 URL 写入环境变量 GOVSEC_STORE 或 govsec.yaml 的 siem.store（权限 0600）",
    },
    "siem.col.lines": {"en": "lines", "zh": "行数"},
    "siem.col.events": {"en": "events", "zh": "事件"},
    "siem.col.created": {"en": "stored", "zh": "已存储"},
    "siem.col.duplicates": {"en": "duplicates", "zh": "重复"},
    "siem.col.quarantined": {"en": "quarantined", "zh": "已隔离"},
    "siem.col.time": {"en": "time", "zh": "时间"},
    "siem.col.host": {"en": "host", "zh": "主机"},
    "siem.col.dataset": {"en": "dataset", "zh": "数据集"},
    "siem.col.category": {"en": "category", "zh": "类别"},
    "siem.col.action": {"en": "action", "zh": "动作"},
    "siem.col.outcome": {"en": "outcome", "zh": "结果"},
    "siem.col.message": {"en": "message", "zh": "消息"},
    # config
    "config.bad_yaml": {
        "en": "{file}: not valid YAML: {problem}",
        "zh": "{file}：不是有效的 YAML：{problem}",
    },
    "config.bad_field": {
        "en": "{source}: {field}: {problem}",
        "zh": "{source}：{field}：{problem}",
    },
}


def detect_lang(environ: Mapping[str, str] | None = None) -> Lang:
    """The language the locale asks for: ``zh`` for any ``zh*`` locale, otherwise ``en``."""
    env = os.environ if environ is None else environ
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


def parse_lang(value: str) -> Lang:
    """Validate a language name given by a user; raises ValueError naming the choices."""
    if value == "en":
        return "en"
    if value == "zh":
        return "zh"
    raise ValueError(
        MESSAGES["app.bad_lang"][_current].format(value=value, choices=", ".join(LANGS))
    )


def set_lang(lang: Lang) -> None:
    """Make ``lang`` the language of every message from now on."""
    global _current
    _current = lang


def current_lang() -> Lang:
    """The language messages are given in now."""
    return _current


def register(messages: Mapping[str, dict[Lang, str]]) -> None:
    """Add a command group's own messages (kept in its module); a key may be added once."""
    for key, texts in messages.items():
        if key in MESSAGES and MESSAGES[key] != texts:
            raise ValueError(f"message key {key!r} is already registered with other texts")
        MESSAGES[key] = dict(texts)


def t(key: str, **fields: object) -> str:
    """The message ``key`` in the current language, its ``{fields}`` filled in."""
    return t_in(_current, key, **fields)


def t_in(lang: Lang, key: str, **fields: object) -> str:
    """The message ``key`` in ``lang`` (a report's language rather than the run's)."""
    texts = MESSAGES[key]
    return texts.get(lang, texts["en"]).format(**fields)
