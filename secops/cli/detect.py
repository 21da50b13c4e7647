"""``govsec detect``: run Sigma rules over the stored events, test rules, export them.

The rules are the project's own (secops/rules/linux) unless ``--rules`` names files or
directories (public Sigma rules work: docs/detect.md). Alerts go to the store the events are
in and, when an Alertmanager is configured, to it (docs/alerts.md).
"""

from __future__ import annotations

import dataclasses
import json
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from secops.cli.siem import parse_when, store_url
from secops.errors import GovsecError
from secops.i18n import register, t

if TYPE_CHECKING:
    from secops.alerts.alertmanager import AlertmanagerClient
    from secops.detect.engine import RuleSet
    from secops.detect.model import RuleMeta
    from secops.detect.runner import RunReport

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

HEARTBEAT = 60.0  # seconds between "still running" notes of detect run (govsec serve's metrics)

MESSAGES: dict[str, dict[str, str]] = {
    "detect.help": {
        "en": "Detection: run Sigma rules over the stored events, test and export rules.",
        "zh": "检测：在已存储的事件上运行 Sigma 规则，测试并导出规则。",
    },
    "detect.rules_opt": {
        "en": "Sigma rule file or directory (repeat for more); default: govsec's own Linux rules",
        "zh": "Sigma 规则文件或目录（可重复）；默认：govsec 自带的 Linux 规则",
    },
    "detect.run.help": {
        "en": "Run the rules over events stored since the last run and record the alerts.",
        "zh": "对上次运行以来存储的事件运行规则，并记录告警。",
    },
    "detect.run.since": {
        "en": "one-off scan of events from this time (2026-11-21T08:00, 2h, 7d), with fresh"
        " windows; the saved position is left alone",
        "zh": "一次性扫描自该时间起的事件（2026-11-21T08:00、2h、7d），"
        "使用新的窗口；不改变已保存的位置",
    },
    "detect.run.follow": {
        "en": "keep running: judge new events as they are stored, until interrupted",
        "zh": "持续运行：事件一存储即检测，直到中断",
    },
    "detect.alertmanager": {
        "en": "Alertmanager base URL (else $GOVSEC_ALERTMANAGER, else alerts.alertmanager_url)",
        "zh": "Alertmanager 地址（否则取 $GOVSEC_ALERTMANAGER，再否则取 alerts.alertmanager_url）",
    },
    "detect.test.help": {
        "en": "Run rules' own test cases (govsec.tests), or the rules over a log file.",
        "zh": "运行规则自带的测试用例（govsec.tests），或在日志文件上运行规则。",
    },
    "detect.test.log": {
        "en": "a log file to run the rules over instead (raw lines, audit.log too)",
        "zh": "改为在该日志文件上运行规则（原始日志行，含 audit.log）",
    },
    "detect.export.help": {
        "en": "Export the rules for Elasticsearch: Lucene, ES|QL or Kibana ndjson.",
        "zh": "导出规则供 Elasticsearch 使用：Lucene、ES|QL 或 Kibana ndjson。",
    },
    "detect.export.target": {"en": "what to export to", "zh": "导出格式"},
    "detect.export.output": {"en": "write here instead of stdout", "zh": "写入该文件而非标准输出"},
    "detect.rules.help": {
        "en": "List the rules that load and run, and report the ones that do not, with why.",
        "zh": "列出可加载运行的规则，并报告不能运行的规则及原因。",
    },
    "detect.run.done": {
        "en": "{events} events judged by {rules} rules: {detections} detections,"
        " {new} new alerts, {updated} updated; position {position}",
        "zh": "{rules} 条规则检测了 {events} 个事件：{detections} 次命中，新告警 {new} 条，"
        "更新 {updated} 条；位置 {position}",
    },
    "detect.run.problems": {
        "en": "{count} rules not run (govsec detect rules shows why)",
        "zh": "{count} 条规则未运行（govsec detect rules 显示原因）",
    },
    "detect.run.delivery": {
        "en": "Alertmanager: {delivered} delivered, {retrying} waiting ({error})",
        "zh": "Alertmanager：已送达 {delivered}，等待重试 {retrying}（{error}）",
    },
    "detect.rules.compat": {
        "en": "also check each rule against what govsec's intake produces (fields never set,"
        " log sources with no parser) and that it converts for Elasticsearch",
        "zh": "另检查每条规则与 govsec 采集所产生的数据是否相符"
        "（从未出现的字段、无解析器的日志源），以及能否转换为 Elasticsearch 查询",
    },
    "detect.rules.share": {
        "en": "{ok} of {total} rules run ({share:.1f} %); {problems} not run",
        "zh": "{total} 条规则中 {ok} 条可运行（{share:.1f}%）；{problems} 条不能运行",
    },
    "detect.test.summary": {
        "en": "{passed} of {total} cases pass",
        "zh": "{total} 个用例中 {passed} 个通过",
    },
    "detect.no_rules": {
        "en": "no rules to run in {paths}",
        "zh": "{paths} 中没有可运行的规则",
    },
}
register(MESSAGES)  # type: ignore[arg-type]


class Format(StrEnum):
    table = "table"
    json = "json"


class DetectError(GovsecError):
    """A detect command's input is wrong."""


def rules_paths(flags: list[Path] | None) -> list[Path]:
    if flags:
        return list(flags)
    from secops.rules import RULES_DIR

    return [RULES_DIR]


def load(flags: list[Path] | None, *, runnable: bool = True) -> RuleSet:
    """The rules of ``--rules`` (default: govsec's own); ``runnable``: at least one must run."""
    from secops.detect.engine import load_rules
    from secops.detect.files import RuleError

    paths = rules_paths(flags)
    try:
        ruleset = load_rules(paths)
    except RuleError as exc:
        raise DetectError(str(exc)) from None
    if runnable and not len(ruleset):
        raise DetectError(t("detect.no_rules", paths=", ".join(map(str, paths))))
    return ruleset


def alertmanager_client(flag: str | None) -> AlertmanagerClient | None:
    """As ``govsec alerts send`` finds it (flag, environment, govsec.yaml); None: not set."""
    from secops.cli.alerts import alertmanager_url, make_client

    return make_client(flag) if alertmanager_url(flag) else None


def build() -> typer.Typer:
    app = typer.Typer(help=t("detect.help"), no_args_is_help=True)
    rules_opt = typer.Option(None, "--rules", help=t("detect.rules_opt"), metavar="PATH")
    store_opt = typer.Option(None, "--store", help=t("siem.store"), metavar="URL")
    format_opt = typer.Option(Format.table, "--format")
    log_opt = typer.Option(None, "--log", help=t("detect.test.log"))
    compat_opt = typer.Option(False, "--compat", help=t("detect.rules.compat"))
    output_opt = typer.Option(None, "--output", "-o", help=t("detect.export.output"))

    @app.command("run", help=t("detect.run.help"))
    def run(
        rules: list[Path] | None = rules_opt,
        store: str | None = store_opt,
        since: str | None = typer.Option(None, "--since", help=t("detect.run.since")),
        follow: bool = typer.Option(False, "--follow", help=t("detect.run.follow")),
        alertmanager: str | None = typer.Option(
            None, "--alertmanager", help=t("detect.alertmanager"), metavar="URL"
        ),
        quiet: bool = typer.Option(False, "--quiet", "-q"),
        output_format: Format = format_opt,
    ) -> None:
        if since is not None and follow:
            raise DetectError(
                "--since is a one-off scan and --follow goes on from the saved position",
                hint="use one of them",
            )
        start = parse_when(since, datetime.now(UTC)) if since else None
        report = _run(rules, store, start, follow, alertmanager, quiet or output_format == "json")
        if output_format == Format.json:
            out.print_json(json.dumps(report))
        elif not quiet:
            out.print(t("detect.run.done", **report["run"]))

    @app.command("test", help=t("detect.test.help"))
    def test(
        rules: list[Path] = typer.Argument(..., metavar="RULE..."),
        log: Path | None = log_opt,
        output_format: Format = format_opt,
    ) -> None:
        if log is not None:
            _test_log(rules, log, output_format)
            return
        from secops.detect.testing import run_tests

        ruleset = load(rules)
        try:
            results = run_tests(rules, ruleset=ruleset)
        except ValueError as exc:
            raise DetectError(str(exc)) from None
        passed = sum(r.passed for r in results)
        if output_format == Format.json:
            out.print_json(json.dumps([dataclasses.asdict(r) for r in results]))
        else:
            table = Table("rule", "case", "expect", "result", "matched", "problem")
            for r in results:
                table.add_row(
                    escape(r.title),
                    str(r.index),
                    r.expect,
                    "[green]pass[/]" if r.passed else "[red]FAIL[/]",
                    str(r.matched),
                    escape(r.problem),
                )
            out.print(table)
            out.print(t("detect.test.summary", passed=passed, total=len(results)))
        if passed < len(results) or not results:
            raise typer.Exit(1)

    @app.command("export", help=t("detect.export.help"))
    def export(
        target: str = typer.Option(
            ..., "--target", help=t("detect.export.target"), metavar="lucene|esql|kibana-ndjson"
        ),
        rules: list[Path] | None = rules_opt,
        output: Path | None = output_opt,
    ) -> None:
        from secops.detect.export import Target, export_rules

        try:
            chosen = Target(target)
        except ValueError:
            raise DetectError(
                f"unknown export target {target!r}",
                hint="expected one of: " + ", ".join(x.value for x in Target),
            ) from None
        result = export_rules(rules_paths(rules), chosen)
        if output is None:
            typer.echo(result.text, nl=False)
        else:
            output.write_text(result.text, encoding="utf-8")
        err.print(
            f"exported {len(result.converted)} rules to {chosen.value}"
            + (f"; {len(result.skipped)} skipped:" if result.skipped else "")
        )
        for rule, reason in result.skipped:
            err.print(f"  {escape(rule)}: {escape(reason)}")

    @app.command("rules", help=t("detect.rules.help"))
    def list_rules(
        rules: list[Path] | None = rules_opt,
        output_format: Format = format_opt,
        compat: bool = compat_opt,
    ) -> None:
        ruleset = load(rules, runnable=False)  # the point is to say why rules do not run
        if compat:
            _print_compat(rules_paths(rules), ruleset)
            return
        rows = [
            _rule_row(r.meta, "rule" if r.generates else "rule (feeds a correlation)", r.route)
            for r in ruleset.rules
        ] + [_rule_row(c.meta, f"correlation {c.kind}", None) for c in ruleset.correlations]
        problems: list[dict[str, str]] = [dataclasses.asdict(p) for p in ruleset.problems]
        total = len(rows) + len(problems)
        share = 100.0 * len(rows) / total if total else 0.0
        if output_format == Format.json:
            out.print_json(
                json.dumps({"rules": rows, "problems": problems, "share": round(share, 2)})
            )
            return
        table = Table("title", "level", "kind", "MLPS", "ATT&CK")
        for row in rows:
            table.add_row(
                escape(row["title"]),
                row["level"],
                row["kind"],
                ", ".join(row["mlps"]),
                ", ".join(row["attack"]),
            )
        out.print(table)
        if problems:
            bad = Table("rule", "file", "not run because")
            for p in problems:
                bad.add_row(
                    escape(p["title"] or p["rule_id"]), escape(p["path"]), escape(p["feature"])
                )
            out.print(bad)
        out.print(
            t("detect.rules.share", ok=len(rows), total=total, share=share, problems=len(problems))
        )

    return app


def _rule_row(meta: RuleMeta, kind: str, route: tuple[str, str] | None) -> dict[str, Any]:
    return {
        "id": meta.id,
        "title": meta.title,
        "level": meta.level,
        "kind": kind,
        "route": "=".join(route) if route else "",
        "mlps": list(meta.controls),
        "attack": list(meta.techniques),
    }


def _print_compat(paths: list[Path], ruleset: RuleSet) -> None:
    """The corpus report, with what the engine itself refused to compile added to it."""
    from secops.detect.compat import CompatEntry, Status, check_corpus, render

    report = check_corpus(paths)
    for problem in ruleset.problems:
        if problem.rule_id:  # files that gave no rule are in the report already
            report.add(
                CompatEntry(
                    problem.rule_id,
                    problem.title,
                    problem.path,
                    Status.COMPILE_ERROR,
                    problem.feature,
                )
            )
    typer.echo(render(report))


def _run(
    rules: list[Path] | None,
    store: str | None,
    since: datetime | None,
    follow: bool,
    alertmanager: str | None,
    quiet: bool,
) -> dict[str, Any]:
    from secops.alerts import open_alert_store
    from secops.alerts.alertmanager import deliver
    from secops.detect.runner import STATUS_KEY, Runner
    from secops.store import open_store
    from secops.store.base import StoreError
    from secops.store.sqlite import SqliteStore

    ruleset = load(rules)
    if ruleset.problems and not quiet:
        err.print(t("detect.run.problems", count=len(ruleset.problems)))
    url = store_url(store)
    client = alertmanager_client(alertmanager)
    events = open_store(url)
    alerts = open_alert_store(url)
    try:
        if not isinstance(events, SqliteStore):
            raise DetectError(
                "detect run reads the SQLite store; an Elasticsearch cluster runs the rules itself",
                hint="govsec detect export --target esql|kibana-ndjson (docs/detect.md)",
            )
        runner = Runner(events, alerts, ruleset, since=since)
        stop = threading.Event()
        delivery: dict[str, Any] = {}
        status = {"rules": len(ruleset), "problems": len(ruleset.problems)}

        def note() -> None:
            # for govsec serve's govsec_detect_* metrics; the lag itself is read from the store
            alerts.save_state(STATUS_KEY, json.dumps({**status, "updated": time.time()}).encode())

        def heartbeat() -> None:
            # every minute while it runs, not every batch: a quiet store (--follow) or a long
            # rescan is not a stalled detector, and 10 batches a second need no extra write each
            while not stop.wait(HEARTBEAT):
                with suppress(StoreError):
                    note()

        note()
        beating = threading.Thread(target=heartbeat, name="detect-heartbeat", daemon=True)
        beating.start()
        try:
            with _delivering(url, client, stop, delivery), _signals(stop, follow):
                report = runner.run(follow=follow, stop=stop, on_batch=None if quiet else _progress)
        finally:
            stop.set()
            beating.join()
        if client is not None:  # one last pass, so a one-off run leaves nothing behind
            last = deliver(alerts, client)
            delivery.update(
                delivered=delivery.get("delivered", 0) + last.delivered,
                retrying=last.retrying,
                error=last.error,
            )
            if not quiet and (last.error or last.retrying):
                err.print(
                    t(
                        "detect.run.delivery",
                        delivered=delivery["delivered"],
                        retrying=last.retrying,
                        error=last.error or "",
                    )
                )
    finally:
        alerts.close_store()
        events.close()
    return {
        "run": _summary(report, len(ruleset)),
        "problems": len(ruleset.problems),
        "alertmanager": delivery or None,
    }


def _summary(report: RunReport, rules: int) -> dict[str, Any]:
    return {
        "events": report.events,
        "rules": rules,
        "detections": report.detections,
        "new": report.alerts_new,
        "updated": report.alerts_updated,
        "position": report.position,
    }


def _progress(report: RunReport) -> None:
    err.print(f"  … {report.events} events, {report.detections} detections", highlight=False)


@contextmanager
def _delivering(
    url: str | None,
    client: AlertmanagerClient | None,
    stop: threading.Event,
    tally: dict[str, Any],
) -> Iterator[None]:
    """While detection runs, a thread of its own sends the outbox (Alertmanager may be slow)."""
    if client is None:
        yield
        return
    from secops.alerts import open_alert_store
    from secops.alerts.alertmanager import DeliveryReport, follow

    def count(report: DeliveryReport) -> None:
        tally["delivered"] = tally.get("delivered", 0) + report.delivered

    def work() -> None:
        store = open_alert_store(url)
        try:
            follow(store, client, done, idle=0.2, on_pass=count)
        finally:
            store.close_store()

    done = threading.Event()
    thread = threading.Thread(target=work, name="alert-delivery", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join(timeout=30)


@contextmanager
def _signals(stop: threading.Event, follow: bool) -> Iterator[None]:
    """SIGINT/SIGTERM end a --follow run after its current batch (committed, nothing lost)."""
    if not follow or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    for s in previous:
        signal.signal(s, lambda *_: stop.set())
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def _test_log(rules: list[Path], log: Path, output_format: Format) -> None:
    from secops.detect.engine import Engine
    from secops.detect.testing import parse_case

    ruleset = load(rules)
    try:
        lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as exc:
        raise DetectError(f"{log}: cannot read: {exc}") from None
    engine = Engine(ruleset)
    events = parse_case(lines, received=datetime.now(UTC), host=log.name)
    found = [d for e in events for d in engine.process(e)]
    if output_format == Format.json:
        out.print_json(
            json.dumps(
                [
                    {
                        "rule": d.rule.id,
                        "title": d.rule.title,
                        "level": d.rule.level,
                        "host": d.host,
                        "group": d.group,
                        "first_seen": d.first_seen.isoformat(),
                        "last_seen": d.last_seen.isoformat(),
                        "count": d.count,
                    }
                    for d in found
                ]
            )
        )
        return
    table = Table("rule", "level", "host", "group", "first seen", "last seen", "count")
    for d in found:
        table.add_row(
            escape(d.rule.title),
            d.rule.level,
            escape(d.host or ""),
            escape(", ".join(f"{k}={v}" for k, v in d.group.items())),
            d.first_seen.isoformat(),
            d.last_seen.isoformat(),
            str(d.count),
        )
    out.print(table)
    out.print(f"{len(found)} detections over {len(lines)} lines")
    groups: dict[str, dict[str, int]] = {}  # correlation -> its groups, and how often each fired
    for d in found:
        if d.group:
            key = ", ".join(f"{k}={v}" for k, v in d.group.items())
            fired = groups.setdefault(d.rule.title, {})
            fired[key] = fired.get(key, 0) + 1
    for title, fired in groups.items():
        out.print(f"{escape(title)}: {len(fired)} group(s)")
        for key, times in sorted(fired.items()):
            out.print(f"  {escape(key)}  ({times} firing(s))")
