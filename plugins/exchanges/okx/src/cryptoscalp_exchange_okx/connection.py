"""One OKX public socket: connect, (login), subscribe, read, heartbeat, resync, reconnect.

Heartbeat as OKX requires: after ``ping_after_s`` without any message the client sends the literal text
``ping``; a silent ``pong_timeout_s`` later the socket is considered dead (a silent stall looks exactly
like this) and is dropped. WebSocket protocol pings are off: OKX does not use them.

Every drop leads to a reconnect after an exponential, jittered delay, a new login and a full
resubscription; the books of the socket wait for their fresh snapshots (counted as resyncs). A gap in one
book resubscribes that book's channel on the same socket, unless the hourly subscribe budget is spent,
in which case the socket is recycled (a new connection has a new budget).

With a raw sink in the context (recording), every frame received goes to it before it is parsed, and the
books a closed socket voids are recorded as a ``reset`` record, so a replay of the frames through
:meth:`~cryptoscalp_exchange_okx.decode.PushDecoder.decode_frame` (what the socket loop calls) reaches the
same state.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosedOK, InvalidHandshake, WebSocketException

from cryptoscalp_core.marketdata.raw import RawFrameSink
from cryptoscalp_core.ports.market_feed import EventBatch, FeedStats
from cryptoscalp_exchange_okx.book_sync import BookSync
from cryptoscalp_exchange_okx.config import OkxFeedConfig
from cryptoscalp_exchange_okx.decode import PushDecoder
from cryptoscalp_exchange_okx.pacing import Backoff, ConnectThrottle, OpsBudget
from cryptoscalp_exchange_okx.signing import OkxSigner

log = logging.getLogger("cryptoscalp.exchange.okx")

Channel = dict[str, str]  # {"channel": ..., "instId": ...}

#: WS error codes that mean the profile is wrong (bad instrument, bad credentials), not the network
FATAL_CODES = frozenset({"60005", "60009", "60011", "60018", "60022", "60024", "60032"})
_SUBSCRIBE_CHUNK = 20  # channels per subscribe request (OKX caps a request at 64 KB of args)
#: tag of the record that a socket's books were reset (frame: their instIds, space-separated)
RESET_TAG = "reset"


class ConfigurationError(RuntimeError):
    """The venue refused the profile (unknown instrument, failed login): retrying cannot help."""


class _RecycleSocketError(Exception):
    """Drop this socket and reconnect (stall, notice of maintenance, spent subscribe budget)."""


class RecvClock:
    """Wall-clock ns receive stamps that never go back, so batches stay ordered by ``ts_recv``."""

    __slots__ = ("last",)

    def __init__(self) -> None:
        self.last = 0

    def now(self) -> int:
        t = time.time_ns()
        if t < self.last:
            return self.last
        self.last = t
        return t


@dataclass(slots=True)
class SocketContext:
    """What the sockets of one feed share."""

    config: OkxFeedConfig
    decoder: PushDecoder
    stats: FeedStats
    emit: Callable[[EventBatch], Awaitable[None]]
    fail: Callable[[BaseException], None]
    stopping: asyncio.Event
    clock: RecvClock = field(default_factory=RecvClock)
    throttle: ConnectThrottle = field(default_factory=ConnectThrottle)
    signer: OkxSigner | None = None
    #: receives every frame before it is parsed (recording); read once per frame, so it may change live
    raw_sink: RawFrameSink | None = None


class OkxSocket:
    """Keeps ``channels`` subscribed on one socket until the feed stops."""

    def __init__(self, ctx: SocketContext, channels: Sequence[Channel], books: Sequence[BookSync]) -> None:
        self.ctx = ctx
        self.channels = list(channels)
        self.books = {sync.symbol: sync for sync in books}
        self.connected = asyncio.Event()
        self.ws: ClientConnection | None = None
        self.sessions = 0
        self._pending: set[tuple[str, str]] = set()
        self._ack_deadline = 0.0
        self._last_recv = 0.0
        self._logged_in = asyncio.Event()
        cfg = ctx.config
        self._backoff = Backoff(cfg.backoff_initial_s, cfg.backoff_max_s)

    async def run(self) -> None:
        ctx, cfg = self.ctx, self.ctx.config
        while not ctx.stopping.is_set():
            try:
                await ctx.throttle.wait()
                async with asyncio.timeout(cfg.connect_timeout_s):
                    ws = await connect(cfg.ws_url, ping_interval=None, close_timeout=1.0, max_size=2**24,
                                       open_timeout=None)
                self.ws = ws
                try:
                    await self._session(ws)
                finally:
                    await ws.close()
            except ConfigurationError as exc:
                ctx.fail(exc)
                return
            except (OSError, TimeoutError, WebSocketException, InvalidHandshake, _RecycleSocketError) as exc:
                if not ctx.stopping.is_set():
                    log.warning("okx socket dropped (%s: %s); reconnecting", type(exc).__name__, exc)
            finally:
                self.ws = None
                self.connected.clear()
                for sync in self.books.values():
                    sync.reset()
                sink = ctx.raw_sink
                if sink is not None and self.books:
                    sink(ctx.clock.now(), " ".join(self.books).encode(), RESET_TAG)
            if ctx.stopping.is_set():
                return
            ctx.stats.reconnects += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(ctx.stopping.wait(), self._backoff.next_delay())

    async def close(self) -> None:
        ws = self.ws
        if ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(ws.close(), 2.0)

    # -- one connected session -------------------------------------------------------------------------
    async def _session(self, ws: ClientConnection) -> None:
        self.sessions += 1
        budget = OpsBudget(self.ctx.config.max_subscribe_ops_per_hour)
        loop = asyncio.get_running_loop()
        self._last_recv = loop.time()
        self._logged_in.clear()
        watchdog = asyncio.create_task(self._watchdog(ws))
        try:
            if self.ctx.signer is not None:
                await self._send(ws, self.ctx.signer.ws_login(int(time.time())), budget)
                reader = asyncio.create_task(self._read(ws, budget))
                login = asyncio.create_task(self._logged_in.wait())
                done, _ = await asyncio.wait({reader, login}, timeout=self.ctx.config.subscribe_timeout_s,
                                             return_when=asyncio.FIRST_COMPLETED)
                if login not in done:
                    login.cancel()
                    reader.cancel()
                    if reader in done:
                        reader.result()
                    raise _RecycleSocketError("login was not acknowledged")
                await self._subscribe(ws, self.channels, budget)
                await reader
            else:
                await self._subscribe(ws, self.channels, budget)
                await self._read(ws, budget)
        finally:
            watchdog.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await watchdog

    async def _send(self, ws: ClientConnection, msg: dict[str, Any], budget: OpsBudget) -> None:
        budget.spend()
        await ws.send(orjson.dumps(msg).decode())

    async def _subscribe(self, ws: ClientConnection, channels: Sequence[Channel], budget: OpsBudget,
                         op: str = "subscribe") -> None:
        for start in range(0, len(channels), _SUBSCRIBE_CHUNK):
            chunk = list(channels[start:start + _SUBSCRIBE_CHUNK])
            if op == "subscribe":
                self._pending.update((c["channel"], c["instId"]) for c in chunk)
                self._ack_deadline = asyncio.get_running_loop().time() + self.ctx.config.subscribe_timeout_s
            await self._send(ws, {"op": op, "args": chunk}, budget)

    async def _read(self, ws: ClientConnection, budget: OpsBudget) -> None:
        ctx = self.ctx
        clock, decode_frame, emit, control = ctx.clock, ctx.decoder.decode_frame, ctx.emit, self._control
        loop_time = asyncio.get_running_loop().time
        books = self.books
        recv = ws.recv
        while True:
            try:
                raw = await recv(decode=False)
            except ConnectionClosedOK:
                return
            ts_recv = clock.now()
            self._last_recv = loop_time()
            sink = ctx.raw_sink
            if sink is not None:
                sink(ts_recv, raw)
            batch = decode_frame(raw, ts_recv, control)
            if batch is not None:
                await emit(batch)
            if any(sync.wants_resubscribe for sync in books.values()):
                await self._resync(ws, budget)

    async def _resync(self, ws: ClientConnection, budget: OpsBudget) -> None:
        """Unsubscribe and resubscribe the broken books' channel: OKX answers with a fresh snapshot."""
        broken = [sync for sync in self.books.values() if sync.wants_resubscribe]
        if budget.left() < 2:
            raise _RecycleSocketError("hourly subscribe budget spent; a new socket resynchronises the books")
        channel = self.ctx.config.book_channel
        args = [{"channel": channel, "instId": sync.symbol} for sync in broken]
        for sync in broken:
            sync.wants_resubscribe = False
            log.info("okx %s %s: sequence broken; resubscribing for a fresh snapshot", channel, sync.symbol)
        await self._subscribe(ws, args, budget, op="unsubscribe")
        await self._subscribe(ws, args, budget)

    def _control(self, msg: dict[str, Any]) -> None:
        event = msg.get("event")
        if event == "subscribe":
            arg = msg.get("arg") or {}
            self._pending.discard((arg.get("channel"), arg.get("instId")))
            if not self._pending:
                self.connected.set()
                self._backoff.reset()
        elif event == "login":
            if str(msg.get("code", "0")) == "0":
                self._logged_in.set()
            else:
                raise ConfigurationError(f"okx login failed: {msg.get('code')} {msg.get('msg')}")
        elif event == "error":
            code = str(msg.get("code"))
            self.ctx.stats.drop("venue_error")
            if code in FATAL_CODES:
                raise ConfigurationError(f"okx refused the request: {code} {msg.get('msg')}")
            log.warning("okx error event %s: %s", code, msg.get("msg"))
        elif event == "notice":
            # Sent ~60 s before a service upgrade cuts the socket: move to a fresh one now.
            raise _RecycleSocketError(f"venue notice: {msg.get('msg')}")

    async def _watchdog(self, ws: ClientConnection) -> None:
        cfg = self.ctx.config
        loop = asyncio.get_running_loop()
        while True:
            now = loop.time()
            if self._pending and now > self._ack_deadline:
                log.warning("okx subscription not acknowledged within %.1fs; reconnecting", cfg.subscribe_timeout_s)
                break
            due = self._last_recv + cfg.ping_after_s
            if due > now:
                await asyncio.sleep((min(due, self._ack_deadline) if self._pending else due) - now + 1e-3)
                continue
            sent_at = loop.time()
            await ws.send("ping")
            await asyncio.sleep(cfg.pong_timeout_s)
            if self._last_recv < sent_at:
                log.warning("okx socket silent: no pong within %.1fs; reconnecting", cfg.pong_timeout_s)
                break
        # Closing a stalled socket politely would wait for a peer that no longer answers.
        ws.transport.abort()
