"""Load Sigma rules, compile them, and run them over events: :class:`Engine`.

Rules are parsed by pySigma, mapped to our ECS events by ``secops.detect.mapping``'s
processing pipeline (field names, and log sources as ``event.dataset`` / ``event.category``
conditions), and compiled by :mod:`secops.detect.compile`. The log-source conditions route
events: each rule is filed under one of them, so an sshd event meets the sshd rules and the
rules without a log source, not the 124 process-creation rules.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from sigma.collection import SigmaCollection
from sigma.conditions import ConditionAND, ConditionFieldEqualsValueExpression
from sigma.correlations import (
    SigmaCorrelationCondition,
    SigmaCorrelationConditionOperator,
    SigmaCorrelationRule,
    SigmaCorrelationType,
)
from sigma.exceptions import SigmaError
from sigma.processing.pipeline import ProcessingPipeline
from sigma.rule import SigmaRule
from sigma.types import SigmaString

from secops.detect.compile import (
    ANY,
    END,
    START,
    WHOLE,
    EventView,
    Field,
    Gate,
    Matcher,
    Unsupported,
    compile_condition,
    gate_of,
    placed,
)
from secops.detect.correlate import KINDS, Fired, Hit, Window
from secops.detect.files import load_collection, rule_path, unreadable
from secops.detect.model import (
    DEFAULT_SUPPRESS,
    LEVELS,
    MAX_EVENT_IDS,
    Detection,
    RuleMeta,
)

ROUTES = ("event.dataset", "event.category")  # filed under the first one a rule has
NOT_GATES = frozenset({*ROUTES, "event.type"})  # log-source conditions: true for every candidate
STATE_VERSION = 1
_DURATION = re.compile(r"^(\d{1,9})([smhd])$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}

PipelineFactory = Callable[[], ProcessingPipeline | None]


@dataclass(frozen=True, slots=True)
class RuleProblem:
    """A rule that is not run, and exactly why."""

    path: str
    rule_id: str
    title: str
    feature: str


@dataclass(slots=True)
class CompiledRule:
    meta: RuleMeta
    matcher: Matcher
    route: tuple[str, str] | None  # (field, lower-cased value) it is filed under
    gate: Gate | None = None  # text a match cannot do without (compile.gate_of)
    generates: bool = True  # False: only feeds correlations (Sigma's generate: false)
    feeds: list[tuple[Correlation, int]] = field(default_factory=list)


@dataclass(slots=True)
class Correlation:
    meta: RuleMeta
    kind: str  # a key of correlate.KINDS
    span: float  # seconds
    threshold: int
    steps: int
    group_by: tuple[str, ...]
    fields: dict[int, tuple[Field, ...]]  # per step: the group-by fields of that rule
    value_field: dict[int, Field | None]
    feeds: list[tuple[Correlation, int]] = field(default_factory=list)
    generates: bool = True

    def window(self) -> Window:
        """Empty windows for this correlation (each engine keeps its own)."""
        return KINDS[self.kind](self.span, self.threshold, self.steps)


@dataclass(slots=True)
class RuleSet:
    rules: list[CompiledRule]
    correlations: list[Correlation]
    problems: list[RuleProblem]

    def __len__(self) -> int:
        return len(self.rules) + len(self.correlations)


def default_pipeline() -> ProcessingPipeline | None:
    from secops.detect.mapping import linux_pipeline

    return linux_pipeline()


def load_rules(
    paths: Iterable[Path], *, pipeline: PipelineFactory | None = default_pipeline
) -> RuleSet:
    """Every rule under ``paths``, compiled; the ones that cannot be run in ``problems``.

    Raises:
        RuleError: a path does not exist.
    """
    collection, errors = load_collection(paths)
    # files that gave no rule, and references to rules that do not exist (path "-")
    problems = [RuleProblem(p, "", "", why) for p, why in unreadable(collection, errors).items()]
    return _compile(collection, problems, pipeline)


def _compile(
    collection: SigmaCollection, problems: list[RuleProblem], pipeline: PipelineFactory | None
) -> RuleSet:
    rules: list[CompiledRule] = []
    by_object: dict[int, CompiledRule | Correlation] = {}
    correlations: list[tuple[SigmaCorrelationRule, str]] = []
    for rule in collection.rules:
        path = rule_path(rule)
        if rule.errors:
            problems.append(_problem(rule, path, "; ".join(str(e) for e in rule.errors)))
            continue
        if isinstance(rule, SigmaCorrelationRule):
            correlations.append((rule, path))
            continue
        if not isinstance(rule, SigmaRule):
            continue
        try:
            compiled = _compile_rule(rule, path, pipeline)
        except Unsupported as exc:
            problems.append(_problem(rule, path, exc.feature))
            continue
        except SigmaError as exc:
            problems.append(_problem(rule, path, f"pySigma: {exc}"))
            continue
        rules.append(compiled)
        by_object[id(rule)] = compiled
    done: list[Correlation] = []
    pending = list(correlations)
    # a correlation may count another correlation's firings: compile it after that one
    while pending:
        waiting = {id(rule) for rule, _ in pending}
        ready = [
            item
            for item in pending
            if not any(id(_referenced(ref)) in waiting for ref in item[0].rules or [])
        ]
        if not ready:  # a cycle of references
            for rule, path in pending:
                problems.append(_problem(rule, path, "correlation references form a cycle"))
            break
        for item in ready:
            pending.remove(item)
            rule, path = item
            try:
                correlation = _compile_correlation(rule, path, by_object)
            except Unsupported as exc:
                problems.append(_problem(rule, path, exc.feature))
                continue
            done.append(correlation)
            by_object[id(rule)] = correlation
    return RuleSet(rules, done, problems)


def _problem(rule: Any, path: str, feature: str) -> RuleProblem:
    return RuleProblem(path, str(rule.id or rule.name or ""), str(rule.title or ""), feature)


def meta_of(rule: SigmaRule | SigmaCorrelationRule, path: str) -> RuleMeta:
    """The rule as alerts show it: MLPS controls and ATT&CK from its tags."""
    controls: list[str] = []
    techniques: list[str] = []
    for tag in rule.tags or []:
        namespace, name = str(tag.namespace).lower(), str(tag.name)
        if namespace == "mlps":
            controls.append(name)
        elif namespace == "attack" and re.fullmatch(r"t\d{4}(\.\d{3})?", name.lower()):
            techniques.append(name.upper())
    level = str(rule.level.name).lower() if rule.level is not None else "medium"
    if level not in LEVELS:
        level = "medium"
    return RuleMeta(
        id=str(rule.id or rule.name or rule.title),
        title=str(rule.title),
        level=level,
        controls=tuple(controls),
        techniques=tuple(techniques),
        suppress=_suppress(rule),
        description=str(rule.description or ""),
        path=path,
    )


def _suppress(rule: SigmaRule | SigmaCorrelationRule) -> timedelta:
    custom = rule.custom_attributes.get("govsec") if rule.custom_attributes else None
    value = custom.get("suppress") if isinstance(custom, dict) else None
    if value is None:
        return DEFAULT_SUPPRESS
    found = _DURATION.match(str(value))
    if not found:
        raise Unsupported(f"govsec.suppress {value!r}: expected a duration like 30m, 2h, 1d")
    return timedelta(seconds=int(found.group(1)) * _SECONDS[found.group(2)])


def _compile_rule(rule: SigmaRule, path: str, pipeline: PipelineFactory | None) -> CompiledRule:
    meta = meta_of(rule, path)
    if pipeline is not None:
        processing = pipeline()
        if processing is not None:
            processing.apply(rule)
    trees = [c.parsed for c in rule.detection.parsed_condition]
    matchers = [compile_condition(tree) for tree in trees]
    if len(matchers) == 1:
        matcher = matchers[0]
    else:
        every = tuple(matchers)

        def matcher(ev: EventView) -> bool:
            return any(m(ev) for m in every)

    route = _route(trees[0]) if len(trees) == 1 else None
    gate = gate_of(trees[0], NOT_GATES) if len(trees) == 1 else None
    return CompiledRule(meta, matcher, route, gate)


def _route(tree: Any) -> tuple[str, str] | None:
    """The (field, value) equality on a routing field that every match must satisfy."""
    found: dict[str, str] = {}

    def walk(node: Any) -> None:
        if isinstance(node, ConditionAND):
            for arg in node.args:
                walk(arg)
        elif (
            isinstance(node, ConditionFieldEqualsValueExpression)
            and node.field in ROUTES
            and isinstance(node.value, SigmaString)
            and not node.value.contains_special()
        ):
            found.setdefault(node.field, str(node.value).lower())

    walk(tree)
    for name in ROUTES:
        if name in found:
            return name, found[name]
    return None


_OPS = {
    SigmaCorrelationConditionOperator.GTE: 0,
    SigmaCorrelationConditionOperator.GT: 1,
}


def _compile_correlation(
    rule: SigmaCorrelationRule, path: str, by_object: dict[int, CompiledRule | Correlation]
) -> Correlation:
    meta = meta_of(rule, path)
    kind = rule.type.name.lower()
    if kind not in KINDS:
        raise Unsupported(f"correlation type {kind}")
    if rule.timespan is None:
        raise Unsupported("correlation without a timespan")
    threshold = 1
    value_name: str | None = None
    refs = list(rule.rules or [])
    if not refs:
        raise Unsupported("correlation without rules to count")
    if rule.type in (SigmaCorrelationType.EVENT_COUNT, SigmaCorrelationType.VALUE_COUNT):
        condition = rule.condition
        if not isinstance(condition, SigmaCorrelationCondition):
            raise Unsupported(f"correlation condition {condition!r}")
        extra = _OPS.get(condition.op)
        if extra is None:
            op = condition.op.name.lower()
            raise Unsupported(
                f"correlation condition {op} (only gte/gt: a lower bound is checked as events"
                " arrive; an upper bound needs the window to close)"
            )
        threshold = int(condition.count) + extra
        if rule.type is SigmaCorrelationType.VALUE_COUNT:
            value_name = str(condition.fieldref) if condition.fieldref else None
            if not value_name:
                raise Unsupported("value_count without a field")
    sources = [by_object.get(id(_referenced(ref))) for ref in refs]
    if any(s is None for s in sources):
        raise Unsupported("correlation references a rule that is not run")
    group_by = tuple(str(g) for g in (rule.group_by or []))
    aliases = _aliases(rule)
    fields: dict[int, tuple[Field, ...]] = {}
    values: dict[int, Field | None] = {}
    for step, ref in enumerate(refs):
        names = [aliases.get(g, {}).get(_ref_key(ref.rule), g) for g in group_by]
        fields[step] = tuple(Field(n) for n in names)
        values[step] = Field(value_name) if value_name else None
    if not meta.controls or not meta.techniques:  # inherit from the rules it counts
        inherited = [s.meta for s in sources if s is not None]
        meta = dataclasses.replace(
            meta,
            controls=meta.controls
            or tuple(dict.fromkeys(c for m in inherited for c in m.controls)),
            techniques=meta.techniques
            or tuple(dict.fromkeys(t for m in inherited for t in m.techniques)),
        )
    correlation = Correlation(
        meta, kind, float(rule.timespan.seconds), threshold, len(refs), group_by, fields, values
    )
    for step, source in enumerate(sources):
        if source is None:
            continue
        source.feeds.append((correlation, step))
        if not rule.generate:
            source.generates = False
    return correlation


def _referenced(ref: Any) -> Any:
    """The rule a correlation reference points to; None when it named no rule loaded."""
    return getattr(ref, "rule", None)


def _ref_key(rule: Any) -> str:
    return str(rule.name or rule.id)


def _aliases(rule: SigmaCorrelationRule) -> dict[str, dict[str, str]]:
    """alias -> {referenced rule's name or id -> its field}."""
    out: dict[str, dict[str, str]] = {}
    if rule.aliases is None:
        return out
    for name, alias in rule.aliases.aliases.items():
        out[str(name)] = {_ref_key(ref.rule): str(f) for ref, f in alias.mapping.items()}
    return out


# -- running ---------------------------------------------------------------------------------


LONG = 256  # characters from which Hyperscan beats Aho-Corasick (bench: 0.5 vs 7 µs at 760)


@dataclass(slots=True)
class Scan:
    """One field's gates: values that must be the whole field (a dict lookup), and the
    literals placed anywhere, at the start or at the end — found in short values by an
    Aho-Corasick automaton (lowest cost per call) and in long ones by Hyperscan (lowest cost
    per character)."""

    field: Field
    whole: dict[str, list[int]]  # value -> positions in Plan.gated
    automaton: Any  # ahocorasick.Automaton: literal -> (length, ((position, place), …)); or None
    database: Any  # hyperscan.Database of the same literals, anchored; or None
    owners: list[list[int]]  # Hyperscan pattern id -> positions in Plan.gated


@dataclass(slots=True)
class Plan:
    """An event's candidate rules: those always run, and those behind gates."""

    always: list[CompiledRule]
    gated: list[CompiledRule]
    scans: list[Scan]


def _found(pattern: int, start: int, end: int, flags: int, found: list[int]) -> None:
    found.append(pattern)


def _pattern(literal: str, place: int) -> bytes:
    """A Hyperscan pattern for a literal: escaped byte for byte, anchored as placed."""
    body = "".join(c if c.isalnum() or ord(c) > 127 else f"\\x{ord(c):02x}" for c in literal)
    if place == START:
        body = "^" + body
    elif place == END:
        body += "\\z"
    return body.encode()


def make_plan(rules: Sequence[CompiledRule]) -> Plan:
    import ahocorasick  # type: ignore[import-not-found,unused-ignore]
    import hyperscan  # type: ignore[import-not-found,unused-ignore]

    always: list[CompiledRule] = []
    gated: list[CompiledRule] = []
    wholes: dict[str, dict[str, list[int]]] = {}
    parts: dict[str, dict[tuple[str, int], list[int]]] = {}
    for rule in rules:
        if rule.gate is None:
            always.append(rule)
            continue
        position = len(gated)
        gated.append(rule)
        for name, literal, place in rule.gate:
            if place == WHOLE:
                wholes.setdefault(name, {}).setdefault(literal, []).append(position)
            else:
                parts.setdefault(name, {}).setdefault((literal, place), []).append(position)
    scans: list[Scan] = []
    for name in sorted(set(wholes) | set(parts)):
        automaton = database = None
        owners: list[list[int]] = []
        if name in parts:
            automaton = ahocorasick.Automaton()
            by_literal: dict[str, list[tuple[int, int]]] = {}
            for (literal, place), positions in parts[name].items():
                by_literal.setdefault(literal, []).extend((p, place) for p in positions)
            for literal, entries in by_literal.items():
                automaton.add_word(literal, (len(literal), tuple(entries)))
            automaton.make_automaton()
            patterns = [_pattern(literal, place) for literal, place in parts[name]]
            owners = list(parts[name].values())
            database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
            database.compile(
                expressions=patterns,
                ids=list(range(len(patterns))),
                elements=len(patterns),
                flags=[hyperscan.HS_FLAG_SINGLEMATCH] * len(patterns),
            )
        scans.append(Scan(Field(name), wholes.get(name, {}), automaton, database, owners))
    return Plan(always, gated, scans)


class Engine:
    """Rules run over events in order; correlation windows kept and restorable."""

    def __init__(self, ruleset: RuleSet, state: bytes | None = None) -> None:
        self.ruleset = ruleset
        self._routed: dict[str, dict[str, list[CompiledRule]]] = {r: {} for r in ROUTES}
        self._unrouted: list[CompiledRule] = []
        for rule in ruleset.rules:
            if rule.route is None:
                self._unrouted.append(rule)
            else:
                self._routed[rule.route[0]].setdefault(rule.route[1], []).append(rule)
        self._plans: dict[tuple[Any, ...], Plan] = {}
        self._windows: dict[int, Window] = {id(c): c.window() for c in ruleset.correlations}
        if state:
            self.restore(state)

    def candidates(self, doc: dict[str, Any]) -> list[CompiledRule]:
        """The rules an event can match, by its dataset and categories."""
        event = doc.get("event")
        if not isinstance(event, dict):
            return self._unrouted
        chosen: list[CompiledRule] = []
        dataset = event.get("dataset")
        category = event.get("category")
        if isinstance(dataset, str):
            chosen.extend(self._routed["event.dataset"].get(dataset.lower(), []))
        for cat in category if isinstance(category, list) else [category]:
            if isinstance(cat, str):
                chosen.extend(self._routed["event.category"].get(cat.lower(), []))
        chosen.extend(self._unrouted)
        return chosen

    def plan(self, doc: dict[str, Any]) -> Plan:
        """How to run an event's candidate rules, made once per dataset and categories."""
        event = doc.get("event")
        key: tuple[Any, ...] = ()
        if isinstance(event, dict):
            category = event.get("category")
            key = (
                event.get("dataset"),
                tuple(category) if isinstance(category, list) else category,
            )
        found = self._plans.get(key)
        if found is None:
            found = make_plan(self.candidates(doc))
            if len(self._plans) < 4096:
                self._plans[key] = found
        return found

    def process(self, doc: dict[str, Any]) -> list[Detection]:
        """The detections this event raises (single-event rules, and correlations it completes)."""
        plan = self.plan(doc)
        view = EventView(doc)
        out: list[Detection] = []
        for rule in plan.always:
            if rule.matcher(view):
                self._matched(rule, doc, view, out)
        if plan.scans:
            hits: set[int] = set()
            found: list[int] = []
            for scan in plan.scans:
                for value in view.lower(scan.field):
                    exact = scan.whole.get(value)
                    if exact is not None:
                        hits.update(exact)
                    if scan.automaton is None:
                        continue
                    if len(value) >= LONG:
                        scan.database.scan(
                            value.encode(), match_event_handler=_found, context=found
                        )
                        for pattern in found:
                            hits.update(scan.owners[pattern])
                        found.clear()
                        continue
                    for end, (length, entries) in scan.automaton.iter(value):
                        for position, place in entries:
                            if place == ANY or placed(value, end, length, place):
                                hits.add(position)
            if hits:
                gated = plan.gated
                for position in sorted(hits):
                    rule = gated[position]
                    if rule.matcher(view):
                        self._matched(rule, doc, view, out)
        return out

    def _matched(
        self, rule: CompiledRule, doc: dict[str, Any], view: EventView, out: list[Detection]
    ) -> None:
        if rule.generates:
            out.append(_single(rule.meta, doc))
        if rule.feeds:
            hit = _hit(doc)
            for correlation, step in rule.feeds:
                self._feed(correlation, step, view, hit, out)

    def _feed(
        self, correlation: Correlation, step: int, view: EventView, hit: Hit, out: list[Detection]
    ) -> None:
        group = tuple((view.values(f) or ("",))[0] for f in correlation.fields.get(step, ()))
        value_field = correlation.value_field.get(step)
        value = (view.values(value_field) or (None,))[0] if value_field is not None else None
        fired = self._windows[id(correlation)].feed(step, group, hit, value)
        if fired is None:
            return
        detection = _correlated(correlation, fired)
        if correlation.generates:
            out.append(detection)
        for parent, parent_step in correlation.feeds:
            doc = _nested(detection.group)
            if detection.host is not None:
                doc.setdefault("host", {}).setdefault("name", detection.host)
            parent_hit: Hit = (fired.hits[-1][0], fired.hits[-1][1], detection.host)
            self._feed(parent, parent_step, EventView(doc), parent_hit, out)

    # -- state ------------------------------------------------------------------------------

    def state(self) -> bytes:
        """Every correlation's windows, to restore after a restart."""
        windows = {c.meta.id: self._windows[id(c)].dump() for c in self.ruleset.correlations}
        return orjson.dumps({"version": STATE_VERSION, "windows": windows})

    def restore(self, blob: bytes) -> None:
        try:
            data = orjson.loads(blob)
        except orjson.JSONDecodeError:
            return
        if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
            return
        windows = data.get("windows", {})
        for correlation in self.ruleset.correlations:
            saved = windows.get(correlation.meta.id)
            if isinstance(saved, dict):
                self._windows[id(correlation)].load(saved)

    def evicted(self) -> int:
        return sum(w.evicted for w in self._windows.values())

    def groups(self) -> int:
        """Correlation groups held in memory now."""
        return sum(len(w.groups) for w in self._windows.values())


def event_time(doc: dict[str, Any]) -> datetime:
    stamp = doc.get("@timestamp")
    if isinstance(stamp, str):
        try:
            parsed = datetime.fromisoformat(stamp)
        except ValueError:
            pass
        else:
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return datetime.now(UTC)


def _host(doc: dict[str, Any]) -> str | None:
    host = doc.get("host")
    if isinstance(host, dict):
        name = host.get("name") or host.get("hostname")
        return name if isinstance(name, str) else None
    return None


def _eid(doc: dict[str, Any]) -> str:
    event = doc.get("event")
    eid = event.get("id") if isinstance(event, dict) else None
    return eid if isinstance(eid, str) else ""


def _hit(doc: dict[str, Any]) -> Hit:
    return (event_time(doc).timestamp(), _eid(doc), _host(doc))


def _single(meta: RuleMeta, doc: dict[str, Any]) -> Detection:
    when = event_time(doc).astimezone(UTC)
    eid = _eid(doc)
    return Detection(meta, _host(doc), {}, when, when, 1, [eid] if eid else [])


def _correlated(correlation: Correlation, fired: Fired) -> Detection:
    group = dict(zip(correlation.group_by, fired.group, strict=True))
    hosts = [h for _, _, h in fired.hits if h]
    host = group.get("host.name") or (hosts[-1] if hosts else None)
    first = datetime.fromtimestamp(fired.hits[0][0], UTC)
    last = datetime.fromtimestamp(fired.hits[-1][0], UTC)
    ids = [e for _, e, _ in fired.hits if e][-MAX_EVENT_IDS:]
    return Detection(correlation.meta, host, group, first, last, fired.count, ids)


def _nested(flat: dict[str, str]) -> dict[str, Any]:
    doc: dict[str, Any] = {}
    for name, value in flat.items():
        node = doc
        *parents, last = name.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return doc
