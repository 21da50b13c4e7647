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
        "zh": "核查使用的目录版本为 {used}；本报告中的标题与整改建议取自 {loaded}",
    },
    "section.summary": {"en": "Summary", "zh": "概览"},
    "section.hosts": {"en": "Score per host", "zh": "各主机得分"},
    "section.unreachable": {"en": "Hosts not audited", "zh": "未能核查的主机"},
    "section.matrix": {"en": "Verdicts by control and host", "zh": "控制项核查结论总表"},
    "section.controls": {"en": "Controls and evidence", "zh": "控制项与证据"},
    "section.failed": {"en": "Failed checks and remediation", "zh": "未通过的检查项与整改建议"},
    "section.passed": {"en": "Evidence of passing checks", "zh": "已通过检查项的证据"},
    "section.errors": {"en": "Checks that could not be judged", "zh": "无法判定的检查项"},
    "section.manual": {"en": "For the assessor: manual items", "zh": "测评人员人工核查项"},
    "section.bundle": {"en": "Evidence bundle", "zh": "证据包"},
    "figure.fleet_score": {"en": "Fleet score", "zh": "整体得分"},
    "figure.hosts": {"en": "Hosts audited", "zh": "已核查主机"},
    "figure.noncompliant": {"en": "Non-compliant items", "zh": "不符合项"},
    "figure.manual": {"en": "Items for the assessor", "zh": "待测评人员核查项"},
    "figure.of": {"en": "of {total}", "zh": "共 {total} 台"},
    "figure.host_controls": {"en": "host × control", "zh": "主机 × 控制项"},
    "figure.controls": {"en": "controls", "zh": "个控制项"},
    "chart.verdicts": {"en": "Verdicts, all hosts", "zh": "核查结论分布（全部主机）"},
    "chart.statuses": {"en": "Check results, all hosts", "zh": "检查结果分布（全部主机）"},
    "chart.scores": {"en": "Score per host (0–100)", "zh": "各主机得分（0–100）"},  # noqa: RUF001
    "chart.host_verdicts": {"en": "Verdicts per host", "zh": "各主机核查结论"},
    "chart.all": {"en": "All hosts", "zh": "全部主机"},
    "chart.unreachable": {"en": "not audited", "zh": "未核查"},
    "chart.no_score": {"en": "no score", "zh": "无得分"},
    "chart.bands": {
        "en": "Bars: green ≥ 90, amber 70–89, red < 70 — the share of passing checks, for "  # noqa: RUF001 - a range
        "tracking hardening; not an MLPS assessment score or conclusion (govsec assess).",
        "zh": "颜色：绿色 ≥ 90，黄色 70–89，红色 < 70。得分为检查项通过比例，用于跟踪加固进度，"  # noqa: RUF001
        "并非等级测评得分或结论；系统的结论见系统合规核查报告。",
    },
    "col.host": {"en": "Host", "zh": "主机"},
    "col.address": {"en": "Address", "zh": "地址"},
    "col.os": {"en": "System", "zh": "操作系统"},
    "col.as_root": {"en": "As root", "zh": "root 权限"},
    "col.score": {"en": "Score", "zh": "得分"},
    "col.seconds": {"en": "Time (s)", "zh": "用时（秒）"},
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
    "col.result_hosts": {"en": "Result on the hosts", "zh": "各主机检查结果"},
    "hosts.all": {"en": "All {count} hosts", "zh": "全部 {count} 台主机"},
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
        "zh": "无自动检查项：由测评人员判定。",
    },
    "none.passed": {"en": "No check passed.", "zh": "没有通过的检查项。"},
    "none.evidence": {"en": "no evidence recorded", "zh": "未记录证据"},
    "partial.reason": {"en": "Partial evidence only", "zh": "仅为部分证据"},
    "unknown_to_catalog": {
        "en": "not in the loaded catalog",
        "zh": "当前控制项目录中不存在",
    },
    "manual.intro": {
        "en": "No machine can judge these items. Attach the evidence listed and record "
        "the finding for each host.",
        "zh": "以下各项无法由工具自动判定，请附上所列证据，并逐台主机记录测评结论。",
    },
    "manual.undecided": {
        "en": "The automated checks could not judge it on these hosts: see the checks that "
        "could not be judged, and attach what shows the requirement is met.",
        "zh": "自动检查无法在这些主机上判定：请参见“无法判定的检查项”，"
        "并提供能证明满足要求的材料。",
    },
    "failed.intro": {
        "en": "Each check that failed on at least one host, with the values seen and how to "
        "fix it.",
        "zh": "至少在一台主机上未通过的检查项，列出实际值及整改方法。",
    },
    "passed.intro": {
        "en": "What each check saw where it passed or did not apply, once per check (the "
        "controls above refer to it); hosts that showed the same are listed together.",
        "zh": "各检查项在通过或不适用的主机上所见内容，每项只列一次（上文各控制项引用此处）；"
        "所见相同的主机合并列出。",
    },
    "bundle.altered": {
        "en": "altered at record {seq} (line {line}): {reason}",
        "zh": "第 {seq} 条记录（第 {line} 行）被改动：{reason}",
    },
    "bundle.reason.column": {
        "en": "{problem} (column {column})",
        "zh": "{problem}（第 {column} 列）",
    },
    "bundle.reason.deep": {"en": "nested too deep", "zh": "嵌套层数过深"},
    "bundle.reason.not_object": {"en": "not an object", "zh": "不是对象"},
    "bundle.reason.utf8": {"en": "not UTF-8 text", "zh": "不是 UTF-8 文本"},
    "bundle.reason.json": {"en": "not JSON: {problem}", "zh": "不是有效的 JSON：{problem}"},
    "bundle.reason.shape": {
        "en": "expected an object with exactly record, seq, sha256 and sm3",
        "zh": "应为仅含 record、seq、sha256、sm3 四个字段的对象",
    },
    "bundle.reason.seq": {
        "en": "seq {found} where {expected} was expected: a record is missing, added or moved",
        "zh": "序号为 {found}，应为 {expected}：有记录被删除、插入或调换",
    },
    "bundle.reason.record": {"en": "record is not an object", "zh": "record 不是对象"},
    "bundle.reason.hash": {
        "en": "{algorithm} does not match: the record, its seq or its hash was altered",
        "zh": "{algorithm} 校验不符：该记录、其序号或哈希值被改动",
    },
    "bundle.reason.canonical": {
        "en": "not in canonical form: bytes were changed outside the hashed values",
        "zh": "不是规范格式：哈希值之外的字节被改动",
    },
    "bundle.reason.truncated": {
        "en": "the last line has no newline: the file was truncated",
        "zh": "最后一行缺少换行符：文件被截断",
    },
    "list.sep": {"en": "; ", "zh": "；"},
    "evidence.empty": {
        "en": "the bundle holds no record",
        "zh": "证据包中没有任何记录",
    },
    "evidence.unsigned": {
        "en": "no signature ({path}): whoever holds the bundle could have rewritten it and "
        "recomputed its hashes",
        "zh": "缺少签名文件（{path}）：持有证据包的任何人都可能改写记录并重算哈希",
    },
    "evidence.sig_malformed": {
        "en": "{path} is not a govsec evidence signature: {problem}",
        "zh": "{path} 不是 govsec 证据签名文件：{problem}",
    },
    "evidence.field": {
        "en": "field {field}: expected {expected}",
        "zh": "字段 {field}：应为 {expected}",
    },
    "evidence.sig_invalid": {
        "en": "the SM2 signature does not verify: the bundle's last hashes or the signed fields "
        "were changed after signing",
        "zh": "SM2 签名验证失败：签名后证据包的末条哈希或签名字段被改动",
    },
    "evidence.untrusted": {
        "en": "signed by a key this account does not trust: {fingerprint} (signer {signer}); "
        "pass its public key with --key if you know it",
        "zh": "签名密钥不在本账户的信任列表中：{fingerprint}（签名人 {signer}）；"
        "如确认该公钥可信，请用 --key 指定",
    },
    "evidence.truncated": {
        "en": "the bundle holds {records} records, the signature covers {signed}: records were "
        "cut off",
        "zh": "证据包只有 {records} 条记录，签名覆盖 {signed} 条：记录被截去",
    },
    "evidence.appended": {
        "en": "{extra} records were added after the signature",
        "zh": "签名之后又追加了 {extra} 条记录",
    },
    "evidence.rehashed": {
        "en": "the bundle's last hashes differ from the signed ones: records were edited and the "
        "chains recomputed",
        "zh": "证据包末条哈希与签名时不同：记录被改动且哈希链被重算",
    },
    "evidence.results_unreadable": {
        "en": "{path}: cannot read the results to compare them: {problem}",
        "zh": "{path}：无法读取核查结果以进行比对：{problem}",
    },
    "evidence.no_verdicts": {
        "en": "the bundle holds no verdicts of an audit: results.json is not bound to it",
        "zh": "证据包中没有核查结论记录：results.json 未与之绑定",
    },
    "evidence.results_differ": {
        "en": "{path} differs from the verdicts in the signed bundle: {detail}",
        "zh": "{path} 与签名证据包中的结论不一致：{detail}",
    },
    "evidence.diff.host": {
        "en": "host {host} is not in the bundle",
        "zh": "证据包中没有主机 {host}",
    },
    "evidence.diff.item": {
        "en": "host {host}, {item}: {now} in the file, {signed} in the bundle",
        "zh": "主机 {host} 的 {item}：文件中为“{now}”，证据包中为“{signed}”",
    },
    "evidence.diff.score": {
        "en": "host {host}, score {now} in the file, {signed} in the bundle",
        "zh": "主机 {host} 的得分：文件中为 {now}，证据包中为 {signed}",
    },
    "evidence.diff.other": {
        "en": "values outside the per-host verdicts were changed",
        "zh": "各主机结论以外的数值被改动",
    },
    "evidence.ok": {
        "en": "intact, signed by a trusted key, verdicts match",
        "zh": "完整，由可信密钥签名，结论与证据一致",
    },
    "evidence.not_verified": {
        "en": "NOT VERIFIED: {problems}",
        "zh": "未通过验证：{problems}",
    },
    "evidence.none_beside": {
        "en": "no evidence bundle beside these results: the verdicts are not bound to any "
        "evidence or signature",
        "zh": "核查结果旁没有证据包：结论未与任何证据或签名绑定",
    },
    "col.signer": {"en": "Signed by", "zh": "签名人"},
    "col.signed_at": {"en": "Signed at", "zh": "签名时间"},
    "col.key": {"en": "Public key (SM2)", "zh": "签名公钥（SM2）"},
    "col.fingerprint": {"en": "Key fingerprint", "zh": "公钥指纹"},
    "col.verdicts": {"en": "Verdicts match", "zh": "结论与证据一致"},
    "bundle.intro": {
        "en": "Raw evidence collected by the audit and then its verdicts, chained with SHA-256 and "
        "SM3; the chains' last hashes are signed with the SM2 key of the account that ran the "
        "audit. Compare the key fingerprint below with the one the assessing party published.",
        "zh": "核查采集的原始证据及其后的核查结论，以 SHA-256 与 SM3 双哈希链串联；"
        "链尾哈希由执行核查账户的 SM2 密钥签名。请将下列公钥指纹与核查方公布的指纹核对。",
    },
    "footer": {
        "en": "Generated by govsec {version}. Verdicts are the tool's; the assessor's finding "
        "prevails.",
        "zh": "由 govsec {version} 生成。结论为工具自动判定，以测评人员结论为准。",
    },
    # the gap list and the remediation plan (secops/report/gaps.py)
    "gaps.title": {"en": "Gap analysis and remediation plan", "zh": "差距分析与整改计划"},
    "gaps.subtitle": {
        "en": "MLPS level {level}, audit finished {finished}: {count} controls not met",
        "zh": "等保第{level}级，核查结束于 {finished}：{count} 个控制项未满足要求",
    },
    "gaps.sheet.gaps": {"en": "Gap analysis", "zh": "差距分析"},
    "gaps.sheet.plan": {"en": "Remediation plan", "zh": "整改计划"},
    "gaps.none": {
        "en": "Every automated control is met.",
        "zh": "所有自动核查的控制项均已满足要求。",
    },
    "gaps.col.number": {"en": "No.", "zh": "序号"},
    "gaps.col.clause": {"en": "Clause", "zh": "条款"},
    "gaps.col.family": {"en": "Control family", "zh": "安全控制点"},
    "gaps.col.item": {"en": "Requirement", "zh": "要求项"},
    "gaps.col.verdict": {"en": "Verdict", "zh": "结论"},
    "gaps.col.severity": {"en": "Risk", "zh": "风险等级"},
    "gaps.col.hosts": {"en": "Hosts", "zh": "涉及主机"},
    "gaps.col.findings": {"en": "Findings", "zh": "问题描述"},
    "gaps.col.remediation": {"en": "Remediation", "zh": "整改措施"},
    "gaps.col.priority": {"en": "Priority", "zh": "优先级"},
    "gaps.col.owner": {"en": "Owner", "zh": "责任人"},
    "gaps.col.deadline": {"en": "Deadline", "zh": "计划完成日期"},
    "gaps.col.retest": {"en": "Retest", "zh": "复测结果"},
    "gaps.seen": {
        "en": "{seen} ({source}), expected {expected}",
        "zh": "{seen}（{source}），应为 {expected}",
    },
    "gaps.finding": {"en": "{check}: {seen}", "zh": "{check}：{seen}"},
    "gaps.partial": {
        "en": "{check}: partial evidence only: {why}",
        "zh": "{check}：仅为部分证据：{why}",
    },
    "gaps.on_hosts": {"en": "[{hosts}] {finding}", "zh": "【{hosts}】{finding}"},
    "gaps.retest.met": {"en": "met", "zh": "已整改"},
    "gaps.retest.still": {
        "en": "still not met on {n} hosts: {hosts}",
        "zh": "仍有 {n} 台主机未满足：{hosts}",
    },
    "gaps.retest.missing": {
        "en": "not audited again: {hosts}",
        "zh": "未复测：{hosts}",
    },
    "gaps.retest.of": {
        "en": "Retest: the audit finished {finished}",
        "zh": "复测：核查结束于 {finished}",
    },
    "priority.high": {"en": "high", "zh": "高"},
    "priority.medium": {"en": "medium", "zh": "中"},
    "priority.low": {"en": "low", "zh": "低"},
    # the CLI
    "cli.help": {
        "en": "The auditor's report (HTML, PDF, JSON, JUnit) and the evidence bundle.",
        "zh": "合规核查报告（HTML、PDF、JSON、JUnit）与证据包校验。",
    },
    "cli.build.help": {
        "en": "Build the report from an audit's results.json (or the folder holding it).",
        "zh": "根据核查结果 results.json（或其所在目录）生成报告。",
    },
    "cli.verify.help": {
        "en": "Check an evidence bundle: its chains, its SM2 signature by a trusted key, and "
        "that the results.json beside it holds the verdicts it signed. Exit 1 on any problem.",
        "zh": "校验证据包：哈希链、可信密钥的 SM2 签名，以及同目录 results.json "
        "与签名结论是否一致。发现任何问题时以退出码 1 退出。",
    },
    "cli.opt.results": {
        "en": "results.json, or the audit folder holding it",
        "zh": "results.json，或其所在的核查输出目录",
    },
    "cli.opt.output": {
        "en": "the HTML file to write (default: report.html beside the results); <stem>.json, "
        "<stem>.junit.xml and <stem>.pdf go beside it",
        "zh": "要写入的 HTML 文件（默认：结果旁的 report.html）；"
        "<stem>.json、<stem>.junit.xml 与 <stem>.pdf 写在同一目录",
    },
    "cli.opt.lang": {
        "en": "language of the report (default: the global one)",
        "zh": "报告语言（默认：全局语言）",
    },
    "cli.opt.pdf": {"en": "also write <stem>.pdf", "zh": "同时生成 <stem>.pdf"},
    "cli.opt.catalog": {
        "en": "control catalog folder (default: the one govsec ships)",
        "zh": "控制项目录所在文件夹（默认：govsec 自带的目录）",
    },
    "cli.opt.retest": {
        "en": "a later audit (results.json or its folder): the remediation plan says per task "
        "whether its hosts now meet the control",
        "zh": "之后的一次核查（results.json 或其目录）：整改计划逐项写明涉及主机现已满足要求与否",
    },
    "cli.opt.format": {"en": "output format", "zh": "输出格式"},
    "cli.verify.bundle.help": {
        "en": "the evidence bundle (evidence.jsonl), or the audit folder holding it",
        "zh": "证据包（evidence.jsonl），或其所在的核查输出目录",
    },
    "cli.verify.problem": {"en": "{path}: {problem}", "zh": "{path}：{problem}"},
    "cli.key.help": {
        "en": "a signer's public key (PEM) to trust besides this account's own and "
        "<data dir>/keys/trusted/*.pem; may be repeated",
        "zh": "除本账户自身公钥及 <数据目录>/keys/trusted/*.pem 外，"
        "额外信任的签名公钥（PEM），可重复指定",
    },
    "cli.allow_unverified.help": {
        "en": "build even when the evidence does not verify; the report says so on every page "
        "that shows the bundle",
        "zh": "证据未通过验证时仍生成报告；报告中证据包部分会明确标注“未通过验证”",
    },
    "cli.no_bundle": {
        "en": "warning: no evidence bundle beside {path}: the report cannot show that its "
        "verdicts are the audit's",
        "zh": "警告：{path} 旁没有证据包：报告无法证明其结论出自核查本身",
    },
    "cli.written": {"en": "written", "zh": "已生成"},
    "cli.catalog_mismatch": {
        "en": "warning: {results} was made with catalog {used}, this govsec has {loaded}; "
        "titles and remediation may differ from the audit's",
        "zh": "警告：{results} 使用的控制项目录版本为 {used}，当前为 {loaded}；"
        "标题与整改建议可能与核查时不同",
    },
    "cli.bundle_altered": {
        "en": "warning: the evidence bundle {path} does not verify (report built as asked, "
        "marked NOT VERIFIED): {problem}",
        "zh": "警告：证据包 {path} 未通过验证（已按要求生成报告，并标注“未通过验证”）：{problem}",
    },
    "cli.verify.intact": {
        "en": "{path}: intact, {records} records",
        "zh": "{path}：完整，共 {records} 条记录",
    },
    "cli.verify.altered": {
        "en": "{path}: altered at record {seq} (line {line}): {reason}",
        "zh": "{path}：第 {seq} 条记录（第 {line} 行）被改动：{reason}",
    },
    # errors
    "error.no_results": {
        "en": "{path}: no such file or folder",
        "zh": "{path}：文件或目录不存在",
    },
    "error.no_results_in_folder": {
        "en": "{path}: no results.json in this folder",
        "zh": "{path}：该目录中没有 results.json",
    },
    "error.results_hint": {
        "en": "expected the results.json written by govsec audit, or the audit's output folder",
        "zh": "应为 govsec audit 生成的 results.json，或核查输出目录",
    },
    "error.unreadable": {
        "en": "{path}: cannot read: {problem}",
        "zh": "{path}：无法读取：{problem}",
    },
    "error.bad_results": {
        "en": "{path}: not govsec audit results: {problem}",
        "zh": "{path}：不是 govsec audit 的核查结果：{problem}",
    },
    "error.results_version": {
        "en": "{path}: results version {found}, this govsec reads version {expected}",
        "zh": "{path}：结果格式版本为 {found}，当前 govsec 只能读取版本 {expected}",
    },
    "error.results_version.hint": {
        "en": "build the report with the govsec that ran the audit",
        "zh": "请使用执行该次核查的 govsec 版本生成报告",
    },
    "error.catalog": {
        "en": "cannot load the control catalog from {path}: {problem}",
        "zh": "无法从 {path} 加载控制项目录：{problem}",
    },
    "error.pdf": {
        "en": "cannot make the PDF: {problem}",
        "zh": "无法生成 PDF：{problem}",
    },
    "error.pdf.hint": {
        "en": "WeasyPrint needs Pango and a CJK font: run scripts/setup-debian.sh",
        "zh": "WeasyPrint 需要 Pango 与中文字体：请运行 scripts/setup-debian.sh",
    },
    "error.write": {"en": "{path}: cannot write: {problem}", "zh": "{path}：无法写入：{problem}"},
    "error.no_bundle": {"en": "{path}: no such evidence bundle", "zh": "{path}：证据包不存在"},
    "error.bundle_busy": {
        "en": "{path}: another writer holds this evidence bundle",
        "zh": "{path}：该证据包正被另一个进程写入",
    },
    "error.bundle_broken": {
        "en": "{path}: will not append to an altered bundle: record {seq} (line {line}): {reason}",
        "zh": "{path}：证据包已被改动，拒绝追加：第 {seq} 条记录（第 {line} 行）：{reason}",
    },
    "error.sign_public_key": {
        "en": "not an SM2 public key: {problem}",
        "zh": "不是 SM2 公钥：{problem}",
    },
    "sign.not_pem": {"en": "not a PEM PUBLIC KEY", "zh": "不是 PEM 格式的公钥（PUBLIC KEY）"},
    "sign.bad_base64": {"en": "its body is not base64", "zh": "其内容不是 base64 编码"},
    "sign.bad_size": {
        "en": "{size} bytes, far from an SM2 key's 91",
        "zh": "长度 {size} 字节，与 SM2 公钥的 91 字节相差甚远",
    },
    "evidence.type.object": {"en": "an object", "zh": "对象"},
    "evidence.type.int": {"en": "an integer", "zh": "整数"},
    "evidence.type.str": {"en": "a string", "zh": "字符串"},
    "evidence.type.top": {"en": "(the whole file)", "zh": "（整个文件）"},
    "error.sign_key_open": {
        "en": "{path}: the signing key is readable by others or not this user's (mode {mode}): "
        "refusing to sign with a key that may be known",
        "zh": "{path}：签名私钥可被他人读取或不属于当前用户（权限 {mode}），"
        "拒绝使用可能已泄露的密钥签名",
    },
    "error.sign_key_open.hint": {
        "en": "chmod 600 {path} if nobody else could have read it; otherwise remove it and audit "
        "again to make a new one (and tell your verifiers its fingerprint)",
        "zh": "如确认无他人读取过，请执行 chmod 600 {path}；否则删除该文件并重新核查以生成新密钥"
        "（并告知验证方新的公钥指纹）",
    },
    "error.sign_key_file": {
        "en": "{path}: cannot use this public key: {problem}",
        "zh": "{path}：无法使用该公钥：{problem}",
    },
    "error.sign_openssl": {
        "en": "OpenSSL could not {step}: {problem}",
        "zh": "OpenSSL 执行 {step} 失败：{problem}",
    },
    "error.sign_no_openssl": {
        "en": "the openssl command is not installed: evidence cannot be signed or verified",
        "zh": "未安装 openssl 命令：无法签名或验证证据",
    },
    "error.sign_no_openssl.hint": {
        "en": "install the Debian package openssl (make setup does it)",
        "zh": "请安装 Debian 软件包 openssl（make setup 会自动安装）",
    },
    "error.unverified": {
        "en": "{path}: the evidence does not verify, no report built: {problems}",
        "zh": "{path}：证据未通过验证，未生成报告：{problems}",
    },
    "error.unverified.hint": {
        "en": "govsec report verify shows why; --allow-unverified builds a report marked as "
        "not verified",
        "zh": "可用 govsec report verify 查看原因；--allow-unverified 可生成标明“未通过验证”的报告",
    },
    "error.bundle_record": {
        "en": "evidence record {seq}: {problem}",
        "zh": "第 {seq} 条证据记录：{problem}",
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
