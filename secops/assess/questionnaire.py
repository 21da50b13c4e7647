"""The questionnaire: answers an assessor records for items no tool here can see.

Management and physical items, and technical items on objects govsec does not audit (network
devices, databases, applications, the cloud platform's own side), are answered by the
assessor after interviews and document review. One answer per item, optionally per object::

    - item: sp.ps.a                 # the catalog id
      answer: compliant             # compliant | partial | noncompliant | na
      objects: [core-sw-01]         # default: every object of the item the questionnaire covers
      note: {zh: 已查阅《网络安全总体方针》2025版。, en: Reviewed the 2025 security policy.}
      attachments: [evidence/policy-2025.pdf]   # files, relative to the questionnaire
      justification: {zh: …, en: …}             # required for na
      interviewee: 张伟

Rules the assessment applies (docs/assess.md): an unanswered item is *open* and never counts
as passing; ``compliant`` without any attachment is capped at ``partial`` (nothing to show);
``na`` needs a justification; an attachment that does not exist is an error naming it. The
attachments' SM3 and SHA-256 go into the assessment's signed evidence bundle.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from secops.assess.labels import alabel
from secops.catalog.model import Catalog, Localized
from secops.errors import GovsecError, first_problem
from secops.report.bundle import digests

Answer = Literal["compliant", "partial", "noncompliant", "na"]


class QuestionnaireError(GovsecError):
    """A questionnaire that does not match the schema or names a missing file."""


class Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    item: str = Field(min_length=1)
    answer: Answer
    objects: list[str] = Field(default_factory=list)
    note: Localized | None = None
    attachments: list[Path] = Field(default_factory=list)
    justification: Localized | None = None
    interviewee: str = ""

    @model_validator(mode="after")
    def _justified(self) -> Entry:
        if self.answer == "na" and self.justification is None:
            raise ValueError("an answer of na needs a justification an assessor accepts")
        return self


@dataclass(frozen=True)
class Attachment:
    path: str  # as written in the questionnaire
    sha256: str
    sm3: str
    size: int


@dataclass(frozen=True)
class Answered:
    """One answer, read and checked: its attachments hashed."""

    item: str
    answer: Answer
    objects: tuple[str, ...]  # empty: every object
    note: Localized | None
    justification: Localized | None
    attachments: tuple[Attachment, ...]
    interviewee: str
    line: int  # the entry's number in the file (1-based), for messages


@dataclass(frozen=True)
class Questionnaire:
    path: Path | None
    answers: tuple[Answered, ...]
    sha256: str = ""
    sm3: str = ""

    def answer_for(self, item: str, obj: str) -> Answered | None:
        """The answer for ``item`` on ``obj``: one naming the object, else one for all."""
        general = None
        for answered in self.answers:
            if answered.item != item:
                continue
            if obj in answered.objects:
                return answered
            if not answered.objects and general is None:
                general = answered
        return general


EMPTY = Questionnaire(None, ())


def load_questionnaire(path: Path, catalog: Catalog) -> Questionnaire:
    """Read and check ``path``: known items, existing attachments, justified na."""
    try:
        raw_bytes = path.read_bytes()
        raw = yaml.safe_load(raw_bytes.decode("utf-8"))
    except OSError as exc:
        raise QuestionnaireError(alabel("error.read", path=path, problem=exc.strerror)) from exc
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise QuestionnaireError(alabel("error.yaml", path=path, problem=exc)) from exc
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        raise QuestionnaireError(alabel("error.q_list", path=path))
    answers: list[Answered] = []
    seen: set[tuple[str, str]] = set()
    for number, entry in enumerate(raw, start=1):
        try:
            parsed = Entry.model_validate(entry)
        except ValidationError as exc:
            where, why = first_problem(exc, "(entry)")
            raise QuestionnaireError(
                alabel("error.q_entry", path=path, number=number, field=where, problem=why)
            ) from exc
        if parsed.item not in catalog.controls:
            raise QuestionnaireError(
                alabel("error.q_item", path=path, number=number, item=parsed.item)
            )
        for obj in parsed.objects or ["*"]:
            if (parsed.item, obj) in seen:
                raise QuestionnaireError(
                    alabel("error.q_twice", path=path, number=number, item=parsed.item, obj=obj)
                )
            seen.add((parsed.item, obj))
        attachments = tuple(_hashed(path, number, a) for a in parsed.attachments)
        answers.append(
            Answered(
                parsed.item,
                parsed.answer,
                tuple(parsed.objects),
                parsed.note,
                parsed.justification,
                attachments,
                parsed.interviewee,
                number,
            )
        )
    hashed = digests(raw_bytes)
    return Questionnaire(path, tuple(answers), hashed["sha256"], hashed["sm3"])


def _hashed(questionnaire: Path, number: int, attachment: Path) -> Attachment:
    where = attachment if attachment.is_absolute() else questionnaire.parent / attachment
    try:
        data = where.read_bytes()
    except OSError as exc:
        raise QuestionnaireError(
            alabel(
                "error.q_attachment",
                path=questionnaire,
                number=number,
                attachment=attachment,
                problem=exc.strerror,
            )
        ) from exc
    hashed = digests(data)
    return Attachment(str(attachment), hashed["sha256"], hashed["sm3"], len(data))


def open_questions(items: list[tuple[str, str, str, list[str]]]) -> str:
    """A questionnaire to fill: one entry per open item (id, title, what to attach, objects).

    Written as YAML text with the title and the evidence asked for as comments, each answer
    left for the assessor (``answer: ""`` fails to load until it is filled in).
    """
    lines = [f"# {alabel('q.blank_header')}", ""]
    for item, title, asked, objects in items:
        lines.append(f"# {item} {title}")
        lines.extend(f"#   {part}" for part in _wrap(alabel("q.asked", asked=asked)))
        lines.append(f"- item: {item}")
        lines.append('  answer: ""  # compliant | partial | noncompliant | na')
        if objects:
            lines.append(f"  objects: [{', '.join(_quoted(o) for o in objects)}]")
        lines.append("  # note: {zh: ..., en: ...}")
        lines.append("  attachments: []")
        lines.append("")
    return "\n".join(lines)


def _quoted(value: str) -> str:
    """An object name as a YAML double-quoted scalar: names are data (``1001``, ``no``,
    ``a: b`` would otherwise read as a number, a boolean, a mapping)."""
    return json.dumps(value, ensure_ascii=False)


def _wrap(text: str, width: int = 90) -> list[str]:
    rows: list[str] = []
    while len(text) > width:
        rows.append(text[:width])
        text = text[width:]
    return [*rows, text]
