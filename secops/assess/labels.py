"""The assessment's words in Chinese and English, in the report's catalog (``as.`` keys).

They join :data:`secops.report.labels.LABELS` (one catalog for everything a report says), so
the templates and :func:`alabel` find them the same way. Chinese uses full-width punctuation.
"""

from __future__ import annotations

from typing import Any

from secops.i18n import Lang
from secops.report.labels import LABELS, label

TEXTS: dict[str, dict[Lang, str]] = {
    # errors (CLI and library)
    "error.read": {"en": "{path}: cannot read: {problem}", "zh": "{path}：无法读取：{problem}"},
    "error.yaml": {
        "en": "{path}: not valid YAML: {problem}",
        "zh": "{path}：不是有效的 YAML：{problem}",
    },
    "error.system": {
        "en": "{path}: {field}: {problem}",
        "zh": "{path}：字段 {field}：{problem}",
    },
    "error.system_shape": {
        "en": "{path}: expected a mapping with name, record_number, unit, grade, scope, "
        "inventory and evidence",
        "zh": "{path}：应为包含 name、record_number、unit、grade、scope、inventory "
        "和 evidence 的映射",
    },
    "error.q_list": {
        "en": "{path}: expected a list of answers (item, answer, ...)",
        "zh": "{path}：应为答复列表（item、answer 等）",
    },
    "error.q_entry": {
        "en": "{path}: answer {number}: {field}: {problem}",
        "zh": "{path}：第 {number} 条答复：字段 {field}：{problem}",
    },
    "error.q_item": {
        "en": "{path}: answer {number}: item {item} is not in the catalog",
        "zh": "{path}：第 {number} 条答复：测评项 {item} 不在控制目录中",
    },
    "error.q_twice": {
        "en": "{path}: answer {number}: item {item} is answered twice for {obj}",
        "zh": "{path}：第 {number} 条答复：测评项 {item} 对 {obj} 重复答复",
    },
    "error.q_attachment": {
        "en": "{path}: answer {number}: attachment {attachment}: {problem}",
        "zh": "{path}：第 {number} 条答复：附件 {attachment}：{problem}",
    },
    "error.no_audits": {
        "en": "no audit results (results.json) under {path}: run govsec audit first",
        "zh": "{path} 下没有核查结果（results.json）：请先运行 govsec audit",
    },
    "error.audit_unverified": {
        "en": "the audit in {path} does not match its signed evidence ({problem}); "
        "re-run the audit, or pass --allow-unverified to use it marked as unverified",
        "zh": "{path} 中的核查结果与其签名证据不符（{problem}）；请重新核查，"
        "或加 --allow-unverified 以“未经验证”标注使用",
    },
    "error.object_twice": {
        "en": "assessment objects named twice: {names}",
        "zh": "测评对象重名：{names}",
    },
    "error.previous": {
        "en": "{path}: not an assessment.json of govsec assess: {problem}",
        "zh": "{path}：不是 govsec assess 生成的 assessment.json：{problem}",
    },
    # the questionnaire still to fill (govsec assess --open-questions)
    "q.blank_header": {
        "en": "Items still open in this assessment: answer each, attach the evidence, and add "
        "the entries to the system's questionnaire.",
        "zh": "本次核查中尚待核查的要求项：逐项答复并附上证据后，将这些条目加入系统的调查表。",
    },
    "q.asked": {"en": "to attach: {asked}", "zh": "应提供：{asked}"},
    # operations evidence
    "ops.monitoring": {
        "en": "{alerts} Prometheus alert rules loaded; objects watched for being down: {watched}; "
        "{routes} Alertmanager routes to receivers",
        "zh": "已加载 {alerts} 条 Prometheus 告警规则；监测离线的对象：{watched}；"
        "Alertmanager 向接收方的路由 {routes} 条",
    },
    "ops.retention": {
        "en": "the SIEM keeps logs {days} days (at least {required} required)",
        "zh": "SIEM 日志保存 {days} 天（要求不少于 {required} 天）",
    },
    "ops.detection": {
        "en": "{rules} Sigma detection rules; alert severities routed to receivers: {routes}",
        "zh": "Sigma 检测规则 {rules} 条；已路由到接收方的告警级别：{routes}",
    },
    # why a cell has its verdict
    "reason.no_object": {
        "en": "no object of the kinds {kinds} in the system's scope",
        "zh": "系统范围内没有此类测评对象（{kinds}）",
    },
    "reason.no_way": {
        "en": "nothing here can evidence this item on an object of kind {kind}",
        "zh": "本工具无法对该类对象（{kind}）提供此项证据",
    },
    "reason.not_audited": {
        "en": "no audit of this host: run govsec audit on it",
        "zh": "该主机尚无核查结果：请对其运行 govsec audit",
    },
    "reason.unreachable": {
        "en": "the newest audit could not reach the host: {problem}",
        "zh": "最近一次核查无法连接该主机：{problem}",
    },
    "reason.not_judged": {
        "en": "the audit (level {level}) did not judge this item",
        "zh": "核查（第{level}级）未判定此项",
    },
    "reason.checks_pass": {
        "en": "all {n} checks passed",
        "zh": "{n} 项检查全部通过",
    },
    "reason.checks_na": {
        "en": "the audit found the item not applicable on this host (the service is absent)",
        "zh": "核查判定此项在该主机上不适用（相关服务未安装）",
    },
    "reason.checks_fail": {
        "en": "failed: {checks} (of {n} checks)",
        "zh": "未通过：{checks}（共 {n} 项检查）",
    },
    "reason.checks_partial": {
        "en": "the checks passed but are only partial evidence: {checks}",
        "zh": "检查通过，但仅为部分证据：{checks}",
    },
    "reason.manual_checks_fail": {
        "en": "the audit found these checks failing on this host, whatever the questionnaire "
        "says: {checks}",
        "zh": "核查发现该主机上以下检查未通过（调查表的答复不能改变这一点）：{checks}",
    },
    "reason.cloud_violated": {
        "en": "cloud policies violated: {policies}",
        "zh": "云上策略未满足：{policies}",
    },
    "reason.cloud_alternative": {
        "en": "the cloud cannot show it; alternative evidence: {inner}",
        "zh": "云平台无法提供该能力；替代证据：{inner}",
    },
    "reason.cloud_unavailable": {
        "en": "{provider} does not offer what {policies} check; the requirement still applies: "
        "attach alternative evidence ({asked})",
        "zh": "{provider} 不提供 {policies} 所检查的服务；该要求仍然适用，"
        "请提供替代证据（{asked}）",
    },
    "reason.cloud_passed": {
        "en": "cloud policies passed: {policies}",
        "zh": "云上策略均满足：{policies}",
    },
    "reason.no_operations": {
        "en": "no operations evidence for this item",
        "zh": "此项无运营证据",
    },
    "reason.unanswered": {
        "en": "not answered in the questionnaire; to attach: {asked}",
        "zh": "调查表未答复；应提供：{asked}",
    },
    "reason.answered_na": {
        "en": "not applicable: {why}",
        "zh": "不适用：{why}",
    },
    "reason.no_attachment": {
        "en": "answered compliant without any attachment: {note}",
        "zh": "答复为符合但未附任何证据：{note}",
    },
    "reason.answered_compliant": {"en": "answered: {note}", "zh": "答复：{note}"},
    "reason.answered_partial": {"en": "answered: {note}", "zh": "答复：{note}"},
    "reason.answered_noncompliant": {"en": "answered: {note}", "zh": "答复：{note}"},
    # remediation
    "fix.requirement": {
        "en": "Meet the requirement: {requirement}",
        "zh": "落实要求：{requirement}",
    },
    "fix.cloud": {
        "en": "Correct the landing zone (infra/ topology) and re-run the cloud check: "
        "{requirement}",
        "zh": "修正云上着陆区（infra/ 拓扑）后重新进行云上策略核查：{requirement}",
    },
    "fix.alternative": {
        "en": "The cloud does not offer the service: meet the requirement by other means "
        "(a boundary device, a log platform, a key manager) and answer it in the questionnaire "
        "with the evidence: {asked}",
        "zh": "云平台不提供该服务：以其他手段（边界设备、日志平台、密钥管理系统等）落实该要求，"
        "并在调查表中答复、附上证据：{asked}",
    },
    "fix.questionnaire": {
        "en": "Put in place and document: {requirement} Evidence to provide: {asked}",
        "zh": "落实并形成记录：{requirement}应提供的证据：{asked}",
    },
    # the report
    "r.title": {"en": "MLPS 2.0 system compliance assessment", "zh": "等保2.0系统合规核查报告"},
    "r.subtitle": {
        "en": "GB/T 22239-2019, level {level}: every requirement item, every assessment object",
        "zh": "GB/T 22239-2019 第{level}级 · 全部要求项逐对象核查",
    },
    "r.record_number": {"en": "Filing number", "zh": "备案号"},
    "r.unit": {"en": "Assessed unit", "zh": "被测单位"},
    "r.grade": {"en": "Protection grade", "zh": "定级"},
    "r.grade_value": {"en": "{code} (level {level})", "zh": "{code}（第{level}级）"},
    "r.scope": {"en": "Scope", "zh": "核查范围"},
    "r.objects": {"en": "Assessment objects", "zh": "测评对象"},
    "r.objects_value": {
        "en": "{n} objects, of which {hosts} servers",
        "zh": "共 {n} 个，其中服务器 {hosts} 台",
    },
    "r.period": {"en": "Assessed", "zh": "核查时间"},
    "r.conclusion": {"en": "Conclusion", "zh": "结论"},
    "r.score_value": {"en": "score {score}", "zh": "得分 {score}"},
    "r.signer": {"en": "Signed by", "zh": "签名人"},
    "r.key": {"en": "Signing key fingerprint (SM2)", "zh": "签名公钥指纹（SM2）"},
    "r.tool": {"en": "Tool", "zh": "工具"},
    "r.notice": {
        "en": "A self-assessment by the operator's own tooling, for preparing and tracking an "
        "assessment; it does not replace the level-protection assessment report issued by an "
        "accredited assessment body.",
        "zh": "本报告为运营单位自行开展的合规核查，用于测评准备与整改跟踪，"
        "不替代测评机构出具的等级测评报告。",
    },
    "r.executive": {"en": "Executive summary", "zh": "核查结论摘要"},
    "r.colon": {"en": ": ", "zh": "："},
    "r.worst_risk": {"en": "worst risk", "zh": "最高风险"},
    "r.bands": {
        "en": "Bands: Excellent at 90 or more with no medium or high risk; Good at 80 or more "
        "and Fair at 70 or more with no high risk; Poor under 70 or with any high risk.",
        "zh": "结论等级：得分不低于 90 且无中、高风险为优；不低于 80 且无高风险为良；"
        "不低于 70 且无高风险为中；低于 70 或存在高风险为差。",
    },
    "r.open_warning": {
        "en": "{n} items are open (evidence missing): they score 0 until answered or audited.",
        "zh": "{n} 个要求项待核查（缺少证据）：在答复或核查之前按 0 分计。",
    },
    "r.unverified_warning": {
        "en": "{n} audits did not verify against their signed evidence: verdicts taken from "
        "them are marked and must not be relied on.",
        "zh": "{n} 份核查结果未通过签名证据验证：据此得出的结论已标注，不得作为依据。",
    },
    "r.high_risks": {"en": "High-risk determination", "zh": "高风险判定"},
    "r.col.rule": {"en": "Rule", "zh": "编号"},
    "r.col.situation": {"en": "Situation", "zh": "高风险情形"},
    "r.col.clause": {"en": "Clause", "zh": "条款"},
    "r.col.state": {"en": "State", "zh": "状态"},
    "r.col.objects": {"en": "Objects", "zh": "涉及对象"},
    "r.col.compensation": {"en": "Compensating measure", "zh": "缓解措施"},
    "r.per_area": {"en": "Items per area", "zh": "各安全层面要求项统计"},
    "r.col.area": {"en": "Area", "zh": "安全层面"},
    "r.changes": {"en": "Changes since the previous assessment", "zh": "与上次核查相比的变化"},
    "r.col.item": {"en": "Requirement item", "zh": "要求项"},
    "r.col.before": {"en": "Before", "zh": "上次"},
    "r.col.after": {"en": "Now", "zh": "本次"},
    "r.findings": {"en": "Findings", "zh": "问题清单"},
    "r.no_findings": {
        "en": "No item is non-compliant or partially compliant.",
        "zh": "没有不符合或部分符合的要求项。",
    },
    "r.col.number": {"en": "No.", "zh": "序号"},
    "r.col.verdict": {"en": "Verdict", "zh": "结论"},
    "r.col.risk": {"en": "Risk", "zh": "风险"},
    "r.executive_only": {
        "en": "Per-object reasons, evidence records and remediation are in the full HTML report.",
        "zh": "逐对象的原因、证据记录与整改建议见完整的 HTML 报告。",
    },
    "r.col.object": {"en": "Object", "zh": "测评对象"},
    "r.col.reason": {"en": "Reason", "zh": "原因"},
    "r.col.evidence": {"en": "Evidence record", "zh": "证据记录"},
    "r.unverified": {"en": "(unverified)", "zh": "（未经验证）"},
    "r.verified": {"en": "verified", "zh": "已验证"},
    "r.remediation": {"en": "Remediation", "zh": "整改建议"},
    "r.priority_of": {"en": "(priority: {priority})", "zh": "（优先级：{priority}）"},
    "r.open": {"en": "Open items", "zh": "待核查项"},
    "r.no_open": {"en": "No item is open.", "zh": "没有待核查的要求项。"},
    "r.col.asked": {"en": "Evidence asked for", "zh": "需提供的证据"},
    "r.matrix": {"en": "Items × objects", "zh": "要求项 × 测评对象矩阵"},
    "r.matrix_note": {
        "en": "Green compliant, amber partial, red non-compliant, grey not applicable, "
        "blue open; blank: the item does not apply to that kind of object.",
        "zh": "绿色符合，黄色部分符合，红色不符合，灰色不适用，蓝色待核查；"
        "空白表示该要求项不适用于此类对象。",
    },
    "r.appendix": {"en": "Appendices", "zh": "附录"},
    "r.families": {"en": "Scores per control point", "zh": "各安全控制点得分"},
    "r.col.family": {"en": "Control point", "zh": "安全控制点"},
    "r.col.score": {"en": "Score (of 10)", "zh": "得分（满分 10）"},
    "r.sources": {"en": "Evidence relied on", "zh": "所依据的证据"},
    "r.col.source": {"en": "Source", "zh": "来源"},
    "r.col.detail": {"en": "Detail", "zh": "说明"},
    "r.audit_detail": {
        "en": "{hosts} hosts; signed by {signer}; chain head SM3 {sm3}",
        "zh": "{hosts} 台主机；签名人 {signer}；证据链头 SM3 {sm3}",
    },
    "r.cloud_detail": {
        "en": "{resources} resources planned under Pulumi's mocks; SM3 {sm3}",
        "zh": "在 Pulumi 模拟环境中规划 {resources} 个资源；SM3 {sm3}",
    },
    "r.answers": {"en": "{n} answers", "zh": "{n} 条答复"},
    "r.cloud": {"en": "Cloud policies", "zh": "云上策略"},
    "r.policy.passed": {"en": "passed", "zh": "满足"},
    "r.policy.violated": {"en": "violated", "zh": "未满足"},
    "r.policy.unavailable": {"en": "service not offered", "zh": "云平台未提供该服务"},
    "r.interviewees": {"en": "Interviewees", "zh": "访谈对象"},
    "r.method": {"en": "How verdicts and the score are reached", "zh": "结论与得分的判定方法"},
    "r.method_text": {
        "en": "Each item is judged on each object it applies to: servers by their newest signed "
        "audit, the landing zone by the cloud policies, the security operations platform by its "
        "own configuration, everything else by the questionnaire with attachments. An item "
        "scores 1, 0.5 or 0 per object (not applicable left out, open counted as 0), averaged "
        "over objects; a control point scores the weighted mean times 10; the overall score is "
        "the mean of the control points times 10.",
        "zh": "每个要求项在其适用的每个测评对象上判定：服务器依据其最近一次签名核查结果，"
        "云上着陆区依据云上策略，安全运营平台依据其自身配置，其余依据调查表及附件。"
        "要求项在每个对象上按符合 1、部分符合 0.5、不符合 0 计分（不适用不计入，待核查按 0 计），"
        "多对象取平均；安全控制点得分为加权平均乘以 10；总分为各控制点得分的平均值乘以 10。",
    },
    # verdicts of the system assessment: the host report's four (below), and open
    "verdict.open": {"en": "Open", "zh": "待核查"},
    "risk.high": {"en": "High risk", "zh": "高风险"},
    "risk.medium": {"en": "Medium risk", "zh": "中风险"},
    "risk.low": {"en": "Low risk", "zh": "低风险"},
    "risk.": {"en": "-", "zh": "-"},
    "band.excellent": {"en": "Excellent", "zh": "优"},
    "band.good": {"en": "Good", "zh": "良"},
    "band.fair": {"en": "Fair", "zh": "中"},
    "band.poor": {"en": "Poor", "zh": "差"},
    "way.checks": {"en": "host audit", "zh": "主机核查"},
    "way.cloud": {"en": "cloud check", "zh": "云上策略核查"},
    "way.operations": {"en": "operations data", "zh": "运营数据"},
    "way.questionnaire": {"en": "questionnaire", "zh": "调查表"},
    "way.none": {"en": "none", "zh": "无"},
    # target kinds
    "kind.host": {"en": "Server", "zh": "服务器"},
    "kind.network_device": {"en": "Network device", "zh": "网络设备"},
    "kind.security_device": {"en": "Security device", "zh": "安全设备"},
    "kind.cloud_platform": {"en": "Cloud platform", "zh": "云平台"},
    "kind.cloud_tenant": {"en": "Cloud tenant", "zh": "云租户"},
    "kind.application": {"en": "Application", "zh": "业务应用"},
    "kind.database": {"en": "Database", "zh": "数据库"},
    "kind.management": {"en": "Management", "zh": "安全管理"},
    "kind.physical": {"en": "Physical site", "zh": "物理环境"},
    # 高风险 rules
    "hr.HR-CE-IA-1": {
        "en": "Empty, weak or dictionary passwords accepted on servers",
        "zh": "服务器存在空口令或可使用弱口令、字典口令",
    },
    "hr.HR-CE-IA-2": {
        "en": "Remote administration in clear text (telnet, rsh) or an insecure protocol",
        "zh": "远程管理使用明文协议（telnet、rsh）或不安全协议",
    },
    "hr.HR-CE-IA-3": {
        "en": "Remote administration of important servers with one authentication factor",
        "zh": "重要服务器的远程管理未采用两种或两种以上鉴别技术",
    },
    "hr.HR-CE-AU-1": {
        "en": "Security audit not enabled on important servers",
        "zh": "重要服务器未开启安全审计功能",
    },
    "hr.HR-CE-IP-1": {
        "en": "Unneeded high-risk ports open on servers",
        "zh": "服务器开放了不必要的高危端口",
    },
    "hr.HR-CE-IP-2": {
        "en": "Known high-risk vulnerabilities not patched (security updates pending)",
        "zh": "存在未修补的已知高危漏洞（安全更新未安装）",
    },
    "hr.HR-CE-MW-1": {
        "en": "No malicious code protection on servers",
        "zh": "服务器未采取恶意代码防范措施",
    },
    "hr.HR-AB-AC-1": {
        "en": "Boundary access control of important network areas missing or too wide",
        "zh": "重要网络区域边界访问控制缺失或策略过宽",
    },
    "hr.HR-CX-NA-1": {
        "en": "Cloud networks of different tenants or zones not isolated",
        "zh": "云上不同租户或区域之间未实现网络隔离",
    },
    "hr.HR-MC-CM-1": {
        "en": "Network and server logs kept for less than six months",
        "zh": "网络设备、服务器等日志保存不满足六个月",
    },
    "hr.HR-CE-BR-1": {
        "en": "No local backup of important data",
        "zh": "重要数据未进行本地备份",
    },
    "hr.comp.mfa": {
        "en": "a second authentication factor is enforced on those hosts",
        "zh": "相关主机已强制第二种鉴别因素",
    },
    "hr.comp.bastion": {
        "en": "administration only through the bastion in the management zone, whose two factors "
        "are evidenced",
        "zh": "仅能通过安全管理区的堡垒机进行管理，且堡垒机双因素鉴别已有证据",
    },
    "hr.comp.boundary": {
        "en": "the boundary admits only declared flows and nothing from the internet",
        "zh": "区域边界仅放行已声明的访问关系，且不接受来自互联网的访问",
    },
    "hr.comp.internal": {
        "en": "the hosts cannot be reached from the internet",
        "zh": "相关主机无法从互联网访问",
    },
    "hr.comp.integrity": {
        "en": "file integrity verification with a baseline runs on those hosts",
        "zh": "相关主机已运行基于基线的文件完整性校验",
    },
    "hr.state.determined": {"en": "High risk", "zh": "判定为高风险"},
    "hr.state.compensated": {"en": "Compensated (medium)", "zh": "有缓解措施（降为中风险）"},
    "hr.state.undecided": {"en": "Undecided (evidence missing)", "zh": "无法判定（缺少证据）"},
    "hr.state.clear": {"en": "Not present", "zh": "不存在"},
}

# the verdicts an assessor states are the same words whichever report states them
TEXTS.update(
    {f"verdict.{v}": LABELS[f"verdict.{v}"] for v in ("compliant", "partial", "noncompliant", "na")}
)
LABELS.update({f"as.{key}": value for key, value in TEXTS.items()})


def alabel(key: str, lang: Lang | None = None, /, **fields: Any) -> str:
    """The assessment's text ``key`` in ``lang`` (default: the current language)."""
    return label(f"as.{key}", lang, **fields)
