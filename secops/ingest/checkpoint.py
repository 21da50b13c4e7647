"""Reader positions that survive a crash: ``<data>/siem/checkpoints.json``.

A checkpoint is written only after the store accepted the batch it covers
(docs/siem-design.md, "Checkpoints"): a crash between the two replays that batch, and
event ids make the replay harmless. The file is replaced atomically (write a temporary
file, fsync it, rename it over the old one, fsync the directory), so a reader killed at any
instant finds either the old checkpoints or the new ones, never a torn file.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from secops import config
from secops.errors import GovsecError

VERSION = 1


class CheckpointError(GovsecError):
    """The checkpoint file cannot be written."""


@dataclass(frozen=True, slots=True)
class Mark:
    """Where a tailed file has been read up to, once its lines are stored.

    Attributes:
        key: ``file:<dev>:<inode>``, the file's identity.
        path: the path followed when the file was read (it may have been rotated since).
        offset: the first byte not yet stored: the start of the next line.
        generation: how many truncations of this inode were seen; part of the event source.
        fingerprint: sha256 (32 hex digits) of the file's first ``fingerprint_size`` bytes,
            to tell a truncated-and-rewritten or replaced file from the one read; ``""``
            while the file has no complete first line.
        fingerprint_size: how many bytes the fingerprint covers.
    """

    key: str
    path: str
    offset: int
    generation: int = 0
    fingerprint: str = ""
    fingerprint_size: int = 0

    @property
    def identity(self) -> tuple[int, int]:
        """``(st_dev, st_ino)`` of the file, from the key."""
        _, dev, ino = self.key.split(":")
        return int(dev), int(ino)


def default_path(environ: Mapping[str, str] | None = None) -> Path:
    """``<data dir>/siem/checkpoints.json``."""
    return config.data_dir(environ) / "siem" / "checkpoints.json"


class Checkpoints:
    """The marks of every tailed file, kept in memory and committed to one JSON file."""

    def __init__(self, path: Path) -> None:
        """Load ``path`` if it exists; an unreadable file counts as no checkpoints.

        A corrupt file cannot come from :meth:`commit` (it renames whole files only); if an
        operator's editor left one, re-reading from the start is the at-least-once choice.
        """
        self.path = path
        self._marks: dict[str, Mark] = {}
        self._dirty = False
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        files = loaded.get("files", {}) if isinstance(loaded, dict) else {}
        for key, entry in files.items() if isinstance(files, dict) else ():
            mark = _mark(key, entry)
            if mark is not None:
                self._marks[key] = mark

    def __iter__(self) -> Iterator[Mark]:
        return iter(list(self._marks.values()))

    def __len__(self) -> int:
        return len(self._marks)

    def get(self, key: str) -> Mark | None:
        """The mark of ``file:<dev>:<inode>``, if any."""
        return self._marks.get(key)

    def set(self, mark: Mark) -> None:
        """Record ``mark`` in memory; :meth:`commit` writes it."""
        if self._marks.get(mark.key) != mark:
            self._marks[mark.key] = mark
            self._dirty = True

    def drop(self, key: str) -> None:
        """Forget a file (its inode is gone, or it was read to its end and closed)."""
        if self._marks.pop(key, None) is not None:
            self._dirty = True

    @property
    def dirty(self) -> bool:
        """Whether memory holds marks the file does not."""
        return self._dirty

    def commit(self) -> None:
        """Write the marks atomically if they changed: temp file, fsync, rename, fsync dir.

        Raises:
            CheckpointError: the file cannot be written (disk full, permissions).
        """
        if not self._dirty:
            return
        body = {"version": VERSION, "files": {k: _entry(m) for k, m in self._marks.items()}}
        data = json.dumps(body, indent=1, sort_keys=True).encode()
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                os.write(fd, data)
                os.fsync(fd)
            finally:
                os.close(fd)
            tmp.replace(self.path)
            _fsync_dir(self.path.parent)
        except OSError as exc:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
            raise CheckpointError(f"cannot write the checkpoints {self.path}: {exc}") from exc
        self._dirty = False


def _entry(mark: Mark) -> dict[str, Any]:
    entry = asdict(mark)
    del entry["key"]
    return entry


def _mark(key: object, entry: object) -> Mark | None:
    """A mark from its JSON form, or None when it is not one (skipped, so read again)."""
    if not isinstance(key, str) or not isinstance(entry, dict):
        return None
    parts = key.split(":")
    if len(parts) != 3 or parts[0] != "file" or not (parts[1].isdigit() and parts[2].isdigit()):
        return None
    try:
        return Mark(
            key=key,
            path=str(entry["path"]),
            offset=_natural(entry["offset"]),
            generation=_natural(entry.get("generation", 0)),
            fingerprint=str(entry.get("fingerprint", "")),
            fingerprint_size=_natural(entry.get("fingerprint_size", 0)),
        )
    except (KeyError, TypeError, ValueError):
        return None


def _natural(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"not a non-negative integer: {value!r}")
    return value


def _fsync_dir(directory: Path) -> None:
    """Make the rename itself durable (a power cut could otherwise undo it)."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
