"""Issue 17.4: a settings file holding a secret is refused while group or others may read it;
``files.group_read`` is a setting like any other."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from secops.config import ConfigError, configured_group_read, load_settings
from tests.conftest import govsec

SECRETS = {  # test id: (the field named, the file)
    "store-password": ("siem.store", "siem:\n  store: https://elastic:hunter2@es:9200\n"),
    "store-api-key": ("siem.store", "siem:\n  store: https://es:9200/?api_key=c2VjcmV0\n"),
    "alertmanager": (
        "alerts.alertmanager_url",
        "alerts:\n  alertmanager_url: https://am:pw@am.soc:9093\n",
    ),
    "password-key": ("siem.password", "siem:\n  password: hunter2\n"),
}


def settings_file(tmp_path: Path, text: str, mode: int) -> Path:
    path = tmp_path / "govsec.yaml"
    path.write_text(text)
    path.chmod(mode)
    return path


@pytest.mark.parametrize("case", list(SECRETS))
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604])
def test_a_secret_in_an_open_file_is_refused_naming_file_and_fix(
    tmp_path: Path, case: str, mode: int
) -> None:
    field, text = SECRETS[case]
    path = settings_file(tmp_path, text, mode)
    with pytest.raises(ConfigError) as caught:
        load_settings(environ={"GOVSEC_HOME": str(tmp_path)}, cwd=tmp_path)
    assert str(path) in caught.value.message and field in caught.value.message
    assert f"mode {mode:04o}" in caught.value.message
    assert caught.value.hint is not None and f"chmod 600 {path}" in caught.value.hint
    assert "hunter2" not in caught.value.message + caught.value.hint


def test_the_same_file_at_0600_and_an_open_file_without_secrets_load(tmp_path: Path) -> None:
    settings_file(tmp_path, SECRETS["store-password"][1], 0o600)
    loaded = load_settings(environ={"GOVSEC_HOME": str(tmp_path)}, cwd=tmp_path)
    assert loaded.siem.store is not None and "hunter2" in loaded.siem.store
    plain = "siem:\n  store: https://es.soc.internal:9200\nalerts:\n  auth_file: /etc/a\n"
    settings_file(tmp_path, plain + "serve:\n  dingtalk_secret_file: /etc/d\n", 0o644)
    assert load_settings(environ={"GOVSEC_HOME": str(tmp_path)}, cwd=tmp_path).siem.store


def test_every_command_refuses_it_before_doing_anything(tmp_path: Path) -> None:
    path = settings_file(tmp_path, SECRETS["store-password"][1], 0o644)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVSEC_")}
    env.update({"GOVSEC_HOME": str(tmp_path / "home"), "GOVSEC_CONFIG": str(path)})
    for lang, fix in (("en", f"chmod 600 {path}"), ("zh", f"请执行 chmod 600 {path}")):
        result = govsec("--lang", lang, "siem", "stats", env=env)
        assert result.returncode == 1, result.stderr
        assert str(path) in result.stderr and fix in result.stderr
        assert "Traceback" not in result.stderr and "hunter2" not in result.stderr
    assert not (tmp_path / "home").exists()


def test_group_read_from_the_file_or_the_environment(tmp_path: Path) -> None:
    env = {"GOVSEC_HOME": str(tmp_path)}
    assert configured_group_read(env, tmp_path) is False
    settings_file(tmp_path, "files:\n  group_read: true\n", 0o644)
    assert configured_group_read(env, tmp_path) is True
    assert load_settings(environ=env, cwd=tmp_path).files.group_read is True
    assert configured_group_read({**env, "GOVSEC_GROUP_READ": "0"}, tmp_path) is False
    with pytest.raises(ConfigError, match=r"GOVSEC_GROUP_READ: files\.group_read"):
        configured_group_read({**env, "GOVSEC_GROUP_READ": "maybe"}, tmp_path)
