"""Sigma rules to Elasticsearch queries: Lucene, Kibana detection rules, ES|QL.

Every rule goes through :func:`secops.detect.mapping.linux_pipeline` first, so the queries
name the ECS fields govsec writes. Nothing is dropped silently: a rule a target cannot express
(a correlation in Lucene) is listed in :attr:`ExportResult.skipped` with its reason, and named
in the output's header.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from sigma.backends.elasticsearch.elasticsearch_esql import ESQLBackend
from sigma.backends.elasticsearch.elasticsearch_lucene import LuceneBackend
from sigma.collection import SigmaCollection
from sigma.conversion.base import TextQueryBackend
from sigma.correlations import SigmaCorrelationRule
from sigma.exceptions import SigmaError
from sigma.processing.pipeline import ProcessingItem, ProcessingPipeline
from sigma.processing.transformations import SetStateTransformation
from sigma.rule import SigmaRule, SigmaRuleTag

from secops.detect.files import load_collection
from secops.detect.mapping import linux_pipeline

DEFAULT_INDEX = "logs-govsec.*-*"
"""The data streams govsec's Elasticsearch store writes (``logs-<prefix>.<dataset>-*``)."""

# Fields govsec's index template stores but does not index (secops/store/elasticsearch.py):
# a query on them finds nothing there, so the export says which rules use them.
NOT_INDEXED = ("auditd.records.", "event.original")


# ATT&CK enterprise tactics (Sigma tag name -> id), so Kibana rules carry their threat mapping
# without pySigma downloading the ATT&CK STIX bundle from GitHub at export time
_TACTICS = {
    "reconnaissance": "TA0043", "resource_development": "TA0042", "initial_access": "TA0001",
    "execution": "TA0002", "persistence": "TA0003", "privilege_escalation": "TA0004",
    "defense_evasion": "TA0005", "credential_access": "TA0006", "discovery": "TA0007",
    "lateral_movement": "TA0008", "collection": "TA0009", "command_and_control": "TA0011",
    "exfiltration": "TA0010", "impact": "TA0040",
}  # fmt: skip
_TECHNIQUE = re.compile(r"t\d{4}(?:\.\d{3})?")


class OfflineLuceneBackend(LuceneBackend):
    """LuceneBackend whose Kibana rules get their ATT&CK ``threat`` from the rule's tags alone.

    pySigma's own version downloads MITRE's STIX bundle (GitHub) for technique names: that
    fails offline, as government networks are. Names are left as the ids here.
    """

    def finalize_output_threat_model(self, tags: list[SigmaRuleTag]) -> Iterable[dict[str, Any]]:
        """One threat entry per tactic tag, with the rule's technique tags under it."""
        names = [t.name.lower() for t in tags if t.namespace == "attack"]
        techniques = [n.upper() for n in names if _TECHNIQUE.fullmatch(n)]
        for tactic in (n for n in names if n in _TACTICS):
            tactic_id = _TACTICS[tactic]
            yield {
                "framework": "MITRE ATT&CK",
                "tactic": {
                    "id": tactic_id,
                    "name": tactic.replace("_", " ").title(),
                    "reference": f"https://attack.mitre.org/tactics/{tactic_id}/",
                },
                "technique": [_technique(t) for t in techniques if "." not in t],
            }


def _technique(technique: str) -> dict[str, Any]:
    return {
        "id": technique,
        "name": technique,
        "reference": f"https://attack.mitre.org/techniques/{technique}/",
        "subtechnique": [],
    }


class Target(StrEnum):
    """Export formats."""

    LUCENE = "lucene"
    KIBANA_NDJSON = "kibana-ndjson"
    ESQL = "esql"


# target -> (pySigma backend, its output format, comment prefix or None for NDJSON)
_FORMATS: dict[Target, tuple[type[TextQueryBackend], str, str | None]] = {
    Target.LUCENE: (LuceneBackend, "default", "#"),
    # siem_rule_ndjson is what Kibana's detection engine imports (Security > Rules > Import,
    # or POST /api/detection_engine/rules/_import); kibana_ndjson is a Discover saved search.
    Target.KIBANA_NDJSON: (OfflineLuceneBackend, "siem_rule_ndjson", None),
    Target.ESQL: (ESQLBackend, "default", "//"),
}
_NO_CORRELATION = "correlation rules cannot be expressed in Lucene: use --target esql"
_ESQL_BUCKETS = (
    "ES|QL correlations count per fixed time bucket (date_trunc of @timestamp by the rule's "
    "timespan), not in a sliding window as govsec's engine does: a burst split by a bucket "
    "boundary can stay under the threshold."
)


@dataclass
class ExportResult:
    """What an export produced; ``text`` is what ``govsec detect export`` writes."""

    target: Target
    text: str
    converted: list[str] = field(default_factory=list)  # "id title" of each converted rule
    skipped: list[tuple[str, str]] = field(default_factory=list)  # ("id title", reason)
    warnings: list[tuple[str, str]] = field(default_factory=list)  # converted, with a caveat


def rule_label(rule: SigmaRule | SigmaCorrelationRule) -> str:
    """``<id> <title>``: how reports name a rule."""
    return f"{rule.id or rule.name or '-'} {rule.title}"


def export_rules(
    rules: SigmaCollection | Iterable[str | Path],
    target: Target | str,
    *,
    index: str = DEFAULT_INDEX,
) -> ExportResult:
    """Convert rules for Elasticsearch; never raises for a rule, records it instead.

    Args:
        rules: a loaded collection, or rule files/directories (see :func:`load_collection`).
        target: ``lucene`` (one query per rule after a ``#`` header line), ``kibana-ndjson``
            (Elastic Security detection rules, one JSON object per line) or ``esql``.
        index: index pattern the Kibana rules and ES|QL ``FROM`` read.
    """
    target = Target(target)
    if isinstance(rules, SigmaCollection):
        collection, load_errors = rules, list[tuple[str, str]]()
        collection.resolve_rule_references()
    else:
        collection, load_errors = load_collection(rules)
    backend_class, fmt, comment = _FORMATS[target]
    backend = _backend(backend_class, index)
    backend.init_processing_pipeline(fmt)
    result = ExportResult(target, "")
    result.skipped += [(path, f"not loaded: {error}") for path, error in load_errors]
    chunks: list[str] = []
    for rule in collection.rules:
        rendered = _convert(backend, rule, fmt, target, result)
        if rendered is not None:
            chunks.append(_render(rule, rendered, comment))
    result.text = _header(result, comment, index) + "".join(chunks)
    return result


def _backend(backend_class: type[TextQueryBackend], index: str) -> TextQueryBackend:
    pipeline = linux_pipeline()
    if backend_class is ESQLBackend:
        pipeline += ProcessingPipeline(
            items=[ProcessingItem(SetStateTransformation("index", index), identifier="index")]
        )
        return ESQLBackend(pipeline)
    if backend_class is OfflineLuceneBackend:
        return OfflineLuceneBackend(pipeline, index_names=[index])
    return LuceneBackend(pipeline, index_names=[index])


def _convert(
    backend: TextQueryBackend,
    rule: SigmaRule | SigmaCorrelationRule,
    fmt: str,
    target: Target,
    result: ExportResult,
) -> list[Any] | None:
    label = rule_label(rule)
    if isinstance(rule, SigmaCorrelationRule) and target is not Target.ESQL:
        result.skipped.append((label, _NO_CORRELATION))
        return None
    try:
        if isinstance(rule, SigmaCorrelationRule):
            queries = backend.convert_correlation_rule(rule, fmt)
        else:
            queries = backend.convert_rule(rule, fmt)
    except (SigmaError, NotImplementedError) as exc:
        result.skipped.append((label, f"{type(exc).__name__}: {exc}"))
        return None
    if not queries:  # convert_rule still keeps the query for the correlations using it
        why = "the backend produced no query"
        if isinstance(rule, SigmaRule) and not rule._output:
            why = "used only by a correlation rule (generate: false)"
        result.skipped.append((label, why))
        return None
    result.converted.append(label)
    used = [name for name in NOT_INDEXED if any(name in json.dumps(q) for q in queries)]
    if used:
        result.warnings.append(
            (label, f"uses {', '.join(used)}: not indexed by govsec's Elasticsearch template")
        )
    return list(queries)


def _render(rule: SigmaRule | SigmaCorrelationRule, queries: list[Any], comment: str | None) -> str:
    if comment is None:  # NDJSON: the rule's id and title are inside each object
        return "".join(json.dumps(q, ensure_ascii=False, sort_keys=True) + "\n" for q in queries)
    head = f"{comment} {rule_label(rule)}\n"
    return head + "".join(f"{q}\n" for q in queries) + "\n"


def _header(result: ExportResult, comment: str | None, index: str) -> str:
    if comment is None:  # a comment would break an NDJSON import: the CLI prints counts
        return ""
    lines = [
        f"govsec detect export --target {result.target.value}: {len(result.converted)} rules "
        f"converted, {len(result.skipped)} skipped; fields mapped to ECS by linux_pipeline",
    ]
    if result.target is Target.ESQL:
        lines += [f"FROM {index}", _ESQL_BUCKETS]
    lines += [f"skipped {label}: {reason}" for label, reason in result.skipped]
    lines += [f"caveat {label}: {why}" for label, why in result.warnings]
    return "".join(f"{comment} {line}\n" for line in lines) + "\n"
