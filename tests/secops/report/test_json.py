import json

from secops.audit.results import AuditRun
from secops.catalog.model import Catalog
from secops.report.json_report import render_json


def test_results_enriched_with_the_catalog(run: AuditRun, catalog: Catalog) -> None:
    data = json.loads(render_json(run, catalog, "zh"))
    assert data["report_version"] == 1 and data["lang"] == "zh" and data["level"] == 3
    assert data["catalog_version"] == data["catalog_loaded"] == catalog.version
    assert data["catalog_matches"] is True
    assert data["verdict_labels"] == {
        "compliant": "符合",
        "partial": "部分符合",
        "noncompliant": "不符合",
        "na": "不适用",
        "manual": "待人工核查",
    }
    assert data["fleet_score"] == run.fleet_score
    assert [h["name"] for h in data["hosts"]] == ["web01", "db01", "app01", "lab04"]
    assert data["hosts"][3]["reachable"] is False and "timed out" in data["hosts"][3]["error"]
    control = next(c for c in data["controls"] if c["id"] == "ce.ia.a")
    assert control["clause"] == "8.1.4.1 a)" and control["title"] == "身份标识唯一与口令复杂度"
    db01 = next(v for v in control["verdicts"] if v["host"] == "db01")
    assert db01["verdict"] == "noncompliant" and db01["label"] == "不符合"
    check = db01["checks"][0]
    assert check["id"] == "pass_max_days" and check["status_label"] == "未通过"
    assert [{k: e[k] for k in ("seen", "source", "expected")} for e in check["evidence"]] == [
        {"seen": "99999", "source": "/etc/login.defs:165", "expected": "<= 90"}
    ]
    assert check["evidence"][0]["seen_key"] == ""  # results of before message keys
    assert check["remediation"].startswith("在 /etc/login.defs 中设置 PASS_MAX_DAYS 90")
    failed = {f["id"]: f for f in data["failed"]}
    assert failed["faillock_deny"]["severity"] == "high"
    assert failed["faillock_deny"]["controls"] == ["ce.ia.b"]
    manual = {m["id"]: m for m in data["manual"]}
    assert manual["ce.ia.d"]["evidence_required"].startswith("堡垒机或 PAM")
    assert data["totals"]["statuses"]["fail"] == sum(h.counts()["fail"] for h in run.hosts)


def test_hostile_values_kept_exact_but_encodable(hostile_run: AuditRun, catalog: Catalog) -> None:
    text = render_json(hostile_run, catalog, "en")
    text.encode("utf-8")
    data = json.loads(text)
    failed = next(f for f in data["failed"] if f["id"] == "pass_max_days")
    evil = next(h for h in failed["hosts"] if h["host"] == "<b>evil</b>&\"host'")
    assert evil["evidence"][0]["seen"].startswith("<script>alert('seen')</script>")
    assert "\x1b[31m" in evil["message"]  # JSON carries control characters exactly
    assert "\udc80" not in evil["message"] and "\ufffd end" in evil["message"]
