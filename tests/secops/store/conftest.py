"""Store fixtures: every contract test runs against each store this machine can reach.

sqlite always; ``osmem`` (osmem-server, an in-memory OpenSearch stand-in) when the package
is installed; ``es`` (a real cluster) when ``GOVSEC_TEST_ES_URL`` is set.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from secops.store.base import EventStore
from secops.store.elasticsearch import ElasticsearchStore
from secops.store.sqlite import SqliteStore

BACKENDS = ["sqlite"]
if importlib.util.find_spec("osmem_server") is not None:
    BACKENDS.append("osmem")
if os.environ.get("GOVSEC_TEST_ES_URL"):
    BACKENDS.append("es")


def es_store_at(url: str, spool: Path, **options: Any) -> ElasticsearchStore:
    """A store on ``url`` that tests can read back at once and that fails over quickly."""
    settings: dict[str, Any] = {
        "refresh": True,
        "timeout": 5.0,
        "retries": 0,
        "backoff": 0.01,
        "backoff_cap": 0.05,
    }
    settings.update(options)
    return ElasticsearchStore(url, spool_dir=spool, **settings)


@pytest.fixture(scope="session")
def osmem() -> Iterator[Any]:
    """One osmem-server for the session (127.0.0.1, a free port); tests use clones of it."""
    from osmem_server import OsmemServer

    server = OsmemServer.start(japanese=False, addr="127.0.0.1:0")
    yield server
    server.close()


@pytest.fixture
def osmem_store(osmem: Any, tmp_path: Path) -> Iterator[ElasticsearchStore]:
    """A store on a fresh, empty clone; osmem has no data streams, so plain indices."""
    clone = osmem.clone()
    yield es_store_at(clone.url, tmp_path / "spool", data_streams=False)
    clone.close()


@pytest.fixture
def es_store(tmp_path: Path) -> Iterator[ElasticsearchStore]:
    """A store on the real cluster of GOVSEC_TEST_ES_URL, under a prefix of its own."""
    prefix = f"govsectest{os.getpid()}x{abs(hash(tmp_path)) % 10**8}"
    store = es_store_at(os.environ["GOVSEC_TEST_ES_URL"], tmp_path / "spool", prefix=prefix)
    yield store
    store._call("DELETE", f"/_data_stream/logs-{prefix}.*-*")
    store._call("DELETE", f"/_index_template/{prefix}-logs")
    store._call("DELETE", f"/_ilm/policy/{prefix}-logs")


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[EventStore]:
    """A fresh, empty store of each kind."""
    opened: EventStore
    if request.param == "sqlite":
        opened = SqliteStore(tmp_path / "siem" / "events.db")
    else:
        opened = request.getfixturevalue(f"{request.param}_store")
    yield opened
    opened.close()
