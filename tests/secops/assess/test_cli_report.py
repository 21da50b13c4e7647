"""``govsec assess`` as a user runs it: the files it writes, their language, their signature."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook

from secops.catalog.model import Catalog
from secops.report.signing import SigningKey
from tests.conftest import govsec
from tests.language import cjk_nodes, english_lines, text_nodes, words_of
from tests.secops.assess.conftest import write_audit, write_system

HOSTS = ["web-1", "db-1-host"]
# product and format names the reports use as they are, like the host data around them
PRODUCTS = {"govsec", "pulumi", "openstack", "prometheus", "alertmanager", "sigma", "yaml", "html"}
# what makes a run of Latin words a sentence rather than a list of names, keys and values
FUNCTION_WORDS = frozenset(
    [
        "the",
        "a",
        "an",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "not",
        "of",
        "to",
        "and",
        "or",
        "for",
        "with",
        "on",
        "in",
        "by",
        "has",
        "have",
        "from",
        "this",
        "that",
        "it",
        "its",
        "can",
        "cannot",
        "no",
        "none",
    ]
)
PYTHON_WORDS = frozenset({"None", "True", "False"})


def sentences(runs: list[str]) -> list[str]:
    """Runs that read as English: two function words, or one in a run of four words or more."""
    found = []
    for run in runs:
        words = run.split()
        function = sum(w.lower() in FUNCTION_WORDS for w in words)
        if function >= 2 or (function and len(words) >= 4) or PYTHON_WORDS & set(words):
            found.append(run)
    return found


@pytest.fixture
def assessed(tmp_path: Path, catalog: Catalog, key: SigningKey, home: Path) -> Path:
    (tmp_path / "backup.txt").write_text("backup log 2026-11\n")
    answers = [
        {
            "item": "ce.br.a",
            "answer": "compliant",
            "note": {"zh": "每日本地备份，已查看记录。", "en": "Daily local backup; records seen."},
            "attachments": ["backup.txt"],
        }
    ]
    write_system(tmp_path, HOSTS, answers=answers)
    write_audit(
        tmp_path / "audits" / "a1",
        catalog,
        {"web-1": {"pass_max_days": "fail", "mfa_enforced": "fail"}, "db-1-host": {}},
        key,
    )
    out = tmp_path / "out"
    result = govsec(
        "assess", str(tmp_path / "system.yaml"), "-o", str(out), "--format", "json",
        env={**os.environ, "GOVSEC_HOME": str(home)},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["high_risks"]["HR-CE-IA-3"] == "determined"
    return out


def test_assess_writes_the_assessment_reports_and_gap_lists(assessed: Path) -> None:
    for name in (
        "assessment.json", "evidence.jsonl", "evidence.sig.json", "report.zh.html",
        "report.en.html", "gaps.zh.html", "gaps.zh.xlsx", "gaps.en.html", "gaps.en.xlsx",
    ):  # fmt: skip
        assert (assessed / name).is_file(), name
    zh = (assessed / "report.zh.html").read_text(encoding="utf-8")
    assert "44000000000-00001" in zh and "测试单位" in zh and "测试系统" in zh  # the cover
    assert zh.index("高风险判定") < zh.index("问题清单")  # 高风险 before the findings
    # a service OpenStack lacks: the advice is the alternative, not a topology change
    assert "云平台不提供该服务" in zh
    plan = load_workbook(assessed / "gaps.zh.xlsx")["整改计划"]
    rows = list(plan.iter_rows(min_row=2, values_only=True))
    assert rows and rows[0][3] == "高"  # the high risk first, priority high


def test_report_verify_accepts_the_assessment_and_refuses_an_edit(
    assessed: Path, home: Path
) -> None:
    env = {**os.environ, "GOVSEC_HOME": str(home)}
    assert govsec("report", "verify", str(assessed), env=env).returncode == 0
    path = assessed / "assessment.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["score"]["conclusion"] = "excellent"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    refused = govsec("report", "verify", str(assessed), env=env)
    assert refused.returncode == 1
    assert "assessment.json" in refused.stderr + refused.stdout


def test_a_truncated_or_empty_assessment_bundle_fails(assessed: Path, home: Path) -> None:
    env = {**os.environ, "GOVSEC_HOME": str(home)}
    bundle = assessed / "evidence.jsonl"
    lines = bundle.read_bytes().splitlines(keepends=True)
    bundle.write_bytes(b"".join(lines[:-1]))  # cut at a record boundary
    assert govsec("report", "verify", str(assessed), env=env).returncode == 1
    bundle.write_bytes(b"")
    assert govsec("report", "verify", str(assessed), env=env).returncode == 1


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_each_report_is_in_one_language(assessed: Path, lang: str) -> None:
    system = json.loads((assessed / "assessment.json").read_text(encoding="utf-8"))
    data = [t["name"] for t in system["targets"]] + [str(assessed), "backup.txt", "a1"]
    allowed = words_of(data) | PRODUCTS
    for name in (f"report.{lang}.html", f"gaps.{lang}.html"):
        nodes = text_nodes((assessed / name).read_text(encoding="utf-8"))
        if lang == "zh":
            english = [(n, sentences(r)) for n, r in english_lines(nodes, allowed) if sentences(r)]
            assert english == [], name
        else:
            assert cjk_nodes(nodes) == [], name


def test_a_rerun_shows_what_changed(
    assessed: Path, tmp_path: Path, home: Path, catalog: Catalog, key: SigningKey
) -> None:
    write_audit(tmp_path / "audits" / "a2", catalog, {h: {} for h in HOSTS}, key,
                finished="2026-12-08T00:00:00+00:00")  # fmt: skip
    again = tmp_path / "again"
    result = govsec(
        "assess", str(tmp_path / "system.yaml"), "-o", str(again), "--previous", str(assessed),
        env={**os.environ, "GOVSEC_HOME": str(home)},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    data = json.loads((again / "assessment.json").read_text(encoding="utf-8"))
    assert data["previous"]["ce.ia.d"] == "partial"  # web-1 had one factor
    now = next(i for i in data["items"] if i["id"] == "ce.ia.d")
    assert now["verdict"] != "partial"
    assert {c["target"]: c["verdict"] for c in now["cells"]}["web-1"] == "compliant"
    zh = (again / "report.zh.html").read_text(encoding="utf-8")
    assert "与上次核查相比的变化" in zh


def test_a_missing_system_file_is_named(tmp_path: Path, home: Path) -> None:
    result = govsec(
        "assess", str(tmp_path / "nope.yaml"), env={**os.environ, "GOVSEC_HOME": str(home)}
    )
    assert result.returncode == 1
    assert "nope.yaml" in result.stderr


def test_the_executive_pdf_renders_chinese(
    tmp_path: Path, catalog: Catalog, key: SigningKey, home: Path
) -> None:
    import shutil
    import subprocess

    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext (poppler-utils) is needed: scripts/setup-debian.sh installs it")
    write_system(tmp_path, HOSTS)
    write_audit(tmp_path / "audits" / "a1", catalog, {h: {} for h in HOSTS}, key)
    out = tmp_path / "out"
    result = govsec(
        "assess", str(tmp_path / "system.yaml"), "-o", str(out), "--pdf", "--report-lang", "zh",
        env={**os.environ, "GOVSEC_HOME": str(home)},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    text = subprocess.run(
        ["pdftotext", str(out / "report.zh.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    for words in ("等保2.0系统合规核查报告", "备案号", "高风险判定", "测试系统"):
        assert words in text, words
    assert not (out / "report.en.pdf").exists()  # only the language asked for


def test_the_open_questions_come_back_as_a_questionnaire_to_fill(
    tmp_path: Path, catalog: Catalog, key: SigningKey, home: Path
) -> None:
    from secops.assess.questionnaire import QuestionnaireError, load_questionnaire

    write_system(tmp_path, HOSTS)
    write_audit(tmp_path / "audits" / "a1", catalog, {h: {} for h in HOSTS}, key)
    blank = tmp_path / "open.yaml"
    result = govsec(
        "assess", str(tmp_path / "system.yaml"), "-o", str(tmp_path / "out"),
        "--open-questions", str(blank), env={**os.environ, "GOVSEC_HOME": str(home)},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    entries = yaml.safe_load(blank.read_text(encoding="utf-8"))
    assessment = json.loads((tmp_path / "out" / "assessment.json").read_text(encoding="utf-8"))
    opened = {
        (i["id"], c["target"])
        for i in assessment["items"]
        for c in i["cells"]
        if c["verdict"] == "open"
    }
    asked = {(e["item"], o) for e in entries for o in e["objects"]}
    assert asked and asked <= opened
    with pytest.raises(QuestionnaireError, match="answer"):  # unfilled: refused, named
        load_questionnaire(blank, catalog)
    filled = blank.read_text(encoding="utf-8").replace('answer: ""', "answer: noncompliant")
    blank.write_text(filled, encoding="utf-8")
    assert len(load_questionnaire(blank, catalog).answers) == len(entries)
