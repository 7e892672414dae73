"""The ``binance-usdm`` feed: Binance USD-M public market streams as a :class:`MarketFeed`.

Construction does no I/O. ``start()`` checks the profile instruments against ``/fapi/v1/exchangeInfo``
(raising :class:`InstrumentError` for a configuration error), then opens the stream connections in the
background; ``batches()`` yields what they deliver, in arrival order; ``stop()`` closes everything and
ends ``batches()``. A consumer slower than the venue is protected by a bounded queue: beyond
``max_pending_batches`` batches are dropped (counted) and a book whose deltas were dropped is resynced,
so the consumer never builds a wrong book.

The feed is a :class:`~cryptoscalp_core.marketdata.raw.RawFrameSource`: with a sink installed it tees
every WebSocket frame, every depth snapshot body (tagged ``depth SYMBOL``) and every batch the queue
dropped (``overflow N``), which is what :mod:`cryptoscalp_exchange_binance.recording` needs to replay
the recording bit for bit.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import suppress
from typing import Any

import aiohttp
import numpy as np

from cryptoscalp_core.domain.events import EventKind
from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.marketdata.raw import START_TAG, RawFrameSink, start_record
from cryptoscalp_core.ports.market_feed import EventBatch, FeedStats
from cryptoscalp_exchange_binance.backoff import Backoff
from cryptoscalp_exchange_binance.book import Book
from cryptoscalp_exchange_binance.config import BinanceFeedConfig
from cryptoscalp_exchange_binance.connection import StreamConnection
from cryptoscalp_exchange_binance.drops import DropLog
from cryptoscalp_exchange_binance.instruments import VENUE, check_instrument, symbols_by_name
from cryptoscalp_exchange_binance.parser import StreamParser, SymbolState
from cryptoscalp_exchange_binance.recording import OVERFLOW_TAG, SNAPSHOT_TAG, decoder_settings
from cryptoscalp_exchange_binance.rest import BinanceApiError, BinanceRest, RateLimitedError
from cryptoscalp_exchange_binance.streams import plan_connections

log = logging.getLogger("cryptoscalp_exchange_binance")

_STOP: Any = object()


class BinanceUsdmFeed:
    """Live Binance USD-M market data for the profile's ``binance-usdm`` instruments (others are ignored;
    ``instrument`` in the rows indexes the full ``instruments`` sequence)."""

    def __init__(self, config: BinanceFeedConfig, instruments: Sequence[Instrument]) -> None:
        self.config = config
        self.instruments = tuple(instruments)
        self._mine = [(i, inst) for i, inst in enumerate(self.instruments) if inst.venue == VENUE]
        if not self._mine:
            raise ValueError(f"the {VENUE} feed needs at least one {VENUE}:SYMBOL instrument in the profile")
        self._stats = FeedStats()
        self._parser: StreamParser | None = None
        self._queue: asyncio.Queue[Any] | None = None
        self._rest: BinanceRest | None = None
        self._connections: list[StreamConnection] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._snapshot_backoff: dict[int, Backoff] = {}
        self._running = False
        self._iterated = False
        self._last_ts = 0
        self._raw_sink: RawFrameSink | None = None

    # -- RawFrameSource ---------------------------------------------------------------------------------
    @property
    def venue(self) -> str:
        return VENUE

    def set_raw_sink(self, sink: RawFrameSink | None) -> None:
        self._raw_sink = sink
        for connection in self._connections:
            connection.raw_sink = sink

    # -- MarketFeed -------------------------------------------------------------------------------------
    @property
    def stats(self) -> FeedStats:
        return self._stats

    async def start(self) -> None:
        if self._running:
            return
        config = self.config
        stats = FeedStats()
        rest = BinanceRest(config.rest_url, config.rest_timeout_s)
        try:
            if config.check_instruments:
                await self._check_instruments(rest)
        except BaseException:
            await rest.close()
            raise
        self._stats, self._rest, self._iterated = stats, rest, False
        self._queue = asyncio.Queue()
        self._parser = StreamParser(self._mine, stats, DropLog(stats), self._request_snapshot,
                                    max_buffer=config.max_buffered_diffs)
        self._snapshot_backoff = {i: Backoff(config.backoff_initial_s, config.backoff_max_s) for i, _ in self._mine}
        symbols = [inst.symbol for _, inst in self._mine]
        if self._raw_sink is not None:  # a replay starts from a parser built like this one
            self._raw_sink(self._now(), start_record(decoder_settings(config)), START_TAG)
        self._connections = [StreamConnection(plan, config, self._on_frame, stats, self._now, self._raw_sink)
                             for plan in plan_connections(symbols, config)]
        self._running = True
        for connection in self._connections:
            self._spawn(connection.run())

    def batches(self) -> AsyncIterator[EventBatch]:
        if not self._running or self._queue is None:
            raise RuntimeError("binance-usdm: call start() before batches()")
        if self._iterated:
            raise RuntimeError("binance-usdm: batches() may be iterated once per start()")
        self._iterated = True
        return self._drain(self._queue, self._stats)

    async def stop(self) -> None:
        if not self._running:
            return
        self._running = False
        tasks, self._tasks = list(self._tasks), set()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with suppress(asyncio.CancelledError, Exception):
                await task
        if self._rest is not None:
            await self._rest.close()
        if self._queue is not None:
            self._queue.put_nowait(_STOP)

    # -- inspection -------------------------------------------------------------------------------------
    def book(self, symbol: str) -> Book:
        """The feed's own book of ``symbol`` (consistent while :meth:`book_synced` says so)."""
        return self._state(symbol).sync.book

    def book_synced(self, symbol: str) -> bool:
        return self._state(symbol).sync.live

    def last_update_id(self, symbol: str) -> int:
        """``u`` of the last depth diff applied to ``symbol``'s book (-1 before the first sync)."""
        return self._state(symbol).sync.last_u

    @property
    def connections(self) -> tuple[StreamConnection, ...]:
        return tuple(self._connections)

    @property
    def rotations(self) -> int:
        """Proactive reconnects done before the venue's 24-hour cut (not counted as reconnects)."""
        return sum(c.rotations for c in self._connections)

    # -- internals --------------------------------------------------------------------------------------
    async def _drain(self, queue: asyncio.Queue[Any], stats: FeedStats) -> AsyncIterator[EventBatch]:
        while True:
            item = await queue.get()
            if item is _STOP or not self._running:
                return
            stats.events += len(item)
            stats.batches += 1
            yield item

    async def _check_instruments(self, rest: BinanceRest) -> None:
        try:
            listed = symbols_by_name(await rest.exchange_info())
        except (aiohttp.ClientError, TimeoutError, BinanceApiError, ValueError) as exc:
            log.warning("binance-usdm: exchangeInfo unavailable (%s); instruments not checked", exc)
            return
        for _, inst in self._mine:
            check_instrument(inst, listed.get(inst.symbol))

    def _now(self) -> int:
        """Receive time in ns that never goes backwards, whatever the wall clock does."""
        ts = time.time_ns()
        if ts < self._last_ts:
            ts = self._last_ts
        self._last_ts = ts
        return ts

    def _on_frame(self, raw: bytes, ts_recv: int) -> None:
        assert self._parser is not None
        batches = self._parser.on_frame(raw, ts_recv)
        for batch in batches:
            self._enqueue(batch, batches)

    def _enqueue(self, batch: EventBatch, batches: list[EventBatch]) -> None:
        """``batch`` (one of ``batches``, the output of one frame or snapshot) to the consumer's queue."""
        queue = self._queue
        assert queue is not None and self._parser is not None
        if queue.qsize() < self.config.max_pending_batches:
            queue.put_nowait(batch)
            return
        self._stats.drop("consumer_overflow", len(batch))
        sink = self._raw_sink
        if sink is not None:  # the replay drops the same batch and resyncs the same books
            position = next(i for i, b in enumerate(batches) if b is batch)
            sink(self._now(), b"", f"{OVERFLOW_TAG} {position}")
        if batch.kind is EventKind.BOOK_DELTA:
            for index in np.unique(batch.rows["instrument"]).tolist():
                self._parser.by_index[int(index)].sync.force_resync()

    def _request_snapshot(self, index: int) -> None:
        if self._running:
            self._spawn(self._fetch_snapshot(index))

    async def _fetch_snapshot(self, index: int) -> None:
        parser, rest = self._parser, self._rest
        assert parser is not None and rest is not None
        state = parser.by_index[index]
        backoff = self._snapshot_backoff[index]
        backoff.reset()
        if state.sync.stale_in_row:  # the last snapshot was already behind: do not hammer the REST budget
            backoff.attempt = state.sync.stale_in_row - 1
            await asyncio.sleep(backoff.next_delay())
        symbol = self.instruments[index].symbol
        while True:
            try:
                body = await rest.depth(symbol, self.config.snapshot_limit)
                break
            except RateLimitedError as exc:
                log.warning("binance-usdm: depth snapshot rate-limited; waiting %.1fs", exc.retry_after_s)
                await asyncio.sleep(exc.retry_after_s)
            except (BinanceApiError, aiohttp.ClientError, TimeoutError) as exc:
                wait = backoff.next_delay()
                log.warning("binance-usdm: %s depth snapshot failed (%s); retrying in %.2fs", symbol, exc, wait)
                await asyncio.sleep(wait)
        ts_recv = self._now()
        sink = self._raw_sink
        if sink is not None:
            sink(ts_recv, body, f"{SNAPSHOT_TAG} {symbol}")
        batches = parser.on_snapshot(index, body, ts_recv)
        for batch in batches:
            self._enqueue(batch, batches)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("binance-usdm: background task failed", exc_info=task.exception())

    def _state(self, symbol: str) -> SymbolState:
        if self._parser is None:
            raise RuntimeError("binance-usdm: the feed has not been started")
        return self._parser.symbols[symbol.upper()]


def make_binance_feed(config: BinanceFeedConfig, *, instruments: Sequence[Instrument]) -> BinanceUsdmFeed:
    """Binance USD-M public market streams: trades, best bid/ask, synchronised L2 book, mark price/funding."""
    return BinanceUsdmFeed(config, instruments)
