"""The EventStore contract (docs/siem-design.md, "Stores"), run against every store."""

from __future__ import annotations

from datetime import timedelta

import pytest

from secops.store.base import EventStore, StoreError
from tests.secops.store.events import T0, eid, event


def ids(events: list[dict[str, object]]) -> list[str]:
    return [e["event"]["id"] for e in events]  # type: ignore[index]


def test_put_is_idempotent_on_event_id(store: EventStore) -> None:
    batch = [event(n) for n in range(20)]
    first = store.put(batch)
    assert (first.created, first.duplicates, first.failed) == (20, 0, [])
    again = store.put(batch)
    assert (again.created, again.duplicates, again.failed) == (0, 20, [])
    mixed = store.put([event(19), event(20), event(20)])
    assert (mixed.created, mixed.duplicates) == (1, 2)
    assert store.stats().total == 21


def test_put_reports_events_it_cannot_store_and_keeps_the_rest(store: EventStore) -> None:
    no_id = event(1)
    del no_id["event"]["id"]
    bad_time = event(2)
    bad_time["@timestamp"] = "yesterday"
    result = store.put([no_id, bad_time, event(3)])
    assert result.created == 1
    assert result.failed == [
        ("", "no event.id"),
        (eid(2), "@timestamp 'yesterday' is not ISO 8601"),
    ]


def test_events_come_back_as_they_were_stored(store: EventStore) -> None:
    original = event(7, message="Accepted publickey for alice from 10.0.0.5 port 50122 ssh2")
    store.put([original])
    assert store.search("") == [original]


def test_search_is_full_text_on_the_message_newest_first(store: EventStore) -> None:
    store.put([event(n) for n in range(10)])
    store.put([event(10, message="Accepted publickey for alice from 10.0.0.5 port 50122")])
    assert ids(store.search("")) == [eid(n) for n in reversed(range(11))]
    assert ids(store.search("alice")) == [eid(10)]
    assert ids(store.search("publickey AND alice")) == [eid(10)]
    assert ids(store.search('"10.0.0.5"')) == [eid(10), eid(5)]
    assert set(ids(store.search("user3"))) == {eid(3)}
    assert ids(store.search("nobody")) == []


def test_search_filters_by_time_host_and_limit(store: EventStore) -> None:
    store.put([event(n, host="lab01" if n % 2 else "lab02") for n in range(10)])
    since, until = T0 + timedelta(seconds=3), T0 + timedelta(seconds=7)
    assert ids(store.search("", since=since)) == [eid(n) for n in (9, 8, 7, 6, 5, 4, 3)]
    assert ids(store.search("", until=until)) == [eid(n) for n in (6, 5, 4, 3, 2, 1, 0)]
    assert ids(store.search("", since=since, until=until)) == [eid(n) for n in (6, 5, 4, 3)]
    assert ids(store.search("", host="lab01")) == [eid(n) for n in (9, 7, 5, 3, 1)]
    assert ids(store.search("password", host="lab02", limit=2)) == [eid(8), eid(6)]
    assert ids(store.search("", limit=1)) == [eid(9)]
    assert store.search("", host="lab03") == []


def test_stats_count_by_dataset_category_and_unparsed(store: EventStore) -> None:
    store.put(
        [
            *(event(n) for n in range(5)),
            *(event(n, dataset="sudo", category="process") for n in range(5, 8)),
            event(8, dataset="syslog", category=None, outcome=None),
            *(event(n, dataset="unparsed", category=None) for n in (9, 10)),
        ]
    )
    stats = store.stats()
    assert stats.total == 11
    assert stats.by_dataset == {"sshd": 5, "sudo": 3, "syslog": 1, "unparsed": 2}
    assert stats.by_category == {"authentication": 5, "process": 3}
    assert stats.unparsed == 2
    assert stats.oldest == T0
    assert stats.newest == T0 + timedelta(seconds=10)
    assert stats.size_bytes > 0


def test_stats_of_an_empty_store(store: EventStore) -> None:
    stats = store.stats()
    assert (stats.total, stats.by_dataset, stats.unparsed, stats.oldest) == (0, {}, 0, None)


def test_purge_deletes_older_events_and_their_index_entries(store: EventStore) -> None:
    store.put([event(n, message=f"token{n} shared") for n in range(10)])
    assert store.purge(T0 + timedelta(seconds=4)) == 4
    assert ids(store.search("")) == [eid(n) for n in reversed(range(4, 10))]
    assert store.search("token1") == []
    assert len(store.search("shared")) == 6
    assert store.stats().oldest == T0 + timedelta(seconds=4)
    assert store.purge(T0) == 0
    # a purged id may come back (a re-import of old logs): it is new again
    assert store.put([event(1, message="token1 again")]).created == 1
    assert ids(store.search("token1")) == [eid(1)]


HOSTILE = [
    "nul \x00 inside",
    "ansi \x1b[31mred\x1b[0m and bell \x07",
    "invalid utf-8 already escaped: \\xff\\xfe",
    "'; DROP TABLE events; --",
    'quote " and star * and colon: and (paren',
    "中文 日志 用户 登录失败",
    "x" * 70_000,
]


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_content_is_stored_and_found_as_it_is(store: EventStore, text: str) -> None:
    original = event(1, message=text, host=text[:200])
    original["event"]["original"] = text
    store.put([original])
    assert store.search("", host=text[:200]) == [original]
    assert store.stats().total == 1


def test_hostile_ids_are_just_ids(store: EventStore) -> None:
    odd = ["'; DROP TABLE events; --", "a" * 32, "A" * 32, "id with spaces", "ünïcode"]
    result = store.put([event(n, ident=ident) for n, ident in enumerate(odd)])
    assert (result.created, result.failed) == (5, [])
    assert store.put([event(9, ident="a" * 32)]).duplicates == 1
    assert sorted(ids(store.search(""))) == sorted(odd)


# malformed in both syntaxes: SQLite FTS5 and Elasticsearch query_string
MALFORMED = ['"', "a OR", "(" * 200 + "a", "'; DROP TABLE events; --", 'a "b']
# fine in one syntax or the other: each store answers or refuses, never crashes
ODD = ["*", "AND", "\x00", "\x1b[31m", "a:b", "-x", "^a", "NEAR(a b)", "\\", "/regex/", "a~"]


@pytest.mark.parametrize("query", MALFORMED)
def test_a_malformed_query_is_a_store_error_naming_it(store: EventStore, query: str) -> None:
    store.put([event(1)])
    with pytest.raises(StoreError, match=r"search query .* is not valid") as caught:
        store.search(query)
    assert repr(query)[:50] in caught.value.message
    assert caught.value.hint
    assert store.stats().total == 1


@pytest.mark.parametrize("query", ODD)
def test_odd_queries_answer_or_refuse_cleanly(store: EventStore, query: str) -> None:
    store.put([event(1)])
    try:
        found = store.search(query)
    except StoreError as exc:
        assert "is not valid" in exc.message
    else:
        assert isinstance(found, list)


def test_quoted_metacharacters_are_searchable(store: EventStore) -> None:
    store.put([event(1, message="'; DROP TABLE events; --"), event(2)])
    assert ids(store.search('"DROP TABLE events"')) == [eid(1)]
