"""The syslog receiver: RFC 6587 framing, bounded frames, UDP and TCP into the pipeline."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

import pytest

from secops.ingest.pipeline import Pipeline, Quarantine
from secops.ingest.readers import Line, event_id
from secops.ingest.syslog_server import INCOMPLETE, TRUNCATED, FrameDecoder, SyslogReceiver
from secops.store.base import Event, PutResult, StoreUnavailable
from tests.secops.ingest.conftest import CST

pytestmark = pytest.mark.timeout(60)

MSG = b"<34>1 2026-11-21T08:00:00Z lab01 su - - - 'su root' failed on /dev/pts/8"


def feed_bytewise(decoder: FrameDecoder, data: bytes) -> list[tuple[bytes, tuple[str, ...]]]:
    return [frame for i in range(len(data)) for frame in decoder.feed(data[i : i + 1])]


def test_lf_framing() -> None:
    decoder = FrameDecoder()
    assert decoder.feed(b"<13>a\n<13>b\n<13>c") == [(b"<13>a", ()), (b"<13>b", ())]
    assert decoder.feed(b"\n") == [(b"<13>c", ())]


def test_octet_counting() -> None:
    data = b"%d %s" % (len(MSG), MSG) + b"8 <13>x\ny\nz"
    assert FrameDecoder().feed(data) == [(MSG, ()), (b"<13>x\ny", ())]  # trailing LF dropped


def test_framing_is_detected_per_frame_and_survives_any_split() -> None:
    data = (
        b"%d %s" % (len(MSG), MSG) + b"<13>lf frame\n" + b"5 hello" + b"\n" + b"2026-11-21 starts\n"
    )
    expected = [(MSG, ()), (b"<13>lf frame", ()), (b"hello", ()), (b"2026-11-21 starts", ())]
    assert FrameDecoder().feed(data) == expected
    assert feed_bytewise(FrameDecoder(), data) == expected


def test_numbers_that_are_not_counts_stay_text() -> None:
    decoder = FrameDecoder()
    assert decoder.feed(b"0123 leading zero\n12345\n1234567890123 too long\n") == [
        (b"0123 leading zero", ()),
        (b"12345", ()),
        (b"1234567890123 too long", ()),
    ]


def test_long_lf_frame_is_cut_and_the_rest_skipped() -> None:
    decoder = FrameDecoder(max_frame=10)
    assert decoder.feed(b"<13>" + b"x" * 30) == [(b"<13>xxxxxx", (TRUNCATED,))]
    assert decoder.feed(b"y" * 1000) == []  # skipped, not held
    assert len(decoder._buf) == 0
    assert decoder.feed(b"yy\n<13>ok\n") == [(b"<13>ok", ())]


def test_long_counted_frame_is_cut_and_the_rest_skipped() -> None:
    decoder = FrameDecoder(max_frame=10)
    frames = feed_bytewise(decoder, b"40 " + b"a" * 40 + b"3 end")
    assert frames == [(b"a" * 10, (TRUNCATED,)), (b"end", ())]
    assert len(decoder._buf) == 0


def test_eof_gives_the_last_frame() -> None:
    decoder = FrameDecoder()
    decoder.feed(b"<13>no newline")
    assert decoder.eof() == [(b"<13>no newline", ())]
    decoder.feed(b"20 <13>cut")
    assert decoder.eof() == [(b"<13>cut", (INCOMPLETE,))]


class ListStore:
    def __init__(self) -> None:
        self.events: dict[str, Event] = {}
        self.down = False

    def put(self, batch: Sequence[Event]) -> PutResult:
        if self.down:
            raise StoreUnavailable("down")
        new = [e for e in batch if e["event"]["id"] not in self.events]
        self.events.update((e["event"]["id"], e) for e in new)
        return PutResult(len({e["event"]["id"] for e in new}), len(batch) - len(new), [])

    def encode(self, event: Event) -> Event:
        return event

    def put_encoded(self, items: Sequence[Event]) -> PutResult:
        return self.put(items)

    def close(self) -> None:
        pass


def pipeline_for(store: ListStore, tmp_path: Path) -> Pipeline:
    return Pipeline(store, quarantine=Quarantine(tmp_path / "q"), tz=CST)  # type: ignore[arg-type]


async def wait_for(predicate: object, timeout: float = 10) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate() and loop.time() < deadline:  # type: ignore[operator]
        await asyncio.sleep(0.01)


def test_udp_and_tcp_into_the_pipeline(tmp_path: Path) -> None:
    store = ListStore()

    async def scenario() -> SyslogReceiver:
        receiver = SyslogReceiver(pipeline_for(store, tmp_path))
        await receiver.start("127.0.0.1", tcp_port=0, udp_port=0)
        assert receiver.udp_port is not None and receiver.tcp_port is not None
        loop = asyncio.get_running_loop()
        udp, _ = await loop.create_datagram_endpoint(
            asyncio.DatagramProtocol, remote_addr=("127.0.0.1", receiver.udp_port)
        )
        udp.sendto(b"<13>Nov 21 08:00:00 web01 app: over udp\n\x00")
        _, writer = await asyncio.open_connection("127.0.0.1", receiver.tcp_port)
        writer.write(b"%d %s<13>no host here\n" % (len(MSG), MSG))
        await writer.drain()
        await wait_for(lambda: len(store.events) == 3)
        writer.close()
        udp.close()
        await receiver.close()
        return receiver

    receiver = asyncio.run(scenario())
    by_message = {e["message"]: e for e in store.events.values()}
    assert by_message["over udp"]["host"]["name"] == "web01"  # the line's own host wins
    assert by_message["<13>no host here"]["host"]["name"] == "127.0.0.1"  # else the peer
    su = next(e for e in store.events.values() if e["event"]["original"] == MSG.decode())
    assert su["event"]["id"] == event_id(Line(MSG, "syslog:127.0.0.1", 0))
    assert receiver.connections == 1


def test_many_concurrent_senders_and_retries_do_not_duplicate(tmp_path: Path) -> None:
    store = ListStore()
    senders, per_sender = 20, 200

    async def send(port: int, sender: int, octet: bool) -> None:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        for n in range(per_sender):
            raw = b"<13>Nov 21 08:00:00 h%d app: n %d" % (sender, n)
            writer.write(b"%d %s" % (len(raw), raw) if octet else raw + b"\n")
            if n % 50 == 0:
                await writer.drain()
        await writer.drain()
        writer.close()
        await writer.wait_closed()

    async def scenario() -> None:
        receiver = SyslogReceiver(pipeline_for(store, tmp_path))
        await receiver.start("127.0.0.1", tcp_port=0)
        port = receiver.tcp_port
        assert port is not None
        await asyncio.gather(*(send(port, s, s % 2 == 0) for s in range(senders)))
        await asyncio.gather(*(send(port, s, s % 2 == 1) for s in range(5)))  # a resend
        await wait_for(lambda: receiver.pipeline.counters.lines == (senders + 5) * per_sender)
        await receiver.close()

    asyncio.run(scenario())
    assert len(store.events) == senders * per_sender


def test_store_down_pauses_tcp_and_keeps_the_lines(tmp_path: Path) -> None:
    store = ListStore()
    store.down = True

    async def scenario() -> SyslogReceiver:
        receiver = SyslogReceiver(pipeline_for(store, tmp_path))
        await receiver.start("127.0.0.1", tcp_port=0)
        assert receiver.tcp_port is not None
        _, writer = await asyncio.open_connection("127.0.0.1", receiver.tcp_port)
        writer.write(b"<13>one\n<13>two\n")
        await writer.drain()
        await wait_for(lambda: receiver.pipeline.counters.store_retries > 0)
        assert receiver._paused
        store.down = False
        await wait_for(lambda: len(store.events) == 2)
        assert not receiver._paused
        writer.close()
        await receiver.close()
        return receiver

    asyncio.run(scenario())
    assert len(store.events) == 2
