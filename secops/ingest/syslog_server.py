"""The syslog receiver: UDP and TCP (RFC 6587) for rsyslog forwarding from hardened hosts.

UDP: one datagram is one message (a trailing LF or NUL is dropped). TCP: each frame is
either octet-counted (``123 <34>1 …``) or ends at LF, decided frame by frame the way
rsyslog's imtcp does (a frame starting with a digit run and a space is counted). A frame
longer than ``max_frame`` is cut there and tagged ``frame_truncated``; the rest of it is
skipped as it arrives, so no sender can make the receiver buffer without bound.

Syslog has no acknowledgement. What the receiver guarantees instead: lines that arrived
are flushed to the store before the event loop reads again (a flush is queued behind the
reads of one loop turn), and a line's id is its content (``syslog:<peer ip>`` + raw), so a
sender that resends after a reconnect never duplicates what was stored. While the store is
unavailable, TCP connections stop being read (the senders' queues hold the lines).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import signal
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from secops.ingest.pipeline import Pipeline
from secops.ingest.readers import Line
from secops.store.base import StoreUnavailable

MAX_FRAME = 64 * 1024
"""The longest message kept (rsyslog's default maxMessageSize is 8 KiB)."""
TRUNCATED = "frame_truncated"
INCOMPLETE = "frame_incomplete"  # the sender closed in the middle of a counted frame
MAX_BACKLOG = 100_000  # events held while the store is down before UDP messages are dropped
RETRY_MAX = 5.0
_DIGITS = range(0x30, 0x3A)
_MAX_COUNT_DIGITS = 9  # a count up to 999,999,999: more cannot be a syslog frame length

Frame = tuple[bytes, tuple[str, ...]]
log = logging.getLogger(__name__)


def _clean(raw: bytes) -> bytes:
    return raw.rstrip(b"\n\0")


class FrameDecoder:
    """RFC 6587 framing of one TCP stream, octet-counting or LF per frame."""

    def __init__(self, max_frame: int = MAX_FRAME) -> None:
        """Keep at most ``max_frame`` bytes of any frame."""
        self.max_frame = max_frame
        self._buf = bytearray()
        self._remaining = -1  # bytes left of the octet-counted frame being read; -1: none
        self._frame = bytearray()
        self._cut = False
        self._skipping = False  # the rest of an over-long LF frame is being thrown away

    def feed(self, data: bytes) -> list[Frame]:
        """The frames ``data`` completes, each as ``(message, tags)``."""
        buf = self._buf
        buf += data
        out: list[Frame] = []
        pos = 0
        while pos < len(buf):
            if self._remaining >= 0:
                pos = self._counted(buf, pos, out)
            elif self._skipping:
                nl = buf.find(b"\n", pos)
                pos = len(buf) if nl < 0 else nl + 1
                self._skipping = nl < 0
            else:
                start = self._start(buf, pos)
                if start is None:
                    break  # a digit run that may still become a count: wait for more
                if start != pos:
                    pos = start
                    continue
                nl = buf.find(b"\n", pos, pos + self.max_frame + 1)
                if nl >= 0:
                    self._emit(out, bytes(buf[pos:nl]), ())
                    pos = nl + 1
                elif len(buf) - pos > self.max_frame:
                    self._emit(out, bytes(buf[pos : pos + self.max_frame]), (TRUNCATED,))
                    pos += self.max_frame
                    self._skipping = True
                else:
                    break
        del buf[:pos]
        return out

    def eof(self) -> list[Frame]:
        """The unterminated last frame when the sender closed its side."""
        out: list[Frame] = []
        if self._remaining >= 0 and self._frame:
            self._emit(out, bytes(self._frame), (INCOMPLETE,))
        elif not self._skipping and self._buf and self._remaining < 0:
            self._emit(out, bytes(self._buf[: self.max_frame]), ())
        self._buf.clear()
        self._frame.clear()
        self._remaining = -1
        return out

    def _start(self, buf: bytearray, pos: int) -> int | None:
        """At a frame's start: past its octet count (entering counted mode), or ``pos``."""
        end = pos
        limit = min(len(buf), pos + _MAX_COUNT_DIGITS + 1)
        while end < limit and buf[end] in _DIGITS:
            end += 1
        if end == pos:
            return pos
        if end == len(buf):
            return None
        if buf[end] != 0x20 or end - pos > _MAX_COUNT_DIGITS or buf[pos] == 0x30:
            return pos  # digits not followed by a space: an LF frame that starts with a number
        count = int(buf[pos:end])
        self._remaining = count
        self._cut = count > self.max_frame
        return end + 1

    def _counted(self, buf: bytearray, pos: int, out: list[Frame]) -> int:
        take = min(self._remaining, len(buf) - pos)
        room = self.max_frame - len(self._frame)
        if room > 0:
            self._frame += buf[pos : pos + min(take, room)]
        self._remaining -= take
        if self._remaining == 0:
            self._emit(out, bytes(self._frame), (TRUNCATED,) if self._cut else ())
            self._frame.clear()
            self._remaining, self._cut = -1, False
        return pos + take

    @staticmethod
    def _emit(out: list[Frame], raw: bytes, tags: tuple[str, ...]) -> None:
        raw = _clean(raw)
        if raw:  # an LF after a counted frame, or a keep-alive newline: nothing to store
            out.append((raw, tags))


class SyslogReceiver:
    """Receives syslog over UDP and TCP on one address and feeds a :class:`Pipeline`."""

    def __init__(
        self,
        pipeline: Pipeline,
        *,
        max_frame: int = MAX_FRAME,
        max_backlog: int = MAX_BACKLOG,
    ) -> None:
        """Feed ``pipeline`` (it has no checkpoints: syslog has no offsets)."""
        self.pipeline = pipeline
        self.max_frame = max_frame
        self.max_backlog = max_backlog
        self.dropped = 0
        self.connections = 0
        self._counter = itertools.count()
        self._servers: list[asyncio.Server] = []
        self._udp: asyncio.DatagramTransport | None = None
        self._transports: set[asyncio.Transport] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._flush_handle: asyncio.Handle | None = None
        self._paused = False
        self._delay = 0.1

    async def start(
        self, host: str = "127.0.0.1", *, tcp_port: int | None = None, udp_port: int | None = None
    ) -> None:
        """Listen on ``host`` (port 0: any free port; see :attr:`tcp_port`, :attr:`udp_port`)."""
        self._loop = asyncio.get_running_loop()
        if tcp_port is not None:
            server = await self._loop.create_server(
                lambda: _TcpProtocol(self), host, tcp_port, reuse_address=True
            )
            self._servers.append(server)
        if udp_port is not None:
            transport, _ = await self._loop.create_datagram_endpoint(
                lambda: _UdpProtocol(self), local_addr=(host, udp_port)
            )
            self._udp = transport

    @property
    def tcp_port(self) -> int | None:
        """The TCP port listened on."""
        for server in self._servers:
            return int(server.sockets[0].getsockname()[1])
        return None

    @property
    def udp_port(self) -> int | None:
        """The UDP port listened on."""
        return None if self._udp is None else int(self._udp.get_extra_info("sockname")[1])

    def take(self, peer: str, frames: list[Frame], *, droppable: bool = False) -> None:
        """Hand frames from ``peer`` to the pipeline and queue a flush behind this loop turn."""
        if not frames:
            return
        if droppable and self._paused and self.pipeline.pending >= self.max_backlog:
            self.dropped += len(frames)  # UDP cannot be paused: count what the kernel would lose
            return
        received = datetime.now(UTC)
        source = f"syslog:{peer}"
        for raw, tags in frames:
            self.pipeline.add(Line(raw, source, next(self._counter), peer, received, -1, tags))
        if self.pipeline.due() and not self._paused:
            self.flush()
        elif self._flush_handle is None and self._loop is not None:
            self._flush_handle = self._loop.call_soon(self.flush)

    def flush(self) -> None:
        """Store what arrived; while the store is down, stop reading TCP and retry."""
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None
        try:
            self.pipeline.flush()
        except StoreUnavailable as exc:
            log.warning("store unavailable, retrying in %.1f s: %s", self._delay, exc)
            self.pipeline.counters.store_retries += 1
            self._pause(True)
            if self._loop is not None:
                self._flush_handle = self._loop.call_later(self._delay, self.flush)
            self._delay = min(self._delay * 2, RETRY_MAX)
            return
        self._delay = 0.1
        self._pause(False)

    def _pause(self, paused: bool) -> None:
        if paused == self._paused:
            return
        self._paused = paused
        for transport in list(self._transports):
            with contextlib.suppress(RuntimeError):  # a transport closing as we go
                if paused:
                    transport.pause_reading()
                else:
                    transport.resume_reading()

    def _connected(self, transport: asyncio.Transport) -> None:
        self._transports.add(transport)
        self.connections += 1
        if self._paused:
            transport.pause_reading()

    def _disconnected(self, transport: asyncio.Transport) -> None:
        self._transports.discard(transport)

    async def close(self, *, timeout: float = 10.0) -> None:
        """Stop listening, close connections, and store what arrived (retrying ``timeout`` s)."""
        for server in self._servers:
            server.close()
        if self._udp is not None:
            self._udp.close()
        for transport in list(self._transports):
            transport.close()
        for server in self._servers:
            await server.wait_closed()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            try:
                self.pipeline.flush()
                break
            except StoreUnavailable as exc:
                if loop.time() >= deadline:
                    log.error(
                        "store unavailable at shutdown, %d events not stored: %s",
                        self.pipeline.pending,
                        exc,
                    )
                    break
                await asyncio.sleep(0.5)
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None


class _TcpProtocol(asyncio.Protocol):
    def __init__(self, receiver: SyslogReceiver) -> None:
        self.receiver = receiver
        self.decoder = FrameDecoder(receiver.max_frame)
        self.peer = "unknown"
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)  # noqa: S101 - a stream server's
        self.transport = transport
        peer = transport.get_extra_info("peername")
        self.peer = str(peer[0]) if peer else "unknown"
        self.receiver._connected(transport)

    def data_received(self, data: bytes) -> None:
        self.receiver.take(self.peer, self.decoder.feed(data))

    def eof_received(self) -> bool:
        self.receiver.take(self.peer, self.decoder.eof())
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        # a reset drops a frame in progress: the sender never finished it, and resends it
        if self.transport is not None:
            self.receiver._disconnected(self.transport)


class _UdpProtocol(asyncio.DatagramProtocol):
    def __init__(self, receiver: SyslogReceiver) -> None:
        self.receiver = receiver

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        limit = self.receiver.max_frame
        tags: tuple[str, ...] = (TRUNCATED,) if len(data) > limit else ()
        raw = _clean(data[:limit])
        if raw:
            self.receiver.take(str(addr[0]), [(raw, tags)], droppable=True)


async def serve(
    pipeline: Pipeline,
    *,
    host: str = "127.0.0.1",
    tcp_port: int | None = None,
    udp_port: int | None = None,
    ready: Callable[[SyslogReceiver], None] | None = None,
) -> SyslogReceiver:
    """Receive until SIGTERM or SIGINT, then store what arrived and return the receiver."""
    receiver = SyslogReceiver(pipeline)
    await receiver.start(host, tcp_port=tcp_port, udp_port=udp_port)
    if ready is not None:
        ready(receiver)
    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopped.set)
    try:
        await stopped.wait()
    finally:
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
        await receiver.close()
    return receiver


__all__ = ["MAX_FRAME", "FrameDecoder", "SyslogReceiver", "serve"]
