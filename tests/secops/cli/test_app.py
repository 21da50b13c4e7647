import json
import os
from pathlib import Path

import pytest

from secops import __version__
from tests.conftest import govsec


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GOVSEC_", "LC_", "LANG"))}
    env.update({"GOVSEC_HOME": str(tmp_path / "home"), "LANG": "C.UTF-8", **extra})
    return env


def test_version(tmp_path: Path) -> None:
    result = govsec("--version", env=clean_env(tmp_path))
    assert result.returncode == 0
    assert result.stdout.strip() == f"govsec {__version__}"


def test_help_lists_only_working_groups(tmp_path: Path) -> None:
    result = govsec("--help", env=clean_env(tmp_path))
    assert result.returncode == 0
    assert "lab" in result.stdout
    assert "--lang" in result.stdout
    lab_help = govsec("lab", "--help", env=clean_env(tmp_path)).stdout
    for command in ("up", "status", "exec", "down"):
        assert command in lab_help


def test_chinese_from_flag_environment_or_locale(tmp_path: Path) -> None:
    chinese = "一次性的真实 Linux 主机集群"
    assert chinese in govsec("--lang", "zh", "lab", "--help", env=clean_env(tmp_path)).stdout
    assert chinese in govsec("lab", "--help", env=clean_env(tmp_path, GOVSEC_LANG="zh")).stdout
    assert chinese in govsec("lab", "--help", env=clean_env(tmp_path, LANG="zh_CN.UTF-8")).stdout
    flag_wins = govsec("--lang", "en", "lab", "--help", env=clean_env(tmp_path, GOVSEC_LANG="zh"))
    assert chinese not in flag_wins.stdout


def test_unknown_language_is_a_usage_error(tmp_path: Path) -> None:
    result = govsec("--lang", "fr", "--help", env=clean_env(tmp_path))
    assert result.returncode == 2
    assert "unknown language 'fr'" in result.stderr


def test_unknown_command_is_a_usage_error(tmp_path: Path) -> None:
    result = govsec("nonsense", env=clean_env(tmp_path))
    assert result.returncode == 2


def test_bad_settings_file_names_file_and_field(tmp_path: Path) -> None:
    settings = tmp_path / "bad.yaml"
    settings.write_text("lab:\n  apt_proxy_port: twelve\n")
    result = govsec("lab", "status", env=clean_env(tmp_path, GOVSEC_CONFIG=str(settings)))
    assert result.returncode == 1
    assert f"error: {settings}: lab.apt_proxy_port:" in result.stderr


def test_status_without_a_lab(tmp_path: Path) -> None:
    result = govsec("lab", "status", env=clean_env(tmp_path))
    assert result.returncode == 1
    assert "no lab is up" in result.stderr
    as_json = govsec("lab", "status", "--format", "json", env=clean_env(tmp_path))
    assert as_json.returncode == 1
    assert json.loads(as_json.stdout) == {"up": False, "hosts": []}


def test_errors_in_chinese(tmp_path: Path) -> None:
    result = govsec("--lang", "zh", "lab", "status", env=clean_env(tmp_path))
    assert result.returncode == 1
    assert "错误：当前没有运行中的实验环境" in result.stderr


@pytest.mark.parametrize(
    ("args", "command"),
    [
        (["audit", "-i", "x"], "audit"),
        (["--lang", "zh", "report", "build"], "report"),
        (["--lang=en", "metrics"], "metrics"),
        (["--help"], None),
        (["--version", "audit"], None),
        ([], None),
    ],
)
def test_only_the_command_that_runs_is_loaded(args: list[str], command: str | None) -> None:
    from secops.cli.app import COMMANDS, command_of

    assert command_of(args) == command
    assert command is None or command in COMMANDS
