"""Readers: line identity, the splitter, file tailing across rotation and truncation."""

from __future__ import annotations

import hashlib
import io
import os
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from secops.ingest.checkpoint import Checkpoints, Mark
from secops.ingest.readers import (
    NO_NEWLINE,
    OVERSIZE,
    QUIET,
    FileReader,
    FileTailer,
    Line,
    LineSplitter,
    event_id,
    file_source,
    read_file,
    read_stream,
    source_key,
)

pytestmark = pytest.mark.timeout(60)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def append(path: Path, data: bytes) -> None:
    with path.open("ab") as fh:
        fh.write(data)


def raws(lines: list[Line]) -> list[bytes]:
    return [line.raw for line in lines]


def tailer(path: Path, checkpoints: Checkpoints, clock: Clock | None = None) -> FileTailer:
    return FileTailer(path, checkpoints, rotated_grace=1.0, clock=clock or Clock())


def commit_all(t: FileTailer, lines: list[Line]) -> None:
    offsets: dict[str, int] = {}
    for line in lines:
        offsets.pop(line.source, None)
        offsets[line.source] = line.end
    t.committed(offsets)
    t.checkpoints.commit()


# --- identity (docs/siem-design.md, "Lines and their identity")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_a_new_file_on_a_reused_inode_gets_new_ids(tmp_path: Path) -> None:
    # a deleted file's inode goes to the next new file; rewriting in place keeps the inode
    # for sure, and a reader that kept no checkpoint sees just what a reused inode shows
    path = tmp_path / "a.log"
    path.write_bytes(b"Nov 21 10:00:00 h sshd[1]: first file\n")
    old = [event_id(line) for line in read_file(path)]
    path.write_bytes(b"Nov 21 11:00:00 h sshd[2]: another file\n")
    new = [event_id(line) for line in read_file(path)]
    assert old != new
    path.write_bytes(b"Nov 21 11:00:00 h sshd[2]: another file\nand more\n")
    again = [event_id(line) for line in read_file(path)]
    assert again[0] == new[0]  # the same file read again (it grew): the same ids


def test_a_tailed_file_on_a_reused_inode_whose_mark_was_dropped_gets_new_ids(
    tmp_path: Path,
) -> None:
    path = tmp_path / "a.log"
    checkpoints = Checkpoints(tmp_path / "cp.json")
    path.write_bytes(b"old one\nold two\n")
    first = tailer(path, checkpoints)
    old = first.poll()
    first.committed({old[-1].source: old[-1].end})
    first.close()
    checkpoints.drop(source_key(old[-1].source)[0])  # what finishing a rotated file does
    path.write_bytes(b"new one\n")  # same inode, other content
    [new] = tailer(path, checkpoints).poll()
    assert new.position == 0 and event_id(new) != event_id(old[0])


def test_a_line_takes_its_fields_in_order_and_defaults_to_received_now() -> None:
    before = datetime.now(UTC)
    line = Line(b"x", "file:1:2", 40)
    assert (line.host, line.end, line.tags, line.length) == (None, -1, (), -1)
    assert before <= line.received <= datetime.now(UTC)
    full = Line(b"x", "file:1:2", 40, "lab01", before, 42, (NO_NEWLINE,), 1)
    assert full == Line(
        raw=b"x", source="file:1:2", position=40, host="lab01", received=before, end=42,
        tags=(NO_NEWLINE,), length=1,
    )  # fmt: skip
    assert "position=40" in repr(full)


def test_file_id_is_source_and_position() -> None:
    line = Line(b"x", "file:1:2", 40)
    assert event_id(line) == hashlib.sha256(b"file:1:2").hexdigest()[:16] + "0000000000000028"
    assert event_id(Line(b"other text", "file:1:2", 40)) == event_id(line)  # the offset decides
    assert event_id(Line(b"x", "file:1:2", 41)) != event_id(line)
    assert event_id(Line(b"x", "file:1:3", 40)) != event_id(line)


def test_file_ids_rise_with_the_offset() -> None:
    # the store's id index then grows at its end (docs/store.md)
    ids = [event_id(Line(b"x", "file:1:2", offset)) for offset in (0, 9, 255, 256, 2**40)]
    assert ids == sorted(ids)
    assert len({len(eid) for eid in ids}) == 1


def test_syslog_id_is_peer_and_content() -> None:
    line = Line(b"<13>hello", "syslog:10.0.0.5", 7)
    assert event_id(line) == hashlib.sha256(b"syslog:10.0.0.5\x00<13>hello").hexdigest()[:32]
    assert event_id(Line(b"<13>hello", "syslog:10.0.0.5", 99)) == event_id(line)  # a retry
    assert event_id(Line(b"<13>hello", "syslog:10.0.0.6", 7)) != event_id(line)


# --- the splitter


def test_splitter_holds_a_partial_line_until_its_newline() -> None:
    splitter = LineSplitter()
    assert splitter.feed(b"one\ntw") == [(0, 4, b"one", 3)]
    assert splitter.consumed == 6 and splitter.offset == 4
    assert splitter.feed(b"o\n") == [(4, 8, b"two", 3)]


def test_splitter_keeps_only_the_head_of_an_endless_line() -> None:
    splitter = LineSplitter(max_line=8)
    assert splitter.feed(b"x" * 5) == []
    assert splitter.feed(b"y" * 100) == []
    [(start, end, raw, length)] = splitter.feed(b"z\nnext\n")[:1]
    assert (start, end, raw, length) == (0, 107, b"xxxxxyyy", 106)
    assert splitter.feed(b"") == []


def settled(path: Path, seconds: float = QUIET + 1) -> Path:
    """``path`` as a file nobody has written for ``seconds``."""
    old = time.time() - seconds
    os.utime(path, (old, old))
    return path


def test_read_file_of_a_quiet_file_and_stream_give_the_last_unterminated_line(
    tmp_path: Path,
) -> None:
    path = tmp_path / "a.log"
    path.write_bytes(b"a\r\nb\nc")
    lines = list(read_file(settled(path)))
    assert raws(lines) == [b"a\r", b"b", b"c"]
    assert [line.position for line in lines] == [0, 3, 5]
    assert lines[0].source == file_source(path.stat(), fingerprint=sha256(b"a\r\n"))
    assert lines[-1].tags == (NO_NEWLINE,)
    streamed = list(read_stream(io.BytesIO(b"a\nb\nc"), source="stdin:1"))
    assert [(line.raw, line.position, line.end) for line in streamed] == [
        (b"a", 0, -1),
        (b"b", 1, -1),
        (b"c", 2, -1),
    ]


def test_oversize_line_is_tagged_with_its_length(tmp_path: Path) -> None:
    path = tmp_path / "big.log"
    path.write_bytes(b"x" * 50 + b"\nok\n")
    [big, ok] = list(read_file(path, max_line=10))
    assert big.tags == (OVERSIZE,) and big.raw == b"x" * 10 and big.length == 50
    assert big.end == 51 and ok.raw == b"ok" and ok.tags == ()


# --- tailing


def test_tail_reads_only_complete_lines(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.write_bytes(b"first\nsec")
    t = tailer(path, Checkpoints(tmp_path / "cp.json"))
    assert raws(t.poll()) == [b"first"]
    assert t.poll() == []
    append(path, b"ond\n")
    [line] = t.poll()
    assert (line.raw, line.position, line.end) == (b"second", 6, 13)


def test_tail_resumes_from_its_checkpoint(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.write_bytes(b"a\nb\n")
    cp = tmp_path / "cp.json"
    first = tailer(path, Checkpoints(cp))
    lines = first.poll()
    commit_all(first, lines[:1])  # only "a" was stored before the crash
    first.close()
    append(path, b"c\n")
    again = tailer(path, Checkpoints(cp))
    got = again.poll()
    assert raws(got) == [b"b", b"c"]
    assert [event_id(x) for x in got[:1]] == [event_id(lines[1])]  # the replay has its id


def test_rotation_finishes_the_old_file_first(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.write_bytes(b"old1\n")
    clock = Clock()
    t = tailer(path, Checkpoints(tmp_path / "cp.json"), clock)
    assert raws(t.poll()) == [b"old1"]
    append(path, b"old2\nold-partial")
    path.rename(tmp_path / "app.log.1")
    path.write_bytes(b"new1\n")
    first = t.poll()  # reads what is left of the old file; notices the rotation
    assert raws(first) == [b"old2"]
    got = t.poll()
    assert raws(got) == [b"new1"]
    assert got[0].position == 0
    assert got[0].source == file_source(path.stat(), fingerprint=sha256(b"new1\n"))
    append(tmp_path / "app.log.1", b"-late\n")  # a writer that still had the old file open
    assert raws(t.poll()) == [b"old-partial-late"]
    clock.now = 5.0
    assert t.poll() == []  # quiet past the grace: closed
    assert len(t.sources) == 1


def test_rotated_file_tail_without_newline_comes_out_when_closed(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.write_bytes(b"a\nunterminated")
    clock = Clock()
    t = tailer(path, Checkpoints(tmp_path / "cp.json"), clock)
    assert raws(t.poll()) == [b"a"]
    path.rename(tmp_path / "app.log.1")
    t.poll()
    clock.now = 5.0
    [last] = t.poll()
    assert last.raw == b"unterminated" and NO_NEWLINE in last.tags


def test_rotation_while_stopped_is_found_among_siblings(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.write_bytes(b"a\nb\n")
    cp = tmp_path / "cp.json"
    first = tailer(path, Checkpoints(cp))
    commit_all(first, first.poll()[:1])
    first.close()
    path.rename(tmp_path / "app.log.1")
    path.write_bytes(b"c\n")
    again = tailer(path, Checkpoints(cp))
    assert raws(again.poll()) == [b"b", b"c"]


def test_checkpoint_of_a_vanished_file_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.write_bytes(b"a\n")
    cp = tmp_path / "cp.json"
    first = tailer(path, Checkpoints(cp))
    commit_all(first, first.poll())
    first.close()
    old_key = file_source(path.stat())
    keep = tmp_path / "keep"
    path.rename(keep)  # keeps the inode busy, so the new file cannot reuse its number
    path.write_bytes(b"b\n")
    checkpoints = Checkpoints(cp)
    again = tailer(path, checkpoints)
    assert checkpoints.get(old_key) is None
    assert raws(again.poll()) == [b"b"]


def test_truncation_restarts_at_zero_with_new_ids(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.write_bytes(b"long line one\nlong line two\n")
    t = tailer(path, Checkpoints(tmp_path / "cp.json"))
    before = t.poll()
    path.write_bytes(b"x\n")  # truncate (O_TRUNC keeps the inode) and write less
    [after] = t.poll()  # at the old EOF the truncation is noticed, and the file read again
    assert (after.raw, after.position) == (b"x", 0)
    assert source_key(after.source) == (source_key(before[0].source)[0], 1)
    assert after.source.endswith("#1@" + sha256(b"x\n")[:16])
    assert event_id(after) != event_id(before[0])  # not mistaken for the old first line


def test_copytruncate_then_growth_past_the_offset_is_caught_by_the_fingerprint(
    tmp_path: Path,
) -> None:
    path = tmp_path / "app.log"
    path.write_bytes(b"Nov 21 08:00:00 a\n")
    t = tailer(path, Checkpoints(tmp_path / "cp.json"))
    assert raws(t.poll()) == [b"Nov 21 08:00:00 a"]
    with path.open("r+b") as fh:  # what logrotate's copytruncate does, then the app writes on
        fh.truncate(0)
    append(path, b"Nov 21 09:00:00 b\nNov 21 09:00:01 c\n")  # longer than what was read
    assert raws(t.poll()) == [b"Nov 21 09:00:00 b", b"Nov 21 09:00:01 c"]


def test_truncated_while_stopped_is_read_again(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.write_bytes(b"first line\nsecond\n")
    cp = tmp_path / "cp.json"
    first = tailer(path, Checkpoints(cp))
    commit_all(first, first.poll())
    first.close()
    with path.open("r+b") as fh:
        fh.truncate(0)
        fh.write(b"fresh content that is long enough\n")
    checkpoints = Checkpoints(cp)
    [line] = tailer(path, checkpoints).poll()
    assert line.raw == b"fresh content that is long enough" and line.position == 0
    assert source_key(line.source)[1] == 1


def test_missing_path_is_picked_up_when_it_appears(tmp_path: Path) -> None:
    path = tmp_path / "later.log"
    t = tailer(path, Checkpoints(tmp_path / "cp.json"))
    assert t.poll() == []
    path.write_bytes(b"hello\n")
    assert raws(t.poll()) == [b"hello"]


def test_committed_marks_carry_path_and_fingerprint(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.write_bytes(b"a\nb\n")
    checkpoints = Checkpoints(tmp_path / "cp.json")
    t = tailer(path, checkpoints)
    commit_all(t, t.poll())
    [mark] = list(Checkpoints(tmp_path / "cp.json"))
    assert isinstance(mark, Mark)
    st = path.stat()
    assert mark.identity == (st.st_dev, st.st_ino)
    assert (mark.path, mark.offset, mark.generation) == (str(path), 4, 0)
    assert mark.fingerprint == hashlib.sha256(b"a\n").hexdigest()[:32]
    assert mark.fingerprint_size == 2


# --- a whole file still being written (issue 17)


class WallClock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_a_last_line_still_being_written_is_held_back_then_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "auth.log"
    path.write_bytes(b"one\nAccepted password for PART")
    first = FileReader(path)
    assert raws(list(first)) == [b"one"]
    assert first.held is not None and first.held.raw == b"Accepted password for PART"
    append(path, b"IAL from 10.0.0.1\n")
    again = FileReader(path)
    lines = list(again)
    assert raws(lines) == [b"one", b"Accepted password for PARTIAL from 10.0.0.1"]
    assert again.held is None and lines[1].tags == ()
    assert event_id(lines[1]) == event_id(Line(b"", lines[1].source, 4))  # the plain id


def test_a_quiet_files_last_line_is_taken_and_never_a_duplicate_of_its_completion(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.log"
    path.write_bytes(b"one\ntwo without newline")
    mtime = path.stat().st_mtime
    fresh = FileReader(path, clock=WallClock(mtime + QUIET - 1))
    assert raws(list(fresh)) == [b"one"] and fresh.held is not None
    quiet = FileReader(path, clock=WallClock(mtime + QUIET))
    taken = list(quiet)
    assert raws(taken) == [b"one", b"two without newline"] and quiet.held is None
    assert taken[1].tags == (NO_NEWLINE,)
    # the same beginning read again is the same event ...
    assert [event_id(x) for x in read_file(settled(path))] == [event_id(x) for x in taken]
    # ... and should the writer complete it after all, the whole line is another
    append(path, b", now complete\n")
    completed = list(read_file(path))
    assert completed[1].raw == b"two without newline, now complete"
    assert event_id(completed[1]) != event_id(taken[1])
    assert event_id(completed[0]) == event_id(taken[0])


def test_paths_that_are_no_regular_file_are_named_for_what_they_are(tmp_path: Path) -> None:
    import socket

    from secops.ingest.readers import Unreadable

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    sock_path = tmp_path / "sock"
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(sock_path))
    try:
        for path, kind in [
            (tmp_path, "directory"),
            (fifo, "fifo"),
            (sock_path, "socket"),
            (tmp_path / "nope", "missing"),
            (Path("/dev/null"), "device"),
        ]:
            with pytest.raises(Unreadable) as caught:
                list(read_file(path))
            assert (caught.value.kind, caught.value.path) == (kind, path)
    finally:
        sock.close()
