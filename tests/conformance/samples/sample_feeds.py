"""A small correct MarketFeed and broken variants, each breaking one FEED case."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import numpy as np

from cryptoscalp_core.domain.events import DTYPES, EventKind
from cryptoscalp_core.ports.market_feed import EventBatch, FeedStats

N_INSTRUMENTS = 2
T0 = 1_700_000_000_000_000_000


class SyntheticFeed:
    """Finite feed: alternating trade and quote batches for two instruments, 1 µs apart."""

    def __init__(self, n_batches: int = 20, rows: int = 50) -> None:
        self._n_batches, self._rows = n_batches, rows
        self._stats = FeedStats()
        self._running = False

    @property
    def stats(self) -> FeedStats:
        return self._stats

    async def start(self) -> None:
        self._running = True

    async def stop(self) -> None:
        self._running = False

    def _make(self, index: int, ts0: int) -> tuple[EventKind, np.ndarray]:
        kind = EventKind.TRADE if index % 2 == 0 else EventKind.QUOTE
        rows = np.zeros(self._rows, dtype=DTYPES[kind])
        rows["ts_recv"] = ts0 + np.arange(self._rows) * 1_000
        rows["ts_event"] = rows["ts_recv"] - 500
        rows["instrument"] = np.arange(self._rows) % N_INSTRUMENTS
        if kind is EventKind.TRADE:
            rows["price"], rows["qty"], rows["side"] = 100.0 + np.arange(self._rows) * 0.1, 0.5, 1
        else:
            rows["bid_price"], rows["ask_price"], rows["bid_qty"], rows["ask_qty"] = 100.0, 100.1, 1.0, 2.0
        return kind, rows

    def corrupt(self, index: int, kind: EventKind, rows: np.ndarray) -> np.ndarray:
        return rows

    def keep_going(self) -> bool:
        return self._running

    async def batches(self) -> AsyncIterator[EventBatch]:
        ts = T0
        for index in range(self._n_batches):
            if not self.keep_going():
                return
            kind, rows = self._make(index, ts)
            ts = int(rows["ts_recv"][-1]) + 1_000
            rows = self.corrupt(index, kind, rows)
            self._stats.events += len(rows)
            self._stats.batches += 1
            yield EventBatch(kind, rows)
            await asyncio.sleep(0)


class BadDtypeFeed(SyntheticFeed):
    def corrupt(self, index: int, kind: EventKind, rows: np.ndarray) -> np.ndarray:
        if kind is not EventKind.TRADE:
            return rows
        descr = [(name, "<f4" if name == "price" else rows.dtype[name].str) for name in rows.dtype.names or ()]
        return rows.astype(np.dtype(descr))


class UnsortedWithinFeed(SyntheticFeed):
    def corrupt(self, index: int, kind: EventKind, rows: np.ndarray) -> np.ndarray:
        if index == 4:
            rows[[10, 20]] = rows[[20, 10]]
        return rows


class UnsortedAcrossFeed(SyntheticFeed):
    def corrupt(self, index: int, kind: EventKind, rows: np.ndarray) -> np.ndarray:
        if index == 5:
            rows["ts_recv"] -= 1_000_000
        return rows


class NanPriceFeed(SyntheticFeed):
    def corrupt(self, index: int, kind: EventKind, rows: np.ndarray) -> np.ndarray:
        if kind is EventKind.TRADE and index == 6:
            rows["price"][7] = np.nan
        return rows


class BadInstrumentFeed(SyntheticFeed):
    def corrupt(self, index: int, kind: EventKind, rows: np.ndarray) -> np.ndarray:
        if index == 3:
            rows["instrument"][0] = N_INSTRUMENTS
        return rows


class StartOnceFeed(SyntheticFeed):
    async def start(self) -> None:
        if self._running:
            raise RuntimeError("already started")
        self._running = True


class IgnoresStopFeed(SyntheticFeed):
    def keep_going(self) -> bool:
        return True


class MiscountingFeed(SyntheticFeed):
    def corrupt(self, index: int, kind: EventKind, rows: np.ndarray) -> np.ndarray:
        self._stats.events += 1  # counts a row it never yields
        return rows
