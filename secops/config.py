"""Where govsec keeps its data, and its settings.

Precedence, highest first: a CLI flag, the environment (``GOVSEC_*``), ``govsec.yaml``, the
defaults below. The settings file is the first of ``$GOVSEC_CONFIG``, ``./govsec.yaml`` and
``<data dir>/govsec.yaml`` that exists. A bad value fails at load, naming its source (file or
variable) and field.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from secops.errors import GovsecError
from secops.i18n import Lang, parse_lang, register, t

if TYPE_CHECKING:  # pydantic's models cost ~80 ms to import: only commands that need them
    from secops.settings import Settings


class ConfigError(GovsecError):
    """A setting that is not what govsec expects."""


register(
    {
        "config.secret_open": {
            "en": "{file} holds a secret ({field}) and is open to group or others (mode {mode})",
            "zh": "{file} 含有机密信息（{field}），但组用户或其他用户可以访问（权限 {mode}）",
        },
        "config.secret_open.hint": {
            "en": "chmod 600 {file}, or move the secret into the environment or a 0600 file"
            " (docs/configuration.md)",
            "zh": "请执行 chmod 600 {file}，或将机密信息移至环境变量或权限为 0600 的文件"
            "（见 docs/configuration.md）",
        },
        "config.bad_group_read": {
            "en": "{source}: files.group_read: expected true or false, got {value!r}",
            "zh": "{source}：files.group_read：应为 true 或 false，实际为 {value!r}",
        },
    }
)

# a key whose name says it holds a secret, whatever section it is in
SECRET_WORDS = ("password", "passwd", "secret", "token", "api_key", "apikey")


def data_dir(environ: Mapping[str, str] | None = None) -> Path:
    """``$GOVSEC_HOME``, else ``$XDG_DATA_HOME/govsec``, else ``~/.local/share/govsec``."""
    env = os.environ if environ is None else environ
    if env.get("GOVSEC_HOME"):
        return Path(env["GOVSEC_HOME"]).expanduser().absolute()
    xdg = env.get("XDG_DATA_HOME")
    base = Path(xdg) if xdg else Path.home() / ".local" / "share"
    return (base / "govsec").absolute()


def cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    """Rebuildable data (lab base, package caches): ``$GOVSEC_CACHE_DIR`` or ``<data>/cache``."""
    env = os.environ if environ is None else environ
    if env.get("GOVSEC_CACHE_DIR"):
        return Path(env["GOVSEC_CACHE_DIR"]).expanduser().absolute()
    return data_dir(env) / "cache"


# environment variable -> path of the setting it overrides
ENV_SETTINGS: dict[str, tuple[str, ...]] = {
    "GOVSEC_LANG": ("lang",),
    "GOVSEC_LAB_SUBNET": ("lab", "subnet"),
    "GOVSEC_LAB_APT_PROXY_PORT": ("lab", "apt_proxy_port"),
    "GOVSEC_LAB_MIRROR": ("lab", "mirror"),
    "GOVSEC_STORE": ("siem", "store"),
    "GOVSEC_SERVE_LISTEN": ("serve", "listen"),
    "GOVSEC_WEB_CONFIG": ("serve", "web_config"),
    "GOVSEC_GROUP_READ": ("files", "group_read"),
}


@dataclass(frozen=True)
class _Layer:
    source: str
    values: dict[str, Any]


def config_file(environ: Mapping[str, str] | None = None, cwd: Path | None = None) -> Path | None:
    """The settings file in force, if any."""
    env = os.environ if environ is None else environ
    if env.get("GOVSEC_CONFIG"):
        return Path(env["GOVSEC_CONFIG"])
    for candidate in ((cwd or Path.cwd()) / "govsec.yaml", data_dir(env) / "govsec.yaml"):
        try:
            if candidate.is_file():
                return candidate
        except OSError:  # a folder this user may not look into holds no settings for them
            continue
    return None


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Settings:
    """Settings from defaults, govsec.yaml, the environment and ``overrides`` (CLI flags).

    ``overrides`` uses dotted keys (``{"lab.subnet": "10.9.0.0/24"}``); ``None`` values are
    ignored so an unset flag does not hide a lower layer.
    """
    env = os.environ if environ is None else environ
    layers: list[_Layer] = []
    path = config_file(env, cwd)
    if path is not None:
        layers.append(_Layer(str(path), _read_yaml(path)))
    env_values: dict[str, Any] = {}
    for var, keys in ENV_SETTINGS.items():
        if env.get(var):
            _put(env_values, keys, env[var], var)
    layers.append(_Layer("environment", env_values))
    cli_values: dict[str, Any] = {}
    for dotted, value in (overrides or {}).items():
        if value is not None:
            _put(cli_values, tuple(dotted.split(".")), value, "--" + dotted.split(".")[-1])
    layers.append(_Layer("command line", cli_values))

    from pydantic import ValidationError

    from secops.settings import Settings

    merged: dict[str, Any] = {}
    for layer in layers:
        _merge(merged, layer.values)
    try:
        return Settings.model_validate(merged)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(p) for p in error["loc"])
        raise ConfigError(
            t(
                "config.bad_field",
                source=_source_of(layers, error["loc"]),
                field=field,
                problem=error["msg"],
            )
        ) from exc


def configured_lang(
    environ: Mapping[str, str] | None = None, cwd: Path | None = None
) -> Lang | None:
    """The language set by ``GOVSEC_LANG`` or govsec.yaml, read without the full settings."""
    env = os.environ if environ is None else environ
    for source, value in (("GOVSEC_LANG", env.get("GOVSEC_LANG")), *_file_lang(env, cwd)):
        if value:
            try:
                return parse_lang(str(value))
            except ValueError as exc:
                raise ConfigError(
                    t("config.bad_field", source=source, field="lang", problem=exc)
                ) from exc
    return None


def configured_group_read(
    environ: Mapping[str, str] | None = None, cwd: Path | None = None
) -> bool:
    """``files.group_read`` from ``GOVSEC_GROUP_READ`` or govsec.yaml, read without the full
    settings (the CLI settles it before any command writes)."""
    env = os.environ if environ is None else environ
    if env.get("GOVSEC_GROUP_READ"):
        return _flag("GOVSEC_GROUP_READ", env["GOVSEC_GROUP_READ"])
    path = config_file(env, cwd)
    files = {} if path is None else _read_yaml(path).get("files")
    value = files.get("group_read") if isinstance(files, dict) else None
    return False if value is None else _flag(str(path), value)


def _flag(source: str, value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ConfigError(t("config.bad_group_read", source=source, value=value))


def _file_lang(env: Mapping[str, str], cwd: Path | None) -> list[tuple[str, object]]:
    path = config_file(env, cwd)
    return [] if path is None else [(str(path), _read_yaml(path).get("lang"))]


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(t("config.bad_yaml", file=path, problem=exc)) from exc
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ConfigError(t("config.bad_yaml", file=path, problem="expected a mapping at the top"))
    _refuse_open_secret(path, loaded)
    return loaded


def _refuse_open_secret(path: Path, loaded: dict[str, Any]) -> None:
    """A settings file holding a secret must be the owner's alone, as the auth files are."""
    field = next(_secrets(loaded, ()), None)
    if field is None:
        return
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError as exc:
        raise ConfigError(t("config.bad_yaml", file=path, problem=exc)) from exc
    if mode & 0o077:
        raise ConfigError(
            t("config.secret_open", file=path, field=field, mode=f"{mode:04o}"),
            hint=t("config.secret_open.hint", file=path),
        )


def _secrets(node: object, where: tuple[str, ...]) -> Iterator[str]:
    """The dotted names of the values in ``node`` that hold a secret: a URL with a user or
    password in it, or a key named like a password, token or API key."""
    from urllib.parse import urlsplit

    if isinstance(node, dict):
        for key, value in node.items():
            name = str(key)
            named = any(w in name.lower() for w in SECRET_WORDS) and not name.endswith("_file")
            if named and value not in (None, ""):
                yield ".".join((*where, name))
            else:
                yield from _secrets(value, (*where, name))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _secrets(value, (*where, str(index)))
    elif isinstance(node, str) and "://" in node:
        try:
            parts = urlsplit(node.strip())
        except ValueError:
            return
        query = parts.query.lower()
        if parts.username or parts.password or any(w in query for w in SECRET_WORDS):
            yield ".".join(where)


def _put(target: dict[str, Any], keys: tuple[str, ...], value: Any, source: str) -> None:
    node = target
    for key in keys[:-1]:
        node = node.setdefault(key, {})
    node[keys[-1]] = value
    target.setdefault("__sources__", {})[".".join(keys)] = source


def _merge(into: dict[str, Any], layer: dict[str, Any]) -> None:
    for key, value in layer.items():
        if key == "__sources__":
            continue
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


def _source_of(layers: list[_Layer], loc: tuple[int | str, ...]) -> str:
    """Which layer gave the value at ``loc``: the highest one that sets it."""
    dotted = ".".join(str(p) for p in loc)
    for layer in reversed(layers):
        named = layer.values.get("__sources__", {})
        if dotted in named:
            return str(named[dotted])
        node: Any = layer.values
        for part in loc:
            if not isinstance(node, dict) or part not in node:
                break
            node = node[part]
        else:
            return layer.source
    return "defaults"
