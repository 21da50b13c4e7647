"""Click's and Typer's own words (usage line, help panels, parse errors) in govsec's language.

Both libraries ask gettext's default domain for them. govsec ships no ``.mo`` files and must
not set ``LANGUAGE`` to get them: ssh, Ansible and apt run as its children, and output that they
would then print in Chinese is parsed. So, when the language is not English, the message
functions those modules imported (``_`` and ``ngettext``) and Typer's panel titles, computed at
its import, are pointed at this catalog. The msgids are Click 8's and Typer 0.29's (pinned in
pyproject.toml); a msgid missing here stays English, which the CLI help test would show.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any

from secops.i18n import MESSAGES, Lang, register

# msgid -> Chinese. Placeholders stay as Click formats them ({name!r}, {}, %(prog)s).
_ZH: Mapping[str, str] = {
    "Usage:": "用法：",
    "Show this message and exit.": "显示本帮助并退出。",
    "Show the version and exit.": "显示版本并退出。",
    "Options": "选项",
    "Arguments": "参数",
    "Commands": "命令",
    "Error": "错误",
    "Aborted.": "已中止。",
    "Aborted!": "已中止！",
    "[default: {}]": "[默认：{}]",
    "[env var: {}]": "[环境变量：{}]",
    "[required]": "[必填]",
    "(deprecated) ": "（已弃用）",
    "default: {default}": "默认：{default}",
    "env var: {var}": "环境变量：{var}",
    "required": "必填",
    "deprecated": "已弃用",
    "(dynamic)": "（动态）",
    "Try '{command} {option}' for help.": "运行 '{command} {option}' 查看帮助。",
    "Try [blue]'{command_path} {help_option}'[/] for help.": (
        "运行 [blue]'{command_path} {help_option}'[/] 查看帮助。"
    ),
    "Error: {message}": "错误：{message}",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的取值无效：{message}",
    "Invalid value: {message}": "取值无效：{message}",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "Missing {param_type}": "缺少{param_type}",
    "Missing command.": "缺少命令。",
    "No such command {name!r}.": "没有名为 {name!r} 的命令。",
    "No such option {name!r}.": "没有 {name!r} 这个选项。",
    "Option {name!r} does not take a value.": "选项 {name!r} 不接受取值。",
    "Option {name!r} requires an argument.": "选项 {name!r} 需要一个取值。",
    "Option {name!r} requires {nargs} arguments.": "选项 {name!r} 需要 {nargs} 个取值。",
    "Got unexpected extra argument ({args})": "多余的参数（{args}）",
    "Got unexpected extra arguments ({args})": "多余的参数（{args}）",
    "Did you mean {possibility}?": "是否想用 {possibility}？",
    "(Did you mean one of: {possibilities}?)": "（是否想用其中之一：{possibilities}？）",
    "Argument {name!r} takes {nargs} values.": "参数 {name!r} 需要 {nargs} 个值。",
    "Takes {nargs} values but 1 was given.": "需要 {nargs} 个值，只给出 1 个。",
    "Takes {nargs} values but {len} were given.": "需要 {nargs} 个值，给出了 {len} 个。",
    "Value must be an iterable.": "取值必须是可迭代的。",
    "Could not open file {filename!r}: {message}": "无法打开文件 {filename!r}：{message}",
    "{value!r} is not a valid {number_type}.": "{value!r} 不是有效的{number_type}。",
    "{value} is not in the range {range}.": "{value} 不在范围 {range} 内。",
    "{value!r} is not a valid UUID.": "{value!r} 不是有效的 UUID。",
    "Choose from:\n\t{choices}": "可选值：\n\t{choices}",
    "{name} {filename!r} does not exist.": "{name} {filename!r} 不存在。",
    "{name} {filename!r} is a directory.": "{name} {filename!r} 是目录。",
    "{name} {filename!r} is a file.": "{name} {filename!r} 是文件。",
    "{name} {filename!r} is not readable.": "{name} {filename!r} 不可读。",
    "{name} {filename!r} is not writable.": "{name} {filename!r} 不可写。",
    "{name} {filename!r} is not executable.": "{name} {filename!r} 不可执行。",
    "file": "文件",
    "directory": "目录",
    "path": "路径",
    "unknown error": "未知错误",
}
PREFIX = "toolkit:"
register({PREFIX + msgid: {"en": msgid, "zh": zh} for msgid, zh in _ZH.items()})

# the modules that bound gettext's functions at import (Click's, for a Typer that uses it;
# Typer 0.29 carries its own copy, typer._click), and Typer's texts computed at its import
_MODULES = (
    "click.core", "click.decorators", "click.exceptions", "click.formatting", "click.parser",
    "click.types", "typer.core", "typer.main", "typer.rich_utils", "typer._click.parser",
)  # fmt: skip
_TYPER_CONSTANTS = {
    "DEPRECATED_STRING": "(deprecated) ",
    "DEFAULT_STRING": "[default: {}]",
    "ENVVAR_STRING": "[env var: {}]",
    "REQUIRED_LONG_STRING": "[required]",
    "ARGUMENTS_PANEL_TITLE": "Arguments",
    "OPTIONS_PANEL_TITLE": "Options",
    "COMMANDS_PANEL_TITLE": "Commands",
    "ERRORS_PANEL_TITLE": "Error",
    "ABORTED_TEXT": "Aborted.",
    "RICH_HELP": "Try [blue]'{command_path} {help_option}'[/] for help.",
}


_ORIGINALS: dict[tuple[str, str], object] = {}


def use(lang: Lang) -> None:
    """Make Click and Typer speak ``lang``; English puts back their own functions and texts
    (a process that runs main() more than once, as the tests do, may switch back and forth)."""
    if lang == "en" and not _ORIGINALS:
        return  # never switched: nothing to put back, nothing imported

    def gettext(message: str) -> str:
        return MESSAGES.get(PREFIX + message, {}).get(lang, message)

    def ngettext(singular: str, plural: str, n: int) -> str:
        return gettext(singular if n == 1 else plural)

    replacements: dict[str, object] = {"_": gettext, "ngettext": ngettext}
    for name in _MODULES:
        module = sys.modules.get(name)
        if module is None:
            continue  # not what this Typer uses (imported by now if it were)
        for attribute, replacement in replacements.items():
            if hasattr(module, attribute):
                _ORIGINALS.setdefault((name, attribute), getattr(module, attribute))
                restored = _ORIGINALS[(name, attribute)]
                setattr(module, attribute, restored if lang == "en" else replacement)
    _vendored_click(lang, gettext)
    rich_utils = importlib.import_module("typer.rich_utils")
    for constant, msgid in _TYPER_CONSTANTS.items():
        _ORIGINALS.setdefault(("typer.rich_utils", constant), getattr(rich_utils, constant))
        original = _ORIGINALS[("typer.rich_utils", constant)]
        setattr(rich_utils, constant, original if lang == "en" else gettext(msgid))


def _vendored_click(lang: Lang, gettext: Callable[[str], str]) -> None:
    """Typer 0.29's own Click writes "Usage: " and the help option's text as literals."""
    formatting = sys.modules.get("typer._click.formatting")
    core = sys.modules.get("typer._click.core")
    if formatting is None or core is None:
        return
    formatter = formatting.HelpFormatter
    command = core.Command
    write_usage = _ORIGINALS.setdefault(("formatter", "write_usage"), formatter.write_usage)
    get_help_option = _ORIGINALS.setdefault(("command", "get_help_option"), command.get_help_option)
    if lang == "en":
        formatter.write_usage = write_usage
        command.get_help_option = get_help_option
        return

    said = gettext("Usage:")
    usage_prefix = said if said.endswith("：") else said + " "  # a full-width colon has its space

    def usage(self: Any, prog: str, args: str = "", prefix: str | None = None) -> None:
        write_usage(self, prog, args, usage_prefix if prefix is None else prefix)  # type: ignore[operator]

    def help_option(self: Any, ctx: Any) -> Any:
        option = get_help_option(self, ctx)  # type: ignore[operator]
        if option is not None and option.help == "Show this message and exit.":
            option.help = gettext(option.help)
        return option

    formatter.write_usage = usage
    command.get_help_option = help_option
