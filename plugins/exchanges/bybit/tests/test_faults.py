"""The real client against the fake Bybit: after every injected fault the client's book, and the book a
consumer rebuilds from the emitted BOOK_DELTA rows, equal the book rebuilt offline from the recording."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from cryptoscalp_exchange_bybit import BybitFeed
from cryptoscalp_exchange_bybit.testing import FakeBybit

from cryptoscalp_core.domain.events import BookFlag, EventKind, Side

TOPIC = "orderbook.50.BTCUSDT"


def rebuild_from_rows(batches: list[np.ndarray]) -> tuple[dict[int, float], dict[int, float]]:
    """What a downstream consumer builds from the feed's rows, by the MarketFeed contract."""
    bids: dict[int, float] = {}
    asks: dict[int, float] = {}
    for rows in batches:
        if rows["flags"][0] & BookFlag.SNAPSHOT:
            bids.clear()
            asks.clear()
        for side, price, qty in zip(rows["side"].tolist(), rows["price_ticks"].tolist(), rows["qty"].tolist(),
                                    strict=True):
            book = bids if side == Side.BUY else asks
            if qty == 0:
                book.pop(price, None)
            else:
                book[price] = qty
    return bids, asks


async def run_with(fake: FakeBybit, feed: BybitFeed, converged: Any, expected: Any) -> tuple[Any, list[np.ndarray]]:
    books: list[np.ndarray] = []

    async def consume() -> None:
        async for batch in feed.batches():
            if batch.kind is EventKind.BOOK_DELTA:
                books.append(batch.rows.copy())

    await feed.start()
    task = asyncio.create_task(consume())
    await asyncio.wait_for(fake.finished.wait(), 10)
    seen = await converged(feed, expected)
    await asyncio.sleep(0.05)  # the consumer task drains what the socket already delivered
    await feed.stop()
    await task
    return seen, books


FAULTS: dict[str, tuple[Callable[[FakeBybit], Any], dict[str, Any]]] = {
    # name: (injection, expectations)
    "gap": (lambda f: f.gap(2), {"gaps": 1, "reconnects": 0, "connections": 1}),
    "duplicate": (lambda f: f.duplicate(),
                  {"gaps": 0, "resyncs": 0, "reconnects": 0, "dropped": "duplicate_book_update"}),
    "malformed": (lambda f: f.malformed(), {"gaps": 1, "reconnects": 0, "connections": 1, "dropped": "malformed"}),
    "truncated": (lambda f: f.truncated(), {"gaps": 1, "reconnects": 0, "connections": 1, "dropped": "malformed"}),
    "drop_connection": (lambda f: f.drop_connections(), {"reconnects": 1, "connections": 2}),
    "forced_disconnect": (lambda f: f.force_disconnect(1001, "24h cut"), {"reconnects": 1, "connections": 2}),
    "stall": (lambda f: f.stall(1.5), {"reconnects": 1, "connections": 2}),
    "venue_snapshot": (lambda f: f.fresh_snapshot(), {"gaps": 0, "resyncs": 1, "reconnects": 0}),
    "service_restart_u1": (lambda f: f.restart_sequence(), {"gaps": 0, "resyncs": 1, "reconnects": 0}),
}


@pytest.mark.parametrize("name", sorted(FAULTS))
async def test_book_matches_recording_after_fault(name: str, btc: Any, infos: Any, btc_script: Any,
                                                  fast_config: Any, reference: Any, converged: Any) -> None:
    inject, expect = FAULTS[name]
    fake = FakeBybit(btc_script, instruments=infos, interval_s=0.004)
    fake.at(40, lambda: inject(fake))
    async with fake:
        feed = BybitFeed(fast_config(fake), [btc])
        expected = reference(btc_script, TOPIC, btc.tick_size)
        seen, books = await run_with(fake, feed, converged, expected)
    assert seen == expected, f"{name}: client book differs from the offline rebuild"
    assert rebuild_from_rows(books) == expected, f"{name}: rows do not rebuild the recorded book"
    stats = feed.stats
    for counter in ("gaps", "resyncs", "reconnects"):
        if counter in expect:
            assert getattr(stats, counter) == expect[counter], (name, counter, stats)
    if "connections" in expect:
        assert fake.connections_total == expect["connections"], (name, fake.connections_total)
    if "dropped" in expect:
        assert stats.dropped.get(expect["dropped"], 0) >= 1, stats.dropped
    if expect.get("gaps"):
        assert stats.resyncs >= 1


async def test_resync_resubscribes_on_the_same_socket(btc: Any, infos: Any, btc_script: Any, fast_config: Any,
                                                      reference: Any, converged: Any) -> None:
    fake = FakeBybit(btc_script, instruments=infos, interval_s=0.004)
    requests: list[dict[str, Any]] = []
    fake.at(30, fake.gap)
    fake.at(len(btc_script) - 1, lambda: requests.extend(fake.connections[0].received))
    async with fake:
        feed = BybitFeed(fast_config(fake, ping_interval_s=5.0), [btc])
        await run_with(fake, feed, converged, reference(btc_script, TOPIC, btc.tick_size))
    ops = [(r.get("op"), r.get("args")) for r in requests]
    assert ("unsubscribe", [TOPIC]) in ops and ops.count(("subscribe", [TOPIC])) == 1, ops
    assert fake.connections_total == 1


async def test_slow_snapshot_after_gap(btc: Any, infos: Any, btc_script: Any, fast_config: Any, reference: Any,
                                       converged: Any) -> None:
    """The resubscribe's snapshot comes late while the stream goes on: the client waits on the same socket
    (no reconnect within subscribe_timeout_s) and converges once it arrives."""
    fake = FakeBybit(btc_script, instruments=infos, interval_s=0.004)
    fake.at(30, lambda: (fake.slow_snapshot(0.15), fake.gap()))
    async with fake:
        feed = BybitFeed(fast_config(fake), [btc])
        expected = reference(btc_script, TOPIC, btc.tick_size)
        seen, books = await run_with(fake, feed, converged, expected)
    assert seen == expected and rebuild_from_rows(books) == expected
    assert feed.stats.gaps == 1 and feed.stats.resyncs == 1 and feed.stats.reconnects == 0
    assert fake.connections_total == 1


async def test_slow_rest_and_heartbeat(btc: Any, infos: Any, btc_script: Any, fast_config: Any) -> None:
    """A slow instruments endpoint delays start() but does not fail it; pings go out every interval."""
    fake = FakeBybit(btc_script, instruments=infos, interval_s=0.01)
    fake.slow_rest(0.3)
    async with fake:
        feed = BybitFeed(fast_config(fake), [btc])
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        await feed.start()
        assert loop.time() - t0 >= 0.3
        await asyncio.sleep(0.55)
        pings = [r for r in fake.connections[0].received if r.get("op") == "ping"]
        await feed.stop()
    assert 3 <= len(pings) <= 7, len(pings)
    assert all(set(p) == {"op", "req_id"} for p in pings)


async def test_idle_socket_is_cut_and_reopened(btc: Any, infos: Any, btc_script: Any, fast_config: Any) -> None:
    """Without heartbeats the venue cuts the socket; the client reconnects by itself."""
    fake = FakeBybit(btc_script, instruments=infos, interval_s=0.01, idle_timeout_s=0.3)
    async with fake:
        feed = BybitFeed(fast_config(fake, ping_interval_s=60, stall_timeout_s=60), [btc])
        await feed.start()
        await asyncio.sleep(1.2)
        await feed.stop()
    assert feed.stats.reconnects >= 1 and fake.connections_total >= 2
