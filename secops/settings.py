"""The settings govsec.yaml can hold, as a typed schema (loaded by :mod:`secops.config`)."""

from __future__ import annotations

import ipaddress
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from secops.i18n import Lang


class LabSettings(BaseModel):
    """``lab:`` in govsec.yaml."""

    model_config = ConfigDict(extra="forbid")

    subnet: ipaddress.IPv4Network = Field(
        default=ipaddress.IPv4Network("10.213.0.0/24"),
        description="private range used only between this machine and its lab hosts",
    )
    apt_proxy_port: int = Field(default=3149, ge=1024, le=65535)
    mirror: str | None = Field(
        default=None, description="Debian mirror URL; default: read from the machine's apt sources"
    )

    @field_validator("subnet")
    @classmethod
    def _private(cls, value: ipaddress.IPv4Network) -> ipaddress.IPv4Network:
        if not value.is_private or value.prefixlen > 28:
            raise ValueError("expected a private IPv4 network of /28 or larger, like 10.213.0.0/24")
        return value

    @field_validator("mirror")
    @classmethod
    def _http(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("expected an http:// or https:// URL")
        return value


class SiemSettings(BaseModel):
    """``siem:`` in govsec.yaml."""

    model_config = ConfigDict(extra="forbid")

    store: str | None = Field(
        default=None,
        description="sqlite:///path or http(s)://host:9200; default: sqlite under the data dir",
    )

    @field_validator("store")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("sqlite://", "http://", "https://")):
            raise ValueError("expected sqlite:///path or an http(s):// Elasticsearch URL")
        return value


class AlertsSettings(BaseModel):
    """``alerts:`` in govsec.yaml (docs/alerts.md)."""

    model_config = ConfigDict(extra="forbid")

    alertmanager_url: str | None = Field(
        default=None, description="Alertmanager's base URL, e.g. http://127.0.0.1:9093"
    )
    auth_file: Path | None = Field(
        default=None, description="a file holding user:password for basic auth (mode 0600)"
    )
    ca_file: Path | None = Field(
        default=None, description="CA certificates to verify an https Alertmanager with"
    )

    @field_validator("alertmanager_url")
    @classmethod
    def _am_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("expected an http:// or https:// URL")
        return value


class ServeSettings(BaseModel):
    """``serve:`` in govsec.yaml (docs/monitoring.md)."""

    model_config = ConfigDict(extra="forbid")

    listen: str = Field(
        default="127.0.0.1:9713",
        description="HOST:PORT for /metrics and the webhook; loopback unless a web config"
        " secures it",
    )
    web_config: Path | None = Field(
        default=None,
        description="TLS and basic auth, in the format of Prometheus' --web.config.file",
    )
    audits: Path | None = Field(
        default=None, description="the folder of audit runs to export; default <data>/audits"
    )
    notifications: Path | None = Field(
        default=None, description="the webhook's store; default <data>/serve/notifications.db"
    )
    dingtalk_url_file: Path | None = Field(
        default=None, description="a file (mode 0600) holding the DingTalk robot's webhook URL"
    )
    dingtalk_secret_file: Path | None = Field(
        default=None, description="a file (mode 0600) holding the robot's signing secret"
    )
    dingtalk_ca_file: Path | None = Field(
        default=None, description="CA certificates to verify DingTalk (or a proxy) with"
    )


class FilesSettings(BaseModel):
    """``files:`` in govsec.yaml: the modes of what govsec writes (docs/configuration.md)."""

    model_config = ConfigDict(extra="forbid")

    group_read: bool = Field(
        default=False,
        description="files 0640 and folders 0750 instead of 0600/0700, for a SOC group",
    )


class Settings(BaseModel):
    """Everything govsec.yaml can set."""

    model_config = ConfigDict(extra="forbid")

    lang: Lang | None = None
    lab: LabSettings = Field(default_factory=LabSettings)
    siem: SiemSettings = Field(default_factory=SiemSettings)
    alerts: AlertsSettings = Field(default_factory=AlertsSettings)
    serve: ServeSettings = Field(default_factory=ServeSettings)
    files: FilesSettings = Field(default_factory=FilesSettings)
