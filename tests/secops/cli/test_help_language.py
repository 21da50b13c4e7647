"""Every word of a command's help in the language asked for: govsec's option texts come from
the catalog, Typer's and Click's own (usage, panels, defaults, the help option) too."""

from __future__ import annotations

import re

import pytest

from secops.cli import toolkit_text
from tests.conftest import govsec

COMMANDS = [
    ("audit",),
    ("harden",),
    ("lab", "up"),
    ("lab", "exec"),
    ("lab", "down"),
    ("report", "build"),
    ("report", "verify"),
]
CJK = re.compile(r"[\u4e00-\u9fff]")
ENGLISH = ("Usage:", "Options", "Arguments", "Show this message", "[default:", "[required]")


def option_lines(text: str) -> list[str]:
    """The description column of each option or argument row of Typer's help panels."""
    rows = []
    for line in text.splitlines():
        found = re.match(r"│\s+(\*\s+)?(--?[\w-]+|[a-z]\w*(\.\.\.)?)\s", line)
        if found:
            rows.append(line)
    return rows


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_help_in_chinese_has_no_english_words(command: tuple[str, ...]) -> None:
    result = govsec(
        "--lang", "zh", *command, "--help", env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"}
    )
    assert result.returncode == 0, result.stderr
    for word in ENGLISH:
        assert word not in result.stdout, (word, result.stdout)
    rows = option_lines(result.stdout)
    assert rows, result.stdout
    for row in rows:
        assert CJK.search(row), row  # every option and argument explained in Chinese


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_help_in_english_is_typers_own(command: tuple[str, ...]) -> None:
    result = govsec(
        "--lang", "en", *command, "--help", env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"}
    )
    assert result.returncode == 0, result.stderr
    assert "Usage:" in result.stdout and "Show this message and exit." in result.stdout
    assert not CJK.search(result.stdout), result.stdout


def test_a_usage_error_in_chinese() -> None:
    result = govsec(
        "--lang", "zh", "report", "bogus", env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"}
    )
    assert result.returncode == 2
    assert "没有名为 'bogus' 的命令" in result.stderr and "查看帮助" in result.stderr


def test_switching_back_to_english_restores_typers_words() -> None:
    import typer.rich_utils as rich_utils

    before = rich_utils.OPTIONS_PANEL_TITLE
    toolkit_text.use("zh")
    try:
        assert rich_utils.OPTIONS_PANEL_TITLE == "选项"
        assert rich_utils.DEFAULT_STRING == "[默认：{}]"
    finally:
        toolkit_text.use("en")
    assert rich_utils.OPTIONS_PANEL_TITLE == before == "Options"
    assert rich_utils.DEFAULT_STRING == "[default: {}]"
