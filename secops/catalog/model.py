"""The MLPS control catalog: controls and checks as data, loaded through a typed schema.

A **control** is one requirement item of GB/T 22239-2019 (e.g. 安全计算环境 / 身份鉴别 / a),
with its clause for level 2 (7.1.x) and level 3 (8.1.x). A **check** is one technical test
(e.g. ``pass_max_days``): its id is its key here, its evaluator's name in
``secops.audit.checks``, its test's name and its Ansible tag. Controls no machine can judge
are ``manual`` and say what evidence the assessor attaches.

The catalog holds every level-2 and level-3 requirement item of the general requirements
(7.1 / 8.1) and of the cloud computing extension (7.2 / 8.2, ``extension: cloud``). Each item
says which kinds of assessment object it is judged on (``targets``: hosts, network devices,
the cloud platform, the management system, the machine room, ...) and how it is evidenced
(``evidenced_by``): the host audit's ``checks``, a ``cloud`` policy of ``infra.policies``, the
project's own ``operations`` data (monitoring, the SIEM), or a ``questionnaire`` answered with
attachments (``evidence`` says what to attach).

A control's ``scope`` says where it is judged: ``host`` controls on a server by the audit's
checks; ``cloud`` controls on a landing-zone plan by the cloud policies of ``infra.policies``,
which carry the same ids; ``system`` controls (management, physical and every other item) only
in the system's assessment. Host audits and reports only ever see ``host`` controls
(``Catalog.controls_at`` filters by scope); ``Catalog.items_at`` lists every item at a level.

Files: ``controls.yaml`` and ``checks/*.yaml`` beside this module. A bad entry fails at load,
naming the file, the entry and the field.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from secops.errors import GovsecError, first_problem

HERE = Path(__file__).parent
Level = Literal[2, 3]
CheckKind = Literal["evaluator", "sysctl", "server_absent", "audit_rules"]
# the fixed arguments each declared kind takes (secops.audit.checks.kinds)
KIND_ARGS: dict[str, frozenset[str]] = {
    "evaluator": frozenset(),
    "sysctl": frozenset({"keys"}),
    "server_absent": frozenset({"what"}),
    "audit_rules": frozenset({"what"}),
}
Scope = Literal["host", "cloud", "system"]
# The kinds of assessment object (测评对象) an item is judged on.
TargetKind = Literal[
    "host",
    "network_device",
    "security_device",
    "cloud_platform",
    "cloud_tenant",
    "application",
    "database",
    "management",
    "physical",
]
# How an item is evidenced: the host audit's checks, a cloud policy of infra.policies, the
# project's own operations data (monitoring, the SIEM), or an answered questionnaire.
EvidenceWay = Literal["checks", "cloud", "operations", "questionnaire"]
# The general requirements, or the extension an item belongs to (mobile, IoT, ICS later).
Extension = Literal["general", "cloud"]
LEVELS: tuple[int, ...] = (2, 3)
MACHINE_WAYS = frozenset({"checks", "cloud", "operations"})


class CatalogError(GovsecError):
    """A catalog file that does not match the schema."""


class Localized(BaseModel):
    """A text in both languages."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    en: str = Field(min_length=1)
    zh: str = Field(min_length=1)

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


class Control(BaseModel):
    """One requirement item of GB/T 22239-2019."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=r"^[a-z]{2}\.[a-z]{2,4}\.[a-z]$")  # area.family.item: ce.ia.a
    area: Localized  # 安全计算环境 / Computing environment
    family: Localized  # 身份鉴别 / Identification and authentication
    item: str = Field(pattern=r"^[a-z]$")
    title: Localized  # a short name for the item
    requirement: Localized  # what the item asks, in the project's own words
    clauses: dict[int, str]  # level -> clause, e.g. {2: "7.1.4.1 a)", 3: "8.1.4.1 a)"}
    kind: Literal["automated", "manual"]
    scope: Scope = "host"
    """Where the control is judged: ``host`` (the audit's checks on a server), ``cloud`` (the
    landing-zone policies of ``infra.policies`` on a plan) or ``system`` (only in the system's
    assessment); host audits see only ``host``."""
    extension: Extension = "general"
    targets: list[TargetKind] = Field(min_length=1)  # the kinds of object it is judged on
    evidenced_by: list[EvidenceWay] = Field(min_length=1)
    # questionnaire (and manual): what the assessor or owner attaches (checked even when absent)
    evidence: Localized | None = Field(default=None, validate_default=True)
    reference: str = Field(min_length=1)  # where the clause letter was confirmed

    @property
    def levels(self) -> tuple[int, ...]:
        return tuple(sorted(self.clauses))

    @model_validator(mode="before")
    @classmethod
    def _first_schema(cls, data: Any) -> Any:
        """An entry of the first schema (a host or cloud control stating neither ``targets``
        nor ``evidenced_by``, as older catalogs and controls built in tests do) gets the ones
        its scope and kind imply; the project's catalog states both for every entry."""
        if not isinstance(data, dict) or "targets" in data or "evidenced_by" in data:
            return data
        scope, kind = data.get("scope", "host"), data.get("kind")
        if scope == "host":
            ways = ["checks"] if kind == "automated" else ["questionnaire"]
            return {**data, "targets": ["host"], "evidenced_by": ways}
        if scope == "cloud":
            return {**data, "targets": ["cloud_tenant"], "evidenced_by": ["cloud"]}
        return data

    @field_validator("clauses")
    @classmethod
    def _levels(cls, value: dict[int, str]) -> dict[int, str]:
        if not value or not set(value) <= set(LEVELS):
            raise ValueError("expected clauses for level 2 and/or 3, e.g. {2: '7.1.4.1 a)'}")
        return value

    @field_validator("targets")
    @classmethod
    def _targets(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("a target kind is listed twice")
        return value

    @field_validator("evidenced_by")
    @classmethod
    def _ways(cls, value: list[str], info: ValidationInfo) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("a way is listed twice")
        scope = info.data.get("scope")
        if "checks" in value and scope != "host":
            raise ValueError(f"checks judge scope-host controls only, not scope {scope}")
        if ("cloud" in value) != (scope == "cloud"):
            raise ValueError("cloud (a policy of infra.policies) and scope cloud go together")
        machine = MACHINE_WAYS & set(value)
        if info.data.get("kind") == "manual" and machine:
            raise ValueError(f"a manual control has no {', '.join(sorted(machine))}")
        if info.data.get("kind") == "automated" and not machine:
            raise ValueError("an automated control needs checks, cloud or operations")
        return value

    @field_validator("evidence")
    @classmethod
    def _evidence(cls, value: Localized | None, info: ValidationInfo) -> Localized | None:
        if value is None and "questionnaire" in info.data.get("evidenced_by", ()):
            raise ValueError("an item answered by questionnaire must say what evidence to attach")
        if value is None and info.data.get("kind") == "manual":
            raise ValueError("a manual control must say what evidence the assessor attaches")
        return value


class Check(BaseModel):
    """One technical test; its id names its evaluator, its test and its Ansible tag."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=r"^[a-z][a-z0-9_]{2,63}$")
    title: Localized
    controls: list[str] = Field(min_length=1)
    levels: list[int] = Field(min_length=1)
    severity: Literal["low", "medium", "high"]
    params: dict[int, dict[str, Any]] = Field(default_factory=dict)  # level -> parameters
    kind: CheckKind = "evaluator"
    """How the check is judged: ``evaluator``, a function of its id in
    ``secops/audit/checks/<family>.py``; any other kind is a generic evaluator of
    ``secops.audit.checks.kinds`` declared here, with its fixed ``args`` (e.g. ``sysctl`` with
    the keys it reads) beside the per-level ``params``."""
    args: dict[str, Any] = Field(default_factory=dict)  # a declared kind's fixed arguments
    remediation: Localized
    sources: list[str] = Field(default_factory=list)  # public baselines that use this check
    # Why a pass is only partial evidence for its controls (e.g. integrity checks without a
    # root of trust): a control all of whose applicable checks pass but one of them carries
    # this is 部分符合 (partial), never 符合, and the report shows this text as the reason.
    partial_evidence: Localized | None = None
    # What makes the check fail, in a sentence (docs/checks.md); optional: without it the page
    # shows the evaluator's docstring.
    fails_when: Localized | None = None
    # Controls for which this check is the core of a sub-requirement (no auditd: no audit at
    # all; telnet offered: clear-text remote administration): when it fails or cannot be
    # judged, the control is 不符合 (noncompliant) whatever its other checks say.
    essential_for: list[str] = Field(default_factory=list)

    @field_validator("levels")
    @classmethod
    def _levels(cls, value: list[int]) -> list[int]:
        if not set(value) <= set(LEVELS):
            raise ValueError("expected levels among 2 and 3")
        return value

    @model_validator(mode="after")
    def _essential(self) -> Check:
        stray = sorted(set(self.essential_for) - set(self.controls))
        if stray:
            raise ValueError(f"essential_for: {', '.join(stray)} is not among its controls")
        return self

    @model_validator(mode="after")
    def _kind_args(self) -> Check:
        needed = KIND_ARGS[self.kind]
        missing = sorted(needed - set(self.args))
        if missing:
            raise ValueError(f"args: kind {self.kind} needs {', '.join(missing)}")
        unknown = sorted(set(self.args) - needed)
        if unknown:
            raise ValueError(f"args: kind {self.kind} takes no {', '.join(unknown)}")
        return self

    def params_for(self, level: int) -> dict[str, Any]:
        """The parameters at ``level`` (falling back to the other level's), with ``args``."""
        if level in self.params:
            return {**self.args, **self.params[level]}
        return {**self.args, **next(iter(self.params.values()), {})}


@dataclass(frozen=True)
class Catalog:
    controls: dict[str, Control]
    checks: dict[str, Check]
    version: str  # sha256 prefix over every catalog file

    def controls_at(self, level: int, scope: Scope | None = "host") -> list[Control]:
        """The controls that exist at ``level``, in catalog order.

        Args:
            level: 2 or 3.
            scope: only controls of this scope; ``host`` by default, so host audits and their
                reports never list cloud controls; ``None`` for every control.
        """
        return [
            c
            for c in self.controls.values()
            if level in c.clauses and (scope is None or c.scope == scope)
        ]

    def items_at(self, level: int, extension: str | None = None) -> list[Control]:
        """Every item at ``level``, whatever its scope, in the standard's order at that level.

        Args:
            level: 2 or 3.
            extension: only items of this extension (``general``, ``cloud``); ``None`` for all.
        """
        found = [
            c
            for c in self.controls.values()
            if level in c.clauses and (extension is None or c.extension == extension)
        ]
        return sorted(found, key=lambda c: clause_key(c.clauses[level]))

    def checks_at(self, level: int) -> list[Check]:
        return [c for c in self.checks.values() if level in c.levels]

    def checks_of(self, control_id: str, level: int) -> list[Check]:
        return [c for c in self.checks_at(level) if control_id in c.controls]


@cache
def load_catalog(folder: Path = HERE) -> Catalog:
    """Load and cross-check ``controls.yaml`` and ``checks/*.yaml`` under ``folder``."""
    digest = hashlib.sha256()
    controls: dict[str, Control] = {}
    checks: dict[str, Check] = {}
    files = [folder / "controls.yaml", *sorted((folder / "checks").glob("*.yaml"))]
    for path in files:
        raw = path.read_bytes()
        digest.update(path.name.encode() + b"\0" + raw)
        entries = _cached_entries(path, raw)
        model: type[Control] | type[Check] = Control if path.name == "controls.yaml" else Check
        target: dict[str, Any] = controls if model is Control else checks
        for index, entry in enumerate(entries):
            name = entry.get("id", f"#{index + 1}") if isinstance(entry, dict) else f"#{index + 1}"
            try:
                parsed = model.model_validate(entry)
            except ValidationError as exc:
                field, problem = first_problem(exc, "(entry)")
                raise CatalogError(f"{path}: {name}: {field}: {problem}") from exc
            if parsed.id in target:
                raise CatalogError(f"{path}: {parsed.id}: id: defined twice")
            target[parsed.id] = parsed
    served: set[tuple[str, int]] = set()
    for check in checks.values():
        for control_id in check.controls:
            if control_id not in controls:
                raise CatalogError(f"check {check.id}: controls: unknown control {control_id!r}")
            served |= {(control_id, level) for level in check.levels}
    for control in controls.values():
        if "checks" in control.evidenced_by:
            missing = [str(n) for n in control.levels if (control.id, n) not in served]
            if missing:
                raise CatalogError(
                    f"{files[0]}: {control.id}: evidenced_by: checks, but no check of "
                    f"checks/*.yaml serves it at level {', '.join(missing)}"
                )
    return Catalog(controls, checks, digest.hexdigest()[:12])


def clause_key(clause: str) -> tuple[tuple[int, ...], str]:
    """A clause as a sort key: ``8.1.10.2 b)`` after ``8.1.9.3 a)``, numbers as numbers."""
    number, _, letter = clause.partition(" ")
    return tuple(int(p) for p in number.split(".") if p.isdigit()), letter


def _cached_entries(path: Path, raw: bytes) -> list[Any]:
    """The file's entries, from a JSON copy in ``__pycache__`` named by the file's SHA-256.

    Parsing the catalog's YAML takes ~0.1 s, JSON a few ms; every CLI command loads the
    catalog. The copy is keyed by content, so an edited file is parsed again, and a folder that
    cannot be written is simply parsed every time (as Python does with its .pyc files).
    """
    key = hashlib.sha256(raw).hexdigest()[:16]
    cache = path.parent / "__pycache__" / f"{path.stem}.{key}.json"
    try:
        loaded = json.loads(cache.read_bytes())
        if isinstance(loaded, list):
            return loaded
    except (OSError, ValueError):
        pass
    entries = _entries(path, raw)
    try:
        text = json.dumps(entries, ensure_ascii=False)
        cache.parent.mkdir(exist_ok=True)
        for old in cache.parent.glob(f"{path.stem}.*.json"):
            old.unlink(missing_ok=True)
        partial = cache.with_name(f"{cache.name}.{os.getpid()}.tmp")
        partial.write_text(text, encoding="utf-8")
        partial.replace(cache)
    except (OSError, TypeError, ValueError):
        pass  # not JSON-shaped (dates...) or not writable: parse the YAML next time too
    return entries


def _entries(path: Path, raw: bytes) -> list[Any]:
    try:
        # libyaml's loader when PyYAML has it: the pure-Python one takes ~0.4 s on the catalog
        loaded = yaml.load(raw, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506
    except yaml.YAMLError as exc:
        raise CatalogError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(loaded, list):
        raise CatalogError(f"{path}: expected a list of entries")
    return loaded
