"""How much of a Sigma rule corpus govsec can load, compile and export, and why not the rest.

:func:`check_corpus` parses every rule (errors collected), applies
:func:`~secops.detect.mapping.linux_pipeline`, and records per rule what stands in the way:
a Sigma feature pySigma or the pipeline refuses, a placeholder without a value, a field the log
source's mapping does not know, a log source no govsec parser produces, a Lucene conversion
error. The engine adds its own compile failures with :meth:`CompatReport.add`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from sigma.backends.elasticsearch.elasticsearch_lucene import LuceneBackend
from sigma.correlations import SigmaCorrelationRule
from sigma.exceptions import SigmaError
from sigma.rule import SigmaDetection, SigmaDetectionItem, SigmaRule
from sigma.types import Placeholder, SigmaString

from secops.detect.files import load_collection, rule_path, unreadable
from secops.detect.mapping import linux_pipeline, logsource_support, source_map


class Status(StrEnum):
    """What a finding means for a rule; the worst finding is the rule's status."""

    OK = "ok"
    UNMAPPED_FIELD = "unmapped field"  # compiled; the field is looked up under its own name
    NEVER_SET = "field never set"  # compiled; mapped to an ECS field no parser fills there
    NO_INTAKE = "no intake"  # compiled; no govsec parser makes events of its log source
    CONVERSION_ERROR = "conversion error"  # compiled; the Lucene export fails
    UNSUPPORTED = "unsupported"  # not compiled: a Sigma feature
    COMPILE_ERROR = "compile error"  # not compiled: the engine refused it
    PARSE_ERROR = "parse error"  # not loaded


# worst first: the order a rule's status is taken in
_SEVERITY = list(reversed(Status))
NOT_COMPILED = frozenset({Status.UNSUPPORTED, Status.COMPILE_ERROR, Status.PARSE_ERROR})


@dataclass(frozen=True)
class CompatEntry:
    """One finding about one rule (``OK`` when there is nothing to say)."""

    rule_id: str
    title: str
    path: str
    status: Status
    feature: str = ""


@dataclass
class CompatReport:
    """Findings per rule. Entries can be added from outside (the engine's compile step)."""

    entries: list[CompatEntry] = field(default_factory=list)

    def add(self, entry: CompatEntry) -> None:
        """Record a finding; a rule's ``OK`` entry gives way to its first real finding."""
        if entry.status is not Status.OK:
            self.entries = [
                e for e in self.entries if not (e.status is Status.OK and _key(e) == _key(entry))
            ]
        elif any(_key(e) == _key(entry) for e in self.entries):
            return
        self.entries.append(entry)

    def rules(self) -> dict[tuple[str, str, str], Status]:
        """Every rule (id, title, path) with its worst status."""
        found: dict[tuple[str, str, str], Status] = {}
        for entry in self.entries:
            old = found.get(_key(entry))
            if old is None or _SEVERITY.index(entry.status) < _SEVERITY.index(old):
                found[_key(entry)] = entry.status
        return found

    @property
    def loaded(self) -> int:
        """Rules seen (parse errors included)."""
        return len(self.rules())

    @property
    def compiled(self) -> int:
        """Rules that load and compile (unmapped fields, no intake, export errors allowed)."""
        return sum(s not in NOT_COMPILED for s in self.rules().values())

    @property
    def usable(self) -> int:
        """Compiled rules whose log source govsec's intake produces."""
        ok = (Status.OK, Status.UNMAPPED_FIELD, Status.NEVER_SET)
        return sum(s in ok for s in self.rules().values())

    @property
    def share_compiled(self) -> float:
        """compiled / loaded (0 for an empty corpus)."""
        return self.compiled / self.loaded if self.loaded else 0.0

    def counts(self) -> Counter[Status]:
        """Rules per (worst) status."""
        return Counter(self.rules().values())

    def features(self) -> Counter[str]:
        """How many rules each feature stands in the way of."""
        return Counter(
            f"{e.status.value}: {e.feature}"
            for e in {(_key(e), e.status, e.feature): e for e in self.entries}.values()
            if e.status is not Status.OK
        )

    def problems(self) -> list[CompatEntry]:
        """Every finding that is not ``OK``, by status then path."""
        bad = [e for e in self.entries if e.status is not Status.OK]
        return sorted(bad, key=lambda e: (_SEVERITY.index(e.status), e.path, e.title))


def _key(entry: CompatEntry) -> tuple[str, str, str]:
    return (entry.rule_id, entry.title, entry.path)


def check_corpus(paths: Iterable[str | Path], *, convert: bool = True) -> CompatReport:
    """Check every rule file under ``paths``; never raises for a rule.

    Args:
        paths: rule files and directories (``*.yml``/``*.yaml``, recursively).
        convert: also convert each rule with pySigma's Lucene backend (a failure is a finding).
    """
    paths = list(paths)
    report = CompatReport()
    collection, errors = load_collection(paths)
    for path, why in sorted(unreadable(collection, errors).items()):
        report.add(CompatEntry("-", Path(path).name, path, Status.PARSE_ERROR, why))
    for rule in collection.rules:
        for entry in check_rule(rule):
            report.add(entry)
    if convert:
        for entry in _conversion_errors(paths):
            report.add(entry)
    return report


def _identity(rule: SigmaRule | SigmaCorrelationRule) -> tuple[str, str, str]:
    return (str(rule.id or rule.name or "-"), rule.title, rule_path(rule))


def check_rule(rule: SigmaRule | SigmaCorrelationRule) -> list[CompatEntry]:
    """The findings for one parsed rule (references resolved); applies the pipeline to it."""
    rule_id, title, path = _identity(rule)

    def entry(status: Status, feature: str = "") -> CompatEntry:
        return CompatEntry(rule_id, title, path, status, feature)

    if rule.errors:
        return [entry(Status.PARSE_ERROR, f"{type(e).__name__}: {e}") for e in rule.errors]
    found: list[CompatEntry] = []
    if isinstance(rule, SigmaRule):
        found += [entry(Status.UNMAPPED_FIELD, f) for f in unmapped_fields(rule)]
        found += [entry(Status.NEVER_SET, f) for f in unset_fields(rule)]
        try:
            linux_pipeline().apply(rule)
        except SigmaError as exc:
            found.append(entry(Status.UNSUPPORTED, f"{type(exc).__name__}: {exc}"))
        found += [entry(Status.UNSUPPORTED, f) for f in _placeholders(rule)]
    if (why := logsource_support(rule)) is not None:
        found.append(entry(Status.NO_INTAKE, why))
    return found or [entry(Status.OK)]


def unmapped_fields(rule: SigmaRule) -> list[str]:
    """``field X not mapped for logsource Y`` for each Sigma-named field the mapping lacks.

    Dotted names are taken as ECS already; auditd maps every bare name (a raw audit key).
    """
    source = source_map(rule.logsource)
    if source is not None and source.service == "auditd":
        return []
    known = source.fields if source is not None else {}
    where = ":".join(
        f"{k}={v}"
        for k, v in (
            ("product", rule.logsource.product),
            ("category", rule.logsource.category),
            ("service", rule.logsource.service),
        )
        if v
    )
    names = sorted(
        {
            item.field
            for item in _items(rule)
            if item.field
            and "." not in item.field
            and item.field not in known
            and item.field not in ("message", "tags")
        }
    )
    return [f"field {name} not mapped for logsource {where}" for name in names]


def unset_fields(rule: SigmaRule) -> list[str]:
    """``field X -> ecs.name: no govsec parser sets it for Y`` for mapped fields left empty.

    Such a rule compiles, but a selection on the field can never hold on our events.
    """
    source = source_map(rule.logsource)
    if source is None or not source.produced:
        return []
    names = sorted(
        {
            item.field
            for item in _items(rule)
            if item.field in source.fields and source.fields[item.field] not in source.produced
        }
    )
    where = source.category or source.service
    return [f"field {n} -> {source.fields[n]}: no govsec parser sets it for {where}" for n in names]


def _items(rule: SigmaRule) -> Iterator[SigmaDetectionItem]:
    def walk(node: SigmaDetection | SigmaDetectionItem) -> Iterator[SigmaDetectionItem]:
        if isinstance(node, SigmaDetection):
            for child in node.detection_items:
                yield from walk(child)
        else:
            yield node

    for detection in rule.detection.detections.values():
        yield from walk(detection)


def _placeholders(rule: SigmaRule) -> list[str]:
    names = {
        part.name
        for item in _items(rule)
        for value in item.value
        if isinstance(value, SigmaString)
        for part in value.s
        if isinstance(part, Placeholder)
    }
    return [f"placeholder %{n}% (expand) has no value" for n in sorted(names)]


def _conversion_errors(paths: list[str | Path]) -> Iterator[CompatEntry]:
    collection, _ = load_collection(paths)  # fresh rules: conversion applies the pipeline again
    backend = LuceneBackend(linux_pipeline())
    backend.init_processing_pipeline("default")
    for rule in collection.rules:
        if isinstance(rule, SigmaCorrelationRule) or rule.errors:
            continue  # Lucene has no correlations: the export lists them as ES|QL only
        try:
            backend.convert_rule(rule, "default")
        except (SigmaError, NotImplementedError) as exc:
            rule_id, title, path = _identity(rule)
            feature = f"lucene: {type(exc).__name__}: {exc}"
            yield CompatEntry(rule_id, title, path, Status.CONVERSION_ERROR, feature)


def render(report: CompatReport, *, limit: int | None = None) -> str:
    """A plain-text summary: shares, counts by status, features, the table of findings."""
    lines = [
        f"rules loaded {report.loaded}, compiled {report.compiled} "
        f"({report.share_compiled:.1%}), usable with govsec intake {report.usable}",
        "by status: " + ", ".join(f"{s.value} {n}" for s, n in sorted(report.counts().items())),
        "features:",
        *(f"  {n:4d}  {feature}" for feature, n in report.features().most_common()),
        "findings:",
    ]
    problems = report.problems()
    for e in problems[:limit]:
        lines.append(f"  {e.status.value:16s} {Path(e.path).name}  {e.title}  -- {e.feature}")
    if limit is not None and len(problems) > limit:
        lines.append(f"  ... {len(problems) - limit} more")
    return "\n".join(lines) + "\n"
