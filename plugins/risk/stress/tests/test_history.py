"""One-second reduction and worst moves against plain-Python references."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator

import anyio
import numpy as np
import pytest
from cryptoscalp_risk_stress.history import MarketHistory, collect
from hypothesis import given, settings
from hypothesis import strategies as st

from cryptoscalp_core.domain.events import EventKind, empty
from cryptoscalp_core.ports.market_feed import EventBatch

S = 1_000_000_000


async def _feed(batches: list[EventBatch]) -> AsyncIterator[EventBatch]:
    for b in batches:
        yield b


def _trades(ts: list[int], prices: list[float], qty: float = 1.0) -> EventBatch:
    rows = empty(EventKind.TRADE, len(ts))
    rows["ts_event"] = rows["ts_recv"] = ts
    rows["price"], rows["qty"] = prices, qty
    return EventBatch(EventKind.TRADE, rows)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3 * S), st.floats(10, 20)), min_size=1, max_size=60), st.integers(1, 9))
def test_closes_and_volume_match_reference(steps: list[tuple[int, float]], cut: int) -> None:
    ts = list(np.cumsum([g for g, _ in steps]))
    prices = [p for _, p in steps]
    batches = [_trades(ts[i:i + cut], prices[i:i + cut]) for i in range(0, len(ts), cut)]
    history: MarketHistory = anyio.run(collect, _feed(batches), ["x"])
    last: dict[int, float] = {}
    volume: dict[int, float] = {}
    for t, p in zip(ts, prices, strict=True):
        last[t // S] = p
        volume[t // S] = volume.get(t // S, 0) + 1
    first, end = min(last), max(last)
    assert list(history.seconds[0]) == list(range(first, end + 1))
    filled, prev = [], math.nan
    for sec in range(first, end + 1):
        prev = last.get(sec, prev)
        filled.append(prev)
    assert list(history.close[0]) == filled
    assert list(history.volume[0]) == [volume.get(sec, 0.0) for sec in range(first, end + 1)]


def test_worst_move_and_spreads() -> None:
    prices = [100, 100, 101, 99, 98, 100, 100]
    batches = [_trades([i * S for i in range(7)], prices)]
    quotes = empty(EventKind.QUOTE, 2)
    quotes["ts_event"] = quotes["ts_recv"] = [S, 2 * S]
    quotes["bid_price"], quotes["ask_price"] = [99.9, 100.9], [100.1, 101.3]
    quotes["bid_qty"] = quotes["ask_qty"] = 5
    batches.append(EventBatch(EventKind.QUOTE, quotes))
    history = anyio.run(collect, _feed(batches), ["x"])
    fall, at = history.worst_move(0, 2, -1)
    assert fall == pytest.approx(98 / 101.1 - 1) and at == 2  # the later quote mid (101.1) closes second 2
    rise, at = history.worst_move(0, 1, 1)
    assert rise == pytest.approx(100 / 98 - 1) and at == 4
    assert history.spread[0][1] == pytest.approx(0.2 / 100.0)
    assert math.isnan(history.worst_move(0, 50, -1)[0])
