"""One market-stream WebSocket connection: subscribe within the venue's limits, keep it alive, replace it.

* Binance pings every 3 minutes and drops a client that does not pong within 10: ``websockets``
  answers ping frames by itself, so the feed sends no pings of its own unless the line goes quiet.
* Silence for ``stall_timeout_s`` → one ping; no pong within ``pong_timeout_s`` → the socket is
  abandoned and a new one opened (a half-open TCP connection never errors by itself).
* Outgoing frames (SUBSCRIBE, stall pings) are spaced to ``max_messages_per_second``: Binance counts
  them and disconnects above 10 per second.
* Lost connections reopen with exponential backoff and jitter and resubscribe; the books notice any
  hole through ``pu`` and resync. Before the 24-hour cut (``max_connection_age_s``) a replacement is
  opened and subscribed while the old one still streams; the parser drops the overlap's repeats.
* With a raw sink installed (:attr:`StreamConnection.raw_sink`), every frame received is handed to it
  before anything else looks at it; :func:`control_reply` is how both the socket and the replay of a
  recording tell a reply to our requests from data for the parser.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from itertools import count
from typing import Any, Final

import orjson
import websockets
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import InvalidStatus, WebSocketException

from cryptoscalp_core.marketdata.raw import RawFrameSink
from cryptoscalp_core.ports.market_feed import FeedStats
from cryptoscalp_exchange_binance.backoff import Backoff
from cryptoscalp_exchange_binance.config import BinanceFeedConfig
from cryptoscalp_exchange_binance.streams import ConnectionPlan

log = logging.getLogger("cryptoscalp_exchange_binance")

_STREAM_PREFIX: Final = b'{"stream":'
_PARAMS_PER_FRAME: Final = 50
_BANNED_STATUSES: Final = frozenset({403, 418, 429})
_BANNED_WAIT_S: Final = 60.0


def control_reply(raw: bytes) -> dict[str, Any] | None:
    """The reply or error object a frame without the combined-stream prefix carries (``result`` or
    ``code``), or ``None`` when the frame is for the parser (which counts what it cannot read)."""
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    if isinstance(obj, dict) and ("result" in obj or "code" in obj):
        return obj
    return None


def for_parser(raw: bytes) -> bool:
    """Whether the socket hands ``raw`` to the parser (everything but replies to our requests)."""
    return raw.startswith(_STREAM_PREFIX) or control_reply(raw) is None


class SubscribeError(Exception):
    """The server refused or did not answer a SUBSCRIBE."""


@dataclass(eq=False)
class _Live:
    """An open socket with its reader and watchdog tasks."""

    ws: ClientConnection
    opened_at: float
    last_rx: float
    pending: dict[int, asyncio.Future[Any]] = field(default_factory=dict)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    got_data: asyncio.Event = field(default_factory=asyncio.Event)
    stall_reason: str = ""

    async def wait_ended(self, timeout: float | None) -> bool:
        """``True`` once the reader or watchdog has ended (the socket is lost), ``False`` on timeout."""
        done, _ = await asyncio.wait(self.tasks, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        return bool(done)

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        for task in self.tasks:
            with suppress(asyncio.CancelledError, Exception):
                await task
        for future in self.pending.values():
            future.cancel()
        with suppress(Exception):
            await asyncio.wait_for(self.ws.close(), 2.0)
        if self.ws.transport is not None:
            self.ws.transport.abort()


class StreamConnection:
    """Keeps ``plan.streams`` subscribed on one live socket (or two, briefly, while rotating)."""

    def __init__(self, plan: ConnectionPlan, config: BinanceFeedConfig, on_frame: Callable[[bytes, int], None],
                 stats: FeedStats, clock: Callable[[], int], raw_sink: RawFrameSink | None = None) -> None:
        self.plan = plan
        self.config = config
        self.rotations = 0
        #: receives every frame before it is parsed (recording); read once per frame, so it may change live
        self.raw_sink = raw_sink
        self.subscribed = asyncio.Event()
        self._on_frame = on_frame
        self._stats = stats
        self._clock = clock
        self._ids = count(1)
        self._next_send = 0.0

    async def run(self) -> None:
        """Until cancelled: open, stream, reopen on loss, rotate before the age limit."""
        config = self.config
        backoff = Backoff(config.backoff_initial_s, config.backoff_max_s)
        loop = asyncio.get_running_loop()
        current = await self._open(backoff)
        try:
            while True:
                remaining = current.opened_at + config.max_connection_age_s - loop.time()
                if await current.wait_ended(max(remaining, 0.0)):
                    self.subscribed.clear()
                    self._stats.reconnects += 1
                    log.warning("binance-usdm: connection %s lost (%s); reconnecting", self.plan.url,
                                _why(current))
                    await current.close()
                    await asyncio.sleep(backoff.next_delay())
                    current = await self._open(backoff)
                    continue
                log.info("binance-usdm: replacing connection %s before the venue's age limit", self.plan.url)
                replacement = await self._open(backoff)
                with suppress(TimeoutError):
                    await asyncio.wait_for(replacement.got_data.wait(), config.rotation_overlap_s)
                await current.close()
                current = replacement
                self.rotations += 1
        finally:
            await current.close()

    # -- opening ----------------------------------------------------------------------------------------
    async def _open(self, backoff: Backoff) -> _Live:
        while True:
            try:
                live = await self._connect()
            except (OSError, TimeoutError, WebSocketException) as exc:
                wait = backoff.next_delay()
                if isinstance(exc, InvalidStatus) and exc.response.status_code in _BANNED_STATUSES:
                    wait = max(wait, _BANNED_WAIT_S)  # a handshake refusal means minutes, not seconds
                log.warning("binance-usdm: cannot open %s (%s); retrying in %.2fs", self.plan.url, exc, wait)
                await asyncio.sleep(wait)
                continue
            try:
                await self._subscribe(live)
            except (SubscribeError, TimeoutError, WebSocketException, OSError) as exc:
                log.warning("binance-usdm: subscribing on %s failed (%s)", self.plan.url, exc)
                await live.close()
                await asyncio.sleep(backoff.next_delay())
                continue
            backoff.reset()
            self.subscribed.set()
            return live

    async def _connect(self) -> _Live:
        config = self.config
        ws = await websockets.connect(self.plan.url, open_timeout=config.connect_timeout_s, ping_interval=None,
                                      close_timeout=1.0, max_size=2**24, max_queue=4096, compression=None)
        now = asyncio.get_running_loop().time()
        live = _Live(ws, now, now)
        live.tasks.append(asyncio.create_task(self._pump(live)))
        live.tasks.append(asyncio.create_task(self._watch(live)))
        return live

    async def _subscribe(self, live: _Live) -> None:
        streams = list(self.plan.streams)
        for start in range(0, len(streams), _PARAMS_PER_FRAME):
            request_id = next(self._ids)
            future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
            live.pending[request_id] = future
            await self._send(live, {"method": "SUBSCRIBE", "params": streams[start:start + _PARAMS_PER_FRAME],
                                    "id": request_id})
            reply = await asyncio.wait_for(future, self.config.subscribe_timeout_s)
            if "result" not in reply or reply["result"] is not None:
                raise SubscribeError(f"reply {reply!r}")

    async def _send(self, live: _Live, message: dict[str, Any]) -> None:
        await self._pace()
        await live.ws.send(orjson.dumps(message).decode())

    async def _pace(self) -> None:
        loop = asyncio.get_running_loop()
        now = loop.time()
        if self._next_send > now:
            await asyncio.sleep(self._next_send - now)
        self._next_send = max(now, self._next_send) + 1.0 / self.config.max_messages_per_second

    # -- running ----------------------------------------------------------------------------------------
    async def _pump(self, live: _Live) -> None:
        recv = live.ws.recv
        on_frame = self._on_frame
        clock = self._clock
        loop_time = asyncio.get_running_loop().time
        got_data = live.got_data
        while True:
            raw = await recv(decode=False)
            ts = clock()
            live.last_rx = loop_time()
            sink = self.raw_sink
            if sink is not None:
                sink(ts, raw)
            if raw.startswith(_STREAM_PREFIX):
                on_frame(raw, ts)
                if not got_data.is_set():
                    got_data.set()
            else:
                self._control(live, raw, ts)

    def _control(self, live: _Live, raw: bytes, ts: int) -> None:
        obj = control_reply(raw)
        if obj is None:
            self._on_frame(raw, ts)  # the parser reads it, or counts why it cannot
            return
        request_id = obj.get("id")
        future = live.pending.pop(request_id, None) if isinstance(request_id, int) else None
        if future is not None and not future.done():
            future.set_result(obj)
        elif "code" in obj:
            log.warning("binance-usdm: error from %s: %s", self.plan.url, str(obj)[:200])

    async def _watch(self, live: _Live) -> None:
        """Ends (so the socket is replaced) when a quiet line does not answer a ping."""
        config = self.config
        loop = asyncio.get_running_loop()
        while True:
            quiet = loop.time() - live.last_rx
            if quiet < config.stall_timeout_s:
                await asyncio.sleep(config.stall_timeout_s - quiet)
                continue
            await self._pace()
            try:
                pong = await live.ws.ping()
                await asyncio.wait_for(pong, config.pong_timeout_s)
            except (TimeoutError, WebSocketException):
                live.stall_reason = f"stalled: silent for {quiet:.1f}s and no pong"
                return
            live.last_rx = loop.time()


def _why(live: _Live) -> str:
    if live.stall_reason:
        return live.stall_reason
    for task in live.tasks:
        if task.done() and not task.cancelled():
            exc = task.exception()
            if exc is not None:
                return f"{type(exc).__name__}: {exc}"
    return "closed"
