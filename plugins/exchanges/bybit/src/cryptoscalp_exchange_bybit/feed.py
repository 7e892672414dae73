"""The ``bybit`` feed: Bybit v5 linear public streams as a :class:`~cryptoscalp_core.ports.MarketFeed`.

Per instrument it subscribes the L2 book (``orderbook.{depth}``), the best bid/ask (``orderbook.1``), the
trades (``publicTrade``) and the ticker (``tickers``: mark, index, funding), spread over as few connections
as Bybit's 21,000-character ``args`` limit allows. Frames are parsed on the event loop as they arrive (a
frame is one batch of 1..k rows) and queued for :meth:`BybitFeed.batches`.

The feed is a :class:`~cryptoscalp_core.marketdata.raw.RawFrameSource`: with a sink installed it tees
every frame its connections receive, plus the records :mod:`cryptoscalp_exchange_bybit.recording` needs to
replay them bit for bit (``start``, ``reset``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Sequence

from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.marketdata.raw import START_TAG, RawFrameSink, start_record
from cryptoscalp_core.ports.market_feed import EventBatch, FeedStats
from cryptoscalp_exchange_bybit.book import L2BookLike, make_book
from cryptoscalp_exchange_bybit.config import BybitFeedConfig
from cryptoscalp_exchange_bybit.connection import BybitConnection, RecvClock
from cryptoscalp_exchange_bybit.drops import DropLog
from cryptoscalp_exchange_bybit.errors import BybitConfigError
from cryptoscalp_exchange_bybit.instruments import VENUE, fetch_infos, update_cache, verify
from cryptoscalp_exchange_bybit.recording import decoder_settings, make_topic
from cryptoscalp_exchange_bybit.rest import BybitRest
from cryptoscalp_exchange_bybit.router import FrameRouter, Topic
from cryptoscalp_exchange_bybit.symbols import split_connections, topics_for
from cryptoscalp_exchange_bybit.ticks import TickGrid

log = logging.getLogger("cryptoscalp_exchange_bybit")

_Item = EventBatch | BaseException | None


class BybitFeed:
    """Live Bybit market data for the ``bybit:`` instruments among ``instruments``.

    Construction does no I/O. :meth:`start` checks the instruments over REST (``verify_instruments``),
    connects and waits for the subscriptions to be acknowledged (a refused topic raises
    :class:`BybitConfigError`; an unreachable venue does not: the feed keeps reconnecting in the
    background). :meth:`batches` may be iterated once per start; :meth:`stop` ends it at once.
    """

    def __init__(self, config: BybitFeedConfig, instruments: Sequence[Instrument]) -> None:
        self.config = config
        self.instruments = tuple(instruments)
        self._mine = [(i, ins) for i, ins in enumerate(self.instruments) if ins.venue == VENUE]
        if not self._mine:
            raise BybitConfigError(f"the bybit feed needs at least one '{VENUE}:SYMBOL' instrument, got "
                                   f"{[ins.id for ins in self.instruments]}")
        if len({ins.symbol for _, ins in self._mine}) != len(self._mine):
            raise BybitConfigError("an instrument is listed twice")
        self._stats = FeedStats()
        self._books: dict[int, L2BookLike] = {}
        self._connections: list[BybitConnection] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._queue: asyncio.Queue[_Item] | None = None
        self._running = False
        self._iterated = False
        self._raw_sink: RawFrameSink | None = None

    @property
    def venue(self) -> str:
        return VENUE

    def set_raw_sink(self, sink: RawFrameSink | None) -> None:
        """Tee every received frame to ``sink`` (recording); ``None`` removes it."""
        self._raw_sink = sink
        for connection in self._connections:
            connection.raw_sink = sink

    @property
    def stats(self) -> FeedStats:
        return self._stats

    def book(self, instrument: int) -> L2BookLike | None:
        """The synchronised book of ``instruments[instrument]`` (``keep_book``), or ``None``."""
        return self._books.get(instrument)

    @property
    def connected(self) -> bool:
        return bool(self._connections) and all(c.connected for c in self._connections)

    async def start(self) -> None:
        if self._running:
            return
        cfg = self.config
        if cfg.verify_instruments:
            async with BybitRest(cfg.rest_url, timeout_s=cfg.rest_timeout_s, retries=cfg.rest_retries) as rest:
                infos = await fetch_infos(rest, [ins.symbol for _, ins in self._mine])
            verify([ins for _, ins in self._mine], infos)
            if cfg.cache_instruments:
                await asyncio.to_thread(update_cache, infos)
        self._stats = stats = FeedStats()
        drops = DropLog(stats)
        self._queue = queue = asyncio.Queue[_Item](cfg.queue_batches)
        self._books = {i: make_book() for i, _ in self._mine} if cfg.keep_book and cfg.depth else {}
        topics = {t.name: t for i, ins in self._mine for t in self._topics(i, ins, stats, drops)}
        clock = RecvClock()
        sink = self._raw_sink
        if sink is not None:  # a replay starts from routers built like these
            sink(clock.now(), start_record(decoder_settings(cfg)), START_TAG)
        self._connections = [
            BybitConnection(f"#{n}", cfg, FrameRouter([topics[name] for name in group], drops,
                                                      block_trades=cfg.block_trades), stats, clock, queue, sink)
            for n, group in enumerate(split_connections(list(topics), cfg.max_args_chars))
        ]
        self._tasks = [asyncio.create_task(c.run(), name=f"bybit-feed{c.name}") for c in self._connections]
        self._running, self._iterated = True, False
        try:
            await asyncio.wait_for(asyncio.gather(*(c.ready for c in self._connections)),
                                   cfg.open_timeout_s + cfg.subscribe_timeout_s)
        except TimeoutError:
            log.warning("bybit: not subscribed yet after %.0f s; still trying in the background",
                        cfg.open_timeout_s + cfg.subscribe_timeout_s)
        except BaseException:
            await self.stop()
            raise

    def _topics(self, index: int, ins: Instrument, stats: FeedStats, drops: DropLog) -> list[Topic]:
        grid = TickGrid(ins.tick_size)
        return [make_topic(name, ins.symbol, index, grid, stats, drops, self._books.get(index))
                for name in topics_for(self.config, ins.symbol)]

    async def stop(self) -> None:
        if not self._running:
            return
        self._running = False
        for connection in self._connections:
            await connection.close()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks = []
        if self._queue is not None:
            with contextlib.suppress(asyncio.QueueFull):
                self._queue.put_nowait(None)

    async def batches(self) -> AsyncIterator[EventBatch]:
        queue = self._queue
        if queue is None:
            raise RuntimeError("bybit: call start() before batches()")
        if self._iterated:
            raise RuntimeError("bybit: batches() may be iterated once per start()")
        self._iterated = True
        stats = self._stats
        while True:
            if not self._running and queue.empty():
                return
            item = await queue.get()
            if item is None or not self._running:
                return
            if isinstance(item, BaseException):
                raise item
            stats.events += len(item.rows)
            stats.batches += 1
            yield item


def make_bybit_feed(config: BybitFeedConfig, *, instruments: Sequence[Instrument]) -> BybitFeed:
    """Bybit v5 linear perpetuals, live: trades, best bid/ask, L2 book (u-continuity sync), mark and funding."""
    return BybitFeed(config, instruments)
