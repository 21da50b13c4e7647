"""``govsec assess``: the system's MLPS assessment from its system.yaml.

Joins the newest signed host audits, the cloud check of the landing zone, the questionnaire
and govsec's own operations evidence into one assessment of every requirement item of the
system's level; writes assessment.json, its SM2-signed evidence chain, the report in Chinese
and English (HTML; ``--pdf`` adds the executive part as PDF) and the gap list and remediation
plan (HTML and XLSX). Exit 0 when written, 1 when the assessment could not be made, 2 usage.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from secops.config import data_dir
from secops.i18n import LANGS, Lang, current_lang, register, t

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

register(
    {
        "assess.help": {
            "en": "Assess the whole system (system.yaml): every MLPS item on every object, "
            "high risks, score and conclusion, signed; reports in Chinese and English.",
            "zh": "对整个系统（system.yaml）开展合规核查：逐对象判定全部等保要求项，"
            "判定高风险，计算得分与结论并签名；生成中英文报告。",
        },
        "assess.opt.system": {
            "en": "The system description (system.yaml).",
            "zh": "系统描述文件（system.yaml）。",
        },
        "assess.opt.output": {
            "en": "Folder for assessment.json, the evidence chain and the reports "
            "(default: a new folder under the data directory).",
            "zh": "存放 assessment.json、证据链与报告的目录（默认在数据目录下新建）。",
        },
        "assess.opt.pdf": {
            "en": "Also write the executive part of each report as PDF.",
            "zh": "同时将各报告的摘要部分输出为 PDF。",
        },
        "assess.opt.previous": {
            "en": "A previous assessment (folder or assessment.json): "
            "the report shows what changed.",
            "zh": "上一次核查（目录或 assessment.json）：报告列出变化。",
        },
        "assess.opt.unverified": {
            "en": "Use audits whose evidence does not verify, "
            "marking every verdict taken from them.",
            "zh": "使用未通过证据验证的核查结果，并标注据此得出的每项结论。",
        },
        "assess.opt.key": {
            "en": "An extra trusted public key (PEM) for the audits' signatures.",
            "zh": "额外信任的公钥（PEM），用于验证核查结果的签名。",
        },
        "assess.opt.lang": {
            "en": "Report languages (default: both).",
            "zh": "报告语言（默认中英文）。",
        },
        "assess.opt.audits": {
            "en": "Audit folders to use instead of those system.yaml names (repeatable).",
            "zh": "代替 system.yaml 中所列目录使用的核查结果目录（可重复）。",
        },
        "assess.opt.open_questions": {
            "en": "Write the questionnaire entries still to answer (open items) to this file.",
            "zh": "将尚待答复的调查表条目（待核查项）写入此文件。",
        },
        "assess.opt.format": {"en": "Output format.", "zh": "输出格式。"},
        "assess.key_created": {
            "en": "made the signing key {path} (SM2, fingerprint {fingerprint})",
            "zh": "已生成签名密钥 {path}（SM2，指纹 {fingerprint}）",
        },
        "assess.title": {
            "en": "{name}: level {level}, {items} items on {objects} objects in {seconds:.2f} s",
            "zh": "{name}：第{level}级，{items} 个要求项、{objects} 个测评对象，"
            "用时 {seconds:.2f} 秒",
        },
        "assess.col.verdict": {"en": "verdict", "zh": "结论"},
        "assess.col.items": {"en": "items", "zh": "要求项数"},
        "assess.conclusion": {
            "en": "conclusion {band}, score {score}; {determined} high risks determined, "
            "{compensated} compensated, {undecided} undecided",
            "zh": "结论 {band}，得分 {score}；判定高风险 {determined} 项，"
            "有缓解措施 {compensated} 项，无法判定 {undecided} 项",
        },
        "assess.high_risk": {
            "en": "high risk {id}: {title} ({objects})",
            "zh": "高风险 {id}：{title}（{objects}）",
        },
        "assess.written": {"en": "written: {path}", "zh": "已写入：{path}"},
        "assess.unverified": {
            "en": "warning: {n} audits did not verify; their verdicts are marked in the report",
            "zh": "警告：{n} 份核查结果未通过验证，据此得出的结论已在报告中标注",
        },
    }
)


class Format(StrEnum):
    table = "table"
    json = "json"


_SYSTEM = typer.Argument(..., help=t("assess.opt.system"))
_OUTPUT = typer.Option(None, "--output-dir", "-o", help=t("assess.opt.output"))
_PDF = typer.Option(False, "--pdf", help=t("assess.opt.pdf"))
_PREVIOUS = typer.Option(None, "--previous", help=t("assess.opt.previous"))
_UNVERIFIED = typer.Option(False, "--allow-unverified", help=t("assess.opt.unverified"))
_KEYS = typer.Option([], "--key", help=t("assess.opt.key"), show_default=False)
_LANGS = typer.Option([], "--report-lang", help=t("assess.opt.lang"), metavar="|".join(LANGS))
_FORMAT = typer.Option(Format.table, "--format", help=t("assess.opt.format"))
_AUDITS = typer.Option([], "--audits", help=t("assess.opt.audits"), show_default=False)
_OPEN = typer.Option(None, "--open-questions", help=t("assess.opt.open_questions"))


def assess(
    system: Path = _SYSTEM,
    output: Path | None = _OUTPUT,
    pdf: bool = _PDF,
    previous: Path | None = _PREVIOUS,
    allow_unverified: bool = _UNVERIFIED,
    keys: list[Path] = _KEYS,
    report_langs: list[str] = _LANGS,
    output_format: Format = _FORMAT,
    audits: list[Path] = _AUDITS,
    open_questions: Path | None = _OPEN,
) -> None:
    """Assess the whole system from its system.yaml."""
    from secops.assess.labels import alabel
    from secops.assess.report import write_reports
    from secops.assess.run import assess as run_assessment
    from secops.assess.run import compare, write_assessment
    from secops.i18n import parse_lang
    from secops.report.signing import ensure_key, trusted_keys

    try:
        chosen = [parse_lang(x) for x in report_langs]
        langs: tuple[Lang, ...] = tuple(chosen) if chosen else ("zh", "en")
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--report-lang") from None
    key = ensure_key()
    if key.created:
        err.print(t("assess.key_created", path=escape(str(key.path)), fingerprint=key.fingerprint))
    assessment = run_assessment(
        system,
        trusted=trusted_keys(keys),
        allow_unverified=allow_unverified,
        audits=audits or None,
    )
    if previous is not None:
        compare(assessment, previous)
    folder = output or data_dir() / "assessments" / datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    written = [write_assessment(assessment, folder, key)]
    written += write_reports(assessment, folder, langs, pdf)
    if open_questions is not None:
        from secops.assess.questionnaire import open_questions as blank
        from secops.files import write_atomic

        lang = current_lang()
        asked = [
            (
                item.id,
                item.control.title.get(lang),
                (item.control.evidence or item.control.requirement).get(lang),
                [c.target for c in item.cells if c.verdict == "open" and c.way == "questionnaire"],
            )
            for item in assessment.items
        ]
        write_atomic(open_questions, blank([entry for entry in asked if entry[3]]))
        written.append(open_questions)
    lang = current_lang()
    score = assessment.score
    states = [r.state for r in assessment.high_risks]
    summary = t(
        "assess.conclusion",
        band=alabel(f"band.{score.conclusion}", lang),
        score="—" if score.overall is None else f"{score.overall:.1f}",
        determined=states.count("determined"),
        compensated=states.count("compensated"),
        undecided=states.count("undecided"),
    )
    if output_format is Format.json:
        out.print_json(
            json.dumps(
                {
                    "folder": str(folder),
                    "conclusion": score.conclusion,
                    "score": score.overall,
                    "worst_risk": score.worst_risk,
                    "seconds": assessment.seconds,
                    "items": len(assessment.items),
                    "objects": len(assessment.targets),
                    "high_risks": {r.rule.id: r.state for r in assessment.high_risks},
                    "written": [str(p) for p in written],
                },
                ensure_ascii=False,
            )
        )
        return
    counts: dict[str, int] = {}
    for item in assessment.items:
        counts[item.verdict] = counts.get(item.verdict, 0) + 1
    table = Table(
        title=t(
            "assess.title",
            name=escape(assessment.system.name.get(lang)),
            level=assessment.level,
            items=len(assessment.items),
            objects=len(assessment.targets),
            seconds=assessment.seconds,
        )
    )
    table.add_column(t("assess.col.verdict"))
    table.add_column(t("assess.col.items"), justify="right")
    for code in ("compliant", "partial", "noncompliant", "na", "open"):
        table.add_row(alabel(f"verdict.{code}", lang), str(counts.get(code, 0)))
    out.print(table)
    out.print(summary)
    for risk in assessment.high_risks:
        if risk.state == "determined":
            out.print(
                t(
                    "assess.high_risk",
                    id=risk.rule.id,
                    title=alabel(f"hr.{risk.rule.id}", lang),
                    objects=escape(", ".join(risk.decision.objects)),
                )
            )
    unverified = sum(1 for a in assessment.audits if not a.verified)
    if unverified:
        err.print(f"[red]{escape(t('assess.unverified', n=unverified))}[/]")
    for path in written:
        out.print(t("assess.written", path=escape(str(path))))
