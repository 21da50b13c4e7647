"""secops.files: the one permission rule (0600 files, 0700 folders, or group-readable)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from secops.files import (
    make_private,
    private_dir,
    private_file,
    private_files,
    set_group_read,
    write_atomic,
)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    """The umask most accounts have: what govsec writes must not depend on it."""
    before = os.umask(0o022)
    yield
    os.umask(before)
    set_group_read(False)


def test_write_atomic_makes_private_files_in_private_folders(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "results.json"
    write_atomic(target, "{}")
    assert mode(target) == 0o600
    assert mode(tmp_path / "a") == mode(tmp_path / "a" / "b") == 0o700
    write_atomic(target, "{}", mode=0o640)  # a caller may still ask for another mode
    assert mode(target) == 0o640


def test_private_dir_leaves_a_folder_that_exists_as_it_is(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    private_dir(shared / "x" / "y")
    assert mode(shared) == 0o755
    assert mode(shared / "x") == mode(shared / "x" / "y") == 0o700


def test_private_file_creates_only_a_missing_file(tmp_path: Path) -> None:
    path = private_file(tmp_path / "s" / "events.db")
    assert mode(path) == 0o600 and mode(path.parent) == 0o700
    path.write_text("kept")
    private_file(path)
    assert path.read_text() == "kept"


def test_group_read_opens_files_and_folders_to_the_group_only(tmp_path: Path) -> None:
    set_group_read(True)
    target = tmp_path / "soc" / "report.html"
    write_atomic(target, "<html>")
    assert mode(target) == 0o640 and mode(target.parent) == 0o750
    other = tmp_path / "soc" / "gaps.xlsx"
    other.write_text("x")
    other.chmod(0o666)
    assert mode(make_private(other)) == 0o640


def test_private_files_sets_and_restores_the_umask(tmp_path: Path) -> None:
    with private_files():
        (tmp_path / "lib.pdf").write_text("made by a library")
        (tmp_path / "folder").mkdir()
    assert mode(tmp_path / "lib.pdf") == 0o600 and mode(tmp_path / "folder") == 0o700
    (tmp_path / "after").write_text("")
    assert mode(tmp_path / "after") == 0o644


def test_reports_written_by_the_library_are_private_whatever_the_umask(tmp_path: Path) -> None:
    # the CLI sets a private umask; a program calling the report code itself does not
    from secops.report.build import build_reports
    from tests.secops.report.sample import catalog, sample_run

    built = build_reports(
        sample_run(), catalog(), tmp_path / "out" / "deep" / "report.html", "en", pdf=True
    )
    written = list((tmp_path / "out").rglob("*"))
    assert built.pdf is not None and built.pdf in written and built.gaps_xlsx in written
    for path in written:
        assert mode(path) == (0o700 if path.is_dir() else 0o600), path
    assert not [p for p in written if p.name.endswith(".tmp")]  # nothing half-written left
