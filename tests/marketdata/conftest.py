"""A scripted MarketFeed (real async feed whose timing the test controls) and batch builders."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from cryptoscalp_core.domain.events import BOOK_DELTA_DTYPE, TRADE_DTYPE, BookFlag, EventKind, Side
from cryptoscalp_core.ports.market_feed import EventBatch, FeedStats

MS = 1_000_000
T0 = 1_704_067_200_000 * MS


def trades(ids: Sequence[int], *, latency_ms: float = 1.0, price: float = 100.0) -> npt.NDArray[np.void]:
    rows = np.zeros(len(ids), dtype=TRADE_DTYPE)
    ids_arr = np.asarray(ids, dtype=np.int64)
    rows["trade_id"] = ids_arr
    rows["ts_event"] = T0 + ids_arr * MS
    rows["ts_recv"] = rows["ts_event"] + int(latency_ms * MS)
    rows["price"] = price + (ids_arr % 7) * 0.1
    rows["qty"] = 1.0
    rows["side"] = np.where(ids_arr % 2, int(Side.BUY), int(Side.SELL))
    return rows


def book(seq: int, levels: Sequence[tuple[int, int, float]], *, snapshot: bool = False,
         latency_ms: float = 1.0) -> npt.NDArray[np.void]:
    """One venue message: (side, price_ticks, qty) levels, all with ``last_seq = seq``."""
    rows = np.zeros(len(levels), dtype=BOOK_DELTA_DTYPE)
    for i, (side, price, qty) in enumerate(levels):
        rows[i]["side"], rows[i]["price_ticks"], rows[i]["qty"] = side, price, qty
    rows["ts_event"] = T0 + seq * MS
    rows["ts_recv"] = rows["ts_event"] + int(latency_ms * MS)
    rows["first_seq"] = rows["last_seq"] = seq
    rows["prev_seq"] = seq - 1
    rows["flags"] = int(BookFlag.SNAPSHOT) if snapshot else 0
    rows["flags"][-1] |= int(BookFlag.LAST)
    return rows


class ScriptedFeed:
    """Yields its script: ``EventBatch`` items, ``("sleep", seconds)`` pauses, ``("stall", seconds)`` silences
    (the feed stays connected and says nothing), ``"end"`` ends the stream, an exception instance raises."""

    def __init__(self, script: Sequence[Any]) -> None:
        self.script = list(script)
        self._stats = FeedStats()
        self.started = self.stopped = 0
        self._running = False

    @property
    def stats(self) -> FeedStats:
        return self._stats

    async def start(self) -> None:
        if not self._running:
            self._running = True
            self.started += 1

    async def stop(self) -> None:
        if self._running:
            self._running = False
            self.stopped += 1

    def batches(self) -> AsyncIterator[EventBatch]:
        return self._run()

    async def _run(self) -> AsyncIterator[EventBatch]:
        for item in self.script:
            if not self._running:
                return
            if isinstance(item, EventBatch):
                self._stats.events += len(item)
                self._stats.batches += 1
                yield item
                await asyncio.sleep(0)
            elif isinstance(item, BaseException):
                raise item
            elif item == "end":
                return
            else:
                await asyncio.sleep(item[1])
        while self._running:  # a live feed: stays open after its script
            await asyncio.sleep(0.01)


def trade_batches(ids: Sequence[int], per_batch: int = 5, **kw: Any) -> list[EventBatch]:
    return [EventBatch(EventKind.TRADE, trades(ids[i:i + per_batch], **kw)) for i in range(0, len(ids), per_batch)]


@pytest.fixture
def scripted() -> type[ScriptedFeed]:
    return ScriptedFeed


@pytest.fixture
def make_trade_batches() -> Any:
    return trade_batches


@pytest.fixture
def make_book() -> Any:
    return book
