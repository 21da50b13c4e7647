from ipaddress import IPv4Network
from pathlib import Path

import pytest

from secops.config import ConfigError, cache_dir, data_dir, load_settings


def env_for(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"GOVSEC_HOME": str(tmp_path / "home"), **extra}


def test_data_and_cache_dirs_follow_the_environment(tmp_path: Path) -> None:
    assert data_dir({"GOVSEC_HOME": str(tmp_path)}) == tmp_path
    assert cache_dir({"GOVSEC_HOME": str(tmp_path)}) == tmp_path / "cache"
    assert cache_dir({"GOVSEC_CACHE_DIR": str(tmp_path / "c")}) == tmp_path / "c"
    assert data_dir({"XDG_DATA_HOME": str(tmp_path)}) == tmp_path / "govsec"


def test_defaults_without_file_or_environment(tmp_path: Path) -> None:
    settings = load_settings(environ=env_for(tmp_path), cwd=tmp_path)
    assert settings.lab.subnet == IPv4Network("10.213.0.0/24")
    assert settings.lang is None


def test_flag_beats_environment_beats_file(tmp_path: Path) -> None:
    (tmp_path / "govsec.yaml").write_text(
        "lang: zh\nlab:\n  subnet: 10.1.0.0/24\n  apt_proxy_port: 4000\n"
    )
    env = env_for(tmp_path, GOVSEC_LAB_SUBNET="10.2.0.0/24")
    settings = load_settings(environ=env, cwd=tmp_path)
    assert settings.lab.subnet == IPv4Network("10.2.0.0/24")
    assert settings.lab.apt_proxy_port == 4000
    assert settings.lang == "zh"
    flagged = load_settings({"lab.subnet": "10.3.0.0/24"}, environ=env, cwd=tmp_path)
    assert flagged.lab.subnet == IPv4Network("10.3.0.0/24")
    unset = load_settings({"lab.subnet": None}, environ=env, cwd=tmp_path)
    assert unset.lab.subnet == IPv4Network("10.2.0.0/24")


def test_bad_value_in_file_names_file_and_field(tmp_path: Path) -> None:
    path = tmp_path / "govsec.yaml"
    path.write_text("lab:\n  subnet: not-a-network\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(environ=env_for(tmp_path), cwd=tmp_path)
    assert str(path) in caught.value.message
    assert "lab.subnet" in caught.value.message


def test_unknown_key_is_refused_with_its_name(tmp_path: Path) -> None:
    (tmp_path / "govsec.yaml").write_text("lab:\n  subnett: 10.9.0.0/24\n")
    with pytest.raises(ConfigError, match=r"lab\.subnett"):
        load_settings(environ=env_for(tmp_path), cwd=tmp_path)


def test_bad_environment_value_names_the_variable(tmp_path: Path) -> None:
    env = env_for(tmp_path, GOVSEC_LAB_APT_PROXY_PORT="80")
    with pytest.raises(ConfigError, match=r"GOVSEC_LAB_APT_PROXY_PORT: lab\.apt_proxy_port"):
        load_settings(environ=env, cwd=tmp_path)


def test_public_or_tiny_lab_subnet_is_refused(tmp_path: Path) -> None:
    for subnet in ("8.8.8.0/24", "10.0.0.0/30"):
        with pytest.raises(ConfigError, match="private IPv4 network"):
            load_settings({"lab.subnet": subnet}, environ=env_for(tmp_path), cwd=tmp_path)


def test_malformed_yaml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "govsec.yaml"
    path.write_text("lab: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML") as caught:
        load_settings(environ=env_for(tmp_path), cwd=tmp_path)
    assert str(path) in caught.value.message


def test_config_file_from_environment_and_data_dir(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "govsec.yaml").write_text("lang: zh\n")
    assert load_settings(environ=env_for(tmp_path), cwd=tmp_path).lang == "zh"
    other = tmp_path / "other.yaml"
    other.write_text("lang: en\n")
    env = env_for(tmp_path, GOVSEC_CONFIG=str(other))
    assert load_settings(environ=env, cwd=tmp_path).lang == "en"
