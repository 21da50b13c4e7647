"""Checkpoints: atomic commits, what a damaged file means, and what is kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from secops.ingest.checkpoint import CheckpointError, Checkpoints, Mark, default_path

pytestmark = pytest.mark.timeout(30)


def test_round_trip_and_no_temporary_file_left(tmp_path: Path) -> None:
    path = tmp_path / "siem" / "checkpoints.json"
    checkpoints = Checkpoints(path)
    mark = Mark("file:64:12", "/var/log/auth.log", 4096, 1, "ab" * 16, 80)
    checkpoints.set(mark)
    assert checkpoints.dirty
    checkpoints.commit()
    assert not checkpoints.dirty
    assert list(Checkpoints(path)) == [mark]
    assert [p.name for p in path.parent.iterdir()] == ["checkpoints.json"]
    assert path.stat().st_mode & 0o777 == 0o600
    assert json.loads(path.read_text())["files"]["file:64:12"]["offset"] == 4096


def test_unchanged_marks_are_not_rewritten(tmp_path: Path) -> None:
    path = tmp_path / "cp.json"
    checkpoints = Checkpoints(path)
    checkpoints.set(Mark("file:1:2", "/a", 1))
    checkpoints.commit()
    path.unlink()
    checkpoints.set(Mark("file:1:2", "/a", 1))
    checkpoints.commit()
    assert not path.exists()  # nothing changed, nothing written


def test_drop(tmp_path: Path) -> None:
    path = tmp_path / "cp.json"
    checkpoints = Checkpoints(path)
    checkpoints.set(Mark("file:1:2", "/a", 1))
    checkpoints.set(Mark("file:1:3", "/a", 9))
    checkpoints.drop("file:1:2")
    checkpoints.commit()
    assert [m.key for m in Checkpoints(path)] == ["file:1:3"]
    assert Checkpoints(path).get("file:1:3") == Mark("file:1:3", "/a", 9)


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        "[]",
        '{"files": {"file:1:2": {"path": "/a", "offset": -1}}}',
        '{"files": {"bogus": {"path": "/a", "offset": 1}}}',
        '{"files": {"file:1:2": {"offset": 1}}}',
    ],
)
def test_damaged_entries_are_read_as_no_checkpoint(tmp_path: Path, content: str) -> None:
    path = tmp_path / "cp.json"
    path.write_text(content)
    assert len(Checkpoints(path)) == 0  # reading again from the start: at-least-once


def test_unwritable_directory_is_an_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    checkpoints = Checkpoints(blocker / "cp.json")
    checkpoints.set(Mark("file:1:2", "/a", 1))
    with pytest.raises(CheckpointError):
        checkpoints.commit()


def test_default_path_is_under_the_data_dir(tmp_path: Path) -> None:
    assert default_path({"GOVSEC_HOME": str(tmp_path)}) == tmp_path / "siem" / "checkpoints.json"
