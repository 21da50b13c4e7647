"""Readers: where lines come from, and the identity each line carries into the store.

Every reader hands on :class:`Line` objects (docs/siem-design.md, "Lines and their
identity"): a file tailed with persisted offsets (:class:`FileTailer`), a whole file
(:func:`read_file`), stdin (:func:`read_stream`); the syslog receiver lives in
:mod:`secops.ingest.syslog_server`. :func:`event_id` gives the id a line's event carries, so
a line read twice (a replay after a crash, a sender's retry) is stored once.

Tailing follows a path, not a file: when the path's inode changes (rotation by rename) the
old file is read to its end before the new one starts at 0; when the file shrinks below
the offset, or its first line is no longer the one read (copytruncate, then written past
the old offset), it is read again from 0 under a new *generation*. A line is handed on only
once its LF is there, so an offset never points into the middle of a line.

A last line without its LF is a line still being written, not a line (docs/ingest.md, "A
file still being written"): :class:`FileReader` holds it back while the file changed in the
last :data:`QUIET` seconds, and takes it once the file has been left alone that long; the
tailer takes it when a rotated file stays quiet. Taken, it is tagged ``no_newline`` and its id
names its length too, so should the writer complete it after all, the completed line is a
new event, never a duplicate of its own beginning.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import os
import stat
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from secops.ingest.checkpoint import Checkpoints, Mark

MAX_LINE_BYTES = 1024 * 1024
"""The hard limit on a line: beyond it only the head is kept and the line is quarantined."""
READ_CHUNK = 1024 * 1024
FINGERPRINT_BYTES = 256  # the first line (up to this) tells a rewritten file from the one read
ROTATED_GRACE = 2.0  # seconds a rotated file stays open for a writer's last lines
OVERSIZE = "line_too_long"
NO_NEWLINE = "no_newline"
QUIET = 60.0
"""Seconds a file must be left alone before a whole-file read takes its unterminated last line:
longer than any writer flushing by line or by interval (rsyslog flushes within 1 s) leaves a
line half-written, short enough that a file copied without its final newline goes in on the
next run a minute later."""


def _now() -> datetime:
    return datetime.now(UTC)


# not frozen: a frozen dataclass costs 4x as much to make, per line; init=False: mypyc leaves
# the __init__ that dataclass generates interpreted, a tenth of the reader's time per line
@dataclass(slots=True, init=False)
class Line:
    """One line as a reader read it (the contract's five fields, then three of the reader's).

    Attributes:
        raw: the line without its terminator (for an oversize line: its first bytes).
        source: ``file:<dev>:<inode>``, ``syslog:<peer ip>`` or ``stdin:<start time ns>``.
        position: byte offset of the line's first byte in the file; else a counter.
        host: the sending host (syslog peer) when the line does not say.
        received: when it was read (aware, UTC).
        end: the offset just past the line's terminator, which a checkpoint may advance to
            once the line is stored; -1 where there is no offset to keep.
        tags: what the reader had to do to the line (``line_too_long``, ``frame_truncated``).
        length: the line's full length in bytes, when ``raw`` holds only its head.
    """

    raw: bytes
    source: str
    position: int
    host: str | None = None
    received: datetime = field(default_factory=_now)
    end: int = -1
    tags: tuple[str, ...] = ()
    length: int = -1

    def __init__(
        self,
        raw: bytes,
        source: str,
        position: int,
        host: str | None = None,
        received: datetime | None = None,
        end: int = -1,
        tags: tuple[str, ...] = (),
        length: int = -1,
    ) -> None:
        """The fields in order; ``received`` defaults to now."""
        self.raw = raw
        self.source = source
        self.position = position
        self.host = host
        self.received = received if received is not None else _now()
        self.end = end
        self.tags = tags
        self.length = length


def event_id(line: Line) -> str:
    """The event id of ``line``: 32 hex digits (docs/siem-design.md).

    Files and stdin: 16 hex digits of ``sha256(source)``, then the position as 16 hex
    digits, so a replay gives the same ids, two identical lines stay two events, and the ids
    of one file rise with its offsets: the store's id index grows at its end, not all over.
    A last line taken without its LF (tag ``no_newline``) hashes its length into the first 16
    digits: the same beginning read again is the same event, the completed line another.
    Syslog: ``sha256(source + "\\0" + raw)``, so a sender's retry of a line is the same event.
    """
    source = line.source
    if source.startswith("syslog:"):
        return hashlib.sha256(source.encode() + b"\0" + line.raw).hexdigest()[:32]
    if line.tags and NO_NEWLINE in line.tags:
        # taken without its LF: should its writer complete it after all, the whole line (same
        # offset, plain id) is a new event, not a duplicate of this beginning
        length = line.length if line.length >= 0 else len(line.raw)
        named = f"{source}\0{NO_NEWLINE}:{length}".encode()
        return hashlib.sha256(named).hexdigest()[:16] + format(line.position, "016x")
    key = _SOURCE_KEYS.get(source)
    if key is None:
        if len(_SOURCE_KEYS) >= 1024:  # sources come and go with rotations: stay bounded
            _SOURCE_KEYS.clear()
        key = _SOURCE_KEYS[source] = hashlib.sha256(source.encode()).hexdigest()[:16]
    return key + format(line.position, "016x")


_SOURCE_KEYS: dict[str, str] = {}


class LineSplitter:
    """Cuts a byte stream at LF, keeping no more than ``max_line`` bytes of any line.

    Feeds return ``(start, end, raw, length)`` per complete line. The bytes of a line not
    yet terminated are held (up to ``max_line``; the rest is counted, not kept), so an
    attacker's endless line costs a bounded buffer and still comes out, cut, as one line.
    """

    def __init__(self, offset: int = 0, max_line: int = MAX_LINE_BYTES) -> None:
        """Start at byte ``offset`` of the stream, the first byte of a line."""
        self.offset = offset
        self.max_line = max_line
        self._buf = bytearray()
        self._length = 0

    @property
    def consumed(self) -> int:
        """The offset of the next byte to feed."""
        return self.offset + self._length

    @property
    def pending(self) -> int:
        """Bytes of an unterminated line seen so far."""
        return self._length

    def feed(self, data: bytes) -> list[tuple[int, int, bytes, int]]:
        """The lines ``data`` completes."""
        out: list[tuple[int, int, bytes, int]] = []
        pos, size, limit = 0, len(data), self.max_line
        while pos < size:
            nl = data.find(b"\n", pos)
            if not self._length and nl >= 0 and nl - pos <= limit:
                # the common case: a whole line inside this chunk, no copy into the buffer
                end = self.offset + nl - pos + 1
                out.append((self.offset, end, data[pos:nl], nl - pos))
                self.offset, pos = end, nl + 1
                continue
            stop = size if nl < 0 else nl
            room = limit - len(self._buf)
            if room > 0:
                self._buf += data[pos : min(stop, pos + room)]
            self._length += stop - pos
            if nl < 0:
                break
            out.append(self._take(terminated=True))
            pos = nl + 1
        return out

    def rest(self) -> tuple[int, int, bytes, int] | None:
        """The unterminated last line, when the stream has ended for good."""
        return self._take(terminated=False) if self._length else None

    def _take(self, *, terminated: bool) -> tuple[int, int, bytes, int]:
        end = self.offset + self._length + (1 if terminated else 0)
        line = (self.offset, end, bytes(self._buf), self._length)
        self.offset, self._length = end, 0
        self._buf.clear()
        return line


def _line(
    part: tuple[int, int, bytes, int], source: str, received: datetime, *, final: bool = False
) -> Line:
    start, end, raw, length = part
    tags: tuple[str, ...] = (NO_NEWLINE,) if final else ()
    if length > len(raw):
        return Line(raw, source, start, None, received, end, (*tags, OVERSIZE), length)
    return Line(raw, source, start, None, received, end, tags)


def file_source(st: os.stat_result, generation: int = 0, fingerprint: str = "") -> str:
    """``file:<dev>:<inode>``, ``#<generation>`` after a truncation, ``@<first line>``.

    A truncated file reuses its inode and its offsets: without the generation the new lines
    would get the ids of the old lines at the same offsets, and the store would drop them.
    A deleted file's inode is reused by the next new file, whose checkpoint is gone: the
    first 16 hex digits of the first line's fingerprint tell the two apart (the same file
    read again has the same first line, so its ids stay the same).
    """
    key = f"file:{st.st_dev}:{st.st_ino}"
    return _qualified(key, generation, fingerprint)


def _qualified(key: str, generation: int, fingerprint: str) -> str:
    source = key if generation == 0 else f"{key}#{generation}"
    return f"{source}@{fingerprint[:16]}" if fingerprint else source


def source_key(source: str) -> tuple[str, int]:
    """The checkpoint key (``file:<dev>:<inode>``) and generation of a file source."""
    head = source.partition("@")[0]
    key, _, generation = head.partition("#")
    return key, int(generation or 0)


class Unreadable(Exception):  # noqa: N818 - a reader's verdict on a path, not a crash
    """A path :class:`FileReader` cannot read as a whole file, and why.

    Attributes:
        path: the path as given.
        kind: ``missing``, ``directory``, ``fifo``, ``socket``, ``device`` (not a regular
            file: nothing was read), or ``error`` (the system refused: ``detail`` says how).
        detail: the system's words, for ``error``.
    """

    def __init__(self, path: Path, kind: str, detail: str = "") -> None:
        super().__init__(f"{path}: {kind}{': ' + detail if detail else ''}")
        self.path = path
        self.kind = kind
        self.detail = detail


def file_kind(mode: int) -> str:
    """``regular``, ``directory``, ``fifo``, ``socket`` or ``device``, from ``st_mode``."""
    if stat.S_ISREG(mode):
        return "regular"
    if stat.S_ISDIR(mode):
        return "directory"
    if stat.S_ISFIFO(mode):
        return "fifo"
    if stat.S_ISSOCK(mode):
        return "socket"
    return "device"


class FileReader:
    """Every line of a whole file, from its start to its end (import; ids as for a tailed file).

    The last line, when its LF is not there yet, is held back (:attr:`held`) while the file
    changed in the last ``quiet`` seconds: its writer may be in the middle of it, and a later
    read takes it whole. A file left alone that long is final: its last line is taken, tagged
    ``no_newline`` (:func:`event_id`).
    """

    def __init__(
        self,
        path: Path,
        *,
        max_line: int = MAX_LINE_BYTES,
        quiet: float = QUIET,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Read ``path`` when iterated; ``clock`` is wall time, compared with the file's mtime."""
        self.path = path
        self.max_line = max_line
        self.quiet = quiet
        self._clock = clock
        self.held: Line | None = None
        """The unterminated last line left for a later read, once iterated to the end."""

    def __iter__(self) -> Iterator[Line]:
        """The lines; raises :class:`Unreadable` for a path that is no regular file to read."""
        fd = self._open()
        source = ""
        splitter = LineSplitter(0, self.max_line)
        try:  # one generator, no delegation: every line passes through it
            while data := os.pread(fd, READ_CHUNK, splitter.consumed):
                received = _now()
                parts = splitter.feed(data)
                if parts and not source:
                    # once a line is complete, so is the first: the fingerprint names it
                    source = file_source(os.fstat(fd), fingerprint=_fingerprint(fd)[0])
                for part in parts:
                    yield _line(part, source, received)
            last = self._last(fd, splitter, source)
            if last is not None:
                yield last
        except OSError as exc:
            raise Unreadable(self.path, "error", exc.strerror or str(exc)) from exc
        finally:
            os.close(fd)

    def _open(self) -> int:
        try:
            # O_NONBLOCK: opening a FIFO must not wait for a writer; a regular file ignores it
            fd = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK)
        except FileNotFoundError:
            raise Unreadable(self.path, "missing") from None
        except OSError as exc:  # a socket cannot be opened at all (ENXIO): say what it is
            kind = "error"
            with contextlib.suppress(OSError):
                kind = file_kind(Path(self.path).stat().st_mode)
            if kind == "regular":
                kind = "error"
            raise Unreadable(self.path, kind, exc.strerror or str(exc)) from exc
        kind = file_kind(os.fstat(fd).st_mode)
        if kind != "regular":
            os.close(fd)
            raise Unreadable(self.path, kind)
        return fd

    def _last(self, fd: int, splitter: LineSplitter, source: str) -> Line | None:
        """The unterminated last line if the file is final; else None, and :attr:`held` set."""
        st = os.fstat(fd)
        growing = st.st_size != splitter.consumed or self._clock() - st.st_mtime < self.quiet
        last = splitter.rest()
        if last is None:
            return None
        line = _line(
            last, source or file_source(st, fingerprint=_fingerprint(fd)[0]), _now(), final=True
        )
        if growing:
            # still being written (it grew since the read that ended, or changed too recently
            # to call it final): a later read takes it whole
            self.held = line
            return None
        return line


def read_file(
    path: Path, *, max_line: int = MAX_LINE_BYTES, quiet: float = QUIET
) -> Iterator[Line]:
    """Every line of a file (:class:`FileReader`; an unterminated last line as it decides).

    Raises:
        Unreadable: the path is no regular file, or it cannot be opened or read.
    """
    return iter(FileReader(path, max_line=max_line, quiet=quiet))


def read_stream(
    stream: BinaryIO, *, source: str | None = None, max_line: int = MAX_LINE_BYTES
) -> Iterator[Line]:
    """Every line of a byte stream such as stdin; positions count lines from 0."""
    name = source or f"stdin:{time.time_ns()}"
    splitter = LineSplitter(0, max_line)
    read = getattr(stream, "read1", stream.read)  # read1: hand on what a pipe has, now
    counter = 0
    while data := read(READ_CHUNK):
        received = _now()
        for part in splitter.feed(data):
            line = _line(part, name, received)
            yield Line(line.raw, name, counter, None, received, -1, line.tags, line.length)
            counter += 1
    last = splitter.rest()
    if last is not None:
        line = _line(last, name, _now(), final=True)
        yield Line(line.raw, name, counter, None, line.received, -1, line.tags, line.length)


@dataclass
class _File:
    """One open file of a tailer: the current one, or a rotated one being finished."""

    fd: int
    dev: int
    ino: int
    generation: int
    splitter: LineSplitter
    fingerprint: str = ""
    fingerprint_size: int = 0
    rotated_at: float | None = None
    last_data: float = 0.0

    @property
    def key(self) -> str:
        return f"file:{self.dev}:{self.ino}"

    @property
    def source(self) -> str:
        return _qualified(self.key, self.generation, self.fingerprint)


class FileTailer:
    """Follows one path across rotations and truncations, resuming from its checkpoints.

    :meth:`poll` returns the complete lines written since the last poll (old file first when
    the path was rotated); :meth:`committed` is told which offsets are stored, and turns them
    into checkpoint marks. Not thread-safe: one pipeline loop drives it.
    """

    def __init__(
        self,
        path: Path,
        checkpoints: Checkpoints,
        *,
        max_line: int = MAX_LINE_BYTES,
        chunk: int = READ_CHUNK,
        rotated_grace: float = ROTATED_GRACE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Open ``path`` (if it exists) where its checkpoint says, and any rotated file left.

        A checkpoint of this path whose inode is neither the path's nor a sibling's
        (``<path>*``) is dropped: that file is gone.
        """
        self.path = Path(path).absolute()
        self.checkpoints = checkpoints
        self.max_line = max_line
        self.chunk = chunk
        self.rotated_grace = rotated_grace
        self._clock = clock
        self._current: _File | None = None
        self._rotated: list[_File] = []
        self._closed: dict[str, tuple[_File, int]] = {}  # key -> (file, its final end)
        self._committed: dict[str, int] = {}
        self._resume()

    @property
    def sources(self) -> list[str]:
        """The sources of the open files, rotated ones first."""
        files = [*self._rotated, *([self._current] if self._current else [])]
        return [f.source for f in files]

    def _resume(self) -> None:
        st = _stat(self.path)
        current_key = None if st is None else file_source(st)
        for mark in self.checkpoints:
            if mark.path != str(self.path) or mark.key == current_key:
                continue
            found = self._find_rotated(mark.identity)
            opened = None if found is None else self._open(found, mark)
            if opened is None:
                self.checkpoints.drop(mark.key)
                continue
            opened.rotated_at = self._clock()
            self._rotated.append(opened)
        if st is not None:
            self._current = self._open(self.path, None)

    def _find_rotated(self, identity: tuple[int, int]) -> Path | None:
        """The sibling (``app.log.1``, ``app.log-20261121``) that is the file checkpointed."""
        for candidate in sorted(self.path.parent.glob(glob.escape(self.path.name) + "?*")):
            st = _stat(candidate)
            if st is not None and (st.st_dev, st.st_ino) == identity:
                return candidate
        return None

    def _open(self, path: Path, mark: Mark | None) -> _File | None:
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            return None
        st = os.fstat(fd)
        mark = mark or self.checkpoints.get(file_source(st))
        if mark is not None and mark.identity != (st.st_dev, st.st_ino):
            mark = None  # the path was replaced between the stat and the open
        found = _File(fd, st.st_dev, st.st_ino, 0, LineSplitter(0, self.max_line))
        found.last_data = self._clock()
        if mark is not None:
            found.generation = mark.generation
            if st.st_size >= mark.offset and _fingerprint_matches(fd, mark):
                found.splitter = LineSplitter(mark.offset, self.max_line)
                found.fingerprint = mark.fingerprint
                found.fingerprint_size = mark.fingerprint_size
            else:  # truncated or rewritten while nobody was reading: it is new content
                found.generation += 1
        self._committed[found.key] = found.splitter.offset
        return found

    def poll(self, budget: int = 4 * READ_CHUNK) -> list[Line]:
        """The complete lines now readable, at most about ``budget`` bytes of them."""
        lines: list[Line] = []
        now = self._clock()
        for old in list(self._rotated):
            got = self._read(old, budget)
            lines += got
            quiet_since = max(now if old.rotated_at is None else old.rotated_at, old.last_data)
            if not got and now - quiet_since >= self.rotated_grace:
                lines += self._finish(old)
        if self._current is None and _stat(self.path) is not None:
            self._current = self._open(self.path, None)
        current = self._current
        if current is not None:
            self._check_rewritten(current)
            got = self._read(current, budget)
            lines += got
            if not got:
                # the path's new file, if it was rotated away; the narrowing of
                # self._current above must not outlive the call (mypyc trusts it)
                following = self._rotated_away(current)
                if following is not None:
                    lines += self._read(following, budget)
        return lines

    def _read(self, found: _File, budget: int) -> list[Line]:
        lines: list[Line] = []
        while budget > 0:
            try:
                data = os.pread(found.fd, min(self.chunk, budget), found.splitter.consumed)
            except OSError:
                return lines
            if not data:
                break
            budget -= len(data)
            found.last_data = self._clock()
            received = _now()
            if not found.fingerprint:  # before the lines: their ids name the first line
                found.fingerprint, found.fingerprint_size = _fingerprint(found.fd)
            source = found.source
            lines += [_line(part, source, received) for part in found.splitter.feed(data)]
        return lines

    def _rotated_away(self, current: _File) -> _File | None:
        """At the end of the current file: the file the path names now, if another."""
        st = _stat(self.path)
        if st is not None and (st.st_dev, st.st_ino) == (current.dev, current.ino):
            return None
        # keep reading the old file: to its end, and for a writer's late lines
        current.rotated_at = self._clock()
        self._rotated.append(current)
        self._current = None if st is None else self._open(self.path, None)
        return self._current

    def _check_rewritten(self, current: _File) -> None:
        """Before reading on: was the file truncated (copytruncate), or rewritten past us?

        Checked before every read, not only at the end: after a copytruncate the writer may
        have written past the old offset already, and reading on would start mid-content.
        """
        try:
            size = os.fstat(current.fd).st_size
        except OSError:
            return
        rewritten = bool(current.fingerprint) and not _fingerprint_matches(
            current.fd, Mark(current.key, "", 0, 0, current.fingerprint, current.fingerprint_size)
        )
        if size < current.splitter.consumed or rewritten:
            current.generation += 1
            current.splitter = LineSplitter(0, self.max_line)
            current.fingerprint, current.fingerprint_size = "", 0

    def _finish(self, old: _File) -> list[Line]:
        """Close a rotated file that stayed quiet: its unterminated tail is a line now."""
        self._rotated.remove(old)
        last = old.splitter.rest()
        os.close(old.fd)
        lines = [] if last is None else [_line(last, old.source, _now(), final=True)]
        final_end = old.splitter.offset
        if self._committed.get(old.key, -1) >= final_end:
            self.checkpoints.drop(old.key)
        else:
            self._closed[old.key] = (old, final_end)
        return lines

    def committed(self, offsets: Mapping[str, int]) -> None:
        """Lines of ``offsets``' sources up to these offsets are stored: move the marks.

        Offsets of a generation the file has left behind (it was truncated since) are not
        kept: the mark stays where it was and a restart detects the truncation again.
        """
        files = {f.key: f for f in [*self._rotated, *([self._current] if self._current else [])]}
        for source, offset in offsets.items():
            key, generation = source_key(source)
            found = files.get(key)
            closed = self._closed.get(key)
            if found is None and closed is not None:
                found = closed[0]
            if found is None or generation != found.generation:
                continue
            self._committed[key] = offset
            if closed is not None and offset >= closed[1]:
                del self._closed[key]
                self.checkpoints.drop(key)
                continue
            self.checkpoints.set(
                Mark(
                    key,
                    str(self.path),
                    offset,
                    found.generation,
                    found.fingerprint,
                    found.fingerprint_size,
                )
            )

    def close(self) -> None:
        """Close every open file (checkpoints are the pipeline's to commit)."""
        for found in [*self._rotated, *([self._current] if self._current else [])]:
            os.close(found.fd)
        self._rotated.clear()
        self._current = None


def _stat(path: Path) -> os.stat_result | None:
    try:
        return path.stat()
    except OSError:
        return None


def _fingerprint(fd: int) -> tuple[str, int]:
    """sha256 of the first line (at most FINGERPRINT_BYTES), once it is complete."""
    try:
        head = os.pread(fd, FINGERPRINT_BYTES, 0)
    except OSError:
        return "", 0
    nl = head.find(b"\n")
    if nl >= 0:
        head = head[: nl + 1]
    elif len(head) < FINGERPRINT_BYTES:
        return "", 0  # the first line is still being written: fingerprint it later
    return hashlib.sha256(head).hexdigest()[:32], len(head)


def _fingerprint_matches(fd: int, mark: Mark) -> bool:
    if not mark.fingerprint:
        return True
    try:
        head = os.pread(fd, mark.fingerprint_size, 0)
    except OSError:
        return False
    return (
        len(head) == mark.fingerprint_size
        and hashlib.sha256(head).hexdigest()[:32] == mark.fingerprint
    )
