"""SQLite store: durability, a store that is down, schema guard, the FTS index kept in step."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import apsw
import pytest

from secops.store.base import StoreError, StoreUnavailable
from secops.store.sqlite import SqliteStore
from tests.conftest import AS_NOBODY, ROOT
from tests.secops.store.events import event

WRITE_AND_DIE = """
import os, signal, sys
from secops.store.sqlite import SqliteStore
from tests.secops.store.events import event
store = SqliteStore(__import__("pathlib").Path(sys.argv[1]))
result = store.put([event(n) for n in range(int(sys.argv[2]))])
print(result.created, flush=True)
os.kill(os.getpid(), signal.SIGKILL)  # no close(), no checkpoint: what a crash leaves
"""

PUT_ONE = """
import sys
from pathlib import Path
from secops.store.base import StoreUnavailable
from secops.store.sqlite import SqliteStore
from tests.secops.store.events import event
try:
    SqliteStore(Path(sys.argv[1])).put([event(99)])
except StoreUnavailable as exc:
    print("unavailable:", exc.message)
"""


def run_python(code: str, *args: str, prefix: list[str] | None = None) -> str:
    result = subprocess.run(
        [*(prefix or []), sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"},
        timeout=60,
        check=False,
    )
    return result.stdout + result.stderr


def test_a_killed_writer_loses_nothing_it_committed(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    out = run_python(WRITE_AND_DIE, str(path), "500")
    assert out.strip() == "500"
    with SqliteStore(path) as store:
        assert store.stats().total == 500
        assert store.put([event(n) for n in range(500)]).duplicates == 500


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A directory that the user nobody can reach (tmp_path's parents are root's, 0700)."""
    work = Path(tempfile.mkdtemp(prefix="govsec-store-", dir="/tmp"))
    work.chmod(0o755)
    yield work
    shutil.rmtree(work)


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"), reason="needs root")
def test_a_read_only_directory_is_unavailable_and_keeps_what_it_has(shared_dir: Path) -> None:
    path = shared_dir / "siem" / "events.db"
    with SqliteStore(path) as store:
        store.put([event(n) for n in range(10)])
    path.parent.chmod(0o555)
    path.chmod(0o444)
    out = run_python(PUT_ONE, str(path), prefix=AS_NOBODY)
    assert out.startswith(f"unavailable: cannot open the event store {path}:"), out
    path.parent.chmod(0o700)
    with SqliteStore(path) as store:
        assert store.stats().total == 10


def test_a_full_disk_is_unavailable_and_the_batch_is_not_half_written(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    with SqliteStore(path) as store:
        store.put([event(n) for n in range(10)])
        pages = store._db.execute("PRAGMA page_count").fetchone()[0]
        # SQLite's own page cap fails writes exactly as a full disk does (SQLITE_FULL)
        store._db.execute(f"PRAGMA max_page_count={pages}")
        big = [event(n, message="x" * 4000) for n in range(10, 200)]
        with pytest.raises(StoreUnavailable, match=f"{path}.*full") as caught:
            store.put(big)
        assert caught.value.hint is not None
        assert store.stats().total == 10
        store._db.execute("PRAGMA max_page_count=1073741823")
        assert store.put(big).created == 190


def test_a_store_removed_while_open_refuses_to_write(tmp_path: Path) -> None:
    path = tmp_path / "siem" / "events.db"
    store = SqliteStore(path)
    store.put([event(1)])
    shutil.rmtree(path.parent)
    with pytest.raises(StoreUnavailable, match=str(path)):
        store.put([event(2)])
    store.close()


def test_an_unopenable_path_is_unavailable_naming_it(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a directory")
    path = tmp_path / "file" / "events.db"
    with pytest.raises(StoreUnavailable, match=str(path)):
        SqliteStore(path)


def test_a_file_that_is_not_a_database_is_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    path.write_bytes(b"this is no database" * 100)
    with pytest.raises(StoreUnavailable, match=str(path)):
        SqliteStore(path)


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    SqliteStore(path).close()
    db = apsw.Connection(str(path))
    db.execute("PRAGMA user_version=99")
    db.close()
    with pytest.raises(StoreError, match="schema version 99"):
        SqliteStore(path)


def test_a_version_1_store_is_upgraded_in_place_keeping_its_events(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    with SqliteStore(path) as store:
        store.put([event(n) for n in range(50)])
    db = apsw.Connection(str(path))
    for name in ("host", "category"):  # what version 1 indexed: (column, ts)
        db.execute(f"DROP INDEX events_by_{name}")
    for name in ("host", "dataset", "category"):
        db.execute(f"CREATE INDEX events_{name} ON events ({name}, ts)")
    db.execute("DROP TABLE counts")  # version 1 counted with GROUP BY
    db.execute("PRAGMA user_version=1")
    db.close()
    with SqliteStore(path) as store:
        stats = store.stats()
        names = {row[0] for row in store._db.execute("SELECT name FROM sqlite_master")}
        version = store._db.execute("PRAGMA user_version").fetchone()[0]
    assert stats.total == 50 and sum(stats.by_dataset.values()) == 50
    assert {"events_by_host", "events_by_category", "counts"} <= names
    assert not {"events_host", "events_dataset", "events_category"} & names
    assert version == 2


def test_the_full_text_index_stays_consistent_through_put_and_purge(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    with SqliteStore(path) as store:
        categories = ("authentication", "network", None)
        store.put(
            [
                event(n, message=f"word{n % 7} \x00 {n}", category=categories[n % 3])
                for n in range(3000)
            ]
        )
        store.put([event(n) for n in range(2500, 3500)])
        no_message = event(4000)
        del no_message["message"]
        store.put([no_message])
        store.purge(event_time(1500))
        db = store._db
        db.execute("INSERT INTO events_fts (events_fts) VALUES ('integrity-check')")
        assert store.stats().total == 3500 - 1500 + 1
        # the kept counts are what grouping every event gives
        truth = {
            (dataset, category): n
            for dataset, category, n in db.execute(
                "SELECT coalesce(dataset, ''), coalesce(category, ''), count(*) FROM events"
                " GROUP BY 1, 2"
            )
        }
        kept = {(d, c): n for d, c, n in db.execute("SELECT dataset, category, n FROM counts")}
        assert kept == truth and sum(truth.values()) == 3500 - 1500 + 1
        assert len(store.search("word3", limit=10_000)) == len(
            [n for n in range(1500, 2500) if n % 7 == 3]
        ) + len([n for n in range(2500, 3000) if n % 7 == 3])


def event_time(n: int) -> datetime:
    return datetime.fromisoformat(event(n)["@timestamp"])


def test_another_process_reads_while_this_one_writes(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    with SqliteStore(path) as writer, SqliteStore(path) as reader:
        writer.put([event(n) for n in range(100)])
        assert reader.stats().total == 100
        writer.put([event(n) for n in range(100, 150)])
        assert len(reader.search("password", limit=1000)) == 150


def test_checkpoints_in_their_thread_keep_the_wal_bounded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from secops.store import sqlite as module

    # small thresholds; the writer's own fallback far away, so only the thread can keep up
    monkeypatch.setattr(module, "CHECKPOINT_PAGES", 40)
    monkeypatch.setattr(module, "WAL_LIMIT_PAGES", 1_000_000)
    path = tmp_path / "events.db"
    wal = tmp_path / "events.db-wal"
    sizes = []
    with SqliteStore(path) as store:
        for batch in range(12):
            store.put([event(n) for n in range(batch * 1000, (batch + 1) * 1000)])
            time.sleep(0.3)  # the thread's turn
            sizes.append(wal.stat().st_size // 16384)
        assert store.stats().total == 12_000
    # 12 batches of ~60 pages each: without the thread the WAL would hold them all
    assert max(sizes) < 4 * 60, sizes
    with SqliteStore(path) as store:  # and nothing was lost on the way
        assert store.stats().total == 12_000
        assert len(store.search("", limit=20_000)) == 12_000
