"""The system under assessment (定级对象): ``system.yaml``, read through a typed schema.

An assessor assesses a *system* against every requirement item of its level, not hosts one at
a time. ``system.yaml`` says what the system is (name, 备案号, unit, grade S/A, scope), which
assessment objects it has per kind (hosts from an Ansible inventory, the cloud landing zone from
an infra/ topology, network and security devices, databases, applications listed by name), who
was interviewed, and where the evidence is: host audits, the questionnaire, the operations
settings. Paths are relative to the file. A bad entry fails naming the file and the field.

Texts a reader sees (names, scope, roles) are given in both languages, so a zh report holds no
English and an en report no Chinese; identifiers (备案号, host names) are data.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from secops.assess.labels import alabel
from secops.catalog.model import Localized, TargetKind
from secops.errors import GovsecError, first_problem

Provider = Literal["alicloud", "openstack"]


class SystemFileError(GovsecError):
    """A system description that does not match the schema."""


class Grade(BaseModel):
    """业务信息安全保护等级 (S) and 系统服务安全保护等级 (A); the level is the higher."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    s: Literal[2, 3]
    a: Literal[2, 3]

    @property
    def level(self) -> int:
        return max(self.s, self.a)

    def code(self) -> str:
        return f"S{self.s}A{self.a}"


class Listed(BaseModel):
    """An assessment object named in the file (a switch, a database, an application, ...)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: TargetKind
    name: str = Field(min_length=1, max_length=120)
    description: Localized | None = None


class Person(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: Localized
    role: Localized


class Cloud(BaseModel):
    """The landing zone: its topology (infra/topologies/*.yaml) and the cloud it runs on."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    topology: Path
    provider: Provider
    platform: Localized  # the cloud platform (the provider's side: its own 测评 conclusion)


class Operations(BaseModel):
    """Where govsec's own operations evidence is (集中管控 c, d, f)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    prometheus_rules: Path  # folder of Prometheus rule files
    alertmanager: Path  # alertmanager.yml
    detection_rules: Path  # folder of Sigma rules the SIEM runs
    log_retention_days: int = Field(ge=0)  # the SIEM's retention as configured for purge/ILM


class Evidence(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    audits: list[Path] = Field(min_length=1)  # audit output folders, or folders holding them
    questionnaire: Path | None = None


class System(BaseModel):
    """One system: identity, grade, scope, objects, interviewees and evidence."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: Localized
    record_number: str = Field(min_length=1, max_length=64)  # 备案号
    unit: Localized  # 被测单位
    grade: Grade
    scope: Localized
    inventory: Path  # the Ansible inventory of the system's hosts
    cloud: Cloud | None = None
    objects: list[Listed] = Field(default_factory=list)
    interviewees: list[Person] = Field(default_factory=list)
    evidence: Evidence
    operations: Operations | None = None
    path: Path = Path("system.yaml")  # where it was read from (set by the loader)

    @field_validator("objects")
    @classmethod
    def _unique(cls, value: list[Listed]) -> list[Listed]:
        seen: set[str] = set()
        for entry in value:
            if entry.name in seen:
                raise ValueError(f"object {entry.name!r} is listed twice")
            seen.add(entry.name)
        return value

    @property
    def level(self) -> int:
        return self.grade.level


def load_system(path: Path) -> System:
    """Read ``path``; relative paths inside it are made relative to its folder."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SystemFileError(alabel("error.read", path=path, problem=exc.strerror)) from exc
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise SystemFileError(alabel("error.yaml", path=path, problem=exc)) from exc
    if not isinstance(raw, dict):
        raise SystemFileError(alabel("error.system_shape", path=path))
    try:
        system = System.model_validate({**raw, "path": path})
    except ValidationError as exc:
        where, why = first_problem(exc, "(file)")
        raise SystemFileError(alabel("error.system", path=path, field=where, problem=why)) from exc
    return _resolved(system, path.parent)


def _resolved(system: System, base: Path) -> System:
    def at(value: Path) -> Path:
        return value if value.is_absolute() else base / value

    changes: dict[str, Any] = {
        "inventory": at(system.inventory),
        "evidence": system.evidence.model_copy(
            update={
                "audits": [at(p) for p in system.evidence.audits],
                "questionnaire": at(system.evidence.questionnaire)
                if system.evidence.questionnaire
                else None,
            }
        ),
    }
    if system.cloud is not None:
        changes["cloud"] = system.cloud.model_copy(update={"topology": at(system.cloud.topology)})
    if system.operations is not None:
        ops = system.operations
        changes["operations"] = ops.model_copy(
            update={
                "prometheus_rules": at(ops.prometheus_rules),
                "alertmanager": at(ops.alertmanager),
                "detection_rules": at(ops.detection_rules),
            }
        )
    return system.model_copy(update=changes)
