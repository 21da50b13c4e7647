"""Sigma detection conditions, as pySigma parses them, compiled into Python matchers.

pySigma has already done the language: modifiers turned into wildcard strings, regular
expressions, CIDR, comparisons, expansions (``base64offset``, ``windash``), and ``1 of
sel*`` / ``all of them`` into plain AND/OR trees. What is left is to test those values
against an event quickly:

- a field path walks nested dicts and every element of a list (``auditd.records.type``), a
  condition holds when any value matches; values compare as text, case-insensitively unless
  ``|cased``; a missing field is null;
- strings become ``==``, ``startswith``, ``endswith`` or ``in`` on the lower-cased value
  where they can, a regular expression otherwise, and the values of one OR on one field are
  tested together (``v.endswith(("/bash", "/sh"))``);
- keyword detections match ``event.original``.

Anything else is refused with the exact feature (:class:`Unsupported`), never ignored.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sigma.conditions import (
    ConditionAND,
    ConditionFieldEqualsValueExpression,
    ConditionNOT,
    ConditionOR,
    ConditionValueExpression,
)
from sigma.types import (
    CompareOperators,
    Placeholder,
    SigmaBool,
    SigmaCasedString,
    SigmaCIDRExpression,
    SigmaCompareExpression,
    SigmaExists,
    SigmaExpansion,
    SigmaFieldReference,
    SigmaNull,
    SigmaNumber,
    SigmaRegularExpression,
    SigmaRegularExpressionFlag,
    SigmaString,
    SigmaTimestampPart,
    SpecialChars,
    TimestampPart,
)

Doc = dict[str, Any]
KEYWORD_FIELD = "event.original"


class Unsupported(Exception):  # noqa: N818 - a finding about a rule, not a failure of ours
    """A rule uses something the engine cannot evaluate; ``feature`` names it exactly."""

    def __init__(self, feature: str) -> None:
        super().__init__(feature)
        self.feature = feature


class EventView:
    """One event, with the values of each field asked for kept while its rules run."""

    __slots__ = ("_lower", "_values", "doc")

    def __init__(self, doc: Doc) -> None:
        self.doc = doc
        self._values: dict[str, tuple[str, ...]] = {}
        self._lower: dict[str, tuple[str, ...]] = {}

    def values(self, field: Field) -> tuple[str, ...]:
        found = self._values.get(field.name)
        if found is None:
            found = extract(self.doc, field.parts)
            self._values[field.name] = found
        return found

    def lower(self, field: Field) -> tuple[str, ...]:
        found = self._lower.get(field.name)
        if found is None:
            found = tuple(v.lower() for v in self.values(field))
            self._lower[field.name] = found
        return found


class Field:
    """A dotted field name, split once."""

    __slots__ = ("name", "parts")

    def __init__(self, name: str) -> None:
        self.name = name
        self.parts = tuple(name.split("."))


def text(value: object) -> str | None:
    """A scalar as the text rules compare with; None for objects and nulls."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return None


def extract(doc: Doc, parts: Sequence[str]) -> tuple[str, ...]:
    """Every scalar at ``parts`` under ``doc``, walking into lists on the way."""
    current: Any = doc
    last = len(parts) - 1
    for i, key in enumerate(parts):
        if isinstance(current, dict):
            current = current.get(key)
            if current is None:
                return ()
        elif isinstance(current, list):
            found: list[str] = []
            for item in current:
                if i == last and isinstance(item, dict):
                    # objects with one key left: the 30-odd auditd.records.* fields rules ask
                    # for, so this is the quick path
                    value = item.get(key)
                    if isinstance(value, str):
                        found.append(value)
                    elif value is not None:
                        found.extend(extract_any(value, ()))
                else:
                    found.extend(extract_any(item, parts[i:]))
            return tuple(found)
        else:
            return ()
    if isinstance(current, list):
        return tuple(extract_any(current, ()))
    one = text(current)
    return () if one is None else (one,)


def extract_any(value: Any, parts: Sequence[str]) -> list[str]:
    if isinstance(value, list):
        found: list[str] = []
        for item in value:
            found.extend(extract_any(item, parts))
        return found
    if parts:
        if isinstance(value, dict):
            return list(extract(value, parts))
        return []
    one = text(value)
    return [] if one is None else [one]


Matcher = Callable[[EventView], bool]
Test = Callable[[str], bool]  # one value (lower-cased unless the test is cased)


def compile_condition(node: Any) -> Matcher:
    """The matcher of a parsed Sigma condition tree."""
    if isinstance(node, ConditionAND):
        return _all([compile_condition(a) for a in _ordered(node.args)])
    if isinstance(node, ConditionOR):
        return _any(_or_children(node.args))
    if isinstance(node, ConditionNOT):
        inner = compile_condition(node.args[0])
        return lambda ev: not inner(ev)
    if isinstance(node, ConditionFieldEqualsValueExpression):
        return _field_matcher(Field(node.field), [node.value])
    if isinstance(node, ConditionValueExpression):
        return _field_matcher(Field(KEYWORD_FIELD), [node.value])
    raise Unsupported(f"condition element {type(node).__name__}")


def _ordered(args: Sequence[Any]) -> list[Any]:
    """Cheap, selective tests first: plain equalities before substring scans and regexes."""

    def cost(node: Any) -> int:
        if isinstance(node, ConditionFieldEqualsValueExpression):
            value = node.value
            if isinstance(value, SigmaString) and not value.contains_special():
                return 0
            if isinstance(value, SigmaString):
                return 1
            if isinstance(value, SigmaRegularExpression):
                return 3
            return 2
        return 2 if isinstance(node, ConditionOR) else 3

    return sorted(args, key=cost)


def _or_children(args: Sequence[Any]) -> list[Matcher]:
    """Field tests of an OR grouped by field, so each field's values are fetched once."""
    by_field: dict[str, list[Any]] = {}
    others: list[Matcher] = []
    for node in args:
        if isinstance(node, ConditionFieldEqualsValueExpression):
            by_field.setdefault(node.field, []).append(node.value)
        elif isinstance(node, ConditionValueExpression):
            by_field.setdefault(KEYWORD_FIELD, []).append(node.value)
        else:
            others.append(compile_condition(node))
    grouped = [_field_matcher(Field(name), values) for name, values in by_field.items()]
    return grouped + others


def _all(matchers: list[Matcher]) -> Matcher:
    if len(matchers) == 1:
        return matchers[0]
    if len(matchers) == 2:
        first, second = matchers
        return lambda ev: first(ev) and second(ev)
    if len(matchers) == 3:
        a, b, c = matchers
        return lambda ev: a(ev) and b(ev) and c(ev)
    found = tuple(matchers)

    def every(ev: EventView) -> bool:
        for matcher in found:  # noqa: SIM110 - a plain loop: no generator per event
            if not matcher(ev):
                return False
        return True

    return every


def _any(matchers: list[Matcher]) -> Matcher:
    if len(matchers) == 1:
        return matchers[0]
    if len(matchers) == 2:
        first, second = matchers
        return lambda ev: first(ev) or second(ev)
    found = tuple(matchers)

    def some(ev: EventView) -> bool:
        for matcher in found:  # noqa: SIM110 - a plain loop: no generator per event
            if matcher(ev):
                return True
        return False

    return some


# -- one field, one or more values (an OR) --------------------------------------------------


def _field_matcher(field: Field, values: Sequence[Any]) -> Matcher:
    """Matches when the field has a value passing any of ``values``' tests."""
    flat: list[Any] = []
    for value in values:
        flat.extend(value.values if isinstance(value, SigmaExpansion) else [value])
    special = [_special(field, v) for v in flat if not _is_text(v)]
    lower_tests: list[Test] = []
    cased_tests: list[Test] = []
    _string_tests(
        [v for v in flat if _is_text(v) and not isinstance(v, SigmaCasedString)],
        lower=True,
        into=lower_tests,
    )
    _string_tests(
        [v for v in flat if isinstance(v, SigmaCasedString)], lower=False, into=cased_tests
    )
    matchers = list(special)
    if lower_tests:
        matchers.append(_values_test(field, _any_test(lower_tests), lower=True))
    if cased_tests:
        matchers.append(_values_test(field, _any_test(cased_tests), lower=False))
    if not matchers:
        raise Unsupported(f"field {field.name} with no value to compare")
    return _any(matchers)


def _is_text(value: Any) -> bool:
    return isinstance(value, SigmaString | SigmaNumber | SigmaBool)


def _values_test(field: Field, test: Test, *, lower: bool) -> Matcher:
    if lower:

        def lowered(ev: EventView) -> bool:
            for value in ev.lower(field):  # noqa: SIM110 - no generator per test
                if test(value):
                    return True
            return False

        return lowered

    def cased(ev: EventView) -> bool:
        for value in ev.values(field):  # noqa: SIM110 - no generator per test
            if test(value):
                return True
        return False

    return cased


def _any_test(tests: list[Test]) -> Test:
    if len(tests) == 1:
        return tests[0]
    found = tuple(tests)
    return lambda v: any(t(v) for t in found)


def _string_tests(values: Sequence[Any], *, lower: bool, into: list[Test]) -> None:
    """The tests of plain values, merged by kind: one set, one startswith tuple …"""
    equal: set[str] = set()
    prefixes: list[str] = []
    suffixes: list[str] = []
    needles: list[str] = []
    patterns: list[str] = []
    for value in values:
        if isinstance(value, SigmaNumber | SigmaBool):
            equal.add(text(value.number if isinstance(value, SigmaNumber) else value.boolean) or "")
            continue
        kind, literal = _shape(value)
        if lower:
            literal = literal.lower()
        if kind == "equal":
            equal.add(literal)
        elif kind == "prefix":
            prefixes.append(literal)
        elif kind == "suffix":
            suffixes.append(literal)
        elif kind == "contains":
            needles.append(literal)
        else:
            patterns.append(_wildcard_regex(value, lower=lower))
    if equal:
        frozen = frozenset(equal)
        into.append(frozen.__contains__)
    if prefixes:
        starts = tuple(prefixes)
        into.append(lambda v: v.startswith(starts))
    if suffixes:
        ends = tuple(suffixes)
        into.append(lambda v: v.endswith(ends))
    if needles:
        into.append(_contains_test(needles))
    if patterns:
        # values are lower-cased already, so no IGNORECASE (slower) for the lower tests
        combined = re.compile("|".join(f"(?:{p})" for p in patterns), re.DOTALL)
        search = combined.search
        into.append(lambda v: search(v) is not None)


def _contains_test(needles: list[str]) -> Test:
    if len(needles) == 1:
        needle = needles[0]
        return lambda v: needle in v
    if len(needles) == 2:
        first, second = needles
        return lambda v: first in v or second in v
    # many needles: one scan by the regex engine instead of one per needle
    search = re.compile("|".join(re.escape(n) for n in sorted(set(needles)))).search
    return lambda v: search(v) is not None


def _shape(value: SigmaString) -> tuple[str, str]:
    """('equal'|'prefix'|'suffix'|'contains'|'pattern', the literal) of a Sigma string."""
    parts = value.s
    for part in parts:
        if isinstance(part, Placeholder):
            raise Unsupported(f"placeholder %{part.name}% (|expand) has no value")
    texts = [p for p in parts if isinstance(p, str)]
    stars = [i for i, p in enumerate(parts) if p is SpecialChars.WILDCARD_MULTI]
    if any(p is SpecialChars.WILDCARD_SINGLE for p in parts) or len(texts) > 1:
        return "pattern", ""
    literal = texts[0] if texts else ""
    n = len(parts)
    if not stars:
        return "equal", literal
    if not texts:
        return "pattern", ""  # "*": any value at all
    if stars == [0, n - 1] and n == 3:
        return "contains", literal
    if stars == [n - 1] and n == 2:
        return "prefix", literal
    if stars == [0] and n == 2:
        return "suffix", literal
    return "pattern", ""


def _wildcard_regex(value: SigmaString, *, lower: bool) -> str:
    """A regex to *search* with: anchored where the Sigma string has no leading/trailing ``*``."""
    parts = list(value.s)
    out: list[str] = []
    if parts and parts[0] is SpecialChars.WILDCARD_MULTI:
        parts = parts[1:]
    else:
        out.append(r"\A")
    tail = ""
    if parts and parts[-1] is SpecialChars.WILDCARD_MULTI:
        parts = parts[:-1]
    else:
        tail = r"\Z"
    for part in parts:
        if part is SpecialChars.WILDCARD_MULTI:
            out.append(".*")
        elif part is SpecialChars.WILDCARD_SINGLE:
            out.append(".")
        elif isinstance(part, str):
            out.append(re.escape(part.lower() if lower else part))
        else:
            raise Unsupported(f"string part {part!r}")
    out.append(tail)
    return "".join(out)


# -- the other kinds of values ---------------------------------------------------------------


def _special(field: Field, value: Any) -> Matcher:
    if isinstance(value, SigmaNull):
        return lambda ev: not ev.values(field) or all(v == "" for v in ev.values(field))
    if isinstance(value, SigmaExists):
        wanted = value.exists
        return lambda ev: bool(ev.values(field)) is wanted
    if isinstance(value, SigmaRegularExpression):
        return _regex(field, value)
    if isinstance(value, SigmaCIDRExpression):
        return _cidr(field, value)
    if isinstance(value, SigmaCompareExpression):
        return _compare(field, value)
    if isinstance(value, SigmaFieldReference):
        return _fieldref(field, value)
    if isinstance(value, SigmaTimestampPart):
        return _timestamp_part(field, value)
    raise Unsupported(f"value type {type(value).__name__} on {field.name}")


def _regex(field: Field, value: SigmaRegularExpression) -> Matcher:
    flags = 0
    for flag in value.flags:
        if flag is SigmaRegularExpressionFlag.IGNORECASE:
            flags |= re.IGNORECASE
        elif flag is SigmaRegularExpressionFlag.MULTILINE:
            flags |= re.MULTILINE
        elif flag is SigmaRegularExpressionFlag.DOTALL:
            flags |= re.DOTALL
    source = value.regexp.original if isinstance(value.regexp, SigmaString) else str(value.regexp)
    try:
        pattern = re.compile(source, flags)
    except re.error as exc:
        raise Unsupported(f"regular expression {source!r} on {field.name}: {exc}") from None
    search = pattern.search  # Sigma's |re is unanchored, as in its reference backends
    return lambda ev: any(search(v) is not None for v in ev.values(field))


def _cidr(field: Field, value: SigmaCIDRExpression) -> Matcher:
    network = value.network

    def inside(ev: EventView) -> bool:
        for text_value in ev.values(field):
            try:
                address = ipaddress.ip_address(text_value)
            except ValueError:
                continue
            if address.version == network.version and address in network:
                return True
        return False

    return inside


_COMPARE: dict[CompareOperators, Callable[[float, float], bool]] = {
    CompareOperators.LT: lambda a, b: a < b,
    CompareOperators.LTE: lambda a, b: a <= b,
    CompareOperators.GT: lambda a, b: a > b,
    CompareOperators.GTE: lambda a, b: a >= b,
}


def _compare(field: Field, value: SigmaCompareExpression) -> Matcher:
    op = _COMPARE.get(value.op)
    if op is None:
        raise Unsupported(f"comparison {value.op.name} on {field.name}")
    limit = float(value.number.number)

    def compare(ev: EventView) -> bool:
        for text_value in ev.values(field):
            try:
                number = float(text_value)
            except ValueError:
                continue
            if op(number, limit):
                return True
        return False

    return compare


def _fieldref(field: Field, value: SigmaFieldReference) -> Matcher:
    other = Field(value.field)
    starts, ends = value.starts_with, value.ends_with

    def same(ev: EventView) -> bool:
        mine = ev.lower(field)
        for ref in ev.lower(other):
            for v in mine:
                if (
                    (starts and v.startswith(ref))
                    or (ends and v.endswith(ref))
                    or (not starts and not ends and v == ref)
                ):
                    return True
        return False

    return same


_PARTS: dict[TimestampPart, Callable[[datetime], int]] = {
    TimestampPart.MINUTE: lambda t: t.minute,
    TimestampPart.HOUR: lambda t: t.hour,
    TimestampPart.DAY: lambda t: t.day,
    TimestampPart.WEEK: lambda t: t.isocalendar().week,
    TimestampPart.MONTH: lambda t: t.month,
    TimestampPart.YEAR: lambda t: t.year,
}


def _timestamp_part(field: Field, value: SigmaTimestampPart) -> Matcher:
    part = _PARTS[value.timestamp_part]
    wanted = int(value.number)

    def at(ev: EventView) -> bool:
        for text_value in ev.values(field):
            try:
                stamp = datetime.fromisoformat(text_value)
            except ValueError:
                continue
            if part(stamp) == wanted:
                return True
        return False

    return at


# -- gates: text a match cannot do without --------------------------------------------------


# A literal and where it must sit in the (lower-cased) value: anywhere, at its start, at its
# end, or as all of it. Anchors make gates nearly exact for ``endswith`` on executables.
ANY, START, END, WHOLE = 0, 1, 2, 3
Literal = tuple[str, str, int]  # (field, literal, place)
Gate = frozenset[Literal]  # one of these literals is in its field's value, as placed


def gate_of(node: Any, skip: frozenset[str] = frozenset()) -> Gate | None:
    """A necessary condition of ``node``: one of these literals is in its field's value.

    The engine finds the literals of all its rules in an event with one Aho-Corasick scan
    per field and runs a rule only when its gate passes. None when no such literal exists
    (a NOT, a regex, a CIDR …).
    """
    if isinstance(node, ConditionAND):
        gates = [g for g in (gate_of(a, skip) for a in node.args) if g is not None]
        if not gates:
            return None
        return max(gates, key=_selectivity)
    if isinstance(node, ConditionOR):
        children = [gate_of(a, skip) for a in node.args]
        if any(g is None for g in children):
            return None
        return frozenset(x for g in children if g is not None for x in g)
    if isinstance(node, ConditionFieldEqualsValueExpression):
        return None if node.field in skip else _literals(node.field, node.value)
    if isinstance(node, ConditionValueExpression):
        return _literals(KEYWORD_FIELD, node.value)
    return None


# fields holding one of a few values (an audit record's type, an outcome): a poor gate
_ENUM_FIELDS = frozenset(
    {
        "type",
        "outcome",
        "action",
        "category",
        "kind",
        "dataset",
        "syscall",
        "success",
        "nametype",
        "result",
        "res",
        "key",
        "arch",
    }
)


def _selectivity(gate: Gate) -> int:
    """The weakest literal decides: longer is rarer, and an anchored one is much rarer."""
    return min(
        0
        if name.rsplit(".", 1)[-1].lower() in _ENUM_FIELDS
        else len(text) + (8 if place != ANY else 0)
        for name, text, place in gate
    )


def _literals(name: str, value: Any) -> Gate | None:
    if isinstance(value, SigmaExpansion):
        found: set[Literal] = set()
        for item in value.values:
            one = _literals(name, item)
            if one is None:
                return None
            found |= one
        return frozenset(found)
    if isinstance(value, SigmaString):
        if any(isinstance(p, Placeholder) for p in value.s):
            return None
        kind, literal = _shape(value)
        if kind == "pattern":
            texts = [p for p in value.s if isinstance(p, str)]
            longest = max(texts, key=len, default="")
            return frozenset([(name, longest.lower(), ANY)]) if len(longest) >= 3 else None
        place = {"equal": WHOLE, "prefix": START, "suffix": END, "contains": ANY}[kind]
        if not literal or (place == ANY and len(literal) < 3):
            return None
        return frozenset([(name, literal.lower(), place)])
    if isinstance(value, SigmaNumber):
        return frozenset([(name, str(value.number), WHOLE)])
    return None


def placed(value: str, end: int, literal_length: int, place: int) -> bool:
    """Whether a literal found ending at ``end`` sits where its gate wants it."""
    if place == ANY:
        return True
    at_end = end == len(value) - 1
    at_start = end + 1 == literal_length
    if place == END:
        return at_end
    if place == START:
        return at_start
    return at_start and at_end
