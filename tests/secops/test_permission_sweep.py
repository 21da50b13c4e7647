"""Issue 17.4: nothing govsec writes under its data dir or an output folder is open to others.

A demo-like run in-process under the usual umask 022 — a signed audit, its report, an ingest
into the default store and into a fresh ``--store``, the alert tables — then every file and
folder under the data dir and the output folders is checked.
"""

from __future__ import annotations

import importlib.util
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from secops.audit.runner import write
from secops.cli.app import main
from secops.report.signing import ensure_key
from secops.store.sqlite import SqliteStore
from tests.secops.report.sample import CATALOG_DIR, sample_run
from tests.secops.store.events import event

LOG = (
    "Nov 21 08:00:01 lab01 sshd[4242]: Failed password for root from 203.0.113.9 port 2201 ssh2\n"
    "Nov 21 08:00:02 lab01 sshd[4242]: Accepted password for alice from 10.0.0.7 port 2202 ssh2\n"
    "\x00\x01 not a log line at all \xff\n"
)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh data dir, English, no settings file, and the umask most accounts have."""
    for name in [n for n in os.environ if n.startswith("GOVSEC_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("GOVSEC_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("GOVSEC_LANG", "en")
    monkeypatch.chdir(tmp_path)
    before = os.umask(0o022)
    yield tmp_path / "home"
    os.umask(before)


def govsec(*args: str) -> int:
    """``govsec ARGS`` in this process; its exit code."""
    with pytest.raises(SystemExit) as exited:
        main(list(args))
    code = exited.value.code
    return code if isinstance(code, int) else 1


def open_to_others(*roots: Path) -> list[str]:
    """Every file readable, and every folder enterable, by group or others under ``roots``."""
    found = []
    for root in roots:
        for path in (root, *root.rglob("*")):
            info = path.lstat()
            if not stat.S_ISLNK(info.st_mode) and stat.S_IMODE(info.st_mode) & 0o077:
                found.append(f"{path} {stat.S_IMODE(info.st_mode):04o}")
    return sorted(found)


def settled(log: Path) -> None:
    """Date ``log`` an hour back: a file not still being written, so no line is held back."""
    old = log.stat().st_mtime - 3600
    os.utime(log, (old, old))


def test_a_demo_run_leaves_nothing_open_to_others(home: Path, tmp_path: Path) -> None:
    audit = home / "audits" / "2026-11-21T080000Z"
    write(sample_run(), [], audit, ensure_key())
    pdf = ["--pdf"] if importlib.util.find_spec("weasyprint") else []  # WeasyPrint writes it
    assert govsec("report", "build", str(audit), "--catalog", str(CATALOG_DIR), *pdf) == 0
    output = tmp_path / "out"
    built = output / "for-the-auditor" / "report.html"
    assert (
        govsec("report", "build", str(audit), "--catalog", str(CATALOG_DIR), "-o", str(built)) == 0
    )
    log = tmp_path / "logs" / "auth.log"
    log.parent.mkdir()
    log.write_bytes(LOG.encode("utf-8", "surrogateescape").replace(b"\xc3\xbf", b"\xff"))
    settled(log)
    assert govsec("siem", "ingest", str(log)) == 0
    fresh = tmp_path / "fresh" / "siem" / "events.db"
    assert govsec("siem", "ingest", str(log), "--store", f"sqlite://{fresh}") == 0
    assert govsec("alerts", "list", "--store", f"sqlite://{fresh}") == 0
    assert govsec("siem", "stats") == 0
    assert (audit / "results.json").is_file() and (audit / "report.html").is_file()
    assert built.is_file() and fresh.is_file() and (home / "siem" / "events.db").is_file()
    assert open_to_others(home, output, fresh.parent.parent) == []


def test_the_writers_are_private_without_the_command_line(home: Path, tmp_path: Path) -> None:
    """The library calls on their own (a test, the exporter) follow the rule too."""
    audit = tmp_path / "audits" / "one"
    write(sample_run(), [], audit, ensure_key())
    db = tmp_path / "explicit" / "events.db"
    with SqliteStore(db) as store:
        store.put([event(1)])
        names = {p.name for p in db.parent.iterdir()}
        assert {"events.db-wal", "events.db-shm"} <= names  # checked while they exist
        assert open_to_others(db.parent) == []
    assert open_to_others(home, audit.parent) == []


def test_group_read_opens_to_the_group_and_never_to_others(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOVSEC_GROUP_READ", "1")
    log = tmp_path / "auth.log"
    log.write_text(LOG.splitlines(keepends=True)[0])
    settled(log)
    fresh = tmp_path / "soc" / "events.db"
    try:
        assert govsec("siem", "ingest", str(log), "--store", f"sqlite://{fresh}") == 0
    finally:
        from secops.files import set_group_read

        set_group_read(False)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o640
    assert stat.S_IMODE(fresh.parent.stat().st_mode) == 0o750
