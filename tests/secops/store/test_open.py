"""open_store: which store a URL names; purge_cutoff: the 180-day floor."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from secops.store import RETENTION_DAYS, StoreError, default_path, open_store, purge_cutoff
from secops.store.sqlite import SqliteStore

NOW = datetime(2026, 11, 21, tzinfo=UTC)


def test_the_default_store_is_sqlite_under_the_data_dir(tmp_path: Path) -> None:
    env = {"GOVSEC_HOME": str(tmp_path)}
    for url in (None, "", "sqlite://"):
        store = open_store(url, environ=env)
        assert isinstance(store, SqliteStore)
        assert store.path == tmp_path / "siem" / "events.db" == default_path(env)
        store.close()
    assert (tmp_path / "siem").stat().st_mode & 0o777 == 0o700


def test_a_sqlite_url_names_its_file(tmp_path: Path) -> None:
    store = open_store(f"sqlite://{tmp_path}/a/b.db")
    assert isinstance(store, SqliteStore)
    assert store.path == tmp_path / "a" / "b.db"
    store.close()


def test_an_unknown_scheme_is_refused() -> None:
    with pytest.raises(StoreError, match="unknown store URL 'mysql://x'"):
        open_store("mysql://x")


def test_retention_under_180_days_needs_force() -> None:
    assert purge_cutoff(now=NOW) == NOW - timedelta(days=RETENTION_DAYS)
    assert purge_cutoff(365, now=NOW) == NOW - timedelta(days=365)
    with pytest.raises(StoreError, match="30 days is under the 180") as caught:
        purge_cutoff(30, now=NOW)
    assert "--force" in str(caught.value.hint)
    assert purge_cutoff(30, force=True, now=NOW) == NOW - timedelta(days=30)
    with pytest.raises(StoreError, match="delete everything"):
        purge_cutoff(0, force=True, now=NOW)
