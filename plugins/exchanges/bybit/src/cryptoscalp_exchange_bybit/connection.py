"""One public WebSocket connection to Bybit: subscribe, heartbeat, resubscribe on gaps, reconnect.

Bybit's rules honoured here: the client sends ``{"op":"ping"}`` every 20 s (configurable) and the
server answers with a pong; topics go in ``subscribe`` requests of a few args each; a gap in a book's
``u`` is repaired by resubscribing that topic on the same connection (the new subscription starts with a
snapshot), so the other topics keep streaming. A connection that falls silent (no data, no pong) for
``stall_timeout_s``, or whose resubscribed book gets no snapshot in ``subscribe_timeout_s``, is replaced;
reconnects back off exponentially with jitter and resubscribe everything.

With a raw sink (recording), every frame received goes to it before it is routed, and each session
start records a ``reset`` of the connection's topics (their state built from the old subscription is
void), which is what :mod:`cryptoscalp_exchange_bybit.recording` needs to replay the frames.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections import deque

import orjson
import websockets
from websockets.asyncio.client import ClientConnection, connect

from cryptoscalp_core.marketdata.raw import RawFrameSink
from cryptoscalp_core.ports.market_feed import EventBatch, FeedStats
from cryptoscalp_exchange_bybit.backoff import Backoff
from cryptoscalp_exchange_bybit.config import BybitFeedConfig
from cryptoscalp_exchange_bybit.errors import BybitSubscriptionError
from cryptoscalp_exchange_bybit.router import FrameRouter
from cryptoscalp_exchange_bybit.symbols import chunks
from cryptoscalp_exchange_bybit.wire import Frame

log = logging.getLogger("cryptoscalp_exchange_bybit")

_MAX_FRAME = 1 << 23  # a 1000-level snapshot is ~40 kB; leave room, but bound what a peer can make us buffer
_BENIGN_FAILURES = ("already subscribed", "not subscribed", "not found")  # replies to our own resubscribes
#: tag of the record that a session starts: its topics (space-separated in the frame) are reset
RESET_TAG = "reset"


class RecvClock:
    """Receive timestamps (ns since the epoch) that never go backwards, even if the wall clock is stepped,
    shared by all connections of a feed so ``ts_recv`` is monotonic across its batches."""

    __slots__ = ("last",)

    def __init__(self) -> None:
        self.last = 0

    def now(self) -> int:
        t = time.time_ns()
        if t < self.last:
            return self.last
        self.last = t
        return t


class BybitConnection:
    """Keeps one connection (and its router's topics) alive until :meth:`close`."""

    def __init__(self, name: str, config: BybitFeedConfig, router: FrameRouter, stats: FeedStats,
                 clock: RecvClock, queue: asyncio.Queue[EventBatch | BaseException | None],
                 raw_sink: RawFrameSink | None = None) -> None:
        self.name = name
        #: receives every frame before it is routed (recording); read once per frame, so it may change live
        self.raw_sink = raw_sink
        self.config = config
        self.router = router
        self.stats = stats
        self.clock = clock
        self.queue = queue
        self.topics = list(router.topics)
        self.ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.connected = False
        self._closing = False
        self._ws: ClientConnection | None = None
        self._pending: deque[tuple[str, float]] = deque()  # (req_id, sent at) of unacknowledged subscribes
        self._req_ids = itertools.count(1)
        self._last_recv = 0.0
        self._backoff = Backoff(config.backoff_initial_s, config.backoff_max_s)

    # -- lifecycle ----------------------------------------------------------------------------------------
    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while not self._closing:
            try:
                # compression=None: inflating every frame adds latency; Bybit streams uncompressed unless asked.
                async with connect(self.config.ws_url, open_timeout=self.config.open_timeout_s,
                                   ping_interval=None, close_timeout=1.0, max_size=_MAX_FRAME,
                                   max_queue=64, compression=None) as ws:
                    self._ws = ws
                    await self._session(ws, loop)
            except BybitSubscriptionError as exc:
                self._fail(exc)
                return
            except (OSError, TimeoutError, websockets.exceptions.WebSocketException) as exc:
                if not self._closing:
                    log.warning("bybit %s: connection lost: %s", self.name, exc or type(exc).__name__)
            finally:
                self._ws = None
                self.connected = False
            if self._closing:
                return
            self.stats.reconnects += 1
            if not self.ready.done():
                self.ready.set_result(None)  # start() stops waiting; we keep trying in the background
            await asyncio.sleep(self._backoff.next_delay())

    async def close(self) -> None:
        self._closing = True
        ws = self._ws
        if ws is not None:
            with contextlib.suppress(Exception):
                await ws.close()

    def _fail(self, exc: BaseException) -> None:
        log.error("bybit %s: %s", self.name, exc)
        if not self.ready.done():
            self.ready.set_exception(exc)
        else:
            self.queue.put_nowait(exc)  # a configuration error surfaces from batches()

    # -- one connection -----------------------------------------------------------------------------------
    async def _session(self, ws: ClientConnection, loop: asyncio.AbstractEventLoop) -> None:
        self.router.reset()
        sink = self.raw_sink
        if sink is not None:
            sink(self.clock.now(), " ".join(self.router.topics).encode(), RESET_TAG)
        self._pending.clear()
        self._last_recv = loop.time()
        self.connected = True
        for group in chunks(self.topics, self.config.max_args_per_request):
            await self._send(ws, "subscribe", group)
        tasks = [asyncio.create_task(self._heartbeat(ws)), asyncio.create_task(self._watchdog(ws, loop))]
        router, queue, now = self.router, self.queue, self.clock.now
        try:
            while True:
                raw = await ws.recv(decode=False)
                ts_recv = now()
                self._last_recv = loop.time()
                sink = self.raw_sink
                if sink is not None:
                    sink(ts_recv, raw)
                out = router.route(raw, ts_recv)
                if type(out) is EventBatch:
                    if queue.full():
                        await queue.put(out)  # back-pressure: stop reading until the consumer catches up
                    else:
                        queue.put_nowait(out)
                elif out is not None:
                    assert isinstance(out, Frame)
                    self._on_reply(out)
                if router.resync_pending:
                    await self._resubscribe(ws)
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task

    async def _send(self, ws: ClientConnection, op: str, args: list[str] | None = None) -> str:
        req_id = f"{op}-{next(self._req_ids)}"
        message: dict[str, object] = {"req_id": req_id, "op": op}
        if args is not None:
            message["args"] = args
        if op == "subscribe":
            self._pending.append((req_id, time.monotonic()))
        await ws.send(orjson.dumps(message).decode())
        return req_id

    def _on_reply(self, frame: Frame) -> None:
        if frame.op != "subscribe":
            return  # pongs only prove liveness (already noted); unsubscribe replies need nothing
        if frame.success is False:
            text = frame.ret_msg or "subscribe refused"
            if any(s in text for s in _BENIGN_FAILURES):
                log.info("bybit %s: %s", self.name, text)
            else:
                raise BybitSubscriptionError(f"Bybit refused the subscription: {text}")
        # Linear acks may carry an empty req_id: match by id when we can, else the oldest pending request.
        for i, (req_id, _) in enumerate(self._pending):
            if req_id == frame.req_id:
                del self._pending[i]
                break
        else:
            if self._pending:
                self._pending.popleft()
        if not self._pending:
            self._backoff.reset()
            if not self.ready.done():
                self.ready.set_result(None)

    async def _resubscribe(self, ws: ClientConnection) -> None:
        topics = self.router.resync_pending[:]
        self.router.resync_pending.clear()
        names = [t.name for t in topics]
        log.info("bybit %s: resubscribing %s for a fresh snapshot", self.name, ", ".join(names))
        await self._send(ws, "unsubscribe", names)
        await self._send(ws, "subscribe", names)
        for topic in topics:
            if topic.sync is not None:
                topic.sync.resubscribed()

    async def _heartbeat(self, ws: ClientConnection) -> None:
        while True:
            await asyncio.sleep(self.config.ping_interval_s)
            await self._send(ws, "ping")

    async def _watchdog(self, ws: ClientConnection, loop: asyncio.AbstractEventLoop) -> None:
        cfg = self.config
        period = min(1.0, cfg.stall_timeout_s / 4, cfg.subscribe_timeout_s / 4)
        while True:
            await asyncio.sleep(period)
            silent = loop.time() - self._last_recv
            reason = None
            if silent > cfg.stall_timeout_s:
                reason = f"silent for {silent:.1f} s"
            elif self._pending and time.monotonic() - self._pending[0][1] > cfg.subscribe_timeout_s:
                reason = "no subscribe acknowledgement"
            else:
                now = time.monotonic()
                for topic in self.router.topics.values():
                    sync = topic.sync
                    if sync is not None and sync.state != 1 and now - sync.awaiting_since > cfg.subscribe_timeout_s:
                        reason = f"no snapshot for {topic.name}"
                        break
            if reason is not None:
                log.warning("bybit %s: %s; reconnecting", self.name, reason)
                ws.transport.abort()  # no closing handshake with a peer that stopped answering
                return
