"""The report's words in Chinese and English: verdicts, statuses, headings and CLI messages.

They live here rather than in :mod:`secops.i18n` because they belong to the report: the
verdict labels are the ones an MLPS assessment uses (符合 / 部分符合 / 不符合 / 不适用), and
the report's language is chosen per report (``--lang``), not only per process.
"""

from __future__ import annotations

from secops.i18n import Lang, current_lang

LABELS: dict[str, dict[Lang, str]] = {
    # verdicts of a control on a host (secops.audit.results.VERDICTS)
    "verdict.compliant": {"en": "Compliant", "zh": "符合"},
    "verdict.partial": {"en": "Partially compliant", "zh": "部分符合"},
    "verdict.noncompliant": {"en": "Non-compliant", "zh": "不符合"},
    "verdict.na": {"en": "Not applicable", "zh": "不适用"},
    "verdict.manual": {"en": "Manual review", "zh": "待人工核查"},
    "verdict.none": {"en": "Not evaluated", "zh": "未评估"},
    # statuses of a check on a host (secops.audit.results.STATUSES)
    "status.pass": {"en": "Pass", "zh": "通过"},
    "status.fail": {"en": "Fail", "zh": "未通过"},
    "status.na": {"en": "Not applicable", "zh": "不适用"},
    "status.error": {"en": "Error", "zh": "无法判定"},
    "status.manual": {"en": "Manual", "zh": "人工核查"},
    "severity.high": {"en": "High", "zh": "高"},
    "severity.medium": {"en": "Medium", "zh": "中"},
    "severity.low": {"en": "Low", "zh": "低"},
    "kind.automated": {"en": "Automated", "zh": "自动核查"},
    "kind.manual": {"en": "Manual", "zh": "人工核查"},
    # the document
    "title": {"en": "MLPS 2.0 compliance report", "zh": "等保2.0合规核查报告"},
    "subtitle": {
        "en": "GB/T 22239-2019, level {level}: computing environment, host by host",
        "zh": "GB/T 22239-2019 第{level}级 · 安全计算环境逐台主机核查",
    },
    "contents": {"en": "Contents", "zh": "目录"},
    "meta.level": {"en": "Level", "zh": "保护等级"},
    "meta.level_value": {"en": "Level {level}", "zh": "第{level}级"},
    "meta.started": {"en": "Audit started", "zh": "核查开始"},
    "meta.finished": {"en": "Audit finished", "zh": "核查结束"},
    "meta.generated": {"en": "Report generated", "zh": "报告生成"},
    "meta.tool": {"en": "Tool version", "zh": "工具版本"},
    "meta.catalog": {"en": "Catalog version", "zh": "控制项目录版本"},
    "meta.inventory": {"en": "Inventory", "zh": "主机清单"},
    "meta.this_machine": {"en": "this machine", "zh": "本机"},
    "meta.catalog_mismatch": {
        "en": "the audit used catalog {used}; titles and remediation here come from {loaded}",
        "zh": "核查使用的目录版本为 {used};本报告中的标题与整改建议取自 {loaded}",
    },
    "section.summary": {"en": "Summary", "zh": "概览"},
    "section.hosts": {"en": "Score per host", "zh": "各主机得分"},
    "section.unreachable": {"en": "Hosts not audited", "zh": "未能核查的主机"},
    "section.matrix": {"en": "Verdicts by control and host", "zh": "控制项核查结论总表"},
    "section.controls": {"en": "Controls and evidence", "zh": "控制项与证据"},
    "section.failed": {"en": "Failed checks and remediation", "zh": "未通过的检查项与整改建议"},
    "section.errors": {"en": "Checks that could not be judged", "zh": "无法判定的检查项"},
    "section.manual": {"en": "For the assessor: manual items", "zh": "测评人员人工核查项"},
    "section.bundle": {"en": "Evidence bundle", "zh": "证据包"},
    "figure.fleet_score": {"en": "Fleet score", "zh": "整体得分"},
    "figure.hosts": {"en": "Hosts audited", "zh": "已核查主机"},
    "figure.noncompliant": {"en": "Non-compliant items", "zh": "不符合项"},
    "figure.manual": {"en": "Items for the assessor", "zh": "待测评人员核查项"},
    "figure.of": {"en": "of {total}", "zh": "共 {total} 台"},
    "figure.host_controls": {"en": "host × control", "zh": "主机 × 控制项"},  # noqa: RUF001
    "figure.controls": {"en": "controls", "zh": "个控制项"},
    "chart.verdicts": {"en": "Verdicts, all hosts", "zh": "核查结论分布(全部主机)"},
    "chart.statuses": {"en": "Check results, all hosts", "zh": "检查结果分布(全部主机)"},
    "chart.scores": {"en": "Score per host (0–100)", "zh": "各主机得分(0–100)"},  # noqa: RUF001
    "chart.host_verdicts": {"en": "Verdicts per host", "zh": "各主机核查结论"},
    "chart.all": {"en": "All hosts", "zh": "全部主机"},
    "chart.unreachable": {"en": "not audited", "zh": "未核查"},
    "chart.no_score": {"en": "no score", "zh": "无得分"},
    "chart.bands": {
        "en": "Bars: green ≥ 90, amber 70–89, red < 70.",  # noqa: RUF001 - a range
        "zh": "颜色:绿色 ≥ 90,黄色 70–89,红色 < 70。",  # noqa: RUF001
    },
    "col.host": {"en": "Host", "zh": "主机"},
    "col.address": {"en": "Address", "zh": "地址"},
    "col.os": {"en": "System", "zh": "操作系统"},
    "col.as_root": {"en": "As root", "zh": "root 权限"},
    "col.score": {"en": "Score", "zh": "得分"},
    "col.seconds": {"en": "Time (s)", "zh": "用时(秒)"},
    "col.verdict": {"en": "Verdict", "zh": "结论"},
    "col.check": {"en": "Check", "zh": "检查项"},
    "col.status": {"en": "Result", "zh": "结果"},
    "col.seen": {"en": "Value seen", "zh": "实际值"},
    "col.source": {"en": "Source", "zh": "来源"},
    "col.expected": {"en": "Expected", "zh": "期望值"},
    "col.clause": {"en": "Clause", "zh": "条款"},
    "col.control": {"en": "Control", "zh": "控制项"},
    "col.kind": {"en": "Assessed", "zh": "核查方式"},
    "col.requirement": {"en": "Requirement", "zh": "要求"},
    "col.evidence_required": {"en": "Evidence to attach", "zh": "需提供的证据"},
    "col.remediation": {"en": "Remediation", "zh": "整改建议"},
    "col.reason": {"en": "Reason", "zh": "原因"},
    "col.message": {"en": "Note", "zh": "说明"},
    "col.severity": {"en": "Severity", "zh": "风险等级"},
    "col.hosts": {"en": "Hosts", "zh": "涉及主机"},
    "col.file": {"en": "File", "zh": "文件"},
    "col.records": {"en": "Records", "zh": "记录数"},
    "col.state": {"en": "State", "zh": "状态"},
    "col.head_sha256": {"en": "Last SHA-256", "zh": "末条 SHA-256"},
    "col.head_sm3": {"en": "Last SM3", "zh": "末条 SM3"},
    "col.assessor": {"en": "Assessor's finding", "zh": "测评结论"},
    "yes": {"en": "yes", "zh": "是"},
    "no": {"en": "no", "zh": "否"},
    "none.unreachable": {"en": "Every host was audited.", "zh": "所有主机均已完成核查。"},
    "none.failed": {"en": "No check failed.", "zh": "没有未通过的检查项。"},
    "none.errors": {"en": "Every check could be judged.", "zh": "所有检查项均可判定。"},
    "none.manual": {"en": "No manual item at this level.", "zh": "本等级没有人工核查项。"},
    "none.checks": {
        "en": "No automated check: judged by the assessor.",
        "zh": "无自动检查项:由测评人员判定。",
    },
    "none.evidence": {"en": "no evidence recorded", "zh": "未记录证据"},
    "partial.reason": {"en": "Partial evidence only", "zh": "仅为部分证据"},
    "unknown_to_catalog": {
        "en": "not in the loaded catalog",
        "zh": "当前控制项目录中不存在",
    },
    "manual.intro": {
        "en": "No machine can judge these items. Attach the evidence listed and record "
        "the finding for each host.",
        "zh": "以下各项无法由工具自动判定,请附上所列证据,并逐台主机记录测评结论。",
    },
    "manual.undecided": {
        "en": "The automated checks could not judge it on these hosts: see the checks that "
        "could not be judged, and attach what shows the requirement is met.",
        "zh": "自动检查无法在这些主机上判定:请参见“无法判定的检查项”,并提供能证明满足要求的材料。",
    },
    "failed.intro": {
        "en": "Each check that failed on at least one host, with the values seen and how to "
        "fix it.",
        "zh": "至少在一台主机上未通过的检查项,列出实际值及整改方法。",
    },
    "bundle.intact": {"en": "intact", "zh": "完整"},
    "bundle.altered": {
        "en": "altered at record {seq} (line {line}): {reason}",
        "zh": "第 {seq} 条记录(第 {line} 行)被改动:{reason}",
    },
    "bundle.reason.utf8": {"en": "not UTF-8 text", "zh": "不是 UTF-8 文本"},
    "bundle.reason.json": {"en": "not JSON: {problem}", "zh": "不是有效的 JSON:{problem}"},
    "bundle.reason.shape": {
        "en": "expected an object with exactly record, seq, sha256 and sm3",
        "zh": "应为仅含 record、seq、sha256、sm3 四个字段的对象",
    },
    "bundle.reason.seq": {
        "en": "seq {found} where {expected} was expected: a record is missing, added or moved",
        "zh": "序号为 {found},应为 {expected}:有记录被删除、插入或调换",
    },
    "bundle.reason.record": {"en": "record is not an object", "zh": "record 不是对象"},
    "bundle.reason.hash": {
        "en": "{algorithm} does not match: the record, its seq or its hash was altered",
        "zh": "{algorithm} 校验不符:该记录、其序号或哈希值被改动",
    },
    "bundle.reason.canonical": {
        "en": "not in canonical form: bytes were changed outside the hashed values",
        "zh": "不是规范格式:哈希值之外的字节被改动",
    },
    "bundle.reason.truncated": {
        "en": "the last line has no newline: the file was truncated",
        "zh": "最后一行缺少换行符:文件被截断",
    },
    "bundle.intro": {
        "en": "Raw evidence collected by the audit, chained with SHA-256 and SM3. Keep the last "
        "hashes below with this report: they pin every record before them.",
        "zh": "核查采集的原始证据,以 SHA-256 与 SM3 双哈希链串联。请将下列末条哈希值与本报告"
        "一并留存:它们锁定了此前的每一条记录。",
    },
    "footer": {
        "en": "Generated by govsec {version}. Verdicts are the tool's; the assessor's finding "
        "prevails.",
        "zh": "由 govsec {version} 生成。结论为工具自动判定,以测评人员结论为准。",
    },
    # the CLI
    "cli.help": {
        "en": "The auditor's report (HTML, PDF, JSON, JUnit) and the evidence bundle.",
        "zh": "测评报告(HTML、PDF、JSON、JUnit)与证据包校验。",
    },
    "cli.build.help": {
        "en": "Build the report from an audit's results.json (or the folder holding it).",
        "zh": "根据核查结果 results.json(或其所在目录)生成报告。",
    },
    "cli.verify.help": {
        "en": "Check that an evidence bundle is intact: exit 1 at the first altered record.",
        "zh": "校验证据包是否完整:发现被改动的记录时以退出码 1 退出。",
    },
    "cli.written": {"en": "written", "zh": "已生成"},
    "cli.catalog_mismatch": {
        "en": "warning: {results} was made with catalog {used}, this govsec has {loaded}; "
        "titles and remediation may differ from the audit's",
        "zh": "警告:{results} 使用的控制项目录版本为 {used},当前为 {loaded};"
        "标题与整改建议可能与核查时不同",
    },
    "cli.bundle_altered": {
        "en": "warning: the evidence bundle {path} is altered: {problem}",
        "zh": "警告:证据包 {path} 已被改动:{problem}",
    },
    "cli.verify.intact": {
        "en": "{path}: intact, {records} records",
        "zh": "{path}:完整,共 {records} 条记录",
    },
    "cli.verify.altered": {
        "en": "{path}: altered at record {seq} (line {line}): {reason}",
        "zh": "{path}:第 {seq} 条记录(第 {line} 行)被改动:{reason}",
    },
    # errors
    "error.no_results": {
        "en": "{path}: no such file or folder",
        "zh": "{path}:文件或目录不存在",
    },
    "error.no_results_in_folder": {
        "en": "{path}: no results.json in this folder",
        "zh": "{path}:该目录中没有 results.json",
    },
    "error.results_hint": {
        "en": "expected the results.json written by govsec audit, or the audit's output folder",
        "zh": "应为 govsec audit 生成的 results.json,或核查输出目录",
    },
    "error.unreadable": {"en": "{path}: cannot read: {problem}", "zh": "{path}:无法读取:{problem}"},
    "error.bad_results": {
        "en": "{path}: not govsec audit results: {problem}",
        "zh": "{path}:不是 govsec audit 的核查结果:{problem}",
    },
    "error.results_version": {
        "en": "{path}: results version {found}, this govsec reads version {expected}",
        "zh": "{path}:结果格式版本为 {found},当前 govsec 只能读取版本 {expected}",
    },
    "error.results_version.hint": {
        "en": "build the report with the govsec that ran the audit",
        "zh": "请使用执行该次核查的 govsec 版本生成报告",
    },
    "error.catalog": {
        "en": "cannot load the control catalog from {path}: {problem}",
        "zh": "无法从 {path} 加载控制项目录:{problem}",
    },
    "error.pdf": {
        "en": "cannot make the PDF: {problem}",
        "zh": "无法生成 PDF:{problem}",
    },
    "error.pdf.hint": {
        "en": "WeasyPrint needs Pango and a CJK font: run scripts/setup-debian.sh",
        "zh": "WeasyPrint 需要 Pango 与中文字体:请运行 scripts/setup-debian.sh",
    },
    "error.write": {"en": "{path}: cannot write: {problem}", "zh": "{path}:无法写入:{problem}"},
    "error.no_bundle": {"en": "{path}: no such evidence bundle", "zh": "{path}:证据包不存在"},
    "error.bundle_busy": {
        "en": "{path}: another writer holds this evidence bundle",
        "zh": "{path}:该证据包正被另一个进程写入",
    },
    "error.bundle_broken": {
        "en": "{path}: will not append to an altered bundle: record {seq} (line {line}): {reason}",
        "zh": "{path}:证据包已被改动,拒绝追加:第 {seq} 条记录(第 {line} 行):{reason}",
    },
    "error.bundle_record": {
        "en": "evidence record {seq}: {problem}",
        "zh": "第 {seq} 条证据记录:{problem}",
    },
}


def label(key: str, lang: Lang | None = None, /, **fields: object) -> str:
    """The text ``key`` in ``lang`` (default: the current language), ``{fields}`` filled in."""
    texts = LABELS[key]
    text = texts.get(lang or current_lang(), texts["en"])
    return text.format(**fields) if fields else text


def labels_for(lang: Lang) -> dict[str, str]:
    """Every label in ``lang``, unformatted: what the templates look words up in."""
    return {key: texts.get(lang, texts["en"]) for key, texts in LABELS.items()}
