"""``govsec alerts``: list, show and work alerts (ack, assign, note, close); feed Alertmanager.

Alerts live in the SQLite event store (``--store`` as in ``govsec siem``). The actor of a
change is the account that runs the command; ``--by`` only notes whom it acted for.
Alertmanager is ``--alertmanager URL``, else ``$GOVSEC_ALERTMANAGER``, else
``alerts.alertmanager_url`` in govsec.yaml; its credentials come from
``$GOVSEC_ALERTMANAGER_AUTH`` or ``alerts.auth_file``, never from the command line.
Everything an alert holds may come from a log line: it is printed escaped (control
characters as ``\\xNN``, Rich markup as text).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.table import Table

from secops.alerts.model import REASONS, SEVERITIES, HistoryEntry, os_account
from secops.cli.app import safe
from secops.errors import GovsecError
from secops.i18n import Lang, register, t

if TYPE_CHECKING:  # the store loads apsw/orjson: only when a command runs
    from monitors.webhook import Notification
    from secops.alerts.alertmanager import AlertmanagerClient, DeliveryReport
    from secops.alerts.model import Alert
    from secops.alerts.store import AlertEvents, AlertStore, OutboxRow

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

MESSAGES: dict[str, dict[Lang, str]] = {
    "alerts.help": {
        "en": "Security alerts: list, show, acknowledge, assign, close; deliver to Alertmanager.",
        "zh": "安全告警：列出、查看、确认、指派、关闭；投递至 Alertmanager。",
    },
    "alerts.list.help": {
        "en": "List alerts, last seen first (open and acknowledged ones unless --status).",
        "zh": "按最近发生时间列出告警（默认仅未处理和已确认的，可用 --status 指定）。",
    },
    "alerts.show.help": {
        "en": "Show one alert: its fields, its history and the events that raised it.",
        "zh": "查看一条告警：字段、处理历史及触发它的事件。",
    },
    "alerts.ack.help": {
        "en": "Acknowledge an open alert (someone is looking at it).",
        "zh": "确认一条未处理的告警（已有人在处理）。",
    },
    "alerts.close.help": {
        "en": "Close an alert with a reason; Alertmanager gets it resolved.",
        "zh": "关闭告警并注明原因；Alertmanager 将收到其已恢复状态。",
    },
    "alerts.assign.help": {
        "en": "Assign an open or acknowledged alert to a user.",
        "zh": "将未处理或已确认的告警指派给某个用户。",
    },
    "alerts.note.help": {
        "en": "Add a note to an alert (closed ones too).",
        "zh": "为告警添加备注（已关闭的告警也可以）。",
    },
    "alerts.send.help": {
        "en": "Deliver the queued alerts to Alertmanager now (one pass).",
        "zh": "立即将排队中的告警投递到 Alertmanager（执行一轮）。",
    },
    "alerts.outbox.help": {
        "en": "Show what waits for Alertmanager, and what it rejected.",
        "zh": "显示等待投递到 Alertmanager 的告警，以及被其拒收的告警。",
    },
    "alerts.notifications.help": {
        "en": "List the notifications Alertmanager sent to govsec serve's webhook, newest first.",
        "zh": "按接收时间倒序列出 Alertmanager 发送到 govsec serve 告警接收端的通知。",
    },
    "alerts.opt.store_path": {
        "en": "The notification store (default: serve.notifications, else"
        " <data>/serve/notifications.db).",
        "zh": "通知存储文件（默认：<数据目录>/serve/notifications.db）。",
    },
    "alerts.notifications.title": {
        "en": "{count} notification(s) in {path}",
        "zh": "{path} 中的 {count} 条通知",
    },
    "alerts.opt.status": {
        "en": "open, acknowledged, closed, live (open + acknowledged) or all.",
        "zh": "open、acknowledged、closed、live（未处理+已确认）或 all。",
    },
    "alerts.opt.severity": {
        "en": "Lowest severity shown (high: high and critical).",
        "zh": "显示的最低严重级别（high 表示 high 和 critical）。",
    },
    "alerts.opt.rule": {"en": "Only this rule id.", "zh": "仅显示该规则 ID。"},
    "alerts.opt.host": {"en": "Only this host.", "zh": "仅显示该主机。"},
    "alerts.opt.since": {
        "en": "Last seen since: 15m, 2h, 7d, 1w ago or an ISO 8601 time.",
        "zh": "最近发生时间晚于：15m、2h、7d、1w 之前，或 ISO 8601 时间。",
    },
    "alerts.opt.note": {"en": "A note kept in the history.", "zh": "记入历史的备注。"},
    "alerts.opt.by": {
        "en": "On whose behalf (a remark: the actor recorded is the account running govsec).",
        "zh": "代表何人操作（仅作备注：记录的操作人始终是运行 govsec 的账户）。",
    },
    "alerts.on_behalf": {
        "en": "{actor} (on behalf of {by})",
        "zh": "{actor}（代表 {by}）",
    },
    "alerts.opt.reason": {"en": "Why: {choices}.", "zh": "原因：{choices}。"},
    "alerts.opt.alertmanager": {
        "en": "Alertmanager's base URL (default: $GOVSEC_ALERTMANAGER, then govsec.yaml).",
        "zh": "Alertmanager 基础 URL（默认取 $GOVSEC_ALERTMANAGER，其次 govsec.yaml）。",
    },
    "alerts.opt.retry_rejected": {
        "en": "Queue the rejected alerts again first (after fixing the cause).",
        "zh": "先将被拒收的告警重新排队（请先排除原因）。",
    },
    "alerts.bad_status": {
        "en": "unknown status {value!r}: expected one of {choices}",
        "zh": "未知状态 {value!r}：应为 {choices} 之一",
    },
    "alerts.bad_severity": {
        "en": "unknown severity {value!r}: expected one of {choices}",
        "zh": "未知严重级别 {value!r}：应为 {choices} 之一",
    },
    "alerts.bad_reason": {
        "en": "unknown reason {value!r}: expected one of {choices}",
        "zh": "未知原因 {value!r}：应为 {choices} 之一",
    },
    "alerts.no_alertmanager": {
        "en": "no Alertmanager is configured",
        "zh": "未配置 Alertmanager",
    },
    "alerts.no_alertmanager.hint": {
        "en": "pass --alertmanager http://host:9093, set GOVSEC_ALERTMANAGER, or set"
        " alerts.alertmanager_url in govsec.yaml",
        "zh": "请使用 --alertmanager http://<主机>:9093，或设置 GOVSEC_ALERTMANAGER，"
        "或在 govsec.yaml 中设置 alerts.alertmanager_url",
    },
    "alerts.secret_in_flag": {
        "en": "--alertmanager holds credentials: a command line is visible to every user",
        "zh": "--alertmanager 中含有凭据：命令行对本机所有用户可见",
    },
    "alerts.secret_in_flag.hint": {
        "en": "put user:password in a file named by alerts.auth_file, or in"
        " GOVSEC_ALERTMANAGER_AUTH",
        "zh": "请将 user:password 写入 alerts.auth_file 指定的文件，或环境变量"
        " GOVSEC_ALERTMANAGER_AUTH",
    },
    "alerts.done.acknowledged": {
        "en": "{id} acknowledged by {actor}",
        "zh": "{id} 已由 {actor} 确认",
    },
    "alerts.done.closed": {
        "en": "{id} closed by {actor} ({reason})",
        "zh": "{id} 已由 {actor} 关闭（{reason}）",
    },
    "alerts.done.assigned": {
        "en": "{id} assigned to {user} by {actor}",
        "zh": "{id} 已由 {actor} 指派给 {user}",
    },
    "alerts.done.noted": {
        "en": "note added to {id} by {actor}",
        "zh": "{actor} 已为 {id} 添加备注",
    },
    "alerts.list.title": {"en": "{count} alert(s)", "zh": "{count} 条告警"},
    "alerts.history.title": {"en": "history", "zh": "处理历史"},
    "alerts.events.title": {
        "en": "{count} event(s) that raised it",
        "zh": "触发该告警的 {count} 条事件",
    },
    "alerts.events.missing": {
        "en": "{count} event(s) no longer in the store (purged): {ids}",
        "zh": "{count} 条事件已不在存储中（已清理）：{ids}",
    },
    "alerts.sent": {
        "en": "delivered {delivered}, waiting {waiting}, rejected {rejected}",
        "zh": "已投递 {delivered}，等待重试 {waiting}，被拒收 {rejected}",
    },
    "alerts.send_error": {
        "en": "Alertmanager is not taking alerts: {error}; next try at {when}",
        "zh": "Alertmanager 暂不接收告警：{error}；下次重试时间 {when}",
    },
    "alerts.rejected": {
        "en": "{id} rejected by Alertmanager: {answer}",
        "zh": "{id} 被 Alertmanager 拒收：{answer}",
    },
    "alerts.outbox.title": {
        "en": "{count} alert(s) waiting for Alertmanager",
        "zh": "{count} 条告警等待投递到 Alertmanager",
    },
    "alerts.col.id": {"en": "id", "zh": "编号"},
    "alerts.col.status": {"en": "status", "zh": "状态"},
    "alerts.col.severity": {"en": "severity", "zh": "级别"},
    "alerts.col.rule": {"en": "rule", "zh": "规则"},
    "alerts.col.host": {"en": "host", "zh": "主机"},
    "alerts.col.group": {"en": "group", "zh": "分组"},
    "alerts.col.count": {"en": "count", "zh": "次数"},
    "alerts.col.first_seen": {"en": "first seen", "zh": "首次发生"},
    "alerts.col.last_seen": {"en": "last seen", "zh": "最近发生"},
    "alerts.col.assignee": {"en": "assignee", "zh": "负责人"},
    "alerts.col.reason": {"en": "reason", "zh": "关闭原因"},
    "alerts.col.controls": {"en": "MLPS controls", "zh": "等保控制项"},
    "alerts.col.techniques": {"en": "ATT&CK", "zh": "ATT&CK 技术"},
    "alerts.col.description": {"en": "description", "zh": "描述"},
    "alerts.col.time": {"en": "time", "zh": "时间"},
    "alerts.col.actor": {"en": "by", "zh": "操作人"},
    "alerts.col.action": {"en": "action", "zh": "动作"},
    "alerts.col.detail": {"en": "detail", "zh": "详情"},
    "alerts.col.note": {"en": "note", "zh": "备注"},
    "alerts.col.dataset": {"en": "dataset", "zh": "数据集"},
    "alerts.col.message": {"en": "message", "zh": "消息"},
    "alerts.col.state": {"en": "state", "zh": "状态"},
    "alerts.col.attempts": {"en": "attempts", "zh": "尝试次数"},
    "alerts.col.next_try": {"en": "next try", "zh": "下次尝试"},
    "alerts.col.last_error": {"en": "last error / answer", "zh": "最近错误/应答"},
    "alerts.col.received": {"en": "received", "zh": "接收时间"},
    "alerts.col.alertname": {"en": "alert", "zh": "告警名称"},
    "alerts.col.receiver": {"en": "receiver", "zh": "接收者"},
    "alerts.col.forwarded": {"en": "forwarded", "zh": "转发状态"},
}
register(MESSAGES)

STATUS_CHOICES = ("live", "open", "acknowledged", "closed", "all")


class Format(StrEnum):
    table = "table"
    json = "json"


class AlertsCliError(GovsecError):
    """An alerts command's input is wrong (a status, a severity, a URL)."""


def build() -> typer.Typer:
    """The ``alerts`` command group."""
    group = typer.Typer(help=t("alerts.help"), no_args_is_help=True)
    store_opt = typer.Option(None, "--store", help=t("siem.store"), metavar="URL")
    format_opt = typer.Option(Format.table, "--format")
    note_opt = typer.Option(None, "--note", help=t("alerts.opt.note"))
    by_opt = typer.Option(None, "--by", help=t("alerts.opt.by"), metavar="USER")
    store_path_opt = typer.Option(
        None, "--store-path", help=t("alerts.opt.store_path"), metavar="PATH"
    )

    @group.command("list", help=t("alerts.list.help"))
    def list_(
        status: str = typer.Option(
            "live", "--status", help=t("alerts.opt.status"), metavar="|".join(STATUS_CHOICES)
        ),
        severity: str | None = typer.Option(
            None, "--severity", help=t("alerts.opt.severity"), metavar="|".join(SEVERITIES)
        ),
        rule: str | None = typer.Option(None, "--rule", help=t("alerts.opt.rule")),
        host: str | None = typer.Option(None, "--host", help=t("alerts.opt.host")),
        since: str | None = typer.Option(None, "--since", help=t("alerts.opt.since")),
        limit: int = typer.Option(100, "--limit", min=1, max=100_000),
        store: str | None = store_opt,
        output_format: Format = format_opt,
    ) -> None:
        from secops.cli.siem import parse_when

        wanted = _statuses(status)
        if severity is not None and severity not in SEVERITIES:
            raise AlertsCliError(
                t("alerts.bad_severity", value=severity, choices=", ".join(SEVERITIES))
            )
        when = parse_when(since, datetime.now(UTC)) if since else None
        with opened(store) as alerts:
            found = alerts.list(
                status=wanted, severity=severity, rule=rule, host=host, since=when, limit=limit
            )
        if output_format is Format.json:
            _json([alert.as_dict() for alert in found])
            return
        _print_list(found)

    @group.command("show", help=t("alerts.show.help"))
    def show(
        alert_id: str = typer.Argument(..., metavar="ID"),
        store: str | None = store_opt,
        output_format: Format = format_opt,
    ) -> None:
        with opened(store) as alerts:
            alert = alerts.get(alert_id)
            events = alerts.events_of(alert)
        if output_format is Format.json:
            _json({**alert.as_dict(), "events": events.found, "missing_events": events.missing})
            return
        _print_alert(alert, events)

    @group.command("ack", help=t("alerts.ack.help"))
    def ack(
        alert_id: str = typer.Argument(..., metavar="ID"),
        note: str | None = note_opt,
        by: str | None = by_opt,
        store: str | None = store_opt,
        output_format: Format = format_opt,
    ) -> None:
        actor = os_account()
        _change(store, output_format, lambda s: s.ack(alert_id, actor, note=note, on_behalf_of=by))

    @group.command("close", help=t("alerts.close.help"))
    def close(
        alert_id: str = typer.Argument(..., metavar="ID"),
        reason: str = typer.Option(
            ...,
            "--reason",
            help=t("alerts.opt.reason", choices=", ".join(REASONS)),
            metavar="|".join(REASONS),
        ),
        note: str | None = note_opt,
        by: str | None = by_opt,
        store: str | None = store_opt,
        output_format: Format = format_opt,
    ) -> None:
        if reason not in REASONS:
            raise AlertsCliError(t("alerts.bad_reason", value=reason, choices=", ".join(REASONS)))
        actor = os_account()
        _change(
            store,
            output_format,
            lambda s: s.close(alert_id, reason, actor, note=note, on_behalf_of=by),
        )

    @group.command("assign", help=t("alerts.assign.help"))
    def assign(
        alert_id: str = typer.Argument(..., metavar="ID"),
        user: str = typer.Argument(..., metavar="USER"),
        note: str | None = note_opt,
        by: str | None = by_opt,
        store: str | None = store_opt,
        output_format: Format = format_opt,
    ) -> None:
        actor = os_account()
        _change(
            store,
            output_format,
            lambda s: s.assign(alert_id, user, actor, note=note, on_behalf_of=by),
        )

    @group.command("note", help=t("alerts.note.help"))
    def note_(
        alert_id: str = typer.Argument(..., metavar="ID"),
        text: str = typer.Argument(..., metavar="TEXT"),
        by: str | None = by_opt,
        store: str | None = store_opt,
        output_format: Format = format_opt,
    ) -> None:
        actor = os_account()
        _change(store, output_format, lambda s: s.note(alert_id, actor, text, on_behalf_of=by))

    @group.command("send", help=t("alerts.send.help"))
    def send(
        alertmanager: str | None = typer.Option(
            None, "--alertmanager", help=t("alerts.opt.alertmanager"), metavar="URL"
        ),
        retry_rejected: bool = typer.Option(
            False, "--retry-rejected", help=t("alerts.opt.retry_rejected")
        ),
        store: str | None = store_opt,
        output_format: Format = format_opt,
    ) -> None:
        from secops.alerts.alertmanager import deliver

        client = make_client(alertmanager)
        with opened(store) as alerts:
            if retry_rejected:
                alerts.retry_rejected(datetime.now(UTC))
            report = deliver(alerts, client, everything=True)  # asked for: no waiting
        _print_report(report, output_format)
        if report.error is not None or report.rejected:
            raise typer.Exit(1)

    @group.command("outbox", help=t("alerts.outbox.help"))
    def outbox(store: str | None = store_opt, output_format: Format = format_opt) -> None:
        with opened(store) as alerts:
            rows = alerts.outbox()
        if output_format is Format.json:
            _json([_row_dict(row) for row in rows])
            return
        _print_outbox(rows)

    @group.command("notifications", help=t("alerts.notifications.help"))
    def notifications(
        store_path: Path | None = store_path_opt,
        limit: int = typer.Option(100, "--limit", min=1, max=100_000),
        output_format: Format = format_opt,
    ) -> None:
        from secops.cli.serve import notifications_path

        path = notifications_path(store_path)
        found = _notifications(path, limit)
        if output_format is Format.json:
            _json([row.as_dict() for row in found])
            return
        _print_notifications(found, path)

    return group


def _notifications(path: Path, limit: int) -> list[Notification]:
    """The newest ``limit`` rows of the store at ``path``; none when it was never made."""
    from monitors.webhook import NotificationStore

    if not path.exists():  # listing must not create the store (nor its directory)
        return []
    with NotificationStore(path) as store:
        return store.list(limit)


# -- inputs ------------------------------------------------------------------------------------


@contextmanager
def opened(flag: str | None) -> Iterator[AlertStore]:
    """The alert store of the configured event store, closed on the way out."""
    from secops.alerts import open_alert_store
    from secops.cli.siem import store_url

    alerts = open_alert_store(store_url(flag))
    try:
        yield alerts
    finally:
        alerts.close_store()


def _statuses(value: str) -> tuple[str, ...] | None:
    if value == "all":
        return None
    if value == "live":
        return ("open", "acknowledged")
    if value in STATUS_CHOICES:
        return (value,)
    raise AlertsCliError(t("alerts.bad_status", value=value, choices=", ".join(STATUS_CHOICES)))


def _who(entry: HistoryEntry) -> str:
    """The actor of a history entry, and whom they said they acted for."""
    if not entry.on_behalf_of:
        return entry.actor
    return t("alerts.on_behalf", actor=entry.actor, by=entry.on_behalf_of)


def alertmanager_url(flag: str | None) -> str | None:
    """``--alertmanager``, else $GOVSEC_ALERTMANAGER, else govsec.yaml; None when unset."""
    from urllib.parse import urlsplit

    if flag:
        if urlsplit(flag).username is not None:  # ps and shell history would show it
            raise AlertsCliError(t("alerts.secret_in_flag"), t("alerts.secret_in_flag.hint"))
        return flag
    from secops.alerts.alertmanager import URL_ENV

    if os.environ.get(URL_ENV):
        return os.environ[URL_ENV]
    from secops.config import load_settings

    return load_settings().alerts.alertmanager_url


def make_client(flag: str | None) -> AlertmanagerClient:
    """The Alertmanager client the flag, environment and govsec.yaml describe."""
    from secops.alerts.alertmanager import AlertmanagerClient, load_auth
    from secops.config import load_settings

    url = alertmanager_url(flag)
    if not url:
        raise AlertsCliError(t("alerts.no_alertmanager"), t("alerts.no_alertmanager.hint"))
    settings = load_settings().alerts
    return AlertmanagerClient(url, auth=load_auth(settings.auth_file), ca_file=settings.ca_file)


def _change(store: str | None, output_format: Format, step: Callable[[AlertStore], Alert]) -> None:
    with opened(store) as alerts:
        alert = step(alerts)
    if output_format is Format.json:
        _json(alert.as_dict())
        return
    last = alert.history[-1]
    key = f"alerts.done.{last.action}"
    actor = _who(last)
    out.print(safe(t(key, id=alert.id, actor=actor, reason=alert.reason, user=alert.assignee)))


# -- output ------------------------------------------------------------------------------------


def _json(data: object) -> None:
    # json escapes control characters itself; ensure_ascii=False keeps Chinese readable.
    # Lone surrogates (undecodable bytes) are spelt out rather than failing the output.
    text = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    typer.echo(text.encode("utf-8", "backslashreplace").decode("utf-8"))


def _when(moment: datetime | None) -> str:
    return "-" if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _group(alert: Alert) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(alert.group.items()))


def _print_list(found: list[Alert]) -> None:
    table = Table(title=t("alerts.list.title", count=len(found)))
    keys = ("id", "status", "severity", "rule", "host", "group", "count", "last_seen", "assignee")
    for key in keys:
        table.add_column(
            t(f"alerts.col.{key}"), overflow="fold", justify="right" if key == "count" else "left"
        )
    for alert in found:
        table.add_row(
            *(
                safe(v)
                for v in (
                    alert.id,
                    alert.status,
                    alert.severity,
                    alert.rule_title,
                    alert.host or "-",
                    _group(alert) or "-",
                    alert.count,
                    _when(alert.last_seen),
                    alert.assignee or "-",
                )
            )
        )
    out.print(table)


def _print_alert(alert: Alert, events: AlertEvents) -> None:
    fields = Table(show_header=False, title=safe(f"{alert.id}: {alert.rule_title}"))
    fields.add_column(overflow="fold")
    fields.add_column(overflow="fold")
    for key, value in (
        ("status", alert.status),
        ("reason", alert.reason or "-"),
        ("severity", alert.severity),
        ("rule", alert.rule_id),
        ("description", alert.description or "-"),
        ("controls", ", ".join(alert.controls) or "-"),
        ("techniques", ", ".join(alert.techniques) or "-"),
        ("host", alert.host or "-"),
        ("group", _group(alert) or "-"),
        ("count", alert.count),
        ("first_seen", _when(alert.first_seen)),
        ("last_seen", _when(alert.last_seen)),
        ("assignee", alert.assignee or "-"),
    ):
        fields.add_row(t(f"alerts.col.{key}"), safe(value))
    out.print(fields)
    history = Table(title=t("alerts.history.title"))
    for key in ("time", "actor", "action", "detail", "note"):
        history.add_column(t(f"alerts.col.{key}"), overflow="fold")
    for entry in alert.history:
        history.add_row(
            *(safe(v) for v in (_when(entry.time), _who(entry), entry.action, entry.detail)),
            safe(entry.note or ""),
        )
    out.print(history)
    table = Table(title=t("alerts.events.title", count=len(events.found)))
    for key in ("time", "host", "dataset", "message"):
        table.add_column(t(f"alerts.col.{key}"), overflow="fold")
    for event in events.found:
        meta = event.get("event") if isinstance(event.get("event"), dict) else {}
        host = event.get("host") if isinstance(event.get("host"), dict) else {}
        table.add_row(
            *(
                safe(v or "")
                for v in (
                    event.get("@timestamp"),
                    _get(host, "name"),
                    _get(meta, "dataset"),
                    event.get("message") or _get(meta, "original"),
                )
            )
        )
    out.print(table)
    if events.missing:
        out.print(
            safe(
                t(
                    "alerts.events.missing",
                    count=len(events.missing),
                    ids=", ".join(events.missing),
                )
            )
        )


def _get(mapping: Any, key: str) -> Any:
    return mapping.get(key) if isinstance(mapping, dict) else None


def _row_dict(row: OutboxRow) -> dict[str, Any]:
    return {
        "alert": row.alert_id,
        "state": row.state,
        "resolved": row.resolved,
        "attempts": row.attempts,
        "queued": row.queued.isoformat(),
        "next_try": row.next_try.isoformat(),
        "last_error": row.last_error,
        "payload": row.payload,
    }


def _print_outbox(rows: list[OutboxRow]) -> None:
    table = Table(title=t("alerts.outbox.title", count=len(rows)))
    for key in ("id", "state", "attempts", "next_try", "last_error"):
        table.add_column(t(f"alerts.col.{key}"), overflow="fold")
    for row in rows:
        state = f"{row.state} (resolved)" if row.resolved else row.state
        table.add_row(
            *(
                safe(v)
                for v in (
                    row.alert_id,
                    state,
                    row.attempts,
                    _when(row.next_try),
                    row.last_error or "-",
                )
            )
        )
    out.print(table)


def _forwarded(row: Notification) -> str:
    parts = []
    for name, delivery in sorted(row.deliveries.items()):
        state = delivery.state
        if delivery.state == "pending" and delivery.attempts:
            state = f"pending, {delivery.attempts} failed: {delivery.last_error}"
        parts.append(f"{name}: {state}")
    return "; ".join(parts) or "-"


def _print_notifications(rows: list[Notification], path: Path) -> None:
    table = Table(title=safe(t("alerts.notifications.title", count=len(rows), path=path)))
    keys = ("received", "status", "alertname", "severity", "host", "receiver", "forwarded")
    for key in keys:
        table.add_column(t(f"alerts.col.{key}"), overflow="fold")
    for row in rows:
        table.add_row(
            *(
                safe(v)
                for v in (
                    _when(row.received),
                    row.status,
                    row.labels.get("alertname", "-"),
                    row.labels.get("severity", "-"),
                    row.labels.get("host") or row.labels.get("instance", "-"),
                    row.receiver,
                    _forwarded(row),
                )
            )
        )
    out.print(table)


def _print_report(report: DeliveryReport, output_format: Format) -> None:
    if output_format is Format.json:
        _json(
            {
                "delivered": report.delivered,
                "waiting": report.retrying,
                "rejected": [{"alert": a, "answer": answer} for a, answer in report.rejected],
                "error": report.error,
                "next_try": None if report.next_try is None else report.next_try.isoformat(),
            }
        )
        return
    out.print(
        safe(
            t(
                "alerts.sent",
                delivered=report.delivered,
                waiting=report.retrying,
                rejected=len(report.rejected),
            )
        )
    )
    if report.error is not None:
        err.print(safe(t("alerts.send_error", error=report.error, when=_when(report.next_try))))
    for alert_id, answer in report.rejected:
        err.print(safe(t("alerts.rejected", id=alert_id, answer=answer)))
