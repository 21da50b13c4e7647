import json
import os
import subprocess
from pathlib import Path
from xml.etree import ElementTree

import pytest

from secops.audit.results import AuditRun
from secops.audit.runner import write
from secops.report.signing import ensure_key
from tests.conftest import govsec
from tests.secops.report.conftest import write_results
from tests.secops.report.sample import CATALOG_DIR


def env(tmp_path: Path, **extra: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("GOVSEC_", "LC_", "LANG"))}
    clean.update({"GOVSEC_HOME": str(tmp_path / "home"), "LANG": "C.UTF-8", **extra})
    return clean


def build(tmp_path: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return govsec(
        "report", "build", *args, "--catalog", str(CATALOG_DIR), env=env(tmp_path, **extra)
    )


def signed_audit(tmp_path: Path, run: AuditRun) -> Path:
    """An audit folder as `govsec audit` leaves it, signed with the key of the test's account."""
    audit = tmp_path / "audit"
    write(run, [], audit, ensure_key(tmp_path / "home" / "keys"))
    return audit


def test_build_from_the_audit_folder(tmp_path: Path, run: AuditRun) -> None:
    audit = signed_audit(tmp_path, run)
    result = build(tmp_path, str(audit), "--lang", "zh")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    for name in ("report.html", "report.json", "report.junit.xml"):
        assert (audit / name).is_file()
        assert str(audit / name) in result.stdout
    assert not (audit / "report.pdf").exists()
    page = (audit / "report.html").read_text(encoding="utf-8")
    assert "等保2.0合规核查报告" in page and "证据包" in page
    assert "结论与证据一致" in page and "BEGIN PUBLIC KEY" in page
    bundle = json.loads((audit / "report.json").read_text(encoding="utf-8"))["bundle"]
    assert bundle["ok"] is True and bundle["key_fingerprint"].startswith("SM3:")
    ElementTree.parse(audit / "report.junit.xml")  # noqa: S314 - our own output


def test_edited_verdicts_build_no_report_that_calls_them_intact(
    tmp_path: Path, run: AuditRun
) -> None:
    """The hostile auditee: every fail flipped to pass and the scores set to 100."""
    audit = signed_audit(tmp_path, run)
    results = audit / "results.json"
    data = json.loads(results.read_text())
    for host in data["hosts"]:
        for check in host["checks"]:
            check["status"] = "pass" if check["status"] == "fail" else check["status"]
        host["score"] = 100.0 if host["reachable"] else None
    data["fleet_score"] = 100.0
    results.write_text(json.dumps(data))
    refused = build(tmp_path, str(audit))
    assert refused.returncode == 1
    assert "the evidence does not verify, no report built" in refused.stderr
    assert "differs from the verdicts in the signed bundle" in refused.stderr
    assert not (audit / "report.html").exists()
    marked = build(tmp_path, str(audit), "--allow-unverified", "--lang", "zh")
    assert marked.returncode == 0
    assert "未通过验证" in marked.stderr and "与签名证据包中的结论不一致" in marked.stderr
    page = (audit / "report.html").read_text(encoding="utf-8")
    assert 'id="unverified"' in page and "未通过验证" in page
    assert "文件中为“通过”，证据包中为“未通过”" in page
    assert "结论与证据一致" not in page and ">完整<" not in page
    assert json.loads((audit / "report.json").read_text(encoding="utf-8"))["bundle"]["ok"] is False


def test_results_without_any_bundle_are_built_with_a_warning(tmp_path: Path, run: AuditRun) -> None:
    audit = tmp_path / "audit"
    write_results(audit, run)
    result = build(tmp_path, str(audit))
    assert result.returncode == 0
    assert "no evidence bundle beside" in result.stderr
    assert "intact" not in (audit / "report.html").read_text(encoding="utf-8")


def test_build_to_a_named_file_with_pdf_and_json_output(tmp_path: Path, run: AuditRun) -> None:
    results = write_results(tmp_path / "audit", run)
    target = tmp_path / "out" / "fleet.html"
    result = build(tmp_path, str(results), "-o", str(target), "--pdf", "--format", "json")
    assert result.returncode == 0, result.stderr
    made = json.loads(result.stdout)
    assert made["html"] == str(target)
    assert made["json"] == str(tmp_path / "out" / "fleet.json")
    assert made["junit"] == str(tmp_path / "out" / "fleet.junit.xml")
    assert made["pdf"] == str(tmp_path / "out" / "fleet.pdf")
    assert made["bundle"] is None and made["lang"] == "en"
    assert (tmp_path / "out" / "fleet.pdf").read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize(
    ("argv", "extra", "expected"),
    [
        (("--lang", "zh"), {}, "zh"),
        ((), {"GOVSEC_LANG": "zh"}, "zh"),
        ((), {"LANG": "zh_CN.UTF-8"}, "zh"),
        ((), {}, "en"),
    ],
)
def test_language_defaults_to_the_global_one(
    tmp_path: Path, run: AuditRun, argv: tuple[str, ...], extra: dict[str, str], expected: str
) -> None:
    audit = tmp_path / "audit"
    write_results(audit, run)
    result = govsec(
        *argv,
        "report",
        "build",
        str(audit),
        "--catalog",
        str(CATALOG_DIR),
        "--format",
        "json",
        env=env(tmp_path, **extra),
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["lang"] == expected


def test_catalog_mismatch_warns_and_continues(tmp_path: Path, run: AuditRun) -> None:
    run.catalog_version = "0123456789ab"
    audit = tmp_path / "audit"
    write_results(audit, run)
    result = build(tmp_path, str(audit))
    assert result.returncode == 0
    assert "warning:" in result.stderr and "0123456789ab" in result.stderr
    assert (audit / "report.html").is_file()


def test_altered_bundle_refuses_or_shows_in_the_report(tmp_path: Path, run: AuditRun) -> None:
    audit = signed_audit(tmp_path, run)
    bundle = audit / "evidence.jsonl"
    name = run.hosts[1].name.encode()
    bundle.write_bytes(bundle.read_bytes().replace(b'"' + name + b'"', b'"db02"', 1))
    refused = build(tmp_path, str(audit))
    assert refused.returncode == 1 and "record 3 (line 3)" in refused.stderr
    result = build(tmp_path, str(audit), "--allow-unverified")
    assert result.returncode == 0
    assert "evidence bundle" in result.stderr and "record 3 (line 3)" in result.stderr
    assert "altered at record 3 (line 3)" in (audit / "report.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no results.json in this folder"),
        ("{not json", "not JSON: Expecting property name"),
        ("[1, 2]", "expected a JSON object"),
        ('{"version": 9}', "results version 9"),
        ('{"level": 3}', "tool_version: Field required"),
    ],
)
def test_missing_or_malformed_results(tmp_path: Path, content: str | None, message: str) -> None:
    audit = tmp_path / "audit"
    audit.mkdir()
    target = audit
    if content is not None:
        target = audit / "results.json"
        target.write_text(content)
    result = build(tmp_path, str(target))
    assert result.returncode == 1
    assert f"error: {target}" in result.stderr and message in result.stderr
    assert "govsec" in result.stderr.splitlines()[1]  # the hint: what was expected


def test_bad_status_named_by_its_field(tmp_path: Path, run: AuditRun) -> None:
    results = write_results(tmp_path / "audit", run)
    data = json.loads(results.read_text())
    data["hosts"][1]["checks"][2]["status"] = "maybe"
    results.write_text(json.dumps(data))
    result = build(tmp_path, str(results))
    assert result.returncode == 1
    assert "hosts.1.checks.2.status" in result.stderr


def test_missing_path_and_bad_language(tmp_path: Path) -> None:
    missing = build(tmp_path, str(tmp_path / "nowhere.json"))
    assert missing.returncode == 1 and "no such file or folder" in missing.stderr
    bad = build(tmp_path, str(tmp_path), "--lang", "fr")
    assert bad.returncode == 2


def test_verify_intact_and_altered(tmp_path: Path, run: AuditRun) -> None:
    audit = signed_audit(tmp_path, run)
    bundle = audit / "evidence.jsonl"
    records = len(run.hosts) + 2
    for target in (bundle, audit):  # the bundle, or the audit folder holding it
        ok = govsec("report", "verify", str(target), env=env(tmp_path))
        assert ok.returncode == 0, ok.stderr
        assert "intact, signed by" in ok.stdout and "verdicts match" in ok.stdout
        assert str(records) in ok.stdout
    lines = bundle.read_bytes().splitlines(keepends=True)
    lines[1], lines[2] = lines[2], lines[1]
    bundle.write_bytes(b"".join(lines))
    bad = govsec("report", "verify", str(bundle), env=env(tmp_path))
    assert bad.returncode == 1
    assert "altered at record 2 (line 2)" in bad.stderr and "seq 3 where 2" in bad.stderr
    as_json = govsec("report", "verify", str(bundle), "--format", "json", env=env(tmp_path))
    assert as_json.returncode == 1
    found = json.loads(as_json.stdout)
    assert found["ok"] is False
    assert (found["chain"]["first_bad_seq"], found["chain"]["line"], found["chain"]["records"]) == (
        2,
        2,
        records,
    )
    zh = govsec("--lang", "zh", "report", "verify", str(bundle), env=env(tmp_path))
    assert zh.returncode == 1 and "第 2 条记录（第 2 行）被改动" in zh.stderr


def test_verify_names_an_unsigned_and_an_untrusted_bundle(tmp_path: Path, run: AuditRun) -> None:
    audit = tmp_path / "audit"
    write(run, [], audit, ensure_key(tmp_path / "elsewhere"))  # not this account's key
    untrusted = govsec("report", "verify", str(audit), env=env(tmp_path))
    assert untrusted.returncode == 1 and "does not trust" in untrusted.stderr
    theirs = str(tmp_path / "elsewhere" / "evidence-sm2.pub.pem")
    trusted = govsec("report", "verify", str(audit), "--key", theirs, env=env(tmp_path))
    assert trusted.returncode == 0, trusted.stderr
    (audit / "evidence.sig.json").unlink()
    unsigned = govsec("report", "verify", str(audit), env=env(tmp_path))
    assert unsigned.returncode == 1 and "no signature" in unsigned.stderr


def test_verify_an_empty_bundle(tmp_path: Path) -> None:
    (tmp_path / "evidence.jsonl").write_bytes(b"")
    result = govsec("report", "verify", str(tmp_path), env=env(tmp_path))
    assert result.returncode == 1 and "the bundle holds no record" in result.stderr


def test_verify_missing_bundle(tmp_path: Path) -> None:
    result = govsec("report", "verify", str(tmp_path / "none.jsonl"), env=env(tmp_path))
    assert result.returncode == 1
    assert "error:" in result.stderr and "no such evidence bundle" in result.stderr


def test_help_lists_the_group(tmp_path: Path) -> None:
    result = govsec("report", "--help", env=env(tmp_path))
    assert result.returncode == 0
    assert "build" in result.stdout and "verify" in result.stdout
    zh = govsec("--lang", "zh", "report", "--help", env=env(tmp_path))
    assert "合规核查报告" in zh.stdout and "测评报告" not in zh.stdout  # only a 测评机构 issues one
