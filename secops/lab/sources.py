"""The machine's Debian apt sources, read so the lab uses the mirror this machine uses.

Both formats apt reads: one-line ``.list`` files and deb822 ``.sources`` files. Only enabled
``deb`` entries of Debian suites count; other repositories (vendors, PPAs) are left alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from secops.errors import GovsecError
from secops.i18n import t


class SourcesError(GovsecError):
    """The machine's apt sources could not be read, or hold no usable Debian entry."""


@dataclass(frozen=True)
class AptSource:
    """One ``deb`` entry: a repository URI with its suites and components."""

    uri: str
    suites: tuple[str, ...]
    components: tuple[str, ...]
    signed_by: str | None
    origin: str  # file:line it came from

    @property
    def host_path(self) -> str:
        """The URI without its scheme and trailing slash, e.g. ``deb.debian.org/debian``."""
        return re.sub(r"^[a-z]+://", "", self.uri).rstrip("/")


def default_source_files(root: Path = Path("/")) -> list[Path]:
    """The files apt itself reads, in apt's order."""
    etc = root / "etc" / "apt"
    files = [etc / "sources.list"] if (etc / "sources.list").is_file() else []
    parts = etc / "sources.list.d"
    if parts.is_dir():
        files += sorted(p for p in parts.iterdir() if p.suffix in (".list", ".sources"))
    return files


def read_sources(files: list[Path]) -> list[AptSource]:
    """Every enabled ``deb`` entry in ``files``; a malformed entry raises with file:line."""
    found: list[AptSource] = []
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        if path.suffix == ".sources":
            found += _deb822(text, path)
        else:
            found += _one_line(text, path)
    return found


def debian_sources(sources: list[AptSource], suite: str) -> list[AptSource]:
    """The entries that serve ``suite`` or its companions (``-updates``, ``-security``)."""
    wanted = {suite, f"{suite}-updates", f"{suite}-security"}
    keep = []
    for source in sources:
        suites = tuple(s for s in source.suites if s in wanted)
        if suites and "main" in source.components:
            keep.append(AptSource(source.uri, suites, ("main",), source.signed_by, source.origin))
    return keep


def base_mirror(sources: list[AptSource], suite: str, files: list[Path]) -> str:
    """The URI that serves ``suite`` itself: what debootstrap builds the lab base from."""
    for source in sources:
        if suite in source.suites:
            return source.uri
    raise SourcesError(
        t("lab.no_sources", suite=suite, files=", ".join(str(f) for f in files) or "(none)"),
        t("lab.no_sources.hint"),
    )


def _one_line(text: str, path: Path) -> list[AptSource]:
    found = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        words = line.split()
        kind = words.pop(0)
        options: dict[str, str] = {}
        if words and words[0].startswith("["):
            option_words = []
            while words:
                word = words.pop(0)
                option_words.append(word)
                if word.endswith("]"):
                    break
            for item in " ".join(option_words).strip("[]").split():
                key, _, value = item.partition("=")
                options[key] = value
        if len(words) < 2:
            raise SourcesError(
                t(
                    "lab.bad_sources",
                    file=path,
                    line=number,
                    problem="expected: deb [options] URI SUITE [COMPONENT…]",
                )
            )
        if kind != "deb":
            continue
        found.append(
            AptSource(
                words[0],
                (words[1],),
                tuple(words[2:]),
                options.get("signed-by"),
                f"{path}:{number}",
            )
        )
    return found


def _deb822(text: str, path: Path) -> list[AptSource]:
    found = []
    for start, fields in _paragraphs(text, path):
        if fields.get("enabled", "yes").lower() == "no":
            continue
        if "deb" not in fields.get("types", "").split():
            continue
        for required in ("uris", "suites"):
            if required not in fields:
                raise SourcesError(
                    t(
                        "lab.bad_sources",
                        file=path,
                        line=start,
                        problem=f"missing field {required.capitalize()}",
                    )
                )
        for uri in fields["uris"].split():
            found.append(
                AptSource(
                    uri,
                    tuple(fields["suites"].split()),
                    tuple(fields.get("components", "").split()),
                    fields.get("signed-by"),
                    f"{path}:{start}",
                )
            )
    return found


def _paragraphs(text: str, path: Path) -> list[tuple[int, dict[str, str]]]:
    """deb822 paragraphs as (first line, lower-cased field -> value)."""
    paragraphs: list[tuple[int, dict[str, str]]] = []
    fields: dict[str, str] = {}
    start = 0
    last: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("#"):
            continue
        if not line.strip():
            if fields:
                paragraphs.append((start, fields))
            fields, last = {}, None
            continue
        if line[0] in " \t":
            if last is None:
                raise SourcesError(
                    t(
                        "lab.bad_sources",
                        file=path,
                        line=number,
                        problem="continuation line without a field",
                    )
                )
            fields[last] += "\n" + line.strip()
            continue
        key, sep, value = line.partition(":")
        if not sep:
            raise SourcesError(
                t("lab.bad_sources", file=path, line=number, problem="expected 'Field: value'")
            )
        if not fields:
            start = number
        last = key.strip().lower()
        fields[last] = value.strip()
    if fields:
        paragraphs.append((start, fields))
    return paragraphs
