"""``govsec serve`` (/metrics and the Alertmanager webhook) and ``govsec metrics`` (textfile)."""

from __future__ import annotations

import os
import signal
import ssl
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.markup import escape

from secops.cli.siem import parse_address, store_url
from secops.config import data_dir
from secops.errors import GovsecError
from secops.files import write_atomic
from secops.i18n import Lang, register, t

if TYPE_CHECKING:
    from monitors.collectors import Sources
    from monitors.webhook import NotificationStore
    from secops.settings import ServeSettings

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

MESSAGES: dict[str, dict[Lang, str]] = {
    "serve.help": {
        "en": "Serve /metrics for Prometheus and the webhook Alertmanager notifies,"
        " on loopback unless told otherwise.",
        "zh": "为 Prometheus 提供 /metrics，并接收 Alertmanager 的 webhook 通知；"
        "默认只监听本机回环地址。",
    },
    "serve.listen": {
        "en": "HOST:PORT to listen on (default 127.0.0.1:9713).",
        "zh": "监听地址 <主机>:<端口>（默认 127.0.0.1:9713）。",
    },
    "serve.web_config": {
        "en": "TLS and basic auth, in the format of Prometheus' --web.config.file.",
        "zh": "TLS 与基本认证配置，格式同 Prometheus 的 --web.config.file。",
    },
    "serve.audits": {
        "en": "The folder of audit runs to export (default <data>/audits).",
        "zh": "要导出的审计结果目录（默认 <数据目录>/audits）。",
    },
    "serve.notifications": {
        "en": "The webhook's notification store (default <data>/serve/notifications.db).",
        "zh": "webhook 通知存储（默认 <数据目录>/serve/notifications.db）。",
    },
    "serve.started": {
        "en": "govsec serve on {url}: /metrics, POST /webhook/alertmanager{forward}",
        "zh": "govsec serve 已在 {url} 启动：/metrics，POST /webhook/alertmanager{forward}",
    },
    "serve.forward": {"en": " (forwarding to DingTalk)", "zh": "（转发至钉钉）"},
    "serve.exposed": {
        "en": "refusing to listen on {host}, which other machines reach, without TLS client"
        " certificates or basic auth",
        "zh": "拒绝在其他机器可访问的地址 {host} 上监听：未配置 TLS 客户端证书或基本认证",
    },
    "serve.exposed.hint": {
        "en": "give --web-config FILE with basic_auth_users and/or tls_server_config"
        " (docs/monitoring.md), or listen on 127.0.0.1",
        "zh": "使用 --web-config 指定含 basic_auth_users 和/或 tls_server_config 的配置"
        "（见 docs/monitoring.md），或监听 127.0.0.1",
    },
    "serve.allowed_host": {
        "en": "Another name clients reach this server by (its Host header): a DNS name in"
        " Alertmanager's or Prometheus' URL. Repeatable.",
        "zh": "客户端访问本服务时使用的其他名称（Host 头），如 Alertmanager 或 Prometheus"
        " 配置的 URL 中的域名。可重复指定。",
    },
    "serve.insecure": {
        "en": "Allow basic auth over plain HTTP on an address other machines reach (passwords"
        " cross the network in clear).",
        "zh": "允许在其他机器可访问的地址上通过明文 HTTP 使用基本认证（口令以明文在网络上传输）。",
    },
    "serve.plain_auth": {
        "en": "refusing basic auth over plain HTTP on {host}, which other machines reach:"
        " every request would carry its password in clear",
        "zh": "拒绝在其他机器可访问的地址 {host} 上通过明文 HTTP 使用基本认证："
        "每个请求都会以明文携带口令",
    },
    "serve.plain_auth.hint": {
        "en": "add tls_server_config to the web config (docs/monitoring.md), listen on"
        " 127.0.0.1, or accept the risk with --insecure",
        "zh": "请在 Web 配置中加入 tls_server_config（见 docs/monitoring.md），"
        "或监听 127.0.0.1，或使用 --insecure 承担该风险",
    },
    "serve.plain_auth.warning": {
        "en": "warning: basic auth over plain HTTP on {host} (--insecure): passwords cross"
        " the network in clear",
        "zh": "警告：在 {host} 上通过明文 HTTP 使用基本认证（--insecure），口令以明文在网络上传输",
    },
    "metrics.help": {
        "en": "Print govsec's metrics, or write them as a node_exporter textfile.",
        "zh": "输出 govsec 的监控指标，或写成 node_exporter 的 textfile。",
    },
    "metrics.textfile": {
        "en": "Write here (atomically) for node_exporter's textfile collector (*.prom).",
        "zh": "写入此文件（原子替换），供 node_exporter 的 textfile 采集器读取（*.prom）。",
    },
    "metrics.bad_textfile": {
        "en": "node_exporter reads only files ending in .prom: {path}",
        "zh": "node_exporter 只读取以 .prom 结尾的文件：{path}",
    },
}
register(MESSAGES)


class ServeCliError(GovsecError):
    """A serve or metrics command that cannot run as asked."""


TEXTFILE_MODE = 0o644
"""node_exporter's textfile collector runs as another user (prometheus on Debian)."""
STORE_HELP = "sqlite:///path/events.db or http(s)://elasticsearch:9200 (default: the data dir's)"


def sources(
    store: str | None,
    audits: Path | None,
    settings: ServeSettings,
    notifications: NotificationStore | None = None,
) -> Sources:
    """Where the collectors read, from the flags and the ``serve:`` settings."""
    from monitors.collectors import Sources
    from secops.ingest.status import status_path
    from secops.store import sqlite_path

    url = store_url(store)
    return Sources(
        audits=audits or settings.audits or data_dir() / "audits",
        harden=data_dir() / "harden" / "hosts.json",
        store=sqlite_path(url),  # None: Elasticsearch, whose own monitoring shows the store
        listener=status_path(url),
        notifications=notifications,
    )


def notifications_path(flag: Path | None, settings: ServeSettings | None = None) -> Path:
    """The webhook's store: the flag, else ``serve.notifications``, else the data dir's."""
    if flag is not None:
        return flag
    if settings is None:
        from secops.config import load_settings

        settings = load_settings().serve
    return settings.notifications or data_dir() / "serve" / "notifications.db"


def register_commands(app: typer.Typer) -> None:
    """Add ``serve`` and ``metrics`` to ``app`` (help texts in the current language)."""
    store_opt = typer.Option(None, "--store", help=STORE_HELP, metavar="URL")
    audits_opt = typer.Option(None, "--audits", help=t("serve.audits"))
    notifications_opt = typer.Option(None, "--notifications", help=t("serve.notifications"))
    listen_opt = typer.Option(None, "--listen", help=t("serve.listen"), metavar="HOST:PORT")
    web_config_opt = typer.Option(None, "--web-config", help=t("serve.web_config"))
    textfile_opt = typer.Option(None, "--textfile", help=t("metrics.textfile"))
    allowed_host_opt = typer.Option(
        None, "--allowed-host", help=t("serve.allowed_host"), metavar="NAME[:PORT]"
    )
    insecure_opt = typer.Option(False, "--insecure", help=t("serve.insecure"))

    @app.command("serve", help=t("serve.help"))
    def serve_command(
        listen: str | None = listen_opt,
        web_config: Path | None = web_config_opt,
        store: str | None = store_opt,
        audits: Path | None = audits_opt,
        notifications: Path | None = notifications_opt,
        quiet: bool = typer.Option(False, "--quiet", "-q"),
        allowed_host: list[str] | None = allowed_host_opt,
        insecure: bool = insecure_opt,
    ) -> None:
        serve(
            listen,
            web_config,
            store,
            audits,
            notifications,
            quiet,
            allowed_hosts=allowed_host or [],
            insecure=insecure,
        )

    @app.command("metrics", help=t("metrics.help"))
    def metrics_command(
        textfile: Path | None = textfile_opt,
        store: str | None = store_opt,
        audits: Path | None = audits_opt,
        notifications: Path | None = notifications_opt,
    ) -> None:
        metrics(textfile, store, audits, notifications)


def serve(
    listen: str | None,
    web_config: Path | None,
    store: str | None,
    audits: Path | None,
    notifications: Path | None,
    quiet: bool,
    *,
    allowed_hosts: Sequence[str] = (),
    insecure: bool = False,
) -> None:
    """Serve /metrics and the Alertmanager webhook until SIGTERM or SIGINT.

    Off loopback it needs basic auth or verified client certificates, and basic auth needs
    TLS there unless ``insecure`` (then it warns at every start).
    """
    from prometheus_client.registry import CollectorRegistry

    from monitors.collectors import GovsecCollector
    from monitors.server import BasicAuth, Server, is_loopback, load_web_config, make_app
    from monitors.webhook import DingTalkSettings, NotificationStore, WebhookReceiver, load_dingtalk
    from secops.config import load_settings

    settings = load_settings({"serve.listen": listen, "serve.web_config": web_config}).serve
    host, port = parse_address(settings.listen)
    config = load_web_config(settings.web_config) if settings.web_config else None
    tls = config.ssl_context() if config is not None else None
    auth = BasicAuth(config.basic_auth_users) if config and config.basic_auth_users else None
    client_certs = tls is not None and tls.verify_mode == ssl.CERT_REQUIRED
    if not is_loopback(host) and auth is None and not client_certs:
        raise ServeCliError(t("serve.exposed", host=host), t("serve.exposed.hint"))
    if not is_loopback(host) and auth is not None and tls is None:
        if not insecure:
            raise ServeCliError(t("serve.plain_auth", host=host), t("serve.plain_auth.hint"))
        err.print(escape(t("serve.plain_auth.warning", host=host)))
    forwarder = load_dingtalk(
        os.environ,
        DingTalkSettings(
            url_file=settings.dingtalk_url_file,
            secret_file=settings.dingtalk_secret_file,
            ca_file=settings.dingtalk_ca_file,
        ),
    )
    path = notifications_path(notifications, settings)
    with NotificationStore(path) as store_of_notifications:
        registry = CollectorRegistry()
        registry.register(GovsecCollector(sources(store, audits, settings, store_of_notifications)))
        receiver = WebhookReceiver(store_of_notifications, [forwarder] if forwarder else [])
        app = make_app(registry, receiver, auth=auth)
        server = Server(host, port, app, tls, allowed_hosts=allowed_hosts)
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        server.start()
        if not quiet:
            forward = t("serve.forward") if forwarder else ""
            err.print(escape(t("serve.started", url=server.url, forward=forward)))
        try:
            while not stop.wait(0.5):
                pass
        finally:
            server.stop()


def metrics(
    textfile: Path | None, store: str | None, audits: Path | None, notifications: Path | None
) -> None:
    """The metrics once: on stdout (Prometheus text format), or into a textfile."""
    from prometheus_client import generate_latest
    from prometheus_client.registry import CollectorRegistry

    from monitors.collectors import GovsecCollector
    from monitors.webhook import NotificationStore
    from secops.config import load_settings

    settings = load_settings().serve
    path = notifications_path(notifications, settings)
    if textfile is not None and textfile.suffix != ".prom":
        raise ServeCliError(t("metrics.bad_textfile", path=textfile))
    # the webhook's store is read only if it exists: metrics never create anything
    store_of_notifications = NotificationStore(path) if path.is_file() else None
    try:
        registry = CollectorRegistry()
        registry.register(GovsecCollector(sources(store, audits, settings, store_of_notifications)))
        if textfile is None:
            out.file.write(generate_latest(registry).decode())
        else:
            # node_exporter reads it as its own user: 0644 whatever govsec's private umask
            # says (it holds what /metrics serves); written whole, as its collector requires
            write_atomic(textfile, generate_latest(registry).decode(), mode=TEXTFILE_MODE)
    finally:
        if store_of_notifications is not None:
            store_of_notifications.close()
