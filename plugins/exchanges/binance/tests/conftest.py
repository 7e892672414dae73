"""Shared fixtures: instruments, tapes, and a harness running the real feed against the fake venue.

The reference books here are rebuilt by the tests' own code straight from the tape (the venue's
snapshot plus every diff with ``u >= lastUpdateId``, prices converted with :class:`Decimal`), and from
the BOOK_DELTA rows the feed yielded (``SNAPSHOT`` rows clear the book first) — independently of the
feed's parser and book.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from cryptoscalp_exchange_binance import BinanceFeedConfig, BinanceUsdmFeed, make_binance_feed
from cryptoscalp_exchange_binance.testing import FakeBinanceServer, Tape, synthetic_tape

from cryptoscalp_core.domain.events import BookFlag, EventKind, Side
from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.ports.market_feed import EventBatch

BTC = Instrument("binance-usdm", "BTCUSDT", tick_size=Decimal("0.1"), lot_size=Decimal("0.001"))
ETH = Instrument("binance-usdm", "ETHUSDT", tick_size=Decimal("0.01"), lot_size=Decimal("0.001"))
INSTRUMENTS = (BTC, ETH)
FAST = {"backoff_initial_s": 0.02, "backoff_max_s": 0.2, "stall_timeout_s": 5.0, "pong_timeout_s": 1.0,
        "subscribe_timeout_s": 2.0, "rest_timeout_s": 3.0, "trades": "trade", "max_messages_per_second": 10}

Levels = dict[int, float]


def reference_book(tape: Tape, symbol: str, upto: int, tick: Decimal) -> tuple[Levels, Levels]:
    """The venue's book of ``symbol`` after the first ``upto`` tape messages."""
    snap = tape.snapshots[symbol]
    start = snap["lastUpdateId"]
    bids: dict[int, float] = {}
    asks: dict[int, float] = {}

    def put(side: dict[int, float], price: str, qty: str) -> None:
        ticks = Decimal(price) / tick
        assert ticks == ticks.to_integral_value()
        if Decimal(qty) > 0:
            side[int(ticks)] = float(qty)
        else:
            side.pop(int(ticks), None)

    for price, qty in snap["bids"]:
        put(bids, price, qty)
    for price, qty in snap["asks"]:
        put(asks, price, qty)
    for message in tape.messages[:upto]:
        if message.kind == "depth" and message.symbol == symbol and message.data["u"] >= start:
            for price, qty in message.data["b"]:
                put(bids, price, qty)
            for price, qty in message.data["a"]:
                put(asks, price, qty)
    return bids, asks


def rows_book(batches: list[EventBatch], instrument: int) -> tuple[Levels, Levels]:
    """A consumer's book from the yielded BOOK_DELTA rows."""
    bids: dict[int, float] = {}
    asks: dict[int, float] = {}
    in_snapshot = False
    for batch in batches:
        if batch.kind is not EventKind.BOOK_DELTA:
            continue
        for row in batch.rows[batch.rows["instrument"] == instrument]:
            snap = bool(int(row["flags"]) & BookFlag.SNAPSHOT)
            if snap and not in_snapshot:
                bids.clear()
                asks.clear()
            in_snapshot = snap and not (int(row["flags"]) & BookFlag.LAST)
            side = bids if int(row["side"]) == Side.BUY else asks
            if row["qty"] > 0:
                side[int(row["price_ticks"])] = float(row["qty"])
            else:
                side.pop(int(row["price_ticks"]), None)
    return bids, asks


def top(levels: Levels, n: int, *, bids: bool) -> list[tuple[int, float]]:
    keys = sorted(levels, reverse=bids)[:n]
    return [(k, levels[k]) for k in keys]


@dataclass
class Harness:
    venue: FakeBinanceServer
    feed: BinanceUsdmFeed
    batches: list[EventBatch] = field(default_factory=list)
    task: asyncio.Task[None] | None = None

    @property
    def symbols(self) -> list[str]:
        return [inst.symbol for inst in self.feed.instruments]

    async def caught_up(self, timeout: float = 10.0) -> None:
        """Until every book is live at the venue's last ``u`` (the venue may be mid-fault)."""
        deadline = time.monotonic() + timeout
        while not all(self.feed.book_synced(s) and self.feed.last_update_id(s) == self.venue.last_u(s)
                      for s in self.symbols):
            if time.monotonic() > deadline:
                state = {s: (self.feed.book_synced(s), self.feed.last_update_id(s), self.venue.last_u(s))
                         for s in self.symbols}
                raise AssertionError(f"the feed did not catch up: {state}, stats {self.feed.stats}")
            await asyncio.sleep(0.005)
        await asyncio.sleep(0.01)  # let the consumer take the last batches off the queue

    def assert_books_match(self, depth: int | None = None) -> None:
        for index, inst in enumerate(self.feed.instruments):
            ref_bids, ref_asks = reference_book(self.venue.tape, inst.symbol, self.venue.position, inst.tick_size)
            got_bids, got_asks = rows_book(self.batches, index)
            n = depth or max(len(ref_bids), len(ref_asks), 1)
            own = self.feed.book(inst.symbol)
            assert top(got_bids, n, bids=True) == top(ref_bids, n, bids=True), f"{inst.symbol} bids (rows)"
            assert top(got_asks, n, bids=False) == top(ref_asks, n, bids=False), f"{inst.symbol} asks (rows)"
            assert own.depth(int(Side.BUY), n) == top(ref_bids, n, bids=True), f"{inst.symbol} bids (feed book)"
            assert own.depth(int(Side.SELL), n) == top(ref_asks, n, bids=False), f"{inst.symbol} asks (feed book)"

    def rows(self, kind: EventKind) -> np.ndarray:
        parts = [b.rows for b in self.batches if b.kind is kind]
        from cryptoscalp_core.domain.events import empty
        return np.concatenate(parts) if parts else empty(kind)


MakeHarness = Callable[..., Any]


@pytest.fixture
def synthetic() -> Tape:
    return synthetic_tape(steps=300)


@pytest.fixture
async def harness() -> AsyncIterator[MakeHarness]:
    """``await harness(tape, venue_kwargs..., feed=dict(config overrides))`` → a started :class:`Harness`
    whose consumer collects every batch; torn down after the test."""
    made: list[Harness] = []

    async def make(tape: Tape, *, feed: dict[str, Any] | None = None, instruments: tuple[Instrument, ...] = INSTRUMENTS,
                   **venue_kwargs: Any) -> Harness:
        venue = FakeBinanceServer(tape, **venue_kwargs)
        await venue.start()
        config = BinanceFeedConfig(ws_url=venue.ws_url, rest_url=venue.rest_url, **(FAST | (feed or {})))
        h = Harness(venue, make_binance_feed(config, instruments=instruments))
        made.append(h)
        await h.feed.start()

        async def consume() -> None:
            async for batch in h.feed.batches():
                h.batches.append(batch)

        h.task = asyncio.create_task(consume())
        n_streams = sum(len(c.plan.streams) for c in h.feed.connections)
        await venue.wait_subscribed(n_streams)
        return h

    yield make
    for h in made:
        await h.feed.stop()
        if h.task is not None:
            await asyncio.wait_for(h.task, 5)
        await h.venue.close()
