"""Rule files to one pySigma collection: the engine, the exports and the reports read rules so.

``load_collection`` finds the ``.yml``/``.yaml`` files under the paths given, parses each with
its location (``rule.source.path``), merges them and resolves correlation references, so a
correlation may count a rule of another file. A rule pySigma could parse only with errors
keeps them in ``rule.errors``; a file it could not read at all is in ``unreadable``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import yaml
from sigma.collection import SigmaCollection
from sigma.exceptions import SigmaError, SigmaRuleLocation

from secops.errors import GovsecError


class RuleError(GovsecError):
    """A rule path does not exist."""


def rule_files(paths: Iterable[str | Path]) -> list[Path]:
    """The .yml/.yaml files under ``paths`` (files as given, directories walked), each once."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(
                sorted(p for p in path.rglob("*") if p.suffix in (".yml", ".yaml") and p.is_file())
            )
        elif path.is_file():
            found.append(path)
        else:
            raise RuleError(f"{path}: no such rule file or directory")
    return list(dict.fromkeys(found))


def load_collection(paths: Iterable[str | Path]) -> tuple[SigmaCollection, list[tuple[str, str]]]:
    """All rules of the given files and directories, references resolved.

    Returns the collection and ``(path, error)`` for each file pySigma could not read, each
    document it could not parse and each rule it parsed with errors (collected, never raised).

    Raises:
        RuleError: a path does not exist.
    """
    errors: list[tuple[str, str]] = []
    found: list[SigmaCollection] = []
    for path in rule_files(paths):
        try:
            text = path.read_text("utf-8")
            one = SigmaCollection.from_yaml(
                text, collect_errors=True, source=SigmaRuleLocation(path), resolve_references=False
            )
        except (OSError, UnicodeDecodeError, yaml.YAMLError, SigmaError) as exc:
            errors.append((str(path), f"{type(exc).__name__}: {exc}"))
            continue
        errors += [(str(path), str(e)) for e in one.errors]
        errors += [(str(path), str(e)) for r in one.rules for e in r.errors]
        found.append(one)
    collection = SigmaCollection.merge(found, resolve_references=False)
    try:
        collection.resolve_rule_references()
    except SigmaError as exc:
        errors.append(("-", f"correlation reference: {exc}"))
    return collection, errors


def unreadable(collection: SigmaCollection, errors: list[tuple[str, str]]) -> dict[str, str]:
    """path -> why, for the files of ``errors`` that gave no rule at all."""
    loaded = {rule_path(r) for r in collection.rules}
    out: dict[str, str] = {}
    for path, error in errors:
        if path not in loaded:
            out[path] = f"{out[path]}; {error}" if path in out else error
    return out


def rule_path(rule: object) -> str:
    """The file a rule came from ("-" when it was not read from a file)."""
    source = getattr(rule, "source", None)
    return str(source.path) if source is not None and source.path is not None else "-"
