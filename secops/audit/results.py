"""What an audit produces: results per check, per control and per host, and their JSON form.

``results.json`` in the audit's output folder is :class:`AuditRun` as JSON (``to_json``); the
report writers read it back with :func:`AuditRun.from_json`. Statuses and verdicts are stable
codes; their zh/en labels live with the report. What a check says (its message, and the words
of its evidence the tool wrote) is kept in English and, beside it, as a message of
:mod:`secops.audit.messages` (``*_key`` and ``*_fields``) that a report says in its language;
results written before these were kept have none, and their English is shown as it is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any, Literal

from secops.audit.messages import ITEMS, Msg, Part, english, parts
from secops.i18n import MESSAGES, Lang, t_in

# one check on one host
Status = Literal["pass", "fail", "na", "error", "manual"]
STATUSES: tuple[Status, ...] = ("pass", "fail", "na", "error", "manual")

# one control on one host, as an MLPS assessor states it:
# compliant 符合, partial 部分符合, noncompliant 不符合, na 不适用, manual 待人工核查
Verdict = Literal["compliant", "partial", "noncompliant", "na", "manual"]
VERDICTS: tuple[Verdict, ...] = ("compliant", "partial", "noncompliant", "na", "manual")

RESULTS_VERSION = 1


@dataclass
class Evidence:
    """One observation behind a result: what was seen, where, and what was expected.

    Each of the three is English text; when the tool wrote words into it (``(not set)``,
    ``<= 90``), its ``*_key`` and ``*_fields`` say the same as a message, "" for host data.
    """

    seen: str  # the value as found, e.g. "99999"
    source: str  # where it came from, e.g. "/etc/login.defs:165" or "sshd -T"
    expected: str  # e.g. "<= 90"
    seen_key: str = ""
    seen_fields: dict[str, Part] = field(default_factory=dict)
    source_key: str = ""
    source_fields: dict[str, Part] = field(default_factory=dict)
    expected_key: str = ""
    expected_fields: dict[str, Part] = field(default_factory=dict)

    @classmethod
    def of(cls, seen: Part, source: Part, expected: Part) -> Evidence:
        """Evidence from host data and messages: the English, and the messages beside it."""
        s, o, e = (_message(part) for part in (seen, source, expected))
        return cls(english(seen), english(source), english(expected), *s, *o, *e)


def _message(part: Part) -> tuple[str, dict[str, Part]]:
    """A part as a stored message's key and fields: host text has none; a list is one."""
    if isinstance(part, str):
        return "", {}
    if isinstance(part, list):
        return ITEMS, {"items": part}
    return part.key, dict(part.fields)


@dataclass
class CheckResult:
    check_id: str
    status: Status
    evidence: list[Evidence] = field(default_factory=list)
    message: str = ""  # why, in an English sentence (for error and na: the reason)
    # the same as a message of secops.audit.messages, for a report in another language; ""
    # for results written before it was kept
    message_key: str = ""
    message_fields: dict[str, Part] = field(default_factory=dict)

    @classmethod
    def said(
        cls, check_id: str, status: Status, evidence: list[Evidence], message: Msg | None
    ) -> CheckResult:
        """A result whose message is a message of the catalog (or none)."""
        if message is None:
            return cls(check_id, status, evidence)
        return cls(check_id, status, evidence, english(message), message.key, message.fields)


@dataclass
class ControlResult:
    control_id: str
    verdict: Verdict
    checks: list[str] = field(default_factory=list)  # check ids that decided it
    # ids of passing checks that are only partial evidence (the catalog's partial_evidence
    # says why) and so capped the verdict at partial; absent in results of older versions
    reasons: list[str] = field(default_factory=list)


CONTROL_FIELDS = frozenset(ControlResult.__dataclass_fields__)


@dataclass
class HostResult:
    """One host: reached or not, and if reached, every selected check and control."""

    name: str
    address: str
    reachable: bool
    error: str = ""  # why the host could not be audited (unreachable, key refused, …)
    # the same as a message of the catalog (secops/i18n.py) and its values, for a report in
    # another language than the run's; "" for results written before it was kept
    error_key: str = ""
    error_fields: dict[str, str] = field(default_factory=dict)
    os: str = ""  # PRETTY_NAME from /etc/os-release
    as_root: bool = False  # facts were collected with root (directly or through sudo)
    started: str = ""  # ISO 8601 UTC
    seconds: float = 0.0
    score: float | None = None  # 0-100, None when nothing automated could be judged
    checks: list[CheckResult] = field(default_factory=list)
    controls: list[ControlResult] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """How many checks ended in each status."""
        found: dict[str, int] = dict.fromkeys(STATUSES, 0)
        for result in self.checks:
            found[result.status] += 1
        return found


@dataclass
class AuditRun:
    """One ``govsec audit``: its settings and every host's result."""

    level: int  # 2 or 3
    tool_version: str
    catalog_version: str  # sha256 prefix of the catalog files used
    started: str
    finished: str
    inventory: str  # path, or "" for this machine
    hosts: list[HostResult] = field(default_factory=list)
    fleet_score: float | None = None  # mean of reachable hosts' scores
    version: int = RESULTS_VERSION

    def to_json(self) -> str:
        return json.dumps(_plain(self), ensure_ascii=False, indent=2)

    @classmethod
    def from_json(cls, text: str) -> AuditRun:
        raw: dict[str, Any] = json.loads(text)
        hosts = [
            HostResult(
                **{
                    **h,
                    "checks": [_check(c) for c in h["checks"]],
                    "controls": [
                        ControlResult(**{k: v for k, v in c.items() if k in CONTROL_FIELDS})
                        for c in h["controls"]
                    ],
                }
            )
            for h in raw.pop("hosts")
        ]
        return cls(**raw, hosts=hosts)


def _check(raw: dict[str, Any]) -> CheckResult:
    """A check result from its JSON, nested messages of its fields made :class:`Msg` again."""
    evidence = [
        Evidence(
            **{
                **e,
                **{
                    k: parts(e[k])
                    for k in ("seen_fields", "source_fields", "expected_fields")
                    if k in e
                },
            }
        )
        for e in raw["evidence"]
    ]
    fields = parts(raw.get("message_fields") or {})
    return CheckResult(**{**raw, "evidence": evidence, "message_fields": fields})


# said only when there is something to say: evidence of host data alone, and results of
# older versions, have none of them (and read back with their defaults)
_UNSAID = frozenset(
    {
        "message_key",
        "message_fields",
        "seen_key",
        "seen_fields",
        "source_key",
        "source_fields",
        "expected_key",
        "expected_fields",
    }
)


def _plain(value: Any) -> Any:
    """``dataclasses.asdict`` without its deep copies (a fleet's results are thousands of
    objects, only read here): dataclasses become dicts of their fields, in order, but for
    message keys and fields that are empty."""
    if is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: _plain(item)
            for f in fields(value)
            if (item := getattr(value, f.name)) or f.name not in _UNSAID
        }
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


def describe_error(lang: Lang, key: str, fields: dict[str, str]) -> str:
    """A host's error in ``lang``: the message ``key`` with its fields, a field that is itself
    a message key (a reason: ``audit.reason.refused``) said in ``lang`` too."""
    said = {
        name: t_in(lang, value)
        if value.startswith("audit.reason.") and value in MESSAGES
        else value
        for name, value in fields.items()
    }
    return t_in(lang, key, **said)
