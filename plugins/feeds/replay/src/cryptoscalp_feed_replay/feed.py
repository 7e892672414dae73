"""The ``replay`` feed: a :class:`~cryptoscalp_core.ports.MarketFeed` over recorded data.

Reading and parsing are CPU work: they run on a reader thread of their own
(:class:`~cryptoscalp_feed_replay.read_ahead.ReadAhead`), which keeps up to ``READ_AHEAD_SLABS`` *slabs*
(lists of batches of about ``chunk_rows`` rows) ready, so the event loop stays free for the rest of a paper
run, pays one hand-over per slab rather than per batch, and, on two cores, a backtest rarely waits for
data. With ``speed`` set, each batch waits until its first row's ``ts_recv`` is due on the event loop's
clock (recorded pace divided by ``speed``); ``stop()`` wakes that wait at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import suppress

from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.ports.market_feed import EventBatch, FeedStats
from cryptoscalp_feed_replay.config import ReplayConfig
from cryptoscalp_feed_replay.drops import DropLog
from cryptoscalp_feed_replay.read_ahead import ReadAhead
from cryptoscalp_feed_replay.sources import BinanceSource, Source, open_source

#: slabs the reader thread may have ready before the replay consumes them (each about ``chunk_rows`` rows)
READ_AHEAD_SLABS = 2


class _Pacer:
    """Maps recorded ``ts_recv`` to loop time: the first batch goes at once, the rest keep its pace."""

    def __init__(self, speed: float) -> None:
        self.speed = speed
        self._origin: tuple[int, float] | None = None

    async def wait(self, ts_ns: int, stopped: asyncio.Event) -> bool:
        """Sleep until ``ts_ns`` is due; ``False`` if the feed was stopped meanwhile."""
        loop = asyncio.get_running_loop()
        if self._origin is None:
            self._origin = (ts_ns, loop.time())
            return not stopped.is_set()
        delay = self._origin[1] + (ts_ns - self._origin[0]) / 1e9 / self.speed - loop.time()
        if delay > 0:
            with suppress(TimeoutError):
                await asyncio.wait_for(stopped.wait(), delay)
        return not stopped.is_set()


class ReplayFeed:
    """Replays files named by :class:`ReplayConfig` as event batches for ``instruments``.

    Construction does no I/O. ``start()`` resolves the path and checks the files (raising for a
    configuration error: nothing matches, unknown format, Parquet columns or tick size that do not
    fit); each start replays from the beginning with fresh :attr:`stats`. ``batches()`` may be
    iterated once per start and ends at the end of the data or at ``stop()``.
    """

    def __init__(self, config: ReplayConfig, instruments: Sequence[Instrument]) -> None:
        self.config = config
        self.instruments = tuple(instruments)
        self._stats = FeedStats()
        self._source: Source | None = None
        self._stopped: asyncio.Event | None = None
        self._iterated = False

    @property
    def stats(self) -> FeedStats:
        return self._stats

    @property
    def book_synced(self) -> dict[str, bool]:
        """``venue:SYMBOL`` → whether its book is synchronised now (recordings with depth only). A book
        reported ``False`` at the end received no deltas since its last gap or has no usable snapshot."""
        if not isinstance(self._source, BinanceSource):
            return {}
        return {self.instruments[i].id: book.synced for i, book in self._source.books.items()}

    async def start(self) -> None:
        if self._source is not None and self._stopped is not None and not self._stopped.is_set():
            return  # already running
        stats = FeedStats()
        source = await asyncio.to_thread(open_source, self.config, self.instruments, stats, DropLog(stats))
        self._stats, self._source, self._stopped, self._iterated = stats, source, asyncio.Event(), False

    async def stop(self) -> None:
        if self._stopped is not None:
            self._stopped.set()

    async def batches(self) -> AsyncIterator[EventBatch]:
        if self._source is None or self._stopped is None:
            raise RuntimeError("replay: call start() before batches()")
        if self._iterated:
            raise RuntimeError("replay: batches() may be iterated once per start()")
        self._iterated = True
        stopped, stats = self._stopped, self._stats
        pacer = _Pacer(self.config.speed) if self.config.speed else None
        reader = ReadAhead(self._source.slabs(), READ_AHEAD_SLABS)
        try:
            while not stopped.is_set():
                slab = await reader.next()
                if slab is None:
                    return
                for batch in slab:
                    if stopped.is_set():
                        return
                    if pacer is not None and not await pacer.wait(int(batch.rows["ts_recv"][0]), stopped):
                        return
                    stats.events += len(batch)
                    stats.batches += 1
                    yield batch
        finally:
            await asyncio.to_thread(reader.close)


def make_replay_feed(config: ReplayConfig, *, instruments: Sequence[Instrument]) -> ReplayFeed:
    """Replay recorded market data: raw Binance USD-M WebSocket files, the Parquet layout, or OHLCV bars."""
    return ReplayFeed(config, instruments)
