from xml.etree import ElementTree

from secops.audit.results import AuditRun
from secops.catalog.model import Catalog
from secops.report.junit import render_junit


def suites(text: str) -> dict[str, ElementTree.Element]:
    root = ElementTree.fromstring(text.encode("utf-8"))  # noqa: S314 - our own output
    assert root.tag == "testsuites"
    return {s.get("name", ""): s for s in root.findall("testsuite")}


def test_a_suite_per_host_a_case_per_check(run: AuditRun, catalog: Catalog) -> None:
    text = render_junit(run, catalog, "en")
    found = suites(text)
    assert list(found) == ["web01", "db01", "app01", "lab04"]
    web = found["web01"]
    assert [c.get("name") for c in web.findall("testcase")] == [
        c.check_id for c in run.hosts[0].checks
    ]
    assert all(c.get("classname") == "web01" for c in web.findall("testcase"))
    assert web.get("tests") == "7" and web.get("failures") == "1" and web.get("errors") == "0"
    root = ElementTree.fromstring(text)  # noqa: S314 - our own output
    assert root.get("tests") == str(sum(int(s.get("tests", "0")) for s in found.values()))
    assert root.get("failures") == str(sum(h.counts()["fail"] for h in run.hosts))


def test_outcomes_fail_error_skipped(run: AuditRun, catalog: Catalog) -> None:
    db = suites(render_junit(run, catalog, "en"))["db01"]
    cases = {c.get("name"): c for c in db.findall("testcase")}
    failure = cases["pass_max_days"].find("failure")
    assert failure is not None
    assert "99999" in failure.get("message", "") and "<= 90" in failure.get("message", "")
    assert "/etc/login.defs:165" in (failure.text or "")
    assert catalog.checks["pass_max_days"].remediation.en in (failure.text or "")
    error = cases["auditd_enabled"].find("error")
    assert error is not None and "Operation not permitted" in error.get("message", "")
    skipped = cases["audit_log_retention"].find("skipped")
    assert skipped is not None and "log store" in skipped.get("message", "")
    assert db.get("errors") == "1" and db.get("skipped") == "1" and db.get("failures") == "5"
    passed = suites(render_junit(run, catalog, "en"))["web01"].find(
        "testcase[@name='pass_max_days']"
    )
    assert passed is not None and len(passed) == 0


def test_unreachable_host_is_one_error(run: AuditRun, catalog: Catalog) -> None:
    lab04 = suites(render_junit(run, catalog, "zh"))["lab04"]
    cases = lab04.findall("testcase")
    assert len(cases) == 1 and cases[0].get("name") == "reachable"
    error = cases[0].find("error")
    assert error is not None and "Connection timed out" in error.get("message", "")
    assert lab04.get("tests") == "1" and lab04.get("errors") == "1"


def test_hostile_values_still_parse(hostile_run: AuditRun, catalog: Catalog) -> None:
    text = render_junit(hostile_run, catalog, "zh")
    found = suites(text)  # NUL, ESC and a lone surrogate would make invalid XML
    evil = found["<b>evil</b>&\"host'"]
    failure = evil.find("testcase[@name='pass_max_days']/failure")
    assert failure is not None
    assert "<script>alert('seen')</script>" in failure.get("message", "")
    assert "\\x1b[31mWARNING" in (failure.text or "") and "\\x00" in (failure.text or "")
    assert "口令最长使用期限" in failure.get("message", "")
