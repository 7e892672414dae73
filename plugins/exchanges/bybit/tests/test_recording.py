"""Bybit's own XRPUSDT orderbook.500 dump (shared data) through the fake server and the real client."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from cryptoscalp_exchange_bybit import BybitFeed
from cryptoscalp_exchange_bybit.testing import FakeBybit

PREFIX = "orderbook.500.XRPUSDT"


@pytest.mark.parametrize(("depth", "fault"), [(500, None), (500, "gap"), (50, None), (50, "restart")])
async def test_recorded_book(depth: int, fault: str | None, xrp: Any, infos: Any, xrp_script: Any,
                             fast_config: Any, reference: Any, converged: Any) -> None:
    fake = FakeBybit(xrp_script, instruments=infos, interval_s=0.004)
    if fault == "gap":
        fake.at(20, fake.gap)
    elif fault == "restart":
        fake.at(25, fake.restart_sequence)
    async with fake:
        feed = BybitFeed(fast_config(fake, depth=depth, trades=False, marks=False), [xrp])
        await feed.start()
        consumer = asyncio.create_task(_drain(feed))
        await asyncio.wait_for(fake.finished.wait(), 10)
        expected = reference(xrp_script, PREFIX, xrp.tick_size, depth=depth if depth < 500 else None)
        seen = await converged(feed, expected)
        await feed.stop()
        await consumer
    assert seen == expected
    if fault == "gap":
        assert feed.stats.gaps == 1 and feed.stats.reconnects == 0
    if fault == "restart":
        assert feed.stats.resyncs == 1 and feed.stats.gaps == 0


async def _drain(feed: BybitFeed) -> None:
    async for _ in feed.batches():
        pass
