"""Sigma's Linux log sources and field names mapped to govsec's ECS events.

:func:`linux_pipeline` is applied to every rule, ours and public ones, before the engine
compiles it and before an export converts it. Per log source it renames Sigma's field names
(Sysmon for Linux's ``Image``, auditd's ``exe`` ...) to where our parsers put the value
(docs/ingest.md), and ANDs equality conditions on ``event.dataset`` / ``event.category`` /
``event.type`` in front of the rule's condition, under the detection name
:data:`LOGSOURCE_DETECTION`, so the engine can index rules by them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sigma.correlations import SigmaCorrelationRule
from sigma.processing.conditions import (
    IncludeFieldCondition,
    LogsourceCondition,
    RuleProcessingCondition,
)
from sigma.processing.pipeline import ProcessingItem, ProcessingPipeline
from sigma.processing.transformations import (
    AddConditionTransformation,
    AddFieldnamePrefixTransformation,
    FieldMappingTransformation,
    MapStringTransformation,
)
from sigma.processing.transformations.base import DetectionItemTransformation
from sigma.rule import SigmaDetection, SigmaDetectionItem, SigmaLogSource, SigmaRule
from sigma.types import SigmaString, SigmaType, SpecialChars

LOGSOURCE_DETECTION = "_govsec_logsource"
"""Name of the detection the pipeline adds: the log source's equality conditions. The leading
underscore keeps it out of ``1 of them`` / ``all of them`` (pySigma skips ``_`` names there)."""
KEYWORD_FIELD = "event.original"
"""Where keyword detections (a bare list of values) search: the raw line, as a substring."""

PIPELINE_NAME = "govsec linux to ECS"


@dataclass(frozen=True)
class LogSourceMap:
    """How one Sigma log source lands on our events."""

    category: str | None
    service: str | None
    fields: dict[str, str]
    conditions: dict[str, str]
    note: str = ""
    produced: frozenset[str] = frozenset()  # mapped ECS fields some govsec parser fills here

    @property
    def ident(self) -> str:
        """``category:x`` or ``service:y``: the id of its pipeline items."""
        return f"category:{self.category}" if self.category else f"service:{self.service}"


# Sysmon for Linux (the names Sigma's linux rules use) -> ECS as our parsers fill it.
_PROCESS = {
    "Image": "process.executable",
    "CommandLine": "process.command_line",
    "ParentImage": "process.parent.executable",
    "ParentCommandLine": "process.parent.command_line",
    "OriginalFileName": "process.name",
    "User": "user.name",
    "CurrentDirectory": "process.working_directory",
    "ProcessId": "process.pid",
    "ParentProcessId": "process.parent.pid",
    "ProcessGuid": "process.entity_id",
    "ParentProcessGuid": "process.parent.entity_id",
    # Sysmon for Linux writes the audit login uid (auid) as LogonId
    "LogonId": "user.audit.id",
}
_FILE = {
    "TargetFilename": "file.path",
    "Image": "process.executable",
    "ProcessId": "process.pid",
    "User": "user.name",
}
_NETWORK = {
    "Image": "process.executable",
    "ProcessId": "process.pid",
    "User": "user.name",
    "Protocol": "network.transport",
    "Initiated": "network.direction",
    "SourceIp": "source.ip",
    "SourcePort": "source.port",
    "SourceHostname": "source.domain",
    "DestinationIp": "destination.ip",
    "DestinationPort": "destination.port",
    "DestinationHostname": "destination.domain",
}
# auditd: fields with an ECS field of the same meaning that the parser always sets from the
# primary record; every other raw key is a key of some record in ``auditd.records``.
_AUDITD = {
    "exe": "process.executable",
    "comm": "process.name",
    "pid": "process.pid",
    "ppid": "process.parent.pid",
    "cwd": "process.working_directory",
    "proctitle": "process.title",
    # the parser splits the (multi-)key into tags; a CONFIG_CHANGE record's key= names the
    # audit rule being changed, not this event's key, so auditd.records.key would mislead
    "key": "tags",
}
AUDITD_RECORDS = "auditd.records."
# a bare name is a raw audit key unless it is one of ECS's undotted top-level fields
_RAW_AUDIT_KEY = r"^(?!(?:message|tags|labels)$)[^.@]+$"

LOG_SOURCES: tuple[LogSourceMap, ...] = (
    LogSourceMap(
        "process_creation",
        None,
        _PROCESS,
        {"event.category": "process", "event.type": "start"},
        "auditd EXECVE and USER_CMD, sudo COMMAND=, cron CMD, systemd Started",
        frozenset(
            {"process.executable", "process.command_line", "process.name", "user.name"}
            | {"process.working_directory", "process.pid", "process.parent.pid", "user.audit.id"}
        ),
    ),
    LogSourceMap(
        "file_event",
        None,
        _FILE,
        {"event.category": "file"},
        "auditd watches and open/rename/chmod syscalls (no creation type: O_CREAT is not decoded)",
        frozenset({"file.path", "process.executable", "process.pid", "user.name"}),
    ),
    LogSourceMap(
        "network_connection",
        None,
        _NETWORK,
        {"event.category": "network", "event.type": "connection"},
        "auditd connect/accept (no addresses: SOCKADDR is not decoded), kernel firewall logs",
        frozenset(
            {"process.executable", "process.pid", "user.name", "network.transport"}
            | {"source.ip", "source.port", "destination.ip", "destination.port"}
        ),
    ),
    LogSourceMap("webserver", None, {}, {"event.category": "web"}, "nginx and apache logs"),
    LogSourceMap(
        None,
        "auditd",
        _AUDITD,
        {"event.dataset": "auditd"},
        "audit.log",
        frozenset(_AUDITD.values()),
    ),
    LogSourceMap(None, "sshd", {}, {"event.dataset": "sshd"}, "OpenSSH"),
    LogSourceMap(None, "sudo", {}, {"event.dataset": "sudo"}, "sudo"),
    LogSourceMap(None, "su", {}, {"event.dataset": "su"}, "su"),
    LogSourceMap(None, "cron", {}, {"event.dataset": "cron"}, "cron, crond, anacron, crontab"),
    LogSourceMap(None, "syslog", {}, {}, "every syslog line, whatever its program"),
    LogSourceMap(None, "auth", {}, {}, "auth.log: sshd, pam, sudo, su, accounts ... together"),
)
_BY_CATEGORY = {m.category: m for m in LOG_SOURCES if m.category}
_BY_SERVICE = {m.service: m for m in LOG_SOURCES if m.service}
_PRODUCTS = frozenset({"linux", None})


@dataclass
class KeywordsToFieldTransformation(DetectionItemTransformation):
    """Keyword values become ``event.original`` contains-matches.

    Sigma's keyword search is a full-text search; backends render it as ``*value*``. Naming
    the field gives the engine, ES|QL and SQLite (which refuse value-only expressions) the same
    meaning the contract gives keywords: a substring of the raw line.
    """

    field: str = KEYWORD_FIELD

    def apply_detection_item(
        self, detection_item: SigmaDetectionItem
    ) -> SigmaDetection | SigmaDetectionItem | None:
        """Name the field of a keyword item and make its strings substring patterns."""
        if detection_item.field is not None:
            return None
        detection_item.field = self.field
        detection_item.value = [_contains(v) for v in detection_item.value]
        self.processing_item_applied(detection_item)
        return None


def _contains(value: SigmaType) -> SigmaType:
    if not isinstance(value, SigmaString) or value.contains_placeholder():
        return value
    if not value.startswith(SpecialChars.WILDCARD_MULTI):
        value = SpecialChars.WILDCARD_MULTI + value
    if not value.endswith(SpecialChars.WILDCARD_MULTI):
        value = value + SpecialChars.WILDCARD_MULTI
    return value


def _items(source: LogSourceMap) -> list[ProcessingItem]:
    def where() -> list[RuleProcessingCondition]:  # a condition belongs to one item only
        return [LogsourceCondition(category=source.category, service=source.service)]

    items: list[ProcessingItem] = []
    if source.fields:
        items.append(
            ProcessingItem(
                identifier=f"govsec_fields_{source.ident}",
                transformation=FieldMappingTransformation(dict(source.fields)),  # type: ignore[arg-type]
                rule_conditions=where(),
            )
        )
    if source.service == "auditd":
        items.append(
            ProcessingItem(
                identifier="govsec_fields_auditd_records",
                transformation=AddFieldnamePrefixTransformation(AUDITD_RECORDS),
                rule_conditions=where(),
                field_name_conditions=[IncludeFieldCondition([_RAW_AUDIT_KEY], "re")],
            )
        )
    if source.category == "network_connection":
        items.append(
            ProcessingItem(
                identifier="govsec_values_initiated",
                transformation=MapStringTransformation({"true": "egress", "false": "ingress"}),
                rule_conditions=where(),
                field_name_conditions=[IncludeFieldCondition(["network.direction"])],
            )
        )
    return items


def _condition_item(source: LogSourceMap) -> ProcessingItem:
    return ProcessingItem(
        identifier=f"govsec_logsource_{source.ident}",
        transformation=AddConditionTransformation(
            dict(source.conditions), name=LOGSOURCE_DETECTION
        ),
        rule_conditions=[LogsourceCondition(category=source.category, service=source.service)],
    )


def linux_pipeline() -> ProcessingPipeline:
    """The pipeline from Sigma's Linux log sources and fields to our ECS events.

    Field renames come first, the log source conditions last, so the added ECS conditions are
    never renamed. A fresh pipeline each call: pySigma pipelines keep state while applied.
    """
    items = [item for source in LOG_SOURCES for item in _items(source)]
    items.append(
        ProcessingItem(identifier="govsec_keywords", transformation=KeywordsToFieldTransformation())
    )
    items += [_condition_item(s) for s in LOG_SOURCES if s.conditions]
    return ProcessingPipeline(name=PIPELINE_NAME, priority=20, items=items)


def source_map(logsource: SigmaLogSource) -> LogSourceMap | None:
    """The mapping that applies to a log source (its category first), or None."""
    if logsource.category is not None:
        return _BY_CATEGORY.get(logsource.category)
    if logsource.service is not None:
        return _BY_SERVICE.get(logsource.service)
    return None


def logsource_support(rule: SigmaRule | SigmaCorrelationRule) -> str | None:
    """Why no govsec intake produces events for the rule's log source; None when one does.

    A correlation rule is supported when every rule it refers to is (references must be
    resolved: ``SigmaCollection.resolve_rule_references()``).
    """
    if isinstance(rule, SigmaCorrelationRule):
        reasons = [
            f"{ref.rule.title}: {why}"
            for ref in rule.rules or []
            if isinstance(ref.rule, SigmaRule) and (why := logsource_support(ref.rule)) is not None
        ]
        return "; ".join(reasons) or None
    source = rule.logsource
    if source.product not in _PRODUCTS:
        return f"log source product {source.product} is not linux"
    if source.category is not None and source.category not in _BY_CATEGORY:
        return f"no govsec parser for category {source.category}"
    if source.service is not None and source.service not in _BY_SERVICE:
        return f"no govsec parser for service {source.service}"
    if source.product is None and source.category is None and source.service is None:
        return "log source names no product, category or service"
    return None


def index_conditions(rule: SigmaRule) -> dict[str, str]:
    """The log source equalities the pipeline added to a processed rule (``{}`` if none)."""
    detection = rule.detection.detections.get(LOGSOURCE_DETECTION)
    if detection is None:
        return {}
    found: dict[str, str] = {}
    for item in detection.detection_items:
        if isinstance(item, SigmaDetectionItem) and item.field and len(item.value) == 1:
            found[item.field] = str(item.value[0])
        elif isinstance(item, SigmaDetection):
            found |= {
                i.field: str(i.value[0])
                for i in item.detection_items
                if isinstance(i, SigmaDetectionItem) and i.field and len(i.value) == 1
            }
    return found


def mapped_fields(source: SigmaLogSource) -> frozenset[str]:
    """Sigma field names the mapping of this log source knows (renamed ones)."""
    found = source_map(source)
    return frozenset(found.fields) if found is not None else frozenset()
