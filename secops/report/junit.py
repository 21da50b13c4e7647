"""The JUnit XML report, for CI: a testsuite per host, a testcase per check named by its id.

fail gives ``<failure>`` with the evidence, error gives ``<error>``, na and manual give
``<skipped>``; a host that could not be audited is one testcase ``reachable`` in ``<error>``.
XML 1.0 cannot hold most control characters at all, so values from hosts are made visible
(``\\x1b``) before they are written.
"""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element, SubElement, indent, tostring

from secops.audit.results import AuditRun, CheckResult, HostResult
from secops.catalog.model import Catalog
from secops.i18n import Lang, current_lang
from secops.report.labels import label
from secops.report.view import clean, printable

# what XML 1.0 forbids even as a character reference
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_OUTCOME = {"fail": "failure", "error": "error", "na": "skipped", "manual": "skipped"}


def _text(value: str) -> str:
    return _NOT_XML.sub(lambda m: f"\\u{ord(m.group()):04x}", printable(clean(value)))


def render_junit(run: AuditRun, catalog: Catalog, lang: Lang | None = None) -> str:
    """``run`` as a JUnit XML document (testsuites), messages in ``lang`` (default: current)."""
    language = lang or current_lang()
    suites = [_suite(host, run, catalog, language) for host in run.hosts]
    root = Element("testsuites", {"name": f"govsec audit, MLPS level {run.level}"})
    root.attrib.update(_totals(suites))
    root.extend(suites)
    indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(root, encoding="unicode") + "\n"


def _totals(suites: list[Element]) -> dict[str, str]:
    keys = ("tests", "failures", "errors", "skipped")
    sums = {k: sum(int(s.get(k, "0")) for s in suites) for k in keys}
    seconds = sum(float(s.get("time", "0")) for s in suites)
    return {**{k: str(v) for k, v in sums.items()}, "time": f"{seconds:.3f}"}


def _suite(host: HostResult, run: AuditRun, catalog: Catalog, lang: Lang) -> Element:
    suite = Element(
        "testsuite",
        name=_text(host.name),
        hostname=_text(host.address),
        timestamp=_text(host.started or run.started),
        time=f"{host.seconds:.3f}",
    )
    properties = SubElement(suite, "properties")
    for name, value in _properties(host, run):
        SubElement(properties, "property", name=name, value=_text(value))
    if not host.reachable:
        case = SubElement(suite, "testcase", classname=_text(host.name), name="reachable", time="0")
        SubElement(case, "error", type="unreachable", message=_text(host.error))
        suite.attrib.update(tests="1", failures="0", errors="1", skipped="0")
        return suite
    for result in host.checks:
        suite.append(_case(host, result, catalog, lang))
    counts = host.counts()
    suite.attrib.update(
        tests=str(len(host.checks)),
        failures=str(counts["fail"]),
        errors=str(counts["error"]),
        skipped=str(counts["na"] + counts["manual"]),
    )
    return suite


def _properties(host: HostResult, run: AuditRun) -> list[tuple[str, str]]:
    found = [
        ("address", host.address),
        ("level", str(run.level)),
        ("catalog_version", run.catalog_version),
        ("reachable", "true" if host.reachable else "false"),
    ]
    if host.os:
        found.append(("os", host.os))
    if host.score is not None:
        found.append(("score", f"{host.score:.1f}"))
    return found


def _case(host: HostResult, result: CheckResult, catalog: Catalog, lang: Lang) -> Element:
    case = Element("testcase", classname=_text(host.name), name=_text(result.check_id), time="0")
    outcome = _OUTCOME.get(result.status)
    if outcome is None:  # pass
        return case
    check = catalog.checks.get(result.check_id)
    title = check.title.get(lang) if check else result.check_id
    status = label(f"status.{result.status}", lang)
    if outcome == "skipped":
        message = f"{status}: {result.message}" if result.message else status
        SubElement(case, "skipped", message=_text(message))
        return case
    lines = [f"{title}: {status}"]
    if result.message:
        lines.append(result.message)
    for e in result.evidence:
        lines.append(
            f"{label('col.seen', lang)}: {e.seen}\n"
            f"{label('col.source', lang)}: {e.source}\n"
            f"{label('col.expected', lang)}: {e.expected}"
        )
    if check and result.status == "fail":
        lines.append(f"{label('col.remediation', lang)}: {check.remediation.get(lang)}")
    summary = _summary(title, result, lang)
    element = SubElement(case, outcome, type=result.status, message=_text(summary))
    element.text = _text("\n".join(lines))
    return case


def _summary(title: str, result: CheckResult, lang: Lang) -> str:
    """One line for the CI's list: the title and the first value seen against the expected."""
    if result.status == "error" or not result.evidence:
        return f"{title}: {result.message}" if result.message else title
    first = result.evidence[0]
    seen, expected = label("col.seen", lang), label("col.expected", lang)
    return f"{title}: {seen} {first.seen}; {expected} {first.expected} ({first.source})"
